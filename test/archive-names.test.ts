import test from 'ava';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { entryNameProblem, windowsNameKey } from '../src/util/winnames.ts';
import { checkFits, extractArchive } from '../src/archive/extract.ts';
import { entryTableProblems, openZip, readEntries } from '../src/archive/verify.ts';
import { craftZip } from './helpers/crafted-zip.ts';
import { sha } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

test('Windows rules, component by component, on every platform', (t) => {
  const refused: Array<[string, RegExp]> = [
    ['Config/C:/Windows/x', /drive letter "C:"/],
    ['C:evil', /drive letter/],
    ['\\\\host\\share\\x', /UNC/],
    ['/etc/passwd', /absolute/],
    ['\\Windows\\x', /absolute/],
    ['Config/../../x', /\.\./],
    ['Config\\..\\x', /\.\./],
    ['Config/Keys/a.key:hidden', /alternate data stream/],
    ['Config/NUL', /reserved device name/],
    ['Config/con.txt', /reserved device name/],
    ['Config/COM1.log', /reserved device name/],
    ['Config/lpt9', /reserved device name/],
    ['Config/Keys/x.', /trailing dot or space/],
    ['Config/Keys /x', /trailing dot or space/],
    ['Config/a*b', /"\*"/],
    ['Config/a?b', /"\?"/],
    ['Config/a"b', /"""/],
    ['Config/a<b>', /"<"/],
    ['Config/a|b', /"\|"/],
    ['Config/a\u0001b', /control character/],
    ['Config//x', /empty path component/],
    ['', /empty name/],
  ];
  for (const [name, why] of refused) t.regex(entryNameProblem(name) ?? 'ACCEPTED', why, JSON.stringify(name));
  for (const ok of [
    'Config/RuntimeSettings.xml',
    'Config/Keys/a..b.key',
    'MongoDB/AlteryxGallery/users.bson',
    'nodes/WKR-1/Config/',
    'Config/console.txt',
    'Config/COM10',
    './manifest.json',
  ]) {
    t.is(entryNameProblem(ok), undefined, ok);
  }
  t.is(windowsNameKey('config\\RUNTIMESETTINGS.xml'), windowsNameKey('Config/RuntimeSettings.xml'));
  t.is(windowsNameKey('./Config//a/'), windowsNameKey('config/A'));
});

test('extraction (the same reader) catches a header that lies while inflating, and refuses an unsafe or unlisted name before writing', async (t) => {
  const dir = tempDir(t);
  const claimed = Buffer.alloc(1000);
  const zip = join(dir, 'lie.zip');
  writeFileSync(zip, craftZip([{ name: 'Config/lie.key', data: claimed, raw: deflateRawSync(Buffer.alloc(4 * 1024 * 1024)), declaredSize: 1000 }]));
  const files = [{ path: 'Config/lie.key', size: 1000, sha256: sha(claimed), kind: 'keys' as const }];
  const root = join(dir, 'out');
  mkdirSync(root);
  const err = await t.throwsAsync(extractArchive(zip, root, files, () => true));
  t.regex(err!.message, /"Config\/lie\.key" is refused: it inflates past the 1000 bytes/);
  t.is((err as { exitCode?: number }).exitCode, 3);

  const zip2 = join(dir, 'drive.zip');
  writeFileSync(
    zip2,
    craftZip([
      { name: 'Config/C:/Windows/x', data: Buffer.from('x') },
      { name: 'Config/ok', data: Buffer.from('y') },
    ]),
  );
  const root2 = join(dir, 'out2');
  mkdirSync(root2);
  const err2 = await t.throwsAsync(extractArchive(zip2, root2, [{ path: 'Config/ok', size: 1, sha256: sha('y'), kind: 'keys' }], () => true));
  t.regex(err2!.message, /Config\/C:\/Windows\/x/);
  t.deepEqual(readdirSync(root2), [], 'nothing was written');

  const zip3 = join(dir, 'extra.zip');
  writeFileSync(
    zip3,
    craftZip([
      { name: 'Config/extra', data: Buffer.from('x') },
      { name: 'Config/ok', data: Buffer.from('y') },
    ]),
  );
  const root3 = join(dir, 'out3');
  mkdirSync(root3);
  const err3 = await t.throwsAsync(extractArchive(zip3, root3, [{ path: 'Config/ok', size: 1, sha256: sha('y'), kind: 'keys' }], () => true));
  t.regex(err3!.message, /"Config\/extra" is refused: it is not listed in the manifest/);
  t.deepEqual(readdirSync(root3), []);
});

test('the extracted total must fit the free space at the target (with a margin): exit 3 naming the largest entry and the limit', (t) => {
  const files = [
    { path: 'MongoDB/AlteryxGallery/big.bson', size: 5 * 1024 ** 3, sha256: 'a'.repeat(64), kind: 'database' as const },
    { path: 'Config/RuntimeSettings.xml', size: 100, sha256: 'b'.repeat(64), kind: 'settings' as const },
  ];
  const err = t.throws(() => checkFits(files, 4 * 1024 ** 3, '/scratch'));
  t.regex(
    err!.message,
    /"MongoDB\/AlteryxGallery\/big\.bson" is refused: the 2 entries to extract total 5(\.0)? GB, more than the 4(\.0)? GB free at \/scratch \(limit: the free space less 5% or 64 MB\)/,
  );
  t.is((err as { exitCode?: number }).exitCode, 3);
  t.notThrows(() => checkFits(files, 6 * 1024 ** 3, '/scratch'));
  t.notThrows(() => checkFits(files, undefined, '/scratch'));
});

test('windowsNameKey: a name already in key form but for case takes the short way, with the same key as the long one', (t) => {
  const long = (name: string) =>
    name
      .split(/[\\/]+/)
      .filter((p) => p !== '' && p !== '.')
      .join('/')
      .toUpperCase();
  for (const name of ['a/b/c.txt', 'a\\b', 'a//b', '/a', 'a/', './a', 'a/./b', 'a/.', '.', 'a/..', '.a/b.', 'ключ/ß.txt', 'a/.b/c', 'x\\\\y', 'a/b/']) {
    t.is(windowsNameKey(name), long(name), name);
  }
});

test('a file where another entry needs a folder of the same name is refused, naming the first entry that needs it', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'clash.zip');
  writeFileSync(
    zip,
    craftZip([
      { name: 'Config/Keys/a/one.key', data: Buffer.from('1') },
      { name: 'Config/Keys/a/two.key', data: Buffer.from('2') },
      { name: 'config/keys', data: Buffer.from('a file where a folder must be') },
      { name: 'Config/Keys/b/three.key', data: Buffer.from('3') },
    ]),
  );
  const zf = await openZip(zip);
  try {
    const problems = entryTableProblems(await readEntries(zf));
    t.deepEqual(problems, [{ entry: 'config/keys', rule: 'it is a file, and "Config/Keys/a/one.key" needs a folder of the same name', check: 'unique names' }]);
  } finally {
    zf.close();
  }
});
