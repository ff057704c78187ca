// ManifestParser (src/core/manifest.ts): manifest.json read as it streams in, each entry of `files` handed on by
// itself (issue 15, flat memory). Whatever way the bytes are cut, it must read what JSON.parse reads, and refuse
// what JSON.parse refuses.
import test from 'ava';
import { BackupError } from '../src/core/errors.ts';
import { ManifestParser, parseManifest, type ManifestFile } from '../src/core/manifest.ts';

const sha = (i: number) => i.toString(16).padStart(64, '0');
const file = (i: number, path = `Config/Keys/k${i}.xml`): ManifestFile => ({ path, size: i, sha256: sha(i), kind: 'keys' });
const base = {
  format: 1,
  mode: 'ConfigOnly',
  nodes: [{ name: 'H', role: 'controller' }],
  mongo: { type: 'embedded', dumped: false },
};

/** Feeds `text` to a parser in pieces of `cut` bytes (1: every byte on its own, multi-byte characters split). */
function stream(text: string, cut: number): { files: Array<[ManifestFile, number]>; manifest: Record<string, unknown> } {
  const files: Array<[ManifestFile, number]> = [];
  const p = new ManifestParser((f, i) => files.push([f, i]));
  const bytes = Buffer.from(text, 'utf8');
  for (let o = 0; o < bytes.length; o += cut) p.write(bytes.subarray(o, o + cut));
  return { files, manifest: p.end() as unknown as Record<string, unknown> };
}

const tricky = {
  ...base,
  // Brackets, quotes, escapes and a "files" key inside strings and nested objects: none of them is the list.
  createdAt: 'a "files": [1, 2] in a string, \\ and \\" and ] } [ {',
  configuration: { files: [{ path: 'nested', size: 1 }], Text: 'ключ € 😀 "files":[', list: [[], {}, [[1]]] },
  files: [file(1, 'Config/Keys/ключ € 😀 [x] {y} "q".xml'), file(2), file(3, 'Config/Keys/back\\slash,comma.xml')],
  status: { completedSteps: ['files'], warnings: ['files: ]'] },
};

test('cut anywhere (every byte, 7 bytes, 1 MiB), compact or indented: the same files in order, the rest as JSON.parse reads it', (t) => {
  for (const text of [JSON.stringify(tricky), JSON.stringify(tricky, null, 2), JSON.stringify(tricky, null, '\t').replace(/\n/g, '\r\n')]) {
    for (const cut of [1, 7, 1024 * 1024]) {
      const { files, manifest } = stream(text, cut);
      t.deepEqual(
        files.map(([f]) => f),
        tricky.files,
        `cut ${cut}`,
      );
      t.deepEqual(
        files.map(([, i]) => i),
        [0, 1, 2],
      );
      const expected = JSON.parse(text) as Record<string, unknown>;
      t.deepEqual(manifest['configuration'], expected['configuration']);
      t.is(manifest['createdAt'], expected['createdAt']);
      t.deepEqual(manifest['status'], expected['status']);
      t.deepEqual(manifest['files'], [], 'the entries went to the sink, not into the result');
    }
  }
});

test('a key written with escapes ("fil\\u0065s") is the files key, as JSON.parse reads it; an empty list hands on nothing', (t) => {
  const text = JSON.stringify({ ...base, files: [file(5)] }).replace('"files"', '"fil\\u0065s"');
  t.deepEqual(
    stream(text, 3).files.map(([f]) => f.path),
    ['Config/Keys/k5.xml'],
  );
  t.deepEqual(stream(JSON.stringify({ ...base, files: [] }), 1).files, []);
  t.deepEqual(stream(JSON.stringify({ ...base, files: [] }, null, 2), 1).files, []);
});

test('what JSON.parse refuses is refused, exit 3: trailing comma, empty entry, text between entries, no end, two files keys, bad UTF-8', (t) => {
  const good = JSON.stringify({ ...base, files: [file(1), file(2)] });
  const bad: Array<[string, string | Buffer]> = [
    ['trailing comma', good.replace(/\}\]/, '},]')],
    ['empty entry', good.replace('},{', '},,{')],
    ['leading comma', good.replace('"files":[', '"files":[,')],
    ['text between entries', good.replace('},{', '} x {')],
    ['cut short', good.slice(0, good.length - 30)],
    ['two files keys', good.replace('"files":[', '"files":[],"files":[')],
    ['bad UTF-8', Buffer.concat([Buffer.from(good.slice(0, 40)), Buffer.from([0xc3, 0x28]), Buffer.from(good.slice(40))])],
  ];
  for (const [what, text] of bad) {
    t.throws(
      () => {
        const p = new ManifestParser(() => undefined);
        p.write(Buffer.isBuffer(text) ? text : Buffer.from(text));
        p.end();
      },
      { instanceOf: BackupError, message: /manifest\.json is not valid (JSON|UTF-8)/ },
      what,
    );
    // Two files keys JSON.parse reads (the last wins): refused here, as one list would go unchecked.
    if (!Buffer.isBuffer(text) && what !== 'two files keys') t.throws(() => JSON.parse(text), undefined, `${what}: JSON.parse refuses it too`);
  }
});

test('an entry of the wrong shape is named by its index, and nothing after it is handed on; the count of problems is given', (t) => {
  const files = [file(0), { ...file(1), size: '1' }, file(2), { ...file(3), sha256: 'x' }];
  const handed: number[] = [];
  const p = new ManifestParser((_f, i) => handed.push(i));
  p.write(Buffer.from(JSON.stringify({ ...base, files })));
  const err = t.throws(() => p.end(), { instanceOf: BackupError });
  t.regex(err!.message, /not in the form this tool writes: files\.1\.size: .* \(and 1 more\)/);
  t.deepEqual(handed, [0]);
  // A problem in the rest of the manifest is named first, as the whole manifest is checked in key order.
  t.throws(() => parseManifest(JSON.stringify({ ...base, mode: 'Everything', files })), { message: /: mode: .*\(and 2 more\)/ });
});
