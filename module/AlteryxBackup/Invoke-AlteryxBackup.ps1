<#
.SYNOPSIS
    Script form of Invoke-AlteryxBackup for Task Scheduler and batch files: runs one backup and exits
    with its exit code (0-6).

.DESCRIPTION
    Imports the AlteryxBackup module from this script's folder and runs Invoke-AlteryxBackup with the
    same parameters. Unlike the cmdlet, -BackupMode is a plain string, so that a wrong mode is reported
    with exit code 6 (and nothing runs) instead of failing parameter binding. The result object is
    written to the output and the script ends with `exit <ExitCode>`, which Task Scheduler shows as the
    task's Last Run Result and a batch file reads as %ERRORLEVEL%. A parameter value the cmdlet refuses
    (for example -MongoDBType bogus), and a MongoDB credential that cannot be resolved (-MongoCredentialTarget
    not found in Windows Credential Manager, or given together with -MongoCredential), end with exit code 3;
    any other unexpected error ends with exit code 1 and its message.

    Under -File (Task Scheduler) every argument arrives as one string, so -NetworkBackupPath \\nas01\a,\\nas02\b
    is the string "\\nas01\a,\\nas02\b": the script splits it at the commas when every part is a rooted Windows
    path (a drive letter X:\ or a UNC path \\server\share); otherwise (D:\Backups,old) the value is one path.

    Exit codes: 0 success, 1 general error, 2 service or workflow wait timed out, 3 validation failed,
    4 storage error, 5 MongoDB error, 6 invalid backup mode.

    Get-Help Invoke-AlteryxBackup -Full (or this script's -Help) describes every parameter.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File "C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1" -BackupMode DatabaseOnly

    Task Scheduler action (program powershell.exe, these arguments): a DatabaseOnly backup.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\Invoke-AlteryxBackup.ps1 -BackupMode Full -NetworkBackupPath \\nas01\AlteryxBackups
    if %ERRORLEVEL% NEQ 0 echo Backup failed with exit code %ERRORLEVEL%

    From a batch file, reading the exit code.

.EXAMPLE
    pwsh -NoProfile -File ./Invoke-AlteryxBackup.ps1 -BackupMode ConfigOnly -SandboxPath ./sbx

    Against a sandbox with PowerShell 7.

.EXAMPLE
    .\Invoke-AlteryxBackup.ps1 -Help

    Prints the full help of Invoke-AlteryxBackup.

.OUTPUTS
    AlteryxBackup.Result, then the process exit code.

.LINK
    Invoke-AlteryxBackup
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
# BEGIN generated parameters: src/config/params.ts via scripts/gen-params.ts (npm run gen:params). Edit the table, not this block.
param(
    # Full, DatabaseOnly or ConfigOnly; anything else is refused with exit code 6 before anything runs.
    [string] $BackupMode = 'Full',

    # Path of the JSON configuration file.
    [PSDefaultValue(Help = 'config/backup-config.json next to the module')]
    [string] $ConfigPath,

    # Staging folder.
    [string] $TempDirectory = 'D:\Temp',

    # Where archives are published.
    [string] $LocalBackupPath = 'D:\Alteryx\Backups',

    # UNC path or mapped drive to copy to (repeatable). Under -File "a,b" is split at the commas when
    # every part is a rooted path (X:\ or \\server\share).
    [string[]] $NetworkBackupPath,

    # Folder of the log files.
    [string] $LogDirectory = 'D:\Alteryx\BackupLogs',

    # auto, embedded or selfManaged.
    [string] $MongoDBType = 'auto',

    # Seconds to wait for a service to stop or start.
    [Alias('MaxServiceWait')]
    [int] $MaxServiceWaitSeconds = 7200,

    # Seconds to wait for running workflows.
    [Alias('MaxWorkflowWait')]
    [int] $MaxWorkflowWaitSeconds = 3600,

    # Days to keep archives of this mode.
    [PSDefaultValue(Help = '30 (Full), 7 (DatabaseOnly), 14 (ConfigOnly)')]
    [int] $RetentionDays,

    # Stop the service for a self-managed MongoDB too.
    [switch] $StopServiceForExternalDB,

    # Stop workflows still running after the wait.
    [switch] $ForceStopWorkflows,

    # Self-managed MongoDB connection string.
    [string] $MongoConnectionString,

    # Self-managed MongoDB host.
    [string] $MongoHost,

    # Self-managed MongoDB port.
    [int] $MongoPort = 27017,

    # Self-managed MongoDB database.
    [string] $MongoDatabase = 'AlteryxGallery',

    # Authentication database.
    [string] $MongoAuthDatabase = 'admin',

    # Credential (user and password) of a self-managed MongoDB.
    [System.Management.Automation.PSCredential] $MongoCredential,

    # Password (SecureString) of a self-managed MongoDB.
    [System.Security.SecureString] $MongoPassword,

    # Target name of a generic credential in Windows Credential Manager holding the MongoDB user and
    # password (not found: exit code 3).
    [string] $MongoCredentialTarget,

    # Deflate level 0-9.
    [int] $CompressionLevel = 6,

    # Keep the staging folder of a failed run (secrets removed).
    [switch] $KeepStagingOnFailure,

    # Password (SecureString) for an AES-256 encrypted archive.
    [System.Security.SecureString] $ArchivePassword,

    # User name and password of the SMTP server of the email alerts.
    [System.Management.Automation.PSCredential] $SmtpCredential,

    # Run against a simulated server folder (New-AlteryxSandbox).
    [string] $SandboxPath,

    # Full path of the node executable.
    [string] $NodePath,

    # Print Get-Help Invoke-AlteryxBackup -Full and exit 0.
    [switch] $Help
)
# END generated parameters.

$validModes = @('Full', 'DatabaseOnly', 'ConfigOnly')

function Split-AbPathListArgument {
    # `powershell.exe -File` (Task Scheduler) and `pwsh -File` pass every argument as one string: an array
    # written `-NetworkBackupPath \\nas01\a,\\nas02\b` arrives as the single string "\\nas01\a,\\nas02\b". A value
    # with commas is split only when every part is a rooted Windows path (a drive letter X:\ or a UNC \\server\share),
    # so that one path that really contains a comma (D:\Backups,old) stays whole. docs/scheduling.md.
    param([string[]] $Value)
    foreach ($v in @($Value)) {
        $parts = @($v -split ',' | ForEach-Object { $_.Trim() })
        $rooted = @($parts | Where-Object { $_ -match '^(?:[A-Za-z]:[\\/]|[\\/]{2}[^\\/]+[\\/][^\\/]+)' })
        if ($parts.Count -gt 1 -and $rooted.Count -eq $parts.Count) { $parts } else { $v }
    }
}

try {
    # An invalid mode is refused before anything else runs, even before the module is imported.
    if ($PSBoundParameters.ContainsKey('BackupMode')) {
        $canonical = $validModes | Where-Object { $_ -eq $BackupMode } | Select-Object -First 1
        if (-not $canonical) {
            $message = "Invalid backup mode '$BackupMode'. Valid modes: $($validModes -join ', '). Nothing was run."
            Write-Error -Message $message -ErrorId 'AlteryxBackup.Exit6' -Category InvalidArgument -ErrorAction Continue
            exit 6
        }
    }

    # The module next to this script; when exactly that module is loaded already it is used as it is.
    $loaded = Get-Module AlteryxBackup | Where-Object { $_.ModuleBase -eq $PSScriptRoot } | Select-Object -First 1
    if (-not $loaded) {
        Import-Module (Join-Path $PSScriptRoot 'AlteryxBackup.psd1') -Force -ErrorAction Stop
    }

    if ($Help) {
        Get-Help Invoke-AlteryxBackup -Full
        exit 0
    }

    $forward = @{}
    foreach ($key in @($PSBoundParameters.Keys)) {
        if (@('Help', 'ErrorAction', 'ErrorVariable') -contains $key) { continue }
        $forward[$key] = $PSBoundParameters[$key]
    }
    if ($PSBoundParameters.ContainsKey('BackupMode')) { $forward['BackupMode'] = $canonical }
    if ($PSBoundParameters.ContainsKey('NetworkBackupPath')) { $forward['NetworkBackupPath'] = [string[]]@(Split-AbPathListArgument $NetworkBackupPath) }

    # The result object carries the exit code; a failed run (or a failed -WhatIf dry run, which writes no
    # object) also writes a non-terminating error AlteryxBackup.Exit<code>, kept non-terminating here
    # whatever the caller's preference so that the exit code is the run's own.
    $runErrors = $null
    $result = Invoke-AlteryxBackup @forward -ErrorAction Continue -ErrorVariable runErrors
    $result

    $exitCode = 0
    $results = @($result | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'AlteryxBackup.Result' })
    if ($results.Count -gt 0) {
        $exitCode = [int]$results[$results.Count - 1].ExitCode
    }
    else {
        foreach ($record in @($runErrors)) {
            if ($record.FullyQualifiedErrorId -match '^AlteryxBackup\.Exit(\d+)') { $exitCode = [int]$Matches[1] }
        }
    }
    exit $exitCode
}
catch [System.Management.Automation.ParameterBindingException] {
    # A value the cmdlet's validation refused (for example -MongoDBType bogus), or two MongoDB credential
    # sources at once (parameter sets): a validation failure.
    Write-Error -Message "AlteryxBackup: invalid parameter: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit3' -ErrorAction Continue
    exit 3
}
catch {
    # The MongoDB credential could not be resolved (-MongoCredentialTarget not in Credential Manager, no
    # Credential Manager): a validation failure, nothing ran.
    if ($_.FullyQualifiedErrorId -match '^AlteryxBackup\.(Credential|MongoCredential)') {
        Write-Error -Message "AlteryxBackup: MongoDB credential: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit3' -Category InvalidArgument -ErrorAction Continue
        exit 3
    }
    Write-Error -Message "AlteryxBackup failed: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit1' -ErrorAction Continue
    exit 1
}
