function Get-AlteryxBackup {
    <#
    .SYNOPSIS
        Lists the backups stored in a cloud destination (S3 or Azure Blob) with their sizes, dates and locks.

    .DESCRIPTION
        Get-AlteryxBackup asks the core to list one of the BackupConfiguration.CloudDestinations of the
        configuration (docs/storage.md) and returns one AlteryxBackup.StoredBackup per archive of this tool
        found under the destination's prefix, newest first: its name and URL, the mode and time in its
        name, its size, whether its .sha256 is there, the SHA-256 recorded at upload and the date its
        Object Lock / immutability policy ends (when the service reports one).
        The URL can be given to Test-AlteryxBackup, Restore-AlteryxBackup and Invoke-AlteryxRestoreDrill.
        It changes nothing.

        Credentials are never in the configuration file: -Credential (S3 access key id and secret key) or
        -ConnectionString (Azure connection string or SAS token) travel to the core on stdin; without them
        the core uses the environment (S3: the AWS SDK's default chain; Azure: AZURE_STORAGE_CONNECTION_STRING).

        A failure (unknown destination, refused listing) is a non-terminating error AlteryxBackup.Exit<code>
        (docs/exit-codes.md; 3 configuration, 4 storage); $LASTEXITCODE is left alone.

    .PARAMETER Destination
        The Name of the cloud destination in the configuration.

    .PARAMETER ConfigPath
        The configuration file. Default: the one Invoke-AlteryxBackup uses.

    .PARAMETER Credential
        S3 only: the access key id (user name) and secret access key (password).

    .PARAMETER ConnectionString
        Azure only: a connection string or a SAS token.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Get-AlteryxBackup -Destination aws-offsite

        Lists the backups in the destination named aws-offsite, newest first.

    .EXAMPLE
        Get-AlteryxBackup -Destination azure | Where-Object Mode -eq 'Full' | Select-Object -First 1 | Invoke-AlteryxRestoreDrill

        Drills the newest Full backup straight from Azure (downloaded to the temp folder and verified first).

    .EXAMPLE
        Get-AlteryxBackup -Destination aws-offsite -Credential (Get-Credential) | Format-List

        Lists with an access key typed in (sent to the core on stdin only).

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.StoredBackup. Properties: Destination, Name, Url, Mode, Timestamp, SizeBytes,
        HasChecksum, Sha256, LockedUntil, LastModified.

    .LINK
        Test-AlteryxBackup

    .LINK
        Invoke-AlteryxRestoreDrill
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.StoredBackup')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [System.Management.Automation.PSCredential] $Credential,

        [System.Security.SecureString] $ConnectionString,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    $bound = [ordered]@{ Destination = $Destination }
    if ($PSBoundParameters.ContainsKey('ConfigPath')) { $bound['ConfigPath'] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ConfigPath) }
    $request = New-AlteryxBackupRequest -Command 'list' -BoundParameters $bound
    # The core's secret names for one destination (src/cloud/store.ts): <Name>.AccessKeyId, .SecretAccessKey, .ConnectionString.
    if ($Credential) {
        $request['secrets']["$Destination.AccessKeyId"] = [string]$Credential.UserName
        $request['secrets']["$Destination.SecretAccessKey"] = $Credential.Password
    }
    if ($ConnectionString) {
        $plain = ConvertFrom-SecureStringToPlain -SecureString $ConnectionString
        $name = 'ConnectionString'
        if ($plain -notmatch 'AccountKey=|SharedAccessSignature=|BlobEndpoint=') { $name = 'SasToken' }
        $request['secrets']["$Destination.$name"] = $ConnectionString
        $plain = $null
    }
    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }
    Write-Progress -Activity "Listing the backups in $Destination" -Status 'Asking the storage service'
    $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'list' -Request $request -Target $Destination @coreArgs
    Write-Progress -Activity "Listing the backups in $Destination" -Completed

    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    foreach ($b in @($core.backups | Where-Object { $null -ne $_ })) {
        $locked = $null
        if ($b.lockedUntil) { $locked = [datetime]::Parse([string]$b.lockedUntil, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind) }
        $modified = $null
        if ($b.lastModified) { $modified = [datetime]::Parse([string]$b.lastModified, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind) }
        [pscustomobject]@{
            PSTypeName   = 'AlteryxBackup.StoredBackup'
            Destination  = [string]$core.destination
            Name         = [string]$b.name
            Url          = [string]$b.url
            Mode         = [string]$b.mode
            Timestamp    = [datetime]::Parse([string]$b.timestamp, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
            SizeBytes    = [long]$b.sizeBytes
            HasChecksum  = [bool]$b.hasChecksum
            Sha256       = [string]$b.sha256
            LockedUntil  = $locked
            LastModified = $modified
        }
    }
    if ($exitCode -ne 0) {
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $Destination `
            -Message ([string]$core.message) -Fallback "Listing $Destination failed with exit code $exitCode."
    }
}
