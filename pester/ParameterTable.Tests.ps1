#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The one parameter table (src/config/params.ts) against what PowerShell sees: every parameter of the cmdlet
    Invoke-AlteryxBackup and of its script form (module/AlteryxBackup/Invoke-AlteryxBackup.ps1), with its name,
    type, default (in the param block and in Get-Help), help text, validation, aliases and parameter set.
    The table is read through scripts/gen-params.ts --json; test/params.test.ts checks the table against the
    configuration schema and the generated blocks against the table.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    $repo = (Resolve-Path (Join-Path $PSScriptRoot '..')).ProviderPath
    $tsx = Join-Path $repo 'node_modules/.bin/tsx'
    if (-not (Test-Path -LiteralPath $tsx)) { throw "tsx is missing: run npm ci in $repo first." }
    $json = & $tsx (Join-Path $repo 'scripts/gen-params.ts') --json
    if ($LASTEXITCODE -ne 0) { throw "scripts/gen-params.ts --json failed: $json" }
    $script:Table = ($json -join "`n") | ConvertFrom-Json
    $script:ScriptForm = Join-Path $repo 'module/AlteryxBackup/Invoke-AlteryxBackup.ps1'
    $script:Common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters)

    $script:TypeOf = @{
        'string'       = [string]
        'string[]'     = [string[]]
        'int'          = [int]
        'switch'       = [switch]
        'SecureString' = [securestring]
        'PSCredential' = [pscredential]
    }
    function Get-Squeezed([string] $Text) { ($Text -replace '\s+', ' ').Trim() }
    function Get-ParamAst([System.Management.Automation.CommandInfo] $Command, [string] $Name) {
        $block = if ($Command -is [System.Management.Automation.ExternalScriptInfo]) { $Command.ScriptBlock.Ast.ParamBlock } else { $Command.ScriptBlock.Ast.Body.ParamBlock }
        $block.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq $Name }
    }
}

Describe 'The parameter table against <Form>' -ForEach @(
    @{ Form = 'cmdlet' }
    @{ Form = 'script' }
) {
    BeforeAll {
        $specs = @($script:Table.$Form)
        $command = if ($Form -eq 'cmdlet') { Get-Command Invoke-AlteryxBackup } else { Get-Command $script:ScriptForm }
        $helpTarget = if ($Form -eq 'cmdlet') { 'Invoke-AlteryxBackup' } else { $script:ScriptForm }
    }

    It 'has exactly the parameters of the table, in its order' {
        $names = @($command.Parameters.Keys | Where-Object { $script:Common -notcontains $_ })
        $names | Should -Be @($specs.name)
        $specs.Count | Should -BeGreaterThan 20
    }

    It 'gives every parameter the type of the table' {
        foreach ($spec in $specs) {
            $command.Parameters[$spec.name].ParameterType | Should -Be $script:TypeOf[$spec.psType] -Because $spec.name
        }
    }

    It 'gives every parameter the default of the table, and Get-Help shows it' {
        foreach ($spec in $specs) {
            $ast = Get-ParamAst -Command $command -Name $spec.name
            $help = Get-Help $helpTarget -Parameter $spec.name
            if ($null -ne $spec.default) {
                $ast.DefaultValue.SafeGetValue() | Should -Be $spec.default -Because "$($spec.name) defaults to the configuration's default"
                [string]$help.defaultValue | Should -Be ([string]$spec.default) -Because $spec.name
            }
            elseif ($spec.defaultHelp) {
                $ast.DefaultValue | Should -BeNullOrEmpty -Because $spec.name
                [string]$help.defaultValue | Should -Be $spec.defaultHelp -Because $spec.name
            }
            else {
                $ast.DefaultValue | Should -BeNullOrEmpty -Because "$($spec.name) has no default in the table"
            }
        }
    }

    It 'shows the help text of the table for every parameter' {
        foreach ($spec in $specs) {
            $wanted = if ($Form -eq 'cmdlet') { $spec.description } else { $spec.help }
            $text = (@((Get-Help $helpTarget -Parameter $spec.name).description) | ForEach-Object { $_.Text }) -join ' '
            Get-Squeezed $text | Should -Be (Get-Squeezed $wanted) -Because $spec.name
        }
    }

    It 'has the aliases of the table' {
        foreach ($spec in $specs) {
            @($command.Parameters[$spec.name].Aliases) | Should -Be @($spec.aliases | Where-Object { $_ }) -Because $spec.name
        }
    }
}

Describe 'The cmdlet''s validation and parameter sets come from the table' {
    BeforeAll {
        $specs = @($script:Table.cmdlet)
        $command = Get-Command Invoke-AlteryxBackup
    }

    It 'restricts, limits and refuses empty values as the table says' {
        foreach ($spec in $specs) {
            $attrs = $command.Parameters[$spec.name].Attributes
            $set = $attrs | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
            $range = $attrs | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
            $notEmpty = $attrs | Where-Object { $_ -is [System.Management.Automation.ValidateNotNullOrEmptyAttribute] }
            if ($spec.validateSet) { @($set.ValidValues) | Should -Be @($spec.validateSet) -Because $spec.name } else { $set | Should -BeNullOrEmpty -Because $spec.name }
            if ($spec.range) { @($range.MinRange, $range.MaxRange) | Should -Be @($spec.range) -Because $spec.name } else { $range | Should -BeNullOrEmpty -Because $spec.name }
            [bool]$notEmpty | Should -Be ([bool]$spec.notEmpty) -Because $spec.name
        }
    }

    It 'puts each MongoDB credential source in its own parameter set and everything else in all of them' {
        foreach ($spec in $specs) {
            $sets = @($command.ParameterSets | Where-Object { $_.Parameters.Name -contains $spec.name } | ForEach-Object Name)
            if ($spec.parameterSet) { $sets | Should -Be @($spec.parameterSet) -Because $spec.name }
            else { $sets.Count | Should -Be $command.ParameterSets.Count -Because "$($spec.name) is in every set" }
        }
        @($specs | Where-Object parameterSet).Count | Should -Be 3
    }

    It 'makes the script form take plain values, so that it can turn a refused value into an exit code' {
        $script = Get-Command $script:ScriptForm
        foreach ($name in @($script.Parameters.Keys | Where-Object { $script:Common -notcontains $_ })) {
            @($script.Parameters[$name].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateArgumentsAttribute] }) | Should -BeNullOrEmpty -Because $name
        }
    }
}
