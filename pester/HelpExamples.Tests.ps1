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
        'Export-AlteryxBackupTaskXml#1'       = 'schtasks.exe (Task Scheduler) exists only on Windows; the XML it imports is written by example 2 here'
        'Get-AlteryxBackup#1'                 = 'it lists aws-offsite, a destination in AWS S3, which this offline test cannot reach; the same listing runs against a local S3 server (s3rver) in Get-AlteryxBackup.Tests.ps1'
        'Get-AlteryxBackup#2'                 = 'it lists azure, a destination in an Azure storage account, which this offline test cannot reach; that such URLs go to Invoke-AlteryxRestoreDrill -Path unchanged is in Get-AlteryxBackup.Tests.ps1'
        'Get-AlteryxBackup#3'                 = 'Get-Credential needs an interactive host'
        'Get-AlteryxBackupHistory#3'          = 'Out-GridView opens a desktop window and exists only on Windows'
        'Get-AlteryxBackupTask#1'             = 'Get-ScheduledTask and Get-ScheduledTaskInfo (the ScheduledTasks module) exist only on Windows'
        'Get-AlteryxBackupTask#2'             = 'Get-ScheduledTask and Get-ScheduledTaskInfo (the ScheduledTasks module) exist only on Windows'
        'Invoke-AlteryxBackup#4'              = 'Read-Host -AsSecureString needs an interactive host'
        'Invoke-AlteryxBackup#8'              = 'Get-Credential needs an interactive host'
        'Invoke-AlteryxBackup#9'              = 'Windows Credential Manager (-MongoCredentialTarget) exists only on Windows'
        'Invoke-AlteryxBackup#10'             = 'the ScheduledTasks module (New-ScheduledTaskAction, Register-ScheduledTask) exists only on Windows; its quoting is checked below'
        'Invoke-AlteryxBackup#12'             = 'a credential saved by Export-Clixml is DPAPI-encrypted: only the Windows account that saved it can read it'
        'Invoke-AlteryxRestoreDrill#2'        = 'the Mongod method starts mongod.exe of an Alteryx Server install, and the archive is read from a share of this machine'
        'Register-AlteryxBackupEventSource#1' = 'the Windows Event Log exists only on Windows'
        'Register-AlteryxBackupEventSource#2' = 'the Windows Event Log exists only on Windows (the cmdlet refuses to run elsewhere, -WhatIf or not)'
        'Register-AlteryxBackupEventSource#3' = 'the Windows Event Log and Get-WinEvent exist only on Windows'
        'Register-AlteryxBackupTask#1'        = 'the task is built and registered with the ScheduledTasks module (New-ScheduledTaskAction, Register-ScheduledTask), which exists only on Windows'
        'Register-AlteryxBackupTask#2'        = 'the task is built and registered with the ScheduledTasks module (New-ScheduledTaskTrigger, Register-ScheduledTask), which exists only on Windows'
        'Register-AlteryxBackupTask#3'        = 'the ScheduledTasks module (Register-ScheduledTask, Start-ScheduledTask) exists only on Windows'
        'Register-AlteryxBackupTask#4'        = 'Get-Credential needs an interactive host; and even under -WhatIf the task is built with New-ScheduledTaskAction (the ScheduledTasks module, only on Windows)'
        'Register-AlteryxBackupTask#5'        = 'New-ScheduledTaskTrigger and Register-ScheduledTask (the ScheduledTasks module) exist only on Windows'
        'Restore-AlteryxBackup#1'             = 'it asks for confirmation, which needs an interactive host (without one the result is exit code 3: Restore-AlteryxBackup.Tests.ps1)'
        'Restore-AlteryxBackup#6'             = 'Read-Host -AsSecureString needs an interactive host'
        'Restore-AlteryxBackup#7'             = 'Windows Credential Manager (-MongoCredentialTarget) exists only on Windows'
        'Test-AlteryxBackup#4'                = 'Read-Host -AsSecureString needs an interactive host'
        'Test-AlteryxBackup#5'                = 'it verifies the newest backup in aws-offsite, a destination in AWS S3, which this offline test cannot reach; -Latest against a local S3 server (s3rver) is in test/cloud-latest.e2e.test.ts'
        'Unregister-AlteryxBackupTask#1'      = 'Get-ScheduledTask and Unregister-ScheduledTask (the ScheduledTasks module) exist only on Windows'
        'Unregister-AlteryxBackupTask#2'      = 'Get-ScheduledTask and Unregister-ScheduledTask (the ScheduledTasks module) exist only on Windows'
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

    # A backup of the legacy batch script for Compare-AlteryxBackup, from the Full archive's own files laid out
    # as the script laid them out (ServerBackup_<ts>\Mongo\..., the three XML files and the token at the top),
    # as a folder and as the .7z the script made (7-Zip: installed by scripts/install-tools.sh).
    $script:LegacyRoot = Join-Path $root 'legacy'
    $script:Legacy = Join-Path $script:LegacyRoot 'ServerBackup_20260112_020000'
    $x = Join-Path $root 'legacy-x'
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [System.IO.Compression.ZipFile]::ExtractToDirectory($script:Full, $x)
    $null = New-Item -ItemType Directory -Path $script:Legacy -Force
    Move-Item -LiteralPath (Join-Path $x 'MongoDB') -Destination (Join-Path $script:Legacy 'Mongo') -ErrorAction Stop
    foreach ($f in 'Config/RuntimeSettings.xml', 'Config/Engine/SystemAlias.xml', 'Config/Engine/SystemConnections.xml', 'Secrets/ControllerToken.txt') {
        Move-Item -LiteralPath (Join-Path $x $f) -Destination $script:Legacy -ErrorAction Stop
    }
    Remove-Item -LiteralPath $x -Recurse -Force
    $sevenZip = @($env:ALTERYXBACKUP_7ZIP, (Get-Command 7zz, 7z -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Path)) | Where-Object { $_ } | Select-Object -First 1
    if (-not $sevenZip) { throw '7-Zip (7zz) is missing: run bash scripts/install-tools.sh.' }
    $script:Legacy7z = "$script:Legacy.7z"
    Push-Location -LiteralPath $script:LegacyRoot
    try { $null = & $sevenZip a -bd -y $script:Legacy7z 'ServerBackup_20260112_020000' } finally { Pop-Location }
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $script:Legacy7z)) { throw "7-Zip could not write $script:Legacy7z (exit $LASTEXITCODE)." }
    $script:Fixtures = (Resolve-Path (Join-Path $PSScriptRoot '../test/fixtures')).ProviderPath

    # What an example needs beyond the sandbox: local Windows paths mapped to folders of the test (<DIR> is
    # the example's own working folder), archives copied under the names the example uses, files of
    # test/fixtures copied into <DIR> under the names it reads (Files), variables it assumes; Process runs it
    # in a new pwsh, for an example that ends with exit (a monitoring check's command line); Smtp gives it a
    # configuration whose NotificationConfiguration is a real SMTP relay on loopback (fixtures/smtp-loopback.mjs).
    $script:Setup = @{
        'Compare-AlteryxBackup#1'          = @{ Replace = @{ 'D:\Alteryx\Backups\ServerBackup_20260112_020000.7z' = '<LEGACY7Z>'; 'D:\Alteryx\Backups\ServerBackup_Full_20260112_023000.zip' = '<FULL>' } }
        'Compare-AlteryxBackup#2'          = @{ Replace = @{ 'D:\Temp\ServerBackup_20260112_020000' = '<LEGACY>' }; Copy = @{ 'ServerBackup_Full_20260112_023000.zip' = '<DIR>' } }
        'Compare-AlteryxBackup#3'          = @{ Variables = @{ legacy = '<LEGACY>'; ours = '<FULL>' } }
        'ConvertFrom-AlteryxBackupBatch#1' = @{ Replace = @{ 'D:\Scripts' = '<DIR>/Scripts'; 'D:\AlteryxBackup' = '<DIR>/AlteryxBackup' }; Files = @{ 'Scripts/ServerBackup.bat' = 'legacy/ServerBackup.bat'; 'Scripts/BackupCleanup.bat' = 'legacy/ServerBackup_Cleanup.bat' } }
        'ConvertFrom-AlteryxBackupBatch#2' = @{ Files = @{ 'ServerBackup.bat' = 'legacy/ServerBackup.bat' } }
        'ConvertFrom-AlteryxBackupBatch#3' = @{ Files = @{ 'ServerBackup.bat' = 'legacy/ServerBackup.bat' } }
        'Export-AlteryxBackupReport#1'     = @{ Replace = @{ 'D:\Reports' = '<DIR>' } }
        'Export-AlteryxBackupReport#2'     = @{ Replace = @{ 'D:\Reports' = '<DIR>' } }
        'Export-AlteryxBackupReport#3'     = @{ Replace = @{ 'D:\Reports' = '<DIR>' }; Smtp = $true }
        'Export-AlteryxBackupTaskXml#2'    = @{ Replace = @{ 'D:\Deploy' = '<DIR>' } }
        'Get-AlteryxBackupHistory#2'       = @{ Replace = @{ 'D:\Reports' = '<DIR>' } }
        'Test-AlteryxBackupHealth#3'       = @{ Process = $true }
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
        'New-AlteryxSandbox#5'         = @{ Replace = @{ 'C:\Temp\sbx-worker' = '<DIR>/sbx-worker' } }
        'New-AlteryxSandbox#6'         = @{ Replace = @{ 'C:\Temp\sbx-sql' = '<DIR>/sbx-sql' } }
        'New-AlteryxSandbox#7'         = @{ Env = @{ TEMP = '<DIR>' } }
        'Restore-AlteryxBackup#2'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#3'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#4'      = @{ Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<DIR>' } }
        'Restore-AlteryxBackup#5'      = @{ Variables = @{ zip = '<FULL>' } }
        'Test-AlteryxBackup#1'         = @{ Replace = @{ 'D:\Alteryx\Backups' = '<BACKUPS>' }; Copy = @{ 'ServerBackup_Full_20250101_020000.zip' = '<BACKUPS>' } }
        'Test-AlteryxBackup#2'         = @{ Replace = @{ '\\nas01\AlteryxBackups' = '<SB>/UNC/nas01/AlteryxBackups' } }
        'Test-AlteryxBackup#6'         = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' } }
        'Restore-AlteryxBackup#8'      = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' } }
        'Invoke-AlteryxRestoreDrill#7' = @{ Replace = @{ 'C:\Temp\sbx' = '<SB>' } }
        'script#3'                     = @{ Replace = @{ './Invoke-AlteryxBackup.ps1' = '<SCRIPT>'; './sbx' = '<SB>' } }
        'script#4'                     = @{ Replace = @{ '.\Invoke-AlteryxBackup.ps1' = '<SCRIPT>' } }
    }

    function Expand-Placeholder([string] $Text, [string] $Dir) {
        $Text.Replace('<DIR>', $Dir).Replace('<SB>', $script:Sandbox).Replace('<FULL>', $script:Full).Replace('<BACKUPS>', $script:Backups).Replace('<SCRIPT>', $script:ScriptForm).Replace('<LEGACY7Z>', $script:Legacy7z).Replace('<LEGACY>', $script:Legacy)
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
        foreach ($pair in @(if ($setup.Files) { $setup.Files.GetEnumerator() })) {
            $target = Join-Path $dir $pair.Key
            $null = New-Item -ItemType Directory -Path (Split-Path -Parent $target) -Force
            Copy-Item -LiteralPath (Join-Path $script:Fixtures $pair.Value) -Destination $target
        }
        $savedEnv = @{}
        foreach ($pair in @(if ($setup.Env) { $setup.Env.GetEnumerator() })) {
            $savedEnv[$pair.Key] = [Environment]::GetEnvironmentVariable($pair.Key)
            [Environment]::SetEnvironmentVariable($pair.Key, (Expand-Placeholder $pair.Value $dir))
        }
        $variables = @{}
        foreach ($pair in @(if ($setup.Variables) { $setup.Variables.GetEnumerator() })) { $variables[$pair.Key] = Expand-Placeholder $pair.Value $dir }

        $defaults = @{}
        foreach ($command in 'Invoke-AlteryxBackup', 'Restore-AlteryxBackup', 'Invoke-AlteryxRestoreDrill', 'Get-AlteryxBackupHistory', 'Test-AlteryxBackupHealth', 'Export-AlteryxBackupReport') {
            $defaults["${command}:SandboxPath"] = $script:Sandbox
            $defaults["${command}:ConfigPath"] = $script:Config
        }
        $smtp = $null
        if ($setup.Smtp) {
            $mailLog = Join-Path $dir 'smtp-messages.jsonl'
            $psi = New-Object System.Diagnostics.ProcessStartInfo (Get-TestNode)
            $psi.Arguments = '"{0}" "{1}"' -f (Join-Path $PSScriptRoot 'fixtures/smtp-loopback.mjs'), $mailLog
            $psi.UseShellExecute = $false
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $smtp = [System.Diagnostics.Process]::Start($psi)
            $port = $smtp.StandardOutput.ReadLine()
            if ($port -notmatch '^\d+$') { throw "the loopback SMTP relay did not start (it wrote '$port')" }
            $config = Get-Content -LiteralPath $script:Config -Raw | ConvertFrom-Json
            $config | Add-Member -NotePropertyName NotificationConfiguration -NotePropertyValue ([pscustomobject]@{
                    SMTPServer = '127.0.0.1'; SMTPPort = [int]$port; UseSSL = $false; FromAddress = 'backup@example.test'; ToAddresses = @('admins@example.test') })
            $mailConfig = Join-Path $dir 'backup-config.json'
            Set-Content -LiteralPath $mailConfig -Value (ConvertTo-Json -InputObject $config -Depth 6) -Encoding UTF8
            $defaults['Export-AlteryxBackupReport:ConfigPath'] = $mailConfig
        }
        Push-Location -LiteralPath $dir
        try {
            if ($setup.Process) {
                # A script of its own in a new pwsh, with the module and the same defaults: what it writes to
                # stderr comes back as error records, its exit code as LastExitCode.
                $prelude = "Import-Module '$($script:ModuleManifest.Replace("'", "''"))'`n"
                foreach ($pair in $defaults.GetEnumerator()) { $prelude += "`$PSDefaultParameterValues['$($pair.Key)'] = '$($pair.Value.Replace("'", "''"))'`n" }
                $file = Join-Path $dir 'example.ps1'
                Set-Content -LiteralPath $file -Value ($prelude + $Code) -Encoding UTF8
                # The PowerShell running these tests (an apphost next to pwsh.dll; the process itself may be dotnet).
                $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
                if (-not $pwsh) { $pwsh = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Path }
                $out = & $pwsh -NoProfile -NonInteractive -File $file 2>&1
                return [pscustomobject]@{ Output = @($out); LastExitCode = $LASTEXITCODE; Code = $Code }
            }
            $block = [scriptblock]::Create($Code)
            $out = & {
                param($PSDefaultParameterValues, $Variables, $Block)
                foreach ($pair in $Variables.GetEnumerator()) { Set-Variable -Name $pair.Key -Value $pair.Value }
                $global:LASTEXITCODE = 0
                . $Block
            } $defaults $variables $block 2>&1 3>$null 4>$null 5>$null 6>$null
            $exit = $global:LASTEXITCODE
            $mail = @()
            if ($smtp) {
                # The relay ends when its stdin closes, after the messages it received are written down.
                $smtp.StandardInput.Close()
                if (-not $smtp.WaitForExit(60000)) { throw 'the loopback SMTP relay did not end within 60 s' }
                if (Test-Path -LiteralPath $mailLog) { $mail = @(Get-Content -LiteralPath $mailLog | ForEach-Object { $_ | ConvertFrom-Json }) }
            }
            [pscustomobject]@{ Output = @($out); LastExitCode = $exit; Code = $Code; Mail = $mail }
        }
        finally {
            if ($smtp -and -not $smtp.HasExited) { $smtp.Kill() }
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
        @($NotRunnable.Keys) | Should -Be @('Export-AlteryxBackupTaskXml#1', 'Get-AlteryxBackup#1', 'Get-AlteryxBackup#2', 'Get-AlteryxBackup#3', 'Get-AlteryxBackupHistory#3', 'Get-AlteryxBackupTask#1', 'Get-AlteryxBackupTask#2',
            'Invoke-AlteryxBackup#4', 'Invoke-AlteryxBackup#8', 'Invoke-AlteryxBackup#9', 'Invoke-AlteryxBackup#10', 'Invoke-AlteryxBackup#12',
            'Invoke-AlteryxRestoreDrill#2', 'Register-AlteryxBackupEventSource#1', 'Register-AlteryxBackupEventSource#2',
            'Register-AlteryxBackupEventSource#3', 'Register-AlteryxBackupTask#1', 'Register-AlteryxBackupTask#2', 'Register-AlteryxBackupTask#3',
            'Register-AlteryxBackupTask#4', 'Register-AlteryxBackupTask#5', 'Restore-AlteryxBackup#1', 'Restore-AlteryxBackup#6', 'Restore-AlteryxBackup#7',
            'Test-AlteryxBackup#4', 'Test-AlteryxBackup#5', 'Unregister-AlteryxBackupTask#1', 'Unregister-AlteryxBackupTask#2', 'script#1', 'script#2')
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
        if ($script:Setup[$Id].Smtp) {
            @($run.Mail).Count | Should -Be 1 -Because "$Id mails the report through the relay once"
            @($run.Mail)[0].to | Should -Be 'admins@example.test'
        }
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
