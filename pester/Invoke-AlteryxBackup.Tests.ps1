#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Invoke-AlteryxBackup: parameter set, request building (the bridge request, docs/bridge.md), stream
    mapping, the typed result, errors and exit codes; against a mocked core, a fake Node core
    (pester/fixtures/fake-core.mjs) and, tagged Integration, the real bundle on a sandbox.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    $script:FakeCore = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath

    function New-FakeResult {
        param([int] $ExitCode = 0, [string] $Mode = 'Full', [object[]] $Plan, [string] $Message = 'done', [bool] $DryRun = $false)
        [pscustomobject]@{
            type         = 'result'
            exitCode     = $ExitCode
            mode         = $Mode
            archivePath  = '/backups/ServerBackup_Full_20250101_020000.zip'
            sha256       = 'ab' * 32
            sizeBytes    = 2048
            durationMs   = 61500
            logPath      = '/logs/BackupLog_Full_20250101_020000.log'
            destinations = @('/nas/a')
            warnings     = @('w1', 'w2')
            message      = $Message
            dryRun       = $DryRun
            summary      = [pscustomobject]@{ files = 3 }
            plan         = $Plan
            errors       = @()
        }
    }

    function ConvertTo-PlainText([securestring] $Secure) {
        [System.Net.NetworkCredential]::new('', $Secure).Password
    }
}

Describe 'Invoke-AlteryxBackup parameters' {
    BeforeAll {
        $command = Get-Command Invoke-AlteryxBackup
    }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'BackupMode'; Type = [string] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'TempDirectory'; Type = [string] }
        @{ Name = 'LocalBackupPath'; Type = [string] }
        @{ Name = 'NetworkBackupPath'; Type = [string[]] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'MongoDBType'; Type = [string] }
        @{ Name = 'MaxServiceWait'; Type = [int] }
        @{ Name = 'MaxWorkflowWait'; Type = [int] }
        @{ Name = 'RetentionDays'; Type = [int] }
        @{ Name = 'StopServiceForExternalDB'; Type = [switch] }
        @{ Name = 'ForceStopWorkflows'; Type = [switch] }
        @{ Name = 'MongoConnectionString'; Type = [string] }
        @{ Name = 'MongoHost'; Type = [string] }
        @{ Name = 'MongoPort'; Type = [int] }
        @{ Name = 'MongoDatabase'; Type = [string] }
        @{ Name = 'MongoAuthDatabase'; Type = [string] }
        @{ Name = 'MongoCredential'; Type = [pscredential] }
        @{ Name = 'MongoPassword'; Type = [securestring] }
        @{ Name = 'CompressionLevel'; Type = [int] }
        @{ Name = 'ArchivePassword'; Type = [securestring] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters.ContainsKey($Name) | Should -BeTrue
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'has no mandatory parameter (Task Scheduler runs it bare)' {
        $mandatory = @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory } })
        $mandatory | Should -BeNullOrEmpty
    }

    It 'restricts <Name> to <Values>' -ForEach @(
        @{ Name = 'BackupMode'; Values = @('Full', 'DatabaseOnly', 'ConfigOnly') }
        @{ Name = 'MongoDBType'; Values = @('auto', 'embedded', 'selfManaged') }
    ) {
        $set = $command.Parameters[$Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $set.ValidValues | Should -Be $Values
    }

    It 'limits <Name> to <Min>..<Max>' -ForEach @(
        @{ Name = 'MaxServiceWait'; Min = 1; Max = 86400 }
        @{ Name = 'MaxWorkflowWait'; Min = 1; Max = 86400 }
        @{ Name = 'RetentionDays'; Min = 0; Max = 3650 }
        @{ Name = 'CompressionLevel'; Min = 0; Max = 9 }
    ) {
        $range = $command.Parameters[$Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        $range.MinRange | Should -Be $Min
        $range.MaxRange | Should -Be $Max
    }

    It 'defaults -BackupMode to Full' {
        $ast = $command.ScriptBlock.Ast
        $param = $ast.Body.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'BackupMode' }
        $param.DefaultValue.Value | Should -Be 'Full'
    }

    It 'supports -WhatIf and -Confirm with ConfirmImpact Medium' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        $binding.ConfirmImpact | Should -Be 'Medium'
    }

    It 'declares its output type AlteryxBackup.Result' {
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.Result'
    }

    It 'refuses -BackupMode Bogus at binding, before anything runs' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { throw 'must not run' }
        { Invoke-AlteryxBackup -BackupMode Bogus } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxBackup'
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupCore -Times 0 -Exactly
    }

    It 'refuses -CompressionLevel 10 and -MaxServiceWait 0 at binding' {
        { Invoke-AlteryxBackup -CompressionLevel 10 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxBackup'
        { Invoke-AlteryxBackup -MaxServiceWait 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxBackup'
    }
}

Describe 'Invoke-AlteryxBackup builds the bridge request' {
    BeforeEach {
        $calls = [System.Collections.Generic.List[object]]::new()
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $calls.Add([pscustomobject]@{ Command = $Command; Request = $Request; NodePath = $NodePath; Bound = @($PSBoundParameters.Keys) })
            New-FakeResult -Mode 'ConfigOnly'
        }
    }

    It 'sends the backup command with only the bound parameters' {
        $null = Invoke-AlteryxBackup -LocalBackupPath 'D:\Backups' -RetentionDays 5
        $calls.Count | Should -Be 1
        $calls[0].Command | Should -Be 'backup'
        $calls[0].Request.command | Should -Be 'backup'
        @($calls[0].Request.params.Keys) | Sort-Object | Should -Be @('LocalBackupPath', 'RetentionDays')
        $calls[0].Request.params.RetentionDays | Should -BeOfType [int]
        $calls[0].Request.dryRun | Should -BeFalse
    }

    It 'sends BackupMode only when it is bound, so that the configured DefaultBackupMode can apply' {
        $null = Invoke-AlteryxBackup
        $calls[0].Request.params.Contains('BackupMode') | Should -BeFalse
        $null = Invoke-AlteryxBackup -BackupMode DatabaseOnly
        $calls[1].Request.params.BackupMode | Should -Be 'DatabaseOnly'
    }

    It 'sends switches as plain booleans' {
        $null = Invoke-AlteryxBackup -StopServiceForExternalDB -ForceStopWorkflows:$false
        $calls[0].Request.params.StopServiceForExternalDB | Should -BeOfType [bool]
        $calls[0].Request.params.StopServiceForExternalDB | Should -BeTrue
        $calls[0].Request.params.ForceStopWorkflows | Should -BeOfType [bool]
        $calls[0].Request.params.ForceStopWorkflows | Should -BeFalse
        $json = InModuleScope AlteryxBackup -Parameters @{ R = $calls[0].Request } { ConvertTo-AlteryxBackupRequestJson -Request $R }
        $json | Should -Match '"StopServiceForExternalDB":true'
        $json | Should -Not -Match 'IsPresent'
    }

    It 'keeps -NetworkBackupPath an array, even of one path' {
        $null = Invoke-AlteryxBackup -NetworkBackupPath '\\nas\backups'
        $json = InModuleScope AlteryxBackup -Parameters @{ R = $calls[0].Request } { ConvertTo-AlteryxBackupRequestJson -Request $R }
        ($json | ConvertFrom-Json).params.NetworkBackupPath.GetType().IsArray | Should -BeTrue
        $json | Should -Match '"NetworkBackupPath":\["\\\\\\\\nas\\\\backups"\]'
    }

    It 'splits -MongoCredential into params.MongoUsername and secrets.MongoPassword' {
        $cred = [pscredential]::new('backupuser', (ConvertTo-SecureString 'p@ss w0rd' -AsPlainText -Force))
        $null = Invoke-AlteryxBackup -MongoCredential $cred -MongoHost mongo01
        $request = $calls[0].Request
        $request.params.MongoUsername | Should -Be 'backupuser'
        $request.params.Contains('MongoCredential') | Should -BeFalse
        $request.params.Contains('MongoPassword') | Should -BeFalse
        $request.secrets.MongoPassword | Should -BeOfType [securestring]
        ConvertTo-PlainText $request.secrets.MongoPassword | Should -Be 'p@ss w0rd'
    }

    It 'puts -MongoPassword and -ArchivePassword in secrets, never in params' {
        $null = Invoke-AlteryxBackup -MongoPassword (ConvertTo-SecureString 'm-secret' -AsPlainText -Force) -ArchivePassword (ConvertTo-SecureString 'a-secret' -AsPlainText -Force)
        $request = $calls[0].Request
        @($request.params.Keys) | Should -BeNullOrEmpty
        @($request.secrets.Keys) | Sort-Object | Should -Be @('ArchivePassword', 'MongoPassword')
        $json = InModuleScope AlteryxBackup -Parameters @{ R = $request } { ConvertTo-AlteryxBackupRequestJson -Request $R }
        $parsed = $json | ConvertFrom-Json
        $parsed.secrets.MongoPassword | Should -Be 'm-secret'
        $parsed.secrets.ArchivePassword | Should -Be 'a-secret'
        @($parsed.params.PSObject.Properties).Count | Should -Be 0
    }

    It 'refuses -MongoCredential together with -MongoPassword' {
        $cred = [pscredential]::new('u', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        { Invoke-AlteryxBackup -MongoCredential $cred -MongoPassword (ConvertTo-SecureString 'y' -AsPlainText -Force) } |
            Should -Throw -ErrorId 'AlteryxBackup.MongoCredentialAndPassword,Invoke-AlteryxBackup'
        $calls.Count | Should -Be 0
    }

    It 'drops common parameters and -NodePath from params, and passes -NodePath to the core' {
        $null = Invoke-AlteryxBackup -BackupMode Full -NodePath '/opt/node/bin/node' -ErrorAction Continue -WarningAction SilentlyContinue -Confirm:$false
        $request = $calls[0].Request
        @($request.params.Keys) | Should -Be @('BackupMode')
        $calls[0].NodePath | Should -Be '/opt/node/bin/node'
    }

    It 'sets verbose when -Verbose is given, and only then' {
        $null = Invoke-AlteryxBackup -Verbose 4>$null
        $null = Invoke-AlteryxBackup
        $calls[0].Request.verbose | Should -BeTrue
        $calls[1].Request.verbose | Should -BeFalse
        $calls[0].Request.params.Contains('Verbose') | Should -BeFalse
    }

    It 'resolves -SandboxPath and -ConfigPath against the PowerShell location' {
        $null = Invoke-AlteryxBackup -SandboxPath 'TestDrive:\sbx' -ConfigPath 'TestDrive:\cfg.json'
        $calls[0].Request.params.SandboxPath | Should -Be (Join-Path $TestDrive 'sbx')
        $calls[0].Request.params.ConfigPath | Should -Be (Join-Path $TestDrive 'cfg.json')
    }

    It 'sends a dry run with -WhatIf' {
        Invoke-AlteryxBackup -BackupMode ConfigOnly -WhatIf 6>$null
        $calls.Count | Should -Be 1
        $calls[0].Request.dryRun | Should -BeTrue
    }
}

Describe 'Invoke-AlteryxBackup output' {
    Context 'a successful run' {
        BeforeAll {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -Mode 'Full' }
            $global:LASTEXITCODE = 99
            $result = Invoke-AlteryxBackup -BackupMode Full
            $exitCode = $global:LASTEXITCODE
        }

        It 'outputs one AlteryxBackup.Result' {
            @($result).Count | Should -Be 1
            $result.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
        }

        It 'has exactly the documented properties' {
            @($result.PSObject.Properties.Name) | Should -Be @('Mode', 'Success', 'ExitCode', 'Message', 'ArchivePath', 'SizeBytes', 'Sha256', 'Duration', 'LogPath', 'Destinations', 'Warnings', 'DryRun', 'Summary')
        }

        It 'maps the result event' {
            $result.Mode | Should -Be 'Full'
            $result.Success | Should -BeTrue
            $result.ExitCode | Should -Be 0
            $result.ArchivePath | Should -Be '/backups/ServerBackup_Full_20250101_020000.zip'
            $result.SizeBytes | Should -Be 2048
            $result.Sha256 | Should -Be ('ab' * 32)
            $result.Duration | Should -BeOfType [timespan]
            $result.Duration.TotalMilliseconds | Should -Be 61500
            $result.LogPath | Should -Be '/logs/BackupLog_Full_20250101_020000.log'
            @($result.Destinations) | Should -Be @('/nas/a')
            @($result.Warnings) | Should -Be @('w1', 'w2')
            $result.DryRun | Should -BeFalse
            $result.Summary.files | Should -Be 3
        }

        It 'sets $LASTEXITCODE to 0' {
            $exitCode | Should -Be 0
        }

        It 'is shown as a table by the module format file' {
            $text = $result | Out-String -Width 200
            $text | Should -Match 'Mode\s+Success\s+ExitCode\s+Duration'
            $text | Should -Match '00:01:01'
        }
    }

    Context 'a failed run (exit code 3)' {
        BeforeAll {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -ExitCode 3 -Mode 'DatabaseOnly' -Message 'Validation failed: TempDirectory D:\Temp is missing' }
            $all = @(Invoke-AlteryxBackup -BackupMode DatabaseOnly 2>&1)
            $exitCode = $global:LASTEXITCODE
        }

        It 'outputs the result object first, then a non-terminating error' {
            $all.Count | Should -Be 2
            $all[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
            $all[0].Success | Should -BeFalse
            $all[0].ExitCode | Should -Be 3
            $all[1] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        }

        It 'uses ErrorId AlteryxBackup.Exit3 and the result message' {
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxBackup'
            $all[1].Exception.Message | Should -Be 'Validation failed: TempDirectory D:\Temp is missing'
            $all[1].CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'sets $LASTEXITCODE to 3' {
            $exitCode | Should -Be 3
        }

        It 'still outputs the object with -ErrorAction SilentlyContinue' {
            $r = Invoke-AlteryxBackup -BackupMode DatabaseOnly -ErrorAction SilentlyContinue
            $r.ExitCode | Should -Be 3
        }
    }

    Context '-WhatIf' {
        BeforeAll {
            $plan = @(
                [pscustomobject]@{ name = 'preflight'; description = 'Check things'; changesState = $false }
                [pscustomobject]@{ name = 'archive'; description = 'Write the ZIP'; changesState = $true }
            )
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -Plan $plan -DryRun $true -Mode 'ConfigOnly' }
            $output = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -WhatIf 6>$null)
            $info = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -WhatIf 6>&1)
        }

        It 'outputs no object' {
            $output | Should -BeNullOrEmpty
        }

        It 'shows one "What if:" line per planned step, naming the target' {
            $lines = @($info | ForEach-Object { "$_" } | Where-Object { $_ -like 'What if:*' })
            $lines.Count | Should -Be 2
            $lines[0] | Should -Match 'Check things'
            $lines[1] | Should -Match 'Write the ZIP'
            $lines[1] | Should -Match ([regex]::Escape((Join-Path $TestDrive 'sbx')))
        }

        It 'reports a failing dry run as an error' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -ExitCode 4 -DryRun $true -Message 'LocalBackupPath is not writable' }
            $all = @(Invoke-AlteryxBackup -WhatIf 2>&1 6>$null)
            $all.Count | Should -Be 1
            $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit4,Invoke-AlteryxBackup'
            $global:LASTEXITCODE | Should -Be 4
        }
    }

    Context 'the core cannot run' {
        It 'fails with a terminating error, exit code 1' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { throw 'Node.js was not found: looked at ...' }
            { Invoke-AlteryxBackup } | Should -Throw -ErrorId 'AlteryxBackup.Exit1,Invoke-AlteryxBackup' -ExpectedMessage 'Node.js was not found*'
            $global:LASTEXITCODE | Should -Be 1
        }
    }
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
        (Get-Content -LiteralPath $script:ScriptForm -Raw) | Should -Match '\.PARAMETER MongoCredentialTarget\r?\n\s+\S'
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
}

Describe 'Finding Node (Find-AlteryxBackupNode)' {
    BeforeEach {
        $savedNode = $env:ALTERYXBACKUP_NODE
        $env:ALTERYXBACKUP_NODE = $null
    }
    AfterEach {
        $env:ALTERYXBACKUP_NODE = $savedNode
    }

    It 'uses node on PATH by default and checks its version' {
        $path = InModuleScope AlteryxBackup { Find-AlteryxBackupNode }
        $path | Should -Be (Get-Command node -CommandType Application | Select-Object -First 1).Path
    }

    It 'prefers -NodePath, naming it when it does not exist' {
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode -NodePath '/no/such/node' } } |
            Should -Throw -ExpectedMessage "*'/no/such/node' (from -NodePath)*Install Node.js 20.19*"
    }

    It 'uses $env:ALTERYXBACKUP_NODE when -NodePath is not given' {
        $env:ALTERYXBACKUP_NODE = '/no/such/env-node'
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } |
            Should -Throw -ExpectedMessage '*/no/such/env-node*ALTERYXBACKUP_NODE*'
    }

    It 'names all three places when node is nowhere' {
        Mock -ModuleName AlteryxBackup Get-Command { $null } -ParameterFilter { $Name -eq 'node' }
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } |
            Should -Throw -ExpectedMessage "*-NodePath*ALTERYXBACKUP_NODE*'node' on PATH*"
    }

    It 'refuses Node older than 20.19' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupNative { @{ Output = @('v20.18.3'); ExitCode = 0 } }
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } |
            Should -Throw -ExpectedMessage '*version 20.18.3*needs 20.19.0 or later*'
    }

    It 'accepts Node 20.19 and 22' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupNative { @{ Output = @('v20.19.0'); ExitCode = 0 } }
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } | Should -Not -Throw
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupNative { @{ Output = @('v22.1.0'); ExitCode = 0 } }
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } | Should -Not -Throw
    }

    It 'reports a node that fails to give its version' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupNative { @{ Output = @('boom'); ExitCode = 3 } }
        { InModuleScope AlteryxBackup { Find-AlteryxBackupNode } } | Should -Throw -ExpectedMessage '*exit code 3*'
    }
}

Describe 'Private helpers' {
    It 'Invoke-AlteryxBackupNative returns Output and ExitCode without throwing on a non-zero exit' {
        $r = InModuleScope AlteryxBackup { Invoke-AlteryxBackupNative -FilePath 'node' -ArgumentList @('-e', 'console.log("out"); console.error("err"); process.exit(4)') }
        $r.ExitCode | Should -Be 4
        $r.Output | Should -Contain 'out'
        $r.Output | Should -Contain 'err'
    }

    It 'ConvertFrom-SecureStringToPlain decodes a SecureString' {
        $s = ConvertTo-SecureString 'pä$$ wörd' -AsPlainText -Force
        InModuleScope AlteryxBackup -Parameters @{ S = $s } { ConvertFrom-SecureStringToPlain -SecureString $S } | Should -Be 'pä$$ wörd'
    }

    It 'Get-AlteryxBackupBundlePath says to run npm run build when the bundle is absent' {
        Mock -ModuleName AlteryxBackup Test-Path { $false } -ParameterFilter { $LiteralPath -like '*alteryx-backup.mjs' }
        { InModuleScope AlteryxBackup { Get-AlteryxBackupBundlePath } } | Should -Throw -ExpectedMessage "*npm run build*"
    }

    It 'Join-AlteryxBackupArgument quotes <Arg> as <Expected>' -ForEach @(
        @{ Arg = 'plain'; Expected = 'plain' }
        @{ Arg = 'C:\Program Files\x.mjs'; Expected = '"C:\Program Files\x.mjs"' }
        @{ Arg = 'a"b'; Expected = '"a\"b"' }
        @{ Arg = 'C:\dir with space\'; Expected = '"C:\dir with space\\"' }
        @{ Arg = ''; Expected = '""' }
    ) {
        InModuleScope AlteryxBackup -Parameters @{ A = $Arg } { Join-AlteryxBackupArgument -ArgumentList @($A) } | Should -Be $Expected
    }

    It 'New-AlteryxBackupRequest unwraps PSObject-wrapped strings (Windows PowerShell 5.1 ConvertTo-Json)' {
        $wrapped = 'D:\Backups' | Add-Member -NotePropertyName PSPath -NotePropertyValue 'x' -PassThru
        $json = InModuleScope AlteryxBackup -Parameters @{ W = $wrapped } {
            ConvertTo-AlteryxBackupRequestJson -Request (New-AlteryxBackupRequest -Command backup -BoundParameters @{ LocalBackupPath = $W; NetworkBackupPath = @($W) })
        }
        $json | Should -Not -Match 'PSPath'
        ($json | ConvertFrom-Json).params.LocalBackupPath | Should -Be 'D:\Backups'
    }
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
        It 'passes a failure through: object, error AlteryxBackup.Exit3, $LASTEXITCODE 3' {
            $env:FAKE_CORE_SCENARIO = 'fail3'
            $all = @(Invoke-AlteryxBackup 2>&1 3>$null)
            $all[0].ExitCode | Should -Be 3
            $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxBackup'
            $all[1].Exception.Message | Should -Be 'Validation failed: something'
            $global:LASTEXITCODE | Should -Be 3
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
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
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

Describe 'Invoke-AlteryxBackup against the real core' -Tag 'Integration' {
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
        $result = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $sb -ErrorAction Continue 3>$null
    }

    Context 'ConfigOnly on a sandbox' {
        It 'returns an AlteryxBackup.Result with exit code 0' {
            @($result).Count | Should -Be 1
            $result.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Result'
            $result.Message | Should -Not -BeNullOrEmpty
            $result.ExitCode | Should -Be 0 -Because $result.Message
            $result.Success | Should -BeTrue
            $result.Mode | Should -Be 'ConfigOnly'
            $result.DryRun | Should -BeFalse
        }

        It 'publishes ServerBackup_Config_YYYYMMDD_HHmmss.zip' {
            $result.ArchivePath | Should -Not -BeNullOrEmpty
            Test-Path -LiteralPath $result.ArchivePath -PathType Leaf | Should -BeTrue
            Split-Path -Leaf $result.ArchivePath | Should -Match '^ServerBackup_Config_\d{8}_\d{6}\.zip$'
            $result.SizeBytes | Should -Be (Get-Item -LiteralPath $result.ArchivePath).Length
            $result.Sha256 | Should -Be (Get-FileHash -LiteralPath $result.ArchivePath -Algorithm SHA256).Hash.ToLowerInvariant()
        }

        It 'writes BackupLog_ConfigOnly_YYYYMMDD_HHmmss.log in the PRD format' {
            Test-Path -LiteralPath $result.LogPath -PathType Leaf | Should -BeTrue
            Split-Path -Leaf $result.LogPath | Should -Match '^BackupLog_ConfigOnly_\d{8}_\d{6}\.log$'
            $lines = @(Get-Content -LiteralPath $result.LogPath | Where-Object { $_.Trim() })
            $lines.Count | Should -BeGreaterThan 5
            $bad = @($lines | Where-Object { $_ -notmatch $logLine })
            $bad | Should -BeNullOrEmpty
        }

        It 'produces an archive that unzip -t accepts' {
            $unzip = Get-Command unzip -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            $unzip | Should -Not -BeNullOrEmpty -Because 'the integration tests need unzip on PATH'
            $result.ArchivePath | Should -Not -BeNullOrEmpty -Because $result.Message
            $out = & $unzip.Path -t $result.ArchivePath 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        }
    }

    Context '-WhatIf' {
        It 'creates no archive and outputs nothing' {
            $before = @(Get-ChildItem -LiteralPath $sb -Recurse -File -Filter 'ServerBackup_*.zip').Count
            $output = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $sb -WhatIf 6>$null 3>$null)
            $output | Should -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath $sb -Recurse -File -Filter 'ServerBackup_*.zip').Count | Should -Be $before
            $global:LASTEXITCODE | Should -Be 0
        }

        It 'prints the planned steps as "What if:" lines' {
            $lines = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $sb -WhatIf 6>&1 3>$null | ForEach-Object { "$_" } | Where-Object { $_ -like 'What if:*' })
            $lines.Count | Should -BeGreaterThan 2
        }
    }

    Context '-Verbose' {
        It 'yields verbose records' {
            $sbVerbose = Join-Path $TestDrive 'sbx-verbose'
            $null = New-AlteryxSandbox -Path $sbVerbose
            $records = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $sbVerbose -Verbose -ErrorAction SilentlyContinue 4>&1 3>$null |
                    Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $records.Count | Should -BeGreaterThan 3
        }
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

        It 'prints the help with -Help and exits 0' {
            $run = Invoke-ScriptForm -Arguments @('-Help')
            $run.ExitCode | Should -Be 0 -Because $run.Text
            $run.Text | Should -Match 'Invoke-AlteryxBackup'
            $run.Text | Should -Match 'DatabaseOnly'
        }
    }
}
