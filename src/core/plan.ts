import type { BackupConfig, BackupMode } from '../config/schema.ts';
import type { NodeRef, NodeRole } from '../platform/ports.ts';
import type { FileKind } from './manifest.ts';
import { EXPECTED_DATABASES } from './manifest.ts';
import { joinConfigured, nodePaths } from './paths.ts';
import { BackupError, ExitCode } from './errors.ts';
import { fileStamp } from '../log/logger.ts';

/**
 * One step of an executable plan: what -WhatIf / --dry-run print (the `plan` event) and what the runner
 * runs, in this order, nothing else. `name` is the kind of step (the step table's key); `id` is unique in
 * the plan (`stop-service:ALTERYX01`). Steps carry their own data (which node, which files, which folder).
 */
export interface PlannedStep {
  id: string;
  name: string;
  description: string;
  /** True when the step changes the server or the destinations (one ShouldProcess call in the module). */
  changesState: boolean;
  /** What it changes or reads, e.g. "AlteryxService on ALTERYX01", the archive's path. */
  target: string;
  /** A short verb phrase for ShouldProcess, e.g. "Stop service". */
  action: string;
  /**
   * Consecutive steps with the same group id run at the same time (src/core/runner.ts): each is still its
   * own step (timing, result, ShouldProcess line); one failing does not stop the others. The network copy and
   * the cloud uploads share the group `copies`.
   */
  parallel?: string | undefined;
}

/** What a backup captures. The three modes are presets over these scopes. */
export type Scope = 'Database' | 'Config' | 'Keys' | 'Secrets' | 'Metadata';

export const MODE_SCOPES: Record<BackupMode, readonly Scope[]> = {
  Full: ['Database', 'Config', 'Keys', 'Secrets', 'Metadata'],
  DatabaseOnly: ['Database', 'Metadata'],
  ConfigOnly: ['Config', 'Keys', 'Secrets', 'Metadata'],
};

/** Archive name suffix per mode (REQ-1.1.5). */
export const MODE_SUFFIX: Record<BackupMode, string> = { Full: 'Full', DatabaseOnly: 'DB', ConfigOnly: 'Config' };

/**
 * REQ-1.1.5 / 4.1.3 / 9.1.4: ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip, or the legacy
 * ServerBackup_YYYYMMDD_HHmmss.zip. realworld (issue 13): the legacy name means a full backup (the batch
 * script made nothing else), so it is used for Full only; DatabaseOnly and ConfigOnly keep their mode's name.
 */
export function archiveName(a: { mode: BackupMode; stamp: string; config: BackupConfig }): string {
  return a.config.BackupConfiguration.ArchiveNameFormat === 'legacy' && a.mode === 'Full'
    ? `ServerBackup_${a.stamp}.zip`
    : `ServerBackup_${MODE_SUFFIX[a.mode]}_${a.stamp}.zip`;
}

/** The run's staging folder in TempDirectory (the sweep's WORK_FOLDER pattern in core/cleanup.ts matches it). */
export function stagingFolderName(mode: BackupMode, stamp: string): string {
  return `ServerBackup_${mode}_${stamp}`;
}

/**
 * The run's name stamp: its start second, or the next second whose names are free when a backup of this mode already
 * carries that name, or a killed run of that second left its staging folder (two runs in one second must not publish
 * over each other, nor share a staging folder; the run lock keeps them sequential).
 */
export function freeStamp(a: {
  mode: BackupMode;
  startedAt: Date;
  config: BackupConfig;
  taken: (archiveName: string, stagingFolder: string) => boolean;
}): string {
  for (let k = 0; k < 86_400; k++) {
    const stamp = fileStamp(new Date(a.startedAt.getTime() + k * 1000));
    if (!a.taken(archiveName({ mode: a.mode, stamp, config: a.config }), stagingFolderName(a.mode, stamp))) return stamp;
  }
  throw new BackupError(
    ExitCode.Storage,
    'Every archive name of the next 24 hours is taken in the local backup folder; remove old archives or choose another folder.',
  );
}

/**
 * One file (or, with `folder`, every file under a folder) the files step copies from a node into staging.
 * `missing` says what its absence means: fail the run, a warning, or a note in the log.
 */
export interface FileCopy {
  /** Configured (Windows) path on the node. */
  from: string;
  /** Path inside the archive (for a folder: the prefix its files go under). */
  to: string;
  kind: FileKind;
  missing: 'fail' | 'warn' | 'info';
  folder?: boolean | undefined;
  /** alteryx.config: captured only when modified after install (its mtime against AlteryxService.exe's). */
  ifModified?: { exe: string } | undefined;
  note?: string | undefined;
}

type Step<N extends string, D = object> = PlannedStep & { name: N } & D;

/** The steps of a backup, each with the data it runs from. */
export type BackupStep =
  | Step<'preflight'>
  | Step<'mongo-check'>
  | Step<'workflows', { nodes: string[] }>
  | Step<'stop-service', { node: string; role: NodeRole }>
  | Step<'start-service', { node: string; role: NodeRole }>
  | Step<'dump', { mongoType: 'embedded' | 'selfManaged'; databases: readonly string[]; to: string }>
  | Step<'count-documents', { dir: string }>
  | Step<'files', { node: string; copies: FileCopy[] }>
  | Step<'secrets', { files: string[] }>
  | Step<'metadata'>
  | Step<'archive', { path: string; encrypted: boolean }>
  | Step<'verify', { path: string }>
  | Step<'publish', { path: string }>
  | Step<'copy', { destinations: string[] }>
  | Step<'cloud-upload', { destination: string }>
  | Step<'retention'>
  | Step<'cloud-retention', { destination: string }>
  | Step<'cleanup', { path: string }>;

export type BackupStepOf<N extends BackupStep['name']> = Extract<BackupStep, { name: N }>;

export interface PlanInput {
  mode: BackupMode;
  mongoType: 'embedded' | 'selfManaged';
  config: BackupConfig;
  /** The server's nodes (the platform's). */
  nodes: ReadonlyArray<Pick<NodeRef, 'name' | 'role'>>;
  /** YYYYMMDD_HHmmss of the run: the staging folder's and the archive's name. */
  stamp: string;
  /** An AES-256 archive (an ArchivePassword was given). */
  encrypted?: boolean;
  /**
   * realworld (issue 13): scopes of the mode this node cannot back up (core/persistence.ts scopeLimits: a
   * worker or UI node has no Database and no Secrets; SQL Server or SQLite data has no Database). Their steps
   * are not planned, and a plan without Database stops no service.
   */
  drop?: readonly Scope[] | undefined;
  /** Where the data lives (core/persistence.ts); MongoDB passwords exist only for an embedded MongoDB. */
  persistence?: 'embedded' | 'selfManaged' | 'sqlServer' | 'sqlite' | undefined;
}

export interface Plan {
  mode: BackupMode;
  scopes: readonly Scope[];
  stopsService: boolean;
  mongoType: 'embedded' | 'selfManaged';
  /** The staging folder (configured form). */
  staging: string;
  /** The archive's final path (configured form) and name. */
  archive: { name: string; path: string };
  steps: BackupStep[];
}

export function stopsService(input: { mode: BackupMode; mongoType: 'embedded' | 'selfManaged'; stopServiceForExternalDB: boolean }): boolean {
  if (!MODE_SCOPES[input.mode].includes('Database')) return false;
  return input.mongoType === 'embedded' || input.stopServiceForExternalDB;
}

const ROLE_STOP_ORDER: Record<NodeRole, number> = { ui: 0, worker: 1, controller: 2 };

/** REQ-2.1.3: UI nodes, then workers, then the controller. */
export function stopOrder<N extends Pick<NodeRef, 'role'>>(nodes: readonly N[]): N[] {
  return [...nodes].sort((a, b) => ROLE_STOP_ORDER[a.role] - ROLE_STOP_ORDER[b.role]);
}

/** REQ-2.1.4: the controller, then workers, then UI nodes. */
export function startOrder<N extends Pick<NodeRef, 'role'>>(nodes: readonly N[]): N[] {
  return stopOrder(nodes).reverse();
}

/** Archive prefix of a node's files: flat on a single node, `nodes/<host>/` on a multi-node server. */
function nodePrefix(multiNode: boolean, node: Pick<NodeRef, 'name'>): string {
  return multiNode ? `nodes/${node.name}/` : '';
}

/**
 * REQ-3.1.x, 3.3.1/2: what the files step copies from one node: RuntimeSettings.xml (overrides, required;
 * the defaults too, marked), the whole Keys folder, SystemAlias.xml and SystemConnections.xml, and
 * alteryx.config when modified after install (either location).
 */
export function fileCopies(config: BackupConfig, node: Pick<NodeRef, 'name' | 'role'>, multiNode: boolean): FileCopy[] {
  const p = nodePaths({ config });
  const fc = config.FilesConfiguration;
  const pre = `${nodePrefix(multiNode, node)}Config/`;
  const engineMissing = node.role === 'worker' || !multiNode ? 'warn' : 'info';
  const copies: FileCopy[] = [
    { from: p.overrides, to: `${pre}RuntimeSettings.xml`, kind: 'settings', missing: 'fail' },
    {
      from: p.defaults,
      to: `${pre}RuntimeSettings.defaults.xml`,
      kind: 'settings-defaults',
      missing: 'warn',
      note: 'Installer defaults (bin\\RuntimeData); restore only the overrides file',
    },
  ];
  if (fc.BackupKeys) copies.push({ from: p.keys, to: `${pre}Keys/`, kind: 'keys', missing: 'warn', folder: true });
  copies.push({ from: p.systemAlias, to: `${pre}Engine/SystemAlias.xml`, kind: 'engine', missing: engineMissing });
  copies.push({ from: p.systemConnections, to: `${pre}Engine/SystemConnections.xml`, kind: 'engine', missing: engineMissing });
  if (fc.BackupConfigFile) {
    for (const from of [p.alteryxConfigNew, p.alteryxConfigOld])
      copies.push({ from, to: `${pre}alteryx.config`, kind: 'config-file', missing: 'info', ifModified: { exe: p.exe } });
  }
  return copies;
}

/** A cloud destination's URL as the plan shows it: no user info, no query string (a SAS), whatever slipped in. */
const withoutCredentials = (url: string) => url.replace(/^([a-z0-9+]+:\/\/)[^/@?#]*@/i, '$1').replace(/\?.*$/, '');

const fileName = (configured: string) => configured.split(/[\\/]/).pop() ?? configured;

/** What the parts of buildPlan share: the input and the decisions made from it. */
interface PlanParts {
  input: PlanInput;
  config: PlanInput['config'];
  mongoType: PlanInput['mongoType'];
  has: (s: Scope) => boolean;
  stop: boolean;
  multiNode: boolean;
  b: PlanInput['config']['BackupConfiguration'];
  staging: string;
  path: string;
  service: string;
  server: string;
}

/** Pre-flight, and the self-managed MongoDB check before anything stops. */
function checkSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { mongoType, has, server } = c;

  add({
    id: 'preflight',
    name: 'preflight',
    description: 'Check Administrator rights, the service, critical paths, free space and destinations',
    changesState: false,
    target: server,
    action: 'Check',
  });
  if (has('Database') && mongoType === 'selfManaged') {
    add({
      id: 'mongo-check',
      name: 'mongo-check',
      description: 'Connect to the self-managed MongoDB and authenticate (nothing is stopped before this passes)',
      changesState: false,
      target: 'the self-managed MongoDB',
      action: 'Check the connection',
    });
  }
}

/** The workflow wait (only when the service will stop): before the configuration capture, which it would make stale. */
function workflowSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { input, stop } = c;
  if (stop) {
    add({
      id: 'workflows',
      name: 'workflows',
      description: 'Wait for running workflows (AlteryxEngineCmd.exe) to finish',
      changesState: false,
      target: input.nodes.map((n) => n.name).join(', '),
      action: 'Wait for workflows',
      nodes: input.nodes.map((n) => n.name),
    });
  }
}

/** One stop per node: UI nodes, workers, the controller. */
function stopSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { input, stop, service } = c;
  if (stop) {
    for (const n of stopOrder(input.nodes)) {
      add({
        id: `stop-service:${n.name}`,
        name: 'stop-service',
        description: `Stop ${service} on ${n.name} (${n.role})`,
        changesState: true,
        target: `${service} on ${n.name}`,
        action: 'Stop service',
        node: n.name,
        role: n.role,
      });
    }
  }
}

/** The only work the service is stopped for (issue 15, docs/decisions.md): the database dump. */
function dumpSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { mongoType, has, staging } = c;
  if (has('Database')) {
    const to = joinConfigured(staging, 'MongoDB');
    const how = mongoType === 'embedded' ? 'the embedded MongoDB (AlteryxService.exe emongodump)' : 'the self-managed MongoDB (mongodump --gzip)';
    add({
      id: 'dump',
      name: 'dump',
      description: `Dump ${how} to ${to}: ${EXPECTED_DATABASES.join(', ')}`,
      changesState: false,
      target: to,
      action: 'Dump MongoDB',
      mongoType,
      databases: EXPECTED_DATABASES,
      to,
    });
  }
}

/**
 * The files of every node and the secrets: nothing the running service changes (docs/decisions.md, issue 15), so
 * they are captured while it still runs, just before the stop; a missing RuntimeSettings.xml fails the run before
 * the service is touched.
 */
function configSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { input, config, mongoType, has, multiNode, staging } = c;
  if (has('Config')) {
    for (const n of input.nodes) {
      const copies = fileCopies(config, n, multiNode);
      const list = [...new Set(copies.map((c) => (c.folder ? `${fileName(c.from)}\\*` : fileName(c.from))))];
      const modified = copies.some((c) => c.ifModified) ? ' (alteryx.config if modified)' : '';
      add({
        id: `files:${n.name}`,
        name: 'files',
        description: `Copy from ${n.name}: ${list.join(', ')}${modified}`,
        changesState: false,
        target: staging,
        action: 'Copy files',
        node: n.name,
        copies,
      });
    }
  }
  if (has('Secrets')) {
    const files = [
      'ControllerToken.txt',
      ...(config.FilesConfiguration.BackupMongoPasswords && (input.persistence ?? mongoType) === 'embedded' ? ['MongoPasswords.txt'] : []),
    ];
    add({
      id: 'secrets',
      name: 'secrets',
      description: files.length > 1 ? 'Export the controller token and the MongoDB passwords' : 'Export the controller token',
      changesState: false,
      target: joinConfigured(staging, 'Secrets'),
      action: 'Export secrets',
      files,
    });
  }
}

/** One start per node (controller first), then what reads the dump or the server: document counts, metadata. */
function startSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { input, has, stop, staging, service } = c;
  if (stop) {
    for (const n of startOrder(input.nodes)) {
      add({
        id: `start-service:${n.name}`,
        name: 'start-service',
        description: `Start ${service} on ${n.name} (${n.role}) if this run stopped it`,
        changesState: true,
        target: `${service} on ${n.name}`,
        action: 'Start service',
        node: n.name,
        role: n.role,
      });
    }
  }
  if (has('Database')) {
    // Issue 15: one small read per BSON document, of dump files that no longer change: after the start.
    const dir = joinConfigured(staging, 'MongoDB');
    add({
      id: 'count-documents',
      name: 'count-documents',
      description: `Count the documents of every dumped collection in ${dir} (for the manifest)`,
      changesState: false,
      target: dir,
      action: 'Count documents',
      dir,
    });
  }
  if (has('Metadata'))
    add({
      id: 'metadata',
      name: 'metadata',
      description: 'Record server version, node roles, service account and Run As user',
      changesState: false,
      target: joinConfigured(staging, 'metadata.json'),
      action: 'Record metadata',
    });
}

/** The archive: written under .partial, verified, published. */
function archiveSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { input, path } = c;
  add({
    id: 'archive',
    name: 'archive',
    description: `Write the ZIP${input.encrypted ? ' (AES-256)' : ''} with manifest.json (SHA-256 of every file) as ${path}.partial`,
    changesState: true,
    target: `${path}.partial`,
    action: 'Write archive',
    path,
    encrypted: !!input.encrypted,
  });
  add({
    id: 'verify',
    name: 'verify',
    description: 'Reopen the archive with an independent reader and check it against the manifest',
    changesState: false,
    target: `${path}.partial`,
    action: 'Verify archive',
    path,
  });
  add({
    id: 'publish',
    name: 'publish',
    description: `Publish the archive and its .sha256 under their final names: ${path}`,
    changesState: true,
    target: path,
    action: 'Publish archive',
    path,
  });
}

/** The copies (network, cloud), retention, and the staging folder removed. */
function destinationSteps(c: PlanParts, add: (s: BackupStep) => void): void {
  const { b, staging } = c;
  if (b.NetworkBackupPaths.length) {
    add({
      id: 'copy',
      name: 'copy',
      description: `Copy to the network destinations and verify each copy: ${b.NetworkBackupPaths.join(', ')}`,
      changesState: true,
      target: b.NetworkBackupPaths.join(', '),
      action: 'Copy archive',
      destinations: [...b.NetworkBackupPaths],
      parallel: 'copies',
    });
  }
  // Cloud destinations (issue 16, src/cloud/step.ts): one upload per destination, at the same time as the network copies (group `copies`), one retention each after the local one.
  for (const d of b.CloudDestinations) {
    add({
      id: `cloud-upload:${d.Name}`,
      name: 'cloud-upload',
      description: `Upload to the cloud destination ${d.Name} and check the stored object (size and SHA-256${d.VerifyByDownload ? ', then a full read-back' : ''})`,
      changesState: true,
      target: withoutCredentials(d.Url),
      action: 'Upload archive',
      destination: d.Name,
      parallel: 'copies',
    });
  }
  add({
    id: 'retention',
    name: 'retention',
    description: 'Apply the retention policy of this mode',
    changesState: true,
    target: [b.LocalBackupPath, ...b.NetworkBackupPaths].join(', '),
    action: 'Delete old backups',
  });
  for (const d of b.CloudDestinations) {
    add({
      id: `cloud-retention:${d.Name}`,
      name: 'cloud-retention',
      description: `Apply the retention policy of this mode on ${d.Name} (if this run's upload there succeeded; locked objects are kept)`,
      changesState: true,
      target: withoutCredentials(d.Url),
      action: 'Delete old backups',
      destination: d.Name,
    });
  }
  add({
    id: 'cleanup',
    name: 'cleanup',
    description: `Remove the staging folder ${staging}`,
    changesState: true,
    target: staging,
    action: 'Remove folder',
    path: staging,
  });
}

/**
 * Pure: mode, topology and configuration -> the ordered, executable steps. The runner executes exactly
 * these (src/core/runner.ts); -WhatIf / --dry-run print them.
 */
export function buildPlan(input: PlanInput): Plan {
  const { mode, config, mongoType } = input;
  const drop = input.drop ?? [];
  const scopes = MODE_SCOPES[mode].filter((s) => !drop.includes(s));
  const stop = !drop.includes('Database') && stopsService({ mode, mongoType, stopServiceForExternalDB: config.ServiceConfiguration.StopServiceForExternalDB });
  const has = (s: Scope) => scopes.includes(s);
  const multiNode = input.nodes.length > 1;
  const b = config.BackupConfiguration;
  const staging = joinConfigured(b.TempDirectory, stagingFolderName(mode, input.stamp));
  const name = archiveName({ mode, stamp: input.stamp, config });
  const path = joinConfigured(b.LocalBackupPath, name);
  const service = config.ServerConfiguration.ServiceName;
  const controller = input.nodes.find((n) => n.role === 'controller') ?? input.nodes[0];
  const server = controller ? controller.name : 'this server';
  const steps: BackupStep[] = [];
  const add = (s: BackupStep) => steps.push(s);
  const c: PlanParts = { input, config, mongoType, has, stop, multiNode, b, staging, path, service, server };
  // Issue 15: the service is down for the stops, the dump and the starts only (docs/decisions.md).
  for (const part of [checkSteps, workflowSteps, configSteps, stopSteps, dumpSteps, startSteps, archiveSteps, destinationSteps]) part(c, add);
  return { mode, scopes, stopsService: stop, mongoType, staging, archive: { name, path }, steps };
}
