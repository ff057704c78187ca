import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runBackup, type BackupResult } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { verifyArchive } from '../src/archive/verify.ts';
import { alteryxServiceExecutable, databaseDocumentCounts, getServiceState, readEvents, readKnobs, setKnob } from '../src/sandbox/index.ts';
import { processRunning } from '../src/sandbox/workflow-procs.ts';
import { countBsonDocuments } from '../src/util/fsx.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { formatDuration } from '../src/util/format.ts';

async function backup(params: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<{ r: BackupResult; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs };
}

const serviceEvents = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const localBackups = (dir: string) => join(dir, 'D', 'Alteryx', 'Backups');
const zipNames = (dir: string) => (existsSync(localBackups(dir)) ? readdirSync(localBackups(dir)) : []);
const token = (dir: string, node: string) => execFileSync(alteryxServiceExecutable(dir, node), ['getserversecret'], { encoding: 'utf8' }).trim();

function unzipList(zip: string): string[] {
  return execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
}

test('ConfigOnly: files, manifest, archive that unzip accepts, .sha256 that sha256sum accepts; service never touched', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  const before = serviceEvents(dir).length;
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  t.regex(basename(r.archivePath!), /^ServerBackup_Config_\d{8}_\d{6}\.zip$/);
  t.is(spawnSync('unzip', ['-tq', r.archivePath!]).status, 0);
  const check = spawnSync('sha256sum', ['-c', `${basename(r.archivePath!)}.sha256`], { cwd: localBackups(dir), encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  const names = unzipList(r.archivePath!);
  for (const n of [
    'Config/RuntimeSettings.xml',
    'Config/RuntimeSettings.defaults.xml',
    'Config/Engine/SystemAlias.xml',
    'Config/Engine/SystemConnections.xml',
    'Secrets/ControllerToken.txt',
    'Secrets/MongoPasswords.txt',
    'metadata.json',
    'manifest.json',
  ]) {
    t.true(names.includes(n), `${n} missing from ${names.join(', ')}`);
  }
  t.true(names.some((n) => n.startsWith('Config/Keys/')));
  t.false(names.some((n) => n.startsWith('MongoDB/')));
  // The manifest's hashes, checked here with unzip -p (an independent reader) and sha256 of the originals.
  const manifest = JSON.parse(execFileSync('unzip', ['-p', r.archivePath!, 'manifest.json'], { encoding: 'utf8' }));
  const overrides = manifest.files.find((f: { path: string }) => f.path === 'Config/RuntimeSettings.xml');
  const original = readFileSync(join(dir, 'C', 'ProgramData', 'Alteryx', 'RuntimeSettings.xml'));
  t.is(overrides.sha256, (await import('node:crypto')).createHash('sha256').update(original).digest('hex'));
  t.is(manifest.mode, 'ConfigOnly');
  t.is(manifest.serverVersion, info.version.split('.').length > 2 ? info.version : manifest.serverVersion);
  t.true((await verifyArchive(r.archivePath!, { sha256File: `${r.archivePath}.sha256` })).ok);
  t.is(serviceEvents(dir).length, before, 'ConfigOnly must not change any service state');
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.regex(basename(r.logPath!), /^BackupLog_ConfigOnly_\d{8}_\d{6}\.log$/);
  t.true(
    logs.some((l) => l.level === 'WARNING' && /in clear/.test(l.message)),
    'unencrypted secrets warning',
  );
  t.false(existsSync(join(dir, 'D', 'Temp', basename(r.archivePath!).replace('.zip', ''))));
  t.deepEqual(
    readdirSync(join(dir, 'D', 'Temp')).filter((n) => n.startsWith('ServerBackup_')),
    [],
    'staging removed',
  );
});

test('secrets appear nowhere: log file, JSON-lines twin, result, manifest', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  const secret = token(dir, info.nodes[0]!.name);
  t.regex(secret, /^[0-9a-f]{64}$/i);
  const pw = execFileSync(alteryxServiceExecutable(dir, info.nodes[0]!.name), ['getemongopassword'], { encoding: 'utf8' });
  const admin = /Admin: (\S+)/.exec(pw)![1]!;
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const text = [
    readFileSync(r.logPath!, 'utf8'),
    readFileSync(r.logPath!.replace(/\.log$/, '.jsonl'), 'utf8'),
    JSON.stringify(r),
    execFileSync('unzip', ['-p', r.archivePath!, 'manifest.json'], { encoding: 'utf8' }),
  ].join('\n');
  t.false(text.includes(secret));
  t.false(text.includes(admin));
  // ...while the archive itself does hold the token, as it must.
  t.is(execFileSync('unzip', ['-p', r.archivePath!, 'Secrets/ControllerToken.txt'], { encoding: 'utf8' }).trim(), secret);
});

test("Full: the dump holds exactly the sandbox database's documents; service stopped for the dump and back Running", async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  const { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  t.regex(basename(r.archivePath!), /^ServerBackup_Full_\d{8}_\d{6}\.zip$/);
  const out = tempDir(t);
  execFileSync('unzip', ['-q', r.archivePath!, '-d', out]);
  const expected = databaseDocumentCounts(dir);
  const got: Record<string, Record<string, number>> = {};
  for (const db of readdirSync(join(out, 'MongoDB'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)) {
    for (const f of readdirSync(join(out, 'MongoDB', db)).filter((x) => x.endsWith('.bson'))) {
      (got[db] ??= {})[f.replace(/\.bson$/, '')] = countBsonDocuments(join(out, 'MongoDB', db, f));
    }
  }
  t.deepEqual(got, expected);
  t.deepEqual(Object.keys(expected).sort(), ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService']);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  t.deepEqual(manifest.mongo.databases, expected);
  t.true(existsSync(join(out, 'Config', 'RuntimeSettings.xml')));
  const ev = serviceEvents(dir).map((e) => e['to']);
  t.deepEqual(ev.slice(-4), ['StopPending', 'Stopped', 'StartPending', 'Running']);
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.true((r.summary['downtimeMs'] as number) > 0);
});

test('DatabaseOnly: the dump and metadata only, no configuration files or secrets', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  t.regex(basename(r.archivePath!), /^ServerBackup_DB_\d{8}_\d{6}\.zip$/);
  const names = unzipList(r.archivePath!);
  t.true(names.some((n) => n.startsWith('MongoDB/AlteryxGallery/')));
  t.false(names.some((n) => n.startsWith('Config/') || n.startsWith('Secrets/')));
});

test('a failed dump: exit 5, service Running again, no archive under a final name, staging removed', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  setKnob(dir, 'emongodump.fail', '"exit"');
  const { r, logs } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  const lines = logs.map((l) => l.message);
  t.is(r.exitCode, 5);
  t.regex(r.message, /dump failed/i);
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  t.deepEqual(
    zipNames(dir).filter((n) => n.endsWith('.zip')),
    [],
  );
  t.is(r.stagingPath, null);
  t.true(
    lines.some((l) => /staging folder of the failed run was removed: .*ServerBackup_Full_/.test(l)),
    lines.join('\n'),
  );
});

test('a failed run with KeepStagingOnFailure: the staging folder is kept and named in the log, its secrets are not', async (t) => {
  // The verify step fails (a minimum size no archive reaches), after the files and secrets were captured.
  const { dir, config } = await quickSandbox(t, {}, { ValidationConfiguration: { MinimumBackupSizeMB: { Full: 0.1, DatabaseOnly: 0.1, ConfigOnly: 1000 } } });
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config, KeepStagingOnFailure: true });
  const lines = logs.map((l) => l.message);
  t.is(r.exitCode, 3, r.message);
  t.truthy(r.stagingPath);
  t.true(existsSync(r.stagingPath!));
  t.true(
    lines.some((l) => l.includes('kept for inspection (KeepStagingOnFailure)') && l.includes(basename(r.stagingPath!))),
    lines.join('\n'),
  );
  const all = readdirSync(r.stagingPath!, { recursive: true }).map(String);
  t.false(
    all.some((n) => /ControllerToken\.txt|MongoPasswords\.txt/i.test(n)),
    all.join(', '),
  );
  t.true(
    all.some((n) => /RuntimeSettings\.xml$/.test(n)),
    'the rest is kept',
  );
});

test('a dump that prints "EMongoDump failed" with exit code 0 is still a failure (exit 5)', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  setKnob(dir, 'emongodump.fail', '"text"');
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 5);
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
});

test('a dump with no .bson files is a failure (exit 5)', async (t) => {
  const { dir, config } = await quickSandbox(t);
  setKnob(dir, 'emongodump.fail', '"empty"');
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 5);
  t.regex(r.message, /incomplete/);
});

test('running workflows past MaxWorkflowWait: exit 2, the service was never touched', async (t) => {
  const { dir, config, info } = await quickSandbox(t, {}, { ServiceConfiguration: { MaxWorkflowWaitSeconds: 1 } });
  setKnob(dir, 'workflows', JSON.stringify([{ name: 'Nightly ETL.yxmd', remainingSeconds: 60 }]));
  const before = serviceEvents(dir).length;
  const { r, logs } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 2);
  t.regex(r.message, /Nightly ETL\.yxmd/);
  t.true(logs.some((l) => /Waiting for 1 running workflow/.test(l.message)));
  t.is(serviceEvents(dir).length, before);
  t.is(getServiceState(dir, info.nodes[0]!.name), 'Running');
  // The workflow's real engine process was left running; resetting the knob ends it (no leak).
  const pid = readKnobs(dir).workflows[0]!.pid;
  t.true(processRunning(pid));
  setKnob(dir, 'workflows', '[]');
  t.false(processRunning(pid));
});

test('workflows that finish within the wait are waited for, then the backup runs', async (t) => {
  const { dir, config } = await quickSandbox(t);
  // Long enough to be still running when the backup reaches its workflows step on a loaded machine.
  setKnob(dir, 'workflows', JSON.stringify([{ name: 'Short.yxmd', remainingSeconds: 20 }]));
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  t.true(logs.some((l) => /Running workflows finished/.test(l.message)));
});

test('a service that never stops: exit 2 after MaxServiceWait', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { ServiceConfiguration: { MaxServiceWaitSeconds: 1 } });
  setKnob(dir, 'service.hangOnStop', 'true');
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 2);
  t.regex(r.message, /did not stop within 1 s/);
  t.deepEqual(
    zipNames(dir).filter((n) => n.endsWith('.zip')),
    [],
  );
});

test('not elevated, too little disk, missing RuntimeSettings.xml: each fails in pre-flight with nothing touched', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const before = serviceEvents(dir).length;
  setKnob(dir, 'elevated', 'false');
  let { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 3);
  t.regex(r.message, /Administrator/);
  setKnob(dir, 'elevated', 'true');
  setKnob(dir, 'disk.freeBytes', JSON.stringify({ D: 1000 }));
  ({ r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }));
  t.is(r.exitCode, 4);
  t.regex(r.message, /Not enough free space in D:\\Temp/);
  setKnob(dir, 'disk.freeBytes', '{}');
  rmSync(join(dir, 'C', 'ProgramData', 'Alteryx', 'RuntimeSettings.xml'));
  ({ r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }));
  t.is(r.exitCode, 3);
  t.regex(r.message, /RuntimeSettings\.xml was not found/);
  t.is(serviceEvents(dir).length, before);
});

test('a second concurrent run exits 1 with a clear message and harms nothing', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const temp = join(dir, 'D', 'Temp');
  (await import('node:fs')).mkdirSync(temp, { recursive: true });
  writeFileSync(join(temp, 'AlteryxBackup.lock'), JSON.stringify({ pid: process.ppid, startedAt: 'earlier', mode: 'Full' }));
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 1);
  t.regex(r.message, /Another backup is running \(pid \d+/);
  t.true(existsSync(join(temp, 'AlteryxBackup.lock')), "the other run's lock is left alone");
});

test('AES-256: with an archive password 7-Zip tests the archive OK; our verifier decrypts it', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const password = 'Arch!ve-Pa55';
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, { ArchivePassword: password });
  t.is(r.exitCode, 0, r.message);
  t.false(logs.some((l) => /in clear/.test(l.message)));
  t.is(spawnSync('7zz', ['t', `-p${password}`, r.archivePath!]).status, 0);
  t.not(spawnSync('7zz', ['t', '-pwrong', r.archivePath!]).status, 0);
  t.false(readFileSync(r.logPath!, 'utf8').includes(password));
});

test('legacy archive naming by configuration (Full only: the legacy name means a full backup)', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { ArchiveNameFormat: 'legacy' } });
  const { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.regex(basename(r.archivePath!), /^ServerBackup_\d{8}_\d{6}\.zip$/);
  const c = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.regex(basename(c.r.archivePath!), /^ServerBackup_Config_\d{8}_\d{6}\.zip$/);
});

test("an archive below the mode's minimum size fails verification (exit 3) and is not published", async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { ValidationConfiguration: { MinimumBackupSizeMB: { DatabaseOnly: 50 } } });
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 3);
  t.regex(r.message, /minimum size: \d+ bytes, minimum 52428800/);
  t.deepEqual(
    zipNames(dir).filter((n) => n.endsWith('.zip') || n.endsWith('.partial')),
    [],
  );
});

test('multi-node Full: stop UI, workers, controller; start in reverse; down only for the stops, the dump and the starts; files per node', async (t) => {
  const { dir, config, info } = await quickSandbox(t, { topology: 'multi' });
  t.is(info.nodes.length, 4);
  setKnob(dir, 'emongodump.seconds', '1');
  const { r, logs } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const role = (name: string) => info.nodes.find((n) => n.name === name)!.role;
  const ev = serviceEvents(dir);
  const stops = ev.filter((e) => e['to'] === 'StopPending').map((e) => role(String(e['node'])));
  const starts = ev.filter((e) => e['to'] === 'StartPending').map((e) => role(String(e['node'])));
  t.deepEqual(stops, ['ui', 'worker', 'worker', 'controller']);
  t.deepEqual(starts, ['controller', 'worker', 'worker', 'ui']);
  // Workers start only once the controller is Running.
  const ctrlRunning = ev.findIndex((e) => role(String(e['node'])) === 'controller' && e['to'] === 'Running');
  const firstWorkerStart = ev.findIndex((e) => role(String(e['node'])) === 'worker' && e['to'] === 'StartPending');
  t.true(ctrlRunning >= 0 && ctrlRunning < firstWorkerStart);
  // Downtime (issue 15): from the first stop request to the last node Running. It holds only the stops, the dump and
  // the starts (whatever the machine's load): the file copies and the secrets export ran before the first stop, the
  // document counts, the metadata and the archive after the last start.
  const firstStop = Date.parse(String(ev.find((e) => e['to'] === 'StopPending')!['time']));
  const lastRunning = Date.parse(String(ev.filter((e) => e['to'] === 'Running').at(-1)!['time']));
  const d = r.summary['stepDurationsMs'] as Record<string, number>;
  const downSteps = d['stop-service']! + d['dump']! + d['start-service']!;
  t.true(lastRunning - firstStop <= downSteps + 500, `down ${lastRunning - firstStop} ms, steps in downtime ${downSteps} ms`);
  for (const step of ['files', 'secrets']) {
    const last = logs.filter((l) => l.step === step).at(-1)!;
    t.true(last.time.getTime() <= firstStop, `${step} ran before the first stop`);
  }
  const firstAfter = logs.find((l) => l.step === 'count-documents' || l.step === 'archive' || l.step === 'metadata')!;
  t.is(firstAfter.step, 'count-documents');
  t.true(firstAfter.time.getTime() >= lastRunning, 'counting and archiving start after every service is Running again');
  const names = unzipList(r.archivePath!);
  for (const n of info.nodes) t.true(names.includes(`nodes/${n.name}/Config/RuntimeSettings.xml`), n.name);
  const worker = info.nodes.find((n) => n.role === 'worker')!;
  t.true(names.includes(`nodes/${worker.name}/Config/Engine/SystemAlias.xml`));
  for (const n of info.nodes) t.is(getServiceState(dir, n.name), 'Running');
  t.true(logs.some((l) => /Nodes: .*\(controller\).*\(worker\)/.test(l.message)));
});

test("the downtime window in the result and the log is the sandbox service's own StopPending -> Running, seen within the adaptive poll", async (t) => {
  // A 5 s PollIntervalSeconds: a fixed 5 s poll would see the start (0.3 s) about 4.7 s late; the adaptive one within 0.3 s.
  const { dir, config } = await quickSandbox(t, {}, { ServiceConfiguration: { PollIntervalSeconds: 5 } });
  setKnob(dir, 'emongodump.seconds', '0.5');
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const ev = serviceEvents(dir);
  const at = (to: string) => Date.parse(String(ev.findLast((e) => e['to'] === to)!['time']));
  const serviceWindow = at('Running') - at('StopPending');
  const w = r.summary['downtime'] as { windowMs: number; stopMs: number; dumpMs: number; startMs: number; otherMs: number };
  t.is(r.summary['downtimeMs'], w.windowMs);
  // Ours starts just before the request and ends when Running was seen: never shorter than the service's, and
  // longer only by the request and the poll's lag (bounded generously for a loaded machine, far below 4.7 s).
  t.true(w.windowMs >= serviceWindow, `ours ${w.windowMs} ms, the service's ${serviceWindow} ms`);
  t.true(w.windowMs - serviceWindow <= 1500, `ours ${w.windowMs} ms, the service's ${serviceWindow} ms`);
  // The parts: the stop and the start as the service did them (0.3 s each in quickSandbox), the dump, little else.
  t.true(w.stopMs >= at('Stopped') - at('StopPending') && w.stopMs - (at('Stopped') - at('StopPending')) <= 1000, `stop ${w.stopMs} ms`);
  t.true(w.startMs >= at('Running') - at('StartPending') && w.startMs - (at('Running') - at('StartPending')) <= 1000, `start ${w.startMs} ms`);
  t.true(w.dumpMs >= 500);
  t.is(w.windowMs, w.stopMs + w.dumpMs + w.startMs + w.otherMs);
  const lines = logs.map((l) => l.message);
  t.true(lines.includes(`Service downtime: ${formatDuration(w.windowMs)}`), lines.join('\n'));
  t.true(lines.some((l) => l.startsWith('Downtime window (first stop requested to Running seen): stop ')));
  // The documents were counted after the start, and the manifest has them.
  const counted = logs.find((l) => l.step === 'count-documents' && /documents in 3 databases/.test(l.message))!;
  t.true(counted.time.getTime() >= at('Running'));
  t.true((r.summary['dumpDocuments'] as number) > 0);
});

test('Keys files whose names differ only in case: the first is captured, each later one left out with a warning naming it', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const keys = join(dir, 'C', 'ProgramData', 'Alteryx', 'Keys');
  for (const n of ['Case.key', 'case.key', 'CASE.KEY', 'other.key']) writeFileSync(join(keys, n), n);
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const names = unzipList(r.archivePath!).filter((n) => /^Config\/Keys\/(case|other)\.key$/i.test(n));
  t.is(names.length, 2, names.join(', '));
  t.true(names.includes('Config/Keys/other.key'));
  const left = r.warnings.filter((w) => /only in case/.test(w));
  t.is(left.length, 2, r.warnings.join('\n'));
  const kept = names.find((n) => n !== 'Config/Keys/other.key')!;
  for (const w of left) t.true(/differs from (.+) only in case/.exec(w)![1]!.endsWith(`\\${kept.split('/').pop()}`), w);
});

test('multi-node: a hung worker stop times out and every node is put back Running', async (t) => {
  const { dir, config, info } = await quickSandbox(t, { topology: 'multi' }, { ServiceConfiguration: { MaxServiceWaitSeconds: 1 } });
  const worker = info.nodes.find((n) => n.role === 'worker')!;
  setKnob(dir, `nodes.${worker.name}.service.hangOnStop`, 'true');
  const { r } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 2, r.message);
  const ui = info.nodes.find((n) => n.role === 'ui')!;
  t.is(getServiceState(dir, ui.name), 'Running', 'the UI node stopped before the hang is started again');
  const ctrl = info.nodes.find((n) => n.role === 'controller')!;
  t.is(getServiceState(dir, ctrl.name), 'Running', 'the controller was never stopped');
});

test('two backups of one mode started in the same second publish two archives; neither overwrites the other', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const second = new Date(2026, 11, 1, 2, 0, 0, 250);
  const run = async () => {
    const logs: LogRecord[] = [];
    const r = await runBackup(
      { params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, secrets: {}, dryRun: false },
      { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {}, now: () => second },
    );
    return { r, logs };
  };
  const first = await run();
  const again = await run();
  t.is(first.r.exitCode, 0, first.r.message);
  t.is(again.r.exitCode, 0, again.r.message);
  t.is(basename(first.r.archivePath!), 'ServerBackup_Config_20261201_020000.zip');
  t.is(basename(again.r.archivePath!), 'ServerBackup_Config_20261201_020001.zip');
  t.true(again.logs.some((l) => /already exists in the local backup folder, .*: this run's name carries 20261201_020001/.test(l.message)));
  t.deepEqual(
    zipNames(dir)
      .filter((n) => n.endsWith('.zip'))
      .sort(),
    ['ServerBackup_Config_20261201_020000.zip', 'ServerBackup_Config_20261201_020001.zip'],
  );
  for (const r of [first.r, again.r]) t.true((await verifyArchive(r.archivePath!, { sha256File: `${r.archivePath}.sha256` })).ok);
});

// A run killed in its first second leaves its staging folder under that second's name; the next run of that second
// (seen on a fast CI machine) takes the next second, so that the sweep removes the killed run's folder, and says so,
// instead of the new run reusing it.
test('a killed run of the same second left its staging folder: the next run takes the next second and sweeps the folder', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const second = new Date(2026, 11, 1, 3, 0, 0, 500);
  const stale = join(dir, 'D', 'Temp', 'ServerBackup_ConfigOnly_20261201_030000');
  mkdirSync(join(stale, 'ALTERYX01'), { recursive: true });
  writeFileSync(join(stale, 'ALTERYX01', 'RuntimeSettings.xml'), '<left by a killed run/>');
  const logs: LogRecord[] = [];
  const r = await runBackup(
    { params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {}, now: () => second },
  );
  t.is(r.exitCode, 0, r.message);
  t.is(basename(r.archivePath!), 'ServerBackup_Config_20261201_030001.zip');
  t.true(
    logs.some((l) => /Removed the folder an interrupted run left in the temp folder: .*ServerBackup_ConfigOnly_20261201_030000/.test(l.message)),
    logs.map((l) => l.message).join('\n'),
  );
  t.false(existsSync(stale));
  t.deepEqual(
    readdirSync(join(dir, 'D', 'Temp')).filter((n) => /^ServerBackup_/.test(n)),
    [],
  );
});
