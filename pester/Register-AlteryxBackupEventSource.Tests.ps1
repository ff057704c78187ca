#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Register-AlteryxBackupEventSource: parameter set, what it registers, -WhatIf, and its errors. The
    Windows Event Log API is reached only through the private Invoke-AlteryxBackupEventLogApi, which is
    mocked here, so these tests run on any platform.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
}

Describe 'Register-AlteryxBackupEventSource parameters' {
    BeforeAll {
        $command = Get-Command Register-AlteryxBackupEventSource
    }

    It 'has one own parameter, LogName, a string defaulting to Application' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        @($command.Parameters.Keys | Where-Object { $common -notcontains $_ }) | Should -Be @('LogName')
        $command.Parameters['LogName'].ParameterType | Should -Be ([string])
        (Get-Help Register-AlteryxBackupEventSource -Parameter LogName).defaultValue | Should -Be 'Application'
        (Get-Help Register-AlteryxBackupEventSource -Parameter LogName).Description.Text | Should -Match 'Default Application'
    }

    It 'supports -WhatIf and -Confirm' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
    }

    It 'refuses an empty -LogName' {
        { Register-AlteryxBackupEventSource -LogName '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Register-AlteryxBackupEventSource'
    }
}

Describe 'Register-AlteryxBackupEventSource on Windows' {
    BeforeEach {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'Available' }
    }

    Context 'the source does not exist yet' {
        BeforeEach {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $false } -ParameterFilter { $Operation -eq 'SourceExists' }
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'CreateSource' }
        }

        It 'creates source AlteryxBackup in the Application log and says so' {
            $r = Register-AlteryxBackupEventSource
            Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter {
                $Operation -eq 'CreateSource' -and $Source -eq 'AlteryxBackup' -and $LogName -eq 'Application'
            }
            $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.EventSource'
            $r.Source | Should -Be 'AlteryxBackup'
            $r.LogName | Should -Be 'Application'
            $r.Created | Should -BeTrue
            $r.Registered | Should -BeTrue
        }

        It 'uses the -LogName given' {
            $r = Register-AlteryxBackupEventSource -LogName 'AlteryxBackup'
            Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 1 -Exactly -ParameterFilter { $Operation -eq 'CreateSource' -and $LogName -eq 'AlteryxBackup' }
            $r.LogName | Should -Be 'AlteryxBackup'
        }

        It 'creates nothing with -WhatIf' {
            $r = Register-AlteryxBackupEventSource -WhatIf
            Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -eq 'CreateSource' }
            $r.Created | Should -BeFalse
            $r.Registered | Should -BeFalse
        }

        It 'fails with PermissionDenied and a hint when Windows refuses (not an Administrator)' {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw (New-Object System.Security.SecurityException 'Requested registry access is not allowed.') } -ParameterFilter { $Operation -eq 'CreateSource' }
            $err = $null
            try { Register-AlteryxBackupEventSource -ErrorAction Stop } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'AlteryxBackup.EventSourceNotCreated,Register-AlteryxBackupEventSource'
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.Exception.Message | Should -Match 'registry access is not allowed'
            $err.Exception.Message | Should -Match 'Administrator'
        }
    }

    Context 'the source exists' {
        BeforeEach {
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $true } -ParameterFilter { $Operation -eq 'SourceExists' }
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { 'Application' } -ParameterFilter { $Operation -eq 'LogOfSource' }
            Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw 'must not be called' } -ParameterFilter { $Operation -eq 'CreateSource' }
        }

        It 'changes nothing and reports it as registered, not created' {
            $r = Register-AlteryxBackupEventSource
            Should -Invoke -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi -Times 0 -ParameterFilter { $Operation -eq 'CreateSource' }
            $r.Registered | Should -BeTrue
            $r.Created | Should -BeFalse
            $r.LogName | Should -Be 'Application'
        }

        It 'warns when the source belongs to another log' {
            $r = Register-AlteryxBackupEventSource -LogName 'Custom' -WarningVariable w -WarningAction SilentlyContinue
            @($w).Count | Should -Be 1
            $w[0] | Should -Match "already registered in the 'Application' log, not 'Custom'"
            $r.LogName | Should -Be 'Application'
        }
    }

    It 'fails with a hint to elevate when the check itself is refused' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw (New-Object System.Security.SecurityException 'The source was not found, but some or all event logs could not be searched.') } -ParameterFilter { $Operation -eq 'SourceExists' }
        { Register-AlteryxBackupEventSource } | Should -Throw -ErrorId 'AlteryxBackup.EventSourceAccessDenied,Register-AlteryxBackupEventSource'
        { Register-AlteryxBackupEventSource } | Should -Throw '*Run as administrator*'
    }
}

Describe 'Register-AlteryxBackupEventSource elsewhere' {
    It 'fails clearly on a system without the Windows Event Log' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { $false } -ParameterFilter { $Operation -eq 'Available' }
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupEventLogApi { throw 'must not be called' } -ParameterFilter { $Operation -ne 'Available' }
        { Register-AlteryxBackupEventSource } | Should -Throw -ErrorId 'AlteryxBackup.EventLogNotAvailable,Register-AlteryxBackupEventSource'
    }

    It 'reports Available as the real platform (unmocked)' {
        $expected = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
        InModuleScope AlteryxBackup { Invoke-AlteryxBackupEventLogApi -Operation Available } | Should -Be $expected
    }
}
