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

        -WhatIf (or $WhatIfPreference = $true) asks the core for a dry run: it validates the configuration
        and the server, runs the pre-flight and returns its plan; every step of the plan that changes
        something (stop and start the service, write, publish and copy the archive, retention, cleanup)
        goes through ShouldProcess, so PowerShell prints one "What if:" line per step and nothing is
        changed. A dry run that passed says so ("pre-flight passed"); one that failed is an error with the
        exit code. -WhatIf -PassThru also outputs the plan as AlteryxBackup.PlanStep objects. -Confirm (or
        $ConfirmPreference Medium or Low) asks once per changing step before anything runs; declining any
        of them runs nothing, since a backup runs all of its steps or none.

        Output: one AlteryxBackup.Result object. When the run fails, the object is still written (with
        Success $false and the ExitCode), followed by a non-terminating error whose ErrorId is
        AlteryxBackup.Exit<code>. The cmdlet leaves $LASTEXITCODE alone (it is for native programs); the
        script form Invoke-AlteryxBackup.ps1 ends with the exit code.

        Exit codes (the same from this cmdlet, the script form Invoke-AlteryxBackup.ps1, the Node CLI and
        Task Scheduler):
          0  success
          1  general error (also: the run was interrupted; Node could not be found)
          2  service or workflow wait timed out
          3  validation failed (configuration, pre-flight or archive verification)
          4  storage error (destination, copy, disk space)
          5  MongoDB error (dump, connection)
          6  invalid backup mode

    .EXAMPLE
        Invoke-AlteryxBackup

        Full backup (or the configuration's DefaultBackupMode) with the settings of
        config/backup-config.json.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode Full -NetworkBackupPath '\\nas01\AlteryxBackups', 'E:\Backups' -Verbose

        Full backup, copied to a share and a second drive, showing every step.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -MaxWorkflowWaitSeconds 1800 -ForceStopWorkflows

        MongoDB-only backup; waits up to 30 minutes for running workflows, then stops them.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode ConfigOnly -ArchivePassword (Read-Host -AsSecureString 'Archive password')

        Configuration, keys and secrets only, in an AES-256 encrypted archive. The service keeps running.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode Full -WhatIf

        Validates the configuration and the server, runs the pre-flight and prints one "What if:" line per
        step that would change something, without changing anything.

    .EXAMPLE
        $plan = Invoke-AlteryxBackup -BackupMode Full -WhatIf -PassThru
        $plan | Where-Object ChangesState | Format-Table Order, Action, Target

        The plan of a Full backup as AlteryxBackup.PlanStep objects, for a script to inspect.

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
        $script = Join-Path (Get-Module AlteryxBackup).ModuleBase 'Invoke-AlteryxBackup.ps1'
        $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -ExecutionPolicy Bypass -File "{0}" -BackupMode Full' -f $script)
        Register-ScheduledTask -TaskName 'Alteryx Full Backup' -Action $action -Trigger (New-ScheduledTaskTrigger -Daily -At '02:00') -User 'SYSTEM' -RunLevel Highest

        Task Scheduler: nightly Full backup at 02:00 as SYSTEM through the script form, whose exit code
        (0-6) is the task's Last Run Result. The path of the script is quoted inside -Argument, so an
        install under C:\Program Files works. From cmd.exe the same task is:
        schtasks /Create /TN "Alteryx Full Backup" /RU SYSTEM /SC DAILY /ST 02:00 /TR "powershell.exe -NoProfile -ExecutionPolicy Bypass -File \"C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1\" -BackupMode Full"
        Register-AlteryxBackupTask -Schedule Nightly makes the same task with IgnoreNew and an execution
        time limit (docs/scheduling.md).

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
        With -WhatIf -PassThru: AlteryxBackup.PlanStep (Order, Name, Action, Target, ChangesState,
        Description).

    .LINK
        about_AlteryxBackup

    .LINK
        New-AlteryxSandbox

    .LINK
        Restore-AlteryxBackup
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Default')]
    [OutputType('AlteryxBackup.Result', 'AlteryxBackup.PlanStep')]
    # BEGIN generated parameters: src/config/params.ts via scripts/gen-params.ts (npm run gen:params). Edit the table, not this block.
    param(
        # What to back up: Full, DatabaseOnly or ConfigOnly (see DESCRIPTION). Default Full; when the
        # parameter is not given, the configuration's DefaultBackupMode applies.
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $BackupMode = 'Full',

        # Path of the JSON configuration file. Default: config/backup-config.json next to the module.
        [ValidateNotNullOrEmpty()]
        [PSDefaultValue(Help = 'config/backup-config.json next to the module')]
        [string] $ConfigPath,

        # Staging folder where the backup is assembled before it is archived
        # (BackupConfiguration.TempDirectory). Needs free space of at least twice the MongoDB data size for
        # the database modes.
        [ValidateNotNullOrEmpty()]
        [string] $TempDirectory = 'D:\Temp',

        # Folder where archives are published (BackupConfiguration.LocalBackupPath).
        [ValidateNotNullOrEmpty()]
        [string] $LocalBackupPath = 'D:\Alteryx\Backups',

        # One or more UNC paths or mapped drives the archive is copied to, each copy verified
        # (BackupConfiguration.NetworkBackupPaths; none by default). In the script form run with -File (Task
        # Scheduler) a list arrives as one string "a,b": it is split at the commas when every part is a rooted
        # Windows path (a drive letter or UNC path), so a path that itself contains a comma is kept whole.
        [ValidateNotNullOrEmpty()]
        [string[]] $NetworkBackupPath,

        # Folder of the log files (BackupConfiguration.LogDirectory).
        [ValidateNotNullOrEmpty()]
        [string] $LogDirectory = 'D:\Alteryx\BackupLogs',

        # auto (detect from RuntimeSettings.xml), embedded or selfManaged (MongoDBConfiguration.Type).
        [ValidateSet('auto', 'embedded', 'selfManaged')]
        [string] $MongoDBType = 'auto',

        # Seconds to wait for AlteryxService to stop or start (ServiceConfiguration.MaxServiceWaitSeconds).
        # Exceeding it ends the run with exit code 2. Alias: -MaxServiceWait.
        [Alias('MaxServiceWait')]
        [ValidateRange(1, 86400)]
        [int] $MaxServiceWaitSeconds = 7200,

        # Seconds to wait for running workflows to finish before the service is stopped
        # (ServiceConfiguration.MaxWorkflowWaitSeconds). Alias: -MaxWorkflowWait.
        [Alias('MaxWorkflowWait')]
        [ValidateRange(1, 86400)]
        [int] $MaxWorkflowWaitSeconds = 3600,

        # Days to keep archives of this mode (BackupConfiguration.RetentionDays.<Mode>; default 30 for Full, 7
        # for DatabaseOnly, 14 for ConfigOnly). 0 keeps only the newest archive. The newest good archive of a
        # mode is never removed (docs/storage.md).
        [ValidateRange(0, 3650)]
        [PSDefaultValue(Help = '30 (Full), 7 (DatabaseOnly), 14 (ConfigOnly)')]
        [int] $RetentionDays,

        # Stop AlteryxService during a database backup even when MongoDB is self-managed, for a consistent
        # dump (ServiceConfiguration.StopServiceForExternalDB).
        [switch] $StopServiceForExternalDB,

        # Stop workflows that are still running when -MaxWorkflowWaitSeconds has passed, instead of failing
        # (ServiceConfiguration.ForceStopWorkflows).
        [switch] $ForceStopWorkflows,

        # Connection string of a self-managed MongoDB. Put credentials in -MongoCredential rather than in the
        # string.
        [ValidateNotNullOrEmpty()]
        [string] $MongoConnectionString,

        # Host name of a self-managed MongoDB.
        [ValidateNotNullOrEmpty()]
        [string] $MongoHost,

        # Port of a self-managed MongoDB.
        [ValidateRange(1, 65535)]
        [int] $MongoPort = 27017,

        # Database of a self-managed MongoDB.
        [ValidateNotNullOrEmpty()]
        [string] $MongoDatabase = 'AlteryxGallery',

        # Authentication database of a self-managed MongoDB.
        [ValidateNotNullOrEmpty()]
        [string] $MongoAuthDatabase = 'admin',

        # User name and password for a self-managed MongoDB. The password is passed to the core on stdin and
        # never appears in a log, an event or the process list. One of the three MongoDB credential sources
        # (parameter sets): -MongoCredential, -MongoPassword, -MongoCredentialTarget.
        [Parameter(ParameterSetName = 'MongoCredential')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $MongoCredential,

        # Password for a self-managed MongoDB as a SecureString, with the user name from the configuration
        # (MongoDBConfiguration.SelfManagedMongoDB.Username). Cannot be combined with -MongoCredential or
        # -MongoCredentialTarget.
        [Parameter(ParameterSetName = 'MongoPassword')]
        [System.Security.SecureString] $MongoPassword,

        # Target name of a generic credential in Windows Credential Manager holding the user name and password
        # of a self-managed MongoDB (store it once, as the account that runs the backup: cmdkey
        # /generic:AlteryxBackup/MongoDB /user:<user> /pass). Read with Win32 CredRead and passed on like
        # -MongoCredential. Cannot be combined with -MongoCredential or -MongoPassword. See docs/mongodb.md.
        [Parameter(ParameterSetName = 'MongoCredentialTarget')]
        [ValidateNotNullOrEmpty()]
        [string] $MongoCredentialTarget,

        # Deflate level of the archive, 0 (store) to 9 (smallest) (BackupConfiguration.CompressionLevel).
        [ValidateRange(0, 9)]
        [int] $CompressionLevel = 6,

        # Keep the staging folder of a failed run for inspection (BackupConfiguration.KeepStagingOnFailure):
        # the log names it (and stagingPath in the JSON result of the core); its secret files are removed all
        # the same and later runs leave it alone. Without it the failed run removes its staging folder.
        [switch] $KeepStagingOnFailure,

        # Encrypts the archive with AES-256 using this password; such an archive opens with 7-Zip or this
        # module, not with Explorer or Expand-Archive. Without it, the archive holds the controller token and
        # MongoDB passwords in clear: store it accordingly.
        [System.Security.SecureString] $ArchivePassword,

        # User name and password for the SMTP server of the email alerts (NotificationConfiguration). The
        # password goes to the core on stdin and never appears in a log; without it the core reads
        # $env:ALTERYXBACKUP_SMTP_PASSWORD and NotificationConfiguration.SMTPUsername. See docs/alerts.md.
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $SmtpCredential,

        # Run against a simulated Alteryx Server folder (see New-AlteryxSandbox) instead of this machine. Used
        # for tests, demos and trying settings on a machine without Alteryx Server.
        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        # Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.
        [ValidateNotNullOrEmpty()]
        [string] $NodePath,

        # With -WhatIf, output the steps of the plan as AlteryxBackup.PlanStep objects (Order, Name, Action,
        # Target, ChangesState, Description) for a script to inspect. Without -WhatIf the result object is
        # written as always.
        [switch] $PassThru
    )
    # END generated parameters.

    # Paths on this machine are resolved against the PowerShell location (which may differ from the
    # process working directory, and may be a PSDrive such as TestDrive:). Server-side paths (temp,
    # backup and log folders) are passed as given: in a sandbox they are Windows paths of the simulated server.
    # Only bound parameters are forwarded: the defaults above are what Get-Help shows, the configuration decides.
    $bound = @{}
    foreach ($key in @($PSBoundParameters.Keys)) { $bound[$key] = $PSBoundParameters[$key] }
    [void]$bound.Remove('PassThru')
    foreach ($key in @('SandboxPath', 'ConfigPath')) {
        if ($bound.ContainsKey($key)) {
            $bound[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($bound[$key])
        }
    }
    # Windows Credential Manager: the stored credential travels exactly like -MongoCredential (stdin only).
    if ($bound.ContainsKey('MongoCredentialTarget')) {
        try { $bound['MongoCredential'] = Get-AlteryxStoredCredential -Target $MongoCredentialTarget }
        catch { $PSCmdlet.ThrowTerminatingError($_) }
        [void]$bound.Remove('MongoCredentialTarget')
    }

    $target = 'Alteryx Server'
    if ($bound.ContainsKey('SandboxPath')) { $target = [string]$bound['SandboxPath'] }
    $modeText = 'the configured DefaultBackupMode'
    if ($PSBoundParameters.ContainsKey('BackupMode')) { $modeText = $BackupMode }

    $nodeArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $nodeArgs['NodePath'] = $NodePath }

    # ShouldProcess once per changing step of the core's plan (-WhatIf, -Confirm); a plain run asks once.
    $run = Invoke-AlteryxBackupConfirmedCommand -Cmdlet $PSCmdlet -Command 'backup' -BoundParameters $bound `
        -Target $target -Action "Back up ($modeText)" -CoreTarget $target -FailureTarget $target `
        -ConfirmImpact 'Medium' @nodeArgs
    if ($null -eq $run) { return }
    if ($run.Contains('Plan')) {
        # -WhatIf: the plan went through ShouldProcess; -PassThru hands it to the caller as objects.
        if ($PassThru) { $run.Plan }
        return
    }
    $coreResult = $run.Core

    $modeArg = @{}
    if ($PSBoundParameters.ContainsKey('BackupMode')) { $modeArg['Mode'] = $BackupMode }
    $result = ConvertTo-AlteryxBackupResult -InputEvent $coreResult @modeArg
    # One Windows Event Log entry per run (docs/alerts.md); a Write-Debug no-op for a sandbox. Never throws.
    Write-AlteryxBackupEventLog -Result $result -Sandbox:($bound.ContainsKey('SandboxPath'))
    $result
    if ($result.ExitCode -ne 0) {
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $result.ExitCode -Target $result `
            -Message $result.Message, (@($coreResult.errors) -join ' ') -Fallback "The backup failed with exit code $($result.ExitCode)."
    }
}
