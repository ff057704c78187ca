function Register-AlteryxBackupEventSource {
    <#
    .SYNOPSIS
        Registers the Windows Event Log source AlteryxBackup (once per server, as Administrator).

    .DESCRIPTION
        Invoke-AlteryxBackup writes one entry per run to the Windows Event Log under the source
        AlteryxBackup: Information for a successful backup, Warning when the archive was made but a copy to
        a network destination failed (exit code 4), Error for every other failure; the event id is the exit
        code (0-6), so monitoring can alert on "source AlteryxBackup, level Error" or on a given id.

        Windows lets only Administrators create an event source. A scheduled backup running as SYSTEM
        creates it on its first run; run this command once when backups run under another account, or to
        register the source ahead of time. When the source already exists nothing changes.

        Works in Windows PowerShell 5.1 and PowerShell 7 on Windows (it uses the .NET EventLog API, not
        New-EventLog, which PowerShell 7 does not have).

    .PARAMETER LogName
        The event log that receives the entries. Default Application. A name that does not exist yet creates
        a custom log of that name.

    .EXAMPLE
        Register-AlteryxBackupEventSource

        Registers the source AlteryxBackup in the Application log. Run from an elevated PowerShell.

    .EXAMPLE
        Register-AlteryxBackupEventSource -WhatIf

        Shows whether the source would be registered, changing nothing.

    .EXAMPLE
        Register-AlteryxBackupEventSource -Verbose
        Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'AlteryxBackup' } -MaxEvents 10

        Registers the source, then lists the last ten backup entries once backups have run.

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.EventSource. Properties: Source, LogName, Registered (whether the source exists
        afterwards), Created (whether this call created it).

    .LINK
        Invoke-AlteryxBackup

    .LINK
        about_AlteryxBackup
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('AlteryxBackup.EventSource')]
    param(
        [ValidateNotNullOrEmpty()]
        [string] $LogName = 'Application'
    )

    $source = 'AlteryxBackup'

    if (-not (Invoke-AlteryxBackupEventLogApi -Operation Available)) {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.PlatformNotSupportedException 'The Windows Event Log exists only on Windows; there is nothing to register on this system.'),
                    'AlteryxBackup.EventLogNotAvailable',
                    [System.Management.Automation.ErrorCategory]::NotImplemented,
                    $source)))
    }

    $exists = $false
    try {
        $exists = [bool](Invoke-AlteryxBackupEventLogApi -Operation SourceExists -Source $source)
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                    (New-Object System.UnauthorizedAccessException ("Could not check the event source $source ($($_.Exception.Message)). Run this command from an elevated PowerShell (Run as administrator).")),
                    'AlteryxBackup.EventSourceAccessDenied',
                    [System.Management.Automation.ErrorCategory]::PermissionDenied,
                    $source)))
    }

    if ($exists) {
        $current = $LogName
        try { $current = [string](Invoke-AlteryxBackupEventLogApi -Operation LogOfSource -Source $source) } catch { Write-Debug "AlteryxBackup: LogNameFromSourceName: $($_.Exception.Message)" }
        if ($current -and $current -ne $LogName) {
            Write-Warning "The event source $source is already registered in the '$current' log, not '$LogName'; entries go to '$current'. Remove it (Remove-EventLog -Source $source in Windows PowerShell) to move it."
        }
        else {
            Write-Verbose "The event source $source is already registered in the $current log"
        }
        return [pscustomobject]@{
            PSTypeName = 'AlteryxBackup.EventSource'
            Source     = $source
            LogName    = $current
            Registered = $true
            Created    = $false
        }
    }

    $created = $false
    if ($PSCmdlet.ShouldProcess("event source $source in the $LogName log", 'Register')) {
        try {
            [void](Invoke-AlteryxBackupEventLogApi -Operation CreateSource -Source $source -LogName $LogName)
            $created = $true
            Write-Verbose "Registered the event source $source in the $LogName log"
        }
        catch {
            $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord (
                        (New-Object System.InvalidOperationException ("Could not register the event source $source in the $LogName log: $($_.Exception.Message) Creating an event source needs Administrator rights.")),
                        'AlteryxBackup.EventSourceNotCreated',
                        [System.Management.Automation.ErrorCategory]::PermissionDenied,
                        $source)))
        }
    }

    [pscustomobject]@{
        PSTypeName = 'AlteryxBackup.EventSource'
        Source     = $source
        LogName    = $LogName
        Registered = $created
        Created    = $created
    }
}
