function ConvertFrom-AlteryxBackupTaskTrigger {
    <#
    .SYNOPSIS
        Turns triggers made by New-ScheduledTaskTrigger (CIM MSFT_Task*Trigger objects) into the trigger
        specifications ConvertTo-AlteryxBackupTaskXml writes.
    .DESCRIPTION
        Daily (DaysInterval), weekly (DaysOfWeek bit mask Sunday=1 ... Saturday=64, WeeksInterval), once
        (MSFT_TaskTimeTrigger) and at-startup (MSFT_TaskBootTrigger) triggers, with their Repetition. Other
        kinds throw a message naming the kind.
    .PARAMETER Trigger
        The trigger objects.
    .OUTPUTS
        System.Collections.Specialized.OrderedDictionary.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param([Parameter(Mandatory = $true)] [object[]] $Trigger)

    foreach ($t in $Trigger) {
        $class = $null
        if ($t.PSObject.Properties['CimClass'] -and $t.CimClass) { $class = [string]$t.CimClass.CimClassName }
        if (-not $class) { $class = @($t.PSObject.TypeNames | Where-Object { $_ -match 'MSFT_Task\w*Trigger' } | ForEach-Object { ($_ -split '/')[-1] }) | Select-Object -First 1 }
        $kind = switch -Regex ([string]$class) {
            'MSFT_TaskDailyTrigger$' { 'Daily' }
            'MSFT_TaskWeeklyTrigger$' { 'Weekly' }
            'MSFT_TaskTimeTrigger$' { 'Once' }
            'MSFT_TaskBootTrigger$' { 'Boot' }
            default { throw "A trigger of kind '$class' cannot be exported to XML by Export-AlteryxBackupTaskXml (daily, weekly, once and at-startup triggers can); register it with Register-AlteryxBackupTask -Trigger instead." }
        }
        $spec = [ordered]@{ Kind = $kind; At = $null; DaysInterval = 1; WeeksInterval = 1; DaysOfWeek = @(); RepetitionInterval = $null; RepetitionDuration = $null }
        if ($t.StartBoundary) { $spec.At = [datetime]::Parse((([string]$t.StartBoundary) -replace '(Z|[+-]\d\d:\d\d)$', ''), [System.Globalization.CultureInfo]::InvariantCulture) }
        if ($t.PSObject.Properties['DaysInterval'] -and $t.DaysInterval) { $spec.DaysInterval = [int]$t.DaysInterval }
        if ($t.PSObject.Properties['WeeksInterval'] -and $t.WeeksInterval) { $spec.WeeksInterval = [int]$t.WeeksInterval }
        if ($kind -eq 'Weekly') {
            $mask = [int]$t.DaysOfWeek
            $spec.DaysOfWeek = @(0..6 | Where-Object { $mask -band (1 -shl $_) } | ForEach-Object { [System.DayOfWeek]$_ })
        }
        if ($t.PSObject.Properties['Repetition'] -and $t.Repetition -and $t.Repetition.Interval) {
            $spec.RepetitionInterval = [System.Xml.XmlConvert]::ToTimeSpan([string]$t.Repetition.Interval)
            if ($t.Repetition.Duration) { $spec.RepetitionDuration = [System.Xml.XmlConvert]::ToTimeSpan([string]$t.Repetition.Duration) }
        }
        $spec
    }
}
