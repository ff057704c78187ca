# AlteryxBackup root module: dot-sources one function per file.
# Private helpers first, then the public commands (exported through the manifest's FunctionsToExport).
# Windows PowerShell 5.1 compatible: no PowerShell 7-only syntax anywhere in this module
# (pester/Module.Tests.ps1 checks it).

foreach ($folder in @('Private', 'Public')) {
    $folderPath = Join-Path $PSScriptRoot $folder
    if (-not (Test-Path -LiteralPath $folderPath)) { continue }
    foreach ($file in @(Get-ChildItem -LiteralPath $folderPath -Filter '*.ps1' -File | Sort-Object Name)) {
        . $file.FullName
    }
}
