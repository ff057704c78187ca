import test from 'ava';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalNames, find7Zip } from '../src/compare/compare.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

type Row = { path: string; status: string; note: string | null; referenceSha256: string | null; differenceSha256: string | null };

/**
 * One Full backup of a sandbox (ours, with a planted extra key file), and a legacy-layout folder made from the
 * same content the way the batch script laid it out: ServerBackup_<ts>\Mongo\..., the three XML files and
 * ControllerToken.txt at the top; plus a file only the legacy one has and one changed file.
 */
async function fixture(t: Parameters<typeof tempDir>[0]) {
  const { dir, config } = await quickSandbox(t);
  const keys = join(dir, 'C', 'ProgramData', 'Alteryx', 'Keys');
  mkdirSync(keys, { recursive: true });
  writeFileSync(join(keys, 'planted-extra.key'), 'only in ours');
  const b = await runCli(['backup', '--mode', 'Full', '--sandbox', dir, '--config', config, '--json']);
  t.is(b.code, 0, String(b.result?.['message']));
  const ours = String(b.result!['archivePath']);

  const work = tempDir(t);
  const x = join(work, 'x');
  execFileSync('unzip', ['-q', ours, '-d', x]);
  const legacy = join(work, 'legacy');
  const top = join(legacy, 'ServerBackup_20260101_020000');
  mkdirSync(top, { recursive: true });
  renameSync(join(x, 'MongoDB'), join(top, 'Mongo'));
  renameSync(join(x, 'Config', 'RuntimeSettings.xml'), join(top, 'RuntimeSettings.xml'));
  renameSync(join(x, 'Config', 'Engine', 'SystemAlias.xml'), join(top, 'SystemAlias.xml'));
  renameSync(join(x, 'Config', 'Engine', 'SystemConnections.xml'), join(top, 'SystemConnections.xml'));
  renameSync(join(x, 'Secrets', 'ControllerToken.txt'), join(top, 'ControllerToken.txt'));
  // Planted: a file only the legacy backup has, and one changed file.
  writeFileSync(join(top, 'legacy-notes.txt'), 'only in the legacy backup');
  writeFileSync(join(top, 'SystemAlias.xml'), '<Aliases><Alias name="changed"/></Aliases>');
  rmSync(x, { recursive: true, force: true });
  return { ours, legacy, top, work };
}

function byPath(rows: Row[]): Record<string, Row> {
  return Object.fromEntries(rows.map((r) => [r.path, r]));
}

function checkRows(t: Parameters<typeof tempDir>[0], rows: Row[]) {
  const r = byPath(rows);
  t.is(r['legacy-notes.txt']?.status, 'onlyInReference', 'the legacy-only file is a failure of the comparison');
  t.is(r['Config/Engine/SystemAlias.xml']?.status, 'differs', 'the changed file');
  t.is(r['Config/Keys/planted-extra.key']?.status, 'onlyInDifference', 'the extra file of ours');
  t.regex(r['Config/Keys/planted-extra.key']!.note!, /encryption keys/);
  t.is(r['Config/RuntimeSettings.xml']?.status, 'same', 'RuntimeSettings.xml at the legacy top level maps to Config/');
  t.is(r['Config/Engine/SystemConnections.xml']?.status, 'same');
  t.is(r['Secrets/ControllerToken.txt']?.status, 'same', 'ControllerToken.txt maps to Secrets/');
  t.is(r['Secrets/ControllerToken.txt']!.referenceSha256, null, 'a secret is compared, its hash never shown');
  t.is(r['Secrets/ControllerToken.txt']!.differenceSha256, null);
  // A secret only ours carries (the legacy script never saved the MongoDB passwords): noted, never hashed.
  const pw = r['Secrets/MongoPasswords.txt'];
  t.is(pw?.status, 'onlyInDifference', 'the embedded MongoDB passwords are in ours only');
  t.is(pw!.note, 'added by this tool: secret needed on a new host');
  t.is(pw!.differenceSha256, null, 'no hash of a secret');
  t.is(pw!.referenceSha256, null);
  t.is(r['manifest.json']?.status, 'onlyInDifference');
  t.is(r['metadata.json']?.status, 'onlyInDifference');
  const mongo = rows.filter((x) => x.path.startsWith('MongoDB/'));
  t.true(mongo.length >= 3, 'the dump files are compared');
  t.true(
    mongo.every((x) => x.status === 'same'),
    'Mongo\\ maps to MongoDB/',
  );
  t.is(rows.filter((x) => x.status === 'onlyInReference').length, 1);
  t.is(rows.filter((x) => x.status === 'differs').length, 1);
}

test('compare: a legacy folder against our archive lists the planted extra on each side and the changed file; exit 3 when ours lacks a file', async (t) => {
  const { ours, legacy, top } = await fixture(t);
  const r = await runCli(['compare', legacy, ours, '--json']);
  t.is(r.code, 3, r.stdout + r.stderr);
  const res = r.result!;
  t.false(res['superset'] as boolean);
  checkRows(t, res['rows'] as Row[]);
  t.regex(String(res['message']), /LACKS 1 file/);
  // The secret's content (and its hash) appear nowhere in the output.
  const pwText = execFileSync('unzip', ['-p', ours, 'Secrets/MongoPasswords.txt']);
  const pwHash = createHash('sha256').update(pwText).digest('hex');
  const values = pwText
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.replace(/^[^=:]*[=:]\s*/, '').trim())
    .filter((v) => v.length >= 8);
  t.true(values.length > 0, 'the passwords file holds passwords');
  for (const v of values) t.false(r.stdout.includes(v), 'a MongoDB password in the compare output');
  t.false(r.stdout.includes(pwHash), 'the hash of the passwords file in the compare output');

  // Without the legacy-only file, ours is a superset: exit 0 although a file differs; --strict fails on it.
  rmSync(join(top, 'legacy-notes.txt'));
  const ok = await runCli(['compare', legacy, ours]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /^DIFFERS\s+Config\/Engine\/SystemAlias\.xml/m);
  t.regex(ok.stdout, /^only in new\s+Config\/Keys\/planted-extra\.key/m);
  t.regex(ok.stdout, /^only in new\s+Secrets\/MongoPasswords\.txt\s+added by this tool: secret needed on a new host$/m);
  t.regex(ok.stdout, /holds every file of the legacy one/);
  const strict = await runCli(['compare', legacy, ours, '--strict', '--json']);
  t.is(strict.code, 3);
  t.regex(String(strict.result!['message']), /1 file\(s\) differ \(--strict\)/);
});

test('compare: the legacy .7z (through 7-Zip) and a legacy .zip give the same rows as the folder', async (t) => {
  const exe = find7Zip();
  t.truthy(exe, '7-Zip (7zz) is installed by scripts/install-tools.sh');
  const { ours, legacy, work } = await fixture(t);
  const seven = join(work, 'ServerBackup_20260101_020000.7z');
  execFileSync(exe!, ['a', '-bd', '-y', seven, 'ServerBackup_20260101_020000'], { cwd: legacy, stdio: 'ignore' });
  const r7 = await runCli(['compare', seven, ours, '--json']);
  t.is(r7.code, 3, r7.stdout + r7.stderr);
  t.is(r7.result!['referenceKind'], '7z');
  checkRows(t, r7.result!['rows'] as Row[]);
  t.deepEqual(
    readdirSync(work).filter((n) => n.startsWith('ab-compare')),
    [],
    'no scratch folder left beside',
  );

  const zip = join(work, 'legacy.zip');
  execFileSync(exe!, ['a', '-tzip', '-bd', '-y', zip, 'ServerBackup_20260101_020000'], { cwd: legacy, stdio: 'ignore' });
  const rz = await runCli(['compare', zip, ours, '--json']);
  checkRows(t, rz.result!['rows'] as Row[]);
});

test('compare: a .7z without 7-Zip, a missing path and an unknown file type are exit 3 with what to do', async (t) => {
  const dir = tempDir(t);
  const seven = join(dir, 'old.7z');
  writeFileSync(seven, '7z');
  const ours = join(dir, 'ours');
  mkdirSync(ours);
  const no7 = await runCli(['compare', seven, ours, '--json'], { env: { PATH: '/nonexistent', ALTERYXBACKUP_7ZIP: '' } });
  t.is(no7.code, 3);
  t.regex(String(no7.result!['message']), /needs 7-Zip.*Install 7-Zip/);
  const missing = await runCli(['compare', join(dir, 'nope'), ours, '--json']);
  t.is(missing.code, 3);
  t.regex(String(missing.result!['message']), /nope does not exist/);
  const txt = join(dir, 'a.txt');
  writeFileSync(txt, 'x');
  t.regex(String((await runCli(['compare', txt, ours, '--json'])).result!['message']), /neither a folder, a \.zip nor a \.7z/);
});

test('canonical names: one top folder removed, legacy names mapped, .bson.gz compared as .bson, ours unchanged', (t) => {
  const legacy = canonicalNames(['ServerBackup_1/Mongo/AlteryxGallery/apps.bson', 'ServerBackup_1/RuntimeSettings.xml', 'ServerBackup_1/ControllerToken.txt']);
  t.deepEqual([...legacy.values()], ['MongoDB/AlteryxGallery/apps.bson', 'Config/RuntimeSettings.xml', 'Secrets/ControllerToken.txt']);
  const ours = canonicalNames(['manifest.json', 'Config/RuntimeSettings.xml', 'MongoDB/AlteryxGallery/apps.bson.gz']);
  t.deepEqual([...ours.values()], ['manifest.json', 'Config/RuntimeSettings.xml', 'MongoDB/AlteryxGallery/apps.bson']);
  const windows = canonicalNames(['ServerBackup_1\\Mongo\\AlteryxService\\x.bson', 'ServerBackup_1\\SystemAlias.xml']);
  t.deepEqual([...windows.values()], ['MongoDB/AlteryxService/x.bson', 'Config/Engine/SystemAlias.xml']);
});

test('find7Zip looks 7-Zip up with the shared PATHEXT-aware findOnPath (Windows rules by parameter, real folders)', (t) => {
  const root = tempDir(t);
  const a = join(root, 'a');
  const b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, '7z'), 'no extension: not a Windows command');
  writeFileSync(join(b, '7z.exe'), 'MZ');
  // Windows: `;` between folders, the key spelled Path, the extension from PATHEXT; the extension-less file is skipped.
  t.is(find7Zip({ Path: `${a};${b}`, PATHEXT: '.COM;.EXE' }, 'win32'), join(b, '7z.exe'));
  // Elsewhere the name itself, first folder first; `:` between folders.
  t.is(find7Zip({ PATH: `${a}:${b}` }, 'linux'), join(a, '7z'));
  // 7zz before 7z; ALTERYXBACKUP_7ZIP wins when it exists, and nothing else is tried when it does not.
  writeFileSync(join(b, '7zz'), '#!');
  t.is(find7Zip({ PATH: `${a}:${b}` }, 'linux'), join(b, '7zz'));
  t.is(find7Zip({ PATH: `${a}:${b}`, ALTERYXBACKUP_7ZIP: join(a, '7z') }, 'linux'), join(a, '7z'));
  t.is(find7Zip({ PATH: `${a}:${b}`, ALTERYXBACKUP_7ZIP: join(root, 'none') }, 'linux'), undefined);
  t.is(find7Zip({ Path: join(root, 'nowhere'), ProgramFiles: root }, 'win32'), undefined);
});
