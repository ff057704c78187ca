function Write-AlteryxBackupEventLog {
    <#
    .SYNOPSIS
        Writes one Windows Event Log entry for a finished backup run (source AlteryxBackup).
    .DESCRIPTION
        Called by Invoke-AlteryxBackup once per run with its AlteryxBackup.Result. The entry goes to the
        Application log under the source AlteryxBackup; its event id is the run's exit code (0-6) and its
        level follows the outcome:
          exit 0                                  Information
          exit 4 with a published archive          Warning  (the backup exists; a copy to a share failed)
          any other exit code                      Error
        The message holds the mode, the exit code and its meaning, the result message, the archive, the
        log file, each destination's outcome and the number of warnings (the core has masked every secret).

        Never throws and never changes the run's outcome: a missing source is created on first use (which
        needs Administrator rights, as scheduled backups running as SYSTEM have); when that or the write
        fails, a warning says so and names Register-AlteryxBackupEventSource.

        No entry is written for a sandbox run (-Sandbox), a dry run, or on a system without the Windows
        Event Log: a Write-Debug line says what would have been written.
    .PARAMETER Result
        The AlteryxBackup.Result of the run (ExitCode, Mode, Message, ArchivePath, LogPath, Destinations,
        Warnings, DryRun).
    .PARAMETER Sandbox
        The run was against a simulated server: write nothing.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true)]
        [AllowNull()]
        [object] $Result,

        [switch] $Sandbox
    )

    $source = 'AlteryxBackup'
    $logName = 'Application'
    if ($null -eq $Result) {
        Write-Debug 'AlteryxBackup: no result, so no Windows Event Log entry'
        return
    }

    $exitCode = 1
    if ($null -ne $Result.ExitCode) { $exitCode = [int]$Result.ExitCode }
    $names = @{
        0 = 'success'; 1 = 'general error'; 2 = 'service or workflow wait timed out'; 3 = 'validation failed'
        4 = 'storage error'; 5 = 'MongoDB error'; 6 = 'invalid backup mode'
    }
    $meaning = 'unknown exit code'
    if ($names.ContainsKey($exitCode)) { $meaning = $names[$exitCode] }

    $entryType = 'Error'
    $verdict = 'FAILED'
    if ($exitCode -eq 0) {
        $entryType = 'Information'
        $verdict = 'succeeded'
    }
    elseif ($exitCode -eq 4 -and $Result.ArchivePath) {
        $entryType = 'Warning'
        $verdict = 'completed with a storage error'
    }
    # The health checks at the end of a backup (docs/history.md) add warnings starting with 'Health ':
    # a good backup whose checks fire is logged as a Warning entry that lists them.
    $healthWarnings = @($Result.Warnings | Where-Object { $null -ne $_ -and ([string]$_).StartsWith('Health ') } | ForEach-Object { [string]$_ })
    if ($exitCode -eq 0 -and $healthWarnings.Count -gt 0) {
        $entryType = 'Warning'
        $verdict = 'succeeded, but the health check reports problems'
    }
    $eventId = $exitCode
    if ($eventId -lt 0 -or $eventId -gt 65535) { $eventId = 1 }

    $mode = [string]$Result.Mode
    if (-not $mode) { $mode = 'unknown mode' }
    $lines = New-Object System.Collections.Generic.List[string]
    $lines.Add("AlteryxBackup: $mode backup $verdict (exit code $exitCode, $meaning).")
    if ($Result.Message) { $lines.Add([string]$Result.Message) }
    $lines.Add('')
    $archive = 'none'
    if ($Result.ArchivePath) { $archive = [string]$Result.ArchivePath }
    $lines.Add("Archive: $archive")
    if ($Result.LogPath) { $lines.Add("Log file: $($Result.LogPath)") }
    foreach ($d in @($Result.Destinations | Where-Object { $null -ne $_ })) {
        if ($d -is [string]) {
            $lines.Add("Destination: $d")
            continue
        }
        $text = "Destination: $($d.path): $($d.status)"
        if ($d.attempts -and [int]$d.attempts -gt 1) { $text += " after $($d.attempts) attempts" }
        if ($d.error) { $text += " ($($d.error))" }
        $lines.Add($text)
    }
    foreach ($h in $healthWarnings) { $lines.Add($h) }
    $warningCount = @($Result.Warnings | Where-Object { $null -ne $_ }).Count
    if ($warningCount -gt 0) { $lines.Add("Warnings: $warningCount (see the log file)") }
    $message = $lines -join "`r`n"
    # The Event Log refuses messages over 31,839 characters.
    if ($message.Length -gt 31000) { $message = $message.Substring(0, 31000) + "`r`n... (truncated; see the log file)" }

    if ($Sandbox) {
        Write-Debug "AlteryxBackup: sandbox run: no Windows Event Log entry (would be $logName/$source, $entryType, event id $eventId)"
        return
    }
    if ([bool]$Result.DryRun) {
        Write-Debug 'AlteryxBackup: dry run: no Windows Event Log entry'
        return
    }

    try {
        if (-not (Invoke-AlteryxBackupEventLogApi -Operation Available)) {
            Write-Debug "AlteryxBackup: no Windows Event Log on this system (would be $logName/$source, $entryType, event id $eventId)"
            return
        }

        $exists = $null
        try {
            $exists = [bool](Invoke-AlteryxBackupEventLogApi -Operation SourceExists -Source $source)
        }
        catch {
            # Not an Administrator and the source is not registered yet: writing will tell.
            Write-Debug "AlteryxBackup: could not check the event source: $($_.Exception.Message)"
        }
        if ($exists -eq $false) {
            try {
                [void](Invoke-AlteryxBackupEventLogApi -Operation CreateSource -Source $source -LogName $logName)
                Write-Verbose "Created the event source $source in the $logName log"
            }
            catch {
                Write-Warning "No Windows Event Log entry: the event source $source is not registered and could not be created ($($_.Exception.Message)). Run Register-AlteryxBackupEventSource once as Administrator."
                return
            }
        }

        [void](Invoke-AlteryxBackupEventLogApi -Operation WriteEntry -Source $source -Message $message -EntryType $entryType -EventId $eventId)
        Write-Verbose "Windows Event Log: $logName/$source, $entryType, event id $eventId"
    }
    catch {
        Write-Warning "The Windows Event Log entry could not be written ($($_.Exception.Message)). Run Register-AlteryxBackupEventSource once as Administrator if the source is missing."
    }
}
