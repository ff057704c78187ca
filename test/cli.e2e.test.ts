import test from 'ava';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getServiceState, readEvents, setKnob } from '../src/sandbox/index.ts';
import { createOptions } from '../src/cli/sandbox-cmd.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox, startBackupUntilDump } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

test('--help on every command, exit 0', async (t) => {
  for (const args of [['--help'], ['backup', '--help'], ['verify', '--help'], ['recover', '--help'], ['sandbox', '--help'], ['demo', '--help']]) {
    const r = await runCli(args);
    t.is(r.code, 0, args.join(' '));
    t.regex(r.stdout, /Usage/);
  }
});

test('sandbox --help and the main help name every option of sandbox create (--role and --persistence too)', async (t) => {
  const own = (await runCli(['sandbox', '--help'])).stdout;
  const main = (await runCli(['--help'])).stdout;
  const createLines = main.slice(main.indexOf('sandbox create'), main.indexOf('sandbox status'));
  const documented = Object.keys(createOptions).filter((o) => o !== 'help' && o !== 'request-stdin');
  t.true(documented.includes('role') && documented.includes('persistence'));
  for (const o of documented) {
    t.regex(own, new RegExp(`^\\s+--${o}\\b`, 'm'), `sandbox --help describes --${o}`);
    if (!['modified-config', 'force', 'json'].includes(o)) t.true(createLines.includes(`--${o} `), `the main help's sandbox create line has --${o}`);
  }
  t.regex(own, /--role controller\|worker\|ui/);
  t.regex(own, /--persistence mongo\|sqlserver\|sqlite/);
  t.regex(createLines, /\[--role controller\|worker\|ui\]\s+\[--persistence mongo\|sqlserver\|sqlite\]/);
});

test('a bad mode is exit 6 before anything runs; a bad flag value is exit 3', async (t) => {
  const r = await runCli(['backup', '--mode', 'Bogus', '--json']);
  t.is(r.code, 6);
  t.is(r.result?.['exitCode'], 6);
  t.regex(String(r.result?.['message']), /Bogus.*Full, DatabaseOnly, ConfigOnly/);
  const r2 = await runCli(['backup', '--mode', 'Full', '--max-service-wait', 'soon']);
  t.is(r2.code, 3);
  t.regex(r2.stderr, /--max-service-wait must be a whole number/);
});

test('--json: one JSON object a line, the last one the result with the documented fields', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const r = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  for (const l of lines) t.notThrows(() => JSON.parse(l));
  const last = JSON.parse(lines.at(-1)!);
  t.is(last.type, 'result');
  for (const k of ['exitCode', 'mode', 'archivePath', 'sha256', 'sizeBytes', 'durationMs']) t.true(k in last, k);
  t.is(last.mode, 'ConfigOnly');
  t.true(r.events.some((e) => e['type'] === 'log' && e['level'] === 'SUCCESS'));
  t.true(r.events.some((e) => e['type'] === 'plan'));
});

test('without --json, stdout is for people', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const r = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[INFO\] AlteryxBackup started: mode ConfigOnly/);
  t.regex(r.stdout, /SUCCESS: ConfigOnly backup completed/);
  t.false(r.stdout.includes('{"type"'));
});

test('the request on stdin (the bridge): params, secrets never on the command line, dry run changes nothing', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const req = { command: 'backup', params: { BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, secrets: {}, dryRun: true, verbose: true };
  const before = readEvents(dir).length;
  const r = await runCli(['backup', '--request-stdin', '--json'], { input: JSON.stringify(req) });
  t.is(r.code, 0, r.stderr);
  t.true(r.result?.['dryRun']);
  t.is(r.result?.['archivePath'], null);
  t.is(readEvents(dir).length, before);
  t.false(existsSync(join(dir, 'D', 'Alteryx', 'Backups')) && readdirSync(join(dir, 'D', 'Alteryx', 'Backups')).some((n) => n.endsWith('.zip')));
  const plan = r.events.find((e) => e['type'] === 'plan') as { steps: Array<{ name: string }> };
  t.deepEqual(
    // Issue 15: the files and the secrets are captured before the stop (downtime = stop + dump + start).
    plan.steps.slice(0, 5).map((s) => s.name),
    ['preflight', 'workflows', 'files', 'secrets', 'stop-service'],
  );
});

test('SIGKILL in the middle of the dump: recover puts the service back, and the next run reports the interrupted one', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  setKnob(dir, 'emongodump.seconds', '10');
  const node = info.nodes[0]!.name;
  const { pid, run } = await startBackupUntilDump(dir, config, 'DatabaseOnly');
  t.is(getServiceState(dir, node), 'Stopped');
  process.kill(pid, 'SIGKILL');
  const dead = await run;
  t.is(dead.signal, 'SIGKILL');
  t.is(dead.result, undefined);
  t.is(getServiceState(dir, node), 'Stopped', 'nobody restarted it yet');
  t.true(existsSync(join(dir, 'D', 'Temp', 'AlteryxBackup.journal.json')));
  const rec = await runCli(['recover', '--sandbox', dir, '--config', config, '--json']);
  t.is(rec.code, 0, rec.stdout + rec.stderr);
  t.regex(String(rec.result?.['message']), /Recovered the interrupted run/);
  t.is(getServiceState(dir, node), 'Running');
  t.false(existsSync(join(dir, 'D', 'Temp', 'AlteryxBackup.journal.json')));
});

test('an interrupted run whose journal nobody recovered is finished by the next run', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  setKnob(dir, 'emongodump.seconds', '10');
  const node = info.nodes[0]!.name;
  const { pid, run } = await startBackupUntilDump(dir, config, 'DatabaseOnly');
  process.kill(pid, 'SIGKILL');
  await run;
  setKnob(dir, 'emongodump.seconds', '0');
  const next = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(next.code, 0, next.stdout);
  t.true(((next.result?.['warnings'] ?? []) as string[]).some((w) => /was interrupted/.test(w)));
  t.is(getServiceState(dir, node), 'Running');
  const log = readFileSync(String(next.result?.['logPath']), 'utf8');
  t.regex(log, /\[WARNING\] Run \d+ \(DatabaseOnly, started .*\) was interrupted/);
});

test('not on Windows and no --sandbox: a clear exit 3', async (t) => {
  const dir = tempDir(t);
  const r = await runCli(['backup', '--mode', 'ConfigOnly', '--log-directory', dir, '--json']);
  t.is(r.code, 3);
  t.regex(String(r.result?.['message']), /--sandbox DIR/);
});

test('Ctrl+C (SIGINT) during the dump: the dump is stopped, the service started again, exit 1, no archive', async (t) => {
  const { dir, config, info } = await quickSandbox(t);
  // A dump far longer than any slow machine's interrupt handling: ending well before it proves the run did not wait.
  setKnob(dir, 'emongodump.seconds', '120');
  const node = info.nodes[0]!.name;
  const { pid, run } = await startBackupUntilDump(dir, config, 'Full');
  const killedAt = Date.now();
  process.kill(pid, 'SIGINT');
  const r = await run;
  t.is(r.code, 1);
  t.regex(String(r.result?.['message']), /interrupted \(SIGINT\)/);
  t.true(Date.now() - killedAt < 60_000, 'the run did not wait for the 120 s dump to finish');
  t.is(getServiceState(dir, node), 'Running');
  t.false(existsSync(join(dir, 'D', 'Temp', 'AlteryxBackup.journal.json')));
  const backups = join(dir, 'D', 'Alteryx', 'Backups');
  t.false(existsSync(backups) && readdirSync(backups).some((n) => n.endsWith('.zip')));
});
