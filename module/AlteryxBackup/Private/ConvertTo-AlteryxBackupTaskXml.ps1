function ConvertTo-AlteryxBackupTaskXml {
    <#
    .SYNOPSIS
        Renders a task definition (New-AlteryxBackupTaskDefinition) as Task Scheduler XML (task schema 1.2).
    .DESCRIPTION
        Follows the Task Scheduler schema (namespace http://schemas.microsoft.com/windows/2004/02/mit/task):
        Task holds RegistrationInfo, Triggers, Principals, Settings and Actions; a trigger's children come in the
        schema's sequence (Enabled, StartBoundary, EndBoundary, Repetition, ExecutionTimeLimit, then RandomDelay
        and ScheduleByDay/ScheduleByWeek for a CalendarTrigger); the Actions' Context names the Principal's id.
        Durations are ISO 8601 (PT18H), times local without offset, as the Task Scheduler MMC writes them.
        SYSTEM is written as its SID S-1-5-18; another account with LogonType Password (the password is asked
        for on import: schtasks /Create /XML file /TN name /RU account /RP). Returns the XML text; its
        declaration says UTF-16, the encoding Export-AlteryxBackupTaskXml writes it in.
    .PARAMETER Definition
        The task definition.
    .PARAMETER TriggerSpec
        Trigger specifications (Kind Daily, Weekly, Once or Boot) instead of the definition's.
    .OUTPUTS
        System.String.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)] [System.Collections.IDictionary] $Definition,
        [object[]] $TriggerSpec
    )

    $ns = 'http://schemas.microsoft.com/windows/2004/02/mit/task'
    $doc = New-Object System.Xml.XmlDocument
    $add = {
        param($Parent, [string] $Name, $Text)
        $e = $doc.CreateElement($Name, $ns)
        if ($null -ne $Text) { $e.InnerText = [string]$Text }
        [void]$Parent.AppendChild($e)
        $e
    }
    $bool = { param($b) if ($b) { 'true' } else { 'false' } }
    $duration = { param([timespan] $t) [System.Xml.XmlConvert]::ToString($t) }
    $local = { param([datetime] $t) $t.ToString('yyyy-MM-ddTHH:mm:ss', [System.Globalization.CultureInfo]::InvariantCulture) }

    $task = $doc.CreateElement('Task', $ns)
    $task.SetAttribute('version', '1.2')
    [void]$doc.AppendChild($task)

    $reg = & $add $task 'RegistrationInfo' $null
    [void](& $add $reg 'Date' (& $local (Get-Date)))
    [void](& $add $reg 'Author' 'AlteryxBackup')
    [void](& $add $reg 'Description' $Definition.Description)
    [void](& $add $reg 'URI' $Definition.Uri)

    $specs = @($Definition.Triggers)
    if ($PSBoundParameters.ContainsKey('TriggerSpec')) { $specs = @($TriggerSpec) }
    $triggers = & $add $task 'Triggers' $null
    foreach ($s in $specs) {
        if ($null -eq $s) { continue }
        $kind = [string]$s.Kind
        $name = switch ($kind) { 'Daily' { 'CalendarTrigger' } 'Weekly' { 'CalendarTrigger' } 'Once' { 'TimeTrigger' } 'Boot' { 'BootTrigger' } default { throw "Trigger kind '$kind' cannot be written as Task Scheduler XML (Daily, Weekly, Once and Boot can)." } }
        $t = & $add $triggers $name $null
        # triggerBaseType's sequence: Enabled, StartBoundary, EndBoundary, Repetition, ExecutionTimeLimit.
        [void](& $add $t 'Enabled' 'true')
        if ($kind -ne 'Boot') { [void](& $add $t 'StartBoundary' (& $local ([datetime]$s.At))) }
        if ($null -ne $s.RepetitionInterval) {
            $rep = & $add $t 'Repetition' $null
            [void](& $add $rep 'Interval' (& $duration $s.RepetitionInterval))
            if ($null -ne $s.RepetitionDuration) { [void](& $add $rep 'Duration' (& $duration $s.RepetitionDuration)) }
            [void](& $add $rep 'StopAtDurationEnd' 'false')
        }
        if ($kind -eq 'Daily') {
            $by = & $add $t 'ScheduleByDay' $null
            $interval = 1
            if ($s.DaysInterval) { $interval = [int]$s.DaysInterval }
            [void](& $add $by 'DaysInterval' $interval)
        }
        elseif ($kind -eq 'Weekly') {
            $by = & $add $t 'ScheduleByWeek' $null
            $days = & $add $by 'DaysOfWeek' $null
            foreach ($day in @($s.DaysOfWeek)) { [void](& $add $days ([string]$day) $null) }
            $weeks = 1
            if ($s.WeeksInterval) { $weeks = [int]$s.WeeksInterval }
            [void](& $add $by 'WeeksInterval' $weeks)
        }
    }
    if (-not $triggers.HasChildNodes) { [void]$task.RemoveChild($triggers) }

    $principals = & $add $task 'Principals' $null
    $principal = & $add $principals 'Principal' $null
    $principal.SetAttribute('id', 'Author')
    if ($Definition.RunsAsSystem) {
        [void](& $add $principal 'UserId' 'S-1-5-18')
    }
    else {
        [void](& $add $principal 'UserId' $Definition.UserId)
        [void](& $add $principal 'LogonType' 'Password')
    }
    [void](& $add $principal 'RunLevel' 'HighestAvailable')

    $settings = & $add $task 'Settings' $null
    [void](& $add $settings 'MultipleInstancesPolicy' 'IgnoreNew')
    [void](& $add $settings 'DisallowStartIfOnBatteries' 'false')
    [void](& $add $settings 'StopIfGoingOnBatteries' 'false')
    [void](& $add $settings 'AllowHardTerminate' 'true')
    [void](& $add $settings 'StartWhenAvailable' 'true')
    [void](& $add $settings 'RunOnlyIfNetworkAvailable' 'false')
    $idle = & $add $settings 'IdleSettings' $null
    [void](& $add $idle 'StopOnIdleEnd' 'false')
    [void](& $add $idle 'RestartOnIdle' 'false')
    [void](& $add $settings 'AllowStartOnDemand' 'true')
    [void](& $add $settings 'Enabled' 'true')
    [void](& $add $settings 'Hidden' 'false')
    [void](& $add $settings 'RunOnlyIfIdle' 'false')
    [void](& $add $settings 'WakeToRun' (& $bool $false))
    [void](& $add $settings 'ExecutionTimeLimit' (& $duration $Definition.ExecutionTimeLimit))
    [void](& $add $settings 'Priority' '7')

    $actions = & $add $task 'Actions' $null
    $actions.SetAttribute('Context', 'Author')
    $exec = & $add $actions 'Exec' $null
    [void](& $add $exec 'Command' $Definition.Execute)
    [void](& $add $exec 'Arguments' $Definition.Arguments)
    [void](& $add $exec 'WorkingDirectory' $Definition.WorkingDirectory)

    $sw = New-Object System.IO.StringWriter ([System.Globalization.CultureInfo]::InvariantCulture)
    $xs = New-Object System.Xml.XmlWriterSettings
    $xs.Indent = $true
    $xs.IndentChars = '  '
    $xw = [System.Xml.XmlWriter]::Create($sw, $xs)
    try { $doc.Save($xw) } finally { $xw.Close() }
    $sw.ToString()
}
