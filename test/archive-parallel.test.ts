// The archive room's parallel writer (issue 15): chunks deflated apart in worker threads and joined into one
// raw-deflate stream; archives read back by independent tools (unzip, 7-Zip, Python zipfile, Expand-Archive);
// ZIP64 and AES-256; verify in a single pass over the archive; one read of every input byte; abort.
import test from 'ava';
import sinon from 'sinon';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { runBackup } from '../src/backup/backup.ts';
import { CHUNK_BYTES, DEFLATE_THREAD_LIMITS, DeflatePool, DICT_BYTES, deflateChunk } from '../src/archive/deflate-pool.ts';
import { ioCounters, ioSnapshot } from '../src/archive/hashing.ts';
import { entryStream, openZip, readEntries, verifyArchive } from '../src/archive/verify.ts';
import { zipReads } from '../src/archive/zip-file-reader.ts';
import { STORED } from '../src/archive/writer.ts';
import { bufferChunks, fileChunks, smallFileChunks, ZipWriter } from '../src/archive/zip-writer.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { configOnlyManifest, sha } from './helpers/restore-fixtures.ts';
import { filesUnder, tempDir } from './helpers/tmp.ts';

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

/** Text that compresses like logs and JSON dumps (about 4:1), the same for the same seed. */
function textLike(bytes: number, seed: number): Buffer {
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const words = ['workflow', 'gallery', 'user', 'schedule', 'queue', 'result', 'status', 'Completed', 'Error', 'run', 'owner', 'collection'];
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    const line = `{"_id":"${Math.floor(rnd() * 0xffffffff).toString(16)}","${words[Math.floor(rnd() * words.length)]}":${Math.floor(rnd() * 100000)},"name":"${words[Math.floor(rnd() * words.length)]} ${Math.floor(rnd() * 1000)}"}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** Writes entries (name -> Buffer or file path) with a fresh pool; closes both. */
async function writeZip(
  file: string,
  entries: Array<[string, Buffer | { path: string }]>,
  opts: { password?: string; level?: number; piece?: number; centralSpool?: string } = {},
): Promise<{ size: number; sha256: string; spooledBeforeFinish?: number }> {
  const pool = new DeflatePool();
  const fh = await fsp.open(file, 'w');
  try {
    const z = new ZipWriter(fh, pool, {
      level: opts.level ?? 6,
      password: opts.password,
      date: new Date(2026, 0, 13, 2, 0, 0),
      centralSpool: opts.centralSpool,
    });
    for (const [name, src] of entries) {
      if (Buffer.isBuffer(src)) await z.addEntry(name, bufferChunks(src, opts.piece), STORED.test(name), src.length);
      // As the archive step reads: a deflated entry's pieces in two buffers in turn (fileChunks' reuse).
      else await z.addEntry(name, fileChunks(src.path, CHUNK_BYTES, !STORED.test(name) && (opts.level ?? 6) > 0), STORED.test(name), statSync(src.path).size);
    }
    await z.flush();
    // What the central directory's spool file holds once every entry is written (the last block is still in memory).
    const spooledBeforeFinish = opts.centralSpool ? statSync(opts.centralSpool).size : undefined;
    return { ...(await z.finish()), spooledBeforeFinish };
  } finally {
    await fh.close();
    await pool.close();
  }
}

/** A staged-like folder: many small files of all sizes, a multi-chunk text file, an already-compressed file. */
function stageFolder(dir: string): Array<[string, { path: string }]> {
  mkdirSync(join(dir, 'Config', 'Keys'), { recursive: true });
  mkdirSync(join(dir, 'MongoDB', 'AlteryxGallery'), { recursive: true });
  for (let i = 0; i < 240; i++) writeFileSync(join(dir, 'Config', 'Keys', `k${i}.txt`), textLike((i * 97) % 6000, i + 1));
  writeFileSync(join(dir, 'Config', 'Keys', 'one-byte.txt'), 'x');
  writeFileSync(join(dir, 'MongoDB', 'AlteryxGallery', 'big.bson'), textLike(5 * CHUNK_BYTES + 12345, 99));
  writeFileSync(join(dir, 'MongoDB', 'AlteryxGallery', 'exact.bson'), textLike(CHUNK_BYTES, 7));
  writeFileSync(join(dir, 'MongoDB', 'AlteryxGallery', 'packed.bson.gz'), randomBytes(200_000));
  return filesUnder(dir)
    .sort()
    .map((p) => [relative(dir, p).split('\\').join('/'), { path: p }]);
}

test.serial('chunks deflated apart (sync flush, the previous 32 KiB as dictionary) join into one raw-deflate stream, at awkward sizes', async (t) => {
  const pool = new DeflatePool(2);
  t.teardown(() => pool.close());
  const data = textLike(3 * CHUNK_BYTES + 17, 5);
  const sizes = [0, 1, 7, DICT_BYTES - 1, DICT_BYTES, DICT_BYTES + 1, 65_539, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, data.length];
  for (const size of sizes) {
    const src = data.subarray(0, size);
    for (const piece of [4093, 32_769, CHUNK_BYTES]) {
      const cuts: Buffer[] = [];
      for (let o = 0; o < src.length; o += piece) cuts.push(src.subarray(o, o + piece));
      if (cuts.length === 0) cuts.push(Buffer.alloc(0));
      const parts = await Promise.all(cuts.map((c, i) => pool.deflate(c, 6, i === cuts.length - 1, i > 0 ? cuts[i - 1]!.subarray(-DICT_BYTES) : undefined)));
      // Every part but the last ends on a byte boundary with the sync flush marker (an empty stored block).
      for (const p of parts.slice(0, -1)) t.is(p.subarray(-4).toString('hex'), '0000ffff', `size ${size}, piece ${piece}`);
      t.true(inflateRawSync(Buffer.concat(parts)).equals(src), `size ${size}, piece ${piece}`);
    }
  }
});

test.serial('entries cut at awkward sizes (0, 1, chunk size, chunk size + 1, 7-byte pieces) read back identical through Python zipfile', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'a.zip');
  const data = textLike(CHUNK_BYTES + 1, 3);
  const entries: Array<[string, Buffer]> = [
    ['empty.txt', Buffer.alloc(0)],
    ['one.txt', Buffer.from('1')],
    ['chunk.txt', data.subarray(0, CHUNK_BYTES)],
    ['chunk-plus-one.txt', data],
    ['stored.gz', randomBytes(70_000)],
  ];
  await writeZip(zip, entries);
  const sevenPieces = join(dir, 'b.zip');
  await writeZip(sevenPieces, [['small-pieces.txt', data.subarray(0, 50_000)]], { piece: 7 });
  const py = run('python3', [
    '-c',
    'import sys,zipfile,hashlib,json\nfor f in sys.argv[1:]:\n z=zipfile.ZipFile(f)\n assert z.testzip() is None\n print(json.dumps({i.filename:[hashlib.sha256(z.read(i)).hexdigest(),i.compress_type] for i in z.infolist()}))',
    zip,
    sevenPieces,
  ]);
  t.is(py.status, 0, py.stderr);
  const [a, b] = py.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, [string, number]>);
  for (const [name, buf] of entries) t.is(a![name]![0], sha(buf), name);
  t.is(a!['stored.gz']![1], 0, 'an already-compressed input is stored');
  t.is(a!['chunk.txt']![1], 8);
  t.is(b!['small-pieces.txt']![0], sha(data.subarray(0, 50_000)));
});

test.serial(
  'many small files and a multi-chunk entry: unzip -t, 7zz t, Python testzip() and Expand-Archive accept the archive, identical bytes out',
  async (t) => {
    const dir = tempDir(t);
    const src = join(dir, 'staged');
    const entries = stageFolder(src);
    const zip = join(dir, 'parallel.zip');
    const before = ioSnapshot();
    const written = await writeZip(zip, entries);
    const inputBytes = entries.reduce((n, [, e]) => n + statSync(e.path).size, 0);
    t.is(ioSnapshot().inputBytesRead - before.inputBytesRead, inputBytes, 'every input byte is read once');
    t.is(written.sha256, sha(readFileSync(zip)), 'the archive hash computed while writing is the hash of the file');
    t.is(written.size, statSync(zip).size);
    t.is(DeflatePool.live, 0, 'no deflate thread is left');

    const u = run('unzip', ['-tq', zip]);
    t.is(u.status, 0, u.stdout + u.stderr);
    const s = run('7zz', ['t', zip]);
    t.is(s.status, 0, s.stdout);
    t.regex(s.stdout, /Everything is Ok/);
    const py = run('python3', ['-c', 'import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())', zip]);
    t.is(py.stdout.trim(), 'None', py.stderr);

    const out = join(dir, 'expanded');
    const ps = run('bash', ['scripts/pwsh.sh', '-NoProfile', '-NonInteractive', '-Command', `Expand-Archive -LiteralPath '${zip}' -DestinationPath '${out}'`]);
    t.is(ps.status, 0, ps.stdout + ps.stderr);
    for (const [name, e] of entries) t.is(sha(readFileSync(join(out, name))), sha(readFileSync(e.path)), name);
    t.is(filesUnder(out).length, entries.length);
  },
);

test.serial('the parallel archive is no more than 1 % above zip -6, and within 0.5 % of one zlib stream per entry', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'staged');
  mkdirSync(src);
  for (let i = 0; i < 4; i++) writeFileSync(join(src, `c${i}.bson`), textLike(2 * CHUNK_BYTES + i * 1000, 40 + i));
  const ours = join(dir, 'ours.zip');
  await writeZip(
    ours,
    readdirSync(src)
      .sort()
      .map((n) => [n, { path: join(src, n) }]),
  );
  const ref = join(dir, 'ref.zip');
  const z = spawnSync('zip', ['-6', '-r', '-q', ref, '.'], { cwd: src });
  t.is(z.status, 0);
  const a = statSync(ours).size;
  const b = statSync(ref).size;
  // Info-ZIP has its own deflate (zlib's level 6 is a little smaller on this data): ours may be smaller, not 1 % larger.
  t.true(a <= b * 1.01, `ours ${a} bytes, zip -6 ${b} bytes`);
  // What the chunking costs against one deflate stream per entry (the single-thread writer's output).
  const single = readdirSync(src).reduce((n, f) => n + deflateRawSync(readFileSync(join(src, f)), { level: 6 }).length, 0);
  const ourData = readdirSync(src).length;
  t.true(a - ourData * 200 <= single * 1.005, `ours ${a} bytes, one stream per entry ${single} bytes of deflate data`);
});

test.serial('AES-256 with parallel deflate: 7-Zip tests the archive OK with the password and refuses a wrong one', async (t) => {
  const dir = tempDir(t);
  const entries = stageFolder(join(dir, 'staged'));
  const zip = join(dir, 'aes.zip');
  await writeZip(zip, entries, { password: 'c0rrect horse!' });
  const ok = run('7zz', ['t', '-pc0rrect horse!', zip]);
  t.is(ok.status, 0, ok.stdout);
  t.regex(ok.stdout, /Everything is Ok/);
  const bad = run('7zz', ['t', '-pwrong', zip]);
  t.not(bad.status, 0);
  // The content, decrypted by 7-Zip, is the input.
  const x = run('7zz', ['x', '-y', '-pc0rrect horse!', `-o${join(dir, 'out')}`, zip]);
  t.is(x.status, 0, x.stdout);
  for (const [name, e] of entries) t.is(sha(readFileSync(join(dir, 'out', name))), sha(readFileSync(e.path)), name);
});

test.serial(
  'ZIP64: more than 65,535 entries (ZIP64 end records), the central directory spooled in a file, pass unzip -t, 7zz t and Python testzip()',
  async (t) => {
    const dir = tempDir(t);
    const zip = join(dir, 'many.zip');
    const spool = join(dir, 'central.tmp');
    const entries: Array<[string, Buffer]> = Array.from({ length: 70_000 }, (_, i) => [`d${i % 100}/f${i}.txt`, Buffer.from(i % 3 ? String(i) : '')]);
    const w = await writeZip(zip, entries, { centralSpool: spool });
    // 70,000 records of about 60 bytes: all but the last 1 MiB block were in the file, not in memory.
    t.true(w.spooledBeforeFinish! >= 3 * 1024 * 1024, `${w.spooledBeforeFinish} bytes spooled`);
    t.false(existsSync(spool), 'the spool file is removed by finish');
    // Read back through the windowed reader: its central directory (about 4 MB) in a few reads of the file, not two
    // reads per entry.
    const before = { ...zipReads };
    const zf = await openZip(zip);
    try {
      t.is((await readEntries(zf, 100_000)).length, 70_000);
    } finally {
      zf.close();
    }
    t.true(zipReads.file - before.file < 20, `${zipReads.file - before.file} reads of the file`);
    t.true(zipReads.window - before.window >= 2 * 70_000 - 20, `${zipReads.window - before.window} answered from a window`);
    const u = run('unzip', ['-tq', zip]);
    t.is(u.status, 0, u.stdout.slice(-2000) + u.stderr);
    const s = run('7zz', ['t', zip]);
    t.is(s.status, 0, s.stdout.slice(-2000));
    const py = run('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.testzip())', zip]);
    t.is(py.stdout.trim(), '70000 None', py.stderr);
  },
);

test.serial('ZIP64: an entry above 4 GiB (a repetitive stream, never on disk) passes unzip -t and 7zz t', async (t) => {
  t.timeout(10 * 60_000);
  const dir = tempDir(t);
  const zip = join(dir, 'big.zip');
  const block = Buffer.alloc(CHUNK_BYTES, 'Alteryx Gallery backup block. ');
  const total = 4 * 1024 * CHUNK_BYTES + 3 * CHUNK_BYTES + 123;
  async function* stream() {
    let n = 0;
    while (n < total) {
      const take = Math.min(CHUNK_BYTES, total - n);
      yield take === CHUNK_BYTES ? block : block.subarray(0, take);
      n += take;
    }
  }
  const pool = new DeflatePool();
  const fh = await fsp.open(zip, 'w');
  let digest: { size: number; sha256: string };
  try {
    const z = new ZipWriter(fh, pool, { level: 6, date: new Date() });
    digest = await z.addEntry('MongoDB/huge.bson', stream(), false, total);
    await z.addEntry('after.txt', bufferChunks(Buffer.from('after the big one')), false, 17);
    await z.finish();
  } finally {
    await fh.close();
    await pool.close();
  }
  t.is(digest.size, total);
  const u = run('unzip', ['-tq', zip]);
  t.is(u.status, 0, u.stdout + u.stderr);
  const l = run('unzip', ['-Zl', zip]);
  t.regex(l.stdout, new RegExp(`\\b${total}\\b`), 'the size above 4 GiB is in the directory');
  const s = run('7zz', ['t', zip]);
  t.is(s.status, 0, s.stdout);
  t.regex(s.stdout, /Everything is Ok/);
});

const verifyFiles: Record<string, Buffer> = {
  'Config/RuntimeSettings.xml': Buffer.from('<SystemSettings/>'),
  'Secrets/ControllerToken.txt': Buffer.from('ab'.repeat(32)),
  'Config/Keys/k1.key': Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)),
  'Config/Big/engine.log': textLike(3 * CHUNK_BYTES + 99, 11),
  'Config/Big/stored.gz': randomBytes(300_000),
};

async function verifyFixture(t: import('ava').ExecutionContext, password?: string) {
  const dir = tempDir(t);
  const zip = join(dir, 'ServerBackup_Config_20260113_020000.zip');
  const w = await writeZip(
    zip,
    [...Object.entries(verifyFiles), ['manifest.json', Buffer.from(JSON.stringify(configOnlyManifest(verifyFiles)))]],
    password ? { password } : {},
  );
  return { dir, zip, w };
}

test.serial('verify reads the archive once: every entry inflated and the archive hashed in one pass (bytes read about 1x the archive)', async (t) => {
  for (const password of [undefined, 'pw-1']) {
    const { zip, w } = await verifyFixture(t, password);
    const before = ioSnapshot();
    const r = await verifyArchive(zip, { expectedSha256: w.sha256, password });
    const read = ioSnapshot().archiveBytesRead - before.archiveBytesRead;
    t.true(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
    t.is(r.archiveSha256, w.sha256);
    const size = statSync(zip).size;
    t.true(read >= size && read <= size * 1.02 + 4096, `${read} bytes read for a ${size}-byte archive`);
  }
});

test.serial('a corrupted byte anywhere is found by the single-pass verify; inside an entry, the entry is named', async (t) => {
  const { dir, zip, w } = await verifyFixture(t);
  const good = readFileSync(zip);
  const zf = await openZip(zip);
  const entries = await readEntries(zf);
  zf.close();
  // The table keeps the decoded names and extra fields, not yauzl's raw buffer views (memory at 100,000 entries).
  for (const e of entries) t.deepEqual([e.fileNameRaw, e.extraFieldRaw, e.fileCommentRaw, typeof e.fileName], [undefined, undefined, undefined, 'string']);
  const bad = join(dir, 'bad.zip');
  // Inside each entry's data: first byte, middle, last byte.
  for (const e of entries.filter((x) => x.fileName !== 'manifest.json')) {
    const h = good.subarray(e.relativeOffsetOfLocalHeader);
    const start = e.relativeOffsetOfLocalHeader + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    for (const at of [start, start + Math.floor(e.compressedSize / 2), start + e.compressedSize - 1]) {
      const b = Buffer.from(good);
      b[at] = b[at]! ^ 0x55;
      writeFileSync(bad, b);
      const r = await verifyArchive(bad, { expectedSha256: w.sha256 });
      t.false(r.ok, `${e.fileName} at ${at}`);
      t.true(r.badEntries.includes(e.fileName), `${e.fileName} at ${at}: ${JSON.stringify(r.checks.filter((c) => !c.ok))}`);
      t.false(r.checks.find((c) => c.name === 'archive sha256')?.ok ?? true, 'the archive hash fails too');
    }
  }
  // Anywhere else in the file (headers, directory): the archive's hash, or the structure, fails.
  for (let i = 0; i < 16; i++) {
    const at = Math.floor((good.length - 1) * (i / 15));
    const b = Buffer.from(good);
    b[at] = b[at]! ^ 0xff;
    writeFileSync(bad, b);
    const r = await verifyArchive(bad, { expectedSha256: w.sha256 });
    t.false(r.ok, `byte ${at} of ${good.length}`);
  }
});

test.serial('an abort mid-archive ends the deflate threads and leaves no archive under the final name, nor a .partial', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 6 }, { BackupConfiguration: { CompressionLevel: 9 } });
  const ac = new AbortController();
  let sawArchive = false;
  const r = await runBackup(
    { params: { BackupMode: 'Full', ConfigPath: config, SandboxPath: dir }, secrets: {}, dryRun: false },
    {
      platform: choosePlatform,
      sink: () => {},
      signal: ac.signal,
      progress: (p) => {
        if (p.activity === 'Writing the archive' && !sawArchive) {
          sawArchive = true;
          ac.abort(new Error('test abort'));
        }
      },
    },
  );
  t.true(sawArchive, 'the archive step started');
  t.is(r.exitCode, 1, r.message);
  t.is(DeflatePool.live, 0, 'no deflate thread is left');
  const left = filesUnder(dir).filter((f) => /ServerBackup_.*\.zip/.test(f));
  t.deepEqual(left, [], 'no archive and no .partial anywhere');
  t.false(existsSync(r.archivePath ?? join(dir, 'none')));
});

test('the deflate threads run with a small young generation (their heaps stay small over many small messages)', async (t) => {
  const pool = new DeflatePool(2);
  try {
    const workers = (pool as unknown as { workers: Worker[] }).workers;
    t.is(workers.length, 2);
    // The limit each thread runs with, as V8 reports it to Node (resourceLimits of the running worker).
    for (const w of workers) t.is(w.resourceLimits?.maxYoungGenerationSizeMb, DEFLATE_THREAD_LIMITS.maxYoungGenerationSizeMb);
    t.true(DEFLATE_THREAD_LIMITS.maxYoungGenerationSizeMb <= 8);
    const out = await pool.deflate(Buffer.from('x'.repeat(1000)), 6, true);
    t.is(inflateRawSync(out).toString(), 'x'.repeat(1000));
  } finally {
    await pool.close();
  }
});

test.serial('a source that fails mid-entry rejects the entry; the queue stops and the threads end', async (t) => {
  const dir = tempDir(t);
  const pool = new DeflatePool(2);
  const fh = await fsp.open(join(dir, 'x.zip'), 'w');
  const spool = join(dir, 'central.tmp');
  const z = new ZipWriter(fh, pool, { level: 6, date: new Date(), centralSpool: spool });
  await z.addEntry('ok.txt', bufferChunks(textLike(3 * CHUNK_BYTES, 1)), false, 3 * CHUNK_BYTES);
  t.true(existsSync(spool));
  async function* failing() {
    yield textLike(CHUNK_BYTES, 2);
    yield textLike(CHUNK_BYTES, 3);
    throw new Error('EIO: the disk went away');
  }
  const err = await t.throwsAsync(z.addEntry('bad.bin', failing(), false, 5 * CHUNK_BYTES));
  t.regex(err!.message, /EIO/);
  await z.abandon(err!);
  t.false(existsSync(spool), 'abandon removes the spool file');
  await fh.close();
  t.is(DeflatePool.live, 2);
  await pool.close();
  t.is(DeflatePool.live, 0);
  t.is(pool.running, 0);
  await t.throwsAsync(pool.deflate(Buffer.from('x'), 6, true), { message: /closed/ });
});

// Flat memory over many small files (issue 15, 100,000 files): nothing of one entry may pin memory shared with
// others. A small read cut from Node's 8 KiB buffer pool, or a deflate result that is a view into zlib's 16 KiB
// output buffer, keeps (and copies between threads) far more than its own bytes.
test('a small file is read into memory of its own, and a small deflate result comes back at its exact size', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'small.xml');
  writeFileSync(file, '<Key>small</Key>\n'.repeat(40));
  // Both readers: fileChunks (large files) and smallFileChunks (files up to SMALL_FILE_BYTES, read synchronously).
  const small: Buffer[] = [...smallFileChunks(file)];
  t.is(small.length, 1);
  t.is(small[0]!.buffer.byteLength, small[0]!.length, 'the small-file read owns exactly its bytes (not a pool slab)');
  const chunks: Buffer[] = [];
  for await (const c of fileChunks(file)) chunks.push(c);
  t.is(chunks.length, 1);
  t.is(chunks[0]!.buffer.byteLength, chunks[0]!.length, 'the read owns exactly its bytes (not a pool slab)');
  t.deepEqual(small[0], chunks[0]);
  const pool = new DeflatePool(1);
  try {
    const out = await pool.deflate(chunks[0]!, 6, true);
    t.true(out.length < chunks[0]!.length);
    t.is(out.buffer.byteLength, out.length, 'the deflate result owns exactly its bytes (not zlib output buffer)');
    t.deepEqual(inflateRawSync(out), chunks[0]);
    // zlib's output buffer for it is about its own size, not the default 16 KiB (the garbage of every small file).
    const ref = deflateChunk(chunks[0]!, 6, true);
    t.true(ref.buffer.byteLength < 16 * 1024, `an output buffer of ${ref.buffer.byteLength} bytes`);
    t.deepEqual(ref, out);
  } finally {
    await pool.close();
  }
});

test('fileChunks with reuse reads full chunks into two buffers in turn (the last, shorter piece into its own), same bytes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'five.bson');
  const data = textLike(5 * CHUNK_BYTES + 777, 5);
  writeFileSync(file, data);
  const seen: ArrayBuffer[] = [];
  const h = createHash('sha256');
  for await (const c of fileChunks(file, CHUNK_BYTES, true)) {
    seen.push(c.buffer as ArrayBuffer);
    h.update(c);
  }
  t.is(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
  t.is(seen.length, 6);
  t.is(new Set(seen.slice(0, 5)).size, 2, 'five full chunks in two buffers');
  t.not(seen[0], seen[1]);
  t.is(seen[0], seen[2]);
  t.false(seen.slice(0, 5).includes(seen[5]!), 'the short last piece has its own buffer');
  const plain: ArrayBuffer[] = [];
  for await (const c of fileChunks(file)) plain.push(c.buffer as ArrayBuffer);
  t.is(new Set(plain).size, 6, 'without reuse every piece has its own buffer');
});

test('smallFileChunks cuts a file larger than one chunk like bufferChunks, and counts what it reads', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'three.bin');
  const data = randomBytes(2 * 1024 + 100);
  writeFileSync(file, data);
  const before = ioCounters.inputBytesRead;
  const parts = [...smallFileChunks(file, 1024)];
  t.deepEqual(
    parts.map((p) => p.length),
    [1024, 1024, 100],
  );
  t.deepEqual(Buffer.concat(parts), data);
  t.is(ioCounters.inputBytesRead - before, data.length);
  t.throws(() => [...smallFileChunks(join(dir, 'gone.bin'))], { code: 'ENOENT' });
});

test.serial('a chunk goes to its deflate thread through the shared slots, not as a buffer of its own; a larger task as its own bytes', async (t) => {
  // Posting a chunk gave each thread a new 1 MiB buffer per task (garbage collected only after tens of MB); a view
  // of a larger buffer (bufferChunks cuts manifest.json in 1 MiB views) cloned the whole buffer it is cut from.
  const big = randomBytes(3 * CHUNK_BYTES);
  const views = [...bufferChunks(big)];
  // What each post carries, seen when it is posted (a transferred buffer reads as empty afterwards).
  const carried: Array<{ bytes: number; slot: unknown }> = [];
  const post = Worker.prototype.postMessage;
  type Post = Worker['postMessage'];
  const spy = sinon.stub(Worker.prototype, 'postMessage').callsFake(function (this: Worker, ...args: Parameters<Post>) {
    const m = args[0] as { data?: Uint8Array; dict?: Uint8Array; slot?: number; slots?: SharedArrayBuffer };
    if (!m.slots) carried.push({ bytes: (m.data?.buffer.byteLength ?? 0) + (m.dict?.buffer.byteLength ?? 0), slot: m.slot });
    return post.apply(this, args);
  });
  t.teardown(() => spy.restore());
  const pool = new DeflatePool(1);
  try {
    const outs: Buffer[] = [];
    let tail: Buffer | undefined;
    for (const [i, v] of views.entries()) {
      outs.push(await pool.deflate(v, 6, i === views.length - 1, tail));
      tail = Buffer.from(v.subarray(v.length - DICT_BYTES));
    }
    t.deepEqual(
      carried.map((c) => c.bytes),
      [0, 0, 0],
      'no buffer is posted: chunk and dictionary are in the shared slot',
    );
    t.true(carried.every((c) => typeof c.slot === 'number' && c.slot >= 0 && c.slot < 4));
    t.is(big.length, 3 * CHUNK_BYTES, 'the caller keeps its buffer');
    t.deepEqual(inflateRawSync(Buffer.concat(outs)), big);
    // More than a slot holds: the task carries a copy of its own bytes only (a view of 3 MiB posted as 2 MiB).
    carried.length = 0;
    const two = big.subarray(0, 2 * CHUNK_BYTES);
    const out = await pool.deflate(two, 6, true);
    spy.restore();
    t.deepEqual(carried, [{ bytes: 2 * CHUNK_BYTES, slot: undefined }]);
    t.deepEqual(inflateRawSync(out), two);
  } finally {
    await pool.close();
  }
});

test('more tasks at once than there are slots: each waits for a free slot, every result is right, the caller may reuse its buffers at once', async (t) => {
  const pool = new DeflatePool(2);
  try {
    // 2 threads: 8 slots. 40 tasks at once, of sizes 1 byte to 1 MiB, each with a dictionary of its own.
    const inputs = Array.from({ length: 40 }, (_, i) => textLike(i % 5 === 0 ? CHUNK_BYTES : 1 + ((i * 7919) % 200_000), i + 1));
    const dicts = inputs.map((_, i) => textLike(DICT_BYTES, 1000 + i));
    // Each input is copied before deflate returns (into a slot, or aside while all 8 are busy): the caller may
    // overwrite its buffers at once.
    const mine = inputs.map((d) => Buffer.from(d));
    const theirs = dicts.map((d) => Buffer.from(d));
    const tasks = mine.map((d, i) => pool.deflate(d, 6, true, theirs[i]));
    for (const b of [...mine, ...theirs]) b.fill(0x5a);
    const outs = await Promise.all(tasks);
    for (const [i, o] of outs.entries()) t.deepEqual(inflateRawSync(o, { dictionary: dicts[i] }), inputs[i], `task ${i}`);
  } finally {
    await pool.close();
  }
  await t.throwsAsync(pool.deflate(Buffer.from('x'), 6, true), { message: /closed/ });
});

test('an entry stream destroyed half-way leaves the archive open: the next entry reads whole (the file is shared by every entry)', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'two.zip');
  const first = textLike(3 * CHUNK_BYTES, 8);
  const second = textLike(200_000, 9);
  await writeZip(zip, [
    ['a.txt', first],
    ['b.txt', second],
  ]);
  const zf = await openZip(zip);
  try {
    const [a, b] = await readEntries(zf);
    const s = (await entryStream(zf, a!)) as NodeJS.ReadableStream & { destroy(): void };
    for await (const _chunk of s as AsyncIterable<Buffer>) break;
    const parts: Buffer[] = [];
    for await (const c of (await entryStream(zf, b!)) as AsyncIterable<Buffer>) parts.push(c);
    t.deepEqual(Buffer.concat(parts), second);
  } finally {
    zf.close();
  }
});
