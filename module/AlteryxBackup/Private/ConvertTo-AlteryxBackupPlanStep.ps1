function ConvertTo-AlteryxBackupPlanStep {
    <#
    .SYNOPSIS
        Turns the steps of the core's `plan` event into AlteryxBackup.PlanStep objects.
    .DESCRIPTION
        The plan event (docs/bridge.md) gives every step a name, a description, changesState and, from
        the core's executable plan on, target (what the step changes) and action (a verb phrase for
        ShouldProcess). When target or action is absent, the description is the target and the name the
        action; a step without changesState counts as changing (so -WhatIf names it rather than hiding it).
    .PARAMETER Plan
        The steps of the plan event, in order.
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.PlanStep')]
    param(
        [AllowNull()] [AllowEmptyCollection()] [object[]] $Plan
    )
    $order = 0
    foreach ($step in @($Plan | Where-Object { $null -ne $_ })) {
        $order += 1
        $has = { param($name) $null -ne $step.PSObject.Properties[$name] -and $null -ne $step.$name -and "$($step.$name)" -ne '' }
        $name = [string]$step.name
        $description = [string]$step.description
        $action = $name
        if (& $has 'action') { $action = [string]$step.action }
        $target = $description
        if (& $has 'target') { $target = [string]$step.target }
        $changes = $true
        if ($null -ne $step.PSObject.Properties['changesState'] -and $null -ne $step.changesState) { $changes = [bool]$step.changesState }
        [pscustomobject]@{
            PSTypeName   = 'AlteryxBackup.PlanStep'
            Order        = $order
            Name         = $name
            Action       = $action
            Target       = $target
            ChangesState = $changes
            Description  = $description
        }
    }
}
