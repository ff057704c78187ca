// Self-managed MongoDB restores and drills end to end: sandbox A (`--mongo self-managed`) backed up, restored
// into a fresh self-managed sandbox B. The driver's connectivity check runs against B's loopback peer; the
// emulated mongodump / mongorestore run as real child processes (runProcess, wrapped only to record their
// arguments); B's mongo-server folder and events.jsonl say what happened.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { choosePlatform } from '../src/platform/choose.ts';
import { runBackup } from '../src/backup/backup.ts';
import { gzipDumpCounts } from '../src/mongo/dump.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { runDrill } from '../src/restore/drill.ts';
import { runRestore, type RestoreResult } from '../src/restore/restore.ts';
import { databaseDocumentCounts, eventsFile, getServiceState, openSandbox, readEvents, readSandboxFile, setKnob } from '../src/sandbox/index.ts';
import { runProcess } from '../src/util/exec.ts';
import { runCli } from './helpers/cli.ts';
import { configHashes, counts, databaseHashes, readManifest, writeSha256, writeZip, zipEntries } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

const FAST = { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } };
const passwordOf = (dir: string) => readSandboxFile(dir).selfManaged!.password;

async function backupOfSelfManaged(t: import('ava').ExecutionContext, mode: 'Full' | 'DatabaseOnly') {
  // A's password is generated with the sandbox: read it, then back up with it.
  const a = await quickSandbox(t, { mongo: 'self-managed', modifiedConfig: true }, FAST);
  const password = passwordOf(a.dir);
  const r = await runBackup(
    { params: { BackupMode: mode, SandboxPath: a.dir, ConfigPath: a.config }, secrets: { MongoPassword: password }, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  if (r.exitCode !== 0 || !r.archivePath) throw new Error(`backup of A failed: ${r.message}`);
  return { ...a, password, archive: r.archivePath, manifest: await readManifest(r.archivePath) };
}

interface Call {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv | undefined;
}

/** Restores `archive` into B through runRestore, recording every child process it starts (then really starting it). */
async function restoreInto(
  archive: string,
  b: { dir: string; config: string },
  secrets: Record<string, string>,
  opts: { params?: Record<string, unknown>; after?: (c: Call) => void } = {},
): Promise<{ r: RestoreResult; logs: LogRecord[]; calls: Call[] }> {
  const logs: LogRecord[] = [];
  const calls: Call[] = [];
  const r = await runRestore(
    { params: { Path: archive, SandboxPath: b.dir, ConfigPath: b.config, ...opts.params }, secrets, dryRun: false },
    {
      platform: choosePlatform,
      sink: (x) => logs.push(x),
      progress: () => {},
      run: async (file, args, o) => {
        const call = { file, args: [...args], env: o?.env };
        calls.push(call);
        const res = await runProcess(file, args, o);
        opts.after?.(call);
        return res;
      },
    },
  );
  return { r, logs, calls };
}

const serviceEvents = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const toolEvents = (dir: string, from: number) =>
  readEvents(dir)
    .slice(from)
    .filter((e) => e['tool'] === 'mongodump' || e['tool'] === 'mongorestore');
const isRestoreOfArchive = (c: Call) => /mongorestore$/.test(c.file) && c.args.some((a) => a.startsWith('--dir=') && a.includes('AlteryxRestore_'));
const preRestoreFolders = (dir: string) =>
  existsSync(join(dir, 'D', 'Temp')) ? readdirSync(join(dir, 'D', 'Temp')).filter((n) => /^(AlteryxRestore|PreRestore)_/.test(n)) : [];

test('Full: a self-managed backup of A restores into a fresh self-managed B; counts equal, verdict success, the password nowhere', async (t) => {
  const a = await backupOfSelfManaged(t, 'Full');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const bPassword = passwordOf(b.dir);
  const source = counts(a.dir);
  const before = counts(b.dir);
  t.notDeepEqual(before, source, 'A and B start with different databases');
  const start = readEvents(b.dir).length;

  const { r, logs, calls } = await restoreInto(a.archive, b, { MongoPassword: bPassword });
  t.is(r.exitCode, 0, r.message);
  t.true(r.success);
  t.deepEqual(
    r.checks.filter((c) => !c.ok),
    [],
  );

  // The database: B's counts are A's, per collection, and the manifest's.
  const after = counts(b.dir);
  t.deepEqual(after, source);
  t.deepEqual(after, a.manifest.mongo.databases);
  t.true(r.restoreLog!.ok, r.restoreLog!.summary);
  t.is(r.restoreLog!.failed, 0);
  t.is(
    r.restoreLog!.restored,
    Object.values(source)
      .flatMap((c) => Object.values(c))
      .reduce((x, y) => x + y, 0),
  );
  t.is(r.counts.length, 11);
  t.true(r.counts.every((x) => x.ok && x.restored === x.expected));
  t.deepEqual(configHashes(b.dir), configHashes(a.dir), "the files are A's");

  // mongorestore --gzip --drop --dir, the Alteryx databases only, the password only in the --config file.
  const restoreCall = calls.find(isRestoreOfArchive);
  t.truthy(restoreCall, JSON.stringify(calls.map((c) => [c.file, c.args])));
  t.true(restoreCall!.args.includes('--gzip'));
  t.true(restoreCall!.args.includes('--drop'));
  t.deepEqual(
    restoreCall!.args.filter((x) => x.startsWith('--nsInclude=')),
    ['--nsInclude=AlteryxGallery.*', '--nsInclude=AlteryxGallery_Lucene.*', '--nsInclude=AlteryxService.*'],
  );
  const cfg = restoreCall!.args.find((x) => x.startsWith('--config='))!.slice('--config='.length);
  t.false(existsSync(cfg), 'the --config file is removed');
  // The sandbox saw: the pre-restore dump, then the restore, both with gzip, the restore with --drop.
  t.deepEqual(
    toolEvents(b.dir, start).map(
      (e) => `${String(e['tool'])}:${String(e['phase'])}:${String(e['gzip'])}${e['tool'] === 'mongorestore' ? `:${String(e['drop'])}` : ''}`,
    ),
    ['mongodump:start:true', 'mongodump:end:true', 'mongorestore:start:true:true', 'mongorestore:end:true:undefined'],
  );

  // The pre-restore dump of B's previous database is kept, gzip'd, and is B's previous database.
  t.truthy(r.preRestoreDatabasePath);
  const pre = r.preRestoreDatabasePath!;
  t.true(existsSync(join(pre, 'AlteryxService')));
  t.true(readdirSync(join(pre, 'AlteryxService')).every((f) => f.endsWith('.gz')));
  t.deepEqual(await gzipDumpCounts(pre), before);
  t.regex(r.message, /a dump of the previous database are in D:\\Temp\\PreRestore_\d{8}_\d{6}/);

  // Check before stop; the files need the stop, so a Full restore stops and starts the service.
  const i = (re: RegExp) => logs.findIndex((l) => re.test(l.message));
  t.true(i(/credentials accepted/) >= 0 && i(/credentials accepted/) < i(/Stopping AlteryxService/), 'the check comes before the stop');
  t.true(i(/Pre-restore dump of the current MongoDB/) < i(/Restoring the self-managed MongoDB \(the archive's dump\)/));
  t.deepEqual(
    serviceEvents(b.dir)
      .map((e) => e['to'])
      .slice(-4),
    ['StopPending', 'Stopped', 'StartPending', 'Running'],
  );
  t.is(getServiceState(b.dir, openSandbox(b.dir).nodes[0]!.name), 'Running');
  t.deepEqual(
    preRestoreFolders(b.dir).filter((n) => n.startsWith('AlteryxRestore_')),
    [],
    'the extraction folder is gone',
  );

  // Neither password anywhere: log file, its JSON twin, the records, the result, B's events, the process arguments.
  const haystack = [
    readFileSync(r.logPath!, 'utf8'),
    readFileSync(r.logPath!.replace(/\.log$/, '.jsonl'), 'utf8'),
    JSON.stringify(logs),
    JSON.stringify(r),
    readFileSync(eventsFile(b.dir), 'utf8'),
    JSON.stringify(calls.map((c) => [c.file, c.args])),
  ];
  t.true(calls.length >= 4, 'mongodump --version, mongorestore --version, the pre-restore dump, the restore');
  for (const pw of [bPassword, a.password]) for (const [n, h] of haystack.entries()) t.false(h.includes(pw), `haystack ${n} holds a password`);
  t.false(
    calls.some((c) => Object.entries(c.env ?? {}).some(([k, v]) => /^ALTERYXBACKUP_/.test(k) && v === bPassword)),
    "not in the children's environment",
  );
});

test('DatabaseOnly without StopServiceForExternalDB: the service is untouched; with it, stopped and started around the database', async (t) => {
  const a = await backupOfSelfManaged(t, 'DatabaseOnly');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const files = configHashes(b.dir);
  let start = serviceEvents(b.dir).length;
  const { r } = await restoreInto(a.archive, b, { MongoPassword: passwordOf(b.dir) });
  t.is(r.exitCode, 0, r.message);
  t.deepEqual(counts(b.dir), counts(a.dir));
  t.deepEqual(serviceEvents(b.dir).slice(start), [], 'no service transition');
  t.deepEqual(configHashes(b.dir), files, 'DatabaseOnly leaves the files alone');

  start = readEvents(b.dir).length;
  const again = await restoreInto(a.archive, b, { MongoPassword: passwordOf(b.dir) }, { params: { StopServiceForExternalDB: true } });
  t.is(again.r.exitCode, 0, again.r.message);
  const line = readEvents(b.dir)
    .slice(start)
    .map((e) =>
      e['kind'] === 'service'
        ? `service:${String(e['to'])}`
        : /^mongo(dump|restore)$/.test(String(e['tool']))
          ? `${String(e['tool'])}:${String(e['phase'])}`
          : '',
    )
    .filter(Boolean);
  t.deepEqual(line, [
    'service:StopPending',
    'service:Stopped',
    'mongodump:start',
    'mongodump:end',
    'mongorestore:start',
    'mongorestore:end',
    'service:StartPending',
    'service:Running',
  ]);
});

test('mongorestore fails (knob mongorestore.fail): exit 5, the pre-restore dump is restored with --drop, B is as it was', async (t) => {
  const a = await backupOfSelfManaged(t, 'Full');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const before = { counts: counts(b.dir), files: configHashes(b.dir), data: databaseHashes(b.dir) };
  setKnob(b.dir, 'mongorestore.fail', 'exit');
  const start = readEvents(b.dir).length;
  let afterFailure: Record<string, string> | undefined;
  // The fault hits the restore of the archive only: once it has run, the knob is cleared for the rollback.
  const { r, logs, calls } = await restoreInto(
    a.archive,
    b,
    { MongoPassword: passwordOf(b.dir) },
    {
      after: (c) => {
        if (!isRestoreOfArchive(c)) return;
        afterFailure = databaseHashes(b.dir);
        setKnob(b.dir, 'mongorestore.fail', 'false');
      },
    },
  );
  t.is(r.exitCode, 5, r.message);
  t.regex(r.message, /^The MongoDB restore failed: exit code 1; .*Failed:/);
  t.regex(r.message, /pre-restore dump \(mongorestore --drop\)/);
  t.false(r.restoreLog!.ok);
  t.true(r.rolledBack);
  t.true(
    r.rollback.some((x) => /^database restored from the pre-restore dump D:\\Temp\\PreRestore_\d{8}_\d{6}\\MongoDB \(mongorestore --drop\)$/.test(x)),
    JSON.stringify(r.rollback),
  );
  t.true(
    logs.some((l) => /^Rollback: database restored from the pre-restore dump/.test(l.message)),
    'the log says so',
  );
  // Compared by content: the first collection was replaced by A's, whose count can equal B's by chance.
  t.notDeepEqual(afterFailure, before.data, 'the failed mongorestore had changed the database (--drop of the first collection)');
  t.deepEqual(counts(b.dir), before.counts, 'the database is back as it was');
  t.deepEqual(configHashes(b.dir), before.files, 'the files are back as they were');
  const rollbackCall = calls.filter((c) => /mongorestore$/.test(c.file) && c.args.some((x) => x.startsWith('--dir=') && x.includes('PreRestore_')));
  t.is(rollbackCall.length, 1);
  t.true(rollbackCall[0]!.args.includes('--drop') && rollbackCall[0]!.args.includes('--gzip'));
  t.deepEqual(
    toolEvents(b.dir, start)
      .filter((e) => e['phase'] === 'end')
      .map((e) => `${String(e['tool'])}:${String(e['exitCode'])}`),
    ['mongodump:0', 'mongorestore:1', 'mongorestore:0'],
  );
  t.is(getServiceState(b.dir, openSandbox(b.dir).nodes[0]!.name), 'Running');
});

test('mongorestore fails and so does the rollback: exit 5, "Rollback incomplete", the pre-restore dump is kept', async (t) => {
  const a = await backupOfSelfManaged(t, 'DatabaseOnly');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  setKnob(b.dir, 'mongorestore.fail', 'exit');
  const { r } = await restoreInto(a.archive, b, { MongoPassword: passwordOf(b.dir) });
  t.is(r.exitCode, 5);
  t.true(r.rolledBack);
  t.regex(
    r.message,
    /Rollback incomplete: database restored from the pre-restore dump .*: mongorestore of the pre-restore dump: FAILED .*the dump is kept in D:\\Temp\\PreRestore_/,
  );
  t.truthy(r.preRestoreDatabasePath);
  t.true(existsSync(join(r.preRestoreDatabasePath!, 'AlteryxGallery')));
});

test('wrong password: exit 5 before anything changed', async (t) => {
  const a = await backupOfSelfManaged(t, 'Full');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const before = { counts: counts(b.dir), files: configHashes(b.dir), events: readEvents(b.dir).length };
  const { r, logs, calls } = await restoreInto(a.archive, b, { MongoPassword: 'not-the-password' }, { params: { StopServiceForExternalDB: true } });
  t.is(r.exitCode, 5, r.message);
  t.regex(r.message, /^MongoDB refused the credentials of user "backup" \(auth database admin\) at mongo01:27017/);
  t.regex(r.message, /Nothing was stopped\./);
  t.false(r.rolledBack);
  t.deepEqual(
    readEvents(b.dir)
      .slice(before.events)
      .filter((e) => e['kind'] === 'service' || /^mongo/.test(String(e['tool']))),
    [],
    'no service transition, no mongodump, no mongorestore',
  );
  t.deepEqual(calls, [], 'no child process at all');
  t.deepEqual(counts(b.dir), before.counts);
  t.deepEqual(configHashes(b.dir), before.files);
  t.deepEqual(preRestoreFolders(b.dir), []);
  t.false(logs.some((l) => /Stopping AlteryxService/.test(l.message)));
  t.false(JSON.stringify([r, logs]).includes('not-the-password'));
});

test('an embedded server and a self-managed archive: exit 5, a migration this tool does not do, nothing changed', async (t) => {
  const a = await backupOfSelfManaged(t, 'DatabaseOnly');
  const b = await quickSandbox(t);
  const before = { counts: counts(b.dir), events: readEvents(b.dir).length };
  const { r } = await restoreInto(a.archive, b, {});
  t.is(r.exitCode, 5);
  t.regex(r.message, /uses the embedded MongoDB .* a dump of a self-managed MongoDB \(mongodump\).*migration/);
  t.deepEqual(counts(b.dir), before.counts);
  t.deepEqual(
    readEvents(b.dir)
      .slice(before.events)
      .filter((e) => e['kind'] === 'service' || /^mongo/.test(String(e['tool']))),
    [],
  );
});

test('through the CLI: ALTERYXBACKUP_MONGO_PASSWORD, --dry-run checks the connection and changes nothing, then the restore', async (t) => {
  const a = await backupOfSelfManaged(t, 'DatabaseOnly');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const pw = passwordOf(b.dir);
  const before = counts(b.dir);
  const dry = await runCli(['restore', a.archive, '--sandbox', b.dir, '--config', b.config, '--dry-run', '--json'], {
    env: { ALTERYXBACKUP_MONGO_PASSWORD: pw },
  });
  t.is(dry.code, 0, dry.stdout.slice(-2000));
  const plan = dry.events.find((e) => e['type'] === 'plan') as { steps: Array<{ name: string }> };
  t.deepEqual(
    plan.steps.map((s) => s.name),
    ['verify', 'preflight', 'mongo-check', 'extract', 'pre-restore', 'database', 'check', 'cleanup'],
  );
  t.true(dry.stdout.includes('credentials accepted'));
  t.deepEqual(counts(b.dir), before);
  const real = await runCli(['restore', a.archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json'], { env: { ALTERYXBACKUP_MONGO_PASSWORD: pw } });
  t.is(real.code, 0, real.stdout.slice(-2000));
  t.deepEqual(counts(b.dir), counts(a.dir));
  t.false(real.stdout.includes(pw));
});

test('drill: a self-managed archive restores into a scratch self-managed server, counts equal the manifest, the live server untouched', async (t) => {
  const a = await backupOfSelfManaged(t, 'Full');
  const scratchParent = tempDir(t);
  const live = { counts: counts(a.dir), files: configHashes(a.dir), events: readEvents(a.dir).length };
  const logs: LogRecord[] = [];
  const d = await runDrill(
    { params: { Path: a.archive, SandboxPath: a.dir, ConfigPath: a.config, ScratchPath: scratchParent, Keep: true }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} },
  );
  t.is(d.exitCode, 0, d.message);
  t.deepEqual(
    d.checks.filter((c) => !c.ok),
    [],
  );
  t.is(d.counts.length, 11);
  for (const row of d.counts) {
    t.true(row.ok, JSON.stringify(row));
    t.is(row.actual, a.manifest.mongo.databases[row.database]?.[row.collection] ?? -1);
    t.is(row.restored, row.expected);
  }
  t.is(d.documents.actual, d.documents.expected);
  t.true(d.restoreLog!.ok);
  // The scratch server is a self-managed one, and its mongorestore ran (kept with Keep, to look at it).
  const scratch = d.scratchPath!;
  t.is(readSandboxFile(scratch).mongo, 'self-managed');
  t.true(readEvents(scratch).some((e) => e['tool'] === 'mongorestore' && e['phase'] === 'end' && e['exitCode'] === 0));
  t.deepEqual(databaseDocumentCounts(scratch), a.manifest.mongo.databases);
  // The live server: not touched, its password never needed nor logged.
  t.deepEqual({ counts: counts(a.dir), files: configHashes(a.dir), events: readEvents(a.dir).length }, live);
  t.false(JSON.stringify([d, logs]).includes(a.password));
  t.false(JSON.stringify([d, logs]).includes(readSandboxFile(scratch).selfManaged!.password));
});

test('drill of a self-managed archive whose restore fails: exit 5 and the scratch server removed', async (t) => {
  const a = await backupOfSelfManaged(t, 'DatabaseOnly');
  // A collection count in the manifest that the dump does not hold: the restore's count check fails.
  const entries = await zipEntries(a.archive);
  const m = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
  m.mongo.databases.AlteryxService.AS_Applications += 1;
  entries.set('manifest.json', Buffer.from(JSON.stringify(m)));
  const crafted = join(tempDir(t), 'ServerBackup_DB_20260113_020000.zip');
  await writeZip(crafted, entries);
  writeSha256(crafted);
  const scratchParent = tempDir(t);
  const d = await runDrill(
    { params: { Path: crafted, SandboxPath: a.dir, ConfigPath: a.config, ScratchPath: scratchParent }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  t.is(d.exitCode, 5, d.message);
  t.regex(d.message, /The scratch restore failed: .*did not restore what the manifest lists/);
  t.deepEqual(readdirSync(scratchParent), []);
});
