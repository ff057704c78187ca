function ConvertTo-AlteryxBackupHistoryRecord {
    <#
    .SYNOPSIS
        Turns one record of the core's `history` result into an AlteryxBackup.HistoryRecord object.
    .DESCRIPTION
        Flat, typed properties so that Where-Object, Sort-Object, Export-Csv and Out-GridView work on them:
        times as [datetime] (local time), durations as [timespan], step durations as one string
        ("step=seconds s; ...", in the order the steps ran), destinations as one string ("path=status; ..."),
        warnings as a count plus their texts in one string (one a line), the drill's counts as numbers.
    .PARAMETER Record
        A record as the core sends it (docs/history.md).
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.HistoryRecord')]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true)] [AllowNull()] [object] $Record
    )
    process {
        if ($null -eq $Record) { return }
        $culture = [System.Globalization.CultureInfo]::InvariantCulture
        $styles = [System.Globalization.DateTimeStyles]::RoundtripKind
        $start = $null
        $end = $null
        if ($Record.startedAt) { $start = [datetime]::Parse([string]$Record.startedAt, $culture, $styles).ToLocalTime() }
        if ($Record.finishedAt) { $end = [datetime]::Parse([string]$Record.finishedAt, $culture, $styles).ToLocalTime() }
        $downtime = $null
        if ($null -ne $Record.downtimeMs) { $downtime = [timespan]::FromMilliseconds([double]$Record.downtimeMs) }
        $size = $null
        if ($null -ne $Record.sizeBytes) { $size = [long]$Record.sizeBytes }
        $verdict = $null
        if ($null -ne $Record.drill) { $verdict = [string]$Record.drill.verdict }
        $warnings = @($Record.warnings | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
        $steps = @($Record.stepDurationsMs.PSObject.Properties | Where-Object { $null -ne $_.Value } | ForEach-Object {
                '{0}={1} s' -f $_.Name, ([double]$_.Value / 1000).ToString('0.0##', [System.Globalization.CultureInfo]::InvariantCulture)
            }) -join '; '
        $dump = $null
        if ($null -ne $Record.dumpBytes) { $dump = [long]$Record.dumpBytes }
        $drill = @{ Collections = $null; Expected = $null; Restored = $null; Actual = $null }
        if ($null -ne $Record.drill) {
            if ($null -ne $Record.drill.collections) { $drill.Collections = [int]$Record.drill.collections }
            if ($null -ne $Record.drill.documentsExpected) { $drill.Expected = [long]$Record.drill.documentsExpected }
            if ($null -ne $Record.drill.documentsRestored) { $drill.Restored = [long]$Record.drill.documentsRestored }
            if ($null -ne $Record.drill.documentsActual) { $drill.Actual = [long]$Record.drill.documentsActual }
        }
        $destinations = @($Record.destinations | Where-Object { $null -ne $_ } | ForEach-Object { '{0}={1}' -f $_.path, $_.status }) -join '; '
        [pscustomobject]@{
            PSTypeName   = 'AlteryxBackup.HistoryRecord'
            Id           = [string]$Record.id
            Kind         = [string]$Record.kind
            StartTime    = $start
            EndTime      = $end
            ComputerName = [string]$Record.host
            Mode         = [string]$Record.mode
            Status       = [string]$Record.status
            Success      = ([int]$Record.exitCode -eq 0)
            ExitCode     = [int]$Record.exitCode
            Message      = [string]$Record.message
            ArchiveName  = [string]$Record.archiveName
            ArchivePath  = [string]$Record.archivePath
            Sha256       = [string]$Record.sha256
            SizeBytes    = $size
            DumpBytes    = $dump
            Duration     = [timespan]::FromMilliseconds([double]$Record.durationMs)
            Downtime     = $downtime
            StepDurations = $steps
            Destinations = $destinations
            DrillVerdict = $verdict
            DrillCollections = $drill.Collections
            DrillDocumentsExpected = $drill.Expected
            DrillDocumentsRestored = $drill.Restored
            DrillDocumentsActual = $drill.Actual
            WarningCount = $warnings.Count
            Warnings     = ($warnings -join [Environment]::NewLine)
            LogPath      = [string]$Record.logPath
            Source       = [string]$Record.source
        }
    }
}
