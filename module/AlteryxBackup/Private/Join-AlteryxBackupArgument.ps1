function Join-AlteryxBackupArgument {
    <#
    .SYNOPSIS
        Joins arguments into one ProcessStartInfo.Arguments string, quoting like CommandLineToArgvW.
    .DESCRIPTION
        ProcessStartInfo.ArgumentList does not exist on .NET Framework 4.x (Windows PowerShell 5.1), so the
        module builds the Arguments string itself. An argument that is empty or has a space, tab or double
        quote is wrapped in double quotes; backslashes before a quote (and before the closing quote) are
        doubled and quotes are escaped, which is how both the Windows C runtime and .NET on Unix split it.
        No secret ever goes on a command line: they travel on stdin.
    .PARAMETER ArgumentList
        The arguments.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $ArgumentList
    )

    $parts = foreach ($arg in $ArgumentList) {
        if ($null -eq $arg) { $arg = '' }
        if ($arg.Length -gt 0 -and $arg -notmatch '[\s"]') {
            $arg
            continue
        }
        $sb = New-Object System.Text.StringBuilder
        [void]$sb.Append([char]'"')
        $backslashes = 0
        foreach ($ch in $arg.ToCharArray()) {
            if ($ch -eq '\') {
                $backslashes++
                continue
            }
            if ($ch -eq '"') {
                [void]$sb.Append([char]'\', (2 * $backslashes + 1))
                [void]$sb.Append([char]'"')
            }
            else {
                if ($backslashes -gt 0) { [void]$sb.Append([char]'\', $backslashes) }
                [void]$sb.Append($ch)
            }
            $backslashes = 0
        }
        if ($backslashes -gt 0) { [void]$sb.Append([char]'\', (2 * $backslashes)) }
        [void]$sb.Append([char]'"')
        $sb.ToString()
    }
    @($parts) -join ' '
}
