import { existsSync, promises as fsp } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, validateMode, type Params } from '../config/load.ts';
import type { BackupMode } from '../config/schema.ts';
import { realClock, joinConfigured, newRunContext, type RunContext, type RunDeps, type RunRequest } from '../core/context.ts';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { acquireLock, JournalFile, type RestoreJournal } from '../core/lock.ts';
import type { Manifest, ManifestFile } from '../core/manifest.ts';
import { detectMongoType } from '../core/mongo-detect.ts';
import { MODE_SCOPES } from '../core/plan.ts';
import { recoverFromJournal, recoveryBlocks } from '../core/recover.ts';
import { EffectiveSettings, parseRuntimeSettings } from '../core/settings.ts';
import { RunLogger, fileStamp } from '../log/logger.ts';
import type { NodeRef, Platform } from '../platform/ports.ts';
import { nodePaths } from '../steps/preflight.ts';
import { restoreServices, stopServices, waitForWorkflows } from '../steps/services.ts';
import { exists, listFiles, sha256File, treeSize } from '../util/fsx.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { extractArchive } from './extract.ts';
import { decodeText, readTextFile } from '../util/text.ts';
import { closeRun } from './result.ts';
import { buildRestorePlan, restoreScope, type RestoreScope } from './plan.ts';
import { compareCounts, judgeRestoreLog, totalDocuments, type CountRow, type RestoreLogVerdict } from './restore-log.ts';
import { verifyArchive, type Check, type VerifyResult } from './verify.ts';
import type { RunFn } from '../mongo/dump.ts';
import type { SelfManagedChecked } from '../mongo/index.ts';
import type { MongoTarget } from '../mongo/target.ts';
import { runProcess } from '../util/exec.ts';
import { checkSelfManagedRestore, preRestoreDump, restoredDatabases, runMongorestore } from './restore-selfmanaged.ts';

/** params: Path (archive), SandboxPath, ConfigPath, RestoreMode, TempDirectory, LogDirectory, MaxServiceWait, ... */
export type RestoreRequest = RunRequest;

export interface RestoreDeps extends RunDeps {
  /** A drill passes its own logger: one log file for the whole drill. */
  logger?: RunLogger;
  /** A drill has verified the archive already: its result is used instead of a second pass. */
  verified?: VerifyResult;
  /** Runs mongodump / mongorestore (self-managed MongoDB); runProcess unless a test wraps it to see the arguments. */
  run?: RunFn;
}

export interface RestoredFile {
  path: string;
  node: string;
  target: string;
  ok: boolean;
}

export interface RestoreResult {
  type: 'result';
  command: 'restore';
  exitCode: ExitCodeValue;
  success: boolean;
  message: string;
  archivePath: string | null;
  /** The archive's mode. */
  mode: BackupMode | null;
  /** What was restored (the archive's mode unless -RestoreMode narrowed it). */
  restoreMode: BackupMode | null;
  dryRun: boolean;
  durationMs: number;
  logPath: string | null;
  warnings: string[];
  /** Every check with its outcome: the archive's verification, pre-flight, restored files, log, counts, services. */
  checks: Check[];
  badEntries: string[];
  restoreLog: RestoreLogVerdict | null;
  counts: CountRow[];
  restoredFiles: RestoredFile[];
  preRestorePath: string | null;
  preRestoreDatabasePath: string | null;
  rolledBack: boolean;
  rollback: string[];
  services: Array<{ node: string; role: string; state: string }>;
  stepDurationsMs: Record<string, number>;
  serverVersion: { archive: string | null; target: string | null };
}

/** Settings of one node as they are on disk now. */
async function readNodeSettings(ctx: RunContext, node: NodeRef): Promise<EffectiveSettings> {
  const p = nodePaths(ctx);
  const read = async (configured: string) => {
    const buf = await fsp.readFile(ctx.platform.paths.resolve(configured, node)).catch(() => undefined);
    return buf === undefined ? undefined : parseRuntimeSettings(decodeText(buf, configured), configured);
  };
  return new EffectiveSettings(await read(p.overrides), await read(p.defaults));
}

/**
 * Maps the archive's nodes onto this server's: by host name, then by role in order (a restore onto a
 * new host, or a drill into a scratch sandbox). Throws (exit 3) for an archive node with no counterpart.
 */
export function mapNodes(archiveNodes: Array<{ name: string; role: string }>, target: NodeRef[]): { map: Map<string, NodeRef>; notes: string[] } {
  const map = new Map<string, NodeRef>();
  const notes: string[] = [];
  const used = new Set<string>();
  for (const a of archiveNodes) {
    const t = target.find((n) => n.name.toLowerCase() === a.name.toLowerCase());
    if (t) {
      map.set(a.name, t);
      used.add(t.name);
    }
  }
  for (const a of archiveNodes) {
    if (map.has(a.name)) continue;
    const t = target.find((n) => n.role === a.role && !used.has(n.name));
    if (!t) {
      throw new BackupError(
        ExitCode.Validation,
        `The archive's node ${a.name} (${a.role}) has no counterpart on this server (nodes: ${target.map((n) => `${n.name} (${n.role})`).join(', ')}).`,
        'Configure ServerConfiguration.Nodes with the same host names and roles as the backed-up server, or restore with -RestoreMode DatabaseOnly.',
      );
    }
    map.set(a.name, t);
    used.add(t.name);
    notes.push(`The archive's node ${a.name} (${a.role}) is restored onto ${t.name} (same role)`);
  }
  return { map, notes };
}

/** Where one archive config file goes on its node (configured form); 'skip' for the defaults file. */
export function configTarget(rel: string, p: ReturnType<typeof nodePaths>, source?: string): string | 'skip' | undefined {
  if (rel === 'Config/RuntimeSettings.xml') return p.overrides;
  if (rel === 'Config/RuntimeSettings.defaults.xml') return 'skip';
  if (rel === 'Config/Engine/SystemAlias.xml') return p.systemAlias;
  if (rel === 'Config/Engine/SystemConnections.xml') return p.systemConnections;
  if (rel === 'Config/alteryx.config') {
    // As captured: the 2019.4-and-older location when it came from there, else bin\server\config.
    return source && /[\\/]bin[\\/]config[\\/]alteryx\.config$/i.test(source) ? p.alteryxConfigOld : p.alteryxConfigNew;
  }
  if (rel.startsWith('Config/Keys/')) return joinConfigured(p.keys, ...rel.slice('Config/Keys/'.length).split('/'));
  return undefined;
}

interface SavedFile {
  node: NodeRef;
  configured: string;
  local: string;
  existed: boolean;
  saved?: string;
}

interface SavedKeys {
  node: NodeRef;
  configured: string;
  local: string;
  existed: boolean;
  saved: string;
}

interface Rollback {
  files: SavedFile[];
  keys: SavedKeys[];
  tokens: Array<{ node: NodeRef; token: string }>;
  tokensChanged: NodeRef[];
  db?: { configured: string; local: string; preConfigured: string; preLocal: string; existed: boolean; moved: boolean };
  /** Self-managed: the pre-restore dump of the current database, restored back with --drop on failure. */
  selfDb?: { target: MongoTarget; dumpLocal: string; dumpConfigured: string; documents: number; restoreStarted: boolean };
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

/** A password-free connection string, with any other secret option value masked too (for the journal and the log). */
function maskAll(text: string, secrets: string[]): string {
  let out = text;
  for (const v of secrets) if (v) out = out.split(v).join('***');
  return out;
}

/**
 * The newest Full or ConfigOnly archive in LocalBackupPath taken before this restore (by the time in its
 * name): where the previous controller token is when a killed restore cannot put it back. Configured form.
 */
async function newestBackupBefore(ctx: RunContext, stamp: string): Promise<string | null> {
  const configured = ctx.config.BackupConfiguration.LocalBackupPath;
  const names = await fsp.readdir(ctx.platform.paths.resolve(configured)).catch(() => [] as string[]);
  let best: { name: string; at: string } | undefined;
  for (const name of names) {
    const m = /^ServerBackup_(?:Full|Config)_(\d{8}_\d{6})\.zip$/.exec(name);
    if (m && m[1]! <= stamp && (!best || m[1]! > best.at)) best = { name, at: m[1]! };
  }
  return best ? joinConfigured(configured, best.name) : null;
}

async function copyFileAtomic(src: string, dest: string): Promise<void> {
  await fsp.mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.restoring-${process.pid}`;
  await fsp.copyFile(src, tmp);
  await fsp.rename(tmp, dest);
}

/**
 * One restore run (docs/restore.md): verify, pre-flight, extract, stop (ordered), save what is about to be
 * overwritten, put back the files, the controller token and the database in the host-recovery order,
 * judge mongoRestore.log, start, check. Any failure after the first change rolls back: files, token and
 * database folder back, services back as found. Returns the result event; never throws.
 */
export async function runRestore(req: RestoreRequest, deps: RestoreDeps): Promise<RestoreResult> {
  const clock = deps.clock ?? realClock;
  const t0 = clock.now();
  const startedAt = deps.now ? deps.now() : new Date();
  const log = deps.logger ?? new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  const signal = deps.signal ?? new AbortController().signal;

  let exitCode: ExitCodeValue = ExitCode.Success;
  let message = '';
  let archivePath: string | null = null;
  let manifest: Manifest | undefined;
  let restoreMode: BackupMode | null = null;
  let platform: Platform | undefined;
  let ctx: RunContext | undefined;
  let release: (() => void) | undefined;
  let extractLocal: string | undefined;
  let preRestoreLocal: string | undefined;
  let verdict: RestoreLogVerdict | null = null;
  let counts: CountRow[] = [];
  let rolledBack = false;
  let targetVersion: string | null = null;
  let finalStates: Array<{ node: string; role: string; state: string }> = [];
  const rollbackDone: string[] = [];
  const checks: Check[] = [];
  const badEntries: string[] = [];
  const restoredFiles: RestoredFile[] = [];
  const warnings: string[] = [];
  const stepDurations: Record<string, number> = {};
  const rb: Rollback = { files: [], keys: [], tokens: [], tokensChanged: [] };
  let changed = false;
  /** The journal's restore section (what a recovery would put back), written before each change. */
  let rj: RestoreJournal | undefined;
  const journal = (section: RestoreJournal | undefined) => ctx?.journal.restore(section);
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail: log.masker.mask(detail) });
    log.log(ok ? 'INFO' : 'ERROR', `Check ${name}: ${ok ? 'ok' : 'FAILED'} - ${detail}`);
  };
  const warn = (m: string) => {
    warnings.push(log.masker.mask(m));
    log.warn(m);
  };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw new BackupError(ExitCode.General, 'Interrupted.');
    log.setStep(name);
    const s = clock.now();
    try {
      return await fn();
    } finally {
      stepDurations[name] = clock.now() - s;
    }
  };

  try {
    const rawPath = req.params['Path'];
    if (typeof rawPath !== 'string' || !rawPath) {
      throw new BackupError(ExitCode.Validation, 'restore needs the archive: alteryx-backup restore ARCHIVE (-Path).');
    }
    archivePath = resolve(rawPath);
    const params: Params = { ...req.params };
    delete params['BackupMode'];
    const requested = req.params['RestoreMode'] ?? undefined;
    const requestedMode = requested === undefined || requested === null ? undefined : validateMode(requested, '-RestoreMode');
    const loaded = loadConfig(params);
    const config = loaded.config;
    platform = deps.platform(req.params, config);
    const p = platform;
    if (!deps.logger) log.attachFiles(p.paths.resolve(config.BackupConfiguration.LogDirectory), 'Restore', startedAt);
    log.info(`AlteryxBackup restore started${req.dryRun ? ' (dry run: nothing will be changed)' : ''}: ${archivePath} onto ${p.description}`);
    log.info(`Configuration: ${loaded.source ?? 'built-in defaults'}${loaded.overridden.length ? `; overridden by parameters: ${loaded.overridden.join(', ')}` : ''}`);

    // 1. Verify, before anything is written on the server.
    const sideCar = `${archivePath}.sha256`;
    const useSide = !req.params['SkipChecksumFile'] && existsSync(sideCar);
    const v = deps.verified ?? (await step('verify', () => verifyArchive(archivePath!, { password: req.secrets['ArchivePassword'], sha256File: useSide ? sideCar : undefined })));
    if (deps.verified) log.info(`Archive verified by the caller: ${v.checks.length} checks, ${v.ok ? 'all passed' : 'FAILED'}`);
    else for (const c of v.checks) check(c.name, c.ok, c.detail);
    badEntries.push(...v.badEntries);
    if (!useSide && !deps.verified) warn(`No ${sideCar.split(/[\\/]/).pop()} beside the archive: its own SHA-256 was not checked (the entries were)`);
    if (!v.ok || !v.manifest) {
      const failed = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      throw new BackupError(ExitCode.Validation, `The archive failed verification, nothing was changed: ${failed.join('; ')}.`, 'Use another backup; run "verify" for the details.');
    }
    manifest = v.manifest;
    const m = manifest;
    const hasToken = m.files.some((f) => f.path === 'Secrets/ControllerToken.txt');
    const scopeOrError = restoreScope({ mode: m.mode, dumped: m.mongo.dumped, hasToken }, requestedMode);
    if (typeof scopeOrError === 'string') throw new BackupError(ExitCode.Validation, `Cannot restore: ${scopeOrError}.`, 'Choose a -RestoreMode the archive holds.');
    const scope: RestoreScope = scopeOrError;
    restoreMode = requestedMode ?? m.mode;
    log.info(`Archive: mode ${m.mode}, taken ${m.createdAt} on ${m.hostName} (Alteryx Server ${m.serverVersion ?? 'unknown'}), ${m.files.length} files; restoring: ${[scope.config && 'configuration files', scope.secrets && 'controller token', scope.database && 'MongoDB'].filter(Boolean).join(', ')}`);
    // Self-managed: mongorestore into the external MongoDB; the service is stopped for the files and token
    // (they take effect at the next start), and for the database only with StopServiceForExternalDB.
    const selfManagedDb = scope.database && m.mongo.type === 'selfManaged';
    const stopsService = scope.config || !selfManagedDb || config.ServiceConfiguration.StopServiceForExternalDB;
    const run = deps.run ?? runProcess;

    // The run context the shared steps (services) work with.
    const stamp = fileStamp(startedAt);
    const tempConfigured = config.BackupConfiguration.TempDirectory;
    const extractConfigured = joinConfigured(tempConfigured, `AlteryxRestore_${stamp}`);
    const preConfigured = joinConfigured(tempConfigured, `PreRestore_${stamp}`);
    const tempLocal = p.paths.resolve(tempConfigured);
    const nodes = p.nodes;
    const steps = buildRestorePlan({ scope, multiNode: nodes.length > 1, extractFolder: extractConfigured, preRestoreFolder: preConfigured, selfManaged: selfManagedDb, stopsService });
    const journalHead = { pid: process.pid, startedAt: startedAt.toISOString(), mode: `Restore ${restoreMode}`, logPath: log.logPath };
    ctx = newRunContext({
      mode: restoreMode,
      config,
      plan: { mode: restoreMode, scopes: MODE_SCOPES[restoreMode], stopsService, steps },
      platform: p,
      log,
      clock,
      signal,
      progress: deps.progress,
      startedAt,
      stamp,
      req,
      staging: extractConfigured,
      journal: { dir: tempLocal, mode: journalHead.mode },
      stepDurations,
      warnings,
    });
    const controller = ctx.controller;
    const c = ctx;
    log.info(`Plan: ${steps.map((s) => s.name).join(' -> ')}`);
    deps.plan?.(steps);

    const { map: nodeMap, notes } = mapNodes(m.nodes, nodes);
    for (const n of notes) warn(n);
    const multiArchive = m.nodes.length > 1;
    const paths = nodePaths(c);

    // What goes where: config files per node.
    interface Placement {
      file: ManifestFile;
      node: NodeRef;
      rel: string;
      configured: string;
    }
    const placements: Placement[] = [];
    if (scope.config) {
      for (const f of m.files) {
        let rel = f.path;
        let archNode = m.nodes[0]?.name ?? '';
        if (multiArchive) {
          const mm = /^nodes\/([^/]+)\/(.+)$/.exec(f.path);
          if (!mm) continue;
          archNode = mm[1]!;
          rel = mm[2]!;
        }
        if (!rel.startsWith('Config/')) continue;
        const node = nodeMap.get(archNode) ?? [...nodeMap.entries()].find(([k]) => k.toLowerCase() === archNode.toLowerCase())?.[1];
        if (!node) throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} belongs to node ${archNode}, which is not in the manifest's node list.`);
        const target = configTarget(rel, paths, f.source);
        if (target === 'skip') continue;
        if (target === undefined) {
          warn(`The archive entry ${f.path} is not a file this tool restores; left out`);
          continue;
        }
        placements.push({ file: f, node, rel, configured: target });
      }
      if (!placements.some((x) => x.rel === 'Config/RuntimeSettings.xml')) {
        throw new BackupError(ExitCode.Validation, 'The archive holds no RuntimeSettings.xml to restore.', 'Use a Full or ConfigOnly archive made by this tool.');
      }
    }
    const wanted = (f: ManifestFile) =>
      placements.some((x) => x.file.path === f.path) || (scope.secrets && f.path === 'Secrets/ControllerToken.txt') || (scope.database && f.path.startsWith('MongoDB/'));
    const extractBytes = m.files.filter(wanted).reduce((n, f) => n + f.size, 0);
    const dumpBytes = m.files.filter((f) => f.path.startsWith('MongoDB/')).reduce((n, f) => n + f.size, 0);

    // 2. Pre-flight: nothing changed yet when it throws.
    let dbRootConfigured: string | undefined;
    await step('preflight', async () => {
      if (!(await p.system.isElevated())) {
        throw new BackupError(ExitCode.Validation, 'The restore must run as Administrator.', 'Start PowerShell with "Run as administrator".');
      }
      check('administrator', true, 'running elevated');
      for (const node of nodes) {
        if (!node.local && !(await p.system.reachable(node))) {
          throw new BackupError(ExitCode.Validation, `Node ${node.name} (${node.role}) cannot be reached.`, 'Check that the host is up and that remote service control is allowed from this machine.');
        }
        const state = await p.services.getState(node);
        if (state === 'NotFound') {
          throw new BackupError(ExitCode.Validation, `The service ${config.ServerConfiguration.ServiceName} does not exist on ${node.name}.`, 'Install Alteryx Server (the same version as the backup) before restoring.');
        }
        check(`service on ${node.name}`, true, `${config.ServerConfiguration.ServiceName} (${node.role}): ${state}`);
        c.settings.set(node.name, await readNodeSettings(c, node));
      }
      const exeLocal = p.paths.resolve(paths.exe, controller);
      if (!(await exists(exeLocal))) {
        throw new BackupError(ExitCode.Validation, `AlteryxService.exe was not found at ${paths.exe}.`, 'Set ServerConfiguration.AlteryxServicePath to the install location.');
      }
      // Version: the same release is what Alteryx supports; a difference is a loud warning.
      const ver = await p.alteryx.run(controller, paths.exe, 'getversion');
      targetVersion = ver.exitCode === 0 ? ver.stdout.trim().split(/\r?\n/).pop()?.trim() || null : null;
      const archiveVersion = m.serverVersion;
      if (!targetVersion || !archiveVersion) {
        warn(`Server version: cannot compare (archive ${archiveVersion ?? 'unknown'}, this server ${targetVersion ?? 'unknown'})`);
        check('server version', true, `not compared (archive ${archiveVersion ?? 'unknown'}, server ${targetVersion ?? 'unknown'})`);
      } else if (targetVersion === archiveVersion) {
        check('server version', true, `${targetVersion} on both`);
      } else {
        const release = majorMinor(targetVersion) !== majorMinor(archiveVersion);
        warn(
          `VERSION MISMATCH: the archive was taken on Alteryx Server ${archiveVersion}, this server runs ${targetVersion}. ` +
            (release
              ? 'Alteryx supports restoring into the same release only: install the backup\'s version, restore, then upgrade.'
              : 'Same release, different build: usually fine; check the release notes.'),
        );
        check('server version', true, `archive ${archiveVersion}, server ${targetVersion} (mismatch, warned)`);
      }
      if (scope.database) {
        const decision = detectMongoType(config.MongoDBConfiguration.Type, c.settings.get(controller.name));
        c.mongo = decision;
        log.info(`MongoDB of this server: ${decision.type} (decided by ${decision.decidedBy}); the archive's: ${m.mongo.type}`);
        if (decision.type !== m.mongo.type) {
          throw new BackupError(
            ExitCode.MongoDB,
            decision.type === 'selfManaged'
              ? `This server uses a self-managed MongoDB (${decision.decidedBy}) and the archive holds an embedded-MongoDB dump (emongodump); moving between the two is a migration this tool does not do. Nothing was changed.`
              : `This server uses the embedded MongoDB (${decision.decidedBy}) and the archive holds a dump of a self-managed MongoDB (mongodump); moving between the two is a migration this tool does not do. Nothing was changed.`,
            'Restore onto a server with the same kind of MongoDB (set MongoDBConfiguration.Type if detection is wrong), or restore the files only with -RestoreMode ConfigOnly; see docs/restore.md.',
          );
        }
        if (decision.type === 'embedded') dbRootConfigured = c.settings.get(controller.name)?.value('Controller', 'EmbeddedMongoDBRootPath');
        if (decision.type === 'embedded' && !dbRootConfigured && !scope.config) {
          throw new BackupError(ExitCode.MongoDB, 'EmbeddedMongoDBRootPath is not set in RuntimeSettings.xml: the restore target is unknown.', 'Set it in Alteryx System Settings (or restore the configuration first).');
        }
      }
      // Free space: the extracted files in the temp folder; the restored database beside the current one.
      const tempProbe = await nearestExisting(tempLocal);
      const tempFree = await p.system.freeBytes(tempProbe);
      let preBytes = 0;
      for (const x of placements) preBytes += (await fsp.stat(p.paths.resolve(x.configured, x.node)).catch(() => undefined))?.size ?? 0;
      // Self-managed: the pre-restore dump of the current database goes to the temp folder too (about the archive's size).
      let tempNeeded = extractBytes + preBytes + (selfManagedDb ? dumpBytes : 0);
      let dbDetail = selfManagedDb ? ` (with ${formatBytes(dumpBytes)} for the pre-restore dump of the database)` : '';
      if (scope.database && dbRootConfigured) {
        const dbProbe = await nearestExisting(p.paths.resolve(dbRootConfigured, controller));
        const sameDrive = /^[A-Za-z]:/.test(dbRootConfigured) && dbRootConfigured[0]!.toUpperCase() === tempConfigured[0]?.toUpperCase();
        if (sameDrive) tempNeeded += dumpBytes;
        else {
          const dbFree = await p.system.freeBytes(dbProbe);
          dbDetail = `; ${formatBytes(dbFree)} free for the database, ${formatBytes(dumpBytes)} needed`;
          if (dbFree < dumpBytes) {
            throw new BackupError(ExitCode.Storage, `Not enough free space for the restored database beside ${dbRootConfigured}: ${formatBytes(dbFree)} free, ${formatBytes(dumpBytes)} needed.`, 'Free space on that drive.');
          }
        }
      }
      check('free space', tempFree >= tempNeeded, `${formatBytes(tempFree)} free in ${tempConfigured}, ${formatBytes(tempNeeded)} needed${dbDetail}`);
      if (tempFree < tempNeeded) {
        throw new BackupError(ExitCode.Storage, `Not enough free space in ${tempConfigured}: ${formatBytes(tempFree)} free, ${formatBytes(tempNeeded)} needed.`, 'Free space or set TempDirectory (-TempDirectory) to a larger drive.');
      }
    });

    // Self-managed: reachable, credentials accepted, mongodump and mongorestore there, before anything stops (REQ-2.2.6).
    let selfChecked: SelfManagedChecked | undefined;
    if (selfManagedDb) selfChecked = await step('mongo-check', () => checkSelfManagedRestore(c, run));

    if (req.dryRun) {
      for (const s of steps) log.info(`Would ${s.description.charAt(0).toLowerCase()}${s.description.slice(1)}`);
      for (const x of placements) log.info(`Would restore ${x.file.path} -> ${x.configured} on ${x.node.name}`);
      message = `Dry run of a ${restoreMode} restore of ${archivePath}: the archive verified and pre-flight passed; nothing was changed.`;
      return finish();
    }

    // 3. Lock (one backup or restore at a time), then extract while the service still runs.
    await fsp.mkdir(tempLocal, { recursive: true });
    const lock = acquireLock(tempLocal, journalHead);
    release = lock.release;
    const leftover = JournalFile.read(tempLocal);
    if (leftover && leftover.pid !== process.pid) {
      const rep = await recoverFromJournal(p, leftover, log, tempLocal, config.ServiceConfiguration.MaxServiceWaitSeconds * 1000);
      warn(`The previous run (pid ${leftover.pid}, ${leftover.mode}, started ${leftover.startedAt}) was interrupted; ${rep.restore ? 'what its restore changed and its services were' : 'its services were'} put back before this restore${rep.complete ? '' : ` (not completely: ${rep.summary})`}.`);
      for (const mm of rep.restore?.manual ?? []) warn(`The interrupted restore left this to do by hand: ${mm}`);
      if (recoveryBlocks(rep)) {
        throw new BackupError(
          ExitCode.General,
          `The interrupted restore (run ${leftover.pid}) could not be rolled back completely: ${rep.restore!.failed.join('; ')}. Nothing was changed by this restore.`,
          `Fix the cause (see the log), then run "alteryx-backup recover"; the pre-restore copy is in ${rep.restore!.preRestorePath}.`,
        );
      }
    }
    extractLocal = c.staging.local;
    // The journal's restore section, before the extraction (the token in clear) and every change: a killed
    // restore is rolled back by `recover` like a failed one (src/core/recover.ts). Never a secret in it.
    rj = {
      archivePath,
      restoreMode,
      preRestore: { configured: preConfigured, local: p.paths.resolve(preConfigured) },
      extraction: { configured: extractConfigured, local: extractLocal },
      phases: [],
      files: [],
      keys: [],
      tokenNodes: [],
      tokenBackup: scope.secrets ? await newestBackupBefore(c, stamp) : null,
    };
    journal(rj);
    const ex = await step('extract', () =>
      extractArchive(archivePath!, extractLocal!, m.files, wanted, {
        password: req.secrets['ArchivePassword'],
        // [hostile, issue 12] The controller token is read into memory, never written to the extraction folder.
        inMemory: (f) => f.path === 'Secrets/ControllerToken.txt',
        onFile: (d, t, n) => deps.progress({ activity: 'Extracting the archive', status: n, percent: Math.round((d / t) * 100) }),
      }),
    );
    log.info(`Extracted ${ex.files.length} files (${formatBytes(ex.bytes)}) to ${extractConfigured}`);
    let token: string | undefined;
    if (scope.secrets) {
      token = decodeText(ex.memory.get('Secrets/ControllerToken.txt') ?? Buffer.alloc(0), 'Secrets/ControllerToken.txt in the archive').trim();
      log.masker.add(token);
      if (!token) throw new BackupError(ExitCode.Validation, 'Secrets/ControllerToken.txt in the archive is empty.', 'Use another backup.');
    }

    // 4. Stop, ordered.
    if (stopsService) {
      await step('workflows', () => waitForWorkflows(c));
      await step('stop-service', () => stopServices(c));
    } else log.info('The service stays running (self-managed MongoDB, database only, without -StopServiceForExternalDB).');

    // 5. Save what is about to change.
    preRestoreLocal = p.paths.resolve(preConfigured);
    await step('pre-restore', async () => {
      await fsp.mkdir(preRestoreLocal!, { recursive: true });
      const keyNodes = new Set<string>();
      for (const x of placements) {
        const prefix = multiArchive ? `nodes/${x.node.name}/` : '';
        if (x.rel.startsWith('Config/Keys/')) {
          if (keyNodes.has(x.node.name)) continue;
          keyNodes.add(x.node.name);
          const local = p.paths.resolve(paths.keys, x.node);
          const saved = join(preRestoreLocal!, ...`${prefix}Config/Keys`.split('/'));
          const existed = await exists(local);
          if (existed) await fsp.cp(local, saved, { recursive: true });
          rb.keys.push({ node: x.node, configured: paths.keys, local, existed, saved });
          log.info(`Saved ${paths.keys} on ${x.node.name} (${existed ? (await listFiles(local)).length : 0} files)`);
          continue;
        }
        const local = p.paths.resolve(x.configured, x.node);
        const existed = await exists(local);
        const rec: SavedFile = { node: x.node, configured: x.configured, local, existed };
        if (existed) {
          rec.saved = join(preRestoreLocal!, ...`${prefix}${x.rel}`.split('/'));
          await fsp.mkdir(dirname(rec.saved), { recursive: true });
          await fsp.copyFile(local, rec.saved);
          log.info(`Saved ${x.configured} on ${x.node.name}`);
        }
        rb.files.push(rec);
      }
      if (scope.secrets) {
        for (const node of nodes) {
          const r = await p.alteryx.run(node, paths.exe, 'getserversecret');
          const old = r.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
          log.masker.add(old);
          if (r.exitCode === 0 && old) rb.tokens.push({ node, token: old });
          else warn(`getserversecret on ${node.name} gave no token (exit code ${r.exitCode}): the current token cannot be put back if the restore fails`);
        }
        log.info('Current controller token(s) kept in memory for rollback (never written to disk)');
      }
      if (selfManagedDb && selfChecked) {
        // A database cannot be moved aside: it is dumped, and restored back with --drop if the restore fails.
        const dumpLocal = join(preRestoreLocal!, 'MongoDB');
        const dumpConfigured = joinConfigured(preConfigured, 'MongoDB');
        const d = await preRestoreDump(c, selfChecked.target, dumpLocal, run);
        const documents = totalDocuments(restoredDatabases(d.databases));
        rb.selfDb = { target: selfChecked.target, dumpLocal, dumpConfigured, documents, restoreStarted: false };
        log.info(`Pre-restore dump of the current MongoDB: ${dumpConfigured} (${formatBytes(d.sizeBytes)}, ${documents} documents in the Alteryx databases, ${formatDuration(d.durationMs)}); a failed restore is rolled back from it`);
      } else if (scope.database) {
        // The settings in effect once the files are back decide the data folder: read them after the files step.
        log.info('The MongoDB data folder is moved aside in the database step, once the restored settings are in place');
      }
      if ((await listFiles(preRestoreLocal!)).length === 0) {
        await fsp.rm(preRestoreLocal!, { recursive: true, force: true });
        preRestoreLocal = undefined;
      } else log.info(`Pre-restore copy of the files: ${preConfigured}`);
      // What was saved, and where: from here on every change is journaled before it is made.
      rj!.files = rb.files.map((f) => ({ node: f.node.name, configured: f.configured, local: f.local, existed: f.existed, saved: f.saved }));
      rj!.keys = rb.keys.map((k) => ({ node: k.node.name, configured: k.configured, local: k.local, existed: k.existed, saved: k.saved }));
      if (rb.selfDb) {
        const d = rb.selfDb;
        rj!.selfManaged = { dumpConfigured: d.dumpConfigured, dumpLocal: d.dumpLocal, documents: d.documents, uri: maskAll(d.target.uri, d.target.secrets), restoreStarted: false };
      }
      journal(rj);
    });

    // 6. Files, in the host-recovery order: RuntimeSettings.xml, Keys, SystemAlias/SystemConnections, alteryx.config.
    const order = (rel: string) => (rel === 'Config/RuntimeSettings.xml' ? 0 : rel.startsWith('Config/Keys/') ? 1 : rel.startsWith('Config/Engine/') ? 2 : 3);
    if (scope.config) {
      await step('files', async () => {
        changed = true;
        rj!.phases.push('files');
        journal(rj);
        for (const k of rb.keys) {
          await fsp.rm(k.local, { recursive: true, force: true });
          await fsp.mkdir(k.local, { recursive: true });
        }
        const sorted = [...placements].sort((a, b) => order(a.rel) - order(b.rel));
        for (const x of sorted) {
          const src = join(extractLocal!, ...x.file.path.split('/'));
          await copyFileAtomic(src, p.paths.resolve(x.configured, x.node));
          log.info(`Restored ${x.file.path} -> ${x.configured} on ${x.node.name}`);
        }
      });
    }

    // 7. The controller token, on the controller first.
    if (scope.secrets && token) {
      await step('server-secret', async () => {
        changed = true;
        const ordered = [...nodes].sort((a, b) => (a.role === 'controller' ? -1 : b.role === 'controller' ? 1 : 0));
        rj!.phases.push('server-secret');
        for (const node of ordered) {
          rb.tokensChanged.push(node);
          rj!.tokenNodes.push(node.name);
          journal(rj);
          const r = await p.alteryx.run(node, paths.exe, `setserversecret=${token}`);
          if (r.exitCode !== 0) {
            throw new BackupError(ExitCode.General, `AlteryxService.exe setserversecret failed on ${node.name} (exit code ${r.exitCode}): ${log.masker.mask((r.stderr || r.stdout).trim())}.`, 'Run the restore as Administrator.');
          }
          log.info(`Controller token set on ${node.name} with AlteryxService.exe setserversecret`);
        }
      });
    }

    // 8. MongoDB: emongorestore judged by mongoRestore.log (embedded), or mongorestore judged by its output (self-managed).
    if (scope.database) {
      await step('database', async () => {
        let v: RestoreLogVerdict;
        let expected = m.mongo.databases;
        const source = selfManagedDb ? 'mongorestore' : 'mongoRestore.log';
        if (selfManagedDb) {
          if (!selfChecked || !rb.selfDb) throw new BackupError(ExitCode.General, 'Internal error: the self-managed restore has no checked connection or pre-restore dump.');
          changed = true;
          rb.selfDb.restoreStarted = true;
          rj!.phases.push('database');
          rj!.selfManaged!.restoreStarted = true;
          journal(rj);
          expected = restoredDatabases(m.mongo.databases);
          const r = await runMongorestore(c, selfChecked.target, join(extractLocal!, 'MongoDB'), { gzip: m.mongo.gzip, what: "the archive's dump" }, run);
          v = r.verdict;
        } else {
          const settings = await readNodeSettings(c, controller);
          c.settings.set(controller.name, settings);
          const root = settings.value('Controller', 'EmbeddedMongoDBRootPath') ?? dbRootConfigured;
          if (!root) throw new BackupError(ExitCode.MongoDB, 'EmbeddedMongoDBRootPath is not set in RuntimeSettings.xml: the restore target is unknown.', 'Set it in Alteryx System Settings.');
          const local = p.paths.resolve(root, controller);
          const preConfiguredDb = `${root.replace(/[\\/]+$/, '')}.PreRestore_${stamp}`;
          const preLocal = p.paths.resolve(preConfiguredDb, controller);
          const existed = await exists(local);
          rb.db = { configured: root, local, preConfigured: preConfiguredDb, preLocal, existed, moved: false };
          changed = true;
          const jdb: NonNullable<RestoreJournal['database']> = { configured: root, local, preConfigured: preConfiguredDb, preLocal, existed, moved: false };
          rj!.phases.push('database');
          rj!.database = jdb;
          journal(rj);
          if (existed) {
            await fsp.rename(local, preLocal);
            rb.db.moved = true;
            jdb.moved = true;
            journal(rj);
            log.info(`Current MongoDB data folder moved aside: ${root} -> ${preConfiguredDb} (${formatBytes(await treeSize(preLocal))})`);
          }
          await fsp.mkdir(local, { recursive: true });
          const from = joinConfigured(extractConfigured, 'MongoDB');
          log.info(`Restoring MongoDB: AlteryxService.exe emongorestore=${from},${root}`);
          deps.progress({ activity: 'Restoring MongoDB', status: 'emongorestore', percent: -1 });
          // Its process id goes to the journal: it would outlive a killed restore, and recovery waits for it.
          const r = await p.alteryx.run(controller, paths.exe, `emongorestore=${from},${root}`, {
            onSpawn: (pid) => {
              jdb.toolPid = pid;
              journal(rj);
            },
          });
          jdb.toolPid = undefined;
          journal(rj);
          const output = `${r.stdout}\n${r.stderr}`;
          for (const line of output.split(/\r?\n/).filter((l) => l.trim())) log.debug(`emongorestore: ${line}`);
          const logFile = join(extractLocal!, 'MongoDB', 'mongoRestore.log');
          // UTF-8 or UTF-16 with BOM; a log in another encoding is reported, not misread (util/text).
          const text = await readTextFile(logFile).catch((err: unknown) => {
            if (err instanceof BackupError) log.error(err.full);
            return undefined;
          });
          v = judgeRestoreLog(text, r.exitCode);
          if (/EMongoRestore failed/i.test(output)) {
            v.ok = false;
            v.reasons.push('the output says "EMongoRestore failed"');
            v.summary = `FAILED (${v.reasons.join('; ')})`;
          }
        }
        verdict = v;
        v.problemLines.forEach((line, i) => log.log(i < 5 ? 'ERROR' : 'DEBUG', `${source}: ${line}`));
        check('restore log', v.ok, v.summary);
        counts = compareCounts(expected, v.collections, undefined);
        const expectedTotal = totalDocuments(expected);
        const badRows = counts.filter((x) => !x.ok);
        const countsOk = v.ok && badRows.length === 0 && v.restored === expectedTotal;
        check(
          'document counts',
          countsOk,
          badRows.length
            ? `${badRows.length} collection(s) differ from the manifest: ${badRows.slice(0, 5).map((x) => `${x.database}.${x.collection} manifest ${x.expected ?? '-'}, restored ${x.restored ?? '-'}`).join('; ')}`
            : `${v.restored ?? 0} restored of ${expectedTotal} in the manifest, ${counts.length} collections`,
        );
        const putBack = selfManagedDb
          ? 'The previous database is restored from the pre-restore dump (mongorestore --drop) and the previous files are put back; the mongorestore output is in the DEBUG lines of the log.'
          : 'The previous database and files are put back; see mongoRestore.log lines in the log (DEBUG) and the Alteryx service log.';
        if (!v.ok) throw new BackupError(ExitCode.MongoDB, `The MongoDB restore failed: ${v.reasons.join('; ')}.`, putBack);
        if (!countsOk) throw new BackupError(ExitCode.MongoDB, `The MongoDB restore did not restore what the manifest lists (${v.restored} of ${expectedTotal} documents).`, putBack);
        log.info(`MongoDB restored: ${v.restored} documents in ${counts.length} collections`);
      });
    }

    // 9. Start, as found, controller first; then check.
    await step('start-service', () => restoreServices(c));
    await step('check', async () => {
      let bad = 0;
      for (const x of placements) {
        const local = p.paths.resolve(x.configured, x.node);
        const got = await sha256File(local).catch(() => '');
        const ok = got === x.file.sha256;
        if (!ok) bad++;
        restoredFiles.push({ path: x.file.path, node: x.node.name, target: x.configured, ok });
      }
      if (placements.length) check('restored files', bad === 0, bad ? `${bad} of ${placements.length} restored files differ from the manifest` : `${placements.length} files match their manifest SHA-256`);
      for (const rec of c.services) {
        const state = await p.services.getState(rec.node);
        if (rec.prior === 'Running') check(`service ${rec.node.name} running`, state === 'Running', `state ${state}`);
        else warn(`AlteryxService on ${rec.node.name} was ${rec.prior} before the restore and is left ${state}: start it to check the restored server`);
      }
      if (checks.some((x) => !x.ok)) throw new BackupError(ExitCode.Validation, `The restored server failed its checks: ${checks.filter((x) => !x.ok).map((x) => `${x.name} (${x.detail})`).join('; ')}.`);
    });
    // Done: nothing for a recovery to undo.
    rj = undefined;
    journal(undefined);
    const kept = [rb.files.some((f) => f.saved) || rb.keys.some((k) => k.existed) ? 'the previous files' : '', rb.selfDb ? 'a dump of the previous database' : ''].filter(Boolean).join(' and ');
    message = `${restoreMode} restore of ${archivePath} completed${preRestoreLocal && kept ? `; ${kept} ${kept.startsWith('a dump') ? 'is' : 'are'} in ${preConfigured}` : ''}${rb.db?.moved ? ` and the previous database in ${rb.db.preConfigured}` : ''}.`;
  } catch (err) {
    exitCode = signal.aborted ? ExitCode.General : exitCodeOf(err);
    message = signal.aborted ? `The restore was interrupted (${String(signal.reason ?? 'signal')}).` : describeError(err);
    log.error(message);
    if (!(err instanceof BackupError) && err instanceof Error && err.stack) log.debug(err.stack);
  } finally {
    if (ctx && platform) {
      if (exitCode !== ExitCode.Success && changed) {
        log.setStep('rollback');
        log.warn('Rolling back: putting back the files, the token and the database as they were before the restore');
        rolledBack = true;
        let complete = true;
        await rollback(ctx, rb, rollbackDone).catch((err) => {
          complete = false;
          const mm = `Rollback incomplete: ${describeError(err)}`;
          log.error(mm);
          message = `${message} ${mm}`;
        });
        if (rj && !complete) {
          // What is still not back stays in the journal for `recover`; a token put back here is no longer to do by hand.
          if (rb.tokensChanged.every((n) => rollbackDone.includes(`controller token put back on ${n.name}`))) rj.phases = rj.phases.filter((x) => x !== 'server-secret');
          journal(rj);
          message = `${message} What is not back is in the journal ${ctx.journal.file}: run "alteryx-backup recover" once the cause is fixed.`;
        } else if (rj) {
          rj = undefined;
          journal(undefined);
        }
      } else if (rj) {
        rj = undefined;
        journal(undefined);
      }
      if (ctx.services.some((s) => s.stoppedByUs && !s.restarted)) {
        log.warn('Starting the services this run stopped');
        try {
          await restoreServices({ ...ctx, signal: new AbortController().signal });
        } catch (err) {
          const mm = `Could not start every service: ${describeError(err)}`;
          log.error(mm);
          if (exitCode === ExitCode.Success) exitCode = exitCodeOf(err);
          message = message ? `${message} ${mm}` : mm;
        }
      }
      for (const rec of ctx.services) {
        const state = await platform.services.getState(rec.node).catch(() => 'unknown');
        finalStates.push({ node: rec.node.name, role: rec.node.role, state });
      }
      if (extractLocal) {
        await fsp.rm(extractLocal, { recursive: true, force: true }).catch(() => {});
        log.info('Extraction folder removed (it held the controller token in clear)');
      }
    }
    release?.();
    await platform?.dispose().catch(() => {});
  }
  return finish();

  async function rollback(c: RunContext, r: Rollback, done: string[]): Promise<void> {
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
        done.push(what);
        c.log.info(`Rollback: ${what}`);
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
      }
    };
    if (r.db) {
      const d = r.db;
      await attempt(d.moved ? `database folder ${d.configured} put back` : `restored database folder ${d.configured} removed`, async () => {
        await fsp.rm(d.local, { recursive: true, force: true });
        if (d.moved) await fsp.rename(d.preLocal, d.local);
      });
    }
    if (r.selfDb?.restoreStarted) {
      const d = r.selfDb;
      await attempt(`database restored from the pre-restore dump ${d.dumpConfigured} (mongorestore --drop)`, async () => {
        const { verdict: v } = await runMongorestore(c, d.target, d.dumpLocal, { gzip: true, what: 'rollback from the pre-restore dump' }, deps.run ?? runProcess);
        // An empty database before the restore: "0 document(s) restored" is then the right answer.
        const empty = d.documents === 0 && v.exitCode === 0 && v.failed === 0 && v.problemLines.length === 0 && v.restored === 0;
        if (!v.ok && !empty) throw new Error(`mongorestore of the pre-restore dump: ${v.summary}; the dump is kept in ${d.dumpConfigured}`);
        if (v.ok && v.restored !== d.documents) throw new Error(`mongorestore of the pre-restore dump restored ${v.restored} of its ${d.documents} documents; the dump is kept in ${d.dumpConfigured}`);
      });
    }
    const paths = nodePaths(c);
    for (const t of [...r.tokens].filter((x) => r.tokensChanged.some((n) => n.name === x.node.name))) {
      await attempt(`controller token put back on ${t.node.name}`, async () => {
        const res = await c.platform.alteryx.run(t.node, paths.exe, `setserversecret=${t.token}`);
        if (res.exitCode !== 0) throw new Error(`setserversecret exit code ${res.exitCode}`);
      });
    }
    for (const k of r.keys) {
      await attempt(`${k.configured} on ${k.node.name} put back`, async () => {
        await fsp.rm(k.local, { recursive: true, force: true });
        if (k.existed) await fsp.cp(k.saved, k.local, { recursive: true });
      });
    }
    for (const f of r.files) {
      await attempt(`${f.configured} on ${f.node.name} ${f.existed ? 'put back' : 'removed (it did not exist before)'}`, async () => {
        if (f.existed && f.saved) await copyFileAtomic(f.saved, f.local);
        else await fsp.rm(f.local, { force: true });
      });
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  function finish(): RestoreResult {
    const durationMs = clock.now() - t0;
    return {
      ...closeRun(log, { command: 'restore', partsLabel: 'Restore steps', parts: stepDurations, exitCode, message, durationMs, archivePath, manifest, dryRun: req.dryRun }),
      restoreMode,
      warnings,
      checks,
      badEntries,
      restoreLog: verdict,
      counts,
      restoredFiles,
      preRestorePath: preRestoreLocal && existsSync(preRestoreLocal) ? preRestoreLocal : null,
      preRestoreDatabasePath: rb.db?.moved && !rolledBack ? rb.db.preLocal : rb.selfDb && existsSync(rb.selfDb.dumpLocal) ? rb.selfDb.dumpLocal : null,
      rolledBack,
      rollback: rollbackDone,
      services: finalStates,
      stepDurationsMs: stepDurations,
      serverVersion: { archive: manifest?.serverVersion ?? null, target: targetVersion },
    };
  }
}
