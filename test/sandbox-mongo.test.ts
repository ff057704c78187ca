import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { BSON } from 'bson';
import {
  createSandbox,
  mongoToolsPathDir,
  readSandboxFile,
  databaseDocumentCounts,
  countBsonDocuments,
  setKnob,
  readEvents,
  mongoServerDir,
} from '../src/sandbox/index.ts';
import { run, useSandboxDirs } from './helpers/emulator.ts';

const mk = useSandboxDirs(test, 'sbx-mongo-');

interface Ctx {
  dir: string;
  bin: string;
  user: string;
  pw: string;
  config: string;
  uri: string;
  work: string;
}
async function selfManaged(opts: Parameters<typeof createSandbox>[1] = {}): Promise<Ctx> {
  const dir = mk();
  await createSandbox(dir, { mongo: 'self-managed', dbSizeMb: 0.3, ...opts });
  const sm = readSandboxFile(dir).selfManaged!;
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  const config = path.join(work, 'mongo.yaml');
  fs.writeFileSync(config, `password: "${sm.password}"\n`, { mode: 0o600 });
  return {
    dir,
    bin: mongoToolsPathDir(dir),
    user: sm.username,
    pw: sm.password,
    config,
    uri: `mongodb://${sm.username}@${sm.host}:${sm.port}/?authSource=${sm.authDatabase}&replicaSet=${sm.replicaSet}`,
    work,
  };
}
const tool = (c: Ctx, name: 'mongodump' | 'mongorestore') => path.join(c.bin, name);
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000\t/;
const sumCounts = (c: Record<string, Record<string, number>>) => Object.values(c).reduce((n, x) => n + Object.values(x).reduce((a, b) => a + b, 0), 0);

function folderCounts(folder: string, gz = false): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const ext = gz ? '.bson.gz' : '.bson';
  for (const db of fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)) {
    for (const f of fs.readdirSync(path.join(folder, db))) {
      if (f.endsWith(ext)) (out[db] ??= {})[f.slice(0, -ext.length)] = countBsonDocuments(path.join(folder, db, f));
    }
  }
  return out;
}

test('mongodump with --host/--port/--username/--config (YAML password) writes the dump; progress on stderr', async (t) => {
  const c = await selfManaged();
  const out = path.join(c.work, 'dump');
  const t0 = Date.now();
  const r = await run(tool(c, 'mongodump'), [
    '--host',
    'mongo01',
    '--port',
    '27017',
    '--username',
    c.user,
    '--authenticationDatabase',
    'admin',
    '--config',
    c.config,
    '--out',
    out,
  ]);
  t.log(`mongodump 0.3 MB: ${Date.now() - t0} ms`);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '');
  const truth = databaseDocumentCounts(c.dir);
  t.deepEqual(folderCounts(out), truth);
  const lines = r.stderr.trim().split('\n');
  t.true(lines.every((l) => STAMP.test(l)));
  t.true(lines.some((l) => l.endsWith(`\twriting AlteryxGallery.apps to ${path.join(out, 'AlteryxGallery', 'apps.bson')}`)));
  t.true(lines.some((l) => l.endsWith(`\tdone dumping AlteryxGallery.apps (${truth.AlteryxGallery!.apps} documents)`)));
  t.true(fs.existsSync(path.join(out, 'AlteryxService', 'AS_Queue.metadata.json')));
  // the password never reaches the event log
  t.false(fs.readFileSync(path.join(c.dir, 'events.jsonl'), 'utf8').includes(c.pw));
  t.true(readEvents(c.dir).some((e) => e['tool'] === 'mongodump' && e['exitCode'] === 0));
});

test('mongodump --uri with the password in the URI, --db, and --gzip output that decompresses to valid BSON', async (t) => {
  const c = await selfManaged();
  const out = path.join(c.work, 'gz');
  const uri = c.uri.replace(`${c.user}@`, `${c.user}:${encodeURIComponent(c.pw)}@`);
  const r = await run(tool(c, 'mongodump'), [`--uri=${uri}`, '--gzip', '--db', 'AlteryxGallery', `--out=${out}`]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(fs.readdirSync(out), ['AlteryxGallery']);
  const apps = path.join(out, 'AlteryxGallery', 'apps.bson.gz');
  t.true(fs.existsSync(apps));
  const raw = zlib.gunzipSync(fs.readFileSync(apps));
  const first = BSON.deserialize(raw.subarray(0, raw.readInt32LE(0)));
  t.truthy(first['name']);
  const meta = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(out, 'AlteryxGallery', 'apps.metadata.json.gz'))).toString());
  t.is(meta.collectionName, 'apps');
  t.deepEqual(folderCounts(out, true), { AlteryxGallery: databaseDocumentCounts(c.dir).AlteryxGallery });
  t.regex(r.stderr, /\twriting AlteryxGallery\.apps to .*apps\.bson\.gz\n/);
});

test('bad credentials: AuthenticationFailed message, exit 1', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  const bad = path.join(c.work, 'bad.yaml');
  fs.writeFileSync(bad, 'password: wrong\n');
  for (const args of [
    ['--host', 'mongo01:27017', '--username', c.user, '--config', bad, '--out', path.join(c.work, 'x')],
    ['--uri', c.uri.replace(`${c.user}@`, `${c.user}:nope@`), '--out', path.join(c.work, 'x')],
    ['--host', 'mongo01', '-u', 'someoneelse', '--config', c.config, '--out', path.join(c.work, 'x')],
    ['--host', 'mongo01', '-u', c.user, '--config', c.config, '--authenticationDatabase', 'AlteryxGallery', '--out', path.join(c.work, 'x')],
  ]) {
    const r = await run(tool(c, 'mongodump'), args);
    t.is(r.code, 1, args.join(' '));
    t.regex(
      r.stderr,
      /^\S+\tFailed: can't create session: failed to connect to mongodb:\/\/mongo01:27017\/: connection\(\) error occurred during connection handshake: auth error: .*\(AuthenticationFailed\) Authentication failed\.\n$/,
    );
  }
  t.false(fs.existsSync(path.join(c.work, 'x')));
  const noAuth = await run(tool(c, 'mongodump'), ['--host', 'mongo01', '--out', path.join(c.work, 'x')]);
  t.is(noAuth.code, 1);
  t.regex(noAuth.stderr, /requires authentication/);
});

test('unreachable host or knob mongo.unreachable: server selection error, exit 1', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  const r = await run(tool(c, 'mongodump'), ['--host', 'mongo09:27017', '-u', c.user, '--config', c.config, '--out', path.join(c.work, 'x')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /\tFailed: can't create session: failed to connect to mongodb:\/\/mongo09:27017\/: server selection error: server selection timeout/);
  const wrongPort = await run(tool(c, 'mongodump'), [
    '--host',
    'mongo01',
    '--port',
    '27018',
    '-u',
    c.user,
    '--config',
    c.config,
    '--out',
    path.join(c.work, 'x'),
  ]);
  t.is(wrongPort.code, 1);
  t.regex(wrongPort.stderr, /server selection error/);
  setKnob(c.dir, 'mongo.unreachable', 'true');
  const k = await run(tool(c, 'mongodump'), ['--host', 'mongo01', '-u', c.user, '--config', c.config, '--out', path.join(c.work, 'x')]);
  t.is(k.code, 1);
  t.regex(k.stderr, /server selection error/);
  const rr = await run(tool(c, 'mongorestore'), ['--host', 'mongo01', '-u', c.user, '--config', c.config, path.join(c.work, 'x')]);
  t.is(rr.code, 1);
  t.regex(rr.stderr, /server selection error/);
});

test('mongodump.fail=exit: a Failed: line after a partial dump, exit 1', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  setKnob(c.dir, 'mongodump.fail', 'exit');
  const out = path.join(c.work, 'dump');
  const r = await run(tool(c, 'mongodump'), ['--host', 'mongo01', '-u', c.user, '--config', c.config, '--out', out]);
  t.is(r.code, 1);
  t.regex(r.stderr, /\tFailed: error writing data for collection `[^`]+` to disk/);
  t.true(sumCounts(folderCounts(out)) < sumCounts(databaseDocumentCounts(c.dir)));
});

test('archive round trip: mongodump --archive --gzip then mongorestore --archive --gzip --drop', async (t) => {
  const c = await selfManaged();
  const archive = path.join(c.work, 'all.archive.gz');
  const truth = databaseDocumentCounts(c.dir);
  const d = await run(tool(c, 'mongodump'), ['--uri', c.uri, '--config', c.config, `--archive=${archive}`, '--gzip', '--oplog']);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, new RegExp(`\\twriting AlteryxService\\.AS_Queue to archive '${archive.replace(/[.]/g, '\\.')}'`));
  const magic = zlib.gunzipSync(fs.readFileSync(archive)).readUInt32LE(0);
  t.is(magic, 0x8199e26d);
  fs.rmSync(mongoServerDir(c.dir), { recursive: true });
  const r = await run(tool(c, 'mongorestore'), ['--uri', c.uri, '--config', c.config, `--archive=${archive}`, '--gzip', '--drop']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(databaseDocumentCounts(c.dir), truth);
  const last = r.stderr.trim().split('\n').pop()!;
  t.regex(last, new RegExp(`^\\S+\\t${sumCounts(truth)} document\\(s\\) restored successfully\\. 0 document\\(s\\) failed to restore\\.$`));
});

test('mongorestore from a folder: without --drop duplicates fail (E11000); with --drop it replaces', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  const out = path.join(c.work, 'dump');
  t.is((await run(tool(c, 'mongodump'), ['--uri', c.uri, '--config', c.config, '--out', out, '--gzip'])).code, 0);
  const truth = databaseDocumentCounts(c.dir);
  const total = sumCounts(truth);
  const dup = await run(tool(c, 'mongorestore'), ['--uri', c.uri, '--config', c.config, '--gzip', out]);
  t.is(dup.code, 0);
  t.regex(dup.stderr, /E11000 duplicate key error collection/);
  t.regex(dup.stderr, new RegExp(`\\t0 document\\(s\\) restored successfully\\. ${total} document\\(s\\) failed to restore\\.\\n$`));
  const ok = await run(tool(c, 'mongorestore'), ['--uri', c.uri, '--config', c.config, '--gzip', '--drop', `--dir=${out}`, '--nsInclude', 'AlteryxService.*']);
  t.is(ok.code, 0, ok.stderr);
  t.regex(
    ok.stderr,
    new RegExp(`\\t${sumCounts({ s: truth.AlteryxService! })} document\\(s\\) restored successfully\\. 0 document\\(s\\) failed to restore\\.\\n$`),
  );
  t.deepEqual(databaseDocumentCounts(c.dir), truth);
  const missing = await run(tool(c, 'mongorestore'), ['--uri', c.uri, '--config', c.config, path.join(c.work, 'nope')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /Failed: mongorestore target/);
});

test('mongorestore.fail=partial reports failed documents; options errors exit 1; --version', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  const out = path.join(c.work, 'dump');
  t.is((await run(tool(c, 'mongodump'), ['--uri', c.uri, '--config', c.config, '--out', out])).code, 0);
  setKnob(c.dir, 'mongorestore.fail', 'partial');
  const r = await run(tool(c, 'mongorestore'), ['--uri', c.uri, '--config', c.config, '--drop', out]);
  const m = /(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\./.exec(r.stderr)!;
  t.true(Number(m[1]) > 0 && Number(m[2]) > 0);
  const bad = await run(tool(c, 'mongodump'), ['--frobnicate']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /error parsing command line options: unknown option "frobnicate"/);
  const v = await run(tool(c, 'mongodump'), ['--version']);
  t.regex(v.stdout, /^mongodump version: 100\./);
});

test('mongodump on an embedded sandbox finds no server (no self-managed MongoDB)', async (t) => {
  const dir = mk();
  await createSandbox(dir, { dbSizeMb: 0.1 });
  const r = await run(path.join(mongoToolsPathDir(dir), 'mongodump'), ['--host', 'mongo01', '-u', 'backup', '-p', 'x', '--out', path.join(dir, 'x')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /server selection error/);
});

test('mongodump.seconds: the dump takes that long', async (t) => {
  const c = await selfManaged({ dbSizeMb: 0.1 });
  setKnob(c.dir, 'mongodump.seconds', '1');
  const t0 = Date.now();
  const r = await run(tool(c, 'mongodump'), ['--uri', c.uri, '--config', c.config, '--out', path.join(c.work, 'slow')]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const first = Date.parse(lines[0]!.split('\t')[0]!.replace('+0000', 'Z'));
  const last = Date.parse(lines[lines.length - 1]!.split('\t')[0]!.replace('+0000', 'Z'));
  t.true(last - first >= 900, `progress spans ${last - first} ms`);
  t.true(Date.now() - t0 >= 1000);
});
