// A legacy batch-script archive (ServerBackup_<YYYYMMDD_HHMMSS>.7z, or a ZIP of its layout without
// manifest.json) given to verify, restore or drill (issue 13): named for what it is, with how to restore it
// by hand, exit 3, nothing changed. The .7z is made by the real 7-Zip (7zz), the ZIP by a real zip writer.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recognizeLegacyArchive, hasLegacyLayout } from '../src/archive/legacy.ts';
import { readEvents } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { configHashes, counts, writeZip } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

/** The batch script's folder: ServerBackup_<ts>\Mongo\<db>\<coll>.bson, the three XML files, ControllerToken.txt. */
function legacyTree(root: string, stamp: string): string {
  const dir = join(root, `ServerBackup_${stamp}`);
  mkdirSync(join(dir, 'Mongo', 'AlteryxService'), { recursive: true });
  writeFileSync(join(dir, 'Mongo', 'AlteryxService', 'AS_Jobs.bson'), Buffer.alloc(64, 1));
  for (const f of ['RuntimeSettings.xml', 'SystemAlias.xml', 'SystemConnections.xml']) writeFileSync(join(dir, f), '<SystemSettings/>');
  writeFileSync(join(dir, 'ControllerToken.txt'), 'A'.repeat(64));
  return dir;
}

test('recognizeLegacyArchive: the 7z signature, the legacy name, the ZIP layout; an ordinary ZIP without manifest is not one', (t) => {
  const sevenZ = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]);
  const l = recognizeLegacyArchive('D:\\Alteryx\\Backups\\ServerBackup_20250105_020000.7z', sevenZ);
  t.is(l?.kind, '7z');
  t.is(l?.stamp, '20250105_020000');
  t.regex(l!.message, /legacy batch script .* taken 2025-01-05 02:00:00/);
  t.regex(l!.hint, /7-Zip \(7z x ServerBackup_20250105_020000\.7z\).*emongorestore=<extracted>\\Mongo/);
  t.is(
    recognizeLegacyArchive('x.zip', Buffer.from('PK\x03\x04'), [
      'ServerBackup_20250105_020000/Mongo/AlteryxService/AS_Jobs.bson',
      'ServerBackup_20250105_020000/RuntimeSettings.xml',
    ])?.kind,
    'zip',
  );
  t.true(hasLegacyLayout(['RuntimeSettings.xml', 'ControllerToken.txt']));
  t.false(hasLegacyLayout(['notes.txt', 'Config/RuntimeSettings.xml']));
  t.is(recognizeLegacyArchive('ServerBackup_Full_20250105_020000.zip', Buffer.from('PK\x03\x04'), ['notes.txt']), undefined);
  t.is(
    recognizeLegacyArchive('a.zip', Buffer.from('PK\x03\x04'), ['manifest.json', 'RuntimeSettings.xml', 'ControllerToken.txt']),
    undefined,
    'with a manifest it is ours',
  );
});

test('verify, restore and drill of a real legacy .7z: exit 3 naming it and saying how to restore it by hand; nothing changed', async (t) => {
  const work = tempDir(t);
  const stamp = '20250105_020000';
  legacyTree(work, stamp);
  const archive = join(work, `ServerBackup_${stamp}.7z`);
  const z = spawnSync('7zz', ['a', '-bd', archive, `ServerBackup_${stamp}`], { cwd: work, encoding: 'utf8' });
  t.is(z.status, 0, z.stderr);
  const v = await runCli(['verify', archive, '--json']);
  t.is(v.code, 3);
  t.regex(String(v.result!['message']), /legacy batch script \(ServerBackup_YYYYMMDD_HHMMSS\.7z\) taken 2025-01-05 02:00:00/);
  t.regex(String(v.result!['message']), /extract it with 7-Zip/);
  t.notRegex(String(v.result!['message']), /not a readable ZIP/);
  const b = await quickSandbox(t);
  const before = { files: configHashes(b.dir), counts: counts(b.dir), events: readEvents(b.dir).length };
  for (const cmd of ['restore', 'drill']) {
    const r = await runCli([cmd, archive, '--sandbox', b.dir, '--config', b.config, '--json', ...(cmd === 'drill' ? ['--scratch', tempDir(t)] : ['--yes'])]);
    t.is(r.code, 3, `${cmd}: ${r.stdout.slice(-1500)}`);
    t.regex(String(r.result!['message']), /legacy batch script .* can neither verify nor restore it/, cmd);
    t.regex(r.stdout + r.stderr, /7-Zip/, cmd);
  }
  t.deepEqual({ files: configHashes(b.dir), counts: counts(b.dir), events: readEvents(b.dir).length }, before, 'nothing changed');
});

test('a ZIP of the legacy layout without manifest.json is named as one; any other ZIP without manifest keeps the plain message', async (t) => {
  const work = tempDir(t);
  const legacy = join(work, 'ServerBackup_20250105_020000.zip');
  await writeZip(legacy, [
    ['ServerBackup_20250105_020000/Mongo/AlteryxService/AS_Jobs.bson', Buffer.alloc(64, 1)],
    ['ServerBackup_20250105_020000/RuntimeSettings.xml', Buffer.from('<SystemSettings/>')],
    ['ServerBackup_20250105_020000/ControllerToken.txt', Buffer.from('A'.repeat(64))],
  ]);
  const v = await runCli(['verify', legacy, '--json']);
  t.is(v.code, 3);
  t.regex(String(v.result!['message']), /manifest\.json is missing: ServerBackup_20250105_020000\.zip is a backup of the legacy batch script/);
  const other = join(work, 'other.zip');
  await writeZip(other, [['notes.txt', Buffer.from('x')]]);
  const o = await runCli(['verify', other, '--json']);
  t.is(o.code, 3);
  t.regex(String(o.result!['message']), /manifest\.json is missing\)/);
  t.notRegex(String(o.result!['message']), /legacy/);
});
