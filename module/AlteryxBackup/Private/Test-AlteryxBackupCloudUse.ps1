function Test-AlteryxBackupCloudUse {
    <#
    .SYNOPSIS
        True when a bridge request of this command and these parameters may reach a cloud destination.
    .PARAMETER Command
        The Node command.
    .PARAMETER Params
        The request's params.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [Parameter(Mandatory = $true)] [string] $Command,
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [System.Collections.IDictionary] $Params
    )
    if ($Command -eq 'backup') { return $true }
    if (@('verify', 'restore', 'drill', 'list') -notcontains $Command) { return $false }
    if ($Params.Contains('Destination') -or $Params.Contains('Latest')) { return $true }
    foreach ($value in @($Params.Values)) {
        foreach ($item in @($value)) {
            if ($item -is [string] -and $item -match '^(s3|azblob)://') { return $true }
        }
    }
    $false
}
