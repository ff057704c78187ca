#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Invoke-AlteryxRestoreDrill: parameter set, ShouldProcess, the request and the typed result against a
    mocked core; tagged Integration, drills of real archives into scratch sandboxes: counts against the
    manifest, the live sandbox untouched, the scratch removed (or kept), a corrupted archive refused.
#>

BeforeAll {
    $script:ModuleManifest = Join-Path $PSScriptRoot '../module/AlteryxBackup/AlteryxBackup.psd1'
    Import-Module $script:ModuleManifest -Force
    . (Join-Path $PSScriptRoot 'fixtures/Restore.Helpers.ps1')

    function New-FakeDrillResult {
        param([int] $ExitCode = 0, [bool] $DryRun = $false, [object[]] $Plan)
        [pscustomobject]@{
            type        = 'result'
            command     = 'drill'
            exitCode    = $ExitCode
            success     = ($ExitCode -eq 0)
            message     = 'Drill passed'
            archivePath = '/b/ServerBackup_Full_20250101_020000.zip'
            mode        = 'Full'
            dryRun      = $DryRun
            durationMs  = 4000
            logPath     = '/logs/BackupLog_Drill_20250101_030000.log'
            warnings    = @()
            checks      = @([pscustomobject]@{ name = 'scratch document counts'; ok = ($ExitCode -eq 0); detail = '11 collections' })
            badEntries  = @()
            counts      = @([pscustomobject]@{ database = 'AlteryxService'; collection = 'AS_Queue'; expected = 351; restored = 351; actual = 351; ok = $true })
            documents   = [pscustomobject]@{ expected = 351; restored = 351; actual = 351 }
            restoreLog  = [pscustomobject]@{ ok = $true; restored = 351; failed = 0; summary = 'success' }
            timingsMs   = [pscustomobject]@{ verify = 70; scratch = 120; restore = 2100; count = 27; cleanup = 12; total = 2400 }
            method      = 'mongod'
            port        = 27099
            scratchPath = '/tmp/AlteryxDrill_x'
            kept        = $false
            plan        = $Plan
            errors      = @()
        }
    }
}

Describe 'Invoke-AlteryxRestoreDrill parameters' {
    BeforeAll {
        $command = Get-Command Invoke-AlteryxRestoreDrill
    }

    It 'has parameter <Name> of type <Type>' -ForEach @(
        @{ Name = 'Path'; Type = [string] }
        @{ Name = 'BackupMode'; Type = [string] }
        @{ Name = 'ScratchPath'; Type = [string] }
        @{ Name = 'Keep'; Type = [switch] }
        @{ Name = 'Method'; Type = [string] }
        @{ Name = 'Port'; Type = [int] }
        @{ Name = 'ConfigPath'; Type = [string] }
        @{ Name = 'LocalBackupPath'; Type = [string] }
        @{ Name = 'LogDirectory'; Type = [string] }
        @{ Name = 'SkipChecksumFile'; Type = [switch] }
        @{ Name = 'ArchivePassword'; Type = [securestring] }
        @{ Name = 'SandboxPath'; Type = [string] }
        @{ Name = 'NodePath'; Type = [string] }
        @{ Name = 'Latest'; Type = [switch] }
        @{ Name = 'Mode'; Type = [string] }
        @{ Name = 'Destination'; Type = [string] }
    ) {
        $command.Parameters[$Name].ParameterType | Should -Be $Type
    }

    It 'has no parameter beyond the documented ones and the common ones' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        @($command.Parameters.Keys | Where-Object { $common -notcontains $_ }).Count | Should -Be 16
    }

    It 'accepts -Method Auto, Mongod or Sandbox and nothing else' {
        $set = $command.Parameters['Method'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        @($set.ValidValues) | Should -Be @('Auto', 'Mongod', 'Sandbox')
        { Invoke-AlteryxRestoreDrill -Path 'x.zip' -Method Docker } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxRestoreDrill'
    }

    It 'refuses a -Port outside 0-65535 before the core runs' {
        { Invoke-AlteryxRestoreDrill -Path 'x.zip' -Port 70000 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxRestoreDrill'
        { Invoke-AlteryxRestoreDrill -Path 'x.zip' -Port -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Invoke-AlteryxRestoreDrill'
    }

    It 'has no mandatory parameter in its default set (the newest archive is the default)' {
        $default = $command.ParameterSets | Where-Object Name -EQ $command.DefaultParameterSet
        @($default.Parameters | Where-Object IsMandatory) | Should -BeNullOrEmpty
    }

    It 'takes -Path from the pipeline by ArchivePath / FullName' {
        $attr = $command.Parameters['Path'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $attr.ValueFromPipelineByPropertyName | Should -BeTrue
        $command.Parameters['Path'].Aliases | Should -Be @('ArchivePath', 'FullName')
    }

    It 'supports -WhatIf with ConfirmImpact Low (the live server is not touched)' {
        $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $binding = $command.ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        $binding.ConfirmImpact | Should -Be 'Low'
    }

    It 'declares its output type AlteryxBackup.DrillResult' {
        $command.OutputType.Name | Should -Contain 'AlteryxBackup.DrillResult'
    }
}

Describe 'Invoke-AlteryxRestoreDrill with a mocked core' {
    BeforeAll {
        $script:calls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:calls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeDrillResult -DryRun ([bool]$Request.dryRun) -Plan @([pscustomobject]@{ name = 'scratch'; description = 'Create a scratch server'; changesState = $false })
        }
    }
    BeforeEach { $script:calls.Clear() }

    It 'runs the core command drill with the resolved paths and switches' {
        $r = Invoke-AlteryxRestoreDrill -BackupMode DatabaseOnly -ScratchPath 'TestDrive:\scratch' -Keep -SandboxPath 'TestDrive:\sbx'
        $script:calls.Count | Should -Be 1
        $script:calls[0].Command | Should -Be 'drill'
        $p = $script:calls[0].Request.params
        $p.BackupMode | Should -Be 'DatabaseOnly'
        $p.ScratchPath | Should -Be (Join-Path $TestDrive 'scratch')
        $p.SandboxPath | Should -Be (Join-Path $TestDrive 'sbx')
        $p.Keep | Should -BeTrue
        $p.Contains('Path') | Should -BeFalse
        $p.Contains('Method') | Should -BeFalse
        $p.Contains('Port') | Should -BeFalse
        $r.PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.DrillResult'
    }

    It 'forwards -Method and -Port to the core and returns them' {
        $r = Invoke-AlteryxRestoreDrill -Path 'x.zip' -Method Mongod -Port 27099
        $p = $script:calls[0].Request.params
        $p.Method | Should -Be 'Mongod'
        $p.Port | Should -Be 27099
        $p.Port | Should -BeOfType [int]
        $r.Method | Should -Be 'mongod'
        $r.Port | Should -Be 27099
    }

    It 'returns the counts, timings and verdict as typed properties' {
        $global:LASTEXITCODE = 99
        $r = Invoke-AlteryxRestoreDrill -Path 'x.zip'
        $r.Success | Should -BeTrue
        $r.Counts[0].PSObject.TypeNames[0] | Should -Be 'AlteryxBackup.CollectionCount'
        $r.Counts[0].Actual | Should -Be 351
        $r.Timings.restore | Should -Be 2100
        $r.Duration.TotalSeconds | Should -Be 4
        $r.RestoreLog.ok | Should -BeTrue
        $global:LASTEXITCODE | Should -Be 99 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'drills what the pipeline gives (ArchivePath of a backup result)' {
        $null = [pscustomobject]@{ ArchivePath = 'TestDrive:\ServerBackup_Full_20250101_020000.zip' } | Invoke-AlteryxRestoreDrill
        $script:calls[0].Request.params.Path | Should -Be (Join-Path $TestDrive 'ServerBackup_Full_20250101_020000.zip')
    }

    It '-WhatIf asks for a dry run and outputs no object' {
        $all = @(Invoke-AlteryxRestoreDrill -Path 'x.zip' -WhatIf 6>&1)
        $script:calls[0].Request.dryRun | Should -BeTrue
        @($all | Where-Object { $_.PSObject.TypeNames -contains 'AlteryxBackup.DrillResult' }) | Should -BeNullOrEmpty
        @($all | ForEach-Object { "$_" }) | Should -Contain 'AlteryxBackup: Drill passed'
    }

    It '-WhatIf passes the changing steps of the plan through ShouldProcess (in a new pwsh, with the fake core)' {
        $pwsh = @((Join-Path $PSHOME 'pwsh'), (Join-Path $PSHOME 'pwsh.exe')) | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
        $fake = (Resolve-Path (Join-Path $PSScriptRoot 'fixtures/fake-core.mjs')).ProviderPath
        $code = "`$env:FAKE_CORE_SCENARIO = 'ok'; Import-Module '$($script:ModuleManifest)'; & (Get-Module AlteryxBackup) { function script:Get-AlteryxBackupBundlePath { '$fake' } }; Invoke-AlteryxRestoreDrill -Path '/b/x.zip' -WhatIf"
        $out = @(& $pwsh -NoProfile -NonInteractive -Command $code 2>&1 | ForEach-Object { "$_" })
        @($out | Where-Object { $_ -like 'What if:*' }) | Should -Be @('What if: Performing the operation "archive" on target "Write the ZIP".') -Because ($out -join "`n")
    }

    It 'on failure writes the result, then the error AlteryxBackup.Exit5' {
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore { New-FakeDrillResult -ExitCode 5 }
        $global:LASTEXITCODE = 99
        $all = @(Invoke-AlteryxRestoreDrill -Path 'x.zip' 2>&1)
        $all[0].ExitCode | Should -Be 5
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit5,Invoke-AlteryxRestoreDrill'
        $global:LASTEXITCODE | Should -Be 99
    }
}

Describe 'Invoke-AlteryxRestoreDrill -Latest -Mode -Destination with a mocked core' {
    BeforeAll {
        $script:latestCalls = New-Object System.Collections.Generic.List[object]
        Mock -ModuleName AlteryxBackup Invoke-AlteryxBackupCore {
            $script:latestCalls.Add([pscustomobject]@{ Command = $Command; Request = $Request })
            New-FakeDrillResult -DryRun ([bool]$Request.dryRun) -Plan @([pscustomobject]@{ name = 'scratch'; description = 'Create a scratch server'; changesState = $false })
        }
        $command = Get-Command Invoke-AlteryxRestoreDrill
    }
    BeforeEach { $script:latestCalls.Clear() }

    It '-Path (and -BackupMode) and -Latest are parameter sets that exclude each other; -Latest needs -Mode and -Destination' {
        $command.DefaultParameterSet | Should -Be 'Path'
        $latest = $command.ParameterSets | Where-Object Name -EQ 'Latest'
        @($latest.Parameters | Where-Object IsMandatory | ForEach-Object Name | Sort-Object) | Should -Be @('Destination', 'Latest', 'Mode')
        @($latest.Parameters.Name) | Should -Not -Contain 'Path'
        @($latest.Parameters.Name) | Should -Not -Contain 'BackupMode'
        { Invoke-AlteryxRestoreDrill -Path 'a.zip' -Latest -Mode Full -Destination aws } | Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-AlteryxRestoreDrill'
        { Invoke-AlteryxRestoreDrill -BackupMode Full -Latest -Mode Full -Destination aws } | Should -Throw -ErrorId 'AmbiguousParameterSet,Invoke-AlteryxRestoreDrill'
        $script:latestCalls.Count | Should -Be 0
    }

    It 'forwards Latest, Mode and Destination (no Path, no BackupMode) to the core command drill' {
        $null = Invoke-AlteryxRestoreDrill -Latest -Mode DatabaseOnly -Destination 'azure' -SandboxPath 'TestDrive:\sbx'
        $script:latestCalls.Count | Should -Be 1
        $script:latestCalls[0].Command | Should -Be 'drill'
        $p = $script:latestCalls[0].Request.params
        $p.Latest | Should -BeTrue
        $p.Mode | Should -Be 'DatabaseOnly'
        $p.Destination | Should -Be 'azure'
        $p.SandboxPath | Should -Be (Join-Path $TestDrive 'sbx')
        $p.Contains('Path') | Should -BeFalse
        $p.Contains('BackupMode') | Should -BeFalse
    }
}

Describe 'Invoke-AlteryxRestoreDrill against the real core' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $A = New-TestSandbox -Path (Join-Path $TestDrive 'A') -SizeMB 1
        $full = Invoke-AlteryxBackup -BackupMode Full -SandboxPath $A -ConfigPath $config 3>$null
        if ($full.ExitCode -ne 0) { throw "backup failed: $($full.Message)" }
        $liveFiles = Get-TestConfigHash -Sandbox $A
        $liveCounts = Get-TestDocumentCount -Sandbox $A
        $scratch = Join-Path $TestDrive 'scratch'
        $null = New-Item -ItemType Directory -Path $scratch
        $drill = Invoke-AlteryxRestoreDrill -SandboxPath $A -ConfigPath $config -BackupMode Full -ScratchPath $scratch 3>$null
    }

    It 'drills the newest Full archive and passes' {
        $drill.ExitCode | Should -Be 0 -Because $drill.Message
        $drill.Path | Should -Be $full.ArchivePath
        $drill.FailedChecks | Should -BeNullOrEmpty
    }

    It 'reports per-collection counts equal to the manifest and to the live database' {
        @($drill.Counts).Count | Should -Be 11
        foreach ($row in $drill.Counts) {
            $row.Ok | Should -BeTrue
            $row.Actual | Should -Be $row.Expected
            $row.Actual | Should -Be $liveCounts["$($row.Database).$($row.Collection)"]
        }
        $drill.RestoreLog.ok | Should -BeTrue
    }

    It 'reports the timings of each part' {
        foreach ($k in 'verify', 'scratch', 'restore', 'count', 'cleanup', 'total') {
            $drill.Timings.$k | Should -Not -BeNullOrEmpty -Because $k
        }
    }

    It 'removes the scratch server and leaves the live sandbox untouched' {
        @(Get-ChildItem -LiteralPath $scratch) | Should -BeNullOrEmpty
        Compare-TestHashtable -Left (Get-TestConfigHash -Sandbox $A) -Right $liveFiles | Should -BeNullOrEmpty
        Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $A) -Right $liveCounts | Should -BeNullOrEmpty
        (Get-TestServiceState -Sandbox $A)['ALTERYX01'] | Should -Be 'Running'
    }

    It 'keeps the scratch server with -Keep' {
        $kept = Invoke-AlteryxRestoreDrill -Path $full.ArchivePath -SandboxPath $A -ConfigPath $config -ScratchPath $scratch -Keep 3>$null
        $kept.ExitCode | Should -Be 0
        $kept.Kept | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $kept.ScratchPath 'sandbox.json') | Should -BeTrue
        Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $kept.ScratchPath) -Right $liveCounts | Should -BeNullOrEmpty
    }

    It 'refuses a corrupted archive with exit 3, before any scratch server exists' {
        $dir = Join-Path $TestDrive 'bad'
        $null = New-Item -ItemType Directory -Path $dir
        $copy = Join-Path $dir (Split-Path -Leaf $full.ArchivePath)
        Copy-Item -LiteralPath $full.ArchivePath -Destination $copy
        $text = Get-Content -Raw -LiteralPath "$($full.ArchivePath).sha256"
        $first = 'a'
        if ($text[0] -eq 'a') { $first = 'b' }
        Set-Content -LiteralPath "$copy.sha256" -Value ($first + $text.Substring(1)) -NoNewline
        $empty = Join-Path $TestDrive 'scratch-bad'
        $null = New-Item -ItemType Directory -Path $empty
        $all = @(Invoke-AlteryxRestoreDrill -Path $copy -SandboxPath $A -ConfigPath $config -ScratchPath $empty 2>&1 3>$null)
        $all[0].ExitCode | Should -Be 3
        $all[0].Message | Should -Match '\.sha256 says'
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxRestoreDrill'
        @(Get-ChildItem -LiteralPath $empty) | Should -BeNullOrEmpty
    }
}

Describe 'Invoke-AlteryxRestoreDrill -Method Mongod against the real core (a scratch mongod on a spare port)' -Tag 'Integration' {
    BeforeAll {
        $config = New-TestConfig -Path (Join-Path $TestDrive 'config.json')
        $A = New-TestSandbox -Path (Join-Path $TestDrive 'A') -SizeMB 1
        $db = Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $A -ConfigPath $config 3>$null
        if ($db.ExitCode -ne 0) { throw "backup failed: $($db.Message)" }
        $liveFiles = Get-TestConfigHash -Sandbox $A
        $liveCounts = Get-TestDocumentCount -Sandbox $A
        $serviceEvents = @(Get-Content -LiteralPath (Join-Path $A 'events.jsonl') | ConvertFrom-Json | Where-Object { $_.kind -eq 'service' }).Count
        $scratch = Join-Path $TestDrive 'scratch'
        $null = New-Item -ItemType Directory -Path $scratch
        $drill = $db | Invoke-AlteryxRestoreDrill -SandboxPath $A -ConfigPath $config -Method Mongod -ScratchPath $scratch 3>$null
        $mongod = @(Get-Content -LiteralPath (Join-Path $A 'events.jsonl') | ConvertFrom-Json | Where-Object { $_.tool -eq 'mongod' })
    }

    It 'passes with every collection equal to the manifest and the live database' {
        $drill.ExitCode | Should -Be 0 -Because $drill.Message
        $drill.Method | Should -Be 'mongod'
        $drill.FailedChecks | Should -BeNullOrEmpty
        @($drill.Counts).Count | Should -Be 11
        foreach ($row in $drill.Counts) {
            $row.Ok | Should -BeTrue
            $row.Actual | Should -Be $liveCounts["$($row.Database).$($row.Collection)"]
        }
        $drill.RestoreLog.ok | Should -BeTrue
    }

    It 'ran one scratch mongod on the reported port, not the live one, and shut it down' {
        $drill.Port | Should -BeGreaterThan 0
        $drill.Port | Should -Not -Be 27018
        @($mongod | Where-Object { $_.phase -eq 'start' }).Count | Should -Be 1
        ($mongod | Where-Object { $_.phase -eq 'start' }).port | Should -Be $drill.Port
        @($mongod | Where-Object { $_.phase -eq 'end' }).Count | Should -Be 1
    }

    It 'removes the scratch folder and leaves the live server, its files, database and service untouched' {
        @(Get-ChildItem -LiteralPath $scratch) | Should -BeNullOrEmpty
        Compare-TestHashtable -Left (Get-TestConfigHash -Sandbox $A) -Right $liveFiles | Should -BeNullOrEmpty
        Compare-TestHashtable -Left (Get-TestDocumentCount -Sandbox $A) -Right $liveCounts | Should -BeNullOrEmpty
        @(Get-Content -LiteralPath (Join-Path $A 'events.jsonl') | ConvertFrom-Json | Where-Object { $_.kind -eq 'service' }).Count | Should -Be $serviceEvents
        (Get-TestServiceState -Sandbox $A)['ALTERYX01'] | Should -Be 'Running'
    }

    It 'a drill whose core is killed: the watchdog ends the scratch mongod and removes the scratch folder' {
        Set-TestKnob -Sandbox $A -Setting 'mongod.startSeconds=120'
        $killScratch = Join-Path $TestDrive 'scratch-killed'
        $null = New-Item -ItemType Directory -Path $killScratch
        $job = Start-Job -ScriptBlock {
            param($Module, $Archive, $Sbx, $Config, $Scratch)
            Import-Module $Module
            $r = Invoke-AlteryxRestoreDrill -Path $Archive -SandboxPath $Sbx -ConfigPath $Config -Method Mongod -ScratchPath $Scratch -ErrorAction SilentlyContinue 3>$null
            [pscustomobject]@{ ExitCode = $r.ExitCode; Interrupted = $r.Interrupted; Drill = $r.Recovery.drill; RecoverExit = $r.Recovery.exitCode }
        } -ArgumentList $script:ModuleManifest, $db.ArchivePath, $A, $config, $killScratch
        $journalFile = Join-Path $A 'D/Temp/AlteryxBackup.drill.json'
        $deadline = (Get-Date).AddSeconds(90)
        $journal = $null
        while ((Get-Date) -lt $deadline) {
            if (Test-Path -LiteralPath $journalFile) {
                $journal = Get-Content -LiteralPath $journalFile -Raw | ConvertFrom-Json
                if ($null -ne $journal.mongod) { break }
            }
            Start-Sleep -Milliseconds 100
        }
        $journal.mongod | Should -Not -BeNullOrEmpty
        & kill -9 $journal.pid
        $r = $job | Wait-Job -Timeout 120 | Receive-Job
        $job | Remove-Job -Force
        Set-TestKnob -Sandbox $A -Setting 'mongod.startSeconds=0'
        $r.ExitCode | Should -Be 1
        $r.Interrupted | Should -BeTrue
        $r.RecoverExit | Should -Be 0
        $r.Drill.pid | Should -Be $journal.pid
        $r.Drill.scratchRemoved | Should -BeTrue
        @(Get-ChildItem -LiteralPath $killScratch) | Should -BeNullOrEmpty
        Test-Path -LiteralPath $journalFile | Should -BeFalse
        & kill -0 $journal.mongod.pid 2>$null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'the scratch mongod is gone'
    }

    It 'refuses the live EmbeddedMongoDBPort with exit 3' {
        $all = @(Invoke-AlteryxRestoreDrill -Path $db.ArchivePath -SandboxPath $A -ConfigPath $config -Method Mongod -Port 27018 -ScratchPath $scratch 2>&1 3>$null)
        $all[0].ExitCode | Should -Be 3
        $all[0].Message | Should -Match "27018 is the live embedded MongoDB's port"
        $all[1].FullyQualifiedErrorId | Should -Be 'AlteryxBackup.Exit3,Invoke-AlteryxRestoreDrill'
    }
}
