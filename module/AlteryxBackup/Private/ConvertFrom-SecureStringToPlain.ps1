function ConvertFrom-SecureStringToPlain {
    <#
    .SYNOPSIS
        Returns the plain text of a SecureString (Windows PowerShell 5.1 safe).
    .DESCRIPTION
        Uses Marshal.SecureStringToBSTR and always frees the BSTR with ZeroFreeBSTR. Used only to fill the
        request's `secrets`, just before it is written to Node's stdin. (ConvertFrom-SecureString
        -AsPlainText does not exist in Windows PowerShell 5.1.)
    .PARAMETER SecureString
        The secure string to decode. $null gives $null.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [System.Security.SecureString] $SecureString
    )

    if ($null -eq $SecureString) { return $null }
    $bstr = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($SecureString)
    try {
        [System.Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)
    }
    finally {
        [System.Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
    }
}
