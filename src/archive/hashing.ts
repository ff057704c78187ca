import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Hashes (SHA-256) and counts what flows through it, passing every byte on: each byte is read once, on
 * its way into the archive (writer) or out of it (extraction). `digest` and `size` are set at the end.
 */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;
  digest = '';
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    cb();
  }
}

/**
 * What the archive room read and wrote, for the benchmark's "bytes read per input byte": input files read by
 * the writer, archive bytes read by verify (its one pass plus the small tail and manifest reads), archive
 * bytes written. Counters only grow; a caller takes the difference around the work it measures.
 */
export const ioCounters = { inputBytesRead: 0, archiveBytesRead: 0, archiveBytesWritten: 0 };

/** A copy of the counters, to subtract from a later one. */
export function ioSnapshot(): typeof ioCounters {
  return { ...ioCounters };
}
