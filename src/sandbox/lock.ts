import fs from 'node:fs';
import path from 'node:path';
import { sleepSync } from '../util/proc.ts';

const STALE_MS = 10_000;
const TIMEOUT_MS = 30_000;
const held = new Map<string, number>();

/**
 * A small cross-process lock (mkdir is atomic) around read-modify-write of the sandbox's state, taken by the
 * tool and the emulator processes alike. Re-entrant within a process. A lock older than 10 s is stale (its
 * holder died) and is broken.
 */
export function withLock<T>(sandboxDir: string, fn: () => T): T {
  const lockDir = path.join(sandboxDir, 'state', '.lock');
  const count = held.get(lockDir) ?? 0;
  if (count > 0) {
    held.set(lockDir, count + 1);
    try {
      return fn();
    } finally {
      held.set(lockDir, (held.get(lockDir) ?? 1) - 1);
    }
  }
  const started = Date.now();
  let delay = 2;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        fs.mkdirSync(path.dirname(lockDir), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw err;
      try {
        const age = Date.now() - fs.statSync(lockDir).mtimeMs;
        if (age > STALE_MS) {
          fs.rmSync(lockDir, { recursive: true, force: true });
          continue;
        }
      } catch {
        continue; // released meanwhile
      }
      if (Date.now() - started > TIMEOUT_MS) {
        throw new Error(`Timed out waiting for the sandbox lock ${lockDir}; remove it if no process uses the sandbox.`);
      }
      sleepSync(delay);
      delay = Math.min(delay * 2, 25);
    }
  }
  held.set(lockDir, 1);
  try {
    return fn();
  } finally {
    held.delete(lockDir);
    try {
      fs.rmdirSync(lockDir);
    } catch {
      /* broken as stale by someone else */
    }
  }
}

/** Writes a file atomically (temp file + rename) so concurrent readers never see half a file. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
