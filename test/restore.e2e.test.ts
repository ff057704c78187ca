import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getServiceState, openSandbox, readEvents, setKnob } from '../src/sandbox/index.ts';
import { safeTarget } from '../src/archive/extract.ts';
import { runCli, type CliRun } from './helpers/cli.ts';
import {
  backupOf,
  configHashes,
  counts,
  defaultsHashes,
  readManifest,
  sha,
  token,
  withUnsafeEntry,
  writeSha256,
  writeZip,
  zipEntries,
} from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import type { Manifest } from '../src/core/manifest.ts';

type Checks = Array<{ name: string; ok: boolean; detail: string }>;

const serviceEvents = (dir: string) => readEvents(dir).filter((e) => e['kind'] === 'service');
const tempFolders = (dir: string) =>
  existsSync(join(dir, 'D', 'Temp')) ? readdirSync(join(dir, 'D', 'Temp')).filter((n) => /^(AlteryxRestore|PreRestore)_/.test(n)) : [];

function restoreCli(archive: string, b: { dir: string; config: string }, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(['restore', archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json', ...extra], { env });
}

function snapshot(dir: string) {
  return { config: configHashes(dir), defaults: defaultsHashes(dir), counts: counts(dir), token: token(dir), events: serviceEvents(dir).length };
}

for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly'] as const) {
  test(`${mode}: a backup of sandbox A restores into a fresh sandbox B through the CLI`, async (t) => {
    const a = await backupOf(t, mode);
    const b = await quickSandbox(t);
    const before = snapshot(b.dir);
    const source = snapshot(a.dir);
    t.notDeepEqual(before.counts, source.counts, 'A and B start with different databases');
    t.notDeepEqual(before.config, source.config, 'A and B start with different files');

    const r = await restoreCli(a.archive, b);
    t.is(r.code, 0, `${r.stderr}\n${JSON.stringify(r.result, null, 1)}`);
    const res = r.result!;
    t.is(res['success'], true);
    t.is(res['mode'], mode);
    t.is(res['restoreMode'], mode);
    const checks = res['checks'] as Checks;
    t.true(checks.length > 10);
    t.deepEqual(
      checks.filter((c) => !c.ok),
      [],
    );
    const after = snapshot(b.dir);

    const db = mode !== 'ConfigOnly';
    const cfg = mode !== 'DatabaseOnly';
    if (db) {
      t.deepEqual(after.counts, source.counts, "restored document counts equal the source's");
      t.deepEqual(after.counts, a.manifest.mongo.databases);
      const log = res['restoreLog'] as { ok: boolean; restored: number; summary: string };
      t.true(log.ok, log.summary);
      t.is(
        log.restored,
        Object.values(source.counts)
          .flatMap((c) => Object.values(c))
          .reduce((x, y) => x + y, 0),
      );
      const rows = res['counts'] as Array<{ ok: boolean }>;
      t.is(rows.length, 11);
      t.true(rows.every((x) => x.ok));
      t.truthy(res['preRestoreDatabasePath']);
      t.true(existsSync(String(res['preRestoreDatabasePath'])), 'the previous database is kept beside');
    } else {
      t.deepEqual(after.counts, before.counts, 'ConfigOnly leaves the database alone');
      t.is(res['restoreLog'], null);
    }
    if (cfg) {
      t.deepEqual(after.config, source.config, 'restored files hash-equal the originals');
      t.is(after.token, source.token, "the controller token is A's");
      t.truthy(res['preRestorePath']);
      const pre = String(res['preRestorePath']);
      t.is(
        sha(readFileSync(join(pre, 'Config', 'RuntimeSettings.xml'))),
        Object.entries(before.config).find(([k]) => k.endsWith('\\ProgramData\\Alteryx\\RuntimeSettings.xml'))![1],
        "the pre-restore folder holds B's previous file",
      );
    } else {
      t.deepEqual(after.config, before.config, 'DatabaseOnly leaves the files alone');
      t.is(after.token, before.token);
    }
    t.deepEqual(after.defaults, before.defaults, 'the defaults RuntimeSettings.xml is never written');
    const node = openSandbox(b.dir).nodes[0]!.name;
    t.is(getServiceState(b.dir, node), 'Running');
    t.deepEqual(
      serviceEvents(b.dir)
        .slice(before.events)
        .map((e) => e['to']),
      ['StopPending', 'Stopped', 'StartPending', 'Running'],
    );
    t.deepEqual(
      tempFolders(b.dir).filter((n) => n.startsWith('AlteryxRestore_')),
      [],
      'the extraction folder (token in clear) is gone',
    );
    // The token is masked everywhere: events, result, log file.
    const logText = readFileSync(String(res['logPath']), 'utf8');
    t.false(r.stdout.includes(source.token));
    t.false(logText.includes(source.token));
    t.regex(logText, /\[SUCCESS\] .*restore of/);
  });
}

test('a restore log with Failed: lines fails the restore with exit 5; files, token, database and service are put back', async (t) => {
  const a = await backupOf(t, 'Full');
  const b = await quickSandbox(t);
  setKnob(b.dir, 'emongorestore.fail', '"text"');
  const before = snapshot(b.dir);
  const r = await restoreCli(a.archive, b);
  t.is(r.code, 5, r.stdout.slice(-2000));
  const res = r.result!;
  t.is(res['exitCode'], 5);
  t.regex(String(res['message']), /The MongoDB restore failed/);
  const log = res['restoreLog'] as { ok: boolean; problemLines: string[] };
  t.false(log.ok);
  t.true(
    log.problemLines.some((l) => /Failed:/.test(l)),
    log.problemLines.join('\n'),
  );
  t.true(res['rolledBack'] as boolean);
  const after = snapshot(b.dir);
  t.deepEqual(after.config, before.config, 'pre-restore files are put back');
  t.deepEqual(after.counts, before.counts, 'the previous database is put back');
  t.is(after.token, before.token, 'the previous token is put back');
  t.is(getServiceState(b.dir, openSandbox(b.dir).nodes[0]!.name), 'Running');
  t.true((res['rollback'] as string[]).some((x) => /RuntimeSettings\.xml .*put back/.test(x)));
});

test('a restore log with "0 document(s) restored successfully" (an empty dump) fails with exit 5 and nothing stays changed', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const entries = await zipEntries(a.archive);
  const m = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
  const empty = Buffer.alloc(0);
  for (const f of m.files) {
    if (!f.path.endsWith('.bson')) continue;
    entries.set(f.path, empty);
    f.size = 0;
    f.sha256 = sha(empty);
  }
  for (const db of Object.values(m.mongo.databases)) for (const c of Object.keys(db)) db[c] = 0;
  entries.set('manifest.json', Buffer.from(JSON.stringify(m)));
  const crafted = join(tempDir(t), 'ServerBackup_DB_20260113_020000.zip');
  await writeZip(crafted, entries);
  writeSha256(crafted);
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  const r = await restoreCli(crafted, b);
  t.is(r.code, 5, r.stdout.slice(-2000));
  const log = r.result!['restoreLog'] as { ok: boolean; restored: number; summaryLines: string[] };
  t.false(log.ok);
  t.is(log.restored, 0);
  t.regex(log.summaryLines[0]!, /0 document\(s\) restored successfully\. 0 document\(s\) failed to restore\./);
  t.deepEqual(snapshot(b.dir).counts, before.counts);
  t.is(getServiceState(b.dir, openSandbox(b.dir).nodes[0]!.name), 'Running');
});

test('an archive carrying a ../ entry is refused (exit 3) before anything is written', async (t) => {
  const a = await backupOf(t, 'ConfigOnly');
  const crafted = join(tempDir(t), 'ServerBackup_Config_20260113_020000.zip');
  await withUnsafeEntry(a.archive, crafted, '../../evil.txt', Buffer.from('pwned'));
  writeSha256(crafted);
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  const r = await restoreCli(crafted, b);
  t.is(r.code, 3);
  t.regex(String(r.result!['message']), /\.\.\/\.\.\/evil\.txt/);
  const checks = r.result!['checks'] as Checks;
  t.false(checks.find((c) => c.name === 'safe names')!.ok);
  t.deepEqual(snapshot(b.dir), before, 'no file, token, database or service changed');
  t.deepEqual(tempFolders(b.dir), [], 'no extraction or pre-restore folder');
  for (const p of [join(b.dir, 'D', 'evil.txt'), join(b.dir, 'D', 'Temp', 'evil.txt'), join(b.dir, 'evil.txt')]) t.false(existsSync(p), p);
  // The extractor refuses such names on its own too (defence in depth).
  const root = tempDir(t);
  t.throws(() => safeTarget(root, '../../evil.txt'), { message: /outside the restore folder/ });
  t.throws(() => safeTarget(root, 'Config/../../evil.txt'), { message: /outside the restore folder/ });
  t.throws(() => safeTarget(root, 'C:\\Windows\\evil.txt'), { message: /outside the restore folder/ });
  t.is(safeTarget(root, 'Config/Keys/a..b.key'), join(root, 'Config', 'Keys', 'a..b.key'));
});

test('--dry-run verifies, checks and shows the plan, and changes nothing; without --yes a restore does not start', async (t) => {
  const a = await backupOf(t, 'Full');
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  const r = await runCli(['restore', a.archive, '--sandbox', b.dir, '--config', b.config, '--dry-run', '--json']);
  t.is(r.code, 0, r.stdout.slice(-1500));
  t.true(r.result!['dryRun'] as boolean);
  // A successful dry run says so in its result, not only in the log (issue 13).
  t.regex(
    String(r.result!['message']),
    /^Dry run of a Full restore of .*ServerBackup_Full_\d{8}_\d{6}\.zip: the archive verified and pre-flight passed; nothing was changed\.$/,
  );
  t.true((r.result!['checks'] as Checks).some((c) => c.name === 'node role and persistence' && c.ok && /this machine: combined/.test(c.detail)));
  const plan = r.events.find((e) => e['type'] === 'plan') as { steps: Array<{ name: string }> };
  t.deepEqual(
    plan.steps.map((s) => s.name),
    ['verify', 'preflight', 'extract', 'workflows', 'stop-service', 'pre-restore', 'files', 'server-secret', 'database', 'start-service', 'check', 'cleanup'],
  );
  t.deepEqual(snapshot(b.dir), before);
  t.deepEqual(tempFolders(b.dir), []);
  const noYes = await runCli(['restore', a.archive, '--sandbox', b.dir, '--config', b.config]);
  t.is(noYes.code, 3);
  t.regex(noYes.stderr, /--yes/);
  t.deepEqual(snapshot(b.dir), before);
});

test('pre-flight: not Administrator is exit 3, too little space in the temp folder exit 4, each with nothing touched', async (t) => {
  const a = await backupOf(t, 'Full');
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  setKnob(b.dir, 'elevated', 'false');
  const r = await restoreCli(a.archive, b);
  t.is(r.code, 3);
  t.regex(String(r.result!['message']), /Administrator/);
  setKnob(b.dir, 'elevated', 'true');
  setKnob(b.dir, 'disk.freeBytes', JSON.stringify({ D: 1000 }));
  const r2 = await restoreCli(a.archive, b);
  t.is(r2.code, 4);
  t.regex(String(r2.result!['message']), /Not enough free space in D:\\Temp: 1000 B free/);
  setKnob(b.dir, 'disk.freeBytes', '{}');
  t.deepEqual(snapshot(b.dir), before);
  t.deepEqual(tempFolders(b.dir), []);
});

test('a version mismatch is a clear warning; --mode ConfigOnly restores only the files of a Full archive', async (t) => {
  const a = await backupOf(t, 'Full');
  const b = await quickSandbox(t, { version: '2022.3' });
  const before = snapshot(b.dir);
  const r = await restoreCli(a.archive, b, ['--mode', 'ConfigOnly']);
  t.is(r.code, 0, r.stdout.slice(-1500));
  t.is(r.result!['restoreMode'], 'ConfigOnly');
  t.true(
    (r.result!['warnings'] as string[]).some((w) =>
      /VERSION MISMATCH: the archive was taken on Alteryx Server 2023\.1\.1\.281, this server runs 2022\.3\.1\.395/.test(w),
    ),
  );
  const after = snapshot(b.dir);
  t.deepEqual(after.counts, before.counts, 'the database is not touched');
  t.deepEqual(after.config, configHashes(a.dir));
  const plan = r.events.find((e) => e['type'] === 'plan') as { steps: Array<{ name: string }> };
  t.false(plan.steps.some((s) => s.name === 'database'));
});

test('an archive labelled self-managed onto an embedded server: exit 5 (a migration, not a restore), nothing changed', async (t) => {
  const a = await backupOf(t, 'DatabaseOnly');
  const entries = await zipEntries(a.archive);
  const m = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
  m.mongo.type = 'selfManaged';
  entries.set('manifest.json', Buffer.from(JSON.stringify(m)));
  const crafted = join(tempDir(t), 'ServerBackup_DB_20260113_020000.zip');
  await writeZip(crafted, entries);
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  const r = await restoreCli(crafted, b);
  t.is(r.code, 5);
  t.regex(
    String(r.result!['message']),
    /^This server uses the embedded MongoDB .*a dump of a self-managed MongoDB \(mongodump\); moving between the two is a migration this tool does not do\. Nothing was changed\./,
  );
  t.deepEqual(snapshot(b.dir), before);
});

test('a service that does not start after the restore: the files are rolled back and the failure reported', async (t) => {
  const a = await backupOf(t, 'ConfigOnly');
  const b = await quickSandbox(t, {}, { ServiceConfiguration: { MaxServiceWaitSeconds: 2 } });
  setKnob(b.dir, 'service.failStart', 'true');
  const before = snapshot(b.dir);
  const r = await restoreCli(a.archive, b);
  t.not(r.code, 0);
  t.true(r.result!['rolledBack'] as boolean);
  t.regex(String(r.result!['message']), /start/i);
  const after = snapshot(b.dir);
  t.deepEqual(after.config, before.config);
  t.is(after.token, before.token);
});

test("multi-node Full: ordered stop and start, every node's files, the database", async (t) => {
  const a = await backupOf(t, 'Full', { topology: 'multi' });
  const b = await quickSandbox(t, { topology: 'multi' });
  const info = openSandbox(b.dir);
  const evBefore = serviceEvents(b.dir).length;
  const r = await restoreCli(a.archive, b);
  t.is(r.code, 0, r.stdout.slice(-2000));
  const role = (name: string) => info.nodes.find((n) => n.name === name)!.role;
  const ev = serviceEvents(b.dir).slice(evBefore);
  t.deepEqual(
    ev.filter((e) => e['to'] === 'StopPending').map((e) => role(String(e['node']))),
    ['ui', 'worker', 'worker', 'controller'],
  );
  t.deepEqual(
    ev.filter((e) => e['to'] === 'StartPending').map((e) => role(String(e['node']))),
    ['controller', 'worker', 'worker', 'ui'],
  );
  t.deepEqual(configHashes(b.dir), configHashes(a.dir));
  t.deepEqual(counts(b.dir), counts(a.dir));
  for (const n of info.nodes) t.is(getServiceState(b.dir, n.name), 'Running');
});

test('AES-256 archives restore with the password; a wrong password is exit 3 with nothing changed', async (t) => {
  const password = 'Arch!ve-Pa55';
  const a = await backupOf(t, 'ConfigOnly', {}, { ArchivePassword: password });
  const b = await quickSandbox(t);
  const before = snapshot(b.dir);
  const wrong = await restoreCli(a.archive, b, [], { ALTERYXBACKUP_ARCHIVE_PASSWORD: 'nope' });
  t.is(wrong.code, 3);
  t.deepEqual(snapshot(b.dir), before);
  const r = await restoreCli(a.archive, b, [], { ALTERYXBACKUP_ARCHIVE_PASSWORD: password });
  t.is(r.code, 0, r.stdout.slice(-1500));
  t.deepEqual(configHashes(b.dir), configHashes(a.dir));
  t.false(r.stdout.includes(password));
  t.is((await readManifest(a.archive, password)).encrypted, true);
});

test('restore and drill have --help; the main help lists them', async (t) => {
  for (const cmd of ['restore', 'drill']) {
    const r = await runCli([cmd, '--help']);
    t.is(r.code, 0);
    t.regex(r.stdout, new RegExp(`alteryx-backup ${cmd} - `));
    t.regex(r.stdout, /Exit codes/);
  }
  const main = await runCli(['--help']);
  t.regex(main.stdout, /alteryx-backup restore ARCHIVE --yes/);
  t.regex(main.stdout, /alteryx-backup drill \[ARCHIVE\]/);
});
