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

    Exit codes: 0 success, 1 general error, 2 service or workflow wait timed out, 3 validation failed,
    4 storage error, 5 MongoDB error, 6 invalid backup mode.

    Get-Help Invoke-AlteryxBackup -Full (or this script's -Help) describes every parameter.

.PARAMETER BackupMode
    Full, DatabaseOnly or ConfigOnly (case-insensitive). Anything else: exit code 6. When omitted, the
    configuration's DefaultBackupMode applies.

.PARAMETER ConfigPath
    Path of the JSON configuration file.

.PARAMETER TempDirectory
    Staging folder.

.PARAMETER LocalBackupPath
    Folder where archives are published.

.PARAMETER NetworkBackupPath
    One or more UNC paths or mapped drives to copy the archive to.

.PARAMETER LogDirectory
    Folder of the log files.

.PARAMETER MongoDBType
    auto, embedded or selfManaged.

.PARAMETER MaxServiceWait
    Seconds to wait for AlteryxService to stop or start.

.PARAMETER MaxWorkflowWait
    Seconds to wait for running workflows.

.PARAMETER RetentionDays
    Days to keep archives of this mode.

.PARAMETER StopServiceForExternalDB
    Stop AlteryxService for a self-managed MongoDB too.

.PARAMETER ForceStopWorkflows
    Stop workflows still running after the wait.

.PARAMETER MongoConnectionString
    Connection string of a self-managed MongoDB.

.PARAMETER MongoHost
    Host of a self-managed MongoDB.

.PARAMETER MongoPort
    Port of a self-managed MongoDB.

.PARAMETER MongoDatabase
    Database of a self-managed MongoDB.

.PARAMETER MongoAuthDatabase
    Authentication database of a self-managed MongoDB.

.PARAMETER MongoCredential
    Credential of a self-managed MongoDB.

.PARAMETER MongoPassword
    Password (SecureString) of a self-managed MongoDB.
.PARAMETER MongoCredentialTarget
    Target name of a generic credential in Windows Credential Manager holding the MongoDB user and password
    (cmdkey /generic:<target> /user:<user> /pass, as the account that runs the task). Not found: exit code 3.

.PARAMETER CompressionLevel
    Deflate level 0-9.

.PARAMETER ArchivePassword
    Password (SecureString) for an AES-256 encrypted archive.

.PARAMETER SandboxPath
    Run against a simulated server folder (New-AlteryxSandbox).

.PARAMETER NodePath
    Full path of the node executable.

.PARAMETER Help
    Print Get-Help Invoke-AlteryxBackup -Full and exit 0.

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
param(
    [string] $BackupMode,
    [string] $ConfigPath,
    [string] $TempDirectory,
    [string] $LocalBackupPath,
    [string[]] $NetworkBackupPath,
    [string] $LogDirectory,
    [string] $MongoDBType,
    [int] $MaxServiceWait,
    [int] $MaxWorkflowWait,
    [int] $RetentionDays,
    [switch] $StopServiceForExternalDB,
    [switch] $ForceStopWorkflows,
    [string] $MongoConnectionString,
    [string] $MongoHost,
    [int] $MongoPort,
    [string] $MongoDatabase,
    [string] $MongoAuthDatabase,
    [System.Management.Automation.PSCredential] $MongoCredential,
    [System.Security.SecureString] $MongoPassword,
    [string] $MongoCredentialTarget,
    [int] $CompressionLevel,
    [System.Security.SecureString] $ArchivePassword,
    [string] $SandboxPath,
    [string] $NodePath,
    [switch] $Help
)

$validModes = @('Full', 'DatabaseOnly', 'ConfigOnly')
$global:LASTEXITCODE = 0

try {
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
        if (@('Help', 'ErrorAction') -contains $key) { continue }
        $forward[$key] = $PSBoundParameters[$key]
    }

    if ($PSBoundParameters.ContainsKey('BackupMode')) {
        $canonical = $validModes | Where-Object { $_ -eq $BackupMode } | Select-Object -First 1
        if (-not $canonical) {
            $message = "Invalid backup mode '$BackupMode'. Valid modes: $($validModes -join ', '). Nothing was run."
            Write-Error -Message $message -ErrorId 'AlteryxBackup.Exit6' -Category InvalidArgument -ErrorAction Continue
            exit 6
        }
        $forward['BackupMode'] = $canonical
    }

    # The result object carries the exit code; a failed run also writes a (non-terminating) error, kept
    # non-terminating here whatever the caller's preference so that the exit code is the run's own.
    $global:LASTEXITCODE = 0
    $result = Invoke-AlteryxBackup @forward -ErrorAction Continue
    $result

    $exitCode = 0
    if ($null -ne $result) {
        $exitCode = [int](@($result)[-1].ExitCode)
    }
    elseif ($global:LASTEXITCODE -is [int]) {
        # -WhatIf: no object; a failing dry run sets $LASTEXITCODE.
        $exitCode = [int]$global:LASTEXITCODE
    }
    exit $exitCode
}
catch [System.Management.Automation.ParameterBindingException] {
    # A value the cmdlet's validation refused (for example -MongoDBType bogus): a validation failure.
    Write-Error -Message "AlteryxBackup: invalid parameter: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit3' -ErrorAction Continue
    exit 3
}
catch {
    # The MongoDB credential could not be resolved (-MongoCredentialTarget not in Credential Manager, no
    # Credential Manager, or given together with -MongoCredential): a validation failure, nothing ran.
    if ($_.FullyQualifiedErrorId -match '^AlteryxBackup\.(Credential|MongoCredential)') {
        Write-Error -Message "AlteryxBackup: MongoDB credential: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit3' -Category InvalidArgument -ErrorAction Continue
        exit 3
    }
    Write-Error -Message "AlteryxBackup failed: $($_.Exception.Message)" -ErrorId 'AlteryxBackup.Exit1' -ErrorAction Continue
    exit 1
}
