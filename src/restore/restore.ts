import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readManifest } from '../archive/manifest-reader.ts';
import { ArchiveRefused, type Check, type VerifyResult } from '../archive/verify.ts';
import { loadConfig, validateMode, type Params } from '../config/load.ts';
import type { BackupMode } from '../config/schema.ts';
import { realClock, joinConfigured, newRunContext, warn, type RunContext, type RunDeps, type RunRequest } from '../core/context.ts';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import type { Manifest } from '../core/manifest.ts';
import { nodePaths } from '../core/paths.ts';
import { MODE_SCOPES } from '../core/plan.ts';
import { runPlan, type RunOutcome, type StepTable } from '../core/runner.ts';
import { RunLogger, fileStamp } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import type { RunFn } from '../mongo/dump.ts';
import { runProcess } from '../util/exec.ts';
import type { RestoredFile, RestoreRun } from './context.ts';
import { placeFiles } from './placement.ts';
import { buildRestorePlan, restoreScope, type RestoreScope, type RestoreStep } from './plan.ts';
import { recoverLeftover } from './recover.ts';
import type { CountRow, RestoreLogVerdict } from './restore-log.ts';
import { closeRun } from './result.ts';
import { restoreRollback, type RestoreRollback } from './rollback.ts';
import { RESTORE_STEPS } from './steps.ts';

export type { RestoredFile } from './context.ts';
export { mapNodes, configTarget } from './placement.ts';

/** params: Path (archive), SandboxPath, ConfigPath, RestoreMode, TempDirectory, LogDirectory, MaxServiceWait, ... */
export type RestoreRequest = RunRequest;

export interface RestoreDeps extends RunDeps {
  /** A drill passes its own logger: one log file for the whole drill. */
  logger?: RunLogger;
  /** A drill has verified the archive already: its result is used instead of a second pass. */
  verified?: VerifyResult;
  /** Runs mongodump / mongorestore (self-managed MongoDB); runProcess unless a test wraps it to see the arguments. */
  run?: RunFn;
  /** The step table (RESTORE_STEPS unless a test wraps it to watch or change what runs). */
  steps?: StepTable<RestoreRun, RestoreStep>;
  /** The plan as built, before it runs (a test may return a changed one: the runner runs what it is given). */
  editPlan?: (steps: RestoreStep[]) => RestoreStep[];
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

/** What a restore has become so far: what the result is built from. */
interface RestoreState {
  req: RestoreRequest;
  log: RunLogger;
  t0: number;
  clock: NonNullable<RunDeps['clock']>;
  o: RestoreRollback;
  archivePath: string | null;
  platform?: Platform | undefined;
  run?: RestoreRun | undefined;
  outcome?: RunOutcome | undefined;
  stepDurations: Record<string, number>;
  warnings: string[];
}

/**
 * One restore run (docs/restore.md): the plan is built from the archive's manifest (placement.ts,
 * plan.ts), then the runner (core/runner.ts) executes it: verify, pre-flight, extract, stop (ordered), save
 * what is about to be overwritten, put back the files, the controller token and the database in the
 * host-recovery order, judge the restore log, start, check. Any failure after the first change rolls back
 * (rollback.ts): files, token and database back, services back as found. Returns the result; never throws.
 */
export async function runRestore(req: RestoreRequest, deps: RestoreDeps): Promise<RestoreResult> {
  const clock = deps.clock ?? realClock;
  const startedAt = deps.now ? deps.now() : new Date();
  const log = deps.logger ?? new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  const signal = deps.signal ?? new AbortController().signal;
  const st: RestoreState = {
    req,
    log,
    t0: clock.now(),
    clock,
    o: { exitCode: ExitCode.Success, message: '', rolledBack: false, done: [], services: [] },
    archivePath: null,
    stepDurations: {},
    warnings: [],
  };
  try {
    const r = await prepare(st, req, deps, { clock, signal, startedAt });
    const planned = buildRestorePlan({
      archivePath: r.archivePath,
      scope: r.scope,
      nodes: r.c.nodes,
      serviceName: r.c.config.ServerConfiguration.ServiceName,
      extractFolder: r.folders.extract.configured,
      preRestoreFolder: r.folders.pre.configured,
      placements: r.placements,
      selfManaged: r.selfManagedDb,
      stopsService: r.stopsService,
    });
    // A plan that cannot go past verify (see prepare): the archive is verified first, then the reason raised.
    const all = r.planError ? planned.filter((s) => s.name === 'verify') : planned;
    const steps = deps.editPlan ? deps.editPlan(all) : all;
    if (!r.stopsService) log.info('The service stays running (self-managed MongoDB, database only, without -StopServiceForExternalDB).');
    const tempLocal = r.folders.temp.local;
    st.outcome = await runPlan({ steps }, deps.steps ?? RESTORE_STEPS, r, {
      log,
      clock,
      signal,
      progress: deps.progress,
      dryRun: req.dryRun,
      stepDurations: st.stepDurations,
      onPlan: (s) => deps.plan?.([...s]),
      lock: {
        dir: tempLocal,
        head: { pid: process.pid, startedAt: startedAt.toISOString(), mode: `Restore ${r.restoreMode}`, logPath: log.logPath },
        recover: (found) =>
          recoverLeftover(
            {
              platform: r.c.platform,
              log,
              dir: tempLocal,
              maxWaitMs: r.c.config.ServiceConfiguration.MaxServiceWaitSeconds * 1000,
              warn: (m) => warn(r.c, m),
              what: 'restore',
              interrupted: deps.interrupted,
            },
            found,
          ),
      },
      onError: (err) => failed(st, err, signal),
      rollback: () => restoreRollback(r, st.o),
    });
    if (!st.outcome.error) succeeded(st, r);
  } catch (err) {
    failed(st, err, signal);
  } finally {
    await st.platform?.dispose().catch(() => {});
  }
  return finish(st);
}

function failed(st: RestoreState, err: unknown, signal: AbortSignal): void {
  const { o, log } = st;
  o.exitCode = signal.aborted ? ExitCode.General : exitCodeOf(err);
  o.message = signal.aborted ? `The restore was interrupted (${String(signal.reason ?? 'signal')}).` : describeError(err);
  log.error(o.message);
  if (!(err instanceof BackupError) && err instanceof Error && err.stack) log.debug(err.stack);
}

function succeeded(st: RestoreState, r: RestoreRun): void {
  if (st.req.dryRun) {
    for (const x of r.placements) st.log.info(`Would restore ${x.file.path} -> ${x.configured} on ${x.node.name}`);
    st.o.message = `Dry run of a ${r.restoreMode} restore of ${r.archivePath}: the archive verified and pre-flight passed; nothing was changed.`;
    return;
  }
  const rb = r.rb;
  const kept = [rb.files.some((f) => f.saved) || rb.keys.some((k) => k.existed) ? 'the previous files' : '', rb.selfDb ? 'a dump of the previous database' : '']
    .filter(Boolean)
    .join(' and ');
  st.o.message = `${r.restoreMode} restore of ${r.archivePath} completed${r.preRestoreLocal && kept ? `; ${kept} ${kept.startsWith('a dump') ? 'is' : 'are'} in ${r.folders.pre.configured}` : ''}${rb.db?.moved ? ` and the previous database in ${rb.db.preConfigured}` : ''}.`;
}

/** The archive, the configuration, the platform and the log; the manifest, the scope and the placements. */
async function prepare(
  st: RestoreState,
  req: RestoreRequest,
  deps: RestoreDeps,
  t: { clock: NonNullable<RunDeps['clock']>; signal: AbortSignal; startedAt: Date },
): Promise<RestoreRun> {
  const { log } = st;
  const rawPath = req.params['Path'];
  if (typeof rawPath !== 'string' || !rawPath) throw new BackupError(ExitCode.Validation, 'restore needs the archive: alteryx-backup restore ARCHIVE (-Path).');
  const archivePath = resolve(rawPath);
  st.archivePath = archivePath;
  const params: Params = { ...req.params };
  delete params['BackupMode'];
  const requested = req.params['RestoreMode'] ?? undefined;
  const requestedMode = requested === undefined || requested === null ? undefined : validateMode(requested, '-RestoreMode');
  const loaded = loadConfig(params);
  const config = loaded.config;
  const platform = deps.platform(req.params, config);
  st.platform = platform;
  if (!deps.logger) log.attachFiles(platform.paths.resolve(config.BackupConfiguration.LogDirectory), 'Restore', t.startedAt);
  log.info(`AlteryxBackup restore started${req.dryRun ? ' (dry run: nothing will be changed)' : ''}: ${archivePath} onto ${platform.description}`);
  log.info(
    `Configuration: ${loaded.source ?? 'built-in defaults'}${loaded.overridden.length ? `; overridden by parameters: ${loaded.overridden.join(', ')}` : ''}`,
  );
  // Read under the archive reader's limits (issue 12). A refused archive is planned from no manifest: its verify
  // step, then the only step, reports every check and refuses it (exit 3) before anything is written.
  const read =
    deps.verified?.manifest ??
    (await readManifest(archivePath, req.secrets['ArchivePassword'], config.RestoreConfiguration.MaxArchiveEntries).catch((err: unknown) => {
      if (!(err instanceof ArchiveRefused)) throw err;
      log.info(`The manifest was not read: ${err.message}`);
      return undefined;
    }));
  const plan = planFrom(read, requestedMode, config.ServiceConfiguration.StopServiceForExternalDB);
  const stamp = fileStamp(t.startedAt);
  const temp = config.BackupConfiguration.TempDirectory;
  const extract = joinConfigured(temp, `AlteryxRestore_${stamp}`);
  const pre = joinConfigured(temp, `PreRestore_${stamp}`);
  const c: RunContext = newRunContext({
    mode: plan.restoreMode,
    config,
    plan: { mode: plan.restoreMode, scopes: MODE_SCOPES[plan.restoreMode], stopsService: plan.stopsService },
    platform,
    log,
    clock: t.clock,
    signal: t.signal,
    progress: deps.progress,
    startedAt: t.startedAt,
    stamp,
    req,
    staging: extract,
    journal: { dir: platform.paths.resolve(temp), mode: `Restore ${plan.restoreMode}` },
    stepDurations: st.stepDurations,
    warnings: st.warnings,
  });
  const r: RestoreRun = {
    c,
    archivePath,
    manifest: plan.manifest,
    scope: plan.scope,
    restoreMode: plan.restoreMode,
    selfManagedDb: plan.selfManagedDb,
    stopsService: plan.stopsService,
    placements: [],
    paths: nodePaths(c),
    folders: {
      temp: { configured: temp, local: platform.paths.resolve(temp) },
      extract: { configured: extract, local: c.staging.local },
      pre: { configured: pre, local: platform.paths.resolve(pre) },
    },
    secrets: req.secrets,
    params: req.params,
    run: deps.run ?? runProcess,
    verified: deps.verified,
    checks: [],
    badEntries: [],
    rb: { files: [], keys: [], tokens: [], tokensChanged: [] },
    rj: undefined,
    changed: false,
    extracted: false,
    planError: plan.error,
  };
  if (!plan.error) {
    const m = plan.manifest;
    log.info(
      `Archive: mode ${m.mode}, taken ${m.createdAt} on ${m.hostName} (Alteryx Server ${m.serverVersion ?? 'unknown'}), ${m.files.length} files; restoring: ${[plan.scope.config && 'configuration files', plan.scope.secrets && 'controller token', plan.scope.database && 'MongoDB'].filter(Boolean).join(', ')}`,
    );
    try {
      const placed = placeFiles(m, c.nodes, r.paths, plan.scope);
      r.placements = placed.placements;
      for (const n of placed.notes) warn(c, n);
    } catch (err) {
      r.planError = err;
    }
  }
  st.run = r;
  return r;
}

const EMPTY_MANIFEST = { mode: 'Full', files: [], nodes: [], mongo: { type: 'embedded', dumped: false, gzip: false, databases: {} } } as unknown as Manifest;

/** What the manifest says the restore does: scope, mode, MongoDB kind, service stop; or why it cannot. */
function planFrom(
  m: Manifest | undefined,
  requestedMode: BackupMode | undefined,
  stopForExternal: boolean,
): { manifest: Manifest; scope: RestoreScope; restoreMode: BackupMode; selfManagedDb: boolean; stopsService: boolean; error?: unknown } {
  const none: RestoreScope = { database: false, config: false, secrets: false };
  // Unreadable: the verify step reports why (not a ZIP, no manifest, wrong password).
  if (!m)
    return {
      manifest: EMPTY_MANIFEST,
      scope: none,
      restoreMode: requestedMode ?? 'Full',
      selfManagedDb: false,
      stopsService: true,
      error: new BackupError(ExitCode.Validation, "The archive's manifest cannot be read."),
    };
  const hasToken = m.files.some((f) => f.path === 'Secrets/ControllerToken.txt');
  const scopeOrError = restoreScope({ mode: m.mode, dumped: m.mongo.dumped, hasToken }, requestedMode);
  if (typeof scopeOrError === 'string') {
    return {
      manifest: m,
      scope: none,
      restoreMode: requestedMode ?? m.mode,
      selfManagedDb: false,
      stopsService: true,
      error: new BackupError(ExitCode.Validation, `Cannot restore: ${scopeOrError}.`, 'Choose a -RestoreMode the archive holds.'),
    };
  }
  // Self-managed: mongorestore into the external MongoDB; the service is stopped for the files and token
  // (they take effect at the next start), and for the database only with StopServiceForExternalDB.
  const selfManagedDb = scopeOrError.database && m.mongo.type === 'selfManaged';
  const stopsService = scopeOrError.config || !selfManagedDb || stopForExternal;
  return { manifest: m, scope: scopeOrError, restoreMode: requestedMode ?? m.mode, selfManagedDb, stopsService };
}

function finish(st: RestoreState): RestoreResult {
  const { log, o, run: r } = st;
  const durationMs = st.clock.now() - st.t0;
  const manifest = r?.verifiedManifest;
  const rb = r?.rb;
  return {
    ...closeRun(log, {
      command: 'restore',
      partsLabel: 'Restore steps',
      parts: st.stepDurations,
      exitCode: o.exitCode,
      message: o.message,
      durationMs,
      archivePath: st.archivePath,
      manifest,
      dryRun: st.req.dryRun,
    }),
    // Known once the archive verified and holds what is asked (a valid scope restores files or a database).
    restoreMode: manifest && r && (r.scope.config || r.scope.database) ? r.restoreMode : null,
    warnings: st.warnings,
    checks: r?.checks ?? [],
    badEntries: r?.badEntries ?? [],
    restoreLog: r?.dbOutcome?.verdict ?? null,
    counts: r?.dbOutcome?.counts ?? [],
    restoredFiles: r?.restoredFiles ?? [],
    preRestorePath: r?.preRestoreLocal && existsSync(r.preRestoreLocal) ? r.preRestoreLocal : null,
    preRestoreDatabasePath: rb?.db?.moved && !o.rolledBack ? rb.db.preLocal : rb?.selfDb && existsSync(rb.selfDb.dumpLocal) ? rb.selfDb.dumpLocal : null,
    rolledBack: o.rolledBack,
    rollback: o.done,
    services: o.services,
    stepDurationsMs: st.stepDurations,
    serverVersion: { archive: manifest?.serverVersion ?? null, target: r?.targetVersion ?? null },
  };
}
