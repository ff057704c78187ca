// Helpers for the restore and drill tests: backups of real sandboxes, the server state to compare, and
// archives damaged or crafted byte by byte.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ZipArchive } from 'archiver';
import type { ExecutionContext } from 'ava';
import { runBackup, type BackupResult } from '../../src/backup/backup.ts';
import { choosePlatform } from '../../src/platform/choose.ts';
import type { Manifest } from '../../src/core/manifest.ts';
import { entryStream, openZip, readEntries } from '../../src/archive/verify.ts';
import { alteryxServiceExecutable, databaseDocumentCounts, mapWindowsPath, openSandbox, WIN, mongoServerDir } from '../../src/sandbox/index.ts';
import type { CreateOptions } from '../../src/sandbox/index.ts';
import { quickSandbox } from './sandbox.ts';

export const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A manifest of the shape the tool writes, listing `files` as ConfigOnly settings (for archives a test crafts). */
export function configOnlyManifest(files: Record<string, Buffer>): Manifest {
  return {
    format: 1,
    tool: { name: 'AlteryxBackup', version: 'test' },
    createdAt: '2026-01-13T02:00:00.000+00:00',
    mode: 'ConfigOnly',
    scopes: [],
    hostName: 'H',
    serverVersion: null,
    nodes: [{ name: 'H', role: 'controller' }],
    mongo: { type: 'embedded', decidedBy: 'x', dumped: false, gzip: false, databases: {} },
    secretsIncluded: true,
    encrypted: false,
    encryptionKeyGuidance: '',
    files: Object.entries(files).map(([path, b]) => ({ path, size: b.length, sha256: sha(b), kind: 'settings' as const })),
    configuration: {},
    status: { completedSteps: [], warnings: [] },
    durationsMs: {},
  };
}

export async function backupOf(
  t: ExecutionContext,
  mode: 'Full' | 'DatabaseOnly' | 'ConfigOnly',
  opts: CreateOptions = {},
  secrets: Record<string, string> = {},
) {
  const a = await quickSandbox(t, { modifiedConfig: true, ...opts });
  const r: BackupResult = await runBackup(
    { params: { BackupMode: mode, SandboxPath: a.dir, ConfigPath: a.config }, secrets, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  if (r.exitCode !== 0 || !r.archivePath) throw new Error(`backup of A failed: ${r.message}`);
  return { ...a, archive: r.archivePath, manifest: await readManifest(r.archivePath, secrets['ArchivePassword']) };
}

export async function readManifest(zip: string, password?: string): Promise<Manifest> {
  const entries = await zipEntries(zip, password, (n) => n === 'manifest.json');
  return JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
}

/** SHA-256 of every configuration file a restore writes, per node: RuntimeSettings.xml (overrides), Keys, Engine, alteryx.config. */
export function configHashes(dir: string): Record<string, string> {
  const info = openSandbox(dir);
  const out: Record<string, string> = {};
  for (const n of info.nodes) {
    const files = [WIN.overridesXml, WIN.systemAlias, WIN.systemConnections, WIN.alteryxConfig2020];
    for (const f of files) {
      const p = mapWindowsPath(dir, n.root, f);
      if (existsSync(p)) out[`${n.name}:${f}`] = sha(readFileSync(p));
    }
    const keys = mapWindowsPath(dir, n.root, WIN.keysDir);
    if (existsSync(keys)) for (const k of readdirSync(keys)) out[`${n.name}:${WIN.keysDir}\\${k}`] = sha(readFileSync(join(keys, k)));
  }
  return out;
}

/** The defaults RuntimeSettings.xml of every node (a restore must never write it). */
export function defaultsHashes(dir: string): Record<string, string> {
  const info = openSandbox(dir);
  return Object.fromEntries(info.nodes.map((n) => [n.name, sha(readFileSync(mapWindowsPath(dir, n.root, WIN.defaultsXml)))]));
}

export const counts = (dir: string) => databaseDocumentCounts(dir);

/** SHA-256 of every collection file of a sandbox's self-managed MongoDB: a change of content, not only of counts. */
export function databaseHashes(dir: string): Record<string, string> {
  const root = mongoServerDir(dir);
  const out: Record<string, string> = {};
  for (const db of readdirSync(root)) {
    if (!statSync(join(root, db)).isDirectory()) continue;
    for (const f of readdirSync(join(root, db)).filter((x) => x.endsWith('.bson'))) out[`${db}/${f}`] = sha(readFileSync(join(root, db, f)));
  }
  return out;
}

export function token(dir: string): string {
  const info = openSandbox(dir);
  const ctrl = info.nodes.find((n) => n.role === 'controller')!;
  return execFileSync(alteryxServiceExecutable(dir, ctrl.name), ['getserversecret'], { encoding: 'utf8' }).trim();
}

export async function zipEntries(zip: string, password?: string, only: (name: string) => boolean = () => true): Promise<Map<string, Buffer>> {
  const zf = await openZip(zip);
  const out = new Map<string, Buffer>();
  try {
    for (const e of await readEntries(zf)) {
      if (!only(e.fileName)) continue;
      const parts: Buffer[] = [];
      for await (const c of (await entryStream(zf, e, password)) as AsyncIterable<Buffer>) parts.push(c);
      out.set(e.fileName, Buffer.concat(parts));
    }
  } finally {
    zf.close();
  }
  return out;
}

/** Writes a new ZIP from name -> content (archiver, deflate). */
export async function writeZip(file: string, entries: Map<string, Buffer> | Array<[string, Buffer]>): Promise<void> {
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on('close', () => resolve());
    out.on('error', reject);
  });
  zip.pipe(out);
  for (const [name, data] of entries) zip.append(data, { name });
  await zip.finalize();
  await done;
}

export function writeSha256(zip: string): void {
  writeFileSync(`${zip}.sha256`, `${sha(readFileSync(zip))}  ${basename(zip)}\n`);
}

/** Flips one byte in the middle of an entry's stored (compressed) data, in place. */
export async function corruptEntryByte(zip: string, name: string): Promise<void> {
  const zf = await openZip(zip);
  let offset = -1;
  let size = 0;
  try {
    const e = (await readEntries(zf)).find((x) => x.fileName === name);
    if (!e) throw new Error(`${name} not in ${zip}`);
    offset = e.relativeOffsetOfLocalHeader;
    size = e.compressedSize;
  } finally {
    zf.close();
  }
  const fd = openSync(zip, 'r+');
  try {
    const head = Buffer.alloc(30);
    readSync(fd, head, 0, 30, offset);
    const dataStart = offset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    const at = dataStart + Math.floor(size / 2);
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0x5a;
    writeSync(fd, b, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Adds an entry whose name escapes the target folder. archiver cleans `../` out of names, so the entry is
 * written under a placeholder of the same length and the placeholder is replaced in the bytes (local header
 * and central directory); lengths and offsets stay valid.
 */
export async function withUnsafeEntry(src: string, dest: string, unsafeName: string, content: Buffer): Promise<void> {
  const entries = await zipEntries(src);
  const placeholder = 'Q'.repeat(unsafeName.length - 4) + 'Z9Z9';
  const list: Array<[string, Buffer]> = [...entries];
  // The manifest lists it with its hash, so that only the name is wrong.
  const m = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
  m.files.push({ path: unsafeName, size: content.length, sha256: sha(content), kind: 'metadata' });
  const i = list.findIndex(([n]) => n === 'manifest.json');
  list[i] = ['manifest.json', Buffer.from(JSON.stringify(m, null, 2))];
  list.splice(0, 0, [placeholder, content]);
  await writeZip(dest, list);
  const bytes = readFileSync(dest);
  const from = Buffer.from(placeholder);
  const to = Buffer.from(unsafeName);
  let n = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) {
    to.copy(bytes, at);
    n++;
  }
  if (n !== 2) throw new Error(`expected the name twice (local header, central directory), found ${n}`);
  writeFileSync(dest, bytes);
}

/**
 * A drill result whose database came back whole: 11 collections, each counted equal to the manifest and to
 * the restore log, the restore-log verdict a success, and the document totals equal and above zero.
 */
export function assertDrillCounts(t: ExecutionContext, res: Record<string, unknown>, manifest: Manifest): void {
  const rows = res['counts'] as Array<{ database: string; collection: string; expected: number; restored: number; actual: number; ok: boolean }>;
  t.is(rows.length, 11);
  for (const row of rows) {
    t.true(row.ok, JSON.stringify(row));
    t.is(row.actual, manifest.mongo.databases[row.database]?.[row.collection] ?? -1);
    t.is(row.restored, row.expected);
  }
  t.true((res['restoreLog'] as { ok: boolean }).ok);
  const docs = res['documents'] as { expected: number; actual: number };
  t.true(docs.expected > 0);
  t.is(docs.actual, docs.expected);
}
