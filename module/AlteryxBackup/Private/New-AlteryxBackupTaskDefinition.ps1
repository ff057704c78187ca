function New-AlteryxBackupTaskDefinition {
    <#
    .SYNOPSIS
        Builds the definition of one AlteryxBackup scheduled task: the action, the triggers, the principal and
        the settings, independent of how it is registered (ScheduledTasks cmdlets or Task Scheduler XML).
    .DESCRIPTION
        The action runs the module's script form Invoke-AlteryxBackup.ps1 with powershell.exe -File, so that the
        task's Last Run Result is the tool's exit code (0-6). Node.js is found at run time by the module's own
        discovery (-NodePath when given here, else $env:ALTERYXBACKUP_NODE, the node.exe bundled in the module,
        node on PATH): no node path is written into the task unless -NodePath is given. Every argument with a
        space is quoted (C:\Program Files\...).

        Schedules: Nightly = daily at -At (02:00), mode Full; Intraday = daily (or on -DaysOfWeek) from -At
        (08:00) every -RepetitionInterval (4 hours) for -RepetitionDuration (9 hours: 08:00, 12:00, 16:00), mode
        DatabaseOnly; OnDemand = no trigger (run it with Start-ScheduledTask), mode ConfigOnly; Custom = the
        caller's triggers.

        Settings: MultipleInstances IgnoreNew (no overlap), StartWhenAvailable, runs on batteries, and an
        execution time limit from Get-AlteryxBackupTaskTimeLimit (longer than the worst case of one run).
        Principal: SYSTEM (NT AUTHORITY\SYSTEM, ServiceAccount) or the given user (Password logon), always
        with highest privileges.

        Warnings (returned, not written): a destination on a mapped drive letter (a task does not see the
        drive mappings of a user's session; SYSTEM never does), a UNC destination for a SYSTEM task (reached
        as the computer account only).
    .PARAMETER Schedule
        Nightly, Intraday, OnDemand or Custom.
    .PARAMETER Mode
        Full, DatabaseOnly or ConfigOnly; default by schedule.
    .PARAMETER TaskName
        Default: "Alteryx Backup - <Mode> (<schedule>)".
    .PARAMETER TaskPath
        Task Scheduler folder, default \AlteryxBackup\.
    .PARAMETER At
        Time of day of the trigger (Nightly 02:00, Intraday 08:00).
    .PARAMETER RepetitionInterval
        Intraday: time between runs.
    .PARAMETER RepetitionDuration
        Intraday: how long the repetition lasts after -At.
    .PARAMETER DaysOfWeek
        Intraday/Nightly: run only on these days (a weekly trigger) instead of every day.
    .PARAMETER ConfigPath
        Full path of backup-config.json, passed to the script form.
    .PARAMETER RetentionDays
        Passed to the script form as -RetentionDays.
    .PARAMETER NodePath
        Passed to the script form as -NodePath (only when given).
    .PARAMETER UserId
        The account the task runs as; empty = SYSTEM.
    .PARAMETER ExecutionTimeLimit
        Overrides the computed limit.
    .PARAMETER PowerShellPath
        powershell.exe (default, Windows PowerShell 5.1) or pwsh.exe.
    .PARAMETER ScriptPath
        The script form to run; default Invoke-AlteryxBackup.ps1 in the module folder.
    .OUTPUTS
        System.Collections.Specialized.OrderedDictionary.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory = $true)] [ValidateSet('Nightly', 'Intraday', 'OnDemand', 'Custom')] [string] $Schedule,
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')] [string] $Mode,
        [string] $TaskName,
        [string] $TaskPath = '\AlteryxBackup\',
        [Nullable[datetime]] $At,
        [timespan] $RepetitionInterval = (New-TimeSpan -Hours 4),
        [timespan] $RepetitionDuration = (New-TimeSpan -Hours 9),
        [System.DayOfWeek[]] $DaysOfWeek,
        [string] $ConfigPath,
        [Nullable[int]] $RetentionDays,
        [string] $NodePath,
        [string] $UserId,
        [Nullable[timespan]] $ExecutionTimeLimit,
        [string] $PowerShellPath = 'powershell.exe',
        [string] $ScriptPath
    )

    $defaults = @{
        Nightly  = @{ Mode = 'Full'; Label = 'nightly'; At = '02:00' }
        Intraday = @{ Mode = 'DatabaseOnly'; Label = 'intraday'; At = '08:00' }
        OnDemand = @{ Mode = 'ConfigOnly'; Label = 'on demand'; At = $null }
        Custom   = @{ Mode = 'Full'; Label = 'custom'; At = $null }
    }
    $d = $defaults[$Schedule]
    if (-not $Mode) { $Mode = $d.Mode }
    if (-not $TaskName) { $TaskName = "Alteryx Backup - $Mode ($($d.Label))" }
    if ($TaskName -match '[\\/:*?"<>|]') { throw "The task name '$TaskName' has a character Task Scheduler does not allow (\ / : * ? `" < > |)." }
    if (-not $TaskPath.StartsWith('\')) { $TaskPath = '\' + $TaskPath }
    if (-not $TaskPath.EndsWith('\')) { $TaskPath = $TaskPath + '\' }
    if (-not $ScriptPath) { $ScriptPath = Join-Path (Split-Path -Parent $PSScriptRoot) 'Invoke-AlteryxBackup.ps1' }

    foreach ($pair in @(@('ConfigPath', $ConfigPath), @('NodePath', $NodePath), @('the module folder', $ScriptPath))) {
        if ([string]$pair[1] -match '"') { throw "$($pair[0]) '$($pair[1])' contains a double quote, which cannot be passed on a task's command line. Use a path without quotes." }
    }
    if ($Schedule -eq 'Intraday') {
        if ($RepetitionInterval -lt (New-TimeSpan -Minutes 1) -or $RepetitionInterval -gt (New-TimeSpan -Days 31)) { throw "-RepetitionInterval must be between 1 minute and 31 days (Task Scheduler's bounds), not $RepetitionInterval." }
        if ($RepetitionDuration -lt $RepetitionInterval) { throw "-RepetitionDuration ($RepetitionDuration) must be at least -RepetitionInterval ($RepetitionInterval)." }
    }

    $arguments = New-Object System.Collections.Generic.List[string]
    foreach ($a in @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $ScriptPath, '-BackupMode', $Mode)) { $arguments.Add($a) }
    if ($ConfigPath) { $arguments.Add('-ConfigPath'); $arguments.Add($ConfigPath) }
    if ($null -ne $RetentionDays) { $arguments.Add('-RetentionDays'); $arguments.Add([string]$RetentionDays) }
    if ($NodePath) { $arguments.Add('-NodePath'); $arguments.Add($NodePath) }

    $triggers = @()
    if (@('Nightly', 'Intraday') -contains $Schedule) {
        $time = $At
        if ($null -eq $time) { $time = [datetime]::Today.Add([timespan]::Parse($d.At)) }
        $spec = [ordered]@{ Kind = 'Daily'; At = $time; DaysInterval = 1; DaysOfWeek = @(); RepetitionInterval = $null; RepetitionDuration = $null }
        if ($DaysOfWeek) { $spec.Kind = 'Weekly'; $spec.DaysOfWeek = @($DaysOfWeek | Sort-Object -Unique) }
        if ($Schedule -eq 'Intraday') {
            $spec.RepetitionInterval = $RepetitionInterval
            $spec.RepetitionDuration = $RepetitionDuration
        }
        $triggers = @($spec)
    }

    $limit = $ExecutionTimeLimit
    if ($null -eq $limit) { $limit = Get-AlteryxBackupTaskTimeLimit -ConfigPath $ConfigPath }
    if ($limit -le [timespan]::Zero) { throw "-ExecutionTimeLimit must be positive, not $limit." }

    $runsAsSystem = -not $UserId
    $principalId = 'NT AUTHORITY\SYSTEM'
    if (-not $runsAsSystem) { $principalId = $UserId }

    # Destinations the task writes to, from the configuration it will run with.
    $destinations = New-Object System.Collections.Generic.List[string]
    $cfgFile = $ConfigPath
    if (-not $cfgFile) { $cfgFile = Join-Path (Join-Path (Split-Path -Parent $PSScriptRoot) 'config') 'backup-config.json' }
    if (Test-Path -LiteralPath $cfgFile -PathType Leaf) {
        try {
            $bc = (Get-Content -LiteralPath $cfgFile -Raw -ErrorAction Stop | ConvertFrom-Json -ErrorAction Stop).BackupConfiguration
            if ($null -ne $bc) {
                foreach ($p in @($bc.LocalBackupPath, $bc.TempDirectory, $bc.LogDirectory) + @($bc.NetworkBackupPaths)) {
                    if ($p) { $destinations.Add([string]$p) }
                }
            }
        }
        catch { Write-Debug "AlteryxBackup: destinations of '$cfgFile' not read: $($_.Exception.Message)" }
    }
    $warnings = New-Object System.Collections.Generic.List[string]
    foreach ($p in $destinations) {
        if (Test-AlteryxBackupMappedDrive -Path $p) {
            if ($runsAsSystem) {
                $warnings.Add("'$p' is on a mapped network drive, and the task runs as SYSTEM: SYSTEM does not see a user's drive mappings, so the run will fail to reach it. Use the UNC path (\\server\share\...) in the configuration.")
            }
            else {
                $warnings.Add("'$p' is on a mapped network drive: a scheduled task does not get the drive mappings of an interactive logon. Use the UNC path (\\server\share\...) in the configuration.")
            }
        }
        elseif ($runsAsSystem -and $p.StartsWith('\\')) {
            $warnings.Add("'$p' is a network share and the task runs as SYSTEM, which reaches it as the computer account ($env:USERDOMAIN\$env:COMPUTERNAME`$): give that account write rights on the share, or run the task as a service account (-Credential).")
        }
    }

    $what = switch ($Schedule) {
        'Nightly' { "$Mode backup daily at $($triggers[0].At.ToString('HH:mm'))" }
        'Intraday' { "$Mode backup from $($triggers[0].At.ToString('HH:mm')) every $([math]::Round($RepetitionInterval.TotalHours, 2)) h for $([math]::Round($RepetitionDuration.TotalHours, 2)) h" }
        'OnDemand' { "$Mode backup on demand (Start-ScheduledTask)" }
        default { "$Mode backup" }
    }

    [ordered]@{
        TaskName           = $TaskName
        TaskPath           = $TaskPath
        Uri                = "$TaskPath$TaskName"
        Schedule           = $Schedule
        Mode               = $Mode
        Description        = "AlteryxBackup: $what. Last Run Result = the tool's exit code (0 ok, 1 general, 2 timeout, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode)."
        Execute            = $PowerShellPath
        Arguments          = (Join-AlteryxBackupArgument -ArgumentList $arguments.ToArray())
        ArgumentList       = $arguments.ToArray()
        WorkingDirectory   = (Split-Path -Parent $ScriptPath)
        ScriptPath         = $ScriptPath
        UserId             = $principalId
        RunsAsSystem       = $runsAsSystem
        LogonType          = $(if ($runsAsSystem) { 'ServiceAccount' } else { 'Password' })
        RunLevel           = 'Highest'
        MultipleInstances  = 'IgnoreNew'
        ExecutionTimeLimit = $limit
        Triggers           = $triggers
        Destinations       = $destinations.ToArray()
        Warnings           = $warnings.ToArray()
    }
}
