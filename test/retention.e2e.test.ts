import test from 'ava';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../src/config/schema.ts';
import { runBackup } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import type { RunContext } from '../src/core/context.ts';
import { RunLogger, type LogRecord } from '../src/log/logger.ts';
import { setKnob } from '../src/sandbox/index.ts';
import { applyRetention } from '../src/steps/retention.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

const pad = (n: number) => String(n).padStart(2, '0');
const stampDaysAgo = (days: number, hour = 2) => {
  const n = new Date();
  const d = new Date(n.getFullYear(), n.getMonth(), n.getDate() - days, hour, 0, 0);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}0000`;
};

/** Writes archives (with .sha256) of `prefix` for each age, plus foreign files; returns the names. */
function seed(dir: string, prefix: string, ages: number[]): string[] {
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (const a of ages) {
    const n = `ServerBackup_${prefix}_${stampDaysAgo(a)}.zip`;
    writeFileSync(join(dir, n), 'old archive');
    writeFileSync(join(dir, `${n}.sha256`), `${'0'.repeat(64)}  ${n}\n`);
    names.push(n);
  }
  return names;
}
const FOREIGN = ['readme.txt', 'ServerBackup_Config_19991332_000000.zip', 'ServerBackup_20200101_000000.7z'];
function seedForeign(dir: string) {
  for (const f of FOREIGN) writeFileSync(join(dir, f), 'not ours');
}

async function backup(params: Record<string, unknown>, dryRun = false) {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets: {}, dryRun }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs, msgs: logs.map((l) => `${l.level} ${l.message}`) };
}

test('after a successful backup: old archives of the mode go from the local path and the share, with their .sha256 and every deletion logged; other modes, foreign and legacy files stay; old logs go', async (t) => {
  const NAS = '\\\\nas01\\AlteryxBackups';
  const { dir, config } = await quickSandbox(
    t,
    {},
    { BackupConfiguration: { NetworkBackupPaths: [NAS], RetentionDays: { ConfigOnly: 14 }, LogRetentionDays: 30 } },
  );
  const local = join(dir, 'D', 'Alteryx', 'Backups');
  const nas = join(dir, 'UNC', 'nas01', 'AlteryxBackups');
  const logDir = join(dir, 'D', 'Alteryx', 'BackupLogs');
  const oldCfg = seed(local, 'Config', [20, 40]);
  const keptCfg = seed(local, 'Config', [3]);
  const fulls = seed(local, 'Full', [100, 200]);
  seedForeign(local);
  const nasOld = seed(nas, 'Config', [15, 60]);
  mkdirSync(logDir, { recursive: true });
  const oldLogs = [`BackupLog_Full_${stampDaysAgo(45)}.log`, `BackupLog_Full_${stampDaysAgo(45)}.jsonl`];
  const newLog = `BackupLog_ConfigOnly_${stampDaysAgo(5)}.log`;
  for (const l of [...oldLogs, newLog]) writeFileSync(join(logDir, l), 'x');

  const { r, msgs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const left = readdirSync(local);
  for (const n of oldCfg) {
    t.false(left.includes(n), n);
    t.false(left.includes(`${n}.sha256`), `${n}.sha256`);
    t.true(
      msgs.some((m) => m.startsWith(`INFO Deleted D:\\Alteryx\\Backups\\${n} (`)),
      `deletion of ${n} logged`,
    );
    t.true(
      msgs.some((m) => m.startsWith(`INFO Deleted D:\\Alteryx\\Backups\\${n}.sha256 (checksum of ${n})`)),
      `deletion of ${n}.sha256 logged`,
    );
  }
  for (const n of [...keptCfg, ...fulls, ...FOREIGN]) t.true(left.includes(n), n);
  t.true(left.includes(r.archivePath!.split('/').pop()!));
  const nasLeft = readdirSync(nas);
  for (const n of nasOld) t.false(nasLeft.includes(n), n);
  t.true(nasLeft.includes(r.archivePath!.split('/').pop()!));
  t.true(msgs.some((m) => m.startsWith(`INFO Deleted ${NAS}\\${nasOld[0]} (`)));
  const logsLeft = readdirSync(logDir);
  for (const l of oldLogs) t.false(logsLeft.includes(l), l);
  t.true(logsLeft.includes(newLog));
  t.true(existsSync(r.logPath!));
  t.true(
    msgs.some((m) => /^INFO Retention deleted 10 file\(s\)$/.test(m)),
    msgs.filter((m) => /Retention/.test(m)).join('\n'),
  );
});

test('-RetentionDays 0 keeps only the newest archive of the mode (the one just made)', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const local = join(dir, 'D', 'Alteryx', 'Backups');
  seed(local, 'Config', [1, 2, 3]);
  const fulls = seed(local, 'Full', [1]);
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config, RetentionDays: 0 });
  t.is(r.exitCode, 0, r.message);
  const name = r.archivePath!.split('/').pop()!;
  t.deepEqual(
    readdirSync(local)
      .filter((n) => n.startsWith('ServerBackup_Config_'))
      .sort(),
    [name, `${name}.sha256`],
  );
  t.true(readdirSync(local).includes(fulls[0]!));
});

// Issue 19 item 10: D:\ and \\nas01\... are Windows folders (case-insensitive, as SMB shares are): an old archive
// renamed in another case by an admin or written by another tool, and a .SHA256 sidecar, are pruned like the rest.
test('a Windows folder (D:\\, a UNC share) prunes a differently-cased old archive with its .SHA256; foreign names stay', async (t) => {
  const NAS = '\\\\nas01\\AlteryxBackups';
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { NetworkBackupPaths: [NAS], RetentionDays: { ConfigOnly: 14 } } });
  const local = join(dir, 'D', 'Alteryx', 'Backups');
  const nas = join(dir, 'UNC', 'nas01', 'AlteryxBackups');
  mkdirSync(local, { recursive: true });
  mkdirSync(nas, { recursive: true });
  const upper = `SERVERBACKUP_CONFIG_${stampDaysAgo(30)}.ZIP`;
  const lower = `serverbackup_config_${stampDaysAgo(40)}.zip`;
  const foreign = [`ServerBackup_Config_${stampDaysAgo(30)}.ZIP.bak`, `serverbackup_weekly_${stampDaysAgo(30)}.zip`, 'NOTES.TXT'];
  for (const folder of [local, nas]) {
    writeFileSync(join(folder, upper), 'old archive');
    writeFileSync(join(folder, `${upper}.SHA256`), `${'0'.repeat(64)}  ${upper}\n`);
    writeFileSync(join(folder, lower), 'old archive');
    writeFileSync(join(folder, `${lower}.Sha256`), `${'0'.repeat(64)}  ${lower}\n`);
    for (const f of foreign) writeFileSync(join(folder, f), 'not ours');
  }
  const { r, msgs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 0, r.message);
  const name = r.archivePath!.split('/').pop()!;
  for (const folder of [local, nas]) {
    t.deepEqual(readdirSync(folder).sort(), [...foreign, name, `${name}.sha256`].sort(), folder);
  }
  t.true(msgs.some((m) => m.startsWith(`INFO Deleted D:\\Alteryx\\Backups\\${upper}.SHA256 (checksum of ${upper})`)));
  t.true(msgs.some((m) => m.startsWith(`INFO Deleted ${NAS}\\${lower} (`)));
});

test('a failed backup deletes nothing, even at 0 days', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { RetentionDays: { DatabaseOnly: 0 }, LogRetentionDays: 1 } });
  const local = join(dir, 'D', 'Alteryx', 'Backups');
  const logDir = join(dir, 'D', 'Alteryx', 'BackupLogs');
  seed(local, 'DB', [1, 10, 100]);
  mkdirSync(logDir, { recursive: true });
  writeFileSync(join(logDir, `BackupLog_Full_${stampDaysAgo(300)}.log`), 'x');
  const before = readdirSync(local).sort();
  setKnob(dir, 'emongodump.fail', '"exit"');
  const { r, msgs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 5);
  t.deepEqual(readdirSync(local).sort(), before);
  t.true(readdirSync(logDir).includes(`BackupLog_Full_${stampDaysAgo(300)}.log`));
  t.false(msgs.some((m) => /Deleted /.test(m)));
});

test('-WhatIf (dry run) lists what retention would delete and deletes nothing', async (t) => {
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { RetentionDays: { ConfigOnly: 0 } } });
  const local = join(dir, 'D', 'Alteryx', 'Backups');
  const all = seed(local, 'Config', [1, 2]);
  const before = readdirSync(local).sort();
  const { r, msgs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, true);
  t.is(r.exitCode, 0, r.message);
  t.deepEqual(readdirSync(local).sort(), before);
  // At 0 days the archive this run would make is the newest, so both existing ones would go.
  for (const n of all) {
    t.true(
      msgs.some((m) => m.startsWith(`INFO What if: would delete D:\\Alteryx\\Backups\\${n} (`)),
      n,
    );
    t.true(
      msgs.some((m) => m.startsWith(`INFO What if: would delete D:\\Alteryx\\Backups\\${n}.sha256 (`)),
      `${n}.sha256`,
    );
  }
  t.true(msgs.some((m) => m === 'INFO Retention would delete 4 file(s)'));
  t.false(msgs.some((m) => /INFO Deleted /.test(m)));
});

test('an error on one file is a warning and the rest are still deleted (real folders, one failing delete)', async (t) => {
  const root = tempDir(t, 'ab-ret-');
  const local = join(root, 'backups');
  const nas = join(root, 'nas');
  const logs = join(root, 'logs');
  const now = new Date();
  const old = seed(local, 'Full', [10, 20, 30, 40]);
  const nasOld = seed(nas, 'Full', [10, 20]);
  mkdirSync(logs);
  const config = ConfigSchema.parse({
    BackupConfiguration: { LocalBackupPath: local, NetworkBackupPaths: [nas], LogDirectory: logs, RetentionDays: { Full: 7 } },
  });
  const records: LogRecord[] = [];
  const ctx = {
    mode: 'Full',
    config,
    platform: { paths: { resolve: (p: string) => p }, storage: { probe: async () => undefined, beforeWrite: async () => ({}) } },
    log: new RunLogger((r) => records.push(r)),
    startedAt: now,
    dryRun: false,
    warnings: [],
  } as unknown as RunContext;
  const locked = join(local, old[1]!);
  const waits: number[] = [];
  let lockedTries = 0;
  // 40 days old and in use twice, then let go (what an antivirus scan or Explorer preview looks like): deleted.
  const released = join(local, old[3]!);
  let releasedTries = 0;
  const reports = await applyRetention(ctx, {
    backupSucceeded: true,
    destinations: [{ path: nas, kind: 'network', status: 'ok', attempts: 1 }],
    remove: async (p) => {
      if (p === locked) lockedTries++;
      if (p === locked) throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' });
      if (p === released && ++releasedTries <= 2) throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
      const { rm } = await import('node:fs/promises');
      await rm(p);
    },
    busy: { sleep: async (ms) => void waits.push(ms) },
  });
  t.is(lockedTries, 6, 'the held file was tried 6 times');
  t.is(releasedTries, 3, 'the file let go after two tries was deleted on the third');
  // Growing delays: 5 waits for the held file, 2 for the one let go.
  t.deepEqual(
    waits.sort((a, b) => a - b),
    [100, 100, 200, 200, 400, 800, 1600],
  );
  // The newest (10 days) is protected; 20 is locked; 30 and 40 go with their checksums (20's checksum too).
  t.deepEqual(readdirSync(local).sort(), [old[0]!, `${old[0]!}.sha256`, old[1]!].sort());
  t.deepEqual(readdirSync(nas).sort(), [nasOld[0]!, `${nasOld[0]!}.sha256`].sort());
  t.is(reports[0]!.errors.length, 1);
  t.regex(
    reports[0]!.errors[0]!,
    /^Retention: Cannot delete .*ServerBackup_Full_.*: it is in use by another process \(EBUSY, 6 tries\)\. Close the program holding it/,
  );
  t.is(reports[0]!.deleted.length, 5);
  t.is(reports[1]!.deleted.length, 2);
  t.true(records.some((r) => r.level === 'WARNING' && /Retention: Cannot delete .*ServerBackup_Full_.*EBUSY/.test(r.message)));
  t.is((ctx.warnings as string[]).length, 1);
  t.true(records.some((r) => r.message === 'Retention deleted 7 file(s); 1 could not be deleted'));
});

test('applyRetention with backupSucceeded false deletes nothing and says so', async (t) => {
  const root = tempDir(t, 'ab-ret-');
  const local = join(root, 'backups');
  seed(local, 'Full', [100, 200]);
  const before = readdirSync(local).sort();
  const config = ConfigSchema.parse({ BackupConfiguration: { LocalBackupPath: local, LogDirectory: join(root, 'logs'), RetentionDays: { Full: 0 } } });
  const records: LogRecord[] = [];
  const ctx = {
    mode: 'Full',
    config,
    platform: { paths: { resolve: (p: string) => p } },
    log: new RunLogger((r) => records.push(r)),
    startedAt: new Date(),
    dryRun: false,
    warnings: [],
  } as unknown as RunContext;
  t.deepEqual(await applyRetention(ctx, { backupSucceeded: false }), []);
  t.deepEqual(readdirSync(local).sort(), before);
  t.true(records.some((r) => /Retention skipped: the backup did not succeed/.test(r.message)));
});
