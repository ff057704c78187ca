function Write-AlteryxBackupPlan {
    <#
    .SYNOPSIS
        Shows the steps of a dry run (-WhatIf) as "What if:" lines.
    .PARAMETER Plan
        The plan steps the core returned (objects with a description).
    .PARAMETER Target
        What the operation acts on, as ShouldProcess would name it.
    #>
    [CmdletBinding()]
    param(
        [AllowNull()] [object[]] $Plan,
        [Parameter(Mandatory = $true)] [string] $Target
    )
    foreach ($step in @($Plan | Where-Object { $null -ne $_ })) {
        Write-Host ("What if: Performing the operation `"{0}`" on target `"{1}`"." -f $step.description, $Target)
    }
}
