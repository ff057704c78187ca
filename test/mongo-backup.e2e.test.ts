// Self-managed MongoDB backups end to end on a `--mongo self-managed` sandbox: the driver's connectivity
// check against the sandbox's loopback peer, the emulated mongodump as a real child process, the archive
// opened with unzip, the sandbox's events.jsonl for what happened to the service.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runBackup, type BackupResult } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { databaseDocumentCounts, eventsFile, getServiceState, readEvents, readSandboxFile, setKnob } from '../src/sandbox/index.ts';
import { countBsonDocuments } from '../src/util/fsx.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import { runCli } from './helpers/cli.ts';

async function backup(params: Record<string, unknown>, secrets: Record<string, string> = {}, dryRun = false): Promise<{ r: BackupResult; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets, dryRun }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs };
}

const FAST = { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } };
async function selfManagedSandbox(t: import('ava').ExecutionContext, config: Record<string, unknown> = {}) {
  const s = await quickSandbox(t, { mongo: 'self-managed' }, { ...FAST, ...config });
  return { ...s, password: readSandboxFile(s.dir).selfManaged!.password };
}

const serviceEvents = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const mongodumpEvents = (dir: string) => readEvents(dir).filter((e) => e['tool'] === 'mongodump');
const configFileOf = (logs: LogRecord[]) => /--config=(\S+)/.exec(logs.find((l) => /Dumping the self-managed MongoDB/.test(l.message))?.message ?? '')?.[1];

/** Documents in a gzip'd BSON file, from the decompressed bytes. */
function gzipDocs(file: string): number {
  const buf = gunzipSync(readFileSync(file));
  let n = 0;
  for (let p = 0; p < buf.length; p += buf.readInt32LE(p)) n++;
  return n;
}

/** unzip's zipinfo listing: entry name -> compression method (stor, defN, ...). */
function methods(zip: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of execFileSync('unzip', ['-Z', '-s', zip], { encoding: 'utf8' }).split('\n')) {
    const m = /^\S+\s+\S+\s+\S+\s+\d+\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

test('Full, default: the service is untouched, the archive holds stored gzip BSON whose counts match, the password is nowhere', async (t) => {
  const { dir, config, info, password } = await selfManagedSandbox(t);
  const before = serviceEvents(dir).length;
  const { r, logs } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password });
  t.is(r.exitCode, 0, r.message);
  t.is(serviceEvents(dir).length, before, 'no service transition at all');
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.true(logs.some((l) => /The service stays running \(self-managed MongoDB/.test(l.message)));
  t.true(logs.some((l) => /MongoDB: selfManaged \(decided by Controller\/MongoDBEnabled = True with MongoDBServerName \(overrides file\)\)/.test(l.message)));
  t.true(logs.some((l) => /MongoDB reachable and credentials accepted .*replica set rs0/.test(l.message)));

  // The archive: gzip'd BSON, stored as is, counts equal to the sandbox database's.
  const out = tempDir(t);
  execFileSync('unzip', ['-q', r.archivePath!, '-d', out]);
  const expected = databaseDocumentCounts(dir);
  const got: Record<string, Record<string, number>> = {};
  for (const db of readdirSync(join(out, 'MongoDB'))) {
    const files = readdirSync(join(out, 'MongoDB', db));
    t.false(
      files.some((f) => f.endsWith('.bson')),
      `${db} has uncompressed .bson files`,
    );
    for (const f of files.filter((x) => x.endsWith('.bson.gz'))) (got[db] ??= {})[f.replace(/\.bson\.gz$/, '')] = gzipDocs(join(out, 'MongoDB', db, f));
  }
  t.deepEqual(got, expected);
  t.deepEqual(Object.keys(expected).sort(), ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService']);
  const m = methods(r.archivePath!);
  const gz = [...m.keys()].filter((n) => n.endsWith('.gz'));
  t.true(gz.length > 10);
  t.deepEqual(
    gz.filter((n) => m.get(n) !== 'stor'),
    [],
    'gzip files are stored, not deflated again',
  );
  t.is(m.get('Config/RuntimeSettings.xml'), 'defN');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  t.like(manifest.mongo, { type: 'selfManaged', dumped: true, gzip: true });
  t.deepEqual(manifest.mongo.databases, expected);
  t.true(manifest.files.some((f: { path: string; kind: string }) => f.path === 'MongoDB/AlteryxGallery/apps.bson.gz' && f.kind === 'database'));

  // mongodump ran once, with --gzip; its --config file is gone.
  t.deepEqual(
    mongodumpEvents(dir).map((e) => [e['phase'], e['gzip']]),
    [
      ['start', true],
      ['end', true],
    ],
  );
  const cfg = configFileOf(logs);
  t.truthy(cfg);
  t.false(existsSync(cfg!));

  // The password: not in the log file, its JSON twin, the records, the result, the manifest, the sandbox's events, the archive.
  const haystack = [
    readFileSync(r.logPath!, 'utf8'),
    readFileSync(r.logPath!.replace(/\.log$/, '.jsonl'), 'utf8'),
    JSON.stringify(logs),
    JSON.stringify(r),
    readFileSync(eventsFile(dir), 'utf8'),
    readFileSync(r.archivePath!).toString('latin1'),
    execFileSync('unzip', ['-p', r.archivePath!], { encoding: 'latin1', maxBuffer: 1 << 28 }),
  ];
  for (const [i, h] of haystack.entries()) t.false(h.includes(password), `haystack ${i} holds the password`);
  t.false(haystack[0]!.includes(encodeURIComponent(password)));
});

test('StopServiceForExternalDB: stopped and started in order like embedded, mongodump runs while it is stopped', async (t) => {
  const { dir, config, info, password } = await selfManagedSandbox(t, { ServiceConfiguration: { StopServiceForExternalDB: true } });
  const start = readEvents(dir).length;
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password });
  t.is(r.exitCode, 0, r.message);
  const ev = readEvents(dir).slice(start);
  const line = ev
    .map((e) => (e['kind'] === 'service' ? `service:${String(e['to'])}` : e['tool'] === 'mongodump' ? `mongodump:${String(e['phase'])}` : ''))
    .filter(Boolean);
  t.deepEqual(line, ['service:StopPending', 'service:Stopped', 'mongodump:start', 'mongodump:end', 'service:StartPending', 'service:Running']);
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.true((r.summary['downtimeMs'] as number) > 0);
});

test('-StopServiceForExternalDB as a parameter, and the check happens before the stop', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t);
  const start = readEvents(dir).length;
  const { r, logs } = await backup(
    { BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config, StopServiceForExternalDB: true },
    { MongoPassword: password },
  );
  t.is(r.exitCode, 0, r.message);
  t.deepEqual(
    readEvents(dir)
      .slice(start)
      .filter((e) => e['kind'] === 'service')
      .map((e) => e['to']),
    ['StopPending', 'Stopped', 'StartPending', 'Running'],
  );
  const i = (re: RegExp) => logs.findIndex((l) => re.test(l.message));
  t.true(i(/credentials accepted/) >= 0 && i(/credentials accepted/) < i(/Stopping AlteryxService/), 'check before stop');
});

for (const c of [
  {
    name: 'wrong password',
    secrets: () => ({ MongoPassword: 'not-the-password' }),
    knob: undefined,
    re: /^MongoDB refused the credentials of user "backup" \(auth database admin\) at mongo01:27017/,
  },
  {
    name: 'unreachable host',
    secrets: (pw: string) => ({ MongoPassword: pw }),
    knob: 'mongo.unreachable',
    re: /^MongoDB is unreachable: no server answered at mongo01:27017 within 5\.0 s/,
  },
]) {
  test(`${c.name}: exit 5 before any service was touched (even with StopServiceForExternalDB)`, async (t) => {
    const { dir, config, info, password } = await selfManagedSandbox(t, { ServiceConfiguration: { StopServiceForExternalDB: true } });
    if (c.knob) setKnob(dir, c.knob, 'true');
    const before = readEvents(dir).length;
    const { r, logs } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, c.secrets(password));
    t.is(r.exitCode, 5, r.message);
    t.regex(r.message, c.re);
    t.regex(r.message, /Nothing was stopped\./);
    const after = readEvents(dir).slice(before);
    t.deepEqual(
      after.filter((e) => e['kind'] === 'service'),
      [],
      'no service transition',
    );
    t.deepEqual(
      after.filter((e) => e['tool'] === 'mongodump'),
      [],
      'mongodump never ran',
    );
    t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
    t.false(logs.some((l) => /Stopping AlteryxService/.test(l.message)));
    t.is(r.archivePath, null);
    t.false(JSON.stringify([r, logs]).includes('not-the-password'));
  });
}

test('mongodump fails: exit 5 with its Failed: line, the --config file removed, the stopped service started again', async (t) => {
  const { dir, config, info, password } = await selfManagedSandbox(t, { ServiceConfiguration: { StopServiceForExternalDB: true } });
  setKnob(dir, 'mongodump.fail', '"exit"');
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password });
  t.is(r.exitCode, 5);
  t.regex(r.message, /^mongodump of the self-managed MongoDB failed \(exit code 1\): Failed: error writing data for collection/);
  t.false(existsSync(configFileOf(logs)!), 'the --config file is removed on failure too');
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.deepEqual(
    serviceEvents(dir)
      .slice(-4)
      .map((e) => e['to']),
    ['StopPending', 'Stopped', 'StartPending', 'Running'],
  );
  t.is(r.archivePath, null);
});

test('interrupted during mongodump (Ctrl+C): the dump process is ended, the --config file removed, the service started again', async (t) => {
  const { dir, config, info, password } = await selfManagedSandbox(t, { ServiceConfiguration: { StopServiceForExternalDB: true } });
  setKnob(dir, 'mongodump.seconds', '120');
  const ac = new AbortController();
  const logs: LogRecord[] = [];
  const t0 = Date.now();
  const running = runBackup(
    { params: { BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, secrets: { MongoPassword: password }, dryRun: false },
    { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {}, signal: ac.signal },
  );
  while (!mongodumpEvents(dir).some((e) => e['phase'] === 'start') && Date.now() - t0 < 90_000) await new Promise((r) => setTimeout(r, 50));
  const cfg = configFileOf(logs);
  t.truthy(cfg);
  t.true(existsSync(cfg!), 'the --config file exists while mongodump runs');
  ac.abort('SIGINT');
  const r = await running;
  t.is(r.exitCode, 1);
  const dumpStart = Date.parse(String(mongodumpEvents(dir).find((e) => e['phase'] === 'start')!['time']));
  t.true(Date.now() < dumpStart + 120_000, 'the run did not wait for the dump to finish (120 s)');
  t.false(existsSync(cfg!));
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.false(
    mongodumpEvents(dir).some((e) => e['phase'] === 'end'),
    'mongodump was ended, not finished',
  );
});

test('Oplog on a replica set: mongodump --oplog, oplog.bson.gz in the archive; on a standalone: a warning and no --oplog', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t, { MongoDBConfiguration: { SelfManagedMongoDB: { Oplog: true, ConnectTimeoutSeconds: 5 } } });
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password });
  t.is(r.exitCode, 0, r.message);
  t.true(logs.some((l) => /mongodump --config=\S+ --out=\S+ --gzip --oplog/.test(l.message)));
  t.true(execFileSync('unzip', ['-Z1', r.archivePath!], { encoding: 'utf8' }).split('\n').includes('MongoDB/oplog.bson.gz'));

  // The same sandbox as a standalone server: no replica set name anywhere.
  const f = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
  delete f.selfManaged.replicaSet;
  writeFileSync(join(dir, 'sandbox.json'), JSON.stringify(f, null, 2));
  const s = await backup(
    { BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config, MongoConnectionString: 'mongodb://mongo01:27017/', MongoUsername: 'backup' },
    { MongoPassword: password },
  );
  t.is(s.r.exitCode, 0, s.r.message);
  t.true(s.r.warnings.some((w) => /Oplog is set but the MongoDB is not a replica set/.test(w)));
  t.true(
    s.logs.some((l) => /^Dumping the self-managed MongoDB: mongodump --config=\S+ --out=\S+ --gzip \(/.test(l.message)),
    'no --oplog',
  );
});

test('UseCompression false: plain .bson files, counted and deflated by the archive', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t, {
    MongoDBConfiguration: { SelfManagedMongoDB: { UseCompression: false, ConnectTimeoutSeconds: 5 } },
  });
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password });
  t.is(r.exitCode, 0, r.message);
  const out = tempDir(t);
  execFileSync('unzip', ['-q', r.archivePath!, '-d', out]);
  const expected = databaseDocumentCounts(dir);
  for (const [db, colls] of Object.entries(expected)) {
    for (const [coll, n] of Object.entries(colls)) t.is(countBsonDocuments(join(out, 'MongoDB', db, `${coll}.bson`)), n);
  }
  t.is(methods(r.archivePath!).get('MongoDB/AlteryxGallery/apps.bson'), 'defN');
  t.false(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).mongo.gzip);
});

test('the discrete form from parameters (-MongoHost/-MongoPort/-MongoUsername), and a missing password is exit 3', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t);
  const params = {
    BackupMode: 'DatabaseOnly',
    SandboxPath: dir,
    ConfigPath: config,
    MongoHost: 'mongo02',
    MongoPort: 27017,
    MongoUsername: 'backup',
    MongoAuthDatabase: 'admin',
  };
  const ok = await backup(params, { MongoPassword: password });
  t.is(ok.r.exitCode, 0, ok.r.message);
  t.true(
    ok.logs.some(
      (l) =>
        l.message ===
        'MongoDB connection: mongodb://backup@mongo02:27017/AlteryxGallery?authSource=admin (from MongoDBConfiguration.SelfManagedMongoDB.Host/Port)',
    ),
  );
  const none = await backup(params, {});
  t.is(none.r.exitCode, 3);
  t.regex(none.r.message, /user "backup" has no password/);
});

test('dry run: the check runs (and fails with a wrong password), nothing else happens', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t, { ServiceConfiguration: { StopServiceForExternalDB: true } });
  const before = readEvents(dir).length;
  const good = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, { MongoPassword: password }, true);
  t.is(good.r.exitCode, 0, good.r.message);
  t.true(good.logs.some((l) => /credentials accepted/.test(l.message)));
  const bad = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, { MongoPassword: 'wrong-one' }, true);
  t.is(bad.r.exitCode, 5);
  t.deepEqual(
    readEvents(dir)
      .slice(before)
      .filter((e) => e['kind'] === 'service' || e['tool'] === 'mongodump'),
    [],
  );
});

/** Every process's argv (and, for the emulated mongodump, its environment and --config file), polled from /proc. */
function scanProcesses(seen: { argv: string[]; pid: string }[], mongodump: { argv: string[]; environ: string; mode?: number; dirMode?: number }[]): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (!argv.length) continue;
    seen.push({ pid, argv });
    if (argv.includes('mongodump') && argv.some((a) => a.endsWith('sandbox-emulator.mjs')) && argv.some((a) => a.startsWith('--config='))) {
      try {
        const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        const file = argv.find((a) => a.startsWith('--config='))!.slice('--config='.length);
        const st = statSync(file);
        const dst = statSync(join(file, '..'));
        mongodump.push({ argv, environ, mode: st.mode & 0o777, dirMode: dst.mode & 0o777 });
      } catch {
        /* the process ended meanwhile */
      }
    }
  }
}

test('CLI: no process-list entry holds the password; mongodump gets --config (0600 in a 0700 folder) and no secret in its environment', async (t) => {
  const { dir, config, password } = await selfManagedSandbox(t);
  setKnob(dir, 'mongodump.seconds', '2');
  const seen: { argv: string[]; pid: string }[] = [];
  const dumps: { argv: string[]; environ: string; mode?: number; dirMode?: number }[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      scanProcesses(seen, dumps);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const run = await runCli(['backup', '--sandbox', dir, '--config', config, '-m', 'DatabaseOnly', '--json'], {
    env: { ALTERYXBACKUP_MONGO_PASSWORD: password },
  });
  done = true;
  await poll;
  t.is(run.code, 0, run.stderr + JSON.stringify(run.result));
  t.true(seen.length > 0);
  t.deepEqual(
    seen.filter((p) => p.argv.join(' ').includes(password)).map((p) => p.argv.join(' ')),
    [],
    'a command line holds the password',
  );
  // Other tests run at the same time: this sandbox's mongodump only.
  const mine = dumps.filter((x) => x.argv[x.argv.indexOf('--sandbox') + 1] === dir);
  t.true(mine.length > 0, 'the emulated mongodump was seen running');
  const d = mine[0]!;
  const args = d.argv
    .slice(d.argv.indexOf('mongodump') + 1)
    .filter((a, i, all) => !(a === '--sandbox' || a === '--node' || all[i - 1] === '--sandbox' || all[i - 1] === '--node'));
  t.deepEqual(
    args.map((a) => a.replace(/=.*/, '=')),
    ['--config=', '--out=', '--gzip'],
  );
  t.is(d.mode, 0o600);
  t.is(d.dirMode, 0o700);
  t.false(d.environ.includes(password), 'mongodump inherited the password through its environment');
  t.false(d.environ.includes('ALTERYXBACKUP_MONGO_PASSWORD'));
  t.false(existsSync(d.argv.find((a) => a.startsWith('--config='))!.slice('--config='.length)), 'the --config file is removed');
  // The JSON events on stdout, stderr and the log.
  t.true(run.events.length > 10);
  t.false(run.stdout.includes(password));
  t.false(run.stderr.includes(password));
  t.false(readFileSync(String(run.result!['logPath']), 'utf8').includes(password));
});
