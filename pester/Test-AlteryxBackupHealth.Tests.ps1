#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Test-AlteryxBackupHealth: parameters, typed verdict and its ExitCode (Nagios 0/1/2/3; $LASTEXITCODE left
    alone) against a mocked core; the Event Log entry of a good backup whose health checks fired; tagged Integration, real backups and
    the real core: OK, CRITICAL for a DatabaseOnly backup older than its interval, WARNING for a backup 80 %
    below the median, UNKNOWN for an empty history.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')

    function New-FakeHealth {
        param([string] $Status = 'OK', [int] $ExitCode = 0)
        $reasons = @()
        if ($Status -ne 'OK') { $reasons = @([pscustomobject]@{ check = 'missed-schedule'; severity = $Status; mode = 'DatabaseOnly'; message = 'The newest good DatabaseOnly backup is 30 h old' }) }
        [pscustomobject]@{
            type = 'result'; command = 'health'; exitCode = $ExitCode; success = ($ExitCode -eq 0); status = $Status
            message = "$Status - summary"; reasons = $reasons; runs = 12; freeBytes = 5GB
            destinationsFree = @([pscustomobject]@{ path = 'D:\Alteryx\Backups'; kind = 'local'; freeBytes = 5GB }, [pscustomobject]@{ path = '\\nas01\Backups'; kind = 'network'; freeBytes = $null })
            checkedAt = '2026-11-28T12:00:00.000Z'
            modes = @([pscustomobject]@{ mode = 'DatabaseOnly'; runs = 12; lastGoodAgeHours = 30; expectedIntervalHours = 26 })
        }
    }
}

Describe 'Test-AlteryxBackupHealth parameters' {
    BeforeAll { $command = Get-Command Test-AlteryxBackupHealth }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'only reads: no -WhatIf; declares AlteryxBackup.HealthResult' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeFalse
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.HealthResult'
    }
}

Describe 'Test-AlteryxBackupHealth with a mocked core' {
    It '<Status> is exit code <ExitCode> in the typed result, no error record, $LASTEXITCODE left alone' -ForEach @(
        @{ Status = 'OK'; ExitCode = 0 }
        @{ Status = 'WARNING'; ExitCode = 1 }
        @{ Status = 'CRITICAL'; ExitCode = 2 }
    ) {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeHealth -Status $Status -ExitCode $ExitCode }
        $global:LASTEXITCODE = 42
        $all = @(Test-AlteryxBackupHealth 2>&1)
        $all.Count | Should -Be 1
        $r = $all[0]
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.HealthResult'
        $r.Status | Should -Be $Status
        $r.ExitCode | Should -Be $ExitCode
        $r.ExitCode | Should -BeOfType [int]
        $r.CheckedAt | Should -BeOfType [datetime]
        $r.FreeBytes | Should -Be 5GB
        $r.DestinationsFree.Count | Should -Be 2
        $r.DestinationsFree[1].Path | Should -Be '\\nas01\Backups'
        $r.DestinationsFree[1].Kind | Should -Be 'network'
        $r.DestinationsFree[1].FreeBytes | Should -BeNullOrEmpty
        $r.DestinationsFree[0].FreeBytes | Should -Be 5GB
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        if ($Status -ne 'OK') {
            $r.Reasons[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.HealthReason'
            $r.Reasons[0].Check | Should -Be 'missed-schedule'
            ($r | Format-Table | Out-String -Width 200) | Should -Match "$($Status): The newest good DatabaseOnly backup is 30 h old"
        }
        else { ($r | Format-Table | Out-String -Width 200) | Should -Match 'every check passed' }
    }

    It 'UNKNOWN is exit 3 and also an error record; $LASTEXITCODE left alone' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { [pscustomobject]@{ type = 'result'; exitCode = 3; status = 'UNKNOWN'; message = 'UNKNOWN - the health check could not run: bad config'; reasons = @() } }
        $global:LASTEXITCODE = 42
        $all = @(Test-AlteryxBackupHealth 2>&1)
        $all[0].Status | Should -Be 'UNKNOWN'
        $all[0].ExitCode | Should -Be 3
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.HealthUnknown,Test-AlteryxBackupHealth'
        $all[1].Exception.Message | Should -Match 'bad config'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'sends the configuration file resolved, the log folder (a server path) as given' {
        $script:req = $null
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $script:req = $Request; New-FakeHealth }
        $null = Test-AlteryxBackupHealth -ConfigPath 'TestDrive:\c.json' -LogDirectory 'D:\Alteryx\BackupLogs'
        $script:req.command | Should -Be 'health'
        $script:req.params.ConfigPath | Should -Be (Join-Path $TestDrive 'c.json')
        $script:req.params.LogDirectory | Should -Be 'D:\Alteryx\BackupLogs'
    }
}

Describe 'The end-of-backup health check in the Event Log entry' {
    BeforeEach {
        $script:written = $null
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'Available' -or $Operation -eq 'SourceExists' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $script:written = @{ Type = $EntryType; Message = $Message }; $true } -ParameterFilter { $Operation -eq 'WriteEntry' }
    }

    It 'a good backup whose checks fired is a Warning entry listing them; without them it stays Information' {
        $result = [pscustomobject]@{
            PSTypeName = 'AlteryxBackup.Result'; Mode = 'Full'; Success = $true; ExitCode = 0; Message = 'Full backup completed'
            ArchivePath = 'D:\b\a.zip'; LogPath = 'D:\l\a.log'; Destinations = @(); DryRun = $false
            Warnings = @('Health CRITICAL: The newest good DatabaseOnly backup is 30 h old', 'something else')
        }
        InModuleScope AlteryxBackup -Parameters @{ R = $result } { Write-AlteryxBackupEventLog -Result $R }
        $script:written.Type | Should -Be 'Warning'
        $lines = $script:written.Message -split "`r`n"
        $lines[0] | Should -Be 'AlteryxBackup: Full backup succeeded, but the health check reports problems (exit code 0, success).'
        $lines | Should -Contain 'Health CRITICAL: The newest good DatabaseOnly backup is 30 h old'
        $result.Warnings = @('something else')
        InModuleScope AlteryxBackup -Parameters @{ R = $result } { Write-AlteryxBackupEventLog -Result $R }
        $script:written.Type | Should -Be 'Information'
    }
}

Describe 'Test-AlteryxBackupHealth against the real core' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $S = New-TestSandbox -Path (Join-Path $TestDrive 'S') -SizeMB 1
        $script:catalog = Join-Path $S 'D/Alteryx/BackupLogs/AlteryxBackupHistory.jsonl'
    }

    It 'UNKNOWN (exit 3) while the history is empty' {
        $global:LASTEXITCODE = 42
        $r = Test-AlteryxBackupHealth -SandboxPath $S -ConfigPath $config -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'UNKNOWN'
        $r.ExitCode | Should -Be 3
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'OK (exit 0) after a good backup; CRITICAL (exit 2) once the DatabaseOnly backup is older than its interval' {
        $b = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $S -ConfigPath $config 3>$null
        $b.ExitCode | Should -Be 0
        $global:LASTEXITCODE = 42
        $r = Test-AlteryxBackupHealth -SandboxPath $S -ConfigPath $config
        $r.Status | Should -Be 'OK' -Because $r.Summary
        $r.ExitCode | Should -Be 0
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        # An interval of 0.0005 h (1.8 s): wait until the backup is older than that.
        $strict = Join-Path $TestDrive 'strict.json'
        $c = Get-Content -Raw -LiteralPath $config | ConvertFrom-Json
        $c | Add-Member -NotePropertyName HealthConfiguration -NotePropertyValue ([pscustomobject]@{ ExpectedIntervalHours = [pscustomobject]@{ DatabaseOnly = 0.0005 } })
        Set-Content -LiteralPath $strict -Value (ConvertTo-Json -InputObject $c -Depth 6)
        $started = (Get-AlteryxBackupHistory -SandboxPath $S -ConfigPath $config -Last 1).StartTime
        while (((Get-Date) - $started).TotalSeconds -le 1.8) { Start-Sleep -Milliseconds 100 }
        $global:LASTEXITCODE = 42
        $r = Test-AlteryxBackupHealth -SandboxPath $S -ConfigPath $strict
        $r.Status | Should -Be 'CRITICAL'
        $r.ExitCode | Should -Be 2
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r.Reasons[0].Check | Should -Be 'missed-schedule'
        $r.Reasons[0].Mode | Should -Be 'DatabaseOnly'
        $r.Summary | Should -Match 'newest good DatabaseOnly backup is [\d.]+ h old'
        # The monitoring form of the help and docs/history.md, in a PowerShell of its own: it exits with the verdict.
        $manifest = (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1').Replace("'", "''")
        $check = "Import-Module '$manifest'; exit (Test-AlteryxBackupHealth -SandboxPath '$($S.Replace("'", "''"))' -ConfigPath '$($strict.Replace("'", "''"))').ExitCode"
        $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
        $null = & $pwsh -NoProfile -NonInteractive -Command $check
        $LASTEXITCODE | Should -Be 2 -Because 'exit (Test-AlteryxBackupHealth).ExitCode ends a monitoring check with CRITICAL'
    }

    It 'WARNING (exit 1) when the newest backup is 80 % smaller than the median of the ones before' {
        # Ten older nights, each five times the size of the real backup (records in the catalog's format).
        $real = (Get-Content -LiteralPath $script:catalog | Select-Object -Last 1) | ConvertFrom-Json
        $lines = foreach ($i in 1..10) {
            $copy = $real | ConvertTo-Json -Depth 6 | ConvertFrom-Json
            $copy.id = "backup-night-$i"
            $copy.startedAt = ([datetime]::Parse($real.startedAt).ToUniversalTime().AddDays(-$i)).ToString('yyyy-MM-ddTHH:mm:ss.fffZ')
            $copy.sizeBytes = [long]$real.sizeBytes * 5
            ConvertTo-Json -InputObject $copy -Depth 6 -Compress
        }
        $text = ($lines -join "`n") + "`n" + [System.IO.File]::ReadAllText($script:catalog)
        [System.IO.File]::WriteAllText($script:catalog, $text)
        $global:LASTEXITCODE = 42
        $r = Test-AlteryxBackupHealth -SandboxPath $S -ConfigPath $config
        $r.Status | Should -Be 'WARNING' -Because $r.Summary
        $r.ExitCode | Should -Be 1
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r.Reasons.Check | Should -Be 'size-band'
        $r.Reasons[0].Message | Should -Match '80 % smaller than the median'
    }
}
