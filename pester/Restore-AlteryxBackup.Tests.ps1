#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Restore-AlteryxBackup: parameter set, ShouldProcess (ConfirmImpact High, -WhatIf), the bridge request,
    the typed result and errors against a mocked core; tagged Integration, for each backup mode a backup of
    sandbox A restored into a fresh sandbox B through the cmdlet, a failed restore rolled back, and a restore
    whose core is killed mid-way rolled back by the watchdog's recover.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')

    function New-FakeRestoreResult {
        param([int] $ExitCode = 0, [string] $Message = 'Full restore of x completed.', [bool] $DryRun = $false, [object[]] $Plan)
        [pscustomobject]@{
            type                   = 'result'
            command                = 'restore'
            exitCode               = $ExitCode
            success                = ($ExitCode -eq 0)
            message                = $Message
            archivePath            = '/b/ServerBackup_Full_20250101_020000.zip'
            mode                   = 'Full'
            restoreMode            = 'Full'
            dryRun                 = $DryRun
            durationMs             = 2500
            logPath                = '/logs/BackupLog_Restore_20250101_030000.log'
            warnings               = @('w1')
            checks                 = @(
                [pscustomobject]@{ name = 'manifest hashes'; ok = $true; detail = '34 entries match' }
                [pscustomobject]@{ name = 'restore log'; ok = ($ExitCode -eq 0); detail = 'success, 2613 document(s) restored, 0 failed' }
            )
            badEntries             = @()
            restoreLog             = [pscustomobject]@{ ok = ($ExitCode -eq 0); restored = 2613; failed = 0; summary = 'success' }
            counts                 = @([pscustomobject]@{ database = 'AlteryxGallery'; collection = 'apps'; expected = 215; restored = 215; actual = $null; ok = $true })
            restoredFiles          = @([pscustomobject]@{ path = 'Config/RuntimeSettings.xml'; node = 'ALTERYX01'; target = 'C:\ProgramData\Alteryx\RuntimeSettings.xml'; ok = $true })
            preRestorePath         = '/t/PreRestore_20250101_030000'
            preRestoreDatabasePath = '/t/MongoDB.PreRestore_20250101_030000'
            rolledBack             = ($ExitCode -ne 0)
            rollback               = @()
            services               = @([pscustomobject]@{ node = 'ALTERYX01'; role = 'controller'; state = 'Running' })
            plan                   = $Plan
            errors                 = @()
        }
    }
}

Describe 'Restore-AlteryxBackup parameters' {
    BeforeAll {
        $command = Get-Command Restore-AlteryxBackup
    }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Path'; Type = [string] }
        @{ Name = 'RestoreMode'; Type = [string] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'TempDirectory'; Type = [string] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'MaxServiceWaitSeconds'; Type = [int] }
        @{ Name = 'MaxWorkflowWaitSeconds'; Type = [int] }
        @{ Name = 'ForceStopWorkflows'; Type = [switch] }
        @{ Name = 'SkipChecksumFile'; Type = [switch] }
        @{ Name = 'ArchivePassword'; Type = [securestring] }
        @{ Name = 'StopServiceForExternalDB'; Type = [switch] }
        @{ Name = 'MongoCredential'; Type = [pscredential] }
        @{ Name = 'MongoPassword'; Type = [securestring] }
        @{ Name = 'MongoCredentialTarget'; Type = [string] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
        @{ Name = 'Force'; Type = [switch] }
        @{ Name = 'Latest'; Type = [switch] }
        @{ Name = 'Mode'; Type = [string] }
        @{ Name = 'Destination'; Type = [string] }
    ) {
        $command.Parameters.ContainsKey($Name) | Should -BeTrue
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'has no parameter beyond the documented ones and the common ones' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        @($command.Parameters.Keys | Where-Object { $common -notcontains $_ }).Count | Should -Be 20
    }

    It 'takes -Path as the mandatory first parameter, also from ArchivePath / FullName on the pipeline' {
        $p = $command.Parameters['Path']
        # One attribute per -Path parameter set (with none or one MongoDB credential source), all alike.
        $attrs = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        @($attrs.ParameterSetName | Sort-Object) | Should -Be @('Default', 'MongoCredential', 'MongoCredentialTarget', 'MongoPassword')
        foreach ($attr in $attrs) {
            $attr.Mandatory | Should -BeTrue
            $attr.Position | Should -Be 0
            $attr.ValueFromPipelineByPropertyName | Should -BeTrue
        }
        $p.Aliases | Should -Be @('ArchivePath', 'FullName')
    }

    It 'restricts -RestoreMode to the three modes' {
        $set = $command.Parameters['RestoreMode'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $set.ValidValues | Should -Be @('Full', 'DatabaseOnly', 'ConfigOnly')
    }

    It 'supports -WhatIf and -Confirm with ConfirmImpact High (a restore overwrites production)' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        $binding.ConfirmImpact | Should -Be 'High'
    }

    It 'declares its output type AlteryxBackup.RestoreResult' {
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.RestoreResult'
    }
}

Describe 'Restore-AlteryxBackup -Latest -Mode -Destination' {
    BeforeAll {
        $script:latestCalls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:latestCalls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            $r = New-FakeRestoreResult
            $r | Add-Member -NotePropertyName archivePath -NotePropertyValue 's3://bucket/prod/ServerBackup_Full_20260105_020000.zip' -Force
            $r
        }
        $command = Get-Command Restore-AlteryxBackup
    }
    BeforeEach { $script:latestCalls.Clear() }

    It '-Path and -Latest exclude each other; each combines with one MongoDB credential source' {
        $command.DefaultParameterSet | Should -Be 'Default'
        foreach ($set in $command.ParameterSets) {
            $names = @($set.Parameters.Name)
            (($names -contains 'Path') -xor ($names -contains 'Latest')) | Should -BeTrue -Because $set.Name
            @($names | Where-Object { @('MongoCredential', 'MongoPassword', 'MongoCredentialTarget') -contains $_ }).Count | Should -BeLessOrEqual 1 -Because $set.Name
        }
        @($command.ParameterSets | Where-Object { $_.Parameters.Name -contains 'Latest' }).Count | Should -Be 4
        { Restore-AlteryxBackup -Path 'a.zip' -Latest -Mode Full -Destination aws -Confirm:$false } | Should -Throw -ErrorId 'AmbiguousParameterSet,Restore-AlteryxBackup'
        $script:latestCalls.Count | Should -Be 0
    }

    It 'forwards Latest, Mode and Destination (no Path) with -RestoreMode and a MongoDB credential; the result names the archive picked' {
        $cred = [pscredential]::new('svc', (ConvertTo-SecureString 'pw-latest' -AsPlainText -Force))
        $r = Restore-AlteryxBackup -Latest -Mode Full -Destination 'aws-offsite' -RestoreMode ConfigOnly -MongoCredential $cred -ConfigPath 'TestDrive:\cfg.json' -Confirm:$false
        $script:latestCalls.Count | Should -Be 1
        $script:latestCalls[0].Command | Should -Be 'restore'
        $p = $script:latestCalls[0].Request.params
        $p.Latest | Should -BeTrue
        $p.Mode | Should -Be 'Full'
        $p.Destination | Should -Be 'aws-offsite'
        $p.RestoreMode | Should -Be 'ConfigOnly'
        $p.MongoUsername | Should -Be 'svc'
        $p.ConfigPath | Should -Be (Join-Path $TestDrive 'cfg.json')
        $p.Contains('Path') | Should -BeFalse
        $r.Path | Should -Be 's3://bucket/prod/ServerBackup_Full_20260105_020000.zip'
    }

    It '-Latest -WhatIf asks the core for a dry run with the folder destination as given, and outputs no object' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:latestCalls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeRestoreResult -DryRun $true -Plan @([pscustomobject]@{ name = 'files'; description = 'Restore RuntimeSettings.xml'; changesState = $true })
        }
        $all = @(Restore-AlteryxBackup -Latest -Mode DatabaseOnly -Destination '\\nas01\AlteryxBackups' -WhatIf 6>&1)
        $script:latestCalls.Count | Should -Be 1
        $script:latestCalls[0].Request.dryRun | Should -BeTrue
        $script:latestCalls[0].Request.params.Latest | Should -BeTrue
        $script:latestCalls[0].Request.params.Destination | Should -Be '\\nas01\AlteryxBackups'
        @($all | Where-Object { $_.PSObject.TypeNames -contains 'AlteryxBackup.RestoreResult' }) | Should -BeNullOrEmpty
    }
}

Describe 'Restore-AlteryxBackup and a self-managed MongoDB credential' {
    BeforeEach {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeRestoreResult
        }
    }

    It 'splits -MongoCredential into params.MongoUsername and secrets.MongoPassword, and sends -StopServiceForExternalDB' {
        $cred = [pscredential]::new('svc-restore', (ConvertTo-SecureString 'r3st0re pw' -AsPlainText -Force))
        $null = Restore-AlteryxBackup -Path 'TestDrive:\b\ServerBackup_DB_20250101_020000.zip' -MongoCredential $cred -StopServiceForExternalDB -Confirm:$false
        $request = $script:calls[0].Request
        $request.params.MongoUsername | Should -Be 'svc-restore'
        $request.params.StopServiceForExternalDB | Should -BeTrue
        $request.params.Contains('MongoCredential') | Should -BeFalse
        [System.Net.NetworkCredential]::new('', $request.secrets.MongoPassword).Password | Should -Be 'r3st0re pw'
        $json = InModuleScope AlteryxBackup -Parameters @{ R = $request } { ConvertTo-AlteryxBackupRequestJson -Request $R }
        ($json | ConvertFrom-Json).params.PSObject.Properties.Name | Should -Not -Contain 'MongoPassword'
    }

    It 'reads -MongoCredentialTarget from Credential Manager and sends it like -MongoCredential' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { @{ ErrorCode = 0; UserName = 'svc-restore'; Password = (ConvertTo-SecureString 'st0red' -AsPlainText -Force) } }
        $null = Restore-AlteryxBackup -Path 'TestDrive:\b\a.zip' -MongoCredentialTarget 'AlteryxBackup/MongoDB' -Confirm:$false
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 1 -Exactly -ParameterFilter { $Target -eq 'AlteryxBackup/MongoDB' }
        $script:calls[0].Request.params.MongoUsername | Should -Be 'svc-restore'
        $script:calls[0].Request.params.Contains('MongoCredentialTarget') | Should -BeFalse
        [System.Net.NetworkCredential]::new('', $script:calls[0].Request.secrets.MongoPassword).Password | Should -Be 'st0red'
    }

    It 'stops with the credential error when the target is not stored, $LASTEXITCODE left alone; the core never runs' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { @{ ErrorCode = 1168; UserName = $null; Password = $null } }
        $global:LASTEXITCODE = 99
        { Restore-AlteryxBackup -Path 'TestDrive:\b\a.zip' -MongoCredentialTarget 'Missing/Target' -Confirm:$false } | Should -Throw -ErrorId 'AlteryxBackup.CredentialNotFound,Restore-AlteryxBackup'
        $global:LASTEXITCODE | Should -Be 99
        $script:calls.Count | Should -Be 0
    }

    It 'refuses two of -MongoCredential, -MongoPassword, -MongoCredentialTarget (parameter sets)' {
        { Restore-AlteryxBackup -Path 'a.zip' -MongoCredentialTarget 't' -MongoPassword (ConvertTo-SecureString 'x' -AsPlainText -Force) -Confirm:$false } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Restore-AlteryxBackup'
        { Restore-AlteryxBackup -Path 'a.zip' -MongoCredential ([pscredential]::new('u', (ConvertTo-SecureString 'x' -AsPlainText -Force))) -MongoPassword (ConvertTo-SecureString 'x' -AsPlainText -Force) -Confirm:$false } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Restore-AlteryxBackup'
        $script:calls.Count | Should -Be 0
    }
}

Describe 'Restore-AlteryxBackup with a mocked core' {
    Context 'a confirmed restore' {
        BeforeAll {
            $script:calls = New-Object System.Collections.Generic.List[object]
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
                $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
                New-FakeRestoreResult
            }
            $secret = ConvertTo-SecureString 'zip-s3cret' -AsPlainText -Force
            $global:LASTEXITCODE = 99
            $result = Restore-AlteryxBackup -Path 'TestDrive:\b\ServerBackup_Full_20250101_020000.zip' -RestoreMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -ArchivePassword $secret -MaxServiceWait 60 -Confirm:$false
        }

        It 'runs the core command restore once, not as a dry run' {
            $script:calls.Count | Should -Be 1
            $script:calls[0].Command | Should -Be 'restore'
            $script:calls[0].Request.dryRun | Should -BeFalse
        }

        It 'sends the resolved paths and the bound parameters, the password only among the secrets' {
            $params = $script:calls[0].Request.params
            $params.Path | Should -Be (Join-Path $TestDrive 'b/ServerBackup_Full_20250101_020000.zip')
            $params.SandboxPath | Should -Be (Join-Path $TestDrive 'sbx')
            $params.RestoreMode | Should -Be 'ConfigOnly'
            $params.MaxServiceWaitSeconds | Should -Be 60 -Because '-MaxServiceWait is the alias of -MaxServiceWaitSeconds'
            $params.Contains('ArchivePassword') | Should -BeFalse
            $script:calls[0].Request.secrets.ArchivePassword | Should -BeOfType [securestring]
        }

        It 'returns a typed AlteryxBackup.RestoreResult with typed checks and counts' {
            $result.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.RestoreResult'
            $result.Success | Should -BeTrue
            $result.ExitCode | Should -Be 0
            $result.Mode | Should -Be 'Full'
            $result.Duration.TotalSeconds | Should -Be 2.5
            $result.Checks.Count | Should -Be 2
            $result.Checks[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Check'
            $result.FailedChecks | Should -BeNullOrEmpty
            $result.Counts[0].Collection | Should -Be 'apps'
            $result.RestoreLog.restored | Should -Be 2613
            $result.PreRestorePath | Should -Be '/t/PreRestore_20250101_030000'
            $global:LASTEXITCODE | Should -Be 99 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        }
    }

    Context 'a failed restore (exit code 5)' {
        BeforeAll {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeRestoreResult -ExitCode 5 -Message 'The MongoDB restore failed: 0 documents restored.' }
        }

        It 'writes the result, then the error AlteryxBackup.Exit5, and leaves $LASTEXITCODE alone' {
            $global:LASTEXITCODE = 99
            $all = @(Restore-AlteryxBackup -Path 'x.zip' -Confirm:$false 2>&1)
            $all[0].ExitCode | Should -Be 5
            $all[0].RolledBack | Should -BeTrue
            @($all[0].FailedChecks).Count | Should -Be 1
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit5,Restore-AlteryxBackup'
            $all[1].CategoryInfo.Category | Should -Be 'ConnectionError'
            $all[1].Exception.Message | Should -Match 'MongoDB restore failed'
            $global:LASTEXITCODE | Should -Be 99
        }
    }

    Context '-WhatIf' {
        BeforeAll {
            $script:whatIfCalls = New-Object System.Collections.Generic.List[object]
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
                $script:whatIfCalls.Add($Request)
                New-FakeRestoreResult -DryRun $true -Plan @(
                    [pscustomobject]@{ name = 'verify'; description = 'Verify the archive'; changesState = $false }
                    [pscustomobject]@{ name = 'files'; description = 'Restore RuntimeSettings.xml'; changesState = $true }
                )
            }
        }

        It 'asks the core for a dry run, says the dry run passed, writes no What if: line of its own and outputs no object' {
            $all = @(Restore-AlteryxBackup -Path 'x.zip' -WhatIf 6>&1)
            $script:whatIfCalls.Count | Should -Be 1
            $script:whatIfCalls[0].dryRun | Should -BeTrue
            $text = @($all | ForEach-Object { "$_" })
            $text | Should -Contain 'AlteryxBackup: Full restore of x completed.'
            @($text | Where-Object { $_ -like 'What if:*' }) | Should -BeNullOrEmpty -Because 'ShouldProcess writes them to the host'
            @($all | Where-Object { $_.PSObject.TypeNames -contains 'AlteryxBackup.RestoreResult' }) | Should -BeNullOrEmpty
        }

        It 'passes each changing step of the plan through ShouldProcess (one "What if:" line each, in a new pwsh)' {
            $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
            $fake = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath
            $code = "Import-Module '$($script:ModuleManifest)'; & (Get-Module AlteryxBackup) { function script:Get-AlteryxBackupBundlePath { '$fake' } }; Restore-AlteryxBackup -Path 'x.zip' -WhatIf"
            $saved = $env:FAKE_CORE_SCENARIO
            $env:FAKE_CORE_SCENARIO = 'plan'
            try { $out = @(& $pwsh -NoProfile -NonInteractive -Command $code 2>&1 | ForEach-Object { "$_" }) }
            finally { $env:FAKE_CORE_SCENARIO = $saved }
            $whatIf = @($out | Where-Object { $_ -like 'What if:*' })
            $whatIf | Should -Be @(
                'What if: Performing the operation "Stop service" on target "AlteryxService on ALTERYX01".'
                'What if: Performing the operation "files" on target "Restore RuntimeSettings.xml".'
            ) -Because ($out -join "`n")
        }

        It 'reports a failed dry run (a bad archive) as an error' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeRestoreResult -ExitCode 3 -DryRun $true -Message 'The archive failed verification' }
            $err = $null
            Restore-AlteryxBackup -Path 'x.zip' -WhatIf -ErrorVariable err -ErrorAction SilentlyContinue 6>$null
            $err[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Restore-AlteryxBackup'
        }
    }

    Context 'confirmation' {
        It 'asks before restoring: without -Confirm:$false a host that cannot prompt stops it before the core runs' {
            $ps = [powershell]::Create()
            try {
                # The node path would fail if the core were reached; the prompt comes first.
                $null = $ps.AddScript({
                        param($manifest)
                        Import-Module $manifest
                        Restore-AlteryxBackup -Path 'x.zip' -NodePath '/no/such/node'
                    }).AddArgument($script:ModuleManifest)
                $caught = $null
                $out = $null
                try { $out = @($ps.Invoke()) } catch { $caught = $_.Exception }
                $errors = @($ps.Streams.Error | ForEach-Object { $_.Exception.Message })
                $text = (@($caught.Message) + $errors) -join ' '
                $text | Should -Match 'prompt|user interaction|interactive'
                $text | Should -Not -Match 'no/such/node'
                # Not a raw MethodInvocationException: a result with exit code 3 and what to do.
                $caught | Should -BeNullOrEmpty
                $out.Count | Should -Be 1
                $out[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.RestoreResult'
                $out[0].ExitCode | Should -Be 3
                $out[0].Success | Should -BeFalse
                $out[0].Message | Should -Match 'add -Confirm:\$false or -Force'
                @($ps.Streams.Error)[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Restore-AlteryxBackup'
            }
            finally { $ps.Dispose() }
        }

        It 'does the same in a new non-interactive pwsh, as a scheduled task runs it' {
            $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
            $code = "Import-Module '$($script:ModuleManifest)'; `$r = Restore-AlteryxBackup -Path 'x.zip' -NodePath '/no/such/node' -ErrorAction SilentlyContinue; 'EXIT=' + `$r.ExitCode; `$r.Message"
            $out = @(& $pwsh -NoProfile -NonInteractive -Command $code 2>&1 | ForEach-Object { "$_" })
            $text = $out -join "`n"
            $out | Should -Contain 'EXIT=3' -Because $text
            $text | Should -Match 'add -Confirm:\$false or -Force'
            $text | Should -Not -Match 'MethodInvocationException|no/such/node'
        }

        It '-Force restores without asking, in a host that cannot prompt' {
            $script:forceCalls = New-Object System.Collections.Generic.List[object]
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $script:forceCalls.Add($Request); New-FakeRestoreResult }
            $r = Restore-AlteryxBackup -Path 'x.zip' -Force
            $r.ExitCode | Should -Be 0
            $script:forceCalls.Count | Should -Be 1
            $script:forceCalls[0].dryRun | Should -BeFalse
            $script:forceCalls[0].params.Contains('Force') | Should -BeFalse
        }

        It 'without -Force or -Confirm:$false in this non-interactive host: exit code 3, the core never runs' {
            $script:noCalls = New-Object System.Collections.Generic.List[object]
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $script:noCalls.Add($Request); New-FakeRestoreResult }
            $all = @(Restore-AlteryxBackup -Path 'x.zip' 2>&1)
            $script:noCalls.Count | Should -Be 0
            $all[0].ExitCode | Should -Be 3
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Restore-AlteryxBackup'
        }
    }
}

Describe 'Restore-AlteryxBackup against the real core' -Tag 'Integration' {
    BeforeAll {
        $script:Config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $script:A = New-TestSandbox -Path (Join-Path $TestDrive 'A') -SizeMB 1.5
        $script:Archives = @{}
        foreach ($m in 'Full', 'DatabaseOnly', 'ConfigOnly') {
            $b = Invoke-AlteryxBackup -BackupMode $m -SandboxPath $script:A -ConfigPath $script:Config 3>$null
            if ($b.ExitCode -ne 0) { throw "backup $m of A failed: $($b.Message)" }
            $script:Archives[$m] = $b.ArchivePath
        }
        $script:SourceFiles = Get-TestConfigHash -Sandbox $script:A
        $script:SourceCounts = Get-TestDocumentCount -Sandbox $script:A
        $script:SourceToken = Get-TestToken -Sandbox $script:A
    }

    Context '<Mode>: a backup of A restores into a fresh sandbox B' -ForEach @(
        @{ Mode = 'Full'; Db = $true; Cfg = $true }
        @{ Mode = 'DatabaseOnly'; Db = $true; Cfg = $false }
        @{ Mode = 'ConfigOnly'; Db = $false; Cfg = $true }
    ) {
        BeforeAll {
            $B = New-TestSandbox -Path (Join-Path $TestDrive "B-$Mode") -SizeMB 1
            $beforeFiles = Get-TestConfigHash -Sandbox $B
            $beforeCounts = Get-TestDocumentCount -Sandbox $B
            $beforeToken = Get-TestToken -Sandbox $B
            $beforeDefaults = Get-TestDefaultsHash -Sandbox $B
            $result = Restore-AlteryxBackup -Path $script:Archives[$Mode] -SandboxPath $B -ConfigPath $script:Config -Confirm:$false 3>$null
        }

        It 'succeeds with every check passed' {
            $result.ExitCode | Should -Be 0 -Because $result.Message
            $result.Success | Should -BeTrue
            $result.Mode | Should -Be $Mode
            $result.FailedChecks | Should -BeNullOrEmpty
            $result.Checks.Count | Should -BeGreaterThan 10
        }

        It 'restores files that hash-equal the originals (or leaves them alone for DatabaseOnly)' {
            $after = Get-TestConfigHash -Sandbox $B
            if ($Cfg) {
                Compare-TestHashtable -Left $after -Right $script:SourceFiles | Should -BeNullOrEmpty
                $after.Count | Should -BeGreaterThan 5
                Get-TestToken -Sandbox $B | Should -Be $script:SourceToken
            }
            else {
                Compare-TestHashtable -Left $after -Right $beforeFiles | Should -BeNullOrEmpty
                Get-TestToken -Sandbox $B | Should -Be $beforeToken
            }
            Get-TestDefaultsHash -Sandbox $B | Should -Be $beforeDefaults -Because 'the defaults RuntimeSettings.xml is never written'
        }

        It 'restores document counts equal to the source''s (or leaves the database alone for ConfigOnly)' {
            $after = Get-TestDocumentCount -Sandbox $B
            if ($Db) {
                Compare-TestHashtable -Left $after -Right $script:SourceCounts | Should -BeNullOrEmpty
                Compare-TestHashtable -Left $beforeCounts -Right $script:SourceCounts | Should -Not -BeNullOrEmpty -Because 'B started with another database'
                @($result.Counts).Count | Should -Be 11
                @($result.Counts | Where-Object { -not $_.Ok }) | Should -BeNullOrEmpty
            }
            else {
                Compare-TestHashtable -Left $after -Right $beforeCounts | Should -BeNullOrEmpty
            }
        }

        It 'judges mongoRestore.log a success' {
            if ($Db) {
                $result.RestoreLog.ok | Should -BeTrue
                $result.RestoreLog.restored | Should -Be (($script:SourceCounts.Values | Measure-Object -Sum).Sum)
                $result.RestoreLog.failed | Should -Be 0
            }
            else { $result.RestoreLog | Should -BeNullOrEmpty }
        }

        It 'leaves the service in B Running' {
            (Get-TestServiceState -Sandbox $B)['ALTERYX01'] | Should -Be 'Running'
        }
    }

    Context 'a restore log with Failed: lines' {
        BeforeAll {
            $B = New-TestSandbox -Path (Join-Path $TestDrive 'B-fail') -SizeMB 1
            Set-TestKnob -Sandbox $B -Setting 'emongorestore.fail="text"'
            $beforeFiles = Get-TestConfigHash -Sandbox $B
            $beforeCounts = Get-TestDocumentCount -Sandbox $B
            $beforeToken = Get-TestToken -Sandbox $B
            $global:LASTEXITCODE = 99
            $all = @(Restore-AlteryxBackup -Path $script:Archives['Full'] -SandboxPath $B -ConfigPath $script:Config -Confirm:$false 2>&1 3>$null)
            $exitCodeAfter = $global:LASTEXITCODE
            $result = $all[0]
        }

        It 'fails with exit code 5 and the error AlteryxBackup.Exit5' {
            $result.ExitCode | Should -Be 5
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit5,Restore-AlteryxBackup'
            $result.RestoreLog.ok | Should -BeFalse
            @($result.RestoreLog.problemLines | Where-Object { $_ -match 'Failed:' }).Count | Should -BeGreaterThan 0
            $exitCodeAfter | Should -Be 99
        }

        It 'puts the pre-restore files, token and database back, and the service Running' {
            $result.RolledBack | Should -BeTrue
            Compare-TestHashtable -Left (Get-TestConfigHash -Sandbox $B) -Right $beforeFiles | Should -BeNullOrEmpty
            Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $B) -Right $beforeCounts | Should -BeNullOrEmpty
            Get-TestToken -Sandbox $B | Should -Be $beforeToken
            (Get-TestServiceState -Sandbox $B)['ALTERYX01'] | Should -Be 'Running'
        }
    }

    Context 'the core killed mid-restore: the watchdog rolls the restore back from the journal' {
        BeforeAll {
            $B = New-TestSandbox -Path (Join-Path $TestDrive 'B-killed') -SizeMB 1
            $script:KilledBefore = @{
                Files  = Get-TestConfigHash -Sandbox $B
                Counts = Get-TestDocumentCount -Sandbox $B
            }
            # Slow enough to be caught in the middle: files, Keys and token are the archive's by then, the database half-restored.
            Set-TestKnob -Sandbox $B -Setting 'emongorestore.seconds=8'
            $module = $script:ModuleManifest
            $job = Start-Job -ScriptBlock {
                param($Module, $Archive, $Sbx, $Config)
                Import-Module $Module
                $r = Restore-AlteryxBackup -Path $Archive -SandboxPath $Sbx -ConfigPath $Config -Confirm:$false -ErrorAction SilentlyContinue 3>$null
                [pscustomobject]@{
                    TypeName     = $r.PSObject.TypeNames[0]
                    ExitCode     = $r.ExitCode
                    LastExitCode = $global:LASTEXITCODE
                    Success      = $r.Success
                    Message      = $r.Message
                    Interrupted  = $r.Interrupted
                    RolledBack   = $r.RolledBack
                    Rollback     = @($r.Rollback)
                    Manual       = @($r.Recovery.restore.manual)
                    RecoverExit  = $r.Recovery.exitCode
                    Cleared      = $r.Recovery.journalCleared
                }
            } -ArgumentList $module, $script:Archives['Full'], $B, $script:Config
            $journal = Join-Path $B 'D/Temp/AlteryxBackup.journal.json'
            $events = Join-Path $B 'events.jsonl'
            $deadline = (Get-Date).AddSeconds(90)
            while ((Get-Date) -lt $deadline -and -not (Select-String -LiteralPath $events -Pattern '"command":"emongorestore","phase":"start"' -Quiet)) { Start-Sleep -Milliseconds 100 }
            $script:KilledAt = @{
                Files   = Get-TestConfigHash -Sandbox $B
                Journal = Get-Content -LiteralPath $journal -Raw | ConvertFrom-Json
                Service = (Get-TestServiceState -Sandbox $B)['ALTERYX01']
            }
            & kill -9 $script:KilledAt.Journal.pid
            $script:Killed = $job | Wait-Job -Timeout 120 | Receive-Job
            $job | Remove-Job -Force
            $script:KilledSandbox = $B
        }

        It 'killed the core after the files and during the database restore' {
            $script:KilledAt.Journal.pid | Should -BeGreaterThan 0
            @($script:KilledAt.Journal.restore.phases) | Should -Be @('files', 'server-secret', 'database')
            $script:KilledAt.Service | Should -Be 'Stopped'
            Compare-TestHashtable -Left $script:KilledBefore.Files -Right $script:SourceFiles | Should -Not -BeNullOrEmpty -Because 'B''s files differ from the archive''s'
            Compare-TestHashtable -Left $script:KilledAt.Files -Right $script:SourceFiles | Should -BeNullOrEmpty -Because 'the files were the archive''s at the kill'
        }

        It 'returns a RestoreResult with exit code 1 that says it was interrupted and rolled back' {
            $script:Killed.TypeName | Should -Be 'AlteryxBackup.RestoreResult'
            $script:Killed.ExitCode | Should -Be 1
            $script:Killed.LastExitCode | Should -BeNullOrEmpty -Because 'the cmdlet leaves $LASTEXITCODE alone (the result has the exit code)'
            $script:Killed.Success | Should -BeFalse
            $script:Killed.Interrupted | Should -BeTrue
            $script:Killed.Message | Should -Match "interrupted.*'recover' ran"
            $script:Killed.RolledBack | Should -BeTrue
            @($script:Killed.Rollback | Where-Object { $_ -match 'RuntimeSettings\.xml on ALTERYX01 put back' }).Count | Should -Be 1
            @($script:Killed.Rollback | Where-Object { $_ -match 'database folder .* put back' }).Count | Should -Be 1
            $script:Killed.Cleared | Should -BeTrue
        }

        It 'names the controller token step (setserversecret had run)' {
            $script:Killed.RecoverExit | Should -Be 1
            ($script:Killed.Manual -join ' ') | Should -Match ([regex]::Escape('AlteryxService.exe setserversecret=<token of the pre-restore backup>'))
        }

        It 'puts the files, Keys and database back and leaves the service Running, the journal gone' {
            $B = $script:KilledSandbox
            Compare-TestHashtable -Left (Get-TestConfigHash -Sandbox $B) -Right $script:KilledBefore.Files | Should -BeNullOrEmpty
            Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $B) -Right $script:KilledBefore.Counts | Should -BeNullOrEmpty
            (Get-TestServiceState -Sandbox $B)['ALTERYX01'] | Should -Be 'Running'
            Test-Path -LiteralPath (Join-Path $B 'D/Temp/AlteryxBackup.journal.json') | Should -BeFalse
            @(Get-ChildItem -LiteralPath (Join-Path $B 'D/Temp') -Directory -Filter 'AlteryxRestore_*').Count | Should -Be 0 -Because 'the extraction folder holds the token in clear'
        }
    }

    Context '-WhatIf against a real sandbox' {
        It 'changes nothing and prints the plan' {
            $B = New-TestSandbox -Path (Join-Path $TestDrive 'B-whatif') -SizeMB 0.5
            $beforeFiles = Get-TestConfigHash -Sandbox $B
            $beforeCounts = Get-TestDocumentCount -Sandbox $B
            $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
            $code = "Import-Module '$($script:ModuleManifest)'; Restore-AlteryxBackup -Path '$($script:Archives['Full'])' -SandboxPath '$B' -ConfigPath '$($script:Config)' -WhatIf 3>`$null"
            $out = @(& $pwsh -NoProfile -NonInteractive -Command $code 2>&1 | ForEach-Object { "$_" })
            # One ShouldProcess per changing step of the core's plan, with the plan's own target and action.
            ($out -join "`n") | Should -Match 'What if: Performing the operation "Stop service" on target "AlteryxService on ALTERYX01"'
            ($out -join "`n") | Should -Match 'What if: Performing the operation "Restore database" on target "the embedded MongoDB on ALTERYX01"'
            ($out -join "`n") | Should -Match 'What if: Performing the operation "Start service" on target "AlteryxService on ALTERYX01"'
            # The dry run says, in the host output and not only in the log, that the archive verified and pre-flight passed.
            $said = @($out | Where-Object { $_ -like 'AlteryxBackup: Dry run of a Full restore of *' })
            $said.Count | Should -Be 1 -Because ($out -join "`n")
            $said[0] | Should -Match ': the archive verified and pre-flight passed; nothing was changed\.$'
            $said[0] | Should -Match ([regex]::Escape((Split-Path -Leaf $script:Archives['Full'])))
            Compare-TestHashtable -Left (Get-TestConfigHash -Sandbox $B) -Right $beforeFiles | Should -BeNullOrEmpty
            Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $B) -Right $beforeCounts | Should -BeNullOrEmpty
        }
    }
}
