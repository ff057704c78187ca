// removeTree (src/util/fsx.ts): what every staging, extraction and scratch folder is removed with. It must remove
// what fs.promises.rm({ recursive, force }) removes, without starting every file's removal at once. The bound test
// is serial: it counts the calls of a stub of fs.promises.rm, which the other tests of this file would add to.
import test from 'ava';
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sinon from 'sinon';
import { REMOVE_PARALLEL, removeTree } from '../src/util/fsx.ts';
import { tempDir } from './helpers/tmp.ts';

function tree(root: string, dirs: number, filesEach: number): void {
  for (let d = 0; d < dirs; d++) {
    const sub = join(root, `d${d}`, 'deeper');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < filesEach; f++) writeFileSync(join(sub, `f${f}.xml`), `<k>${f}</k>`);
    writeFileSync(join(root, `d${d}`, 'top.txt'), 'x');
  }
}

test('a nested tree goes whole; a missing path is fine; a file path removes the file', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'staging');
  tree(root, 3, 40);
  writeFileSync(join(root, 'manifest.json'), '{}');
  await removeTree(root);
  t.false(existsSync(root));
  await t.notThrowsAsync(removeTree(join(dir, 'never-there')));
  const file = join(dir, 'one.txt');
  writeFileSync(file, 'x');
  await removeTree(file);
  t.false(existsSync(file));
  t.deepEqual(readdirSync(dir), []);
});

test('a symbolic link inside is removed, never followed: what it points to stays', async (t) => {
  const dir = tempDir(t);
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'keep.txt'), 'keep');
  const root = join(dir, 'staging');
  mkdirSync(root);
  symlinkSync(outside, join(root, 'link'), 'dir');
  await removeTree(root);
  t.false(existsSync(root));
  t.true(existsSync(join(outside, 'keep.txt')));
  // The path given is itself a link to a folder: the link goes, the folder and its files stay (as fs.rm does).
  const top = join(dir, 'top-link');
  symlinkSync(outside, top, 'dir');
  await removeTree(top);
  t.throws(() => lstatSync(top), { code: 'ENOENT' });
  t.true(existsSync(join(outside, 'keep.txt')));
});

test.serial('at most REMOVE_PARALLEL files are being removed at any moment, whatever the tree holds', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'staging');
  // More files in one folder than the bound.
  tree(root, 2, REMOVE_PARALLEL + 200);
  let inFlight = 0;
  let most = 0;
  const real = fsp.rm.bind(fsp);
  const stub = sinon.stub(fsp, 'rm').callsFake(async (p, o) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await real(p, o);
    } finally {
      inFlight--;
    }
  });
  t.teardown(() => stub.restore());
  await removeTree(root);
  stub.restore();
  t.false(existsSync(root));
  // 2 x (REMOVE_PARALLEL + 200 + 1) files and 5 folders went through it.
  t.is(stub.callCount, 2 * (REMOVE_PARALLEL + 201) + 5);
  t.true(most <= REMOVE_PARALLEL, `${most} at once`);
  t.true(most > 1, 'files go in parallel');
});
