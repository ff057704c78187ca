import { BACKUP_MODES, type BackupMode } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunRecord, type RunStatus } from './types.ts';

export interface HistoryQuery {
  mode?: BackupMode | undefined;
  kind?: RunKind | undefined;
  status?: RunStatus | undefined;
  since?: Date | undefined;
  /** The newest N (after the other filters), still oldest first. */
  last?: number | undefined;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const hit = allowed.find((a) => a.toLowerCase() === String(value).toLowerCase());
  if (!hit) throw new BackupError(ExitCode.Validation, `${what} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}.`);
  return hit;
}

/** Validates the filters of `history` / Get-AlteryxBackupHistory (exit 3 naming the bad one). */
export function parseQuery(p: Record<string, unknown>): HistoryQuery {
  const q: HistoryQuery = {
    mode: pick(p['Mode'], BACKUP_MODES, '-Mode (--mode)'),
    kind: pick(p['Kind'], RUN_KINDS, '-Kind (--kind)'),
    status: pick(p['Status'], RUN_STATUSES, '-Status (--status)'),
  };
  if (p['Since'] !== undefined && p['Since'] !== null && p['Since'] !== '') {
    const d = new Date(String(p['Since']));
    if (Number.isNaN(d.getTime()))
      throw new BackupError(
        ExitCode.Validation,
        `-Since (--since) must be a date such as 2026-11-01 or 2026-11-01T02:00:00Z, not ${JSON.stringify(p['Since'])}.`,
      );
    q.since = d;
  }
  if (p['Last'] !== undefined && p['Last'] !== null && p['Last'] !== '') {
    const n = Number(p['Last']);
    if (!Number.isInteger(n) || n < 1)
      throw new BackupError(ExitCode.Validation, `-Last (--last) must be a whole number of 1 or more, not ${JSON.stringify(p['Last'])}.`);
    q.last = n;
  }
  return q;
}

export function filterHistory(records: readonly RunRecord[], q: HistoryQuery): RunRecord[] {
  const out = records.filter(
    (r) =>
      (!q.mode || r.mode === q.mode) &&
      (!q.kind || r.kind === q.kind) &&
      (!q.status || r.status === q.status) &&
      (!q.since || Date.parse(r.startedAt) >= q.since.getTime()),
  );
  return q.last ? out.slice(-q.last) : out;
}

export const CSV_COLUMNS = [
  'id',
  'kind',
  'startedAt',
  'finishedAt',
  'host',
  'mode',
  'exitCode',
  'status',
  'message',
  'archiveName',
  'sha256',
  'sizeBytes',
  'dumpBytes',
  'durationMs',
  'downtimeMs',
  'stepDurationsMs',
  'destinations',
  'drillVerdict',
  'drillCollections',
  'drillDocumentsExpected',
  'drillDocumentsRestored',
  'drillDocumentsActual',
  'warnings',
  'logPath',
  'source',
] as const;

function cell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per record, the columns of CSV_COLUMNS; step durations as "step=ms; ...", destinations as "path=status; ...". */
export function toCsv(records: readonly RunRecord[]): string {
  const rows = records.map((r) =>
    [
      r.id,
      r.kind,
      r.startedAt,
      r.finishedAt,
      r.host,
      r.mode,
      r.exitCode,
      r.status,
      r.message,
      r.archiveName,
      r.sha256,
      r.sizeBytes,
      r.dumpBytes,
      r.durationMs,
      r.downtimeMs,
      Object.entries(r.stepDurationsMs ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join('; '),
      r.destinations.map((d) => `${d.path}=${d.status}`).join('; '),
      r.drill?.verdict ?? '',
      r.drill?.collections,
      r.drill?.documentsExpected,
      r.drill?.documentsRestored,
      r.drill?.documentsActual,
      r.warnings.length,
      r.logPath,
      r.source,
    ]
      .map(cell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
