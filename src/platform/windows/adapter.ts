import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statfs } from 'node:fs/promises';
import { PowerShell } from 'node-powershell';
import type { LicenseInfo, NodeRef, OdbcInventory, Platform, ServiceState, Workflow } from '../ports.ts';
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

/** Where the PowerShell side of this adapter lives: `<module>/Adapter/WindowsAdapter.ps1`. */
export function adapterScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled: <module>/lib/alteryx-backup.mjs; from source: <repo>/src/platform/windows/adapter.ts.
  for (const p of [join(here, '..', 'Adapter', 'WindowsAdapter.ps1'), join(here, '..', '..', '..', 'module', 'AlteryxBackup', 'Adapter', 'WindowsAdapter.ps1')]) {
    if (existsSync(p)) return p;
  }
  throw new Error('WindowsAdapter.ps1 is missing from the module folder (Adapter\\WindowsAdapter.ps1): reinstall the module');
}

export interface WindowsPlatformOptions {
  serviceName: string;
  nodes: NodeRef[];
  /** powershell.exe by default; tests use pwsh. */
  executable?: string;
  /** Extra script dot-sourced after the adapter functions (tests put fakes of the Windows cmdlets here). */
  prelude?: string;
}

/**
 * The Windows adapter: one PowerShell session per run (disposed in every outcome) running the functions of
 * Adapter/WindowsAdapter.ps1 for services, processes and CIM; AlteryxService.exe runs as a plain child
 * process. Remote nodes are reached through CIM over WinRM (docs/configuration.md, multi-node).
 */
export function windowsPlatform(opts: WindowsPlatformOptions): Platform {
  let ps: PowerShell | undefined;
  let ready: Promise<void> | undefined;
  const session = async () => {
    if (!ps) {
      ps = new PowerShell({ executable: opts.executable ?? 'powershell', executableOptions: { '-NoProfile': true, '-NonInteractive': true, '-ExecutionPolicy': 'Bypass' } } as never);
      const load = [`. ${psQuote(adapterScriptPath())}`];
      if (opts.prelude) load.push(`. ${psQuote(opts.prelude)}`);
      ready = ps.invoke(load.join('; ')).then(() => undefined);
    }
    await ready;
    return ps;
  };
  /** Calls one adapter function and parses its one JSON line. */
  const call = async <T>(fn: string, args: Record<string, string | undefined> = {}): Promise<T> => {
    const argText = Object.entries(args)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `-${k} ${psQuote(v!)}`)
      .join(' ');
    const res = await (await session()).invoke(`${fn} ${argText}`.trim());
    // Console control sequences (pwsh writes some even when redirected) are not output.
    const text = res.raw.replace(/\x1b\[[?0-9;]*[A-Za-z]/g, '').trim();
    const line = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{')).pop();
    if (!line) throw new Error(`${fn} returned no result${res.raw.trim() ? `: ${res.raw.trim().slice(0, 300)}` : ''}`);
    return JSON.parse(line) as T;
  };
  const cn = (node: NodeRef) => (node.local ? undefined : node.name);
  const edge = loadEdge();
  const name = opts.serviceName;

  return {
    kind: 'windows',
    description: `Windows host ${hostname()}${edge ? ' (edge-js loaded)' : ''}`,
    nodes: opts.nodes,
    paths: { resolve: (p, node) => (node && !node.local && /^[A-Za-z]:/.test(p) ? `\\\\${node.name}\\${p[0]}$${p.slice(2)}` : p) },
    services: {
      async getState(node) {
        if (node.local && edge) {
          const s = await edge.serviceStatus(name).catch(() => undefined);
          if (s) return STATE_MAP[s] ?? 'NotFound';
        }
        const r = await call<{ state: string }>('Get-AbServiceState', { Name: name, ComputerName: cn(node) });
        return STATE_MAP[r.state] ?? 'NotFound';
      },
      async requestStop(node) {
        const r = await call<{ ok: boolean; code: number }>('Request-AbServiceStop', { Name: name, ComputerName: cn(node) });
        if (!r.ok) throw new Error(`stopping ${name} on ${node.name} failed (Win32_Service.StopService returned ${r.code})`);
      },
      async requestStart(node) {
        const r = await call<{ ok: boolean; code: number }>('Request-AbServiceStart', { Name: name, ComputerName: cn(node) });
        if (!r.ok) throw new Error(`starting ${name} on ${node.name} failed (Win32_Service.StartService returned ${r.code})`);
      },
      async logOnAccount(node) {
        const r = await call<{ account: string | null }>('Get-AbServiceLogOnAccount', { Name: name, ComputerName: cn(node) });
        return r.account ?? undefined;
      },
    },
    processes: {
      async runningWorkflows(node) {
        return (await call<{ workflows: Workflow[] }>('Get-AbWorkflowProcess', { ComputerName: cn(node) })).workflows ?? [];
      },
      async stopWorkflows(node) {
        return (await call<{ stopped: string[] }>('Stop-AbWorkflowProcess', { ComputerName: cn(node) })).stopped ?? [];
      },
    },
    alteryx: {
      run: (node, exePath, arg, o) => {
        if (!node.local) throw new Error(`AlteryxService.exe runs on the controller; ${node.name} is remote`);
        return runProcess(exePath, [arg], { timeoutMs: o?.timeoutMs, signal: o?.signal, onSpawn: o?.onSpawn });
      },
    },
    system: {
      async isElevated() {
        if (edge) {
          const e = await edge.isElevated().catch(() => undefined);
          if (e !== undefined) return e;
        }
        return (await call<{ elevated: boolean }>('Test-AbElevated')).elevated;
      },
      async freeBytes(localPath) {
        const s = await statfs(localPath);
        return Number(s.bavail) * Number(s.bsize);
      },
      hostname: () => hostname(),
      async reachable(node) {
        if (node.local) return true;
        return (await call<{ reachable: boolean }>('Test-AbNodeReachable', { ComputerName: node.name })).reachable;
      },
      async inventory(node) {
        const r = await call<{ odbcDrivers: string[] | null; dsns: Array<{ name: string; driver: string }> | null }>('Get-AbInventory', { ComputerName: cn(node) });
        return { odbcDrivers: r.odbcDrivers ?? [], dsns: r.dsns ?? [] };
      },
    },
    // REQ-3.4.x: Adapter/WindowsAdapter.ps1 reads the registry and CIM (remote nodes through Invoke-Command / CIM).
    inventory: {
      license: (node) => call<LicenseInfo>('Get-AbLicense', { ComputerName: cn(node) }).then((r) => ({ keys: r.keys ?? [], source: r.source, details: r.details ?? undefined })),
      odbc: (node) => call<OdbcInventory>('Get-AbOdbcInventory', { ComputerName: cn(node) }).then((r) => ({ drivers: r.drivers ?? [], dsns: r.dsns ?? [], userScopeAccount: r.userScopeAccount ?? undefined })),
      windows: (node) => call<{ caption: string; version: string; build: string }>('Get-AbWindowsVersion', { ComputerName: cn(node) }),
      dotnet: (node) => call<{ version: string; release: number }>('Get-AbDotNetVersion', { ComputerName: cn(node) }),
    },
    // Real shares fail on their own: the copy's file operations report it, so there is nothing to ask here.
    storage: { probe: async () => undefined, beforeWrite: async () => ({}) },
    childEnv: () => process.env,
    dispose: async () => {
      if (ps) await ps.dispose().catch(() => {});
      ps = undefined;
    },
  };
}
