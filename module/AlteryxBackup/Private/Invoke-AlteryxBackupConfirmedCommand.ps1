function Invoke-AlteryxBackupConfirmedCommand {
    <#
    .SYNOPSIS
        The common run of a cmdlet that asks ShouldProcess first (Restore-AlteryxBackup,
        Invoke-AlteryxRestoreDrill): confirm, send the request to the core, set $LASTEXITCODE, and handle
        -WhatIf (the plan as "What if:" lines, no object; a failed dry run is still an error).
    .DESCRIPTION
        Returns @{ Core = <core result>; ExitCode = <int> } when the command ran for real; nothing when it was
        declined or was a -WhatIf dry run (both fully handled here).
    .PARAMETER Cmdlet
        The calling cmdlet's $PSCmdlet (ShouldProcess, errors).
    .PARAMETER Command
        The Node command (restore, drill).
    .PARAMETER BoundParameters
        The cmdlet's parameters for the request (paths already resolved).
    .PARAMETER Target
        What ShouldProcess and the -WhatIf plan name.
    .PARAMETER Action
        What ShouldProcess says is done to Target.
    .PARAMETER CoreTarget
        The target the bridge names in its progress and errors.
    .PARAMETER FailureTarget
        The target of the error a failed dry run writes.
    .PARAMETER NodePath
        The node executable, when the cmdlet was given one.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory = $true)]
        [string] $Command,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary] $BoundParameters,

        [Parameter(Mandatory = $true)]
        [string] $Target,

        [Parameter(Mandatory = $true)]
        [string] $Action,

        [Parameter(Mandatory = $true)]
        [string] $CoreTarget,

        [Parameter(Mandatory = $true)]
        [string] $FailureTarget,

        [string] $NodePath
    )

    $coreArgs = @{}
    if ($NodePath) { $coreArgs['NodePath'] = $NodePath }

    # Assigned first and tested after: if the confirmation prompt itself fails (a host that cannot
    # prompt), the assignment statement aborts, $confirmed stays $false and nothing runs.
    $dryRun = $false
    $confirmed = $false
    $confirmed = $Cmdlet.ShouldProcess($Target, $Action)
    if (-not $confirmed) {
        # $WhatIfPreference is the calling cmdlet's (-WhatIf), found through the caller's scope.
        if (-not $WhatIfPreference) { return }
        $dryRun = $true
    }

    $request = New-AlteryxBackupRequest -Command $Command -BoundParameters $BoundParameters -DryRun:$dryRun
    $core = Invoke-AlteryxBackupCommand -Cmdlet $Cmdlet -Command $Command -Request $request -Target $CoreTarget @coreArgs

    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    $global:LASTEXITCODE = $exitCode

    if ($dryRun) {
        Write-AlteryxBackupPlan -Plan $core.plan -Target $Target
        if ($exitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $Cmdlet -ExitCode $exitCode -Target $FailureTarget `
                -Message ([string]$core.message) -Fallback "The dry run failed with exit code $exitCode."
        }
        return
    }
    @{ Core = $core; ExitCode = $exitCode }
}
