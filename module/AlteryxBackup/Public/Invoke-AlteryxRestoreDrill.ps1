function Invoke-AlteryxRestoreDrill {
    <#
    .SYNOPSIS
        Proves that a backup restores: restores it into a scratch MongoDB (or a scratch sandbox), without
        touching the live server, and compares every collection's document count with the manifest.

    .DESCRIPTION
        Invoke-AlteryxRestoreDrill is a restore drill in the spirit of dbatools' Test-DbaLastBackup. It:
          1. verifies the archive (as Test-AlteryxBackup does; a failure names the entry and ends the drill
             with exit code 3 before anything is created);
          2. makes a scratch location in a temporary folder (-ScratchPath), by -Method:
             - Mongod (the default on a server): extracts the archive there (secrets excepted; every file
               checked against its SHA-256, RuntimeSettings.xml parsed) and starts a second MongoDB - the
               install's own mongod.exe, beside AlteryxService.exe - on a scratch data folder and a spare
               loopback port (-Port; never the live EmbeddedMongoDBPort), without authentication and
               listening on 127.0.0.1 only;
             - Sandbox (the default with -SandboxPath): creates a fresh scratch sandbox of the same Alteryx
               Server version and topology;
          3. restores the archive into it: mongorestore of the dump into the scratch MongoDB (Mongod), or
             exactly what Restore-AlteryxBackup does (Sandbox: files, Keys, controller token, emongorestore),
             and judges the restore log (mongoRestore.log) as Alteryx says;
          4. counts the documents of every collection of the restored database and compares them with the
             manifest (the counts at dump time) and with the restore log;
          5. reports the verdict, per-database and per-collection counts and the time of each part, shuts the
             scratch MongoDB down and removes the scratch location unless -Keep.
        The live server's services, files, data folder, port and database are never touched, and no
        password is needed; only the drill's log file is written to its log directory.

        Without -Path the newest archive in LocalBackupPath is drilled (of -BackupMode when given), which is
        what a scheduled drill after the nightly backup does.

        Run it as Administrator on the server (or on any machine with Alteryx Server installed: only
        mongod.exe and mongorestore.exe are used; RestoreConfiguration.MongodPath and MongorestorePath point
        elsewhere). The scratch folder needs about the dump's size (five times it for a gzip'd self-managed
        dump) plus the files.

        Output: one AlteryxBackup.DrillResult. When the drill fails, the object is still written, followed by
        a non-terminating error AlteryxBackup.Exit<code> ($LASTEXITCODE is left alone). Exit codes: 0 the backup
        restores and every count matches; 3 the archive failed verification; 5 the restore failed or a count
        differs; 1 the scratch server could not be made. Mongod: 3 also when mongod.exe or mongorestore.exe is
        missing or the port is taken; 4 not enough space under -ScratchPath; 5 the scratch mongod did not start.

    .PARAMETER Path
        The archive to drill. Default: the newest archive in LocalBackupPath. Accepts pipeline input by the
        property names ArchivePath and FullName.
        Also an s3:// or azblob:// URL of an archive (Get-AlteryxBackup lists them; docs/storage.md).

    .PARAMETER Latest
        Instead of -Path: drill the newest good backup (not empty, its .sha256 next to it) of -Mode at
        -Destination. Cannot be combined with -Path or -BackupMode (parameter sets). When nothing matches:
        ExitCode 3 and the error AlteryxBackup.Exit3 naming the destination and the mode.

    .PARAMETER Mode
        With -Latest: the backup mode to pick (Full, DatabaseOnly, ConfigOnly).

    .PARAMETER Destination
        With -Latest: where to look. A cloud destination by its Name in BackupConfiguration.CloudDestinations
        (downloaded to the temp folder and checked first; docs/storage.md), or a folder: local
        (D:\Alteryx\Backups) or a network path (\\nas01\AlteryxBackups).

    .PARAMETER BackupMode
        Without -Path: drill the newest archive of this mode (Full, DatabaseOnly, ConfigOnly).

    .PARAMETER ScratchPath
        Parent folder of the scratch location. Default: RestoreConfiguration.DrillScratchDirectory, else the
        system temp folder.

    .PARAMETER Keep
        Keep the scratch location (its path is in the result) for inspection. The scratch MongoDB is shut
        down in every case; with Mongod its data folder (db), mongod.log and mongoRestore.log stay.

    .PARAMETER Method
        Auto (default: Sandbox with -SandboxPath, else Mongod), Mongod or Sandbox
        (RestoreConfiguration.DrillMethod).

    .PARAMETER Port
        Loopback port of the scratch mongod (Mongod). 0, the default, picks a free one
        (RestoreConfiguration.DrillPort). A port in use, or the live EmbeddedMongoDBPort, is refused (exit 3).

    .PARAMETER ConfigPath
        Path of the JSON configuration file. Default: config/backup-config.json next to the module.

    .PARAMETER LocalBackupPath
        Where to look for the newest archive when -Path is not given (BackupConfiguration.LocalBackupPath).

    .PARAMETER LogDirectory
        Folder of the drill's log file BackupLog_Drill_YYYYMMDD_HHmmss.log.

    .PARAMETER SkipChecksumFile
        Do not check <archive>.sha256 even when it is there (the entries are still checked).

    .PARAMETER ArchivePassword
        Password of an AES-256 encrypted archive. Passed to the core on stdin, never on a command line.

    .PARAMETER SandboxPath
        The simulated Alteryx Server (see New-AlteryxSandbox) whose backups are drilled.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Invoke-AlteryxRestoreDrill -BackupMode Full -ScratchPath E:\DrillScratch

        On the server: drills the newest Full archive in LocalBackupPath with a scratch mongod on a free
        loopback port, in a folder under E:\DrillScratch; the live service keeps running.

    .EXAMPLE
        Invoke-AlteryxRestoreDrill -Path \\nas01\AlteryxBackups\ServerBackup_DB_20250101_020000.zip -Port 27099 -Keep

        Drills an archive on a share with the scratch mongod on port 27099 and keeps the scratch folder.

    .EXAMPLE
        Invoke-AlteryxRestoreDrill -Path C:\Backups\ServerBackup_Full_20250101_020000.zip -SandboxPath C:\Temp\sbx

        Drills one archive; the result holds the verdict, the per-collection counts and the timings.

    .EXAMPLE
        Invoke-AlteryxRestoreDrill -BackupMode DatabaseOnly -SandboxPath C:\Temp\sbx -Keep

        Drills the newest DatabaseOnly archive and keeps the scratch server for inspection.

    .EXAMPLE
        (Invoke-AlteryxRestoreDrill -SandboxPath C:\Temp\sbx).Counts | Format-Table Database, Collection, Expected, Restored, Actual, Ok

        Shows the per-collection document counts: the manifest's, the restore log's and the restored database's.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode Full -SandboxPath C:\Temp\sbx | Invoke-AlteryxRestoreDrill -SandboxPath C:\Temp\sbx

        Backs up, then drills the archive just made.

    .EXAMPLE
        Invoke-AlteryxRestoreDrill -Latest -Mode DatabaseOnly -Destination '\\nas01\AlteryxBackups' -SandboxPath C:\Temp\sbx

        Drills the newest good DatabaseOnly backup on the share; -Destination aws-offsite would drill the
        newest one in that cloud destination (downloaded first).

    .INPUTS
        Objects with an ArchivePath or FullName property.

    .OUTPUTS
        AlteryxBackup.DrillResult. Properties: Path, Mode, Success, ExitCode, Message, Duration, LogPath,
        Checks (Name, Ok, Detail), FailedChecks, BadEntries, Counts (Database, Collection, Expected, Restored,
        Actual, Ok), Documents, RestoreLog, Timings (milliseconds per part), Method, Port, ScratchPath, Kept,
        Interrupted (the core was killed mid-drill), Recovery (the result of the 'recover' that followed: the
        scratch mongod stopped, the scratch folder removed), Warnings.

    .LINK
        Restore-AlteryxBackup

    .LINK
        Test-AlteryxBackup
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low', DefaultParameterSetName = 'Path')]
    [OutputType('AlteryxBackup.DrillResult')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'Path')]
        [Alias('ArchivePath', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [Parameter(ParameterSetName = 'Path')]
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $BackupMode,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [switch] $Latest,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $Mode,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateNotNullOrEmpty()]
        [string] $ScratchPath,

        [switch] $Keep,

        [ValidateSet('Auto', 'Mongod', 'Sandbox')]
        [string] $Method,

        [ValidateRange(0, 65535)]
        [int] $Port,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $LocalBackupPath,

        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory,

        [switch] $SkipChecksumFile,

        [System.Security.SecureString] $ArchivePassword,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    process {
        $bound = @{}
        foreach ($key in @($PSBoundParameters.Keys)) { $bound[$key] = $PSBoundParameters[$key] }
        foreach ($key in @('Path', 'SandboxPath', 'ConfigPath', 'ScratchPath')) {
            # An s3:// or azblob:// -Path (docs/storage.md) goes to the core as it is.
            if ($bound.ContainsKey($key) -and -not ([string]$bound[$key] -match '^(s3|azblob)://')) {
                $bound[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($bound[$key])
            }
        }
        $archive = 'the newest archive'
        if ($PSBoundParameters.ContainsKey('BackupMode')) { $archive = "the newest $BackupMode archive" }
        if ($bound.ContainsKey('Path')) { $archive = [string]$bound['Path'] }
        # -Latest: the core picks the archive (src/cloud/latest.ts); the result's Path is the one it picked.
        if ($Latest) { $archive = "the newest $Mode backup at $Destination" }
        $scratch = 'a scratch location in the temp folder'
        if ($bound.ContainsKey('ScratchPath')) { $scratch = "a scratch location under $($bound['ScratchPath'])" }
        $nodeArgs = @{}
        if ($PSBoundParameters.ContainsKey('NodePath')) { $nodeArgs['NodePath'] = $NodePath }
        $run = Invoke-AlteryxBackupConfirmedCommand -Cmdlet $PSCmdlet -Command 'drill' -BoundParameters $bound `
            -Target $scratch -Action "Restore drill of $archive" -CoreTarget $archive -FailureTarget $archive -ConfirmImpact 'Low' @nodeArgs
        if ($null -eq $run -or $run.Contains('Plan')) { return }
        $core = $run.Core
        $exitCode = $run.ExitCode

        $checks = @(ConvertTo-AlteryxBackupCheck -Checks $core.checks)
        $counts = @(ConvertTo-AlteryxBackupCollectionCount -Rows $core.counts -IncludeActual)
        $timings = [ordered]@{}
        if ($null -ne $core.timingsMs) {
            foreach ($p in $core.timingsMs.PSObject.Properties) { $timings[$p.Name] = [long]$p.Value }
        }
        $duration = [timespan]::Zero
        if ($null -ne $core.durationMs) { $duration = [timespan]::FromMilliseconds([double]$core.durationMs) }

        # Node killed mid-drill: the watchdog ran 'recover', which stopped the scratch mongod and removed the
        # scratch folder (docs/restore.md); its result is the Recovery property.
        $interruption = Get-AlteryxBackupInterruption -Core $core

        $result = [pscustomobject]@{
            PSTypeName   = 'AlteryxBackup.DrillResult'
            Path         = $core.archivePath
            Mode         = [string]$core.mode
            Success      = ($exitCode -eq 0)
            ExitCode     = $exitCode
            Message      = [string]$core.message
            Duration     = $duration
            LogPath      = $core.logPath
            Checks       = $checks
            FailedChecks = @($checks | Where-Object { -not $_.Ok })
            BadEntries   = @($core.badEntries | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            Counts       = $counts
            Documents    = $core.documents
            RestoreLog   = $core.restoreLog
            Timings      = [pscustomobject]$timings
            Method       = [string]$core.method
            Port         = $core.port
            ScratchPath  = $core.scratchPath
            Kept         = [bool]$core.kept
            Interrupted  = $interruption.Interrupted
            Recovery     = $interruption.Recovery
            Warnings     = @($core.warnings | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
        }
        $result
        if ($exitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $result `
                -Message $result.Message, (@($core.errors) -join ' ') -Fallback "The drill failed with exit code $exitCode."
        }
    }
}
