// The restore drill of a server (DrillMethod mongod): a scratch mongod on a spare loopback port, run here
// through the sandbox's emulated mongod.exe / mongorestore.exe in its install bin folder, real child
// processes and the official driver. The live server must stay exactly as it was.
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { mongoToolsPathDir, readEvents, readSandboxFile, setKnob } from '../src/sandbox/index.ts';
import { runBackup } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { chooseDrillMethod, chooseDrillPort, isSecret, scratchBytesNeeded } from '../src/restore/drill-mongod.ts';
import type { Manifest } from '../src/core/manifest.ts';
import { processAlive } from '../src/core/lock.ts';
import { DRILL_JOURNAL_NAME, DrillJournalFile, type DrillJournal } from '../src/restore/drill-journal.ts';
import { runCli } from './helpers/cli.ts';
import { assertDrillCounts, backupOf, configHashes, corruptEntryByte, counts, readManifest, token } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import { waitFor } from './helpers/wait.ts';

type Row = { database: string; collection: string; expected: number; restored: number; actual: number | null; ok: boolean };

function liveState(dir: string) {
  return { config: configHashes(dir), counts: counts(dir), token: token(dir), service: readEvents(dir).filter((e) => e['kind'] === 'service').length };
}

function drill(args: string[], a: { dir: string; config: string }) {
  return runCli(['drill', ...args, '--method', 'mongod', '--sandbox', a.dir, '--config', a.config, '--json']);
}

const mongodEvents = (dir: string) => readEvents(dir).filter((e) => e['tool'] === 'mongod');

/** Every mongod the drill started has ended: a start and an end event each, and no registration left. */
function assertNoMongodLeft(t: import('ava').ExecutionContext, dir: string) {
  const ev = mongodEvents(dir);
  t.is(ev.filter((e) => e['phase'] === 'start').length, ev.filter((e) => e['phase'] === 'end').length, JSON.stringify(ev));
  const net = join(dir, 'net');
  t.deepEqual(existsSync(net) ? readdirSync(net) : [], [], 'no scratch mongod is registered any more');
}

for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly'] as const) {
  test(`mongod drill, ${mode}: restores into a scratch mongod, counts equal the manifest, the live server and service untouched`, async (t) => {
    const a = await backupOf(t, mode);
    const scratch = tempDir(t);
    const live = liveState(a.dir);
    const before = readEvents(a.dir).length;
    const r = await drill([a.archive, '--scratch', scratch], a);
    t.is(r.code, 0, r.stdout.slice(-3000));
    const res = r.result!;
    t.is(res['method'], 'mongod');
    t.is(res['mode'], mode);
    t.deepEqual(
      (res['checks'] as Array<{ ok: boolean }>).filter((c) => !c.ok),
      [],
    );
    t.regex(JSON.stringify(res['checks']), /scratch files/);
    const timings = res['timingsMs'] as Record<string, number>;
    if (mode === 'ConfigOnly') {
      t.deepEqual(res['counts'], []);
      t.is(res['restoreLog'], null);
      t.is(mongodEvents(a.dir).length, 0, 'no database, no scratch mongod');
    } else {
      for (const k of ['verify', 'scratch', 'restore', 'count', 'cleanup', 'total']) t.true(typeof timings[k] === 'number', k);
      t.true(Number(res['port']) > 0 && Number(res['port']) !== 27018);
      assertDrillCounts(t, res, a.manifest);
      // The scratch mongod ran on the drill's port, on a data folder under the scratch parent, and ended.
      const started = mongodEvents(a.dir).find((e) => e['phase'] === 'start')!;
      t.is(Number(started['port']), Number(res['port']));
      assertNoMongodLeft(t, a.dir);
    }
    t.deepEqual(readdirSync(scratch), [], 'the scratch folder is removed');
    // Before liveState, whose token() itself calls AlteryxService.exe getserversecret.
    const during = readEvents(a.dir).slice(before);
    t.false(
      during.some((e) => e['kind'] === 'service' || /AlteryxService/i.test(String(e['tool'] ?? '') + String(e['command'] ?? ''))),
      JSON.stringify(during),
    );
    t.deepEqual(liveState(a.dir), live, 'the live files, database and token are not touched');
  });
}

test('mongod drill of a self-managed backup: gzip dump restored with --gzip, the Alteryx databases counted', async (t) => {
  // The sandbox's self-managed password is generated with it: read it, then back up with it.
  const a = await quickSandbox(t, { mongo: 'self-managed' });
  const b = await runBackup(
    {
      params: { BackupMode: 'DatabaseOnly', SandboxPath: a.dir, ConfigPath: a.config },
      secrets: { MongoPassword: readSandboxFile(a.dir).selfManaged!.password },
      dryRun: false,
    },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  t.is(b.exitCode, 0, b.message);
  const manifest = await readManifest(b.archivePath!);
  t.true(manifest.mongo.gzip);
  const r = await drill([b.archivePath!, '--scratch', tempDir(t)], a);
  t.is(r.code, 0, r.stdout.slice(-3000));
  const rows = r.result!['counts'] as Row[];
  t.true(rows.length > 0);
  t.true(rows.every((x) => x.ok && ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService'].includes(x.database)));
  const restoreStart = readEvents(a.dir).find((e) => e['tool'] === 'mongorestore' && e['phase'] === 'start' && e['gzip'] === true);
  t.truthy(restoreStart, 'mongorestore ran with --gzip');
  assertNoMongodLeft(t, a.dir);
});

test('--keep keeps the scratch folder (data folder, mongod.log, mongoRestore.log, files) but never the secrets, and mongod is shut down', async (t) => {
  const a = await backupOf(t, 'Full');
  const scratch = tempDir(t);
  const r = await drill([a.archive, '--scratch', scratch, '--keep'], a);
  t.is(r.code, 0, r.stdout.slice(-3000));
  const kept = String(r.result!['scratchPath']);
  t.true(r.result!['kept'] as boolean);
  t.true(kept.startsWith(scratch));
  for (const f of ['db', 'mongod.log', 'mongoRestore.log', join('archive', 'Config', 'RuntimeSettings.xml'), join('archive', 'MongoDB', 'AlteryxService')])
    t.true(existsSync(join(kept, f)), f);
  t.false(existsSync(join(kept, 'archive', 'Secrets')), 'the controller token is not written to the scratch folder');
  t.regex(readFileSync(join(kept, 'mongoRestore.log'), 'utf8'), /document\(s\) restored successfully\. 0 document\(s\) failed to restore\./);
  t.regex(readFileSync(join(kept, 'mongod.log'), 'utf8'), /Waiting for connections/);
  t.false(existsSync(join(kept, 'db', 'mongod.lock')), 'the scratch mongod was shut down');
  assertNoMongodLeft(t, a.dir);
  const log = readFileSync(String(r.result!['logPath']), 'utf8');
  t.false(log.includes(token(a.dir)), 'the token is not in the drill log');
});

test('a failing mongorestore fails the drill with exit 5, the restore-log check names it, mongod is stopped and the scratch removed', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  setKnob(a.dir, 'mongorestore.fail', 'partial');
  const scratch = tempDir(t);
  const live = liveState(a.dir);
  const r = await drill([a.archive, '--scratch', scratch], a);
  t.is(r.code, 5, r.stdout.slice(-3000));
  const failed = (r.result!['checks'] as Array<{ name: string; ok: boolean; detail: string }>).filter((c) => !c.ok);
  t.deepEqual(
    failed.map((c) => c.name),
    ['restore log'],
  );
  t.regex(String(r.result!['message']), /scratch restore failed/);
  t.deepEqual(readdirSync(scratch), []);
  assertNoMongodLeft(t, a.dir);
  t.deepEqual(liveState(a.dir), live);
});

test('a scratch MongoDB older than the driver (4.0, as older Alteryx releases ship): the drill passes on the restore log counts, says so, and ends mongod', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  setKnob(a.dir, 'mongod.version', '4.0.28');
  const r = await drill([a.archive, '--scratch', tempDir(t)], a);
  t.is(r.code, 0, r.stdout.slice(-3000));
  const res = r.result!;
  const rows = res['counts'] as Row[];
  t.is(rows.length, 11);
  for (const row of rows) {
    t.true(row.ok, JSON.stringify(row));
    t.is(row.actual, null, 'not counted in the database');
    t.is(row.restored, a.manifest.mongo.databases[row.database]?.[row.collection] ?? -1);
  }
  t.true((res['warnings'] as string[]).some((w) => /older than the driver supports \(4\.4\), so the counts are the restore log's/.test(w)));
  t.regex(String(res['message']), /equal to the manifest by the restore log/);
  assertNoMongodLeft(t, a.dir);
});

test('a scratch mongod that dies at start: exit 5 with the words of its own log', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  setKnob(a.dir, 'mongod.failStart', 'true');
  const scratch = tempDir(t);
  const r = await drill([a.archive, '--scratch', scratch], a);
  t.is(r.code, 5, r.stdout.slice(-3000));
  t.regex(String(r.result!['message']), /scratch mongod ended at start with exit code \d+.*Fatal assertion/i);
  t.deepEqual(readdirSync(scratch), []);
});

test('the port: the live EmbeddedMongoDBPort and a port in use are refused with exit 3 before anything is made', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const scratch = tempDir(t);
  const liveRun = await drill([a.archive, '--scratch', scratch, '--port', '27018'], a);
  t.is(liveRun.code, 3);
  t.regex(String(liveRun.result!['message']), /27018 is the live embedded MongoDB's port/);
  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', () => res()));
  t.teardown(() => void busy.close());
  const port = (busy.address() as net.AddressInfo).port;
  const busyRun = await drill([a.archive, '--scratch', scratch, '--port', String(port)], a);
  t.is(busyRun.code, 3);
  t.regex(String(busyRun.result!['message']), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
  const bad = await drill([a.archive, '--port', 'x'], a);
  t.is(bad.code, 3);
  t.deepEqual(readdirSync(scratch), []);
  t.is(mongodEvents(a.dir).length, 0);
});

test('a missing mongod.exe is exit 3 naming RestoreConfiguration.MongodPath', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const cfg = JSON.parse(readFileSync(a.config, 'utf8')) as Record<string, unknown>;
  writeFileSync(a.config, JSON.stringify({ ...cfg, RestoreConfiguration: { MongodPath: 'C:\\Program Files\\MongoDB\\bin\\mongod.exe' } }));
  const r = await drill([a.archive, '--scratch', tempDir(t)], a);
  t.is(r.code, 3, r.stdout.slice(-2000));
  t.regex(String(r.result!['message']), /mongod\.exe and it was not found at C:\\Program Files\\MongoDB\\bin\\mongod\.exe/);
  t.regex(r.stdout, /RestoreConfiguration\.MongodPath/);
});

test('no mongorestore.exe beside mongod.exe: the one on PATH (MongoDB Database Tools) is used; none anywhere is exit 3 naming MongorestorePath', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  rmSync(join(a.dir, 'C', 'Program Files', 'Alteryx', 'bin', 'mongorestore.exe'));
  const r = await drill([a.archive, '--scratch', tempDir(t)], a);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const onPath = join(mongoToolsPathDir(a.dir), 'mongorestore');
  t.true(readFileSync(String(r.result!['logPath']), 'utf8').includes(`${onPath} --host=127.0.0.1`), 'the PATH one ran');
  rmSync(onPath);
  const none = await drill([a.archive, '--scratch', tempDir(t)], a);
  t.is(none.code, 3);
  t.regex(String(none.result!['message']), /mongorestore\.exe and it was not found at C:\\Program Files\\Alteryx\\bin\\mongorestore\.exe, nor PATH/);
  t.regex(none.stdout, /RestoreConfiguration\.MongorestorePath/);
});

test('not enough space under the scratch folder is exit 4 before anything is extracted', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const scratch = join(a.dir, 'D', 'DrillScratch');
  setKnob(a.dir, 'disk.freeBytes.D', '1000');
  const r = await drill([a.archive, '--scratch', scratch], a);
  t.is(r.code, 4, r.stdout.slice(-2000));
  t.regex(String(r.result!['message']), /has 1000 B free|has 1,000 B free|has .* free; the drill needs about/);
  t.deepEqual(readdirSync(scratch), []);
});

test('a corrupted dump byte fails the mongod drill with exit 3 naming the entry, before a scratch folder or mongod exists', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  await corruptEntryByte(a.archive, 'MongoDB/AlteryxService/AS_Applications.bson');
  const scratch = tempDir(t);
  const r = await runCli([
    'drill',
    a.archive,
    '--method',
    'mongod',
    '--no-sha256-file',
    '--sandbox',
    a.dir,
    '--config',
    a.config,
    '--json',
    '--scratch',
    scratch,
  ]);
  t.is(r.code, 3);
  t.deepEqual(r.result!['badEntries'], ['MongoDB/AlteryxService/AS_Applications.bson']);
  t.deepEqual(readdirSync(scratch), []);
  t.is(mongodEvents(a.dir).length, 0);
});

test('DrillAfterBackup with DrillMethod mongod: the backup drills its own archive through a scratch mongod', async (t) => {
  const scratch = tempDir(t);
  const a = await quickSandbox(t, {}, { RestoreConfiguration: { DrillAfterBackup: true, DrillMethod: 'mongod', DrillScratchDirectory: scratch } });
  const r = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(r.code, 0, r.stdout.slice(-3000));
  const d = (r.result!['summary'] as Record<string, { success: boolean; documents: { expected: number; actual: number } }>)['drill']!;
  t.true(d.success);
  t.true(d.documents.expected > 0);
  t.is(d.documents.actual, d.documents.expected);
  t.is(mongodEvents(a.dir).filter((e) => e['phase'] === 'start').length, 1);
  assertNoMongodLeft(t, a.dir);
  t.deepEqual(readdirSync(scratch), []);
});

test('drill method: auto is sandbox against a sandbox and mongod on a server; sandbox without -SandboxPath is refused', (t) => {
  t.is(chooseDrillMethod(undefined, 'auto', 'sandbox'), 'sandbox');
  t.is(chooseDrillMethod(undefined, 'auto', 'windows'), 'mongod');
  t.is(chooseDrillMethod('Mongod', 'auto', 'sandbox'), 'mongod');
  t.is(chooseDrillMethod(undefined, 'mongod', 'sandbox'), 'mongod');
  t.throws(() => chooseDrillMethod('Sandbox', 'auto', 'windows'), { message: /needs -SandboxPath/ });
  t.throws(() => chooseDrillMethod('docker', 'auto', 'windows'), { message: /Auto, Sandbox or Mongod/ });
});

test('drill port: 0 picks a free loopback port that is not the live one; the live one is refused', async (t) => {
  const p = await chooseDrillPort(0, 27018);
  t.true(p > 0 && p !== 27018);
  const srv = net.createServer();
  await new Promise<void>((res) => srv.listen(p, '127.0.0.1', () => res()));
  t.teardown(() => void srv.close());
  await t.throwsAsync(chooseDrillPort(p, 27018), { message: new RegExp(`Port ${p} on 127\\.0\\.0\\.1 is in use`) });
  await t.throwsAsync(chooseDrillPort(27018, 27018), { message: /live embedded MongoDB's port/ });
});

test('scratch space and secrets: gzip dumps need more room; Secrets entries are never extracted', (t) => {
  const files = [
    { path: 'MongoDB/AlteryxService/a.bson', size: 100 * 1024 * 1024, sha256: '' },
    { path: 'Config/RuntimeSettings.xml', size: 1024, sha256: '' },
    { path: 'Secrets/ControllerToken.txt', size: 64, sha256: '' },
  ];
  const plain = scratchBytesNeeded({ files, mongo: { gzip: false } } as unknown as Manifest);
  const gz = scratchBytesNeeded({ files, mongo: { gzip: true } } as unknown as Manifest);
  t.true(gz > plain);
  t.true(plain >= 100 * 1024 * 1024 * 2.5);
  t.true(isSecret('Secrets/ControllerToken.txt'));
  t.true(isSecret('nodes/ctl01/Secrets/MongoPasswords.txt'));
  t.false(isSecret('Config/RuntimeSettings.xml'));
});

/** The drill journal under the sandbox's temp folder (wherever TempDirectory maps). */
function findDrillJournal(dir: string): string | undefined {
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(d, e.name));
      else if (e.name === DRILL_JOURNAL_NAME) return join(d, e.name);
    }
  }
  return undefined;
}

test('a drill killed while its scratch mongod runs: recover ends that mongod and removes the scratch folder; the journal is gone', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  setKnob(a.dir, 'mongod.startSeconds', '120');
  const scratch = tempDir(t);
  let pid = 0;
  const run = runCli(['drill', a.archive, '--method', 'mongod', '--scratch', scratch, '--sandbox', a.dir, '--config', a.config, '--json'], {
    onSpawn: (p) => (pid = p),
  });
  await waitFor('the scratch mongod in the drill journal', () => {
    const f = findDrillJournal(a.dir);
    return !!f && !!(JSON.parse(readFileSync(f, 'utf8')) as DrillJournal).mongod;
  });
  const journalFile = findDrillJournal(a.dir)!;
  const j = JSON.parse(readFileSync(journalFile, 'utf8')) as DrillJournal;
  t.is(j.pid, pid);
  t.true(j.scratch.startsWith(scratch));
  t.false(readFileSync(journalFile, 'utf8').includes(token(a.dir)), 'no secret in the journal');
  process.kill(pid, 'SIGKILL');
  await run;
  t.true(processAlive(j.mongod!.pid), 'the scratch mongod outlives the killed drill');
  t.true(existsSync(j.scratch));

  const r = await runCli(['recover', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const d = r.result!['drill'] as { pid: number; mongod: string; scratchRemoved: boolean };
  t.is(d.pid, pid);
  t.true(d.mongod === 'killed' || d.mongod === 'shut down', d.mongod);
  t.true(d.scratchRemoved);
  t.regex(String(r.result!['message']), /Cleaned up after the interrupted drill/);
  t.false(processAlive(j.mongod!.pid));
  t.false(existsSync(j.scratch));
  t.false(existsSync(journalFile));
});

test('a killed drill whose mongod listens: the next drill shuts it down (shutdown command), cleans up, warns, and passes', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const scratch = tempDir(t);
  // What a drill killed after its mongod started leaves: a journal naming a dead drill, a live mongod, a scratch folder.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const port = await chooseDrillPort(0, 27018);
  const old = join(scratch, 'AlteryxDrill_old');
  mkdirSync(join(old, 'db'), { recursive: true });
  const bin = (name: string) => join(a.dir, 'C', 'Program Files', 'Alteryx', 'bin', name);
  const child = spawn(
    bin('mongod.exe'),
    ['--dbpath', join(old, 'db'), '--port', String(port), '--bind_ip', '127.0.0.1', '--logpath', join(old, 'mongod.log')],
    { stdio: 'ignore', detached: true },
  );
  t.teardown(() => void (processAlive(child.pid!) && process.kill(child.pid!, 'SIGKILL')));
  await waitFor('the old mongod to listen', () => existsSync(join(a.dir, 'net', `127.0.0.1_${port}.json`)));
  const tempLocal = join(a.dir, 'D', 'Temp');
  mkdirSync(tempLocal, { recursive: true });
  const cfg = JSON.parse(readFileSync(a.config, 'utf8')) as Record<string, Record<string, unknown>>;
  writeFileSync(a.config, JSON.stringify({ ...cfg, BackupConfiguration: { ...(cfg['BackupConfiguration'] ?? {}), TempDirectory: 'D:\\Temp' } }));
  new DrillJournalFile(tempLocal).write({
    pid: dead,
    startedAt: new Date().toISOString(),
    archive: a.archive,
    scratch: old,
    keep: false,
    mongod: { pid: child.pid!, port },
  });

  const r = await drill([a.archive, '--scratch', scratch], a);
  t.is(r.code, 0, r.stdout.slice(-3000));
  t.true(
    (r.result!['warnings'] as string[]).some(
      (w) => w.includes(`The previous drill (pid ${dead}`) && w.includes('its scratch mongod was shut down') && w.includes('was removed'),
    ),
  );
  t.false(processAlive(child.pid!));
  t.false(existsSync(old));
  t.false(existsSync(join(tempLocal, DRILL_JOURNAL_NAME)));
  const ends = mongodEvents(a.dir).filter((e) => e['phase'] === 'end' && Number(e['port']) === port);
  t.is(ends.length, 1, 'the old mongod ended by its own shutdown, not killed');
});
