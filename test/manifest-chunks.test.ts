// manifestChunks (src/archive/writer.ts): manifest.json is written in pieces, never as one string of the whole file
// list; the bytes must be exactly JSON.stringify(manifest, null, 2), whatever the list holds.
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManifestFileList, manifestChunks } from '../src/archive/writer.ts';
import { MANIFEST_FORMAT, type Manifest, type ManifestFile } from '../src/core/manifest.ts';

function manifest(files: ManifestFile[]): Manifest {
  return {
    format: MANIFEST_FORMAT,
    tool: { name: 'AlteryxBackup', version: '0.1.0' },
    createdAt: '2026-12-01T18:00:00.000+00:00',
    mode: 'ConfigOnly',
    scopes: ['config'],
    hostName: 'ALTERYX01',
    serverVersion: '2023.1.1.281',
    nodes: [{ name: 'ALTERYX01', role: 'controller' }],
    mongo: { type: 'embedded', decidedBy: 'sandbox', dumped: false, gzip: false, databases: {} },
    secretsIncluded: false,
    encrypted: false,
    encryptionKeyGuidance: 'keep the key',
    files,
    // A nested "files": [] further in must be left alone.
    configuration: { Nested: { files: [] }, Text: 'a "files": [] inside a string\nand a line break' },
    status: { completedSteps: ['files'], warnings: [] },
    durationsMs: { files: 12 },
  } as unknown as Manifest;
}

const file = (i: number, extra: Partial<ManifestFile> = {}): ManifestFile => ({
  path: `Config/Keys/bench/${Math.floor(i / 100)}/k${i}.xml`,
  size: 200 + i,
  sha256: i.toString(16).padStart(64, '0'),
  kind: 'keys' as ManifestFile['kind'],
  node: 'ALTERYX01',
  source: `C:\\ProgramData\\Alteryx\\Keys\\bench\\k${i}.xml`,
  note: undefined,
  ...extra,
});

/** The manifest's files put through a ManifestFileList (spooled in memory, or in a file when `path` is given). */
const whole = (m: Manifest, chunk?: number, path?: string) => {
  const list = new ManifestFileList(path);
  for (const f of m.files) list.add(f);
  try {
    const parts = [...manifestChunks({ ...m, files: [] }, list, chunk)];
    return { parts, text: Buffer.concat(parts).toString('utf8'), list };
  } finally {
    list.dispose();
  }
};

test('byte for byte JSON.stringify(manifest, null, 2): no files, one, many, non-ASCII names and notes', (t) => {
  for (const files of [
    [],
    [file(0)],
    Array.from({ length: 2500 }, (_, i) => file(i)),
    [file(1, { path: 'Config/Keys/ключ €.xml', note: 'zwei\nZeilen "quoted"' }), file(2)],
  ]) {
    const m = manifest(files);
    t.is(whole(m).text, JSON.stringify(m, null, 2), `${files.length} files`);
  }
});

test('every piece is at most the chunk size, also when characters take several bytes', (t) => {
  const m = manifest(Array.from({ length: 400 }, (_, i) => file(i, { path: `Config/Keys/€€€/ключ-${i}.xml` })));
  const { parts, text } = whole(m, 1024);
  t.is(text, JSON.stringify(m, null, 2));
  t.true(parts.length > 10, `${parts.length} pieces`);
  for (const p of parts) t.true(p.length <= 1024, `${p.length} bytes`);
});

test('spooled in a file: the same bytes, the count and total size kept, the file removed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ab-mlist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // 2 MB and more of rendered entries: more than one of the spool's 1 MiB blocks goes through the file.
  const files = Array.from({ length: 9000 }, (_, i) => file(i, { note: i % 7 ? undefined : 'ä'.repeat(i % 50) }));
  const m = manifest(files);
  const { text, list } = whole(m, undefined, join(dir, 'list.tmp'));
  t.true(text.length > 2 * 1024 * 1024, `${text.length} characters`);
  t.is(text, JSON.stringify(m, null, 2));
  t.is(list.count, 9000);
  t.is(
    list.totalSize,
    files.reduce((n, f) => n + f.size, 0),
  );
  t.false(existsSync(join(dir, 'list.tmp')));
});

test('spooled in a file, read with reuse (two buffers in turn): the same bytes for a consumer that uses each piece as it comes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ab-mlist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = Array.from({ length: 12_000 }, (_, i) => file(i));
  const m = manifest(files);
  const list = new ManifestFileList(join(dir, 'list.tmp'));
  for (const f of files) list.add(f);
  const copies: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for (const p of manifestChunks({ ...m, files: [] }, list, undefined, true)) {
    copies.push(Buffer.from(p));
    buffers.add(p.buffer);
  }
  list.dispose();
  t.is(Buffer.concat(copies).toString('utf8'), JSON.stringify(m, null, 2));
  t.true(copies.length >= 4, `${copies.length} pieces`);
  // The head, the two reading buffers, the last block, the tail: no buffer per 1 MiB piece.
  t.true(buffers.size <= 5, `${buffers.size} buffers for ${copies.length} pieces`);
});
