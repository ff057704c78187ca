// src/core/lock.ts: the run lock's liveness check (issue 19 item 10: a pid reused by another process must not keep a
// stale lock "held"), on real temp folders with real processes. The Windows mechanism (the lock file held open
// without sharing) runs under node.exe in test/windows-release.e2e.test.ts.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runBackup } from '../src/backup/backup.ts';
import { sweepIfNoRunIsAlive } from '../src/core/cleanup.ts';
import { acquireLock, LOCK_NAME, processStartToken, readLockState } from '../src/core/lock.ts';
import { RunLogger } from '../src/log/logger.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';
import { waitFor } from './helpers/wait.ts';

const head = () => ({ pid: process.pid, startedAt: new Date().toISOString(), mode: 'Full' });
const writeLock = (dir: string, content: Record<string, unknown>) => writeFileSync(join(dir, LOCK_NAME), JSON.stringify(content));

test('processStartToken: stable for one process, different for another, undefined for a pid that does not exist', (t) => {
  const mine = processStartToken(process.pid);
  t.regex(mine ?? '', /^.+\+\d+$/);
  t.is(processStartToken(process.pid), mine);
  t.not(processStartToken(process.ppid), undefined);
  t.not(processStartToken(process.ppid), mine);
  t.is(processStartToken(999_999_999), undefined);
});

test('the lock records pid, host and process start; release removes it', (t) => {
  const dir = tempDir(t);
  const lock = acquireLock(dir, head());
  const written = JSON.parse(readFileSync(join(dir, LOCK_NAME), 'utf8')) as Record<string, unknown>;
  t.like(written, { pid: process.pid, mode: 'Full', host: hostname(), processStart: processStartToken(process.pid) });
  t.is(lock.staleFrom, undefined);
  lock.release();
  t.false(existsSync(join(dir, LOCK_NAME)));
});

test('a lock whose pid is alive but started at another time (a reused pid) is stale and taken over, saying why', (t) => {
  const dir = tempDir(t);
  // The test's parent is alive; the lock says its holder started at another time: that pid now belongs to another process.
  writeLock(dir, { pid: process.ppid, startedAt: 'yesterday', mode: 'DatabaseOnly', host: hostname(), processStart: 'another-boot+12345' });
  t.is(readLockState(dir).state, 'stale');
  const lock = acquireLock(dir, head());
  t.is(lock.staleFrom?.pid, process.ppid);
  t.regex(lock.staleFrom?.stale ?? '', new RegExp(`pid ${process.ppid} now belongs to another process, started after the lock's holder: the pid was reused`));
  t.is((JSON.parse(readFileSync(join(dir, LOCK_NAME), 'utf8')) as { pid: number }).pid, process.pid);
  lock.release();
});

test('a lock of a live pid with its own start time, or of a live pid written without one, is respected', (t) => {
  const dir = tempDir(t);
  writeLock(dir, { pid: process.ppid, startedAt: 'earlier', mode: 'Full', host: hostname(), processStart: processStartToken(process.ppid) });
  const e = t.throws(() => acquireLock(dir, head()));
  t.regex(e.message, new RegExp(`Another backup is running \\(pid ${process.ppid}, Full, started earlier: process ${process.ppid} is running\\)`));
  writeLock(dir, { pid: process.ppid, startedAt: 'earlier', mode: 'Full' });
  t.throws(() => acquireLock(dir, head()), { message: /Another backup is running/ });
  t.true(existsSync(join(dir, LOCK_NAME)), 'the holder keeps its lock');
});

test('a lock of another computer is held (its pid cannot be checked from here); a gone pid or garbage is stale', (t) => {
  const dir = tempDir(t);
  writeLock(dir, { pid: 999_999_999, startedAt: 'earlier', mode: 'Full', host: 'OTHER-NODE' });
  t.throws(() => acquireLock(dir, head()), { message: /Another backup is running \(pid 999999999, Full, started earlier: it runs on OTHER-NODE\)/ });
  writeLock(dir, { pid: 999_999_999, startedAt: 'earlier', mode: 'Full', host: hostname().toUpperCase() });
  t.like(readLockState(dir), { state: 'stale', why: 'process 999999999 no longer exists' });
  writeFileSync(join(dir, LOCK_NAME), '{"pid": 12');
  t.is(readLockState(dir).state, 'stale');
  t.is(readLockState(tempDir(t)).state, 'free');
});

test('a real child process holding the lock is respected; once it is killed its lock is stale and taken over', async (t) => {
  const dir = tempDir(t);
  const lockTs = join(import.meta.dirname, '..', 'src', 'core', 'lock.ts');
  const script = `import { acquireLock } from ${JSON.stringify(lockTs)};
acquireLock(${JSON.stringify(dir)}, { pid: process.pid, startedAt: 'child', mode: 'ConfigOnly' });
console.log('held');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    await waitFor('the child to take the lock', () => out.includes('held'), 60_000);
    t.like(readLockState(dir), { state: 'held' });
    t.throws(() => acquireLock(dir, head()), { message: new RegExp(`Another backup is running \\(pid ${child.pid}, ConfigOnly, started child`) });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  t.true(existsSync(join(dir, LOCK_NAME)), 'a killed run leaves its lock');
  const lock = acquireLock(dir, head());
  t.like(lock.staleFrom, { pid: child.pid, stale: `process ${child.pid} no longer exists` });
  lock.release();
});

test('a backup finding the lock of a reused pid runs, and its log says the lock was stale and why', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const temp = join(dir, 'D', 'Temp');
  writeLock(temp, { pid: process.ppid, startedAt: '2026-11-30T02:00:00.000Z', mode: 'Full', host: hostname(), processStart: 'old-boot+1' });
  const r = await runBackup(
    { params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  t.is(r.exitCode, 0, r.message);
  const re =
    /A previous run \(pid \d+, Full, started 2026-11-30T02:00:00\.000Z\) ended without finishing.*its lock was stale \(pid \d+ now belongs to another process, started after the lock's holder: the pid was reused\) and is taken over/;
  t.true(
    r.warnings.some((w) => re.test(w)),
    r.warnings.join('\n'),
  );
  t.regex(readFileSync(r.logPath!, 'utf8'), re, 'the log file says it');
  t.false(existsSync(join(temp, LOCK_NAME)), 'released at the end');
});

test("recover's sweep leaves the temp folder alone while a live run holds the lock, and sweeps once the pid was reused", async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'ServerBackup_Full_20200101_020000');
  mkdirSync(join(folder, 'Secrets'), { recursive: true });
  writeFileSync(join(folder, 'Secrets', 'ControllerToken.txt'), 'ab'.repeat(32));
  const lines: string[] = [];
  const log = new RunLogger((r) => lines.push(r.message));
  writeLock(dir, { pid: process.ppid, startedAt: 'earlier', mode: 'Full', host: hostname(), processStart: processStartToken(process.ppid) });
  t.deepEqual(await sweepIfNoRunIsAlive(dir, log), []);
  t.true(existsSync(folder));
  t.true(lines.some((l) => l === `The temp folder is left as it is: run ${process.ppid} (Full) is still running (process ${process.ppid} is running).`));
  writeLock(dir, { pid: process.ppid, startedAt: 'earlier', mode: 'Full', host: hostname(), processStart: 'old-boot+1' });
  t.is((await sweepIfNoRunIsAlive(dir, log)).length, 1);
  t.false(existsSync(folder));
});
