function Get-AlteryxBackupTask {
    <#
    .SYNOPSIS
        Lists the AlteryxBackup scheduled tasks with their mode, account, triggers and last result.

    .DESCRIPTION
        Reads the tasks in the Task Scheduler folder \AlteryxBackup\ (Get-ScheduledTask, Get-ScheduledTaskInfo)
        and returns one AlteryxBackup.ScheduledTask per task. LastResult is the tool's exit code (0 success;
        1 general, 2 timeout, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode) or one of Task Scheduler's own
        codes (0x41303 has not run yet, 0x41301 running, 0x41306 stopped at its time limit); LastResultMeaning
        says which. Only tasks whose action runs Invoke-AlteryxBackup.ps1 are listed. Nothing is changed.

    .PARAMETER TaskName
        Name or wildcard pattern (default *).

    .PARAMETER TaskPath
        Task Scheduler folder (default \AlteryxBackup\).

    .EXAMPLE
        Get-AlteryxBackupTask

        Every AlteryxBackup task with its last result.

    .EXAMPLE
        Get-AlteryxBackupTask | Where-Object { $_.LastResult -notin 0, 267011 }

        The tasks whose last run failed (267011 = 0x41303, has not run yet).

    .OUTPUTS
        AlteryxBackup.ScheduledTask.

    .LINK
        Register-AlteryxBackupTask
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.ScheduledTask')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $TaskName = '*',

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $TaskPath = '\AlteryxBackup\'
    )

    process {
        $tasks = @(Get-ScheduledTask -TaskPath $TaskPath -ErrorAction SilentlyContinue | Where-Object { $_.TaskName -like $TaskName })
        foreach ($task in $tasks) {
            $runsUs = @($task.Actions | Where-Object { [string]$_.Arguments -match 'Invoke-AlteryxBackup\.ps1' }).Count -gt 0
            if (-not $runsUs) { continue }
            $info = Get-ScheduledTaskInfo -TaskName $task.TaskName -TaskPath $task.TaskPath -ErrorAction SilentlyContinue
            ConvertTo-AlteryxBackupTaskObject -Task $task -Info $info
        }
    }
}
