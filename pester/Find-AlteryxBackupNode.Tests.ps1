#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Find-AlteryxBackupNode (private): which node the module runs, and its version check.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Backup.Helpers.ps1')
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
