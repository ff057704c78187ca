function Invoke-AlteryxBackupConfirmedCommand {
    <#
    .SYNOPSIS
        The common run of a state-changing cmdlet (Invoke-AlteryxBackup, Restore-AlteryxBackup,
        Invoke-AlteryxRestoreDrill): ShouldProcess per changing step of the core's plan, then the real run.
    .DESCRIPTION
        When ShouldProcess would answer without asking (no -WhatIf, no confirmation prompt due), it is
        called once for the whole operation and the command runs at once: no dry run first.
        Otherwise (-WhatIf, $WhatIfPreference, -Confirm, a $ConfirmPreference at or below the cmdlet's
        ConfirmImpact) the core is asked for a dry run first (with confirmation due, after the operation
        as a whole was confirmed, so that a host that cannot ask stops before anything runs), which changes nothing and returns the plan
        (docs/bridge.md), and ShouldProcess is called once per step whose ChangesState is true
        (ConvertTo-AlteryxBackupPlanStep). With -WhatIf PowerShell prints one "What if:" line per step;
        a dry run that passed writes its message ("pre-flight passed; nothing was changed"), one that
        failed writes the error AlteryxBackup.Exit<code>. With
        confirmation, declining any step runs nothing (the core runs a plan whole or not at all).
        A host that cannot ask (a non-interactive session, a scheduled task) makes ShouldProcess throw:
        that is exit code 3 with the message to add -Confirm:$false or -Force, as a result, not a crash.
        $LASTEXITCODE is never touched.

        Returns @{ Core = <core result>; ExitCode = <int> } when the command ran, or when it could not be
        confirmed (Core then is a result event with exitCode 3 and the message); @{ Plan = <PlanStep[]> }
        after a -WhatIf dry run that passed (the cmdlet outputs the plan with -PassThru); nothing when the
        dry run failed or a step was declined.
    .PARAMETER Cmdlet
        The calling cmdlet's $PSCmdlet (ShouldProcess, errors).
    .PARAMETER Command
        The Node command (backup, restore, drill).
    .PARAMETER BoundParameters
        The cmdlet's parameters for the request (paths already resolved, PowerShell-only switches removed).
    .PARAMETER Target
        What ShouldProcess names when the plan has no changing step, and for the whole operation.
    .PARAMETER Action
        What ShouldProcess says is done to Target.
    .PARAMETER CoreTarget
        The target the bridge names in its progress and errors.
    .PARAMETER FailureTarget
        The target of the error a failed dry run writes.
    .PARAMETER ConfirmImpact
        The calling cmdlet's ConfirmImpact (decides whether PowerShell will ask).
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

        [ValidateSet('Low', 'Medium', 'High')]
        [string] $ConfirmImpact = 'Medium',

        [string] $NodePath
    )

    $coreArgs = @{}
    if ($NodePath) { $coreArgs['NodePath'] = $NodePath }

    # $WhatIfPreference and $ConfirmPreference are the calling cmdlet's (-WhatIf, -Confirm), found through
    # the caller's scope.
    $whatIf = [bool]$WhatIfPreference
    $confirmLevel = [string]$ConfirmPreference
    $prompts = $false
    if ($confirmLevel -and $confirmLevel -ne 'None') {
        $prompts = [int][System.Management.Automation.ConfirmImpact]$ConfirmImpact -ge [int][System.Management.Automation.ConfirmImpact]$confirmLevel
    }

    $unconfirmable = {
        param($ErrorRecord)
        $why = $ErrorRecord.Exception
        while ($null -ne $why.InnerException) { $why = $why.InnerException }
        $text = "$($Cmdlet.MyInvocation.MyCommand.Name) needs a confirmation and this host cannot ask for one ($($why.Message)). Nothing was changed. To run without asking, add -Confirm:`$false or -Force."
        @{
            ExitCode = 3
            Core     = [pscustomobject]@{
                type = 'result'; exitCode = 3; message = $text; dryRun = $false; warnings = @(); errors = @()
                plan = @(); checks = @(); counts = @(); summary = $null
            }
        }
    }

    if (-not $whatIf -and -not $prompts) {
        # ShouldProcess answers yes without asking: one call for the whole operation, then the real run.
        if (-not $Cmdlet.ShouldProcess($Target, $Action)) { return }
        $request = New-AlteryxBackupRequest -Command $Command -BoundParameters $BoundParameters
        $core = Invoke-AlteryxBackupCommand -Cmdlet $Cmdlet -Command $Command -Request $request -Target $CoreTarget @coreArgs
        $exitCode = 1
        if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
        return @{ Core = $core; ExitCode = $exitCode }
    }

    # Confirmation due: the operation as a whole is asked first, before anything runs (Yes to All there
    # answers the per-step questions too); a host that cannot ask stops here, with nothing run.
    if (-not $whatIf) {
        $yes = $false
        try { $yes = $Cmdlet.ShouldProcess($Target, $Action) }
        catch { return (& $unconfirmable $_) }
        if (-not $yes) { return }
    }

    # The plan: a dry run changes nothing and says what the run would change.
    $dryRequest = New-AlteryxBackupRequest -Command $Command -BoundParameters $BoundParameters -DryRun
    $dry = Invoke-AlteryxBackupCommand -Cmdlet $Cmdlet -Command $Command -Request $dryRequest -Target $CoreTarget @coreArgs
    $dryExit = 1
    if ($null -ne $dry.exitCode) { $dryExit = [int]$dry.exitCode }
    if ($dryExit -ne 0) {
        # The pre-flight (or the archive) failed: nothing to confirm, nothing ran.
        Write-AlteryxBackupFailure -Cmdlet $Cmdlet -ExitCode $dryExit -Target $FailureTarget `
            -Message ([string]$dry.message), (@($dry.errors) -join ' ') -Fallback "The dry run failed with exit code $dryExit."
        return
    }

    $steps = @(ConvertTo-AlteryxBackupPlanStep -Plan @($dry.plan))
    $changing = @($steps | Where-Object { $_.ChangesState })
    $questions = @($changing | ForEach-Object { @{ Target = $_.Target; Action = $_.Action } })
    if ($questions.Count -eq 0) { $questions = @(@{ Target = $Target; Action = $Action }) }

    $declined = $null
    foreach ($question in $questions) {
        $yes = $false
        try {
            $yes = $Cmdlet.ShouldProcess($question.Target, $question.Action)
        }
        catch {
            return (& $unconfirmable $_)
        }
        if (-not $yes -and -not $whatIf) { $declined = $question; break }
    }

    if ($whatIf) {
        $message = [string]$dry.message
        if (-not $message) { $message = 'Dry run: pre-flight passed; nothing was changed.' }
        Write-Host "AlteryxBackup: $message"
        return @{ Plan = $steps }
    }
    if ($null -ne $declined) {
        Write-Warning "Declined: $($declined.Action) on $($declined.Target). Nothing was run: the $Command runs all of its steps or none."
        return
    }

    $request = New-AlteryxBackupRequest -Command $Command -BoundParameters $BoundParameters
    $core = Invoke-AlteryxBackupCommand -Cmdlet $Cmdlet -Command $Command -Request $request -Target $CoreTarget @coreArgs
    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    @{ Core = $core; ExitCode = $exitCode }
}
