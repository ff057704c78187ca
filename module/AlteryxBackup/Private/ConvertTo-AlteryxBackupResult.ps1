function ConvertTo-AlteryxBackupResult {
    <#
    .SYNOPSIS
        Turns the core's `result` event into the typed output object AlteryxBackup.Result.
    .PARAMETER InputEvent
        The result event (from Invoke-AlteryxBackupCore).
    .PARAMETER Mode
        Mode to show when the event does not carry one.
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.Result')]
    param(
        [Parameter(Mandatory = $true)]
        [object] $InputEvent,

        [string] $Mode
    )

    $exitCode = 1
    if ($null -ne $InputEvent.exitCode) { $exitCode = [int]$InputEvent.exitCode }
    $eventMode = [string]$InputEvent.mode
    if (-not $eventMode) { $eventMode = $Mode }
    $duration = [timespan]::Zero
    if ($null -ne $InputEvent.durationMs) { $duration = [timespan]::FromMilliseconds([double]$InputEvent.durationMs) }
    $size = $null
    if ($null -ne $InputEvent.sizeBytes) { $size = [long]$InputEvent.sizeBytes }

    [pscustomobject]@{
        PSTypeName   = 'AlteryxBackup.Result'
        Mode         = $eventMode
        Success      = ($exitCode -eq 0)
        ExitCode     = $exitCode
        Message      = [string]$InputEvent.message
        ArchivePath  = $InputEvent.archivePath
        SizeBytes    = $size
        Sha256       = $InputEvent.sha256
        Duration     = $duration
        LogPath      = $InputEvent.logPath
        Destinations = @($InputEvent.destinations | Where-Object { $null -ne $_ })
        Warnings     = @($InputEvent.warnings | Where-Object { $null -ne $_ })
        DryRun       = [bool]$InputEvent.dryRun
        Summary      = $InputEvent.summary
    }
}
