#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Export-AlteryxBackupTaskXml: the file is well-formed UTF-16 XML in the Task Scheduler namespace, validates
    against the structure of the Task Scheduler schema (fixtures/task-schema-1.2-structure.xsd, written from
    Microsoft's schema documentation), and its command line quotes the paths with spaces; one file per schedule.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'fixtures/ScheduledTasks.Stubs.ps1')
    $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) ("ab-xml-" + [guid]::NewGuid().ToString('N'))
    $script:ModuleDir = Copy-ModuleToSpacedPath -Root $script:Root
    Get-Module AlteryxBackup | Remove-Module -Force
    Import-Module (Join-Path $script:ModuleDir 'AlteryxBackup.psd1') -Force
    $script:Script = Join-Path $script:ModuleDir 'Invoke-AlteryxBackup.ps1'
    $script:Ns = 'http://schemas.microsoft.com/windows/2004/02/mit/task'

    function Read-TaskXml {
        # Parses the file and validates it against the schema structure; returns the document.
        param([string] $Path)
        $settings = New-Object System.Xml.XmlReaderSettings
        $settings.ValidationType = [System.Xml.ValidationType]::Schema
        [void]$settings.Schemas.Add($script:Ns, (Join-Path $PSScriptRoot 'fixtures/task-schema-1.2-structure.xsd'))
        $errors = New-Object System.Collections.Generic.List[string]
        $settings.add_ValidationEventHandler({ param($s, $e) $errors.Add("$($e.Severity): $($e.Message) (line $($e.Exception.LineNumber))") })
        $reader = [System.Xml.XmlReader]::Create($Path, $settings)
        $doc = New-Object System.Xml.XmlDocument
        try { $doc.Load($reader) } finally { $reader.Close() }
        [pscustomobject]@{ Doc = $doc; Errors = $errors.ToArray() }
    }

    function Get-Node([System.Xml.XmlDocument] $Doc, [string] $XPath) {
        $m = New-Object System.Xml.XmlNamespaceManager ($Doc.NameTable)
        $m.AddNamespace('t', $script:Ns)
        $Doc.SelectNodes($XPath, $m)
    }

    function Split-CommandLine([string] $Line) {
        # How the C runtime (and powershell.exe) splits a command line: quotes group, \" is a quote.
        $list = New-Object System.Collections.Generic.List[string]
        $cur = New-Object System.Text.StringBuilder
        $inQuotes = $false; $has = $false; $i = 0
        while ($i -lt $Line.Length) {
            $c = $Line[$i]
            if ($c -eq '\') {
                $n = 0; while ($i -lt $Line.Length -and $Line[$i] -eq '\') { $n++; $i++ }
                if ($i -lt $Line.Length -and $Line[$i] -eq '"') { [void]$cur.Append('\' * [math]::Floor($n / 2)); if ($n % 2) { [void]$cur.Append('"'); $i++ } }
                else { [void]$cur.Append('\' * $n) }
                $has = $true; continue
            }
            if ($c -eq '"') { $inQuotes = -not $inQuotes; $has = $true; $i++; continue }
            if (-not $inQuotes -and ($c -eq ' ' -or $c -eq "`t")) { if ($has) { $list.Add($cur.ToString()); [void]$cur.Clear(); $has = $false }; $i++; continue }
            [void]$cur.Append($c); $has = $true; $i++
        }
        if ($has) { $list.Add($cur.ToString()) }
        , $list.ToArray()
    }
}

AfterAll {
    Get-Module AlteryxBackup | Remove-Module -Force
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Export-AlteryxBackupTaskXml' {
    BeforeEach { Mock -ModuleName AlteryxBackup Get-CimInstance { $null } }

    It '<Schedule>: well-formed UTF-16 Task Scheduler XML that validates against the schema structure' -ForEach @(
        @{ Schedule = 'Nightly'; Mode = 'Full'; Triggers = 1 }
        @{ Schedule = 'Intraday'; Mode = 'DatabaseOnly'; Triggers = 1 }
        @{ Schedule = 'OnDemand'; Mode = 'ConfigOnly'; Triggers = 0 }
    ) {
        $file = Join-Path $script:Root "$Schedule.xml"
        $item = Export-AlteryxBackupTaskXml -Schedule $Schedule -Path $file -Confirm:$false
        $item | Should -BeOfType [System.IO.FileInfo]
        $bytes = [System.IO.File]::ReadAllBytes($file)
        $bytes[0] | Should -Be 0xFF
        $bytes[1] | Should -Be 0xFE
        [System.Text.Encoding]::Unicode.GetString($bytes, 2, 80) | Should -Match '^<\?xml version="1.0" encoding="utf-16"\?>'
        $r = Read-TaskXml $file
        $r.Errors | Should -BeNullOrEmpty
        $r.Doc.DocumentElement.LocalName | Should -Be 'Task'
        $r.Doc.DocumentElement.NamespaceURI | Should -Be $script:Ns
        $r.Doc.DocumentElement.GetAttribute('version') | Should -Be '1.2'
        @(Get-Node $r.Doc '/t:Task/t:Triggers/*').Count | Should -Be $Triggers
        @(Get-Node $r.Doc '/t:Task/t:Actions/t:Exec/t:Command')[0].InnerText | Should -Be 'powershell.exe'
        @(Get-Node $r.Doc '/t:Task/t:Actions/t:Exec/t:Arguments')[0].InnerText | Should -Match "-BackupMode $Mode$"
        @(Get-Node $r.Doc '/t:Task/t:RegistrationInfo/t:URI')[0].InnerText | Should -Be "\AlteryxBackup\Alteryx Backup - $Mode ($(@{ Nightly = 'nightly'; Intraday = 'intraday'; OnDemand = 'on demand' }[$Schedule]))"
    }

    It 'the command line quotes the script path with spaces, and splits back into the intended arguments' {
        $cfgDir = Join-Path $script:Root 'My Config'
        $null = New-Item -ItemType Directory -Path $cfgDir -Force
        $cfg = Join-Path $cfgDir 'backup-config.json'
        Set-Content -LiteralPath $cfg -Value '{}'
        $file = Join-Path $script:Root 'quoted.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -ConfigPath $cfg -Path $file -Confirm:$false | Out-Null
        $r = Read-TaskXml $file
        $line = @(Get-Node $r.Doc '//t:Exec/t:Arguments')[0].InnerText
        $line | Should -Match ([regex]::Escape("-File `"$script:Script`""))
        $line | Should -Match ([regex]::Escape("-ConfigPath `"$cfg`""))
        (Split-CommandLine $line) -join '|' | Should -Be (@('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $script:Script, '-BackupMode', 'Full', '-ConfigPath', $cfg) -join '|')
        @(Get-Node $r.Doc '//t:Exec/t:WorkingDirectory')[0].InnerText | Should -Be $script:ModuleDir
    }

    It 'SYSTEM with highest privileges; IgnoreNew; the execution time limit; Context names the principal' {
        $file = Join-Path $script:Root 'settings.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -Path $file -Confirm:$false | Out-Null
        $r = Read-TaskXml $file
        @(Get-Node $r.Doc '//t:Principal/t:UserId')[0].InnerText | Should -Be 'S-1-5-18'
        @(Get-Node $r.Doc '//t:Principal/t:LogonType').Count | Should -Be 0
        @(Get-Node $r.Doc '//t:Principal/t:RunLevel')[0].InnerText | Should -Be 'HighestAvailable'
        @(Get-Node $r.Doc '//t:Settings/t:MultipleInstancesPolicy')[0].InnerText | Should -Be 'IgnoreNew'
        @(Get-Node $r.Doc '//t:Settings/t:ExecutionTimeLimit')[0].InnerText | Should -Be 'PT18H'
        @(Get-Node $r.Doc '//t:Settings/t:StartWhenAvailable')[0].InnerText | Should -Be 'true'
        @(Get-Node $r.Doc '/t:Task/t:Actions')[0].GetAttribute('Context') | Should -Be @(Get-Node $r.Doc '//t:Principal')[0].GetAttribute('id')
        $t = @(Get-Node $r.Doc '//t:CalendarTrigger')[0]
        @($t.ChildNodes | ForEach-Object LocalName) | Should -Be @('Enabled', 'StartBoundary', 'ScheduleByDay')
        $t.StartBoundary | Should -Match 'T02:00:00$'
    }

    It 'Intraday: the Repetition comes after StartBoundary (the schema sequence), 4 h for 9 h; on working days a ScheduleByWeek' {
        $file = Join-Path $script:Root 'intraday.xml'
        Export-AlteryxBackupTaskXml -Schedule Intraday -DaysOfWeek Monday, Tuesday, Wednesday, Thursday, Friday -Path $file -Confirm:$false | Out-Null
        $r = Read-TaskXml $file
        $r.Errors | Should -BeNullOrEmpty
        $t = @(Get-Node $r.Doc '//t:CalendarTrigger')[0]
        @($t.ChildNodes | ForEach-Object LocalName) | Should -Be @('Enabled', 'StartBoundary', 'Repetition', 'ScheduleByWeek')
        $t.Repetition.Interval | Should -Be 'PT4H'
        $t.Repetition.Duration | Should -Be 'PT9H'
        @($t.ScheduleByWeek.DaysOfWeek.ChildNodes | ForEach-Object LocalName) | Should -Be @('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday')
    }

    It '-UserId: that account with a stored password (LogonType Password)' {
        $file = Join-Path $script:Root 'user.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -UserId 'CONTOSO\svc-backup' -Path $file -Confirm:$false | Out-Null
        $r = Read-TaskXml $file
        $r.Errors | Should -BeNullOrEmpty
        @(Get-Node $r.Doc '//t:Principal/t:UserId')[0].InnerText | Should -Be 'CONTOSO\svc-backup'
        @(Get-Node $r.Doc '//t:Principal/t:LogonType')[0].InnerText | Should -Be 'Password'
    }

    It 'explicit triggers from New-ScheduledTaskTrigger (weekly, daily with repetition, once) are written' {
        $file = Join-Path $script:Root 'custom.xml'
        $weekly = New-FakeTrigger -Class 'MSFT_TaskWeeklyTrigger' -At '2026-01-04T03:00:00' -DaysOfWeek (1 + 64)
        $daily = New-FakeTrigger -Class 'MSFT_TaskDailyTrigger' -At '2026-01-01T06:00:00' -DaysInterval 2 -Interval 'PT2H' -Duration 'PT6H'
        $once = New-FakeTrigger -Class 'MSFT_TaskTimeTrigger' -At '2026-02-01T12:00:00'
        Export-AlteryxBackupTaskXml -Trigger $weekly, $daily, $once -Path $file -Confirm:$false | Out-Null
        $r = Read-TaskXml $file
        $r.Errors | Should -BeNullOrEmpty
        @(Get-Node $r.Doc '/t:Task/t:Triggers/*' | ForEach-Object LocalName) | Should -Be @('CalendarTrigger', 'CalendarTrigger', 'TimeTrigger')
        @(@(Get-Node $r.Doc '//t:ScheduleByWeek/t:DaysOfWeek/*') | ForEach-Object LocalName) | Should -Be @('Sunday', 'Saturday')
        @(Get-Node $r.Doc '//t:ScheduleByDay/t:DaysInterval')[0].InnerText | Should -Be '2'
        @(Get-Node $r.Doc '//t:CalendarTrigger/t:Repetition/t:Interval')[0].InnerText | Should -Be 'PT2H'
        @(Get-Node $r.Doc '//t:TimeTrigger/t:StartBoundary')[0].InnerText | Should -Be '2026-02-01T12:00:00'
        @(Get-Node $r.Doc '//t:Exec/t:Arguments')[0].InnerText | Should -Match '-BackupMode Full$'
    }

    It 'warns when a destination is a mapped drive letter (SYSTEM, and a -UserId task); the file is still written' {
        Mock -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $Filter -eq "DeviceID='Z:'" } { [pscustomobject]@{ DeviceID = 'Z:'; DriveType = 4; ProviderName = '\\nas01\backups' } }
        Mock -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $Filter -eq "DeviceID='D:'" } { [pscustomobject]@{ DeviceID = 'D:'; DriveType = 3; ProviderName = $null } }
        $cfg = Join-Path $script:Root 'mapped-config.json'
        Set-Content -LiteralPath $cfg -Value (ConvertTo-Json -Depth 4 -InputObject @{ BackupConfiguration = @{ LocalBackupPath = 'D:\Alteryx\Backups'; NetworkBackupPaths = @('Z:\AlteryxBackups') } })
        $file = Join-Path $script:Root 'mapped.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -ConfigPath $cfg -Path $file -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        @($w | Where-Object { $_ -match "'Z:\\AlteryxBackups' is on a mapped network drive, and the task runs as SYSTEM.*Use the UNC path" }).Count | Should -Be 1
        @($w | Where-Object { $_ -match 'D:\\Alteryx' }).Count | Should -Be 0 -Because 'D: is a local disk (DriveType 3)'
        (Read-TaskXml $file).Errors | Should -BeNullOrEmpty
        Should -Invoke -ModuleName AlteryxBackup Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_LogicalDisk' -and $Filter -eq "DeviceID='Z:'" }
        $userFile = Join-Path $script:Root 'mapped-user.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -ConfigPath $cfg -UserId 'CONTOSO\svc-backup' -Path $userFile -Confirm:$false -WarningVariable wu -WarningAction SilentlyContinue | Out-Null
        @($wu | Where-Object { $_ -match "'Z:\\AlteryxBackups' is on a mapped network drive: a scheduled task does not get the drive mappings" }).Count | Should -Be 1
        Test-Path -LiteralPath $userFile | Should -BeTrue
    }

    It 'no mapped-drive warning when every destination is on a local disk' {
        Mock -ModuleName AlteryxBackup Get-CimInstance { [pscustomobject]@{ DeviceID = 'D:'; DriveType = 3; ProviderName = $null } }
        $cfg = Join-Path $script:Root 'local-config.json'
        Set-Content -LiteralPath $cfg -Value (ConvertTo-Json -Depth 4 -InputObject @{ BackupConfiguration = @{ LocalBackupPath = 'D:\Alteryx\Backups'; NetworkBackupPaths = @('D:\Copies') } })
        Export-AlteryxBackupTaskXml -Schedule Nightly -ConfigPath $cfg -Path (Join-Path $script:Root 'local.xml') -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        "$w" | Should -Not -Match 'mapped'
    }

    It 'a trigger kind it cannot write is refused, naming the kind; nothing is written' {
        $file = Join-Path $script:Root 'logon.xml'
        $logon = New-FakeTrigger -Class 'MSFT_TaskLogonTrigger' -At '2026-01-01T00:00:00'
        $global:LASTEXITCODE = 42
        { Export-AlteryxBackupTaskXml -Trigger $logon -Path $file -Confirm:$false } | Should -Throw -ExpectedMessage '*MSFT_TaskLogonTrigger*' -ErrorId 'AlteryxBackup.Exit3,Export-AlteryxBackupTaskXml'
        Test-Path -LiteralPath $file | Should -BeFalse
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
    }

    It 'the XML validator is not a pushover: a file with a trigger child out of the schema order fails it' {
        $file = Join-Path $script:Root 'order.xml'
        Export-AlteryxBackupTaskXml -Schedule Intraday -Path $file -Confirm:$false | Out-Null
        $doc = New-Object System.Xml.XmlDocument
        $doc.Load($file)
        $t = @(Get-Node $doc '//t:CalendarTrigger')[0]
        $rep = $t.Repetition
        [void]$t.RemoveChild($rep)
        [void]$t.InsertBefore($rep, $t.FirstChild)
        $doc.Save($file)
        (Read-TaskXml $file).Errors | Should -Not -BeNullOrEmpty
    }

    It 'an existing file is kept unless -Force (exit 3, $LASTEXITCODE left alone); -WhatIf writes nothing' {
        $file = Join-Path $script:Root 'exists.xml'
        Set-Content -LiteralPath $file -Value 'keep'
        $global:LASTEXITCODE = 42
        { Export-AlteryxBackupTaskXml -Schedule Nightly -Path $file -Confirm:$false } | Should -Throw -ExpectedMessage '*already exists*-Force*' -ErrorId 'AlteryxBackup.Exit3,Export-AlteryxBackupTaskXml'
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        Get-Content -LiteralPath $file | Should -Be 'keep'
        $new = Join-Path $script:Root 'whatif.xml'
        Export-AlteryxBackupTaskXml -Schedule Nightly -Path $new -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath $new | Should -BeFalse
        Export-AlteryxBackupTaskXml -Schedule Nightly -Path $file -Force -Confirm:$false | Out-Null
        $global:LASTEXITCODE | Should -Be 42 -Because 'a cmdlet leaves $LASTEXITCODE alone'
        (Read-TaskXml $file).Errors | Should -BeNullOrEmpty
        Test-Path -LiteralPath "$file.partial" | Should -BeFalse
    }
}
