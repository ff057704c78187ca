// alteryx-backup health / Test-AlteryxBackupHealth: one verdict from the run catalog, in the Nagios/Icinga
// plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). The same checks run at the end of every backup.
import { BACKUP_MODES, type BackupConfig, type BackupMode } from '../config/schema.ts';
import type { Platform } from '../platform/ports.ts';
import { nearestExisting } from '../steps/destinations.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { isGoodBackup, type RunRecord } from './types.ts';

export type HealthStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const HEALTH_EXIT: Record<HealthStatus, 0 | 1 | 2 | 3> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export type HealthCheck =
  | 'missed-schedule'
  | 'last-run-failed'
  | 'size-band'
  | 'duration-spike'
  | 'downtime-spike'
  | 'destination-failing'
  | 'drill-age'
  | 'free-space'
  | 'no-history';

export interface HealthReason {
  check: HealthCheck;
  severity: Exclude<HealthStatus, 'OK'>;
  mode: BackupMode | null;
  message: string;
}

/** Per mode: what the checks looked at (also the dashboard's band). */
export interface ModeHealth {
  mode: BackupMode;
  runs: number;
  lastRun: string | null;
  lastStatus: string | null;
  lastGood: string | null;
  lastGoodAgeHours: number | null;
  expectedIntervalHours: number;
  medianSizeBytes: number | null;
  medianDurationMs: number | null;
  /** The size band: below / above these sizes is a WARNING (null when there is no median yet). */
  band: { low: number; high: number } | null;
  /** The duration spike threshold: a run longer than this is a duration-spike WARNING (null without a median). */
  durationSpikeMs: number | null;
}

export interface HealthVerdict {
  status: HealthStatus;
  exitCode: 0 | 1 | 2 | 3;
  reasons: HealthReason[];
  checkedAt: string;
  /** One line: "OK - 3 modes checked, newest Full 2 h old" or the reasons. */
  summary: string;
  modes: ModeHealth[];
  runs: number;
  /** Free space at the local backup folder, when known. */
  freeBytes: number | null;
  /** Free space at each destination the check looked at (the local folder first, then each network path). */
  destinationsFree: DestinationFree[];
}

/** Free space at one backup destination, named by its configured path (null: it could not be read). */
export interface DestinationFree {
  path: string;
  kind: 'local' | 'network';
  freeBytes: number | null;
}

export type HealthThresholds = BackupConfig['HealthConfiguration'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const rank: Record<HealthStatus, number> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

const hours = (ms: number) => Math.round((ms / HOUR) * 10) / 10;

type AddReason = (check: HealthCheck, severity: HealthReason['severity'], mode: BackupMode | null, message: string) => void;

/** One mode's runs and the medians its trend checks compare against. */
interface ModeFacts {
  mode: BackupMode;
  runs: RunRecord[];
  interval: number;
  last: RunRecord | undefined;
  newestGood: RunRecord | undefined;
  /** The good runs before the newest good one (at most MedianOfRuns): the medians are theirs. */
  earlier: RunRecord[];
  medSize: number | null;
  medDur: number | null;
  /** Enough earlier runs for the trend checks (MinimumRunsForTrend). */
  trend: boolean;
  band: ModeHealth['band'];
  durationSpikeMs: number | null;
}

/**
 * The checks of docs/history.md over the catalog. `destinationsFree`: free space at each destination (see
 * destinationsFreeOf); `freeBytes` alone: free space at the local backup folder (unnamed), when known.
 */
export function evaluateHealth(
  records: readonly RunRecord[],
  th: HealthThresholds,
  opts: { now: Date; freeBytes?: number | null | undefined; destinationsFree?: DestinationFree[] | undefined },
): HealthVerdict {
  const now = opts.now.getTime();
  const reasons: HealthReason[] = [];
  const modes: ModeHealth[] = [];
  const add: AddReason = (check, severity, mode, message) => reasons.push({ check, severity, mode, message });
  const sorted = [...records].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const backups = sorted.filter((r) => r.kind === 'backup');

  if (!sorted.length)
    add('no-history', 'UNKNOWN', null, 'The history has no runs yet: run a backup (or alteryx-backup history --rebuild if the catalog was lost).');

  for (const mode of BACKUP_MODES) {
    const facts = modeFacts(backups, mode, th);
    modes.push(modeHealth(facts, now));
    if (!facts.runs.length) continue;
    checkSchedule(facts, now, add);
    checkLastRun(facts, add);
    checkTrends(facts, th, add);
  }

  checkDestinations(backups, th, add);
  checkDrill(sorted, th, now, add);
  const dests =
    opts.destinationsFree ?? (opts.freeBytes === undefined || opts.freeBytes === null ? [] : [{ path: '', kind: 'local' as const, freeBytes: opts.freeBytes }]);
  const free = dests.find((d) => d.kind === 'local')?.freeBytes ?? null;
  checkFreeSpace(dests, modes, backups, th, add);

  const status = reasons.reduce<HealthStatus>((s, r) => (rank[r.severity] > rank[s] ? r.severity : s), 'OK');
  const summary = healthSummary(status, reasons, modes, sorted.length);
  return {
    status,
    exitCode: HEALTH_EXIT[status],
    reasons,
    checkedAt: opts.now.toISOString(),
    summary,
    modes,
    runs: sorted.length,
    freeBytes: free,
    destinationsFree: dests,
  };
}

function modeFacts(backups: readonly RunRecord[], mode: BackupMode, th: HealthThresholds): ModeFacts {
  const runs = backups.filter((r) => r.mode === mode);
  const good = runs.filter(isGoodBackup);
  const earlier = good.slice(0, -1).slice(-th.MedianOfRuns);
  const medSize = median(earlier.map((r) => r.sizeBytes ?? 0).filter((n) => n > 0));
  const medDur = median(earlier.map((r) => r.durationMs));
  const band = medSize !== null ? { low: medSize * (1 - th.SizeBandBelowPercent / 100), high: medSize * (1 + th.SizeBandAbovePercent / 100) } : null;
  return {
    mode,
    runs,
    interval: th.ExpectedIntervalHours[mode],
    last: runs.at(-1),
    newestGood: good.at(-1),
    earlier,
    medSize,
    medDur,
    trend: earlier.length >= th.MinimumRunsForTrend,
    band,
    // duration-spike fires above both the factor times the median and the median plus the minimum.
    durationSpikeMs: medDur !== null ? Math.max(medDur * th.DurationSpikeFactor, medDur + th.DurationSpikeMinimumSeconds * 1000) : null,
  };
}

function modeHealth(f: ModeFacts, now: number): ModeHealth {
  return {
    mode: f.mode,
    runs: f.runs.length,
    lastRun: f.last?.startedAt ?? null,
    lastStatus: f.last?.status ?? null,
    lastGood: f.newestGood?.startedAt ?? null,
    lastGoodAgeHours: f.newestGood ? hours(now - Date.parse(f.newestGood.startedAt)) : null,
    expectedIntervalHours: f.interval,
    medianSizeBytes: f.medSize,
    medianDurationMs: f.medDur,
    band: f.band,
    durationSpikeMs: f.durationSpikeMs,
  };
}

/** missed-schedule: no good backup at all, or the newest good one older than the expected interval. */
function checkSchedule({ mode, runs, interval, newestGood }: ModeFacts, now: number, add: AddReason): void {
  if (interval <= 0) return;
  if (!newestGood) add('missed-schedule', 'CRITICAL', mode, `No good ${mode} backup in the history: all ${runs.length} ${mode} run(s) failed.`);
  else {
    const age = now - Date.parse(newestGood.startedAt);
    if (age > interval * HOUR)
      add(
        'missed-schedule',
        'CRITICAL',
        mode,
        `The newest good ${mode} backup is ${hours(age)} h old (${newestGood.startedAt}); one is expected every ${interval} h (HealthConfiguration.ExpectedIntervalHours.${mode}).`,
      );
  }
}

/** last-run-failed: the last run failed (CRITICAL) or published with a failed destination (WARNING). */
function checkLastRun({ mode, last }: ModeFacts, add: AddReason): void {
  if (last && last.status === 'Failed')
    add('last-run-failed', 'CRITICAL', mode, `The last ${mode} backup (${last.startedAt}) failed with exit code ${last.exitCode}: ${last.message}`);
  else if (last && last.status === 'Partial')
    add(
      'last-run-failed',
      'WARNING',
      mode,
      `The last ${mode} backup (${last.startedAt}) was published but a destination failed (exit ${last.exitCode}): ${last.message}`,
    );
}

/** The trend checks of the newest good run against the medians: size-band, duration-spike, downtime-spike. */
function checkTrends({ mode, newestGood, earlier, medSize, medDur, trend, band }: ModeFacts, th: HealthThresholds, add: AddReason): void {
  if (newestGood && trend && medSize !== null && band && newestGood.sizeBytes !== null) {
    const size = newestGood.sizeBytes;
    const pct = Math.round(((size - medSize) / medSize) * 100);
    const what = `The ${mode} backup ${newestGood.archiveName ?? newestGood.startedAt} is ${formatBytes(size)}, ${Math.abs(pct)} % ${pct < 0 ? 'smaller' : 'larger'} than the median ${formatBytes(medSize)} of the ${earlier.length} before it`;
    if (size < band.low)
      add(
        'size-band',
        'WARNING',
        mode,
        `${what} (band -${th.SizeBandBelowPercent} %/+${th.SizeBandAbovePercent} %): check that the database and files were all captured.`,
      );
    else if (size > band.high) add('size-band', 'WARNING', mode, `${what} (band -${th.SizeBandBelowPercent} %/+${th.SizeBandAbovePercent} %).`);
  }
  const minSpike = th.DurationSpikeMinimumSeconds * 1000;
  if (newestGood && trend && medDur !== null && newestGood.durationMs > medDur * th.DurationSpikeFactor && newestGood.durationMs - medDur > minSpike) {
    add(
      'duration-spike',
      'WARNING',
      mode,
      `The ${mode} backup of ${newestGood.startedAt} took ${formatDuration(newestGood.durationMs)}, more than ${th.DurationSpikeFactor} times the median ${formatDuration(medDur)}.`,
    );
  }
  const medDown = median(earlier.map((r) => r.downtimeMs ?? 0));
  const down = newestGood?.downtimeMs ?? 0;
  if (newestGood && trend && medDown !== null && medDown > 0 && down > medDown * th.DowntimeSpikeFactor && down - medDown > minSpike) {
    add(
      'downtime-spike',
      'WARNING',
      mode,
      `The ${mode} backup of ${newestGood.startedAt} kept the service stopped for ${formatDuration(down)}, more than ${th.DowntimeSpikeFactor} times the median ${formatDuration(medDown)}.`,
    );
  }
}

/** destination-failing: a network destination failed in the last DestinationFailuresInARow backups. */
function checkDestinations(backups: readonly RunRecord[], th: HealthThresholds, add: AddReason): void {
  if (th.DestinationFailuresInARow <= 0) return;
  for (const [path, streak] of destinationStreaks(backups)) {
    if (streak >= th.DestinationFailuresInARow)
      add('destination-failing', 'WARNING', null, `The destination ${path} failed in the last ${streak} backups in a row.`);
  }
}

/** drill-age: once the history is DrillMaxAgeDays old, a restore drill must have passed within that many days. */
function checkDrill(sorted: readonly RunRecord[], th: HealthThresholds, now: number, add: AddReason): void {
  if (!(th.DrillMaxAgeDays > 0 && sorted.length && now - Date.parse(sorted[0]!.startedAt) >= th.DrillMaxAgeDays * DAY)) return;
  const passed = sorted.filter((r) => r.kind === 'drill' && r.exitCode === 0).at(-1);
  if (!passed)
    add(
      'drill-age',
      'WARNING',
      null,
      `No restore drill passed in the history (${th.DrillMaxAgeDays} days are allowed): run alteryx-backup drill or set RestoreConfiguration.DrillAfterBackup.`,
    );
  else if (now - Date.parse(passed.startedAt) > th.DrillMaxAgeDays * DAY)
    add(
      'drill-age',
      'WARNING',
      null,
      `The last passed drill was ${Math.floor((now - Date.parse(passed.startedAt)) / DAY)} days ago (${passed.startedAt}); at most ${th.DrillMaxAgeDays} days are allowed.`,
    );
}

/** free-space: less free space at a destination (local folder or network path) than the largest mode's expected backup size. */
function checkFreeSpace(dests: readonly DestinationFree[], modes: readonly ModeHealth[], backups: RunRecord[], th: HealthThresholds, add: AddReason): void {
  if (!th.CheckFreeSpace) return;
  const expected = Math.max(0, ...modes.filter((m) => m.runs > 0).map((m) => m.medianSizeBytes ?? lastSize(backups, m.mode)));
  if (!(expected > 0)) return;
  for (const d of dests) {
    if (d.freeBytes === null || d.freeBytes >= expected) continue;
    const where = d.kind === 'local' ? `the local backup folder${d.path ? ` ${d.path}` : ''}` : `the network destination ${d.path}`;
    add('free-space', 'WARNING', null, `Only ${formatBytes(d.freeBytes)} free at ${where}; the next backup is expected to need ${formatBytes(expected)}.`);
  }
}

/**
 * Free space at the local backup folder and at each network destination, through the platform (a share that
 * cannot be read, or a folder not made yet, is read at its nearest existing parent; unreadable: null).
 */
export async function destinationsFreeOf(config: BackupConfig, platform: Pick<Platform, 'paths' | 'system'>): Promise<DestinationFree[]> {
  const targets: Array<{ path: string; kind: 'local' | 'network' }> = [
    { path: config.BackupConfiguration.LocalBackupPath, kind: 'local' },
    ...config.BackupConfiguration.NetworkBackupPaths.map((p) => ({ path: p, kind: 'network' as const })),
  ];
  return Promise.all(
    targets.map(async (t) => {
      let free: number | null = null;
      try {
        free = await platform.system.freeBytes(await nearestExisting(platform.paths.resolve(t.path)));
      } catch {
        // Unreachable share, no permission: not known, not a warning of its own (destination-failing covers failed copies).
      }
      return { ...t, freeBytes: free };
    }),
  );
}

/** The verdict's one line: the mode ages when OK, else the messages of the reasons of the worst severity. */
function healthSummary(status: HealthStatus, reasons: readonly HealthReason[], modes: readonly ModeHealth[], runs: number): string {
  const checked = modes.filter((m) => m.runs > 0);
  return status === 'OK'
    ? `OK - ${runs} run(s) in the history; ${checked.map((m) => `${m.mode} ${m.lastGoodAgeHours ?? '-'} h old`).join(', ') || 'no backups'}`
    : `${status} - ${reasons
        .filter((r) => r.severity === status)
        .map((r) => r.message)
        .join(' ')}`;
}

function lastSize(backups: RunRecord[], mode: BackupMode): number {
  return backups.filter((r) => r.mode === mode && isGoodBackup(r)).at(-1)?.sizeBytes ?? 0;
}

/** For each network destination: how many of the newest backups that copied to it failed there, in a row. */
export function destinationStreaks(backups: readonly RunRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  const done = new Set<string>();
  for (const r of [...backups].reverse()) {
    for (const d of r.destinations) {
      if (d.kind === 'local' || done.has(d.path)) continue;
      if (d.status === 'ok') done.add(d.path);
      else out.set(d.path, (out.get(d.path) ?? 0) + 1);
    }
  }
  for (const [k, v] of out) if (v === 0) out.delete(k);
  return out;
}
