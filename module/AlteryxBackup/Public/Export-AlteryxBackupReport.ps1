function Export-AlteryxBackupReport {
    <#
    .SYNOPSIS
        Writes the backup dashboard: one self-contained HTML file (and, for a month, a CSV of its totals).

    .DESCRIPTION
        Export-AlteryxBackupReport renders the run catalog (Get-AlteryxBackupHistory) and the health verdict
        (Test-AlteryxBackupHealth) into one HTML file that needs no network and runs no script (servers are
        often offline; mail clients block scripts): the verdict with its reasons, totals, a 30- and 90-day
        calendar of runs per mode coloured by outcome, size (with the health band), duration and downtime
        trends as inline SVG charts, the destinations' status, the restore drills and the newest failures.
        It reads on a phone and prints.

        -Month YYYY-MM writes the monthly report: the same for that month only, with its totals (runs,
        success rate, data protected, average downtime), and a CSV of the totals per mode beside it
        (-CsvPath, default: the HTML file's name with .csv). The files are replaced atomically.

        -Email also mails the file(s) to NotificationConfiguration.ToAddresses through its SMTP relay (a
        scheduled task on the first of the month makes the monthly report arrive by itself; docs/history.md).
        When the email cannot be sent the files are still written, and the error says why (exit code 1).

        The result's ExitCode is 0; a failure is a non-terminating error AlteryxBackup.Exit<code>
        (docs/exit-codes.md). $LASTEXITCODE is left alone.

    .PARAMETER Path
        The HTML file to write.

    .PARAMETER Month
        The month of a monthly report, as YYYY-MM (e.g. 2026-11).

    .PARAMETER CsvPath
        Where the monthly CSV goes (only with -Month). Default: Path with the extension .csv.

    .PARAMETER Email
        Also send the report by email through NotificationConfiguration's SMTP relay.

    .PARAMETER SmtpCredential
        SMTP login for -Email (the password goes to the core on stdin, never on a command line). Otherwise
        NotificationConfiguration.SMTPUsername and $env:ALTERYXBACKUP_SMTP_PASSWORD.

    .PARAMETER ConfigPath
        backup-config.json to use. Default: the module's config file.

    .PARAMETER LogDirectory
        The log folder (where the catalog is), overriding the configuration.

    .PARAMETER SandboxPath
        Report on a simulated server (New-AlteryxSandbox).

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Export-AlteryxBackupReport -Path D:\Reports\AlteryxBackup.html

        The dashboard of the whole catalog.

    .EXAMPLE
        Export-AlteryxBackupReport -Path D:\Reports\AlteryxBackup-2026-11.html -Month 2026-11

        The monthly report of November 2026, with AlteryxBackup-2026-11.csv beside it.

    .EXAMPLE
        $last = (Get-Date).AddMonths(-1).ToString('yyyy-MM'); Export-AlteryxBackupReport -Path "D:\Reports\$last.html" -Month $last -Email

        Last month's report, mailed to the admins: the action of a scheduled task on the first of the month.

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.ReportResult. Properties: Path, CsvPath, Status (the health verdict), Runs, Email (sent,
        failed, or empty without -Email), ExitCode, Message.

    .LINK
        Get-AlteryxBackupHistory

    .LINK
        Test-AlteryxBackupHealth
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('AlteryxBackup.ReportResult')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [ValidatePattern('^\d{4}-(0[1-9]|1[0-2])$')]
        [string] $Month,

        [ValidateNotNullOrEmpty()]
        [string] $CsvPath,

        [switch] $Email,

        [System.Management.Automation.PSCredential] $SmtpCredential,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    $full = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $bound = [ordered]@{ Path = $full }
    if ($PSBoundParameters.ContainsKey('Month')) { $bound['Month'] = $Month }
    if ($Email) { $bound['Email'] = $true }
    if ($PSBoundParameters.ContainsKey('SmtpCredential')) { $bound['SmtpCredential'] = $SmtpCredential }
    foreach ($name in 'CsvPath', 'ConfigPath', 'SandboxPath') {
        if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($PSBoundParameters[$name]) }
    }
    # The log folder is a server path (in a sandbox, a Windows path of the simulated server): as given.
    if ($PSBoundParameters.ContainsKey('LogDirectory')) { $bound['LogDirectory'] = $LogDirectory }
    $action = 'Write the backup dashboard'
    if ($Month) { $action = "Write the monthly report of $Month (HTML and CSV)" }
    if ($Email) { $action += ' and email it' }
    if (-not $PSCmdlet.ShouldProcess($full, $action)) { return }
    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }

    $request = New-AlteryxBackupRequest -Command 'report' -BoundParameters $bound
    $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'report' -Request $request -Target $full @coreArgs

    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    if ($exitCode -ne 0) {
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $full -Message $core.message `
            -Fallback "Writing the report $full failed with exit code $exitCode."
        return
    }
    [pscustomobject]@{
        PSTypeName = 'AlteryxBackup.ReportResult'
        Path       = [string]$core.path
        CsvPath    = [string]$core.csvPath
        Status     = [string]$core.status
        Runs       = [int]$core.runs
        Email      = [string]$core.email
        ExitCode   = $exitCode
        Message    = [string]$core.message
    }
}
