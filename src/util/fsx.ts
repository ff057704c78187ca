import { createReadStream, promises as fsp, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Total size of a folder tree (0 when it does not exist). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += (await fsp.stat(p)).size;
  }
  return total;
}

/** Every file under dir, as paths relative to dir with forward slashes, sorted. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Counts the documents of a .bson file by walking the int32 length prefixes (reads 4 bytes a document,
 * not the documents). Throws BackupError(MongoDB), naming the file, when the lengths do not add up to the size.
 */
export function countBsonDocuments(file: string): number {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(4);
  let pos = 0;
  let count = 0;
  try {
    while (pos < size) {
      if (readSync(fd, buf, 0, 4, pos) !== 4) throw new Error(`truncated length at byte ${pos}`);
      const len = buf.readInt32LE(0);
      if (len < 5 || pos + len > size) throw new Error(`document at byte ${pos} claims ${len} bytes`);
      pos += len;
      count++;
    }
  } catch (err) {
    throw new BackupError(ExitCode.MongoDB, `${file} is not a valid BSON dump: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Writes a file under a temporary name and renames it: readers never see a partial file. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.partial-${process.pid}`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}

/**
 * The first `name` in the folders of the PATH of `env`, trying the extensions of PATHEXT (Windows: `.COM;.EXE;
 * .BAT;.CMD` by default; elsewhere also the bare name and `.exe`); undefined when none is there. PATH entries
 * may be quoted (`"C:\Program Files\MongoDB\Tools\bin"`), as Windows allows.
 */
export function findOnPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const get = (k: string) => {
    const key = Object.keys(env).find((x) => x.toUpperCase() === k);
    return key ? (env[key] ?? '') : '';
  };
  const win = platform === 'win32';
  const dirs = get('PATH')
    .split(win ? ';' : ':')
    .map((d) => d.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
  const exts = win ? (get('PATHEXT') || '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.trim().toLowerCase()).filter(Boolean) : ['', '.exe'];
  const names = /\.[^.\\/]+$/.test(name) && win ? [name, ...exts.map((e) => name + e)] : exts.map((e) => name + e);
  for (const d of dirs) {
    for (const n of names) {
      const p = join(d, n);
      try {
        if (statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
