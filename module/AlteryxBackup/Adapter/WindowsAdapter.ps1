<#
    The PowerShell side of the core's Windows adapter (src/platform/windows/adapter.ts).

    The core keeps one PowerShell session per run, dot-sources this file into it and calls these functions;
    each writes exactly one line of JSON. All decisions stay in the core: these functions only ask Windows
    and report. Arguments arrive as single-quoted literals built by the core (never interpolated).
    Windows PowerShell 5.1 and PowerShell 7 compatible.

    Local services use Get-Service / Stop-Service / Start-Service; remote nodes use CIM (Win32_Service over
    WinRM), because PowerShell 7's Get-Service has no -ComputerName, through one CIM session per node for the run.
#>

function ConvertTo-AbJsonLine {
    param([Parameter(ValueFromPipeline = $true)] $InputObject)
    process {
        $json = ConvertTo-Json -InputObject $InputObject -Compress -Depth 4
        # ASCII only: every other character as \uXXXX, so that no console code page (powershell.exe writes in the
        # OEM one) can change a workflow, account or DSN name on its way to the core.
        [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    }
}

# One CIM session (WinRM) per remote node for the whole run: made on first use, reused by every poll, removed by
# Remove-AbCimSession when the core ends the adapter session (in every outcome). A call that fails on a session
# removes it and is tried once more on a new one (a session broken by a WinRM restart or a network blip); a
# second failure is the call's error. The local node needs no session (Get-CimInstance uses local COM).
$script:AbCimSessions = @{}

function Get-AbCimSession {
    param([Parameter(Mandatory = $true)] [string] $ComputerName)
    $key = $ComputerName.ToLowerInvariant()
    $s = $script:AbCimSessions[$key]
    if (-not $s) {
        $s = New-CimSession -ComputerName $ComputerName -ErrorAction Stop
        $script:AbCimSessions[$key] = $s
    }
    $s
}

function Remove-AbCimSession {
    # Removes the session of one node, or (without -ComputerName) of every node; never fails.
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $keys = @($script:AbCimSessions.Keys)
    if ($ComputerName) { $keys = @($ComputerName.ToLowerInvariant()) }
    foreach ($k in $keys) {
        $s = $script:AbCimSessions[$k]
        $script:AbCimSessions.Remove($k)
        if ($s) { try { Remove-CimSession -CimSession $s -ErrorAction Stop } catch { Write-Verbose "Remove-CimSession $k failed: $_" } }
    }
    if (-not $ComputerName) { @{ removed = $keys.Count } | ConvertTo-AbJsonLine }
}

function Get-AbCimInstance {
    # Get-CimInstance here, or on -ComputerName through that node's one session (re-created once if it broke).
    param([Parameter(Mandatory = $true)] [string] $ClassName, [string] $Filter = '', [string] $ComputerName = '')
    $params = @{ ClassName = $ClassName; ErrorAction = 'Stop' }
    if ($Filter) { $params.Filter = $Filter }
    if (-not $ComputerName) { return Get-CimInstance @params }
    try {
        Get-CimInstance @params -CimSession (Get-AbCimSession -ComputerName $ComputerName)
    } catch {
        Remove-AbCimSession -ComputerName $ComputerName
        Get-CimInstance @params -CimSession (Get-AbCimSession -ComputerName $ComputerName)
    }
}

function Get-AbRemoteService {
    param([string] $Name, [string] $ComputerName)
    $filter = "Name='{0}'" -f ($Name -replace "'", "\'")
    Get-AbCimInstance -ClassName Win32_Service -Filter $filter -ComputerName $ComputerName
}

function Get-AbServiceState {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    $state = 'NotFound'
    if ($ComputerName) {
        $svc = Get-AbRemoteService -Name $Name -ComputerName $ComputerName
        if ($svc) { $state = ([string]$svc.State) -replace ' ', '' }
    } else {
        $svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
        if ($svc) { $state = [string]$svc.Status }
    }
    @{ state = $state } | ConvertTo-AbJsonLine
}

# Win32 error codes of service control: 1056 already running, 1061 cannot accept control messages now (a
# pending state), 1062 not started. Win32_Service method return codes: 5 cannot accept control now, 6 not
# active, 10 already running. "Already in that state" is success; "cannot accept control now" is a retry.
function Get-AbServiceErrorCode {
    param($ErrorRecord)
    $e = $ErrorRecord.Exception
    while ($null -ne $e) {
        if ($e -is [System.ComponentModel.Win32Exception]) { return [int]$e.NativeErrorCode }
        $e = $e.InnerException
    }
    if ([string]$ErrorRecord -match '\b(1056|1061|1062)\b') { return [int]$Matches[1] }
    return -1
}

function New-AbServiceControlResult {
    param([bool] $Ok, [int] $Code, [bool] $Retry = $false, [string] $State = '', [string] $Message = '')
    @{ ok = $Ok; code = $Code; retry = $Retry; state = $State; message = $Message } | ConvertTo-AbJsonLine
}

function Request-AbServiceStop {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    if ($ComputerName) {
        $svc = Get-AbRemoteService -Name $Name -ComputerName $ComputerName
        $state = ([string]$svc.State) -replace ' ', ''
        if ($state -eq 'Stopped' -or $state -eq 'StopPending') { return New-AbServiceControlResult -Ok $true -Code 0 -State $state }
        if ($state -eq 'StartPending') { return New-AbServiceControlResult -Ok $false -Code 5 -Retry $true -State $state }
        $r = Invoke-CimMethod -InputObject $svc -MethodName StopService -ErrorAction Stop
        $code = [int]$r.ReturnValue
        New-AbServiceControlResult -Ok ($code -eq 0 -or $code -eq 6) -Code $code -Retry ($code -eq 5) -State $state
    } else {
        $svc = Get-Service -Name $Name -ErrorAction Stop
        $state = [string]$svc.Status
        if ($state -eq 'Stopped' -or $state -eq 'StopPending') { return New-AbServiceControlResult -Ok $true -Code 0 -State $state }
        if ($state -eq 'StartPending') { return New-AbServiceControlResult -Ok $false -Code 1061 -Retry $true -State $state }
        try {
            Stop-Service -Name $Name -NoWait -Force -ErrorAction Stop
            New-AbServiceControlResult -Ok $true -Code 0 -State $state
        } catch {
            $code = Get-AbServiceErrorCode $_
            New-AbServiceControlResult -Ok ($code -eq 1062) -Code $code -Retry ($code -eq 1061) -State $state -Message ([string]$_.Exception.Message)
        }
    }
}

function Request-AbServiceStart {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    if ($ComputerName) {
        $svc = Get-AbRemoteService -Name $Name -ComputerName $ComputerName
        $state = ([string]$svc.State) -replace ' ', ''
        if ($state -eq 'Running' -or $state -eq 'StartPending') { return New-AbServiceControlResult -Ok $true -Code 0 -State $state }
        if ($state -eq 'StopPending') { return New-AbServiceControlResult -Ok $false -Code 5 -Retry $true -State $state }
        $r = Invoke-CimMethod -InputObject $svc -MethodName StartService -ErrorAction Stop
        $code = [int]$r.ReturnValue
        New-AbServiceControlResult -Ok ($code -eq 0 -or $code -eq 10) -Code $code -Retry ($code -eq 5) -State $state
    } else {
        # Start() returns at once; the core polls the state anyway, so the session is not blocked.
        $svc = Get-Service -Name $Name -ErrorAction Stop
        $state = [string]$svc.Status
        if ($state -eq 'Running' -or $state -eq 'StartPending') { return New-AbServiceControlResult -Ok $true -Code 0 -State $state }
        if ($state -eq 'StopPending') { return New-AbServiceControlResult -Ok $false -Code 1061 -Retry $true -State $state }
        try {
            $svc.Start()
            New-AbServiceControlResult -Ok $true -Code 0 -State $state
        } catch {
            $code = Get-AbServiceErrorCode $_
            New-AbServiceControlResult -Ok ($code -eq 1056) -Code $code -Retry ($code -eq 1061) -State $state -Message ([string]$_.Exception.Message)
        }
    }
}

function Get-AbServiceLogOnAccount {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    $filter = "Name='{0}'" -f ($Name -replace "'", "\'")
    $svc = Get-AbCimInstance -ClassName 'Win32_Service' -Filter $filter -ComputerName $ComputerName
    @{ account = if ($svc) { [string]$svc.StartName } else { $null } } | ConvertTo-AbJsonLine
}

function Get-AbWorkflowProcess {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $params = @{ ClassName = 'Win32_Process'; Filter = "Name='AlteryxEngineCmd.exe'"; ComputerName = $ComputerName }
    $list = @(Get-AbCimInstance @params | ForEach-Object {
        $cmd = [string]$_.CommandLine
        $name = 'AlteryxEngineCmd.exe'
        if ($cmd -match '"([^"]+\.yxm[dcw])"') { $name = Split-Path -Leaf $Matches[1] }
        elseif ($cmd -match '(\S+\.yxm[dcw])') { $name = Split-Path -Leaf $Matches[1] }
        @{ name = $name; pid = [int]$_.ProcessId }
    })
    ConvertTo-AbJsonLine -InputObject @{ workflows = $list }
}

function Stop-AbWorkflowProcess {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $ComputerName = '')
    $params = @{ ClassName = 'Win32_Process'; Filter = "Name='AlteryxEngineCmd.exe'"; ComputerName = $ComputerName }
    $stopped = @()
    $failed = @()
    foreach ($p in @(Get-AbCimInstance @params)) {
        if ($PSCmdlet.ShouldProcess("AlteryxEngineCmd.exe pid $($p.ProcessId)", 'Terminate')) {
            # Win32_Process.Terminate: 0 done; 2 access denied, 3 insufficient privilege, 8 unknown, 9 path
            # not found, 21 invalid parameter: the process still runs, so it is reported, never counted as stopped.
            $r = Invoke-CimMethod -InputObject $p -MethodName Terminate -ErrorAction Stop
            if ([int]$r.ReturnValue -eq 0) { $stopped += "AlteryxEngineCmd.exe pid $($p.ProcessId)" }
            else { $failed += @{ pid = [int]$p.ProcessId; code = [int]$r.ReturnValue } }
        }
    }
    ConvertTo-AbJsonLine -InputObject @{ stopped = $stopped; failed = $failed }
}

function Test-AbElevated {
    [CmdletBinding()]
    param()
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($id)
    @{ elevated = [bool]$principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator) } | ConvertTo-AbJsonLine
}

function Test-AbNodeReachable {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $ComputerName)
    $ok = $false
    # -Authentication Default: an authenticated WS-Management call, as the run will make; without it Test-WSMan
    # answers anonymously and says "reachable" for a node whose WinRM refuses this account.
    try { $ok = [bool](Test-WSMan -ComputerName $ComputerName -Authentication Default -ErrorAction Stop) } catch { $ok = $false }
    @{ reachable = $ok } | ConvertTo-AbJsonLine
}

function Get-AbInventory {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    # ODBC drivers and system DSNs from the registry (64-bit view), read remotely through Invoke-Command.
    $read = {
        $drivers = @()
        $dsns = @()
        $d = Get-ItemProperty -Path 'HKLM:\SOFTWARE\ODBC\ODBCINST.INI\ODBC Drivers' -ErrorAction SilentlyContinue
        if ($d) { $drivers = @($d.PSObject.Properties | Where-Object { $_.Name -notlike 'PS*' } | ForEach-Object { $_.Name }) }
        $s = Get-ItemProperty -Path 'HKLM:\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources' -ErrorAction SilentlyContinue
        if ($s) { $dsns = @($s.PSObject.Properties | Where-Object { $_.Name -notlike 'PS*' } | ForEach-Object { @{ name = $_.Name; driver = [string]$_.Value } }) }
        @{ odbcDrivers = $drivers; dsns = $dsns }
    }
    if ($ComputerName) { $r = Invoke-Command -ComputerName $ComputerName -ScriptBlock $read -ErrorAction Stop } else { $r = & $read }
    ConvertTo-AbJsonLine -InputObject @{ odbcDrivers = @($r.odbcDrivers); dsns = @($r.dsns) }
}

# --- Metadata inventory (REQ-3.4.x): licence, ODBC (64/32-bit, system/user), Windows and .NET versions. ---
# Each function answers what it finds; the core records an item it cannot get as missing, with the reason.

function Get-AbRegistryValue {
    # The values of one registry key as name/value pairs, without PowerShell's PS* properties; none when absent.
    param([Parameter(Mandatory = $true)] [string] $Path)
    $item = Get-ItemProperty -Path $Path -ErrorAction SilentlyContinue
    if (-not $item) { return }
    foreach ($p in $item.PSObject.Properties) {
        if ($p.Name -like 'PS*') { continue }
        [pscustomobject]@{ Name = [string]$p.Name; Value = [string]$p.Value }
    }
}

function Invoke-AbLocalOrRemote {
    # Runs a script block here, or on -ComputerName through Invoke-Command (WinRM), with the adapter's helpers.
    param([scriptblock] $ScriptBlock, [string] $ComputerName, [object[]] $ArgumentList = @())
    if ($ComputerName) {
        $helpers = foreach ($name in @('Get-AbRegistryValue', 'ConvertTo-AbAccountSid', 'Get-AbCurrentAccount')) {
            "function $name { $((Get-Item -Path "function:$name").ScriptBlock.ToString()) }"
        }
        $remote = [scriptblock]::Create(($helpers -join "`n") + "`n" + $ScriptBlock.ToString())
        Invoke-Command -ComputerName $ComputerName -ScriptBlock $remote -ArgumentList $ArgumentList -ErrorAction Stop
    }
    else { & $ScriptBlock @ArgumentList }
}

function Get-AbLicense {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $read = {
        $roots = @('HKLM:\SOFTWARE\SRC\Alteryx', 'HKLM:\SOFTWARE\WOW6432Node\SRC\Alteryx', 'HKLM:\SOFTWARE\Alteryx')
        $keys = @()
        $details = @{}
        foreach ($root in $roots) {
            foreach ($v in @(Get-AbRegistryValue -Path $root)) {
                if ($v.Name -match 'License' -and $v.Name -match 'Key|Code|Serial' -and $v.Value.Length -ge 8) { $keys += $v.Value }
                elseif ($v.Name -match '^(Product|Edition|LicenseExpiration|Expiration|LicensedTo|Email)') { $details[$v.Name] = $v.Value }
            }
        }
        @{ keys = @($keys | Select-Object -Unique); source = ($roots -join ', '); details = $details }
    }
    $r = Invoke-AbLocalOrRemote -ScriptBlock $read -ComputerName $ComputerName
    ConvertTo-Json -InputObject @{ keys = @($r.keys); source = [string]$r.source; details = $r.details } -Compress -Depth 4
}

function ConvertTo-AbAccountSid {
    # The SID of an account name as Windows shows it (DOMAIN\user, .\user, user@domain, LocalSystem); throws when
    # the name does not resolve. The service accounts Win32_Service names without a domain are well known.
    param([Parameter(Mandatory = $true)] [string] $Account)
    $wellKnown = @{
        'localsystem' = 'S-1-5-18'; 'system' = 'S-1-5-18'; 'nt authority\system' = 'S-1-5-18'
        'nt authority\localservice' = 'S-1-5-19'; 'nt authority\local service' = 'S-1-5-19'
        'nt authority\networkservice' = 'S-1-5-20'; 'nt authority\network service' = 'S-1-5-20'
    }
    $key = $Account.Trim().ToLowerInvariant()
    if ($wellKnown.ContainsKey($key)) { return $wellKnown[$key] }
    $name = $Account.Trim()
    if ($name.StartsWith('.\')) { $name = "$env:COMPUTERNAME\$($name.Substring(2))" }
    (New-Object System.Security.Principal.NTAccount($name)).Translate([System.Security.Principal.SecurityIdentifier]).Value
}

function Get-AbCurrentAccount {
    # The account this session runs as (whose HKCU is read): DOMAIN\user and its SID ('' where Windows cannot say).
    $name = [Environment]::UserName
    if ([Environment]::UserDomainName) { $name = "$([Environment]::UserDomainName)\$name" }
    $sid = ''
    try { $sid = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value } catch { $sid = '' }
    [pscustomobject]@{ Name = $name; Sid = [string]$sid }
}

function Get-AbOdbcInventory {
    # -Accounts: 'DOMAIN\user|...', the accounts whose user DSNs matter besides this one (the service's Log On
    # account, the Run As user): read from HKU\<SID> when their profile hive is loaded, else reported as not readable.
    [CmdletBinding()]
    param([string] $ComputerName = '', [string] $Accounts = '')
    # The block takes the accounts as $args[0]: a param() block could not follow the helpers shipped to a remote node.
    $read = {
        $wanted = @([string]$args[0] -split '\|' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
        $drivers = @()
        $dsns = @()
        foreach ($view in @(@{ Root = 'HKLM:\SOFTWARE\ODBC'; Platform = '64-bit' }, @{ Root = 'HKLM:\SOFTWARE\WOW6432Node\ODBC'; Platform = '32-bit' })) {
            foreach ($d in @(Get-AbRegistryValue -Path "$($view.Root)\ODBCINST.INI\ODBC Drivers")) { $drivers += @{ name = $d.Name; platform = $view.Platform } }
            foreach ($s in @(Get-AbRegistryValue -Path "$($view.Root)\ODBC.INI\ODBC Data Sources")) { $dsns += @{ name = $s.Name; driver = $s.Value; scope = 'system'; platform = $view.Platform } }
        }
        # User DSNs of both bitnesses share one key in each user's hive: first the account the backup runs as.
        $me = Get-AbCurrentAccount
        foreach ($s in @(Get-AbRegistryValue -Path 'HKCU:\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources')) { $dsns += @{ name = $s.Name; driver = $s.Value; scope = 'user'; platform = 'any'; account = $me.Name } }
        $users = @()
        $seen = @{}
        # HKEY_USERS has no drive of its own; off Windows (tests) there is no registry provider at all.
        if (-not (Get-PSDrive -Name HKU -ErrorAction SilentlyContinue)) {
            try { $null = New-PSDrive -Name HKU -PSProvider Registry -Root HKEY_USERS -ErrorAction Stop } catch { $null = $_ }
        }
        foreach ($account in $wanted) {
            try { $sid = ConvertTo-AbAccountSid -Account $account }
            catch {
                $users += @{ account = $account; sid = $null; readable = $false; reason = "not readable (the account does not resolve to a SID: $($_.Exception.Message))" }
                continue
            }
            if ($seen.ContainsKey($sid)) { continue }
            $seen[$sid] = $true
            if ($sid -eq $me.Sid) {
                $users += @{ account = $account; sid = $sid; readable = $true; reason = "the account the backup runs as: its user DSNs are those of $($me.Name)" }
                continue
            }
            if (-not (Test-Path -Path "HKU:\$sid")) {
                $users += @{ account = $account; sid = $sid; readable = $false; reason = 'not readable (profile not loaded: the account has no session or running service now)' }
                continue
            }
            $n = 0
            foreach ($s in @(Get-AbRegistryValue -Path "HKU:\$sid\SOFTWARE\ODBC\ODBC.INI\ODBC Data Sources")) {
                $dsns += @{ name = $s.Name; driver = $s.Value; scope = 'user'; platform = 'any'; account = $account }
                $n++
            }
            $users += @{ account = $account; sid = $sid; readable = $true; dsnCount = $n }
        }
        @{ drivers = $drivers; dsns = $dsns; userScopeAccount = $me.Name; userAccounts = $users }
    }
    $r = Invoke-AbLocalOrRemote -ScriptBlock $read -ComputerName $ComputerName -ArgumentList @($Accounts)
    ConvertTo-Json -InputObject @{ drivers = @($r.drivers); dsns = @($r.dsns); userScopeAccount = [string]$r.userScopeAccount; userAccounts = @($r.userAccounts) } -Compress -Depth 4
}

function Get-AbWindowsVersion {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $os = Get-AbCimInstance -ClassName 'Win32_OperatingSystem' -ComputerName $ComputerName | Select-Object -First 1
    if (-not $os) { throw 'Win32_OperatingSystem returned nothing' }
    @{ caption = [string]$os.Caption; version = [string]$os.Version; build = [string]$os.BuildNumber } | ConvertTo-AbJsonLine
}

function Get-AbDotNetVersion {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $read = { [int]((Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -ErrorAction SilentlyContinue).Release) }
    $release = [int](Invoke-AbLocalOrRemote -ScriptBlock $read -ComputerName $ComputerName)
    if (-not $release) { throw '.NET Framework 4.5 or later is not installed (no NDP\v4\Full Release value)' }
    # Microsoft's documented minimum Release values of each .NET Framework 4.x version.
    $versions = @(@(533320, '4.8.1'), @(528040, '4.8'), @(461808, '4.7.2'), @(461308, '4.7.1'), @(460798, '4.7'), @(394802, '4.6.2'), @(394254, '4.6.1'), @(393295, '4.6'), @(379893, '4.5.2'), @(378675, '4.5.1'), @(378389, '4.5'))
    $version = "4.x (release $release)"
    foreach ($v in $versions) { if ($release -ge $v[0]) { $version = $v[1]; break } }
    @{ version = $version; release = $release } | ConvertTo-AbJsonLine
}
