#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Small private helpers of the module: native calls, SecureString decoding, the bundle path, argument
    quoting, request building.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Backup.Helpers.ps1')
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
