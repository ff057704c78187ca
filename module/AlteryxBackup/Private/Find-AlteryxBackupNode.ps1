function Find-AlteryxBackupNode {
    <#
    .SYNOPSIS
        Finds the Node.js executable the module runs its core with, and checks its version.
    .DESCRIPTION
        Looks, in this order, at -NodePath, at $env:ALTERYXBACKUP_NODE, at the Node.js the release bundles
        in the module (bin\node.exe on Windows, bin/node elsewhere), then at `node` on PATH. The first one
        that is set or present is used (no fall-through: an explicit but wrong path is an error, not a
        reason to silently use another Node). Runs `<node> --version` and requires 20.19 or later. Throws a message
        naming what was looked for and how to fix it.
    .PARAMETER NodePath
        Explicit path to node / node.exe (the cmdlets' -NodePath).
    .OUTPUTS
        System.String. The full path of the node executable.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [string] $NodePath
    )

    $minimum = [version]'20.19.0'
    $fix = 'Reinstall the module from the release zip (it ships bin\node.exe), or install Node.js 20.19 or later (https://nodejs.org), then put it on PATH, set $env:ALTERYXBACKUP_NODE to the full path of node.exe, or pass -NodePath.'
    $bundledName = if ($env:OS -eq 'Windows_NT') { 'node.exe' } else { 'node' }
    $bundled = Join-Path (Join-Path (Split-Path -Parent $PSScriptRoot) 'bin') $bundledName

    $candidate = $null
    $source = $null
    if ($NodePath) {
        $candidate = $NodePath
        $source = '-NodePath'
    }
    elseif ($env:ALTERYXBACKUP_NODE) {
        $candidate = $env:ALTERYXBACKUP_NODE
        $source = '$env:ALTERYXBACKUP_NODE'
    }
    elseif (Test-Path -LiteralPath $bundled -PathType Leaf) {
        $candidate = $bundled
        $source = 'the module (bundled runtime)'
    }
    else {
        $command = Get-Command -Name 'node' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($null -eq $command) {
            throw "Node.js was not found: looked at -NodePath (not given), `$env:ALTERYXBACKUP_NODE (not set), the module's bundled '$bundled' (absent) and 'node' on PATH (not found). $fix"
        }
        $candidate = $command.Path
        $source = "'node' on PATH"
    }

    if ($source -ne "'node' on PATH") {
        if (-not (Test-Path -LiteralPath $candidate -PathType Leaf)) {
            throw "Node.js was not found at '$candidate' (from $source): no such file. $fix"
        }
        $candidate = (Resolve-Path -LiteralPath $candidate).ProviderPath
    }

    try {
        $run = Invoke-AlteryxBackupNative -FilePath $candidate -ArgumentList @('--version')
    }
    catch {
        throw "Node.js at '$candidate' (from $source) could not be started: $($_.Exception.Message). $fix"
    }
    $text = (@($run.Output) -join ' ').Trim()
    if ($run.ExitCode -ne 0) {
        throw "Node.js at '$candidate' (from $source) failed to report its version (exit code $($run.ExitCode)): $text. $fix"
    }
    if ($text -notmatch '^v?(\d+)\.(\d+)\.(\d+)') {
        throw "Node.js at '$candidate' (from $source) reported an unreadable version '$text'. $fix"
    }
    $version = [version]("{0}.{1}.{2}" -f $Matches[1], $Matches[2], $Matches[3])
    if ($version -lt $minimum) {
        throw "Node.js at '$candidate' (from $source) is version $version; AlteryxBackup needs $minimum or later. $fix"
    }
    Write-Debug "AlteryxBackup: using Node.js $version at '$candidate' (from $source)."
    $candidate
}
