#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Unregister-AlteryxBackupTask: removes AlteryxBackup tasks only (a task that does not run
    Invoke-AlteryxBackup.ps1 is refused), reports a missing task, honours -WhatIf, takes pipeline input.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'fixtures/ScheduledTasks.Stubs.ps1')
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
}

AfterAll { Get-Module AlteryxBackup | Remove-Module -Force }

Describe 'Unregister-AlteryxBackupTask' {
    BeforeEach {
        Mock -ModuleName AlteryxBackup Get-ScheduledTask -ParameterFilter { $TaskName -eq 'ours' } {
            [pscustomobject]@{ TaskName = 'ours'; TaskPath = '\AlteryxBackup\'; Actions = @([pscustomobject]@{ Arguments = '-File "C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1" -BackupMode Full' }) }
        }
        Mock -ModuleName AlteryxBackup Get-ScheduledTask -ParameterFilter { $TaskName -eq 'foreign' } {
            [pscustomobject]@{ TaskName = 'foreign'; TaskPath = '\AlteryxBackup\'; Actions = @([pscustomobject]@{ Arguments = '-File C:\scripts\cleanup.ps1' }) }
        }
        Mock -ModuleName AlteryxBackup Get-ScheduledTask -ParameterFilter { $TaskName -eq 'missing' } { }
        Mock -ModuleName AlteryxBackup Unregister-ScheduledTask { }
    }

    It 'unregisters an AlteryxBackup task without a second prompt from Unregister-ScheduledTask' {
        Unregister-AlteryxBackupTask -TaskName 'ours' -Confirm:$false
        Should -Invoke -ModuleName AlteryxBackup Unregister-ScheduledTask -Times 1 -ParameterFilter { $TaskName -eq 'ours' -and $TaskPath -eq '\AlteryxBackup\' }
    }

    It 'refuses a task that does not run Invoke-AlteryxBackup.ps1, and leaves it alone' {
        Unregister-AlteryxBackupTask -TaskName 'foreign' -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        "$e" | Should -Match 'not an AlteryxBackup task'
        Should -Invoke -ModuleName AlteryxBackup Unregister-ScheduledTask -Times 0
    }

    It 'reports a name that matches no task' {
        Unregister-AlteryxBackupTask -TaskName 'missing' -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Match '^AlteryxBackup.TaskNotFound'
    }

    It '-WhatIf removes nothing; pipeline input by TaskName/TaskPath works' {
        [pscustomobject]@{ TaskName = 'ours'; TaskPath = '\AlteryxBackup\' } | Unregister-AlteryxBackupTask -WhatIf
        Should -Invoke -ModuleName AlteryxBackup Unregister-ScheduledTask -Times 0
        [pscustomobject]@{ TaskName = 'ours'; TaskPath = '\AlteryxBackup\' } | Unregister-AlteryxBackupTask -Confirm:$false
        Should -Invoke -ModuleName AlteryxBackup Unregister-ScheduledTask -Times 1
    }
}
