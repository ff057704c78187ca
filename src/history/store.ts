// The run catalog: one JSON object per line in <LogDirectory>/AlteryxBackupHistory.jsonl (docs/history.md).
// Appends and rewrites happen under a lock file beside it, so runs that end at the same moment (a backup and a
// drill, two scheduled tasks) never interleave or lose a line; a rewrite goes through a temporary file and a
// rename, so a reader sees the old catalog or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../core/lock.ts';
import { RUN_KINDS, type RunRecord } from './types.ts';

export const HISTORY_FILE = 'AlteryxBackupHistory.jsonl';
/** A lock older than this is taken over (its holder died between two system calls). */
const STALE_LOCK_MS = 60_000;
const LOCK_WAIT_MS = 30_000;

export function historyPath(logDir: string): string {
  return join(logDir, HISTORY_FILE);
}

export interface ReadReport {
  records: RunRecord[];
  /** Lines that are not a record (a torn last line after a power cut, a hand edit): skipped, counted. */
  skipped: number;
}

function isRecord(o: unknown): o is RunRecord {
  if (typeof o !== 'object' || o === null) return false;
  const r = o as Record<string, unknown>;
  return (
    r['v'] === 1 &&
    typeof r['id'] === 'string' &&
    RUN_KINDS.includes(r['kind'] as never) &&
    typeof r['startedAt'] === 'string' &&
    typeof r['exitCode'] === 'number'
  );
}

/** Every record, oldest first (by start time); a missing file is an empty catalog. */
export function readHistory(file: string): ReadReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    throw err;
  }
  const records: RunRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l) continue;
    try {
      const o: unknown = JSON.parse(l);
      if (isRecord(o)) records.push(o);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  records.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  return { records, skipped };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn while holding <file>.lock (created exclusively); waits for another holder, takes over a dead one's. */
export async function withHistoryLock<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const t0 = Date.now();
  let fd: number | undefined;
  for (let delay = 5; fd === undefined; delay = Math.min(delay * 2, 200)) {
    try {
      fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stale = staleLock(lock);
      if (stale !== undefined) {
        takeOverStaleLock(lock, stale);
        continue;
      }
      if (Date.now() - t0 > LOCK_WAIT_MS)
        throw new Error(`The history catalog ${file} is locked by another run (${lock}); delete the lock file if no AlteryxBackup run is active.`);
      await wait(delay);
    }
  }
  try {
    return await fn();
  } finally {
    closeSync(fd);
    try {
      unlinkSync(lock);
    } catch {
      // Already gone: nothing to do.
    }
  }
}

/** The identity of one lock file (inode, mtime, content: a new lock differs in each), if the lock is stale; else undefined. */
export function staleLock(lock: string): string | undefined {
  try {
    const st = statSync(lock);
    const text = readFileSync(lock, 'utf8');
    const pid = Number(text);
    const dead = Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid);
    return dead || Date.now() - st.mtimeMs > STALE_LOCK_MS ? lockIdentity(st, text) : undefined;
  } catch {
    return undefined;
  }
}

const lockIdentity = (st: { ino: number; mtimeMs: number }, text: string) => `${st.ino}:${st.mtimeMs}:${text}`;

/**
 * Removes a lock judged stale (identity from staleLock) without removing a fresh one another process made in
 * its place meanwhile (two processes that both saw the dead holder's lock): the lock is first renamed to a
 * name of this process's own (only one rename can win), then removed only if it is still the lock judged
 * stale; a fresh lock taken by mistake is put back (a hard link: only if no lock was made since). Returns
 * whether this call removed the stale lock.
 */
export function takeOverStaleLock(lock: string, identity: string): boolean {
  const aside = `${lock}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lock, aside);
  } catch {
    return false; // Gone: another process took it over first.
  }
  let same = false;
  try {
    same = lockIdentity(statSync(aside), readFileSync(aside, 'utf8')) === identity;
  } catch {
    // Unreadable: treated as not the stale lock, put back below.
  }
  if (!same) {
    try {
      linkSync(aside, lock);
    } catch {
      // A new lock exists already: the one taken by mistake cannot go back (its holder's release finds it gone).
    }
  }
  rmSync(aside, { force: true });
  return same;
}

/** Appends records, each as one line written by one write call; a torn last line of an earlier crash is ended first. */
export async function appendRecords(file: string, records: RunRecord[]): Promise<void> {
  if (!records.length) return;
  await withHistoryLock(file, () => appendRecordsLocked(file, records));
}

/** appendRecords for a caller that holds the lock already. */
export function appendRecordsLocked(file: string, records: RunRecord[]): void {
  if (!records.length) return;
  const fd = openSync(file, 'a+');
  try {
    const size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    writeSync(fd, prefix + records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

/** Appends the record unless the catalog has one with its id already (under the lock). Returns whether it was added. */
export async function appendRecordOnce(file: string, record: RunRecord): Promise<boolean> {
  return withHistoryLock(file, () => {
    if (readHistory(file).records.some((r) => r.id === record.id)) return false;
    appendRecordsLocked(file, [record]);
    return true;
  });
}

/** Replaces the whole catalog (rebuild, compaction): temporary file, then rename. Caller holds the lock. */
export function replaceHistoryLocked(file: string, records: RunRecord[]): void {
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, records.map((r) => JSON.stringify(r) + '\n').join(''));
  renameSync(tmp, file);
}

/**
 * Drops records that started before the cutoff (the log retention: LogRetentionDays), so the catalog stays as
 * long as the logs it can be rebuilt from. Returns how many were dropped; rewrites only when there is any.
 */
export async function compactHistory(file: string, cutoffMs: number): Promise<number> {
  if (!existsSync(file)) return 0;
  return withHistoryLock(file, () => {
    const { records, skipped } = readHistory(file);
    const keep = records.filter((r) => Date.parse(r.startedAt) >= cutoffMs);
    const dropped = records.length - keep.length;
    if (dropped || skipped) replaceHistoryLocked(file, keep);
    return dropped;
  });
}
