import type { BackupMode } from '../config/schema.ts';

/** What a record is about: a backup run, an offline verification, a restore drill, or a restore. */
export const RUN_KINDS = ['backup', 'verify', 'drill', 'restore'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

/**
 * Success: exit 0. Partial: exit 4 with a published archive (a copy to a share failed). Failed: anything else.
 */
export const RUN_STATUSES = ['Success', 'Partial', 'Failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface DestinationRecord {
  path: string;
  kind: string;
  status: string;
  error: string | null;
}

/** One line of the run catalog (AlteryxBackupHistory.jsonl). Field order is the CSV column order. */
export interface RunRecord {
  /** Format version of the record. */
  v: 1;
  /** Unique per run: kind, then the start stamp (from the run's log name), then the process id. */
  id: string;
  kind: RunKind;
  /** ISO 8601 (UTC) start of the run: the time in its log's name, to the second. */
  startedAt: string;
  finishedAt: string;
  host: string;
  mode: BackupMode | null;
  exitCode: number;
  status: RunStatus;
  message: string;
  archiveName: string | null;
  archivePath: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  /** Size of the database dump before compression (backups that dump). */
  dumpBytes: number | null;
  durationMs: number;
  /** Time the service was stopped (backups that stop it), ms. */
  downtimeMs: number | null;
  stepDurationsMs: Record<string, number>;
  destinations: DestinationRecord[];
  /** Drills: the verdict and the document counts; null for the other kinds. */
  drill: {
    verdict: 'passed' | 'failed';
    collections: number;
    documentsExpected: number;
    documentsRestored: number | null;
    documentsActual: number | null;
  } | null;
  warnings: string[];
  logPath: string | null;
  /** How the record got here: written by the run itself, or rebuilt from archives and logs. */
  source: 'run' | 'rebuild';
}

export function statusOf(exitCode: number, archivePublished: boolean): RunStatus {
  if (exitCode === 0) return 'Success';
  if (exitCode === 4 && archivePublished) return 'Partial';
  return 'Failed';
}

/** A backup that left a usable archive (Success, or Partial: published, a share copy failed). */
export function isGoodBackup(r: RunRecord): boolean {
  return r.kind === 'backup' && r.status !== 'Failed' && r.archivePath !== null;
}
