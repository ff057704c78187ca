#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Every Get-Help example of the module's public functions and of the script form runs as written against a
    sandbox (New-AlteryxSandbox), except those listed in $NotRunnable with the reason; the test asserts that
    the examples that do not run are exactly that list, so that none is skipped silently. The commands of an
    example get -SandboxPath and a quick configuration through $PSDefaultParameterValues; where an example
    names a Windows path of this machine, $Setup maps it to a folder of the test (listed per example).
    Also: the related links (.LINK) of every function resolve, and the Task Scheduler example quotes the
    script's path.
#>

BeforeDiscovery {
    $manifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $manifest -Force
    $scriptForm = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup/Invoke-AlteryxBackup.ps1')).ProviderPath
    $script:Examples = New-Object System.Collections.Generic.List[hashtable]
    $sources = @((Get-Module AlteryxBackup).ExportedFunctions.Keys | Sort-Object | ForEach-Object { @{ Name = $_; Help = $_ } })
    $sources += @{ Name = 'script'; Help = $scriptForm }
    foreach ($source in $sources) {
        $i = 0
        foreach ($example in @((Get-Help $source.Help).examples.example)) {
            $i += 1
            $script:Examples.Add(@{ Id = "$($source.Name)#$i"; Code = [string]$example.code })
        }
    }

    # The examples that cannot run here, and why. The first test fails when this list and the examples differ.
    $script:NotRunnable = [ordered]@{
        'Get-AlteryxBackup#1'                 = 'it lists aws-offsite, a destination in AWS S3, which this offline test cannot reach; the same listing runs against a local S3 server (s3rver) in Get-AlteryxBackup.Tests.ps1'
        'Get-AlteryxBackup#2'                 = 'it lists azure, a destination in an Azure storage account, which this offline test cannot reach; that such URLs go to Invoke-AlteryxRestoreDrill -Path unchanged is in Get-AlteryxBackup.Tests.ps1'
        'Get-AlteryxBackup#3'                 = 'Get-Credential needs an interactive host'
        'Invoke-AlteryxBackup#4'              = 'Read-Host -AsSecureString needs an interactive host'
        'Invoke-AlteryxBackup#8'              = 'Get-Credential needs an interactive host'
        'Invoke-AlteryxBackup#9'              = 'Windows Credential Manager (-MongoCredentialTarget) exists only on Windows'
        'Invoke-AlteryxBackup#10'             = 'the ScheduledTasks module (New-ScheduledTaskAction, Register-ScheduledTask) exists only on Windows; its quoting is checked below'
        'Invoke-AlteryxBackup#12'             = 'a credential saved by Export-Clixml is DPAPI-encrypted: only the Windows account that saved it can read it'
        'Invoke-AlteryxRestoreDrill#2'        = 'the Mongod method starts mongod.exe of an Alteryx Server install, and the archive is read from a share of this machine'
        'Register-AlteryxBackupEventSource#1' = 'the Windows Event Log exists only on Windows'
        'Register-AlteryxBackupEventSource#2' = 'the Windows Event Log exists only on Windows (the cmdlet refuses to run elsewhere, -WhatIf or not)'
        'Register-AlteryxBackupEventSource#3' = 'the Windows Event Log and Get-WinEvent exist only on Windows'
        'Restore-AlteryxBackup#1'             = 'it asks for confirmation, which needs an interactive host (without one the result is exit code 3: Restore-AlteryxBackup.Tests.ps1)'
        'Restore-AlteryxBackup#6'             = 'Read-Host -AsSecureString needs an interactive host'
        'Restore-AlteryxBackup#7'             = 'Windows Credential Manager (-MongoCredentialTarget) exists only on Windows'
        'Test-AlteryxBackup#4'                = 'Read-Host -AsSecureString needs an interactive host'
        'script#1'                            = 'powershell.exe (Windows PowerShell 5.1) exists only on Windows'
        'script#2'                            = 'a batch file (%ERRORLEVEL%) runs in cmd.exe, which exists only on Windows'
    }
    $script:Runnable = @($script:Examples | Where-Object { -not $script:NotRunnable.Contains($_.Id) })
    $script:ListCase = @{ NotRunnable = $script:NotRunnable; Ids = @($script:Examples | ForEach-Object { $_.Id }) }
}

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')
    $script:ScriptForm = (Resolve-Path (Join-Path $PSScriptRoot '../module/AlteryxBackup/Invoke-AlteryxBackup.ps1')).ProviderPath

    $root = Join-Path $TestDrive 'examples'
    $null = New-Item -ItemType Directory -Path $root
    $script:Config = New-TestConfig -Path (Join-Path $root 'config.json')
    $script:Sandbox = New-TestSandbox -Path (Join-Path $root 'sbx') -SizeMB 0.5
    $script:Archives = @{}
    foreach ($m in 'Full', 'DatabaseOnly', 'ConfigOnly') {
        $b = Invoke-AlteryxBackup -BackupMode $m -SandboxPath $script:Sandbox -ConfigPath $script:Config -NetworkBackupPath '\\nas01\AlteryxBackups' 3>$null
        if ($b.ExitCode -ne 0) { throw "backup $m of the sandbox failed: $($b.Message)" }
        $script:Archives[$m] = $b.ArchivePath
    }
    $script:Full = $script:Archives['Full']
    $script:Backups = Join-Path $script:Sandbox 'D/Alteryx/Backups'

    # What an example needs beyond the sandbox: local Windows paths mapped to folders of the test (<DIR> is
    # the example's own working folder), archives copied under the names the example uses, variables it assumes.
    $script:Setup = @{
        'Invoke-AlteryxBackup#7'       = @{ Replace = @{ 'C:\Temp\sbx' = '<DIR>/sbx-new' } }
        'Invoke-AlteryxRestoreDrill#1' = @{ Replace = @{ 'E:\DrillScratch' = '<DIR>/scratch' } }
        'Invoke-AlteryxRestoreDrill#3' = @{ Replace = @{ 'C:\Backups\ServerBackup_Full_20250101_020000.zip' = '<FULL>'; 'C:\Temp\sbx' = '<SB>' } }
        # -Keep leaves the scratch location in the system temp folder: TMPDIR puts it in the test's folder.
        'Invoke-AlteryxRestoreDrill#4' = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' }; Env = @{ TMPDIR = '<DIR>'; TEMP = '<DIR>'; TMP = '<DIR>' } }
        'Invoke-AlteryxRestoreDrill#5' = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' } }
        'Invoke-AlteryxRestoreDrill#6' = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' } }
        'New-AlteryxSandbox#1'         = @{ Replace = @{ 'C:\Temp\sbx' = '<DIR>/sbx-new' } }
        'New-AlteryxSandbox#3'         = @{ Env = @{ TEMP = '<DIR>' } }
        'New-AlteryxSandbox#4'         = @{ Replace = @{ 'C:\Temp\sbx' = '<DIR>/sbx-new' } }
        'Restore-AlteryxBackup#2'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#3'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#4'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#5'      = @{ Variables = @{ zip = '<FULL>' } }
        'Test-AlteryxBackup#1'         = @{ Replace = @{ 'D:\Alteryx\Backups' = '<BACKUPS>' }; Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<BACKUPS>' } }
        'Test-AlteryxBackup#2'         = @{ Replace = @{ '\\nas01\AlteryxBackups' = '<SB>/UNC/nas01/AlteryxBackups' } }
        'script#3'                     = @{ Replace = @{ './Invoke-AlteryxBackup.ps1' = '<SCRIPT>'; './sbx' = '<SB>' } }
        'script#4'                     = @{ Replace = @{ '.\Invoke-AlteryxBackup.ps1' = '<SCRIPT>' } }
    }

    function Expand-Placeholder([string] $Text, [string] $Dir) {
        $Text.Replace('<DIR>', $Dir).Replace('<SB>', $script:Sandbox).Replace('<FULL>', $script:Full).Replace('<BACKUPS>', $script:Backups).Replace('<SCRIPT>', $script:ScriptForm)
    }

    function Invoke-HelpExample {
        # Runs one example in its own folder, with the sandbox and the quick configuration as defaults of
        # the module's commands; returns everything it wrote to the output and error streams.
        param([string] $Id, [string] $Code)
        $dir = Join-Path $root ($Id -replace '[^A-Za-z0-9]', '_')
        $null = New-Item -ItemType Directory -Path $dir -Force
        $setup = $script:Setup[$Id]
        if ($null -eq $setup) { $setup = @{} }
        foreach ($pair in @(if ($setup.Replace) { $setup.Replace.GetEnumerator() })) { $Code = $Code.Replace($pair.Key, (Expand-Placeholder $pair.Value $dir)) }
        foreach ($pair in @(if ($setup.Copy) { $setup.Copy.GetEnumerator() })) { Copy-Item -LiteralPath $script:Full -Destination (Join-Path (Expand-Placeholder $pair.Value $dir) $pair.Key) }
        $savedEnv = @{}
        foreach ($pair in @(if ($setup.Env) { $setup.Env.GetEnumerator() })) {
            $savedEnv[$pair.Key] = [Environment]::GetEnvironmentVariable($pair.Key)
            [Environment]::SetEnvironmentVariable($pair.Key, (Expand-Placeholder $pair.Value $dir))
        }
        $variables = @{}
        foreach ($pair in @(if ($setup.Variables) { $setup.Variables.GetEnumerator() })) { $variables[$pair.Key] = Expand-Placeholder $pair.Value $dir }

        $defaults = @{}
        foreach ($command in 'Invoke-AlteryxBackup', 'Restore-AlteryxBackup', 'Invoke-AlteryxRestoreDrill') {
            $defaults["${command}:SandboxPath"] = $script:Sandbox
            $defaults["${command}:ConfigPath"] = $script:Config
        }
        Push-Location -LiteralPath $dir
        try {
            $block = [scriptblock]::Create($Code)
            $out = & {
                param($PSDefaultParameterValues, $Variables, $Block)
                foreach ($pair in $Variables.GetEnumerator()) { Set-Variable -Name $pair.Key -Value $pair.Value }
                $global:LASTEXITCODE = 0
                . $Block
            } $defaults $variables $block 2>&1 3>$null 4>$null 5>$null 6>$null
            [pscustomobject]@{ Output = @($out); LastExitCode = $global:LASTEXITCODE; Code = $Code }
        }
        finally {
            Pop-Location
            foreach ($pair in $savedEnv.GetEnumerator()) { [Environment]::SetEnvironmentVariable($pair.Key, $pair.Value) }
        }
    }
}

Describe 'Get-Help examples' {
    It 'leaves out exactly the examples listed as not runnable here, each with its reason' -ForEach @($script:ListCase) {
        foreach ($key in $NotRunnable.Keys) {
            $Ids | Should -Contain $key -Because 'an entry of $NotRunnable names an example that exists'
            $NotRunnable[$key] | Should -Not -BeNullOrEmpty
        }
        @($NotRunnable.Keys) | Should -Be @('Get-AlteryxBackup#1', 'Get-AlteryxBackup#2', 'Get-AlteryxBackup#3', 'Invoke-AlteryxBackup#4', 'Invoke-AlteryxBackup#8', 'Invoke-AlteryxBackup#9', 'Invoke-AlteryxBackup#10',
            'Invoke-AlteryxBackup#12', 'Invoke-AlteryxRestoreDrill#2', 'Register-AlteryxBackupEventSource#1', 'Register-AlteryxBackupEventSource#2',
            'Register-AlteryxBackupEventSource#3', 'Restore-AlteryxBackup#1', 'Restore-AlteryxBackup#6', 'Restore-AlteryxBackup#7', 'Test-AlteryxBackup#4',
            'script#1', 'script#2')
        ($Ids.Count - $NotRunnable.Count) | Should -BeGreaterOrEqual 25 -Because 'most examples run'
        foreach ($key in $script:Setup.Keys) {
            $Ids | Should -Contain $key -Because 'every $Setup entry belongs to an example'
            $NotRunnable.Contains($key) | Should -BeFalse -Because "$key has a set-up, so it runs"
        }
    }

    It '<Id> runs as written against a sandbox' -ForEach $script:Runnable {
        $run = Invoke-HelpExample -Id $Id -Code $Code
        $errors = @($run.Output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors | Should -BeNullOrEmpty -Because "$Id`n$($run.Code)`n$(@($errors | ForEach-Object { $_.ToString() }) -join "`n")"
        foreach ($o in @($run.Output | Where-Object { $null -ne $_ -and $null -ne $_.PSObject.Properties['ExitCode'] })) {
            $o.ExitCode | Should -Be 0 -Because "$Id`n$($run.Code)`n$($o.Message)"
        }
        $run.LastExitCode | Should -Be 0 -Because "$Id runs the script form in a new process"
    }
}

Describe 'Help that points elsewhere' {
    It 'has related links that resolve: a command of the module or an about_ topic it ships' {
        $names = @((Get-Module AlteryxBackup).ExportedFunctions.Keys)
        $links = 0
        foreach ($name in $names) {
            foreach ($link in @((Get-Help $name).relatedLinks.navigationLink)) {
                $text = [string]$link.linkText
                $links += 1
                $text | Should -Not -Match '^https?://' -Because "$name links to the project's own help, not to a web address that may not exist"
                if ($text -like 'about_*') { (Get-Help $text -ErrorAction Stop).Name | Should -Be $text -Because $name }
                else { $names | Should -Contain $text -Because "$name links to a command of the module" }
            }
        }
        $links | Should -BeGreaterThan 8
    }

    It 'about_AlteryxBackup names documents the repository has' {
        $text = Get-Help about_AlteryxBackup | Out-String
        $docs = Join-Path $PSScriptRoot '../docs'
        $named = @([regex]::Matches($text, '\b([a-z-]+\.md)\b') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
        $named.Count | Should -BeGreaterThan 8
        foreach ($file in $named) { Test-Path -LiteralPath (Join-Path $docs $file) | Should -BeTrue -Because "about_AlteryxBackup names docs/$file" }
    }

    It 'quotes the script path of the Task Scheduler example, so that C:\Program Files works' {
        $example = (Get-Help Invoke-AlteryxBackup).examples.example[9]
        $code = [string]$example.code
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$null, [ref]$null)
        $call = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] -and $n.GetCommandName() -eq 'New-ScheduledTaskAction' }, $true) | Select-Object -First 1
        $i = [array]::IndexOf(@($call.CommandElements | ForEach-Object { "$_" }), '-Argument')
        $i | Should -BeGreaterThan 0
        $script = 'C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1'
        $argument = [string](& ([scriptblock]::Create("param(`$script) $($call.CommandElements[$i + 1].Extent.Text)")) $script)
        # Windows command-line rules: a quoted span is one argument.
        $tokens = @([regex]::Matches($argument, '"([^"]*)"|(\S+)') | ForEach-Object { if ($_.Groups[1].Success) { $_.Groups[1].Value } else { $_.Groups[2].Value } })
        $tokens[[array]::IndexOf($tokens, '-File') + 1] | Should -Be $script
        $remarks = @($example.remarks | ForEach-Object { $_.Text }) -join "`n"
        $remarks | Should -Match ([regex]::Escape('-File \"C:\Program Files\WindowsPowerShell\Modules\AlteryxBackup\Invoke-AlteryxBackup.ps1\" -BackupMode Full"'))
    }
}
