function ConvertTo-AlteryxBackupTaskObject {
    <#
    .SYNOPSIS
        The typed AlteryxBackup.ScheduledTask object for a registered task (or a definition just registered).
    .DESCRIPTION
        Reads the mode from the action's -BackupMode argument, describes the triggers, and maps the last
        result (the tool's exit code, or one of Task Scheduler's own codes such as 0x41303 "has not run yet")
        to words.
    .PARAMETER Task
        A task from Get-ScheduledTask (CIM MSFT_ScheduledTask), or $null with -Definition.
    .PARAMETER Info
        Its Get-ScheduledTaskInfo, when known.
    .PARAMETER Definition
        A definition from New-AlteryxBackupTaskDefinition, used when no task object is given.
    .OUTPUTS
        AlteryxBackup.ScheduledTask.
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.ScheduledTask')]
    param($Task, $Info, [System.Collections.IDictionary] $Definition)

    $meaning = @{
        '0' = 'success'; '1' = 'general error'; '2' = 'service or workflow wait timed out'; '3' = 'validation failed'
        '4' = 'storage error'; '5' = 'MongoDB error'; '6' = 'invalid backup mode'
        '267008' = 'ready (0x41300)'; '267009' = 'running (0x41301)'; '267010' = 'disabled (0x41302)'; '267011' = 'has not run yet (0x41303)'
        '267014' = 'stopped by Task Scheduler at its time limit (0x41306)'; '2147750687' = 'an instance was already running (0x8004131F)'
    }
    $describe = {
        param($t)
        $class = ''
        if ($t.PSObject.Properties['CimClass'] -and $t.CimClass) { $class = [string]$t.CimClass.CimClassName }
        if (-not $class) { $class = [string](@($t.PSObject.TypeNames | Where-Object { $_ -match 'MSFT_Task\w*Trigger' }) | Select-Object -First 1) }
        $text = ($class -replace '^.*MSFT_Task', '' -replace 'Trigger$', '')
        if ($t.StartBoundary) { $text += " from $($t.StartBoundary)" }
        if ($t.PSObject.Properties['Repetition'] -and $t.Repetition -and $t.Repetition.Interval) { $text += " every $($t.Repetition.Interval) for $($t.Repetition.Duration)" }
        $text.Trim()
    }

    if ($null -ne $Task) {
        $action = @($Task.Actions) | Select-Object -First 1
        $arguments = [string]$action.Arguments
        $mode = $null
        if ($arguments -match '-BackupMode\s+"?([A-Za-z]+)') { $mode = $Matches[1] }
        $last = $null
        $lastRun = $null
        $nextRun = $null
        if ($null -ne $Info) {
            $last = [long]$Info.LastTaskResult
            $lastRun = $Info.LastRunTime
            $nextRun = $Info.NextRunTime
        }
        $limit = $null
        if ($Task.Settings -and $Task.Settings.ExecutionTimeLimit) { $limit = [System.Xml.XmlConvert]::ToTimeSpan([string]$Task.Settings.ExecutionTimeLimit) }
        $lastMeaning = $null
        if ($null -ne $last) { $lastMeaning = $meaning[[string]$last]; if (-not $lastMeaning) { $lastMeaning = 'code {0} (0x{0:X})' -f $last } }
        return [pscustomobject]@{
            PSTypeName         = 'AlteryxBackup.ScheduledTask'
            TaskName           = [string]$Task.TaskName
            TaskPath           = [string]$Task.TaskPath
            Mode               = $mode
            State              = [string]$Task.State
            UserId             = [string]$Task.Principal.UserId
            RunLevel           = [string]$Task.Principal.RunLevel
            Triggers           = @(@($Task.Triggers) | Where-Object { $null -ne $_ } | ForEach-Object { & $describe $_ })
            Execute            = [string]$action.Execute
            Arguments          = $arguments
            ExecutionTimeLimit = $limit
            LastRunTime        = $lastRun
            LastResult         = $last
            LastResultMeaning  = $lastMeaning
            NextRunTime        = $nextRun
            Warnings           = @()
        }
    }
    $triggerText = @(@($Definition.Triggers) | Where-Object { $null -ne $_ } | ForEach-Object {
            $text = '{0} from {1}' -f $_.Kind, ([datetime]$_.At).ToString('yyyy-MM-ddTHH:mm:ss')
            if (@($_.DaysOfWeek).Count) { $text += ' on ' + (@($_.DaysOfWeek) -join ',') }
            if ($null -ne $_.RepetitionInterval) { $text += " every $($_.RepetitionInterval) for $($_.RepetitionDuration)" }
            $text
        })
    [pscustomobject]@{
        PSTypeName         = 'AlteryxBackup.ScheduledTask'
        TaskName           = $Definition.TaskName
        TaskPath           = $Definition.TaskPath
        Mode               = $Definition.Mode
        State              = 'Ready'
        UserId             = $Definition.UserId
        RunLevel           = $Definition.RunLevel
        Triggers           = $triggerText
        Execute            = $Definition.Execute
        Arguments          = $Definition.Arguments
        ExecutionTimeLimit = $Definition.ExecutionTimeLimit
        LastRunTime        = $null
        LastResult         = $null
        LastResultMeaning  = $null
        NextRunTime        = $null
        Warnings           = @($Definition.Warnings)
    }
}
