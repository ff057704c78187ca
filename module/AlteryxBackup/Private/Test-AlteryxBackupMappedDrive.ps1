function Test-AlteryxBackupMappedDrive {
    <#
    .SYNOPSIS
        True when a path starts with a drive letter that is a mapped network drive in this session.
    .DESCRIPTION
        Asks CIM (Win32_LogicalDisk, DriveType 4 = network drive, or a ProviderName such as \\nas01\share).
        A drive mapping belongs to one user's logon session: a scheduled task running as SYSTEM (or any task
        not running in that session) does not see it. Paths that do not start with a letter, and letters CIM
        does not know, are not mapped drives. A failing CIM query is reported as not mapped (nothing to warn).
    .PARAMETER Path
        A configured path (Z:\Backups, \\nas01\share, D:\Temp).
    .OUTPUTS
        System.Boolean.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Path)

    if ($Path -notmatch '^([A-Za-z]):') { return $false }
    $letter = $Matches[1].ToUpperInvariant()
    try {
        $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='${letter}:'" -ErrorAction Stop | Select-Object -First 1
    }
    catch {
        Write-Debug "AlteryxBackup: Win32_LogicalDisk for ${letter}: failed: $($_.Exception.Message)"
        return $false
    }
    if ($null -eq $disk) { return $false }
    ([int]$disk.DriveType -eq 4) -or [bool]([string]$disk.ProviderName)
}
