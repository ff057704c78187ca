# Invoke-AlteryxBackup through the real module and the real core, for each mode, and the watchdog when the core
# is killed in the middle of the dump (issue 4). The sandbox stands in for the server.
BeforeDiscovery {
    $script:Modes = @(
        @{ Mode = 'Full'; Name = 'Full'; HasDb = $true; HasConfig = $true }
        @{ Mode = 'DatabaseOnly'; Name = 'DB'; HasDb = $true; HasConfig = $false }
        @{ Mode = 'ConfigOnly'; Name = 'Config'; HasDb = $false; HasConfig = $true }
    )
}

BeforeAll {
    $script:Repo = Resolve-Path (Join-Path $PSScriptRoot '..')
    $script:Cli = Join-Path $Repo 'module/AlteryxBackup/lib/alteryx-backup.mjs'
    if (-not (Test-Path $Cli)) { throw "The core is not built ($Cli): run npm run build" }
    Import-Module (Join-Path $Repo 'module/AlteryxBackup/AlteryxBackup.psd1') -Force

    function New-TestSandbox {
        param([string] $Path)
        $null = New-AlteryxSandbox -Path $Path -DatabaseSizeMB 1.5 -Force
        & node $Cli sandbox set $Path service.stopSeconds=0.2 service.startSeconds=0.2 | Out-Null
        $config = Join-Path $Path '..' 'cfg.json'
        @{ ServiceConfiguration = @{ PollIntervalSeconds = 0.05 }; ValidationConfiguration = @{ MinimumBackupSizeMB = @{ Full = 0.1; DatabaseOnly = 0.1; ConfigOnly = 0.001 } } } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $config
        (Resolve-Path $config).Path
    }
    function Get-ServiceStates {
        param([string] $Path)
        ((& node $Cli sandbox status $Path --json) | ConvertFrom-Json).nodes
    }
    function Get-ServiceEventCount {
        param([string] $Path)
        @(Get-Content -LiteralPath (Join-Path $Path 'events.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.kind -eq 'service' }).Count
    }
}

Describe 'Invoke-AlteryxBackup -BackupMode <Mode> on a sandbox' -Tag 'Integration' -ForEach $Modes {
    BeforeAll {
        $script:Sbx = Join-Path $TestDrive "sbx-$Mode"
        $script:Config = New-TestSandbox -Path $Sbx
        $script:Before = Get-ServiceEventCount -Path $Sbx
        $script:Result = Invoke-AlteryxBackup -BackupMode $Mode -SandboxPath $Sbx -ConfigPath $Config
        $script:Entries = @(& unzip -Z1 $Result.ArchivePath)
    }
    It 'succeeds with a typed result and the mode''s archive name' {
        $Result.PSObject.TypeNames | Should -Contain 'AlteryxBackup.Result'
        $Result.ExitCode | Should -Be 0 -Because $Result.Message
        Split-Path -Leaf $Result.ArchivePath | Should -Match "^ServerBackup_$($Name)_\d{8}_\d{6}\.zip$"
        & unzip -tq $Result.ArchivePath | Out-Null
        $LASTEXITCODE | Should -Be 0
    }
    It 'holds the dump only when the mode has the database' {
        [bool]($Entries | Where-Object { $_ -like 'MongoDB/AlteryxGallery/*.bson' }) | Should -Be $HasDb
    }
    It 'holds configuration and secrets only when the mode has them' {
        [bool]($Entries | Where-Object { $_ -eq 'Config/RuntimeSettings.xml' }) | Should -Be $HasConfig
        [bool]($Entries | Where-Object { $_ -eq 'Secrets/ControllerToken.txt' }) | Should -Be $HasConfig
    }
    It 'stops the service only for the database, and leaves it Running' {
        $changes = (Get-ServiceEventCount -Path $Sbx) - $Before
        if ($HasDb) { $changes | Should -Be 4 } else { $changes | Should -Be 0 }
        (Get-ServiceStates -Path $Sbx)[0].service | Should -Be 'Running'
    }
    It 'matches its .sha256 file' {
        $line = (Get-Content -LiteralPath "$($Result.ArchivePath).sha256" -Raw).Trim()
        $hash = (Get-FileHash -LiteralPath $Result.ArchivePath -Algorithm SHA256).Hash.ToLowerInvariant()
        $line | Should -Be "$hash  $(Split-Path -Leaf $Result.ArchivePath)"
        $Result.Sha256 | Should -Be $hash
    }
}

Describe 'the watchdog: the core killed in the middle of the dump' -Tag 'Integration' {
    BeforeAll {
        $script:Sbx = Join-Path $TestDrive 'sbx-kill'
        $script:Config = New-TestSandbox -Path $Sbx
        & node $Cli sandbox set $Sbx emongodump.seconds=6 | Out-Null
        $module = Join-Path $Repo 'module/AlteryxBackup/AlteryxBackup.psd1'
        $script:Job = Start-Job -ScriptBlock {
            param($Module, $Sbx, $Config)
            Import-Module $Module
            Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $Sbx -ConfigPath $Config -ErrorAction SilentlyContinue
        } -ArgumentList $module, $Sbx, $Config
        # The journal names the core's process once it has stopped the service; the dump runs 6 s after that.
        $journal = Join-Path $Sbx 'D/Temp/AlteryxBackup.journal.json'
        $deadline = (Get-Date).AddSeconds(60)
        while (-not (Test-Path $journal) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $deadline = (Get-Date).AddSeconds(30)
        while (((Get-ServiceStates -Path $Sbx)[0].service -ne 'Stopped') -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $script:StateAtKill = (Get-ServiceStates -Path $Sbx)[0].service
        $script:CorePid = (Get-Content -LiteralPath $journal -Raw | ConvertFrom-Json).pid
        & kill -9 $CorePid
        $script:Result = $Job | Wait-Job -Timeout 120 | Receive-Job
        $Job | Remove-Job -Force
    }
    It 'killed the core while the service was stopped for the dump' {
        $StateAtKill | Should -Be 'Stopped'
        $CorePid | Should -BeGreaterThan 0
    }
    It 'returns exit code 1 saying the run was interrupted' {
        $Result.ExitCode | Should -Be 1
        $Result.Message | Should -Match 'interrupted'
    }
    It 'leaves the service Running once the cmdlet returns' {
        (Get-ServiceStates -Path $Sbx)[0].service | Should -Be 'Running'
    }
    It 'publishes no archive' {
        @(Get-ChildItem -Path (Join-Path $Sbx 'D/Alteryx/Backups') -Filter '*.zip' -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
    It 'the next run reports the interrupted one' {
        $next = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $Sbx -ConfigPath $Config
        $next.ExitCode | Should -Be 0
        ($next.Warnings -join "`n") | Should -Match "A previous run \(pid $CorePid, DatabaseOnly"
    }
}

Describe 'a failed run: the staging folder is removed, or kept with -KeepStagingOnFailure (issue 12)' -Tag 'Integration' {
    BeforeAll {
        $script:Sbx = Join-Path $TestDrive 'sbx-keep'
        $script:Config = New-TestSandbox -Path $Sbx
        # The verify step fails (a ConfigOnly minimum no archive reaches), after the files and secrets were captured.
        $script:FailConfig = Join-Path $TestDrive 'cfg-fail.json'
        @{ ServiceConfiguration = @{ PollIntervalSeconds = 0.05 }; ValidationConfiguration = @{ MinimumBackupSizeMB = @{ Full = 0.1; DatabaseOnly = 0.1; ConfigOnly = 1000 } } } |
            ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $FailConfig
        $script:Temp = Join-Path $Sbx 'D/Temp'
        function Get-StagingFolders { @(Get-ChildItem -LiteralPath $Temp -Directory -Filter 'ServerBackup_*' -ErrorAction SilentlyContinue) }
    }
    It 'removes the staging folder of a failed run without the switch' {
        $r = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $Sbx -ConfigPath $FailConfig -ErrorAction SilentlyContinue
        $r.ExitCode | Should -Be 3 -Because $r.Message
        @(Get-StagingFolders).Count | Should -Be 0
    }
    It 'keeps it with -KeepStagingOnFailure, marked as kept, without the secret files' {
        $r = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $Sbx -ConfigPath $FailConfig -KeepStagingOnFailure -ErrorAction SilentlyContinue
        $r.ExitCode | Should -Be 3 -Because $r.Message
        $kept = @(Get-StagingFolders)
        $kept.Count | Should -Be 1
        Test-Path -LiteralPath (Join-Path $kept[0].FullName '.alteryxbackup-kept') | Should -BeTrue
        @(Get-ChildItem -LiteralPath $kept[0].FullName -Recurse -File | Where-Object { $_.Name -match '^(ControllerToken|MongoPasswords)\.txt$' }).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $kept[0].FullName -Recurse -File -Filter 'RuntimeSettings.xml').Count | Should -BeGreaterThan 0
    }
    It 'a later successful run leaves the kept folder alone' {
        $r = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $Sbx -ConfigPath $Config
        $r.ExitCode | Should -Be 0 -Because $r.Message
        @(Get-StagingFolders).Count | Should -Be 1
    }
}
