import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigSchema } from '../src/config/schema.ts';
import { evaluateHealth, median } from '../src/history/health.ts';
import { filterHistory, parseQuery, toCsv } from '../src/history/query.ts';
import { catalogParams, interruptedRecord, runId, runStart, toRecord } from '../src/history/record.ts';
import { dumpBytesOf, parseDuration, rebuildHistory, recordFromLog } from '../src/history/rebuild.ts';
import { esc, monthlyCsv, monthRange, renderReport, totals } from '../src/history/report.ts';
import {
  appendRecordOnce,
  appendRecords,
  compactHistory,
  historyPath,
  readHistory,
  staleLock,
  takeOverStaleLock,
  withHistoryLock,
} from '../src/history/store.ts';
import type { RunRecord } from '../src/history/types.ts';
import { BackupError } from '../src/core/errors.ts';
import { tempDir } from './helpers/tmp.ts';
import { waitFor } from './helpers/wait.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const th = ConfigSchema.parse({}).HealthConfiguration;
const NOW = new Date('2026-11-28T12:00:00Z');

let seq = 0;
function rec(over: Partial<RunRecord> & { ago: number }): RunRecord {
  const { ago, ...rest } = over;
  const started = new Date(NOW.getTime() - ago);
  const r: RunRecord = {
    v: 1,
    id: `backup-${seq++}`,
    kind: 'backup',
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + 60_000).toISOString(),
    host: 'ALTERYX01',
    mode: 'DatabaseOnly',
    exitCode: 0,
    status: 'Success',
    message: 'ok',
    archiveName: 'ServerBackup_DB_x.zip',
    archivePath: 'D:\\Alteryx\\Backups\\ServerBackup_DB_x.zip',
    sha256: 'a'.repeat(64),
    sizeBytes: 100 * 1024 * 1024,
    dumpBytes: null,
    durationMs: 60_000,
    downtimeMs: 30_000,
    stepDurationsMs: {},
    destinations: [{ path: 'D:\\Alteryx\\Backups', kind: 'local', status: 'ok', error: null }],
    drill: null,
    warnings: [],
    logPath: null,
    source: 'run',
    ...rest,
  };
  return r;
}

/** Nightly DatabaseOnly backups, the newest `newestAgo` ago. */
const nightly = (n: number, newestAgo: number, over: Partial<RunRecord> = {}) =>
  Array.from({ length: n }, (_, i) => rec({ ago: newestAgo + (n - 1 - i) * DAY, ...over }));

// --- store ---------------------------------------------------------------------------------------------

test('the catalog appends one line a record, reads them back oldest first, and a missing file is empty', async (t) => {
  const file = historyPath(tempDir(t));
  t.deepEqual(readHistory(file), { records: [], skipped: 0 });
  const a = rec({ ago: DAY });
  const b = rec({ ago: 2 * DAY });
  await appendRecords(file, [a]);
  await appendRecords(file, [b]);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  t.is(lines.length, 2);
  t.deepEqual(readHistory(file).records, [b, a]);
});

test('a torn last line (a run killed mid-write) is skipped and the next append starts on a new line', async (t) => {
  const file = historyPath(tempDir(t));
  await appendRecords(file, [rec({ ago: DAY })]);
  appendFileSync(file, '{"v":1,"id":"torn","kind":"back');
  t.is(readHistory(file).skipped, 1);
  await appendRecords(file, [rec({ ago: 0 })]);
  const r = readHistory(file);
  t.is(r.records.length, 2);
  t.is(r.skipped, 1);
});

test('concurrent runs in separate processes lose no record and interleave no line', async (t) => {
  const dir = tempDir(t);
  const file = historyPath(dir);
  const script = join(dir, 'writer.mts');
  writeFileSync(
    script,
    `import { appendRecords } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'history', 'store.ts'))};
const [file, who] = process.argv.slice(2);
for (let i = 0; i < 25; i++) await appendRecords(file, [{ v: 1, id: who + '-' + i, kind: 'backup', startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), exitCode: 0, message: 'x'.repeat(3000) }]);
`,
  );
  const procs = ['p1', 'p2', 'p3', 'p4'].map(
    (who) =>
      new Promise<number | null>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import=tsx', script, file, who], { stdio: 'inherit' });
        c.on('error', reject);
        c.on('close', resolve);
      }),
  );
  t.deepEqual(await Promise.all(procs), [0, 0, 0, 0]);
  const { records, skipped } = readHistory(file);
  t.is(skipped, 0);
  t.is(records.length, 100);
  t.is(new Set(records.map((r) => r.id)).size, 100);
  t.false(existsSync(`${file}.lock`));
});

test('a lock left by a dead process is taken over; a live holder is waited for', async (t) => {
  const file = historyPath(tempDir(t));
  writeFileSync(`${file}.lock`, '999999');
  await appendRecords(file, [rec({ ago: 0 })]);
  t.is(readHistory(file).records.length, 1);
  const order: string[] = [];
  let release!: () => void;
  const held = withHistoryLock(file, () => new Promise<void>((r) => (release = r)).then(() => order.push('first')));
  const second = appendRecords(file, [rec({ ago: 0 })]).then(() => order.push('second'));
  await new Promise((r) => setImmediate(r));
  release();
  await held;
  await second;
  t.deepEqual(order, ['first', 'second']);
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a stale lock is taken over only if it is still the one judged stale: a fresh lock made meanwhile stays', (t) => {
  const file = historyPath(tempDir(t));
  const lock = `${file}.lock`;
  writeFileSync(lock, String(deadPid()));
  const judged = staleLock(lock);
  t.truthy(judged, 'a lock of a dead process is stale');
  // Another process saw it too and was faster: it removed it and holds a fresh lock of its own.
  unlinkSync(lock);
  writeFileSync(lock, String(process.ppid));
  t.false(takeOverStaleLock(lock, judged!), 'the fresh lock is not the one judged stale');
  t.is(readFileSync(lock, 'utf8'), String(process.ppid), 'the fresh lock is back in place');
  t.is(staleLock(lock), undefined, 'a live holder is not stale');
  // A stale lock that is still the one judged stale goes; nothing is left beside the catalog.
  unlinkSync(lock);
  writeFileSync(lock, String(deadPid()));
  t.true(takeOverStaleLock(lock, staleLock(lock)!));
  t.false(existsSync(lock));
  t.false(takeOverStaleLock(lock, 'x'), 'already gone: nothing to do');
  t.deepEqual(
    readdirSync(dirname(file)).filter((n) => n.includes('.lock')),
    [],
  );
});

test('processes released at once onto a planted stale lock: the read-and-replace of each keeps every record', async (t) => {
  const dir = tempDir(t);
  const file = historyPath(dir);
  writeFileSync(`${file}.lock`, String(deadPid()));
  const go = join(dir, 'go');
  const script = join(dir, 'rewriter.mts');
  writeFileSync(
    script,
    `import { existsSync, writeFileSync } from 'node:fs';
import { readHistory, replaceHistoryLocked, withHistoryLock } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'history', 'store.ts'))};
const [file, who, go] = process.argv.slice(2);
writeFileSync(go + '.' + who + '.ready', '');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
for (let i = 0; i < 20; i++)
  await withHistoryLock(file, async () => {
    const { records } = readHistory(file);
    await new Promise((r) => setImmediate(r));
    replaceHistoryLocked(file, [...records, { v: 1, id: who + '-' + i, kind: 'backup', startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), exitCode: 0, message: 'x' }]);
  });
`,
  );
  const procs = ['p1', 'p2', 'p3', 'p4'].map((who) => {
    const c = spawn(process.execPath, ['--import=tsx', script, file, who, go], { stdio: ['ignore', 'inherit', 'inherit'] });
    return new Promise<number | null>((resolve, reject) => {
      c.on('error', reject);
      c.on('close', resolve);
    });
  });
  // Every writer waits for the same moment, so they meet the stale lock together.
  await waitFor('the writers to start', () => ['p1', 'p2', 'p3', 'p4'].every((w) => existsSync(`${go}.${w}.ready`)), 120_000);
  writeFileSync(go, '');
  t.deepEqual(await Promise.all(procs), [0, 0, 0, 0]);
  const { records, skipped } = readHistory(file);
  t.is(skipped, 0);
  t.is(new Set(records.map((r) => r.id)).size, 80, "no read-and-replace lost another process's record");
  t.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('AlteryxBackupHistory') && n !== 'AlteryxBackupHistory.jsonl'),
    [],
  );
});

test('compaction drops what is older than the log retention and keeps the rest', async (t) => {
  const file = historyPath(tempDir(t));
  await appendRecords(file, [rec({ ago: 100 * DAY }), rec({ ago: 95 * DAY }), rec({ ago: 10 * DAY })]);
  t.is(await compactHistory(file, NOW.getTime() - 90 * DAY), 2);
  const left = readHistory(file).records;
  t.is(left.length, 1);
  t.is(left[0]!.startedAt, new Date(NOW.getTime() - 10 * DAY).toISOString());
  t.is(await compactHistory(file, NOW.getTime() - 90 * DAY), 0);
});

// --- records -------------------------------------------------------------------------------------------

test('a backup result becomes a record: start from the log name, status, sizes, downtime, destinations', (t) => {
  const r = toRecord(
    {
      exitCode: 4,
      message: 'Backup written, but 1 destination(s) failed',
      mode: 'Full',
      archivePath: '/srv/D/Alteryx/Backups/ServerBackup_Full_20261128_020000.zip',
      sha256: 'b'.repeat(64),
      sizeBytes: 1234,
      durationMs: 5400.4,
      logPath: '/srv/D/Alteryx/BackupLogs/BackupLog_Full_20261128_020000.log',
      destinations: [
        { path: 'D:\\Alteryx\\Backups', kind: 'local', status: 'ok' },
        { path: '\\\\nas01\\b', kind: 'network', status: 'failed', error: 'offline' },
      ],
      summary: { downtimeMs: 2500, dumpBytes: 999, stepDurationsMs: { dump: 2000, archive: 300 } },
      warnings: ['w'],
    },
    { kind: 'backup', host: 'ALTERYX01', startedAt: new Date(0) },
  );
  t.is(r.id, 'backup-BackupLog_Full_20261128_020000');
  t.is(r.startedAt, new Date(2026, 10, 28, 2, 0, 0).toISOString());
  t.is(r.status, 'Partial');
  t.is(r.archiveName, 'ServerBackup_Full_20261128_020000.zip');
  t.is(r.durationMs, 5400);
  t.is(r.downtimeMs, 2500);
  t.is(r.dumpBytes, 999);
  t.deepEqual(r.stepDurationsMs, { dump: 2000, archive: 300 });
  t.deepEqual(r.destinations[1], { path: '\\\\nas01\\b', kind: 'network', status: 'failed', error: 'offline' });
  t.is(toRecord({ exitCode: 4, message: 'x' }, { kind: 'backup', host: 'h', startedAt: new Date(0) }).status, 'Failed');
});

test("an interrupted run: Failed, exit 1, the id its log gives, its duration to the log's last write; appended once per id", async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'BackupLog_Full_20261127_020000.log');
  writeFileSync(log, 'x\n');
  const mtime = new Date('2026-11-27T02:00:42Z');
  utimesSync(log, mtime, mtime);
  const r = interruptedRecord({ pid: 4242, mode: 'Full', startedAt: '2026-11-27T02:00:00.300Z', logPath: log }, 'alteryx-backup recover', 'ALTERYX01', NOW);
  t.like(r, { id: 'backup-BackupLog_Full_20261127_020000', kind: 'backup', mode: 'Full', status: 'Failed', exitCode: 1, durationMs: 42_000, logPath: log });
  t.is(r.message, 'Backup run 4242 (Full) was interrupted (killed or crashed); recovered by alteryx-backup recover.');
  // A restore's journal names "Restore <mode>"; a log that is gone leaves no log path and no duration.
  const restore = interruptedRecord(
    { pid: 7, mode: 'Restore ConfigOnly', startedAt: '2026-11-27T03:00:00Z', logPath: join(dir, 'BackupLog_Restore_20261127_030000.log') },
    'x',
    'H',
    NOW,
  );
  t.like(restore, { id: 'restore-BackupLog_Restore_20261127_030000', kind: 'restore', mode: 'ConfigOnly', logPath: null, durationMs: 0 });
  const file = historyPath(dir);
  t.true(await appendRecordOnce(file, r));
  t.false(await appendRecordOnce(file, { ...r, message: 'again' }), 'a second recovery of the same run adds nothing');
  t.deepEqual(
    readHistory(file).records.map((x) => x.message),
    [r.message],
  );
});

test('a verify goes to the catalog of the configuration given, of the sandbox, or of the default configuration when it exists', (t) => {
  const dir = tempDir(t);
  const absent = [join(dir, 'nope', 'backup-config.json')];
  const present = join(dir, 'backup-config.json');
  writeFileSync(present, '{}');
  t.deepEqual(catalogParams({ Path: 'x.zip', ConfigPath: 'C:\\c.json' }, absent), { ConfigPath: 'C:\\c.json' });
  t.deepEqual(catalogParams({ Path: 'x.zip', SandboxPath: '/tmp/sbx', ArchivePassword: 's' }, absent), { SandboxPath: '/tmp/sbx' });
  t.deepEqual(catalogParams({ Path: 'x.zip' }, [...absent, present]), {}, 'the default configuration: loadConfig finds it');
  t.is(catalogParams({ Path: 'x.zip', ConfigPath: '' }, absent), null, 'no configuration anywhere: not recorded');
});

test('a drill result keeps its verdict and counts; a run without a log gets a time-and-pid id', (t) => {
  const d = toRecord(
    { exitCode: 0, message: 'passed', documents: { expected: 10, restored: 10, actual: 10 }, counts: [1, 2, 3], timingsMs: { restore: 5 } },
    { kind: 'drill', host: 'h', startedAt: new Date('2026-11-01T00:00:00Z'), pid: 42 },
  );
  t.deepEqual(d.drill, { verdict: 'passed', collections: 3, documentsExpected: 10, documentsRestored: 10, documentsActual: 10 });
  t.is(d.id, 'drill-2026-11-01T00:00:00.000Z-42');
  t.deepEqual(d.stepDurationsMs, { restore: 5 });
  t.is(runStart(null, new Date(5)).getTime(), 5);
  t.is(runId('restore', 'C:\\x\\BackupLog_Restore_20261101_010203.log'.replace(/\\/g, '/'), new Date(0), 1), 'restore-BackupLog_Restore_20261101_010203');
});

test('rebuild reads a log: exit code, message, archive, downtime; a log without an end is a failed run', (t) => {
  const lines = [
    { time: '2026-11-28T02:00:00.100+00:00', level: 'INFO', message: 'AlteryxBackup started: mode Full on sandbox' },
    { time: '2026-11-28T02:00:01.000+00:00', level: 'INFO', message: 'Service downtime: 1.5 s' },
    {
      time: '2026-11-28T02:00:02.000+00:00',
      level: 'SUCCESS',
      message: 'Archive published: /b/ServerBackup_Full_20261128_020000.zip (1.0 MB); checksum in ServerBackup_Full_20261128_020000.zip.sha256',
    },
    { time: '2026-11-28T02:00:02.500+00:00', level: 'INFO', message: 'Completed at 2026-11-28T02:00:02.500Z after 2.4 s; exit code 0 (success)' },
    { time: '2026-11-28T02:00:02.600+00:00', level: 'SUCCESS', message: 'Full backup completed: /b/ServerBackup_Full_20261128_020000.zip' },
  ];
  const r = recordFromLog('/logs/BackupLog_Full_20261128_020000.jsonl', lines, 'H')!;
  t.is(r.exitCode, 0);
  t.is(r.status, 'Success');
  t.is(r.message, 'Full backup completed: /b/ServerBackup_Full_20261128_020000.zip');
  t.is(r.archivePath, '/b/ServerBackup_Full_20261128_020000.zip');
  t.is(r.downtimeMs, 1500);
  t.is(r.durationMs, 2500);
  const killed = recordFromLog('/logs/BackupLog_DatabaseOnly_20261128_020000.jsonl', lines.slice(0, 2), 'H')!;
  t.is(killed.exitCode, 1);
  t.is(killed.status, 'Failed');
  t.regex(killed.message, /ended without a result/);
  t.is(recordFromLog('/logs/BackupLog_Recover_20261128_020000.jsonl', lines, 'H'), undefined);
  t.deepEqual([parseDuration('250 ms'), parseDuration('1.5 s'), parseDuration('3 min 4 s'), parseDuration('x')], [250, 1500, 184000, null]);
});

test("rebuild: the dump size is the manifest's MongoDB/ files; a run appended while the rebuild reads is kept", async (t) => {
  t.is(
    dumpBytesOf({
      files: [
        { path: 'MongoDB/AlteryxGallery/a.bson', size: 1000, sha256: '', kind: 'database' as const },
        { path: 'MongoDB/AlteryxService/b.bson', size: 24, sha256: '', kind: 'database' as const },
        { path: 'Config/RuntimeSettings.xml', size: 500, sha256: '', kind: 'settings' as const },
      ],
    }),
    1024,
  );
  t.is(dumpBytesOf({ files: [{ path: 'Config/x.xml', size: 5, sha256: '', kind: 'settings' as const }] }), null, 'ConfigOnly: no dump');

  const dir = tempDir(t);
  const file = historyPath(dir);
  const line = (time: string, level: string, message: string) => JSON.stringify({ time, level, message });
  writeFileSync(
    join(dir, 'BackupLog_DatabaseOnly_20261127_020000.jsonl'),
    [
      line('2026-11-27T02:00:00.100Z', 'INFO', 'AlteryxBackup started: mode DatabaseOnly'),
      line('2026-11-27T02:00:05.000Z', 'ERROR', 'MongoDB dump failed'),
      line('2026-11-27T02:00:05.100Z', 'INFO', 'Completed at 2026-11-27T02:00:05.100Z after 5.0 s; exit code 5 (mongodb)'),
    ].join('\n') + '\n',
  );
  const old = rec({ ago: 3 * DAY, id: 'backup-lost' });
  await appendRecords(file, [old]);
  // The rebuild starts reading; a run that finishes meanwhile appends its record (the rebuild takes the lock only to replace).
  const rebuilding = rebuildHistory(file, { logDir: dir, localBackupPath: join(dir, 'none'), networkPaths: [], host: 'H' });
  const during = rec({ ago: 0, id: 'verify-during', kind: 'verify' });
  await appendRecords(file, [during]);
  const { records, kept } = await rebuilding;
  t.is(kept, 1);
  t.deepEqual(
    records.map((r) => `${r.id}:${r.source}`),
    ['backup-BackupLog_DatabaseOnly_20261127_020000:rebuild', 'verify-during:run'],
    'what the logs give, plus the concurrent append; the old catalog is replaced',
  );
  t.deepEqual(readHistory(file).records, records);
  t.false(existsSync(`${file}.lock`));
});

// --- health --------------------------------------------------------------------------------------------

test('health: OK with exit 0 when every check passes', (t) => {
  const v = evaluateHealth(nightly(12, 2 * HOUR), th, { now: NOW, freeBytes: 10 * 1024 ** 3 });
  t.is(v.status, 'OK');
  t.is(v.exitCode, 0);
  t.deepEqual(v.reasons, []);
  t.regex(v.summary, /^OK - 12 run\(s\)/);
});

test('health: CRITICAL (exit 2) naming the mode when the newest good DatabaseOnly backup is older than its interval', (t) => {
  const v = evaluateHealth(nightly(12, 30 * HOUR), th, { now: NOW });
  t.is(v.status, 'CRITICAL');
  t.is(v.exitCode, 2);
  t.is(v.reasons.length, 1);
  t.is(v.reasons[0]!.check, 'missed-schedule');
  t.is(v.reasons[0]!.mode, 'DatabaseOnly');
  t.regex(v.reasons[0]!.message, /newest good DatabaseOnly backup is 30 h old .* expected every 26 h/);
});

test('health: WARNING (exit 1) when a backup is 80 % smaller than the median, also 150 % larger', (t) => {
  const small = [...nightly(11, DAY + 2 * HOUR), rec({ ago: 2 * HOUR, sizeBytes: 20 * 1024 * 1024 })];
  const v = evaluateHealth(small, th, { now: NOW });
  t.is(v.status, 'WARNING');
  t.is(v.exitCode, 1);
  t.deepEqual(
    v.reasons.map((r) => r.check),
    ['size-band'],
  );
  t.regex(v.reasons[0]!.message, /80 % smaller than the median 100\.0 MB of the 10 before it/);
  const big = evaluateHealth([...nightly(11, DAY + 2 * HOUR), rec({ ago: 2 * HOUR, sizeBytes: 250 * 1024 * 1024 })], th, { now: NOW });
  t.regex(big.reasons[0]!.message, /150 % larger/);
  // 40 % smaller is inside the default -50 % band; a narrower band catches it.
  const forty = [...nightly(11, DAY + 2 * HOUR), rec({ ago: 2 * HOUR, sizeBytes: 60 * 1024 * 1024 })];
  t.is(evaluateHealth(forty, th, { now: NOW }).status, 'OK');
  t.is(evaluateHealth(forty, { ...th, SizeBandBelowPercent: 30 }, { now: NOW }).status, 'WARNING');
});

test('health: the trend checks wait for enough earlier backups', (t) => {
  const v = evaluateHealth([...nightly(2, DAY + 2 * HOUR), rec({ ago: 2 * HOUR, sizeBytes: 1 })], th, { now: NOW });
  t.is(v.status, 'OK');
});

test('health: a failed last run is CRITICAL, a partial one WARNING, with the message', (t) => {
  const failed = evaluateHealth(
    [...nightly(5, 3 * HOUR), rec({ ago: HOUR, exitCode: 5, status: 'Failed', message: 'emongodump failed', archivePath: null })],
    th,
    { now: NOW },
  );
  t.is(failed.status, 'CRITICAL');
  t.deepEqual(
    failed.reasons.map((r) => r.check),
    ['last-run-failed'],
  );
  t.regex(failed.reasons[0]!.message, /failed with exit code 5: emongodump failed/);
  const partial = evaluateHealth([...nightly(5, 3 * HOUR), rec({ ago: HOUR, exitCode: 4, status: 'Partial' })], th, { now: NOW });
  t.is(partial.status, 'WARNING');
  const none = evaluateHealth([rec({ ago: HOUR, exitCode: 5, status: 'Failed', archivePath: null })], th, { now: NOW });
  t.deepEqual(none.reasons.map((r) => r.check).sort(), ['last-run-failed', 'missed-schedule']);
});

test('health: duration and downtime spikes, with the absolute minimum', (t) => {
  const slow = evaluateHealth([...nightly(10, DAY + HOUR), rec({ ago: HOUR, durationMs: 10 * 60_000, downtimeMs: 5 * 60_000 })], th, { now: NOW });
  t.deepEqual(
    slow.reasons.map((r) => r.check),
    ['duration-spike', 'downtime-spike'],
  );
  // The threshold the dashboard draws: above both factor x median and median + minimum.
  const med = evaluateHealth(nightly(10, DAY + HOUR), th, { now: NOW }).modes.find((m) => m.mode === 'DatabaseOnly')!;
  t.is(med.medianDurationMs, 60_000);
  t.is(med.durationSpikeMs, Math.max(60_000 * th.DurationSpikeFactor, 60_000 + th.DurationSpikeMinimumSeconds * 1000));
  t.is(evaluateHealth([rec({ ago: HOUR })], th, { now: NOW }).modes.find((m) => m.mode === 'DatabaseOnly')!.durationSpikeMs, null, 'no median, no threshold');
  // Four times a 1-minute median but only 3 minutes above it with a 5-minute minimum: no spike.
  const jitter = evaluateHealth(
    [...nightly(10, DAY + HOUR), rec({ ago: HOUR, durationMs: 4 * 60_000 })],
    { ...th, DurationSpikeMinimumSeconds: 300 },
    { now: NOW },
  );
  t.is(jitter.status, 'OK');
});

test('health: a destination failing N times in a row, no passed drill in N days, free space below the next backup', (t) => {
  const nas = (status: string) => [
    { path: 'D:\\b', kind: 'local', status: 'ok', error: null },
    { path: '\\\\nas01\\b', kind: 'network', status, error: status === 'ok' ? null : 'offline' },
  ];
  const runs = [...nightly(5, 4 * HOUR + 3 * DAY, { destinations: nas('ok') }), ...nightly(3, 4 * HOUR, { destinations: nas('failed') })];
  const v = evaluateHealth(runs, th, { now: NOW });
  t.deepEqual(
    v.reasons.map((r) => r.check),
    ['destination-failing'],
  );
  t.regex(v.reasons[0]!.message, /\\\\nas01\\b failed in the last 3 backups in a row/);
  t.is(evaluateHealth(runs, { ...th, DestinationFailuresInARow: 4 }, { now: NOW }).status, 'OK');

  const month = nightly(35, 2 * HOUR);
  t.deepEqual(
    evaluateHealth(month, th, { now: NOW }).reasons.map((r) => r.check),
    ['drill-age'],
  );
  const drilled = [
    ...month,
    rec({ ago: 5 * DAY, kind: 'drill', drill: { verdict: 'passed', collections: 3, documentsExpected: 1, documentsRestored: 1, documentsActual: 1 } }),
  ];
  t.is(evaluateHealth(drilled, th, { now: NOW }).status, 'OK');
  t.is(evaluateHealth(month, { ...th, DrillMaxAgeDays: 0 }, { now: NOW }).status, 'OK');

  const tight = evaluateHealth(nightly(5, HOUR), th, { now: NOW, freeBytes: 50 * 1024 * 1024 });
  t.deepEqual(
    tight.reasons.map((r) => r.check),
    ['free-space'],
  );
  t.regex(tight.reasons[0]!.message, /Only 50\.0 MB free .* expected to need 100\.0 MB/);
  // Per destination: each one short of space is named; one with room or unreadable (null) is not.
  const perDest = evaluateHealth(nightly(5, HOUR), th, {
    now: NOW,
    destinationsFree: [
      { path: 'D:\\Alteryx\\Backups', kind: 'local', freeBytes: 10 * 1024 ** 3 },
      { path: '\\\\nas01\\AlteryxBackups', kind: 'network', freeBytes: 20 * 1024 * 1024 },
      { path: '\\\\nas02\\Backups', kind: 'network', freeBytes: null },
    ],
  });
  t.deepEqual(
    perDest.reasons.map((r) => `${r.check}:${r.severity}:${r.message}`),
    ['free-space:WARNING:Only 20.0 MB free at the network destination \\\\nas01\\AlteryxBackups; the next backup is expected to need 100.0 MB.'],
  );
  t.is(perDest.freeBytes, 10 * 1024 ** 3, "freeBytes stays the local folder's");
  t.is(perDest.destinationsFree.length, 3);
  const localShort = evaluateHealth(nightly(5, HOUR), th, { now: NOW, destinationsFree: [{ path: 'D:\\Alteryx\\Backups', kind: 'local', freeBytes: 1024 }] });
  t.regex(localShort.reasons[0]!.message, /^Only 1\.0 KB free at the local backup folder D:\\Alteryx\\Backups;/);
  t.is(
    evaluateHealth(nightly(5, HOUR), { ...th, CheckFreeSpace: false }, { now: NOW, destinationsFree: [{ path: 'X', kind: 'network', freeBytes: 1 }] }).status,
    'OK',
  );
});

test('health: UNKNOWN (exit 3) for an empty history; a mode never run is not checked', (t) => {
  const v = evaluateHealth([], th, { now: NOW });
  t.is(v.status, 'UNKNOWN');
  t.is(v.exitCode, 3);
  t.is(evaluateHealth(nightly(3, HOUR), th, { now: NOW }).modes.find((m) => m.mode === 'Full')!.runs, 0);
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 2, 3]), 2.5);
  t.is(median([]), null);
});

// --- query, CSV, report --------------------------------------------------------------------------------

test('history filters: mode, kind, status, since, last; bad values are exit 3 naming the filter', (t) => {
  const rs = [rec({ ago: 3 * DAY, mode: 'Full' }), rec({ ago: 2 * DAY, status: 'Failed', exitCode: 5 }), rec({ ago: DAY, kind: 'drill' }), rec({ ago: 0 })];
  t.is(filterHistory(rs, parseQuery({ Mode: 'databaseonly' })).length, 3);
  t.deepEqual(filterHistory(rs, parseQuery({ Status: 'Failed' })), [rs[1]]);
  t.deepEqual(filterHistory(rs, parseQuery({ Kind: 'drill' })), [rs[2]]);
  t.deepEqual(filterHistory(rs, parseQuery({ Since: new Date(NOW.getTime() - 1.5 * DAY).toISOString() })), [rs[2], rs[3]]);
  t.deepEqual(filterHistory(rs, parseQuery({ Last: 2 })), [rs[2], rs[3]]);
  for (const bad of [{ Mode: 'Weekly' }, { Last: 0 }, { Since: 'yesterday-ish' }, { Status: 'ok' }]) {
    const err = t.throws(() => parseQuery(bad), { instanceOf: BackupError });
    t.is(err!.exitCode, 3);
    t.regex(err!.message, new RegExp(Object.keys(bad)[0]!));
  }
});

test('CSV: a header, one row a record, quoting, and no spreadsheet formula from a message', (t) => {
  const csv = toCsv([rec({ ago: 0, message: '=HYPERLINK("x"), "quoted"' })]);
  const lines = csv.trimEnd().split('\r\n');
  t.is(lines.length, 2);
  t.true(lines[0]!.startsWith('id,kind,startedAt'));
  t.true(lines[1]!.includes(`"'=HYPERLINK(""x""), ""quoted"""`));
  // Step durations, the dump size and a drill's counts have their columns.
  const drill = rec({
    ago: 0,
    kind: 'drill',
    dumpBytes: 5_242_880,
    stepDurationsMs: { dump: 20_000, archive: 1250 },
    drill: { verdict: 'failed', collections: 3, documentsExpected: 1200, documentsRestored: 1199, documentsActual: null },
  });
  const [head, row] = toCsv([drill])
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
  const col = (name: string) => row![head!.indexOf(name)];
  t.is(col('dumpBytes'), '5242880');
  t.is(col('stepDurationsMs'), 'dump=20000; archive=1250');
  t.is(col('drillVerdict'), 'failed');
  t.is(col('drillCollections'), '3');
  t.is(col('drillDocumentsExpected'), '1200');
  t.is(col('drillDocumentsRestored'), '1199');
  t.is(col('drillDocumentsActual'), '');
  t.is(head!.length, row!.length);
});

test('report: one self-contained page, every record in the charts, messages escaped, months and totals', (t) => {
  const rs = [...nightly(6, 2 * HOUR), rec({ ago: HOUR, exitCode: 5, status: 'Failed', message: '<script>alert(1)</script>', archivePath: null })];
  const v = evaluateHealth(rs, th, { now: NOW });
  const html = renderReport({ records: rs, health: v, host: 'ALTERYX01', generatedAt: NOW });
  t.false(/<script/i.test(html));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.false(/\b(src|href)=["']?(https?:)?\/\//i.test(html), 'no external resource');
  t.true(html.includes(`content="default-src 'none'`));
  const sizes = [...html.matchAll(/data-chart="size-DatabaseOnly".*?<\/figure>/gs)][0]![0];
  t.is((sizes.match(/<circle /g) ?? []).length, 6);
  t.true(html.includes('data-status="CRITICAL"'));
  t.deepEqual(monthRange('2026-02'), { from: new Date(2026, 1, 1).getTime(), to: new Date(2026, 2, 1).getTime() });
  t.throws(() => monthRange('2026-13'), { message: /YYYY-MM/ });
  const tt = totals(rs);
  t.is(tt.backups, 7);
  t.is(tt.successful, 6);
  t.is(tt.successRate, 85.7);
  t.is(tt.dataProtectedBytes, 6 * 100 * 1024 * 1024);
  t.is(tt.averageDowntimeMs, 30_000);
  const csv = monthlyCsv(rs, '2026-11').trimEnd().split('\r\n');
  t.is(csv.length, 5);
  t.is(csv[2], `2026-11,DatabaseOnly,7,7,6,1,85.7,${6 * 100 * 1024 * 1024},30000,0,0`);
  t.is(esc(`a<b>"c"&'d'`), 'a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
});
