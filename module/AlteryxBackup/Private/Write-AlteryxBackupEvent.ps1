function Write-AlteryxBackupEvent {
    <#
    .SYNOPSIS
        Maps one event from the Node core to PowerShell's streams (docs/bridge.md, "The events").
    .DESCRIPTION
        log DEBUG -> Write-Debug; INFO and SUCCESS -> Write-Verbose; WARNING -> Write-Warning;
        ERROR -> kept in State.Errors for the final error (and shown with Write-Verbose);
        progress -> Write-Progress, throttled to 4 a second (a `completed` record always passes);
        plan -> one Write-Verbose line a step, steps kept in State.Plan;
        result -> kept in State.Result. Unknown types go to Write-Debug.
        With -Quiet nothing is written (used while the pipeline is being stopped), only State changes.
    .PARAMETER InputEvent
        The parsed JSON event.
    .PARAMETER State
        The run state kept by Invoke-AlteryxBackupCore (Result, Plan, Errors, Warnings, progress bookkeeping).
    .PARAMETER Quiet
        Update State only.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [object] $InputEvent,

        [Parameter(Mandatory = $true)]
        [hashtable] $State,

        [switch] $Quiet
    )

    $type = [string]$InputEvent.type
    switch ($type) {
        'log' {
            $level = ([string]$InputEvent.level).ToUpperInvariant()
            $message = [string]$InputEvent.message
            if ($level -eq 'ERROR') { $State.Errors.Add($message) }
            if ($level -eq 'WARNING') { $State.Warnings.Add($message) }
            if ($Quiet) { return }
            switch ($level) {
                'DEBUG' { Write-Debug $message }
                'INFO' { Write-Verbose $message }
                'SUCCESS' { Write-Verbose "[SUCCESS] $message" }
                'WARNING' { Write-Warning $message }
                'ERROR' { Write-Verbose "[ERROR] $message" }
                default { Write-Verbose "[$level] $message" }
            }
        }
        'progress' {
            if ($Quiet) { return }
            $key = [string]$InputEvent.id
            if (-not $State.ProgressIds.ContainsKey($key)) {
                $State.ProgressIds[$key] = $State.ProgressIds.Count + 1
            }
            $id = [int]$State.ProgressIds[$key]
            $activity = [string]$InputEvent.activity
            if (-not $activity) { $activity = 'AlteryxBackup' }
            $State.ProgressActivities[$key] = $activity
            $completed = [bool]$InputEvent.completed
            if (-not $completed) {
                if ($State.ProgressWatch.IsRunning -and $State.ProgressWatch.ElapsedMilliseconds -lt 250) { return }
                $State.ProgressWatch.Reset()
                $State.ProgressWatch.Start()
            }
            $progress = @{ Id = $id; Activity = $activity }
            $status = [string]$InputEvent.status
            if ($status) { $progress['Status'] = $status }
            if ($completed) {
                $progress['Completed'] = $true
            }
            elseif ($null -ne $InputEvent.percent) {
                $percent = [int]$InputEvent.percent
                if ($percent -ge 0) { $progress['PercentComplete'] = [Math]::Min(100, $percent) }
            }
            Write-Progress @progress
        }
        'plan' {
            $steps = @($InputEvent.steps)
            $State.Plan = $steps
            if ($Quiet) { return }
            $i = 0
            foreach ($step in $steps) {
                $i++
                $marker = ''
                if ($step.changesState) { $marker = ' (changes state)' }
                Write-Verbose ("Plan step {0}: {1} - {2}{3}" -f $i, $step.name, $step.description, $marker)
            }
        }
        'result' {
            $State.Result = $InputEvent
        }
        default {
            if (-not $Quiet) { Write-Debug "AlteryxBackup: unknown event type '$type'." }
        }
    }
}
