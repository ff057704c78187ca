function Test-AlteryxBackup {
    <#
    .SYNOPSIS
        Verifies an AlteryxBackup archive offline: every entry against its manifest SHA-256, the files its
        mode needs, and the archive's own SHA-256.

    .DESCRIPTION
        Test-AlteryxBackup opens an archive made by Invoke-AlteryxBackup with an independent ZIP reader (not
        the one that wrote it) and checks, without the server and without changing anything:
          - the archive exists, opens, and no entry name escapes a target folder (no absolute or ../ names);
          - manifest.json reads, every file it lists is present with the same size and SHA-256, and nothing
            is in the archive that the manifest does not list;
          - the files the archive's mode needs are there (RuntimeSettings.xml and the controller token for
            Full and ConfigOnly, a .bson dump of AlteryxGallery, AlteryxGallery_Lucene and AlteryxService for
            Full and DatabaseOnly) and nothing outside the mode;
          - the archive's own SHA-256 equals the one in <archive>.sha256 when that file is beside it.
        Encrypted (AES-256) archives need -ArchivePassword. It works on a copy on a share as well.

        Output: one AlteryxBackup.VerifyResult per archive, with every check and its outcome. When a check
        fails, the object is still written (Success $false, ExitCode 3, BadEntries naming the entries whose
        content does not match), followed by a non-terminating error AlteryxBackup.Exit3. $LASTEXITCODE is
        left alone: ExitCode is 0 or 3 (a core that cannot run at all is the terminating error AlteryxBackup.Exit1).

        Each verification is recorded in the run catalog (Get-AlteryxBackupHistory -Kind verify) of the
        configuration: -ConfigPath, else the default backup-config.json next to the module; with -SandboxPath,
        in the simulated server's log folder. Only a check on a machine with no configuration at all is not
        recorded.

    .PARAMETER Path
        The archive(s) to verify. Accepts pipeline input, also by the property names ArchivePath (the
        result of Invoke-AlteryxBackup) and FullName (files from Get-ChildItem).
        Also an s3://bucket/prefix/<archive> or azblob://account/container/prefix/<archive> URL (see
        Get-AlteryxBackup and docs/storage.md): downloaded to the temp folder, SHA-256 checked, then used.

    .PARAMETER Latest
        Instead of -Path: verify the newest good backup (not empty, its .sha256 next to it) of -Mode at
        -Destination. Cannot be combined with -Path (parameter sets). When nothing matches: ExitCode 3 and
        the error AlteryxBackup.Exit3 naming the destination and the mode.

    .PARAMETER Mode
        With -Latest: the backup mode to pick (Full, DatabaseOnly, ConfigOnly; the legacy
        ServerBackup_YYYYMMDD_HHmmss.zip counts as Full).

    .PARAMETER Destination
        With -Latest: where to look. A cloud destination by its Name in BackupConfiguration.CloudDestinations
        (its credentials as for the backup: CredentialTarget, the environment; docs/storage.md), or a folder:
        local (D:\Alteryx\Backups) or a network path (\\nas01\AlteryxBackups), as the server sees it.

    .PARAMETER ConfigPath
        The backup-config.json whose CloudDestinations -Destination (and an s3:// / azblob:// -Path) refers
        to. Default: the one next to the module.

    .PARAMETER SandboxPath
        With -Latest and a folder: the simulated server (New-AlteryxSandbox) whose folder it is.

    .PARAMETER ArchivePassword
        Password of an AES-256 encrypted archive. Passed to the core on stdin, never on a command line.

    .PARAMETER SkipChecksumFile
        Do not check <archive>.sha256 even when it is there (the entries are still checked).

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        Test-AlteryxBackup -Path D:\Alteryx\Backups\ServerBackup_Full_20250101_020000.zip

        Verifies one archive and its .sha256; the result lists every check.

    .EXAMPLE
        Get-ChildItem \\nas01\AlteryxBackups\ServerBackup_*.zip | Test-AlteryxBackup | Where-Object { -not $_.Success }

        Verifies every archive on a share and shows only those that fail.

    .EXAMPLE
        Invoke-AlteryxBackup -BackupMode DatabaseOnly | Test-AlteryxBackup

        Verifies the archive a backup just published (by its ArchivePath).

    .EXAMPLE
        (Test-AlteryxBackup .\ServerBackup_Config_20250101_020000.zip -ArchivePassword (Read-Host -AsSecureString)).Checks | Format-Table

        Verifies an encrypted archive and shows each check.

    .EXAMPLE
        Test-AlteryxBackup -Latest -Mode Full -Destination aws-offsite -ConfigPath C:\AlteryxBackup\backup-config.json

        Verifies the newest good Full backup stored in the cloud destination aws-offsite (downloaded to the
        temp folder, SHA-256 checked, verified, removed).

    .EXAMPLE
        Test-AlteryxBackup -Latest -Mode ConfigOnly -Destination '\\nas01\AlteryxBackups' -SandboxPath C:\Temp\sbx

        Verifies the newest good ConfigOnly backup on the share (here: the share of a simulated server).

    .INPUTS
        System.String (the archive path), or objects with an ArchivePath or FullName property.

    .OUTPUTS
        AlteryxBackup.VerifyResult. Properties: Path, Success, ExitCode, Mode, Message, Checks (Name, Ok,
        Detail), FailedChecks, BadEntries.

    .LINK
        Restore-AlteryxBackup

    .LINK
        Invoke-AlteryxRestoreDrill
    #>
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    [OutputType('AlteryxBackup.VerifyResult')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true, ParameterSetName = 'Path')]
        [Alias('ArchivePath', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [switch] $Latest,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [ValidateSet('Full', 'DatabaseOnly', 'ConfigOnly')]
        [string] $Mode,

        [Parameter(Mandatory = $true, ParameterSetName = 'Latest')]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateNotNullOrEmpty()]
        [string] $ConfigPath,

        [ValidateNotNullOrEmpty()]
        [string] $SandboxPath,

        [System.Security.SecureString] $ArchivePassword,

        [switch] $SkipChecksumFile,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    process {
        $items = @($Path)
        # -Latest: one run, the core picks the archive (src/cloud/latest.ts).
        if ($PSCmdlet.ParameterSetName -eq 'Latest') { $items = @($null) }
        foreach ($item in $items) {
            if ($null -eq $item) {
                $full = "the newest $Mode backup at $Destination"
                $bound = [ordered]@{ Latest = $true; Mode = $Mode; Destination = $Destination }
            }
            else {
                # An s3:// or azblob:// URL (docs/storage.md) goes to the core as it is: it downloads, checks, verifies.
                if ($item -match '^(s3|azblob)://') { $full = $item } else { $full = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($item) }
                $bound = [ordered]@{ Path = $full }
            }
            foreach ($key in @('ConfigPath', 'SandboxPath')) {
                if ($PSBoundParameters.ContainsKey($key)) { $bound[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($PSBoundParameters[$key]) }
            }
            if ($PSBoundParameters.ContainsKey('ArchivePassword')) { $bound['ArchivePassword'] = $ArchivePassword }
            if ($SkipChecksumFile) { $bound['SkipChecksumFile'] = $true }
            if ($PSBoundParameters.ContainsKey('Verbose')) { $bound['Verbose'] = $PSBoundParameters['Verbose'] }
            $coreArgs = @{}
            if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }

            $request = New-AlteryxBackupRequest -Command 'verify' -BoundParameters $bound
            $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'verify' -Request $request -Target $full @coreArgs

            $exitCode = 1
            if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
            $checks = @(ConvertTo-AlteryxBackupCheck -Checks $core.checks)
            # -Latest: the archive the core picked (its URL or path) is the result's Path.
            if ($null -eq $item -and $core.archive) { $full = [string]$core.archive }
            $result = [pscustomobject]@{
                PSTypeName   = 'AlteryxBackup.VerifyResult'
                Path         = $full
                Success      = ($exitCode -eq 0)
                ExitCode     = $exitCode
                Mode         = [string]$core.mode
                Message      = [string]$core.message
                Checks       = $checks
                FailedChecks = @($checks | Where-Object { -not $_.Ok })
                BadEntries   = @($core.badEntries | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            }
            $result
            if ($exitCode -ne 0) {
                Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $result `
                    -Message $result.Message -Fallback "Verification of $full failed with exit code $exitCode."
            }
        }
    }
}
