// Node roles and persistence types end to end (issue 13): sandboxes created as a worker, with SQL Server or
// SQLite persistence, or with an encrypted advanced connection string, backed up through the bundled CLI
// (real child processes); the archive is opened with an independent reader, events.jsonl says what ran.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapWindowsPath, openSandbox, readEvents, readSandboxFile, WIN } from '../src/sandbox/index.ts';
import { setSetting } from '../src/sandbox/settings-xml.ts';
import { runCli } from './helpers/cli.ts';
import { backupOf, configHashes, zipEntries } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

async function sandbox(t: import('ava').ExecutionContext, args: string[]) {
  const root = tempDir(t, 'ab-rp-');
  const dir = join(root, 'server');
  const c = await runCli(['sandbox', 'create', dir, ...args]);
  if (c.code !== 0) throw new Error(`sandbox create failed: ${c.stderr}`);
  for (const k of ['service.stopSeconds=0.2', 'service.startSeconds=0.2']) await runCli(['sandbox', 'set', dir, k]);
  const config = join(root, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      ServiceConfiguration: { PollIntervalSeconds: 0.05 },
      ValidationConfiguration: { MinimumBackupSizeMB: { Full: 0.001, DatabaseOnly: 0.001, ConfigOnly: 0.001 } },
    }),
  );
  return { dir, config, create: c };
}

const backup = (s: { dir: string; config: string }, mode: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(['backup', '--mode', mode, '--sandbox', s.dir, '--config', s.config, '--json'], { env });
const emongodumps = (dir: string) => readEvents(dir).filter((e) => e['tool'] === 'AlteryxService' && /emongo(dump|restore)/.test(String(e['command'])));
const serviceChanges = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const logText = (r: { result?: Record<string, unknown> }) => readFileSync(String(r.result!['logPath']), 'utf8');

test('a sandbox whose RuntimeSettings.xml is a worker\'s is backed up as a worker: no emongodump, no service stopped, role "worker" in metadata.json and the log', async (t) => {
  const s = await sandbox(t, ['--role', 'worker']);
  t.regex(s.create.stdout, /single worker/);
  const overrides = readFileSync(mapWindowsPath(s.dir, openSandbox(s.dir).nodes[0]!.root, WIN.overridesXml), 'utf8');
  t.regex(overrides, /<ControllerEnabled>False<\/ControllerEnabled>/);
  t.regex(overrides, /<ServerName>ctl01:80<\/ServerName>/);
  const before = serviceChanges(s.dir).length;
  const r = await backup(s, 'Full');
  t.is(r.code, 0, r.stdout.slice(-3000));
  t.deepEqual(emongodumps(s.dir), [], 'no emongodump on a worker');
  t.is(serviceChanges(s.dir).length, before, 'the worker stops nothing (and no controller it does not own)');
  const entries = await zipEntries(String(r.result!['archivePath']));
  const meta = JSON.parse(entries.get('metadata.json')!.toString('utf8'));
  t.is(meta.nodes[0].role, 'worker');
  t.is(meta.nodes[0].detectedRole, 'worker');
  t.false(meta.nodes[0].controllerEnabled);
  t.false(
    [...entries.keys()].some((k) => k.startsWith('MongoDB/') || k.startsWith('Secrets/')),
    [...entries.keys()].join(', '),
  );
  t.true([...entries.keys()].some((k) => /RuntimeSettings\.xml$/.test(k)));
  t.true([...entries.keys()].some((k) => /Keys\//.test(k)));
  const log = logText(r);
  t.regex(log, /Nodes: ALTERYX-WKR1 \(worker, from RuntimeSettings\.xml: Controller\/ControllerEnabled = False/);
  t.regex(log, /role worker/);
  t.true((r.result!['warnings'] as string[]).some((w) => /worker .*backed up on the controller ctl01:80/.test(w)));
  const db = await backup(s, 'DatabaseOnly');
  t.is(db.code, 3, db.stdout.slice(-2000));
  t.regex(String(db.result!['message']), /is a worker .*holds no Alteryx database/);
  t.deepEqual(emongodumps(s.dir), []);
});

test('SQL Server persistence: Full backs up files, keys and secrets with a warning naming what is not included; DatabaseOnly is exit 3; never an emongodump', async (t) => {
  const s = await sandbox(t, ['--persistence', 'sqlserver']);
  t.is(readSandboxFile(s.dir).version.slice(0, 6), '2024.1');
  const r = await backup(s, 'Full');
  t.is(r.code, 0, r.stdout.slice(-3000));
  const warnings = r.result!['warnings'] as string[];
  t.true(
    warnings.some((w) => /SQL Server database .*files, keys and secrets, NOT the database.*SQL Server's own tools/.test(w)),
    warnings.join('\n'),
  );
  const keys = [...(await zipEntries(String(r.result!['archivePath']))).keys()];
  t.true(keys.includes('Secrets/ControllerToken.txt'));
  t.false(keys.includes('Secrets/MongoPasswords.txt'), 'no MongoDB passwords to export');
  t.false(keys.some((k) => k.startsWith('MongoDB/')));
  t.regex(logText(r), /Persistence: sqlServer \(decided by Controller\/SQLServerEnabled = True \(overrides file\)\)/);
  const db = await backup(s, 'DatabaseOnly');
  t.is(db.code, 3);
  t.regex(String(db.result!['message']), /SQL Server database .*DatabaseOnly backup cannot back it up/);
  t.deepEqual(emongodumps(s.dir), [], 'no AlteryxService.exe emongodump call in events.jsonl');
  t.false(readEvents(s.dir).some((e) => e['tool'] === 'AlteryxService' && e['command'] === 'getemongopassword'));
});

test('SQLite persistence (an old release): Full warns naming the SQLite file; no emongodump', async (t) => {
  const s = await sandbox(t, ['--persistence', 'sqlite']);
  const r = await backup(s, 'Full');
  t.is(r.code, 0, r.stdout.slice(-3000));
  t.true((r.result!['warnings'] as string[]).some((w) => /SQLite database C:\\ProgramData\\Alteryx\\Service\\Persistence\\SQLite\\Alteryx\.db/.test(w)));
  t.regex(logText(r), /Persistence: sqlite \(decided by Controller\/SQLitePath = /);
  t.deepEqual(emongodumps(s.dir), []);
});

test('an encrypted advanced connection string is named as such with how to supply the plain one (exit 3, nothing stopped)', async (t) => {
  const s = await sandbox(t, ['--mongo', 'self-managed']);
  const file = mapWindowsPath(s.dir, openSandbox(s.dir).nodes[0]!.root, WIN.overridesXml);
  let xml = readFileSync(file, 'utf8');
  xml = setSetting(xml, 'Controller', 'AdvancedMongoConnectionEncrypted', 'AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA');
  xml = setSetting(xml, 'Gallery', 'MongoDBWebOverride', 'False');
  writeFileSync(file, xml);
  const before = serviceChanges(s.dir).length;
  const r = await backup(s, 'DatabaseOnly', { ALTERYXBACKUP_MONGO_PASSWORD: readSandboxFile(s.dir).selfManaged!.password });
  t.is(r.code, 3, r.stdout.slice(-2000));
  t.regex(String(r.result!['message']), /stored encrypted in RuntimeSettings\.xml \(Controller\/AdvancedMongoConnectionEncrypted/);
  t.regex(r.stdout, /-MongoConnectionString/);
  t.is(serviceChanges(s.dir).length, before);
});

test('a --mongo self-managed sandbox prints its MongoDB credentials at creation, and sandbox status shows them', async (t) => {
  const s = await sandbox(t, ['--mongo', 'self-managed']);
  const pw = readSandboxFile(s.dir).selfManaged!.password;
  t.regex(s.create.stdout, new RegExp(`user backup, password ${pw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, authSource admin`));
  t.regex(s.create.stdout, /ALTERYXBACKUP_MONGO_PASSWORD=/);
  const st = await runCli(['sandbox', 'status', s.dir]);
  t.true(st.stdout.includes(`password ${pw}`), st.stdout);
  const js = await runCli(['sandbox', 'status', s.dir, '--json']);
  t.is(JSON.parse(js.stdout).mongoCredentials.password, pw);
  // What it prints works: the first backup with that password passes.
  const r = await backup(s, 'DatabaseOnly', { ALTERYXBACKUP_MONGO_PASSWORD: pw });
  t.is(r.code, 0, r.stdout.slice(-2000));
  // An embedded sandbox has none to show.
  const e = await sandbox(t, []);
  t.notRegex(e.create.stdout, /password/);
});

test('sandbox create refuses what does not exist: a role for a multi-node sandbox, SQL Server before 2024.1, an unknown persistence', async (t) => {
  const root = tempDir(t);
  for (const [args, re] of [
    [['--role', 'worker', '--topology', 'multi'], /for a single machine/],
    [['--persistence', 'sqlserver', '--version', '2023.1'], /from Alteryx Server 2024\.1/],
    [['--persistence', 'oracle'], /Invalid sandbox persistence "oracle"/],
    [['--role', 'gateway'], /Invalid sandbox role "gateway"/],
  ] as const) {
    const r = await runCli(['sandbox', 'create', join(root, String(args.join('_'))), ...args]);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, re);
  }
});

test('a Server UI (Gallery-only) node is backed up as one; in a multi-node sandbox a node whose file contradicts its configured role warns with both values', async (t) => {
  const ui = await sandbox(t, ['--role', 'ui']);
  const r = await backup(ui, 'Full');
  t.is(r.code, 0, r.stdout.slice(-2000));
  const meta = JSON.parse((await zipEntries(String(r.result!['archivePath']))).get('metadata.json')!.toString('utf8'));
  t.deepEqual([meta.nodes[0].role, meta.nodes[0].detectedRole], ['ui', 'ui']);
  t.deepEqual(emongodumps(ui.dir), []);

  const multi = await sandbox(t, ['--topology', 'multi']);
  const wkr = openSandbox(multi.dir).nodes.find((n) => n.name === 'ALTERYX-WKR1')!;
  const file = mapWindowsPath(multi.dir, wkr.root, WIN.overridesXml);
  let xml = readFileSync(file, 'utf8');
  xml = setSetting(xml, 'Controller', 'ControllerEnabled', 'True');
  xml = setSetting(xml, 'Worker', 'UseLocalServer', 'True');
  writeFileSync(file, xml);
  const m = await backup(multi, 'ConfigOnly');
  t.is(m.code, 0, m.stdout.slice(-2000));
  const w = (m.result!['warnings'] as string[]).find((x) => /ALTERYX-WKR1/.test(x));
  t.regex(w ?? '', /Node ALTERYX-WKR1: ServerConfiguration\.Nodes says role "worker", but its RuntimeSettings\.xml says "controller"/);
  t.regex(logText(m), /ALTERYX-WKR1 \(worker\) \[its RuntimeSettings\.xml says controller\]/);
});

// Restore onto a node of another role or persistence (issue 13): restore pre-flight reads the target's role and
// persistence as a backup does, and refuses (exit 3, with the hint) before anything is extracted, stopped or written.
const restore = (archive: string, s: { dir: string; config: string }, extra: string[] = []) =>
  runCli(['restore', archive, '--sandbox', s.dir, '--config', s.config, '--yes', '--json', ...extra]);
const untouched = (dir: string) => ({ config: configHashes(dir), service: serviceChanges(dir).length, restores: emongodumps(dir).length });
const stagingFolders = (dir: string) =>
  existsSync(join(dir, 'D', 'Temp')) ? readdirSync(join(dir, 'D', 'Temp')).filter((n) => /^(AlteryxRestore|PreRestore)_/.test(n)) : [];
const checkOf = (r: { result?: Record<string, unknown> }, name: string) =>
  (r.result!['checks'] as Array<{ name: string; ok: boolean; detail: string }>).find((c) => c.name === name);

test("restore onto a worker: a controller's database or files are refused (exit 3, nothing changed); a worker's ConfigOnly archive restores", async (t) => {
  const a = await backupOf(t, 'Full');
  const w = await sandbox(t, ['--role', 'worker']);
  const before = untouched(w.dir);
  const full = await restore(a.archive, w);
  t.is(full.code, 3, full.stdout.slice(-2000));
  t.regex(
    String(full.result!['message']),
    /This machine is a worker \(Controller\/ControllerEnabled = False.*\): it holds no Alteryx database, so the archive's database cannot be restored here\. Nothing was changed\./,
  );
  t.regex(full.stdout, /Restore the database \(-RestoreMode DatabaseOnly or Full\) on the controller ctl01:80/);
  t.false(checkOf(full, 'node role and persistence')!.ok);
  t.regex(logText(full), /Nodes of this server: ALTERYX-WKR1 \(worker, from RuntimeSettings\.xml/);
  const dbOnly = await restore(a.archive, w, ['--mode', 'DatabaseOnly']);
  t.is(dbOnly.code, 3);
  t.regex(String(dbOnly.result!['message']), /is a worker .*holds no Alteryx database/);
  // The same refusal in a dry run: it is pre-flight's.
  const dry = await runCli(['restore', a.archive, '--sandbox', w.dir, '--config', w.config, '--dry-run', '--json']);
  t.is(dry.code, 3);
  // Files only: a controller's RuntimeSettings.xml and keys would make this worker a second controller.
  const cfg = await restore(a.archive, w, ['--mode', 'ConfigOnly']);
  t.is(cfg.code, 3, cfg.stdout.slice(-2000));
  t.regex(
    String(cfg.result!['message']),
    /taken on a controller \(ALTERYX01\) and this machine is a worker .*would turn this node into a controller\. Nothing was changed\./,
  );
  t.regex(cfg.stdout, /set its role first in Alteryx System Settings/);
  t.deepEqual(untouched(w.dir), before, 'no file written, no service stopped, no emongorestore');
  t.deepEqual(stagingFolders(w.dir), [], 'nothing extracted');

  // A worker's nightly Full backup holds no database: restoring it as it is says to restore its files.
  const src = await sandbox(t, ['--role', 'worker']);
  const wf = await backup(src, 'Full');
  t.is(wf.code, 0, wf.stdout.slice(-2000));
  const asIs = await restore(String(wf.result!['archivePath']), w);
  t.is(asIs.code, 3, asIs.stdout.slice(-2000));
  t.regex(String(asIs.result!['message']), /database was not dumped \(a Full backup of a worker.*-RestoreMode ConfigOnly/);
  t.deepEqual(untouched(w.dir), before);
  // A worker's own ConfigOnly backup restores onto a worker (a rebuilt worker host).
  const b = await backup(src, 'ConfigOnly');
  t.is(b.code, 0, b.stdout.slice(-2000));
  const ok = await restore(String(b.result!['archivePath']), w);
  t.is(ok.code, 0, ok.stdout.slice(-3000));
  t.true(checkOf(ok, 'node role and persistence')!.ok);
  t.regex(checkOf(ok, 'node role and persistence')!.detail, /this machine: worker/);
  t.deepEqual(emongodumps(w.dir), [], 'no emongorestore on a worker');
});

test('restore onto a Server UI (Gallery-only) node: a database is refused (exit 3) naming the role', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const ui = await sandbox(t, ['--role', 'ui']);
  const before = untouched(ui.dir);
  const r = await restore(a.archive, ui);
  t.is(r.code, 3, r.stdout.slice(-2000));
  t.regex(String(r.result!['message']), /This machine is a Server UI \(Gallery\) node .*holds no Alteryx database/);
  t.deepEqual(untouched(ui.dir), before);
});

test('restore of a MongoDB dump onto a SQL Server or SQLite persistence host is exit 3 with what to do; files only is allowed', async (t) => {
  const a = await backupOf(t, 'Full');
  for (const [kind, re, hint] of [
    ['sqlserver', /keeps its Alteryx data in a user-managed SQL Server database \(decided by Controller\/SQLServerEnabled = True/, /SQL Server's own tools/],
    ['sqlite', /keeps its Alteryx data in the SQLite database C:\\ProgramData\\Alteryx\\Service\\Persistence\\SQLite\\Alteryx\.db/, /SQLite file/],
  ] as const) {
    const s = await sandbox(t, ['--persistence', kind]);
    const before = untouched(s.dir);
    const r = await restore(a.archive, s);
    t.is(r.code, 3, `${kind}: ${r.stdout.slice(-2000)}`);
    t.regex(String(r.result!['message']), re);
    t.regex(String(r.result!['message']), /not in MongoDB: the archive's MongoDB dump cannot be restored into it\. Nothing was changed\./);
    t.regex(r.stdout, hint);
    t.regex(r.stdout, /-RestoreMode ConfigOnly/);
    t.regex(logText(r), new RegExp(`Persistence of this server: ${kind === 'sqlserver' ? 'sqlServer' : 'sqlite'} \\(decided by`));
    t.deepEqual(untouched(s.dir), before, `${kind}: nothing changed, no emongorestore`);
    t.deepEqual(stagingFolders(s.dir), []);
  }
  // The files, keys and token of the archive restore onto a SQL Server host (its data stays SQL Server's business).
  const s = await sandbox(t, ['--persistence', 'sqlserver']);
  const files = await restore(a.archive, s, ['--mode', 'ConfigOnly']);
  t.is(files.code, 0, files.stdout.slice(-3000));
  t.deepEqual(emongodumps(s.dir), []);
});
