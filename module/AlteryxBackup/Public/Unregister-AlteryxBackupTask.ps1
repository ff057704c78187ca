function Unregister-AlteryxBackupTask {
    <#
    .SYNOPSIS
        Removes AlteryxBackup scheduled tasks.

    .DESCRIPTION
        Unregisters the named task in the Task Scheduler folder \AlteryxBackup\ (Unregister-ScheduledTask),
        after checking that it is an AlteryxBackup task (its action runs Invoke-AlteryxBackup.ps1): any other
        task is refused with an error and left alone. A name that matches no task is an error too. Supports
        -WhatIf and -Confirm; accepts the objects of Get-AlteryxBackupTask from the pipeline. Archives and
        logs are not touched.

    .PARAMETER TaskName
        Name(s) of the task(s).

    .PARAMETER TaskPath
        Task Scheduler folder (default \AlteryxBackup\).

    .EXAMPLE
        Unregister-AlteryxBackupTask -TaskName 'Alteryx Backup - Full (nightly)'

        Removes the nightly task.

    .EXAMPLE
        Get-AlteryxBackupTask | Unregister-AlteryxBackupTask -WhatIf

        Shows which tasks would be removed.

    .OUTPUTS
        None.

    .LINK
        Register-AlteryxBackupTask
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string[]] $TaskName,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $TaskPath = '\AlteryxBackup\'
    )

    process {
        foreach ($name in $TaskName) {
            $task = Get-ScheduledTask -TaskName $name -TaskPath $TaskPath -ErrorAction SilentlyContinue | Select-Object -First 1
            if ($null -eq $task) {
                Write-Error -Message "No scheduled task '$name' in $TaskPath. Get-AlteryxBackupTask lists the AlteryxBackup tasks." -ErrorId 'AlteryxBackup.TaskNotFound' -Category ObjectNotFound -TargetObject $name
                continue
            }
            if (@($task.Actions | Where-Object { [string]$_.Arguments -match 'Invoke-AlteryxBackup\.ps1' }).Count -eq 0) {
                Write-Error -Message "The task $TaskPath$name does not run Invoke-AlteryxBackup.ps1: it is not an AlteryxBackup task and was left alone. Remove it with Unregister-ScheduledTask if you mean to." -ErrorId 'AlteryxBackup.NotOurTask' -Category InvalidOperation -TargetObject $name
                continue
            }
            if ($PSCmdlet.ShouldProcess("$TaskPath$name", 'Unregister the scheduled task')) {
                Unregister-ScheduledTask -TaskName $name -TaskPath $TaskPath -Confirm:$false -ErrorAction Stop
            }
        }
    }
}
