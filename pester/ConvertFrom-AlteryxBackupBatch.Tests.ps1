#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    ConvertFrom-AlteryxBackupBatch through the real core (npm run build first): the legacy-style scripts of
    test/fixtures/legacy become a configuration with every value, the unknown variables are listed, the 0-day
    lifespan is noted, -WhatIf writes nothing, a missing file is exit 3.
#>

BeforeAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
    $script:Fixtures = Join-Path $PSScriptRoot '../test/fixtures/legacy'
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("ab-mig-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:Work
    Copy-Item (Join-Path $script:Fixtures '*.bat') $script:Work
    $script:Backup = Join-Path $script:Work 'ServerBackup.bat'
    $script:Cleanup = Join-Path $script:Work 'ServerBackup_Cleanup.bat'
}

AfterAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'ConvertFrom-AlteryxBackupBatch' {
    It 'writes a configuration with every recognised value and lists what it could not map' {
        $out = Join-Path $script:Work 'out/backup-config.json'
        $global:LASTEXITCODE = 42
        $r = ConvertFrom-AlteryxBackupBatch -Path $script:Backup -CleanupPath $script:Cleanup -OutFile $out -KeepFileNames
        $r.ExitCode | Should -Be 0
        $r.ExitCode | Should -BeOfType [int]
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.BatchMigration'
        $r.Written | Should -BeTrue
        $cfg = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json
        $cfg.BackupConfiguration.LogDirectory | Should -Be 'E:\Alteryx Logs\Backup'
        $cfg.BackupConfiguration.TempDirectory | Should -Be 'E:\Backup Staging'
        $cfg.BackupConfiguration.NetworkBackupPaths | Should -Be '\\nas01\Alteryx Backups'
        $cfg.BackupConfiguration.ArchiveNameFormat | Should -Be 'legacy'
        $cfg.BackupConfiguration.RetentionDays.Full | Should -Be 0
        $cfg.ServerConfiguration.AlteryxServicePath | Should -Be 'D:\Program Files\Alteryx\bin\AlteryxService.exe'
        $cfg.ServiceConfiguration.MaxServiceWaitSeconds | Should -Be 5400
        ($r.Mapped | Where-Object Variable -eq 'LogDir').Keys | Should -Be 'BackupConfiguration.LogDirectory'
        $unknown = $r.Unmapped | Where-Object Variable -eq 'SiteCode'
        $unknown.Mapped | Should -BeFalse
        $unknown.Reason | Should -Match 'not a variable of the legacy backup script'
        $unknown.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.BatchVariable'
        ($r.Unmapped | Where-Object Variable -eq 'ZipUtil').Reason | Should -Match 'no longer needed'
        ($r.Notes -join ' ') | Should -Match 'BackupLifespan 0.*deletes EVERY backup'
        ($r | Format-List | Out-String) | Should -Match 'SiteCode: not a variable'
        ($r.Unmapped | Format-Table | Out-String) | Should -Match 'ZipUtil'
        Test-Path -LiteralPath (Join-Path $script:Work 'pwned.txt') | Should -BeFalse
    }

    It '-WhatIf validates and reports, and writes nothing' {
        $out = Join-Path $script:Work 'whatif.json'
        $r = ConvertFrom-AlteryxBackupBatch -Path $script:Backup -OutFile $out -WhatIf
        $r.Written | Should -BeFalse
        @($r.Mapped).Count | Should -BeGreaterThan 3
        Test-Path -LiteralPath $out | Should -BeFalse
    }

    It 'a missing batch file: exit 3 and an error naming it; an existing -OutFile is kept without -Force; $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        $r = ConvertFrom-AlteryxBackupBatch -Path (Join-Path $script:Work 'nope.bat') -OutFile (Join-Path $script:Work 'x.json') -ErrorVariable e -ErrorAction SilentlyContinue
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r.ExitCode | Should -Be 3
        $e[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.Exit3'
        "$($e[0])" | Should -Match 'nope\.bat does not exist'
        $keep = Join-Path $script:Work 'keep.json'
        Set-Content -LiteralPath $keep -Value '{"keep":1}'
        $kept = ConvertFrom-AlteryxBackupBatch -Path $script:Backup -OutFile $keep -ErrorVariable keptErrors -ErrorAction SilentlyContinue
        $kept.ExitCode | Should -Be 3
        $keptErrors[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.Exit3'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        Get-Content -LiteralPath $keep | Should -Be '{"keep":1}'
    }
}
