function Compare-AlteryxBackup {
    <#
    .SYNOPSIS
        Compares a legacy backup (the batch script's folder, .7z or .zip) with one of AlteryxBackup's, file by
        file: what each holds, what differs, what the new one adds and what it lacks.

    .DESCRIPTION
        For the pilot, when the batch script and AlteryxBackup run side by side. The legacy names are mapped to
        this tool's layout first (ServerBackup_<ts>\Mongo\... -> MongoDB/..., RuntimeSettings.xml ->
        Config/RuntimeSettings.xml, SystemAlias.xml and SystemConnections.xml -> Config/Engine/,
        ControllerToken.txt -> Secrets/), then every file is compared by SHA-256 (a mongodump --gzip file is
        compared decompressed). A .7z is read with 7-Zip (ALTERYXBACKUP_7ZIP, 7zz / 7z on PATH, or
        C:\Program Files\7-Zip\7z.exe). Secrets are compared but their hashes are never shown.

        Output: one AlteryxBackup.ComparisonEntry per file (Status same, differs, onlyInReference or
        onlyInDifference; a table by default), or with -Summary one AlteryxBackup.Comparison with the counts.
        The exit code (the -Summary object's ExitCode) is 0 when the new backup holds every file of the legacy
        one (a superset; database files that differ are expected when the two ran at different times), 3 when
        it lacks some (each is then named in a non-terminating error AlteryxBackup.Exit3), and with -Strict also
        when a file differs. $LASTEXITCODE is left alone.

    .PARAMETER Reference
        The legacy backup: a folder, a .7z or a .zip.

    .PARAMETER Difference
        The AlteryxBackup archive (.zip) or an extracted folder of it.

    .PARAMETER Strict
        Also fail when a file both hold differs in content.

    .PARAMETER Summary
        Output one AlteryxBackup.Comparison (counts, superset, every entry in .Entries) instead of the entries.

    .PARAMETER ArchivePassword
        Password of an AES-256 encrypted archive of ours (sent to the core on stdin).

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise the module's own discovery.

    .EXAMPLE
        Compare-AlteryxBackup -Reference D:\Alteryx\Backups\ServerBackup_20260112_020000.7z -Difference D:\Alteryx\Backups\ServerBackup_Full_20260112_023000.zip

        The table of every file; no error when nothing of the legacy backup is missing.

    .EXAMPLE
        Compare-AlteryxBackup D:\Temp\ServerBackup_20260112_020000 .\ServerBackup_Full_20260112_023000.zip | Where-Object Status -ne 'same'

        Only the differences.

    .EXAMPLE
        (Compare-AlteryxBackup $legacy $ours -Summary).Superset

        True when the new backup is a superset of the legacy one.

    .OUTPUTS
        AlteryxBackup.ComparisonEntry (Status, Path, ReferenceName, DifferenceName, ReferenceSize,
        DifferenceSize, ReferenceSha256, DifferenceSha256, Note), or with -Summary AlteryxBackup.Comparison
        (Reference, Difference, Superset, IdenticalWhereShared, Same, Differs, OnlyInReference, OnlyInDifference,
        ExitCode, Success, Message, Entries).

    .LINK
        ConvertFrom-AlteryxBackupBatch

    .LINK
        Test-AlteryxBackup
    #>
    [CmdletBinding()]
    [OutputType('AlteryxBackup.ComparisonEntry', 'AlteryxBackup.Comparison')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Reference,

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Difference,

        [switch] $Strict,

        [switch] $Summary,

        [System.Security.SecureString] $ArchivePassword,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    $bound = [ordered]@{
        Reference  = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Reference)
        Difference = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Difference)
    }
    if ($Strict) { $bound['Strict'] = $true }
    if ($PSBoundParameters.ContainsKey('ArchivePassword')) { $bound['ArchivePassword'] = $ArchivePassword }
    $request = New-AlteryxBackupRequest -Command 'compare' -BoundParameters $bound
    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }
    $core = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'compare' -Request $request -Target $bound['Reference'] @coreArgs

    $exitCode = 1
    if ($null -ne $core.exitCode) { $exitCode = [int]$core.exitCode }
    $entries = @(@($core.rows) | Where-Object { $null -ne $_ } | ForEach-Object {
            [pscustomobject]@{
                PSTypeName       = 'AlteryxBackup.ComparisonEntry'
                Status           = [string]$_.status
                Path             = [string]$_.path
                ReferenceName    = $_.referenceName
                DifferenceName   = $_.differenceName
                ReferenceSize    = $_.referenceSize
                DifferenceSize   = $_.differenceSize
                ReferenceSha256  = $_.referenceSha256
                DifferenceSha256 = $_.differenceSha256
                Note             = $_.note
            }
        })
    $count = { param($s) @($entries | Where-Object { $_.Status -eq $s }).Count }
    if ($Summary) {
        [pscustomobject]@{
            PSTypeName           = 'AlteryxBackup.Comparison'
            Reference            = $bound['Reference']
            Difference           = $bound['Difference']
            Superset             = [bool]$core.superset
            IdenticalWhereShared = [bool]$core.identicalWhereShared
            Same                 = & $count 'same'
            Differs              = & $count 'differs'
            OnlyInReference      = & $count 'onlyInReference'
            OnlyInDifference     = & $count 'onlyInDifference'
            ExitCode             = $exitCode
            Success              = ($exitCode -eq 0)
            Message              = [string]$core.message
            Entries              = $entries
        }
    }
    else {
        $entries
    }
    if ($exitCode -ne 0) {
        $missing = @($entries | Where-Object { $_.Status -eq 'onlyInReference' } | ForEach-Object { $_.Path })
        $text = [string]$core.message
        if ($missing.Count) { $text = "$text Missing from the new backup: $($missing -join ', ')." }
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $bound['Reference'] -Message $text -Fallback "The comparison failed with exit code $exitCode."
    }
}
