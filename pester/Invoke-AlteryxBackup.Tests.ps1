#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Invoke-AlteryxBackup: parameters, the bridge request (docs/bridge.md), the typed result, -WhatIf through
    ShouldProcess, errors; against a mocked core and, tagged Integration, the real bundle on a sandbox.
    The parameter table itself: ParameterTable.Tests.ps1; the script form: Invoke-AlteryxBackup.ScriptForm.Tests.ps1.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Backup.Helpers.ps1')
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
        @{ Name = 'MaxServiceWaitSeconds'; Type = [int] }
        @{ Name = 'MaxWorkflowWaitSeconds'; Type = [int] }
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
        @{ Name = 'MongoCredentialTarget'; Type = [string] }
        @{ Name = 'SmtpCredential'; Type = [pscredential] }
        @{ Name = 'PassThru'; Type = [switch] }
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
        @{ Name = 'MaxServiceWaitSeconds'; Min = 1; Max = 86400 }
        @{ Name = 'MaxWorkflowWaitSeconds'; Min = 1; Max = 86400 }
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

    It 'still takes -MaxServiceWait and -MaxWorkflowWait, the earlier names, as aliases' {
        $command.Parameters['MaxServiceWaitSeconds'].Aliases | Should -Be @('MaxServiceWait')
        $command.Parameters['MaxWorkflowWaitSeconds'].Aliases | Should -Be @('MaxWorkflowWait')
    }

    It 'shows the real default 7200 for -MaxServiceWaitSeconds in Get-Help' {
        (Get-Help Invoke-AlteryxBackup -Parameter MaxServiceWaitSeconds).defaultValue | Should -Be '7200'
        (Get-Help Invoke-AlteryxBackup -Parameter RetentionDays).defaultValue | Should -Be '30 (Full), 7 (DatabaseOnly), 14 (ConfigOnly)'
    }

    It 'has one parameter set per MongoDB credential source, <Name> only in its own' -ForEach @(
        @{ Name = 'MongoCredential' }
        @{ Name = 'MongoPassword' }
        @{ Name = 'MongoCredentialTarget' }
    ) {
        $sets = @($command.ParameterSets | Where-Object { $_.Parameters.Name -contains $Name } | ForEach-Object Name)
        $sets | Should -Be @($Name)
        $command.DefaultParameterSet | Should -Be 'Default'
    }

    It 'refuses <A> together with <B> at binding (parameter sets), before anything runs' -ForEach @(
        @{ A = 'MongoCredential'; B = 'MongoPassword' }
        @{ A = 'MongoCredential'; B = 'MongoCredentialTarget' }
        @{ A = 'MongoPassword'; B = 'MongoCredentialTarget' }
    ) {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { throw 'must not run' }
        $values = @{
            MongoCredential       = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))
            MongoPassword         = (ConvertTo-SecureString 'p' -AsPlainText -Force)
            MongoCredentialTarget = 'AlteryxBackup/MongoDB'
        }
        $splat = @{ $A = $values[$A]; $B = $values[$B] }
        { Invoke-AlteryxBackup @splat } | Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-AlteryxBackup'
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupCore -Times 0 -Exactly
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

    It 'refuses -MongoCredential together with -MongoPassword (parameter sets)' {
        $cred = [pscredential]::new('u', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        { Invoke-AlteryxBackup -MongoCredential $cred -MongoPassword (ConvertTo-SecureString 'y' -AsPlainText -Force) } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-AlteryxBackup'
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

        It 'leaves $LASTEXITCODE alone (ExitCode is in the result)' {
            $exitCode | Should -Be 99
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
            $global:LASTEXITCODE = 99
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

        It 'leaves $LASTEXITCODE alone, also when the run failed' {
            $exitCode | Should -Be 99
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
                [pscustomobject]@{ name = 'stop-service'; description = 'Stop AlteryxService'; changesState = $true; target = 'AlteryxService on ALTERYX01'; action = 'Stop service' }
                [pscustomobject]@{ name = 'archive'; description = 'Write the ZIP'; changesState = $true }
            )
            $calls = [System.Collections.Generic.List[object]]::new()
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
                $calls.Add($Request)
                New-FakeResult -Plan $plan -DryRun $true -Mode 'ConfigOnly' -Message 'Dry run of a ConfigOnly backup: pre-flight passed; nothing was changed.'
            }
            $global:LASTEXITCODE = 99
            $output = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -WhatIf 6>$null)
            $info = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -WhatIf 6>&1)
            $steps = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath 'TestDrive:\sbx' -WhatIf -PassThru 6>$null)
            $exitCode = $global:LASTEXITCODE
        }

        It 'outputs no object, and only dry runs reach the core' {
            $output | Should -BeNullOrEmpty
            $calls.Count | Should -Be 3
            @($calls | Where-Object { -not $_.dryRun }) | Should -BeNullOrEmpty
        }

        It 'says that the pre-flight passed' {
            @($info | ForEach-Object { "$_" }) | Should -Contain 'AlteryxBackup: Dry run of a ConfigOnly backup: pre-flight passed; nothing was changed.'
        }

        It 'writes no "What if:" line of its own (ShouldProcess does)' {
            @($info | ForEach-Object { "$_" } | Where-Object { $_ -like 'What if:*' }) | Should -BeNullOrEmpty
        }

        It 'leaves $LASTEXITCODE alone' {
            $exitCode | Should -Be 99
        }

        It 'with -PassThru outputs the plan as AlteryxBackup.PlanStep objects, in order' {
            $steps.Count | Should -Be 3
            @($steps | ForEach-Object { $_.PSObject.TypeNames[0] } | Select-Object -Unique) | Should -Be @('AlteryxBackup.PlanStep')
            @($steps.Order) | Should -Be @(1, 2, 3)
            @($steps.Name) | Should -Be @('preflight', 'stop-service', 'archive')
            @($steps.ChangesState) | Should -Be @($false, $true, $true)
        }

        It 'takes target and action from the plan event, else the description and the name' {
            $steps[1].Target | Should -Be 'AlteryxService on ALTERYX01'
            $steps[1].Action | Should -Be 'Stop service'
            $steps[2].Target | Should -Be 'Write the ZIP'
            $steps[2].Action | Should -Be 'archive'
        }

        It 'shows the plan as a table by the module format file' {
            $text = $steps | Out-String -Width 200
            $text | Should -Match 'Order\s+Changes\s+Name\s+Action\s+Target'
            $text | Should -Match 'Stop service\s+AlteryxService on ALTERYX01'
        }

        It 'goes through ShouldProcess with $WhatIfPreference = $true too' {
            $calls.Clear()
            # A module sees the caller's preference variables only when they are global (as at a prompt).
            $global:WhatIfPreference = $true
            try { $viaPreference = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -PassThru 6>$null) }
            finally { $global:WhatIfPreference = $false }
            $viaPreference.Count | Should -Be 3
            $calls.Count | Should -Be 1
            $calls[0].dryRun | Should -BeTrue
        }

        It 'reports a failing dry run as an error, and leaves $LASTEXITCODE alone' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeResult -ExitCode 4 -DryRun $true -Message 'LocalBackupPath is not writable' }
            $global:LASTEXITCODE = 99
            $all = @(Invoke-AlteryxBackup -WhatIf -PassThru 2>&1 6>$null)
            $all.Count | Should -Be 1
            $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit4,Invoke-AlteryxBackup'
            $global:LASTEXITCODE | Should -Be 99
        }
    }

    Context '-Confirm' {
        It 'asks for the whole operation first: a host that cannot ask gets exit code 3, and nothing runs, not even the dry run' {
            $calls = [System.Collections.Generic.List[object]]::new()
            $plan = @([pscustomobject]@{ name = 'archive'; description = 'Write the ZIP'; changesState = $true })
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $calls.Add($Request); New-FakeResult -Plan $plan -DryRun ([bool]$Request.dryRun) }
            # This Pester host runs -NonInteractive: the confirmation prompt cannot be shown.
            $all = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -Confirm 2>&1)
            $calls.Count | Should -Be 0
            $result = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            $result.Count | Should -Be 1
            $result[0].ExitCode | Should -Be 3
            $result[0].Message | Should -Match 'add -Confirm:\$false or -Force'
            @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxBackup'
        }

        It 'with -Confirm:$false runs at once, without a dry run' {
            $calls = [System.Collections.Generic.List[object]]::new()
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $calls.Add($Request); New-FakeResult }
            $r = Invoke-AlteryxBackup -BackupMode ConfigOnly -Confirm:$false
            $r.ExitCode | Should -Be 0
            $calls.Count | Should -Be 1
            $calls[0].dryRun | Should -BeFalse
        }
    }

    Context 'the core cannot run' {
        It 'fails with a terminating error, exit code 1, and leaves $LASTEXITCODE alone' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { throw 'Node.js was not found: looked at ...' }
            $global:LASTEXITCODE = 99
            { Invoke-AlteryxBackup } | Should -Throw -ErrorId 'AlteryxBackup.Exit1,Invoke-AlteryxBackup' -ExpectedMessage 'Node.js was not found*'
            $global:LASTEXITCODE | Should -Be 99
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
        BeforeAll {
            function Invoke-InNewSession {
                # A new pwsh, so that the "What if:" lines ShouldProcess writes to the host are on its stdout.
                param([string] $Code)
                $prelude = "Import-Module '$($script:ModuleManifest)' -Force; "
                $out = & $pwsh -NoProfile -NonInteractive -Command ($prelude + $Code) 2>&1
                [pscustomobject]@{
                    ExitCode = $LASTEXITCODE
                    Lines    = @(@($out) | ForEach-Object { "$_" -replace "`e\[[0-9;?]*[A-Za-z]", '' })
                }
            }
            $sbWhatIf = Join-Path $TestDrive 'sbx-whatif'
            $null = New-AlteryxSandbox -Path $sbWhatIf
            $archives = { @(Get-ChildItem -LiteralPath $sbWhatIf -Recurse -File -Filter 'ServerBackup_*.zip').Count }
        }

        It 'creates no archive, outputs nothing and leaves $LASTEXITCODE alone' {
            $global:LASTEXITCODE = 99
            $output = @(Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $sbWhatIf -WhatIf 6>$null 3>$null)
            $output | Should -BeNullOrEmpty
            & $archives | Should -Be 0
            $global:LASTEXITCODE | Should -Be 99
        }

        It 'passes every changing step of a Full plan through ShouldProcess: one "What if:" line each, and says the pre-flight passed' {
            $run = Invoke-InNewSession "`$s = @(Invoke-AlteryxBackup -BackupMode Full -SandboxPath '$sbWhatIf' -WhatIf -PassThru); 'CHANGING=' + @(`$s | Where-Object ChangesState).Count; 'TARGETS=' + ((`$s | Where-Object ChangesState | ForEach-Object Target) -join '|')"
            $text = $run.Lines -join "`n"
            $run.ExitCode | Should -Be 0 -Because $text
            $changing = [int](($run.Lines | Where-Object { $_ -like 'CHANGING=*' }) -replace 'CHANGING=', '')
            $changing | Should -BeGreaterThan 3
            $whatIf = @($run.Lines | Where-Object { $_ -like 'What if:*' })
            $whatIf.Count | Should -Be $changing -Because $text
            $targets = (($run.Lines | Where-Object { $_ -like 'TARGETS=*' }) -replace 'TARGETS=', '') -split '\|'
            foreach ($t in $targets) { @($whatIf | Where-Object { $_.Contains($t) }).Count | Should -BeGreaterThan 0 -Because "the step on '$t' has its line" }
            $run.Lines | Should -Contain 'AlteryxBackup: Dry run of a Full backup: pre-flight passed; nothing was changed.'
            & $archives | Should -Be 0
        }

        It 'shows a Full plan in the order it runs: files and secrets before the stop, only the dump between stop and start, the counts after the start' {
            $steps = @(Invoke-AlteryxBackup -BackupMode Full -SandboxPath $sbWhatIf -WhatIf -PassThru 6>$null 3>$null)
            $names = @($steps | ForEach-Object Name)
            $stop = [array]::IndexOf($names, 'stop-service')
            $start = [array]::LastIndexOf($names, 'start-service')
            $stop | Should -BeGreaterThan 0 -Because ($names -join ', ')
            @($names[$stop..$start]) | Should -Be @('stop-service', 'dump', 'start-service')
            [array]::IndexOf($names, 'files') | Should -BeLessThan $stop
            [array]::IndexOf($names, 'secrets') | Should -BeLessThan $stop
            [array]::IndexOf($names, 'workflows') | Should -BeLessThan ([array]::IndexOf($names, 'files'))
            $names[$start + 1] | Should -Be 'count-documents'
            [array]::IndexOf($names, 'archive') | Should -BeGreaterThan ($start + 1)
        }

        It 'does the same with $WhatIfPreference = $true and no -WhatIf' {
            $run = Invoke-InNewSession "`$WhatIfPreference = `$true; Invoke-AlteryxBackup -BackupMode Full -SandboxPath '$sbWhatIf'"
            $text = $run.Lines -join "`n"
            @($run.Lines | Where-Object { $_ -like 'What if:*' }).Count | Should -BeGreaterThan 3 -Because $text
            $run.Lines | Should -Contain 'AlteryxBackup: Dry run of a Full backup: pre-flight passed; nothing was changed.'
            & $archives | Should -Be 0
        }

        It 'with -Confirm in a host that cannot ask: exit code 3 in the result, nothing changed' {
            $run = Invoke-InNewSession "`$r = Invoke-AlteryxBackup -BackupMode Full -SandboxPath '$sbWhatIf' -Confirm -ErrorAction SilentlyContinue; 'EXIT=' + `$r.ExitCode; `$r.Message"
            $text = $run.Lines -join "`n"
            $run.Lines | Should -Contain 'EXIT=3' -Because $text
            $text | Should -Match 'add -Confirm:\$false or -Force'
            & $archives | Should -Be 0
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
}
