// Hostile archives (issue 12): each fails verify, restore and drill with exit 3 naming the entry and the rule
// or limit, and a restore writes nothing. Archives are crafted byte by byte (test/helpers/crafted-zip.ts) from
// a real ConfigOnly backup; the 5 GB entry is a header claiming the size, never 5 GB on disk.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { readManifest } from '../src/archive/manifest-reader.ts';
import type { Manifest } from '../src/core/manifest.ts';
import { readEvents } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { craftZip, type CraftedEntry } from './helpers/crafted-zip.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { backupOf, configHashes, sha, token, zipEntries } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

type Base = Awaited<ReturnType<typeof backupOf>> & { entries: Map<string, Buffer> };
let base: Base;

const teardowns: Array<() => void> = [];
test.before(async () => {
  // One sandbox for every case (hooks may not register teardowns: they run after all tests).
  const b = await backupOf({ teardown: (f: () => void) => teardowns.push(f) } as never, 'ConfigOnly');
  base = { ...b, entries: await zipEntries(b.archive) };
});
test.after.always(() => {
  for (const f of teardowns) f();
});

/** The base archive's entries plus `extra` (listed in the manifest as `listed` says), as a new ZIP. */
function hostile(
  t: { title: string } & Parameters<typeof tempDir>[0],
  extra: CraftedEntry[],
  listed: Array<{ path: string; size: number; sha256: string }>,
): string {
  const m = JSON.parse(base.entries.get('manifest.json')!.toString('utf8')) as Manifest;
  m.files = [...m.files, ...listed.map((f) => ({ ...f, kind: 'config-file' as const }))];
  const entries: CraftedEntry[] = [...base.entries].filter(([n]) => n !== 'manifest.json').map(([name, data]) => ({ name, data }));
  entries.push(...extra, { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) });
  const file = join(tempDir(t), 'ServerBackup_Config_20260101_020000.zip');
  writeFileSync(file, craftZip(entries));
  return file;
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p);
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** verify, restore and drill each exit 3 naming `entry` and matching `rule`; the restore changes nothing. */
async function refusedEverywhere(
  t: Parameters<typeof tempDir>[0] & {
    is: (a: unknown, b: unknown, m?: string) => void;
    regex: (s: string, r: RegExp, m?: string) => void;
    deepEqual: (a: unknown, b: unknown, m?: string) => void;
    false: (v: boolean, m?: string) => void;
  },
  zip: string,
  entry: string,
  rule: RegExp,
) {
  const v = await runCli(['verify', zip, '--json']);
  t.is(v.code, 3, `verify: ${v.stdout.slice(-2000)}`);
  t.regex(String(v.result?.['message']), new RegExp(entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'verify names the entry');
  t.regex(String(v.result?.['message']), rule, 'verify names the rule or limit');

  const before = { config: configHashes(base.dir), token: token(base.dir), service: readEvents(base.dir).filter((e) => e['kind'] === 'service').length };
  const filesBefore = tree(base.dir).filter((p) => statSync(p).isFile() && !/[\\/](BackupLogs|Logs?)[\\/]|events\.jsonl|sandbox\.json|state/.test(p)).length;
  const r = await runCli(['restore', zip, '--sandbox', base.dir, '--config', base.config, '--yes', '--json']);
  t.is(r.code, 3, `restore: ${r.stdout.slice(-2000)}`);
  t.regex(String(r.result?.['message']), rule, 'restore names the rule');
  t.regex(String(r.result?.['message']), new RegExp(entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'restore names the entry');
  t.deepEqual(
    { config: configHashes(base.dir), token: token(base.dir), service: readEvents(base.dir).filter((e) => e['kind'] === 'service').length },
    before,
    'the restore changed nothing and stopped nothing',
  );
  t.false(
    tree(base.dir).some((p) => /AlteryxRestore_|PreRestore_/.test(p)),
    'no extraction or pre-restore folder was written',
  );
  const filesAfter = tree(base.dir).filter((p) => statSync(p).isFile() && !/[\\/](BackupLogs|Logs?)[\\/]|events\.jsonl|sandbox\.json|state/.test(p)).length;
  t.is(filesAfter, filesBefore, 'no file was added to the server');

  const scratch = tempDir(t);
  const d = await runCli(['drill', zip, '--scratch', scratch, '--sandbox', base.dir, '--config', base.config, '--json']);
  t.is(d.code, 3, `drill: ${d.stdout.slice(-2000)}`);
  t.regex(String(d.result?.['message']), rule, 'drill names the rule');
  t.regex(String(d.result?.['message']), new RegExp(entry.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'drill names the entry');
  t.deepEqual(readdirSync(scratch), [], 'the drill made no scratch server');
}

test.serial('duplicate entry names: refused, even when the manifest hash matches the second copy', async (t) => {
  const evil = Buffer.from('<SystemSettings><Controller><EmbeddedMongoDBRootPath>C:\\evil</EmbeddedMongoDBRootPath></Controller></SystemSettings>');
  const m = JSON.parse(base.entries.get('manifest.json')!.toString('utf8')) as Manifest;
  m.files = m.files.map((f) => (f.path === 'Config/RuntimeSettings.xml' ? { ...f, size: evil.length, sha256: sha(evil) } : f));
  const entries: CraftedEntry[] = [...base.entries].filter(([n]) => n !== 'manifest.json').map(([name, data]) => ({ name, data }));
  entries.push({ name: 'Config/RuntimeSettings.xml', data: evil }, { name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) });
  const zip = join(tempDir(t), 'dup.zip');
  writeFileSync(zip, craftZip(entries));
  await refusedEverywhere(t, zip, 'Config/RuntimeSettings.xml', /appears twice/);
});

test.serial('names equal after Windows case folding and separator normalisation: refused', async (t) => {
  const data = Buffer.from('other');
  const zip = hostile(t, [{ name: 'config\\RUNTIMESETTINGS.xml', data }], [{ path: 'config/RUNTIMESETTINGS.xml', size: data.length, sha256: sha(data) }]);
  await refusedEverywhere(t, zip, 'config/RUNTIMESETTINGS.xml', /same file as "Config\/RuntimeSettings\.xml" on Windows/);
});

test.serial('a symbolic link entry: refused', async (t) => {
  const data = Buffer.from('/etc/passwd');
  const zip = hostile(
    t,
    [{ name: 'Config/Keys/link.key', data, unixMode: 0o120777 }],
    [{ path: 'Config/Keys/link.key', size: data.length, sha256: sha(data) }],
  );
  await refusedEverywhere(t, zip, 'Config/Keys/link.key', /symbolic link/);
});

test.serial('a 5 GB entry of zeros (a header claiming the size, listed in the manifest): refused by the ratio limit before anything is inflated', async (t) => {
  const raw = deflateRawSync(Buffer.alloc(1024 * 1024));
  const size = 5 * 1024 ** 3;
  const zip = hostile(
    t,
    [{ name: 'Config/zeros.bin', data: Buffer.alloc(0), raw, declaredSize: size }],
    [{ path: 'Config/zeros.bin', size, sha256: 'a'.repeat(64) }],
  );
  await refusedEverywhere(t, zip, 'Config/zeros.bin', /above the limit of 200:1 per entry/);
});

test.serial('a header that lies about the size: caught while inflating', async (t) => {
  const claimed = Buffer.alloc(1000);
  const raw = deflateRawSync(Buffer.alloc(8 * 1024 * 1024));
  const zip = hostile(
    t,
    [{ name: 'Config/Keys/lie.key', data: claimed, raw, declaredSize: 1000 }],
    [{ path: 'Config/Keys/lie.key', size: 1000, sha256: sha(claimed) }],
  );
  await refusedEverywhere(t, zip, 'Config/Keys/lie.key', /inflates past the 1000 bytes/);
});

test.serial('more than 100,000 entries: refused from the central directory, naming the limit and the key that raises it', async (t) => {
  const m = JSON.parse(base.entries.get('manifest.json')!.toString('utf8')) as Manifest;
  const entries: CraftedEntry[] = [...base.entries].filter(([n]) => n !== 'manifest.json').map(([name, data]) => ({ name, data }));
  for (let i = 0; i < 100_001; i++) entries.push({ name: `Config/n/${i}`, method: 0 });
  entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) });
  const zip = join(tempDir(t), 'many.zip');
  writeFileSync(zip, craftZip(entries));
  await refusedEverywhere(t, zip, '(central directory)', /100\d{3} entries, more than the limit of 100000 \(.*raise RestoreConfiguration\.MaxArchiveEntries\)/);
});

test.serial('an entry with a drive letter inside its name (Config/C:/Windows/x): refused, nothing written outside the target', async (t) => {
  const data = Buffer.from('x');
  const zip = hostile(t, [{ name: 'Config/C:/Windows/x', data }], [{ path: 'Config/C:/Windows/x', size: 1, sha256: sha(data) }]);
  await refusedEverywhere(t, zip, 'Config/C:/Windows/x', /drive letter "C:"/);
});

test.serial('an entry the manifest does not list: refused', async (t) => {
  const data = Buffer.from('extra');
  const zip = hostile(t, [{ name: 'Config/Keys/extra.key', data }], []);
  await refusedEverywhere(t, zip, 'Config/Keys/extra.key', /not in the manifest/);
});

/** The base archive with manifest.json replaced by `manifest` (its headers as crafted). */
function withManifest(t: Parameters<typeof tempDir>[0], manifest: CraftedEntry, extra: CraftedEntry[] = []): string {
  const entries: CraftedEntry[] = [...base.entries].filter(([n]) => n !== 'manifest.json').map(([name, data]) => ({ name, data }));
  entries.push(...extra, manifest);
  const file = join(tempDir(t), 'ServerBackup_Config_20260101_020000.zip');
  writeFileSync(file, craftZip(entries));
  return file;
}

// 300 MB declared, 1.7 MB stored (176:1, within the ratio limit): above the 256 MB manifest limit.
const bigManifest = (): CraftedEntry => ({
  name: 'manifest.json',
  data: Buffer.alloc(0),
  raw: deflateRawSync(randomBytes(1.7 * 1024 * 1024)),
  declaredSize: 300 * 1024 * 1024,
});
// 1000 bytes declared, 8 MB of zeros inflated: the header lies.
const lyingManifest = (): CraftedEntry => ({
  name: 'manifest.json',
  data: Buffer.alloc(1000),
  raw: deflateRawSync(Buffer.alloc(8 * 1024 * 1024)),
  declaredSize: 1000,
});

test.serial(
  'manifest.json above the 256 MB manifest limit: refused from its header by verify, restore (already when it reads the manifest to plan) and drill',
  async (t) => {
    const zip = withManifest(t, bigManifest());
    await refusedEverywhere(t, zip, 'manifest.json', /314572800 bytes, above the limit of 268435456 for manifest\.json/);
    // The restore read the manifest under the reader's limits (not inflating 300 MB to plan from it), then its verify step refused.
    const r = await runCli(['restore', zip, '--sandbox', base.dir, '--config', base.config, '--yes', '--json']);
    t.is(r.code, 3);
    t.true(r.stdout.includes('The manifest was not read: The archive entry \\"manifest.json\\" is refused: 314572800 bytes'), r.stdout.slice(-2000));
    t.true(
      ((r.result?.['checks'] ?? []) as Array<{ ok: boolean }>).some((c) => !c.ok),
      'the verify step reports the failed check',
    );
  },
);

test.serial('manifest.json whose header lies about its size: restore refuses while inflating, naming manifest.json', async (t) => {
  const zip = withManifest(t, lyingManifest());
  await refusedEverywhere(t, zip, 'manifest.json', /inflates past the 1000 bytes its header declares/);
});

test('readManifest (what restore plans from) refuses a hostile archive instead of reading its manifest: limits, lies and the entry table', async (t) => {
  for (const [zip, rule] of [
    [withManifest(t, bigManifest()), /"manifest\.json" is refused: 314572800 bytes, above the limit of 268435456 for manifest\.json/],
    [withManifest(t, lyingManifest()), /"manifest\.json" is refused: it inflates past the 1000 bytes its header declares/],
    [
      withManifest(t, { name: 'manifest.json', data: base.entries.get('manifest.json')! }, [{ name: 'Config/RuntimeSettings.xml', data: Buffer.from('<x/>') }]),
      /"Config\/RuntimeSettings\.xml" is refused: its name appears twice/,
    ],
  ] as const) {
    const err = await t.throwsAsync(readManifest(zip));
    t.is(err?.name, 'ArchiveRefused');
    t.regex(String(err?.message), rule);
  }
  // The base archive itself still reads.
  t.is((await readManifest(base.archive))?.mode, 'ConfigOnly');
});

// The entry limit is RestoreConfiguration.MaxArchiveEntries: a backup verifies its own archive with at least the
// count it wrote (a large captured folder is not hostile); a later verify, restore or drill applies the configured
// limit and says which key raises it.
test('a backup with more entries than MaxArchiveEntries passes its own verify; a later verify under that limit refuses it, naming the key', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { RestoreConfiguration: { MaxArchiveEntries: 5 } });
  const b = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(b.code, 0, b.stdout.slice(-2000));
  const archive = String(b.result?.['archivePath']);
  const entries = execFileSync('unzip', ['-Z1', archive], { encoding: 'utf8' }).trim().split('\n').length;
  t.true(entries > 5, `${entries} entries`);
  t.true(b.events.some((e) => e['type'] === 'log' && new RegExp(`Verify entry count: ok - ${entries} entries, limit ${entries}`).test(String(e['message']))));
  const strict = await runCli(['verify', archive, '--config', config, '--json']);
  t.is(strict.code, 3, strict.stdout.slice(-2000));
  t.regex(String(strict.result?.['message']), new RegExp(`${entries} entries, more than the limit of 5 .*raise RestoreConfiguration\\.MaxArchiveEntries`));
  const byDefault = await runCli(['verify', archive, '--json']);
  t.is(byDefault.code, 0, byDefault.stdout.slice(-2000));
});
