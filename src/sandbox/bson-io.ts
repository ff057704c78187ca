import { countBsonDocuments as countPlainBson } from '../util/fsx.ts';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { BackupError, ExitCode } from '../core/errors.ts';

/** MongoDB's limit is 16 MiB per document; leave room for the server's own overhead. */
const MAX_DOC = 16 * 1024 * 1024 + 16 * 1024;

function corrupt(file: string, offset: number, why: string): BackupError {
  return new BackupError(ExitCode.MongoDB, `${file} is not a valid BSON dump: ${why} at byte ${offset}.`, 'The dump is truncated or corrupt; take a new dump.');
}

/**
 * Incremental splitter of a BSON stream (each document starts with its int32 LE length and ends with 0x00).
 * `terminators` allows the 0xFFFFFFFF markers of mongodump archives.
 */
export class BsonSplitter {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private needed = 0;
  offset = 0;
  count = 0;
  constructor(
    private readonly name: string,
    private readonly onRecord?: (doc: Buffer | null) => void,
    private readonly terminators = false,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    // Wait for the whole of a large document before concatenating (avoids quadratic copying).
    if (this.pendingLen < this.needed) return;
    const buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingLen);
    let pos = 0;
    this.needed = 0;
    while (buf.length - pos >= 4) {
      const len = buf.readInt32LE(pos);
      if (len === -1 && this.terminators) {
        this.onRecord?.(null);
        pos += 4;
        this.offset += 4;
        continue;
      }
      if (len < 5 || len > MAX_DOC) throw corrupt(this.name, this.offset, `invalid document length ${len}`);
      if (buf.length - pos < len) {
        this.needed = len;
        break;
      }
      if (buf[pos + len - 1] !== 0) throw corrupt(this.name, this.offset, 'document does not end with a 0x00 byte');
      this.onRecord?.(buf.subarray(pos, pos + len));
      pos += len;
      this.offset += len;
      this.count++;
    }
    const rest = buf.length - pos;
    this.pending = rest > 0 ? [Buffer.from(buf.subarray(pos))] : [];
    this.pendingLen = rest;
  }

  end(): void {
    if (this.pendingLen > 0) throw corrupt(this.name, this.offset, `truncated document (${this.pendingLen} trailing bytes)`);
  }
}

/**
 * Number of documents in a .bson file (the length prefixes walked, see src/util/fsx.ts). A `.bson.gz` file is
 * decompressed first. Throws BackupError(MongoDB) naming the file when it is truncated or corrupt.
 */
export function countBsonDocuments(file: string): number {
  if (file.endsWith('.gz')) {
    let data: Buffer;
    try {
      data = zlib.gunzipSync(fs.readFileSync(file));
    } catch (err) {
      throw new BackupError(ExitCode.MongoDB, `${file} is not a valid gzip file (${(err as Error).message}).`);
    }
    const s = new BsonSplitter(file);
    s.push(data);
    s.end();
    return s.count;
  }
  return countPlainBson(file);
}

/** Async iteration over the documents (raw buffers) of a stream; null items are archive terminators. */
export async function* bsonRecords(stream: AsyncIterable<Buffer | Uint8Array>, name: string, terminators = false): AsyncGenerator<Buffer | null> {
  const queue: (Buffer | null)[] = [];
  const s = new BsonSplitter(name, (d) => queue.push(d ? Buffer.from(d) : null), terminators);
  for await (const chunk of stream) {
    s.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    while (queue.length) yield queue.shift() as Buffer | null;
  }
  s.end();
  while (queue.length) yield queue.shift() as Buffer | null;
}

/** Buffered synchronous writer (for generating large files without holding them in memory). */
export class BufferedFileWriter {
  private fd: number;
  private buf: Buffer;
  private used = 0;
  bytes = 0;
  constructor(file: string, size = 1024 * 1024) {
    this.fd = fs.openSync(file, 'w');
    this.buf = Buffer.allocUnsafe(size);
  }
  write(data: Uint8Array): void {
    if (data.length > this.buf.length - this.used) this.flush();
    if (data.length > this.buf.length) {
      fs.writeSync(this.fd, data);
    } else {
      this.buf.set(data, this.used);
      this.used += data.length;
    }
    this.bytes += data.length;
  }
  flush(): void {
    let off = 0;
    while (off < this.used) off += fs.writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }
  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}
