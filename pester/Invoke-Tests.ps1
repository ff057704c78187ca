<#
.SYNOPSIS
    Runs the project's Pester 5 tests (pester/*.Tests.ps1).

.DESCRIPTION
    Meant to be run through the repo's wrapper, which puts .tools/Modules on PSModulePath:
        bash scripts/pwsh.sh -File pester/Invoke-Tests.ps1
        bash scripts/pwsh.sh -File pester/Invoke-Tests.ps1 -Path pester/Foo.Tests.ps1
    Writes NUnit XML results to .tools/pester-results.xml, prints exactly one line
        PESTER-SUMMARY passed=<n> failed=<n> skipped=<n>
    and exits with the failed count (0 when nothing failed). A failed BeforeAll/AfterAll
    block and a test file that could not run at all (e.g. a syntax error) count as failed;
    a run with no *.Tests.ps1 file at all reports 0/0/0 and exits 0.

.PARAMETER Path
    Test files or folders to run instead of the whole pester/ folder.
#>
[CmdletBinding()]
param(
    [string[]] $Path
)

# No script-wide $ErrorActionPreference / Set-StrictMode here: test files run in
# scopes below this script and would inherit them. Calls below use -ErrorAction Stop.

$PesterVersion = '5.7.1'
$RepoRoot = Split-Path -Parent $PSScriptRoot
$ResultPath = Join-Path $RepoRoot '.tools/pester-results.xml'

function Write-Summary([int] $Passed, [int] $Failed, [int] $Skipped) {
    # Plain text on stdout, whatever the rendering settings: scripts/run-tests.mjs parses it.
    [Console]::Out.WriteLine("PESTER-SUMMARY passed=$Passed failed=$Failed skipped=$Skipped")
    [Console]::Out.Flush()
}

# Exit codes are 8-bit on Linux: 256 failures must not read as success.
function Exit-WithFailed([int] $Failed) {
    exit ([Math]::Min($Failed, 255))
}

try {
    if (-not $Path) {
        $Path = @($PSScriptRoot)
    }
    foreach ($p in $Path) {
        if (-not (Test-Path -Path $p -ErrorAction Stop)) {
            throw "Test path not found: $p"
        }
    }

    Import-Module Pester -RequiredVersion $PesterVersion -ErrorAction Stop

    # No test files at all is "nothing to run", not a failure (Invoke-Pester would
    # write an error and return nothing); scripts/run-tests.mjs fails a run where
    # no suite ran any test.
    $testFiles = @(Get-ChildItem -Path $Path -Recurse -File -Include '*.Tests.ps1' -ErrorAction Stop)
    if ($testFiles.Count -eq 0) {
        Write-Host "No *.Tests.ps1 files under: $($Path -join ', ')"
        Write-Summary -Passed 0 -Failed 0 -Skipped 0
        exit 0
    }

    # Child pwsh processes started by tests must not colour their output either: an escape character in a
    # failure message makes the NUnit XML export throw and would lose the whole run's result.
    $env:NO_COLOR = '1'
    $plain = [Console]::IsOutputRedirected -and -not $env:FORCE_COLOR
    if ($plain) {
        $PSStyle.OutputRendering = 'PlainText'
    }

    $config = New-PesterConfiguration -ErrorAction Stop
    $config.Run.Path = $Path
    $config.Run.PassThru = $true
    $config.Run.Exit = $false
    $config.Run.Throw = $false
    $config.Output.Verbosity = 'Detailed'
    if ($plain) {
        $config.Output.RenderMode = 'Plaintext'
    }
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultPath
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $ResultPath) -ErrorAction Stop

    $result = Invoke-Pester -Configuration $config
    if ($null -eq $result) {
        throw 'Invoke-Pester returned no result object.'
    }

    $passed = [int] $result.PassedCount
    $failed = [int] $result.FailedCount + [int] $result.FailedBlocksCount + [int] $result.FailedContainersCount
    $skipped = [int] $result.SkippedCount + [int] $result.InconclusiveCount
    # Name every failure on its own line next to the summary, so that the tail of a long log says what failed.
    foreach ($t in @($result.Failed)) {
        $why = if ($t.ErrorRecord) { ': ' + ("$($t.ErrorRecord[0].Exception.Message)" -split "`r?`n" | Select-Object -First 1) } else { '' }
        [Console]::Out.WriteLine("PESTER-FAILED $(Split-Path -Leaf $t.ScriptBlock.File) > $($t.ExpandedPath)$why")
    }
    foreach ($b in @($result.FailedBlocks)) {
        [Console]::Out.WriteLine("PESTER-FAILED $(Split-Path -Leaf $b.ScriptBlock.File) > $($b.ExpandedPath) (a BeforeAll/AfterAll of the block)")
    }
    foreach ($c in @($result.FailedContainers)) {
        [Console]::Out.WriteLine("PESTER-FAILED $($c.Item) (the file did not run)")
    }
    if ($failed -eq 0 -and $result.Result -eq 'Failed') {
        # Pester judged the run failed for a reason not in the counts above.
        $failed = 1
    }
}
catch {
    [Console]::Error.WriteLine("Invoke-Tests.ps1: $($_.Exception.Message)")
    if ($_.ScriptStackTrace) {
        [Console]::Error.WriteLine($_.ScriptStackTrace)
    }
    Write-Summary -Passed 0 -Failed 1 -Skipped 0
    Exit-WithFailed 1
}

Write-Summary -Passed $passed -Failed $failed -Skipped $skipped
Exit-WithFailed $failed
