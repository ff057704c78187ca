function Export-AlteryxBackupTaskXml {
    <#
    .SYNOPSIS
        Writes an AlteryxBackup scheduled task as Task Scheduler XML, to import with schtasks /Create /XML or
        the Task Scheduler MMC (Action > Import Task...).

    .DESCRIPTION
        The same task Register-AlteryxBackupTask registers (same schedules, action, principal and settings),
        as a file instead: for servers where tasks are deployed by hand, by group policy or by a change
        process. The XML follows the Task Scheduler schema (namespace
        http://schemas.microsoft.com/windows/2004/02/mit/task, version 1.2): RegistrationInfo, Triggers,
        Principals, Settings and Actions; the command line quotes paths with spaces. It is written in UTF-16
        with a byte order mark, as Task Scheduler exports tasks.

        With -UserId the task runs as that account with a stored password: schtasks asks for it on import
        (schtasks /Create /XML <file> /TN "\AlteryxBackup\<name>" /RU <account> /RP). Without it the task runs
        as SYSTEM. Nothing is registered; an existing file is replaced only with -Force.

        Bad parameters or an existing file without -Force stop the cmdlet with the error AlteryxBackup.Exit3,
        a file that cannot be written with AlteryxBackup.Exit4. $LASTEXITCODE is left alone.

    .PARAMETER Path
        The .xml file to write.

    .PARAMETER Schedule
        Nightly, Intraday or OnDemand (see Register-AlteryxBackupTask).

    .PARAMETER Trigger
        Your own triggers (daily, weekly, once or at startup, from New-ScheduledTaskTrigger).

    .PARAMETER Mode
        Full, DatabaseOnly or ConfigOnly; default by schedule.

    .PARAMETER TaskName
        Name of the task (written as its URI \AlteryxBackup\<name>).

    .PARAMETER TaskPath
        Task Scheduler folder (default \AlteryxBackup\).

    .PARAMETER At
        Time of the first run of the day.

    .PARAMETER RepetitionInterval
        Intraday: time between runs (default 4 hours).

    .PARAMETER RepetitionDuration
        Intraday: how long the runs repeat (default 9 hours).

    .PARAMETER DaysOfWeek
        Only on these days (a weekly trigger).

    .PARAMETER ConfigPath
        backup-config.json the task runs with.

    .PARAMETER RetentionDays
        Passed to the script form as -RetentionDays.

    .PARAMETER UserId
        Account to run as (DOMAIN\user) instead of SYSTEM.

    .PARAMETER ExecutionTimeLimit
        Overrides the computed execution time limit.

    .PARAMETER PowerShellPath
        powershell.exe (default) or pwsh.exe.

    .PARAMETER NodePath
        Full path of node.exe to write into the task; by default the module finds Node.js at run time.

    .PARAMETER Force
        Replace an existing file.

    .EXAMPLE
        Export-AlteryxBackupTaskXml -Schedule Nightly -Path .\AlteryxBackup-Nightly.xml; schtasks /Create /XML .\AlteryxBackup-Nightly.xml /TN "\AlteryxBackup\Alteryx Backup - Full (nightly)"

        Writes the nightly task and imports it.

    .EXAMPLE
        Export-AlteryxBackupTaskXml -Schedule Intraday -UserId CONTOSO\svc-alteryx-backup -Path D:\Deploy\intraday.xml

        A task for a service account; schtasks /RU CONTOSO\svc-alteryx-backup /RP asks for its password on import.

    .OUTPUTS
        System.IO.FileInfo. The file written.

    .LINK
        Register-AlteryxBackupTask
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low', DefaultParameterSetName = 'Schedule')]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

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

        [ValidateNotNullOrEmpty()]
        [string] $UserId,

        [timespan] $ExecutionTimeLimit,

        [ValidateNotNullOrEmpty()]
        [string] $PowerShellPath = 'powershell.exe',

        [ValidateNotNullOrEmpty()]
        [string] $NodePath,

        [switch] $Force
    )

    $full = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $def = @{ Schedule = 'Custom'; TaskPath = $TaskPath; PowerShellPath = $PowerShellPath }
    if ($PSCmdlet.ParameterSetName -eq 'Schedule') {
        $def['Schedule'] = $Schedule
        $def['RepetitionInterval'] = $RepetitionInterval
        $def['RepetitionDuration'] = $RepetitionDuration
        if ($PSBoundParameters.ContainsKey('At')) { $def['At'] = $At }
        if ($DaysOfWeek) { $def['DaysOfWeek'] = $DaysOfWeek }
    }
    foreach ($name in 'Mode', 'TaskName', 'RetentionDays', 'ExecutionTimeLimit', 'NodePath', 'UserId') {
        if ($PSBoundParameters.ContainsKey($name)) { $def[$name] = $PSBoundParameters[$name] }
    }
    if ($ConfigPath) {
        # A Windows absolute path (D:\..., \\server\share) stays as written; a relative one is made absolute.
        if ($ConfigPath -match '^[A-Za-z]:[\\/]|^\\\\') { $def['ConfigPath'] = $ConfigPath }
        else { $def['ConfigPath'] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ConfigPath) }
    }
    try {
        $definition = New-AlteryxBackupTaskDefinition @def
        $xmlArgs = @{ Definition = $definition }
        if ($PSCmdlet.ParameterSetName -eq 'Trigger') { $xmlArgs['TriggerSpec'] = @(ConvertFrom-AlteryxBackupTaskTrigger -Trigger $Trigger) }
        $xml = ConvertTo-AlteryxBackupTaskXml @xmlArgs
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.ArgumentException ($_.Exception.Message)), 'AlteryxBackup.Exit3',
                    [System.Management.Automation.ErrorCategory]::InvalidArgument, $Path)))
    }
    foreach ($w in $definition.Warnings) { Write-Warning $w }

    if ((Test-Path -LiteralPath $full) -and -not $Force) {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.IO.IOException ("$full already exists; it was left as it is. Pass -Force to replace it.")),
                    'AlteryxBackup.Exit3', [System.Management.Automation.ErrorCategory]::ResourceExists, $full)))
    }
    if (-not $PSCmdlet.ShouldProcess($full, "Write the Task Scheduler XML of $($definition.Uri)")) { return }
    $tmp = "$full.partial"
    try {
        [System.IO.File]::WriteAllText($tmp, $xml, (New-Object System.Text.UnicodeEncoding($false, $true)))
        if (Test-Path -LiteralPath $full) { Remove-Item -LiteralPath $full -Force -ErrorAction Stop }
        Move-Item -LiteralPath $tmp -Destination $full -ErrorAction Stop
    }
    catch {
        Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.IO.IOException ("Cannot write ${full}: $($_.Exception.Message) Check the folder and its permissions.", $_.Exception)),
                    'AlteryxBackup.Exit4', [System.Management.Automation.ErrorCategory]::WriteError, $full)))
    }
    Get-Item -LiteralPath $full
}
