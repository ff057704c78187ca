#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-AlteryxBackupTask: only tasks that run Invoke-AlteryxBackup.ps1, their mode, account, limit and the last
    result in words, with Get-ScheduledTask / Get-ScheduledTaskInfo mocked.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'fixtures/ScheduledTasks.Stubs.ps1')
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force

    function New-FakeTask([string] $Name, [string] $Arguments, [string] $User = 'SYSTEM') {
        [pscustomobject]@{
            TaskName  = $Name
            TaskPath  = '\AlteryxBackup\'
            State     = 'Ready'
            Actions   = @([pscustomobject]@{ Execute = 'powershell.exe'; Arguments = $Arguments })
            Principal = [pscustomobject]@{ UserId = $User; RunLevel = 'Highest' }
            Settings  = [pscustomobject]@{ ExecutionTimeLimit = 'PT18H' }
            Triggers  = @(New-FakeTrigger -Class 'MSFT_TaskDailyTrigger' -At '2026-01-01T02:00:00')
        }
    }
}

AfterAll { Get-Module AlteryxBackup | Remove-Module -Force }

Describe 'Get-AlteryxBackupTask' {
    BeforeEach {
        Mock -ModuleName AlteryxBackup Get-ScheduledTask {
            New-FakeTask 'Alteryx Backup - Full (nightly)' '-NoProfile -File "C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1" -BackupMode Full'
            New-FakeTask 'Alteryx Backup - DatabaseOnly (intraday)' '-File "C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1" -BackupMode DatabaseOnly -RetentionDays 7'
            New-FakeTask 'Something else' '-File C:\scripts\other.ps1'
        }
        Mock -ModuleName AlteryxBackup Get-ScheduledTaskInfo -ParameterFilter { $TaskName -like '*nightly*' } { [pscustomobject]@{ LastTaskResult = 4; LastRunTime = [datetime]'2026-01-02T02:00:00'; NextRunTime = [datetime]'2026-01-03T02:00:00' } }
        Mock -ModuleName AlteryxBackup Get-ScheduledTaskInfo -ParameterFilter { $TaskName -like '*intraday*' } { [pscustomobject]@{ LastTaskResult = 267011; LastRunTime = $null; NextRunTime = [datetime]'2026-01-02T08:00:00' } }
    }

    It 'lists only the tasks that run Invoke-AlteryxBackup.ps1, as typed objects with their mode' {
        $r = @(Get-AlteryxBackupTask)
        $r.Count | Should -Be 2
        $r[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.ScheduledTask'
        $r.Mode | Should -Be @('Full', 'DatabaseOnly')
        Should -Invoke -ModuleName AlteryxBackup Get-ScheduledTask -ParameterFilter { $TaskPath -eq '\AlteryxBackup\' }
    }

    It 'says what the last result means: an exit code of the tool, or Task Scheduler''s own code' {
        $r = @(Get-AlteryxBackupTask)
        $r[0].LastResult | Should -Be 4
        $r[0].LastResultMeaning | Should -Be 'storage error'
        $r[1].LastResultMeaning | Should -Be 'has not run yet (0x41303)'
        $r[0].ExecutionTimeLimit | Should -Be (New-TimeSpan -Hours 18)
        $r[0].UserId | Should -Be 'SYSTEM'
        $r[0].Triggers | Should -Be 'Daily from 2026-01-01T02:00:00'
    }

    It 'filters by name with wildcards, and the table view renders' {
        $r = @(Get-AlteryxBackupTask -TaskName '*intraday*')
        $r.Count | Should -Be 1
        ($r | Format-Table | Out-String) | Should -Match 'DatabaseOnly'
        ($r | Format-List | Out-String) | Should -Match 'LastResultMeaning\s+: has not run yet'
    }

    It 'returns nothing when the folder has no task' {
        Mock -ModuleName AlteryxBackup Get-ScheduledTask { }
        @(Get-AlteryxBackupTask).Count | Should -Be 0
    }
}
