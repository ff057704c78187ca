function Test-AlteryxBackupTreeKill {
    <#
    .SYNOPSIS
        Whether this .NET can end a process tree itself (Process.Kill(bool), .NET Core 3.0 and later).
    .PARAMETER Process
        The process to ask.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param([Parameter(Mandatory = $true)] [object] $Process)
    $Process -is [System.Diagnostics.Process] -and $null -ne [System.Diagnostics.Process].GetMethod('Kill', [type[]]@([bool]))
}
