import { hostname } from 'node:os';
import { statfs } from 'node:fs/promises';
import { PowerShell } from 'node-powershell';
import type { NodeRef, Platform, ServiceState } from '../ports.ts';
import { runProcess } from '../../util/exec.ts';
import { loadEdge } from './edge.ts';

/**
 * A PowerShell single-quoted literal. PowerShell treats the typographic single quotes as quotes too, so
 * every one of them is doubled. node-powershell's own template converter wraps strings in double quotes,
 * where `$(...)` would run: it is never given an untrusted string.
 */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

const STATE_MAP: Record<string, ServiceState> = {
  Running: 'Running',
  Stopped: 'Stopped',
  StopPending: 'StopPending',
  StartPending: 'StartPending',
  Paused: 'Paused',
  PausePending: 'Paused',
  ContinuePending: 'StartPending',
};

/**
 * The Windows adapter: one PowerShell session per run (disposed in every outcome) for services, processes
 * and CIM; AlteryxService.exe runs as a plain child process. Remote nodes are reached through
 * `Get-Service -ComputerName` / CIM sessions, which need remote service control allowed (docs/multi-node).
 */
export function windowsPlatform(opts: { serviceName: string; nodes: NodeRef[] }): Platform {
  let ps: PowerShell | undefined;
  const session = () => (ps ??= new PowerShell({ executableOptions: { '-NoProfile': true, '-NonInteractive': true, '-ExecutionPolicy': 'Bypass' } }));
  const invoke = async (script: string): Promise<string> => {
    const res = await session().invoke(script);
    return res.raw.trim();
  };
  const svc = psQuote(opts.serviceName);
  const target = (node: NodeRef) => (node.local ? '' : ` -ComputerName ${psQuote(node.name)}`);
  const edge = loadEdge();

  return {
    kind: 'windows',
    description: `Windows host ${hostname()}${edge ? ' (edge-js loaded)' : ''}`,
    nodes: opts.nodes,
    paths: { resolve: (p, node) => (node && !node.local && /^[A-Za-z]:/.test(p) ? `\\\\${node.name}\\${p[0]}$${p.slice(2)}` : p) },
    services: {
      async getState(node) {
        if (node.local && edge) {
          const s = await edge.serviceStatus(opts.serviceName).catch(() => undefined);
          if (s) return STATE_MAP[s] ?? 'NotFound';
        }
        const out = await invoke(`$s = Get-Service -Name ${svc}${target(node)} -ErrorAction SilentlyContinue; if ($s) { [string]$s.Status } else { 'NotFound' }`);
        return STATE_MAP[out] ?? 'NotFound';
      },
      async requestStop(node) {
        await invoke(`Get-Service -Name ${svc}${target(node)} | Stop-Service -NoWait -ErrorAction Stop`);
      },
      async requestStart(node) {
        await invoke(`Get-Service -Name ${svc}${target(node)} | Start-Service -ErrorAction Stop -WarningAction SilentlyContinue`);
      },
      async logOnAccount(node) {
        const cn = node.local ? '' : ` -ComputerName ${psQuote(node.name)}`;
        const out = await invoke(`(Get-CimInstance -ClassName Win32_Service -Filter ${psQuote(`Name='${opts.serviceName.replace(/'/g, "\\'")}'`)}${cn}).StartName`);
        return out || undefined;
      },
    },
    processes: {
      async runningWorkflows(node) {
        const cn = node.local ? '' : ` -ComputerName ${psQuote(node.name)}`;
        const out = await invoke(`@(Get-CimInstance -ClassName Win32_Process -Filter "Name='AlteryxEngineCmd.exe'"${cn} | ForEach-Object { @{ name = [string]$_.CommandLine; pid = [int]$_.ProcessId } }) | ConvertTo-Json -Compress -Depth 3`);
        if (!out) return [];
        const parsed = JSON.parse(out) as { name: string; pid: number } | Array<{ name: string; pid: number }>;
        return (Array.isArray(parsed) ? parsed : [parsed]).map((p) => ({ name: p.name || 'AlteryxEngineCmd.exe', pid: p.pid }));
      },
      async stopWorkflows(node) {
        const cn = node.local ? '' : ` -ComputerName ${psQuote(node.name)}`;
        const out = await invoke(`@(Get-CimInstance -ClassName Win32_Process -Filter "Name='AlteryxEngineCmd.exe'"${cn} | ForEach-Object { [void](Invoke-CimMethod -InputObject $_ -MethodName Terminate); [string]$_.ProcessId }) -join ','`);
        return out ? out.split(',').map((pid) => `AlteryxEngineCmd.exe pid ${pid}`) : [];
      },
    },
    alteryx: {
      run: (node, exePath, arg, o) => {
        if (!node.local) throw new Error(`AlteryxService.exe runs on the controller; ${node.name} is remote`);
        return runProcess(exePath, [arg], { timeoutMs: o?.timeoutMs });
      },
    },
    system: {
      async isElevated() {
        if (edge) {
          const e = await edge.isElevated().catch(() => undefined);
          if (e !== undefined) return e;
        }
        const out = await invoke(`([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)`);
        return /^true$/i.test(out);
      },
      async freeBytes(localPath) {
        const s = await statfs(localPath);
        return Number(s.bavail) * Number(s.bsize);
      },
      hostname: () => hostname(),
      async reachable(node) {
        if (node.local) return true;
        const out = await invoke(`[bool](Test-Connection -ComputerName ${psQuote(node.name)} -Count 1 -Quiet)`);
        return /^true$/i.test(out);
      },
    },
    childEnv: () => process.env,
    dispose: async () => {
      if (ps) await ps.dispose().catch(() => {});
      ps = undefined;
    },
  };
}
