#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-AlteryxBackupHistory: parameters, the request and the typed records against a mocked core; tagged
    Integration, real backups through Invoke-AlteryxBackup recorded in the catalog, filters, Export-Csv, and
    -Rebuild (with -WhatIf) after the catalog was deleted.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')

    function New-FakeRecord {
        param([string] $Id, [string] $Mode = 'Full', [int] $ExitCode = 0, [string] $Status = 'Success')
        [pscustomobject]@{
            v = 1; id = $Id; kind = 'backup'; startedAt = '2026-11-28T02:00:00.000Z'; finishedAt = '2026-11-28T02:01:30.500Z'
            host = 'ALTERYX01'; mode = $Mode; exitCode = $ExitCode; status = $Status; message = "run $Id"
            archiveName = "$Id.zip"; archivePath = "D:\Alteryx\Backups\$Id.zip"; sha256 = ('a' * 64); sizeBytes = 1048576
            dumpBytes = $null; durationMs = 90500; downtimeMs = 30000; stepDurationsMs = [pscustomobject]@{ dump = 20000 }
            destinations = @([pscustomobject]@{ path = 'D:\Alteryx\Backups'; kind = 'local'; status = 'ok'; error = $null }, [pscustomobject]@{ path = '\\nas01\b'; kind = 'network'; status = 'failed'; error = 'offline' })
            drill = $null; warnings = @('w1', 'w2'); logPath = 'D:\Alteryx\BackupLogs\x.log'; source = 'run'
        }
    }
}

Describe 'Get-AlteryxBackupHistory parameters' {
    BeforeAll { $command = Get-Command Get-AlteryxBackupHistory }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Mode'; Type = [string] }
        @{ Name = 'Kind'; Type = [string] }
        @{ Name = 'Status'; Type = [string] }
        @{ Name = 'Since'; Type = [datetime] }
        @{ Name = 'Last'; Type = [int] }
        @{ Name = 'Rebuild'; Type = [switch] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'accepts only the modes, kinds and statuses of the catalog' {
        { Get-AlteryxBackupHistory -Mode Weekly } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Get-AlteryxBackupHistory'
        { Get-AlteryxBackupHistory -Status Broken } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Get-AlteryxBackupHistory'
        { Get-AlteryxBackupHistory -Last 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Get-AlteryxBackupHistory'
    }

    It 'supports -WhatIf for -Rebuild and declares AlteryxBackup.HistoryRecord' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.HistoryRecord'
    }
}

Describe 'Get-AlteryxBackupHistory with a mocked core' {
    BeforeAll {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            $drill = New-FakeRecord -Id 'd3'
            $drill.kind = 'drill'
            $drill.dumpBytes = 5242880
            $drill.stepDurationsMs = [pscustomobject]@{ dump = 20000; archive = 1250; verify = 7 }
            $drill.drill = [pscustomobject]@{ verdict = 'failed'; collections = 3; documentsExpected = 1200; documentsRestored = 1199; documentsActual = $null }
            [pscustomobject]@{ type = 'result'; command = 'history'; exitCode = 0; success = $true; message = '3 of 3'; skipped = 0; records = @((New-FakeRecord -Id 'r1'), (New-FakeRecord -Id 'r2' -Mode 'DatabaseOnly' -ExitCode 5 -Status 'Failed'), $drill) }
        }
    }
    BeforeEach { $script:calls.Clear() }

    It 'sends the filters under their names, -Since as UTC ISO 8601, paths resolved' {
        $since = [datetime]::new(2026, 11, 1, 2, 0, 0, [System.DateTimeKind]::Utc)
        $null = Get-AlteryxBackupHistory -Mode DatabaseOnly -Kind backup -Status Failed -Since $since -Last 5 -SandboxPath 'TestDrive:\s'
        $p = $script:calls[0].Request.params
        $script:calls[0].Command | Should -Be 'history'
        $p.Mode | Should -Be 'DatabaseOnly'
        $p.Kind | Should -Be 'backup'
        $p.Status | Should -Be 'Failed'
        $p.Last | Should -Be 5
        $p.Since | Should -Be '2026-11-01T02:00:00.0000000Z'
        $p.SandboxPath | Should -Be (Join-Path $TestDrive 's')
        $p.Contains('Rebuild') | Should -BeFalse
    }

    It 'returns typed records: dates, timespans, one destinations string, warnings as text; $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        $r = @(Get-AlteryxBackupHistory -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        $r.Count | Should -Be 3
        $r[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.HistoryRecord'
        $r[0].StartTime | Should -BeOfType [datetime]
        $r[0].StartTime.ToUniversalTime() | Should -Be ([datetime]::new(2026, 11, 28, 2, 0, 0, [System.DateTimeKind]::Utc))
        $r[0].Duration | Should -Be ([timespan]::FromMilliseconds(90500))
        $r[0].Downtime | Should -Be ([timespan]::FromSeconds(30))
        $r[0].Destinations | Should -Be 'D:\Alteryx\Backups=ok; \\nas01\b=failed'
        $r[0].WarningCount | Should -Be 2
        $r[0].Warnings | Should -Be ("w1{0}w2" -f [Environment]::NewLine)
        $r[1].Success | Should -BeFalse
        $r[1].Status | Should -Be 'Failed'
        ($r | Where-Object { -not $_.Success }).Id | Should -Be 'r2'
        $r[0].StepDurations | Should -Be 'dump=20.0 s'
        $r[0].DumpBytes | Should -BeNullOrEmpty
        $r[0].DrillCollections | Should -BeNullOrEmpty
        # Step durations in the order they ran, the dump size and the drill's counts as numbers.
        $r[2].StepDurations | Should -Be 'dump=20.0 s; archive=1.25 s; verify=0.007 s'
        $r[2].DumpBytes | Should -Be 5242880
        $r[2].DumpBytes | Should -BeOfType [long]
        $r[2].DrillVerdict | Should -Be 'failed'
        $r[2].DrillCollections | Should -Be 3
        $r[2].DrillDocumentsExpected | Should -Be 1200
        $r[2].DrillDocumentsExpected | Should -BeOfType [long]
        $r[2].DrillDocumentsRestored | Should -Be 1199
        $r[2].DrillDocumentsActual | Should -BeNullOrEmpty
        # Export-Csv carries them as plain values (no System.Object[]).
        $rows = @($r | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv)
        $rows[2].StepDurations | Should -Be 'dump=20.0 s; archive=1.25 s; verify=0.007 s'
        $rows[2].DumpBytes | Should -Be '5242880'
        $rows[2].DrillDocumentsRestored | Should -Be '1199'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'renders its table view' {
        $text = Get-AlteryxBackupHistory | Format-Table | Out-String -Width 200
        $text | Should -Match 'StartTime\s+Kind\s+Mode\s+Status\s+ExitCode'
        $text | Should -Match 'r1\.zip'
        $text | Should -Match 'run r2'
    }

    It '-Rebuild -WhatIf asks the core for nothing; -Rebuild sends Rebuild' {
        Get-AlteryxBackupHistory -Rebuild -WhatIf
        $script:calls.Count | Should -Be 0
        $null = Get-AlteryxBackupHistory -Rebuild -Confirm:$false
        $script:calls[0].Request.params.Rebuild | Should -BeTrue
    }

    It 'a core error becomes AlteryxBackup.Exit3 with its message; $LASTEXITCODE left alone' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { [pscustomobject]@{ type = 'result'; exitCode = 3; success = $false; message = 'Invalid configuration: x' } }
        $global:LASTEXITCODE = 42
        $all = @(Get-AlteryxBackupHistory 2>&1)
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Get-AlteryxBackupHistory'
        $all[0].Exception.Message | Should -Match 'Invalid configuration'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }
}

Describe 'Get-AlteryxBackupHistory against the real core' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $S = New-TestSandbox -Path (Join-Path $TestDrive 'S') -SizeMB 1
        $script:runs = New-Object System.Collections.Generic.List[object]
        foreach ($mode in 'ConfigOnly', 'DatabaseOnly') {
            $r = Invoke-AlteryxBackup -BackupMode $mode -SandboxPath $S -ConfigPath $config 3>$null
            if ($r.ExitCode -ne 0) { throw "backup failed: $($r.Message)" }
            $script:runs.Add($r)
            $second = [datetime]::UtcNow.ToString('yyyyMMddHHmmss')
            while ([datetime]::UtcNow.ToString('yyyyMMddHHmmss') -eq $second) { Start-Sleep -Milliseconds 20 }
        }
        Set-TestKnob -Sandbox $S -Setting @('emongodump.fail=exit')
        $failed = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $S -ConfigPath $config -ErrorAction SilentlyContinue 3>$null
        $script:runs.Add($failed)
        Set-TestKnob -Sandbox $S -Setting @('emongodump.fail=false')
        $script:catalog = Join-Path $S 'D/Alteryx/BackupLogs/AlteryxBackupHistory.jsonl'
    }

    It 'lists every backup the cmdlet ran, oldest first, with its outcome' {
        $h = @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config)
        $h.Count | Should -Be 3
        @($h | ForEach-Object { '{0}:{1}' -f $_.Mode, $_.Status }) | Should -Be @('ConfigOnly:Success', 'DatabaseOnly:Success', 'DatabaseOnly:Failed')
        $h[1].ArchivePath | Should -Be $script:runs[1].ArchivePath
        $h[1].Sha256 | Should -Be $script:runs[1].Sha256
        $h[2].ExitCode | Should -Be $script:runs[2].ExitCode
        $h[2].ExitCode | Should -Not -Be 0
    }

    It 'filters by mode, status and -Last' {
        @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Mode DatabaseOnly).Count | Should -Be 2
        (Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Status Failed).Mode | Should -Be 'DatabaseOnly'
        (Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Last 1).Status | Should -Be 'Failed'
        @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Since (Get-Date).AddMinutes(10)).Count | Should -Be 0
    }

    It 'reads the catalog of the log folder given (a server path, mapped into the sandbox)' {
        @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -LogDirectory 'D:\Alteryx\BackupLogs').Count | Should -Be 3
        @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -LogDirectory 'D:\Alteryx\OtherLogs').Count | Should -Be 0
    }

    It 'exports to CSV that reads back with the same values' {
        $csv = Join-Path $TestDrive 'h.csv'
        Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config | Export-Csv -NoTypeInformation -Path $csv
        $rows = @(Import-Csv -Path $csv)
        $rows.Count | Should -Be 3
        $rows[1].Sha256 | Should -Be $script:runs[1].Sha256
        $rows[2].Status | Should -Be 'Failed'
        $rows[0].Warnings | Should -Not -Match 'System\.Object'
    }

    It '-Rebuild -WhatIf leaves a deleted catalog deleted; -Rebuild brings the runs back' {
        Remove-Item -LiteralPath $script:catalog
        Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Rebuild -WhatIf
        Test-Path -LiteralPath $script:catalog | Should -BeFalse
        $h = @(Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Rebuild -Confirm:$false)
        Test-Path -LiteralPath $script:catalog | Should -BeTrue
        @($h | ForEach-Object { '{0}:{1}' -f $_.Mode, $_.Status }) | Should -Be @('ConfigOnly:Success', 'DatabaseOnly:Success', 'DatabaseOnly:Failed')
        @($h | ForEach-Object Source | Select-Object -Unique) | Should -Be @('rebuild')
        $h[1].Sha256 | Should -Be $script:runs[1].Sha256
    }
}
