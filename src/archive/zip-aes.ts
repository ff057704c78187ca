import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';

/**
 * Reading WinZip AES (AE-1/AE-2) entries, the format 7-Zip and WinZip use for AES-256 ZIPs, so that
 * encrypted backups can be verified and restored without any external tool.
 * Layout: salt | 2-byte password verifier | AES-CTR data (little-endian counter from 1) | 10-byte HMAC-SHA1.
 */
export const AES_METHOD = 99;
export const AES_EXTRA = 0x9901;

/** The WinZip AES keystream: AES-ECB of a little-endian block counter that starts at 1 (AES-CTR as WinZip defines it). */
class AesKeystream {
  private counter = 1n;
  private cipher: ReturnType<typeof createCipheriv>;
  private spare = Buffer.alloc(0);
  constructor(key: Buffer, keyLen: number) {
    this.cipher = createCipheriv(`aes-${keyLen * 8}-ecb`, key, null);
    this.cipher.setAutoPadding(false);
  }
  /** XORs the next `data.length` bytes of keystream into a copy of `data`. */
  xor(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    let i = 0;
    while (i < data.length && this.spare.length) {
      out[i] = data[i]! ^ this.spare[0]!;
      this.spare = this.spare.subarray(1);
      i++;
    }
    const rest = data.length - i;
    if (rest <= 0) return out;
    const blocks = Math.ceil(rest / 16);
    const ctr = Buffer.alloc(blocks * 16);
    for (let b = 0; b < blocks; b++) {
      ctr.writeBigUInt64LE(this.counter & 0xffffffffffffffffn, b * 16);
      this.counter++;
    }
    const ks = this.cipher.update(ctr);
    for (let j = 0; j < rest; j++) out[i + j] = data[i + j]! ^ ks[j]!;
    this.spare = ks.subarray(rest);
    return out;
  }
}

/**
 * Writing one AE-2 entry (AES-256, WinZip's format, which 7-Zip and WinZip open): `header` (salt and password
 * verifier) goes first, then every `update` of the (deflated) data in order, then `final()`, the 10-byte HMAC-SHA1
 * of the ciphertext. The entry's CRC is 0 in AE-2: the authentication code protects the content instead.
 */
export class AesEntryEncryptor {
  static readonly OVERHEAD = 16 + 2 + 10;
  readonly header: Buffer;
  private readonly ks: AesKeystream;
  private readonly hmac: ReturnType<typeof createHmac>;
  constructor(password: string) {
    const salt = randomBytes(16);
    const derived = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 1000, 32 * 2 + 2, 'sha1');
    this.header = Buffer.concat([salt, derived.subarray(64)]);
    this.ks = new AesKeystream(derived.subarray(0, 32), 32);
    this.hmac = createHmac('sha1', derived.subarray(32, 64));
  }
  update(data: Uint8Array): Buffer {
    const c = this.ks.xor(data);
    this.hmac.update(c);
    return c;
  }
  final(): Buffer {
    return this.hmac.digest().subarray(0, 10);
  }
}

/** The 0x9901 extra field of an AE-2, AES-256 entry whose content is stored (0) or deflated (8). */
export function aesExtraField(method: number): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16LE(AES_EXTRA, 0);
  b.writeUInt16LE(7, 2);
  b.writeUInt16LE(2, 4);
  b.write('AE', 6, 'latin1');
  b.writeUInt8(3, 8);
  b.writeUInt16LE(method, 9);
  return b;
}

export function isAesEntry(e: Entry): boolean {
  return e.compressionMethod === AES_METHOD;
}

function aesInfo(e: Entry): { strength: number; method: number } {
  const f = e.extraFields.find((x) => x.id === AES_EXTRA);
  if (!f || f.data.length < 7) throw new Error(`${e.fileName}: AES entry without its 0x9901 extra field`);
  return { strength: f.data.readUInt8(4), method: f.data.readUInt16LE(5) };
}

class AesCtrDecrypt extends Transform {
  private header: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);
  private ready = false;
  private counter = 1n;
  private keystream = Buffer.alloc(0);
  private cipher: ReturnType<typeof createCipheriv> | undefined;
  private hmac: ReturnType<typeof createHmac> | undefined;

  constructor(
    private readonly password: string,
    private readonly saltLen: number,
    private readonly keyLen: number,
    private readonly name: string,
  ) {
    super();
  }

  private nextKeystream(n: number): Buffer {
    while (this.keystream.length < n) {
      const blocks = Math.max(1, Math.ceil((n - this.keystream.length) / 16));
      const ctr = Buffer.alloc(blocks * 16);
      for (let i = 0; i < blocks; i++) {
        ctr.writeBigUInt64LE(this.counter & 0xffffffffffffffffn, i * 16);
        this.counter++;
      }
      this.keystream = Buffer.concat([this.keystream, this.cipher!.update(ctr)]);
    }
    const out = this.keystream.subarray(0, n);
    this.keystream = this.keystream.subarray(n);
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let data = chunk;
    if (!this.ready) {
      this.header = Buffer.concat([this.header, data]);
      const need = this.saltLen + 2;
      if (this.header.length < need) {
        cb();
        return;
      }
      const salt = this.header.subarray(0, this.saltLen);
      const verifier = this.header.subarray(this.saltLen, need);
      const derived = pbkdf2Sync(Buffer.from(this.password, 'utf8'), salt, 1000, this.keyLen * 2 + 2, 'sha1');
      if (!derived.subarray(this.keyLen * 2).equals(verifier)) {
        cb(new Error(`${this.name}: wrong password`));
        return;
      }
      this.cipher = createCipheriv(`aes-${this.keyLen * 8}-ecb`, derived.subarray(0, this.keyLen), null);
      this.hmac = createHmac('sha1', derived.subarray(this.keyLen, this.keyLen * 2));
      this.ready = true;
      data = this.header.subarray(need);
    }
    // Hold back the last 10 bytes: they are the authentication code, not data.
    const all = Buffer.concat([this.tail, data]);
    const keep = Math.min(10, all.length);
    const body = all.subarray(0, all.length - keep);
    this.tail = Buffer.from(all.subarray(all.length - keep));
    if (body.length) {
      this.hmac!.update(body);
      const ks = this.nextKeystream(body.length);
      const plain = Buffer.alloc(body.length);
      for (let i = 0; i < body.length; i++) plain[i] = body[i]! ^ ks[i]!;
      this.push(plain);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (!this.ready || this.tail.length !== 10) {
      cb(new Error(`${this.name}: truncated AES entry`));
      return;
    }
    const mac = this.hmac!.digest().subarray(0, 10);
    if (!timingSafeEqual(mac, this.tail)) {
      cb(new Error(`${this.name}: authentication code mismatch (the entry is corrupt)`));
      return;
    }
    cb();
  }
}

export function decryptAesEntry(zf: ZipFile, e: Entry, password: string): Promise<NodeJS.ReadableStream> {
  const { strength, method } = aesInfo(e);
  const keyLen = { 1: 16, 2: 24, 3: 32 }[strength];
  if (!keyLen) return Promise.reject(new Error(`${e.fileName}: unknown AES strength ${strength}`));
  const saltLen = keyLen / 2;
  return new Promise((resolve, reject) =>
    zf.openReadStream(e, { decodeFileData: false } as never, (err, raw) => {
      if (err) return reject(err);
      const dec = new AesCtrDecrypt(password, saltLen, keyLen, e.fileName);
      raw.on('error', (x) => dec.destroy(x));
      const plain = raw.pipe(dec);
      if (method === 8) {
        const inflate = createInflateRaw();
        dec.on('error', (x) => inflate.destroy(x));
        resolve(plain.pipe(inflate));
      } else if (method === 0) resolve(plain);
      else reject(new Error(`${e.fileName}: unsupported compression method ${method} inside AES`));
    }),
  );
}

/** The decrypting stage of an AES entry read from raw bytes (verify's single pass), and the method inside it. */
export function aesDecoder(e: Entry, password: string): { decrypt: Transform; method: number } {
  const { strength, method } = aesInfo(e);
  const keyLen = { 1: 16, 2: 24, 3: 32 }[strength];
  if (!keyLen) throw new Error(`${e.fileName}: unknown AES strength ${strength}`);
  if (method !== 0 && method !== 8) throw new Error(`${e.fileName}: unsupported compression method ${method} inside AES`);
  return { decrypt: new AesCtrDecrypt(password, keyLen / 2, keyLen, e.fileName), method };
}
