function Invoke-AlteryxBackupNative {
    <#
    .SYNOPSIS
        Runs a native program and returns its output and exit code as @{ Output; ExitCode }.
    .DESCRIPTION
        The module's single seam for short native calls (for example `node --version`). Pester mocks
        cannot set $LASTEXITCODE, so callers read ExitCode from the returned hashtable and tests mock
        this function instead of the program. stderr is merged into Output as plain strings; neither
        Windows PowerShell 5.1's stderr-to-ErrorRecord conversion nor PowerShell 7.3+'s
        $PSNativeCommandUseErrorActionPreference turns a non-zero exit or a stderr line into an error.
        Long-running calls to the Node core go through Invoke-AlteryxBackupCore instead.
    .PARAMETER FilePath
        Program to run (full path or a name on PATH).
    .PARAMETER ArgumentList
        Arguments, passed one by one (no shell).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $FilePath,

        [string[]] $ArgumentList = @()
    )

    # Local to this function's scope only.
    $ErrorActionPreference = 'Continue'
    $PSNativeCommandUseErrorActionPreference = $false

    # A native call sets $global:LASTEXITCODE; the caller's value is put back, so that no cmdlet of this
    # module changes it (the exit code is returned instead).
    $had = $null -ne (Get-Variable -Name LASTEXITCODE -Scope Global -ErrorAction SilentlyContinue)
    $saved = $global:LASTEXITCODE
    try {
        $global:LASTEXITCODE = 0
        $output = @(& $FilePath @ArgumentList 2>&1 | ForEach-Object { [string]$_ })
        $exitCode = $global:LASTEXITCODE
    }
    finally {
        if ($had) { $global:LASTEXITCODE = $saved }
        else { Remove-Variable -Name LASTEXITCODE -Scope Global -ErrorAction SilentlyContinue -WhatIf:$false -Confirm:$false }
    }
    if ($null -eq $exitCode) { $exitCode = 0 }

    @{
        Output   = $output
        ExitCode = [int]$exitCode
    }
}
