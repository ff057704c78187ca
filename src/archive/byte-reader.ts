import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ioCounters } from './hashing.ts';

/**
 * One front-to-back read of a file: every byte that passes is hashed (SHA-256 of the whole file) and counted
 * (ioCounters.archiveBytesRead), whether a caller takes it, skips it, or `finish` drains it. Verify reads the
 * archive through this once, inflating each entry from the same bytes that hash the archive.
 */
export class SequentialReader {
  private readonly it: AsyncIterator<Buffer>;
  private readonly hash = createHash('sha256');
  private buf: Buffer = Buffer.alloc(0);
  private eof = false;
  /** The file offset of the next byte a caller gets. */
  position = 0;

  constructor(file: string) {
    this.it = (createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const r = await this.it.next();
    if (r.done) {
      this.eof = true;
      return false;
    }
    const b = r.value;
    this.hash.update(b);
    ioCounters.archiveBytesRead += b.length;
    // Called only once `buf` is used up: the read's own buffer, never a copy joined to what was left.
    this.buf = b;
    return true;
  }

  /**
   * Exactly `n` bytes (a header, or a small entry's compressed bytes); throws at the end of the file. A view of the
   * read when it holds them; else a buffer of `n` bytes (what was left of one read and the start of the next), not
   * the two reads joined (which for 100,000 small entries copied about every read once more, as garbage).
   */
  async read(n: number): Promise<Buffer> {
    if (this.buf.length >= n) {
      const out = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      this.position += n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      if (this.buf.length === 0 && !(await this.fill())) throw new Error(`the file ends at ${this.position + got}, inside a header`);
      const take = Math.min(n - got, this.buf.length);
      this.buf.copy(out, got, 0, take);
      this.buf = this.buf.subarray(take);
      got += take;
    }
    this.position += n;
    return out;
  }

  /** The next `n` bytes, in the pieces they arrive in (no copy); stops early at the end of the file. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill())) return;
      const take = Math.min(left, this.buf.length);
      const out = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      this.position += take;
      left -= take;
      yield out;
    }
  }

  /** Passes over `n` bytes (still hashed); returns how many there were before the end of the file. */
  async skip(n: number): Promise<number> {
    // Within what was read (a local header's name, the gap to the next entry): no generator, no copy.
    if (n <= this.buf.length) {
      this.buf = this.buf.subarray(n);
      this.position += n;
      return n;
    }
    let got = 0;
    for await (const p of this.pieces(n)) got += p.length;
    return got;
  }

  /** Reads the rest of the file; the SHA-256 of all of it. */
  async finish(): Promise<string> {
    this.position += this.buf.length;
    this.buf = Buffer.alloc(0);
    while (await this.fill()) {
      this.position += this.buf.length;
      this.buf = Buffer.alloc(0);
    }
    return this.hash.digest('hex');
  }

  /** Stops reading early (an error path): the file is closed. */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** The SHA-256 of a whole file through a SequentialReader (counted like every other archive read). */
export async function hashWholeFile(file: string): Promise<string> {
  return new SequentialReader(file).finish();
}
