import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import {
  createSandbox,
  openSandbox,
  mapWindowsPath,
  readSandboxFile,
  databaseDocumentCounts,
  countBsonDocuments,
  alteryxServiceExecutable,
  mongoToolsPathDir,
  getServiceState,
  sandboxStatus,
  DATABASES,
  readEvents,
  type SandboxNode,
} from '../src/sandbox/index.ts';
import { useSandboxDirs } from './helpers/emulator.ts';

const mk = useSandboxDirs(test, 'sbx-create-');

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });
type Tree = Record<string, Record<string, string>>;
const settings = (file: string): Tree => (parser.parse(fs.readFileSync(file, 'utf8')) as { SystemSettings: Tree }).SystemSettings;
const w = (n: SandboxNode, dir: string, p: string) => mapWindowsPath(dir, n.root, p);

const DEFAULTS = 'C:\\Program Files\\Alteryx\\bin\\RuntimeData\\RuntimeSettings.xml';
const OVERRIDES = 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml';

test('mapWindowsPath maps drives, UNC paths and leaves POSIX paths alone', (t) => {
  const sbx = '/s';
  const root = '/s/nodes/N1';
  t.is(mapWindowsPath(sbx, '/s', 'C:\\ProgramData\\Alteryx'), '/s/C/ProgramData/Alteryx');
  t.is(mapWindowsPath(sbx, root, 'd:/Temp\\x/'), '/s/nodes/N1/D/Temp/x');
  t.is(mapWindowsPath(sbx, root, 'Z:\\AlteryxBackups'), '/s/nodes/N1/Z/AlteryxBackups');
  t.is(mapWindowsPath(sbx, root, 'C:'), '/s/nodes/N1/C');
  t.is(mapWindowsPath(sbx, root, '\\\\nas01\\AlteryxBackups\\daily'), '/s/UNC/nas01/AlteryxBackups/daily');
  t.is(mapWindowsPath(sbx, root, '//nas01/share'), '/s/UNC/nas01/share');
  t.is(mapWindowsPath(sbx, root, '\\\\?\\C:\\Long\\Path'), '/s/nodes/N1/C/Long/Path');
  t.is(mapWindowsPath(sbx, root, '\\\\?\\UNC\\nas\\s\\x'), '/s/UNC/nas/s/x');
  t.is(mapWindowsPath(sbx, root, 'C:\\a\\..\\..\\..\\etc'), '/s/nodes/N1/C/etc', 'never climbs above the drive');
  t.is(mapWindowsPath(sbx, root, '/tmp/x/../y'), '/tmp/y');
  t.is(mapWindowsPath(sbx, root, 'rel/dir'), path.resolve('rel/dir'));
});

test('single-node embedded sandbox: tree, settings, keys, engine files, data', async (t) => {
  const dir = mk();
  const t0 = Date.now();
  const info = await createSandbox(dir);
  t.log(`create 4 MB (the default size): ${Date.now() - t0} ms`);
  t.deepEqual(info, openSandbox(dir));
  t.is(info.topology, 'single');
  t.is(info.mongo, 'embedded');
  t.is(info.version, '2023.1.1.281');
  t.deepEqual(info.nodes, [{ name: 'ALTERYX01', role: 'controller', root: dir }]);
  const n = info.nodes[0]!;
  const exe = w(n, dir, 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe');
  t.is(alteryxServiceExecutable(dir, 'alteryx01'), exe);
  t.is(fs.statSync(exe).mode & 0o777, 0o755);
  t.regex(
    fs.readFileSync(exe, 'utf8'),
    /^#!\/bin\/sh\n[\s\S]*exec '.*node.*' '.*sandbox-emulator\.mjs' AlteryxService --sandbox '.*' --node 'ALTERYX01' "\$@"\n$/,
  );

  const defaults = settings(w(n, dir, DEFAULTS));
  t.deepEqual(Object.keys(defaults), ['Controller', 'Engine', 'Environment', 'Gallery', 'Designer', 'Service', 'Worker']);
  t.is(defaults.Controller!.EmbeddedMongoDBEnabled, 'True');
  t.is(defaults.Controller!.EmbeddedMongoDBRootPath, 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB');
  t.is(defaults.Controller!.EmbeddedMongoDBPort, '27018');
  t.is(defaults.Controller!.EmbeddedMongoDBDatabaseName, 'AlteryxService');
  // element order kept from the reference: EmbeddedMongoDBRootPath still sits between ReplSetName and ServerName
  const keys = Object.keys(defaults.Controller!);
  t.is(keys.indexOf('EmbeddedMongoDBRootPath'), keys.indexOf('EmbeddedMongoDBReplSetName') + 1);

  const overrides = settings(w(n, dir, OVERRIDES));
  t.is(overrides.Controller!.ControllerEnabled, 'True');
  t.is(overrides.Controller!.GalleryEnabled, 'True');
  t.is(overrides.Controller!.EmbeddedMongoDBEnabled, 'True');
  t.truthy(overrides.Controller!.ServerSecretEncrypted);
  t.is(overrides.Engine!.NumThreads, '2');
  t.is(overrides.Environment!.WorkerEnabled, 'True');

  const keysDir = w(n, dir, 'C:\\ProgramData\\Alteryx\\Keys');
  const keyFiles = fs.readdirSync(keysDir);
  t.true(keyFiles.length >= 2);
  for (const k of keyFiles) t.true(fs.statSync(path.join(keysDir, k)).size > 0);
  for (const f of ['SystemAlias.xml', 'SystemConnections.xml']) {
    const xml = fs.readFileSync(w(n, dir, `C:\\ProgramData\\Alteryx\\Engine\\${f}`), 'utf8');
    t.notThrows(() => parser.parse(xml));
    t.regex(xml, /^<\?xml/);
  }

  // embedded MongoDB data folder: three databases of real BSON
  const data = w(n, dir, 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB');
  t.deepEqual(fs.readdirSync(data).sort(), [...DATABASES].sort());
  const counts = databaseDocumentCounts(dir);
  t.deepEqual(Object.keys(counts).sort(), [...DATABASES].sort());
  for (const c of ['apps', 'users', 'collections', 'subscriptions', 'auditEvents']) t.true(counts.AlteryxGallery![c]! > 0, c);
  for (const c of ['AS_Applications', 'AS_Queue', 'AS_Results', 'AS_Schedules']) t.true(counts.AlteryxService![c]! > 0, c);
  t.true(Object.keys(counts.AlteryxGallery_Lucene!).length >= 2);
  t.is(countBsonDocuments(path.join(data, 'AlteryxGallery', 'apps.bson')), counts.AlteryxGallery!.apps!);
  let bytes = 0;
  for (const db of DATABASES) for (const f of fs.readdirSync(path.join(data, db))) bytes += fs.statSync(path.join(data, db, f)).size;
  t.true(bytes > 3.6 * 1024 * 1024 && bytes < 5.2 * 1024 * 1024, `size ${bytes}`);

  // sandbox.json
  const f = readSandboxFile(dir);
  t.is(f.formatVersion, 1);
  t.regex(f.secrets.controllerToken, /^[0-9A-F]{64}$/);
  t.regex(f.secrets.mongoAdminPassword, /^\S{16,}$/);
  t.not(f.secrets.mongoAdminPassword, f.secrets.mongoNonAdminPassword);
  t.deepEqual(f.knobs, {});
  t.is(getServiceState(dir, 'ALTERYX01'), 'Running');
  t.deepEqual(sandboxStatus(dir), { path: dir, nodes: [{ name: 'ALTERYX01', role: 'controller', service: 'Running', workflows: [] }] });
  for (const tool of ['mongodump', 'mongorestore']) t.is(fs.statSync(path.join(mongoToolsPathDir(dir), tool)).mode & 0o777, 0o755);
  t.is(readEvents(dir)[0]!['kind'], 'sandbox');
  // the secrets never appear in the settings files
  const allXml = fs.readFileSync(w(n, dir, OVERRIDES), 'utf8') + fs.readFileSync(w(n, dir, DEFAULTS), 'utf8');
  t.false(allXml.includes(f.secrets.controllerToken));
});

test('alteryx.config: 2020.1+ under bin\\server\\config, 2019.4 under bin\\config; mtime = install time unless modified', async (t) => {
  const newer = mk();
  await createSandbox(newer, { version: '2023.1' });
  const n1 = openSandbox(newer).nodes[0]!;
  const cfg2023 = w(n1, newer, 'C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config');
  t.true(fs.existsSync(cfg2023));
  t.false(fs.existsSync(w(n1, newer, 'C:\\Program Files\\Alteryx\\bin\\config\\alteryx.config')));
  const installMs = Date.parse(readSandboxFile(newer).installedAt);
  const exe = w(n1, newer, 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe');
  const defaults = w(n1, newer, DEFAULTS);
  t.is(fs.statSync(cfg2023).mtimeMs, installMs);
  t.is(fs.statSync(exe).mtimeMs, installMs);
  t.is(fs.statSync(defaults).mtimeMs, installMs);

  const older = mk();
  const info = await createSandbox(older, { version: '2019.4', modifiedConfig: true });
  t.is(info.version, '2019.4.8.22007');
  const n2 = info.nodes[0]!;
  const cfg2019 = w(n2, older, 'C:\\Program Files\\Alteryx\\bin\\config\\alteryx.config');
  t.true(fs.existsSync(cfg2019));
  t.false(fs.existsSync(w(n2, older, 'C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config')));
  t.true(fs.statSync(cfg2019).mtimeMs > Date.parse(readSandboxFile(older).installedAt));
  t.is(fs.statSync(w(n2, older, DEFAULTS)).mtimeMs, Date.parse(readSandboxFile(older).installedAt));
  t.regex(readSandboxFile(older).secrets.controllerToken, /^[0-9A-F]{40}$/, '40-char token before 2021.4');
});

test('token length: 64 from 2021.4, 40 before', async (t) => {
  const a = mk();
  await createSandbox(a, { version: '2021.4', dbSizeMb: 0.2 });
  t.is(readSandboxFile(a).secrets.controllerToken.length, 64);
  const b = mk();
  await createSandbox(b, { version: '2021.3.3.63061', dbSizeMb: 0.2 });
  t.is(readSandboxFile(b).secrets.controllerToken.length, 40);
  t.is(openSandbox(b).version, '2021.3.3.63061');
});

test('multi-node embedded: controller, two workers pointing at it, a UI node; each with its own tree and service', async (t) => {
  const dir = mk();
  const info = await createSandbox(dir, { topology: 'multi', dbSizeMb: 0.5 });
  t.deepEqual(
    info.nodes.map((n) => [n.name, n.role, path.relative(dir, n.root)]),
    [
      ['ALTERYX-CTRL', 'controller', ''],
      ['ALTERYX-WKR1', 'worker', path.join('nodes', 'ALTERYX-WKR1')],
      ['ALTERYX-WKR2', 'worker', path.join('nodes', 'ALTERYX-WKR2')],
      ['ALTERYX-UI1', 'ui', path.join('nodes', 'ALTERYX-UI1')],
    ],
  );
  const [ctrl, wkr1, wkr2, ui] = info.nodes as [SandboxNode, SandboxNode, SandboxNode, SandboxNode];
  for (const n of info.nodes) {
    t.true(fs.existsSync(alteryxServiceExecutable(dir, n.name)), n.name);
    t.true(fs.existsSync(w(n, dir, OVERRIDES)));
    t.true(fs.existsSync(w(n, dir, DEFAULTS)));
    t.true(fs.readdirSync(w(n, dir, 'C:\\ProgramData\\Alteryx\\Keys')).length > 0);
    t.true(fs.existsSync(w(n, dir, 'C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml')));
    t.is(getServiceState(dir, n.name), 'Running');
  }
  t.is(settings(w(ctrl, dir, DEFAULTS)).Controller!.EmbeddedMongoDBEnabled, 'True');
  t.is(settings(w(wkr1, dir, DEFAULTS)).Controller!.EmbeddedMongoDBEnabled, 'False');
  for (const wk of [wkr1, wkr2]) {
    const o = settings(w(wk, dir, OVERRIDES));
    t.is(o.Worker!.UseLocalServer, 'False');
    t.is(o.Worker!.ServerName, 'ALTERYX-CTRL');
    t.is(o.Controller!.ControllerEnabled, 'False');
    t.is(o.Environment!.WorkerEnabled, 'True');
  }
  const u = settings(w(ui, dir, OVERRIDES));
  t.is(u.Controller!.GalleryEnabled, 'True');
  t.is(u.Controller!.ControllerEnabled, 'False');
  // the data lives on the controller only
  t.true(fs.existsSync(w(ctrl, dir, 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB\\AlteryxService')));
  t.false(fs.existsSync(w(wkr1, dir, 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB')));
  t.is(sandboxStatus(dir).nodes.length, 4);
  // the controller's shim and a worker's shim name their own node
  t.regex(fs.readFileSync(alteryxServiceExecutable(dir, 'ALTERYX-WKR2'), 'utf8'), /--node 'ALTERYX-WKR2'/);
});

test('self-managed sandbox: settings name the external MongoDB, data in mongo-server, credentials in sandbox.json', async (t) => {
  const dir = mk();
  const info = await createSandbox(dir, { mongo: 'self-managed', dbSizeMb: 0.5 });
  const n = info.nodes[0]!;
  const o = settings(w(n, dir, OVERRIDES));
  t.is(o.Controller!.EmbeddedMongoDBEnabled, 'False');
  t.is(o.Controller!.MongoDBEnabled, 'True');
  t.is(o.Controller!.MongoDBServerName, 'mongo01:27017');
  t.is(o.Controller!.MongoDBDatabaseName, 'AlteryxService');
  t.regex(o.Gallery!.MongoDBWebConnection!, /^mongodb:\/\/backup@mongo01:27017\/AlteryxGallery\?authSource=admin/);
  t.is(o.Gallery!.MongoDBWebDatabaseName, 'AlteryxGallery');
  t.is(o.Gallery!.MongoDBSearchDatabaseName, 'AlteryxGallery_Lucene');
  const f = readSandboxFile(dir);
  t.like(f.selfManaged, { host: 'mongo01', port: 27017, username: 'backup', authDatabase: 'admin', replicaSet: 'rs0' });
  t.true(f.selfManaged!.password.length >= 12);
  t.false(fs.readFileSync(w(n, dir, OVERRIDES), 'utf8').includes(f.selfManaged!.password), 'the password is never in the settings');
  t.deepEqual(fs.readdirSync(path.join(dir, 'mongo-server')).sort(), [...DATABASES].sort());
  t.false(fs.existsSync(w(n, dir, 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB')));
  t.true(Object.keys(databaseDocumentCounts(dir).AlteryxService!).length === 4);
});

test('multi-node self-managed: every node reads the external MongoDB', async (t) => {
  const dir = mk();
  const info = await createSandbox(dir, { topology: 'multi', mongo: 'self-managed', dbSizeMb: 0.3 });
  t.is(info.nodes.length, 4);
  const ctrl = settings(w(info.nodes[0]!, dir, OVERRIDES));
  t.is(ctrl.Controller!.MongoDBEnabled, 'True');
  const ui = settings(w(info.nodes[3]!, dir, OVERRIDES));
  t.regex(ui.Gallery!.MongoDBWebConnection!, /mongo01:27017/);
});

test('createSandbox refuses a non-empty folder, an existing sandbox without force, bad options', async (t) => {
  const dir = mk();
  fs.writeFileSync(path.join(dir, 'precious.txt'), 'x');
  const e1 = await t.throwsAsync(createSandbox(dir), { instanceOf: BackupError });
  t.is(e1.exitCode, ExitCode.Validation);
  t.true(e1.message.includes(dir));
  t.true(fs.existsSync(path.join(dir, 'precious.txt')));
  await t.throwsAsync(createSandbox(dir, { force: true }), { instanceOf: BackupError }, 'force never deletes a non-sandbox');

  const sbx = mk();
  await createSandbox(sbx, { dbSizeMb: 0.2 });
  const token = readSandboxFile(sbx).secrets.controllerToken;
  const e2 = await t.throwsAsync(createSandbox(sbx), { instanceOf: BackupError });
  t.regex(e2.message, /already holds a sandbox/);
  await createSandbox(sbx, { force: true, dbSizeMb: 0.2, version: '2019.4' });
  t.not(readSandboxFile(sbx).secrets.controllerToken, token);
  t.is(openSandbox(sbx).version, '2019.4.8.22007');

  for (const bad of [{ topology: 'triple' }, { mongo: 'atlas' }, { dbSizeMb: -1 }, { version: 'latest' }] as never[]) {
    const e = await t.throwsAsync(createSandbox(mk(), bad), { instanceOf: BackupError });
    t.is(e.exitCode, ExitCode.Validation);
  }
});

test('openSandbox names the folder when it is not a sandbox', (t) => {
  const dir = mk();
  const e = t.throws(() => openSandbox(dir), { instanceOf: BackupError });
  t.is(e.exitCode, ExitCode.Validation);
  t.true(e.message.includes(dir));
  fs.writeFileSync(path.join(dir, 'sandbox.json'), '{"hello":1}');
  t.throws(() => openSandbox(dir), { instanceOf: BackupError, message: /not an Alteryx sandbox/ });
});

test('countBsonDocuments throws on a truncated or corrupt file, naming it', async (t) => {
  const dir = mk();
  await createSandbox(dir, { dbSizeMb: 0.2 });
  const data = path.join(dir, 'C', 'ProgramData', 'Alteryx', 'Service', 'Persistence', 'MongoDB', 'AlteryxGallery', 'users.bson');
  const buf = fs.readFileSync(data);
  const cut = path.join(dir, 'cut.bson');
  fs.writeFileSync(cut, buf.subarray(0, buf.length - 10));
  const e = t.throws(() => countBsonDocuments(cut), { instanceOf: BackupError });
  t.true(e.message.includes(cut));
  const junk = path.join(dir, 'junk.bson');
  fs.writeFileSync(junk, Buffer.from('this is not bson at all, not even close'));
  t.throws(() => countBsonDocuments(junk), { message: /junk\.bson/ });
  const empty = path.join(dir, 'empty.bson');
  fs.writeFileSync(empty, '');
  t.is(countBsonDocuments(empty), 0);
});

test('a 50 MB sandbox is generated at about the requested size (its time is logged; npm run bench measures it)', async (t) => {
  const dir = mk();
  const t0 = Date.now();
  await createSandbox(dir, { dbSizeMb: 50 });
  const ms = Date.now() - t0;
  t.log(`create 50 MB: ${ms} ms`);
  const data = path.join(dir, 'C', 'ProgramData', 'Alteryx', 'Service', 'Persistence', 'MongoDB');
  let bytes = 0;
  for (const db of DATABASES) for (const f of fs.readdirSync(path.join(data, db))) bytes += fs.statSync(path.join(data, db, f)).size;
  t.true(Math.abs(bytes - 50 * 1024 * 1024) < 3 * 1024 * 1024, `size ${bytes}`);
});
