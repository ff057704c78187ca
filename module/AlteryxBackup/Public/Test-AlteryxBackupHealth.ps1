function Test-AlteryxBackupHealth {
    <#
    .SYNOPSIS
        Is the backup healthy? One verdict, OK / WARNING / CRITICAL / UNKNOWN, with its reasons.

    .DESCRIPTION
        Checks the run catalog (Get-AlteryxBackupHistory) against the thresholds in the configuration's
        HealthConfiguration (docs/history.md):
          - CRITICAL: the newest good backup of a mode is older than its expected interval (a missed
            schedule: a task that silently stopped), or the last backup of a mode failed;
          - WARNING: a backup outside the size band around the median of the recent ones (default -50 %/+100 %),
            a duration or downtime spike, a destination that failed N times in a row, no passed restore drill
            in N days, less free space at the local backup folder than the next backup is expected to need.
        The same checks run at the end of every backup and add warnings to it.

        For monitoring (Nagios, Icinga, PRTG, Zabbix, SCOM): the result's ExitCode follows the plugin convention
        0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; a check exits with it, e.g.
        powershell -NoProfile -Command "Import-Module AlteryxBackup; exit (Test-AlteryxBackupHealth).ExitCode"
        or runs the CLI, which exits with the code itself: alteryx-backup health. Like every cmdlet of the
        module it leaves $LASTEXITCODE alone (that variable belongs to native programs).
        A verdict is not an error: only UNKNOWN (the check could not run) also writes an error record.

    .PARAMETER ConfigPath
        backup-config.json to use (LogDirectory and HealthConfiguration). Default: the module's config file.

    .PARAMETER LogDirectory
        The log folder (where the catalog is), overriding the configuration.

    .PARAMETER SandboxPath
        Check a simulated server (New-AlteryxSandbox).

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Test-AlteryxBackupHealth

        Status OK, WARNING or CRITICAL with the reasons, e.g. "The newest good DatabaseOnly backup is 30 h old".

    .EXAMPLE
        (Test-AlteryxBackupHealth).Reasons | Format-Table Severity, Check, Mode, Message -Wrap

        Every reason with the check that raised it.

    .EXAMPLE
        exit (Test-AlteryxBackupHealth).ExitCode

        As a monitoring check: the exit code follows the Nagios plugin convention (0 OK, 1 WARNING, 2 CRITICAL,
        3 UNKNOWN). The CLI does the same on its own: alteryx-backup health.

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.HealthResult. Properties: Status, ExitCode, Summary, Reasons (AlteryxBackup.HealthReason:
        Severity, Check, Mode, Message), Modes (per mode: runs, newest good backup and its age, median size),
        Runs, FreeBytes (the local backup folder), DestinationsFree (Path, Kind local/network, FreeBytes of each
        destination; FreeBytes empty when it could not be read), CheckedAt.

    .LINK
        Get-AlteryxBackupHistory

    .LINK
        Export-AlteryxBackupReport
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.HealthResult')]
    param(
        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    $bound = [ordered]@{}
    # Files of this machine are resolved against the PowerShell location; the log folder is a server path
    # (in a sandbox, a Windows path of the simulated server) and goes as given, as for Invoke-AlteryxBackup.
    foreach ($name in 'ConfigPath', 'SandboxPath') {
        if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($PSBoundParameters[$name]) }
    }
    if ($PSBoundParameters.ContainsKey('LogDirectory')) { $bound['LogDirectory'] = $LogDirectory }
    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }
    $target = 'the backup health'
    $request = New-AlteryxBackupRequest -Command 'health' -BoundParameters $bound
    $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'health' -Request $request -Target $target @coreArgs

    $exitCode = 3
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    $status = 'UNKNOWN'
    if ($core.status) { $status = [string]$core.status }
    $reasons = @($core.reasons | Where-Object { $null -ne $_ } | ForEach-Object {
            [pscustomobject]@{
                PSTypeName = 'AlteryxBackup.HealthReason'
                Severity   = [string]$_.severity
                Check      = [string]$_.check
                Mode       = [string]$_.mode
                Message    = [string]$_.message
            }
        })
    $checkedAt = Get-Date
    if ($core.checkedAt) { $checkedAt = [datetime]::Parse([string]$core.checkedAt, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind).ToLocalTime() }
    $freeBytes = $null
    if ($null -ne $core.freeBytes) { $freeBytes = [long]$core.freeBytes }
    $result = [pscustomobject]@{
        PSTypeName = 'AlteryxBackup.HealthResult'
        Status     = $status
        ExitCode   = $exitCode
        Summary    = [string]$core.message
        Reasons    = $reasons
        Modes      = @($core.modes | Where-Object { $null -ne $_ })
        Runs       = [int]$core.runs
        FreeBytes  = $freeBytes
        DestinationsFree = @($core.destinationsFree | Where-Object { $null -ne $_ } | ForEach-Object {
                $f = $null
                if ($null -ne $_.freeBytes) { $f = [long]$_.freeBytes }
                [pscustomobject]@{ Path = [string]$_.path; Kind = [string]$_.kind; FreeBytes = $f }
            })
        CheckedAt  = $checkedAt
    }
    $result
    if ($status -eq 'UNKNOWN') {
        $err = New-Object System.Management.Automation.ErrorRecord (
            (New-Object System.InvalidOperationException ([string]$core.message)), 'AlteryxBackup.HealthUnknown',
            [System.Management.Automation.ErrorCategory]::NotSpecified, $target)
        $PSCmdlet.WriteError($err)
    }
}
