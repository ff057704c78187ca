#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    New-AlteryxSandbox: parameter set, the sandbox-create request, the typed output; against a mocked
    core, a fake Node core and, tagged Integration, the real bundle.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
    $script:FakeCore = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath

    function New-FakeSandboxResult {
        param([string] $Path = '/tmp/sbx', [int] $ExitCode = 0, [string] $Message = 'Sandbox created', [switch] $Embedded)
        $sandbox = $null
        if ($ExitCode -eq 0) {
            $sandbox = [pscustomobject]@{
                path     = $Path
                topology = 'multi'
                mongo    = 'self-managed'
                version  = '2023.1.1.281'
                nodes    = @(
                    [pscustomobject]@{ name = 'CTRL01'; role = 'controller'; service = 'Running' }
                    [pscustomobject]@{ name = 'WORK01'; role = 'worker'; service = 'Stopped' }
                )
            }
            if ($Embedded) { $sandbox.mongo = 'embedded' }
            else {
                $sandbox | Add-Member -NotePropertyName mongoCredentials -NotePropertyValue ([pscustomobject]@{
                        hosts = @('mongo01:27017', 'mongo02:27017'); replicaSet = 'rs0'; username = 'backup'; password = 'demo-Pw_123'; authDatabase = 'admin' })
            }
        }
        [pscustomobject]@{ type = 'result'; exitCode = $ExitCode; success = ($ExitCode -eq 0); message = $Message; sandbox = $sandbox }
    }
}

Describe 'New-AlteryxSandbox parameters' {
    BeforeAll {
        $command = Get-Command New-AlteryxSandbox
    }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Path'; Type = [string] }
        @{ Name = 'Topology'; Type = [string] }
        @{ Name = 'MongoType'; Type = [string] }
        @{ Name = 'Role'; Type = [string] }
        @{ Name = 'Persistence'; Type = [string] }
        @{ Name = 'DatabaseSizeMB'; Type = [double] }
        @{ Name = 'Version'; Type = [string] }
        @{ Name = 'Force'; Type = [switch] }
        @{ Name = 'NodePath'; Type = [string] }
    ) {
        $command.Parameters.ContainsKey($Name) | Should -BeTrue
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'makes -Path mandatory and positional' {
        $attr = $command.Parameters['Path'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attr.Mandatory | Should -BeTrue
        $attr.Position | Should -Be 0
    }

    It 'restricts <Name> to <Values>' -ForEach @(
        @{ Name = 'Topology'; Values = @('single', 'multi') }
        @{ Name = 'MongoType'; Values = @('embedded', 'selfManaged') }
        @{ Name = 'Role'; Values = @('controller', 'worker', 'ui') }
        @{ Name = 'Persistence'; Values = @('mongo', 'sqlServer', 'sqlite') }
    ) {
        $set = $command.Parameters[$Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $set.ValidValues | Should -Be $Values
    }

    It 'supports -WhatIf and -Confirm' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
    }

    It 'declares its output type AlteryxBackup.Sandbox' {
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.Sandbox'
    }

    It 'refuses -Topology triple at binding' {
        { New-AlteryxSandbox -Path x -Topology triple } | Should -Throw -ErrorId 'ParameterArgumentValidationError,New-AlteryxSandbox'
    }
}

Describe 'New-AlteryxSandbox with a mocked core' {
    BeforeEach {
        $calls = [System.Collections.Generic.List[object]]::new()
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $calls.Add([pscustomobject]@{ Command = $Command; Request = $Request; NodePath = $NodePath })
            New-FakeSandboxResult -Path $Request.params.Path
        }
    }

    It 'sends sandbox-create with Path (absolute) and Force, and nothing unbound' {
        $null = New-AlteryxSandbox -Path 'TestDrive:\sbx'
        $calls.Count | Should -Be 1
        $calls[0].Command | Should -Be 'sandbox-create'
        $params = $calls[0].Request.params
        @($params.Keys) | Should -Be @('Path', 'Force')
        $params.Path | Should -Be (Join-Path $TestDrive 'sbx')
        $params.Force | Should -BeOfType [bool]
        $params.Force | Should -BeFalse
        $calls[0].Request.dryRun | Should -BeFalse
    }

    It 'maps the parameters to the core names {Path, Topology, Mongo, DbSizeMb, Version, Force}' {
        $null = New-AlteryxSandbox -Path 'TestDrive:\sbx' -Topology multi -MongoType selfManaged -DatabaseSizeMB 12.5 -Version '2022.3.1.395' -Force -NodePath '/opt/node'
        $params = $calls[0].Request.params
        @($params.Keys) | Sort-Object | Should -Be @('DbSizeMb', 'Force', 'Mongo', 'Path', 'Topology', 'Version')
        $params.Topology | Should -Be 'multi'
        $params.Mongo | Should -Be 'self-managed'
        $params.DbSizeMb | Should -Be 12.5
        $params.Version | Should -Be '2022.3.1.395'
        $params.Force | Should -BeTrue
        $calls[0].NodePath | Should -Be '/opt/node'
        @($calls[0].Request.secrets.Keys) | Should -BeNullOrEmpty
    }

    It 'sends Role and Persistence in the core names (lower case) only when given' {
        $null = New-AlteryxSandbox -Path 'TestDrive:\sbx' -Role worker
        $calls[0].Request.params.Role | Should -BeExactly 'worker'
        @($calls[0].Request.params.Keys) | Should -Not -Contain 'Persistence'
        $null = New-AlteryxSandbox -Path 'TestDrive:\sbx2' -Persistence sqlServer
        $calls[1].Request.params.Persistence | Should -BeExactly 'sqlserver'
        @($calls[1].Request.params.Keys) | Should -Not -Contain 'Role'
    }

    It 'sends Mongo "embedded" for -MongoType embedded' {
        $null = New-AlteryxSandbox -Path 'TestDrive:\sbx' -MongoType embedded
        $calls[0].Request.params.Mongo | Should -Be 'embedded'
    }

    It 'outputs an AlteryxBackup.Sandbox with typed nodes' {
        $sandbox = New-AlteryxSandbox -Path 'TestDrive:\sbx'
        @($sandbox).Count | Should -Be 1
        $sandbox.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Sandbox'
        $sandbox.Path | Should -Be (Join-Path $TestDrive 'sbx')
        $sandbox.Topology | Should -Be 'multi'
        $sandbox.Mongo | Should -Be 'self-managed'
        $sandbox.Version | Should -Be '2023.1.1.281'
        @($sandbox.Nodes).Count | Should -Be 2
        $sandbox.Nodes[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.SandboxNode'
        $sandbox.Nodes[0].Name | Should -Be 'CTRL01'
        $sandbox.Nodes[0].Role | Should -Be 'controller'
        $sandbox.Nodes[1].Service | Should -Be 'Stopped'
    }

    It 'is shown as a table by the module format file' {
        $text = New-AlteryxSandbox -Path 'TestDrive:\sbx' | Out-String -Width 200
        $text | Should -Match 'Topology\s+Mongo\s+Version\s+Nodes\s+MongoCredentials\s+Path'
        $text | Should -Match 'CTRL01 \(controller\), WORK01'
        $text | Should -Match 'backup / demo-Pw_123'
    }

    It 'maps a self-managed sandbox''s mongoCredentials to MongoCredentials (Host, ReplicaSet, UserName, Password, AuthSource)' {
        $login = (New-AlteryxSandbox -Path 'TestDrive:\sbx').MongoCredentials
        $login | Should -Not -BeNullOrEmpty
        @($login.PSObject.Properties.Name) | Should -Be @('Host', 'ReplicaSet', 'UserName', 'Password', 'AuthSource')
        $login.Host | Should -BeExactly 'mongo01:27017,mongo02:27017'
        $login.ReplicaSet | Should -BeExactly 'rs0'
        $login.UserName | Should -BeExactly 'backup'
        $login.Password | Should -BeExactly 'demo-Pw_123'
        $login.Password | Should -BeOfType [string]
        $login.AuthSource | Should -BeExactly 'admin'
    }

    It 'has no MongoCredentials ($null, an empty column) for an embedded sandbox' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeSandboxResult -Path $Request.params.Path -Embedded }
        $sandbox = New-AlteryxSandbox -Path 'TestDrive:\sbx'
        $sandbox.PSObject.Properties.Name | Should -Contain 'MongoCredentials'
        $sandbox.MongoCredentials | Should -BeNullOrEmpty
        ($sandbox | Out-String -Width 200) | Should -Not -Match ' / '
    }

    It 'writes error AlteryxBackup.Exit<code> and outputs nothing when the core fails' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeSandboxResult -ExitCode 3 -Message 'already holds a sandbox; use -Force' }
        $all = @(New-AlteryxSandbox -Path 'TestDrive:\sbx' 2>&1)
        $all.Count | Should -Be 1
        $all[0] | Should -BeOfType [System.Management.Automation.ErrorRecord]
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,New-AlteryxSandbox'
        $all[0].Exception.Message | Should -Be 'already holds a sandbox; use -Force'
    }

    It 'creates nothing with -WhatIf' {
        New-AlteryxSandbox -Path 'TestDrive:\sbx' -WhatIf | Should -BeNullOrEmpty
        $calls.Count | Should -Be 0
    }
}

Describe 'New-AlteryxSandbox with a fake Node core' {
    BeforeAll {
        Mock -ModuleName AlteryxBackup Get-AlteryxBackupBundlePath { $FakeCore }
        $savedScenario = $env:FAKE_CORE_SCENARIO
        $savedLog = $env:FAKE_CORE_LOG
        $env:FAKE_CORE_LOG = Join-Path $TestDrive 'fake.jsonl'
    }
    AfterAll {
        $env:FAKE_CORE_SCENARIO = $savedScenario
        $env:FAKE_CORE_LOG = $savedLog
    }

    It 'sends the request on stdin and maps the result' {
        $env:FAKE_CORE_SCENARIO = 'ok'
        $sandbox = New-AlteryxSandbox -Path (Join-Path $TestDrive 'multi') -Topology multi -DatabaseSizeMB 3
        $run = @(Get-Content -LiteralPath $env:FAKE_CORE_LOG | ForEach-Object { $_ | ConvertFrom-Json })[-1]
        @($run.argv) | Should -Be @('sandbox-create', '--request-stdin', '--json')
        $run.request.params.DbSizeMb | Should -Be 3
        $sandbox.Topology | Should -Be 'multi'
        @($sandbox.Nodes.Role) | Should -Be @('controller', 'worker', 'ui')
    }

    It 'reports the core failure as an error' {
        $env:FAKE_CORE_SCENARIO = 'sandbox-fail'
        $all = @(New-AlteryxSandbox -Path (Join-Path $TestDrive 'busy') 2>&1)
        $all.Count | Should -Be 1
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,New-AlteryxSandbox'
        $all[0].Exception.Message | Should -Match 'use -Force'
    }
}

Describe 'New-AlteryxSandbox against the real core' -Tag 'Integration' {
    BeforeAll {
        $bundle = Join-Path $PSScriptRoot '../module/AlteryxBackup/lib/alteryx-backup.mjs'
        if (-not (Test-Path -LiteralPath $bundle)) {
            throw "The Node core $bundle is missing: run npm run build (in the repository root) before the integration tests."
        }
        $path = Join-Path $TestDrive 'sbx'
        $sandbox = New-AlteryxSandbox -Path $path
    }

    It 'returns an AlteryxBackup.Sandbox for the path' {
        $sandbox.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Sandbox'
        $sandbox.Path | Should -Be $path
        $sandbox.Topology | Should -Be 'single'
        $sandbox.Mongo | Should -Be 'embedded'
        $sandbox.Version | Should -Match '^\d{4}\.\d+'
        @($sandbox.Nodes).Count | Should -BeGreaterOrEqual 1
        @($sandbox.Nodes.Role) | Should -Contain 'controller'
    }

    It 'writes <path>/sandbox.json' {
        Test-Path -LiteralPath (Join-Path $path 'sandbox.json') -PathType Leaf | Should -BeTrue
    }

    It 'refuses to replace it without -Force, and replaces it with -Force' {
        $all = @(New-AlteryxSandbox -Path $path 2>&1)
        $all.Count | Should -Be 1
        $all[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.Exit\d,New-AlteryxSandbox$'
        $again = New-AlteryxSandbox -Path $path -Force
        $again.Path | Should -Be $path
    }

    It 'creates a worker node whose RuntimeSettings.xml says so, and a SQL Server controller' {
        $worker = New-AlteryxSandbox -Path (Join-Path $TestDrive 'worker') -Role worker
        $worker.Topology | Should -Be 'single'
        @($worker.Nodes.Role) | Should -Be @('worker')
        $settings = Get-ChildItem -LiteralPath (Join-Path $TestDrive 'worker') -Recurse -Filter 'RuntimeSettings.xml' | Where-Object { $_.FullName -match 'ProgramData' } | Select-Object -First 1
        Get-Content -LiteralPath $settings.FullName -Raw | Should -Match '<ControllerEnabled>False</ControllerEnabled>'
        $sql = New-AlteryxSandbox -Path (Join-Path $TestDrive 'sql') -Persistence sqlServer
        (Get-Content -LiteralPath (Join-Path $TestDrive 'sql/sandbox.json') -Raw | ConvertFrom-Json).persistence | Should -Be 'sqlserver'
        $sql.Version | Should -Match '^2024\.'
    }

    It 'refuses -Role worker with -Topology multi (exit 3)' {
        $all = @(New-AlteryxSandbox -Path (Join-Path $TestDrive 'multi-worker') -Topology multi -Role worker 2>&1)
        $all.Count | Should -Be 1
        $all[0].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,New-AlteryxSandbox'
        $all[0].Exception.Message | Should -Match 'single machine'
    }

    It 'creates a multi-node sandbox with a self-managed MongoDB' {
        $multi = New-AlteryxSandbox -Path (Join-Path $TestDrive 'multi') -Topology multi -MongoType selfManaged
        $multi.Topology | Should -Be 'multi'
        $multi.Mongo | Should -Be 'self-managed'
        @($multi.Nodes).Count | Should -BeGreaterThan 1
        $multi.MongoCredentials.UserName | Should -Not -BeNullOrEmpty
    }

    It 'an embedded sandbox has no MongoCredentials' {
        $sandbox.MongoCredentials | Should -BeNullOrEmpty
    }

    It 'gives a self-managed sandbox''s MongoCredentials, and a backup with -MongoCredential built from them passes (exit 0)' {
        $path = Join-Path $TestDrive 'self-managed'
        $self = New-AlteryxSandbox -Path $path -MongoType selfManaged -DatabaseSizeMB 0.5
        $stored = (Get-Content -Raw -LiteralPath (Join-Path $path 'sandbox.json') | ConvertFrom-Json).selfManaged
        $login = $self.MongoCredentials
        $login.UserName | Should -BeExactly $stored.username
        $login.Password | Should -BeExactly $stored.password
        $login.AuthSource | Should -BeExactly $stored.authDatabase
        $login.ReplicaSet | Should -BeExactly $stored.replicaSet
        $login.Host | Should -BeExactly (@($stored.members) -join ',')
        ($self | Out-String -Width 250) | Should -Match ([regex]::Escape("$($stored.username) / $($stored.password)"))

        $config = Join-Path $TestDrive 'quick-config.json'
        @{
            ServiceConfiguration    = @{ PollIntervalSeconds = 0.05 }
            MongoDBConfiguration    = @{ SelfManagedMongoDB = @{ ConnectTimeoutSeconds = 1 } }
            ValidationConfiguration = @{ MinimumBackupSizeMB = @{ Full = 0.01; DatabaseOnly = 0.01; ConfigOnly = 0.001 } }
        } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config -Encoding UTF8
        $credential = New-Object System.Management.Automation.PSCredential ($login.UserName, (ConvertTo-SecureString $login.Password -AsPlainText -Force))
        $result = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $self.Path -ConfigPath $config -MongoCredential $credential -ErrorAction Continue 3>$null
        $result.ExitCode | Should -Be 0 -Because $result.Message
        Split-Path -Leaf $result.ArchivePath | Should -Match '^ServerBackup_DB_\d{8}_\d{6}\.zip$'
        Get-Content -Raw -LiteralPath $result.LogPath | Should -Not -Match ([regex]::Escape($login.Password))
    }
}
