import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Manifest } from '../src/core/manifest.ts';
import { readEvents } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import {
  assertDrillCounts,
  backupOf,
  configHashes,
  corruptEntryByte,
  counts,
  sha,
  token,
  writeSha256,
  writeZip,
  zipEntries,
} from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

function liveState(dir: string) {
  return { config: configHashes(dir), counts: counts(dir), token: token(dir), service: readEvents(dir).filter((e) => e['kind'] === 'service').length };
}

function drillCli(args: string[], a: { dir: string; config: string }) {
  return runCli(['drill', ...args, '--sandbox', a.dir, '--config', a.config, '--json']);
}

for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly'] as const) {
  test(`${mode}: the drill restores into a scratch server, counts match the manifest, the live server is untouched`, async (t) => {
    const a = await backupOf(t, mode);
    const scratchParent = tempDir(t);
    const live = liveState(a.dir);
    const r = await drillCli([a.archive, '--scratch', scratchParent], a);
    t.is(r.code, 0, r.stdout.slice(-3000));
    const res = r.result!;
    t.is(res['command'], 'drill');
    t.is(res['mode'], mode);
    t.deepEqual(
      (res['checks'] as Array<{ ok: boolean }>).filter((c) => !c.ok),
      [],
    );
    const timings = res['timingsMs'] as Record<string, number>;
    for (const k of ['verify', 'scratch', 'restore', 'count', 'cleanup', 'total']) t.true(typeof timings[k] === 'number', k);
    if (mode === 'ConfigOnly') {
      t.deepEqual(res['counts'], []);
      t.is(res['restoreLog'], null);
    } else {
      assertDrillCounts(t, res, a.manifest);
    }
    t.deepEqual(readdirSync(scratchParent), [], 'the scratch server is removed');
    t.deepEqual(liveState(a.dir), live, 'the live server is not touched');
    t.regex(basename(String(res['logPath'])), /^BackupLog_Drill_\d{8}_\d{6}\.log$/);
  });
}

test('corrupting one byte of a dump file, a manifest hash, or the .sha256: verify and drill both fail with exit 3 naming the entry', async (t) => {
  const a = await backupOf(t, 'Full');
  const name = basename(a.archive);
  const dump = 'MongoDB/AlteryxService/AS_Applications.bson';
  const cases: Array<{ what: string; expect: RegExp; make(dir: string): Promise<string> }> = [
    {
      what: 'a byte of a dump file',
      expect: /MongoDB\/AlteryxService\/AS_Applications\.bson/,
      async make(dir) {
        const zip = join(dir, name);
        copyFileSync(a.archive, zip);
        copyFileSync(`${a.archive}.sha256`, `${zip}.sha256`);
        await corruptEntryByte(zip, dump);
        return zip;
      },
    },
    {
      what: 'a manifest hash',
      expect: /MongoDB\/AlteryxGallery\/apps\.bson/,
      async make(dir) {
        const entries = await zipEntries(a.archive);
        const m = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
        const f = m.files.find((x) => x.path === 'MongoDB/AlteryxGallery/apps.bson')!;
        f.sha256 = (f.sha256[0] === '0' ? '1' : '0') + f.sha256.slice(1);
        entries.set('manifest.json', Buffer.from(JSON.stringify(m, null, 2)));
        const zip = join(dir, name);
        await writeZip(zip, entries);
        writeSha256(zip); // a consistent .sha256: only the manifest hash is wrong
        return zip;
      },
    },
    {
      what: 'the .sha256',
      expect: new RegExp(`${name.replace(/\./g, '\\.')}\\.sha256 says`),
      async make(dir) {
        const zip = join(dir, name);
        copyFileSync(a.archive, zip);
        const text = readFileSync(`${a.archive}.sha256`, 'utf8');
        writeFileSync(`${zip}.sha256`, (text[0] === 'a' ? 'b' : 'a') + text.slice(1));
        return zip;
      },
    },
  ];
  for (const c of cases) {
    const dir = tempDir(t);
    const zip = await c.make(dir);
    if (c.what !== 'the .sha256') t.not(sha(readFileSync(zip)), sha(readFileSync(a.archive)), c.what);
    const v = await runCli(['verify', zip, '--json']);
    t.is(v.code, 3, `verify, ${c.what}: ${v.stdout.slice(-800)}`);
    t.regex(String(v.result!['message']), c.expect, `verify, ${c.what}`);
    const scratch = tempDir(t);
    const d = await drillCli([zip, '--scratch', scratch], a);
    t.is(d.code, 3, `drill, ${c.what}: ${d.stdout.slice(-800)}`);
    t.regex(String(d.result!['message']), c.expect, `drill, ${c.what}`);
    t.deepEqual(readdirSync(scratch), [], `drill, ${c.what}: no scratch server was made`);
    if (c.what !== 'the .sha256')
      t.true(
        (d.result!['badEntries'] as string[]).some((e) => c.expect.test(e)),
        `drill badEntries, ${c.what}`,
      );
  }
});

test('--keep keeps the scratch server with the restored database; no ARCHIVE drills the newest of --mode', async (t) => {
  const a = await backupOf(t, 'Full');
  // A second, newer archive of another mode beside it: the drill must pick the Full one for --mode Full.
  const dbName = basename(a.archive)
    .replace('_Full_', '_DB_')
    .replace(/_(\d{6})\.zip$/, (_, hms: string) => `_${String(Number(hms) + 1).padStart(6, '0')}.zip`);
  copyFileSync(a.archive, join(a.archive, '..', dbName));
  const scratchParent = tempDir(t);
  const r = await drillCli(['--mode', 'Full', '--scratch', scratchParent, '--keep'], a);
  t.is(r.code, 0, r.stdout.slice(-2000));
  t.is(r.result!['archivePath'], a.archive);
  t.true(r.result!['kept'] as boolean);
  const scratch = String(r.result!['scratchPath']);
  t.true(existsSync(join(scratch, 'sandbox.json')));
  t.deepEqual(counts(scratch), a.manifest.mongo.databases);
  t.deepEqual(configHashes(scratch), configHashes(a.dir));
});

test('a backup that verifies but does not restore (an empty dump): the drill fails with exit 5 and the restore-log verdict', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const entries = await zipEntries(a.archive);
  const m = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
  for (const f of m.files.filter((x) => x.path.endsWith('.bson'))) {
    entries.set(f.path, Buffer.alloc(0));
    f.size = 0;
    f.sha256 = sha('');
  }
  for (const db of Object.values(m.mongo.databases)) for (const c of Object.keys(db)) db[c] = 0;
  entries.set('manifest.json', Buffer.from(JSON.stringify(m)));
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const zip = join(dir, basename(a.archive));
  await writeZip(zip, entries);
  writeSha256(zip);
  const scratch = tempDir(t);
  const r = await drillCli([zip, '--scratch', scratch], a);
  t.is(r.code, 5, r.stdout.slice(-2000));
  const log = r.result!['restoreLog'] as { ok: boolean; summary: string };
  t.false(log.ok);
  t.regex(log.summary, /0 documents restored/);
  t.deepEqual(readdirSync(scratch), [], 'the scratch server is removed after a failure too');
});

test('a dry-run drill verifies and makes no scratch server', async (t) => {
  const a = await backupOf(t, 'ConfigOnly');
  const scratch = tempDir(t);
  const r = await runCli(['drill', '--request-stdin', '--json'], {
    input: JSON.stringify({ params: { Path: a.archive, SandboxPath: a.dir, ConfigPath: a.config, ScratchPath: scratch }, secrets: {}, dryRun: true }),
  });
  t.is(r.code, 0, r.stdout.slice(-1500));
  t.true(r.result!['dryRun'] as boolean);
  t.deepEqual(readdirSync(scratch), []);
  t.true(r.events.some((e) => e['type'] === 'plan'));
});

test('RestoreConfiguration.DrillAfterBackup: a successful backup drills its own archive and reports it in the result', async (t) => {
  const scratch = tempDir(t);
  const a = await quickSandbox(t, {}, { RestoreConfiguration: { DrillAfterBackup: true, DrillScratchDirectory: scratch } });
  const r = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const drill = (r.result!['summary'] as Record<string, unknown>)['drill'] as {
    success: boolean;
    documents: { expected: number; actual: number };
    logPath: string;
  };
  t.true(drill.success);
  t.true(drill.documents.expected > 0);
  t.is(drill.documents.actual, drill.documents.expected);
  t.true(existsSync(drill.logPath));
  t.deepEqual(readdirSync(scratch), [], 'the scratch server is removed');
  t.true(r.events.some((e) => e['type'] === 'log' && /Drill passed/.test(String(e['message']))));
});
