import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { MANIFEST_NAME, expectedEntries, type Manifest } from '../core/manifest.ts';
import { sha256File } from '../util/fsx.ts';
import { decryptAesEntry, isAesEntry } from './zip-aes.ts';

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
}

export function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (err, zf) => (err ? reject(err) : resolve(zf))),
  );
}

export function readEntries(zf: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const list: Entry[] = [];
    zf.on('entry', (e: Entry) => {
      list.push(e);
      zf.readEntry();
    });
    zf.on('end', () => resolve(list));
    zf.on('error', reject);
    zf.readEntry();
  });
}

/** Opens an entry's content (decompressed; decrypted for WinZip AES entries when a password is given). */
export async function entryStream(zf: ZipFile, e: Entry, password?: string): Promise<NodeJS.ReadableStream> {
  if (isAesEntry(e)) {
    if (!password) throw new Error('the entry is AES-256 encrypted and no password was given');
    return decryptAesEntry(zf, e, password);
  }
  return new Promise((resolve, reject) => zf.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));
}

async function hashEntry(zf: ZipFile, e: Entry, password?: string): Promise<{ sha256: string; size: number }> {
  const s = await entryStream(zf, e, password);
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of s as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest('hex'), size };
}

async function readText(zf: ZipFile, e: Entry, password?: string): Promise<string> {
  const s = await entryStream(zf, e, password);
  const parts: Buffer[] = [];
  for await (const chunk of s as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Refuses entry names that would escape a target folder (zip slip). */
export function unsafeEntryName(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).some((p) => p === '..');
}

/**
 * Verifies an archive with an independent reader (yauzl, not the writer): it opens, names are safe,
 * manifest.json parses, every manifest entry is present with the same size and SHA-256, nothing is in
 * the archive that the manifest does not list, the files the mode needs are there, and (when given) the
 * archive's own SHA-256 matches the expected value or the `.sha256` file beside it.
 */
export async function verifyArchive(
  archive: string,
  opts: { password?: string | undefined; expectedSha256?: string | undefined; sha256File?: string | undefined; minSizeBytes?: number | undefined } = {},
): Promise<VerifyResult> {
  const checks: Check[] = [];
  const badEntries: string[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const result = (): VerifyResult => ({ ok: checks.every((c) => c.ok), archive, checks, manifest, archiveSha256, badEntries });
  let manifest: Manifest | undefined;
  let archiveSha256: string | undefined;

  const st = await fsp.stat(archive).catch(() => undefined);
  add('exists', !!st, st ? `${st.size} bytes` : 'the archive does not exist');
  if (!st) return result();
  if (opts.minSizeBytes !== undefined) {
    add('minimum size', st.size >= opts.minSizeBytes, `${st.size} bytes, minimum ${Math.round(opts.minSizeBytes)}`);
  }

  let expected = opts.expectedSha256;
  if (opts.sha256File !== undefined) {
    const text = await fsp.readFile(opts.sha256File, 'utf8').catch(() => undefined);
    const m = text ? /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/m.exec(text) : null;
    add('sha256 file', !!m && m[2] === basename(archive), m ? `${opts.sha256File} names ${m[2]}` : `${opts.sha256File} is missing or not in "<hash>  <name>" form`);
    if (m) expected = m[1]!.toLowerCase();
  }
  if (expected !== undefined) {
    archiveSha256 = await sha256File(archive);
    const said = opts.sha256File !== undefined ? `${basename(opts.sha256File)} says` : 'expected';
    add('archive sha256', archiveSha256 === expected.toLowerCase(), archiveSha256 === expected.toLowerCase() ? archiveSha256 : `${basename(archive)}: computed ${archiveSha256}, ${said} ${expected}`);
  }

  let zf: ZipFile;
  try {
    zf = await openZip(archive);
  } catch (err) {
    add('opens', false, `not a readable ZIP: ${(err as Error).message}`);
    return result();
  }
  try {
    let entries: Entry[];
    try {
      entries = await readEntries(zf);
    } catch (err) {
      // yauzl refuses absolute names, `..` segments and backslashes in the central directory itself.
      const msg = (err as Error).message;
      const bad = /^invalid (?:relative|absolute) path: (.*)$|^invalid characters in fileName: (.*)$/.exec(msg);
      if (bad) {
        badEntries.push(bad[1] ?? bad[2] ?? msg);
        add('opens', true, 'the central directory reads up to an unsafe name');
        add('safe names', false, `entries escape the target folder: ${bad[1] ?? bad[2]} (the archive is refused)`);
      } else add('opens', false, `the central directory cannot be read: ${msg}`);
      return result();
    }
    add('opens', true, `${entries.length} entries`);
    const unsafe = entries.filter((e) => unsafeEntryName(e.fileName)).map((e) => e.fileName);
    add('safe names', unsafe.length === 0, unsafe.length ? `entries escape the target folder: ${unsafe.join(', ')}` : 'no absolute or ../ names');
    const byName = new Map(entries.map((e) => [e.fileName, e]));
    const me = byName.get(MANIFEST_NAME);
    if (!me) {
      add('manifest', false, 'manifest.json is missing');
      return result();
    }
    try {
      manifest = JSON.parse(await readText(zf, me, opts.password)) as Manifest;
      add('manifest', true, `mode ${manifest.mode}, ${manifest.files.length} files`);
    } catch (err) {
      add('manifest', false, `manifest.json cannot be read: ${(err as Error).message}`);
      return result();
    }
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
      const e = byName.get(f.path);
      if (!e) {
        badEntries.push(f.path);
        add(`entry ${f.path}`, false, 'listed in the manifest but missing from the archive');
        continue;
      }
      try {
        const got = await hashEntry(zf, e, opts.password);
        const ok = got.sha256 === f.sha256 && got.size === f.size;
        if (!ok) {
          badEntries.push(f.path);
          add(`entry ${f.path}`, false, `SHA-256 ${got.sha256} (${got.size} bytes) does not match the manifest's ${f.sha256} (${f.size} bytes)`);
        }
      } catch (err) {
        badEntries.push(f.path);
        add(`entry ${f.path}`, false, `cannot be read: ${(err as Error).message}`);
      }
    }
    if (badEntries.length === 0) add('manifest hashes', true, `${manifest.files.length} entries match their SHA-256`);
    const extra = entries.filter((e) => e.fileName !== MANIFEST_NAME && !e.fileName.endsWith('/') && !listed.has(e.fileName)).map((e) => e.fileName);
    add('no unlisted entries', extra.length === 0, extra.length ? `not in the manifest: ${extra.join(', ')}` : 'every entry is in the manifest');
    const { patterns, forbidden } = expectedEntries(manifest);
    const names = [...byName.keys()];
    const missing = patterns.filter((re) => !names.some((n) => re.test(n))).map((re) => re.source);
    add('expected files', missing.length === 0, missing.length ? `missing for mode ${manifest.mode}: ${missing.join(', ')}` : `all files of mode ${manifest.mode} present`);
    const wrong = names.filter((n) => forbidden.some((re) => re.test(n)));
    add('mode content', wrong.length === 0, wrong.length ? `mode ${manifest.mode} must not hold: ${wrong.slice(0, 5).join(', ')}` : `nothing outside mode ${manifest.mode}`);
  } finally {
    zf.close();
  }
  return result();
}
