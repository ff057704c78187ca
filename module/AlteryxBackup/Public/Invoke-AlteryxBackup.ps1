function Invoke-AlteryxBackup {
    <#
    .SYNOPSIS
        Backs up an Alteryx Server (MongoDB, configuration, keys and secrets) to a verified ZIP archive.

    .DESCRIPTION
        Invoke-AlteryxBackup runs one backup of the Alteryx Server on this machine, or of a simulated
        server folder with -SandboxPath. The work is done by the module's Node.js core
        (lib/alteryx-backup.mjs, Node.js 20.19 or later); this cmdlet builds the request from its
        parameters, passes secrets on stdin (never on a command line), and maps the core's events to
        PowerShell's streams: -Verbose shows every step, -Debug the detail, warnings go to the warning
        stream and progress to Write-Progress. Every run also writes its own log file,
        BackupLog_<Mode>_YYYYMMDD_HHmmss.log, in the log directory.

        Modes:
          Full          MongoDB dump + configuration files + Keys + controller token and MongoDB
                        passwords + metadata. Stops AlteryxService (embedded MongoDB) for the dump and
                        starts it again. Archive ServerBackup_Full_YYYYMMDD_HHmmss.zip.
          DatabaseOnly  MongoDB dump + metadata. Stops the service like Full.
                        Archive ServerBackup_DB_YYYYMMDD_HHmmss.zip.
          ConfigOnly    Configuration files, Keys, secrets and metadata. Never stops the service.
                        Archive ServerBackup_Config_YYYYMMDD_HHmmss.zip.
        With a self-managed MongoDB the service is stopped only with -StopServiceForExternalDB.
        When -BackupMode is not given, the configuration file's DefaultBackupMode applies (Full unless
        changed). Settings come from the configuration file (-ConfigPath, default
        config/backup-config.json next to the module); parameters override it.

        Every archive is reopened and checked against its manifest (SHA-256 of every file) before it is
        published; copies to network destinations are verified; retention then removes old archives of
        the same mode.

        -WhatIf asks the core for a dry run: it validates the configuration and the server, prints the
        steps it would take ("What if:" lines) and changes nothing. -Confirm asks before the backup.

        Output: one AlteryxBackup.Result object. When the run fails, the object is still written (with
        Success $false and the ExitCode), followed by a non-terminating error whose ErrorId is
        AlteryxBackup.Exit<code>; $LASTEXITCODE is set to the exit code in both cases.

        Exit codes (the same from this cmdlet, the script form Invoke-AlteryxBackup.ps1, the Node CLI and
        Task Scheduler):
          0  success
          1  general error (also: the run was interrupted; Node could not be found)
          2  service or workflow wait timed out
          3  validation failed (configuration, pre-flight or archive verification)
          4  storage error (destination, copy, disk space)
          5  MongoDB error (dump, connection)
          6  invalid backup mode

    .PARAMETER BackupMode
        What to back up: Full, DatabaseOnly or ConfigOnly (see DESCRIPTION). Default Full; when the
        parameter is not given, the configuration's DefaultBackupMode applies.

    .PARAMETER ConfigPath
        Path of the JSON configuration file. Default: config/backup-config.json next to the module.

    .PARAMETER TempDirectory
        Staging folder where the backup is assembled before it is archived (configuration
        BackupConfiguration.TempDirectory, default D:\Temp). Needs free space of at least twice the
        MongoDB data size for the database modes.

    .PARAMETER LocalBackupPath
        Folder where archives are published (BackupConfiguration.LocalBackupPath, default
        D:\Alteryx\Backups).

    .PARAMETER NetworkBackupPath
        One or more UNC paths or mapped drives the archive is copied to, each copy verified
        (BackupConfiguration.NetworkBackupPaths).

    .PARAMETER LogDirectory
        Folder of the log files (BackupConfiguration.LogDirectory, default D:\Alteryx\BackupLogs).

    .PARAMETER MongoDBType
        auto (detect from RuntimeSettings.xml), embedded or selfManaged (MongoDBConfiguration.Type).

    .PARAMETER MaxServiceWait
        Seconds to wait for AlteryxService to stop or start (1-86400; ServiceConfiguration
        .MaxServiceWaitSeconds, default 7200). Exceeding it ends the run with exit code 2.

    .PARAMETER MaxWorkflowWait
        Seconds to wait for running workflows to finish before the service is stopped (1-86400;
        ServiceConfiguration.MaxWorkflowWaitSeconds, default 3600).

    .PARAMETER RetentionDays
        Days to keep archives of this mode (0-3650; BackupConfiguration.RetentionDays.<Mode>). 0 keeps
        only the newest archive. The newest good archive of a mode is never removed (docs/storage.md).

    .PARAMETER StopServiceForExternalDB
        Stop AlteryxService during a database backup even when MongoDB is self-managed (for a
        consistent dump).

    .PARAMETER ForceStopWorkflows
        Stop workflows that are still running when -MaxWorkflowWait has passed, instead of failing.

    .PARAMETER MongoConnectionString
        Connection string of a self-managed MongoDB. Put credentials in -MongoCredential rather than in
        the string.

    .PARAMETER MongoHost
        Host name of a self-managed MongoDB.

    .PARAMETER MongoPort
        Port of a self-managed MongoDB (default 27017).

    .PARAMETER MongoDatabase
        Database of a self-managed MongoDB (default AlteryxGallery).

    .PARAMETER MongoAuthDatabase
        Authentication database of a self-managed MongoDB (default admin).

    .PARAMETER MongoCredential
        User name and password for a self-managed MongoDB. The password is passed to the core on stdin
        and never appears in a log, an event or the process list.

    .PARAMETER MongoPassword
        Password for a self-managed MongoDB as a SecureString, with the user name from the
        configuration. Do not combine with -MongoCredential.

    .PARAMETER MongoCredentialTarget
        Target name of a generic credential in Windows Credential Manager holding the user name and
        password of a self-managed MongoDB (store it once, as the account that runs the backup:
        cmdkey /generic:AlteryxBackup/MongoDB /user:<user> /pass). Read with Win32 CredRead and passed on
        like -MongoCredential. Do not combine with -MongoCredential or -MongoPassword. See docs/mongodb.md.

    .PARAMETER CompressionLevel
        Deflate level of the archive, 0 (store) to 9 (smallest). Default 6.

    .PARAMETER ArchivePassword
        Encrypts the archive with AES-256 using this password. Without it, the archive holds the
        controller token and MongoDB passwords in clear: store it accordingly.

    .PARAMETER SandboxPath
        Run against a simulated Alteryx Server folder (see New-AlteryxSandbox) instead of this machine.
        Used for tests, demos and trying settings on a machine without Alteryx Server.

    .PARAMETER SmtpCredential
        User name and password for the SMTP server of the email alerts (NotificationConfiguration). The
        password goes to the core on stdin and never appears in a log; without it the core reads
        $env:ALTERYXBACKUP_SMTP_PASSWORD and NotificationConfiguration.SMTPUsername. See docs/alerts.md.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Invoke-AlteryxBackup

        Full backup (or the configuration's DefaultBackupMode) with the settings of
        config/backup-config.json.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode Full -NetworkBackupPath '\\nas01\AlteryxBackups', 'E:\Backups' -Verbose

        Full backup, copied to a share and a second drive, showing every step.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -MaxWorkflowWait 1800 -ForceStopWorkflows

        MongoDB-only backup; waits up to 30 minutes for running workflows, then stops them.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode ConfigOnly -ArchivePassword (Read-Host -AsSecureString 'Archive password')

        Configuration, keys and secrets only, in an AES-256 encrypted archive. The service keeps running.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode Full -WhatIf

        Validates the configuration and the server and lists the steps a Full backup would take, without
        changing anything.

    .EXAMPLE
        New-AlteryxSandbox -Path C:\Temp\sbx
        Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath C:\Temp\sbx

        Backs up a simulated server folder instead of this machine.

    .EXAMPLE
        $cred = Get-Credential -UserName backupuser -Message 'MongoDB'
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -MongoDBType selfManaged -MongoHost mongo01 -MongoPort 27017 -MongoAuthDatabase admin -MongoCredential $cred -StopServiceForExternalDB

        Backs up a self-managed MongoDB with a credential, stopping AlteryxService for a consistent dump.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -MongoConnectionString 'mongodb://mongo01:27017,mongo02:27017/?replicaSet=rs0' -MongoCredentialTarget 'AlteryxBackup/MongoDB'

        Self-managed replica set, with the user name and password stored in Windows Credential Manager
        (cmdkey /generic:AlteryxBackup/MongoDB /user:svc-backup /pass): nothing secret on the command line.

    .EXAMPLE
        schtasks /Create /TN "Alteryx Full Backup" /RU SYSTEM /RL HIGHEST /SC DAILY /ST 02:00 /TR "powershell.exe -NoProfile -ExecutionPolicy Bypass -File \"C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1\" -BackupMode Full"

        Task Scheduler: nightly Full backup at 02:00 as SYSTEM through the script form, whose exit code
        (0-6) is the task's Last Run Result. The script path is quoted inside /TR (\"...\") because of the
        space in C:\Program Files. Register-AlteryxBackupTask -Schedule Nightly makes the same task with
        IgnoreNew and an execution time limit (docs/scheduling.md).

    .EXAMPLE
        $r = Invoke-AlteryxBackup -BackupMode DatabaseOnly -ErrorAction SilentlyContinue
        if (-not $r.Success) { "Backup failed with exit code $($r.ExitCode): $($r.Message)" }

        Reads the result object instead of the error stream.

    .EXAMPLE
        $smtp = Import-Clixml -Path 'C:\ProgramData\AlteryxBackup\smtp.cred.xml'
        Invoke-AlteryxBackup -BackupMode Full -SmtpCredential $smtp

        Full backup whose email alert (NotificationConfiguration) logs in with a stored credential
        (saved once by the same account with Get-Credential | Export-Clixml). Every run also writes an
        entry to the Windows Event Log, source AlteryxBackup (see Register-AlteryxBackupEventSource).

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.Result. Properties: Mode, Success, ExitCode, Message, ArchivePath, SizeBytes,
        Sha256, Duration ([timespan]), LogPath, Destinations, Warnings, DryRun, Summary.

    .LINK
        New-AlteryxSandbox

    .LINK
        https://github.com/alteryx-backup/alteryx-backup/blob/main/docs/bridge.md
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('AlteryxBackup.Result')]
    param(
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $BackupMode = 'Full',

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $TempDirectory,

        [ValidateNotNullOrEmpty()]
        [string] $LocalBackupPath,

        [ValidateNotNullOrEmpty()]
        [string[]] $NetworkBackupPath,

        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory,

        [ValidateSet('auto', 'embedded', 'selfManaged')]
        [string] $MongoDBType,

        [ValidateRange(1, 86400)]
        [int] $MaxServiceWait,

        [ValidateRange(1, 86400)]
        [int] $MaxWorkflowWait,

        [ValidateRange(0, 3650)]
        [int] $RetentionDays,

        [switch] $StopServiceForExternalDB,

        [switch] $ForceStopWorkflows,

        [ValidateNotNullOrEmpty()]
        [string] $MongoConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $MongoHost,

        [ValidateRange(1, 65535)]
        [int] $MongoPort,

        [ValidateNotNullOrEmpty()]
        [string] $MongoDatabase,

        [ValidateNotNullOrEmpty()]
        [string] $MongoAuthDatabase,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $MongoCredential,

        [System.Security.SecureString] $MongoPassword,

        [ValidateNotNullOrEmpty()]
        [string] $MongoCredentialTarget,

        [ValidateRange(0, 9)]
        [int] $CompressionLevel,

        [System.Security.SecureString] $ArchivePassword,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $SmtpCredential,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    if ($PSBoundParameters.ContainsKey('MongoCredential') -and $PSBoundParameters.ContainsKey('MongoPassword')) {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.ArgumentException 'Use either -MongoCredential or -MongoPassword, not both.'),
                    'AlteryxBackup.MongoCredentialAndPassword',
                    [System.Management.Automation.ErrorCategory]::InvalidArgument,
                    $null)))
    }

    if ($PSBoundParameters.ContainsKey('MongoCredentialTarget') -and ($PSBoundParameters.ContainsKey('MongoCredential') -or $PSBoundParameters.ContainsKey('MongoPassword'))) {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.ArgumentException 'Use either -MongoCredentialTarget or -MongoCredential / -MongoPassword, not both.'),
                    'AlteryxBackup.MongoCredentialAndTarget',
                    [System.Management.Automation.ErrorCategory]::InvalidArgument,
                    $null)))
    }

    # Paths on this machine are resolved against the PowerShell location (which may differ from the
    # process working directory, and may be a PSDrive such as TestDrive:). Server-side paths (temp,
    # backup and log folders) are passed as given: in a sandbox they are Windows paths of the simulated server.
    $bound = @{}
    foreach ($key in @($PSBoundParameters.Keys)) { $bound[$key] = $PSBoundParameters[$key] }
    foreach ($key in @('SandboxPath', 'ConfigPath')) {
        if ($bound.ContainsKey($key)) {
            $bound[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($bound[$key])
        }
    }
    # Windows Credential Manager: the stored credential travels exactly like -MongoCredential (stdin only).
    if ($bound.ContainsKey('MongoCredentialTarget')) {
        try {
            $bound['MongoCredential'] = Get-AlteryxStoredCredential -Target $MongoCredentialTarget
        }
        catch {
            $global:LASTEXITCODE = 3
            $PSCmdlet.ThrowTerminatingError($_)
        }
        [void]$bound.Remove('MongoCredentialTarget')
    }

    $target = 'Alteryx Server'
    if ($bound.ContainsKey('SandboxPath')) { $target = [string]$bound['SandboxPath'] }
    $modeText = 'the configured DefaultBackupMode'
    if ($PSBoundParameters.ContainsKey('BackupMode')) { $modeText = $BackupMode }
    $action = "Back up ($modeText)"

    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }

    if ($PSCmdlet.ShouldProcess($target, $action)) {
        $request = New-AlteryxBackupRequest -Command 'backup' -BoundParameters $bound
        $coreResult = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'backup' -Request $request -Target $target @coreArgs
        $modeArg = @{}
        if ($PSBoundParameters.ContainsKey('BackupMode')) { $modeArg['Mode'] = $BackupMode }
        $result = ConvertTo-AlteryxBackupResult -InputEvent $coreResult @modeArg
        # One Windows Event Log entry per run (docs/alerts.md); a Write-Debug no-op for a sandbox. Never throws.
        Write-AlteryxBackupEventLog -Result $result -Sandbox:($bound.ContainsKey('SandboxPath'))
        $global:LASTEXITCODE = $result.ExitCode
        $result
        if ($result.ExitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $result.ExitCode -Target $result `
                -Message $result.Message, (@($coreResult.errors) -join ' ') -Fallback "The backup failed with exit code $($result.ExitCode)."
        }
    }
    elseif ($WhatIfPreference) {
        $request = New-AlteryxBackupRequest -Command 'backup' -BoundParameters $bound -DryRun
        $coreResult = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'backup' -Request $request -Target $target @coreArgs
        $exitCode = 1
        if ($null -ne $coreResult.exitCode) { $exitCode = [int]$coreResult.exitCode }
        $global:LASTEXITCODE = $exitCode
        $steps = @($coreResult.plan | Where-Object { $null -ne $_ })
        if ($steps.Count -eq 0 -and $exitCode -eq 0) {
            Write-Host "What if: Performing the operation `"$action`" on target `"$target`"."
        }
        Write-AlteryxBackupPlan -Plan $steps -Target $target
        if ($exitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $target `
                -Message ([string]$coreResult.message) -Fallback "The dry run failed with exit code $exitCode."
        }
    }
}
