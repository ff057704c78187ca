#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Meta tests for the AlteryxBackup module (in the spirit of dbatools): manifest, help, file layout,
    a test file per public command, ShouldProcess on state-changing commands, and Windows PowerShell 5.1
    compatibility of every module script (no PowerShell 7-only syntax or parameters).
#>

BeforeDiscovery {
    $moduleRoot = Join-Path $PSScriptRoot '../module/AlteryxBackup'
    $publicNames = @(Get-ChildItem -LiteralPath (Join-Path $moduleRoot 'Public') -Filter '*.ps1' -File | ForEach-Object BaseName)
    $privateFiles = @(Get-ChildItem -LiteralPath (Join-Path $moduleRoot 'Private') -Filter '*.ps1' -File | ForEach-Object { @{ Name = $_.BaseName; File = $_.FullName } })
    $publicFiles = @(Get-ChildItem -LiteralPath (Join-Path $moduleRoot 'Public') -Filter '*.ps1' -File | ForEach-Object { @{ Name = $_.BaseName; File = $_.FullName } })
    # Every PowerShell file of the module except the generated lib/ folder.
    $moduleScripts = @(Get-ChildItem -LiteralPath $moduleRoot -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1' |
            Where-Object { $_.FullName -notmatch '[\\/]lib[\\/]' } |
            ForEach-Object { @{ Name = $_.FullName.Substring((Resolve-Path $moduleRoot).ProviderPath.Length + 1); File = $_.FullName } })
}

BeforeAll {
    $script:ModuleRoot = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup')).ProviderPath
    $script:ManifestPath = Join-Path $script:ModuleRoot 'AlteryxBackup.psd1'
    Import-Module $script:ManifestPath -Force

    # Verbs of commands that only read; every other public command must support -WhatIf/-Confirm.
    $script:ReadOnlyVerbs = @('Get', 'Test', 'Find', 'Search', 'Show', 'Measure', 'Compare', 'Resolve', 'Read', 'Format', 'ConvertTo', 'ConvertFrom', 'Select', 'Watch', 'Wait')

    function Get-Ps7OnlyFinding {
        <# Returns a description of every PowerShell 7-only construct in a parsed script. #>
        param(
            [System.Management.Automation.Language.Ast] $Ast,
            [System.Management.Automation.Language.Token[]] $Tokens
        )
        $findings = New-Object System.Collections.Generic.List[string]
        $at = { param($extent) "line $($extent.StartLineNumber)" }

        # Operators: ?? ??= ?. ?[  (null-coalescing / null-conditional, PowerShell 7.0+)
        $badTokens = @('QuestionQuestion', 'QuestionQuestionEquals', 'QuestionDot', 'QuestionLBracket')
        foreach ($token in $Tokens) {
            if ($badTokens -contains [string]$token.Kind) { $findings.Add("$($token.Kind) '$($token.Text)' at $(& $at $token.Extent)") }
        }

        $typeNames = @{
            TernaryExpressionAst = 'ternary operator ?: (PowerShell 7.0+)'
            PipelineChainAst     = 'pipeline chain && / || (PowerShell 7.0+)'
        }
        foreach ($name in $typeNames.Keys) {
            $type = [System.Management.Automation.Language.Ast].Assembly.GetType("System.Management.Automation.Language.$name")
            if ($null -eq $type) { continue }
            foreach ($node in $Ast.FindAll({ param($n) $n.GetType() -eq $type }.GetNewClosure(), $true)) {
                $findings.Add("$($typeNames[$name]) at $(& $at $node.Extent)")
            }
        }

        # clean { } block (PowerShell 7.3+)
        foreach ($block in $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.NamedBlockAst] }, $true)) {
            if ([string]$block.BlockKind -eq 'Clean') { $findings.Add("clean block at $(& $at $block.Extent)") }
        }

        # Members that .NET Framework 4.x does not have.
        foreach ($member in $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.MemberExpressionAst] }, $true)) {
            if ($member.Member -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
                @('GetRelativePath', 'ArgumentList') -contains $member.Member.Value -and
                $member.Expression.Extent.Text -match 'Path\]$|psi|StartInfo') {
                $findings.Add("$($member.Extent.Text) (.NET Core only) at $(& $at $member.Extent)")
            }
        }

        # Variables that exist only in PowerShell 7.
        foreach ($var in $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] }, $true)) {
            if (@('PSStyle', 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR') -contains $var.VariablePath.UserPath) {
                $findings.Add("`$$($var.VariablePath.UserPath) (PowerShell 6+) at $(& $at $var.Extent)")
            }
        }

        # Session-wide preference changes: set $ErrorActionPreference locally only.
        foreach ($assign in $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
            $left = $assign.Left
            if ($left -is [System.Management.Automation.Language.VariableExpressionAst] -and
                $left.VariablePath.UserPath -match '^(global|script):(ErrorActionPreference|VerbosePreference|WarningPreference|DebugPreference|ProgressPreference)$') {
                $findings.Add("$($left.Extent.Text) set outside the local scope at $(& $at $assign.Extent)")
            }
        }

        # Cmdlet parameters that Windows PowerShell 5.1 does not have.
        $badParameters = @{
            'ConvertFrom-SecureString' = @('AsPlainText')
            'ForEach-Object'           = @('Parallel', 'ThrottleLimit', 'AsJob')
            'ConvertFrom-Json'         = @('Depth', 'AsHashtable', 'NoEnumerate', 'DateKind')
            'ConvertTo-Json'           = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
            'Get-Content'              = @('AsByteStream')
            'Set-Content'              = @('AsByteStream')
            'Add-Content'              = @('AsByteStream')
            'Join-Path'                = @('AdditionalChildPath')
            'Import-Module'            = @('UseWindowsPowerShell')
            'Select-Object'            = @('SkipIndex', 'CaseInsensitive')
            'Split-Path'               = @('Extension', 'LeafBase')
            'Get-ChildItem'            = @('FollowSymlink')
            'Test-Connection'          = @('TcpPort', 'TargetName')
            'Start-Process'            = @('Environment')
        }
        # 5.1 parameters that are prefixes of a 6+ parameter above.
        $known51 = @{
            'Split-Path'    = @('Leaf')
            'Select-Object' = @('Skip', 'SkipLast')
        }
        $ps7OnlyCommands = @('Test-Json', 'Get-Error', 'ConvertFrom-Markdown', 'Join-String', 'Get-Uptime', 'Remove-Alias', 'Remove-Service', 'Start-ThreadJob')
        foreach ($command in $Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            $name = $command.GetCommandName()
            if (-not $name) { continue }
            if ($ps7OnlyCommands -contains $name) { $findings.Add("$name (PowerShell 6+) at $(& $at $command.Extent)") }
            $parameters = @($command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })
            foreach ($key in $badParameters.Keys) {
                if ($name -ne $key) { continue }
                foreach ($p in $parameters) {
                    foreach ($bad in $badParameters[$key]) {
                        # Parameter names may be abbreviated (-AsPlain binds -AsPlainText), unless the
                        # abbreviation is itself a 5.1 parameter (-Leaf is not -LeafBase).
                        $exact51 = @($known51[$key]) -contains $p.ParameterName
                        if (-not $exact51 -and $p.ParameterName.Length -ge 3 -and $bad.StartsWith($p.ParameterName, [System.StringComparison]::OrdinalIgnoreCase)) {
                            $findings.Add("$name -$($p.ParameterName) (PowerShell 6+) at $(& $at $command.Extent)")
                        }
                    }
                }
            }
            if ($name -eq 'Join-Path') {
                $positional = @($command.CommandElements | Select-Object -Skip 1 | Where-Object { $_ -isnot [System.Management.Automation.Language.CommandParameterAst] })
                $named = @($parameters | Where-Object { $_.Argument -eq $null })
                if ($positional.Count - $named.Count -gt 2) { $findings.Add("Join-Path with more than two paths (PowerShell 6+) at $(& $at $command.Extent)") }
            }
            foreach ($p in $parameters) {
                if (@('Out-File', 'Set-Content', 'Add-Content', 'Export-Csv') -contains $name -and $p.ParameterName -eq 'Encoding') {
                    $value = $null
                    if ($p.Argument) { $value = $p.Argument.Extent.Text } else {
                        $index = [array]::IndexOf($command.CommandElements, $p)
                        if ($index -ge 0 -and $index + 1 -lt $command.CommandElements.Count) { $value = $command.CommandElements[$index + 1].Extent.Text }
                    }
                    if ($value -match 'utf8NoBOM|utf8BOM') { $findings.Add("$name -Encoding $value (PowerShell 6+) at $(& $at $command.Extent)") }
                }
            }
        }
        , $findings.ToArray()
    }

    function Get-ParsedScript([string] $Path) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        [pscustomobject]@{ Ast = $ast; Tokens = $tokens; Errors = $errors }
    }

    function Get-ParsedText([string] $Text) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$tokens, [ref]$errors)
        [pscustomobject]@{ Ast = $ast; Tokens = $tokens; Errors = $errors }
    }
}

Describe 'AlteryxBackup module manifest' {
    BeforeAll {
        $manifest = Test-ModuleManifest -Path $script:ManifestPath -ErrorAction Stop
        $data = Import-PowerShellDataFile -Path $script:ManifestPath
    }

    It 'is a valid module manifest' {
        $manifest | Should -Not -BeNullOrEmpty
        $manifest.Name | Should -Be 'AlteryxBackup'
    }

    It 'has version 0.1.0, root module AlteryxBackup.psm1 and PowerShell 5.1' {
        $manifest.Version | Should -Be ([version]'0.1.0')
        $data.RootModule | Should -Be 'AlteryxBackup.psm1'
        $data.PowerShellVersion | Should -Be '5.1'
    }

    It 'is compatible with Desktop and Core' {
        @($data.CompatiblePSEditions) | Sort-Object | Should -Be @('Core', 'Desktop')
    }

    It 'lists FunctionsToExport explicitly, equal to the Public folder' {
        $public = @(Get-ChildItem -LiteralPath (Join-Path $script:ModuleRoot 'Public') -Filter '*.ps1' -File | ForEach-Object BaseName | Sort-Object)
        @($data.FunctionsToExport) | Should -Not -Contain '*'
        @($data.FunctionsToExport | Sort-Object) | Should -Be $public
        @((Get-Module AlteryxBackup).ExportedFunctions.Keys | Sort-Object) | Should -Be $public
    }

    It 'exports no cmdlets, variables or aliases by wildcard' {
        foreach ($key in 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport') {
            @($data[$key]) | Should -Not -Contain '*'
        }
    }

    It 'loads its format file with table views for AlteryxBackup.Result and AlteryxBackup.Sandbox' {
        @($data.FormatsToProcess) | Should -Be @('AlteryxBackup.Format.ps1xml')
        Test-Path -LiteralPath (Join-Path $script:ModuleRoot 'AlteryxBackup.Format.ps1xml') | Should -BeTrue
        (Get-FormatData -TypeName 'AlteryxBackup.Result').FormatViewDefinition.Control |
            Should -BeOfType [System.Management.Automation.TableControl]
        (Get-FormatData -TypeName 'AlteryxBackup.Sandbox').FormatViewDefinition.Control |
            Should -BeOfType [System.Management.Automation.TableControl]
    }

    It 'has a format view for every PSTypeName the public commands (and the private helpers that build their objects) emit or declare' {
        $names = New-Object System.Collections.Generic.List[string]
        $files = foreach ($folder in 'Public', 'Private') { Get-ChildItem -LiteralPath (Join-Path $script:ModuleRoot $folder) -Filter '*.ps1' -File }
        foreach ($file in $files) {
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$tokens, [ref]$errors)
            # [pscustomobject]@{ PSTypeName = 'AlteryxBackup.X'; ... }
            foreach ($ht in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.HashtableAst] }, $true)) {
                foreach ($pair in $ht.KeyValuePairs) {
                    if ([string]$pair.Item1.Value -ne 'PSTypeName') { continue }
                    $value = $pair.Item2.Find({ param($n) $n -is [System.Management.Automation.Language.StringConstantExpressionAst] }, $true)
                    if ($value) { $names.Add([string]$value.Value) }
                }
            }
            # [OutputType('AlteryxBackup.X')]
            foreach ($attr in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AttributeAst] -and $n.TypeName.Name -eq 'OutputType' }, $true)) {
                foreach ($arg in $attr.PositionalArguments) {
                    if ($arg -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $arg.Value -like 'AlteryxBackup.*') { $names.Add([string]$arg.Value) }
                }
            }
        }
        $unique = @($names | Sort-Object -Unique)
        foreach ($t in 'AlteryxBackup.Result', 'AlteryxBackup.Sandbox', 'AlteryxBackup.VerifyResult', 'AlteryxBackup.RestoreResult', 'AlteryxBackup.DrillResult', 'AlteryxBackup.Check', 'AlteryxBackup.CollectionCount') {
            $unique | Should -Contain $t -Because 'the scan finds the types the commands emit'
        }
        $missing = @($unique | Where-Object { -not (Get-FormatData -TypeName $_) })
        $missing | Should -BeNullOrEmpty -Because "every emitted type needs a view in AlteryxBackup.Format.ps1xml (found: $($unique -join ', '))"
    }

    It 'has a table view and a list view for <Type>, and both render a sample' -ForEach @(
        @{ Type = 'AlteryxBackup.VerifyResult'; Sample = @{ Path = '/b/ServerBackup_Full_20250101_020000.zip'; Success = $true; ExitCode = 0; Mode = 'Full'; Message = 'ok'; Checks = @(); FailedChecks = @(); BadEntries = @() }; Header = 'Checks' }
        @{ Type = 'AlteryxBackup.RestoreResult'; Sample = @{ Path = '/b/a.zip'; Mode = 'Full'; RestoreMode = 'Full'; Success = $false; ExitCode = 5; Message = 'The MongoDB restore failed'; DryRun = $false; Duration = [timespan]::FromSeconds(75); Checks = @(); FailedChecks = @(); Counts = @(); RolledBack = $true; Rollback = @('database restored'); Services = @(); Warnings = @() }; Header = 'RolledBack' }
        @{ Type = 'AlteryxBackup.DrillResult'; Sample = @{ Path = '/b/a.zip'; Mode = 'DatabaseOnly'; Success = $true; ExitCode = 0; Message = 'Drill passed'; Duration = [timespan]::FromSeconds(9); Checks = @(); FailedChecks = @(); Counts = @(); Documents = [pscustomobject]@{ expected = 120; restored = 120; actual = 120 }; Timings = [pscustomobject]@{ verify = 1000 }; Kept = $false; Warnings = @() }; Header = 'Documents' }
    ) {
        $controls = @((Get-FormatData -TypeName $Type).FormatViewDefinition | ForEach-Object { $_.Control.GetType().Name })
        $controls | Should -Contain 'TableControl'
        $controls | Should -Contain 'ListControl'
        $props = [ordered]@{ PSTypeName = $Type }
        foreach ($k in $Sample.Keys) { $props[$k] = $Sample[$k] }
        $obj = [pscustomobject]$props
        $table = $obj | Format-Table | Out-String -Width 200
        $table | Should -Match "\b$Header\b"
        $list = $obj | Format-List | Out-String -Width 200
        $list | Should -Match '(?m)^Message\s+: '
        if ($Sample.ContainsKey('Duration')) { $list | Should -Match '(?m)^Duration\s+: 00:0' }
    }

    It 'ships the script form Invoke-AlteryxBackup.ps1 next to the manifest' {
        Test-Path -LiteralPath (Join-Path $script:ModuleRoot 'Invoke-AlteryxBackup.ps1') | Should -BeTrue
    }
}

Describe 'Public command <Name>' -ForEach $publicFiles {
    BeforeAll {
        $command = Get-Command -Name $Name -Module AlteryxBackup
        $help = Get-Help -Name $Name -Full
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    }

    It 'defines exactly one function, named like its file' {
        $parsed = Get-ParsedScript $File
        $functions = @($parsed.Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false))
        $functions.Count | Should -Be 1
        $functions[0].Name | Should -BeExactly $Name
    }

    It 'is exported' {
        $command | Should -Not -BeNullOrEmpty
    }

    It 'has a test file pester/<Name>.Tests.ps1' {
        Test-Path -LiteralPath (Join-Path $PSScriptRoot "$Name.Tests.ps1") | Should -BeTrue
    }

    It 'has a SYNOPSIS' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without comment-based help, Get-Help makes the synopsis from the syntax.
        $help.Synopsis | Should -Not -Match "^\s*$Name\s"
    }

    It 'has a DESCRIPTION' {
        ($help.Description | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
    }

    It 'has at least one EXAMPLE with code and a remark' {
        $examples = @($help.Examples.Example)
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks | ForEach-Object Text) -join '' | Should -Not -BeNullOrEmpty
        }
    }

    It 'documents every parameter' {
        $undocumented = foreach ($parameter in @($command.Parameters.Keys | Where-Object { $common -notcontains $_ })) {
            $text = (Get-Help -Name $Name -Parameter $parameter).Description | ForEach-Object Text
            if (-not (($text -join '').Trim())) { $parameter }
        }
        $undocumented | Should -BeNullOrEmpty
    }

    It 'declares an OutputType and documents .OUTPUTS' {
        $command.OutputType | Should -Not -BeNullOrEmpty
        ($help.returnValues | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'supports ShouldProcess when it changes state' {
        $verb = $Name.Split('-')[0]
        if ($ReadOnlyVerbs -notcontains $verb) {
            $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue -Because "$Name changes state"
            $command.Parameters.ContainsKey('Confirm') | Should -BeTrue -Because "$Name changes state"
        }
    }

    It 'uses CmdletBinding' {
        $command.CmdletBinding | Should -BeTrue
    }

    It 'leaves $LASTEXITCODE alone: assigns it nowhere (the exit code is the result''s ExitCode and the error''s id)' {
        $parsed = Get-ParsedScript $File
        $sets = @($parsed.Ast.FindAll({
                    param($n)
                    $n -is [System.Management.Automation.Language.AssignmentStatementAst] -and
                    $n.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and
                    $n.Left.VariablePath.UserPath -match '(^|:)LASTEXITCODE$'
                }, $true) | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Extent.Text)" })
        $sets | Should -BeNullOrEmpty
    }
}

Describe 'Private helper <Name>' -ForEach $privateFiles {
    It 'defines exactly one function, named like its file' {
        $parsed = Get-ParsedScript $File
        $functions = @($parsed.Ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false))
        $functions.Count | Should -Be 1
        $functions[0].Name | Should -BeExactly $Name
    }

    It 'is not exported' {
        (Get-Module AlteryxBackup).ExportedFunctions.Keys | Should -Not -Contain $Name
    }
}

Describe 'Windows PowerShell 5.1 compatibility' {
    Context 'the checker itself' {
        It 'finds <What>' -ForEach @(
            @{ What = 'the ternary operator'; Code = '$a = $true ? 1 : 2' }
            @{ What = 'a pipeline chain'; Code = 'Get-Item x && Get-Item y' }
            @{ What = 'null-coalescing'; Code = '$a = $b ?? 1' }
            @{ What = 'null-coalescing assignment'; Code = '$a ??= 1' }
            @{ What = 'null-conditional member access'; Code = '${a}?.Name' }
            @{ What = 'null-conditional index'; Code = '${a}?[0]' }
            @{ What = 'ConvertFrom-SecureString -AsPlainText'; Code = 'ConvertFrom-SecureString $s -AsPlainText' }
            @{ What = 'ForEach-Object -Parallel'; Code = '1..2 | ForEach-Object -Parallel { $_ }' }
            @{ What = 'Join-Path with three paths'; Code = 'Join-Path a b c' }
            @{ What = 'Join-Path -AdditionalChildPath'; Code = 'Join-Path a b -AdditionalChildPath c' }
            @{ What = 'Path.GetRelativePath'; Code = '[System.IO.Path]::GetRelativePath("a", "b")' }
            @{ What = 'ConvertFrom-Json -Depth'; Code = '$x | ConvertFrom-Json -Depth 5' }
            @{ What = 'ConvertFrom-Json -AsHashtable'; Code = '$x | ConvertFrom-Json -AsHashtable' }
            @{ What = 'Set-Content -AsByteStream'; Code = 'Set-Content -Path x -Value $b -AsByteStream' }
            @{ What = 'Out-File -Encoding utf8NoBOM'; Code = 'Out-File -FilePath x -Encoding utf8NoBOM' }
            @{ What = 'a global ErrorActionPreference'; Code = '$global:ErrorActionPreference = "Stop"' }
            @{ What = 'ProcessStartInfo.ArgumentList'; Code = '$psi.ArgumentList.Add("x")' }
            @{ What = '$PSStyle'; Code = '$PSStyle.OutputRendering = "PlainText"' }
            @{ What = 'Split-Path -LeafBase'; Code = 'Split-Path -LeafBase $p' }
            @{ What = 'an abbreviated -AsPlainText'; Code = 'ConvertFrom-SecureString $s -AsPlain' }
        ) {
            $parsed = Get-ParsedText $Code
            $parsed.Errors | Should -BeNullOrEmpty
            @(Get-Ps7OnlyFinding -Ast $parsed.Ast -Tokens $parsed.Tokens).Count | Should -BeGreaterThan 0
        }

        It 'accepts 5.1 code' {
            $parsed = Get-ParsedText @'
$x = if ($a) { 1 } else { 2 }
$p = Join-Path (Join-Path $root 'lib') 'x.mjs'
$s = [System.Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)
$json = ConvertTo-Json -InputObject $o -Depth 20 -Compress
$ErrorActionPreference = 'Stop'
$leaf = Split-Path -Leaf $p
$rest = $items | Select-Object -Skip 1
'@
            Get-Ps7OnlyFinding -Ast $parsed.Ast -Tokens $parsed.Tokens | Should -BeNullOrEmpty
        }
    }

    Context '<Name>' -ForEach $moduleScripts {
        BeforeAll {
            $parsed = Get-ParsedScript $File
        }

        It 'parses without errors' {
            $parsed.Errors | Should -BeNullOrEmpty
        }

        It 'uses no PowerShell 7-only syntax, commands or parameters' {
            Get-Ps7OnlyFinding -Ast $parsed.Ast -Tokens $parsed.Tokens | Should -BeNullOrEmpty
        }

        It 'is saved as UTF-8 (with BOM if it has non-ASCII characters, for Windows PowerShell 5.1)' {
            $bytes = [System.IO.File]::ReadAllBytes($File)
            $hasBom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
            $nonAscii = @($bytes | Where-Object { $_ -gt 127 }).Count -gt 0
            if ($nonAscii) { $hasBom | Should -BeTrue -Because 'Windows PowerShell 5.1 reads a BOM-less script as ANSI' }
        }
    }

    It 'sets $ErrorActionPreference nowhere at module level' {
        $parsed = Get-ParsedScript (Join-Path $script:ModuleRoot 'AlteryxBackup.psm1')
        $assignments = @($parsed.Ast.EndBlock.Statements | Where-Object {
                $_ -is [System.Management.Automation.Language.AssignmentStatementAst] -and $_.Left.Extent.Text -match 'Preference'
            })
        $assignments | Should -BeNullOrEmpty
    }

    It 'sets $PSNativeCommandUseErrorActionPreference to $false where native programs run' {
        foreach ($name in 'Invoke-AlteryxBackupNative', 'Invoke-AlteryxBackupCore') {
            $text = Get-Content -Raw -LiteralPath (Join-Path $script:ModuleRoot "Private/$name.ps1")
            $text | Should -Match '\$PSNativeCommandUseErrorActionPreference = \$false'
        }
    }
}
