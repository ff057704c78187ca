#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Invoke-AlteryxBackupCore (private, through Invoke-AlteryxBackup): the Node process, stdin, stream
    mapping, exit codes, recover after a dead Node and after Ctrl+C; against a fake Node core
    (pester/fixtures/fake-core.mjs).
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    $script:FakeCore = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath
    . (Join-Path $PSScriptRoot 'fixtures/Backup.Helpers.ps1')
}

Describe 'Invoke-AlteryxBackup with a fake Node core' {
    BeforeAll {
        Mock -ModuleName AlteryxBackup Get-AlteryxBackupBundlePath { $FakeCore }
        $savedScenario = $env:FAKE_CORE_SCENARIO
        $savedRecover = $env:FAKE_CORE_RECOVER_SCENARIO
        $savedLog = $env:FAKE_CORE_LOG

        function Get-FakeRun {
            @(Get-Content -LiteralPath $env:FAKE_CORE_LOG -ErrorAction SilentlyContinue | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        }
    }
    BeforeEach {
        $env:FAKE_CORE_LOG = Join-Path $TestDrive ("fake-{0}.jsonl" -f [guid]::NewGuid())
        $env:FAKE_CORE_SCENARIO = 'ok'
        $env:FAKE_CORE_RECOVER_SCENARIO = 'ok'
    }
    AfterAll {
        $env:FAKE_CORE_SCENARIO = $savedScenario
        $env:FAKE_CORE_RECOVER_SCENARIO = $savedRecover
        $env:FAKE_CORE_LOG = $savedLog
    }

    Context 'the process and stdin' {
        BeforeAll {
            $env:FAKE_CORE_LOG = Join-Path $TestDrive 'stdin.jsonl'
            $result = Invoke-AlteryxBackup -BackupMode ConfigOnly -StopServiceForExternalDB -ArchivePassword (ConvertTo-SecureString 'zip-s3cret' -AsPlainText -Force) -NetworkBackupPath '\\nas\b' 3>$null
            $run = @(Get-FakeRun)
        }

        It 'runs <bundle> backup --request-stdin --json' {
            $run.Count | Should -Be 1
            @($run[0].argv) | Should -Be @('backup', '--request-stdin', '--json')
        }

        It 'writes UTF-8 JSON without BOM to stdin' {
            $run[0].bom | Should -BeFalse
            $run[0].request.command | Should -Be 'backup'
            $run[0].request.params.BackupMode | Should -Be 'ConfigOnly'
            $run[0].request.params.StopServiceForExternalDB | Should -BeTrue
            @($run[0].request.params.NetworkBackupPath) | Should -Be @('\\nas\b')
        }

        It 'sends the secret on stdin only, never on the command line' {
            $run[0].request.secrets.ArchivePassword | Should -Be 'zip-s3cret'
            ($run[0].argv -join ' ') | Should -Not -Match 'zip-s3cret'
            $run[0].request.params.PSObject.Properties.Name | Should -Not -Contain 'ArchivePassword'
        }

        It 'returns the typed result' {
            $result.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
            $result.ExitCode | Should -Be 0
            $result.ArchivePath | Should -Be '/backups/ServerBackup_ConfigOnly_20250101_020000.zip'
            $result.Duration.TotalSeconds | Should -Be 1.5
        }
    }

    Context 'stream mapping' {
        It 'maps INFO and SUCCESS to Verbose, with plan steps and non-JSON lines' {
            $verbose = @(Invoke-AlteryxBackup -Verbose 4>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $verbose | Should -Contain 'info message'
            $verbose | Should -Contain '[SUCCESS] success message'
            $verbose | Should -Contain 'node: this line is not JSON'
            ($verbose -join "`n") | Should -Match 'Plan step 2: archive - Write the ZIP \(changes state\)'
        }

        It 'maps WARNING to the warning stream' {
            $warnings = @(Invoke-AlteryxBackup 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
            $warnings | Should -Be @('warning message')
        }

        It 'maps DEBUG to the debug stream' {
            $debug = @(Invoke-AlteryxBackup -Debug 5>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            $debug | Should -Contain 'debug detail'
        }

        It 'shows nothing on Verbose without -Verbose' {
            $verbose = @(Invoke-AlteryxBackup 4>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $verbose | Should -BeNullOrEmpty
        }

        It 'writes progress records (throttled)' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($manifest, $fake)
                        Import-Module $manifest
                        & (Get-Module AlteryxBackup) { param($f) $null = Invoke-AlteryxBackupCore -Command backup -ScriptPath $f -Request ([ordered]@{ params = [ordered]@{}; secrets = @{}; dryRun = $false; verbose = $false }) } $fake
                    }).AddArgument($script:ModuleManifest).AddArgument($FakeCore)
                $null = $ps.Invoke()
                $records = @($ps.Streams.Progress)
                $records.Count | Should -BeGreaterThan 0
                # 11 progress events arrive within milliseconds: at most the first and the completions pass.
                @($records | Where-Object { $_.RecordType -eq 'Processing' }).Count | Should -BeLessThan 4
                @($records | Where-Object { $_.RecordType -eq 'Completed' }).Count | Should -BeGreaterThan 0
                $records[0].Activity | Should -Be 'Writing the archive'
            }
            finally { $ps.Dispose() }
        }
    }

    Context 'exit codes' {
        It 'passes a failure through: object, error AlteryxBackup.Exit3, $LASTEXITCODE left alone' {
            $env:FAKE_CORE_SCENARIO = 'fail3'
            $global:LASTEXITCODE = 99
            $all = @(Invoke-AlteryxBackup 2>&1 3>$null)
            $all[0].ExitCode | Should -Be 3
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxBackup'
            $all[1].Exception.Message | Should -Be 'Validation failed: something'
            $global:LASTEXITCODE | Should -Be 99
        }

        It 'does not deadlock when Node writes a lot to stderr' {
            $env:FAKE_CORE_SCENARIO = 'noisy-stderr'
            $job = Start-ThreadJob -ScriptBlock {
                param($manifest, $fake)
                Import-Module $manifest
                & (Get-Module AlteryxBackup) { param($f) (Invoke-AlteryxBackupCore -Command backup -ScriptPath $f -Request ([ordered]@{ params = [ordered]@{}; secrets = @{}; dryRun = $false; verbose = $false })).exitCode } $fake
            } -ArgumentList $script:ModuleManifest, $FakeCore
            $finished = Wait-Job $job -Timeout 60
            try {
                $finished | Should -Not -BeNullOrEmpty -Because 'the run must end even with 1 MB on stderr'
                Receive-Job $job 3>$null | Should -Be 0
            }
            finally { Remove-Job $job -Force }
        }
    }

    Context 'when Node dies without a result' {
        BeforeAll {
            $env:FAKE_CORE_LOG = Join-Path $TestDrive 'crash.jsonl'
            $env:FAKE_CORE_SCENARIO = 'crash'
            $env:FAKE_CORE_RECOVER_SCENARIO = 'ok'
            $warnings = $null
            $all = @(Invoke-AlteryxBackup -BackupMode Full -SandboxPath 'TestDrive:\sbx' -WarningVariable warnings -WarningAction SilentlyContinue 2>&1)
            $runs = @(Get-FakeRun)
        }

        It 'runs recover with the same params and no secrets' {
            @($runs.command) | Should -Be @('backup', 'recover')
            @($runs[1].argv) | Should -Be @('recover', '--request-stdin', '--json')
            $runs[1].request.params.BackupMode | Should -Be 'Full'
            $runs[1].request.params.SandboxPath | Should -Be $runs[0].request.params.SandboxPath
            @($runs[1].request.secrets.PSObject.Properties).Count | Should -Be 0
        }

        It 'returns a result with exit code 1 saying the run was interrupted and what recover did' {
            $all[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
            $all[0].ExitCode | Should -Be 1
            $all[0].Mode | Should -Be 'Full'
            $all[0].Message | Should -Match 'interrupted'
            $all[0].Message | Should -Match 'Node exited with code 9'
            $all[0].Message | Should -Match 'recover'
            $all[0].Message | Should -Match 'AlteryxService is Running again'
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit1,Invoke-AlteryxBackup'
        }

        It 'shows what Node wrote to stderr' {
            ($warnings -join "`n") | Should -Match 'simulated crash'
        }

        It 'says so when recover fails too' {
            $env:FAKE_CORE_SCENARIO = 'crash'
            $env:FAKE_CORE_RECOVER_SCENARIO = 'crash'
            $r = Invoke-AlteryxBackup -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $r.ExitCode | Should -Be 1
            $r.Message | Should -Match "'recover' ran \(exit code 1\)"
        }
    }

    Context 'when PowerShell stops the run (Ctrl+C)' {
        It 'kills Node and runs recover' {
            $env:FAKE_CORE_LOG = Join-Path $TestDrive 'stop.jsonl'
            $env:FAKE_CORE_SCENARIO = 'hang'
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($manifest, $fake)
                        Import-Module $manifest
                        & (Get-Module AlteryxBackup) { param($f) Invoke-AlteryxBackupCore -Command backup -ScriptPath $f -Request ([ordered]@{ params = [ordered]@{ BackupMode = 'Full' }; secrets = @{}; dryRun = $false; verbose = $false }) } $fake
                    }).AddArgument($script:ModuleManifest).AddArgument($FakeCore)
                $handle = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (@(Get-FakeRun).Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
                Start-Sleep -Milliseconds 500
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                # Ends (kill + recover) rather than hanging; a loose bound, since a loaded machine is slow, not wrong.
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 120
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'

                $runs = @(Get-FakeRun)
                @($runs.command) | Should -Be @('backup', 'recover')
                Get-Process -Id $runs[0].pid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                ($ps.Streams.Warning | ForEach-Object Message) -join "`n" | Should -Match "stopped before it finished; 'recover' ran"
            }
            finally { $ps.Dispose() }
        }
    }
}
