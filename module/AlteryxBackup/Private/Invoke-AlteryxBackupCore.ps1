function Invoke-AlteryxBackupCore {
    <#
    .SYNOPSIS
        Runs one command of the Node core and returns its `result` event (docs/bridge.md).
    .DESCRIPTION
        Starts `node <lib>/alteryx-backup.mjs <command> --request-stdin --json` with
        System.Diagnostics.Process (no shell), writes the request as UTF-8 JSON without BOM through
        StandardInput.BaseStream (same code on .NET Framework 4.x and .NET), closes stdin, then reads
        stdout line by line and hands every JSON event to Write-AlteryxBackupEvent (non-JSON lines go to
        Write-Verbose). stderr is read asynchronously, so a chatty stderr cannot deadlock the run; it is
        shown only when Node dies. stdout is read with ReadLineAsync and a short wait so that Ctrl+C /
        a pipeline stop is honoured between waits.

        Returns the `result` event (a PSCustomObject) with two extra properties when absent: `plan` (the
        steps of the last `plan` event) and `errors` (messages of ERROR log events).

        When Node ends without a `result` line (killed, crashed) and the command touches services
        (backup, restore, drill), runs `recover` the same way with the same params, and returns a
        result with exitCode 1 whose message says that the run was interrupted and what recover did.
        In `finally`, if the run did not finish (Ctrl+C, a stop, an exception from a stream with
        -*Action Stop), a Node still running is killed (with its child processes where .NET allows it)
        and `recover` runs quietly.
    .PARAMETER Command
        Node command: backup, sandbox-create, sandbox-status, verify, restore, drill, recover, history, health, report,
        migrate-batch, compare.
    .PARAMETER Request
        The request from New-AlteryxBackupRequest; its `command` is set to -Command in a copy.
    .PARAMETER NodePath
        Passed to Find-AlteryxBackupNode.
    .PARAMETER ScriptPath
        The core to run; defaults to Get-AlteryxBackupBundlePath (tests point it at a fake core).
    .PARAMETER Quiet
        Write nothing to any stream (used for the recover that runs while a pipeline is stopping).
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateSet('backup', 'sandbox-create', 'sandbox-status', 'verify', 'restore', 'drill', 'recover', 'history', 'health', 'report', 'migrate-batch', 'compare', 'list')]
        [string] $Command,

        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary] $Request,

        [string] $NodePath,

        [string] $ScriptPath,

        [switch] $Quiet
    )

    # Local to this function (and what it calls); never set module- or session-wide.
    $ErrorActionPreference = 'Stop'
    $PSNativeCommandUseErrorActionPreference = $false

    $recoverable = @('backup', 'restore', 'drill')

    $node = Find-AlteryxBackupNode -NodePath $NodePath
    if (-not $ScriptPath) { $ScriptPath = Get-AlteryxBackupBundlePath }

    $req = [ordered]@{}
    foreach ($key in @($Request.Keys)) { $req[$key] = $Request[$key] }
    $req['command'] = $Command
    if (-not $req.Contains('params') -or $null -eq $req['params']) { $req['params'] = [ordered]@{} }

    $state = @{
        Result             = $null
        Plan               = $null
        Errors             = New-Object System.Collections.Generic.List[string]
        Warnings           = New-Object System.Collections.Generic.List[string]
        ProgressIds        = @{}
        ProgressActivities = @{}
        ProgressWatch      = New-Object System.Diagnostics.Stopwatch
    }

    $utf8 = New-Object System.Text.UTF8Encoding($false)
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $node
    $psi.Arguments = Join-AlteryxBackupArgument -ArgumentList @($ScriptPath, $Command, '--request-stdin', '--json')
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.CreateNoWindow = $true
    $psi.StandardOutputEncoding = $utf8
    $psi.StandardErrorEncoding = $utf8
    if ($psi.PSObject.Properties['StandardInputEncoding']) {
        # .NET Core 2.1+ only; .NET Framework uses Console.InputEncoding for the writer we bypass anyway.
        $psi.StandardInputEncoding = $utf8
    }
    $location = Get-Location -PSProvider FileSystem -ErrorAction SilentlyContinue
    if ($null -ne $location) { $psi.WorkingDirectory = $location.ProviderPath }

    $proc = New-Object System.Diagnostics.Process
    $proc.StartInfo = $psi
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $started = $false
    $finished = $false
    $stderrTask = $null
    $stderrText = ''

    try {
        Write-Debug "AlteryxBackup: starting '$node' $($psi.Arguments)"
        [void]$proc.Start()
        $started = $true
        $stderrTask = $proc.StandardError.ReadToEndAsync()

        $bytes = $utf8.GetBytes((ConvertTo-AlteryxBackupRequestJson -Request $req))
        try {
            $stdin = $proc.StandardInput.BaseStream
            $stdin.Write($bytes, 0, $bytes.Length)
            $stdin.Flush()
        }
        catch [System.IO.IOException] {
            # Node went away before reading its request; the missing result is handled below.
            Write-Debug "AlteryxBackup: could not write the request to Node: $($_.Exception.Message)"
        }
        finally {
            [Array]::Clear($bytes, 0, $bytes.Length)
            try { $proc.StandardInput.Close() } catch { Write-Debug "AlteryxBackup: closing stdin: $($_.Exception.Message)" }
        }

        $reader = $proc.StandardOutput
        $pending = $null
        while ($true) {
            if ($null -eq $pending) { $pending = $reader.ReadLineAsync() }
            $ready = $false
            try { $ready = $pending.Wait(100) }
            catch { break }   # the pipe broke: same as end of output
            if (-not $ready) { continue }
            $line = $pending.Result
            $pending = $null
            if ($null -eq $line) { break }

            $text = $line.Trim([char[]]@([char]0xFEFF, [char]' ', [char]"`t", [char]"`r"))
            if ($text.Length -eq 0) { continue }
            $evt = $null
            if ($text.StartsWith('{')) {
                try { $evt = ConvertFrom-Json -InputObject $text -ErrorAction Stop } catch { $evt = $null }
            }
            if ($null -eq $evt -or -not ($evt.PSObject.Properties['type'])) {
                if (-not $Quiet) { Write-Verbose "node: $line" }
                continue
            }
            Write-AlteryxBackupEvent -InputEvent $evt -State $state -Quiet:$Quiet
        }

        $proc.WaitForExit()
        if ($null -ne $stderrTask) {
            try { $stderrText = [string]$stderrTask.Result } catch { $stderrText = '' }
        }
        $exitCode = $proc.ExitCode
        $finished = $true
        $watch.Stop()

        if (-not $Quiet) {
            foreach ($key in @($state.ProgressIds.Keys)) {
                Write-Progress -Id ([int]$state.ProgressIds[$key]) -Activity ([string]$state.ProgressActivities[$key]) -Completed
            }
        }

        $result = $state.Result
        if ($null -ne $result) {
            if ($null -ne $result.PSObject.Properties['exitCode'] -and [int]$result.exitCode -ne $exitCode) {
                Write-Debug "AlteryxBackup: Node exited with $exitCode but its result says $($result.exitCode); using the result."
            }
            if (-not $result.PSObject.Properties['plan']) {
                $result | Add-Member -NotePropertyName 'plan' -NotePropertyValue $state.Plan
            }
            if (-not $result.PSObject.Properties['errors']) {
                $result | Add-Member -NotePropertyName 'errors' -NotePropertyValue $state.Errors.ToArray()
            }
            return $result
        }

        # Node ended without a result line: it crashed or was killed.
        $stderrTail = (@($stderrText -split "`r?`n" | Where-Object { $_.Trim() }) | Select-Object -Last 20) -join [Environment]::NewLine
        if ($stderrTail -and -not $Quiet) {
            Write-Warning "The AlteryxBackup core (node) ended without a result; its stderr:$([Environment]::NewLine)$stderrTail"
        }
        $message = "The '$Command' run was interrupted: Node exited with code $exitCode without reporting a result."
        $recover = $null
        if ($recoverable -contains $Command) {
            $recoverRequest = [ordered]@{
                command = 'recover'
                params  = $req['params']
                secrets = [ordered]@{}
                dryRun  = $false
                verbose = [bool]$req['verbose']
            }
            try {
                $recover = Invoke-AlteryxBackupCore -Command 'recover' -Request $recoverRequest -NodePath $node -ScriptPath $ScriptPath -Quiet:$Quiet
                $message += " 'recover' ran (exit code $($recover.exitCode)): $($recover.message)"
            }
            catch {
                $message += " 'recover' could not run: $($_.Exception.Message) Check that AlteryxService is in the state you expect."
            }
        }
        $mode = $null
        if ($req['params'] -is [System.Collections.IDictionary] -and $req['params'].Contains('BackupMode')) {
            $mode = $req['params']['BackupMode']
        }
        $warnings = @($state.Warnings.ToArray())
        return [pscustomobject]@{
            type         = 'result'
            exitCode     = 1
            mode         = $mode
            archivePath  = $null
            sha256       = $null
            sizeBytes    = $null
            durationMs   = [long]$watch.ElapsedMilliseconds
            logPath      = $null
            destinations = @()
            warnings     = $warnings
            message      = $message
            dryRun       = [bool]$req['dryRun']
            summary      = [pscustomobject]@{
                interrupted  = $true
                nodeExitCode = $exitCode
                stderr       = $stderrTail
                recover      = $recover
            }
            plan         = $state.Plan
            errors       = $state.Errors.ToArray()
        }
    }
    finally {
        if ($started -and -not $finished) {
            # Stopped from PowerShell (Ctrl+C, a stop, an exception): do not leave Node running.
            try {
                if (-not $proc.HasExited) {
                    Stop-AlteryxBackupProcessTree -Process $proc
                    [void]$proc.WaitForExit(10000)
                }
            }
            catch {
                Write-Debug "AlteryxBackup: killing Node: $($_.Exception.Message)"
            }
            if ($null -eq $state.Result -and $recoverable -contains $Command) {
                $note = $null
                try {
                    $recoverRequest = [ordered]@{
                        command = 'recover'
                        params  = $req['params']
                        secrets = [ordered]@{}
                        dryRun  = $false
                        verbose = $false
                    }
                    $recover = Invoke-AlteryxBackupCore -Command 'recover' -Request $recoverRequest -NodePath $node -ScriptPath $ScriptPath -Quiet
                    $note = "AlteryxBackup: the run was stopped before it finished; 'recover' ran (exit code $($recover.exitCode)): $($recover.message)"
                }
                catch {
                    $note = "AlteryxBackup: the run was stopped before it finished and 'recover' could not run: $($_.Exception.Message) Check that AlteryxService is in the state you expect."
                }
                try { Write-Warning $note } catch { try { [Console]::Error.WriteLine($note) } catch { $null = $_ } }
            }
        }
        try { $proc.Dispose() } catch { $null = $_ }
    }
}
