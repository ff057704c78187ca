import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statfs } from 'node:fs/promises';
import { PowerShell } from 'node-powershell';
import type { InventoryPort, LicenseInfo, NodeRef, OdbcInventory, Platform, ProcessPort, ServicePort, ServiceState, SystemPort, Workflow } from '../ports.ts';
import { runProcess } from '../../util/exec.ts';
import { type EdgeCalls, loadEdge } from './edge.ts';
import { adminSharePath } from '../../util/winfs.ts';
import { bundledLibDir } from '../../util/bundle-dir.ts';

/**
 * A PowerShell single-quoted literal. PowerShell treats the typographic single quotes as quotes too, so
 * every one of them is doubled. node-powershell's own template converter wraps strings in double quotes,
 * where `$(...)` would run: it is never given an untrusted string.
 */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/**
 * An argument for the adapter session that survives any console code page: ASCII strings as single-quoted
 * literals, anything else as an expression that decodes base64 UTF-8, so that no non-ASCII byte is ever
 * written to the session's stdin (powershell.exe reads it in the OEM code page, node-powershell writes UTF-8).
 */
export function psArg(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return psQuote(value);
  return `([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(value, 'utf8').toString('base64')}')))`;
}

/**
 * The script text of a file as an ASCII-only command that defines its functions in the session: a script
 * block made from base64 UTF-8, dot-sourced. It needs no code page, and the execution policy (which governs
 * script files, also when set by Group Policy) does not apply to it.
 */
export function dotSourceEncoded(scriptText: string): string {
  const b64 = Buffer.from(scriptText.replace(/^\uFEFF/, ''), 'utf8').toString('base64');
  return `. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${b64}'))))`;
}

/** The first command of every session: UTF-8 both ways, whatever the console's code page. */
export const SESSION_ENCODING = '$OutputEncoding = [Console]::InputEncoding = [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false';

/**
 * The environment of the adapter session. Windows PowerShell 5.1 started by node under pwsh inherits pwsh's
 * PSModulePath (PowerShell/PowerShell#20804) and would auto-load PowerShell 7's Microsoft.PowerShell.Utility,
 * Management and CimCmdlets, where ConvertTo-Json, Get-Service and Get-CimInstance then fail. For
 * powershell.exe the PowerShell 7 folders (\PowerShell\...: $PSHOME, the user's Documents\PowerShell\Modules,
 * Program Files\PowerShell\Modules) are removed and Windows PowerShell's own three folders put first; the
 * admin's other folders are kept. Another executable (pwsh, the tests' session) keeps the environment.
 */
export function adapterSessionEnv(env: NodeJS.ProcessEnv, executable: string): NodeJS.ProcessEnv {
  const exe = executable.replace(/^.*[\\/]/, '').toLowerCase();
  if (exe !== 'powershell' && exe !== 'powershell.exe') return { ...env };
  const get = (k: string) => env[Object.keys(env).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k];
  const systemRoot = get('SystemRoot') ?? 'C:\\Windows';
  const programFiles = get('ProgramFiles') ?? 'C:\\Program Files';
  const profile = get('USERPROFILE');
  const defaults = [
    ...(profile ? [`${profile}\\Documents\\WindowsPowerShell\\Modules`] : []),
    `${programFiles}\\WindowsPowerShell\\Modules`,
    `${systemRoot}\\system32\\WindowsPowerShell\\v1.0\\Modules`,
  ];
  const inherited = (get('PSModulePath') ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  const keep = inherited.filter((p) => !/(^|\\)PowerShell(\\|$)/i.test(p.replace(/\//g, '\\')));
  const seen = new Set<string>();
  const merged = [...defaults, ...keep].filter((p) => {
    const k = p.replace(/\\+$/, '').toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (k.toLowerCase() !== 'psmodulepath') out[k] = v;
  out['PSModulePath'] = merged.join(';');
  return out;
}

/** Win32_Process.Terminate return values (Microsoft's documentation of the method). */
const TERMINATE_CODES: Record<number, string> = {
  2: 'access denied',
  3: 'insufficient privilege',
  8: 'unknown failure',
  9: 'path not found',
  21: 'invalid parameter',
};

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
  // Bundled: <module>/lib (and its chunks); from source: <repo>/src/platform/windows/adapter.ts.
  const lib = bundledLibDir();
  const p = lib
    ? join(lib, '..', 'Adapter', 'WindowsAdapter.ps1')
    : join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'module', 'AlteryxBackup', 'Adapter', 'WindowsAdapter.ps1');
  if (existsSync(p)) return p;
  throw new Error('WindowsAdapter.ps1 is missing from the module folder (Adapter\\WindowsAdapter.ps1): reinstall the module');
}

export interface WindowsPlatformOptions {
  serviceName: string;
  nodes: NodeRef[];
  /** powershell.exe by default; tests use pwsh. */
  executable?: string;
  /** Extra script dot-sourced after the adapter functions (tests put fakes of the Windows cmdlets here). */
  prelude?: string;
  /** Stop/start requests refused for a pending state are asked again: how often and how far apart (default 120 x 1 s). */
  controlRetry?: { attempts: number; delayMs: number };
}

type AdapterCall = <T>(fn: string, args?: Record<string, string | undefined>) => Promise<T>;

/**
 * One stop or start request. The PowerShell side reads the state first: already in (or on its way to) the
 * wanted state is success; a pending state in the other direction ("cannot accept control messages now",
 * 1061 / CIM 5) is asked again after a pause, a bounded number of times (default 120 x 1 s).
 */
function serviceControl(call: AdapterCall, name: string, cn: (node: NodeRef) => string | undefined, opts?: { attempts: number; delayMs: number }) {
  const retry = { attempts: opts?.attempts ?? 120, delayMs: opts?.delayMs ?? 1000 };
  return async (node: NodeRef, fn: string, verb: string, method: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const r = await call<{ ok: boolean; code: number; retry?: boolean; state?: string; message?: string }>(fn, { Name: name, ComputerName: cn(node) });
      if (r.ok) return;
      const how = node.local ? `error ${r.code}` : `Win32_Service.${method} returned ${r.code}`;
      if (!r.retry) throw new Error(`${verb} ${name} on ${node.name} failed (${how}${r.message ? `: ${r.message}` : ''})`);
      if (attempt >= retry.attempts) {
        throw new Error(
          `${verb} ${name} on ${node.name} failed: the service stayed ${r.state || 'in a pending state'} and could not accept the request (${how}) after ${attempt} attempts`,
        );
      }
      await new Promise((res) => setTimeout(res, retry.delayMs));
    }
  };
}

/** The remote computer name for CIM, none for the local node. */
type ComputerNameOf = (node: NodeRef) => string | undefined;

/**
 * The adapter's PowerShell session, started on the first call (encodings, then Adapter/WindowsAdapter.ps1 and
 * the optional prelude), and `call`, which runs one adapter function in it and parses its one JSON line.
 */
function adapterSession(opts: WindowsPlatformOptions): { call: AdapterCall; dispose: () => Promise<void> } {
  let ps: PowerShell | undefined;
  let ready: Promise<void> | undefined;
  const session = async () => {
    if (!ps) {
      const executable = opts.executable ?? 'powershell';
      ps = new PowerShell({
        executable,
        executableOptions: { '-NoProfile': true, '-NonInteractive': true, '-ExecutionPolicy': 'Bypass' },
        spawnOptions: { env: adapterSessionEnv(process.env, executable) },
      } as never);
      // Encodings first, then the adapter as an ASCII-only encoded script block (no code page, no execution policy).
      const load = [SESSION_ENCODING, dotSourceEncoded(readFileSync(adapterScriptPath(), 'utf8'))];
      if (opts.prelude) load.push(`. ${psArg(opts.prelude)}`);
      const p = ps;
      ready = load.reduce<Promise<unknown>>((prev, cmd) => prev.then(() => p.invoke(cmd)), Promise.resolve()).then(() => undefined);
    }
    await ready;
    return ps;
  };
  /** Calls one adapter function and parses its one JSON line. */
  const call = async <T>(fn: string, args: Record<string, string | undefined> = {}): Promise<T> => {
    const argText = Object.entries(args)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `-${k} ${psArg(v!)}`)
      .join(' ');
    const res = await (await session()).invoke(`${fn} ${argText}`.trim());
    // Console control sequences (pwsh writes some even when redirected) are not output.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: console control sequences start with ESC
    const text = res.raw.replace(/\x1b\[[?0-9;]*[A-Za-z]/g, '').trim();
    const line = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .pop();
    if (!line) throw new Error(`${fn} returned no result${res.raw.trim() ? `: ${res.raw.trim().slice(0, 300)}` : ''}`);
    return JSON.parse(line) as T;
  };
  /** Removes the run's CIM sessions of remote nodes (Remove-AbCimSession), then ends the PowerShell session. */
  const dispose = async () => {
    if (ps) {
      await ready?.then(() => ps?.invoke('Remove-AbCimSession')).catch(() => {});
      await ps.dispose().catch(() => {});
    }
    ps = undefined;
  };
  return { call, dispose };
}

/**
 * The Windows adapter: one PowerShell session per run (disposed in every outcome) running the functions of
 * Adapter/WindowsAdapter.ps1 for services, processes and CIM; AlteryxService.exe runs as a plain child
 * process. Remote nodes are reached through CIM over WinRM (docs/configuration.md, multi-node), one CIM session
 * per node for the run (made on first use, removed by dispose).
 */
export function windowsPlatform(opts: WindowsPlatformOptions): Platform {
  const { call, dispose } = adapterSession(opts);
  const cn: ComputerNameOf = (node) => (node.local ? undefined : node.name);
  const edge = loadEdge();
  const name = opts.serviceName;

  return {
    kind: 'windows',
    description: `Windows host ${hostname()}${edge ? ' (edge-js loaded)' : ''}`,
    nodes: opts.nodes,
    paths: { resolve: (p, node) => (node && !node.local ? adminSharePath(p, node.name) : p) },
    services: windowsServices(call, cn, name, edge, serviceControl(call, name, cn, opts.controlRetry)),
    processes: windowsProcesses(call, cn),
    alteryx: {
      run: (node, exePath, arg, o) => {
        if (!node.local) throw new Error(`AlteryxService.exe runs on the controller; ${node.name} is remote`);
        return runProcess(exePath, [arg], { timeoutMs: o?.timeoutMs, signal: o?.signal, onSpawn: o?.onSpawn });
      },
    },
    system: windowsSystem(call, cn, edge),
    // REQ-3.4.x: Adapter/WindowsAdapter.ps1 reads the registry and CIM (remote nodes through Invoke-Command / CIM).
    inventory: windowsInventory(call, cn),
    // Real shares fail on their own: the copy's file operations report it, so there is nothing to ask here.
    storage: { probe: async () => undefined, beforeWrite: async () => ({}) },
    childEnv: () => process.env,
    dispose,
  };
}

/** The service port: the state through edge-js locally when loaded, else the adapter; stop/start through `control`. */
function windowsServices(
  call: AdapterCall,
  cn: ComputerNameOf,
  name: string,
  edge: EdgeCalls | undefined,
  control: ReturnType<typeof serviceControl>,
): ServicePort {
  return {
    async getState(node) {
      if (node.local && edge) {
        const s = await edge.serviceStatus(name).catch(() => undefined);
        if (s) return STATE_MAP[s] ?? 'NotFound';
      }
      const r = await call<{ state: string }>('Get-AbServiceState', { Name: name, ComputerName: cn(node) });
      return STATE_MAP[r.state] ?? 'NotFound';
    },
    requestStop: (node) => control(node, 'Request-AbServiceStop', 'stopping', 'StopService'),
    requestStart: (node) => control(node, 'Request-AbServiceStart', 'starting', 'StartService'),
    async logOnAccount(node) {
      const r = await call<{ account: string | null }>('Get-AbServiceLogOnAccount', { Name: name, ComputerName: cn(node) });
      return r.account ?? undefined;
    },
  };
}

/** The process port: the running AlteryxEngineCmd.exe workflows, and ending them (ForceStopWorkflows). */
function windowsProcesses(call: AdapterCall, cn: ComputerNameOf): ProcessPort {
  return {
    async runningWorkflows(node) {
      return (await call<{ workflows: Workflow[] }>('Get-AbWorkflowProcess', { ComputerName: cn(node) })).workflows ?? [];
    },
    async stopWorkflows(node) {
      const r = await call<{ stopped: string[] | null; failed: Array<{ pid: number; code: number }> | null }>('Stop-AbWorkflowProcess', {
        ComputerName: cn(node),
      });
      const failed = r.failed ?? [];
      if (failed.length) {
        const what = failed
          .map((f) => `pid ${f.pid} (Win32_Process.Terminate returned ${f.code}${TERMINATE_CODES[f.code] ? `: ${TERMINATE_CODES[f.code]}` : ''})`)
          .join(', ');
        throw new Error(
          `ForceStopWorkflows could not stop AlteryxEngineCmd.exe ${what} on ${node.name}; the service was not touched. Run the backup as an account that may end those processes, or stop them by hand.`,
        );
      }
      return r.stopped ?? [];
    },
  };
}

/** The system port: elevation (edge-js first), free space, host name, node reachability, the ODBC inventory. */
function windowsSystem(call: AdapterCall, cn: ComputerNameOf, edge: EdgeCalls | undefined): SystemPort {
  return {
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
    // A drive letter not mapped in this logon session (a user's mapped drive seen from a SYSTEM task) has no root.
    driveExists: async (letter) => existsSync(`${letter}:\\`),
    async reachable(node) {
      if (node.local) return true;
      return (await call<{ reachable: boolean }>('Test-AbNodeReachable', { ComputerName: node.name })).reachable;
    },
    async inventory(node) {
      const r = await call<{ odbcDrivers: string[] | null; dsns: Array<{ name: string; driver: string }> | null }>('Get-AbInventory', {
        ComputerName: cn(node),
      });
      return { odbcDrivers: r.odbcDrivers ?? [], dsns: r.dsns ?? [] };
    },
  };
}

/** The inventory port (REQ-3.4.x): license, ODBC drivers and DSNs, Windows and .NET versions. */
function windowsInventory(call: AdapterCall, cn: ComputerNameOf): InventoryPort {
  return {
    license: (node) =>
      call<LicenseInfo>('Get-AbLicense', { ComputerName: cn(node) }).then((r) => ({ keys: r.keys ?? [], source: r.source, details: r.details ?? undefined })),
    // Account names cannot hold '|' (Windows forbids it in user and domain names): one argument for the list.
    odbc: (node, accounts) =>
      call<OdbcInventory>('Get-AbOdbcInventory', { ComputerName: cn(node), Accounts: accounts?.length ? accounts.join('|') : undefined }).then((r) => ({
        drivers: r.drivers ?? [],
        dsns: r.dsns ?? [],
        userScopeAccount: r.userScopeAccount ?? undefined,
        userAccounts: r.userAccounts ?? [],
      })),
    windows: (node) => call<{ caption: string; version: string; build: string }>('Get-AbWindowsVersion', { ComputerName: cn(node) }),
    dotnet: (node) => call<{ version: string; release: number }>('Get-AbDotNetVersion', { ComputerName: cn(node) }),
  };
}
