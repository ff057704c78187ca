function Invoke-AlteryxBackupCommand {
    <#
    .SYNOPSIS
        Runs one core command on behalf of a public cmdlet and returns the core's result event.
    .DESCRIPTION
        Calls Invoke-AlteryxBackupCore. When the core cannot be run at all (no node, no bundle, a broken
        pipe), raises the calling cmdlet's terminating error AlteryxBackup.Exit1, so that every public cmdlet fails the same way.
    .PARAMETER Cmdlet
        The calling cmdlet's $PSCmdlet.
    .PARAMETER Command
        The core command (backup, verify, restore, drill, sandbox-create, ...).
    .PARAMETER Request
        The request from New-AlteryxBackupRequest.
    .PARAMETER Target
        The object the error names (an archive, a sandbox path).
    .PARAMETER NodePath
        Passed on to Find-AlteryxBackupNode when given.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [string] $Command,
        [Parameter(Mandatory = $true)] [System.Collections.IDictionary] $Request,
        [object] $Target,
        [string] $NodePath
    )
    $coreArgs = @{}
    if ($NodePath) { $coreArgs['NodePath'] = $NodePath }
    try {
        Invoke-AlteryxBackupCore -Command $Command -Request $Request @coreArgs
    }
    catch {
        $Cmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    $_.Exception, 'AlteryxBackup.Exit1',
                    [System.Management.Automation.ErrorCategory]::NotSpecified, $Target)))
    }
}
