function ConvertTo-AlteryxBackupRequestJson {
    <#
    .SYNOPSIS
        Serialises a bridge request to one line of JSON, decoding its secrets.
    .DESCRIPTION
        The request's `secrets` hold SecureStrings (or, already decoded, strings); this turns them into
        plain text at the last moment, in a copy of the request, and returns compact JSON
        (ConvertTo-Json -Depth 20 -Compress). The caller writes it to Node's stdin and drops it.
    .PARAMETER Request
        The request from New-AlteryxBackupRequest.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary] $Request
    )

    $plainSecrets = [ordered]@{}
    if ($Request.Contains('secrets') -and $null -ne $Request['secrets']) {
        foreach ($name in @($Request['secrets'].Keys)) {
            $value = $Request['secrets'][$name]
            if ($value -is [System.Security.SecureString]) {
                $plainSecrets[$name] = ConvertFrom-SecureStringToPlain -SecureString $value
            }
            elseif ($null -ne $value) {
                $plainSecrets[$name] = [string]$value
            }
        }
    }

    $copy = [ordered]@{}
    foreach ($key in @($Request.Keys)) {
        if ($key -eq 'secrets') { $copy[$key] = $plainSecrets } else { $copy[$key] = $Request[$key] }
    }
    if (-not $copy.Contains('secrets')) { $copy['secrets'] = $plainSecrets }
    if (-not $copy.Contains('params') -or $null -eq $copy['params']) { $copy['params'] = [ordered]@{} }

    ConvertTo-Json -InputObject $copy -Depth 20 -Compress
}
