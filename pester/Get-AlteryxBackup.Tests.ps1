#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-AlteryxBackup: parameters, the request (destination as a param, credentials as secrets only) and the
    typed output against a mocked core; tagged Integration, the real core listing a real s3rver bucket.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force

    function New-FakeListResult {
        param([int] $ExitCode = 0)
        [pscustomobject]@{
            type        = 'result'
            command     = 'list'
            exitCode    = $ExitCode
            success     = ($ExitCode -eq 0)
            message     = $(if ($ExitCode -eq 0) { 'aws (s3://b1/prod): 1 backup(s)' } else { 'aws (s3://b1/prod): credentials refused (HTTP 403 InvalidAccessKeyId)' })
            destination = 'aws'
            backups     = @(if ($ExitCode -eq 0) {
                    [pscustomobject]@{ name = 'ServerBackup_Full_20260105_020000.zip'; url = 's3://b1/prod/ServerBackup_Full_20260105_020000.zip'; mode = 'Full'; timestamp = '2026-01-05T02:00:00.000Z'; sizeBytes = 2048; lastModified = '2026-01-05T02:01:00.000Z'; hasChecksum = $true; sha256 = ('a' * 64); lockedUntil = '2027-01-05T02:00:00.000Z' }
                })
        }
    }
}

Describe 'Get-AlteryxBackup parameters' {
    BeforeAll { $command = Get-Command Get-AlteryxBackup }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Destination'; Type = [string] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'Credential'; Type = [pscredential] }
        @{ Name = 'ConnectionString'; Type = [securestring] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'takes -Destination first and mandatory' {
        $attr = $command.Parameters['Destination'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attr.Mandatory | Should -BeTrue
        $attr.Position | Should -Be 0
    }

    It 'only reads: no -WhatIf; declares AlteryxBackup.StoredBackup' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeFalse
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.StoredBackup'
    }
}

Describe 'Get-AlteryxBackup with a mocked core' {
    BeforeAll {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeListResult
        }
    }
    BeforeEach { $script:calls.Clear() }

    It 'runs the core list command with the destination, and the key among the secrets only' {
        $cred = New-Object System.Management.Automation.PSCredential ('AKIAEXAMPLE', (ConvertTo-SecureString 'wJalrXUtnFEMI' -AsPlainText -Force))
        $null = Get-AlteryxBackup -Destination aws -Credential $cred -ConfigPath 'TestDrive:\c.json'
        $script:calls[0].Command | Should -Be 'list'
        $req = $script:calls[0].Request
        $req.params.Destination | Should -Be 'aws'
        $req.params.ConfigPath | Should -Be (Join-Path $TestDrive 'c.json')
        $req.secrets['aws.AccessKeyId'] | Should -Be 'AKIAEXAMPLE'
        $req.secrets['aws.SecretAccessKey'] | Should -BeOfType [securestring]
        (ConvertTo-Json $req.params -Compress) | Should -Not -Match 'wJalr'
    }

    It 'sends an Azure connection string or a SAS token under the name the core expects' {
        $null = Get-AlteryxBackup -Destination az -ConnectionString (ConvertTo-SecureString 'AccountName=a;AccountKey=Zm9v' -AsPlainText -Force)
        @($script:calls[0].Request.secrets.Keys) | Should -Be @('az.ConnectionString')
        $null = Get-AlteryxBackup -Destination az -ConnectionString (ConvertTo-SecureString 'sv=2024&sig=abc' -AsPlainText -Force)
        @($script:calls[1].Request.secrets.Keys) | Should -Be @('az.SasToken')
    }

    It 'returns typed objects with dates and sizes, shown by the table view; no error, $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        $r = @(Get-AlteryxBackup -Destination aws -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        $r.Count | Should -Be 1
        $r[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.StoredBackup'
        $r[0].Timestamp | Should -BeOfType [datetime]
        $r[0].LockedUntil.ToUniversalTime().Year | Should -Be 2027
        $r[0].SizeBytes | Should -Be 2048
        $r[0].HasChecksum | Should -BeTrue
        ($r | Format-Table | Out-String -Width 200) | Should -Match 'LockedUntil'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'on a refused listing writes AlteryxBackup.Exit4 and leaves $LASTEXITCODE alone' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeListResult -ExitCode 4 }
        $global:LASTEXITCODE = 42
        $all = @(Get-AlteryxBackup -Destination aws 2>&1)
        $all.Count | Should -Be 1
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit4,Get-AlteryxBackup'
        $all[0].Exception.Message | Should -Match 'credentials refused'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }
}

Describe 'The URLs Get-AlteryxBackup returns are accepted as -Path' {
    BeforeAll {
        $script:seen = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:seen.Add($Request.params.Path)
            [pscustomobject]@{ type = 'result'; exitCode = 0; success = $true; message = 'ok'; checks = @(); counts = @(); badEntries = @() }
        }
    }
    BeforeEach { $script:seen.Clear() }

    It '<Cmdlet> passes <Url> to the core unchanged (not resolved as a file system path)' -ForEach @(
        @{ Cmdlet = 'Test-AlteryxBackup'; Url = 's3://alteryx-backups/prod/ServerBackup_Full_20260105_020000.zip' }
        @{ Cmdlet = 'Invoke-AlteryxRestoreDrill'; Url = 'azblob://acct/backups/prod/ServerBackup_DB_20260104_020000.zip' }
    ) {
        $null = & $Cmdlet -Path $Url -ErrorAction SilentlyContinue 3>$null
        $script:seen[0] | Should -Be $Url
    }
}

Describe 'Get-AlteryxBackup against the real core and a real s3rver' -Tag 'Integration' {
    BeforeAll {
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = (Get-Command node).Source
        $psi.Arguments = '"{0}"' -f (Join-Path $PSScriptRoot 'fixtures/Start-S3rver.mjs')
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $script:server = [System.Diagnostics.Process]::Start($psi)
        $line = $script:server.StandardOutput.ReadLine()
        $port = (ConvertFrom-Json $line).port
        $script:config = Join-Path $TestDrive 'config.json'
        $cfg = @{ BackupConfiguration = @{ CloudDestinations = @(@{ Name = 'aws'; Url = 's3://alteryx-backups/prod'; Endpoint = "http://127.0.0.1:$port"; ForcePathStyle = $true; MaxAttempts = 1 }) } }
        Set-Content -LiteralPath $script:config -Value (ConvertTo-Json $cfg -Depth 6) -Encoding UTF8
        $script:good = New-Object System.Management.Automation.PSCredential ('S3RVER', (ConvertTo-SecureString 'S3RVER' -AsPlainText -Force))
    }
    AfterAll {
        if ($script:server) {
            $script:server.StandardInput.Close()
            if (-not $script:server.WaitForExit(20000)) { $script:server.Kill() }
        }
    }

    It 'lists this tool''s archives, newest first, with size, .sha256 presence and the recorded lock date' {
        $global:LASTEXITCODE = 42
        $r = @(Get-AlteryxBackup -Destination aws -ConfigPath $script:config -Credential $script:good -ErrorVariable e)
        $e | Should -BeNullOrEmpty
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        @($r.Name) | Should -Be @('ServerBackup_Full_20260105_020000.zip', 'ServerBackup_DB_20260104_020000.zip')
        @($r.Mode) | Should -Be @('Full', 'DatabaseOnly')
        @($r.SizeBytes) | Should -Be @(2048, 1024)
        @($r.HasChecksum) | Should -Be @($true, $false)
        $r[0].Url | Should -Be 's3://alteryx-backups/prod/ServerBackup_Full_20260105_020000.zip'
        $r[0].Sha256 | Should -Be ('a' * 64)
    }

    It 'a refused key: exit 4 naming the destination, and the secret is not in the error' {
        $bad = New-Object System.Management.Automation.PSCredential ('AKIANOTAKEY', (ConvertTo-SecureString 'Very-Wrong-Secret-77' -AsPlainText -Force))
        $global:LASTEXITCODE = 42
        $all = @(Get-AlteryxBackup -Destination aws -ConfigPath $script:config -Credential $bad 2>&1)
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $err = $all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
        $err.FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit4,Get-AlteryxBackup'
        $err.Exception.Message | Should -Match '^aws \(s3://alteryx-backups/prod\): credentials refused'
        $err.Exception.Message | Should -Not -Match 'Very-Wrong-Secret-77'
    }

    It 'an unknown destination: exit 3 listing the configured names' {
        $global:LASTEXITCODE = 42
        $all = @(Get-AlteryxBackup -Destination nope -ConfigPath $script:config 2>&1)
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $err = $all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
        $err.FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Get-AlteryxBackup'
        $err.Exception.Message | Should -Match 'No cloud destination is named nope.*Configured: aws'
    }
}
