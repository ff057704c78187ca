function Get-AlteryxBackupInterruption {
    <#
    .SYNOPSIS
        Reads from a core result whether Node was killed mid-run, and the result of the 'recover' that the
        watchdog (Invoke-AlteryxBackupCore) then ran.
    .DESCRIPTION
        Returns a hashtable @{ Interrupted = [bool]; Recovery = <recover result or $null> }. The watchdog's
        result carries summary.interrupted and summary.recover; a normal result has neither.
    .PARAMETER Core
        The result object the core (or the watchdog) returned.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object] $Core
    )

    $out = @{ Interrupted = $false; Recovery = $null }
    if ($null -eq $Core -or -not $Core.PSObject.Properties['summary'] -or $null -eq $Core.summary) { return $out }
    $summary = $Core.summary
    if ($summary.PSObject.Properties['interrupted'] -and [bool]$summary.interrupted) {
        $out.Interrupted = $true
        if ($summary.PSObject.Properties['recover']) { $out.Recovery = $summary.recover }
    }
    $out
}
