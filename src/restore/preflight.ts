import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { warn } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { detectMongoType } from '../core/mongo-detect.ts';
import { detectPersistence, type PersistenceDecision } from '../core/persistence.ts';
import { resolveTopology, type RoleDecision } from '../core/topology.ts';
import { EffectiveSettings, parseRuntimeSettings } from '../core/settings.ts';
import type { NodeRef } from '../platform/ports.ts';
import { exists } from '../util/fsx.ts';
import { formatBytes } from '../util/format.ts';
import { decodeText } from '../util/text.ts';
import { check, type RestoreRun } from './context.ts';
import type { RunContext } from '../core/context.ts';
import { nodePaths } from '../core/paths.ts';

/** What the pre-flight found: this server's version, and the embedded MongoDB's data folder (configured form). */
export interface RestorePreflight {
  targetVersion: string | null;
  dbRootConfigured: string | undefined;
}

/** Settings of one node as they are on disk now. */
export async function readNodeSettings(ctx: RunContext, node: NodeRef): Promise<EffectiveSettings> {
  const p = nodePaths(ctx);
  const read = async (configured: string) => {
    // UTF-16-aware (util/text): a file in another encoding is refused naming it, not misread.
    const buf = await fsp.readFile(ctx.platform.paths.resolve(configured, node)).catch(() => undefined);
    return buf === undefined ? undefined : parseRuntimeSettings(decodeText(buf, configured), configured);
  };
  return new EffectiveSettings(await read(p.overrides), await read(p.defaults));
}

function majorMinor(v: string | null | undefined): string | undefined {
  const m = v ? /^(\d{4})\.(\d+)/.exec(v) : null;
  return m ? `${m[1]}.${m[2]}` : undefined;
}

async function nearestExisting(p: string): Promise<string> {
  let cur = p;
  while (!(await exists(cur)) && dirname(cur) !== cur) cur = dirname(cur);
  return cur;
}

/**
 * Pure: the version judgement. The same release is what Alteryx supports; a different build of it is
 * usually fine; another release is a loud warning. Returns the check's detail and the warning, if any.
 */
export function judgeVersions(archiveVersion: string | null | undefined, targetVersion: string | null): { detail: string; warning?: string } {
  if (!targetVersion || !archiveVersion) {
    return {
      detail: `not compared (archive ${archiveVersion ?? 'unknown'}, server ${targetVersion ?? 'unknown'})`,
      warning: `Server version: cannot compare (archive ${archiveVersion ?? 'unknown'}, this server ${targetVersion ?? 'unknown'})`,
    };
  }
  if (targetVersion === archiveVersion) return { detail: `${targetVersion} on both` };
  const release = majorMinor(targetVersion) !== majorMinor(archiveVersion);
  return {
    detail: `archive ${archiveVersion}, server ${targetVersion} (mismatch, warned)`,
    warning:
      `VERSION MISMATCH: the archive was taken on Alteryx Server ${archiveVersion}, this server runs ${targetVersion}. ` +
      (release
        ? "Alteryx supports restoring into the same release only: install the backup's version, restore, then upgrade."
        : 'Same release, different build: usually fine; check the release notes.'),
  };
}

/** Every node reachable, its service there, its settings read. */
async function checkNodes(r: RestoreRun): Promise<void> {
  const { c } = r;
  const p = c.platform;
  const service = c.config.ServerConfiguration.ServiceName;
  for (const node of c.nodes) {
    if (!node.local && !(await p.system.reachable(node))) {
      throw new BackupError(
        ExitCode.Validation,
        `Node ${node.name} (${node.role}) cannot be reached.`,
        'Check that the host is up and that remote service control is allowed from this machine.',
      );
    }
    const state = await p.services.getState(node);
    if (state === 'NotFound') {
      throw new BackupError(
        ExitCode.Validation,
        `The service ${service} does not exist on ${node.name}.`,
        'Install Alteryx Server (the same version as the backup) before restoring.',
      );
    }
    check(r, `service on ${node.name}`, true, `${service} (${node.role}): ${state}`);
    c.settings.set(node.name, await readNodeSettings(c, node));
  }
}

const ROLE_TEXT: Record<string, string> = { controller: 'a controller', worker: 'a worker', ui: 'a Server UI (Gallery) node', combined: 'a controller' };

/**
 * Pure (issue 13): may this server take what the restore puts back, given its node role (single machine, from its
 * RuntimeSettings.xml) and its persistence? A worker or Server UI node holds no Alteryx database: restoring one
 * there is refused. Its files may be restored only from an archive taken on a node of the same role: a
 * controller's RuntimeSettings.xml, keys and token would turn it into a second controller. A SQL Server or SQLite
 * server has no MongoDB to restore a dump into. Returns the refusal (exit 3) or warnings.
 */
export function judgeRestoreTarget(input: {
  scope: { database: boolean; config: boolean };
  /** This machine's role from its RuntimeSettings.xml; undefined for a configured multi-node server. */
  role: RoleDecision | undefined;
  /** The archive's node whose files land on this machine. */
  archiveNode: { name: string; role: string } | undefined;
  persistence: PersistenceDecision | undefined;
}): { refusal?: { message: string; hint: string }; warnings: string[] } {
  const { scope, role, archiveNode, persistence: p } = input;
  if (role && role.nodeRole !== 'controller') {
    const what = ROLE_TEXT[role.role]!;
    const ctl = role.remoteController ? `the controller ${role.remoteController}` : 'the controller';
    if (scope.database) {
      return {
        warnings: [],
        refusal: {
          message: `This machine is ${what} (${role.decidedBy}): it holds no Alteryx database, so the archive's database cannot be restored here. Nothing was changed.`,
          hint: `Restore the database (-RestoreMode DatabaseOnly or Full) on ${ctl}. On this node restore only the files of a backup taken on ${what} (-RestoreMode ConfigOnly); see docs/restore.md.`,
        },
      };
    }
    if (scope.config && archiveNode && archiveNode.role !== role.nodeRole) {
      const from = ROLE_TEXT[archiveNode.role] ?? `a ${archiveNode.role} node`;
      return {
        warnings: [],
        refusal: {
          message: `The archive's files were taken on ${from} (${archiveNode.name}) and this machine is ${what} (${role.decidedBy}): its RuntimeSettings.xml and keys would turn this node into ${from}. Nothing was changed.`,
          hint: `Restore this archive on ${from === 'a controller' ? ctl : `the ${archiveNode.role} it was taken on`}, and on this node a ConfigOnly backup taken on ${what}. To rebuild ${from} on this machine on purpose, set its role first in Alteryx System Settings, then restore; see docs/restore.md.`,
        },
      };
    }
  }
  const warnings: string[] = [];
  if (role && role.nodeRole === 'controller' && scope.config && archiveNode && archiveNode.role !== 'controller') {
    const from = ROLE_TEXT[archiveNode.role] ?? `a ${archiveNode.role} node`;
    warnings.push(
      `The archive's files were taken on ${from} (${archiveNode.name}) and this machine is a controller (${role.decidedBy}): after the restore its RuntimeSettings.xml is that node's, so it starts as ${from}.`,
    );
  }
  if (scope.database && p && (p.kind === 'sqlServer' || p.kind === 'sqlite')) {
    const store = p.kind === 'sqlServer' ? 'a user-managed SQL Server database' : `the SQLite database ${p.sqlitePath ?? '(Controller/SQLitePath)'}`;
    return {
      warnings,
      refusal: {
        message: `This server keeps its Alteryx data in ${store} (decided by ${p.decidedBy}), not in MongoDB: the archive's MongoDB dump cannot be restored into it. Nothing was changed.`,
        hint:
          (p.kind === 'sqlServer'
            ? "Restore the SQL Server database with SQL Server's own tools (RESTORE DATABASE from its backup)"
            : `Stop AlteryxService and put back the SQLite file ${p.sqlitePath ?? ''} from your file backup`) +
          '; restore the files, keys and controller token with -RestoreMode ConfigOnly; see docs/restore.md.',
      },
    };
  }
  return { warnings };
}

/** Node role and persistence of this server (issue 13), read as a backup reads them (backup.ts resolveRolesAndPersistence). */
function checkRoleAndPersistence(r: RestoreRun): void {
  const { c, manifest: m } = r;
  const configured = c.config.ServerConfiguration.Nodes.length > 0 || c.nodes.length > 1;
  // The archive node whose files land on this single machine (an archive of several nodes needs configured nodes: placement.ts).
  const archiveNode = !configured && m.nodes.length === 1 ? m.nodes[0] : undefined;
  const topo = resolveTopology(c.nodes, configured, (n) => c.settings.get(n.name));
  c.nodes = topo.nodes;
  c.controller = c.nodes.find((n) => n.role === 'controller') ?? c.nodes[0]!;
  c.roles = topo.detected;
  for (const w of topo.warnings) warn(c, w);
  c.log.info(`Nodes of this server: ${topo.lines.join('; ')}`);
  const persistence = r.scope.database ? detectPersistence(c.config.MongoDBConfiguration.Type, c.settings.get(c.controller.name)) : undefined;
  if (persistence) {
    c.persistence = persistence;
    c.log.info(`Persistence of this server: ${persistence.kind} (decided by ${persistence.decidedBy})`);
  }
  const role = configured ? undefined : topo.detected.get(c.controller.name);
  const j = judgeRestoreTarget({ scope: r.scope, role, archiveNode, persistence });
  for (const w of j.warnings) warn(c, w);
  const detail = `${role ? `this machine: ${role.role}` : `nodes: ${c.nodes.map((n) => `${n.name} (${n.role})`).join(', ')}`}${persistence ? `; persistence ${persistence.kind}` : ''}`;
  check(r, 'node role and persistence', !j.refusal, detail);
  if (j.refusal) throw new BackupError(ExitCode.Validation, j.refusal.message, j.refusal.hint);
}

/** The kind of MongoDB of this server against the archive's; the embedded data folder. */
function checkMongo(r: RestoreRun): string | undefined {
  const { c, manifest: m } = r;
  const decision = detectMongoType(c.config.MongoDBConfiguration.Type, c.settings.get(c.controller.name));
  c.mongo = decision;
  c.log.info(`MongoDB of this server: ${decision.type} (decided by ${decision.decidedBy}); the archive's: ${m.mongo.type}`);
  if (decision.type !== m.mongo.type) {
    throw new BackupError(
      ExitCode.MongoDB,
      decision.type === 'selfManaged'
        ? `This server uses a self-managed MongoDB (${decision.decidedBy}) and the archive holds an embedded-MongoDB dump (emongodump); moving between the two is a migration this tool does not do. Nothing was changed.`
        : `This server uses the embedded MongoDB (${decision.decidedBy}) and the archive holds a dump of a self-managed MongoDB (mongodump); moving between the two is a migration this tool does not do. Nothing was changed.`,
      'Restore onto a server with the same kind of MongoDB (set MongoDBConfiguration.Type if detection is wrong), or restore the files only with -RestoreMode ConfigOnly; see docs/restore.md.',
    );
  }
  const root = decision.type === 'embedded' ? c.settings.get(c.controller.name)?.value('Controller', 'EmbeddedMongoDBRootPath') : undefined;
  if (decision.type === 'embedded' && !root && !r.scope.config) {
    throw new BackupError(
      ExitCode.MongoDB,
      'EmbeddedMongoDBRootPath is not set in RuntimeSettings.xml: the restore target is unknown.',
      'Set it in Alteryx System Settings (or restore the configuration first).',
    );
  }
  return root;
}

/** Free space: the extracted files in the temp folder; the restored database beside the current one. */
async function checkSpace(r: RestoreRun, dbRootConfigured: string | undefined): Promise<void> {
  const { c, manifest: m, placements } = r;
  const p = c.platform;
  const tempConfigured = r.folders.temp.configured;
  const wanted = (path: string) =>
    placements.some((x) => x.file.path === path) ||
    (r.scope.secrets && path === 'Secrets/ControllerToken.txt') ||
    (r.scope.database && path.startsWith('MongoDB/'));
  const extractBytes = m.files.filter((f) => wanted(f.path)).reduce((n, f) => n + f.size, 0);
  const dumpBytes = m.files.filter((f) => f.path.startsWith('MongoDB/')).reduce((n, f) => n + f.size, 0);
  const tempFree = await p.system.freeBytes(await nearestExisting(r.folders.temp.local));
  let preBytes = 0;
  for (const x of placements) preBytes += (await fsp.stat(p.paths.resolve(x.configured, x.node)).catch(() => undefined))?.size ?? 0;
  // Self-managed: the pre-restore dump of the current database goes to the temp folder too (about the archive's size).
  let tempNeeded = extractBytes + preBytes + (r.selfManagedDb ? dumpBytes : 0);
  let dbDetail = r.selfManagedDb ? ` (with ${formatBytes(dumpBytes)} for the pre-restore dump of the database)` : '';
  if (r.scope.database && dbRootConfigured) {
    const sameDrive = /^[A-Za-z]:/.test(dbRootConfigured) && dbRootConfigured[0]!.toUpperCase() === tempConfigured[0]?.toUpperCase();
    if (sameDrive) tempNeeded += dumpBytes;
    else {
      const dbFree = await p.system.freeBytes(await nearestExisting(p.paths.resolve(dbRootConfigured, c.controller)));
      dbDetail = `; ${formatBytes(dbFree)} free for the database, ${formatBytes(dumpBytes)} needed`;
      if (dbFree < dumpBytes) {
        throw new BackupError(
          ExitCode.Storage,
          `Not enough free space for the restored database beside ${dbRootConfigured}: ${formatBytes(dbFree)} free, ${formatBytes(dumpBytes)} needed.`,
          'Free space on that drive.',
        );
      }
    }
  }
  check(r, 'free space', tempFree >= tempNeeded, `${formatBytes(tempFree)} free in ${tempConfigured}, ${formatBytes(tempNeeded)} needed${dbDetail}`);
  if (tempFree < tempNeeded) {
    throw new BackupError(
      ExitCode.Storage,
      `Not enough free space in ${tempConfigured}: ${formatBytes(tempFree)} free, ${formatBytes(tempNeeded)} needed.`,
      'Free space or set TempDirectory (-TempDirectory) to a larger drive.',
    );
  }
}

/** Pre-flight of a restore: nothing is changed yet when it throws. */
export async function restorePreflight(r: RestoreRun): Promise<RestorePreflight> {
  const { c } = r;
  const p = c.platform;
  if (!(await p.system.isElevated()))
    throw new BackupError(ExitCode.Validation, 'The restore must run as Administrator.', 'Start PowerShell with "Run as administrator".');
  check(r, 'administrator', true, 'running elevated');
  await checkNodes(r);
  checkRoleAndPersistence(r);
  if (!(await exists(p.paths.resolve(r.paths.exe, c.controller)))) {
    throw new BackupError(
      ExitCode.Validation,
      `AlteryxService.exe was not found at ${r.paths.exe}.`,
      'Set ServerConfiguration.AlteryxServicePath to the install location.',
    );
  }
  const ver = await p.alteryx.run(c.controller, r.paths.exe, 'getversion');
  const targetVersion = ver.exitCode === 0 ? ver.stdout.trim().split(/\r?\n/).pop()?.trim() || null : null;
  r.targetVersion = targetVersion;
  const v = judgeVersions(r.manifest.serverVersion, targetVersion);
  if (v.warning) warn(c, v.warning);
  check(r, 'server version', true, v.detail);
  const dbRootConfigured = r.scope.database ? checkMongo(r) : undefined;
  await checkSpace(r, dbRootConfigured);
  return { targetVersion, dbRootConfigured };
}
