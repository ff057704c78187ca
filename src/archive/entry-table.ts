import yauzl, { type Entry } from 'yauzl';

const NO_EXTRA_FIELDS: Entry['extraFields'] = Object.freeze([]) as unknown as Entry['extraFields'];

/** A copy of `a` in a new array of `length` elements of the same type. */
function widened<T extends Float64Array | Uint32Array | Uint16Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/**
 * An archive's central directory held in columns: a name and a few numbers per entry (about 100 bytes), where
 * yauzl's Entry objects cost about 300 (issue 15, "flat memory": a verify of 100,000 entries held 30 MB of them).
 * `entry(i)` makes an Entry again when one is needed (yauzl's own class, so openReadStream takes it), with the
 * fields the reader uses; the raw name, comment and extra-field bytes are not kept.
 */
export class EntryTable {
  readonly names: string[] = [];
  private cap = 0;
  private offset = new Float64Array(0);
  private csize = new Float64Array(0);
  private usize = new Float64Array(0);
  private crc = new Uint32Array(0);
  private attrs = new Uint32Array(0);
  /** versionMadeBy, generalPurposeBitFlag, compressionMethod, time, date, name, extra and comment lengths. */
  private small = new Uint16Array(0);
  /** Extra fields, for the few entries that have any (ZIP64, AES). */
  private readonly extras = new Map<number, Entry['extraFields']>();

  get length(): number {
    return this.names.length;
  }

  private grow(): void {
    this.cap = Math.max(64, this.cap * 2);
    this.offset = widened(this.offset, this.cap);
    this.csize = widened(this.csize, this.cap);
    this.usize = widened(this.usize, this.cap);
    this.crc = widened(this.crc, this.cap);
    this.attrs = widened(this.attrs, this.cap);
    this.small = widened(this.small, this.cap * 8);
  }

  push(e: Entry): void {
    const i = this.names.length;
    if (i === this.cap) this.grow();
    this.names.push(e.fileName);
    this.offset[i] = e.relativeOffsetOfLocalHeader;
    this.csize[i] = e.compressedSize;
    this.usize[i] = e.uncompressedSize;
    this.crc[i] = e.crc32 >>> 0;
    this.attrs[i] = e.externalFileAttributes >>> 0;
    const s = i * 8;
    this.small[s] = e.versionMadeBy;
    this.small[s + 1] = e.generalPurposeBitFlag;
    this.small[s + 2] = e.compressionMethod;
    this.small[s + 3] = e.lastModFileTime;
    this.small[s + 4] = e.lastModFileDate;
    this.small[s + 5] = e.fileNameLength;
    this.small[s + 6] = e.extraFieldLength;
    this.small[s + 7] = e.fileCommentLength;
    if (e.extraFields.length) this.extras.set(i, e.extraFields);
  }

  offsetOf(i: number): number {
    return this.offset[i]!;
  }

  uncompressedSizeOf(i: number): number {
    return this.usize[i]!;
  }

  /** Entry i as a yauzl Entry (a new object each time). */
  entry(i: number): Entry {
    return this.fill(new yauzl.Entry(), i);
  }

  private fill(e: Entry, i: number): Entry {
    const s = i * 8;
    e.fileName = this.names[i]!;
    e.relativeOffsetOfLocalHeader = this.offset[i]!;
    e.compressedSize = this.csize[i]!;
    e.uncompressedSize = this.usize[i]!;
    e.crc32 = this.crc[i]!;
    e.externalFileAttributes = this.attrs[i]!;
    e.versionMadeBy = this.small[s]!;
    e.generalPurposeBitFlag = this.small[s + 1]!;
    e.compressionMethod = this.small[s + 2]!;
    e.lastModFileTime = this.small[s + 3]!;
    e.lastModFileDate = this.small[s + 4]!;
    e.fileNameLength = this.small[s + 5]!;
    e.extraFieldLength = this.small[s + 6]!;
    e.fileCommentLength = this.small[s + 7]!;
    e.extraFields = this.extras.get(i) ?? NO_EXTRA_FIELDS;
    e.fileComment = '';
    e.comment = '';
    return e;
  }

  /** Every entry, made again one at a time. */
  *[Symbol.iterator](): Generator<Entry> {
    for (let i = 0; i < this.names.length; i++) yield this.entry(i);
  }

  /**
   * Every entry through one Entry object, refilled for each: for a loop that keeps nothing of an entry but its
   * name and numbers (the table checks, countTailReads), with no object per entry.
   */
  *rows(): Generator<Entry> {
    const e = new yauzl.Entry();
    for (let i = 0; i < this.names.length; i++) yield this.fill(e, i);
  }
}
