function ConvertTo-AlteryxBackupCheck {
    <#
    .SYNOPSIS
        Turns the checks of a core result (verify, restore, drill) into AlteryxBackup.Check objects.
    .PARAMETER Checks
        The core result's checks: objects with name, ok and detail. Null entries are skipped.
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.Check')]
    param(
        [AllowNull()]
        [object[]] $Checks
    )

    foreach ($c in @($Checks | Where-Object { $null -ne $_ })) {
        [pscustomobject]@{ PSTypeName = 'AlteryxBackup.Check'; Name = [string]$c.name; Ok = [bool]$c.ok; Detail = [string]$c.detail }
    }
}
