import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BackupError, ExitCode } from './errors.ts';
import type { ServiceRecord } from './context.ts';

export const LOCK_NAME = 'AlteryxBackup.lock';
export const JOURNAL_NAME = 'AlteryxBackup.journal.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockInfo {
  pid: number;
  startedAt: string;
  mode: string;
  logPath?: string | undefined;
}

/**
 * One run at a time per temp directory: a lock file created exclusively. A lock whose process is gone
 * is stale and taken over (the journal tells what that run left behind).
 */
export function acquireLock(dir: string, info: LockInfo): { release(): void; staleFrom?: LockInfo | undefined } {
  const file = join(dir, LOCK_NAME);
  let staleFrom: LockInfo | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      return {
        staleFrom,
        release: () => {
          try {
            const cur = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
            if (cur.pid === info.pid) rmSync(file, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        holder = undefined;
      }
      if (holder && alive(holder.pid) && holder.pid !== process.pid) {
        throw new BackupError(
          ExitCode.General,
          `Another backup is running (pid ${holder.pid}, ${holder.mode}, started ${holder.startedAt}).`,
          `Wait for it to finish; if no backup is running, delete ${file}.`,
        );
      }
      staleFrom = holder;
      rmSync(file, { force: true });
    }
  }
  throw new BackupError(ExitCode.General, `Could not take the lock ${file}.`, 'Delete the file if no backup is running.');
}

export interface JournalEntry {
  node: { name: string; role: string; local: boolean };
  prior: string;
  stoppedByUs: boolean;
  restarted: boolean;
}

export interface Journal {
  pid: number;
  startedAt: string;
  mode: string;
  logPath?: string | undefined;
  services: JournalEntry[];
}

/** The run journal: written before each service is stopped, removed once every one is back. */
export class JournalFile {
  readonly file: string;
  constructor(
    dir: string,
    private readonly head: Omit<Journal, 'services'>,
  ) {
    this.file = join(dir, JOURNAL_NAME);
  }
  update(services: ServiceRecord[]): void {
    const j: Journal = {
      ...this.head,
      services: services.map((s) => ({ node: { name: s.node.name, role: s.node.role, local: s.node.local }, prior: s.prior, stoppedByUs: s.stoppedByUs, restarted: s.restarted })),
    };
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(j, null, 2));
    renameSync(tmp, this.file);
  }
  clear(): void {
    rmSync(this.file, { force: true });
  }
  static read(dir: string): Journal | undefined {
    try {
      return JSON.parse(readFileSync(join(dir, JOURNAL_NAME), 'utf8')) as Journal;
    } catch {
      return undefined;
    }
  }
}
