#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Test-AlteryxBackup: parameter set, pipeline binding, the request and the typed result against a mocked
    core; tagged Integration, a real archive that passes, and corrupted copies (a byte of a dump file, a
    manifest hash, the .sha256) that fail with exit code 3 naming what is wrong.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')

    function New-FakeVerifyResult {
        param([int] $ExitCode = 0, [string] $Archive = '/b/a.zip')
        [pscustomobject]@{
            type       = 'result'
            exitCode   = $ExitCode
            success    = ($ExitCode -eq 0)
            message    = "${Archive}: checks"
            archive    = $Archive
            mode       = 'Full'
            checks     = @(
                [pscustomobject]@{ name = 'opens'; ok = $true; detail = '35 entries' }
                [pscustomobject]@{ name = 'entry MongoDB/AlteryxGallery/apps.bson'; ok = ($ExitCode -eq 0); detail = 'SHA-256 differs' }
            )
            badEntries = @(if ($ExitCode -ne 0) { 'MongoDB/AlteryxGallery/apps.bson' })
            errors     = @()
        }
    }
}

Describe 'Test-AlteryxBackup parameters' {
    BeforeAll {
        $command = Get-Command Test-AlteryxBackup
    }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Path'; Type = [string[]] }
        @{ Name = 'ArchivePassword'; Type = [securestring] }
        @{ Name = 'SkipChecksumFile'; Type = [switch] }
        @{ Name = 'NodePath'; Type = [string] }
        @{ Name = 'Latest'; Type = [switch] }
        @{ Name = 'Mode'; Type = [string] }
        @{ Name = 'Destination'; Type = [string] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'SandboxPath'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'has no parameter beyond the documented ones and the common ones' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        @($command.Parameters.Keys | Where-Object { $common -notcontains $_ }).Count | Should -Be 9
    }

    It 'takes -Path first, mandatory, from the pipeline by value and by ArchivePath / FullName' {
        $attr = $command.Parameters['Path'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attr.Mandatory | Should -BeTrue
        $attr.Position | Should -Be 0
        $attr.ValueFromPipeline | Should -BeTrue
        $attr.ValueFromPipelineByPropertyName | Should -BeTrue
        $command.Parameters['Path'].Aliases | Should -Be @('ArchivePath', 'FullName')
    }

    It '-Path and -Latest are parameter sets that exclude each other; -Latest needs -Mode and -Destination' {
        $command.DefaultParameterSet | Should -Be 'Path'
        @($command.ParameterSets.Name | Sort-Object) | Should -Be @('Latest', 'Path')
        $latest = $command.ParameterSets | Where-Object Name -EQ 'Latest'
        @($latest.Parameters | Where-Object IsMandatory | ForEach-Object Name | Sort-Object) | Should -Be @('Destination', 'Latest', 'Mode')
        @($latest.Parameters.Name) | Should -Not -Contain 'Path'
        { Test-AlteryxBackup -Path 'a.zip' -Latest -Mode Full -Destination aws } | Should -Throw -ErrorId 'AmbiguousParameterSet,Test-AlteryxBackup'
        @(($command.Parameters['Mode'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues) | Should -Be @('Full', 'DatabaseOnly', 'ConfigOnly')
    }

    It 'only reads: no -WhatIf' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeFalse
    }

    It 'declares its output type AlteryxBackup.VerifyResult' {
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.VerifyResult'
    }
}

Describe 'Test-AlteryxBackup with a mocked core' {
    BeforeAll {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeVerifyResult -Archive $Request.params.Path
        }
    }
    BeforeEach { $script:calls.Clear() }

    It 'verifies each archive given on the pipeline, by value and by property name' {
        $results = @('TestDrive:\a.zip', [pscustomobject]@{ ArchivePath = 'TestDrive:\b.zip' }, [pscustomobject]@{ FullName = 'TestDrive:\c.zip' }) | Test-AlteryxBackup
        $results.Count | Should -Be 3
        @($script:calls.Command | Select-Object -Unique) | Should -Be @('verify')
        @($script:calls | ForEach-Object { Split-Path -Leaf $_.Request.params.Path }) | Should -Be @('a.zip', 'b.zip', 'c.zip')
        $script:calls[0].Request.params.Path | Should -Be (Join-Path $TestDrive 'a.zip')
    }

    It 'sends the password among the secrets only, and -SkipChecksumFile as a param' {
        $null = Test-AlteryxBackup -Path 'x.zip' -ArchivePassword (ConvertTo-SecureString 'p4ss' -AsPlainText -Force) -SkipChecksumFile
        $script:calls[0].Request.params.Contains('ArchivePassword') | Should -BeFalse
        $script:calls[0].Request.secrets.ArchivePassword | Should -BeOfType [securestring]
        $script:calls[0].Request.params.SkipChecksumFile | Should -BeTrue
    }

    It 'returns a typed result with typed checks' {
        $global:LASTEXITCODE = 99
        $r = Test-AlteryxBackup -Path 'x.zip'
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.VerifyResult'
        $r.Success | Should -BeTrue
        $r.Checks[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Check'
        $r.FailedChecks | Should -BeNullOrEmpty
        $global:LASTEXITCODE | Should -Be 99 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'on failure writes the result, then AlteryxBackup.Exit3, and leaves $LASTEXITCODE alone' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeVerifyResult -ExitCode 3 }
        $global:LASTEXITCODE = 99
        $all = @(Test-AlteryxBackup -Path 'x.zip' 2>&1)
        $all[0].ExitCode | Should -Be 3
        $all[0].BadEntries | Should -Be @('MongoDB/AlteryxGallery/apps.bson')
        @($all[0].FailedChecks).Count | Should -Be 1
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Test-AlteryxBackup'
        $all[1].CategoryInfo.Category | Should -Be 'InvalidData'
        $global:LASTEXITCODE | Should -Be 99
    }
}

Describe 'Test-AlteryxBackup -Latest with a mocked core' {
    BeforeAll {
        $script:latestCalls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:latestCalls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeVerifyResult -Archive 's3://bucket/prod/ServerBackup_Full_20260105_020000.zip'
        }
    }
    BeforeEach { $script:latestCalls.Clear() }

    It 'forwards Latest, Mode and Destination (no Path) and the resolved -ConfigPath; the result names the archive the core picked' {
        $r = Test-AlteryxBackup -Latest -Mode Full -Destination 'aws-offsite' -ConfigPath 'TestDrive:\cfg.json'
        $script:latestCalls.Count | Should -Be 1
        $script:latestCalls[0].Command | Should -Be 'verify'
        $p = $script:latestCalls[0].Request.params
        $p.Latest | Should -BeTrue
        $p.Mode | Should -Be 'Full'
        $p.Destination | Should -Be 'aws-offsite'
        $p.ConfigPath | Should -Be (Join-Path $TestDrive 'cfg.json')
        $p.Contains('Path') | Should -BeFalse
        $r.Path | Should -Be 's3://bucket/prod/ServerBackup_Full_20260105_020000.zip'
        $r.Success | Should -BeTrue
    }

    It 'a folder destination goes as given (a server path), with the sandbox resolved' {
        $null = Test-AlteryxBackup -Latest -Mode ConfigOnly -Destination '\\nas01\AlteryxBackups' -SandboxPath 'TestDrive:\sbx'
        $p = $script:latestCalls[0].Request.params
        $p.Destination | Should -Be '\\nas01\AlteryxBackups'
        $p.SandboxPath | Should -Be (Join-Path $TestDrive 'sbx')
    }

    It 'nothing matching: the result with exit code 3, then the error AlteryxBackup.Exit3 with the core''s message' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            [pscustomobject]@{ type = 'result'; exitCode = 3; success = $false; message = 'No good DatabaseOnly backup at aws (s3://bucket/prod): no archive of this tool there.'; errors = @() }
        }
        $all = @(Test-AlteryxBackup -Latest -Mode DatabaseOnly -Destination aws 2>&1)
        $all[0].ExitCode | Should -Be 3
        $all[0].Path | Should -Be 'the newest DatabaseOnly backup at aws'
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Test-AlteryxBackup'
        $all[1].Exception.Message | Should -Match 'No good DatabaseOnly backup at aws'
    }
}

Describe 'Test-AlteryxBackup against the real core' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $A = New-TestSandbox -Path (Join-Path $TestDrive 'A') -SizeMB 1
        $backup = Invoke-AlteryxBackup -BackupMode Full -SandboxPath $A -ConfigPath $config -CompressionLevel 0 3>$null
        if ($backup.ExitCode -ne 0) { throw "backup failed: $($backup.Message)" }
        $zip = $backup.ArchivePath
        $name = Split-Path -Leaf $zip

        function New-Copy([string] $Folder) {
            $dir = Join-Path $TestDrive $Folder
            $null = New-Item -ItemType Directory -Path $dir -Force
            Copy-Item -LiteralPath $zip -Destination (Join-Path $dir $name)
            Copy-Item -LiteralPath "$zip.sha256" -Destination (Join-Path $dir "$name.sha256")
            Join-Path $dir $name
        }

        function Edit-Bytes([string] $File, [int64] $Offset, [byte[]] $From, [byte[]] $To) {
            # Replaces bytes at a known offset (stored, uncompressed entries: -CompressionLevel 0).
            $stream = [System.IO.File]::Open($File, 'Open', 'ReadWrite')
            try {
                $buffer = New-Object byte[] $From.Length
                $null = $stream.Seek($Offset, 'Begin')
                $null = $stream.Read($buffer, 0, $buffer.Length)
                if ([System.BitConverter]::ToString($buffer) -ne [System.BitConverter]::ToString($From)) { throw "unexpected bytes at $Offset" }
                $null = $stream.Seek($Offset, 'Begin')
                $stream.Write($To, 0, $To.Length)
            }
            finally { $stream.Dispose() }
        }

        function Find-Bytes([string] $File, [byte[]] $Needle) {
            $bytes = [System.IO.File]::ReadAllBytes($File)
            for ($i = 0; $i -le $bytes.Length - $Needle.Length; $i++) {
                $match = $true
                for ($j = 0; $j -lt $Needle.Length; $j++) { if ($bytes[$i + $j] -ne $Needle[$j]) { $match = $false; break } }
                if ($match) { return $i }
            }
            -1
        }
    }

    It 'passes every check of a fresh archive and its .sha256' {
        $r = Test-AlteryxBackup -Path $zip
        $r.ExitCode | Should -Be 0 -Because $r.Message
        $r.Mode | Should -Be 'Full'
        ($r.Checks | Where-Object Name -EQ 'archive sha256').Ok | Should -BeTrue
        $r.FailedChecks | Should -BeNullOrEmpty
    }

    It 'is recorded in the run catalog of the default configuration (no -ConfigPath): Get-AlteryxBackupHistory -Kind verify shows it' {
        $r = Test-AlteryxBackup -Path $zip -SandboxPath $A
        $r.ExitCode | Should -Be 0 -Because $r.Message
        $v = @(Get-AlteryxBackupHistory -SandboxPath $A -Kind verify)
        $v.Count | Should -Be 1
        $v[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.HistoryRecord'
        $v[0].Status | Should -Be 'Success'
        $v[0].Mode | Should -Be 'Full'
        $v[0].ArchivePath | Should -Be $zip
        $v[0].Sha256 | Should -Be $backup.Sha256
    }

    It 'fails with exit 3 naming the dump file when one byte of it changes in the archive' {
        $copy = New-Copy 'dump-byte'
        # The stored dump of AS_Schedules: flip the first byte of a known document field name.
        $needle = [System.Text.Encoding]::ASCII.GetBytes('MongoDB/AlteryxService/AS_Schedules.bson')
        $header = Find-Bytes -File $copy -Needle $needle
        $header | Should -BeGreaterThan 0
        $data = $header + $needle.Length + 200
        $old = [System.IO.File]::ReadAllBytes($copy)[$data]
        Edit-Bytes -File $copy -Offset $data -From @($old) -To @([byte]($old -bxor 0x5a))
        $all = @(Test-AlteryxBackup -Path $copy 2>&1)
        $all[0].ExitCode | Should -Be 3
        $all[0].BadEntries | Should -Contain 'MongoDB/AlteryxService/AS_Schedules.bson'
        $all[0].Message | Should -Match 'MongoDB/AlteryxService/AS_Schedules\.bson'
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Test-AlteryxBackup'
    }

    It 'fails with exit 3 naming the .sha256 when it does not match' {
        $copy = New-Copy 'sidecar'
        $text = Get-Content -Raw -LiteralPath "$copy.sha256"
        $first = 'a'
        if ($text[0] -eq 'a') { $first = 'b' }
        Set-Content -LiteralPath "$copy.sha256" -Value ($first + $text.Substring(1)) -NoNewline
        $r = Test-AlteryxBackup -Path $copy -ErrorAction SilentlyContinue
        $r.ExitCode | Should -Be 3
        ($r.FailedChecks | ForEach-Object Name) | Should -Contain 'archive sha256'
        $r.Message | Should -Match ([regex]::Escape("$name.sha256 says"))
        (Test-AlteryxBackup -Path $copy -SkipChecksumFile).ExitCode | Should -Be 0
    }

    It 'fails with exit 3 naming the entry when a manifest hash does not match' {
        $copy = New-Copy 'manifest-hash'
        # manifest.json is stored too: change one hex digit of the hash of metadata.json in place.
        $manifestText = & unzip -p $copy manifest.json | Out-String
        $m = $manifestText | ConvertFrom-Json
        $hash = ($m.files | Where-Object path -EQ 'metadata.json').sha256
        $pos = Find-Bytes -File $copy -Needle ([System.Text.Encoding]::ASCII.GetBytes($hash))
        $pos | Should -BeGreaterThan 0
        $newFirst = [byte][char]'0'
        if ($hash[0] -eq '0') { $newFirst = [byte][char]'1' }
        Edit-Bytes -File $copy -Offset $pos -From @([byte][char]$hash[0]) -To @($newFirst)
        $r = Test-AlteryxBackup -Path $copy -SkipChecksumFile -ErrorAction SilentlyContinue
        $r.ExitCode | Should -Be 3
        $r.BadEntries | Should -Be @('metadata.json')
        $r.Message | Should -Match 'entry metadata\.json'
    }
}
