#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Find-AlteryxBackupNode and the release's bundled runtime: -NodePath, then $env:ALTERYXBACKUP_NODE, then the
    module's own bin/node (bin\node.exe on Windows), then node on PATH. Runs against a copy of the module in
    TestDrive with a real executable as its bundled node (a script that answers --version like Node 24).
#>

BeforeAll {
    $script:Source = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup')).ProviderPath
    $script:Copy = Join-Path $TestDrive 'AlteryxBackup'
    Copy-Item -LiteralPath $script:Source -Destination $script:Copy -Recurse
    $bin = Join-Path $script:Copy 'bin'
    $null = New-Item -ItemType Directory -Path $bin -Force
    # The tests run on Linux pwsh (CI): the bundled runtime is bin/node there (bin\node.exe on Windows).
    $script:Bundled = Join-Path $bin 'node'
    $script:RanLog = Join-Path $TestDrive 'ran.txt'
    $real = (Get-Command node -CommandType Application | Select-Object -First 1).Path
    Set-Content -LiteralPath $script:Bundled -Value "#!/bin/sh`nif [ `"`$1`" = --version ]; then echo v24.21.0; exit 0; fi`necho bundled >> '$($script:RanLog)'`nexec '$real' `"`$@`"`n" -NoNewline
    chmod 755 $script:Bundled
    $script:OtherNode = Join-Path $TestDrive 'other-node'
    Set-Content -LiteralPath $script:OtherNode -Value "#!/bin/sh`necho v22.11.0`n" -NoNewline
    chmod 755 $script:OtherNode
    # Another test file may have loaded the source module: two modules of one name break InModuleScope.
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $script:Copy 'AlteryxBackup.psd1') -Force
}

AfterAll {
    Get-Module AlteryxBackup | Remove-Module -Force
}

Describe 'Find-AlteryxBackupNode with a bundled runtime' {
    BeforeEach {
        $savedNode = $env:ALTERYXBACKUP_NODE
        $env:ALTERYXBACKUP_NODE = $null
    }
    AfterEach {
        $env:ALTERYXBACKUP_NODE = $savedNode
    }

    It 'uses the module''s own bin/node before node on PATH' {
        $path = InModuleScope AlteryxBackup { Find-AlteryxBackupNode }
        $path | Should -Be $script:Bundled
        $path | Should -Not -Be (Get-Command node -CommandType Application | Select-Object -First 1).Path
    }

    It 'lets -NodePath override the bundled runtime' {
        $path = InModuleScope AlteryxBackup -Parameters @{ P = $script:OtherNode } { Find-AlteryxBackupNode -NodePath $P }
        $path | Should -Be $script:OtherNode
    }

    It 'lets $env:ALTERYXBACKUP_NODE override the bundled runtime' {
        $env:ALTERYXBACKUP_NODE = $script:OtherNode
        $path = InModuleScope AlteryxBackup { Find-AlteryxBackupNode }
        $path | Should -Be $script:OtherNode
    }

    It 'names the bundled runtime as the source in its debug message' {
        $lines = InModuleScope AlteryxBackup { $DebugPreference = 'Continue'; Find-AlteryxBackupNode 5>&1 }
        (@($lines | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }) | ForEach-Object Message) -join "`n" |
            Should -Match "Node\.js 24\.21\.0 at '.*bin/node' \(from the module \(bundled runtime\)\)"
    }

    It 'runs the core with the bundled runtime' {
        Remove-Item -LiteralPath $script:RanLog -ErrorAction SilentlyContinue
        $null = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath (Join-Path $TestDrive 'no-sandbox') -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 2>$null
        Get-Content -LiteralPath $script:RanLog | Should -Contain 'bundled'
    }
}
