function Get-AlteryxCloudCredentialSecret {
    <#
    .SYNOPSIS
        Reads the Windows Credential Manager target of each cloud destination of the configuration and returns the request secrets for them (docs/storage.md).
    .DESCRIPTION
        For every BackupConfiguration.CloudDestinations entry with a CredentialTarget, reads that generic
        credential (Get-AlteryxStoredCredential, Win32 CredRead) and returns an ordered dictionary of
        secret name -> SecureString (the access key id: a string), which the bridge request carries on Node's stdin only:
          s3://      <Name>.AccessKeyId (the stored user name) and <Name>.SecretAccessKey (the password)
          azblob://  <Name>.SasToken, <Name>.ConnectionString or <Name>.AccountKey (the password), by the
                     destination's CredentialKind (default SasToken); with Auth ClientSecret the password is
                     <Name>.ClientSecret, with Auth ClientCertificate <Name>.CertificatePassword (Entra ID)
        The core uses them for that destination only and masks them everywhere. The configuration file is
        the -ConfigPath given, else the one the core would find next to the module (config/backup-config.json).
        A missing or unreadable file, or one that is not JSON, returns nothing: the core reports it (exit 3).
        An unreadable target is a terminating error naming the destination and the target.
    .PARAMETER ConfigPath
        The resolved -ConfigPath of the cmdlet, or empty for the default file.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [AllowEmptyString()]
        [AllowNull()]
        [string] $ConfigPath
    )

    $secrets = [ordered]@{}
    $file = $null
    if ($ConfigPath) {
        $file = $ConfigPath
    }
    else {
        $moduleRoot = Split-Path -Parent $PSScriptRoot
        foreach ($candidate in @((Join-Path $moduleRoot 'config/backup-config.json'), (Join-Path (Split-Path -Parent $moduleRoot) 'config/backup-config.json'))) {
            if (Test-Path -LiteralPath $candidate -PathType Leaf) { $file = $candidate; break }
        }
    }
    if (-not $file -or -not (Test-Path -LiteralPath $file -PathType Leaf)) { return $secrets }
    try { $config = Get-Content -Raw -LiteralPath $file -ErrorAction Stop | ConvertFrom-Json -ErrorAction Stop }
    catch { return $secrets }
    if ($null -eq $config -or $null -eq $config.PSObject.Properties['BackupConfiguration']) { return $secrets }
    $backup = $config.BackupConfiguration
    if ($null -eq $backup -or $null -eq $backup.PSObject.Properties['CloudDestinations']) { return $secrets }

    foreach ($dest in @($backup.CloudDestinations)) {
        if ($null -eq $dest -or $null -eq $dest.PSObject.Properties['CredentialTarget']) { continue }
        $target = [string]$dest.CredentialTarget
        $name = [string]$dest.Name
        $url = [string]$dest.Url
        if (-not $target -or -not $name) { continue }
        $isS3 = $url -like 's3://*'
        $kind = 'SasToken'
        if ($null -ne $dest.PSObject.Properties['CredentialKind'] -and $dest.CredentialKind) { $kind = [string]$dest.CredentialKind }
        # Entra ID (Auth): the password is the service principal's client secret, or the certificate's password.
        $auth = ''
        if ($null -ne $dest.PSObject.Properties['Auth'] -and $dest.Auth) { $auth = [string]$dest.Auth }
        if ($auth -eq 'ClientSecret') { $kind = 'ClientSecret' }
        if ($auth -eq 'ClientCertificate') { $kind = 'CertificatePassword' }
        $hint = '<access key id>'
        if (-not $isS3) { $hint = '<any name, e.g. the storage account>' }
        $credential = Get-AlteryxStoredCredential -Target $target -Purpose "Cloud destination $name (CredentialTarget '$target')" -UserHint $hint `
            -Alternative "Pass the destination's credentials in the environment instead (docs/storage.md: ALTERYXBACKUP_<NAME>_... variables)."
        if ($isS3) {
            # The access key id names the key, it is not the secret: a plain string (still sent on stdin only).
            $secrets["$name.AccessKeyId"] = [string]$credential.UserName
            $secrets["$name.SecretAccessKey"] = $credential.Password
        }
        else {
            $secrets["$name.$kind"] = $credential.Password
        }
    }
    $secrets
}
