#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Compare-AlteryxBackup through the real core (npm run build first): a legacy-layout folder against a .zip in
    our layout, with a planted extra file on each side and one changed file; typed entries and a table, the
    summary, exit 3 naming what ours lacks, exit 0 for a superset.
#>

BeforeAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("ab-cmp-" + [guid]::NewGuid().ToString('N'))

    function Set-File([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Path (Split-Path -Parent $Path) -Force
        [System.IO.File]::WriteAllText($Path, $Text)
    }
    # Ours: our layout, zipped.
    $ours = Join-Path $script:Work 'ours'
    Set-File (Join-Path $ours 'manifest.json') '{}'
    Set-File (Join-Path $ours 'metadata.json') '{}'
    Set-File (Join-Path $ours 'Config/RuntimeSettings.xml') '<SystemSettings/>'
    Set-File (Join-Path $ours 'Config/Engine/SystemAlias.xml') '<Aliases/>'
    Set-File (Join-Path $ours 'Config/Engine/SystemConnections.xml') '<Connections/>'
    Set-File (Join-Path $ours 'Config/Keys/planted.key') 'only in ours'
    Set-File (Join-Path $ours 'Secrets/ControllerToken.txt') "0123456789abcdef0123456789abcdef01234567`r`n"
    Set-File (Join-Path $ours 'MongoDB/AlteryxGallery/apps.bson') 'bson-apps'
    $script:Ours = Join-Path $script:Work 'ServerBackup_Full_20260112_023000.zip'
    [System.IO.Compression.ZipFile]::CreateFromDirectory($ours, $script:Ours)
    # Legacy: the batch script's layout, with one extra file and one changed file.
    $script:Legacy = Join-Path $script:Work 'legacy'
    $top = Join-Path $script:Legacy 'ServerBackup_20260112_020000'
    Set-File (Join-Path $top 'RuntimeSettings.xml') '<SystemSettings/>'
    Set-File (Join-Path $top 'SystemAlias.xml') '<Aliases changed="yes"/>'
    Set-File (Join-Path $top 'SystemConnections.xml') '<Connections/>'
    Set-File (Join-Path $top 'ControllerToken.txt') "0123456789abcdef0123456789abcdef01234567`r`n"
    Set-File (Join-Path $top 'Mongo/AlteryxGallery/apps.bson') 'bson-apps'
    Set-File (Join-Path $top 'legacy-extra.txt') 'only in legacy'
}

AfterAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Compare-AlteryxBackup' {
    It 'lists each file with its status: the planted extra on each side, the changed file; exit 3 naming what ours lacks, $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        $r = @(Compare-AlteryxBackup -Reference $script:Legacy -Difference $script:Ours -ErrorVariable e -ErrorAction SilentlyContinue)
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        $r[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.ComparisonEntry'
        $by = @{}
        foreach ($x in $r) { $by[$x.Path] = $x }
        $by['legacy-extra.txt'].Status | Should -Be 'onlyInReference'
        $by['Config/Keys/planted.key'].Status | Should -Be 'onlyInDifference'
        $by['Config/Engine/SystemAlias.xml'].Status | Should -Be 'differs'
        $by['Config/RuntimeSettings.xml'].Status | Should -Be 'same'
        $by['MongoDB/AlteryxGallery/apps.bson'].Status | Should -Be 'same'
        $by['Secrets/ControllerToken.txt'].Status | Should -Be 'same'
        $by['Secrets/ControllerToken.txt'].ReferenceSha256 | Should -BeNullOrEmpty
        $by['manifest.json'].Note | Should -Match 'manifest'
        @($r | Where-Object Status -eq 'onlyInReference').Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.Exit3'
        "$($e[0])" | Should -Match 'Missing from the new backup: legacy-extra\.txt'
        $table = $r | Format-Table | Out-String -Width 200
        $table | Should -Match 'onlyInReference\s+legacy-extra\.txt'
        $table | Should -Match 'differs\s+Config/Engine/SystemAlias\.xml'
    }

    It '-Summary: one typed object with the counts; a superset once the legacy-only file is gone (exit 0); -Strict fails on the changed file' {
        $global:LASTEXITCODE = 42
        $s = Compare-AlteryxBackup $script:Legacy $script:Ours -Summary -ErrorAction SilentlyContinue
        $s.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.Comparison'
        $s.ExitCode | Should -Be 3
        $s.ExitCode | Should -BeOfType [int]
        $s.Superset | Should -BeFalse
        $s.OnlyInReference | Should -Be 1
        $s.Differs | Should -Be 1
        $s.OnlyInDifference | Should -Be 3
        ($s | Format-List | Out-String) | Should -Match '1 differ'
        Remove-Item -LiteralPath (Join-Path $script:Legacy 'ServerBackup_20260112_020000/legacy-extra.txt')
        $ok = Compare-AlteryxBackup $script:Legacy $script:Ours -Summary -ErrorVariable okErrors
        $ok.ExitCode | Should -Be 0
        $okErrors | Should -BeNullOrEmpty
        $ok.Superset | Should -BeTrue
        $ok.Success | Should -BeTrue
        $strict = Compare-AlteryxBackup $script:Legacy $script:Ours -Strict -Summary -ErrorVariable strictErrors -ErrorAction SilentlyContinue
        $strict.ExitCode | Should -Be 3
        $strictErrors[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.Exit3'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'a path that does not exist: exit 3 with the path' {
        $global:LASTEXITCODE = 42
        Compare-AlteryxBackup (Join-Path $script:Work 'nope') $script:Ours -ErrorVariable e -ErrorAction SilentlyContinue | Out-Null
        $e[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.Exit3'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        "$($e[0])" | Should -Match 'nope does not exist'
    }
}
