import type { CommandResult } from '../util/exec.ts';
/**
 * The ports: everything the core needs from the machine, and nothing more. Each has a Windows adapter
 * (PowerShell session, CIM, sc.exe) and a sandbox adapter (the simulated server on disk). File contents
 * are read and written with node:fs on the paths `paths.resolve` returns.
 */
export type ServiceState = 'Running' | 'StopPending' | 'Stopped' | 'StartPending' | 'Paused' | 'NotFound';
export type NodeRole = 'controller' | 'worker' | 'ui';

export interface NodeRef {
  /** Host name; the local machine's own name for a single-node server. */
  name: string;
  role: NodeRole;
  /** True for the machine the backup runs on. */
  local: boolean;
}

export type { CommandResult } from '../util/exec.ts';

export interface Workflow {
  name: string;
  pid: number;
}

export interface PathPort {
  /** Turns a configured path (Windows form: `D:\Temp`, `\\server\share`) into a path node:fs can use, seen from `node`. */
  resolve(configured: string, node?: NodeRef): string;
}

export interface ServicePort {
  getState(node: NodeRef): Promise<ServiceState>;
  /** Asks the service to stop; returns at once (the caller polls getState). */
  requestStop(node: NodeRef): Promise<void>;
  requestStart(node: NodeRef): Promise<void>;
  /** The Log On account of the service (CIM Win32_Service.StartName). */
  logOnAccount(node: NodeRef): Promise<string | undefined>;
}

export interface ProcessPort {
  /** Running AlteryxEngineCmd.exe processes. */
  runningWorkflows(node: NodeRef): Promise<Workflow[]>;
  stopWorkflows(node: NodeRef): Promise<string[]>;
}

export interface AlteryxCliPort {
  /** Runs AlteryxService.exe with one argument (e.g. `getserversecret`, `emongodump=D:\Temp\x`). */
  run(
    node: NodeRef,
    exePath: string,
    arg: string,
    opts?: { timeoutMs?: number; signal?: AbortSignal; onSpawn?: (pid: number) => void },
  ): Promise<CommandResult>;
}

export interface SystemPort {
  isElevated(): Promise<boolean>;
  /** Free bytes on the volume holding `localPath` (a resolved path). */
  freeBytes(localPath: string): Promise<number>;
  hostname(): string;
  reachable(node: NodeRef): Promise<boolean>;
  /**
   * Whether drive `letter` (A-Z) exists for the account running the backup, here (a mapped drive exists only in
   * the session that mapped it). Optional: without it every drive is taken to exist.
   */
  driveExists?(letter: string): Promise<boolean>;
  /** ODBC drivers and system DSNs installed on a node (REQ-3.4.4/3.4.5). */
  inventory(node: NodeRef): Promise<Inventory>;
}

export interface Inventory {
  odbcDrivers: string[];
  dsns: Array<{ name: string; driver: string }>;
}

/**
 * Network destinations (REQ-5.2.x): what the machine says about a destination beyond plain file I/O.
 * Paths are the configured form (`\\server\share\dir`, `Z:\Backups`). On Windows every call is a no-op
 * (the file operations themselves fail when a share is down); the sandbox answers from its fault knobs
 * (offline shares, shares that fail N writes then recover, slow shares).
 */
export interface StoragePort {
  /** Side-effect free: undefined when the destination looks reachable, else the reason it is not. */
  probe(configuredDest: string): Promise<string | undefined>;
  /**
   * Called once before each write attempt to a destination. Throws when the destination cannot be written
   * now (offline); resolves to the conditions of this attempt otherwise.
   */
  beforeWrite(configuredDest: string): Promise<WriteConditions>;
}

export interface WriteConditions {
  /** Throughput cap in MB/s (1 MB = 1,048,576 bytes) for this attempt, if any. */
  throttleMBps?: number | undefined;
  /** The connection drops after this fraction (0-1) of the file was written (a flaky share). */
  interruptAfterFraction?: number | undefined;
}

/**
 * A self-managed MongoDB as the network sees it. Optional: without it (Windows) hosts are dialled as
 * configured. The sandbox, whose MongoDB hosts are simulated, answers with a loopback wire-protocol peer.
 */
export interface MongoPort {
  /** The address (`host:port`) the driver dials for a configured `host:port`. */
  dialAddress(hostPort: string): Promise<string>;
}

/**
 * REQ-3.4.x: what a node says about itself beyond its files: the licence, ODBC (system and user DSNs, 64- and
 * 32-bit), the Windows and .NET versions. Every answer may be partial; a call that throws is recorded as
 * missing with its message. Optional: a platform without it records these items as missing.
 */
export interface InventoryPort {
  /** Licence keys as stored (the caller obfuscates them to their last 4 characters); empty when none found. */
  license(node: NodeRef): Promise<LicenseInfo>;
  /**
   * `accounts`: the other accounts whose user DSNs matter (the service's Log On account, the Run As user: workflows
   * run as them and use their DSNs), read besides the user DSNs of the account the backup runs as.
   */
  odbc(node: NodeRef, accounts?: string[]): Promise<OdbcInventory>;
  windows(node: NodeRef): Promise<{ caption: string; version: string; build: string }>;
  dotnet(node: NodeRef): Promise<{ version: string; release: number }>;
  /**
   * The Gallery's user groups that hold Active Directory groups, when the platform can tell. Without it (Windows)
   * they are read from the AlteryxGallery dump of the run.
   */
  galleryGroups?(
    node: NodeRef,
  ): Promise<Array<{ name: string; role: string | null; activeDirectoryGroups: Array<{ name: string | null; sid: string | null }> }>>;
}

export interface LicenseInfo {
  keys: string[];
  /** Where they were read (a registry key, a file). */
  source: string;
  /** Other non-secret facts found beside them (product, expiry, e-mail). */
  details?: Record<string, string> | undefined;
}

export interface OdbcInventory {
  drivers: Array<{ name: string; platform: '64-bit' | '32-bit' }>;
  /** User DSNs of both bitnesses share one registry key: their platform is 'any'. */
  dsns: Array<{ name: string; driver: string; scope: 'system' | 'user'; platform: '64-bit' | '32-bit' | 'any'; account?: string | undefined }>;
  /** The account the backup runs as (whose HKCU user DSNs were read). */
  userScopeAccount?: string | undefined;
  /** Each of the `accounts` asked for: read (its hive under HKU\<SID>), or not readable with the reason. */
  userAccounts?: OdbcUserAccount[] | undefined;
}

export interface OdbcUserAccount {
  account: string;
  sid: string | null;
  readable: boolean;
  reason?: string | undefined;
  dsnCount?: number | undefined;
}

/**
 * Where a drill can build a scratch server of the same version and topology, restore into it and count its
 * database, without touching the live server. Only the sandbox has one (on a server the drill starts a scratch
 * mongod instead, DrillMethod mongod).
 */
export interface ScratchServerPort {
  /** The live server's Alteryx Server version (a.b.c.d). */
  liveVersion: string;
  /** Creates a scratch server in `dir` (fast service transitions, a tiny database the restore replaces). */
  create(dir: string, opts: { topology: 'single' | 'multi'; selfManaged: boolean; version: string }): Promise<ScratchServer>;
}

export interface ScratchServer {
  dir: string;
  /** Its self-managed MongoDB's password (a self-managed scratch server only). */
  mongoPassword: string | undefined;
  /** The platform of the scratch server, for the restore into it. */
  platform(): Platform;
  /** Per database and collection: the documents in its database now. */
  documentCounts(): Promise<Record<string, Record<string, number>>>;
}

export interface Platform {
  kind: 'windows' | 'sandbox';
  /** Human description for the log, e.g. the sandbox folder. */
  description: string;
  nodes: NodeRef[];
  paths: PathPort;
  services: ServicePort;
  processes: ProcessPort;
  alteryx: AlteryxCliPort;
  system: SystemPort;
  storage: StoragePort;
  mongo?: MongoPort | undefined;
  inventory?: InventoryPort | undefined;
  /** The drill's scratch server (the sandbox only). */
  scratch?: ScratchServerPort | undefined;
  /** Environment additions for child processes (the sandbox puts its emulated mongodump on PATH). */
  childEnv(): NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}
