// Spool (src/archive/spool.ts): what the archive writer keeps per entry until the end (the central directory,
// manifest.json's file list) waits in a file, or in memory blocks, and comes back byte for byte, in order.
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../src/archive/spool.ts';
import { tempDir } from './helpers/tmp.ts';

const MiB = 1024 * 1024;

/** 3.5 MiB of records of awkward sizes, strings with multi-byte characters among them, crossing block edges. */
function fill(s: Spool): string {
  const h = createHash('sha256');
  for (let i = 0; s.size < 3.5 * MiB; i++) {
    const rec = i % 3 ? Buffer.alloc(1 + ((i * 7919) % 5000), i % 251) : `ключ-${i}-€-${'x'.repeat(i % 900)}\n`;
    s.append(rec);
    h.update(rec);
  }
  return h.digest('hex');
}

function readBack(s: Spool): { sha: string; pieces: number[] } {
  const h = createHash('sha256');
  const pieces: number[] = [];
  for (const p of s.pieces()) {
    h.update(p);
    pieces.push(p.length);
  }
  return { sha: h.digest('hex'), pieces };
}

for (const where of ['a file', 'memory'] as const) {
  test(`in ${where}: every byte back in order, in pieces of at most 1 MiB`, (t) => {
    const path = where === 'a file' ? join(tempDir(t), 'spool.tmp') : undefined;
    const s = new Spool(path);
    const sha = fill(s);
    const size = s.size;
    // In a file, all but the last block are on disk before anything is read back.
    if (path) t.true(statSync(path).size >= 3 * MiB, `${statSync(path).size} bytes on disk`);
    const back = readBack(s);
    t.is(back.sha, sha);
    t.is(
      back.pieces.reduce((a, b) => a + b, 0),
      size,
    );
    for (const n of back.pieces) t.true(n > 0 && n <= MiB, `${n}`);
    s.dispose();
    if (path) t.false(existsSync(path), 'dispose removes the file');
    s.dispose();
  });
}

test('reuse: pieces read back from the file into two buffers in turn, the same bytes', (t) => {
  const path = join(tempDir(t), 'spool.tmp');
  const s = new Spool(path);
  const sha = fill(s);
  const h = createHash('sha256');
  const buffers: ArrayBufferLike[] = [];
  for (const p of s.pieces(true)) {
    h.update(p);
    buffers.push(p.buffer);
  }
  t.is(h.digest('hex'), sha);
  t.true(buffers.length >= 4);
  // The last piece comes from the block still in memory; the ones read from the file alternate between two buffers.
  const fromFile = buffers.slice(0, -1);
  t.is(new Set(fromFile).size, 2);
  for (const [i, b] of fromFile.entries()) t.is(b, fromFile[i % 2]!);
  s.dispose();
});

test('an empty spool gives nothing back; a file spool below one block writes nothing until it is read', (t) => {
  const path = join(tempDir(t), 'spool.tmp');
  const s = new Spool(path);
  t.deepEqual([...s.pieces()], []);
  s.append('tiny');
  t.is(statSync(path).size, 0);
  t.is(Buffer.concat([...s.pieces()]).toString(), 'tiny');
  s.dispose();
  t.false(existsSync(path));
});
