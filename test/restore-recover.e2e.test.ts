// A restore whose process is KILLED (SIGKILL: power cut, Task Scheduler "End", kill -9) is rolled back like a
// failed one: the journal's restore section tells `recover` (or the next backup / restore) what to put back.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { choosePlatform } from '../src/platform/choose.ts';
import { runBackup } from '../src/backup/backup.ts';
import type { Journal } from '../src/core/journal.ts';
import { recoverFromJournal } from '../src/restore/recover.ts';
import { RunLogger } from '../src/log/logger.ts';
import { sandboxPlatform } from '../src/platform/sandbox/adapter.ts';
import { countBsonDocuments, getServiceState, openSandbox, readEvents, setKnob } from '../src/sandbox/index.ts';
import { runCli, type CliRun } from './helpers/cli.ts';
import { backupOf, configHashes, counts, sha, token, zipEntries } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import { waitFor } from './helpers/wait.ts';

type Sbx = Awaited<ReturnType<typeof quickSandbox>>;
type RestoreSection = NonNullable<Journal['restore']>;

const journalPath = (dir: string) => join(dir, 'D', 'Temp', 'AlteryxBackup.journal.json');
const readJournal = (dir: string) => JSON.parse(readFileSync(journalPath(dir), 'utf8')) as Journal;
const tempEntries = (dir: string, prefix: string) =>
  existsSync(join(dir, 'D', 'Temp')) ? readdirSync(join(dir, 'D', 'Temp')).filter((n) => n.startsWith(prefix)) : [];
const persistence = (dir: string) => join(dir, 'C', 'ProgramData', 'Alteryx', 'Service', 'Persistence');
const serviceOf = (dir: string) => getServiceState(dir, openSandbox(dir).nodes[0]!.name);
const serviceEvents = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A Full restore of A into B, slowed in emongorestore (60 s) and SIGKILLed there; the kill checked. The orphaned
 * emongorestore is then ended here, so that every test goes on from the state at the kill. (It took 6 s before,
 * and on a loaded CI machine, with the other tests of this file blocking the event loop, the kill point was seen
 * only after it had ended and the restore had finished.)
 */
async function restoreKilledMidDatabase(t: ExecutionContext) {
  const p = await prepare(t);
  const { b } = p;
  setKnob(b.dir, 'emongorestore.seconds', '60');
  const k = await killRestoreWhen(p.a.archive, b, emongorestoreStarted(b.dir));
  assertKilledMidDatabase(t, k, p);
  const orphan = k.journal.restore?.database?.toolPid;
  if (orphan) {
    try {
      process.kill(orphan, 'SIGKILL');
    } catch {
      // ended already
    }
    await waitFor('the orphaned emongorestore to end', () => !alive(orphan));
  }
  return { p, b, k };
}

/** Document counts of any embedded data folder (the sandbox's helper reads only the live one). */
function folderCounts(root: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const db of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, db))
      .filter((x) => x.endsWith('.bson'))
      .sort())
      (out[db] ??= {})[f.slice(0, -5)] = countBsonDocuments(join(root, db, f));
  }
  return out;
}

/** A ConfigOnly backup of B before the restore: the "newest backup taken before the restore", with B's token. */
async function backupOfB(b: Sbx): Promise<string> {
  const r = await runBackup(
    { params: { BackupMode: 'ConfigOnly', SandboxPath: b.dir, ConfigPath: b.config }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  if (r.exitCode !== 0 || !r.archivePath) throw new Error(`backup of B failed: ${r.message}`);
  return r.archivePath;
}

/**
 * Starts `restore` as a real child process, waits for `ready`, and SIGKILLs it. Returns what the server and
 * the journal looked like at the kill.
 */
async function killRestoreWhen(archive: string, b: Sbx, ready: () => boolean, extra: string[] = []) {
  let pid = 0;
  const run = runCli(['restore', archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json', ...extra], { onSpawn: (p) => (pid = p) });
  await waitFor('the restore to reach the kill point', ready);
  process.kill(pid, 'SIGKILL');
  const dead: CliRun = await run;
  const journalText = readFileSync(journalPath(b.dir), 'utf8');
  return { pid, dead, journalText, journal: JSON.parse(journalText) as Journal, config: configHashes(b.dir), token: token(b.dir), service: serviceOf(b.dir) };
}

const emongorestoreStarted = (dir: string) => () =>
  readEvents(dir).some((e) => e['kind'] === 'cli' && e['command'] === 'emongorestore' && e['phase'] === 'start');

/** B with files, Keys, token and database that all differ from A's archive, and a ConfigOnly backup of B. */
async function prepare(t: ExecutionContext, mode: 'Full' | 'ConfigOnly' = 'Full') {
  const a = await backupOf(t, mode);
  const b = await quickSandbox(t);
  const bBackup = await backupOfB(b);
  const before = {
    config: configHashes(b.dir),
    counts: counts(b.dir),
    token: token(b.dir),
    rs: sha(readFileSync(join(b.dir, 'C', 'ProgramData', 'Alteryx', 'RuntimeSettings.xml'))),
  };
  const source = { config: configHashes(a.dir), counts: counts(a.dir), token: token(a.dir) };
  t.notDeepEqual(before.config, source.config, "B's files differ from the archive's");
  t.true(
    Object.keys(before.config).some((k) => /\\Keys\\/.test(k)) && Object.keys(before.config).some((k) => k.endsWith('SystemAlias.xml')),
    'Keys and SystemAlias.xml are among the compared files',
  );
  t.notDeepEqual(before.counts, source.counts, "B's database differs from the archive's");
  t.not(before.token, source.token);
  return { a, b, bBackup, before, source };
}

/** The state at a kill during emongorestore: files, Keys and token already A's, the database half-restored. */
function assertKilledMidDatabase(t: ExecutionContext, k: Awaited<ReturnType<typeof killRestoreWhen>>, p: Awaited<ReturnType<typeof prepare>>) {
  t.is(k.dead.signal, 'SIGKILL');
  t.is(k.dead.result, undefined, 'killed before it could report');
  t.deepEqual(k.config, p.source.config, "at the kill the files and Keys were already the archive's");
  t.is(k.token, p.source.token, 'and the token too');
  t.is(k.service, 'Stopped');
  const r = k.journal.restore as RestoreSection;
  t.deepEqual(r.phases, ['files', 'server-secret', 'database']);
  t.true(r.database!.moved);
  t.true(existsSync(r.database!.preLocal), 'the previous data folder is moved aside');
  t.true(r.files.some((f) => f.configured.endsWith('RuntimeSettings.xml') && f.existed && !!f.saved));
  t.is(r.keys.length, 1);
  t.is(r.tokenBackup, `D:\\Alteryx\\Backups\\${basename(p.bBackup)}`, 'the newest backup before the restore, where the previous token is');
  // Never a secret in the journal: neither the previous token nor the archive's.
  t.false(k.journalText.includes(p.before.token));
  t.false(k.journalText.includes(p.source.token));
}

/** Everything recovery can put back is back; what it cannot is the token (recorded, with where to find it). */
function assertPutBack(t: ExecutionContext, b: Sbx, before: Awaited<ReturnType<typeof prepare>>['before']) {
  t.deepEqual(configHashes(b.dir), before.config, 'RuntimeSettings.xml, Keys, SystemAlias.xml, SystemConnections.xml hash-equal the pre-restore files');
  t.deepEqual(counts(b.dir), before.counts, 'the previous data folder is back with its documents');
  t.deepEqual(
    readdirSync(persistence(b.dir)).filter((n) => n.includes('PreRestore')),
    [],
    'no folder left moved aside',
  );
  t.is(serviceOf(b.dir), 'Running');
  t.false(existsSync(journalPath(b.dir)), 'the journal is gone');
  t.deepEqual(tempEntries(b.dir, 'AlteryxRestore_'), [], 'the extraction folder (the token in clear) is gone');
  t.is(tempEntries(b.dir, 'PreRestore_').length, 1, 'the pre-restore folder is kept');
}

test('Full restore SIGKILLed during emongorestore: recover puts files, Keys and the data folder back, then starts the service, and names the token step', async (t) => {
  const { p, b, k } = await restoreKilledMidDatabase(t);
  t.true(typeof k.journal.restore!.database!.toolPid === 'number', 'the emongorestore process is journaled');
  // The extraction folder of the killed restore never held the controller token (it is read into memory).
  const extraction = join(b.dir, 'D', 'Temp', tempEntries(b.dir, 'AlteryxRestore_')[0]!);
  t.true(existsSync(join(extraction, 'MongoDB')), 'the kill left the extraction folder');
  t.deepEqual(
    readdirSync(extraction, { recursive: true })
      .map(String)
      .filter((n) => /ControllerToken|Secrets/i.test(n)),
    [],
  );

  const rec = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  const res = rec.result!;
  t.is(rec.code, 1, 'not complete: the token is left to do by hand');
  t.is(res['exitCode'], 1);
  t.true(res['journalCleared'] as boolean, 'everything recovery can do was done');
  t.false(res['complete'] as boolean);
  const r = res['restore'] as { putBack: string[]; failed: string[]; manual: string[]; phases: string[] };
  t.deepEqual(r.failed, []);
  t.true(r.putBack.some((x) => /RuntimeSettings\.xml on ALTERYX01 put back/.test(x)));
  t.true(r.putBack.some((x) => /Keys on ALTERYX01 put back/.test(x)));
  t.true(r.putBack.some((x) => /SystemAlias\.xml on ALTERYX01 put back/.test(x)));
  t.true(r.putBack.some((x) => /database folder .*MongoDB put back from .*MongoDB\.PreRestore_/.test(x)));
  t.is(r.manual.length, 1);
  assertPutBack(t, b, p.before);
  t.deepEqual(res['recovered'], [{ node: 'ALTERYX01', action: 'started' }]);

  // The token: named with its command and where the previous one is; that backup does hold B's token.
  t.is(token(b.dir), p.source.token, 'recovery cannot put the token back (it was never on disk)');
  const bToken = (await zipEntries(p.bBackup)).get('Secrets/ControllerToken.txt')!.toString('utf8').trim();
  t.is(bToken, p.before.token);
  const logText = readFileSync(String(res['logPath']), 'utf8');
  t.regex(basename(String(res['logPath'])), /^BackupLog_Recover_\d{8}_\d{6}\.log$/);
  for (const text of [logText, String(res['message']), r.manual[0]!]) {
    t.true(text.includes('AlteryxService.exe setserversecret=<token of the pre-restore backup>'), text.slice(0, 400));
    t.true(text.includes(`D:\\Alteryx\\Backups\\${basename(p.bBackup)}`));
  }
  t.regex(logText, /Recovery: database folder C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB put back/);
  t.false(logText.includes(p.before.token) || logText.includes(p.source.token), 'no token in the recovery log');

  // The service is started only after everything is back: the last service events are the start, after the kill.
  const svc = serviceEvents(b.dir).map((e) => e['to']);
  t.deepEqual(svc.slice(-2), ['StartPending', 'Running']);
  // A second recover has nothing left to do.
  const again = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(again.code, 0);
  t.regex(String(again.result!['message']), /Nothing to recover/);
});

test('a killed Full restore is rolled back by the next backup before it backs up', async (t) => {
  const { p, b, k } = await restoreKilledMidDatabase(t);
  setKnob(b.dir, 'emongorestore.seconds', '0');

  const next = await runCli(['backup', '--mode', 'Full', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(next.code, 0, next.stdout.slice(-2000));
  const warnings = next.result!['warnings'] as string[];
  t.true(
    warnings.some((w) =>
      new RegExp(`previous run \\(pid ${k.pid}, Restore Full.*was interrupted; what its restore changed and its services were put back`).test(w),
    ),
    warnings.join('\n'),
  );
  t.true(
    warnings.some((w) => w.includes('AlteryxService.exe setserversecret=<token of the pre-restore backup>')),
    "the token step is in the backup's warnings",
  );
  assertPutBack(t, b, p.before);
  // What the backup captured is the server as it was before the restore, not the half-restored one.
  const archive = String(next.result!['archivePath']);
  const entries = await zipEntries(archive, undefined, (n) => n === 'manifest.json' || n === 'Config/RuntimeSettings.xml');
  const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { mongo: { databases: Record<string, Record<string, number>> } };
  t.deepEqual(manifest.mongo.databases, p.before.counts);
  t.is(sha(entries.get('Config/RuntimeSettings.xml')!), p.before.rs);
  const logText = readFileSync(String(next.result!['logPath']), 'utf8');
  t.regex(logText, /Recovery: C:\\ProgramData\\Alteryx\\RuntimeSettings\.xml on ALTERYX01 put back/);
});

test('a killed Full restore is rolled back by the next restore before it saves the pre-restore state again', async (t) => {
  const { p, b, k } = await restoreKilledMidDatabase(t);
  setKnob(b.dir, 'emongorestore.seconds', '0');
  const firstPre = tempEntries(b.dir, 'PreRestore_')[0]!;
  // The next run must not start within the same second: its folders would have the same names.
  await new Promise((r) => setTimeout(r, 1100));

  const next = await runCli(['restore', p.a.archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json']);
  t.is(next.code, 0, next.stdout.slice(-2000));
  const res = next.result!;
  t.true(
    (res['warnings'] as string[]).some((w) =>
      new RegExp(`pid ${k.pid}, Restore Full.*what its restore changed and its services were put back before this restore`).test(w),
    ),
  );
  // The second restore saved B's original files and database, so the first one had been rolled back first.
  const pre = String(res['preRestorePath']);
  t.not(basename(pre), firstPre);
  t.is(sha(readFileSync(join(pre, 'Config', 'RuntimeSettings.xml'))), p.before.rs);
  t.deepEqual(folderCounts(String(res['preRestoreDatabasePath'])), p.before.counts);
  t.deepEqual(counts(b.dir), p.source.counts, 'and then it restored the archive');
  t.deepEqual(configHashes(b.dir), p.source.config);
  t.false(existsSync(journalPath(b.dir)));
  t.is(serviceOf(b.dir), 'Running');
  // Issue 18: the killed restore is in the run catalog as Failed, recorded by the restore that finished its journal.
  const records = (await runCli(['history', '--sandbox', b.dir, '--config', b.config, '--json'])).result!['records'] as Array<Record<string, unknown>>;
  const killed = records.filter((r) => r['status'] === 'Failed');
  t.is(killed.length, 1, JSON.stringify(records.map((r) => `${r['kind']}:${r['status']}`)));
  t.like(killed[0], { kind: 'restore', mode: 'Full', exitCode: 1 });
  t.regex(
    String(killed[0]!['message']),
    new RegExp(`^Restore run ${k.pid} \\(Restore Full\\) was interrupted \\(killed or crashed\\); recovered by the next restore \\(pid \\d+\\)\\.$`),
  );
});

test('ConfigOnly restore SIGKILLed while it starts the service (files and token done, no database): recover stops it, puts the files back, starts it', async (t) => {
  const p = await prepare(t, 'ConfigOnly');
  const { b } = p;
  setKnob(b.dir, 'service.startSeconds', '4');
  const events0 = serviceEvents(b.dir).length;
  const k = await killRestoreWhen(p.a.archive, b, () =>
    serviceEvents(b.dir)
      .slice(events0)
      .some((e) => e['to'] === 'StartPending'),
  );
  t.is(k.dead.signal, 'SIGKILL');
  t.deepEqual(k.config, p.source.config, "the files were the archive's at the kill");
  t.true(['StartPending', 'Running'].includes(k.service), `the restore had started the service again (${k.service})`);
  const r = k.journal.restore as RestoreSection;
  t.deepEqual(r.phases, ['files', 'server-secret']);
  t.is(r.database, undefined);
  t.deepEqual(counts(b.dir), p.before.counts, 'a ConfigOnly restore leaves the database alone');
  setKnob(b.dir, 'service.startSeconds', '0.3');
  const killedAt = serviceEvents(b.dir).length;

  const rec = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(rec.code, 1, rec.stdout.slice(-1500));
  const res = rec.result!;
  t.true(res['journalCleared'] as boolean);
  const rr = res['restore'] as { putBack: string[]; manual: string[]; phases: string[] };
  t.deepEqual(rr.phases, ['files', 'server-secret']);
  t.true(rr.putBack.some((x) => /RuntimeSettings\.xml on ALTERYX01 put back/.test(x)));
  t.false(
    rr.putBack.some((x) => /database/.test(x)),
    'no database to put back',
  );
  t.regex(rr.manual[0]!, /AlteryxService\.exe setserversecret=<token of the pre-restore backup>/);
  assertPutBack(t, b, p.before);
  // The service the restore was starting ran on the restored files: it is stopped before they go back, then started.
  const after = serviceEvents(b.dir)
    .slice(killedAt)
    .map((e) => e['to']);
  const stoppedAt = after.indexOf('Stopped');
  t.true(stoppedAt >= 0, `stopped again: ${after.join(',')}`);
  t.deepEqual(after.slice(stoppedAt), ['Stopped', 'StartPending', 'Running'], after.join(','));
  t.regex(readFileSync(String(res['logPath']), 'utf8'), /Recovery: stopping AlteryxService on ALTERYX01 \(the restore had started it again/);
});

test('Full restore SIGKILLed during the service stop (nothing changed yet): recover starts the service, removes the extraction folder, no token step', async (t) => {
  const p = await prepare(t);
  const { b } = p;
  // A stop far longer than a loaded machine's delay between seeing StopPending and the kill (with 4 s, the stop
  // once completed first and the restore wrote files before it was killed); recover starts from StopPending.
  setKnob(b.dir, 'service.stopSeconds', '120');
  const events0 = serviceEvents(b.dir).length;
  const k = await killRestoreWhen(p.a.archive, b, () =>
    serviceEvents(b.dir)
      .slice(events0)
      .some((e) => e['to'] === 'StopPending'),
  );
  t.is(k.dead.signal, 'SIGKILL');
  t.deepEqual(k.config, p.before.config, 'nothing written yet');
  const r = k.journal.restore as RestoreSection;
  t.deepEqual(r.phases, [], 'the restore section is there, with no phase started');
  t.is(tempEntries(b.dir, 'AlteryxRestore_').length, 1, 'the extraction folder was left behind');
  // The archive's token was read into memory: the folder a killed restore leaves never holds it in clear.
  t.false(existsSync(join(r.extraction.local, 'Secrets', 'ControllerToken.txt')));
  setKnob(b.dir, 'service.stopSeconds', '0.3');

  const rec = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(rec.code, 0, rec.stdout.slice(-1500));
  const res = rec.result!;
  t.true(res['complete'] as boolean);
  t.regex(String(res['message']), /Recovered the interrupted run/);
  t.deepEqual((res['restore'] as { manual: string[] }).manual, [], 'setserversecret had not run: no token step');
  t.false(String(res['message']).includes('setserversecret'));
  t.deepEqual(configHashes(b.dir), p.before.config);
  t.deepEqual(counts(b.dir), p.before.counts);
  t.is(token(b.dir), p.before.token);
  t.is(serviceOf(b.dir), 'Running');
  t.false(existsSync(journalPath(b.dir)));
  t.deepEqual(tempEntries(b.dir, 'AlteryxRestore_'), [], 'the extraction folder is removed');
});

test('an emongorestore that outlives the killed restore: nothing touches the data folder while it runs, the service stays stopped, the next backup refuses; once it ends, recover finishes', async (t) => {
  const { p, b, k } = await restoreKilledMidDatabase(t);
  const realTool = k.journal.restore!.database!.toolPid!;
  await waitFor('the orphaned emongorestore to end', () => !alive(realTool), 20_000);
  const dbLocal = k.journal.restore!.database!.local;
  // A stand-in for an emongorestore still running (on Windows it does not die with its parent): it writes
  // into the data folder when it ends, as the real one would with its last collection.
  const marker = join(dbLocal, 'AlteryxGallery', 'late-write.bson');
  const ready = `${marker}.ready`;
  const tool = spawn(
    process.execPath,
    [
      '-e',
      `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, ''); process.exit(0); }); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000);`,
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => tool.kill('SIGKILL'));
  // Its SIGTERM handler is installed (a fixed sleep was too short on a loaded machine).
  await waitFor('the stand-in tool to start', () => existsSync(ready), 60_000);
  rmSync(ready);
  const j = readJournal(b.dir);
  j.restore!.database!.toolPid = tool.pid!;
  writeFileSync(journalPath(b.dir), JSON.stringify(j));

  const platform = sandboxPlatform(b.dir);
  const report = await recoverFromJournal(platform, j, new RunLogger(() => {}), join(b.dir, 'D', 'Temp'), 500);
  await platform.dispose();
  t.false(report.journalCleared);
  t.regex(report.restore!.failed.join('\n'), /emongorestore \(pid \d+\) still runs, so the folder was not touched and the services were left stopped/);
  t.deepEqual(
    report.services.map((s) => s.action),
    ['left-stopped'],
  );
  t.is(serviceOf(b.dir), 'Stopped', 'not started on a folder that is still being written');
  t.true(existsSync(k.journal.restore!.database!.preLocal), 'the previous data folder is still aside');
  t.true(existsSync(journalPath(b.dir)), 'the journal is kept for the next attempt');
  t.deepEqual(configHashes(b.dir), p.before.config, 'the files went back');

  const refused = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', b.dir, '--config', b.config, '--max-service-wait', '1', '--json']);
  t.is(refused.code, 1);
  t.regex(String(refused.result!['message']), /could not be rolled back completely: .*still runs.*Nothing was backed up/);

  tool.kill('SIGTERM');
  await waitFor('the stand-in tool to end', () => tool.exitCode !== null);
  t.true(existsSync(marker), 'it wrote into the half-restored folder as it ended');
  const rec = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(rec.code, 1, 'the token is still to do by hand');
  t.true(rec.result!['journalCleared'] as boolean);
  t.false(existsSync(marker), 'its write went with the half-restored folder');
  assertPutBack(t, b, p.before);
});

test('a restore that ends on its own leaves no journal: after success, and after an in-process rollback (nothing for the next run to undo)', async (t) => {
  const p = await prepare(t);
  const { b } = p;
  setKnob(b.dir, 'emongorestore.fail', '"text"');
  const failed = await runCli(['restore', p.a.archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json']);
  t.is(failed.code, 5);
  t.true(failed.result!['rolledBack'] as boolean);
  t.false(existsSync(journalPath(b.dir)), 'no journal after a rollback in-process');
  t.deepEqual(configHashes(b.dir), p.before.config);
  setKnob(b.dir, 'emongorestore.fail', 'false');
  await new Promise((r) => setTimeout(r, 1100));
  const ok = await runCli(['restore', p.a.archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json']);
  t.is(ok.code, 0, ok.stdout.slice(-1500));
  t.false(existsSync(journalPath(b.dir)), 'no journal after a successful restore');
  // So a later recover finds nothing and changes nothing.
  const rec = await runCli(['recover', '--sandbox', b.dir, '--config', b.config, '--json']);
  t.is(rec.code, 0);
  t.regex(String(rec.result!['message']), /Nothing to recover/);
  t.deepEqual(configHashes(b.dir), p.source.config);
  t.deepEqual(counts(b.dir), p.source.counts);
});

test('a self-managed restore killed during mongorestore: recovery names the pre-restore dump and the mongorestore command, without a password', async (t) => {
  const dir = tempDir(t);
  const temp = join(dir, 'Temp');
  const extraction = join(temp, 'AlteryxRestore_20260113_030000');
  mkdirSync(join(extraction, 'Secrets'), { recursive: true });
  writeFileSync(join(extraction, 'Secrets', 'ControllerToken.txt'), 'f'.repeat(64));
  const journal: Journal = {
    pid: 999_999_999,
    startedAt: '2026-01-13T03:00:00.000Z',
    mode: 'Restore DatabaseOnly',
    services: [],
    restore: {
      archivePath: 'D:\\Alteryx\\Backups\\ServerBackup_DB_20260113_020000.zip',
      restoreMode: 'DatabaseOnly',
      preRestore: { configured: 'D:\\Temp\\PreRestore_20260113_030000', local: join(temp, 'PreRestore_20260113_030000') },
      extraction: { configured: 'D:\\Temp\\AlteryxRestore_20260113_030000', local: extraction },
      phases: ['database'],
      files: [],
      keys: [],
      tokenNodes: [],
      tokenBackup: null,
      selfManaged: {
        dumpConfigured: 'D:\\Temp\\PreRestore_20260113_030000\\MongoDB',
        dumpLocal: join(temp, 'PreRestore_20260113_030000', 'MongoDB'),
        documents: 2609,
        uri: 'mongodb://svc-backup@mongo01.corp.local:27017/?authSource=admin',
        restoreStarted: true,
      },
    },
  };
  writeFileSync(join(temp, 'AlteryxBackup.journal.json'), JSON.stringify(journal));
  const lines: string[] = [];
  const platform = { nodes: [] } as unknown as Parameters<typeof recoverFromJournal>[0];
  const report = await recoverFromJournal(platform, journal, new RunLogger((r) => lines.push(r.message)), temp, 1000);
  t.is(report.restore!.manual.length, 1);
  const m = report.restore!.manual[0]!;
  t.true(
    m.includes(
      'mongorestore --gzip --drop --dir="D:\\Temp\\PreRestore_20260113_030000\\MongoDB" --nsInclude="AlteryxGallery.*" --nsInclude="AlteryxGallery_Lucene.*" --nsInclude="AlteryxService.*" --uri="mongodb://svc-backup@mongo01.corp.local:27017/?authSource=admin"',
    ),
    m,
  );
  t.regex(m, /2609 document\(s\) restored successfully and 0 failed/);
  t.false(/--password|-p /.test(m), 'no password option');
  t.true(
    lines.some((l) => l.includes('The self-managed MongoDB was not put back')),
    'said in the log',
  );
  t.true(report.journalCleared, 'nothing else to retry');
  t.false(report.complete);
  t.false(existsSync(join(temp, 'AlteryxBackup.journal.json')));
  t.false(existsSync(extraction), 'the extraction folder (token in clear) is removed');
  t.deepEqual(report.restore!.failed, []);
});
