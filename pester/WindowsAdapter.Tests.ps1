# The PowerShell side of the core's Windows adapter (module/AlteryxBackup/Adapter/WindowsAdapter.ps1), with the
# Windows-only cmdlets mocked. The TypeScript side is exercised through a real session in test/windows-adapter.test.ts.
BeforeAll {
    # Off Windows these cmdlets do not exist; Pester can only mock commands that exist, and filters see the
    # parameters of the command it mocks: stand-ins with the parameters the adapter uses.
    $stubs = @{
        'Get-Service'      = { param([string] $Name) }
        'Stop-Service'     = { param([string] $Name, [switch] $NoWait, [switch] $Force) }
        'Get-CimInstance'  = { param([string] $ClassName, [string] $Filter, [string] $ComputerName, $CimSession) }
        'New-CimSession'   = { param([string] $ComputerName) }
        'Remove-CimSession' = { param($CimSession) }
        'Invoke-CimMethod' = { param($InputObject, [string] $MethodName) }
        'Test-WSMan'       = { param([string] $ComputerName, [string] $Authentication) }
    }
    foreach ($name in $stubs.Keys) {
        if (-not (Get-Command $name -CommandType Cmdlet -ErrorAction SilentlyContinue)) { Set-Item -Path "function:global:$name" -Value $stubs[$name] }
    }
    . (Join-Path $PSScriptRoot '../module/AlteryxBackup/Adapter/WindowsAdapter.ps1')
    # A remote node's CIM session: a stand-in object that says which node it is for.
    Mock New-CimSession { [pscustomobject]@{ ComputerName = $ComputerName; Id = [guid]::NewGuid().ToString() } }
    Mock Remove-CimSession { }
}

Describe 'Get-AbServiceState' {
    It 'reports the local service status' {
        Mock Get-Service { [pscustomobject]@{ Status = 'Running' } }
        (Get-AbServiceState -Name 'AlteryxService' | ConvertFrom-Json).state | Should -Be 'Running'
        Should -Invoke Get-Service -Times 1 -ParameterFilter { $Name -eq 'AlteryxService' }
    }
    It 'reports NotFound when the service does not exist' {
        Mock Get-Service { $null }
        (Get-AbServiceState -Name 'Nope' | ConvertFrom-Json).state | Should -Be 'NotFound'
    }
    It 'asks CIM on a remote node and removes the space of "Stop Pending"' {
        Mock Get-CimInstance { [pscustomobject]@{ State = 'Stop Pending' } }
        (Get-AbServiceState -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).state | Should -Be 'StopPending'
        Should -Invoke Get-CimInstance -ParameterFilter { $CimSession.ComputerName -eq 'WKR1' -and $ClassName -eq 'Win32_Service' -and $Filter -eq "Name='AlteryxService'" }
    }
}

Describe 'Request-AbServiceStop / Request-AbServiceStart' {
    It 'stops a local service without waiting' {
        Mock Stop-Service { }
        (Request-AbServiceStop -Name 'AlteryxService' | ConvertFrom-Json).ok | Should -BeTrue
        Should -Invoke Stop-Service -Times 1 -ParameterFilter { $NoWait -and $Name -eq 'AlteryxService' }
    }
    It 'stops a remote service through Win32_Service.StopService and reports its return code' {
        Mock Get-CimInstance { [pscustomobject]@{ State = 'Running' } }
        Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 2 } }
        $r = Request-AbServiceStop -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json
        $r.ok | Should -BeFalse
        $r.code | Should -Be 2
        Should -Invoke Invoke-CimMethod -ParameterFilter { $MethodName -eq 'StopService' }
    }
    It 'starts a remote service through Win32_Service.StartService' {
        Mock Get-CimInstance { [pscustomobject]@{ State = 'Stopped' } }
        Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 0 } }
        (Request-AbServiceStart -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).ok | Should -BeTrue
        Should -Invoke Invoke-CimMethod -ParameterFilter { $MethodName -eq 'StartService' }
    }
}

Describe 'Service control in pending states' {
    Context 'a local service' {
        It 'treats a service already Stopped or StopPending as stopped, without Stop-Service' -TestCases @(@{ S = 'Stopped' }, @{ S = 'StopPending' }) {
            Mock Get-Service { [pscustomobject]@{ Status = $S } }
            Mock Stop-Service { }
            $r = Request-AbServiceStop -Name 'AlteryxService' | ConvertFrom-Json
            $r.ok | Should -BeTrue
            $r.state | Should -Be $S
            Should -Invoke Stop-Service -Times 0
        }
        It 'asks the core to retry a stop while the service is StartPending (1061), without Stop-Service' {
            Mock Get-Service { [pscustomobject]@{ Status = 'StartPending' } }
            Mock Stop-Service { }
            $r = Request-AbServiceStop -Name 'AlteryxService' | ConvertFrom-Json
            $r.ok | Should -BeFalse
            $r.retry | Should -BeTrue
            $r.code | Should -Be 1061
            Should -Invoke Stop-Service -Times 0
        }
        It 'reads 1061 from a Stop-Service failure as a retry and 1062 (not started) as success' -TestCases @(
            @{ Code = 1061; Ok = $false; Retry = $true }, @{ Code = 1062; Ok = $true; Retry = $false }, @{ Code = 5; Ok = $false; Retry = $false }) {
            Mock Get-Service { [pscustomobject]@{ Status = 'Running' } }
            Mock Stop-Service { throw (New-Object System.ComponentModel.Win32Exception $Code) }
            $r = Request-AbServiceStop -Name 'AlteryxService' | ConvertFrom-Json
            $r.ok | Should -Be $Ok
            $r.retry | Should -Be $Retry
            $r.code | Should -Be $Code
        }
        It 'treats a service already Running or StartPending as started, without Start()' -TestCases @(@{ S = 'Running' }, @{ S = 'StartPending' }) {
            $global:StartCalls = 0
            Mock Get-Service { $o = [pscustomobject]@{ Status = $S }; $o | Add-Member ScriptMethod Start { $global:StartCalls++ }; $o }
            (Request-AbServiceStart -Name 'AlteryxService' | ConvertFrom-Json).ok | Should -BeTrue
            $global:StartCalls | Should -Be 0
        }
        It 'asks for a retry of a start while StopPending, and reads 1056 (already running) from Start() as success' {
            Mock Get-Service { [pscustomobject]@{ Status = 'StopPending' } }
            $r = Request-AbServiceStart -Name 'AlteryxService' | ConvertFrom-Json
            $r.retry | Should -BeTrue
            Mock Get-Service { $o = [pscustomobject]@{ Status = 'Stopped' }; $o | Add-Member ScriptMethod Start { throw (New-Object System.ComponentModel.Win32Exception 1056) }; $o }
            $r = Request-AbServiceStart -Name 'AlteryxService' | ConvertFrom-Json
            $r.ok | Should -BeTrue
            $r.code | Should -Be 1056
        }
    }
    Context 'a remote service (Win32_Service over CIM)' {
        It 'StopService code <Code>: ok=<Ok>, retry=<Retry>' -TestCases @(
            @{ Code = 0; Ok = $true; Retry = $false }, @{ Code = 5; Ok = $false; Retry = $true }, @{ Code = 6; Ok = $true; Retry = $false }, @{ Code = 2; Ok = $false; Retry = $false }) {
            Mock Get-CimInstance { [pscustomobject]@{ State = 'Running' } }
            Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = $Code } }
            $r = Request-AbServiceStop -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json
            $r.ok | Should -Be $Ok
            $r.retry | Should -Be $Retry
        }
        It 'StartService code <Code>: ok=<Ok>, retry=<Retry>' -TestCases @(
            @{ Code = 0; Ok = $true; Retry = $false }, @{ Code = 10; Ok = $true; Retry = $false }, @{ Code = 5; Ok = $false; Retry = $true }) {
            Mock Get-CimInstance { [pscustomobject]@{ State = 'Stopped' } }
            Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = $Code } }
            $r = Request-AbServiceStart -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json
            $r.ok | Should -Be $Ok
            $r.retry | Should -Be $Retry
        }
        It 'does not ask a service that is "Start Pending" to stop: retry; nor one "Stop Pending" to stop again' {
            Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 0 } }
            Mock Get-CimInstance { [pscustomobject]@{ State = 'Start Pending' } }
            (Request-AbServiceStop -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).retry | Should -BeTrue
            Mock Get-CimInstance { [pscustomobject]@{ State = 'Stop Pending' } }
            (Request-AbServiceStop -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).ok | Should -BeTrue
            Should -Invoke Invoke-CimMethod -Times 0
        }
    }
}

Describe 'ConvertTo-AbJsonLine' {
    It 'writes ASCII only: other characters as \u escapes that read back the same' {
        $line = @{ name = 'Nächtlich Übersicht €' } | ConvertTo-AbJsonLine
        $line | Should -Match '^[\x20-\x7e]+$'
        ($line | ConvertFrom-Json).name | Should -Be 'Nächtlich Übersicht €'
    }
}

Describe 'Get-AbWorkflowProcess / Stop-AbWorkflowProcess' {
    It 'lists AlteryxEngineCmd.exe processes by workflow name' {
        Mock Get-CimInstance {
            [pscustomobject]@{ ProcessId = 11; CommandLine = '"C:\Program Files\Alteryx\bin\AlteryxEngineCmd.exe" "D:\flows\Nightly ETL.yxmd"' }
            [pscustomobject]@{ ProcessId = 12; CommandLine = 'AlteryxEngineCmd.exe D:\flows\Other.yxmc' }
        }
        $r = Get-AbWorkflowProcess | ConvertFrom-Json
        @($r.workflows).Count | Should -Be 2
        $r.workflows[0].name | Should -Be 'Nightly ETL.yxmd'
        $r.workflows[1].pid | Should -Be 12
        Should -Invoke Get-CimInstance -ParameterFilter { $Filter -eq "Name='AlteryxEngineCmd.exe'" }
    }
    It 'returns an empty list when none runs' {
        Mock Get-CimInstance { }
        @((Get-AbWorkflowProcess | ConvertFrom-Json).workflows).Count | Should -Be 0
    }
    It 'terminates each one, and only with ShouldProcess' {
        Mock Get-CimInstance { [pscustomobject]@{ ProcessId = 11; CommandLine = 'x' } }
        Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 0 } }
        (Stop-AbWorkflowProcess -WhatIf | ConvertFrom-Json).stopped | Should -BeNullOrEmpty
        Should -Invoke Invoke-CimMethod -Times 0
        (Stop-AbWorkflowProcess | ConvertFrom-Json).stopped | Should -Be 'AlteryxEngineCmd.exe pid 11'
        Should -Invoke Invoke-CimMethod -Times 1 -ParameterFilter { $MethodName -eq 'Terminate' }
    }
    It 'reports a process whose Terminate returned non-zero (access denied) as failed, not stopped' {
        Mock Get-CimInstance { [pscustomobject]@{ ProcessId = 11; CommandLine = 'x' } }
        Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 2 } }
        $r = Stop-AbWorkflowProcess | ConvertFrom-Json
        @($r.stopped).Count | Should -Be 0
        $r.failed[0].pid | Should -Be 11
        $r.failed[0].code | Should -Be 2
    }
}

Describe 'Get-AbServiceLogOnAccount' {
    It 'reads Win32_Service.StartName' {
        Mock Get-CimInstance { [pscustomobject]@{ StartName = 'CONTOSO\svc-alteryx' } }
        (Get-AbServiceLogOnAccount -Name 'AlteryxService' | ConvertFrom-Json).account | Should -Be 'CONTOSO\svc-alteryx'
    }
}

Describe 'Test-AbNodeReachable' {
    It 'is true when WinRM answers and false when it throws' {
        Mock Test-WSMan { $true }
        (Test-AbNodeReachable -ComputerName 'WKR1' | ConvertFrom-Json).reachable | Should -BeTrue
        Should -Invoke Test-WSMan -ParameterFilter { $Authentication -eq 'Default' } -Because 'an anonymous answer says nothing about this account'
        Mock Test-WSMan { throw 'WinRM cannot complete the operation' }
        (Test-AbNodeReachable -ComputerName 'WKR1' | ConvertFrom-Json).reachable | Should -BeFalse
    }
}

Describe 'Get-AbInventory' {
    It 'lists ODBC drivers and system DSNs from the registry, without the PS* properties' {
        Mock Get-ItemProperty -ParameterFilter { $Path -like '*ODBCINST.INI*' } {
            [pscustomobject]@{ 'SQL Server' = 'Installed'; 'ODBC Driver 17 for SQL Server' = 'Installed'; PSPath = 'x'; PSChildName = 'y' }
        }
        Mock Get-ItemProperty -ParameterFilter { $Path -like '*ODBC.INI*' } {
            [pscustomobject]@{ Warehouse = 'ODBC Driver 17 for SQL Server'; PSProvider = 'Registry' }
        }
        $r = Get-AbInventory | ConvertFrom-Json
        @($r.odbcDrivers) | Should -Be @('SQL Server', 'ODBC Driver 17 for SQL Server')
        @($r.dsns).Count | Should -Be 1
        $r.dsns[0].name | Should -Be 'Warehouse'
        $r.dsns[0].driver | Should -Be 'ODBC Driver 17 for SQL Server'
    }
    It 'returns empty lists when ODBC is not configured' {
        Mock Get-ItemProperty { $null }
        $r = Get-AbInventory | ConvertFrom-Json
        @($r.odbcDrivers).Count | Should -Be 0
        @($r.dsns).Count | Should -Be 0
    }
}

Describe 'Metadata inventory (REQ-3.4.x): Get-AbLicense, Get-AbOdbcInventory, Get-AbWindowsVersion, Get-AbDotNetVersion' {
    It 'reads licence keys and non-secret details from the Alteryx registry keys' {
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\SRC\Alteryx' } {
            [pscustomobject]@{ LicenseKey = 'ABCD-EFGH-IJKL-1234'; Product = 'Alteryx Server'; InstallDir64 = 'C:\Program Files\Alteryx'; PSPath = 'x' }
        }
        Mock Get-ItemProperty { $null }
        $r = Get-AbLicense | ConvertFrom-Json
        @($r.keys) | Should -Be @('ABCD-EFGH-IJKL-1234')
        $r.details.Product | Should -Be 'Alteryx Server'
        $r.source | Should -Match 'WOW6432Node'
    }
    It 'reports no key (an empty list) when the registry has none' {
        Mock Get-ItemProperty { $null }
        @((Get-AbLicense | ConvertFrom-Json).keys).Count | Should -Be 0
    }
    It 'lists 64- and 32-bit drivers, system DSNs of both views and the user DSNs of the running account' {
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\ODBC\ODBCINST.INI\ODBC Drivers' } { [pscustomobject]@{ 'ODBC Driver 17 for SQL Server' = 'Installed' } }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\WOW6432Node\ODBC\ODBCINST.INI\ODBC Drivers' } { [pscustomobject]@{ 'SQL Server' = 'Installed' } }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources' } { [pscustomobject]@{ Warehouse = 'ODBC Driver 17 for SQL Server' } }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKLM:\SOFTWARE\WOW6432Node\ODBC\ODBC.INI\ODBC Data Sources' } { [pscustomobject]@{ Legacy = 'SQL Server' } }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKCU:\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources' } { [pscustomobject]@{ Mine = 'SQL Server'; PSDrive = 'HKCU' } }
        $r = Get-AbOdbcInventory | ConvertFrom-Json
        @($r.drivers | ForEach-Object { "$($_.name)|$($_.platform)" }) | Should -Be @('ODBC Driver 17 for SQL Server|64-bit', 'SQL Server|32-bit')
        @($r.dsns | ForEach-Object { "$($_.name)|$($_.scope)|$($_.platform)|$($_.driver)" }) | Should -Be @('Warehouse|system|64-bit|ODBC Driver 17 for SQL Server', 'Legacy|system|32-bit|SQL Server', 'Mine|user|any|SQL Server')
        $r.userScopeAccount | Should -Not -BeNullOrEmpty
    }
    It 'reads the user DSNs of the service Log On account and the Run As user from HKU:\SID, each DSN with its account' {
        Mock Get-ItemProperty { $null }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKCU:\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources' } { [pscustomobject]@{ Mine = 'SQL Server' } }
        Mock Get-ItemProperty -ParameterFilter { $Path -eq 'HKU:\S-1-5-21-1004336348-1177238915-682003330-1121\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources' } {
            [pscustomobject]@{ Finance_Extracts = 'ODBC Driver 17 for SQL Server'; Snowflake_RunAs = 'Simba Snowflake ODBC Driver'; PSPath = 'x' }
        }
        Mock Get-AbCurrentAccount { [pscustomobject]@{ Name = 'NT AUTHORITY\SYSTEM'; Sid = 'S-1-5-18' } }
        Mock ConvertTo-AbAccountSid -ParameterFilter { $Account -eq 'CONTOSO\svc-alteryx' } { 'S-1-5-21-1004336348-1177238915-682003330-1120' }
        Mock ConvertTo-AbAccountSid -ParameterFilter { $Account -eq 'CONTOSO\svc-alteryx-run' } { 'S-1-5-21-1004336348-1177238915-682003330-1121' }
        Mock Test-Path { $false }
        Mock Test-Path -ParameterFilter { $Path -eq 'HKU:\S-1-5-21-1004336348-1177238915-682003330-1121' } { $true }
        $r = Get-AbOdbcInventory -Accounts 'CONTOSO\svc-alteryx|CONTOSO\svc-alteryx-run' | ConvertFrom-Json
        @($r.dsns | ForEach-Object { "$($_.account)|$($_.name)|$($_.scope)|$($_.platform)|$($_.driver)" }) | Should -Be @(
            'NT AUTHORITY\SYSTEM|Mine|user|any|SQL Server',
            'CONTOSO\svc-alteryx-run|Finance_Extracts|user|any|ODBC Driver 17 for SQL Server',
            'CONTOSO\svc-alteryx-run|Snowflake_RunAs|user|any|Simba Snowflake ODBC Driver'
        )
        $svc = @($r.userAccounts | Where-Object { $_.account -eq 'CONTOSO\svc-alteryx' })[0]
        $svc.sid | Should -Be 'S-1-5-21-1004336348-1177238915-682003330-1120'
        $svc.readable | Should -BeFalse
        $svc.reason | Should -BeLike 'not readable (profile not loaded*'
        $run = @($r.userAccounts | Where-Object { $_.account -eq 'CONTOSO\svc-alteryx-run' })[0]
        $run.readable | Should -BeTrue
        $run.dsnCount | Should -Be 2
        Should -Invoke Get-ItemProperty -Times 0 -ParameterFilter { $Path -like 'HKU:\S-1-5-21-1004336348-1177238915-682003330-1120*' } -Because 'an unloaded hive is not read'
    }
    It 'reads an account once, skips the one the backup runs as, and reports a name that does not resolve' {
        Mock Get-ItemProperty { $null }
        Mock Get-AbCurrentAccount { [pscustomobject]@{ Name = 'NT AUTHORITY\SYSTEM'; Sid = 'S-1-5-18' } }
        Mock ConvertTo-AbAccountSid -ParameterFilter { $Account -eq 'CONTOSO\gone' } { throw 'Some or all identity references could not be translated.' }
        Mock Test-Path { $true }
        $r = Get-AbOdbcInventory -Accounts 'LocalSystem|NT AUTHORITY\SYSTEM|CONTOSO\gone' | ConvertFrom-Json
        @($r.userAccounts).Count | Should -Be 2
        $r.userAccounts[0].account | Should -Be 'LocalSystem'
        $r.userAccounts[0].reason | Should -BeLike 'the account the backup runs as*'
        $r.userAccounts[1].readable | Should -BeFalse
        $r.userAccounts[1].reason | Should -BeLike 'not readable (the account does not resolve to a SID: *could not be translated*'
        Should -Invoke Test-Path -Times 0 -ParameterFilter { $Path -eq 'HKU:\S-1-5-18' } -Because 'SYSTEM is the account whose HKCU was read'
    }
    It 'maps the service accounts Win32_Service names to their well-known SIDs' {
        ConvertTo-AbAccountSid -Account 'LocalSystem' | Should -Be 'S-1-5-18'
        ConvertTo-AbAccountSid -Account 'NT AUTHORITY\LocalService' | Should -Be 'S-1-5-19'
        ConvertTo-AbAccountSid -Account 'NT AUTHORITY\NetworkService' | Should -Be 'S-1-5-20'
    }
    It 'reads a remote node through Invoke-Command' {
        Mock Invoke-Command { @{ drivers = @(@{ name = 'Remote Driver'; platform = '64-bit' }); dsns = @(); userScopeAccount = 'CONTOSO\svc' } }
        $r = Get-AbOdbcInventory -ComputerName 'WKR1' | ConvertFrom-Json
        $r.drivers[0].name | Should -Be 'Remote Driver'
        Should -Invoke Invoke-Command -Times 1 -ParameterFilter { $ComputerName -eq 'WKR1' -and $ScriptBlock.ToString() -match 'function Get-AbRegistryValue' }
        Get-AbOdbcInventory -ComputerName 'WKR1' -Accounts 'WKR1\svc' | Out-Null
        Should -Invoke Invoke-Command -Times 1 -ParameterFilter {
            $ArgumentList[0] -eq 'WKR1\svc' -and $ScriptBlock.ToString() -match 'function ConvertTo-AbAccountSid' -and $ScriptBlock.ToString() -match 'function Get-AbCurrentAccount'
        } -Because 'the accounts are resolved on the node, with the helpers shipped there'
        # The shipped block parses: helpers first, then the body (which takes the accounts as $args[0]).
        Mock Invoke-Command { $null = [scriptblock]::Create($ScriptBlock.ToString()); @{ drivers = @(); dsns = @(); userAccounts = @() } }
        { Get-AbOdbcInventory -ComputerName 'WKR1' -Accounts 'WKR1\svc' } | Should -Not -Throw
    }
    It 'reads the Windows version from Win32_OperatingSystem' {
        Mock Get-CimInstance -ParameterFilter { $ClassName -eq 'Win32_OperatingSystem' } { [pscustomobject]@{ Caption = 'Microsoft Windows Server 2019 Datacenter'; Version = '10.0.17763'; BuildNumber = '17763' } }
        $r = Get-AbWindowsVersion | ConvertFrom-Json
        $r.caption | Should -Be 'Microsoft Windows Server 2019 Datacenter'
        $r.build | Should -Be '17763'
    }
    It 'maps the .NET Framework Release value to its version, and throws when there is none' {
        Mock Get-ItemProperty -ParameterFilter { $Path -like '*NDP\v4\Full' } { [pscustomobject]@{ Release = 528449 } }
        (Get-AbDotNetVersion | ConvertFrom-Json).version | Should -Be '4.8'
        Mock Get-ItemProperty -ParameterFilter { $Path -like '*NDP\v4\Full' } { [pscustomobject]@{ Release = 461814 } }
        (Get-AbDotNetVersion | ConvertFrom-Json).version | Should -Be '4.7.2'
        Mock Get-ItemProperty -ParameterFilter { $Path -like '*NDP\v4\Full' } { $null }
        { Get-AbDotNetVersion } | Should -Throw -ExpectedMessage '*not installed*'
    }
}

Describe 'One CIM session per remote node for the run' {
    BeforeEach { $script:AbCimSessions = @{} }
    It 'makes one session per node on first use and reuses it for every poll' {
        Mock Get-CimInstance { [pscustomobject]@{ State = 'Stop Pending' } }
        foreach ($i in 1..25) {
            (Get-AbServiceState -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).state | Should -Be 'StopPending'
            $null = Get-AbServiceState -Name 'AlteryxService' -ComputerName 'wkr2'
        }
        $null = Get-AbServiceState -Name 'AlteryxService' -ComputerName 'wkr1'
        Should -Invoke New-CimSession -Times 2 -Exactly
        Should -Invoke New-CimSession -Times 1 -Exactly -ParameterFilter { $ComputerName -eq 'WKR1' }
        Should -Invoke New-CimSession -Times 1 -Exactly -ParameterFilter { $ComputerName -eq 'wkr2' }
        Should -Invoke Get-CimInstance -Times 51 -Exactly -ParameterFilter { $null -ne $CimSession -and -not $ComputerName }
        Should -Invoke Remove-CimSession -Times 0
    }
    It 'uses the same session for stop, start, the log-on account, workflows and the Windows version' {
        Mock Get-CimInstance {
            if ($ClassName -eq 'Win32_Service') { [pscustomobject]@{ State = 'Running'; StartName = 'CONTOSO\svc' } }
            elseif ($ClassName -eq 'Win32_Process') { [pscustomobject]@{ ProcessId = 7; CommandLine = 'x.yxmd' } }
            else { [pscustomobject]@{ Caption = 'Windows Server 2022'; Version = '10.0.20348'; BuildNumber = '20348' } }
        }
        Mock Invoke-CimMethod { [pscustomobject]@{ ReturnValue = 0 } }
        $null = Request-AbServiceStop -Name 'AlteryxService' -ComputerName 'WKR1'
        $null = Request-AbServiceStart -Name 'AlteryxService' -ComputerName 'WKR1'
        (Get-AbServiceLogOnAccount -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).account | Should -Be 'CONTOSO\svc'
        $null = Get-AbWorkflowProcess -ComputerName 'WKR1'
        $null = Stop-AbWorkflowProcess -ComputerName 'WKR1' -Confirm:$false
        (Get-AbWindowsVersion -ComputerName 'WKR1' | ConvertFrom-Json).build | Should -Be '20348'
        Should -Invoke New-CimSession -Times 1 -Exactly
        Should -Invoke Get-CimInstance -Times 0 -ParameterFilter { $ComputerName }
    }
    It 'uses no session for the local node' {
        Mock Get-CimInstance { [pscustomobject]@{ StartName = 'LocalSystem' } }
        $null = Get-AbServiceLogOnAccount -Name 'AlteryxService'
        Should -Invoke New-CimSession -Times 0
        Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { $null -eq $CimSession }
    }
    It 'removes a broken session and tries once more on a new one' {
        $script:calls = 0
        Mock Get-CimInstance {
            $script:calls++
            if ($script:calls -eq 3) { throw 'The WinRM client cannot process the request: the session is broken' }
            [pscustomobject]@{ State = 'Running' }
        }
        foreach ($i in 1..6) { (Get-AbServiceState -Name 'AlteryxService' -ComputerName 'WKR1' | ConvertFrom-Json).state | Should -Be 'Running' }
        Should -Invoke New-CimSession -Times 2 -Exactly
        Should -Invoke Remove-CimSession -Times 1 -Exactly
        Should -Invoke Get-CimInstance -Times 7 -Exactly
    }
    It 'gives the error of the second attempt when the new session fails too' {
        Mock Get-CimInstance { throw 'Access is denied' }
        { Get-AbServiceState -Name 'AlteryxService' -ComputerName 'WKR1' } | Should -Throw '*Access is denied*'
        Should -Invoke New-CimSession -Times 2 -Exactly
    }
    It 'Remove-AbCimSession removes every session at the end of the run and never fails' {
        Mock Get-CimInstance { [pscustomobject]@{ State = 'Running' } }
        foreach ($n in 'WKR1', 'WKR2', 'WKR1') { $null = Get-AbServiceState -Name 'AlteryxService' -ComputerName $n }
        Mock Remove-CimSession { if ($CimSession.ComputerName -eq 'WKR2') { throw 'already gone' } }
        (Remove-AbCimSession | ConvertFrom-Json).removed | Should -Be 2
        Should -Invoke Remove-CimSession -Times 2 -Exactly
        $script:AbCimSessions.Count | Should -Be 0
        $null = Get-AbServiceState -Name 'AlteryxService' -ComputerName 'WKR1'
        Should -Invoke New-CimSession -Times 3 -Exactly
    }
}
