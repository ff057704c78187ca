function Get-AlteryxBackupErrorCategory {
    <#
    .SYNOPSIS
        Maps an AlteryxBackup exit code (docs/exit-codes.md) to an ErrorCategory.
    .PARAMETER ExitCode
        0 success, 1 general, 2 wait timed out, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorCategory])]
    param(
        [Parameter(Mandatory = $true)]
        [int] $ExitCode
    )

    switch ($ExitCode) {
        2 { [System.Management.Automation.ErrorCategory]::OperationTimeout }
        3 { [System.Management.Automation.ErrorCategory]::InvalidData }
        4 { [System.Management.Automation.ErrorCategory]::WriteError }
        5 { [System.Management.Automation.ErrorCategory]::ConnectionError }
        6 { [System.Management.Automation.ErrorCategory]::InvalidArgument }
        default { [System.Management.Automation.ErrorCategory]::NotSpecified }
    }
}
