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
