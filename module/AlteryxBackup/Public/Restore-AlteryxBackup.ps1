function Restore-AlteryxBackup {
    <#
    .SYNOPSIS
        Restores an AlteryxBackup archive onto this Alteryx Server: configuration files, Keys, the controller
        token and MongoDB, with a rollback if anything fails.

    .DESCRIPTION
        Restore-AlteryxBackup puts a backup made by Invoke-AlteryxBackup back onto the server (or onto a
        simulated server with -SandboxPath), in the host-recovery order (docs/restore.md):
          1. Verify the archive (every entry against its manifest SHA-256, the .sha256 beside it). An archive
             that fails, or that holds an entry whose name would land outside the restore folder (../,
             absolute paths), is refused before anything is written.
          2. Pre-flight: Administrator rights, the service on every node, the server version (a different
             version is a loud warning), free space.
          3. Extract the archive to <TempDirectory>\AlteryxRestore_<stamp>, wait for running workflows, stop
             AlteryxService (UI nodes, then workers, then the controller).
          4. Save the files about to be overwritten to <TempDirectory>\PreRestore_<stamp>; keep the current
             controller token in memory; move the MongoDB data folder aside (<folder>.PreRestore_<stamp>).
          5. Restore RuntimeSettings.xml (the overrides file in ProgramData, never the installer's defaults),
             the Keys folder, SystemAlias.xml, SystemConnections.xml and alteryx.config as captured, on every
             node; set the controller token with AlteryxService.exe setserversecret (masked in every log);
             restore MongoDB with AlteryxService.exe emongorestore and judge mongoRestore.log (document counts
             above 0, 0 failed, no Failed:/error/critical/fatal/failed line) and the per-collection counts
             against the manifest.
          6. Start the services that were running (controller first) and check that they run and that every
             restored file matches the manifest.
        Any failure after the first change puts the previous files, token and database back and the services
        as they were found. If the core (node) is killed mid-restore, the run journal in TempDirectory lets the
        watchdog's 'recover' put back the files, Keys and the moved-aside database folder and start the
        services; the result then has Interrupted $true, ExitCode 1, and Recovery (what was put back, and what
        is left to do by hand: the controller token once setserversecret had run, a self-managed database
        once mongorestore had started). A Full archive restores everything; ConfigOnly the files and the token only;
        DatabaseOnly the database only; -RestoreMode narrows a Full archive.

        A self-managed MongoDB archive is restored into this server's self-managed MongoDB: the connection is
        checked first (nothing stopped when it fails, exit code 5), the current database is dumped to the
        pre-restore folder (mongodump --gzip), then mongorestore --gzip --drop restores the three Alteryx
        databases and its output is judged like mongoRestore.log; a failure restores the pre-restore dump.
        The password travels on stdin and in an owner-only mongorestore --config file, never on a command line.
        The service is stopped for the configuration files; a DatabaseOnly restore of a self-managed MongoDB
        stops it only with -StopServiceForExternalDB. An archive whose kind of MongoDB differs from the
        server's is refused (exit code 5, nothing changed).

        A restore overwrites production: ConfirmImpact is High, so PowerShell asks, once per step of the
        plan that changes something, unless -Confirm:$false or -Force is given. A host that cannot ask (a
        non-interactive session, a scheduled task) gets a RestoreResult with ExitCode 3 and the message to
        add -Confirm:$false or -Force; nothing is changed. -WhatIf verifies the archive, runs the pre-flight
        and passes every changing step of the plan through ShouldProcess ("What if:" lines, no output
        object), changing nothing; a failed verification or pre-flight is still reported as an error.

        Output: one AlteryxBackup.RestoreResult with every check. When the restore fails, the object is still
        written (Success $false, ExitCode, RolledBack), followed by a non-terminating error
        AlteryxBackup.Exit<code> ($LASTEXITCODE is left alone). Exit codes: 0 restored; 1 general
        (also: a service did not start; the core was killed mid-restore and recovered); 2 a wait timed out; 3 the archive or pre-flight failed (nothing
        changed) or the restored server failed its checks (rolled back); 4 not enough space; 5 the MongoDB
        restore failed (rolled back), a self-managed MongoDB is unreachable or refuses the credentials, or the
        archive's kind of MongoDB differs from the server's (nothing changed).

    .PARAMETER Path
        The archive to restore. Accepts pipeline input by the property names ArchivePath and FullName.
        Also an s3://bucket/prefix/<archive> or azblob://account/container/prefix/<archive> URL (see
        Get-AlteryxBackup and docs/storage.md): downloaded to the temp folder, SHA-256 checked, then used.

    .PARAMETER Latest
        Instead of -Path: restore the newest good backup (not empty, its .sha256 next to it) of -Mode at
        -Destination. Cannot be combined with -Path (parameter sets). When nothing matches: ExitCode 3 and
        the error AlteryxBackup.Exit3 naming the destination and the mode; nothing is changed.

    .PARAMETER Mode
        With -Latest: the backup mode to pick (Full, DatabaseOnly, ConfigOnly). -RestoreMode still says how
        much of it to restore.

    .PARAMETER Destination
        With -Latest: where to look. A cloud destination by its Name in BackupConfiguration.CloudDestinations
        (docs/storage.md), or a folder: local (D:\Alteryx\Backups) or a network path (\\nas01\AlteryxBackups).

    .PARAMETER RestoreMode
        Restore less than the archive holds: ConfigOnly (files and token) or DatabaseOnly (MongoDB) of a Full
        archive. Default: the archive's mode.

    .PARAMETER ConfigPath
        Path of the JSON configuration file (install and ProgramData folders, temp folder, waits). Default:
        config/backup-config.json next to the module.

    .PARAMETER TempDirectory
        Folder for the extraction and the pre-restore copy (BackupConfiguration.TempDirectory).

    .PARAMETER LogDirectory
        Folder of the log file BackupLog_Restore_YYYYMMDD_HHmmss.log (BackupConfiguration.LogDirectory).

    .PARAMETER MaxServiceWaitSeconds
        Seconds to wait for AlteryxService to stop or start (1-86400; ServiceConfiguration.MaxServiceWaitSeconds).
        Alias: -MaxServiceWait.

    .PARAMETER MaxWorkflowWaitSeconds
        Seconds to wait for running workflows before the service is stopped (1-86400;
        ServiceConfiguration.MaxWorkflowWaitSeconds). Alias: -MaxWorkflowWait.

    .PARAMETER ForceStopWorkflows
        Stop workflows still running after -MaxWorkflowWaitSeconds instead of failing.

    .PARAMETER SkipChecksumFile
        Do not check <archive>.sha256 even when it is there (the entries are still checked).

    .PARAMETER ArchivePassword
        Password of an AES-256 encrypted archive. Passed to the core on stdin, never on a command line.

    .PARAMETER StopServiceForExternalDB
        Stop AlteryxService for a DatabaseOnly restore of a self-managed MongoDB too (Full and ConfigOnly
        restores always stop it, for the configuration files).

    .PARAMETER MongoCredential
        User and password of a self-managed MongoDB (roles backup and restore on admin). The password is
        passed to the core on stdin only.

    .PARAMETER MongoPassword
        Password (SecureString) of a self-managed MongoDB whose user is configured. The three MongoDB
        credential sources (-MongoCredential, -MongoPassword, -MongoCredentialTarget) are parameter sets:
        PowerShell refuses two of them together.

    .PARAMETER MongoCredentialTarget
        Target name of a generic credential in Windows Credential Manager holding the self-managed MongoDB
        user and password (cmdkey /generic:<target> /user:<user> /pass). Not found: exit code 3.

    .PARAMETER SandboxPath
        Restore into a simulated Alteryx Server folder (see New-AlteryxSandbox) instead of this machine.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .PARAMETER Force
        Restore without asking for confirmation, like -Confirm:$false (for scripts and scheduled tasks).
        An explicit -Confirm still asks.

    .EXAMPLE
        Restore-AlteryxBackup -Path D:\Alteryx\Backups\ServerBackup_Full_20250101_020000.zip

        Restores everything the Full archive holds, after asking for confirmation.

    .EXAMPLE
        Restore-AlteryxBackup -Path .\ServerBackup_Full_20250101_020000.zip -WhatIf

        Verifies the archive, checks the server and lists the steps of the restore; nothing is changed.

    .EXAMPLE
        Restore-AlteryxBackup -Path .\ServerBackup_Full_20250101_020000.zip -RestoreMode ConfigOnly -Confirm:$false -Verbose

        Restores only the configuration files, Keys and controller token of a Full archive, without asking,
        showing every step.

    .EXAMPLE
        Restore-AlteryxBackup -Path .\ServerBackup_Full_20250101_020000.zip -Force

        Restores without asking, as a script or a scheduled task must: without -Force (or -Confirm:$false) a
        non-interactive host cannot confirm, and the result says so with exit code 3.

    .EXAMPLE
        $r = Restore-AlteryxBackup -Path $zip -Confirm:$false -ErrorAction SilentlyContinue
        if (-not $r.Success) { "Restore failed ($($r.ExitCode)), rolled back: $($r.RolledBack)"; $r.Checks | Where-Object { -not $_.Ok } }

        Reads the result object: which checks failed and whether the previous state was put back.

    .EXAMPLE
        Get-ChildItem D:\Alteryx\Backups\ServerBackup_DB_*.zip | Sort-Object Name | Select-Object -Last 1 | Restore-AlteryxBackup -ArchivePassword (Read-Host -AsSecureString 'Archive password')

        Restores the newest DatabaseOnly archive, encrypted with a password.

    .EXAMPLE
        Restore-AlteryxBackup -Path .\ServerBackup_DB_20250101_020000.zip -MongoCredentialTarget 'AlteryxBackup/MongoDB' -StopServiceForExternalDB

        Restores a self-managed MongoDB archive, the MongoDB user and password taken from Windows Credential
        Manager, with AlteryxService stopped during the restore.

    .EXAMPLE
        Restore-AlteryxBackup -Latest -Mode ConfigOnly -Destination '\\nas01\AlteryxBackups' -SandboxPath C:\Temp\sbx -WhatIf

        Shows the plan of restoring the newest good ConfigOnly backup on the share (here: of a simulated
        server); with -Destination aws-offsite it would be downloaded from that cloud destination first.

    .INPUTS
        Objects with an ArchivePath or FullName property.

    .OUTPUTS
        AlteryxBackup.RestoreResult. Properties: Path, Mode (the archive's), RestoreMode, Success, ExitCode,
        Message, DryRun, Duration, LogPath, Checks (Name, Ok, Detail), FailedChecks, RestoreLog (the verdict
        on mongoRestore.log), Counts (Database, Collection, Expected, Restored, Ok), RestoredFiles,
        PreRestorePath, PreRestoreDatabasePath, RolledBack, Rollback, Services, Warnings, Plan, Interrupted (the
        core was killed mid-restore), Recovery (the result of the 'recover' that followed: message, restore.putBack,
        restore.failed, restore.manual, journalCleared, complete, logPath).

    .LINK
        Test-AlteryxBackup

    .LINK
        Invoke-AlteryxRestoreDrill

    .LINK
        about_AlteryxBackup
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Default')]
    [OutputType('AlteryxBackup.RestoreResult')]
    param(
        # -Path and -Latest exclude each other; each combines with one MongoDB credential source (or none).
        # In the Latest* sets the credential is mandatory, so that -Latest alone resolves to the set Latest.
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'Default')]
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'MongoCredential')]
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'MongoPassword')]
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'MongoCredentialTarget')]
        [Alias('ArchivePath', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredential')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoPassword')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredentialTarget')]
        [switch] $Latest,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredential')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoPassword')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredentialTarget')]
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $Mode,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredential')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoPassword')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredentialTarget')]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $RestoreMode,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $TempDirectory,

        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory,

        [ValidateRange(1, 86400)]
        [Alias('MaxServiceWait')]
        [int] $MaxServiceWaitSeconds,

        [ValidateRange(1, 86400)]
        [Alias('MaxWorkflowWait')]
        [int] $MaxWorkflowWaitSeconds,

        [switch] $ForceStopWorkflows,

        [switch] $SkipChecksumFile,

        [System.Security.SecureString] $ArchivePassword,

        [switch] $StopServiceForExternalDB,

        [Parameter(ParameterSetName = 'MongoCredential')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredential')]
        [System.Management.Automation.PSCredential] $MongoCredential,

        [Parameter(ParameterSetName = 'MongoPassword')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoPassword')]
        [System.Security.SecureString] $MongoPassword,

        [Parameter(ParameterSetName = 'MongoCredentialTarget')]
        [Parameter(Mandatory = $true, ParameterSetName = 'LatestMongoCredentialTarget')]
        [ValidateNotNullOrEmpty()]
        [string] $MongoCredentialTarget,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath,

        [switch] $Force
    )

    process {
        # -Force: restore without asking, like -Confirm:$false (an explicit -Confirm still asks).
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) { $ConfirmPreference = 'None' }
        $bound = @{}
        foreach ($key in @($PSBoundParameters.Keys)) { $bound[$key] = $PSBoundParameters[$key] }
        [void]$bound.Remove('Force')
        # Windows Credential Manager: the stored credential travels exactly like -MongoCredential (stdin only).
        if ($bound.ContainsKey('MongoCredentialTarget')) {
            try {
                $bound['MongoCredential'] = Get-AlteryxStoredCredential -Target $MongoCredentialTarget
            }
            catch {
                $PSCmdlet.ThrowTerminatingError($_)
            }
            [void]$bound.Remove('MongoCredentialTarget')
        }
        foreach ($key in @('Path', 'SandboxPath', 'ConfigPath')) {
            # An s3:// or azblob:// -Path (docs/storage.md) goes to the core as it is.
            if ($bound.ContainsKey($key) -and -not ([string]$bound[$key] -match '^(s3|azblob)://')) {
                $bound[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($bound[$key])
            }
        }
        $archive = [string]$bound['Path']
        # -Latest: the core picks the archive (src/cloud/latest.ts); the switch travels as Latest = true.
        if ($Latest) { $archive = "the newest $Mode backup at $Destination" }
        $target = 'Alteryx Server'
        if ($bound.ContainsKey('SandboxPath')) { $target = [string]$bound['SandboxPath'] }
        $what = 'everything the archive holds'
        if ($PSBoundParameters.ContainsKey('RestoreMode')) { $what = "$RestoreMode" }
        $action = "Restore $what from $archive (overwrites the configuration and database; the current ones are saved first)"
        $nodeArgs = @{}
        if ($PSBoundParameters.ContainsKey('NodePath')) { $nodeArgs['NodePath'] = $NodePath }
        # ShouldProcess per changing step of the plan (-WhatIf: "What if:" lines, no object; a failed dry run,
        # the archive or the pre-flight, is still an error). A host that cannot ask: exit code 3, as a result.
        $run = Invoke-AlteryxBackupConfirmedCommand -Cmdlet $PSCmdlet -Command 'restore' -BoundParameters $bound `
            -Target $target -Action $action -CoreTarget $target -FailureTarget $archive -ConfirmImpact 'High' @nodeArgs
        if ($null -eq $run -or $run.Contains('Plan')) { return }
        $core = $run.Core
        $exitCode = $run.ExitCode

        $checks = @(ConvertTo-AlteryxBackupCheck -Checks $core.checks)
        $counts = @(ConvertTo-AlteryxBackupCollectionCount -Rows $core.counts)
        $duration = [timespan]::Zero
        if ($null -ne $core.durationMs) { $duration = [timespan]::FromMilliseconds([double]$core.durationMs) }

        # Node killed mid-restore: the watchdog ran 'recover', which rolled back from the journal what the
        # restore had changed (docs/restore.md, "An interrupted restore"); its result is the Recovery property.
        $interruption = Get-AlteryxBackupInterruption -Core $core
        $interrupted = $interruption.Interrupted
        $recovery = $interruption.Recovery
        $rolledBack = [bool]$core.rolledBack
        $rollback = @($core.rollback | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
        $logPath = $core.logPath
        if ($interrupted -and $null -ne $recovery) {
            if ($recovery.PSObject.Properties['restore'] -and $null -ne $recovery.restore) {
                $rolledBack = $true
                $rollback = @($recovery.restore.putBack | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            }
            if (-not $logPath -and $recovery.PSObject.Properties['run'] -and $null -ne $recovery.run) { $logPath = $recovery.run.logPath }
        }

        # -Latest: the archive the core picked is the result's Path.
        if ($Latest -and $core.archivePath) { $archive = [string]$core.archivePath }
        $result = [pscustomobject]@{
            PSTypeName             = 'AlteryxBackup.RestoreResult'
            Path                   = $archive
            Mode                   = [string]$core.mode
            RestoreMode            = [string]$core.restoreMode
            Success                = ($exitCode -eq 0)
            ExitCode               = $exitCode
            Message                = [string]$core.message
            DryRun                 = [bool]$core.dryRun
            Duration               = $duration
            LogPath                = $logPath
            Checks                 = $checks
            FailedChecks           = @($checks | Where-Object { -not $_.Ok })
            RestoreLog             = $core.restoreLog
            Counts                 = $counts
            RestoredFiles          = @($core.restoredFiles | Where-Object { $null -ne $_ })
            PreRestorePath         = $core.preRestorePath
            PreRestoreDatabasePath = $core.preRestoreDatabasePath
            RolledBack             = $rolledBack
            Rollback               = $rollback
            Services               = @($core.services | Where-Object { $null -ne $_ })
            Warnings               = @($core.warnings | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            Plan                   = @($core.plan | Where-Object { $null -ne $_ })
            Interrupted            = $interrupted
            Recovery               = $recovery
        }
        $result
        if ($exitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $result `
                -Message $result.Message, (@($core.errors) -join ' ') -Fallback "The restore failed with exit code $exitCode."
        }
    }
}
