import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

/** Bytes gathered before a spool writes them out (and the size of the pieces it reads back). */
const BLOCK_BYTES = 1024 * 1024;

/**
 * Two buffers of `size` bytes, handed out in turn (each made on first use): what a reader reads into when its
 * consumer is done with a piece once it has asked for the next but one (fileChunks and Spool.pieces with `reuse`).
 */
export function inTurn(size: number): () => Buffer {
  const two: Buffer[] = [];
  let k = 0;
  return () => (two[k++ % 2] ??= Buffer.allocUnsafeSlow(size));
}

/**
 * Bytes appended one record at a time and read back once, front to back: the archive's central directory and
 * manifest.json's file list, which grow with every entry (100,000 entries: 10 and 30 MB). With a path, they wait
 * in that file, so the run's memory does not grow with the entry count (issue 15, "flat memory"): one block of
 * BLOCK_BYTES is all it holds. Without one, they wait in memory, in blocks of their own (outside the JS heap).
 */
export class Spool {
  private block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  private used = 0;
  private readonly held: Buffer[] = [];
  private fd: number | undefined;
  /** Bytes in the file (with a path). */
  private inFile = 0;
  /** Bytes appended so far. */
  size = 0;

  constructor(private readonly path?: string) {
    if (path !== undefined) this.fd = openSync(path, 'w+');
  }

  append(data: Buffer | string): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < b.length) {
      const n = b.copy(this.block, this.used, off);
      off += n;
      this.used += n;
      if (this.used === this.block.length) this.writeOut();
    }
    this.size += b.length;
  }

  private writeOut(): void {
    if (this.used === 0) return;
    if (this.fd === undefined) {
      this.held.push(this.block.subarray(0, this.used));
      this.block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
    } else {
      let off = 0;
      while (off < this.used) off += writeSync(this.fd, this.block, off, this.used - off, this.inFile + off);
      this.inFile += this.used;
    }
    this.used = 0;
  }

  /**
   * Everything appended, in order, in pieces of at most BLOCK_BYTES, each its own buffer; read once. `reuse`: read
   * from the file into two buffers in turn, for a consumer that is done with a piece once it has asked for the next
   * but one (see fileChunks).
   */
  *pieces(reuse = false): Generator<Buffer> {
    if (this.fd === undefined) {
      yield* this.held.splice(0);
      if (this.used) yield Buffer.from(this.block.subarray(0, this.used));
      this.used = 0;
      return;
    }
    const inFile = this.inFile;
    const next = inTurn(BLOCK_BYTES);
    for (let at = 0; at < inFile; ) {
      const want = Math.min(BLOCK_BYTES, inFile - at);
      const b = reuse ? next().subarray(0, want) : Buffer.allocUnsafeSlow(want);
      let n = 0;
      while (n < b.length) {
        const r = readSync(this.fd, b, n, b.length - n, at + n);
        if (r === 0) throw new Error(`${this.path} ended at ${at + n} of ${inFile} bytes`);
        n += r;
      }
      at += n;
      yield b;
    }
    if (this.used) yield Buffer.from(this.block.subarray(0, this.used));
  }

  /** Closes and removes the file (if any); safe to call more than once. */
  dispose(): void {
    this.held.length = 0;
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } finally {
      this.fd = undefined;
      rmSync(this.path!, { force: true });
    }
  }
}
