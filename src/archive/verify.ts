import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { Transform, type TransformCallback, Writable, pipeline } from 'node:stream';
import { createInflateRaw, crc32, inflateRawSync } from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';
import { BackupError, ExitCode } from '../core/errors.ts';
import { MANIFEST_NAME, ManifestParser, expectedEntries, listedTwice, type Manifest, type ManifestFile } from '../core/manifest.ts';
import { formatBytes } from '../util/format.ts';
import { readTextFile } from '../util/text.ts';
import { entryNameProblem, windowsNameKey } from '../util/winnames.ts';
import { SequentialReader, hashWholeFile } from './byte-reader.ts';
import { EntryTable } from './entry-table.ts';
import { openZipFile } from './zip-file-reader.ts';
import { ioCounters } from './hashing.ts';
import { aesDecoder, decryptAesEntry, isAesEntry } from './zip-aes.ts';
import { recognizeLegacyArchive, type LegacyArchive } from './legacy.ts';

async function readHead(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  archive: string;
  checks: Check[];
  manifest?: Manifest | undefined;
  archiveSha256?: string | undefined;
  /** Entries whose content did not match, by name. */
  badEntries: string[];
  /** realworld (issue 13): set when this is an archive of the legacy batch script (src/archive/legacy.ts). */
  legacy?: LegacyArchive | undefined;
}

/**
 * Limits of the one archive reader that verify, restore and drill share (docs/restore.md, "Hostile archives").
 * A real backup is far inside each: a multi-node Full has a few hundred entries; MongoDB dumps compress 3-20:1.
 */
export const ARCHIVE_LIMITS = {
  /**
   * Entries in the central directory, by default (RestoreConfiguration.MaxArchiveEntries raises it). A backup
   * verifies its own archive with at least the count it wrote: a captured folder of 100,000 small files, the
   * scale the writer is built for, is then refused only where an admin checks or restores it later without
   * raising the limit, and the message says so.
   */
  maxEntries: 100_000,
  /** Uncompressed : compressed, per entry, for entries above ratioFloorBytes (deflate's own ceiling is about 1032:1). */
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  /** manifest.json itself. */
  maxManifestBytes: 256 * 1024 * 1024,
};

/** An archive the reader refuses: exit 3, naming the entry and the limit or rule it breaks. */
export class ArchiveRefused extends BackupError {
  constructor(
    readonly entry: string,
    readonly rule: string,
  ) {
    super(
      ExitCode.Validation,
      `The archive entry "${entry}" is refused: ${rule}.`,
      'Nothing was written. Use an archive made by this tool; do not restore archives of unknown origin.',
    );
    this.name = 'ArchiveRefused';
  }
}

export function openZip(file: string): Promise<ZipFile> {
  // Sizes are checked by guardEntryStream (also for AES entries, which yauzl cannot check), with messages naming the entry.
  return openZipFile(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: false });
}

/** The rule an archive with too many entries breaks, and what to do when it is a genuine one. */
export function entryLimitRule(count: number, max: number): string {
  return `${count} entries, more than the limit of ${max} (if this is a backup of a large captured folder, raise RestoreConfiguration.MaxArchiveEntries)`;
}

/**
 * The central directory, in columns (EntryTable: about 100 bytes an entry); more than `maxEntries` (default
 * ARCHIVE_LIMITS.maxEntries) is refused before any is read.
 */
export function readEntryTable(zf: ZipFile, maxEntries: number = ARCHIVE_LIMITS.maxEntries): Promise<EntryTable> {
  if (zf.entryCount > maxEntries) {
    return Promise.reject(new ArchiveRefused(`(central directory)`, entryLimitRule(zf.entryCount, maxEntries)));
  }
  return new Promise((resolve, reject) => {
    const table = new EntryTable();
    zf.on('entry', (e: Entry) => {
      table.push(e);
      zf.readEntry();
    });
    zf.on('end', () => resolve(table));
    zf.on('error', reject);
    zf.readEntry();
  });
}

/** The central directory as a list of entries (each with the fields the reader uses; see EntryTable). */
export async function readEntries(zf: ZipFile, maxEntries: number = ARCHIVE_LIMITS.maxEntries): Promise<Entry[]> {
  return [...(await readEntryTable(zf, maxEntries))];
}

/** What kind of entry this is, from its attributes: a file, a folder, or why it is neither. */
export function entryKind(e: Entry): { kind: 'file' | 'folder' } | { problem: string } {
  const folder = e.fileName.endsWith('/');
  const host = e.versionMadeBy >> 8;
  // Unix (3) and macOS (19) archivers keep the st_mode in the high 16 bits of the external attributes.
  if (host === 3 || host === 19) {
    const type = ((e.externalFileAttributes >>> 16) & 0o170000) >>> 0;
    if (type === 0o120000) return { problem: 'a symbolic link (only regular files are restored)' };
    if (type !== 0 && type !== 0o100000 && type !== 0o040000) return { problem: `a special file (type ${type.toString(8)}; only regular files are restored)` };
    if (type === 0o040000 && !folder) return { problem: 'a folder entry without a trailing "/"' };
  }
  if ((e.externalFileAttributes & 0x400) !== 0) return { problem: 'a reparse point (a Windows symbolic link or junction)' };
  if (folder) return e.uncompressedSize > 0 || e.compressedSize > 0 ? { problem: 'a folder entry with content' } : { kind: 'folder' };
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8 && !isAesEntry(e))
    return { problem: `compression method ${e.compressionMethod} (only stored, deflate and AES-256 are read)` };
  if (e.compressionMethod === 0 && !isAesEntry(e) && e.compressedSize !== e.uncompressedSize) {
    return { problem: `a stored entry whose header sizes disagree (${e.compressedSize} stored, ${e.uncompressedSize} declared)` };
  }
  return { kind: 'file' };
}

/** One problem per refused entry: names, kinds, duplicates (also after Windows case folding), compression ratio. */
export function entryTableProblems(entries: Iterable<Entry>): Array<{ entry: string; rule: string; check: string }> {
  const out: Array<{ entry: string; rule: string; check: string }> = [];
  const seen = new Map<string, { name: string; folder: boolean }>();
  const folders = new Map<string, string>();
  for (const e of entries) {
    const name = e.fileName;
    const bad = entryNameProblem(name);
    if (bad) {
      out.push({ entry: name, rule: `its name has ${bad}`, check: 'safe names' });
      continue;
    }
    const k = entryKind(e);
    if ('problem' in k) {
      out.push({ entry: name, rule: `it is ${k.problem}`, check: 'entry types' });
      continue;
    }
    const key = windowsNameKey(name);
    const prev = seen.get(key);
    if (prev && !(prev.folder && k.kind === 'folder')) {
      out.push({
        entry: name,
        rule:
          prev.name === name
            ? 'its name appears twice in the archive'
            : `it names the same file as "${prev.name}" on Windows (names are compared case-insensitively, with either separator)`,
        check: 'unique names',
      });
      continue;
    }
    seen.set(key, { name, folder: k.kind === 'folder' });
    // The folders this name needs, deepest first, named by the first entry that needs each: once one is known,
    // the ones above it are too.
    for (let i = key.lastIndexOf('/'); i > 0; i = key.lastIndexOf('/', i - 1)) {
      const folder = key.slice(0, i);
      if (folders.has(folder)) break;
      folders.set(folder, name);
    }
    if (k.kind === 'file' && e.uncompressedSize > ARCHIVE_LIMITS.ratioFloorBytes) {
      const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
      if (ratio > ARCHIVE_LIMITS.maxRatio) {
        out.push({
          entry: name,
          rule: `it expands ${Math.round(ratio)}:1 (${formatBytes(e.compressedSize)} to ${formatBytes(e.uncompressedSize)}), above the limit of ${ARCHIVE_LIMITS.maxRatio}:1 per entry`,
          check: 'compression ratio',
        });
      }
    }
  }
  // A file where another entry needs a folder of the same name.
  for (const [key, v] of seen) {
    const other = folders.get(key);
    if (!v.folder && other) out.push({ entry: v.name, rule: `it is a file, and "${other}" needs a folder of the same name`, check: 'unique names' });
  }
  return out;
}

/**
 * Counts what an entry inflates (or decrypts) to, and fails the stream the moment it passes `limit` bytes, or
 * ends at another size: a header that lies about the size is caught while reading, not after writing 5 GB.
 */
class SizeGuard extends Transform {
  private n = 0;
  constructor(
    private readonly entry: string,
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.n += chunk.length;
    if (this.n > this.limit) cb(new ArchiveRefused(this.entry, `it inflates past the ${this.limit} bytes ${this.what} (the header lies about its size)`));
    else cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.n !== this.limit) cb(new ArchiveRefused(this.entry, `it inflates to ${this.n} bytes, not the ${this.limit} bytes ${this.what}`));
    else cb();
  }
}

/**
 * Opens an entry's content (decompressed; decrypted for WinZip AES entries when a password is given), checked
 * while it is read against its declared size: the smaller of the header's and `expectedSize` (the manifest's).
 */
export async function entryStream(zf: ZipFile, e: Entry, password?: string, expectedSize?: number): Promise<NodeJS.ReadableStream> {
  let raw: NodeJS.ReadableStream;
  if (isAesEntry(e)) {
    if (!password) throw new Error('the entry is AES-256 encrypted and no password was given');
    raw = await decryptAesEntry(zf, e, password);
  } else raw = await new Promise<NodeJS.ReadableStream>((resolve, reject) => zf.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));
  const limit = expectedSize === undefined ? e.uncompressedSize : Math.min(e.uncompressedSize, expectedSize);
  const what = expectedSize === undefined || expectedSize >= e.uncompressedSize ? 'its header declares' : 'the manifest lists';
  const guard = new SizeGuard(e.fileName, limit, what);
  raw.on('error', (err) => guard.destroy(err as Error));
  // A reader that stops early (a manifest refused half-way) destroys the guard: the entry's own stream goes too.
  guard.on('close', () => (raw as unknown as { destroy?: () => void }).destroy?.());
  return raw.pipe(guard);
}

async function hashEntry(zf: ZipFile, e: Entry, password: string | undefined, size: number): Promise<{ sha256: string; size: number }> {
  const s = await entryStream(zf, e, password, size);
  const h = createHash('sha256');
  let n = 0;
  for await (const chunk of s as AsyncIterable<Buffer>) {
    h.update(chunk);
    n += chunk.length;
  }
  return { sha256: h.digest('hex'), size: n };
}

/** Refuses entry names that would escape a target folder or be misread on Windows (zip slip; util/winnames). */
export function unsafeEntryName(name: string): boolean {
  return entryNameProblem(name) !== undefined;
}

/**
 * The reader's checks of an open archive, shared by verify and extraction: the entry count, then every entry's
 * name, kind, uniqueness and compression ratio, from the central directory, before any content is read.
 * Throws ArchiveRefused for the first problem; returns the entries when there is none.
 */
export async function inspectArchive(zf: ZipFile, maxEntries?: number): Promise<Entry[]> {
  const entries = await readEntries(zf, maxEntries).catch((err: Error) => {
    if (err instanceof BackupError) throw err;
    const bad = /^invalid (?:relative|absolute) path: (.*)$|^absolute path: (.*)$|^invalid characters in fileName: (.*)$/.exec(err.message);
    if (bad) throw new ArchiveRefused(bad[1] ?? bad[2] ?? bad[3] ?? '?', 'its name escapes the target folder');
    throw new BackupError(ExitCode.Validation, `The central directory cannot be read: ${err.message}.`, 'The archive is damaged: use another backup.');
  });
  const p = entryTableProblems(entries)[0];
  if (p) throw new ArchiveRefused(p.entry, p.rule);
  return entries;
}

/**
 * Verifies an archive with an independent reader (yauzl, not the writer): it opens; the entry table is safe
 * (count, names under Windows rules, no duplicates even case-folded, only regular files and folders, no
 * entry expanding beyond the ratio limit); manifest.json parses and has the shape this tool writes; every
 * entry's header size is the manifest's; every manifest entry is present with the same size and SHA-256,
 * each checked while it is inflated; nothing is in the archive that the manifest does not list; the files
 * the mode needs are there; and (when given) the archive's own SHA-256 matches the expected value or the
 * `.sha256` file beside it. No entry's content is read before the whole table passed.
 */
export async function verifyArchive(
  archive: string,
  opts: {
    password?: string | undefined;
    expectedSha256?: string | undefined;
    sha256File?: string | undefined;
    minSizeBytes?: number | undefined;
    /** Entries at most (default ARCHIVE_LIMITS.maxEntries; RestoreConfiguration.MaxArchiveEntries). */
    maxEntries?: number | undefined;
    /**
     * Keep the manifest's file list in the result (default true: a restore plans from it). False: the result's
     * manifest has `files` empty, and verify holds nothing per listed file but a few numbers (a backup's own
     * verify of 100,000 files).
     */
    keepFiles?: boolean | undefined;
  } = {},
): Promise<VerifyResult> {
  const checks: Check[] = [];
  const badEntries: string[] = [];
  const add: AddCheck = (name, ok, detail) => checks.push({ name, ok, detail });
  let legacy: LegacyArchive | undefined;
  let archiveSha256: string | undefined;
  const result = (): VerifyResult => ({ ok: checks.every((c) => c.ok), archive, checks, manifest, archiveSha256, badEntries, ...(legacy ? { legacy } : {}) });
  let manifest: Manifest | undefined;

  const st = await fsp.stat(archive).catch(() => undefined);
  add('exists', !!st, st ? `${st.size} bytes` : 'the archive does not exist');
  if (!st) return result();
  if (opts.minSizeBytes !== undefined) {
    add('minimum size', st.size >= opts.minSizeBytes, `${st.size} bytes, minimum ${Math.round(opts.minSizeBytes)}`);
  }
  // The archive's own hash comes from the same single pass that inflates the entries (filled in below).
  const expected = await expectedArchiveHash(archive, opts, add);
  const slot = checks.length;
  if (expected !== undefined) add('archive sha256', false, 'not computed');

  const inner = async (): Promise<string | undefined> => {
    // realworld (issue 13): a 7-Zip archive of the legacy batch script is named as such, not "not a readable ZIP".
    legacy = recognizeLegacyArchive(archive, await readHead(archive));
    if (legacy) {
      add('legacy archive', false, `${legacy.message} ${legacy.hint}`);
      return undefined;
    }
    let zf: ZipFile;
    try {
      zf = await openZip(archive);
    } catch (err) {
      add('opens', false, `not a readable ZIP: ${(err as Error).message}`);
      return undefined;
    }
    try {
      const table = await checkEntryTable(zf, add, badEntries, opts.maxEntries ?? ARCHIVE_LIMITS.maxEntries);
      // Nothing is inflated from an archive whose table is refused.
      if (!table) return undefined;
      countTailReads(table);
      const index = new Map<string, number>();
      for (let j = 0; j < table.length; j++) index.set(table.names[j]!, j);
      const mi = index.get(MANIFEST_NAME);
      if (mi === undefined) {
        legacy = recognizeLegacyArchive(archive, Buffer.alloc(0), table.names);
        add('manifest', false, legacy ? `manifest.json is missing: ${legacy.message} ${legacy.hint}` : 'manifest.json is missing');
        return undefined;
      }
      const listing = new Listing(table, index, opts.keepFiles ?? true);
      try {
        manifest = await readListedManifest(zf, table.entry(mi), opts.password, listing.add);
        manifest.files = listing.files ?? [];
        add('manifest', true, `mode ${manifest.mode}, ${listing.count} files`);
      } catch (err) {
        add('manifest', false, `manifest.json cannot be read: ${err instanceof BackupError ? err.message : (err as Error).message}`);
        return undefined;
      }
      const whole = await checkManifestEntries(zf, archive, table, listing, opts.password, add, badEntries);
      checkContent(manifest, table, listing, add, badEntries);
      return whole;
    } finally {
      zf.close();
    }
  };
  const streamed = await inner();
  if (expected !== undefined) {
    // When the pass did not run (the archive was refused before), the hash is still checked: one read of the file.
    archiveSha256 = streamed ?? (await hashWholeFile(archive));
    const said = opts.sha256File !== undefined ? `${basename(opts.sha256File)} says` : 'expected';
    const ok = archiveSha256 === expected.toLowerCase();
    checks[slot] = { name: 'archive sha256', ok, detail: ok ? archiveSha256 : `${basename(archive)}: computed ${archiveSha256}, ${said} ${expected}` };
  }
  return result();
}

/**
 * What the reader takes from the end of the archive with small reads before the single pass: the central
 * directory and its end records, and manifest.json (counted in ioCounters.archiveBytesRead as their sizes).
 */
function countTailReads(table: EntryTable): void {
  let n = 22 + 56 + 20;
  for (const e of table.rows()) {
    n += 46 + e.fileNameLength + e.extraFieldLength + e.fileCommentLength;
    if (e.fileName === MANIFEST_NAME) n += 30 + e.fileNameLength + e.extraFieldLength + e.compressedSize;
  }
  ioCounters.archiveBytesRead += n;
}

type AddCheck = (name: string, ok: boolean, detail: string) => void;

/** The SHA-256 the archive should have: the given value, or the one in the `.sha256` file beside it (checked here). */
async function expectedArchiveHash(
  archive: string,
  opts: { expectedSha256?: string | undefined; sha256File?: string | undefined },
  add: AddCheck,
): Promise<string | undefined> {
  let expected = opts.expectedSha256;
  if (opts.sha256File !== undefined) {
    let text: string | undefined;
    let why = 'is missing or not in "<hash>  <name>" form';
    try {
      text = await readTextFile(opts.sha256File);
    } catch (err) {
      if (err instanceof BackupError) why = err.full;
    }
    const m = text ? /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/m.exec(text) : null;
    // Windows file names compare case-insensitively (a sidecar written by PowerShell may differ in case).
    add('sha256 file', !!m && m[2]!.toLowerCase() === basename(archive).toLowerCase(), m ? `${opts.sha256File} names ${m[2]}` : `${opts.sha256File} ${why}`);
    if (m) expected = m[1]!.toLowerCase();
  }
  return expected;
}

/** The central directory and its entry table (count, names, kinds, duplicates, ratio); the entries when all pass. */
async function checkEntryTable(zf: ZipFile, add: AddCheck, badEntries: string[], maxEntries: number): Promise<EntryTable | undefined> {
  let entries: EntryTable;
  try {
    entries = await readEntryTable(zf, maxEntries);
  } catch (err) {
    if (err instanceof ArchiveRefused) {
      badEntries.push(err.entry);
      add('opens', true, `${zf.entryCount} entries in the central directory`);
      add('entry count', false, `${err.entry}: ${err.rule}`);
      return undefined;
    }
    // yauzl refuses absolute names, `..` segments and backslashes in the central directory itself.
    const msg = (err as Error).message;
    const bad = /^invalid (?:relative|absolute) path: (.*)$|^absolute path: (.*)$|^invalid characters in fileName: (.*)$/.exec(msg);
    if (bad) {
      const name = bad[1] ?? bad[2] ?? bad[3] ?? msg;
      badEntries.push(name);
      add('opens', true, 'the central directory reads up to an unsafe name');
      add('safe names', false, `entries escape the target folder: ${name} (the archive is refused)`);
    } else add('opens', false, `the central directory cannot be read: ${msg}`);
    return undefined;
  }
  add('opens', true, `${entries.length} entries`);
  add('entry count', true, `${entries.length} entries, limit ${maxEntries}`);
  const problems = entryTableProblems(entries.rows());
  for (const check of ['safe names', 'entry types', 'unique names', 'compression ratio']) {
    const mine = problems.filter((p) => p.check === check);
    badEntries.push(...mine.map((p) => p.entry));
    const shown = mine.slice(0, 10).map((p) => `"${p.entry}": ${p.rule}`);
    if (mine.length > 10) shown.push(`and ${mine.length - 10} more`);
    add(check, mine.length === 0, mine.length ? `refused: ${shown.join('; ')}` : OK_DETAIL[check]!);
  }
  return problems.length ? undefined : entries;
}

/**
 * What manifest.json lists, held against the entry table as it streams in (ManifestParser hands each file to
 * `add`): per entry, where the manifest lists it and the size and SHA-256 it gives, in typed arrays; no object
 * per file is kept unless the caller keeps the list (`files`). Throws for a path listed twice.
 */
class Listing {
  /** The manifest's index of the file listed for each entry; -1: not listed. */
  readonly at: Int32Array;
  readonly size: Float64Array;
  private readonly sha: Buffer;
  /** Listed, not in the archive, in the manifest's order. */
  readonly missing: Array<{ path: string; at: number }> = [];
  private readonly missingPaths = new Set<string>();
  /** Entries whose header declares another size than the manifest, in the manifest's order. */
  readonly lying: number[] = [];
  readonly files: ManifestFile[] | undefined;
  count = 0;
  total = 0;
  declared = 0;

  constructor(
    private readonly table: EntryTable,
    private readonly index: Map<string, number>,
    keepFiles: boolean,
  ) {
    this.at = new Int32Array(table.length).fill(-1);
    this.size = new Float64Array(table.length);
    this.sha = Buffer.alloc(table.length * 32);
    this.files = keepFiles ? [] : undefined;
  }

  readonly add = (f: ManifestFile, i: number): void => {
    this.count++;
    this.total += f.size;
    const j = this.index.get(f.path);
    if (j === undefined) {
      if (this.missingPaths.has(f.path)) throw listedTwice(f.path);
      this.missingPaths.add(f.path);
      this.missing.push({ path: f.path, at: i });
    } else {
      if (this.at[j]! >= 0) throw listedTwice(f.path);
      this.at[j] = i;
      this.size[j] = f.size;
      this.sha.write(f.sha256, j * 32, 32, 'hex');
      const header = this.table.uncompressedSizeOf(j);
      this.declared += header;
      if (header !== f.size) this.lying.push(j);
    }
    this.files?.push(f);
  };

  shaOf(j: number): string {
    return this.sha.toString('hex', j * 32, j * 32 + 32);
  }
}

/** manifest.json, streamed into a ManifestParser (its files go to `sink`), within the reader's limit for it. */
async function readListedManifest(zf: ZipFile, e: Entry, password: string | undefined, sink: (f: ManifestFile, i: number) => void): Promise<Manifest> {
  if (e.uncompressedSize > ARCHIVE_LIMITS.maxManifestBytes)
    throw new ArchiveRefused(e.fileName, `${e.uncompressedSize} bytes, above the limit of ${ARCHIVE_LIMITS.maxManifestBytes} for manifest.json`);
  const parser = new ManifestParser(sink);
  for await (const chunk of (await entryStream(zf, e, password)) as AsyncIterable<Buffer>) parser.write(chunk);
  return parser.end();
}

/**
 * Header sizes against the manifest (before anything is inflated), then every listed entry's size and SHA-256,
 * all in one pass over the archive (singlePass); the archive's own SHA-256 from that pass.
 */
async function checkManifestEntries(
  zf: ZipFile,
  archive: string,
  table: EntryTable,
  listing: Listing,
  password: string | undefined,
  add: AddCheck,
  badEntries: string[],
): Promise<string> {
  for (const j of listing.lying) {
    add(
      `entry ${table.names[j]}`,
      false,
      `its header declares ${table.uncompressedSizeOf(j)} bytes, the manifest lists ${listing.size[j]} bytes (limit: the manifest's size)`,
    );
  }
  const n = listing.lying.length;
  add(
    'total size',
    n === 0,
    n
      ? `${n} entr${n === 1 ? 'y declares' : 'ies declare'} another size than the manifest`
      : `${formatBytes(listing.declared)} uncompressed, as the manifest lists (${formatBytes(listing.total)})`,
  );
  badEntries.push(...listing.lying.map((j) => table.names[j]!));
  const lying = new Set(listing.lying);
  const items: number[] = [];
  for (let j = 0; j < table.length; j++) if (listing.at[j]! >= 0 && !lying.has(j)) items.push(j);
  const { archiveSha256, outcomes } = await singlePass(zf, archive, table, listing, items, password);
  // What is missing or does not match, in the manifest's order (the pass keeps nothing for entries that match).
  const bad: Array<{ at: number; path: string } | { at: number; j: number }> = [
    ...listing.missing,
    ...[...outcomes.keys()].map((j) => ({ at: listing.at[j]!, j })),
  ];
  bad.sort((a, b) => a.at - b.at);
  for (const b of bad) {
    if ('path' in b) {
      badEntries.push(b.path);
      add(`entry ${b.path}`, false, 'listed in the manifest but missing from the archive');
      continue;
    }
    const name = table.names[b.j]!;
    const got = outcomes.get(b.j)!;
    badEntries.push(name);
    if ('error' in got)
      add(`entry ${name}`, false, got.error instanceof ArchiveRefused ? `refused: ${got.error.rule}` : `cannot be read: ${got.error.message}`);
    else
      add(`entry ${name}`, false, `SHA-256 ${got.sha256} (${got.size} bytes) does not match the manifest's ${listing.shaOf(b.j)} (${listing.size[b.j]} bytes)`);
  }
  if (badEntries.length === 0) add('manifest hashes', true, `${listing.count} entries match their SHA-256`);
  return archiveSha256;
}

type Outcome = { sha256: string; size: number } | { error: Error };

/**
 * The single pass: the archive is streamed once, front to back, through a SequentialReader that hashes all of
 * it; each listed entry (`items`: entry indexes) is decrypted and inflated from those same bytes as the stream
 * reaches its local header, and its SHA-256, size and (outside AE-2, which has none) CRC-32 taken. An entry whose
 * header lies before the stream's position (overlapping entries: never written by this tool) is read on its own.
 */
async function singlePass(
  zf: ZipFile,
  archive: string,
  table: EntryTable,
  listing: Listing,
  items: number[],
  password: string | undefined,
): Promise<{ archiveSha256: string; outcomes: Map<number, Outcome> }> {
  const reader = new SequentialReader(archive);
  // Only the entries that failed or do not match the manifest: every item is decoded, or the pass throws.
  const outcomes = new Map<number, Outcome>();
  items.sort((a, b) => table.offsetOf(a) - table.offsetOf(b));
  try {
    for (const j of items) {
      const e = table.entry(j);
      const size = listing.size[j]!;
      const at = e.relativeOffsetOfLocalHeader;
      const fail = (err: unknown): Outcome => ({ error: err as Error });
      let got: Outcome;
      if (at < reader.position) got = await hashEntry(zf, e, password, size).catch(fail);
      else {
        await reader.skip(at - reader.position);
        got = await decodeEntry(reader, e, size, password).catch(fail);
      }
      if ('error' in got || got.size !== size || got.sha256 !== listing.shaOf(j)) outcomes.set(j, got);
    }
    return { archiveSha256: await reader.finish(), outcomes };
  } finally {
    await reader.close();
  }
}

/** Entries up to this size (compressed) are inflated in one call, not through a stream pipeline per entry. */
const SMALL_ENTRY = 1024 * 1024;

/** A small unencrypted entry: its bytes at once, inflated with the same size checks as SizeGuard's. */
async function decodeSmall(reader: SequentialReader, e: Entry, method: number, limit: number, what: string): Promise<Outcome> {
  let raw: Buffer;
  try {
    raw = await reader.read(e.compressedSize);
  } catch {
    return { error: new Error(`the archive ends inside the entry (${e.compressedSize} bytes expected)`) };
  }
  let data: Buffer;
  try {
    // An output buffer of about the expected size (at most 1 MiB): zlib's default 16 KiB a call was, over
    // 100,000 small entries, the main thread's garbage between collections.
    data = method === 8 ? inflateRawSync(raw, { maxOutputLength: limit + 1, chunkSize: Math.max(64, Math.min(limit + 64, 1024 * 1024)) }) : raw;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return { error: new ArchiveRefused(e.fileName, `it inflates past the ${limit} bytes ${what} (the header lies about its size)`) };
    }
    return { error: err as Error };
  }
  if (data.length > limit) return { error: new ArchiveRefused(e.fileName, `it inflates past the ${limit} bytes ${what} (the header lies about its size)`) };
  if (data.length !== limit) return { error: new ArchiveRefused(e.fileName, `it inflates to ${data.length} bytes, not the ${limit} bytes ${what}`) };
  const crc = crc32(data) >>> 0;
  if (crc !== e.crc32 >>> 0) {
    return { error: new Error(`its CRC-32 is ${crc.toString(16).padStart(8, '0')}, its header says ${(e.crc32 >>> 0).toString(16).padStart(8, '0')}`) };
  }
  return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}

/** One entry from the reader, positioned at its local header: the header, then exactly its compressed bytes. */
async function decodeEntry(reader: SequentialReader, e: Entry, expectedSize: number, password: string | undefined): Promise<Outcome> {
  const h = await reader.read(30);
  if (h.readUInt32LE(0) !== 0x04034b50) return { error: new Error(`no local file header at offset ${e.relativeOffsetOfLocalHeader}`) };
  await reader.skip(h.readUInt16LE(26) + h.readUInt16LE(28));
  const stages: Array<Transform | Writable> = [];
  let method = e.compressionMethod;
  let early: Error | undefined;
  if (isAesEntry(e)) {
    if (!password) early = new Error('the entry is AES-256 encrypted and no password was given');
    else {
      const d = aesDecoder(e, password);
      stages.push(d.decrypt);
      method = d.method;
    }
  }
  if (early) {
    await reader.skip(e.compressedSize);
    return { error: early };
  }
  const limit = Math.min(e.uncompressedSize, expectedSize);
  const what = expectedSize >= e.uncompressedSize ? 'its header declares' : 'the manifest lists';
  if (stages.length === 0 && e.compressedSize <= SMALL_ENTRY && limit <= 4 * SMALL_ENTRY) return decodeSmall(reader, e, method, limit, what);
  if (method === 8) stages.push(createInflateRaw());
  stages.push(new SizeGuard(e.fileName, limit, what));
  const sha = createHash('sha256');
  let crc = 0;
  let n = 0;
  stages.push(
    new Writable({
      write(c: Buffer, _e, cb) {
        sha.update(c);
        crc = crc32(c, crc);
        n += c.length;
        cb();
      },
    }),
  );
  let failed: Error | undefined;
  const done = new Promise<Error | undefined>((resolve) =>
    pipeline(stages as [Transform, ...Writable[]], (err) => {
      failed ??= err ?? undefined;
      resolve(err ?? undefined);
    }),
  );
  const head = stages[0] as Writable;
  let fed = 0;
  for await (const p of reader.pieces(e.compressedSize)) {
    fed += p.length;
    // After a failure the rest of the entry is still read (the archive's hash needs it), not decoded.
    if (failed) continue;
    if (!head.write(p)) await Promise.race([new Promise((r) => head.once('drain', r)), done]);
  }
  if (!failed) head.end();
  const err = await done;
  if (fed < e.compressedSize) return { error: new Error(`the archive ends inside the entry (${fed} of ${e.compressedSize} bytes)`) };
  if (err) return { error: err };
  if (!isAesEntry(e) && crc >>> 0 !== e.crc32 >>> 0) {
    return { error: new Error(`its CRC-32 is ${(crc >>> 0).toString(16).padStart(8, '0')}, its header says ${(e.crc32 >>> 0).toString(16).padStart(8, '0')}`) };
  }
  return { sha256: sha.digest('hex'), size: n };
}

/** Nothing unlisted in the archive; the files the mode needs are there, and nothing outside the mode. */
function checkContent(m: Manifest, table: EntryTable, listing: Listing, add: AddCheck, badEntries: string[]): void {
  const names = table.names;
  const extra = names.filter((n, j) => listing.at[j]! < 0 && n !== MANIFEST_NAME && !n.endsWith('/'));
  badEntries.push(...extra);
  add(
    'no unlisted entries',
    extra.length === 0,
    extra.length
      ? `not in the manifest: ${extra.slice(0, 10).join(', ')}${extra.length > 10 ? ` and ${extra.length - 10} more` : ''}`
      : 'every entry is in the manifest',
  );
  const { patterns, forbidden } = expectedEntries(m);
  const missing = patterns.filter((re) => !names.some((n) => re.test(n))).map((re) => re.source);
  add('expected files', missing.length === 0, missing.length ? `missing for mode ${m.mode}: ${missing.join(', ')}` : `all files of mode ${m.mode} present`);
  const wrong = names.filter((n) => forbidden.some((re) => re.test(n)));
  add('mode content', wrong.length === 0, wrong.length ? `mode ${m.mode} must not hold: ${wrong.slice(0, 5).join(', ')}` : `nothing outside mode ${m.mode}`);
}

const OK_DETAIL: Record<string, string> = {
  'safe names': 'no absolute, drive, UNC or ../ names; every name is a valid Windows file name',
  'entry types': 'regular files and folders only',
  'unique names': 'no two entries name the same file (compared as Windows does)',
  'compression ratio': `no entry expands beyond ${ARCHIVE_LIMITS.maxRatio}:1`,
};
