#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The operational documents use the module as it is: every AlteryxBackup command they show exists and every
    parameter they give it is one of its parameters; every schtasks /TR command line quotes its -File path.
#>

BeforeDiscovery {
    $docs = @('runbook.md', 'quick-reference.md', 'deployment-checklist.md', 'migration.md', 'scheduling.md', 'history.md') |
        ForEach-Object { @{ Name = $_; File = (Join-Path $PSScriptRoot "../docs/$_") } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'fixtures/ScheduledTasks.Stubs.ps1')
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1') -Force
}

AfterAll { Get-Module AlteryxBackup | Remove-Module -Force }

Describe 'docs/<Name>' -ForEach $docs {
    It 'exists' {
        Test-Path -LiteralPath $File | Should -BeTrue
    }

    It 'shows only commands and parameters the module has' {
        $text = Get-Content -LiteralPath $File -Raw
        $uses = [regex]::Matches($text, '\b((?:Invoke|Restore|Test|New|Register|Get|Unregister|Export|ConvertFrom|Compare)-Alteryx\w+)((?:\s+(?:-\w+|[^\s|`;)]+))*)')
        $uses.Count | Should -BeGreaterThan 0
        $bad = foreach ($m in $uses) {
            $name = $m.Groups[1].Value
            $cmd = Get-Command -Name $name -Module AlteryxBackup -ErrorAction SilentlyContinue
            if (-not $cmd) { "$name (no such command)"; continue }
            foreach ($p in [regex]::Matches($m.Groups[2].Value, '(?<=\s)-(\w+)')) {
                $pn = $p.Groups[1].Value
                $known = $cmd.Parameters.Keys + @($cmd.Parameters.Values | ForEach-Object { $_.Aliases })
                if ($known -notcontains $pn) { "$name -$pn" }
            }
        }
        $bad | Should -BeNullOrEmpty
    }

    It 'quotes the -File path inside every schtasks /TR' {
        $lines = @(Get-Content -LiteralPath $File | Where-Object { $_ -match '/TR\s+"' })
        foreach ($l in $lines) { $l | Should -Match '-File \\"[^"]+\\"' }
    }
}

Describe 'the help of Invoke-AlteryxBackup' {
    It 'quotes the -File path inside its schtasks /TR example' {
        # The /TR line may stand in an example's code or in its remarks (after a New-ScheduledTaskAction example).
        $examples = (Get-Help Invoke-AlteryxBackup -Full).Examples.Example | ForEach-Object { $_.Code + [Environment]::NewLine + (($_.Remarks | ForEach-Object { $_.Text }) -join [Environment]::NewLine) }
        $tr = @($examples | Where-Object { $_ -match '/TR' })
        $tr.Count | Should -Be 1
        $tr[0] | Should -Match '-File \\"C:\\Program Files\\[^"]+\\Invoke-AlteryxBackup\.ps1\\"'
    }
}
