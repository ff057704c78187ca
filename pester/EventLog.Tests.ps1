#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The Windows Event Log entry of a backup run: Write-AlteryxBackupEventLog (level and event id by
    outcome, message, creation of the source on first use, never throwing, the sandbox no-op) and its one
    call from Invoke-AlteryxBackup. The Event Log API is mocked (Invoke-AlteryxBackupEventLogApi).
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force

    function New-RunResult {
        param([int] $ExitCode = 0, [string] $Mode = 'Full', [string] $ArchivePath = 'D:\Alteryx\Backups\ServerBackup_Full_20260101_020000.zip', [string] $Message = 'Full backup completed', [bool] $DryRun = $false)
        [pscustomobject]@{
            PSTypeName   = 'AlteryxBackup.Result'
            Mode         = $Mode
            Success      = ($ExitCode -eq 0)
            ExitCode     = $ExitCode
            Message      = $Message
            ArchivePath  = $ArchivePath
            LogPath      = 'D:\Alteryx\BackupLogs\BackupLog_Full_20260101_020000.log'
            Destinations = @(
                [pscustomobject]@{ path = 'D:\Alteryx\Backups'; kind = 'local'; status = 'ok'; attempts = 1 }
                [pscustomobject]@{ path = '\\nas01\AlteryxBackups'; kind = 'network'; status = 'failed'; attempts = 3; error = 'The network path was not found' }
            )
            Warnings     = @('w1')
            DryRun       = $DryRun
        }
    }
}

Describe 'Write-AlteryxBackupEventLog' {
    BeforeEach {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'Available' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'SourceExists' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'WriteEntry' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'CreateSource' }
    }

    It 'exit <ExitCode> (archive: <HasArchive>) is an <EntryType> entry with event id <ExitCode>' -ForEach @(
        @{ ExitCode = 0; HasArchive = $true; EntryType = 'Information' }
        @{ ExitCode = 4; HasArchive = $true; EntryType = 'Warning' }
        @{ ExitCode = 4; HasArchive = $false; EntryType = 'Error' }
        @{ ExitCode = 1; HasArchive = $false; EntryType = 'Error' }
        @{ ExitCode = 2; HasArchive = $false; EntryType = 'Error' }
        @{ ExitCode = 3; HasArchive = $false; EntryType = 'Error' }
        @{ ExitCode = 5; HasArchive = $false; EntryType = 'Error' }
        @{ ExitCode = 6; HasArchive = $false; EntryType = 'Error' }
    ) {
        $archive = $null
        if ($HasArchive) { $archive = 'D:\Alteryx\Backups\ServerBackup_Full_20260101_020000.zip' }
        $result = New-RunResult -ExitCode $ExitCode -ArchivePath $archive
        InModuleScope AlteryxBackup -Parameters @{ R = $result } { Write-AlteryxBackupEventLog -Result $R }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter {
            $Operation -eq 'WriteEntry' -and $Source -eq 'AlteryxBackup' -and $EntryType -eq $EntryType -and $EventId -eq $ExitCode
        }
    }

    It 'writes a message with the mode, exit code, message, archive, log and each destination' {
        $script:written = $null
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $script:written = $Message; $true } -ParameterFilter { $Operation -eq 'WriteEntry' }
        InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult -ExitCode 4 -Message 'Backup written, but 1 destination(s) failed') } { Write-AlteryxBackupEventLog -Result $R }
        $lines = $script:written -split "`r`n"
        $lines[0] | Should -Be 'AlteryxBackup: Full backup completed with a storage error (exit code 4, storage error).'
        $lines[1] | Should -Be 'Backup written, but 1 destination(s) failed'
        $lines | Should -Contain 'Archive: D:\Alteryx\Backups\ServerBackup_Full_20260101_020000.zip'
        $lines | Should -Contain 'Log file: D:\Alteryx\BackupLogs\BackupLog_Full_20260101_020000.log'
        $lines | Should -Contain 'Destination: D:\Alteryx\Backups: ok'
        $lines | Should -Contain 'Destination: \\nas01\AlteryxBackups: failed after 3 attempts (The network path was not found)'
        $lines | Should -Contain 'Warnings: 1 (see the log file)'
    }

    It 'truncates a message the Event Log would refuse' {
        $script:written = $null
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $script:written = $Message; $true } -ParameterFilter { $Operation -eq 'WriteEntry' }
        InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult -ExitCode 1 -Message ('x' * 40000)) } { Write-AlteryxBackupEventLog -Result $R }
        $script:written.Length | Should -BeLessThan 31839
        $script:written | Should -Match 'truncated; see the log file'
    }

    It 'creates the source on first use, then writes' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $false } -ParameterFilter { $Operation -eq 'SourceExists' }
        InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult) } { Write-AlteryxBackupEventLog -Result $R }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter { $Operation -eq 'CreateSource' -and $Source -eq 'AlteryxBackup' -and $LogName -eq 'Application' }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter { $Operation -eq 'WriteEntry' }
    }

    It 'does not create an existing source' {
        InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult) } { Write-AlteryxBackupEventLog -Result $R }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -eq 'CreateSource' }
    }

    It 'warns, writes nothing and does not throw when the source cannot be created (not an Administrator)' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $false } -ParameterFilter { $Operation -eq 'SourceExists' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw (New-Object System.Security.SecurityException 'Requested registry access is not allowed.') } -ParameterFilter { $Operation -eq 'CreateSource' }
        $out = $null
        { $script:out = InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult) } { Write-AlteryxBackupEventLog -Result $R 3>&1 } } | Should -Not -Throw
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -eq 'WriteEntry' }
        @($script:out).Count | Should -Be 1
        $script:out[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $script:out[0].Message | Should -Match 'source AlteryxBackup is not registered and could not be created \(Requested registry access is not allowed\.\)\. Run Register-AlteryxBackupEventSource once as Administrator'
    }

    It 'still tries to write when the source check is refused, and only warns when that fails too' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw (New-Object System.Security.SecurityException 'some event logs could not be searched') } -ParameterFilter { $Operation -eq 'SourceExists' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw 'The source was not found' } -ParameterFilter { $Operation -eq 'WriteEntry' }
        $out = InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult -ExitCode 5) } { Write-AlteryxBackupEventLog -Result $R 3>&1 }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter { $Operation -eq 'WriteEntry' }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -eq 'CreateSource' }
        @($out).Count | Should -Be 1
        $out[0] | Should -BeOfType [System.Management.Automation.WarningRecord]
        $out[0].Message | Should -Match 'could not be written \(The source was not found\)'
    }

    It 'in a sandbox: no Event Log call at all, one debug line saying what would be written' {
        $out = InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult -ExitCode 5) } {
            $DebugPreference = 'Continue'
            Write-AlteryxBackupEventLog -Result $R -Sandbox 5>&1
        }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0
        @($out).Count | Should -Be 1
        $out[0] | Should -BeOfType [System.Management.Automation.DebugRecord]
        $out[0].Message | Should -Be 'AlteryxBackup: sandbox run: no Windows Event Log entry (would be Application/AlteryxBackup, Error, event id 5)'
    }

    It 'for a dry run or a missing result: nothing' {
        InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult -DryRun $true) } { Write-AlteryxBackupEventLog -Result $R }
        InModuleScope AlteryxBackup { Write-AlteryxBackupEventLog -Result $null }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0
    }

    It 'on a system without the Windows Event Log: nothing but a debug line' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $false } -ParameterFilter { $Operation -eq 'Available' }
        $out = InModuleScope AlteryxBackup -Parameters @{ R = (New-RunResult) } { $DebugPreference = 'Continue'; Write-AlteryxBackupEventLog -Result $R 5>&1 }
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -ne 'Available' }
        $out[0].Message | Should -Match 'no Windows Event Log on this system \(would be Application/AlteryxBackup, Information, event id 0\)'
    }
}

Describe 'Invoke-AlteryxBackup writes one Event Log entry per run' {
    BeforeAll {
        function New-CoreResult([int] $ExitCode) {
            [pscustomobject]@{ type = 'result'; exitCode = $ExitCode; mode = 'DatabaseOnly'; archivePath = $null; sha256 = $null; sizeBytes = $null; durationMs = 10; logPath = '/l.log'; destinations = @(); warnings = @(); message = 'MongoDB dump failed'; dryRun = $false; summary = $null; plan = $null; errors = @() }
        }
    }

    BeforeEach {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-CoreResult -ExitCode 5 }
        Mock -ModuleName AlteryxBackup Write-AlteryxBackupEventLog { }
    }

    It 'passes the typed result once, not as a sandbox run, and keeps the exit code' {
        $global:LASTEXITCODE = 99
        $r = Invoke-AlteryxBackup -BackupMode DatabaseOnly -ErrorAction SilentlyContinue
        $r.ExitCode | Should -Be 5
        $global:LASTEXITCODE | Should -Be 99
        Should -Invoke -ModuleName AlteryxBackup Write-AlteryxBackupEventLog -Times 1 -Exactly -ParameterFilter {
            $Result.PSObject.TypeNames[0] -eq 'AlteryxBackup.Result' -and $Result.ExitCode -eq 5 -and -not $Sandbox
        }
    }

    It 'marks a -SandboxPath run as a sandbox run' {
        $null = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $TestDrive -ErrorAction SilentlyContinue
        Should -Invoke -ModuleName AlteryxBackup Write-AlteryxBackupEventLog -Times 1 -Exactly -ParameterFilter { [bool]$Sandbox }
    }

    It 'writes no entry for -WhatIf' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { $r = New-CoreResult -ExitCode 0; $r.dryRun = $true; $r }
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -WhatIf 6>$null
        Should -Invoke -ModuleName AlteryxBackup Write-AlteryxBackupEventLog -Times 0
    }

    It 'forwards -SmtpCredential as params.SmtpUsername and secrets.SmtpPassword, never in params' {
        $cred = New-Object System.Management.Automation.PSCredential ('mailer', (ConvertTo-SecureString 'Smtp-Pa55' -AsPlainText -Force))
        $null = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SmtpCredential $cred -ErrorAction SilentlyContinue
        Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupCore -Times 1 -Exactly -ParameterFilter {
            $Request.params['SmtpUsername'] -eq 'mailer' -and -not $Request.params.Contains('SmtpCredential') -and
            [System.Net.NetworkCredential]::new('', $Request.secrets['SmtpPassword']).Password -eq 'Smtp-Pa55'
        }
    }
}
