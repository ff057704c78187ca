#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Export-AlteryxBackupReport: parameters, -WhatIf, the request and the typed result against a mocked core;
    tagged Integration, a real backup and the real core writing the dashboard and a monthly HTML + CSV.
    (How the page renders is tested in headless Chromium: test/report.chromium.test.ts.)
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')
}

Describe 'Export-AlteryxBackupReport parameters' {
    BeforeAll { $command = Get-Command Export-AlteryxBackupReport }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Path'; Type = [string] }
        @{ Name = 'Month'; Type = [string] }
        @{ Name = 'CsvPath'; Type = [string] }
        @{ Name = 'Email'; Type = [switch] }
        @{ Name = 'SmtpCredential'; Type = [pscredential] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'takes -Path first and mandatory; -Month only as YYYY-MM' {
        $attr = $command.Parameters['Path'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attr.Mandatory | Should -BeTrue
        $attr.Position | Should -Be 0
        { Export-AlteryxBackupReport -Path 'TestDrive:\r.html' -Month '2026-13' -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Export-AlteryxBackupReport'
        { Export-AlteryxBackupReport -Path 'TestDrive:\r.html' -Month 'November' -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Export-AlteryxBackupReport'
    }

    It 'writes a file: supports -WhatIf; declares AlteryxBackup.ReportResult' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.ReportResult'
    }
}

Describe 'Export-AlteryxBackupReport with a mocked core' {
    BeforeAll {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add($Request)
            [pscustomobject]@{ type = 'result'; command = 'report'; exitCode = 0; success = $true; message = 'Report written'; path = $Request.params.Path; csvPath = $null; status = 'WARNING'; runs = 7 }
        }
    }
    BeforeEach { $script:calls.Clear() }

    It '-WhatIf asks the core for nothing' {
        Export-AlteryxBackupReport -Path 'TestDrive:\r.html' -WhatIf
        $script:calls.Count | Should -Be 0
    }

    It 'sends the resolved paths and the month; returns a typed result with ExitCode 0; $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        $r = Export-AlteryxBackupReport -Path 'TestDrive:\r.html' -Month '2026-11' -CsvPath 'TestDrive:\t.csv'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r.ExitCode | Should -Be 0
        $r.ExitCode | Should -BeOfType [int]
        $script:calls[0].command | Should -Be 'report'
        $script:calls[0].params.Path | Should -Be (Join-Path $TestDrive 'r.html')
        $script:calls[0].params.Month | Should -Be '2026-11'
        $script:calls[0].params.CsvPath | Should -Be (Join-Path $TestDrive 't.csv')
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.ReportResult'
        $r.Status | Should -Be 'WARNING'
        $r.Runs | Should -Be 7
        ($r | Format-Table | Out-String -Width 200) | Should -Match 'WARNING\s+7\s'
    }

    It '-Email sends Email, the SMTP user as a param and the password among the secrets only' {
        $cred = New-Object System.Management.Automation.PSCredential ('reports', (ConvertTo-SecureString 'p4ss' -AsPlainText -Force))
        $null = Export-AlteryxBackupReport -Path 'TestDrive:\r.html' -Email -SmtpCredential $cred
        $script:calls[0].params.Email | Should -BeTrue
        $script:calls[0].params.SmtpUsername | Should -Be 'reports'
        $script:calls[0].params.Contains('SmtpCredential') | Should -BeFalse
        $script:calls[0].secrets.SmtpPassword | Should -BeOfType [securestring]
    }

    It 'a core error becomes AlteryxBackup.Exit<N>; $LASTEXITCODE left alone' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { [pscustomobject]@{ type = 'result'; exitCode = 3; success = $false; message = 'report needs the file to write' } }
        $global:LASTEXITCODE = 42
        $all = @(Export-AlteryxBackupReport -Path 'TestDrive:\r.html' 2>&1)
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Export-AlteryxBackupReport'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }
}

Describe 'Export-AlteryxBackupReport against the real core' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $S = New-TestSandbox -Path (Join-Path $TestDrive 'S') -SizeMB 1
        $b = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $S -ConfigPath $config 3>$null
        if ($b.ExitCode -ne 0) { throw "backup failed: $($b.Message)" }
        $script:archive = Split-Path -Leaf $b.ArchivePath
    }

    It 'writes one self-contained HTML dashboard naming the run and the verdict' {
        $out = Join-Path $TestDrive 'dash.html'
        $r = Export-AlteryxBackupReport -Path $out -SandboxPath $S -ConfigPath $config
        $r.ExitCode | Should -Be 0
        $r.Path | Should -Be $out
        $r.Status | Should -Be 'OK'
        $html = Get-Content -Raw -LiteralPath $out
        $html | Should -Match '^<!DOCTYPE html>'
        $html | Should -Match 'data-status="OK"'
        $html | Should -Match ([regex]::Escape('data-chart="size-ConfigOnly"'))
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '(src|href)="https?://'
    }

    It 'writes the monthly report as HTML and CSV' {
        $month = (Get-Date).ToString('yyyy-MM')
        $out = Join-Path $TestDrive "report-$month.html"
        $r = Export-AlteryxBackupReport -Path $out -Month $month -SandboxPath $S -ConfigPath $config
        $r.CsvPath | Should -Be (Join-Path $TestDrive "report-$month.csv")
        Get-Content -Raw -LiteralPath $out | Should -Match "Monthly report $month"
        $rows = @(Import-Csv -LiteralPath $r.CsvPath)
        ($rows | Where-Object mode -EQ 'ConfigOnly').successful | Should -Be '1'
        ($rows | Where-Object mode -EQ 'All').runs | Should -Be '1'
    }
}
