// A minimal ZIP writer for hostile archives: it writes exactly what it is told (names archiver would clean,
// duplicate names, symlink attributes, headers that lie about sizes, ZIP64 entry counts), so that the reader's
// refusals can be tested on real files. Nothing here is used by the product.
import { crc32, deflateRawSync } from 'node:zlib';

export interface CraftedEntry {
  name: string;
  /** The content; deflated unless `method` is 0. */
  data?: Buffer;
  /** Bytes written as the entry's stored data instead of deflating `data` (e.g. a deflate stream of zeros). */
  raw?: Buffer;
  method?: 0 | 8;
  /** The uncompressed size the headers declare (default: data's length). ZIP64 above 4 GiB. */
  declaredSize?: number;
  /** Unix st_mode (e.g. 0o120777 for a symbolic link): written with "made by Unix". */
  unixMode?: number;
  /** MS-DOS attributes (0x10 folder, 0x400 reparse point). */
  dosAttributes?: number;
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** The ZIP file's bytes. */
export function craftZip(entries: CraftedEntry[]): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 8;
    const stored = e.raw ?? (method === 8 ? deflateRawSync(data) : data);
    const size = e.declaredSize ?? data.length;
    const big = size > 0xfffffffe;
    const zip64 = big ? Buffer.concat([u16(1), u16(16), u64(size), u64(stored.length)]) : Buffer.alloc(0);
    const crc = crc32(data);
    const head = Buffer.concat([
      u32(0x04034b50),
      u16(big ? 45 : 20),
      u16(0x800),
      u16(method),
      u16(0),
      u16(0x5a21),
      u32(crc),
      u32(big ? 0xffffffff : stored.length),
      u32(big ? 0xffffffff : size),
      u16(name.length),
      u16(zip64.length),
      name,
      zip64,
    ]);
    const madeBy = ((e.unixMode !== undefined ? 3 : 0) << 8) | 20;
    const attrs = (((e.unixMode ?? 0) << 16) | (e.dosAttributes ?? 0)) >>> 0;
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(madeBy),
        u16(big ? 45 : 20),
        u16(0x800),
        u16(method),
        u16(0),
        u16(0x5a21),
        u32(crc),
        u32(big ? 0xffffffff : stored.length),
        u32(big ? 0xffffffff : size),
        u16(name.length),
        u16(zip64.length),
        u16(0),
        u16(0),
        u16(0),
        u32(attrs),
        u32(offset),
        name,
        zip64,
      ]),
    );
    local.push(head, stored);
    offset += head.length + stored.length;
  }
  const cd = Buffer.concat(central);
  const n = entries.length;
  const parts = [...local, cd];
  if (n >= 0xffff) {
    const zip64Eocd = Buffer.concat([u32(0x06064b50), u64(44), u16(45), u16(45), u32(0), u32(0), u64(n), u64(n), u64(cd.length), u64(offset)]);
    const locator = Buffer.concat([u32(0x07064b50), u32(0), u64(offset + cd.length), u32(1)]);
    parts.push(zip64Eocd, locator, Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(0xffff), u16(0xffff), u32(cd.length), u32(offset), u16(0)]));
  } else {
    parts.push(Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(n), u16(n), u32(cd.length), u32(offset), u16(0)]));
  }
  return Buffer.concat(parts);
}
