import { createHash } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CHUNK_BYTES, DICT_BYTES, ownsWholeBuffer, type DeflatePool } from './deflate-pool.ts';
import { ioCounters } from './hashing.ts';
import { Spool, inTurn } from './spool.ts';
import { AesEntryEncryptor, aesExtraField } from './zip-aes.ts';

/**
 * The archive room's own ZIP writer (APPNOTE 6.3): entries in order, deflated in parallel chunks by a
 * DeflatePool, ZIP64 where a size, an offset or the entry count needs it, WinZip AE-2 (AES-256) when a password
 * is given. Every input byte is read once: SHA-256 and CRC-32 are computed from the same buffer that is handed
 * to deflate. The archive's own SHA-256 is computed from the bytes as they are written, front to back (nothing
 * is patched afterwards: entries whose content spans more than one chunk carry a data descriptor).
 */
const U32 = 0xffffffff;
/** An entry whose source is this large or more gets ZIP64 sizes (deflate can grow incompressible data a little). */
const ZIP64_FROM = U32 - 64 * 1024 * 1024;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const noop = (): void => {};

interface Record {
  /** Encoded again for each header: a small Buffer kept for every entry would pin the 8 KiB pool slab it was cut
   * from, and with it the content of the files read into that slab (100,000 files: hundreds of MB). */
  name: string;
  method: number;
  flags: number;
  crc: number;
  csize: number;
  size: number;
  offset: number;
  aes: boolean;
}

export interface EntryDigest {
  size: number;
  sha256: string;
  crc32: number;
}

export interface ZipWriterOptions {
  level: number;
  password?: string | undefined;
  date: Date;
  /** Chunks read but not yet written, at most (memory: about twice this many chunks). Default 4 per thread, at least 4. */
  maxInFlight?: number;
  signal?: AbortSignal | undefined;
  /**
   * Where the central directory waits until finish (a file the writer makes and removes): its records then take
   * no memory, however many entries there are. Without it, they wait in memory (about 100 bytes an entry).
   */
  centralSpool?: string | undefined;
}

function dosDateTime(d: Date): { time: number; date: number } {
  const y = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((y - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/**
 * Reads a file in CHUNK_BYTES pieces (the last one shorter), each into its own buffer sized to what is left of
 * the file (a 300-byte file costs 300 bytes, not a chunk), counting what it reads. A file that grows while it
 * is read is read to its new end.
 *
 * `reuse`: the pieces go to a consumer that is done with a piece once it has asked for the next but one (the
 * ZipWriter with deflate: it hashes and hands a piece to the deflate pool, which copies it, before it reads on):
 * two buffers are read into in turn, so a 5 GB dump leaves no 1 MiB buffer per chunk for the collector. Not for
 * stored entries, whose pieces wait in the writer's queue until they are written.
 */
export async function* fileChunks(path: string, chunk = CHUNK_BYTES, reuse = false): AsyncGenerator<Buffer> {
  const fh = await fsp.open(path, 'r');
  const next = inTurn(chunk);
  try {
    let left = (await fh.stat()).size;
    for (;;) {
      // Past the size the file had: a small probe, which is what tells the end of the file.
      const want = left > 0 ? Math.min(chunk, left) : Math.min(chunk, 64 * 1024);
      // Its own memory, not a slice of Node's shared pool: a small file's buffer then costs its size (in this
      // thread and in the copy a deflate thread receives) and is freed on its own.
      const buf = reuse && want === chunk ? next() : Buffer.allocUnsafeSlow(want);
      let n = 0;
      while (n < want) {
        const { bytesRead } = await fh.read(buf, n, want - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      ioCounters.inputBytesRead += n;
      if (n > 0) yield n === want ? buf : buf.subarray(0, n);
      if (n < want) return;
      left = Math.max(0, left - n);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Files up to this size are read whole in one synchronous call (the archive's inputs are local staging copies):
 * no file handle, promise or event-loop turn per file, which for 100,000 small files was most of the archive's
 * time and of its garbage (docs/performance.md, Scale).
 */
export const SMALL_FILE_BYTES = 256 * 1024;

/**
 * A small file (see SMALL_FILE_BYTES) read whole and synchronously, in memory of its own (readFileSync cuts a file
 * under 4 KiB from Node's shared pool: such a read is copied out of it, see fileChunks), then cut like bufferChunks.
 * It is read to the size it has when it is opened.
 */
export function* smallFileChunks(path: string, chunk = CHUNK_BYTES): Generator<Buffer> {
  const read = readFileSync(path);
  ioCounters.inputBytesRead += read.length;
  let own = read;
  if (!ownsWholeBuffer(read)) {
    own = Buffer.allocUnsafeSlow(read.length);
    read.copy(own);
  }
  yield* bufferChunks(own, chunk);
}

/** A buffer held in memory, cut in CHUNK_BYTES pieces. */
export function* bufferChunks(b: Buffer, chunk = CHUNK_BYTES): Generator<Buffer> {
  for (let o = 0; o < b.length; o += chunk) yield b.subarray(o, o + chunk);
}

export class ZipWriter {
  /** The central directory so far, one record per entry, appended as each entry's last piece is written. */
  private readonly central: Spool;
  private entries = 0;
  private readonly hash = createHash('sha256');
  private position = 0;
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();
  private error: Error | undefined;
  private readonly dos: { time: number; date: number };
  private readonly maxInFlight: number;

  constructor(
    private readonly fh: fsp.FileHandle,
    private readonly pool: DeflatePool,
    private readonly opts: ZipWriterOptions,
  ) {
    this.dos = dosDateTime(opts.date);
    this.maxInFlight = opts.maxInFlight ?? Math.max(4, pool.size * 4);
    this.central = new Spool(opts.centralSpool);
  }

  /** Whether an entry added with `store` is deflated (not stored: `store` set, or level 0). */
  deflates(store: boolean): boolean {
    return !store && this.opts.level !== 0;
  }

  /** Bytes written so far, and (after finish) the archive's SHA-256. */
  get bytesWritten(): number {
    return this.position;
  }

  private async write(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    let off = 0;
    while (off < b.length) {
      const { bytesWritten } = await this.fh.write(b, off, b.length - off, this.position + off);
      off += bytesWritten;
    }
    this.hash.update(b);
    this.position += b.length;
  }

  /** Queues output in order; `op` runs when everything queued before it is written. */
  private push(op: () => Promise<Buffer[]> | Buffer[]): void {
    this.inFlight++;
    this.chain = this.chain
      .then(async () => {
        if (this.error) return;
        for (const b of await op()) await this.write(b);
      })
      .catch((err: Error) => {
        this.error ??= err;
      })
      .finally(() => {
        this.inFlight--;
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      });
  }

  /** Waits until fewer than maxInFlight pieces are pending (backpressure on the reader); throws a failure or an abort. */
  private async room(): Promise<void> {
    for (;;) {
      if (this.error) throw this.error;
      if (this.opts.signal?.aborted) throw this.opts.signal.reason instanceof Error ? this.opts.signal.reason : new Error('the archive was interrupted');
      if (this.inFlight < this.maxInFlight) return;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private localHeader(r: Record, zip64: boolean, known: boolean): Buffer {
    const name = Buffer.from(r.name, 'utf8');
    const extra: Buffer[] = [];
    if (zip64) {
      const z = Buffer.alloc(20);
      z.writeUInt16LE(0x0001, 0);
      z.writeUInt16LE(16, 2);
      // Sizes follow in the data descriptor; zeros here, as APPNOTE 4.5.3 asks.
      extra.push(z);
    }
    if (r.aes) extra.push(aesExtraField(r.method));
    const ex = Buffer.concat(extra);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(r.aes ? 51 : zip64 ? 45 : 20, 4);
    h.writeUInt16LE(r.flags, 6);
    h.writeUInt16LE(r.aes ? 99 : r.method, 8);
    h.writeUInt16LE(this.dos.time, 10);
    h.writeUInt16LE(this.dos.date, 12);
    h.writeUInt32LE(known ? r.crc : 0, 14);
    h.writeUInt32LE(zip64 ? U32 : known ? r.csize : 0, 18);
    h.writeUInt32LE(zip64 ? U32 : known ? r.size : 0, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(ex.length, 28);
    return Buffer.concat([h, name, ex]);
  }

  private descriptor(r: Record, zip64: boolean): Buffer {
    const d = Buffer.alloc(zip64 ? 24 : 16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(r.crc, 4);
    if (zip64) {
      d.writeBigUInt64LE(BigInt(r.csize), 8);
      d.writeBigUInt64LE(BigInt(r.size), 16);
    } else {
      d.writeUInt32LE(r.csize, 8);
      d.writeUInt32LE(r.size, 12);
    }
    return d;
  }

  /**
   * Adds one entry from `chunks` (each at most CHUNK_BYTES; fileChunks and bufferChunks cut them so). Resolves
   * once all of its content is read and handed on (its digest is known then); the output follows in order.
   * `sizeHint` is the size the source is expected to have: from ZIP64_FROM on, the entry gets ZIP64 sizes.
   */
  async addEntry(name: string, chunks: AsyncIterable<Buffer> | Iterable<Buffer>, store: boolean, sizeHint = 0): Promise<EntryDigest> {
    const { level } = this.opts;
    const method = this.deflates(store) ? 8 : 0;
    const aes = !!this.opts.password;
    const r: Record = { name, method, flags: FLAG_UTF8 | (aes ? FLAG_ENCRYPTED : 0), crc: 0, csize: 0, size: 0, offset: 0, aes };
    this.entries++;
    const zip64 = sizeHint >= ZIP64_FROM;
    const sha = createHash('sha256');
    const enc = aes ? new AesEntryEncryptor(this.opts.password!) : undefined;
    let crc = 0;
    let size = 0;
    let held: Buffer | undefined;
    let tail: Buffer | undefined;
    let first = true;

    const dispatch = async (data: Buffer, final: boolean): Promise<void> => {
      await this.room();
      sha.update(data);
      crc = crc32(data, crc);
      size += data.length;
      const task = method === 0 ? Promise.resolve(data) : this.pool.deflate(data, level, final, tail);
      task.catch(noop);
      tail = method === 8 && !final ? Buffer.from(data.subarray(Math.max(0, data.length - DICT_BYTES))) : undefined;
      const entryCrc = aes ? 0 : crc;
      const total = size;
      if (first && final) {
        // The whole entry in one piece: a local header with its real sizes, no data descriptor.
        this.push(async () => {
          const out = await task;
          r.offset = this.position;
          r.crc = entryCrc;
          r.size = total;
          r.csize = out.length + (enc ? AesEntryEncryptor.OVERHEAD : 0);
          const body = enc ? [enc.header, enc.update(out), enc.final()] : [out];
          const parts = [this.localHeader(r, false, true), ...body];
          this.central.append(this.centralRecord(r));
          return parts;
        });
      } else {
        if (first) {
          r.flags |= FLAG_DESCRIPTOR;
          this.push(() => {
            r.offset = this.position;
            return [this.localHeader(r, zip64, false), ...(enc ? [enc.header] : [])];
          });
          if (enc) r.csize += enc.header.length;
        }
        this.push(async () => {
          const out = await task;
          r.csize += out.length;
          return [enc ? enc.update(out) : out];
        });
        if (final) {
          this.push(() => {
            const mac = enc ? enc.final() : Buffer.alloc(0);
            r.csize += mac.length;
            r.crc = entryCrc;
            r.size = total;
            if (!zip64 && (r.size >= U32 || r.csize >= U32)) {
              throw new Error(`${name} grew past 4 GiB while it was archived (it was ${sizeHint} bytes when the archive started)`);
            }
            this.central.append(this.centralRecord(r));
            return [mac, this.descriptor(r, zip64)];
          });
        }
      }
      first = false;
    };

    for await (const c of chunks) {
      if (held) await dispatch(held, false);
      held = c;
    }
    await dispatch(held ?? Buffer.alloc(0), true);
    return { size, sha256: sha.digest('hex'), crc32: crc >>> 0 };
  }

  private centralRecord(r: Record): Buffer {
    const name = Buffer.from(r.name, 'utf8');
    const big = [r.size >= U32, r.csize >= U32, r.offset >= U32];
    const z: Buffer[] = [];
    if (big.some(Boolean)) {
      const vals = [r.size, r.csize, r.offset].filter((_, i) => big[i]);
      const x = Buffer.alloc(4 + vals.length * 8);
      x.writeUInt16LE(0x0001, 0);
      x.writeUInt16LE(vals.length * 8, 2);
      for (const [i, v] of vals.entries()) x.writeBigUInt64LE(BigInt(v), 4 + i * 8);
      z.push(x);
    }
    if (r.aes) z.push(aesExtraField(r.method));
    const ex = Buffer.concat(z);
    const version = r.aes ? 51 : big.some(Boolean) || r.flags & FLAG_DESCRIPTOR ? 45 : 20;
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(version, 4);
    h.writeUInt16LE(version, 6);
    h.writeUInt16LE(r.flags, 8);
    h.writeUInt16LE(r.aes ? 99 : r.method, 10);
    h.writeUInt16LE(this.dos.time, 12);
    h.writeUInt16LE(this.dos.date, 14);
    h.writeUInt32LE(r.crc >>> 0, 16);
    h.writeUInt32LE(big[1] ? U32 : r.csize, 20);
    h.writeUInt32LE(big[0] ? U32 : r.size, 24);
    h.writeUInt16LE(name.length, 28);
    h.writeUInt16LE(ex.length, 30);
    // comment length, disk number, internal attributes 0; external attributes: the DOS archive bit.
    h.writeUInt32LE(0x20, 38);
    h.writeUInt32LE(big[2] ? U32 : r.offset, 42);
    return Buffer.concat([h, name, ex]);
  }

  /** After a failure: nothing more is written; resolves once the queue is idle (the file can then be closed). */
  async abandon(err: Error): Promise<void> {
    this.error ??= err;
    await this.chain;
    this.central.dispose();
  }

  /** Waits for every queued piece; rejects with the first failure. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.error) throw this.error;
  }

  /** Writes the central directory and its end records (ZIP64 ones when needed); the archive's size and SHA-256. */
  async finish(): Promise<{ size: number; sha256: string }> {
    await this.flush();
    const cdOffset = this.position;
    try {
      // Each piece is written before the next is read: two buffers in turn.
      for (const piece of this.central.pieces(true)) await this.write(piece);
    } finally {
      this.central.dispose();
    }
    const cdSize = this.position - cdOffset;
    const n = this.entries;
    const needs64 = n >= 0xffff || cdOffset >= U32 || cdSize >= U32;
    if (needs64) {
      const z = Buffer.alloc(56 + 20);
      const at = this.position;
      z.writeUInt32LE(0x06064b50, 0);
      z.writeBigUInt64LE(44n, 4);
      z.writeUInt16LE(45, 12);
      z.writeUInt16LE(45, 14);
      z.writeBigUInt64LE(BigInt(n), 24);
      z.writeBigUInt64LE(BigInt(n), 32);
      z.writeBigUInt64LE(BigInt(cdSize), 40);
      z.writeBigUInt64LE(BigInt(cdOffset), 48);
      z.writeUInt32LE(0x07064b50, 56);
      z.writeBigUInt64LE(BigInt(at), 64);
      z.writeUInt32LE(1, 72);
      await this.write(z);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0);
    e.writeUInt16LE(needs64 ? 0xffff : n, 8);
    e.writeUInt16LE(needs64 ? 0xffff : n, 10);
    e.writeUInt32LE(needs64 ? U32 : cdSize, 12);
    e.writeUInt32LE(needs64 ? U32 : cdOffset, 16);
    await this.write(e);
    ioCounters.archiveBytesWritten += this.position;
    return { size: this.position, sha256: this.hash.digest('hex') };
  }
}
