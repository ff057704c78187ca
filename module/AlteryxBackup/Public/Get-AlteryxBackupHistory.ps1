function Get-AlteryxBackupHistory {
    <#
    .SYNOPSIS
        Lists the run catalog: every backup, verification, restore drill and restore, with its outcome.

    .DESCRIPTION
        Every run of Invoke-AlteryxBackup, Test-AlteryxBackup, Invoke-AlteryxRestoreDrill and
        Restore-AlteryxBackup appends one record to AlteryxBackupHistory.jsonl in the log folder
        (BackupConfiguration.LogDirectory): time, host, mode, exit code, message, archive name and SHA-256,
        sizes, step durations, downtime, destinations with their outcomes, the drill's verdict.
        Get-AlteryxBackupHistory reads it back as AlteryxBackup.HistoryRecord objects, oldest first, so that
        Where-Object, Sort-Object, Export-Csv and Out-GridView work on them.

        -Rebuild rebuilds the catalog first from the archives' manifests and the logs (when it was deleted
        or damaged); it replaces the catalog file and so asks for confirmation with -Confirm / honours -WhatIf.

        See docs/history.md.

        A failure (no catalog folder, a bad configuration) is a non-terminating error AlteryxBackup.Exit<code>
        (docs/exit-codes.md); $LASTEXITCODE is left alone.

    .PARAMETER Mode
        Only runs of this backup mode: Full, DatabaseOnly or ConfigOnly.

    .PARAMETER Kind
        Only runs of this kind: backup, verify, drill or restore.

    .PARAMETER Status
        Only runs with this outcome: Success, Partial (published, a copy to a share failed) or Failed.

    .PARAMETER Since
        Only runs that started at or after this time.

    .PARAMETER Last
        Only the newest N runs (after the other filters).

    .PARAMETER Rebuild
        Rebuild the catalog from the archives and logs before listing it.

    .PARAMETER ConfigPath
        backup-config.json to use (its LogDirectory holds the catalog). Default: the module's config file.

    .PARAMETER LogDirectory
        The log folder, overriding the configuration.

    .PARAMETER SandboxPath
        Read the catalog of a simulated server (New-AlteryxSandbox).

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Get-AlteryxBackupHistory -Last 10

        The ten newest runs, with kind, mode, status, size and duration.

    .EXAMPLE
        Get-AlteryxBackupHistory -Mode DatabaseOnly -Since (Get-Date).AddDays(-30) | Export-Csv -NoTypeInformation D:\Reports\db-backups.csv

        A month of DatabaseOnly runs as a spreadsheet.

    .EXAMPLE
        Get-AlteryxBackupHistory -Status Failed | Out-GridView

        Every failed run, in a window to sort and filter.

    .EXAMPLE
        Get-AlteryxBackupHistory -Rebuild -Confirm:$false

        Rebuilds a lost catalog from the archives' manifests and the logs, then lists it.

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.HistoryRecord. Properties: Id, Kind, StartTime, EndTime, ComputerName, Mode, Status, Success,
        ExitCode, Message, ArchiveName, ArchivePath, Sha256, SizeBytes, DumpBytes, Duration, Downtime,
        StepDurations ("step=seconds s; ..."), Destinations, DrillVerdict, DrillCollections, DrillDocumentsExpected,
        DrillDocumentsRestored, DrillDocumentsActual, WarningCount, Warnings, LogPath, Source.

    .LINK
        Test-AlteryxBackupHealth

    .LINK
        Export-AlteryxBackupReport
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('AlteryxBackup.HistoryRecord')]
    param(
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $Mode,

        [ValidateSet('backup', 'verify', 'drill', 'restore')]
        [string] $Kind,

        [ValidateSet('Success', 'Partial', 'Failed')]
        [string] $Status,

        [datetime] $Since,

        [ValidateRange(1, 1000000)]
        [int] $Last,

        [switch] $Rebuild,

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
    foreach ($name in 'Mode', 'Kind', 'Status', 'Last') {
        if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSBoundParameters[$name] }
    }
    if ($PSBoundParameters.ContainsKey('Since')) { $bound['Since'] = $Since.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
    # Files of this machine are resolved against the PowerShell location; the log folder is a server path
    # (in a sandbox, a Windows path of the simulated server) and goes as given, as for Invoke-AlteryxBackup.
    foreach ($name in 'ConfigPath', 'SandboxPath') {
        if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($PSBoundParameters[$name]) }
    }
    if ($PSBoundParameters.ContainsKey('LogDirectory')) { $bound['LogDirectory'] = $LogDirectory }
    $target = 'the run catalog (AlteryxBackupHistory.jsonl in the log folder)'
    if ($Rebuild) {
        if (-not $PSCmdlet.ShouldProcess($target, 'Rebuild from the archives and logs')) { return }
        $bound['Rebuild'] = $true
    }
    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }

    $request = New-AlteryxBackupRequest -Command 'history' -BoundParameters $bound
    $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'history' -Request $request -Target $target @coreArgs

    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    if ($exitCode -ne 0) {
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $target -Message $core.message `
            -Fallback "Reading the run catalog failed with exit code $exitCode."
        return
    }
    if ($core.skipped) { Write-Warning "$($core.skipped) damaged line(s) of $($core.file) were skipped; Get-AlteryxBackupHistory -Rebuild rebuilds it from the archives and logs." }
    Write-Verbose ([string]$core.message)
    @($core.records) | ConvertTo-AlteryxBackupHistoryRecord
}
