function Invoke-AlteryxBackupEventLogApi {
    <#
    .SYNOPSIS
        The module's single seam to the Windows Event Log API ([System.Diagnostics.EventLog]).
    .DESCRIPTION
        Every call to the Windows Event Log goes through this function, so that Pester mocks it on any
        platform. It uses the .NET API rather than New-EventLog / Write-EventLog because those cmdlets do
        not exist in PowerShell 7; [System.Diagnostics.EventLog] works in Windows PowerShell 5.1 and in
        PowerShell 7 on Windows.
        Operations:
          Available      $true on Windows (where an Event Log exists), $false elsewhere.
          SourceExists   [EventLog]::SourceExists(Source). Throws (SecurityException) for a source that is
                         not registered when the caller is not an Administrator (it must search every log).
          LogOfSource    The log a registered source writes to ([EventLog]::LogNameFromSourceName).
          CreateSource   [EventLog]::CreateEventSource(Source, LogName). Needs Administrator rights.
          WriteEntry     [EventLog]::WriteEntry(Source, Message, EntryType, EventId).
    .PARAMETER Operation
        Available, SourceExists, LogOfSource, CreateSource or WriteEntry.
    .PARAMETER Source
        The event source (AlteryxBackup).
    .PARAMETER LogName
        The event log of CreateSource (Application).
    .PARAMETER Message
        The entry's text (WriteEntry).
    .PARAMETER EntryType
        Information, Warning or Error (WriteEntry).
    .PARAMETER EventId
        The entry's event id, 0-65535 (WriteEntry).
    #>
    [CmdletBinding()]
    [OutputType([bool], [string])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateSet('Available', 'SourceExists', 'LogOfSource', 'CreateSource', 'WriteEntry')]
        [string] $Operation,

        [string] $Source = 'AlteryxBackup',

        [string] $LogName = 'Application',

        [string] $Message = '',

        [ValidateSet('Information', 'Warning', 'Error')]
        [string] $EntryType = 'Information',

        [ValidateRange(0, 65535)]
        [int] $EventId = 0
    )

    switch ($Operation) {
        'Available' {
            return ([System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT)
        }
        'SourceExists' {
            return [System.Diagnostics.EventLog]::SourceExists($Source)
        }
        'LogOfSource' {
            return [string][System.Diagnostics.EventLog]::LogNameFromSourceName($Source, '.')
        }
        'CreateSource' {
            [System.Diagnostics.EventLog]::CreateEventSource($Source, $LogName)
            return $true
        }
        'WriteEntry' {
            $type = [System.Diagnostics.EventLogEntryType]$EntryType
            [System.Diagnostics.EventLog]::WriteEntry($Source, $Message, $type, $EventId)
            return $true
        }
    }
}
