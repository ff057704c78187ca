import { closeSync, constants, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BackupError, ExitCode } from './errors.ts';
import { processAlive } from '../util/proc.ts';

export const LOCK_NAME = 'AlteryxBackup.lock';

export { processAlive };

/**
 * When a process started, as a token that differs for two processes that had the same pid one after the other:
 * on Linux the boot (boot_id, else btime of /proc/stat) and field 22 of /proc/<pid>/stat (start time in clock
 * ticks since boot). Undefined where there is no /proc (Windows: the lock file held open answers there) or when the
 * process is gone.
 */
export function processStartToken(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may hold spaces or ')': the fields after the last ')' start at field 3.
  const ticks = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .at(22 - 3);
  if (!ticks || !/^\d+$/.test(ticks)) return undefined;
  let boot: string | undefined;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
  }
  return `${boot ?? '?'}+${ticks}`;
}

export interface LockInfo {
  pid: number;
  startedAt: string;
  mode: string;
  logPath?: string | undefined;
  /** The computer of the holder (a temp folder on a share is seen by several). */
  host?: string | undefined;
  /** processStartToken of the holder: a live pid with another start is a reused pid, the lock is stale. */
  processStart?: string | undefined;
  /** Windows: the holder keeps the file open without sharing while it lives, so a readable lock is stale. */
  heldOpen?: boolean | undefined;
}

/** A lock taken over: its content, and why it was found stale. */
export type StaleLock = LockInfo & { stale: string };

/** What the lock file of a folder says about the run holding it. */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder: LockInfo | undefined; why: string }
  | { state: 'stale'; holder: LockInfo | undefined; why: string };

/**
 * Exclusive open on Windows (share mode 0: while the holder lives nobody can read, rename or delete the file).
 * libuv's UV_FS_O_EXLOCK (include/uv/win.h, 0x10000000), which Node passes through to uv_fs_open but does not
 * export in fs.constants; checked under node.exe in the Windows release stage.
 */
const EXLOCK = process.platform === 'win32' ? ((constants as Record<string, number>)['UV_FS_O_EXLOCK'] ?? 0x10000000) : 0;
const LOCKED_CODES = new Set(['EBUSY', 'EPERM', 'EACCES']);

/**
 * Whether the run that wrote `dir`'s lock still runs. On Windows the holder keeps the file open without sharing
 * (a Windows pid is soon reused, and Node cannot read a process's start time there): a lock that cannot be read
 * is held; one that can, written by a holder that kept it open, is stale whatever its pid. Elsewhere the pid must
 * be alive with the start time the lock recorded; another start time is a reused pid. A lock of another computer
 * cannot be checked from here and is held.
 */
export function readLockState(dir: string, self: { pid: number; host: string } = { pid: process.pid, host: hostname() }): LockState {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_NAME), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') return { state: 'free' };
    if (process.platform === 'win32' && LOCKED_CODES.has(code))
      return { state: 'held', holder: undefined, why: 'its lock file is held open by a running process' };
    throw err;
  }
  let holder: LockInfo | undefined;
  try {
    holder = JSON.parse(text) as LockInfo;
  } catch {
    return { state: 'stale', holder: undefined, why: 'the lock file is unreadable (a run killed while writing it)' };
  }
  if (holder.host && holder.host.toLowerCase() !== self.host.toLowerCase()) return { state: 'held', holder, why: `it runs on ${holder.host}` };
  if (holder.pid === self.pid) return { state: 'stale', holder, why: 'it is this process' };
  if (holder.heldOpen && process.platform === 'win32') return { state: 'stale', holder, why: 'its lock file is no longer held open: that run has ended' };
  if (!processAlive(holder.pid)) return { state: 'stale', holder, why: `process ${holder.pid} no longer exists` };
  const now = holder.processStart ? processStartToken(holder.pid) : undefined;
  if (holder.processStart && now && now !== holder.processStart)
    return { state: 'stale', holder, why: `pid ${holder.pid} now belongs to another process, started after the lock's holder: the pid was reused` };
  return { state: 'held', holder, why: `process ${holder.pid} is running` };
}

/**
 * One run at a time per temp directory: a lock file created exclusively, recording pid, host and the process's
 * start (readLockState). A stale lock is taken over and returned as `staleFrom` with the reason (the journal tells
 * what that run left behind). On Windows the file stays open, unshared, until release (or the process's end).
 */
export function acquireLock(dir: string, info: LockInfo): { release(): void; staleFrom?: StaleLock | undefined } {
  const file = join(dir, LOCK_NAME);
  const own: LockInfo = { ...info, host: info.host ?? hostname(), processStart: info.processStart ?? processStartToken(info.pid) };
  if (EXLOCK) own.heldOpen = true;
  let staleFrom: StaleLock | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | EXLOCK);
      writeSync(fd, JSON.stringify(own));
      if (!EXLOCK) closeSync(fd);
      return { staleFrom, release: () => releaseLock(file, own, EXLOCK ? fd : undefined) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // Windows: an existing lock held open by its run refuses even the exclusive create with a sharing error.
      if (code !== 'EEXIST' && !(EXLOCK && LOCKED_CODES.has(code))) throw err;
      const st = readLockState(dir, { pid: info.pid, host: own.host! });
      if (st.state === 'free') continue;
      if (st.state === 'held') {
        const h = st.holder;
        throw new BackupError(
          ExitCode.General,
          `Another backup is running (${h ? `pid ${h.pid}, ${h.mode}, started ${h.startedAt}` : 'its lock is in use'}: ${st.why}).`,
          `Wait for it to finish; if no backup is running, delete ${file}.`,
        );
      }
      staleFrom = st.holder ? { ...st.holder, stale: st.why } : undefined;
      rmSync(file, { force: true });
    }
  }
  throw new BackupError(ExitCode.General, `Could not take the lock ${file}.`, 'Delete the file if no backup is running.');
}

function releaseLock(file: string, own: LockInfo, fd: number | undefined): void {
  if (fd !== undefined) {
    try {
      closeSync(fd);
    } catch {
      /* closed already */
    }
  }
  // Removed only while it is still this run's lock (a newcomer may have taken over a lock it found stale).
  try {
    const cur = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    if (cur.pid === own.pid && cur.startedAt === own.startedAt && cur.processStart === own.processStart) rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}
