// Turns the result of a backup, verify, drill or restore into one catalog record and appends it. Called by the
// CLI once the result is known (src/cli/main.ts, src/cli/restore-cmd.ts), outside the runs' orchestration.
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { defaultConfigCandidates, loadConfig, type Params } from '../config/load.ts';
import { BACKUP_MODES, type BackupConfig, type BackupMode } from '../config/schema.ts';
import type { Platform } from '../platform/ports.ts';
import { parseLogName } from '../steps/retention.ts';
import { appendRecordOnce, appendRecords, compactHistory, historyPath } from './store.ts';
import { statusOf, type DestinationRecord, type RunKind, type RunRecord } from './types.ts';

const DAY = 86_400_000;

/** The fields of a backup, drill, restore or verify result that the catalog keeps (all optional but the outcome). */
export interface RunResultLike {
  exitCode: number;
  message: string;
  mode?: BackupMode | null;
  archivePath?: string | null;
  archive?: string | null;
  sha256?: string | null;
  sizeBytes?: number | null;
  durationMs?: number;
  logPath?: string | null;
  dryRun?: boolean;
  warnings?: string[];
  destinations?: Array<{ path: string; kind: string; status: string; error?: string | undefined }>;
  summary?: { dumpBytes?: number; downtimeMs?: number; stepDurationsMs?: Record<string, number> } | Record<string, unknown>;
  stepDurationsMs?: Record<string, number>;
  timingsMs?: Record<string, number>;
  counts?: unknown[];
  documents?: { expected: number; restored: number | null; actual: number | null };
}

export interface RecordContext {
  kind: RunKind;
  /** The run's host (platform.system.hostname()). */
  host: string;
  /** When the CLI started the run; used only when the run has no log file to take the time from. */
  startedAt: Date;
  pid?: number;
}

/** The run's start: the time in its log file's name (what a rebuild reads too), else the given time. */
export function runStart(logPath: string | null | undefined, fallback: Date): Date {
  const t = logPath ? parseLogName(basename(logPath)) : undefined;
  return t === undefined ? fallback : new Date(t);
}

/** A stable id: kind + the log's name (unique per run); without a log, kind + start + pid. */
export function runId(kind: RunKind, logPath: string | null | undefined, startedAt: Date, pid: number): string {
  return logPath ? `${kind}-${basename(logPath).replace(/\.(log|jsonl)$/, '')}` : `${kind}-${startedAt.toISOString()}-${pid}`;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function toRecord(result: RunResultLike, ctx: RecordContext): RunRecord {
  const logPath = result.logPath ?? null;
  const started = runStart(logPath, ctx.startedAt);
  const durationMs = Math.max(0, Math.round(result.durationMs ?? 0));
  const archivePath = result.archivePath ?? result.archive ?? null;
  const summary = (result.summary ?? {}) as Record<string, unknown>;
  const steps = (result.stepDurationsMs ?? result.timingsMs ?? (summary['stepDurationsMs'] as Record<string, number> | undefined) ?? {}) as Record<
    string,
    number
  >;
  const destinations: DestinationRecord[] = (result.destinations ?? []).map((d) => ({ path: d.path, kind: d.kind, status: d.status, error: d.error ?? null }));
  const published = ctx.kind === 'backup' ? archivePath !== null : true;
  const docs = result.documents;
  return {
    v: 1,
    id: runId(ctx.kind, logPath, started, ctx.pid ?? process.pid),
    kind: ctx.kind,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + durationMs).toISOString(),
    host: ctx.host,
    mode: result.mode ?? null,
    exitCode: result.exitCode,
    status: statusOf(result.exitCode, published),
    message: result.message,
    archiveName: archivePath ? basename(archivePath.replace(/\\/g, '/')) : null,
    archivePath,
    sha256: result.sha256 ?? null,
    sizeBytes: num(result.sizeBytes),
    dumpBytes: num(summary['dumpBytes']) || null,
    durationMs,
    downtimeMs: ctx.kind === 'backup' ? num(summary['downtimeMs']) : null,
    stepDurationsMs: Object.fromEntries(
      Object.entries(steps)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => [k, Math.round(v)]),
    ),
    destinations,
    drill:
      ctx.kind === 'drill' && docs
        ? {
            verdict: result.exitCode === 0 ? 'passed' : 'failed',
            collections: result.counts?.length ?? 0,
            documentsExpected: docs.expected,
            documentsRestored: docs.restored,
            documentsActual: docs.actual,
          }
        : null,
    warnings: result.warnings ?? [],
    logPath,
    source: 'run',
  };
}

/**
 * The parameters that locate the catalog of a run that is not tied to a configuration (an offline verify):
 * the ConfigPath / SandboxPath given, or none when the default configuration file (the one next to the module,
 * which every other command uses without -ConfigPath) exists; null when there is no catalog to go to (a copy
 * checked on another machine without a configuration).
 */
export function catalogParams(params: Params, candidates: string[] = defaultConfigCandidates()): Params | null {
  const keep: Params = {};
  for (const k of ['ConfigPath', 'SandboxPath']) if (typeof params[k] === 'string' && params[k]) keep[k] = params[k];
  if (Object.keys(keep).length || candidates.some((c) => existsSync(c))) return keep;
  return null;
}

/** Where the catalog of a configuration lives, with the platform that resolved it (the caller disposes it). */
export interface HistoryContext {
  config: BackupConfig;
  platform: Platform;
  logDir: string;
  file: string;
}

export function openHistory(params: Params, platformOf: (params: Params, config: BackupConfig) => Platform): HistoryContext {
  const { config } = loadConfig(params);
  const platform = platformOf(params, config);
  const logDir = platform.paths.resolve(config.BackupConfiguration.LogDirectory);
  return { config, platform, logDir, file: historyPath(logDir) };
}

/**
 * Appends the record of a finished run to the catalog and compacts it to the log retention. Dry runs are not
 * recorded (nothing happened). Never throws: a catalog that cannot be written is a warning returned to the caller.
 */
export async function recordRun(
  result: RunResultLike,
  context: { kind: RunKind; params: Params; startedAt: Date; platform: (params: Params, config: BackupConfig) => Platform; now?: () => Date },
): Promise<{ record: RunRecord | null; warnings: string[] }> {
  if (result.dryRun) return { record: null, warnings: [] };
  let h: HistoryContext | undefined;
  try {
    h = openHistory(context.params, context.platform);
    const record = toRecord(result, { kind: context.kind, host: h.platform.system.hostname(), startedAt: context.startedAt });
    await appendRecords(h.file, [record]);
    const now = (context.now?.() ?? new Date()).getTime();
    await compactHistory(h.file, now - h.config.BackupConfiguration.LogRetentionDays * DAY);
    return { record, warnings: [] };
  } catch (err) {
    return { record: null, warnings: [`The run could not be added to the history catalog: ${(err as Error).message}`] };
  } finally {
    await h?.platform.dispose().catch(() => {});
  }
}

/** What a run journal says of the run that wrote it (core/journal.ts Journal, structurally). */
export interface InterruptedRun {
  pid: number;
  /** The backup mode, or "Restore <mode>" for a restore. */
  mode: string;
  startedAt: string;
  logPath?: string | undefined;
}

/**
 * The Failed record of a run that was killed (its journal was left behind) and has now been recovered, with the
 * id its own record would have had (the log's name, as a rebuild gives it too). Exit code 1: the run ended
 * without a result.
 */
export function interruptedRecord(run: InterruptedRun, recoveredBy: string, host: string, now: Date): RunRecord {
  const restore = /^Restore\b/.test(run.mode);
  const kind: RunKind = restore ? 'restore' : 'backup';
  const modeName = restore ? run.mode.replace(/^Restore\s*/, '') : run.mode;
  const mode = (BACKUP_MODES as readonly string[]).includes(modeName) ? (modeName as BackupMode) : null;
  const parsed = Date.parse(run.startedAt);
  const started = runStart(run.logPath, Number.isNaN(parsed) ? now : new Date(parsed));
  let lastWrite = started.getTime();
  let logPath: string | null = null;
  if (run.logPath) {
    try {
      lastWrite = statSync(run.logPath).mtimeMs;
      logPath = run.logPath;
    } catch {
      // The log is gone (retention, or never written): the record has no log and no duration.
    }
  }
  const durationMs = Math.max(0, Math.round(lastWrite - started.getTime()));
  return {
    ...toRecord(
      {
        exitCode: 1,
        message: `${kind === 'restore' ? 'Restore' : 'Backup'} run ${run.pid} (${run.mode}) was interrupted (killed or crashed); recovered by ${recoveredBy}.`,
        mode,
        durationMs,
        logPath: run.logPath ?? null,
      },
      { kind, host, startedAt: started, pid: run.pid },
    ),
    logPath,
  };
}

/**
 * Appends the Failed record of an interrupted run once its journal has been recovered (by `recover` or by the
 * next backup or restore), unless the catalog has that run already (a second recover, or the run recorded itself).
 * Never throws: a catalog that cannot be written is a warning returned to the caller.
 */
export async function recordInterrupted(
  run: InterruptedRun,
  context: { recoveredBy: string; params: Params; platform: (params: Params, config: BackupConfig) => Platform; now?: () => Date },
): Promise<{ record: RunRecord | null; added: boolean; warnings: string[] }> {
  let h: HistoryContext | undefined;
  try {
    h = openHistory(context.params, context.platform);
    const record = interruptedRecord(run, context.recoveredBy, h.platform.system.hostname(), context.now?.() ?? new Date());
    const added = await appendRecordOnce(h.file, record);
    return { record, added, warnings: [] };
  } catch (err) {
    return { record: null, added: false, warnings: [`The interrupted run could not be added to the history catalog: ${(err as Error).message}`] };
  } finally {
    await h?.platform.dispose().catch(() => {});
  }
}
