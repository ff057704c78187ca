import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Entry } from 'yauzl';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { ManifestFile } from '../core/manifest.ts';
import { formatBytes } from '../util/format.ts';
import { entryNameProblem } from '../util/winnames.ts';
import { HashingStream } from './hashing.ts';
import { ArchiveRefused, entryStream, inspectArchive, openZip } from './verify.ts';

/** Where an archive entry lands under `root`; throws when it would land outside (zip slip). */
export function safeTarget(root: string, name: string): string {
  if (entryNameProblem(name)) {
    throw new BackupError(
      ExitCode.Validation,
      `The archive entry "${name}" would be written outside the restore folder; the archive is refused.`,
      'Use an archive made by this tool; do not restore archives of unknown origin.',
    );
  }
  const base = resolve(root);
  const target = resolve(base, ...name.split(/[\\/]+/).filter((p) => p && p !== '.'));
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..') || resolve(base, rel) !== target) {
    throw new BackupError(
      ExitCode.Validation,
      `The archive entry "${name}" would be written outside the restore folder; the archive is refused.`,
      'Use an archive made by this tool; do not restore archives of unknown origin.',
    );
  }
  return target;
}

export interface ExtractResult {
  files: Array<{ path: string; local: string; size: number; sha256: string }>;
  bytes: number;
  /** The entries `inMemory` selected, checked like the others but never written (secrets). */
  memory: Map<string, Buffer>;
}

/**
 * Extracts the manifest's files that `want` selects into `root`, checking each against its manifest
 * SHA-256 and size while it is written (the archive was verified before; this catches a file changed
 * since). Every name is checked before anything is written: one unsafe name refuses the whole archive.
 */
export async function extractArchive(
  archive: string,
  root: string,
  manifestFiles: ManifestFile[],
  want: (f: ManifestFile) => boolean,
  opts: {
    password?: string | undefined;
    onFile?: (done: number, total: number, name: string) => void;
    inMemory?: (f: ManifestFile) => boolean;
    maxEntries?: number | undefined;
  } = {},
): Promise<ExtractResult> {
  const zf = await openZip(archive);
  try {
    // Refuse first, write later: the same table checks as verify (count, names, kinds, duplicates, ratio).
    const entries = await inspectArchive(zf, opts.maxEntries);
    for (const e of entries) safeTarget(root, e.fileName);
    const byName = new Map<string, Entry>(entries.map((e) => [e.fileName, e]));
    const selected = manifestFiles.filter(want);
    const listed = new Set(manifestFiles.map((f) => f.path));
    const unlisted = entries.find((e) => !e.fileName.endsWith('/') && e.fileName !== 'manifest.json' && !listed.has(e.fileName));
    if (unlisted) throw new ArchiveRefused(unlisted.fileName, 'it is not listed in the manifest');
    for (const f of selected) {
      const e = byName.get(f.path);
      if (e && e.uncompressedSize !== f.size)
        throw new ArchiveRefused(f.path, `its header declares ${e.uncompressedSize} bytes, the manifest lists ${f.size} bytes`);
    }
    checkFits(selected, await freeBytesAt(root), root);
    const out: ExtractResult = { files: [], bytes: 0, memory: new Map() };
    let i = 0;
    for (const f of selected) {
      const e = byName.get(f.path);
      if (!e) throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} listed in the manifest is missing.`, 'Run "verify" on the archive.');
      const target = safeTarget(root, f.path);
      if (opts.inMemory?.(f)) {
        const buf = await readChecked(zf, e, f, opts.password);
        out.memory.set(f.path, buf);
        opts.onFile?.(++i, selected.length, f.path);
        continue;
      }
      await fsp.mkdir(dirname(target), { recursive: true });
      const h = new HashingStream();
      try {
        // 'wx': never through a file or link that is already there.
        await pipeline(await entryStream(zf, e, opts.password, f.size), h, createWriteStream(target, { flags: 'wx' }));
      } catch (err) {
        if (err instanceof BackupError) throw err;
        throw new BackupError(
          ExitCode.Validation,
          `The archive entry ${f.path} cannot be read: ${(err as Error).message}.`,
          'Run "verify" on the archive; take another backup.',
        );
      }
      if (h.digest !== f.sha256 || h.size !== f.size) {
        throw new BackupError(
          ExitCode.Validation,
          `The archive entry ${f.path} does not match its manifest SHA-256 (got ${h.digest}, ${h.size} bytes).`,
          'The archive changed or is corrupt; use another backup.',
        );
      }
      out.files.push({ path: f.path, local: target, size: h.size, sha256: h.digest });
      out.bytes += h.size;
      opts.onFile?.(++i, selected.length, f.path);
    }
    return out;
  } finally {
    zf.close();
  }
}

/** Free bytes on the volume of `dir` (or of its nearest existing parent); undefined when it cannot be told. */
async function freeBytesAt(dir: string): Promise<number | undefined> {
  let cur = resolve(dir);
  for (;;) {
    try {
      const s = await fsp.statfs(cur);
      return s.bavail * s.bsize;
    } catch {
      const up = dirname(cur);
      if (up === cur) return undefined;
      cur = up;
    }
  }
}

/** Refuses an extraction whose total (the manifest's sizes) does not fit the free space at `root`, with a margin. */
export function checkFits(selected: ManifestFile[], free: number | undefined, root: string): void {
  const total = selected.reduce((n, f) => n + f.size, 0);
  if (free !== undefined && total + Math.max(64 * 1024 * 1024, total * 0.05) > free) {
    const biggest = [...selected].sort((a, b) => b.size - a.size)[0];
    throw new ArchiveRefused(
      biggest?.path ?? '(archive)',
      `the ${selected.length} entries to extract total ${formatBytes(total)}, more than the ${formatBytes(free)} free at ${root} (limit: the free space less 5% or 64 MB)`,
    );
  }
}

/** One entry into memory, checked against its manifest size and SHA-256 (for secrets, which are never written). */
async function readChecked(zf: import('yauzl').ZipFile, e: Entry, f: ManifestFile, password: string | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  try {
    for await (const c of (await entryStream(zf, e, password, f.size)) as AsyncIterable<Buffer>) parts.push(c);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      ExitCode.Validation,
      `The archive entry ${f.path} cannot be read: ${(err as Error).message}.`,
      'Run "verify" on the archive; take another backup.',
    );
  }
  const buf = Buffer.concat(parts);
  if (createHash('sha256').update(buf).digest('hex') !== f.sha256)
    throw new BackupError(
      ExitCode.Validation,
      `The archive entry ${f.path} does not match its manifest SHA-256.`,
      'The archive changed or is corrupt; use another backup.',
    );
  return buf;
}
