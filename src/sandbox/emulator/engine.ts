import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BSON, Long, EJSON } from 'bson';
import { BsonSplitter, bsonRecords } from '../bson-io.ts';
import { fileSink, sleep, type Sink } from './common.ts';
import { continuedError, doneDumping, finishedRestoring, name, toolsFormat, writingLine, type ToolsFormat } from './tools-format.ts';

export interface CollectionFile {
  db: string;
  coll: string;
  file: string;
  size: number;
}

/** The collections of a data folder (`<root>/<db>/<coll>.bson`), sorted. */
export function listCollections(root: string, dbFilter?: string, collFilter?: string): CollectionFile[] {
  const out: CollectionFile[] = [];
  let dbs: string[] = [];
  try {
    dbs = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  for (const db of dbs) {
    if (dbFilter && db !== dbFilter) continue;
    for (const f of fs.readdirSync(path.join(root, db)).sort()) {
      if (!f.endsWith('.bson')) continue;
      const coll = f.slice(0, -5);
      if (collFilter && coll !== collFilter) continue;
      const file = path.join(root, db, f);
      out.push({ db, coll, file, size: fs.statSync(file).size });
    }
  }
  return out;
}

/** mongodump's <coll>.metadata.json (canonical extended JSON, _id index only). */
export function metadataJson(db: string, coll: string): string {
  const uuid = createHash('sha256').update(`${db}.${coll}`).digest('hex').slice(0, 32);
  const doc = {
    indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }],
    uuid,
    collectionName: coll,
    type: 'collection',
  };
  return EJSON.stringify(doc, { relaxed: false });
}

export class DumpFailure extends Error {}

/**
 * Copies a collection file into a sink in chunks, sleeping so that the whole dump takes `throttle.seconds`
 * (the dump is really in progress meanwhile: partial files on disk). Returns the document count.
 */
async function copyCollection(
  c: CollectionFile,
  sink: Sink,
  throttle: { totalBytes: number; seconds: number },
  transform?: (doc: Buffer) => Buffer,
): Promise<number> {
  const splitter = new BsonSplitter(c.file, transform ? () => {} : undefined);
  const chunkSize = throttle.seconds > 0 ? Math.max(4096, Math.min(1024 * 1024, Math.floor(throttle.totalBytes / 50))) : 1024 * 1024;
  const fh = await fs.promises.open(c.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      const chunk = Buffer.from(buf.subarray(0, bytesRead));
      splitter.push(chunk);
      await sink.write(chunk);
      if (throttle.seconds > 0 && throttle.totalBytes > 0) {
        await sleep((throttle.seconds * 1000 * bytesRead) / throttle.totalBytes);
      }
    }
    splitter.end();
  } finally {
    await fh.close();
  }
  return splitter.count;
}

export interface DumpOptions {
  source: string;
  collections: CollectionFile[];
  gzip: boolean;
  seconds: number;
  /** Prints one progress line (without timestamp). */
  progress: (line: string) => void;
  /** Fail (throw DumpFailure) before dumping the collection at this index. */
  failAt?: number;
  failMessage?: (c: CollectionFile) => string;
  /** The tools version's output format (knob mongoTools.version); default 100.9.4's. */
  format?: ToolsFormat;
}

/** mongodump --out layout: `<out>/<db>/<coll>.bson` + `<coll>.metadata.json` (with .gz when gzip). */
export async function dumpToDir(out: string, o: DumpOptions & { display: (db: string, file: string) => string }): Promise<{ ns: string; count: number }[]> {
  const totalBytes = o.collections.reduce((a, c) => a + c.size, 0);
  const done: { ns: string; count: number }[] = [];
  for (let i = 0; i < o.collections.length; i++) {
    const c = o.collections[i] as CollectionFile;
    if (o.failAt === i) throw new DumpFailure(o.failMessage?.(c) ?? `error writing data for collection \`${c.db}.${c.coll}\``);
    const ext = o.gzip ? '.gz' : '';
    fs.mkdirSync(path.join(out, c.db), { recursive: true });
    const meta = metadataJson(c.db, c.coll);
    fs.writeFileSync(path.join(out, c.db, `${c.coll}.metadata.json${ext}`), o.gzip ? zlib.gzipSync(meta) : meta);
    const bsonName = `${c.coll}.bson${ext}`;
    o.progress(writingLine(fmt(o), `${c.db}.${c.coll}`, o.display(c.db, bsonName)));
    const sink = fileSink(path.join(out, c.db, bsonName), o.gzip);
    const count = await copyCollection(c, sink, { totalBytes, seconds: o.seconds });
    await sink.close();
    o.progress(doneDumping(fmt(o), `${c.db}.${c.coll}`, count));
    done.push({ ns: `${c.db}.${c.coll}`, count });
  }
  return done;
}

const ARCHIVE_MAGIC = 0x8199e26d;
const TERMINATOR = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/**
 * mongodump --archive layout: magic number, prelude (header + one metadata document per collection, then a
 * terminator), then per collection a namespace header, its documents, a terminator, and an EOF header.
 * (CRC fields are written as 0.)
 */
export async function dumpToArchive(sink: Sink, o: DumpOptions & { display: string }): Promise<{ ns: string; count: number }[]> {
  const totalBytes = o.collections.reduce((a, c) => a + c.size, 0);
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(ARCHIVE_MAGIC);
  await sink.write(magic);
  await sink.write(BSON.serialize({ concurrent_collections: 4, version: '0.1', server_version: '6.0.13', tool_version: '100.9.4' }));
  for (const c of o.collections) {
    await sink.write(BSON.serialize({ db: c.db, collection: c.coll, metadata: metadataJson(c.db, c.coll), size: 0, type: 'collection' }));
  }
  await sink.write(TERMINATOR);
  const done: { ns: string; count: number }[] = [];
  for (let i = 0; i < o.collections.length; i++) {
    const c = o.collections[i] as CollectionFile;
    if (o.failAt === i) throw new DumpFailure(o.failMessage?.(c) ?? `error writing data for collection \`${c.db}.${c.coll}\``);
    o.progress(writingLine(fmt(o), `${c.db}.${c.coll}`, o.display));
    await sink.write(BSON.serialize({ db: c.db, collection: c.coll, EOF: false, CRC: Long.fromNumber(0) }));
    const count = await copyCollection(c, sink, { totalBytes, seconds: o.seconds });
    await sink.write(TERMINATOR);
    await sink.write(BSON.serialize({ db: c.db, collection: c.coll, EOF: true, CRC: Long.fromNumber(0) }));
    await sink.write(TERMINATOR);
    o.progress(doneDumping(fmt(o), `${c.db}.${c.coll}`, count));
    done.push({ ns: `${c.db}.${c.coll}`, count });
  }
  return done;
}

/** One collection to restore: where it comes from and its documents. */
export interface RestoreSource {
  db: string;
  coll: string;
  display: string;
  metadataDisplay?: string;
  docs: () => AsyncIterable<Buffer>;
}

/** The collections of a dump folder (`<dir>/<db>/<coll>.bson[.gz]`), or of one db folder when `db` is given. */
export function dirSources(dir: string, display: (rel: string) => string, onlyDb?: string): RestoreSource[] {
  const out: RestoreSource[] = [];
  const addDb = (db: string, folder: string, relPrefix: string) => {
    let files: string[];
    try {
      files = fs.readdirSync(folder).sort();
    } catch {
      return;
    }
    for (const f of files) {
      const m = /^(.+)\.bson(\.gz)?$/.exec(f);
      if (!m) continue;
      const coll = m[1] as string;
      const gz = Boolean(m[2]);
      const file = path.join(folder, f);
      const metaName = `${coll}.metadata.json${gz ? '.gz' : ''}`;
      out.push({
        db,
        coll,
        display: display(`${relPrefix}${f}`),
        ...(fs.existsSync(path.join(folder, metaName)) ? { metadataDisplay: display(`${relPrefix}${metaName}`) } : {}),
        docs: () => {
          const raw: Readable = fs.createReadStream(file);
          const stream = gz ? raw.pipe(zlib.createGunzip()) : raw;
          return bsonRecords(stream, file) as AsyncIterable<Buffer>;
        },
      });
    }
  };
  if (onlyDb && hasBsonFiles(dir)) {
    addDb(onlyDb, dir, '');
    return out;
  }
  let dbs: string[] = [];
  try {
    dbs = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const db of dbs) {
    if (onlyDb && db !== onlyDb) continue;
    addDb(db, path.join(dir, db), `${db}/`);
  }
  return out;
}

function hasBsonFiles(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((f) => /\.bson(\.gz)?$/.test(f));
  } catch {
    return false;
  }
}

/** Parses a mongodump archive (streamed): each collection's documents go to a temp .bson file in tmpDir. */
export async function readArchive(input: Readable, name: string, tmpDir: string): Promise<RestoreSource[]> {
  // Strip and check the magic number, then split the rest (documents and terminators).
  let first = true;
  let rest: Buffer = Buffer.alloc(0);
  const records: AsyncGenerator<Buffer | null> = bsonRecords(
    (async function* () {
      for await (const chunk of input) {
        let c = chunk as Buffer;
        if (first) {
          rest = Buffer.concat([rest, c]);
          if (rest.length < 4) continue;
          if (rest.readUInt32LE(0) !== ARCHIVE_MAGIC) throw new Error(`${name} is not a mongodump archive (bad magic number)`);
          first = false;
          c = rest.subarray(4);
        }
        yield c;
      }
      if (first) throw new Error(`${name} is not a mongodump archive (too short)`);
    })(),
    name,
    true,
  );
  fs.mkdirSync(tmpDir, { recursive: true });
  const sources: RestoreSource[] = [];
  const files = new Map<string, { file: string; fd: number }>();
  let phase: 'header' | 'prelude' | 'body-header' | 'body' = 'header';
  let ns = '';
  for await (const rec of records) {
    if (phase === 'header') {
      if (!rec) throw new Error(`${name}: archive has no header`);
      phase = 'prelude';
      continue;
    }
    if (phase === 'prelude') {
      if (rec === null) {
        phase = 'body-header';
        continue;
      }
      const m = BSON.deserialize(rec) as { db: string; collection: string };
      const key = `${m.db}.${m.collection}`;
      const file = path.join(tmpDir, `${sources.length}.bson`);
      files.set(key, { file, fd: fs.openSync(file, 'w') });
      sources.push({
        db: m.db,
        coll: m.collection,
        display: `archive '${name}'`,
        docs: () => bsonRecords(fs.createReadStream(file), file) as AsyncIterable<Buffer>,
      });
      continue;
    }
    if (phase === 'body-header') {
      if (rec === null) continue;
      const h = BSON.deserialize(rec) as { db: string; collection: string; EOF: boolean };
      ns = `${h.db}.${h.collection}`;
      phase = h.EOF ? 'body-header' : 'body';
      if (h.EOF) continue;
      if (!files.has(ns)) throw new Error(`${name}: namespace ${ns} not in the archive prelude`);
      continue;
    }
    // body
    if (rec === null) {
      phase = 'body-header';
      continue;
    }
    fs.writeSync((files.get(ns) as { fd: number }).fd, rec);
  }
  for (const { fd } of files.values()) fs.closeSync(fd);
  return sources;
}

export interface RestoreResult {
  restored: number;
  failed: number;
  error?: string;
}

export interface RestoreOptions {
  target: string;
  drop: boolean;
  log: (line: string) => void;
  /** 'partial': some documents fail (duplicate key); 'exit': a fatal error after the first collection. */
  fault?: false | 'partial' | 'exit' | 'text';
  seconds?: number;
  /** The tools version's output format (knob mongoTools.version); default 100.9.4's. */
  format?: ToolsFormat;
}

function idKey(doc: Record<string, unknown>): string {
  return EJSON.stringify({ id: doc['_id'] } as never, { relaxed: false });
}

/**
 * Restores collections into `<target>/<db>/<coll>.bson`, logging mongorestore-like lines. A corrupt or
 * truncated input ends the restore with an error (the summary line is still logged by the caller).
 */
export async function restoreCollections(sources: RestoreSource[], o: RestoreOptions): Promise<RestoreResult> {
  let restored = 0;
  let failed = 0;
  o.log('preparing collections to restore from');
  const f = fmt(o);
  for (const s of sources) if (s.metadataDisplay) o.log(`reading metadata for ${name(f, `${s.db}.${s.coll}`)} from ${name(f, s.metadataDisplay)}`);
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i] as RestoreSource;
    const ns = `${s.db}.${s.coll}`;
    if (o.fault === 'exit' && i === Math.min(1, sources.length - 1)) {
      return {
        restored,
        failed,
        error: `${ns}: error restoring from ${s.display}: reading bson input: error demultiplexing archive; archive io error`,
      };
    }
    const dir = path.join(o.target, s.db);
    fs.mkdirSync(dir, { recursive: true });
    const dest = path.join(dir, `${s.coll}.bson`);
    const tmp = `${dest}.restoring`;
    const existing = new Set<string>();
    if (o.drop) o.log(`dropping collection ${name(f, ns)} before restoring`);
    if (!o.drop && fs.existsSync(dest)) {
      fs.copyFileSync(dest, tmp);
      for await (const d of bsonRecords(fs.createReadStream(dest), dest)) existing.add(idKey(BSON.deserialize(d as Buffer)));
    } else {
      fs.writeFileSync(tmp, '');
    }
    o.log(`restoring ${name(f, ns)} from ${name(f, s.display)}`);
    const fd = fs.openSync(tmp, 'a');
    let ok = 0;
    let bad = 0;
    let n = 0;
    let error: string | undefined;
    try {
      for await (const raw of s.docs()) {
        n++;
        let doc: Record<string, unknown>;
        try {
          doc = BSON.deserialize(raw);
        } catch (err) {
          bad++;
          o.log(continuedError(f, `${ns}: invalid BSON document: ${(err as Error).message}`));
          continue;
        }
        const key = idKey(doc);
        const injected = (o.fault === 'partial' || o.fault === 'text') && n % 20 === 7;
        if (existing.has(key) || injected) {
          bad++;
          if (bad <= 3) {
            o.log(continuedError(f, `E11000 duplicate key error collection: ${ns} index: _id_ dup key: { _id: ${EJSON.stringify(doc['_id'] as never)} }`));
          }
          continue;
        }
        existing.add(key);
        fs.writeSync(fd, raw);
        ok++;
      }
    } catch (err) {
      error = `${ns}: error restoring from ${s.display}: reading bson input: ${(err as Error).message}`;
    } finally {
      fs.closeSync(fd);
    }
    if (error) {
      fs.rmSync(tmp, { force: true });
      restored += ok;
      failed += bad;
      return { restored, failed, error };
    }
    fs.renameSync(tmp, dest);
    o.log(finishedRestoring(f, ns, ok, bad));
    restored += ok;
    failed += bad;
    if (o.seconds && o.seconds > 0) await sleep((o.seconds * 1000) / sources.length);
  }
  for (const s of sources) o.log(f.family === 'legacy' ? 'no indexes to restore' : `no indexes to restore for collection ${name(f, `${s.db}.${s.coll}`)}`);
  if (o.fault === 'text')
    return { restored, failed, error: `${sources[0]?.db ?? 'AlteryxService'}: error creating indexes: (Interrupted) operation was interrupted` };
  return { restored, failed };
}

/** The mongorestore summary line (without timestamp). */
export function restoreSummary(r: RestoreResult): string {
  return `${r.restored} document(s) restored successfully. ${r.failed} document(s) failed to restore.`;
}

const fmt = (o: { format?: ToolsFormat | undefined }): ToolsFormat => o.format ?? toolsFormat();
