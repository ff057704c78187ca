#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Register-AlteryxBackupTask: the definitions it builds for each schedule (action and its quoted arguments,
    triggers, principal, settings), -Credential, -WhatIf and the warnings, with the Windows-only ScheduledTasks
    and CIM cmdlets mocked. The module is loaded from a folder with spaces in its path.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'fixtures/ScheduledTasks.Stubs.ps1')
    $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) ("ab-task-" + [guid]::NewGuid().ToString('N'))
    $script:ModuleDir = Copy-ModuleToSpacedPath -Root $script:Root
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $script:ModuleDir 'AlteryxBackup.psd1') -Force
    $script:Script = Join-Path $script:ModuleDir 'Invoke-AlteryxBackup.ps1'

    function Set-TaskMocks {
        Mock -ModuleName AlteryxBackup New-ScheduledTaskAction { [pscustomobject]@{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory } }
        Mock -ModuleName AlteryxBackup New-ScheduledTaskTrigger {
            $kind = if ($Daily) { 'Daily' } elseif ($Weekly) { 'Weekly' } elseif ($Once) { 'Once' } else { 'Other' }
            $rep = [pscustomobject]@{ Interval = $null; Duration = $null }
            if ($RepetitionInterval -gt [timespan]::Zero) { $rep = [pscustomobject]@{ Interval = [System.Xml.XmlConvert]::ToString($RepetitionInterval); Duration = [System.Xml.XmlConvert]::ToString($RepetitionDuration) } }
            [pscustomobject]@{ Kind = $kind; At = $At; DaysInterval = $DaysInterval; DaysOfWeek = $DaysOfWeek; Repetition = $rep }
        }
        Mock -ModuleName AlteryxBackup New-ScheduledTaskPrincipal { [pscustomobject]@{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel } }
        Mock -ModuleName AlteryxBackup New-ScheduledTaskSettingsSet {
            [pscustomobject]@{ MultipleInstances = $MultipleInstances; ExecutionTimeLimit = $ExecutionTimeLimit; StartWhenAvailable = [bool]$StartWhenAvailable; AllowStartIfOnBatteries = [bool]$AllowStartIfOnBatteries; DontStopIfGoingOnBatteries = [bool]$DontStopIfGoingOnBatteries }
        }
        Mock -ModuleName AlteryxBackup Register-ScheduledTask { [pscustomobject]@{ State = 'Ready'; TaskName = $TaskName } }
        Mock -ModuleName AlteryxBackup Get-CimInstance { $null }
    }

    function New-Config {
        param([hashtable] $Backup = @{}, [hashtable] $Service = @{}, [int] $DumpMinutes = 0)
        $path = Join-Path $script:Root ("cfg-" + [guid]::NewGuid().ToString('N') + '.json')
        $cfg = @{ BackupConfiguration = $Backup; ServiceConfiguration = $Service }
        if ($DumpMinutes) { $cfg['MongoDBConfiguration'] = @{ SelfManagedMongoDB = @{ DumpTimeoutMinutes = $DumpMinutes } } }
        Set-Content -LiteralPath $path -Value (ConvertTo-Json -InputObject $cfg -Depth 5) -Encoding UTF8
        $path
    }
}

AfterAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Register-AlteryxBackupTask parameters' {
    It 'has -Schedule Nightly|Intraday|OnDemand and -Trigger in separate parameter sets, and supports -WhatIf' {
        $c = Get-Command Register-AlteryxBackupTask
        ($c.Parameters['Schedule'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues | Should -Be @('Nightly', 'Intraday', 'OnDemand')
        $c.ParameterSets.Name | Should -Contain 'Trigger'
        $c.Parameters['Credential'].ParameterType | Should -Be ([pscredential])
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
    }
}

Describe 'Register-AlteryxBackupTask definitions' {
    BeforeEach { Set-TaskMocks }

    It 'Nightly: Full at 02:00 daily, as SYSTEM with highest privileges, IgnoreNew, 18 h limit, the script form with its path quoted' {
        $r = Register-AlteryxBackupTask -Schedule Nightly -Confirm:$false
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.ScheduledTask'
        $r.TaskName | Should -Be 'Alteryx Backup - Full (nightly)'
        $r.Mode | Should -Be 'Full'
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskAction -Times 1 -ParameterFilter {
            $Execute -eq 'powershell.exe' -and
            $Argument -eq ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}" -BackupMode Full' -f $script:Script) -and
            $WorkingDirectory -eq $script:ModuleDir
        }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 1 -ParameterFilter { $Daily -and $At.TimeOfDay -eq [timespan]'02:00' -and $DaysInterval -eq 1 }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskPrincipal -Times 1 -ParameterFilter { $UserId -eq 'NT AUTHORITY\SYSTEM' -and $LogonType -eq 'ServiceAccount' -and $RunLevel -eq 'Highest' }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskSettingsSet -Times 1 -ParameterFilter { $MultipleInstances -eq 'IgnoreNew' -and $ExecutionTimeLimit -eq (New-TimeSpan -Hours 18) -and $StartWhenAvailable }
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 1 -ParameterFilter {
            $TaskPath -eq '\AlteryxBackup\' -and $TaskName -eq 'Alteryx Backup - Full (nightly)' -and @($Trigger).Count -eq 1 -and
            $Principal.UserId -eq 'NT AUTHORITY\SYSTEM' -and $Settings.MultipleInstances -eq 'IgnoreNew' -and $Action.Arguments -match '-BackupMode Full$' -and
            $Description -match 'exit code' -and -not $User
        }
    }

    It 'writes no node path into the task: the module finds Node.js when it runs; -NodePath is passed only when given' {
        Register-AlteryxBackupTask -Schedule Nightly -Confirm:$false | Out-Null
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskAction -ParameterFilter { $Argument -notmatch 'node' }
        Register-AlteryxBackupTask -Schedule Nightly -NodePath 'C:\Program Files\nodejs\node.exe' -Force -Confirm:$false | Out-Null
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskAction -ParameterFilter { $Argument.EndsWith('-NodePath "C:\Program Files\nodejs\node.exe"') }
    }

    It 'Intraday: DatabaseOnly from 08:00 every 4 hours for 9 hours (08, 12, 16), with -RetentionDays passed on' {
        $r = Register-AlteryxBackupTask -Schedule Intraday -RetentionDays 7 -Confirm:$false
        $r.Mode | Should -Be 'DatabaseOnly'
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 1 -ParameterFilter { $Daily -and $At.TimeOfDay -eq [timespan]'08:00' }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 1 -ParameterFilter { $Once -and $RepetitionInterval -eq (New-TimeSpan -Hours 4) -and $RepetitionDuration -eq (New-TimeSpan -Hours 9) }
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 1 -ParameterFilter {
            $t = @($Trigger)[0]
            $t.Kind -eq 'Daily' -and $t.Repetition.Interval -eq 'PT4H' -and $t.Repetition.Duration -eq 'PT9H' -and $Action.Arguments -match '-BackupMode DatabaseOnly -RetentionDays 7$'
        }
        @($r.Triggers)[0] | Should -Match 'every 04:00:00 for 09:00:00'
    }

    It 'Intraday on working days: a weekly trigger on Monday to Friday' {
        $days = [System.DayOfWeek[]]@('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday')
        Register-AlteryxBackupTask -Schedule Intraday -DaysOfWeek $days -At '07:30' -Confirm:$false | Out-Null
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 1 -ParameterFilter { $Weekly -and @($DaysOfWeek).Count -eq 5 -and $DaysOfWeek -notcontains [System.DayOfWeek]::Sunday -and $At.TimeOfDay -eq [timespan]'07:30' }
    }

    It 'OnDemand: ConfigOnly, registered without any trigger' {
        $r = Register-AlteryxBackupTask -Schedule OnDemand -Confirm:$false
        $r.TaskName | Should -Be 'Alteryx Backup - ConfigOnly (on demand)'
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 0
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 1 -ParameterFilter { $null -eq $Trigger -and $Action.Arguments -match '-BackupMode ConfigOnly$' }
    }

    It 'explicit -Trigger objects are registered as given, mode Full unless -Mode says otherwise' {
        $mine = [pscustomobject]@{ Kind = 'Weekly'; Marker = 'mine' }
        Register-AlteryxBackupTask -Trigger $mine -Mode DatabaseOnly -TaskName 'weekly db' -Confirm:$false | Out-Null
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 1 -ParameterFilter { @($Trigger)[0].Marker -eq 'mine' -and $TaskName -eq 'weekly db' -and $Action.Arguments -match 'DatabaseOnly' }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskTrigger -Times 0
    }

    It '-Credential: runs as that account with its password (to Task Scheduler only) and highest privileges' {
        $cred = New-Object System.Management.Automation.PSCredential ('CONTOSO\svc-backup', (ConvertTo-SecureString 'S3cret-pw!' -AsPlainText -Force))
        $r = Register-AlteryxBackupTask -Schedule Nightly -Credential $cred -Confirm:$false
        $r.UserId | Should -Be 'CONTOSO\svc-backup'
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 1 -ParameterFilter { $User -eq 'CONTOSO\svc-backup' -and $Password -eq 'S3cret-pw!' -and $RunLevel -eq 'Highest' -and -not $Principal }
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskAction -ParameterFilter { $Argument -notmatch 'S3cret' }
        ($r | Format-List | Out-String) | Should -Not -Match 'S3cret'
    }

    It '-ConfigPath with spaces is made absolute and quoted; its timeouts set the time limit (workflow + 2 x service + dump + 1 h)' {
        $dir = Join-Path $script:Root 'Alteryx Backup Config'
        $null = New-Item -ItemType Directory -Path $dir -Force
        $cfg = New-Config -Service @{ MaxServiceWaitSeconds = 600; MaxWorkflowWaitSeconds = 300 } -DumpMinutes 60
        Move-Item -LiteralPath $cfg -Destination (Join-Path $dir 'backup-config.json')
        $cfg = Join-Path $dir 'backup-config.json'
        $r = Register-AlteryxBackupTask -Schedule Nightly -ConfigPath $cfg -Force -Confirm:$false
        $r.ExecutionTimeLimit | Should -Be ([timespan]::FromSeconds(300 + 1200 + 3600 + 3600))
        Should -Invoke -ModuleName AlteryxBackup New-ScheduledTaskAction -ParameterFilter { $Argument.EndsWith(('-BackupMode Full -ConfigPath "{0}"' -f $cfg)) }
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -ParameterFilter { $Force }
    }

    It '-WhatIf registers nothing' {
        Register-AlteryxBackupTask -Schedule Nightly -WhatIf | Should -BeNullOrEmpty
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 0
    }

    It 'a value with a double quote is refused (exit 3) before anything is registered; $LASTEXITCODE left alone' {
        $global:LASTEXITCODE = 42
        { Register-AlteryxBackupTask -Schedule Nightly -ConfigPath 'D:\a"b.json' -Confirm:$false } | Should -Throw -ExpectedMessage '*double quote*' -ErrorId 'AlteryxBackup.Exit3,Register-AlteryxBackupTask'
        Should -Invoke -ModuleName AlteryxBackup Register-ScheduledTask -Times 0
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'an existing task: the error (exit 1) says to pass -Force; $LASTEXITCODE left alone' {
        Mock -ModuleName AlteryxBackup Register-ScheduledTask { throw 'Cannot create a file when that file already exists.' }
        $global:LASTEXITCODE = 42
        { Register-AlteryxBackupTask -Schedule Nightly -Confirm:$false } | Should -Throw -ExpectedMessage '*Pass -Force to replace the task \AlteryxBackup\Alteryx Backup - Full (nightly)*' -ErrorId 'AlteryxBackup.Exit1,Register-AlteryxBackupTask'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }
}

Describe 'Register-AlteryxBackupTask warnings' {
    BeforeEach { Set-TaskMocks }

    It 'warns when a destination is a mapped drive letter and the task runs as SYSTEM' {
        Mock -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $Filter -eq "DeviceID='Z:'" } { [pscustomobject]@{ DeviceID = 'Z:'; DriveType = 4; ProviderName = '\\nas01\backups' } }
        Mock -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $Filter -eq "DeviceID='D:'" } { [pscustomobject]@{ DeviceID = 'D:'; DriveType = 3; ProviderName = $null } }
        $cfg = New-Config -Backup @{ LocalBackupPath = 'D:\Alteryx\Backups'; NetworkBackupPaths = @('Z:\AlteryxBackups') }
        $r = Register-AlteryxBackupTask -Schedule Nightly -ConfigPath $cfg -Force -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        @($w | Where-Object { $_ -match "'Z:\\AlteryxBackups' is on a mapped network drive, and the task runs as SYSTEM" }).Count | Should -Be 1
        @($w | Where-Object { $_ -match 'D:\\Alteryx' }).Count | Should -Be 0
        @($r.Warnings).Count | Should -Be 1
        Should -Invoke -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_LogicalDisk' }
    }

    It 'no mapped-drive warning for local disks; a SYSTEM task writing to a share is told about the computer account' {
        Mock -ModuleName AlteryxBackup Get-CimInstance { [pscustomobject]@{ DeviceID = 'D:'; DriveType = 3; ProviderName = $null } }
        $cfg = New-Config -Backup @{ LocalBackupPath = 'D:\Alteryx\Backups'; NetworkBackupPaths = @('\\nas01\AlteryxBackups') }
        Register-AlteryxBackupTask -Schedule Nightly -ConfigPath $cfg -Force -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        @($w).Count | Should -Be 1
        "$w" | Should -Match 'computer account'
        "$w" | Should -Not -Match 'mapped'
    }
}
