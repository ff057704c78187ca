// Windows file-system rules the core needs wherever it handles files (see docs/decisions.md, issue 14). Pure where
// possible, with the platform as a parameter so that Linux tests exercise the Windows branch too.
import { statSync } from 'node:fs';
import path from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { sleepSync } from './proc.ts';

/** Names Windows reserves for devices, with or without an extension (`aux.txt` is AUX). */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** True for a name Windows cannot create without a `\\?\` path: a device name, or a trailing dot or space. */
export function isWindowsUnsafeName(name: string): boolean {
  return RESERVED.test(name) || /[. ]$/.test(name);
}

/** NTFS compares names case-insensitively by upper-casing them (its upcase table; toUpperCase is that for practical names). */
export function foldCase(p: string): string {
  return p.toUpperCase();
}

/**
 * A local path of another node as seen from this one, through the administrative share: `C:\x` -> `\\HOST\C$\x`,
 * `\\?\C:\x` (a long-path form, which Node's fs also uses by itself past 260 characters) -> `\\?\UNC\HOST\C$\x`.
 * UNC and relative paths are returned unchanged.
 */
export function adminSharePath(p: string, host: string): string {
  const long = /^\\\\\?\\([A-Za-z]):(.*)$/.exec(p);
  if (long) return `\\\\?\\UNC\\${host}\\${long[1]!.toUpperCase()}$${long[2]}`;
  const m = /^([A-Za-z]):(.*)$/.exec(p);
  if (m) return `\\\\${host}\\${m[1]!.toUpperCase()}$${m[2]}`;
  return p;
}

/** The extensions Windows tries for a command without one: %PATHEXT%, else the default list. */
export function pathExtensions(env: NodeJS.ProcessEnv): string[] {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATHEXT');
  const raw = (key ? env[key] : undefined) || '.COM;.EXE;.BAT;.CMD';
  return raw
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('.'));
}

/**
 * The first executable `name` in the folders of PATH (`env`'s, whatever the case of its key). On Windows a name
 * without one of the PATHEXT extensions is tried with each of them in order (`mongorestore` -> `mongorestore.COM`,
 * `.EXE`, ...), a name with one as it is, and the current folder is not searched (as CreateProcess with a full
 * path; the core never relies on it). Elsewhere the name itself, or `name.exe`. Undefined when none is there.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const win = platform === 'win32';
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  const dirs = (key ? (env[key] ?? '') : '')
    .split(win ? ';' : ':')
    .map((d) => (win ? d.replace(/^"(.*)"$/, '$1') : d))
    .filter(Boolean);
  let candidates: string[];
  if (win) {
    const exts = pathExtensions(env);
    const hasExt = exts.some((e) => foldCase(name).endsWith(foldCase(e)));
    candidates = hasExt ? [name] : exts.map((e) => `${name}${e.toLowerCase()}`);
  } else {
    candidates = [name, `${name}.exe`];
  }
  for (const d of dirs) {
    for (const n of candidates) {
      const p = path.join(d, n);
      try {
        if (statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Error codes Windows gives for a file that another process holds open (or an antivirus scans). */
const BUSY = new Set(['EBUSY', 'EPERM', 'EACCES']);

/**
 * Runs `op` (a rename or delete) and, when it fails because the file is in use (EBUSY/EPERM/EACCES, as Windows
 * reports a file open in another process), tries again after `delayMs`, doubling, `attempts` times in all; then
 * throws BackupError(Storage) naming the file, the cause and what to do. Other errors are thrown at once.
 */
export async function retryWhileBusy<T>(
  what: string,
  file: string,
  op: () => Promise<T>,
  opts: { attempts?: number; delayMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 6;
  let delay = opts.delayMs ?? 100;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!BUSY.has(code)) throw err;
      if (i >= attempts) {
        throw new BackupError(
          ExitCode.Storage,
          `Cannot ${what} ${file}: it is in use by another process (${code}, ${attempts} tries).`,
          'Close the program holding it (an open Explorer window, an antivirus scan, a backup agent) and run again.',
        );
      }
      await sleep(delay);
      delay *= 2;
    }
  }
}

/**
 * retryWhileBusy for the synchronous writes that must not yield (the run journal, rewritten before each change; the
 * drill journal): the same codes, tries and growing delays, the wait done with Atomics.wait.
 */
export function retryWhileBusySync<T>(
  what: string,
  file: string,
  op: () => T,
  opts: { attempts?: number; delayMs?: number; sleep?: (ms: number) => void } = {},
): T {
  const attempts = opts.attempts ?? 6;
  let delay = opts.delayMs ?? 100;
  const sleep = opts.sleep ?? sleepSync;
  for (let i = 1; ; i++) {
    try {
      return op();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!BUSY.has(code)) throw err;
      if (i >= attempts) {
        throw new BackupError(
          ExitCode.Storage,
          `Cannot ${what} ${file}: it is in use by another process (${code}, ${attempts} tries).`,
          'Close the program holding it (an open Explorer window, an antivirus scan, a backup agent) and run again.',
        );
      }
      sleep(delay);
      delay *= 2;
    }
  }
}
