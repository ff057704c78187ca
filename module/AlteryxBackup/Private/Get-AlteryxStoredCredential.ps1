function Get-AlteryxStoredCredential {
    <#
    .SYNOPSIS
        Returns the PSCredential stored in Windows Credential Manager under a target name (REQ-2.2.2: MongoDB connection parameters; docs/mongodb.md).
    .DESCRIPTION
        Reads a generic credential of the current user with Win32 CredRead (Read-AlteryxNativeCredential)
        and returns it as a PSCredential, for -MongoCredentialTarget: the password then travels to the
        Node core like -MongoCredential's, on stdin only. Create the credential once, as the account that
        runs the backup:
            cmdkey /generic:AlteryxBackup/MongoDB /user:svc-alteryx-backup /pass
        Credential Manager is per user: a scheduled task sees the vault of its own account (store the
        credential while logged on as that account; SYSTEM has a vault of its own), and a task set to
        "Do not store password" has no credential store at all.
        Errors are terminating, never show the secret, and say what to do: AlteryxBackup.CredentialNotFound,
        AlteryxBackup.CredentialReadFailed, AlteryxBackup.CredentialIncomplete,
        AlteryxBackup.CredentialManagerUnavailable.
    .PARAMETER Target
        The target name the credential was stored under.
    .PARAMETER Purpose
        Who asked for it, at the start of the messages (default: -MongoCredentialTarget 'TARGET'); a cloud
        destination's CredentialTarget names the destination (docs/storage.md).
    .PARAMETER UserHint
        What the stored user name is, in the cmdkey hint of the messages (default: <MongoDB user>).
    .PARAMETER Alternative
        What to use instead off Windows, in the CredentialManagerUnavailable message.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSCredential])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Target,

        [string] $Purpose,

        [string] $UserHint = '<MongoDB user>',

        [string] $Alternative = 'Use -MongoCredential, or ALTERYXBACKUP_MONGO_PASSWORD with the Node CLI.'
    )

    if (-not $Purpose) { $Purpose = "-MongoCredentialTarget '$Target'" }
    $account = [System.Environment]::UserName
    if ([System.Environment]::UserDomainName) { $account = '{0}\{1}' -f [System.Environment]::UserDomainName, [System.Environment]::UserName }
    $create = "Store it as the account that runs the backup: cmdkey /generic:$Target /user:$UserHint /pass"

    function New-CredentialError([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category, [System.Exception] $Inner) {
        $exception = New-Object System.InvalidOperationException ($Message, $Inner)
        New-Object System.Management.Automation.ErrorRecord ($exception, $ErrorId, $Category, $Target)
    }

    try {
        $stored = Read-AlteryxNativeCredential -Target $Target
    }
    catch [System.PlatformNotSupportedException] {
        $PSCmdlet.ThrowTerminatingError((New-CredentialError "${Purpose}: Windows Credential Manager exists only on Windows. $Alternative" 'AlteryxBackup.CredentialManagerUnavailable' NotImplemented $_.Exception))
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((New-CredentialError "${Purpose}: reading Windows Credential Manager failed: $($_.Exception.Message)" 'AlteryxBackup.CredentialReadFailed' ReadError $_.Exception))
    }

    switch ([int]$stored.ErrorCode) {
        0 { break }
        1168 {
            $PSCmdlet.ThrowTerminatingError((New-CredentialError "No generic credential '$Target' in Windows Credential Manager of $account. $create (Credential Manager is per user: a scheduled task reads the vault of the account it runs as)." 'AlteryxBackup.CredentialNotFound' ObjectNotFound $null))
        }
        1312 {
            $PSCmdlet.ThrowTerminatingError((New-CredentialError "Windows Credential Manager is not available in this logon session of $account (Win32 error 1312), so '$Target' cannot be read. A scheduled task needs 'Run whether user is logged on or not' with the password stored (not 'Do not store password')." 'AlteryxBackup.CredentialReadFailed' ReadError $null))
        }
        default {
            $PSCmdlet.ThrowTerminatingError((New-CredentialError "Reading '$Target' from Windows Credential Manager failed with Win32 error $($stored.ErrorCode)." 'AlteryxBackup.CredentialReadFailed' ReadError $null))
        }
    }

    if ([string]::IsNullOrEmpty([string]$stored.UserName)) {
        $PSCmdlet.ThrowTerminatingError((New-CredentialError "The credential '$Target' in Windows Credential Manager has no user name. $create" 'AlteryxBackup.CredentialIncomplete' InvalidData $null))
    }
    if ($null -eq $stored.Password -or $stored.Password.Length -eq 0) {
        $PSCmdlet.ThrowTerminatingError((New-CredentialError "The credential '$Target' in Windows Credential Manager has no password. $create" 'AlteryxBackup.CredentialIncomplete' InvalidData $null))
    }

    New-Object System.Management.Automation.PSCredential ([string]$stored.UserName, [System.Security.SecureString]$stored.Password)
}
