function ConvertTo-AlteryxBackupCollectionCount {
    <#
    .SYNOPSIS
        Turns the per-collection counts of a core result (restore, drill) into AlteryxBackup.CollectionCount
        objects.
    .PARAMETER Rows
        The core result's counts: database, collection, expected (manifest), restored (restore log), actual
        (the restored database, drills only) and ok. Null entries are skipped.
    .PARAMETER IncludeActual
        Add the Actual property (a drill counts the restored database; a restore does not).
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.CollectionCount')]
    param(
        [AllowNull()]
        [object[]] $Rows,

        [switch] $IncludeActual
    )

    foreach ($row in @($Rows | Where-Object { $null -ne $_ })) {
        $out = [ordered]@{
            PSTypeName = 'AlteryxBackup.CollectionCount'
            Database   = [string]$row.database
            Collection = [string]$row.collection
            Expected   = $row.expected
            Restored   = $row.restored
        }
        if ($IncludeActual) { $out['Actual'] = $row.actual }
        $out['Ok'] = [bool]$row.ok
        [pscustomobject]$out
    }
}
