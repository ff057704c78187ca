import { existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Check } from '../archive/verify.ts';
import { loadConfig, validateMode } from '../config/load.ts';
import type { BackupMode } from '../config/schema.ts';
import { realClock, type RunDeps, type RunRequest } from '../core/context.ts';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { MODE_SUFFIX } from '../core/plan.ts';
import { runPlan, type StepTable } from '../core/runner.ts';
import { RunLogger } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import { formatDuration } from '../util/format.ts';
import { recoverDrill } from './drill-journal.ts';
import { chooseDrillMethod, type DrillMethod } from './drill-mongod.ts';
import { DRILL_STEPS, drillCleanup, drillSteps, type DrillRun } from './drill-steps.ts';
import { totalDocuments, type CountRow, type RestoreLogVerdict } from './restore-log.ts';
import type { RestoreResult } from './restore.ts';
import { closeRun } from './result.ts';

export { drillSteps } from './drill-steps.ts';

/** params: Path (archive; newest of BackupMode in LocalBackupPath when absent), SandboxPath, ConfigPath, ScratchPath, Keep. */
export type DrillRequest = RunRequest;
export interface DrillDeps extends RunDeps {
  /** The step table (DRILL_STEPS unless a test wraps it to watch what runs). */
  steps?: StepTable<DrillRun> | undefined;
}

export interface DrillResult {
  type: 'result';
  command: 'drill';
  exitCode: ExitCodeValue;
  success: boolean;
  message: string;
  archivePath: string | null;
  mode: BackupMode | null;
  dryRun: boolean;
  durationMs: number;
  logPath: string | null;
  warnings: string[];
  /** The archive's verification, then the scratch restore's checks, then the drill's own. */
  checks: Check[];
  badEntries: string[];
  /** Per database and collection: the manifest's count at dump time, the restore log's, the scratch database's. */
  counts: CountRow[];
  documents: { expected: number; restored: number | null; actual: number | null };
  restoreLog: RestoreLogVerdict | null;
  restore: Pick<RestoreResult, 'exitCode' | 'message' | 'rolledBack'> | null;
  timingsMs: Record<string, number>;
  /** sandbox: a scratch sandbox; mongod: a scratch mongod on a spare port (a server's drill). */
  method: DrillMethod | null;
  /** The scratch mongod's loopback port (method mongod). */
  port: number | null;
  scratchPath: string | null;
  kept: boolean;
}

/** The newest archive this tool (or the legacy script) named in `dir`, of `mode` when given. */
function newestArchive(dir: string, mode?: BackupMode): string | undefined {
  if (!existsSync(dir)) return undefined;
  const re = mode ? new RegExp(`^ServerBackup_${MODE_SUFFIX[mode]}_\\d{8}_\\d{6}\\.zip$`) : /^ServerBackup_(?:(?:Full|DB|Config)_)?\d{8}_\d{6}\.zip$/;
  const stamp = (n: string) => /(\d{8}_\d{6})\.zip$/.exec(n)?.[1] ?? '';
  const names = readdirSync(dir).filter((n) => re.test(n) && statSync(join(dir, n)).isFile());
  names.sort((a, b) => stamp(b).localeCompare(stamp(a)) || statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
  return names[0] ? join(dir, names[0]) : undefined;
}

/** What a drill has become so far: what the result is built from. */
interface DrillState {
  req: DrillRequest;
  log: RunLogger;
  clock: NonNullable<RunDeps['clock']>;
  t0: number;
  exitCode: ExitCodeValue;
  message: string;
  archivePath: string | null;
  method: DrillMethod | null;
  platform?: Platform | undefined;
  d?: DrillRun | undefined;
  timings: Record<string, number>;
  warnings: string[];
}

/**
 * A restore drill (docs/restore.md; dbatools' Test-DbaLastBackup is the model): verify the archive,
 * restore it into a fresh scratch server without touching the live one, count every collection against
 * the manifest, judge the restore log, time each part, and remove the scratch server unless Keep. The
 * runner (core/runner.ts) executes its plan (drillSteps); the cleanup also runs when a step failed.
 * Returns the result event; never throws.
 */
export async function runDrill(req: DrillRequest, deps: DrillDeps): Promise<DrillResult> {
  const clock = deps.clock ?? realClock;
  const startedAt = deps.now ? deps.now() : new Date();
  const log = new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  const st: DrillState = {
    req,
    log,
    clock,
    t0: clock.now(),
    exitCode: ExitCode.Success,
    message: '',
    archivePath: null,
    method: null,
    timings: {},
    warnings: [],
  };
  const signal = deps.signal ?? new AbortController().signal;
  try {
    const d = await prepareDrill(st, req, deps, startedAt);
    const outcome = await runPlan({ steps: drillSteps(d.method) }, deps.steps ?? DRILL_STEPS, d, {
      log,
      clock,
      signal,
      progress: deps.progress,
      dryRun: req.dryRun,
      stepDurations: st.timings,
      onPlan: (s) => deps.plan?.([...s]),
      onError: (err) => failed(st, err),
      rollback: async () => {
        if (!req.dryRun) await timedCleanup(d);
      },
    });
    if (!outcome.error)
      st.message = req.dryRun ? `Dry run of a drill of ${d.archivePath}: the archive verified; no scratch server was created.` : passed(d, clock.now() - st.t0);
  } catch (err) {
    failed(st, err);
  } finally {
    await st.platform?.dispose().catch(() => {});
  }
  return finish(st);
}

async function timedCleanup(d: DrillRun): Promise<void> {
  if (d.cleanedUp) return;
  const s = d.clock.now();
  await drillCleanup(d);
  if (d.mongod || (d.scratchRemove && !d.keep)) d.timings['cleanup'] = (d.timings['cleanup'] ?? 0) + d.clock.now() - s;
}

function passed(d: DrillRun, ms: number): string {
  const m = d.manifest!;
  const docs = ` (${d.actualTotal ?? d.restoreLog?.restored ?? 0} documents in ${d.counts.length} collections, equal to the manifest${d.notCounted ? ' by the restore log' : ''})`;
  return `Drill passed: ${d.archivePath} restores${m.mongo.dumped ? docs : ''}; ${formatDuration(ms)}.`;
}

function failed(st: DrillState, err: unknown): void {
  st.exitCode = exitCodeOf(err);
  st.message = describeError(err);
  st.log.error(st.message);
  if (!(err instanceof BackupError) && err instanceof Error && err.stack) st.log.debug(err.stack);
}

/** The configuration, the live platform (never changed), the archive, a killed drill's leftovers, the method. */
async function prepareDrill(st: DrillState, req: DrillRequest, deps: DrillDeps, startedAt: Date): Promise<DrillRun> {
  const { log } = st;
  const mode = req.params['BackupMode'] === undefined || req.params['BackupMode'] === null ? undefined : validateMode(req.params['BackupMode'], '-BackupMode');
  const config = loadConfig(req.params).config;
  const live = deps.platform(req.params, config);
  st.platform = live;
  log.attachFiles(live.paths.resolve(config.BackupConfiguration.LogDirectory), 'Drill', startedAt);
  const raw = req.params['Path'];
  let archivePath: string | undefined;
  if (typeof raw === 'string' && raw) archivePath = resolve(raw);
  else {
    archivePath = newestArchive(live.paths.resolve(config.BackupConfiguration.LocalBackupPath), mode);
    if (!archivePath)
      throw new BackupError(
        ExitCode.Validation,
        `No ${mode ?? ''} archive to drill in ${config.BackupConfiguration.LocalBackupPath}.`.replace('  ', ' '),
        'Give the archive (-Path) or take a backup first.',
      );
    log.info(`Newest ${mode ?? ''} archive: ${archivePath}`.replace('  ', ' '));
  }
  st.archivePath = archivePath;
  log.info(`AlteryxBackup restore drill started${req.dryRun ? ' (dry run)' : ''}: ${archivePath} (live server: ${live.description}; it is not touched)`);
  // A drill killed earlier may have left a scratch mongod and folder: end and remove them first.
  const tempLocal = live.paths.resolve(config.BackupConfiguration.TempDirectory);
  if (!req.dryRun) {
    const leftover = await recoverDrill(tempLocal, log);
    if (leftover?.running)
      throw new BackupError(
        ExitCode.General,
        `Another drill (pid ${leftover.pid}, started ${leftover.startedAt}) is running.`,
        'Wait for it to finish; drills run one at a time.',
      );
    if (leftover)
      st.warnings.push(
        `The previous drill (pid ${leftover.pid}, started ${leftover.startedAt}) was interrupted: ${leftover.mongod ? `its scratch mongod was ${leftover.mongod}, ` : ''}its scratch folder ${leftover.scratchRemoved ? 'was removed' : 'was left'} (${leftover.scratch}).`,
      );
  }
  const method = chooseDrillMethod(req.params['Method'], config.RestoreConfiguration.DrillMethod, live.kind);
  st.method = method;
  log.info(`Drill method: ${method === 'mongod' ? 'a scratch MongoDB (mongod) on a spare loopback port' : 'a scratch sandbox'}`);
  const parent = typeof req.params['ScratchPath'] === 'string' && req.params['ScratchPath'] ? resolve(req.params['ScratchPath']) : tmpdir();
  const d: DrillRun = {
    live,
    config,
    params: req.params,
    secrets: req.secrets,
    deps,
    log,
    clock: st.clock,
    startedAt,
    archivePath,
    method,
    keep: !!req.params['Keep'],
    parent,
    tempLocal,
    checks: [],
    warnings: st.warnings,
    badEntries: [],
    timings: st.timings,
    port: null,
    restoreLog: null,
    counts: [],
    actualTotal: null,
    cleanedUp: false,
  };
  st.d = d;
  return d;
}

function finish(st: DrillState): DrillResult {
  const { d } = st;
  const durationMs = st.clock.now() - st.t0;
  st.timings['total'] = durationMs;
  const manifest = d?.manifest;
  const restore = d?.restore;
  return {
    ...closeRun(st.log, {
      command: 'drill',
      partsLabel: 'Drill timings',
      parts: st.timings,
      exitCode: st.exitCode,
      message: st.message,
      durationMs,
      archivePath: st.archivePath,
      manifest,
      dryRun: st.req.dryRun,
    }),
    warnings: [...st.warnings, ...(restore?.warnings ?? [])],
    checks: d?.checks ?? [],
    badEntries: d?.badEntries ?? [],
    counts: d?.counts ?? [],
    documents: {
      expected: manifest ? totalDocuments(manifest.mongo.databases) : 0,
      restored: restore?.restoreLog?.restored ?? null,
      actual: d?.actualTotal ?? null,
    },
    restoreLog: d?.restoreLog ?? null,
    restore: restore ? { exitCode: restore.exitCode, message: restore.message, rolledBack: restore.rolledBack } : null,
    timingsMs: st.timings,
    method: st.method,
    port: d?.port ?? null,
    scratchPath: d?.scratchRoot ? (st.method === 'mongod' ? d.scratchRoot : join(d.scratchRoot, 'server')) : null,
    kept: !!d?.keep && !!d.scratchRoot,
  };
}
