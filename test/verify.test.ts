import test from 'ava';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Archiver, ZipArchive } from 'archiver';
import { verifyArchive, unsafeEntryName } from '../src/archive/verify.ts';
import { configOnlyManifest, sha } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

const require = createRequire(import.meta.url);

class Encrypted extends Archiver {
  constructor(o: Record<string, unknown>) {
    super(o);
    const Z = require('archiver-zip-encrypted');
    const self = this as unknown as { _format: string; _module: unknown; _modulePipe(): void };
    self._format = 'zip-encrypted';
    self._module = new Z({ ...o, encryptionMethod: 'aes256' });
    self._modulePipe();
  }
}

async function writeZip(file: string, entries: Record<string, Buffer | string>, password?: string): Promise<void> {
  const zip = password ? new Encrypted({ zlib: { level: 6 }, password }) : new ZipArchive({ zlib: { level: 6 } });
  const out = createWriteStream(file);
  const done = new Promise<void>((r) => out.on('close', () => r()));
  zip.pipe(out);
  for (const [name, data] of Object.entries(entries)) zip.append(data, { name });
  await zip.finalize();
  await done;
}

const files = {
  'Config/RuntimeSettings.xml': Buffer.from('<SystemSettings/>'),
  'Secrets/ControllerToken.txt': Buffer.from('ab'.repeat(32)),
  'Config/Keys/k1.key': Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)),
};

test('a good archive passes every check, and its .sha256 is honoured', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'ServerBackup_Config_20260113_020000.zip');
  await writeZip(zip, { ...files, 'manifest.json': JSON.stringify(configOnlyManifest(files)) });
  writeFileSync(`${zip}.sha256`, `${sha(readFileSync(zip))}  ServerBackup_Config_20260113_020000.zip\n`);
  const r = await verifyArchive(zip, { sha256File: `${zip}.sha256` });
  t.true(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
  t.is(r.manifest?.mode, 'ConfigOnly');
});

test('a manifest hash that does not match names the entry', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'a.zip');
  const m = configOnlyManifest(files);
  m.files[2]!.sha256 = '0'.repeat(64);
  await writeZip(zip, { ...files, 'manifest.json': JSON.stringify(m) });
  const r = await verifyArchive(zip);
  t.false(r.ok);
  t.deepEqual(r.badEntries, ['Config/Keys/k1.key']);
});

test('a wrong .sha256 fails; a missing mode file fails; unlisted entries fail', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'b.zip');
  const { ['Secrets/ControllerToken.txt']: _token, ...noToken } = files;
  await writeZip(zip, { ...noToken, 'extra.txt': 'x', 'manifest.json': JSON.stringify(configOnlyManifest(noToken)) });
  writeFileSync(`${zip}.sha256`, `${'1'.repeat(64)}  b.zip\n`);
  const r = await verifyArchive(zip, { sha256File: `${zip}.sha256` });
  const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
  t.deepEqual(failed.sort(), ['archive sha256', 'expected files', 'no unlisted entries']);
});

test('zip-slip names are flagged', (t) => {
  t.true(unsafeEntryName('../evil.txt'));
  t.true(unsafeEntryName('Config/../../evil.txt'));
  t.true(unsafeEntryName('/etc/passwd'));
  t.true(unsafeEntryName('C:\\Windows\\x'));
  t.false(unsafeEntryName('Config/Keys/a..b.key'));
});

test('AES-256 archives: our reader decrypts and checks them, 7-Zip accepts the right password and refuses a wrong one', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'enc.zip');
  const password = 'c0rrect horse';
  await writeZip(zip, { ...files, 'manifest.json': JSON.stringify(configOnlyManifest(files)) }, password);
  const ok = await verifyArchive(zip, { password });
  t.true(ok.ok, JSON.stringify(ok.checks.filter((c) => !c.ok)));
  const wrong = await verifyArchive(zip, { password: 'nope' });
  t.false(wrong.ok);
  t.regex(wrong.checks.find((c) => !c.ok)!.detail, /wrong password/);
  const seven = spawnSync('7zz', ['t', `-p${password}`, zip], { encoding: 'utf8' });
  t.is(seven.status, 0, seven.stdout + seven.stderr);
  const bad = spawnSync('7zz', ['t', '-pwrong', zip], { encoding: 'utf8' });
  t.not(bad.status, 0);
  t.truthy(execFileSync('7zz', ['l', '-slt', zip], { encoding: 'utf8' }).match(/AES-256/));
});

test('an archive that does not exist fails its "exists" check (exit 3 from the CLI), with no other error', async (t) => {
  const res = await verifyArchive('/nonexistent/ServerBackup_Full_20260101_020000.zip');
  t.false(res.ok);
  t.deepEqual(
    res.checks.map((c) => [c.name, c.ok]),
    [['exists', false]],
  );
  t.is(res.archiveSha256, undefined);
});

test('keepFiles false: the same checks and findings, in the manifest order, with no file list in the result', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'c.zip');
  const many: Record<string, Buffer> = { ...files };
  for (let i = 0; i < 40; i++) many[`Config/Keys/more/k${i}.key`] = Buffer.from(`key ${i}`);
  const m = configOnlyManifest(many);
  // Listed but not in the archive (twice, far apart in the list), a wrong hash, a wrong size, and an unlisted entry.
  m.files.splice(5, 0, { path: 'Config/Keys/gone-1.key', size: 3, sha256: '1'.repeat(64), kind: 'keys' });
  m.files.push({ path: 'Config/Keys/gone-2.key', size: 3, sha256: '2'.repeat(64), kind: 'keys' });
  m.files.find((f) => f.path === 'Config/Keys/more/k7.key')!.sha256 = '0'.repeat(64);
  m.files.find((f) => f.path === 'Config/Keys/more/k30.key')!.size = 99;
  await writeZip(zip, { ...many, 'Config/unlisted.txt': 'u', 'manifest.json': JSON.stringify(m) });
  const kept = await verifyArchive(zip);
  const lean = await verifyArchive(zip, { keepFiles: false });
  t.deepEqual(lean.checks, kept.checks);
  t.deepEqual(lean.badEntries, kept.badEntries);
  t.deepEqual(lean.badEntries, [
    'Config/Keys/more/k30.key',
    'Config/Keys/gone-1.key',
    'Config/Keys/more/k7.key',
    'Config/Keys/gone-2.key',
    'Config/unlisted.txt',
  ]);
  t.is(kept.manifest?.files.length, m.files.length);
  t.deepEqual(lean.manifest?.files, []);
  t.is(lean.manifest?.mode, 'ConfigOnly');
  t.regex(lean.checks.find((c) => c.name === 'manifest')!.detail, new RegExp(`${m.files.length} files`));
});
