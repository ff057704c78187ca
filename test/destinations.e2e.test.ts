import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runBackup, type BackupResult } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import type { ProgressEvent } from '../src/core/context.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { readKnobs, setKnob } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { filesUnder } from './helpers/tmp.ts';

const NAS1 = '\\\\nas01\\AlteryxBackups';
const NAS2 = '\\\\nas02\\Offline\\Backups';
const unc = (dir: string, ...parts: string[]) => join(dir, 'UNC', ...parts);
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function backup(params: Record<string, unknown>) {
  const logs: LogRecord[] = [];
  const progress: ProgressEvent[] = [];
  const r = await runBackup({ params, secrets: {}, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: (p) => progress.push(p) });
  return { r, logs, progress };
}

/** Every file anywhere in the sandbox that carries the archive's final name is the complete, verified archive. */
function assertNoPartialUnderFinalName(t: import('ava').ExecutionContext, dir: string, r: BackupResult) {
  const name = basename(r.archivePath!);
  const all = filesUnder(dir);
  t.deepEqual(
    all.filter((f) => /\.partial/.test(basename(f))),
    [],
    'no temporary file is left anywhere',
  );
  const finals = all.filter((f) => basename(f) === name);
  t.true(finals.length >= 1);
  for (const f of finals) {
    t.is(statSync(f).size, r.sizeBytes ?? -1, f);
    t.is(sha(f), r.sha256 ?? '', f);
  }
  return finals;
}

test('two shares: one fails twice then recovers (verified copy after 3 tries), one offline (reported); exit 4; local copy intact; nothing partial anywhere', async (t) => {
  const { dir, config } = await quickSandbox(
    t,
    {},
    { BackupConfiguration: { NetworkBackupPaths: [NAS1, NAS2], NetworkCopy: { Attempts: 3, RetryDelaySeconds: 0.3 } } },
  );
  setKnob(dir, `destinations.${NAS1}.failTimes`, '2');
  setKnob(dir, `destinations.${NAS2}.offline`, 'true');
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });

  t.is(r.exitCode, 4, r.message);
  t.regex(r.message, /1 destination\(s\) failed: \\\\nas02\\Offline\\Backups \(The network path was not found/);
  t.deepEqual(
    r.destinations.map((d) => [d.kind, d.path, d.status, d.attempts]),
    [
      ['local', 'D:\\Alteryx\\Backups', 'ok', 1],
      ['network', NAS1, 'ok', 3],
      ['network', NAS2, 'failed', 3],
    ],
  );
  const nas1 = r.destinations[1]!;
  t.true(nas1.verified);
  t.is(nas1.sha256, r.sha256 ?? undefined);
  t.is(readKnobs(dir).destinations[NAS1]!.failTimes, 0, 'both injected failures were consumed');

  // The first share: the archive and its checksum, verified by an independent tool.
  const nasDir = unc(dir, 'nas01', 'AlteryxBackups');
  const name = basename(r.archivePath!);
  t.deepEqual(readdirSync(nasDir).sort(), [name, `${name}.sha256`]);
  const check = spawnSync('sha256sum', ['-c', `${name}.sha256`], { cwd: nasDir, encoding: 'utf8' });
  t.is(check.status, 0, check.stdout + check.stderr);
  // The offline share got nothing.
  t.false(existsSync(unc(dir, 'nas02', 'Offline', 'Backups', name)));
  // The local copy is intact.
  const localCheck = spawnSync('sha256sum', ['-c', `${name}.sha256`], { cwd: join(dir, 'D', 'Alteryx', 'Backups'), encoding: 'utf8' });
  t.is(localCheck.status, 0, localCheck.stdout + localCheck.stderr);
  t.is(assertNoPartialUnderFinalName(t, dir, r).length, 2);

  // The log tells the story: offline found before the backup; each failed try with the wait; the outcome.
  const msgs = logs.map((l) => `${l.level} ${l.message}`);
  const probe = msgs.findIndex((m) => /WARNING Network destination \\\\nas02.* is not reachable now/.test(m));
  const archived = msgs.findIndex((m) => /Archive written/.test(m));
  t.true(probe >= 0 && probe < archived, 'the offline share is reported in pre-flight');
  t.is(msgs.filter((m) => /WARNING Copy to \\\\nas01.*failed \(attempt [12] of 3\).*next try in 300 ms/.test(m)).length, 2);
  t.true(msgs.some((m) => /SUCCESS Copied to \\\\nas01\\AlteryxBackups and verified .*attempt 3 of 3/.test(m)));
  t.true(msgs.some((m) => /ERROR Copy to \\\\nas02\\Offline\\Backups FAILED after 3 attempt\(s\)/.test(m)));
  // The copies ran in parallel and waited between tries: the second share's first failure is logged before the
  // first share's last try succeeds (one after the other, every line of one share would come first), and the step
  // took at least the two waits of 0.3 s. (No upper bound on time: a loaded machine is slow, not wrong.)
  const firstNas2Failure = msgs.findIndex((m) => /Copy to \\\\nas02.*failed \(attempt 1 of 3\)/.test(m));
  const nas1Success = msgs.findIndex((m) => /SUCCESS Copied to \\\\nas01/.test(m));
  t.true(firstNas2Failure >= 0 && firstNas2Failure < nas1Success, 'the two copies overlapped');
  const copyMs = (r.summary['stepDurationsMs'] as Record<string, number>)['copy']!;
  t.true(copyMs >= 600, `copy step ${copyMs} ms`);
  // Retention skipped the share whose copy failed.
  t.true(msgs.some((m) => /Retention on \\\\nas02\\Offline\\Backups: skipped/.test(m)));
});

test('the same scenario through the CLI process: exit code 4, JSON result lists each destination', async (t) => {
  const { dir, config } = await quickSandbox(
    t,
    {},
    { BackupConfiguration: { NetworkBackupPaths: [NAS1, NAS2], NetworkCopy: { Attempts: 3, RetryDelaySeconds: 0.2, Backoff: 'exponential' } } },
  );
  setKnob(dir, `destinations.${NAS1}.failTimes`, '2');
  setKnob(dir, `destinations.${NAS2}.offline`, 'true');
  const run = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(run.code, 4, run.stderr);
  const res = run.result!;
  t.is(res['exitCode'], 4);
  const dests = res['destinations'] as Array<Record<string, unknown>>;
  t.deepEqual(
    dests.map((d) => [d['path'], d['status'], d['attempts']]),
    [
      ['D:\\Alteryx\\Backups', 'ok', 1],
      [NAS1, 'ok', 3],
      [NAS2, 'failed', 3],
    ],
  );
  t.true(dests[1]!['verified'] as boolean);
  // Exponential backoff: 0.2 s then 0.4 s.
  const waits = run.events
    .filter((e) => e['type'] === 'log' && /Copy to \\\\nas01.*next try in/.test(String(e['message'])))
    .map((e) => /next try in (\d+) ms/.exec(String(e['message']))![1]);
  t.deepEqual(waits, ['200', '400']);
  assertNoPartialUnderFinalName(t, dir, { ...(res as unknown as BackupResult), archivePath: String(res['archivePath']) });
});

test('a slow share (slowMBps 1.5): the copy is throttled, progress events flow to the JSON stream, the copy is verified', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 6 }, { BackupConfiguration: { NetworkBackupPaths: [NAS1], CompressionLevel: 1 } });
  setKnob(dir, `destinations.${NAS1}.slowMBps`, '1.5');
  const run = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(run.code, 0, JSON.stringify(run.result));
  const res = run.result!;
  const d = (res['destinations'] as Array<Record<string, unknown>>)[1]!;
  const size = Number(res['sizeBytes']);
  t.true(size > 2 * 1024 * 1024, `archive ${size} bytes`);
  const mbps = Number(d['throughputMBps']);
  t.log(`archive ${(size / 1048576).toFixed(2)} MiB to a 1.5 MB/s share: ${mbps} MB/s, ${d['durationMs']} ms with read-back`);
  t.true(mbps <= 1.5 * 1.05 && mbps > 0, `${mbps} MB/s`);
  const prog = run.events.filter((e) => e['type'] === 'progress' && /^Copying ServerBackup_DB_.* to \\\\nas01/.test(String(e['activity'])));
  const running = prog.filter((e) => !e['completed'] && Number(e['percent']) >= 0);
  t.true(running.length >= 3, `${running.length} progress events`);
  t.true(running.some((e) => Number(e['percent']) > 0 && Number(e['percent']) < 100));
  t.true(prog.some((e) => e['completed'] === true && e['percent'] === 100));
  assertNoPartialUnderFinalName(t, dir, { ...(res as unknown as BackupResult), archivePath: String(res['archivePath']) });
});

test('a full mapped drive: the copy fails at once (no pointless retries), exit 4, the local archive is published', async (t) => {
  const { dir, config } = await quickSandbox(
    t,
    {},
    { BackupConfiguration: { NetworkBackupPaths: ['Z:\\AlteryxBackups'], NetworkCopy: { RetryDelaySeconds: 5 } } },
  );
  setKnob(dir, 'disk.freeBytes', JSON.stringify({ Z: 1000 }));
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 4);
  t.false(
    logs.some((l) => /Copy to Z:.*next try in/.test(l.message)),
    'no retry wait',
  );
  const z = r.destinations[1]!;
  t.is(z.status, 'failed');
  t.is(z.attempts, 1);
  t.regex(z.error!, /not enough free space: 1000 B free/);
  t.truthy(r.archivePath);
  t.true(existsSync(r.archivePath!));
  t.deepEqual(readdirSync(join(dir, 'Z', 'AlteryxBackups')), []);
});

test('a mapped drive the task does not see (Z: missing for this account): exit 4 naming the likely cause and the UNC path, no retries; the local archive is published', async (t) => {
  const { dir, config } = await quickSandbox(
    t,
    {},
    { BackupConfiguration: { NetworkBackupPaths: ['Z:\\AlteryxBackups'], NetworkCopy: { Attempts: 3, RetryDelaySeconds: 5 } } },
  );
  setKnob(dir, 'disk.missing', '["Z"]');
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 4, r.message);
  const cause =
    /drive Z: does not exist for the account running the backup\. Z: is most likely a mapped network drive: .*a scheduled task, SYSTEM or another account does not see it\. Use the UNC path instead/;
  t.regex(r.message, /^Backup written, but 1 destination\(s\) failed: Z:\\AlteryxBackups \(drive Z: does not exist/);
  t.regex(r.message, cause);
  t.true(
    logs.some((l) => l.level === 'WARNING' && /The network destination Z:\\AlteryxBackups is not reachable: drive Z: does not exist/.test(l.message)),
    'pre-flight says so before the service is touched',
  );
  const z = r.destinations[1]!;
  t.deepEqual([z.path, z.status, z.attempts], ['Z:\\AlteryxBackups', 'failed', 1]);
  t.regex(z.error!, cause);
  t.false(
    logs.some((l) => /Copy to Z:.*next try in/.test(l.message)),
    'no retry: a mapping does not appear by waiting',
  );
  t.false(existsSync(join(dir, 'Z')), 'nothing was written to the missing drive');
  t.true(existsSync(r.archivePath!));
  // The same drive as the local backup path stops the run before anything is touched.
  const local = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config, LocalBackupPath: 'Z:\\Backups', NetworkBackupPath: [] });
  t.is(local.r.exitCode, 4, local.r.message);
  t.regex(local.r.message, /The local backup path Z:\\Backups is not reachable: drive Z: does not exist .*Use the UNC path/);
  t.false(existsSync(join(dir, 'Z')));
});

test('the same share listed twice (or the local folder as a share) is copied once, with a warning', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { NetworkBackupPaths: [NAS1, `${NAS1}\\`, 'D:\\Alteryx\\Backups'] } });
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  t.deepEqual(
    r.destinations.map((d) => [d.path, d.status, d.attempts]),
    [
      ['D:\\Alteryx\\Backups', 'ok', 1],
      [NAS1, 'ok', 1],
      [`${NAS1}\\`, 'ok', 0],
      ['D:\\Alteryx\\Backups', 'ok', 0],
    ],
  );
  t.is(logs.filter((l) => l.level === 'WARNING' && /is the same folder as .*: not copied again/.test(l.message)).length, 2);
  assertNoPartialUnderFinalName(t, dir, r);
});
