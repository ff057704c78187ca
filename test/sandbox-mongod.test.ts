// The sandbox's emulated mongod.exe (and mongorestore.exe / mongodump.exe against it): real child processes
// through the shims in the install bin folder, the official driver on 127.0.0.1, as a restore drill on a
// Windows server uses them.
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { MongoClient, type MongoServerError } from 'mongodb';
import { closedLoopbackPort } from '../src/sandbox/wire-peer.ts';
import {
  alteryxServiceExecutable,
  countBsonDocuments,
  createSandbox,
  databaseDocumentCounts,
  loopbackMongod,
  mapWindowsPath,
  mongodRegistryFile,
  readEvents,
  readSandboxFile,
  setKnob,
  setServiceState,
  WIN,
} from '../src/sandbox/index.ts';
import { run, useSandboxDirs } from './helpers/emulator.ts';
import { waitFor } from './helpers/wait.ts';

const mk = useSandboxDirs(test, 'sbx-mongod-');

interface Sbx {
  dir: string;
  root: string;
  node: string;
  bin: (win: string) => string;
}

async function sandbox(opts: Parameters<typeof createSandbox>[1] = {}): Promise<Sbx> {
  const dir = mk();
  const info = await createSandbox(dir, { dbSizeMb: 0.3, ...opts });
  const n = info.nodes[0]!;
  return { dir, root: n.root, node: n.name, bin: (win) => mapWindowsPath(dir, n.root, win) };
}

/** A dump of the sandbox's own database, made by its AlteryxService.exe emongodump (local path). */
async function dumpOf(s: Sbx): Promise<string> {
  setServiceState(s.dir, s.node, 'Stopped');
  const r = await run(alteryxServiceExecutable(s.dir, s.node), ['emongodump=D:\\Dump']);
  if (r.code !== 0) throw new Error(`emongodump failed: ${r.stdout}${r.stderr}`);
  return s.bin('D:\\Dump');
}

interface Mongod {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
}

/** Starts the sandbox's mongod.exe as a real child process; killed (SIGKILL) when the test ends. */
function startMongod(t: ExecutionContext, s: Sbx, args: string[]): Mongod {
  const child = spawn(s.bin(WIN.mongodExe), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, pid: child.pid!, exited, stdout: () => out, stderr: () => err };
}

/** Waits until the mongod registered itself (it listens), or fails when it ended first. */
async function listening(t: ExecutionContext, s: Sbx, m: Mongod, port: number, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!loopbackMongod(s.dir, port)) {
    if (m.child.exitCode !== null || m.child.signalCode !== null)
      t.fail(`mongod ended (${m.child.exitCode ?? m.child.signalCode}): ${m.stdout()}${m.stderr()}`);
    if (Date.now() - t0 > timeoutMs) t.fail(`mongod did not listen on ${port} within ${timeoutMs} ms: ${m.stdout()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function driver(t: ExecutionContext, port: number): Promise<MongoClient> {
  const c = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 3000, retryReads: false, retryWrites: false });
  t.teardown(() => c.close());
  await c.connect();
  return c;
}

/** What a drill counts: every non-system database, every collection, through listDatabases / listCollections / count. */
async function countThroughDriver(c: MongoClient): Promise<Record<string, Record<string, number>>> {
  const dbs = (await c.db('admin').command({ listDatabases: 1, nameOnly: true }))['databases'] as Array<{ name: string }>;
  const out: Record<string, Record<string, number>> = {};
  for (const { name } of dbs) {
    if (['admin', 'config', 'local'].includes(name)) continue;
    out[name] = {};
    for (const coll of await c.db(name).listCollections({}, { nameOnly: true }).toArray()) {
      out[name][coll.name] = Number((await c.db(name).command({ count: coll.name }))['n']);
    }
  }
  return out;
}

const total = (counts: Record<string, Record<string, number>>) => Object.values(counts).reduce((a, db) => a + Object.values(db).reduce((x, y) => x + y, 0), 0);

/** The structured log lines (every line must be one JSON object as mongod 4.4+ writes). */
function logLines(
  t: ExecutionContext,
  text: string,
): Array<{ t: { $date: string }; s: string; c: string; id: number; ctx: string; msg: string; attr?: Record<string, unknown> }> {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const j = JSON.parse(l);
      t.deepEqual(Object.keys(j).slice(0, 6), ['t', 's', 'c', 'id', 'ctx', 'msg'], l);
      t.regex(j.t.$date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      return j;
    });
}

const mongodEvents = (dir: string) => readEvents(dir).filter((e) => e['tool'] === 'mongod');

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

test("createSandbox: mongod.exe, mongorestore.exe and mongodump.exe in every node's install bin folder, shims like AlteryxService.exe", async (t) => {
  const dir = mk();
  const info = await createSandbox(dir, { topology: 'multi', dbSizeMb: 0.1 });
  t.is(WIN.mongodExe, 'C:\\Program Files\\Alteryx\\bin\\mongod.exe');
  t.is(WIN.mongorestoreExe, 'C:\\Program Files\\Alteryx\\bin\\mongorestore.exe');
  t.is(WIN.mongodumpExe, 'C:\\Program Files\\Alteryx\\bin\\mongodump.exe');
  const installed = new Date(readSandboxFile(dir).installedAt).getTime();
  for (const n of info.nodes) {
    for (const [exe, tool] of [
      [WIN.mongodExe, 'mongod'],
      [WIN.mongorestoreExe, 'mongorestore'],
      [WIN.mongodumpExe, 'mongodump'],
    ] as const) {
      const file = mapWindowsPath(dir, n.root, exe);
      t.is(fs.statSync(file).mode & 0o777, 0o755, file);
      t.is(fs.statSync(file).mtimeMs, installed, `${file}: install time`);
      t.regex(
        fs.readFileSync(file, 'utf8'),
        new RegExp(`^#!/bin/sh\\n[\\s\\S]*exec '.*node.*' '.*sandbox-emulator\\.mjs' ${tool} --sandbox '.*' --node '${n.name}' "\\$@"\\n$`),
      );
    }
  }
  const v = await run(mapWindowsPath(dir, info.nodes[1]!.root, WIN.mongodExe), ['--version']);
  t.is(v.code, 0);
  t.regex(v.stdout, /^db version v7\.0\.12\n/);
  const r = await run(mapWindowsPath(dir, info.nodes[1]!.root, WIN.mongorestoreExe), ['--version']);
  t.regex(r.stdout, /^mongorestore version: 100\.9\.4\n/);
});

test('a scratch mongod: mongorestore.exe --host 127.0.0.1 --port P --dir restores into it, the driver counts equal the source, mongodump.exe reads it back, shutdown ends it with exit 0', async (t) => {
  const s = await sandbox();
  const expected = databaseDocumentCounts(s.dir);
  const dump = await dumpOf(s);
  const scratch = mk('sbx-mongod-scratch-');
  const db = path.join(scratch, 'db');
  fs.mkdirSync(db);
  const logpath = path.join(scratch, 'mongod.log');
  const port = await closedLoopbackPort();
  const m = startMongod(t, s, ['--dbpath', db, `--port=${port}`, '--bind_ip', '127.0.0.1', '--logpath', logpath]);
  await listening(t, s, m, port);

  // While it runs: the lock holds its pid, the registry names it and its data folder.
  t.is(fs.readFileSync(path.join(db, 'mongod.lock'), 'utf8').trim(), String(m.pid));
  t.deepEqual(JSON.parse(fs.readFileSync(mongodRegistryFile(s.dir, port), 'utf8')), { pid: m.pid, dbpath: db });
  t.deepEqual(loopbackMongod(s.dir, port), { pid: m.pid, dbpath: db });
  t.is(fs.readFileSync(mongodRegistryFile(s.dir, port), 'utf8').includes('\\'), false);

  const c = await driver(t, port);
  const before = await c.db('admin').command({ listDatabases: 1, nameOnly: true });
  t.deepEqual(before['databases'], [{ name: 'admin' }, { name: 'config' }, { name: 'local' }], 'a fresh mongod has only its own databases');
  t.like(await c.db('admin').command({ buildInfo: 1 }), { version: '7.0.12' });

  const r = await run(s.bin(WIN.mongorestoreExe), ['--host', '127.0.0.1', '--port', String(port), '--dir', dump]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  t.regex(lines.at(-1)!, new RegExp(`^\\S+\\t${total(expected)} document\\(s\\) restored successfully\\. 0 document\\(s\\) failed to restore\\.$`));
  t.regex(r.stderr, new RegExp(`\\tfinished restoring AlteryxGallery\\.apps \\(${expected['AlteryxGallery']!['apps']} documents, 0 failures\\)\\n`));
  t.false(r.stderr.includes('Failed:'));
  // The data went into the scratch data folder, not into the live database.
  t.is(countBsonDocuments(path.join(db, 'AlteryxService', 'AS_Queue.bson')), expected['AlteryxService']!['AS_Queue']!);
  t.deepEqual(databaseDocumentCounts(s.dir), expected);

  const counted = await countThroughDriver(c);
  t.deepEqual(counted, expected);
  t.true(total(counted) > 0);
  const names = ((await c.db('admin').command({ listDatabases: 1, nameOnly: true }))['databases'] as Array<{ name: string }>).map((d) => d.name);
  t.deepEqual(names, ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService', 'admin', 'config', 'local']);

  // mongodump.exe, same rule: the loopback mongod's data.
  const out = path.join(scratch, 'redump');
  const d = await run(s.bin(WIN.mongodumpExe), [`--uri=mongodb://localhost:${port}/`, '--out', out]);
  t.is(d.code, 0, d.stderr);
  t.is(countBsonDocuments(path.join(out, 'AlteryxGallery', 'apps.bson')), expected['AlteryxGallery']!['apps']!);

  // shutdown outside admin is refused; on admin the process ends with exit 0 and cleans up.
  const bad = (await t.throwsAsync(c.db('AlteryxService').command({ shutdown: 1 }))) as MongoServerError;
  t.is(bad.code, 13);
  await c
    .db('admin')
    .command({ shutdown: 1 })
    .catch(() => undefined);
  t.deepEqual(await m.exited, { code: 0, signal: null });
  t.false(fs.existsSync(path.join(db, 'mongod.lock')));
  t.false(fs.existsSync(mongodRegistryFile(s.dir, port)));
  t.is(loopbackMongod(s.dir, port), undefined);
  t.is(
    m
      .stdout()
      .split('\n')
      .filter((l) => l.trim()).length,
    1,
    'with --logpath only the first line goes to stdout',
  );

  const log = logLines(t, fs.readFileSync(logpath, 'utf8'));
  const starting = log.find((l) => l.msg === 'MongoDB starting')!;
  t.like(starting, { s: 'I', c: 'CONTROL', ctx: 'initandlisten', attr: { pid: m.pid, port, dbPath: db } });
  t.like(
    log.find((l) => l.msg === 'Waiting for connections'),
    { s: 'I', c: 'NETWORK', id: 23016, attr: { port, ssl: 'off' } },
  );
  t.like(
    log.find((l) => l.msg === 'Terminating via shutdown command'),
    { c: 'COMMAND' },
  );
  t.deepEqual(
    log.slice(-2).map((l) => [l.msg, l.attr]),
    [
      ['Now exiting', undefined],
      ['Shutting down', { exitCode: 0 }],
    ],
  );
  t.false(log.some((l) => l.s === 'E' || l.s === 'F'));

  const ev = mongodEvents(s.dir);
  t.deepEqual(
    ev.map((e) => [e['kind'], e['phase'], e['port'], e['exitCode']]),
    [
      ['cli', 'start', port, undefined],
      ['cli', 'end', port, 0],
    ],
  );
  t.true(readEvents(s.dir).some((e) => e['tool'] === 'mongorestore' && e['phase'] === 'end' && e['exitCode'] === 0));
});

test("SIGTERM and SIGINT end a running mongod with exit 0, lock and registry removed; logs on stdout without --logpath; a Windows --dbpath maps to the node's drive", async (t) => {
  const s = await sandbox();
  fs.mkdirSync(s.bin('D:\\Scratch\\db'), { recursive: true });
  for (const [signal, num] of [
    ['SIGTERM', 15],
    ['SIGINT', 2],
  ] as const) {
    const port = await closedLoopbackPort();
    const m = startMongod(t, s, ['--dbpath', 'D:\\Scratch\\db\\', '--port', String(port), '--nounixsocket', '--quiet']);
    await listening(t, s, m, port);
    const db = s.bin('D:\\Scratch\\db');
    t.deepEqual(loopbackMongod(s.dir, port), { pid: m.pid, dbpath: db });
    t.true(fs.existsSync(path.join(db, 'mongod.lock')));
    const c = await driver(t, port);
    t.like(await c.db('admin').command({ ping: 1 }), { ok: 1 });
    m.child.kill(signal);
    t.deepEqual(await m.exited, { code: 0, signal: null }, signal);
    t.false(fs.existsSync(path.join(db, 'mongod.lock')), signal);
    t.false(fs.existsSync(mongodRegistryFile(s.dir, port)), signal);
    const log = logLines(t, m.stdout());
    t.like(
      log.find((l) => l.msg === 'MongoDB starting'),
      { attr: { dbPath: 'D:\\Scratch\\db\\', port } },
    );
    t.like(
      log.find((l) => l.msg === 'Received signal'),
      { ctx: 'SignalHandler', attr: { signal: num } },
    );
    t.like(log.at(-1), { msg: 'Shutting down', attr: { exitCode: 0 } });
  }
  t.deepEqual(
    mongodEvents(s.dir).map((e) => e['exitCode'] ?? e['phase']),
    ['start', 0, 'start', 0],
  );
});

test('a missing dbpath: NonExistentPath, exit 100, nothing registered', async (t) => {
  const s = await sandbox();
  const port = await closedLoopbackPort();
  const r = await run(s.bin(WIN.mongodExe), ['--dbpath', 'D:\\Drill\\missing', '--port', String(port)]);
  t.is(r.code, 100);
  const log = logLines(t, r.stdout);
  t.like(
    log.find((l) => l.s === 'E'),
    {
      c: 'CONTROL',
      attr: {
        error:
          "NonExistentPath: Data directory D:\\Drill\\missing not found. Create the missing directory or specify another path using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.",
      },
    },
  );
  t.like(log.at(-1), { msg: 'Shutting down', attr: { exitCode: 100 } });
  t.false(log.some((l) => l.msg === 'Waiting for connections'));
  t.false(fs.existsSync(mongodRegistryFile(s.dir, port)));
  t.deepEqual(
    mongodEvents(s.dir).map((e) => e['exitCode'] ?? e['phase']),
    ['start', 100],
  );
});

test('a port in use: "Error setting up listener" / "Address already in use", exit 48, the lock released', async (t) => {
  const s = await sandbox();
  const busy = net.createServer();
  await new Promise<void>((res) => busy.listen(0, '127.0.0.1', () => res()));
  t.teardown(() => void busy.close());
  const port = (busy.address() as net.AddressInfo).port;
  const db = mk('sbx-mongod-db-');
  const r = await run(s.bin(WIN.mongodExe), ['--dbpath', db, '--port', String(port)]);
  t.is(r.code, 48, r.stdout);
  const log = logLines(t, r.stdout);
  const e = log.find((l) => l.msg === 'Error setting up listener')!;
  t.is(e.s, 'E');
  t.regex(JSON.stringify(e.attr), /Address already in use/);
  t.like(log.at(-1), { msg: 'Shutting down', attr: { exitCode: 48 } });
  t.false(fs.existsSync(path.join(db, 'mongod.lock')));
  t.false(fs.existsSync(mongodRegistryFile(s.dir, port)));
});

test('a second mongod on the same dbpath: DBPathInUse, exit 100; the first keeps running', async (t) => {
  const s = await sandbox();
  const db = mk('sbx-mongod-db-');
  const port = await closedLoopbackPort();
  const first = startMongod(t, s, ['--dbpath', db, '--port', String(port)]);
  await listening(t, s, first, port);
  const port2 = await closedLoopbackPort();
  const r = await run(s.bin(WIN.mongodExe), ['--dbpath', db, '--port', String(port2)]);
  t.is(r.code, 100, r.stdout);
  const e = logLines(t, r.stdout).find((l) => l.s === 'E')!;
  t.is(
    e.attr!['error'],
    `DBPathInUse: Unable to lock the lock file: ${db}/mongod.lock (Resource temporarily unavailable). Another mongod instance is already running on the ${db} directory`,
  );
  t.is(fs.readFileSync(path.join(db, 'mongod.lock'), 'utf8').trim(), String(first.pid), 'the first one keeps its lock');
  t.false(fs.existsSync(mongodRegistryFile(s.dir, port2)));
  const c = await driver(t, port);
  t.like(await c.db('admin').command({ ping: 1 }), { ok: 1 });
  first.child.kill('SIGTERM');
  t.is((await first.exited).code, 0);
  // A lock left by a killed mongod (its pid dead) does not block the next one.
  fs.writeFileSync(path.join(db, 'mongod.lock'), `${deadPid()}\n`);
  const third = startMongod(t, s, ['--dbpath', db, '--port', String(port2)]);
  await listening(t, s, third, port2);
  third.child.kill('SIGTERM');
  t.is((await third.exited).code, 0);
  t.regex(third.stdout(), /"s":"W".*Detected unclean shutdown/);
});

test('knob mongod.failStart: the start lines, a fatal "Fatal assertion" line, exit 14, never listening', async (t) => {
  const s = await sandbox();
  setKnob(s.dir, 'mongod.failStart', 'true');
  const port = await closedLoopbackPort();
  const r = await run(s.bin(WIN.mongodExe), ['--dbpath', mk('sbx-mongod-db-'), '--port', String(port)]);
  t.is(r.code, 14, r.stdout);
  const log = logLines(t, r.stdout);
  t.true(log.findIndex((l) => l.msg === 'MongoDB starting') < log.findIndex((l) => l.msg === 'Fatal assertion'));
  t.like(
    log.find((l) => l.msg === 'Fatal assertion'),
    { s: 'F' },
  );
  t.regex(r.stdout, /"s":"F".*"msg":"Fatal assertion"/);
  t.false(log.some((l) => l.msg === 'Waiting for connections'));
  t.false(fs.existsSync(mongodRegistryFile(s.dir, port)));
  t.deepEqual(
    mongodEvents(s.dir).map((e) => e['exitCode'] ?? e['phase']),
    ['start', 14],
  );
  setKnob(s.dir, 'mongod.failStart', 'null');
  t.throws(() => setKnob(s.dir, 'mongod.failStart', '"yes"'), { message: /mongod\.failStart/ });
  t.throws(() => setKnob(s.dir, 'mongod.startSeconds', '-1'), { message: /mongod\.startSeconds/ });
  t.throws(() => setKnob(s.dir, 'mongod.nope', 'true'), { message: /mongod\.nope/ });
});

test('knob mongod.startSeconds: nothing listens before the delay, then it does', async (t) => {
  const s = await sandbox();
  // Far longer than any load can eat between the mongod opening its data folder and the checks below.
  setKnob(s.dir, 'mongod.startSeconds', '10');
  const port = await closedLoopbackPort();
  const t0 = Date.now();
  const m = startMongod(t, s, ['--dbpath', mk('sbx-mongod-db-'), '--port', String(port)]);
  // Until it has opened its data folder: the last thing it does before the delay (then it would listen).
  await waitFor('mongod to open its data folder', () => m.child.exitCode !== null || m.stdout().includes('Opening WiredTiger'), 60_000);
  t.is(m.child.exitCode, null, m.stdout());
  t.is(loopbackMongod(s.dir, port), undefined);
  const refused = await new Promise<string>((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => (sock.destroy(), resolve('connected')));
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
  t.is(refused, 'ECONNREFUSED');
  await listening(t, s, m, port, 60_000);
  t.true(Date.now() - t0 >= 10_000);
  m.child.kill('SIGTERM');
  t.is((await m.exited).code, 0);
});

test('mongorestore.exe to a loopback port nobody listens on (or a dead registration): Failed: … connection refused, exit 1', async (t) => {
  const s = await sandbox();
  const dump = await dumpOf(s);
  const live = databaseDocumentCounts(s.dir);
  const port = await closedLoopbackPort();
  const r = await run(s.bin(WIN.mongorestoreExe), [`--host=127.0.0.1`, `--port=${port}`, `--dir=${dump}`]);
  t.is(r.code, 1);
  t.regex(
    r.stderr,
    new RegExp(
      `^\\S+\\tFailed: can't create session: failed to connect to mongodb://127\\.0\\.0\\.1:${port}/: server selection error: server selection timeout, current topology: \\{ .*connection refused`,
    ),
  );
  // A registration whose process has ended is no server.
  fs.mkdirSync(path.dirname(mongodRegistryFile(s.dir, port)), { recursive: true });
  fs.writeFileSync(mongodRegistryFile(s.dir, port), JSON.stringify({ pid: deadPid(), dbpath: mk() }));
  t.is(loopbackMongod(s.dir, port), undefined);
  const again = await run(s.bin(WIN.mongorestoreExe), ['--host', 'localhost', '--port', String(port), dump]);
  t.is(again.code, 1);
  t.regex(again.stderr, /Failed: can't create session: .*connection refused/);
  const dumpRun = await run(s.bin(WIN.mongodumpExe), ['--host', '127.0.0.1', '--port', String(port), '--out', mk()]);
  t.is(dumpRun.code, 1);
  t.regex(dumpRun.stderr, /connection refused/);
  t.deepEqual(databaseDocumentCounts(s.dir), live, 'nothing was written to the live database');
});

test('knob mongorestore.fail against the loopback mongod: partial gives E11000 lines and M > 0 (exit 0), exit gives a Failed: line (exit 1)', async (t) => {
  const s = await sandbox();
  const dump = await dumpOf(s);
  const expected = total(databaseDocumentCounts(s.dir));
  const db = mk('sbx-mongod-db-');
  const port = await closedLoopbackPort();
  const m = startMongod(t, s, ['--dbpath', db, '--port', String(port)]);
  await listening(t, s, m, port);
  setKnob(s.dir, 'mongorestore.fail', 'partial');
  const partial = await run(s.bin(WIN.mongorestoreExe), ['--host', '127.0.0.1', '--port', String(port), '--dir', dump]);
  t.is(partial.code, 0);
  t.regex(partial.stderr, /continuing through error: E11000 duplicate key error collection: /);
  const sum = /\t(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\.\n$/.exec(partial.stderr)!;
  t.truthy(sum, partial.stderr);
  t.true(Number(sum[2]) > 0);
  t.is(Number(sum[1]) + Number(sum[2]), expected);
  // What the driver counts is what was restored, less than the source.
  const c = await driver(t, port);
  t.is(total(await countThroughDriver(c)), Number(sum[1]));

  setKnob(s.dir, 'mongorestore.fail', 'exit');
  const failed = await run(s.bin(WIN.mongorestoreExe), ['--host', '127.0.0.1', '--port', String(port), '--dir', dump, '--drop']);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /\tFailed: \S+: error restoring from /);
  t.regex(failed.stderr, /document\(s\) restored successfully\. \d+ document\(s\) failed to restore\.\n$/);
  m.child.kill('SIGTERM');
  t.is((await m.exited).code, 0);
});

test('--auth: the driver and mongorestore.exe need authentication and no user exists; credentials against a mongod without --auth fail too', async (t) => {
  const s = await sandbox();
  const dump = await dumpOf(s);
  const port = await closedLoopbackPort();
  const m = startMongod(t, s, ['--dbpath', mk('sbx-mongod-db-'), '--port', String(port), '--auth']);
  await listening(t, s, m, port);
  t.like(loopbackMongod(s.dir, port), { pid: m.pid, auth: true });
  const c = await driver(t, port);
  const err = (await t.throwsAsync(c.db('admin').command({ listDatabases: 1 }))) as MongoServerError;
  t.is(err.code, 13);
  const r = await run(s.bin(WIN.mongorestoreExe), ['--host', '127.0.0.1', '--port', String(port), '--dir', dump]);
  t.is(r.code, 1);
  t.regex(r.stderr, /Failed: \(Unauthorized\) command listCollections requires authentication/);
  m.child.kill('SIGTERM');
  t.is((await m.exited).code, 0);

  const port2 = await closedLoopbackPort();
  const open = startMongod(t, s, ['--dbpath', mk('sbx-mongod-db-'), '--port', String(port2)]);
  await listening(t, s, open, port2);
  const withUser = await run(s.bin(WIN.mongorestoreExe), [
    '--host',
    '127.0.0.1',
    '--port',
    String(port2),
    '-u',
    'backup',
    '-p',
    'x',
    '--authenticationDatabase',
    'admin',
    '--dir',
    dump,
  ]);
  t.is(withUser.code, 1);
  t.regex(withUser.stderr, /AuthenticationFailed/);
  open.child.kill('SIGTERM');
  t.is((await open.exited).code, 0);
});

test('command line: --version, --help, an unknown option (exit 2), a missing value (exit 2); --logpath keeps the old log unless --logappend', async (t) => {
  const s = await sandbox();
  const exe = s.bin(WIN.mongodExe);
  const v = await run(exe, ['--version']);
  t.is(v.code, 0);
  t.regex(v.stdout, /^db version v7\.0\.12\nBuild Info: \{\n/);
  const h = await run(exe, ['--help']);
  t.is(h.code, 0);
  t.regex(h.stdout, /--dbpath arg/);
  const u = await run(exe, ['--dbpath', mk(), '--replSetX', 'rs0']);
  t.is(u.code, 2);
  t.is(u.stderr, "Error parsing command line: unrecognised option '--replSetX'\ntry 'mongod --help' for more information\n");
  const miss = await run(exe, ['--port']);
  t.is(miss.code, 2);
  t.regex(miss.stderr, /the required argument for option '--port' is missing/);
  t.deepEqual(mongodEvents(s.dir), [], 'no start without valid options');

  const scratch = mk();
  const logpath = path.join(scratch, 'mongod.log');
  fs.writeFileSync(logpath, 'old\n');
  await run(exe, ['--dbpath', path.join(scratch, 'nope'), '--logpath', logpath]);
  t.false(fs.readFileSync(logpath, 'utf8').startsWith('old'));
  t.is(fs.readdirSync(scratch).filter((f) => f.startsWith('mongod.log.')).length, 1, 'the old log renamed');
  await run(exe, ['--dbpath', path.join(scratch, 'nope'), '--logpath', logpath, '--logappend']);
  t.is(fs.readFileSync(logpath, 'utf8').split('"msg":"MongoDB starting"').length, 3, 'appended');
});
