@{
    RootModule           = 'AlteryxBackup.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c7a1e-3b7d-4c52-9a8e-2d4f6b1c9e37'
    Author               = 'AlteryxBackup contributors'
    CompanyName          = 'AlteryxBackup'
    Copyright            = '(c) AlteryxBackup contributors. MIT License.'
    Description          = 'Backup, verification and restore for Alteryx Server. A thin PowerShell front over a bundled Node.js core (lib/alteryx-backup.mjs), run by the Node.js runtime the release ships in bin\node.exe: nothing else to install.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @(
        'Invoke-AlteryxBackup'
        'New-AlteryxSandbox'
        'Register-AlteryxBackupEventSource'
        'Test-AlteryxBackup'
        'Restore-AlteryxBackup'
        'Invoke-AlteryxRestoreDrill'
        'Get-AlteryxBackupHistory'
        'Test-AlteryxBackupHealth'
        'Export-AlteryxBackupReport'
        'Register-AlteryxBackupTask'
        'Get-AlteryxBackupTask'
        'Unregister-AlteryxBackupTask'
        'Export-AlteryxBackupTaskXml'
        'ConvertFrom-AlteryxBackupBatch'
        'Compare-AlteryxBackup'
        'Get-AlteryxBackup'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FormatsToProcess     = @('AlteryxBackup.Format.ps1xml')
    PrivateData          = @{
        PSData = @{
            Tags       = @('Alteryx', 'Backup', 'MongoDB', 'Windows')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
