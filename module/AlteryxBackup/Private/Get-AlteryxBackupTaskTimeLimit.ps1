function Get-AlteryxBackupTaskTimeLimit {
    <#
    .SYNOPSIS
        The execution time limit of a backup task: longer than the worst case of one run.
    .DESCRIPTION
        Worst case = the wait for running workflows (ServiceConfiguration.MaxWorkflowWaitSeconds) + the
        service stop (MaxServiceWaitSeconds) + the dump (MongoDBConfiguration.SelfManagedMongoDB.DumpTimeoutMinutes,
        used for the embedded dump as well) + the service start (MaxServiceWaitSeconds again) + one hour for the
        archive, its verification and the network copies. Values come from -ConfigPath when given, else the
        module's config/backup-config.json, else the built-in defaults (3600 + 7200 + 43200 + 7200 + 3600 s =
        18 hours). Task Scheduler stops a task at its limit; the tool's own timeouts fire first, so a run ends
        with its own exit code (2 for a wait that timed out) rather than being killed.
    .PARAMETER ConfigPath
        backup-config.json to read the timeouts from.
    .OUTPUTS
        System.TimeSpan.
    #>
    [CmdletBinding()]
    [OutputType([timespan])]
    param([string] $ConfigPath)

    $workflow = 3600
    $service = 7200
    $dumpMinutes = 720
    $file = $ConfigPath
    if (-not $file) { $file = Join-Path (Join-Path (Split-Path -Parent $PSScriptRoot) 'config') 'backup-config.json' }
    if ($file -and (Test-Path -LiteralPath $file -PathType Leaf)) {
        try {
            $cfg = Get-Content -LiteralPath $file -Raw -ErrorAction Stop | ConvertFrom-Json -ErrorAction Stop
            $sc = $cfg.ServiceConfiguration
            if ($null -ne $sc -and $null -ne $sc.MaxWorkflowWaitSeconds) { $workflow = [int]$sc.MaxWorkflowWaitSeconds }
            if ($null -ne $sc -and $null -ne $sc.MaxServiceWaitSeconds) { $service = [int]$sc.MaxServiceWaitSeconds }
            $sm = $null
            if ($null -ne $cfg.MongoDBConfiguration) { $sm = $cfg.MongoDBConfiguration.SelfManagedMongoDB }
            if ($null -ne $sm -and $null -ne $sm.DumpTimeoutMinutes) { $dumpMinutes = [int]$sm.DumpTimeoutMinutes }
        }
        catch {
            Write-Warning "AlteryxBackup: could not read the timeouts from '$file' ($($_.Exception.Message)); the task's time limit uses the defaults."
        }
    }
    [timespan]::FromSeconds($workflow + 2 * $service + 60 * $dumpMinutes + 3600)
}
