import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BackupError, ExitCode } from './errors.ts';

export const LOCK_NAME = 'AlteryxBackup.lock';

/** True while a process with that id exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
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
      if (holder && processAlive(holder.pid) && holder.pid !== process.pid) {
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
