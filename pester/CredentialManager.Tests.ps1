#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    -MongoCredentialTarget (REQ-SEC-3): the Win32 CredRead wrapper (Read-AlteryxNativeCredential, the seam
    that is mocked off Windows), Get-AlteryxStoredCredential's errors, the forwarding in
    Invoke-AlteryxBackup (the stored password travels like -MongoCredential's: stdin only), and, tagged
    Integration, a real self-managed backup of a sandbox through the bundled core with the credential
    coming from the (mocked) store.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    $script:Secret = 'Cr3d-M4n@ger:p/w%'

    function New-StoredCredential {
        param([int] $ErrorCode = 0, [string] $UserName = 'svc-backup', [string] $Password = $script:Secret)
        $secure = $null
        if ($Password) { $secure = ConvertTo-SecureString $Password -AsPlainText -Force }
        @{ ErrorCode = $ErrorCode; UserName = $UserName; Password = $secure }
    }

    function ConvertTo-PlainText([securestring] $Secure) {
        [System.Net.NetworkCredential]::new('', $Secure).Password
    }

    function Get-ThrownError([scriptblock] $Script) {
        try { & $Script; $null } catch { $_ }
    }
}

Describe 'Read-AlteryxNativeCredential (the Win32 seam)' {
    It 'compiles the CredReadW wrapper with Add-Type; off Windows it refuses to run, on Windows a missing target is 1168' {
        $target = 'AlteryxBackup/Pester/' + [guid]::NewGuid()
        if ([System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT) {
            $r = InModuleScope AlteryxBackup -Parameters @{ T = $target } { Read-AlteryxNativeCredential -Target $T }
            $r.ErrorCode | Should -Be 1168
            $r.Password | Should -BeNullOrEmpty
        }
        else {
            $err = Get-ThrownError { InModuleScope AlteryxBackup -Parameters @{ T = $target } { Read-AlteryxNativeCredential -Target $T } }
            $err | Should -Not -BeNullOrEmpty
            $err.Exception | Should -BeOfType [System.PlatformNotSupportedException]
        }
        $type = 'AlteryxBackup.NativeCredential' -as [type]
        $type | Should -Not -BeNullOrEmpty
        $type::CRED_TYPE_GENERIC | Should -Be 1
    }

    It 'binds CredReadW and CredFree of advapi32.dll (Unicode, SetLastError)' {
        $null = Get-ThrownError { InModuleScope AlteryxBackup { Read-AlteryxNativeCredential -Target 'x' } }
        $type = 'AlteryxBackup.NativeCredential' -as [type]
        $flags = [System.Reflection.BindingFlags]'NonPublic, Static'
        $read = $type.GetMethod('CredRead', $flags).GetCustomAttributes([System.Runtime.InteropServices.DllImportAttribute], $false)[0]
        $read.Value | Should -Be 'advapi32.dll'
        $read.EntryPoint | Should -Be 'CredReadW'
        $read.CharSet | Should -Be ([System.Runtime.InteropServices.CharSet]::Unicode)
        $read.SetLastError | Should -BeTrue
        $type.GetMethod('CredFree', $flags).GetCustomAttributes([System.Runtime.InteropServices.DllImportAttribute], $false)[0].EntryPoint | Should -Be 'CredFree'
        $public = $type.GetMethod('Read')
        @($public.GetParameters() | ForEach-Object { $_.ParameterType.Name }) | Should -Be @('String', 'Int32', 'String&', 'SecureString&')
    }
}

Describe 'Get-AlteryxStoredCredential' {
    It 'returns the stored user and password as a PSCredential, reading the target asked for' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential }
        $cred = InModuleScope AlteryxBackup { Get-AlteryxStoredCredential -Target 'AlteryxBackup/MongoDB' }
        $cred | Should -BeOfType [pscredential]
        $cred.UserName | Should -Be 'svc-backup'
        ConvertTo-PlainText $cred.Password | Should -Be $script:Secret
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 1 -Exactly -ParameterFilter { $Target -eq 'AlteryxBackup/MongoDB' }
    }

    It 'reports <Case> as <ErrorId>, saying what to do and never showing the password' -ForEach @(
        @{ Case = 'a missing credential (1168)'; Stored = @{ ErrorCode = 1168 }; ErrorId = 'AlteryxBackup.CredentialNotFound'; Text = "No generic credential 'AlteryxBackup/MongoDB'.*cmdkey /generic:AlteryxBackup/MongoDB /user:.*per user" }
        @{ Case = 'no credential store in the logon session (1312)'; Stored = @{ ErrorCode = 1312 }; ErrorId = 'AlteryxBackup.CredentialReadFailed'; Text = 'not available in this logon session.*Do not store password' }
        @{ Case = 'another Win32 error'; Stored = @{ ErrorCode = 5 }; ErrorId = 'AlteryxBackup.CredentialReadFailed'; Text = 'failed with Win32 error 5' }
        @{ Case = 'a credential without user name'; Stored = @{ UserName = '' }; ErrorId = 'AlteryxBackup.CredentialIncomplete'; Text = 'has no user name' }
        @{ Case = 'a credential without password'; Stored = @{ Password = '' }; ErrorId = 'AlteryxBackup.CredentialIncomplete'; Text = 'has no password' }
    ) {
        $s = $Stored
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential @s }
        $err = Get-ThrownError { InModuleScope AlteryxBackup { Get-AlteryxStoredCredential -Target 'AlteryxBackup/MongoDB' } }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match "^$([regex]::Escape($ErrorId))"
        $err.Exception.Message | Should -Match $Text
        $err.TargetObject | Should -Be 'AlteryxBackup/MongoDB'
        ($err | Out-String) | Should -Not -Match ([regex]::Escape($script:Secret))
    }

    It 'off Windows: AlteryxBackup.CredentialManagerUnavailable, pointing at the alternatives' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { throw (New-Object System.PlatformNotSupportedException 'no') }
        $err = Get-ThrownError { InModuleScope AlteryxBackup { Get-AlteryxStoredCredential -Target 't' } }
        $err.FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.CredentialManagerUnavailable'
        $err.Exception.Message | Should -Match 'only on Windows.*-MongoCredential.*ALTERYXBACKUP_MONGO_PASSWORD'
    }
}

Describe 'Invoke-AlteryxBackup -MongoCredentialTarget' {
    BeforeEach {
        $calls = [System.Collections.Generic.List[object]]::new()
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $calls.Add([pscustomobject]@{ Request = $Request })
            [pscustomobject]@{ type = 'result'; exitCode = 0; mode = 'DatabaseOnly'; message = 'done'; dryRun = $false; warnings = @(); destinations = @(); summary = [pscustomobject]@{}; errors = @() }
        }
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential }
    }

    It 'is an optional, non-empty string parameter' {
        $p = (Get-Command Invoke-AlteryxBackup).Parameters['MongoCredentialTarget']
        $p.ParameterType | Should -Be ([string])
        @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateNotNullOrEmptyAttribute] }).Count | Should -Be 1
        @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory }).Count | Should -Be 0
        (Get-Help Invoke-AlteryxBackup -Parameter MongoCredentialTarget).Description.Text | Should -Match 'Credential Manager'
    }

    It 'sends the stored user in params.MongoUsername and the password in secrets only, never the target or a credential' {
        $null = Invoke-AlteryxBackup -BackupMode DatabaseOnly -MongoHost mongo01 -MongoCredentialTarget 'AlteryxBackup/MongoDB'
        $calls.Count | Should -Be 1
        $request = $calls[0].Request
        $request.params.MongoUsername | Should -Be 'svc-backup'
        @($request.params.Keys) | Sort-Object | Should -Be @('BackupMode', 'MongoHost', 'MongoUsername')
        @($request.secrets.Keys) | Should -Be @('MongoPassword')
        ConvertTo-PlainText $request.secrets.MongoPassword | Should -Be $script:Secret
        $json = InModuleScope AlteryxBackup -Parameters @{ R = $request } { ConvertTo-AlteryxBackupRequestJson -Request $R }
        $parsed = $json | ConvertFrom-Json
        $parsed.secrets.MongoPassword | Should -Be $script:Secret
        ($parsed.params | ConvertTo-Json -Compress) | Should -Not -Match ([regex]::Escape($script:Secret))
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 1 -Exactly -ParameterFilter { $Target -eq 'AlteryxBackup/MongoDB' }
    }

    It 'reads the store for -WhatIf too (a dry run checks the connection)' {
        $null = Invoke-AlteryxBackup -MongoCredentialTarget 'AlteryxBackup/MongoDB' -WhatIf 6>$null
        $calls[0].Request.dryRun | Should -BeTrue
        $calls[0].Request.params.MongoUsername | Should -Be 'svc-backup'
    }

    It 'refuses -MongoCredentialTarget with <Other>, before reading the store or running anything' -ForEach @(
        @{ Other = '-MongoCredential'; Extra = @{ MongoCredential = [pscredential]::new('u', (ConvertTo-SecureString 'x' -AsPlainText -Force)) } }
        @{ Other = '-MongoPassword'; Extra = @{ MongoPassword = (ConvertTo-SecureString 'x' -AsPlainText -Force) } }
    ) {
        $splat = $Extra
        { Invoke-AlteryxBackup -MongoCredentialTarget 't' @splat } | Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-AlteryxBackup'
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 0 -Exactly
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupCore -Times 0 -Exactly
    }

    It 'stops with the credential error when the target is not stored, $LASTEXITCODE left alone; the core never runs' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential -ErrorCode 1168 }
        $global:LASTEXITCODE = 99
        $err = Get-ThrownError { Invoke-AlteryxBackup -MongoCredentialTarget 'Missing/Target' }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.CredentialNotFound'
        $err.Exception.Message | Should -Match "No generic credential 'Missing/Target'"
        $global:LASTEXITCODE | Should -Be 99
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupCore -Times 0 -Exactly
    }
}

Describe 'Cloud destinations with a CredentialTarget (docs/storage.md)' {
    BeforeAll {
        $script:FakeCore = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath
        Mock -ModuleName AlteryxBackup Get-AlteryxBackupBundlePath { $FakeCore }
        $savedLog = $env:FAKE_CORE_LOG
        $savedScenario = $env:FAKE_CORE_SCENARIO
        $script:S3Secret = 'S3-s3cr3t/Key+from-the-vault'
        $script:SasToken = 'sv=2024-01-01&sp=racwdl&sig=Vault%2FSAS%2Bsignature'
        $script:CloudConfig = Join-Path $TestDrive 'cloud-config.json'
        @{
            BackupConfiguration = @{
                CloudDestinations = @(
                    @{ Name = 'aws'; Url = 's3://bucket/prod'; CredentialTarget = 'AlteryxBackup/aws' }
                    @{ Name = 'azure'; Url = 'azblob://acct/backups/prod'; CredentialTarget = 'AlteryxBackup/azure' }
                    @{ Name = 'azkey'; Url = 'azblob://acct/backups/key'; CredentialTarget = 'AlteryxBackup/azkey'; CredentialKind = 'AccountKey' }
                    @{ Name = 'plain'; Url = 's3://bucket/plain' }
                )
            }
        } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $script:CloudConfig -Encoding UTF8
        function Get-FakeRun {
            @(Get-Content -LiteralPath $env:FAKE_CORE_LOG -ErrorAction SilentlyContinue | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json })
        }
    }
    BeforeEach {
        $env:FAKE_CORE_LOG = Join-Path $TestDrive ("cloud-{0}.jsonl" -f [guid]::NewGuid())
        $env:FAKE_CORE_SCENARIO = 'ok'
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential {
            switch ($Target) {
                'AlteryxBackup/aws' { New-StoredCredential -UserName 'AKIAVAULTKEYID000001' -Password $script:S3Secret }
                'AlteryxBackup/azure' { New-StoredCredential -UserName 'acct' -Password $script:SasToken }
                'AlteryxBackup/azkey' { New-StoredCredential -UserName 'acct' -Password 'QWNjb3VudEtleUZyb21WYXVsdA==' }
                default { New-StoredCredential -ErrorCode 1168 }
            }
        }
    }
    AfterAll {
        $env:FAKE_CORE_LOG = $savedLog
        $env:FAKE_CORE_SCENARIO = $savedScenario
    }

    It 'Invoke-AlteryxBackup reads each target and sends the keys on stdin, per destination; never on the command line or in params' {
        $null = Invoke-AlteryxBackup -BackupMode ConfigOnly -ConfigPath $script:CloudConfig 3>$null
        $run = @(Get-FakeRun)
        $run.Count | Should -Be 1
        $secrets = $run[0].request.secrets
        $secrets.'aws.AccessKeyId' | Should -Be 'AKIAVAULTKEYID000001'
        $secrets.'aws.SecretAccessKey' | Should -Be $script:S3Secret
        $secrets.'azure.SasToken' | Should -Be $script:SasToken
        $secrets.'azkey.AccountKey' | Should -Be 'QWNjb3VudEtleUZyb21WYXVsdA=='
        @($secrets.PSObject.Properties.Name | Where-Object { $_ -like 'plain.*' }) | Should -BeNullOrEmpty
        foreach ($secret in @($script:S3Secret, $script:SasToken, 'QWNjb3VudEtleUZyb21WYXVsdA==')) {
            ($run[0].argv -join ' ') | Should -Not -Match ([regex]::Escape($secret))
            ($run[0].request.params | ConvertTo-Json -Compress -Depth 5) | Should -Not -Match ([regex]::Escape($secret))
        }
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 3 -Exactly
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 1 -Exactly -ParameterFilter { $Target -eq 'AlteryxBackup/aws' }
    }

    It 'an explicit secret of the same name wins over the stored one; the others are added in configuration order' {
        $request = InModuleScope AlteryxBackup -Parameters @{ C = $script:CloudConfig } {
            $explicit = ConvertTo-SecureString 'explicit-secret' -AsPlainText -Force
            New-AlteryxBackupRequest -Command 'backup' -BoundParameters @{ ConfigPath = $C; 'aws.SecretAccessKey' = $explicit }
        }
        ConvertTo-PlainText $request.secrets['aws.SecretAccessKey'] | Should -Be 'explicit-secret'
        @($request.secrets.Keys) | Should -Be @('aws.SecretAccessKey', 'aws.AccessKeyId', 'azure.SasToken', 'azkey.AccountKey')
    }

    It 'verify / restore / drill read the targets only when they reach the cloud: <Case>' -ForEach @(
        @{ Case = 'a local archive'; Command = 'verify'; Params = @{ Path = 'C:\b\ServerBackup_Full_20260101_020000.zip' }; Reads = 0 }
        @{ Case = 'an s3:// URL'; Command = 'verify'; Params = @{ Path = 's3://bucket/prod/ServerBackup_Full_20260101_020000.zip' }; Reads = 3 }
        @{ Case = '-Latest'; Command = 'drill'; Params = @{ Latest = [switch]$true; Mode = 'Full'; Destination = 'aws' }; Reads = 3 }
        @{ Case = 'list -Destination'; Command = 'list'; Params = @{ Destination = 'aws' }; Reads = 3 }
        @{ Case = 'history'; Command = 'history'; Params = @{ Last = 1 }; Reads = 0 }
    ) {
        $p = $Params + @{ ConfigPath = $script:CloudConfig }
        $cmd = $Command
        $null = InModuleScope AlteryxBackup -Parameters @{ P = $p; Cmd = $cmd } { New-AlteryxBackupRequest -Command $Cmd -BoundParameters $P }
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times $Reads -Exactly
    }

    It 'Entra ID: with Auth ClientSecret the stored password is <Name>.ClientSecret, with ClientCertificate <Name>.CertificatePassword' {
        $entra = Join-Path $TestDrive 'entra.json'
        @{ BackupConfiguration = @{ CloudDestinations = @(
                    @{ Name = 'sp'; Url = 'azblob://acct/backups/x'; Auth = 'ClientSecret'; TenantId = 't'; ClientId = 'c'; CredentialTarget = 'AlteryxBackup/azure' }
                    @{ Name = 'cert'; Url = 'azblob://acct/backups/y'; Auth = 'ClientCertificate'; TenantId = 't'; ClientId = 'c'; CertificatePath = 'C:\sp.pem'; CredentialTarget = 'AlteryxBackup/azkey' }
                ) } } | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $entra -Encoding UTF8
        $secrets = InModuleScope AlteryxBackup -Parameters @{ C = $entra } { Get-AlteryxCloudCredentialSecret -ConfigPath $C }
        @($secrets.Keys) | Should -Be @('sp.ClientSecret', 'cert.CertificatePassword')
        ConvertTo-PlainText $secrets['sp.ClientSecret'] | Should -Be $script:SasToken
    }

    It 'a target that is not stored stops the backup naming the destination and the target; the core never runs' {
        $bad = Join-Path $TestDrive 'bad-target.json'
        @{ BackupConfiguration = @{ CloudDestinations = @(@{ Name = 'offsite'; Url = 's3://bucket/x'; CredentialTarget = 'Missing/Offsite' }) } } |
            ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $bad -Encoding UTF8
        $err = Get-ThrownError { Invoke-AlteryxBackup -BackupMode ConfigOnly -ConfigPath $bad 3>$null }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.CredentialNotFound'
        $err.Exception.Message | Should -Match "No generic credential 'Missing/Offsite'.*cmdkey /generic:Missing/Offsite /user:<access key id> /pass"
        @(Get-FakeRun).Count | Should -Be 0
    }

    It 'off Windows the error names the destination and points at the environment variables' {
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { throw (New-Object System.PlatformNotSupportedException 'no') }
        $err = Get-ThrownError { InModuleScope AlteryxBackup -Parameters @{ C = $script:CloudConfig } { Get-AlteryxCloudCredentialSecret -ConfigPath $C } }
        $err.FullyQualifiedErrorId | Should -Match '^AlteryxBackup\.CredentialManagerUnavailable'
        $err.Exception.Message | Should -Match "^Cloud destination aws \(CredentialTarget 'AlteryxBackup/aws'\): Windows Credential Manager exists only on Windows\. .*ALTERYXBACKUP_<NAME>_"
    }

    It 'a configuration without CredentialTarget, a missing file or one that is not JSON reads nothing (the core reports a bad file)' {
        $notJson = Join-Path $TestDrive 'not-json.json'
        Set-Content -LiteralPath $notJson -Value '{ not json' -Encoding UTF8
        foreach ($file in @($notJson, (Join-Path $TestDrive 'nope.json'))) {
            $keys = InModuleScope AlteryxBackup -Parameters @{ C = $file } { @((Get-AlteryxCloudCredentialSecret -ConfigPath $C).Keys) }
            @($keys) | Should -BeNullOrEmpty
        }
        Should -Invoke -ModuleName AlteryxBackup Read-AlteryxNativeCredential -Times 0 -Exactly
    }
}

Describe 'Invoke-AlteryxBackup -MongoCredentialTarget against the real core' -Tag 'Integration' {
    BeforeAll {
        $bundle = Join-Path $PSScriptRoot '../module/AlteryxBackup/lib/alteryx-backup.mjs'
        if (-not (Test-Path -LiteralPath $bundle)) {
            throw "The Node core $bundle is missing: run npm run build (in the repository root) before the integration tests."
        }
        $sb = Join-Path $TestDrive 'sbx-self-managed'
        # The sandbox's demo MongoDB login, as New-AlteryxSandbox outputs it (what Credential Manager would hold).
        $login = (New-AlteryxSandbox -Path $sb -MongoType selfManaged -DatabaseSizeMB 0.5).MongoCredentials
        if ($null -eq $login) { throw 'New-AlteryxSandbox -MongoType selfManaged output no MongoCredentials' }
        $config = Join-Path $TestDrive 'config.json'
        @{
            ServiceConfiguration     = @{ PollIntervalSeconds = 0.05 }
            MongoDBConfiguration     = @{ SelfManagedMongoDB = @{ ConnectTimeoutSeconds = 1 } }
            ValidationConfiguration  = @{ MinimumBackupSizeMB = @{ Full = 0.01; DatabaseOnly = 0.01; ConfigOnly = 0.001 } }
        } | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $config -Encoding UTF8
    }

    It 'backs up the self-managed MongoDB with the stored credential; the password is in no log' {
        $user = $login.UserName
        $pw = $login.Password
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential -UserName $user -Password $pw }
        $result = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $sb -ConfigPath $config -MongoCredentialTarget 'AlteryxBackup/MongoDB' -ErrorAction Continue 3>$null
        $result.ExitCode | Should -Be 0 -Because $result.Message
        Split-Path -Leaf $result.ArchivePath | Should -Match '^ServerBackup_DB_\d{8}_\d{6}\.zip$'
        $log = Get-Content -Raw -LiteralPath $result.LogPath
        $log | Should -Match 'MongoDB user: backup, auth database admin'
        $log | Should -Not -Match ([regex]::Escape($pw))
    }

    It 'a wrong stored password ends with exit code 5 (credentials refused), nothing stopped' {
        $user = $login.UserName
        Mock -ModuleName AlteryxBackup Read-AlteryxNativeCredential { New-StoredCredential -UserName $user -Password 'stale-password' }
        $global:LASTEXITCODE = 99
        $result = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $sb -ConfigPath $config -MongoCredentialTarget 'AlteryxBackup/MongoDB' -StopServiceForExternalDB -ErrorAction SilentlyContinue 3>$null
        $result.ExitCode | Should -Be 5
        $result.Message | Should -Match '^MongoDB refused the credentials of user "backup"'
        $global:LASTEXITCODE | Should -Be 99 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }
}
