function Write-AlteryxBackupFailure {
    <#
    .SYNOPSIS
        Writes a public cmdlet's non-terminating error AlteryxBackup.Exit<code> for a failed core run.
    .DESCRIPTION
        The error is written through the calling cmdlet, so it carries that cmdlet's name and honours its
        -ErrorAction; its category follows the exit code (Get-AlteryxBackupErrorCategory). The first
        non-empty text of -Message is the error's message, else -Fallback.
    .PARAMETER Cmdlet
        The calling cmdlet's $PSCmdlet.
    .PARAMETER ExitCode
        The run's exit code (docs/exit-codes.md).
    .PARAMETER Message
        Candidate messages, best first (e.g. the result's message, then the ERROR log lines).
    .PARAMETER Fallback
        The message when every candidate is empty.
    .PARAMETER Target
        The error's target object (the result object, an archive path).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory = $true)] [int] $ExitCode,
        [AllowEmptyString()] [AllowNull()] [string[]] $Message,
        [Parameter(Mandatory = $true)] [string] $Fallback,
        [object] $Target
    )
    $text = @($Message | Where-Object { $_ }) | Select-Object -First 1
    if (-not $text) { $text = $Fallback }
    $record = New-Object System.Management.Automation.ErrorRecord (
        (New-Object System.Exception $text), "AlteryxBackup.Exit$ExitCode",
        (Get-AlteryxBackupErrorCategory -ExitCode $ExitCode), $Target)
    $Cmdlet.WriteError($record)
}
