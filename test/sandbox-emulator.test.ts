import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { BSON } from 'bson';
import {
  createSandbox,
  alteryxServiceExecutable,
  readSandboxFile,
  databaseDocumentCounts,
  countBsonDocuments,
  setKnob,
  setServiceState,
  getServiceState,
  readEvents,
  openSandbox,
  mapWindowsPath,
  DATABASES,
} from '../src/sandbox/index.ts';
import { run, useSandboxDirs } from './helpers/emulator.ts';
import { waitFor } from './helpers/wait.ts';

const mk = useSandboxDirs(test, 'sbx-emu-');
async function sandbox(opts: Parameters<typeof createSandbox>[1] = {}): Promise<{ dir: string; exe: string; root: string }> {
  const dir = mk();
  const info = await createSandbox(dir, { dbSizeMb: 0.3, ...opts });
  return { dir, exe: alteryxServiceExecutable(dir, info.nodes[0]!.name), root: info.nodes[0]!.root };
}
const DATA = 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB';

/** The dump's counts, read from the files: db → collection → docs. */
function dumpCounts(folder: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const db of fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)) {
    for (const f of fs.readdirSync(path.join(folder, db))) {
      if (f.endsWith('.bson')) (out[db] ??= {})[f.slice(0, -5)] = countBsonDocuments(path.join(folder, db, f));
    }
  }
  return out;
}

test('getversion, getserversecret / getsecret, getemongopassword: exact output', async (t) => {
  const { dir, exe } = await sandbox();
  const f = readSandboxFile(dir);
  const v = await run(exe, ['getversion']);
  t.deepEqual(v, { code: 0, stdout: '2023.1.1.281\n', stderr: '' });
  for (const cmd of ['getserversecret', 'getsecret', 'GetServerSecret']) {
    const r = await run(exe, [cmd]);
    t.is(r.code, 0);
    t.is(r.stdout, `${f.secrets.controllerToken}\n`);
    t.regex(r.stdout.trim(), /^[0-9A-F]{64}$/);
  }
  const p = await run(exe, ['getemongopassword']);
  t.is(p.code, 0);
  t.is(p.stdout, `Admin: ${f.secrets.mongoAdminPassword}\nNon-Admin: ${f.secrets.mongoNonAdminPassword}\n`);
  // events name the command, never the token
  const text = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  t.false(text.includes(f.secrets.controllerToken));
  t.true(readEvents(dir).some((e) => e['kind'] === 'cli' && e['command'] === 'getserversecret'));
});

test('a 2019.4 server prints a 40-char token', async (t) => {
  const { exe } = await sandbox({ version: '2019.4' });
  const r = await run(exe, ['getserversecret']);
  t.regex(r.stdout, /^[0-9A-F]{40}\n$/);
  t.is((await run(exe, ['getversion'])).stdout, '2019.4.8.22007\n');
});

test('setserversecret stores the token (and never logs it)', async (t) => {
  const { dir, exe } = await sandbox();
  const token = 'AB'.repeat(32);
  const r = await run(exe, [`setserversecret=${token}`]);
  t.is(r.code, 0);
  t.is((await run(exe, ['getserversecret'])).stdout, `${token}\n`);
  t.false(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').includes(token));
  t.true(readEvents(dir).some((e) => e['command'] === 'setserversecret'));
});

test('unknown or incomplete commands print the usage and exit 1', async (t) => {
  const { exe } = await sandbox();
  for (const args of [[], ['frobnicate'], ['emongodump'], ['emongodump='], ['getversion=1'], ['start', 'stop']]) {
    const r = await run(exe, args);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, /Usage: AlteryxService\.exe <command>/);
  }
});

test('emongodump refuses while the service is not Stopped: "EMongoDump failed", non-zero', async (t) => {
  const { dir, exe, root } = await sandbox();
  for (const state of ['Running', 'StopPending', 'Paused'] as const) {
    setServiceState(dir, openSandbox(dir).nodes[0]!.name, state);
    const r = await run(exe, ['emongodump=D:\\Temp\\dump']);
    t.not(r.code, 0, state);
    t.regex(r.stdout, /^EMongoDump failed$/m);
    t.regex(r.stderr, new RegExp(`must be stopped.*${state}`));
  }
  t.false(fs.existsSync(mapWindowsPath(dir, root, 'D:\\Temp\\dump\\AlteryxGallery')));
});

test('emongodump writes the mongodump layout with the true document counts', async (t) => {
  const { dir, exe, root } = await sandbox();
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  const t0 = Date.now();
  const r = await run(exe, ['emongodump=D:\\Temp\\ServerBackup_20260113_020000\\Mongo']);
  t.log(`emongodump 0.3 MB: ${Date.now() - t0} ms`);
  t.is(r.code, 0, r.stderr);
  t.false(r.stdout.includes('EMongoDump failed'));
  const out = mapWindowsPath(dir, root, 'D:\\Temp\\ServerBackup_20260113_020000\\Mongo');
  const truth = databaseDocumentCounts(dir);
  t.deepEqual(dumpCounts(out), truth);
  t.deepEqual(Object.keys(truth).sort(), [...DATABASES].sort());
  for (const db of DATABASES) {
    for (const coll of Object.keys(truth[db]!)) {
      const meta = JSON.parse(fs.readFileSync(path.join(out, db, `${coll}.metadata.json`), 'utf8'));
      t.is(meta.collectionName, coll);
      t.is(meta.indexes[0].name, '_id_');
      // progress lines in mongodump's format
      const n = truth[db]![coll]!;
      t.regex(
        r.stdout,
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\+0000\\twriting ${db}\\.${coll.replace('.', '\\.')} to D:\\\\Temp\\\\ServerBackup_20260113_020000\\\\Mongo\\\\${db}\\\\${coll.replace('.', '\\.')}\\.bson$`,
          'm',
        ),
      );
      t.regex(r.stdout, new RegExp(`\\tdone dumping ${db}\\.${coll.replace('.', '\\.')} \\(${n} documents?\\)$`, 'm'));
    }
  }
  // documents are real BSON
  const first = fs.readFileSync(path.join(out, 'AlteryxGallery', 'users.bson'));
  const doc = BSON.deserialize(first.subarray(0, first.readInt32LE(0)));
  t.truthy(doc['email']);
  t.true(fs.existsSync(path.join(out, 'mongoDump.log')));
  t.is(getServiceState(dir, 'ALTERYX01'), 'Stopped', 'the dump does not touch the service');
});

test('emongodump on a worker or in a self-managed sandbox fails (no embedded MongoDB)', async (t) => {
  const { dir } = await sandbox({ topology: 'multi', dbSizeMb: 0.1 });
  setServiceState(dir, 'ALTERYX-WKR1', 'Stopped');
  const r = await run(alteryxServiceExecutable(dir, 'ALTERYX-WKR1'), ['emongodump=D:\\Temp\\d']);
  t.is(r.code, 1);
  t.regex(r.stdout, /EMongoDump failed/);
  t.regex(r.stderr, /not enabled/);
  const sm = await sandbox({ mongo: 'self-managed', dbSizeMb: 0.1 });
  setServiceState(sm.dir, 'ALTERYX01', 'Stopped');
  const r2 = await run(sm.exe, ['emongodump=D:\\Temp\\d']);
  t.is(r2.code, 1);
  t.regex(r2.stdout, /EMongoDump failed/);
  const p = await run(sm.exe, ['getemongopassword']);
  t.is(p.code, 1);
});

test('emongodump.fail: exit → text+1, text → text+0, empty → 0 and no .bson', async (t) => {
  const { dir, exe, root } = await sandbox();
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  setKnob(dir, 'emongodump.fail', 'exit');
  const a = await run(exe, ['emongodump=D:\\Temp\\a']);
  t.is(a.code, 1);
  t.regex(a.stdout, /^EMongoDump failed$/m);
  t.regex(a.stdout, /\tFailed: /);
  setKnob(dir, 'emongodump.fail', 'text');
  const b = await run(exe, ['emongodump=D:\\Temp\\b']);
  t.is(b.code, 0);
  t.regex(b.stdout, /^EMongoDump failed$/m);
  const bDir = mapWindowsPath(dir, root, 'D:\\Temp\\b');
  const got = Object.values(dumpCounts(bDir)).reduce((n, c) => n + Object.keys(c).length, 0);
  const all = Object.values(databaseDocumentCounts(dir)).reduce((n, c) => n + Object.keys(c).length, 0);
  t.true(got < all, 'the failed dump is incomplete');
  setKnob(dir, 'emongodump.fail', 'empty');
  const c = await run(exe, ['emongodump=D:\\Temp\\c']);
  t.is(c.code, 0);
  t.false(c.stdout.includes('EMongoDump failed'));
  const cDir = mapWindowsPath(dir, root, 'D:\\Temp\\c');
  t.true(fs.existsSync(cDir));
  const files: string[] = fs.readdirSync(cDir, { recursive: true }) as string[];
  t.false(files.some((f) => f.endsWith('.bson')));
});

test('emongodump.seconds: the dump is really in progress; SIGKILL mid-dump leaves a partial dump', async (t) => {
  const { dir, exe, root } = await sandbox({ dbSizeMb: 1 });
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  // Far longer than any load can eat: the dump is still running whenever the test looks.
  setKnob(dir, 'emongodump.seconds', '600');
  const out = mapWindowsPath(dir, root, 'D:\\Temp\\slow');
  const child = spawn(exe, ['emongodump=D:\\Temp\\slow'], { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
  const written = () => {
    let n = 0;
    for (const db of fs.existsSync(out) ? fs.readdirSync(out).filter((d) => !d.includes('.')) : []) {
      for (const f of fs.readdirSync(path.join(out, db))) if (f.endsWith('.bson')) n += fs.statSync(path.join(out, db, f)).size;
    }
    return n;
  };
  // Until the first .bson bytes are on disk (the dump has started writing).
  await waitFor('the dump to write its first bytes', () => child.exitCode !== null || written() > 0, 120_000);
  t.is(child.exitCode, null, 'still dumping');
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  const truth = databaseDocumentCounts(dir);
  const totalTruth = Object.values(truth).reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
  t.true(written() > 0, 'something was written');
  let complete = true;
  try {
    complete = JSON.stringify(dumpCounts(out)) === JSON.stringify(truth);
  } catch {
    complete = false; // a truncated .bson
  }
  t.false(complete, `the dump is partial (${totalTruth} docs in the database)`);
});

test('emongorestore restores a dump into the data folder and writes mongoRestore.log with the exact line', async (t) => {
  const { dir, exe, root } = await sandbox();
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  t.is((await run(exe, ['emongodump=D:\\Temp\\dump'])).code, 0);
  const truth = databaseDocumentCounts(dir);
  const total = Object.values(truth).reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
  // wipe the data, then restore
  const data = mapWindowsPath(dir, root, DATA);
  fs.rmSync(data, { recursive: true });
  fs.mkdirSync(data);
  const r = await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA}`]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(databaseDocumentCounts(dir), truth);
  const log = fs.readFileSync(mapWindowsPath(dir, root, 'D:\\Temp\\dump\\mongoRestore.log'), 'utf8');
  const lines = log.trim().split('\n');
  t.regex(lines[lines.length - 1]!, new RegExp(`^\\S+\\t${total} document\\(s\\) restored successfully\\. 0 document\\(s\\) failed to restore\\.$`));
  t.false(/Failed:|error|critical|fatal/i.test(lines.slice(0, -1).join('\n')));
  t.regex(log, /\trestoring AlteryxGallery\.apps from D:\\Temp\\dump\\AlteryxGallery\\apps\.bson$/m);
  // batch size accepted
  t.is((await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA},500`])).code, 0);
  t.deepEqual(databaseDocumentCounts(dir), truth, 'a second restore replaces, never duplicates');
});

test('emongorestore from a wrong folder reports 0 documents; refuses while running; bad arguments', async (t) => {
  const { dir, exe, root } = await sandbox({ dbSizeMb: 0.1 });
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  const r = await run(exe, [`emongorestore=D:\\Temp\\nothing,${DATA}`]);
  t.is(r.code, 0);
  const log = fs.readFileSync(mapWindowsPath(dir, root, 'D:\\Temp\\nothing\\mongoRestore.log'), 'utf8');
  t.regex(log, /\t0 document\(s\) restored successfully\. 0 document\(s\) failed to restore\.\n$/);
  setServiceState(dir, 'ALTERYX01', 'Running');
  const running = await run(exe, [`emongorestore=D:\\Temp\\nothing,${DATA}`]);
  t.is(running.code, 1);
  t.regex(running.stderr, /must be stopped/);
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  for (const bad of ['emongorestore=D:\\x', `emongorestore=D:\\x,${DATA},many`]) t.is((await run(exe, [bad])).code, 1);
});

test('emongorestore.fail: partial → failed count and E11000 lines; exit → Failed: and exit 1; text → Failed: but exit 0', async (t) => {
  const { dir, exe, root } = await sandbox();
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  t.is((await run(exe, ['emongodump=D:\\Temp\\dump'])).code, 0);
  const logFile = mapWindowsPath(dir, root, 'D:\\Temp\\dump\\mongoRestore.log');
  const summary = (log: string) => {
    const m = /(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\./.exec(log)!;
    return [Number(m[1]), Number(m[2])];
  };
  setKnob(dir, 'emongorestore.fail', 'partial');
  const p = await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA}`]);
  t.is(p.code, 0);
  const [ok, failed] = summary(fs.readFileSync(logFile, 'utf8'));
  t.true(ok! > 0 && failed! > 0);
  t.regex(fs.readFileSync(logFile, 'utf8'), /E11000 duplicate key error/);

  setKnob(dir, 'emongorestore.fail', 'exit');
  const e = await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA}`]);
  t.is(e.code, 1);
  t.regex(fs.readFileSync(logFile, 'utf8'), /\tFailed: /);

  setKnob(dir, 'emongorestore.fail', 'text');
  const x = await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA}`]);
  t.is(x.code, 0);
  t.regex(fs.readFileSync(logFile, 'utf8'), /\tFailed: /);
});

test('emongorestore of a truncated dump fails with a Failed: line', async (t) => {
  const { dir, exe, root } = await sandbox();
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  t.is((await run(exe, ['emongodump=D:\\Temp\\dump'])).code, 0);
  const f = mapWindowsPath(dir, root, 'D:\\Temp\\dump\\AlteryxGallery\\apps.bson');
  fs.truncateSync(f, fs.statSync(f).size - 7);
  const r = await run(exe, [`emongorestore=D:\\Temp\\dump,C:\\Restore\\Data`]);
  t.is(r.code, 1);
  const log = fs.readFileSync(mapWindowsPath(dir, root, 'D:\\Temp\\dump\\mongoRestore.log'), 'utf8');
  t.regex(log, /\tFailed: AlteryxGallery\.apps: error restoring from .*apps\.bson: reading bson input: /);
});

test('emongorestore.seconds: the restore takes that long', async (t) => {
  const { dir, exe } = await sandbox({ dbSizeMb: 0.1 });
  setServiceState(dir, 'ALTERYX01', 'Stopped');
  t.is((await run(exe, ['emongodump=D:\\Temp\\dump'])).code, 0);
  setKnob(dir, 'emongorestore.seconds', '1');
  const r = await run(exe, [`emongorestore=D:\\Temp\\dump,${DATA}`]);
  t.is(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  const first = Date.parse(lines[0]!.split('\t')[0]!.replace('+0000', 'Z'));
  const last = Date.parse(lines[lines.length - 1]!.split('\t')[0]!.replace('+0000', 'Z'));
  t.true(last - first >= 900, `restore spans ${last - first} ms`);
});
