# Private helper Stop-AlteryxBackupProcessTree: the cmdlets' watchdog ends Node and all it started.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
}

Describe 'Stop-AlteryxBackupProcessTree' {
    It 'ends a real process tree where .NET has Kill($true) (PowerShell 7)' {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh', '-c "sleep 300 & echo $!; wait"')
        $psi.RedirectStandardOutput = $true
        $psi.UseShellExecute = $false
        $parent = [System.Diagnostics.Process]::Start($psi)
        $childPid = [int]$parent.StandardOutput.ReadLine()
        (Get-Process -Id $childPid -ErrorAction SilentlyContinue) | Should -Not -BeNullOrEmpty
        InModuleScope AlteryxBackup -Parameters @{ P = $parent } { param($P) Stop-AlteryxBackupProcessTree -Process $P }
        $parent.WaitForExit(10000) | Should -BeTrue
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Get-Process -Id $childPid -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-Process -Id $childPid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'the child of the killed process is gone too'
    }

    Context 'on .NET Framework (Windows PowerShell 5.1: no Kill($true))' {
        BeforeEach {
            $script:fake = [pscustomobject]@{ Id = 4321; HasExited = $false; Killed = 0 }
            $script:fake | Add-Member -MemberType ScriptMethod -Name Kill -Value { $this.Killed++ }
        }
        It 'ends the tree with taskkill /T /F /PID, not Kill()' {
            InModuleScope AlteryxBackup -Parameters @{ F = $script:fake } {
                param($F)
                Mock Test-AlteryxBackupTreeKill { $false }
                Mock Invoke-AlteryxBackupNative { @{ Output = @('SUCCESS'); ExitCode = 0 } }
                Stop-AlteryxBackupProcessTree -Process $F
                Should -Invoke Invoke-AlteryxBackupNative -Times 1 -ParameterFilter {
                    $FilePath -like '*taskkill.exe' -and ($ArgumentList -join ' ') -eq '/T /F /PID 4321'
                }
            }
            $script:fake.Killed | Should -Be 0
        }
        It 'falls back to Kill() when taskkill fails' {
            InModuleScope AlteryxBackup -Parameters @{ F = $script:fake } {
                param($F)
                Mock Test-AlteryxBackupTreeKill { $false }
                Mock Invoke-AlteryxBackupNative { @{ Output = @('ERROR: access denied'); ExitCode = 1 } }
                Stop-AlteryxBackupProcessTree -Process $F
            }
            $script:fake.Killed | Should -Be 1
        }
        It 'does nothing for a process that has already exited' {
            $script:fake.HasExited = $true
            InModuleScope AlteryxBackup -Parameters @{ F = $script:fake } {
                param($F)
                Mock Invoke-AlteryxBackupNative { @{ Output = @(); ExitCode = 0 } }
                Stop-AlteryxBackupProcessTree -Process $F
                Should -Invoke Invoke-AlteryxBackupNative -Times 0
            }
            $script:fake.Killed | Should -Be 0
        }
    }
}
