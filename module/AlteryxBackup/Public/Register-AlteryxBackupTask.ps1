function Register-AlteryxBackupTask {
    <#
    .SYNOPSIS
        Registers a Task Scheduler task that runs an AlteryxBackup backup: nightly Full, intraday DatabaseOnly,
        an on-demand ConfigOnly, or your own triggers.

    .DESCRIPTION
        Builds the task with the ScheduledTasks cmdlets (New-ScheduledTaskAction, -Trigger, -Principal,
        -SettingsSet, Register-ScheduledTask) in the Task Scheduler folder \AlteryxBackup\:
          - Action: powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File
            "<module>\Invoke-AlteryxBackup.ps1" -BackupMode <Mode> [-ConfigPath "..."] [-RetentionDays N].
            Paths with spaces are quoted. The script form exits with the tool's exit code, so the task's Last
            Run Result is 0 for success and 1-6 for the documented failures (docs/exit-codes.md). Node.js is
            found when the task runs, by the module's own discovery (the node.exe bundled with the module,
            $env:ALTERYXBACKUP_NODE, node on PATH); no node path is written into the task unless -NodePath is
            given.
          - Schedules: Nightly = every day at -At (02:00), Full. Intraday = from -At (08:00) every
            -RepetitionInterval (4 hours) for -RepetitionDuration (9 hours: 08:00, 12:00, 16:00), DatabaseOnly
            (7-day retention by default; -RetentionDays to change). OnDemand = no trigger, ConfigOnly: start it
            with Start-ScheduledTask after a settings change. -Trigger takes your own New-ScheduledTaskTrigger
            objects instead. -DaysOfWeek limits Nightly/Intraday to some days (e.g. Monday..Friday).
          - Principal: SYSTEM with highest privileges, or -Credential (a service account with rights on the
            network shares; "run whether user is logged on or not").
          - Settings: MultipleInstances IgnoreNew (no overlapping runs), StartWhenAvailable, an execution time
            limit longer than the worst case of one run (from the configuration's timeouts: 18 hours with the
            defaults), runs on batteries.
        Warns when a destination of the configuration is on a mapped drive letter (a SYSTEM task does not see
        a user's drive mappings) and when SYSTEM must reach a share as the computer account. Needs an elevated
        session on Windows. -WhatIf shows what would be registered and registers nothing.

        Bad parameters stop the cmdlet with the error AlteryxBackup.Exit3 before anything is registered, a
        refused registration with AlteryxBackup.Exit1. $LASTEXITCODE is left alone.

    .PARAMETER Schedule
        Nightly, Intraday or OnDemand.

    .PARAMETER Trigger
        Your own triggers (New-ScheduledTaskTrigger) instead of -Schedule.

    .PARAMETER Mode
        Full, DatabaseOnly or ConfigOnly. Default: Full (Nightly, -Trigger), DatabaseOnly (Intraday),
        ConfigOnly (OnDemand).

    .PARAMETER TaskName
        Name of the task. Default: "Alteryx Backup - <Mode> (nightly|intraday|on demand|custom)".

    .PARAMETER TaskPath
        Task Scheduler folder. Default: \AlteryxBackup\.

    .PARAMETER At
        Time of the first run of the day (Nightly: 02:00, Intraday: 08:00).

    .PARAMETER RepetitionInterval
        Intraday: time between runs (default 4 hours).

    .PARAMETER RepetitionDuration
        Intraday: how long after -At the runs repeat (default 9 hours).

    .PARAMETER DaysOfWeek
        Nightly/Intraday: only on these days (a weekly trigger).

    .PARAMETER ConfigPath
        backup-config.json the task runs with (passed as -ConfigPath; made absolute).

    .PARAMETER RetentionDays
        Days to keep archives of this mode (passed as -RetentionDays).

    .PARAMETER Credential
        Account the task runs as, instead of SYSTEM. Its password goes to Task Scheduler only.

    .PARAMETER ExecutionTimeLimit
        Overrides the computed execution time limit.

    .PARAMETER PowerShellPath
        powershell.exe (default) or pwsh.exe.

    .PARAMETER NodePath
        Full path of node.exe to write into the task; by default the module finds Node.js at run time.

    .PARAMETER Force
        Replace a task of the same name.

    .EXAMPLE
        Register-AlteryxBackupTask -Schedule Nightly

        The nightly Full backup at 02:00 as SYSTEM.

    .EXAMPLE
        Register-AlteryxBackupTask -Schedule Intraday -DaysOfWeek Monday, Tuesday, Wednesday, Thursday, Friday -RetentionDays 7

        DatabaseOnly at 08:00, 12:00 and 16:00 on working days, archives kept 7 days.

    .EXAMPLE
        Register-AlteryxBackupTask -Schedule OnDemand; Start-ScheduledTask -TaskPath '\AlteryxBackup\' -TaskName 'Alteryx Backup - ConfigOnly (on demand)'

        An ad-hoc ConfigOnly task, run once after a settings change.

    .EXAMPLE
        Register-AlteryxBackupTask -Schedule Nightly -Credential (Get-Credential CONTOSO\svc-alteryx-backup) -ConfigPath 'D:\Alteryx Backup\backup-config.json' -WhatIf

        Shows the task a service account would run (for backups to \\nas01\AlteryxBackups); registers nothing.

    .EXAMPLE
        Register-AlteryxBackupTask -Trigger (New-ScheduledTaskTrigger -Weekly -DaysOfWeek Sunday -At 03:00) -Mode Full -TaskName 'Alteryx Backup - weekly Full'

        Your own trigger.

    .OUTPUTS
        AlteryxBackup.ScheduledTask. Properties: TaskName, TaskPath, Mode, State, UserId, RunLevel, Triggers,
        Execute, Arguments, ExecutionTimeLimit, LastRunTime, LastResult, LastResultMeaning, NextRunTime, Warnings.

    .LINK
        Get-AlteryxBackupTask

    .LINK
        Unregister-AlteryxBackupTask

    .LINK
        Export-AlteryxBackupTaskXml
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Schedule')]
    [OutputType('AlteryxBackup.ScheduledTask')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'Schedule', Position = 0)]
        [ValidateSet('Nightly', 'Intraday', 'OnDemand')]
        [string] $Schedule,

        [Parameter(Mandatory = $true, ParameterSetName = 'Trigger')]
        [ValidateNotNullOrEmpty()]
        [object[]] $Trigger,

        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $Mode,

        [ValidateNotNullOrEmpty()]
        [string] $TaskName,

        [ValidateNotNullOrEmpty()]
        [string] $TaskPath = '\AlteryxBackup\',

        [Parameter(ParameterSetName = 'Schedule')]
        [datetime] $At,

        [Parameter(ParameterSetName = 'Schedule')]
        [timespan] $RepetitionInterval = (New-TimeSpan -Hours 4),

        [Parameter(ParameterSetName = 'Schedule')]
        [timespan] $RepetitionDuration = (New-TimeSpan -Hours 9),

        [Parameter(ParameterSetName = 'Schedule')]
        [System.DayOfWeek[]] $DaysOfWeek,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateRange(0, 3650)]
        [int] $RetentionDays,

        [System.Management.Automation.PSCredential] $Credential,

        [timespan] $ExecutionTimeLimit,

        [ValidateNotNullOrEmpty()]
        [string] $PowerShellPath = 'powershell.exe',

        [ValidateNotNullOrEmpty()]
        [string] $NodePath,

        [switch] $Force
    )

    $def = @{ Schedule = 'Custom'; TaskPath = $TaskPath; PowerShellPath = $PowerShellPath }
    if ($PSCmdlet.ParameterSetName -eq 'Schedule') {
        $def['Schedule'] = $Schedule
        $def['RepetitionInterval'] = $RepetitionInterval
        $def['RepetitionDuration'] = $RepetitionDuration
        if ($PSBoundParameters.ContainsKey('At')) { $def['At'] = $At }
        if ($DaysOfWeek) { $def['DaysOfWeek'] = $DaysOfWeek }
    }
    foreach ($name in 'Mode', 'TaskName', 'RetentionDays', 'ExecutionTimeLimit', 'NodePath') {
        if ($PSBoundParameters.ContainsKey($name)) { $def[$name] = $PSBoundParameters[$name] }
    }
    if ($ConfigPath) {
        # A Windows absolute path (D:\..., \\server\share) stays as written; a relative one is made absolute.
        if ($ConfigPath -match '^[A-Za-z]:[\\/]|^\\\\') { $def['ConfigPath'] = $ConfigPath }
        else { $def['ConfigPath'] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ConfigPath) }
    }
    if ($Credential) { $def['UserId'] = $Credential.UserName }
    try {
        $definition = New-AlteryxBackupTaskDefinition @def
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.ArgumentException ($_.Exception.Message)), 'AlteryxBackup.Exit3',
                    [System.Management.Automation.ErrorCategory]::InvalidArgument, $TaskName)))
    }
    foreach ($w in $definition.Warnings) { Write-Warning $w }

    $action = New-ScheduledTaskAction -Execute $definition.Execute -Argument $definition.Arguments -WorkingDirectory $definition.WorkingDirectory
    $triggers = @()
    if ($PSCmdlet.ParameterSetName -eq 'Trigger') {
        $triggers = @($Trigger)
    }
    else {
        foreach ($spec in @($definition.Triggers)) {
            if ($spec.Kind -eq 'Weekly') { $t = New-ScheduledTaskTrigger -Weekly -DaysOfWeek $spec.DaysOfWeek -At $spec.At -WeeksInterval 1 }
            else { $t = New-ScheduledTaskTrigger -Daily -At $spec.At -DaysInterval $spec.DaysInterval }
            if ($null -ne $spec.RepetitionInterval) {
                # A daily trigger has no repetition parameters: take the Repetition of a one-time trigger.
                $t.Repetition = (New-ScheduledTaskTrigger -Once -At $spec.At -RepetitionInterval $spec.RepetitionInterval -RepetitionDuration $spec.RepetitionDuration).Repetition
            }
            $triggers += $t
        }
    }
    $settings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit $definition.ExecutionTimeLimit -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries

    $register = @{
        TaskName    = $definition.TaskName
        TaskPath    = $definition.TaskPath
        Action      = $action
        Settings    = $settings
        Description = $definition.Description
        Force       = [bool]$Force
        ErrorAction = 'Stop'
    }
    if ($triggers.Count) { $register['Trigger'] = $triggers }
    if ($Credential) {
        $register['User'] = $Credential.UserName
        $register['RunLevel'] = 'Highest'
    }
    else {
        $register['Principal'] = New-ScheduledTaskPrincipal -UserId $definition.UserId -LogonType ServiceAccount -RunLevel Highest
    }

    $what = "Register the scheduled task ($($definition.Mode), runs as $($definition.UserId), $(@($triggers).Count) trigger(s): $($definition.Execute) $($definition.Arguments))"
    if (-not $PSCmdlet.ShouldProcess($definition.Uri, $what)) { return }
    try {
        if ($Credential) {
            $plain = ConvertFrom-SecureStringToPlain -SecureString $Credential.Password
            try { $task = Register-ScheduledTask @register -Password $plain } finally { $plain = $null }
        }
        else {
            $task = Register-ScheduledTask @register
        }
    }
    catch {
        $message = $_.Exception.Message
        $hint = 'Run in an elevated PowerShell (Run as Administrator).'
        if ($message -match 'exist') { $hint = "Pass -Force to replace the task $($definition.Uri), or choose another -TaskName." }
        elseif ($message -match 'password|logon|user name') { $hint = 'Check the -Credential account and its password, and that it has the "Log on as a batch job" right.' }
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.InvalidOperationException ("Registering the scheduled task $($definition.Uri) failed: $message $hint", $_.Exception)),
                    'AlteryxBackup.Exit1', [System.Management.Automation.ErrorCategory]::NotSpecified, $definition.Uri)))
    }
    $out = ConvertTo-AlteryxBackupTaskObject -Definition $definition
    if ($null -ne $task -and $task.PSObject.Properties['State'] -and $task.State) { $out.State = [string]$task.State }
    $out
}
