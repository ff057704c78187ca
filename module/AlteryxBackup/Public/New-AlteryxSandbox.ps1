function New-AlteryxSandbox {
    <#
    .SYNOPSIS
        Creates a simulated Alteryx Server folder (a sandbox) to run backups against.

    .DESCRIPTION
        New-AlteryxSandbox asks the module's Node.js core to lay out a simulated Alteryx Server under
        -Path: the install and ProgramData trees with RuntimeSettings.xml, Keys and the Engine files, an
        emulated AlteryxService (service state, running workflows, emongodump), a MongoDB data set and a
        sandbox.json describing it. Invoke-AlteryxBackup -SandboxPath <Path> then backs it up exactly as
        it would a real server, which is how the tool is tried and tested on a machine without Windows or
        Alteryx Server.

        The sandbox can be a single node or a multi-node topology (controller, workers, UI node), with an
        embedded or a self-managed MongoDB. An existing sandbox is only replaced with -Force.

        Output: one AlteryxBackup.Sandbox object (Path, Topology, Mongo, Version, Nodes, MongoCredentials).
        When the core fails, a non-terminating error with ErrorId AlteryxBackup.Exit<code> is written and
        nothing is output.

        A -MongoType selfManaged sandbox simulates an external MongoDB whose user has a password: its
        MongoCredentials property (Host, ReplicaSet, UserName, Password, AuthSource) holds this sandbox's own
        demo values (random at creation, stored only in its sandbox.json, not a real secret), and its first
        backup needs them as -MongoCredential (see the examples). Embedded sandboxes have no MongoCredentials
        ($null): the backup reads the embedded MongoDB's password itself.

    .PARAMETER Path
        Folder of the sandbox. Created if missing; must be empty or an existing sandbox (with -Force).

    .PARAMETER Topology
        single (one node: controller, worker and UI) or multi (controller, workers and a UI node).
        Default: the core's default (single).

    .PARAMETER MongoType
        embedded (MongoDB managed by AlteryxService) or selfManaged (an external MongoDB).
        Default: the core's default (embedded).

    .PARAMETER Role
        The role of a single-machine sandbox: controller (the default: controller, worker and Server UI),
        worker (a worker that points at a remote controller) or ui (a Server UI / Gallery node). Its
        RuntimeSettings.xml says the role, and a backup of it reads the role from there (docs/mongodb.md).
        Only with -Topology single.

    .PARAMETER Persistence
        Where the simulated server keeps its data: mongo (the default; embedded or self-managed, see
        -MongoType), sqlServer (a user-managed SQL Server database, Alteryx Server 2024.1 and later) or
        sqlite (the SQLite database of old releases). Only for a single controller without -MongoType.

    .PARAMETER DatabaseSizeMB
        Approximate size of the simulated MongoDB data, in MB (for example 0.5 for a quick test, 500
        to measure a large dump).

    .PARAMETER Version
        Alteryx Server version to simulate, for example 2023.1.1.281.

    .PARAMETER Force
        Replace an existing sandbox at -Path.

    .PARAMETER NodePath
        Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.

    .EXAMPLE
        New-AlteryxSandbox -Path C:\Temp\sbx

        Creates a single-node sandbox with an embedded MongoDB.

    .EXAMPLE
        New-AlteryxSandbox -Path ./sbx-multi -Topology multi -MongoType selfManaged -DatabaseSizeMB 50 -Force

        Replaces ./sbx-multi with a multi-node sandbox using a self-managed MongoDB of about 50 MB.

    .EXAMPLE
        $sbx = New-AlteryxSandbox -Path (Join-Path $env:TEMP 'sbx')
        Invoke-AlteryxBackup -BackupMode Full -SandboxPath $sbx.Path -Verbose

        Creates a sandbox and runs a Full backup against it.

    .EXAMPLE
        New-AlteryxSandbox -Path C:\Temp\sbx -Version 2022.3.1.395 -WhatIf

        Shows what would be created without creating it.

    .EXAMPLE
        New-AlteryxSandbox -Path C:\Temp\sbx-worker -Role worker

        Creates a single worker node: a backup of it holds its settings and keys only (no database, no
        service stop).

    .EXAMPLE
        New-AlteryxSandbox -Path C:\Temp\sbx-sql -Persistence sqlServer

        Creates a controller whose data is in a user-managed SQL Server database (Alteryx Server 2024.1).

    .EXAMPLE
        $sbx = New-AlteryxSandbox -Path (Join-Path $env:TEMP 'sbx-mongo') -MongoType selfManaged -Force
        $login = $sbx.MongoCredentials
        $credential = New-Object System.Management.Automation.PSCredential ($login.UserName, (ConvertTo-SecureString $login.Password -AsPlainText -Force))
        Invoke-AlteryxBackup -BackupMode DatabaseOnly -SandboxPath $sbx.Path -MongoCredential $credential

        Creates a sandbox with a self-managed MongoDB and backs its database up with the sandbox's demo
        credentials (MongoCredentials: Host, UserName, Password, AuthSource). With a real server, take the
        credential from Get-Credential or Windows Credential Manager (-MongoCredentialTarget) instead.

    .INPUTS
        None.

    .OUTPUTS
        AlteryxBackup.Sandbox. Properties: Path, Topology, Mongo, Version, Nodes (Name, Role, Service),
        MongoCredentials (Host, ReplicaSet, UserName, Password, AuthSource; $null unless -MongoType
        selfManaged), Message.

    .LINK
        Invoke-AlteryxBackup
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Low')]
    [OutputType('AlteryxBackup.Sandbox')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [ValidateSet('single', 'multi')]
        [string] $Topology = 'single',

        [ValidateSet('embedded', 'selfManaged')]
        [string] $MongoType = 'embedded',

        [ValidateSet('controller', 'worker', 'ui')]
        [string] $Role = 'controller',

        [ValidateSet('mongo', 'sqlServer', 'sqlite')]
        [string] $Persistence = 'mongo',

        [ValidateRange(0, 1048576)]
        [double] $DatabaseSizeMB,

        [ValidateNotNullOrEmpty()]
        [string] $Version,

        [switch] $Force,

        [ValidateNotNullOrEmpty()]
        [string] $NodePath
    )

    $fullPath = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)

    # The core's names differ from the cmdlet's: build the params explicitly (only what was bound,
    # plus Path and Force).
    $bound = [ordered]@{ Path = $fullPath }
    if ($PSBoundParameters.ContainsKey('Topology')) { $bound['Topology'] = $Topology }
    if ($PSBoundParameters.ContainsKey('MongoType')) {
        if ($MongoType -eq 'selfManaged') { $bound['Mongo'] = 'self-managed' } else { $bound['Mongo'] = 'embedded' }
    }
    if ($PSBoundParameters.ContainsKey('Role')) { $bound['Role'] = $Role.ToLowerInvariant() }
    if ($PSBoundParameters.ContainsKey('Persistence')) { $bound['Persistence'] = $Persistence.ToLowerInvariant() }
    if ($PSBoundParameters.ContainsKey('DatabaseSizeMB')) { $bound['DbSizeMb'] = $DatabaseSizeMB }
    if ($PSBoundParameters.ContainsKey('Version')) { $bound['Version'] = $Version }
    $bound['Force'] = $Force
    if ($PSBoundParameters.ContainsKey('Verbose')) { $bound['Verbose'] = $PSBoundParameters['Verbose'] }

    $coreArgs = @{}
    if ($PSBoundParameters.ContainsKey('NodePath')) { $coreArgs['NodePath'] = $NodePath }

    $mongoText = $MongoType
    if (-not $PSBoundParameters.ContainsKey('MongoType')) { $mongoText = 'embedded' }
    if (-not $PSCmdlet.ShouldProcess($fullPath, "Create an Alteryx Server sandbox ($Topology, $mongoText MongoDB)")) {
        return
    }

    $request = New-AlteryxBackupRequest -Command 'sandbox-create' -BoundParameters $bound
    $coreResult = Invoke-AlteryxBackupCommand -Cmdlet $PSCmdlet -Command 'sandbox-create' -Request $request -Target $fullPath @coreArgs

    $exitCode = 1
    if ($null -ne $coreResult.exitCode) { $exitCode = [int]$coreResult.exitCode }
    if ($exitCode -ne 0 -or $null -eq $coreResult.sandbox) {
        Write-AlteryxBackupFailure -Cmdlet $PSCmdlet -ExitCode $exitCode -Target $fullPath `
            -Message ([string]$coreResult.message) -Fallback "Creating the sandbox failed with exit code $exitCode."
        return
    }

    $sandbox = $coreResult.sandbox
    $nodes = foreach ($node in @($sandbox.nodes | Where-Object { $null -ne $_ })) {
        [pscustomobject]@{
            PSTypeName = 'AlteryxBackup.SandboxNode'
            Name       = [string]$node.name
            Role       = [string]$node.role
            Service    = [string]$node.service
        }
    }
    $sandboxPath = [string]$sandbox.path
    if (-not $sandboxPath) { $sandboxPath = $fullPath }

    # A self-managed sandbox's simulated MongoDB: its own demo credentials (random at creation, kept only in
    # sandbox.json), which its first backup needs; the CLI prints the same values (sandbox create / status).
    $mongoCredentials = $null
    $cred = $sandbox.mongoCredentials
    if ($null -ne $cred) {
        $replicaSet = $null
        if ($cred.replicaSet) { $replicaSet = [string]$cred.replicaSet }
        $mongoCredentials = [pscustomobject]@{
            Host       = (@($cred.hosts | ForEach-Object { [string]$_ }) -join ',')
            ReplicaSet = $replicaSet
            UserName   = [string]$cred.username
            Password   = [string]$cred.password
            AuthSource = [string]$cred.authDatabase
        }
    }

    [pscustomobject]@{
        PSTypeName = 'AlteryxBackup.Sandbox'
        Path       = $sandboxPath
        Topology   = [string]$sandbox.topology
        Mongo      = [string]$sandbox.mongo
        Version    = [string]$sandbox.version
        Nodes      = @($nodes)
        MongoCredentials = $mongoCredentials
        Message    = [string]$coreResult.message
    }
}
