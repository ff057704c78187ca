// SequentialReader (src/archive/byte-reader.ts): verify's one front-to-back read of the archive. Headers and small
// entries are taken with read(n) wherever they fall, across the 1 MiB reads; every byte is hashed exactly once.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SequentialReader } from '../src/archive/byte-reader.ts';
import { tempDir } from './helpers/tmp.ts';

const MiB = 1024 * 1024;

test('read, pieces and skip across the 1 MiB reads give the file back byte for byte; the hash is the whole file', async (t) => {
  const file = join(tempDir(t), 'a.bin');
  const data = randomBytes(4 * MiB + 12345);
  writeFileSync(file, data);
  const r = new SequentialReader(file);
  const got: Buffer[] = [];
  let at = 0;
  // A header just before the first read's end, one across it, a small entry across the second, one of 2.5 MiB
  // across three reads, then pieces and a skip.
  for (const n of [MiB - 10, 30, MiB - 100, 300, Math.floor(2.5 * MiB) - MiB]) {
    const b = await r.read(n);
    t.is(b.length, n);
    got.push(Buffer.from(b));
    at += n;
    t.is(r.position, at);
  }
  for await (const p of r.pieces(200_000)) got.push(Buffer.from(p));
  at += 200_000;
  t.is(await r.skip(1000), 1000);
  at += 1000;
  got.push(Buffer.from(await r.read(5)));
  at += 5;
  t.deepEqual(Buffer.concat(got), Buffer.concat([data.subarray(0, at - 1005), data.subarray(at - 5, at)]));
  t.is(await r.finish(), createHash('sha256').update(data).digest('hex'));
  await r.close();
});

test('a header past the end of the file: an error naming where the file ends', async (t) => {
  const file = join(tempDir(t), 'b.bin');
  writeFileSync(file, randomBytes(MiB + 10));
  const r = new SequentialReader(file);
  await r.read(MiB);
  await t.throwsAsync(r.read(30), { message: `the file ends at ${MiB + 10}, inside a header` });
  await r.close();
});
