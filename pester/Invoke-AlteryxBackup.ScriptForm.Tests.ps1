#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The script form module/AlteryxBackup/Invoke-AlteryxBackup.ps1 (Task Scheduler): exit codes, forwarding,
    -MongoCredentialTarget.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Backup.Helpers.ps1')
}

Describe 'The script form Invoke-AlteryxBackup.ps1 and -MongoCredentialTarget' {
    BeforeAll {
        $script:ScriptForm = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup/Invoke-AlteryxBackup.ps1')).ProviderPath
        $script:StoredSecret = 'St0red-p@ss/word'
    }

    BeforeEach {
        $calls = [System.Collections.Generic.List[object]]::new()
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeResult -Mode 'DatabaseOnly'
        }
    }

    It 'declares -MongoCredentialTarget as a string, with a help line' {
        $cmd = Get-Command $script:ScriptForm
        $cmd.Parameters['MongoCredentialTarget'].ParameterType | Should -Be ([string])
        (Get-Help $script:ScriptForm -Parameter MongoCredentialTarget).Description.Text | Should -Match 'Windows Credential Manager'
    }

    It 'forwards -MongoCredentialTarget: the stored credential reaches the core like -MongoCredential (user in params, password in secrets)' {
        $secret = $script:StoredSecret
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { @{ ErrorCode = 0; UserName = 'svc-backup'; Password = (ConvertTo-SecureString $secret -AsPlainText -Force) } }
        $global:LASTEXITCODE = 99
        $out = & $script:ScriptForm -BackupMode DatabaseOnly -MongoHost mongo01 -MongoCredentialTarget 'AlteryxBackup/MongoDB'
        $LASTEXITCODE | Should -Be 0
        @($out)[-1].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 1 -Exactly -ParameterFilter { $Target -eq 'AlteryxBackup/MongoDB' }
        $calls.Count | Should -Be 1
        $calls[0].Request.params.MongoUsername | Should -Be 'svc-backup'
        $calls[0].Request.params.Contains('MongoCredentialTarget') | Should -BeFalse
        ConvertTo-PlainText $calls[0].Request.secrets.MongoPassword | Should -Be $secret
    }

    It 'exits 3 (not 1) when the target is not in Credential Manager; the core never runs' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { @{ ErrorCode = 1168; UserName = $null; Password = $null } }
        $global:LASTEXITCODE = 99
        $out = & $script:ScriptForm -BackupMode DatabaseOnly -MongoCredentialTarget 'Missing/Target' 2>&1
        $LASTEXITCODE | Should -Be 3
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.Exit3'
        $errors[0].Exception.Message | Should -Match "No generic credential 'Missing/Target'"
        $calls.Count | Should -Be 0
    }

    It 'exits 3 for -MongoCredentialTarget together with -MongoPassword, reading nothing' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { throw 'must not be read' }
        $global:LASTEXITCODE = 99
        $null = & $script:ScriptForm -MongoCredentialTarget 't' -MongoPassword (ConvertTo-SecureString 'x' -AsPlainText -Force) 2>&1
        $LASTEXITCODE | Should -Be 3
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 0 -Exactly
        $calls.Count | Should -Be 0
    }

    It 'still exits 1 for any other unexpected error' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { throw 'Node.js was not found: looked at ...' }
        $global:LASTEXITCODE = 99
        $out = & $script:ScriptForm -BackupMode ConfigOnly 2>&1
        $LASTEXITCODE | Should -Be 1
        (@($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]).FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.Exit1'
    }

    It 'exits 6 for an invalid mode before anything runs: no core, no credential read' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { throw 'must not be read' }
        $global:LASTEXITCODE = 99
        $out = & $script:ScriptForm -BackupMode Everything -MongoCredentialTarget 'AlteryxBackup/MongoDB' 2>&1
        $LASTEXITCODE | Should -Be 6
        (@($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]).FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.Exit6'
        $calls.Count | Should -Be 0
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 0 -Exactly
    }

    It 'exits with the code of a failed -WhatIf dry run (which writes no result object), and 0 after one that passed' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -ExitCode 4 -DryRun $true -Message 'LocalBackupPath is not writable' }
        $out = & $script:ScriptForm -BackupMode ConfigOnly -WhatIf 2>&1 6>$null
        $LASTEXITCODE | Should -Be 4
        (@($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]).Exception.Message | Should -Match 'not writable'
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -DryRun $true -Message 'Dry run: pre-flight passed; nothing was changed.' }
        $global:LASTEXITCODE = 99
        $null = & $script:ScriptForm -BackupMode ConfigOnly -WhatIf 6>$null
        $LASTEXITCODE | Should -Be 0
    }

    Context '-NetworkBackupPath a,b (issue 19 item 10: -File passes it as one string)' {
        It 'splits one string "a,b" into paths when every part is a rooted Windows path' -TestCases @(
            @{ Arg = '\\nas01\a,\\nas02\b'; Want = @('\\nas01\a', '\\nas02\b') }
            @{ Arg = 'D:\Copies, \\nas01\share\x ,e:/y'; Want = @('D:\Copies', '\\nas01\share\x', 'e:/y') }
        ) {
            $null = & $script:ScriptForm -BackupMode ConfigOnly -NetworkBackupPath $Arg
            $LASTEXITCODE | Should -Be 0
            $got = @($calls[0].Request.params.NetworkBackupPath)
            $got | Should -Be $Want
        }
        It 'keeps a value whole when a part is not a rooted path (a path that contains a comma): <Arg>' -TestCases @(
            @{ Arg = 'D:\Backups,old' }
            @{ Arg = '\\nas01\share\2026,Q1' }
            @{ Arg = '\\nas01\a,' }
            @{ Arg = '\\nas01\a,\\nas02' }
        ) {
            $null = & $script:ScriptForm -BackupMode ConfigOnly -NetworkBackupPath $Arg
            @($calls[0].Request.params.NetworkBackupPath) | Should -Be @($Arg)
        }
        It 'forwards an array (the cmdlet-style call) element by element' {
            $null = & $script:ScriptForm -BackupMode ConfigOnly -NetworkBackupPath '\\nas01\a', 'D:\Net,Copy'
            @($calls[0].Request.params.NetworkBackupPath) | Should -Be @('\\nas01\a', 'D:\Net,Copy')
            $calls.Clear()
            $null = Invoke-AlteryxBackup -BackupMode ConfigOnly -NetworkBackupPath '\\nas01\a', '\\nas02\b'
            @($calls[0].Request.params.NetworkBackupPath) | Should -Be @('\\nas01\a', '\\nas02\b')
        }
    }
}

Describe 'The script form against the real core' -Tag 'Integration' {
    BeforeAll {
        $bundle = Join-Path $PSScriptRoot '../module/AlteryxBackup/lib/alteryx-backup.mjs'
        if (-not (Test-Path -LiteralPath $bundle)) {
            throw "The Node core $bundle is missing: run npm run build (in the repository root) before the integration tests."
        }
        # The PowerShell running these tests (an apphost next to pwsh.dll; the process itself may be dotnet).
        $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
        if (-not $pwsh) { $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Path }
        $scriptForm = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup/Invoke-AlteryxBackup.ps1')).ProviderPath
        function Invoke-ScriptForm {
            # Runs the script form in a new process, as Task Scheduler would; text without ANSI colours
            # (an escape character would break the NUnit XML report).
            param([string[]] $Arguments)
            $out = & $pwsh -NoProfile -NonInteractive -File $scriptForm @Arguments 2>&1
            [pscustomobject]@{
                ExitCode = $LASTEXITCODE
                Text     = ((@($out) | ForEach-Object { "$_" }) -join "`n") -replace "`e\[[0-9;?]*[A-Za-z]", ''
            }
        }
        $logLine = '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(DEBUG|INFO|WARNING|ERROR|SUCCESS)\] '

        $sb = Join-Path $TestDrive 'sbx'
        $null = New-AlteryxSandbox -Path $sb
    }

    Context 'the script form' {
        It 'exits 6 for -BackupMode Bogus and runs nothing' {
            $sbScript = Join-Path $TestDrive 'sbx-script-bogus'
            $null = New-AlteryxSandbox -Path $sbScript
            $run = Invoke-ScriptForm -Arguments @('-BackupMode', 'Bogus', '-SandboxPath', $sbScript)
            $run.ExitCode | Should -Be 6 -Because $run.Text
            $run.Text | Should -Match 'Full, DatabaseOnly, ConfigOnly'
            @(Get-ChildItem -LiteralPath $sbScript -Recurse -File -Filter 'BackupLog_*.log') | Should -BeNullOrEmpty
        }

        It 'exits 0 for ConfigOnly on a sandbox' {
            $sbScript = Join-Path $TestDrive 'sbx-script'
            $null = New-AlteryxSandbox -Path $sbScript
            $run = Invoke-ScriptForm -Arguments @('-BackupMode', 'configonly', '-SandboxPath', $sbScript)
            $run.ExitCode | Should -Be 0 -Because $run.Text
            @(Get-ChildItem -LiteralPath $sbScript -Recurse -File -Filter 'ServerBackup_Config_*.zip').Count | Should -Be 1
        }

        It 'exits 3 for a value the cmdlet refuses (-MongoDBType bogus)' {
            $run = Invoke-ScriptForm -Arguments @('-MongoDBType', 'bogus', '-SandboxPath', $sb)
            $run.ExitCode | Should -Be 3 -Because $run.Text
            $run.Text | Should -Match 'MongoDBType'
        }

        It 'exits 3 when -MongoCredentialTarget cannot be resolved, in a new process as Task Scheduler runs it' {
            # No mock here: off Windows there is no Credential Manager, on Windows the random target is not stored.
            $sbScript = Join-Path $TestDrive 'sbx-script-cred'
            $null = New-AlteryxSandbox -Path $sbScript -MongoType selfManaged
            $target = 'AlteryxBackup/Pester/' + [guid]::NewGuid()
            $run = Invoke-ScriptForm -Arguments @('-BackupMode', 'DatabaseOnly', '-SandboxPath', $sbScript, '-MongoCredentialTarget', $target)
            $run.ExitCode | Should -Be 3 -Because $run.Text
            $run.Text | Should -Match ([regex]::Escape($target))
            $run.Text | Should -Match '(No generic credential|exists only on Windows)'
            @(Get-ChildItem -LiteralPath $sbScript -Recurse -File -Filter 'BackupLog_*.log') | Should -BeNullOrEmpty
        }

        It 'splits -NetworkBackupPath "a,b" given as one argument to pwsh -File: the archive is copied to both' {
            $sbScript = Join-Path $TestDrive 'sbx-script-net'
            $null = New-AlteryxSandbox -Path $sbScript
            $run = Invoke-ScriptForm -Arguments @('-BackupMode', 'ConfigOnly', '-SandboxPath', $sbScript, '-NetworkBackupPath', '\\nas01\ab-a,\\nas02\ab-b')
            $run.ExitCode | Should -Be 0 -Because $run.Text
            foreach ($share in @('UNC/nas01/ab-a', 'UNC/nas02/ab-b')) {
                @(Get-ChildItem -LiteralPath (Join-Path $sbScript $share) -File -Filter 'ServerBackup_Config_*.zip').Count | Should -Be 1 -Because $share
            }
        }

        It 'prints the help with -Help and exits 0' {
            $run = Invoke-ScriptForm -Arguments @('-Help')
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.Text | Should -Match 'Invoke-AlteryxBackup'
            $run.Text | Should -Match 'DatabaseOnly'
        }
    }
}
