function Stop-AlteryxBackupProcessTree {
    <#
    .SYNOPSIS
        Ends a process and every process it started (Node and its emongodump, mongorestore, scratch mongod and
        PowerShell adapter session).
    .DESCRIPTION
        .NET (PowerShell 7) has Process.Kill($true), which ends the whole tree. .NET Framework (Windows
        PowerShell 5.1) has only Kill(), which ends node.exe alone: its children would go on running while
        'recover' restarts AlteryxService on top of a live dump or restore, and behind a shim node.exe
        (Chocolatey, Volta) the real node would go on running the whole backup. There, taskkill.exe /T /F
        ends the tree; Kill() is the fallback when taskkill is refused.
    .PARAMETER Process
        The process (System.Diagnostics.Process, or an object with Id, HasExited and Kill()).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]
        [object] $Process
    )
    if ($Process.HasExited) { return }
    if (Test-AlteryxBackupTreeKill -Process $Process) {
        $Process.Kill($true)
        return
    }
    $taskkill = 'taskkill.exe'
    if ($env:SystemRoot) { $taskkill = Join-Path $env:SystemRoot 'System32\taskkill.exe' }
    $r = Invoke-AlteryxBackupNative -FilePath $taskkill -ArgumentList @('/T', '/F', '/PID', [string]$Process.Id)
    if ($r.ExitCode -ne 0) {
        Write-Debug "AlteryxBackup: taskkill /T /F /PID $($Process.Id) exited with $($r.ExitCode): $($r.Output -join ' '); ending node alone."
        $Process.Kill()
    }
}
