import test from 'ava';
import { folderIgnoresCase, parseArchiveName, parseLogName, planRetention, type FileEntry, type RetentionPolicy } from '../src/steps/retention.ts';

// A year of synthetic backups, generated here from dates, and the expected deletions computed from the same
// dates with the rules written out again (not by calling the code under test).
const NOW = new Date(2026, 10, 28, 14, 0, 0); // 2026-11-28 14:00:00 local
const DAY = 86_400_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const stamp = (d: Date) => `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
const at = (daysAgo: number, hour: number, minute = 0) => {
  const d = new Date(NOW.getFullYear(), NOW.getMonth(), NOW.getDate() - daysAgo, hour, minute, 0);
  return d;
};

interface Gen {
  name: string;
  group: 'Full' | 'DatabaseOnly' | 'ConfigOnly' | 'Legacy7z' | 'LegacyZip';
  date: Date;
}

function year(): { files: FileEntry[]; archives: Gen[] } {
  const archives: Gen[] = [];
  for (let d = 1; d <= 365; d++) {
    archives.push({ name: `ServerBackup_Full_${stamp(at(d, 2))}.zip`, group: 'Full', date: at(d, 2) });
    for (const h of [8, 12, 16]) archives.push({ name: `ServerBackup_DB_${stamp(at(d, h))}.zip`, group: 'DatabaseOnly', date: at(d, h) });
    if (d % 7 === 3) archives.push({ name: `ServerBackup_Config_${stamp(at(d, 10, 30))}.zip`, group: 'ConfigOnly', date: at(d, 10, 30) });
  }
  // Today's DB backups so far (08:00 and 12:00, before NOW).
  for (const h of [8, 12]) archives.push({ name: `ServerBackup_DB_${stamp(at(0, h))}.zip`, group: 'DatabaseOnly', date: at(0, h) });
  // The legacy batch script: monthly .7z for two years; a few legacy-named .zip.
  for (let m = 1; m <= 24; m++) {
    const d = new Date(NOW.getFullYear(), NOW.getMonth() - m, 15, 1, 0, 0);
    archives.push({ name: `ServerBackup_${stamp(d)}.7z`, group: 'Legacy7z', date: d });
  }
  for (const daysAgo of [3, 40, 200]) archives.push({ name: `ServerBackup_${stamp(at(daysAgo, 23))}.zip`, group: 'LegacyZip', date: at(daysAgo, 23) });

  // mtimes deliberately unrelated to the names: every file was "copied" yesterday.
  const mtime = NOW.getTime() - DAY;
  const files: FileEntry[] = [];
  for (const a of archives) {
    files.push({ name: a.name, size: 1000, mtimeMs: mtime, isFile: true });
    if (!a.group.startsWith('Legacy')) files.push({ name: `${a.name}.sha256`, size: 90, mtimeMs: mtime, isFile: true });
  }
  for (const f of FOREIGN) files.push({ name: f, size: 10, mtimeMs: 0, isFile: true });
  files.push({ name: 'ServerBackup_Full_20250101_020000.zip', size: 0, mtimeMs: 0, isFile: false }); // a folder
  return { files, archives };
}

const FOREIGN = [
  'notes.txt',
  'ServerBackup_Full_20251301_020000.zip', // month 13
  'ServerBackup_Full_20250230_020000.zip', // 30 February
  'ServerBackup_Full_20250101_020000.zip.bak',
  'MyServerBackup_Full_20250101_020000.zip',
  'ServerBackup_Full_20250101_0200.zip',
  'serverbackup_full_20250101_020000.zip',
  'ServerBackup_Weekly_20250101_020000.zip',
  'ServerBackup_Full_20250101_020000.7z',
  'ServerBackup_20250101_020000.rar',
  'ServerBackup_DB_20250101_020000.zip.old.sha256',
];

const DAYS = { Full: 30, DatabaseOnly: 7, ConfigOnly: 14 };
const base = (over: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  now: NOW,
  currentBackupSucceeded: true,
  days: DAYS,
  legacy: { zip: false, sevenZip: false },
  ...over,
});
const names = (p: ReturnType<typeof planRetention>) => p.delete.map((d) => d.name).sort();

function expected(archives: Gen[], days: Partial<Record<Gen['group'], number>>, protect: (g: Gen['group']) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const group of Object.keys(days) as Gen['group'][]) {
    const list = archives.filter((a) => a.group === group).sort((a, b) => b.date.getTime() - a.date.getTime());
    const cutoff = NOW.getTime() - days[group]! * DAY;
    list.forEach((a, i) => {
      if (i === 0 && protect(group)) return;
      if (a.date.getTime() < cutoff) {
        out.push(a.name);
        if (!group.startsWith('Legacy')) out.push(`${a.name}.sha256`);
      }
    });
  }
  return out.sort();
}

test('the names this tool (and, when asked, the legacy script) writes are recognised; nothing else is', (t) => {
  t.like(parseArchiveName('ServerBackup_Full_20260102_030405.zip'), { group: 'Full', ext: 'zip' });
  t.like(parseArchiveName('ServerBackup_DB_20260102_030405.zip'), { group: 'DatabaseOnly' });
  t.like(parseArchiveName('ServerBackup_Config_20260102_030405.zip'), { group: 'ConfigOnly' });
  t.like(parseArchiveName('ServerBackup_20260102_030405.7z'), { group: 'Legacy', ext: '7z' });
  t.is(parseArchiveName('ServerBackup_Full_20260102_030405.zip')!.time, new Date(2026, 0, 2, 3, 4, 5).getTime());
  for (const f of FOREIGN) t.is(parseArchiveName(f), undefined, f);
  t.is(parseLogName('BackupLog_Full_20260102_030405.log'), new Date(2026, 0, 2, 3, 4, 5).getTime());
  t.truthy(parseLogName('BackupLog_DatabaseOnly_20260102_030405.jsonl'));
  t.is(parseLogName('BackupLog20260102_030405.log'), undefined);
  t.truthy(parseLogName('BackupLog20260102_030405.log', true));
  t.is(parseLogName('BackupLog_Full_20260102_030405.txt'), undefined);
});

test('a year of Full, DB and Config backups with foreign and legacy files: exactly the expected set is deleted', (t) => {
  const { files, archives } = year();
  const t0 = performance.now();
  const plan = planRetention(files, base());
  const ms = performance.now() - t0;
  t.log(`${files.length} entries (${archives.length} archives) planned in ${ms.toFixed(1)} ms; ${plan.delete.length} deletions`);
  const want = expected(archives, { Full: 30, DatabaseOnly: 7, ConfigOnly: 14 });
  t.deepEqual(names(plan), want);
  // Spot checks of the boundaries (the cutoff is 30 days before 14:00 today): day 29 kept, day 30 at 02:00 gone.
  const all = new Set(names(plan));
  t.false(all.has(`ServerBackup_Full_${stamp(at(29, 2))}.zip`));
  t.true(all.has(`ServerBackup_Full_${stamp(at(30, 2))}.zip`));
  t.true(all.has(`ServerBackup_Full_${stamp(at(30, 2))}.zip.sha256`));
  t.false(all.has(`ServerBackup_DB_${stamp(at(6, 16))}.zip`));
  t.true(all.has(`ServerBackup_DB_${stamp(at(8, 8))}.zip`));
  // Foreign and legacy files are untouched.
  for (const f of FOREIGN) t.false(all.has(f), f);
  t.false(names(plan).some((n) => n.endsWith('.7z') || /^ServerBackup_\d/.test(n)));
  // Full: days 30-365; DB: days 8-365 (3 a day) plus 08:00 and 12:00 of day 7; Config: weekly past 14 days.
  t.is(
    plan.delete.filter((d) => d.kind === 'archive').length,
    336 + (365 - 7) * 3 + 2 + archives.filter((a) => a.group === 'ConfigOnly' && a.date.getTime() < NOW.getTime() - 14 * DAY).length,
  );
  t.deepEqual(
    plan.groups.map((g) => [g.group, g.protectedName]),
    [
      ['Full', `ServerBackup_Full_${stamp(at(1, 2))}.zip`],
      ['DatabaseOnly', `ServerBackup_DB_${stamp(at(0, 12))}.zip`],
      ['ConfigOnly', `ServerBackup_Config_${stamp(at(3, 10, 30))}.zip`],
    ],
  );
});

test('age comes from the name, never from mtime', (t) => {
  const { files } = year();
  const plan = planRetention(files, base());
  const touched = planRetention(
    files.map((f) => ({ ...f, mtimeMs: NOW.getTime() })),
    base(),
  );
  const ancient = planRetention(
    files.map((f) => ({ ...f, mtimeMs: 0 })),
    base(),
  );
  t.deepEqual(names(touched), names(plan));
  t.deepEqual(names(ancient), names(plan));
});

test('0 days keeps exactly the newest backup of each mode', (t) => {
  const { files, archives } = year();
  const plan = planRetention(files, base({ days: { Full: 0, DatabaseOnly: 0, ConfigOnly: 0 } }));
  t.deepEqual(names(plan), expected(archives, { Full: 0, DatabaseOnly: 0, ConfigOnly: 0 }));
  const deleted = new Set(names(plan));
  const ours = (n: string) => /^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip$/.test(n) && !FOREIGN.includes(n);
  const left = files.filter((f) => f.isFile && !deleted.has(f.name) && ours(f.name)).map((f) => f.name);
  t.deepEqual(left.sort(), [
    `ServerBackup_Config_${stamp(at(3, 10, 30))}.zip`,
    `ServerBackup_DB_${stamp(at(0, 12))}.zip`,
    `ServerBackup_Full_${stamp(at(1, 2))}.zip`,
  ]);
});

test('even when every backup is past its days, the newest good one stays (no "delete everything" at any setting)', (t) => {
  const { files } = year();
  const later = new Date(NOW.getTime() + 400 * DAY); // nothing has run for 400 days
  const plan = planRetention(files, base({ now: later }));
  const deleted = new Set(names(plan));
  for (const mode of ['Full', 'DB', 'Config']) {
    const left = files.filter(
      (f) => f.isFile && new RegExp(`^ServerBackup_${mode}_\\d{8}_\\d{6}\\.zip$`).test(f.name) && !FOREIGN.includes(f.name) && !deleted.has(f.name),
    );
    t.is(left.length, 1, mode);
    t.false(deleted.has(`${left[0]!.name}.sha256`));
  }
});

test('the newest good backup is the newest with its .sha256 and some bytes; anything newer stays too', (t) => {
  const f = (name: string, size = 1000): FileEntry => ({ name, size, mtimeMs: 0, isFile: true });
  const files = [
    f('ServerBackup_Full_20261120_020000.zip'),
    f('ServerBackup_Full_20261120_020000.zip.sha256'),
    f('ServerBackup_Full_20261121_020000.zip', 0), // empty: not good
    f('ServerBackup_Full_20261121_020000.zip.sha256'),
    f('ServerBackup_Full_20261122_020000.zip'), // no checksum: not good
    f('ServerBackup_Full_20261101_020000.zip'),
    f('ServerBackup_Full_20261101_020000.zip.sha256'),
  ];
  const plan = planRetention(files, base({ days: { Full: 0 } }));
  t.deepEqual(names(plan), ['ServerBackup_Full_20261101_020000.zip', 'ServerBackup_Full_20261101_020000.zip.sha256']);
  t.is(plan.groups[0]!.protectedName, 'ServerBackup_Full_20261120_020000.zip');
  // No good one at all: the newest is kept.
  const bad = planRetention([f('ServerBackup_Full_20261101_020000.zip'), f('ServerBackup_Full_20261102_020000.zip')], base({ days: { Full: 0 } }));
  t.deepEqual(names(bad), ['ServerBackup_Full_20261101_020000.zip']);
});

test('nothing at all is deleted when the current backup failed', (t) => {
  const { files } = year();
  const plan = planRetention(
    files,
    base({ currentBackupSucceeded: false, days: { Full: 0, DatabaseOnly: 0, ConfigOnly: 0 }, logDays: 1, legacy: { zip: true, sevenZip: true } }),
  );
  t.deepEqual(plan.delete, []);
  t.regex(plan.skipped!, /did not succeed/);
});

test('only the groups asked for are touched (a run prunes its own mode)', (t) => {
  const { files, archives } = year();
  const plan = planRetention(files, base({ days: { DatabaseOnly: 7 } }));
  t.deepEqual(names(plan), expected(archives, { DatabaseOnly: 7 }));
  t.false(names(plan).some((n) => n.startsWith('ServerBackup_Full_') || n.startsWith('ServerBackup_Config_')));
});

test('legacy .7z (and legacy-named .zip) are pruned only when configured, as one group that keeps its newest', (t) => {
  const { files, archives } = year();
  const sevenOnly = planRetention(files, base({ days: { Legacy: 30 }, legacy: { zip: false, sevenZip: true } }));
  t.deepEqual(names(sevenOnly), expected(archives, { Legacy7z: 30 }));
  t.is(sevenOnly.delete.length, 23, 'two years of monthly .7z minus the newest');
  const both = planRetention(files, base({ days: { Legacy: 30 }, legacy: { zip: true, sevenZip: true } }));
  // One group: the newest legacy file overall (3 days old, a .zip) is the protected one; the 40 and 200 day .zip go.
  t.is(both.groups[0]!.protectedName, `ServerBackup_${stamp(at(3, 23))}.zip`);
  t.true(names(both).includes(`ServerBackup_${stamp(at(40, 23))}.zip`));
  t.is(both.delete.length, 24 + 2, 'all 24 .7z (the newest is 44 days old, and a newer legacy .zip is the protected one) and 2 .zip');
});

test("this run's own files are never deleted; a dry run counts the archive it would create as the newest", (t) => {
  const files: FileEntry[] = [
    { name: 'ServerBackup_Config_20261101_020000.zip', size: 5, mtimeMs: 0, isFile: true },
    { name: 'ServerBackup_Config_20261101_020000.zip.sha256', size: 5, mtimeMs: 0, isFile: true },
  ];
  // Real run: keep wins over 0 days (here it is also the newest).
  t.deepEqual(planRetention(files, base({ days: { ConfigOnly: 0 }, keep: ['ServerBackup_Config_20261101_020000.zip'] })).delete, []);
  // Dry run at 0 days: the upcoming archive becomes the newest, so the existing one would go.
  const dry = planRetention(files, base({ days: { ConfigOnly: 0 }, upcoming: `ServerBackup_Config_${stamp(NOW)}.zip` }));
  t.deepEqual(names(dry), ['ServerBackup_Config_20261101_020000.zip', 'ServerBackup_Config_20261101_020000.zip.sha256']);
  t.is(dry.groups[0]!.protectedName, `ServerBackup_Config_${stamp(NOW)}.zip`);
  t.is(dry.groups[0]!.archives, 1);
});

test("logs past LogRetentionDays go (.log and .jsonl); the legacy log name only when asked; this run's log stays", (t) => {
  const files: FileEntry[] = [];
  for (let d = 0; d <= 120; d++) {
    for (const ext of ['log', 'jsonl']) files.push({ name: `BackupLog_Full_${stamp(at(d, 2))}.${ext}`, size: 1, mtimeMs: 0, isFile: true });
  }
  files.push({ name: `BackupLog${stamp(at(200, 2))}.log`, size: 1, mtimeMs: 0, isFile: true });
  files.push({ name: 'BackupLog_Full_20200101_020000.log', size: 1, mtimeMs: 0, isFile: true });
  files.push({ name: 'other.log', size: 1, mtimeMs: 0, isFile: true });
  const plan = planRetention(files, base({ days: {}, logDays: 90, keep: ['BackupLog_Full_20200101_020000.log'] }));
  const want: string[] = [];
  for (let d = 90; d <= 120; d++) for (const ext of ['log', 'jsonl']) want.push(`BackupLog_Full_${stamp(at(d, 2))}.${ext}`);
  t.deepEqual(names(plan), want.sort());
  t.true(plan.delete.every((d) => d.kind === 'log'));
  const legacy = planRetention(files, base({ days: {}, logDays: 90, legacyLogs: true }));
  t.true(names(legacy).includes(`BackupLog${stamp(at(200, 2))}.log`));
  t.true(names(legacy).includes('BackupLog_Full_20200101_020000.log'));
  t.false(names(legacy).includes('other.log'));
});

test('orphaned checksums and stale .partial leftovers past their age are removed; a fresh .partial is not', (t) => {
  const old = `ServerBackup_Full_${stamp(at(60, 2))}.zip`;
  const recent = `ServerBackup_Full_${stamp(at(2, 2))}.zip`;
  const files: FileEntry[] = [
    { name: `${old}.sha256`, size: 90, mtimeMs: 0, isFile: true }, // its archive is gone
    { name: `${recent}.sha256`, size: 90, mtimeMs: 0, isFile: true },
    { name: recent, size: 9, mtimeMs: 0, isFile: true },
    { name: `ServerBackup_Full_${stamp(at(3, 2))}.zip.partial`, size: 5, mtimeMs: NOW.getTime() - 3 * DAY, isFile: true },
    { name: `ServerBackup_Full_${stamp(at(3, 4))}.zip.sha256.partial-1234`, size: 5, mtimeMs: NOW.getTime() - 3 * DAY, isFile: true },
    // An old name but written a minute ago: a copy of an old archive still in progress.
    { name: `ServerBackup_Full_${stamp(at(5, 2))}.zip.partial`, size: 5, mtimeMs: NOW.getTime() - 60_000, isFile: true },
    { name: 'report.partial', size: 5, mtimeMs: 0, isFile: true },
  ];
  const plan = planRetention(files, base({ days: { Full: 30 } }));
  t.deepEqual(
    names(plan),
    [`${old}.sha256`, `ServerBackup_Full_${stamp(at(3, 2))}.zip.partial`, `ServerBackup_Full_${stamp(at(3, 4))}.zip.sha256.partial-1234`].sort(),
  );
});

// Issue 19 item 10: names are matched by the rule of the platform that owns the folder.
const f = (name: string, size = 1000, mtimeMs = 0): FileEntry => ({ name, size, mtimeMs, isFile: true });
test('folderIgnoresCase: Windows folders (the core on win32, a drive letter or a UNC path) ignore case; POSIX folders do not', (t) => {
  for (const p of ['D:\\Alteryx\\Backups', 'd:/backups', 'E:', '\\\\nas01\\AlteryxBackups', '//nas01/backups', '\\\\?\\D:\\Backups'])
    t.true(folderIgnoresCase(p, 'linux'), p);
  for (const p of ['/var/backups', './backups', 'backups', '/mnt/nas', 'D_backups']) t.false(folderIgnoresCase(p, 'linux'), p);
  t.true(folderIgnoresCase('/var/backups', 'win32'), 'every folder of the core on Windows');
  t.true(folderIgnoresCase('backups', 'win32'));
});

test("in a POSIX folder a differently-cased name is foreign; in a Windows folder it is this tool's archive, pruned with its .SHA256", (t) => {
  const old = `ServerBackup_Full_${stamp(at(40, 2))}.zip`;
  const upper = old.toUpperCase(); // SERVERBACKUP_FULL_..._020000.ZIP
  const lower = `serverbackup_full_${stamp(at(50, 2))}.zip`;
  const newest = `ServerBackup_Full_${stamp(at(1, 2))}.zip`;
  const files: FileEntry[] = [
    f(upper),
    f(`${upper}.SHA256`),
    f(lower),
    f(`${lower}.Sha256`),
    f(newest),
    f(`${newest}.sha256`),
    // an old archive of this tool's exact name whose checksum another tool wrote in upper case
    f(`ServerBackup_Full_${stamp(at(60, 2))}.zip`),
    f(`ServerBackup_Full_${stamp(at(60, 2))}.ZIP.SHA256`),
    // a checksum of the case-changed name whose archive is gone
    f(`SERVERBACKUP_FULL_${stamp(at(70, 2))}.ZIP.sha256`),
    f(`BACKUPLOG_FULL_${stamp(at(100, 2))}.LOG`),
    f(`ServerBackup_Full_${stamp(at(3, 2))}.ZIP.PARTIAL`, 5, NOW.getTime() - 3 * DAY),
    ...FOREIGN.filter((n) => n.toLowerCase() !== n).map((n) => f(n)),
    f(`SERVERBACKUP_FULL_${stamp(at(40, 2))}.ZIP.BAK`),
    f(`MyServerBackup_Full_${stamp(at(40, 2))}.ZIP`),
    f(`serverbackup_weekly_${stamp(at(40, 2))}.zip`),
  ];
  const posix = planRetention(files, base({ days: { Full: 30 }, logDays: 90 }));
  t.deepEqual(names(posix), [`ServerBackup_Full_${stamp(at(60, 2))}.zip`], 'only the exact name; its upper-case checksum is foreign here');
  const windows = planRetention(files, base({ days: { Full: 30 }, logDays: 90, ignoreCase: true }));
  t.deepEqual(
    names(windows),
    [
      upper,
      `${upper}.SHA256`,
      lower,
      `${lower}.Sha256`,
      `ServerBackup_Full_${stamp(at(60, 2))}.zip`,
      `ServerBackup_Full_${stamp(at(60, 2))}.ZIP.SHA256`,
      `SERVERBACKUP_FULL_${stamp(at(70, 2))}.ZIP.sha256`,
      `BACKUPLOG_FULL_${stamp(at(100, 2))}.LOG`,
      `ServerBackup_Full_${stamp(at(3, 2))}.ZIP.PARTIAL`,
    ].sort(),
  );
  const kinds = Object.fromEntries(windows.delete.map((d) => [d.name, d.kind]));
  t.is(kinds[`${upper}.SHA256`], 'checksum');
  t.is(kinds[upper], 'archive');
  for (const n of FOREIGN)
    if (n.toLowerCase() !== n)
      t.false(
        windows.delete.some((d) => d.name === n),
        `${n} stays foreign ignoring case too`,
      );
});

test('ignoring case, the newest good archive is found through a checksum of another case, and keep matches any case', (t) => {
  const newest = `SERVERBACKUP_CONFIG_${stamp(at(20, 2))}.ZIP`;
  const older = `ServerBackup_Config_${stamp(at(30, 2))}.zip`;
  const files = [f(newest), f(`${newest.toLowerCase()}.sha256`), f(older), f(`${older}.sha256`)];
  const plan = planRetention(files, base({ days: { ConfigOnly: 0 }, ignoreCase: true }));
  t.is(plan.groups[0]!.protectedName, newest, 'good: its .sha256 is there, in lower case');
  t.deepEqual(names(plan), [older, `${older}.sha256`].sort());
  const kept = planRetention(files, base({ days: { ConfigOnly: 0 }, ignoreCase: true, keep: [older.toUpperCase()] }));
  t.deepEqual(names(kept), []);
});
