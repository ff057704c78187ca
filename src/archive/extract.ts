import { createWriteStream, promises as fsp } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Entry } from 'yauzl';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { ManifestFile } from '../core/manifest.ts';
import { entryStream, openZip, readEntries, unsafeEntryName } from './verify.ts';
import { HashingStream } from './hashing.ts';

/** Where an archive entry lands under `root`; throws when it would land outside (zip slip). */
export function safeTarget(root: string, name: string): string {
  if (unsafeEntryName(name) || name.includes('\0')) {
    throw new BackupError(ExitCode.Validation, `The archive entry "${name}" would be written outside the restore folder; the archive is refused.`, 'Use an archive made by this tool; do not restore archives of unknown origin.');
  }
  const base = resolve(root);
  const target = resolve(base, ...name.split(/[\\/]+/).filter((p) => p && p !== '.'));
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..') || resolve(base, rel) !== target) {
    throw new BackupError(ExitCode.Validation, `The archive entry "${name}" would be written outside the restore folder; the archive is refused.`, 'Use an archive made by this tool; do not restore archives of unknown origin.');
  }
  return target;
}

export interface ExtractResult {
  files: Array<{ path: string; local: string; size: number; sha256: string }>;
  bytes: number;
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
  opts: { password?: string | undefined; onFile?: (done: number, total: number, name: string) => void } = {},
): Promise<ExtractResult> {
  const zf = await openZip(archive);
  try {
    const entries = await readEntries(zf);
    // Refuse first, write later.
    for (const e of entries) safeTarget(root, e.fileName);
    const byName = new Map<string, Entry>(entries.map((e) => [e.fileName, e]));
    const selected = manifestFiles.filter(want);
    const out: ExtractResult = { files: [], bytes: 0 };
    let i = 0;
    for (const f of selected) {
      const e = byName.get(f.path);
      if (!e) throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} listed in the manifest is missing.`, 'Run "verify" on the archive.');
      const target = safeTarget(root, f.path);
      await fsp.mkdir(dirname(target), { recursive: true });
      const h = new HashingStream();
      try {
        await pipeline(await entryStream(zf, e, opts.password), h, createWriteStream(target));
      } catch (err) {
        throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} cannot be read: ${(err as Error).message}.`, 'Run "verify" on the archive; take another backup.');
      }
      if (h.digest !== f.sha256 || h.size !== f.size) {
        throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} does not match its manifest SHA-256 (got ${h.digest}, ${h.size} bytes).`, 'The archive changed or is corrupt; use another backup.');
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
