function ConvertFrom-AlteryxBackupBatch {
    <#
    .SYNOPSIS
        Turns the legacy backup batch script (and its cleanup script) into a backup-config.json that validates,
        and lists every variable it could not map and why.

    .DESCRIPTION
        Reads the SET lines of the legacy script as text (nothing in the batch files is run) and maps what it
        recognises: BatchLogDir (LogDir in the first version) -> LogDirectory, TempDir -> TempDirectory,
        NetworkDir -> LocalBackupPath (a local folder) or NetworkBackupPaths (a UNC path), AlteryxService ->
        AlteryxServicePath and InstallDirectory, MaxServiceWait (1-second polls) -> MaxServiceWaitSeconds; ZipUtil
        is dropped (no longer needed). From the cleanup script: BackupDir, LogsDir, BackupLifespan ->
        RetentionDays.Full (and RetentionIncludesLegacy7z, so the old .7z archives age out too), LogLifespan ->
        LogRetentionDays; CleanupLogDir has no counterpart. It understands SET X=Y, SET X="Y", SET "X=Y",
        trailing or missing backslashes, REM and :: comments, %VAR%, %ProgramData%-style references and %~dp0.

        A BackupLifespan of 0 in the cleanup script deletes every backup; here RetentionDays 0 keeps the newest:
        the result's Notes say so. -KeepFileNames sets ArchiveNameFormat legacy (ServerBackup_YYYYMMDD_HHmmss.zip).

        The configuration is validated with the same loader a backup uses before it is written (through a
        temporary name; an existing -OutFile is replaced only with -Force). -WhatIf validates and reports
        without writing. The work is done by the Node core (alteryx-backup migrate-batch).

        The result carries ExitCode (0, or 3 when the configuration does not validate), and a failure is also a
        non-terminating error AlteryxBackup.Exit<code> after it. $LASTEXITCODE is left alone.

    .PARAMETER Path
        The legacy backup batch file.

    .PARAMETER CleanupPath
        The legacy cleanup batch file (retention), optional.

    .PARAMETER OutFile
        Where to write the configuration. Default: backup-config.json in the current folder.

    .PARAMETER KeepFileNames
        Keep the batch script's archive names (ArchiveNameFormat legacy).

    .PARAMETER Force
        Replace an existing -OutFile.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise the module's own discovery.

    .EXAMPLE
        ConvertFrom-AlteryxBackupBatch -Path D:\Scripts\ServerBackup.bat -CleanupPath D:\Scripts\BackupCleanup.bat -OutFile D:\AlteryxBackup\backup-config.json

        Writes the configuration and shows what was mapped and what was not.

    .EXAMPLE
        (ConvertFrom-AlteryxBackupBatch .\ServerBackup.bat -WhatIf).Unmapped | Format-Table

        Only reports, as a table, the variables that have no counterpart.

    .EXAMPLE
        ConvertFrom-AlteryxBackupBatch .\ServerBackup.bat -KeepFileNames -OutFile .\backup-config.json -Force

        Keeps the ServerBackup_YYYYMMDD_HHmmss names, replacing an earlier result.

    .OUTPUTS
        AlteryxBackup.BatchMigration. Properties: Path, CleanupPath, OutFile, Written, ExitCode, Message,
        Mapped and Unmapped (AlteryxBackup.BatchVariable: Variable, Value, Mapped, Keys, Reason, Note, File,
        Line), Notes, Config.

    .LINK
        Compare-AlteryxBackup

    .LINK
        Register-AlteryxBackupTask
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    [OutputType('AlteryxBackup.BatchMigration')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [ValidateNotNullOrEmpty()]
        [string] $CleanupPath,

        [ValidateNotNullOrEmpty()]
        [string] $OutFile = 'backup-config.json',

        [switch] $KeepFileNames,

        [switch] $Force,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    process {
        $resolve = { param($p) $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p) }
        $bound = [ordered]@{ Path = (& $resolve $Path); OutFile = (& $resolve $OutFile) }
        if ($CleanupPath) { $bound['CleanupPath'] = & $resolve $CleanupPath }
        if ($KeepFileNames) { $bound['KeepFileNames'] = $true }
        if ($Force) { $bound['Force'] = $true }
        $write = $PSCmdlet.ShouldProcess($bound['OutFile'], "Write the configuration migrated from $($bound['Path'])")
        $request = New-AlteryxBackupRequest -Command 'migrate-batch' -BoundParameters $bound -DryRun:(-not $write)
        $coreArgs = @{}
        if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }
        $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'migrate-batch' -Request $request -Target $bound['Path'] @coreArgs

        $exitCode = 1
        if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
        $variable = {
            param($v, [bool] $isMapped)
            [pscustomobject]@{
                PSTypeName = 'AlteryxBackup.BatchVariable'
                Variable   = [string]$v.variable
                Value      = [string]$v.value
                Mapped     = $isMapped
                Keys       = @($v.keys | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
                Reason     = [string]$v.reason
                Note       = [string]$v.note
                File       = [string]$v.file
                Line       = [int]$v.line
            }
        }
        $result = [pscustomobject]@{
            PSTypeName  = 'AlteryxBackup.BatchMigration'
            Path        = $bound['Path']
            CleanupPath = $bound['CleanupPath']
            OutFile     = $bound['OutFile']
            Written     = [bool]$core.written
            ExitCode    = $exitCode
            Message     = [string]$core.message
            Mapped      = @(@($core.mapped) | Where-Object { $null -ne $_ } | ForEach-Object { & $variable $_ $true })
            Unmapped    = @(@($core.unmapped) | Where-Object { $null -ne $_ } | ForEach-Object { & $variable $_ $false })
            Notes       = @(@($core.notes) | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            Config      = $core.config
        }
        $result
        if ($exitCode -ne 0) {
            Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $result -Message $result.Message -Fallback "The migration of $($bound['Path']) failed with exit code $exitCode."
        }
    }
}
