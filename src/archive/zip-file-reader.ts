import { close, fstat, open, read } from 'node:fs';
import { Readable } from 'node:stream';
import yauzl, { type Options, type ZipFile } from 'yauzl';

/** What one read of the file holds for the small reads after it (headers, names, extra fields). */
const WINDOW_BYTES = 1024 * 1024;
/** Small reads answered from the window between two turns of the event loop, at most (the rest wait a turn). */
const HITS_PER_TURN = 256;

/** Reads that went to the file, and small reads answered from a window (what the tests check). */
export const zipReads = { file: 0, window: 0 };

/**
 * Bytes [start, end) of the file, read at their positions; never closes the file (an fs.ReadStream on a shared
 * descriptor closes it when it is destroyed, and yauzl destroys an entry's stream that its reader stops early).
 */
class RangeStream extends Readable {
  private pos: number;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.pos = start;
  }

  override _read(n: number): void {
    const want = Math.min(n, this.end - this.pos);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const bytes = Buffer.allocUnsafeSlow(want);
    read(this.fd, bytes, 0, want, this.pos, (err, got) => {
      if (err) return this.destroy(err);
      if (got === 0) return this.push(null);
      this.pos += got;
      this.push(got === want ? bytes : bytes.subarray(0, got));
    });
  }
}

/**
 * The archive file as yauzl reads it, with the small reads answered from a 1 MiB window of the file: yauzl reads
 * each central-directory entry with two reads of its own (the 46-byte header, then its name and extra fields),
 * which through its own reader were two asynchronous reads per entry. At 100,000 entries that was 200,000 trips to
 * the disk thread, and objects alive across each, which the collector kept (issue 15, "flat memory"). A read
 * larger than the window, and every entry's content (`_readStreamForRange`), goes to the file as before.
 */
class WindowedFileReader extends yauzl.RandomAccessReader {
  private window: { start: number; bytes: Buffer } | undefined;
  private hits = 0;

  constructor(private readonly fd: number) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.fd, start, end);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    const w = this.window;
    if (w && position >= w.start && position + length <= w.start + w.bytes.length) {
      w.bytes.copy(buffer, offset, position - w.start, position - w.start + length);
      zipReads.window++;
      // Answered at once, but never on the caller's stack (yauzl reads the next entry from its callback), and
      // with a turn of the event loop now and then (a signal, a timer, the progress line).
      if (++this.hits % HITS_PER_TURN === 0) setImmediate(callback, null, length);
      else process.nextTick(callback, null, length);
      return;
    }
    zipReads.file++;
    if (length > WINDOW_BYTES) {
      read(this.fd, buffer, offset, length, position, (err, n) => callback(err, n));
      return;
    }
    // A window of its own for each read of the file (two misses at once must not share one).
    const bytes = Buffer.allocUnsafeSlow(WINDOW_BYTES);
    read(this.fd, bytes, 0, WINDOW_BYTES, position, (err, n) => {
      if (err) return callback(err);
      this.window = { start: position, bytes: bytes.subarray(0, n) };
      const got = Math.min(length, n);
      bytes.copy(buffer, offset, 0, got);
      callback(null, got);
    });
  }

  override close(callback: (err: Error | null) => void): void {
    close(this.fd, (err) => callback(err ?? null));
  }
}

/** Opens an archive for yauzl through a WindowedFileReader; the file is closed with the ZipFile (or on failure). */
export function openZipFile(file: string, options: Options): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    open(file, 'r', (err, fd) => {
      if (err) return reject(err);
      const fail = (e: Error) => close(fd, () => reject(e));
      fstat(fd, (e, st) => {
        if (e) return fail(e);
        yauzl.fromRandomAccessReader(new WindowedFileReader(fd), st.size, options, (e2, zf) => (e2 ? fail(e2) : resolve(zf)));
      });
    });
  });
}
