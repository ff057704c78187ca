import type { BackupMode } from '../config/schema.ts';
import { startOrder, stopOrder, type PlannedStep } from '../core/plan.ts';
import type { NodeRef, NodeRole } from '../platform/ports.ts';

/** What a restore puts back, decided from the archive's mode and the requested restore mode. */
export interface RestoreScope {
  database: boolean;
  config: boolean;
  secrets: boolean;
}

const HAS_DB: Record<BackupMode, boolean> = { Full: true, DatabaseOnly: true, ConfigOnly: false };
const HAS_CFG: Record<BackupMode, boolean> = { Full: true, DatabaseOnly: false, ConfigOnly: true };

/**
 * The scope of a restore: the archive's mode, narrowed by an explicit restore mode (a Full archive can be
 * restored as ConfigOnly or DatabaseOnly). Returns an error text when the archive does not hold what is asked.
 */
export function restoreScope(archive: { mode: BackupMode; dumped: boolean; hasToken: boolean }, requested: BackupMode | undefined): RestoreScope | string {
  const want = requested ?? archive.mode;
  if (HAS_DB[want] && !HAS_DB[archive.mode]) return `a ${want} restore needs the database, and this ${archive.mode} archive holds none`;
  if (HAS_CFG[want] && !HAS_CFG[archive.mode]) return `a ${want} restore needs the configuration files, and this ${archive.mode} archive holds none`;
  const database = HAS_DB[want] && archive.dumped;
  // A Full backup of a worker, a Server UI node or a SQL Server / SQLite server holds no MongoDB dump (issue 13).
  if (HAS_DB[want] && !archive.dumped)
    return `the archive's manifest says the database was not dumped (a Full backup of a worker, a Server UI node or a SQL Server / SQLite server holds none): restore its files with -RestoreMode ConfigOnly`;
  const config = HAS_CFG[want];
  return { database, config, secrets: config && archive.hasToken };
}

type Step<N extends string, D = object> = PlannedStep & { name: N } & D;

/** The steps of a restore, each with the data it runs from. */
export type RestoreStep =
  | Step<'verify', { path: string }>
  | Step<'preflight'>
  | Step<'mongo-check'>
  | Step<'extract', { to: string }>
  | Step<'workflows'>
  | Step<'stop-service', { node: string; role: NodeRole }>
  | Step<'pre-restore', { to: string }>
  | Step<'files', { placements: Array<{ path: string; node: string; to: string }> }>
  | Step<'server-secret', { nodes: string[] }>
  | Step<'database', { selfManaged: boolean }>
  | Step<'start-service', { node: string; role: NodeRole }>
  | Step<'check'>
  | Step<'cleanup', { path: string }>;

export type RestoreStepOf<N extends RestoreStep['name']> = Extract<RestoreStep, { name: N }>;

export interface RestorePlanInput {
  archivePath: string;
  scope: RestoreScope;
  nodes: ReadonlyArray<Pick<NodeRef, 'name' | 'role'>>;
  serviceName: string;
  extractFolder: string;
  preRestoreFolder: string;
  /** Which archive file goes where (placement.ts). */
  placements: ReadonlyArray<{ file: { path: string }; node: { name: string }; configured: string }>;
  /** The archive's database is a self-managed MongoDB's (mongodump): mongorestore, pre-restore dump. */
  selfManaged?: boolean;
  /** False for a self-managed database-only restore without StopServiceForExternalDB. */
  stopsService?: boolean;
}

/** What every part of the plan reads: the input, with the controller and the service-stop decision resolved. */
interface PlanContext {
  input: RestorePlanInput;
  scope: RestoreScope;
  nodes: RestorePlanInput['nodes'];
  selfManaged: boolean;
  stops: boolean;
  svc: string;
  server: string;
}

/** Pure: the ordered, executable steps of a restore (host-recovery order); -WhatIf prints them. */
export function buildRestorePlan(input: RestorePlanInput): RestoreStep[] {
  const { scope, nodes } = input;
  const controller = nodes.find((n) => n.role === 'controller') ?? nodes[0];
  const ctx: PlanContext = {
    input,
    scope,
    nodes,
    selfManaged: !!input.selfManaged && scope.database,
    stops: input.stopsService ?? true,
    svc: input.serviceName,
    server: controller?.name ?? 'this server',
  };
  return [...checkSteps(ctx), ...stopSteps(ctx), preRestoreStep(ctx), ...putBackSteps(ctx), ...startSteps(ctx), ...finishSteps(ctx)];
}

/** Before anything changes: verify the archive, check the host (and the self-managed MongoDB), extract. */
function checkSteps({ input, selfManaged, server }: PlanContext): RestoreStep[] {
  const steps: RestoreStep[] = [];
  steps.push({
    id: 'verify',
    name: 'verify',
    description: 'Verify the archive: every entry against its manifest SHA-256, the .sha256 beside it, safe entry names',
    changesState: false,
    target: input.archivePath,
    action: 'Verify archive',
    path: input.archivePath,
  });
  steps.push({
    id: 'preflight',
    name: 'preflight',
    description: 'Check Administrator rights, the service on every node, the server version, free space',
    changesState: false,
    target: server,
    action: 'Check',
  });
  if (selfManaged)
    steps.push({
      id: 'mongo-check',
      name: 'mongo-check',
      description: 'Check the self-managed MongoDB: reachable, credentials accepted (driver ping), mongodump and mongorestore present',
      changesState: false,
      target: 'the self-managed MongoDB',
      action: 'Check the connection',
    });
  steps.push({
    id: 'extract',
    name: 'extract',
    description: `Extract the archive to ${input.extractFolder}`,
    changesState: false,
    target: input.extractFolder,
    action: 'Extract archive',
    to: input.extractFolder,
  });
  return steps;
}

/** When the service stops: wait for running workflows, then stop the service on every node (stop order). */
function stopSteps({ nodes, stops, svc }: PlanContext): RestoreStep[] {
  if (!stops) return [];
  const steps: RestoreStep[] = [];
  steps.push({
    id: 'workflows',
    name: 'workflows',
    description: 'Wait for running workflows (AlteryxEngineCmd.exe) to finish',
    changesState: false,
    target: nodes.map((n) => n.name).join(', '),
    action: 'Wait for workflows',
  });
  for (const n of stopOrder(nodes))
    steps.push({
      id: `stop-service:${n.name}`,
      name: 'stop-service',
      description: `Stop ${svc} on ${n.name} (${n.role})`,
      changesState: true,
      target: `${svc} on ${n.name}`,
      action: 'Stop service',
      node: n.name,
      role: n.role,
    });
  return steps;
}

/** Save what the restore overwrites: the files (config scope) and the current database (database scope). */
function preRestoreStep({ input, scope, selfManaged }: PlanContext): RestoreStep {
  const saveFiles = scope.config ? `Save the files about to be overwritten to ${input.preRestoreFolder}` : '';
  const saveDb = !scope.database
    ? ''
    : selfManaged
      ? `dump the current MongoDB (mongodump --gzip) to ${input.preRestoreFolder}\\MongoDB for the rollback`
      : 'move the current MongoDB data folder aside';
  return {
    id: 'pre-restore',
    name: 'pre-restore',
    description: saveFiles ? `${saveFiles}${saveDb ? ` and ${saveDb}` : ''}` : `${saveDb.charAt(0).toUpperCase()}${saveDb.slice(1)}`,
    changesState: true,
    target: input.preRestoreFolder,
    action: 'Save current state',
    to: input.preRestoreFolder,
  };
}

/** The restore proper, per scope: the configuration files, the controller token, the database. */
function putBackSteps({ input, scope, nodes, selfManaged, server }: PlanContext): RestoreStep[] {
  const steps: RestoreStep[] = [];
  if (scope.config) {
    const placements = input.placements.map((x) => ({ path: x.file.path, node: x.node.name, to: x.configured }));
    steps.push({
      id: 'files',
      name: 'files',
      description: `Restore RuntimeSettings.xml (overrides, never the defaults file), Keys, SystemAlias.xml, SystemConnections.xml, alteryx.config as captured: ${placements.length} files`,
      changesState: true,
      target: [...new Set(placements.map((x) => x.node))].map((n) => `configuration files on ${n}`).join(', '),
      action: 'Restore files',
      placements,
    });
  }
  if (scope.secrets) {
    const order = [...nodes].sort((a, b) => (a.role === 'controller' ? -1 : b.role === 'controller' ? 1 : 0)).map((n) => n.name);
    steps.push({
      id: 'server-secret',
      name: 'server-secret',
      description: 'Set the controller token captured in the archive (AlteryxService.exe setserversecret)',
      changesState: true,
      target: `the controller token on ${order.join(', ')}`,
      action: 'Set controller token',
      nodes: order,
    });
  }
  if (scope.database) {
    const description = selfManaged
      ? 'Restore MongoDB (mongorestore --gzip --drop, the Alteryx databases only) and judge its output; on failure restore the pre-restore dump'
      : 'Restore MongoDB (AlteryxService.exe emongorestore) and judge mongoRestore.log';
    steps.push({
      id: 'database',
      name: 'database',
      description,
      changesState: true,
      target: selfManaged ? 'the self-managed MongoDB' : `the embedded MongoDB on ${server}`,
      action: 'Restore database',
      selfManaged,
    });
  }
  return steps;
}

/** When the service was stopped: start it again on every node (start order), where it was running. */
function startSteps({ nodes, stops, svc }: PlanContext): RestoreStep[] {
  if (!stops) return [];
  return startOrder(nodes).map(
    (n): RestoreStep => ({
      id: `start-service:${n.name}`,
      name: 'start-service',
      description: `Start ${svc} on ${n.name} (${n.role}) if it was running`,
      changesState: true,
      target: `${svc} on ${n.name}`,
      action: 'Start service',
      node: n.name,
      role: n.role,
    }),
  );
}

/** After the restore: check the result against the manifest, remove the extraction folder. */
function finishSteps({ input, stops, server }: PlanContext): RestoreStep[] {
  return [
    {
      id: 'check',
      name: 'check',
      description: `Check the restored files against the manifest, document counts against the manifest${stops ? ', services Running' : ''}`,
      changesState: false,
      target: server,
      action: 'Check',
    },
    {
      id: 'cleanup',
      name: 'cleanup',
      description: 'Remove the extraction folder (it holds the controller token in clear)',
      changesState: true,
      target: input.extractFolder,
      action: 'Remove folder',
      path: input.extractFolder,
    },
  ];
}
