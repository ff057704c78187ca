import { existsSync, promises as fsp } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { loadConfig } from '../config/load.ts';
import type { BackupConfig, BackupMode } from '../config/schema.ts';
import { RunLogger, fileStamp } from '../log/logger.ts';
import type { NodeRef, Platform } from '../platform/ports.ts';
import { restoreServices } from '../steps/services.ts';
import type { DestinationOutcome } from '../steps/destinations.ts';
import { notifyRun, smtpPassword } from '../alerts/index.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { realClock, newRunContext, warn, type RunContext, type RunDeps, type RunRequest } from '../core/context.ts';
import { BackupError, ExitCode, describeError, exitCodeNames, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { joinConfigured, nodePaths } from '../core/paths.ts';
import { buildPlan, freeStamp, type Plan } from '../core/plan.ts';
import { runPlan, type RunOutcome, type StepTable } from '../core/runner.ts';
import { detectedMongo, detectPersistence, scopeLimits, type ScopeLimits } from '../core/persistence.ts';
import { EffectiveSettings, readRuntimeSettings } from '../core/settings.ts';
import { cleanupFailedStaging, sweepStaleWorkFolders } from '../core/cleanup.ts';
import { resolveTopology } from '../core/topology.ts';
import { recoverLeftover } from '../restore/recover.ts';
import { drillAfterBackup } from './drill-after.ts';
import { BACKUP_STEPS, destinationsOf, dumpOf, type ArchiveOutput, type MetadataOutput } from './steps.ts';
import type { DumpOutput } from '../steps/dump.ts';
import type { StagedFile } from '../core/context.ts';

export type BackupRequest = RunRequest;
export interface BackupDeps extends RunDeps {
  /** The step table (BACKUP_STEPS unless a test wraps it to watch or change what runs). */
  steps?: StepTable<RunContext, Plan['steps'][number]>;
  /** The plan as built, before it runs (a test may return a changed one: the runner runs what it is given). */
  editPlan?: (plan: Plan) => Plan;
}

export interface BackupResult {
  type: 'result';
  exitCode: ExitCodeValue;
  success: boolean;
  mode: BackupMode | null;
  message: string;
  archivePath: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  durationMs: number;
  logPath: string | null;
  destinations: DestinationOutcome[];
  warnings: string[];
  dryRun: boolean;
  stagingPath: string | null;
  summary: Record<string, unknown>;
}

async function readSettings(ctx: RunContext, node: NodeRef): Promise<void> {
  const p = nodePaths(ctx);
  // Missing: undefined; unreadable or malformed: exit 3 naming the file (REQ-2.2.4).
  const read = (configured: string) => readRuntimeSettings(ctx.platform.paths.resolve(configured, node), configured);
  ctx.settings.set(node.name, new EffectiveSettings(await read(p.overrides), await read(p.defaults)));
}

/** What one backup run has become so far: what the result is built from. */
interface BackupState {
  req: BackupRequest;
  log: RunLogger;
  t0: number;
  clock: NonNullable<RunDeps['clock']>;
  exitCode: ExitCodeValue;
  message: string;
  mode: BackupMode | null;
  ctx?: RunContext | undefined;
  outcome?: RunOutcome | undefined;
  platform?: Platform | undefined;
  config?: BackupConfig | undefined;
  finishedLogged: boolean;
  /** realworld (issue 13): the staging folder exists after a failed run (kept on request, KeepStagingOnFailure, or not removable). */
  stagingKept: boolean;
  /** realworld (issue 13): what this node's role and persistence leave out of the mode's scopes. */
  limits?: ScopeLimits | undefined;
}

/**
 * One backup run: configuration, plan, then the runner (core/runner.ts) executes the plan's steps with
 * lock, leftover-journal recovery, timing and the rollback that puts every service back the way it was
 * found. Returns the result event; never throws.
 */
export async function runBackup(req: BackupRequest, deps: BackupDeps): Promise<BackupResult> {
  const clock = deps.clock ?? realClock;
  const startedAt = deps.now ? deps.now() : new Date();
  const log = new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  log.masker.add(smtpPassword(req.secrets));
  const signal = deps.signal ?? new AbortController().signal;
  const st: BackupState = { req, log, t0: clock.now(), clock, exitCode: ExitCode.Success, message: '', mode: null, finishedLogged: false, stagingKept: false };
  try {
    const ctx = await prepare(st, req, deps, { clock, signal, startedAt });
    const built = buildBackupPlan(ctx, st.limits);
    const plan = deps.editPlan ? deps.editPlan(built) : built;
    ctx.plan = plan;
    for (const w of st.limits?.warnings ?? []) warn(ctx, w);
    if (plan.scopes.includes('Database')) log.info(`MongoDB: ${ctx.mongo.type} (decided by ${ctx.mongo.decidedBy})`);
    st.outcome = await runPlan(plan, deps.steps ?? BACKUP_STEPS, ctx, {
      log,
      clock,
      signal,
      progress: deps.progress,
      dryRun: req.dryRun,
      stepDurations: ctx.stepDurations,
      onPlan: (steps) => deps.plan?.([...steps]),
      onStepDone: (step) => step.name === 'start-service' && logDowntime(ctx),
      lock: {
        dir: ctx.platform.paths.resolve(ctx.config.BackupConfiguration.TempDirectory),
        head: { pid: process.pid, startedAt: startedAt.toISOString(), mode: ctx.mode, logPath: log.logPath },
        recover: (found) =>
          recoverLeftover(
            {
              platform: ctx.platform,
              log,
              dir: ctx.platform.paths.resolve(ctx.config.BackupConfiguration.TempDirectory),
              maxWaitMs: ctx.config.ServiceConfiguration.MaxServiceWaitSeconds * 1000,
              warn: (m) => warn(ctx, m),
              what: 'backup',
              interrupted: deps.interrupted,
            },
            found,
          ),
      },
      // [hostile, issue 12] After the lock and leftover recovery, before pre-flight: staging/extraction folders of
      // killed runs go (secrets in clear); kept ones lose their secrets.
      before: async () => void (await sweepStaleWorkFolders(ctx.platform.paths.resolve(ctx.config.BackupConfiguration.TempDirectory), log, ctx.staging.local)),
      onError: (err) => failed(st, err, signal),
      rollback: (outcome) => rollback(st, ctx, outcome),
    });
    if (!st.outcome.error) judge(st, ctx, st.outcome, plan);
  } catch (err) {
    failed(st, err, signal);
  } finally {
    await st.platform?.dispose().catch(() => {});
  }
  const result = finish(st);
  await afterRun(st, result, deps, startedAt);
  return result;
}

/** A name of this second is taken: its archive (or .partial) exists, or a killed run's staging folder of that name. */
function stampTaken(platform: Platform, config: BackupConfig, name: string, staging: string): boolean {
  const local = platform.paths.resolve(joinConfigured(config.BackupConfiguration.LocalBackupPath, name));
  return (
    existsSync(local) || existsSync(`${local}.partial`) || existsSync(platform.paths.resolve(joinConfigured(config.BackupConfiguration.TempDirectory, staging)))
  );
}

/** Configuration, platform, log files, the nodes' settings and the MongoDB decision: the run context. */
async function prepare(
  st: BackupState,
  req: BackupRequest,
  deps: BackupDeps,
  t: { clock: NonNullable<RunDeps['clock']>; signal: AbortSignal; startedAt: Date },
): Promise<RunContext> {
  const { log } = st;
  const loaded = loadConfig(req.params);
  const mode = loaded.mode;
  st.mode = mode;
  const config = loaded.config;
  st.config = config;
  const platform = deps.platform(req.params, config);
  st.platform = platform;
  log.attachFiles(platform.paths.resolve(config.BackupConfiguration.LogDirectory), mode, t.startedAt);
  log.info(`AlteryxBackup started: mode ${mode}${req.dryRun ? ' (dry run: nothing will be changed)' : ''} on ${platform.description}`);
  log.info(
    `Configuration: ${loaded.source ?? 'built-in defaults'}${loaded.overridden.length ? `; overridden by parameters: ${loaded.overridden.join(', ')}` : ''}`,
  );
  log.debug(`Effective configuration: ${JSON.stringify(log.masker.maskDeep(config))}`);
  const stamp = freeStamp({ mode, startedAt: t.startedAt, config, taken: (name, staging) => stampTaken(platform, config, name, staging) });
  if (stamp !== fileStamp(t.startedAt))
    log.info(
      `A ${mode} archive of this second already exists in the local backup folder, or an interrupted run of that second left its staging folder: this run's name carries ${stamp}`,
    );
  const tempConfigured = config.BackupConfiguration.TempDirectory;
  const plan0 = { mode, scopes: [], stopsService: false };
  const ctx = newRunContext({
    mode,
    config,
    plan: plan0,
    platform,
    log,
    clock: t.clock,
    signal: t.signal,
    progress: deps.progress,
    startedAt: t.startedAt,
    stamp,
    req,
    staging: buildPlan({ mode, mongoType: 'embedded', config, nodes: platform.nodes, stamp }).staging,
    journal: { dir: platform.paths.resolve(tempConfigured), mode },
  });
  st.ctx = ctx;
  for (const node of ctx.nodes) await readSettings(ctx, node);
  st.limits = resolveRolesAndPersistence(ctx);
  return ctx;
}

/**
 * realworld (issue 13): node roles from RuntimeSettings.xml (core/topology.ts) when no nodes are configured,
 * else cross-checked; persistence (core/persistence.ts); what this node cannot back up goes into the plan
 * (buildPlan's `drop`). A refusal (DatabaseOnly with nothing to dump) is exit 3 before anything runs.
 */
function resolveRolesAndPersistence(ctx: RunContext): ScopeLimits {
  const { config, log } = ctx;
  const topo = resolveTopology(ctx.nodes, config.ServerConfiguration.Nodes.length > 0 || ctx.nodes.length > 1, (n) => ctx.settings.get(n.name));
  ctx.nodes = topo.nodes;
  ctx.controller = ctx.nodes.find((n) => n.role === 'controller') ?? ctx.nodes[0]!;
  ctx.roles = topo.detected;
  for (const w of topo.warnings) warn(ctx, w);
  const persistence = detectPersistence(config.MongoDBConfiguration.Type, ctx.settings.get(ctx.controller.name));
  ctx.persistence = persistence;
  ctx.mongo = detectedMongo(persistence);
  const limits = scopeLimits(ctx.mode, ctx.multiNode ? undefined : topo.detected.get(ctx.controller.name), persistence, ctx.multiNode);
  log.info(`Persistence: ${persistence.kind} (decided by ${persistence.decidedBy})`);
  log.info(`Nodes: ${topo.lines.join('; ')}`);
  if (limits.refusal) throw new BackupError(ExitCode.Validation, limits.refusal.message, limits.refusal.hint);
  return limits;
}

function buildBackupPlan(ctx: RunContext, limits: ScopeLimits | undefined): Plan {
  return buildPlan({
    mode: ctx.mode,
    mongoType: ctx.mongo.type,
    config: ctx.config,
    nodes: ctx.nodes,
    stamp: ctx.stamp,
    encrypted: !!ctx.archivePassword,
    drop: limits?.drop,
    persistence: ctx.persistence?.kind,
  });
}

/**
 * Issue 15: the downtime window, from the first stop requested to every node seen Running again (the service's own
 * transitions, as polled), and its parts: the stops (request to the last Stopped seen), the dump, the starts (request
 * to Running seen) and the rest (what else ran while the service was down: the target is under 0.5 s).
 */
export function downtimeOf(ctx: RunContext): { windowMs: number; stopMs: number; dumpMs: number; startMs: number; otherMs: number } | null {
  const d = ctx.downtime;
  if (d.stoppedAt === undefined || d.startedAt === undefined) return null;
  const windowMs = d.startedAt - d.stoppedAt;
  const stopMs = d.allStoppedAt !== undefined ? d.allStoppedAt - d.stoppedAt : 0;
  const startMs = d.startRequestedAt !== undefined ? d.startedAt - d.startRequestedAt : 0;
  const dumpMs = ctx.stepDurations['dump'] ?? 0;
  return { windowMs, stopMs, dumpMs, startMs, otherMs: Math.max(0, windowMs - stopMs - dumpMs - startMs) };
}

function logDowntime(ctx: RunContext): void {
  const w = downtimeOf(ctx);
  if (w && !ctx.downtime.logged) {
    ctx.downtime.logged = true;
    // history/rebuild.ts reads this line back: keep its form.
    ctx.log.info(`Service downtime: ${formatDuration(w.windowMs)}`);
    ctx.log.info(
      `Downtime window (first stop requested to Running seen): stop ${formatDuration(w.stopMs)}, dump ${formatDuration(w.dumpMs)}, start ${formatDuration(w.startMs)}, other ${formatDuration(w.otherMs)}`,
    );
  }
}

function failed(st: BackupState, err: unknown, signal: AbortSignal): void {
  if (st.message && st.exitCode !== ExitCode.Success) return;
  st.exitCode = signal.aborted ? ExitCode.General : exitCodeOf(err);
  st.message = signal.aborted ? `The backup was interrupted (${String(signal.reason ?? 'signal')}).` : describeError(err);
  st.log.error(st.message);
  if (!(err instanceof BackupError) && err instanceof Error && err.stack) st.log.debug(err.stack);
}

/** Every step ran: the outcome of a dry run, of a clean run, or of a run some destination failed. */
function judge(st: BackupState, ctx: RunContext, outcome: RunOutcome, plan: Plan): void {
  if (st.req.dryRun) {
    st.message = `Dry run of a ${plan.mode} backup: pre-flight passed; nothing was changed.`;
    return;
  }
  const bad = destinationsOf(ctx, outcome.results).filter((d) => d.status !== 'ok');
  if (bad.length) {
    st.exitCode = ExitCode.Storage;
    st.message = `Backup written, but ${bad.length} destination(s) failed: ${bad.map((d) => (d.name ? `${d.error}` : `${d.path} (${d.error})`)).join('; ')}`;
    st.log.error(st.message);
  } else st.message = `${plan.mode} backup completed: ${outcome.results.get<ArchiveOutput>('archive')?.archive.finalPath}`;
}

/** The rollback `finally`: whatever happened, services go back to the state they were found in. */
async function rollback(st: BackupState, ctx: RunContext, outcome: RunOutcome): Promise<void> {
  if (ctx.services.some((s) => s.stoppedByUs && !s.restarted)) {
    ctx.log.warn('Rolling back: starting the services this run stopped');
    try {
      await restoreServices({ ...ctx, signal: new AbortController().signal });
    } catch (err) {
      const m = `Rollback could not start every service: ${describeError(err)}`;
      ctx.log.error(m);
      if (st.exitCode === ExitCode.Success) st.exitCode = exitCodeOf(err);
      st.message = st.message ? `${st.message} ${m}` : m;
    }
  }
  const published = outcome.results.has('publish');
  const a = outcome.results.get<ArchiveOutput>('archive')?.archive;
  if (a && !published) await fsp.rm(a.tempPath, { force: true }).catch(() => {});
  // [hostile, issue 12] The failed run's staging goes, unless KeepStagingOnFailure (then its secrets go anyway).
  // A run stopped before its first step (the lock held by another run) has no staging folder of its own.
  const stepsStarted = outcome.executed.length > 0 || outcome.failedStep !== undefined;
  if (outcome.error && !published && !ctx.dryRun && stepsStarted) {
    const keep = ctx.config.BackupConfiguration.KeepStagingOnFailure;
    await cleanupFailedStaging(ctx.staging.local, ctx.staging.configured, ctx.log, keep).catch((err: Error) =>
      ctx.log.error(`The staging folder ${ctx.staging.configured} could not be removed: ${err.message}; remove it by hand (it may hold the database dump).`),
    );
    // realworld (issue 13): only a folder that exists is reported as kept.
    st.stagingKept = existsSync(ctx.staging.local);
  }
}

/** After the result: the drill of the new archive (DrillAfterBackup), then the alerts; they never change a success into nothing. */
async function afterRun(st: BackupState, result: BackupResult, deps: BackupDeps, startedAt: Date): Promise<void> {
  const { req, config, log } = st;
  // RestoreConfiguration.DrillAfterBackup: prove that the archive just published restores (docs/restore.md).
  if (result.success && !req.dryRun && config?.RestoreConfiguration.DrillAfterBackup) await drillAfterBackup(result, req, deps, config);
  // Alerts come last, once the outcome is known; they never change it (failures are warnings).
  if (config && !req.dryRun) {
    const n = await notifyRun({
      config,
      outcome: result,
      log,
      hostname: st.platform?.system.hostname() ?? osHostname(),
      startedAt,
      dryRun: req.dryRun,
      params: req.params,
      secrets: req.secrets,
    });
    result.warnings = [...result.warnings, ...n.warnings];
  }
}

function summaryOf(st: BackupState): { summary: Record<string, unknown>; downtimeMs: number; files: number } {
  const { ctx, outcome } = st;
  const a = outcome?.results.get<ArchiveOutput>('archive')?.archive;
  const dump = outcome ? dumpOf(outcome.results) : undefined;
  const files = outcome
    ? outcome.results.all<DumpOutput>('dump').flatMap((d) => d.files).length +
      outcome.results.all<StagedFile[]>('files').flat().length +
      outcome.results.all<StagedFile[]>('secrets').flat().length +
      outcome.results.all<MetadataOutput>('metadata').flatMap((m) => m.files).length
    : 0;
  const window = ctx ? downtimeOf(ctx) : null;
  const downtimeMs = window?.windowMs ?? 0;
  const summary = {
    mode: st.mode,
    exitStatus: `${st.exitCode} (${exitCodeNames[st.exitCode]})`,
    files,
    archiveEntries: a?.entries ?? 0,
    archiveBytes: a?.sizeBytes ?? 0,
    dumpBytes: dump?.sizeBytes ?? 0,
    dumpDocuments: dump ? Object.values(dump.databases).reduce((n, c) => n + Object.values(c).reduce((x, y) => x + y, 0), 0) : 0,
    downtimeMs,
    /** Issue 15: the window's parts (stop, dump, start, other), or null when no service was stopped. */
    downtime: window,
    stepDurationsMs: ctx?.stepDurations ?? {},
    /** The plan steps that ran to completion, in order (a dry run: those it checked). */
    executedSteps: outcome?.executed ?? [],
    destinations: ctx && outcome ? destinationsOf(ctx, outcome.results).map((d) => `${d.path}: ${d.status}`) : [],
    warnings: ctx?.warnings.length ?? 0,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  return { summary, downtimeMs, files };
}

function finish(st: BackupState): BackupResult {
  const { log, ctx, outcome } = st;
  const durationMs = st.clock.now() - st.t0;
  const published = !!outcome?.results.has('publish');
  const a = outcome?.results.get<ArchiveOutput>('archive')?.archive;
  const { summary, downtimeMs, files } = summaryOf(st);
  if (!st.finishedLogged) {
    st.finishedLogged = true;
    log.setStep('summary');
    if (ctx) {
      const steps = Object.entries(ctx.stepDurations)
        .map(([k, v]) => `${k} ${formatDuration(v)}`)
        .join(', ');
      log.info(
        `Summary: mode ${st.mode}, ${files} files, archive ${a ? formatBytes(a.sizeBytes) : '-'}, downtime ${formatDuration(downtimeMs)}, steps ${steps}`,
      );
    }
    log.info(`Completed at ${new Date().toISOString()} after ${formatDuration(durationMs)}; exit code ${st.exitCode} (${exitCodeNames[st.exitCode]})`);
    if (st.exitCode === ExitCode.Success) log.success(st.message);
  }
  return {
    type: 'result',
    exitCode: st.exitCode,
    success: st.exitCode === ExitCode.Success,
    mode: st.mode,
    message: log.masker.mask(st.message),
    archivePath: published && a ? a.finalPath : null,
    sha256: published && a ? a.sha256 : null,
    sizeBytes: published && a ? a.sizeBytes : null,
    durationMs,
    logPath: log.logPath ?? null,
    destinations: ctx && outcome ? destinationsOf(ctx, outcome.results) : [],
    warnings: ctx?.warnings ?? [],
    dryRun: st.req.dryRun,
    stagingPath: ctx && st.exitCode !== ExitCode.Success && !published && st.stagingKept ? ctx.staging.local : null,
    summary,
  };
}
