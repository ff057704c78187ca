<#
    The PowerShell side of the core's Windows adapter (src/platform/windows/adapter.ts).

    The core keeps one PowerShell session per run, dot-sources this file into it and calls these functions;
    each writes exactly one line of JSON. All decisions stay in the core: these functions only ask Windows
    and report. Arguments arrive as single-quoted literals built by the core (never interpolated).
    Windows PowerShell 5.1 and PowerShell 7 compatible.

    Local services use Get-Service / Stop-Service / Start-Service; remote nodes use CIM (Win32_Service over
    WinRM), because PowerShell 7's Get-Service has no -ComputerName.
#>

function ConvertTo-AbJsonLine {
    param([Parameter(ValueFromPipeline = $true)] $InputObject)
    process { ConvertTo-Json -InputObject $InputObject -Compress -Depth 4 }
}

function Get-AbRemoteService {
    param([string] $Name, [string] $ComputerName)
    $filter = "Name='{0}'" -f ($Name -replace "'", "\'")
    Get-CimInstance -ClassName Win32_Service -Filter $filter -ComputerName $ComputerName -ErrorAction Stop
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

function Request-AbServiceStop {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    if ($ComputerName) {
        $svc = Get-AbRemoteService -Name $Name -ComputerName $ComputerName
        $r = Invoke-CimMethod -InputObject $svc -MethodName StopService -ErrorAction Stop
        @{ ok = ($r.ReturnValue -eq 0 -or $r.ReturnValue -eq 5); code = [int]$r.ReturnValue } | ConvertTo-AbJsonLine
    } else {
        Stop-Service -Name $Name -NoWait -Force -ErrorAction Stop
        @{ ok = $true; code = 0 } | ConvertTo-AbJsonLine
    }
}

function Request-AbServiceStart {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    if ($ComputerName) {
        $svc = Get-AbRemoteService -Name $Name -ComputerName $ComputerName
        $r = Invoke-CimMethod -InputObject $svc -MethodName StartService -ErrorAction Stop
        @{ ok = ($r.ReturnValue -eq 0 -or $r.ReturnValue -eq 10); code = [int]$r.ReturnValue } | ConvertTo-AbJsonLine
    } else {
        # Start-Service waits for Running; the core polls anyway, so start without blocking the session long.
        $svc = Get-Service -Name $Name -ErrorAction Stop
        $svc.Start()
        @{ ok = $true; code = 0 } | ConvertTo-AbJsonLine
    }
}

function Get-AbServiceLogOnAccount {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)] [string] $Name, [string] $ComputerName = '')
    $filter = "Name='{0}'" -f ($Name -replace "'", "\'")
    $params = @{ ClassName = 'Win32_Service'; Filter = $filter; ErrorAction = 'Stop' }
    if ($ComputerName) { $params.ComputerName = $ComputerName }
    $svc = Get-CimInstance @params
    @{ account = if ($svc) { [string]$svc.StartName } else { $null } } | ConvertTo-AbJsonLine
}

function Get-AbWorkflowProcess {
    [CmdletBinding()]
    param([string] $ComputerName = '')
    $params = @{ ClassName = 'Win32_Process'; Filter = "Name='AlteryxEngineCmd.exe'"; ErrorAction = 'Stop' }
    if ($ComputerName) { $params.ComputerName = $ComputerName }
    $list = @(Get-CimInstance @params | ForEach-Object {
        $cmd = [string]$_.CommandLine
        $name = 'AlteryxEngineCmd.exe'
        if ($cmd -match '"([^"]+\.yxm[dcw])"') { $name = Split-Path -Leaf $Matches[1] }
        elseif ($cmd -match '(\S+\.yxm[dcw])') { $name = Split-Path -Leaf $Matches[1] }
        @{ name = $name; pid = [int]$_.ProcessId }
    })
    ConvertTo-Json -InputObject @{ workflows = $list } -Compress -Depth 4
}

function Stop-AbWorkflowProcess {
    [CmdletBinding(SupportsShouldProcess = $true)]
    param([string] $ComputerName = '')
    $params = @{ ClassName = 'Win32_Process'; Filter = "Name='AlteryxEngineCmd.exe'"; ErrorAction = 'Stop' }
    if ($ComputerName) { $params.ComputerName = $ComputerName }
    $stopped = @()
    foreach ($p in @(Get-CimInstance @params)) {
        if ($PSCmdlet.ShouldProcess("AlteryxEngineCmd.exe pid $($p.ProcessId)", 'Terminate')) {
            [void](Invoke-CimMethod -InputObject $p -MethodName Terminate -ErrorAction Stop)
            $stopped += "AlteryxEngineCmd.exe pid $($p.ProcessId)"
        }
    }
    ConvertTo-Json -InputObject @{ stopped = $stopped } -Compress
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
    try { $ok = [bool](Test-WSMan -ComputerName $ComputerName -ErrorAction Stop) } catch { $ok = $false }
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
    ConvertTo-Json -InputObject @{ odbcDrivers = @($r.odbcDrivers); dsns = @($r.dsns) } -Compress -Depth 4
}
