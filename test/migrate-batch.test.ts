import test from 'ava';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { expand, parseBatch } from '../src/migrate/batch-parse.ts';
import { folderPath, migrateBatch } from '../src/migrate/batch.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'legacy');

/** The legacy-style scripts, copied into a temp folder (so that %~dp0 and any file they would write are there). */
function scripts(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const backup = join(dir, 'ServerBackup.bat');
  const cleanup = join(dir, 'ServerBackup_Cleanup.bat');
  copyFileSync(join(fixtures, 'ServerBackup.bat'), backup);
  copyFileSync(join(fixtures, 'ServerBackup_Cleanup.bat'), cleanup);
  return { dir, backup, cleanup };
}

test('SET forms: plain, quoted value, SET "X=Y", spaces around =, SET /A, inside an if, after &; comments skipped', (t) => {
  const text = [
    'REM SET Commented=1',
    ':: SET AlsoCommented=1',
    '@REM SET AtRem=1',
    'SET Plain=D:\\Temp\\',
    'SET Quoted="C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"',
    'SET "Whole=E:\\Backup Staging\\" & echo ignored',
    'set Spaced = 12',
    'SET /A Count=7200',
    'if not defined Later (set Later=yes)',
    'cd /d D:\\ & SET After=%Plain%sub',
    'SET Ref=%ProgramData%\\Alteryx',
    'SET Here=%~dp0x',
    'SET Runtime=%date%',
    'SET',
  ].join('\r\n');
  const vars = parseBatch(text, 'C:\\scripts\\b.bat', 'C:\\scripts\\');
  const byName = Object.fromEntries(vars.map((v) => [v.name, v]));
  t.deepEqual(Object.keys(byName), ['Plain', 'Quoted', 'Whole', 'Spaced', 'Count', 'Later', 'After', 'Ref', 'Here', 'Runtime']);
  t.is(byName['Plain']!.value, 'D:\\Temp\\');
  t.is(byName['Quoted']!.value, 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe');
  t.is(byName['Whole']!.value, 'E:\\Backup Staging\\');
  t.is(byName['Spaced']!.value, '12');
  t.is(byName['Count']!.flag, 'A');
  t.is(byName['Later']!.value, 'yes');
  t.is(byName['After']!.value, 'D:\\Temp\\sub');
  t.is(byName['Ref']!.value, 'C:\\ProgramData\\Alteryx');
  t.is(byName['Here']!.value, 'C:\\scripts\\x');
  t.deepEqual(byName['Runtime']!.unresolved, ['%date%']);
  t.is(byName['Plain']!.line, 4);
});

test('expand: %% is a percent, %%x a FOR variable, !X! delayed expansion, case-insensitive names', (t) => {
  const vars = new Map([['tempdir', 'D:\\T\\']]);
  t.deepEqual(expand('100%% %TEMPDIR%x !TempDir!y', vars, 'C:\\s\\'), { value: '100% D:\\T\\x D:\\T\\y', unresolved: [] });
  t.deepEqual(expand('%%x', vars, 'C:\\s\\').unresolved, ['%%x']);
  t.deepEqual(expand('%MyDate:~0,8%', vars, 'C:\\s\\').unresolved, ['%MyDate:~0,8%']);
});

test('folder paths lose the trailing backslash except at a drive root', (t) => {
  t.is(folderPath('D:\\Temp\\'), 'D:\\Temp');
  t.is(folderPath('D:\\Temp'), 'D:\\Temp');
  t.is(folderPath('D:\\'), 'D:\\');
  t.is(folderPath('\\\\nas01\\share\\'), '\\\\nas01\\share');
});

test('the legacy v2.1 names map to their keys; MaxServiceWait is seconds; a 0-day BackupLifespan is reported', (t) => {
  const backup = [
    'SET BatchLogDir=D:\\Alteryx\\BackupLogs\\',
    'SET TempDir=D:\\Temp\\',
    'SET NetworkDir=D:\\Alteryx\\Backups\\',
    'SET MaxServiceWait=7200',
    'SET /P Pw=Password: ',
  ].join('\n');
  const cleanup = ['SET BackupDir=D:\\Alteryx\\Backups\\', 'SET LogsDir=D:\\Alteryx\\BackupLogs\\', 'SET BackupLifespan=0', 'SET LogLifespan=0'].join('\n');
  const r = migrateBatch({ backupScript: { path: 'C:\\b\\backup.bat', text: backup }, cleanupScript: { path: 'C:\\b\\cleanup.bat', text: cleanup } });
  const bc = r.config.BackupConfiguration as Record<string, unknown>;
  t.is(bc['LogDirectory'], 'D:\\Alteryx\\BackupLogs');
  t.is(bc['LocalBackupPath'], 'D:\\Alteryx\\Backups');
  t.deepEqual(bc['RetentionDays'], { Full: 0 });
  t.is(bc['LogRetentionDays'], 1);
  t.is((r.config.ServiceConfiguration as Record<string, unknown>)['MaxServiceWaitSeconds'], 7200);
  t.true(r.notes.some((n) => /BackupLifespan 0.*deletes EVERY backup.*keeps the newest/.test(n)));
  t.true(r.notes.some((n) => /LogLifespan 0/.test(n)));
  t.regex(r.unmapped.find((u) => u.variable === 'Pw')!.reason, /SET \/P/);
  t.is(r.mapped.find((m) => m.variable === 'BackupDir')!.keys[0], 'BackupConfiguration.LocalBackupPath');
});

test('a value that is not a number, a folder known only at run time and a cleanup folder elsewhere are reported, not guessed', (t) => {
  const r = migrateBatch({
    backupScript: { path: 'C:\\b\\backup.bat', text: 'SET MaxServiceWait=two hours\nSET TempDir=%TEMP%\\ab\\\nSET NetworkDir=D:\\Backups\\' },
    cleanupScript: { path: 'C:\\b\\cleanup.bat', text: 'SET BackupDir=E:\\Other\\' },
  });
  const reason = (n: string) => r.unmapped.find((u) => u.variable === n)?.reason ?? '';
  t.regex(reason('MaxServiceWait'), /not a whole number of seconds/);
  t.regex(reason('TempDir'), /%TEMP%.*only known when the batch file runs/);
  t.regex(reason('BackupDir'), /differs from the backup script's archive folder \(D:\\Backups\)/);
  t.is((r.config.BackupConfiguration as Record<string, unknown>)['TempDirectory'], undefined);
});

test('migrate-batch on legacy-style scripts: a config that validates, every value carried, the unknown variables listed, the 0-day lifespan reported, nothing run', async (t) => {
  const { dir, backup, cleanup } = scripts(t);
  const out = join(dir, 'out', 'backup-config.json');
  const r = await runCli(['migrate-batch', backup, '--cleanup', cleanup, '--out', out, '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const res = r.result!;
  t.true(res['written'] as boolean);

  // The real loader accepts the file and sees every value.
  const { config } = loadConfig({ ConfigPath: out });
  t.is(config.BackupConfiguration.LogDirectory, 'E:\\Alteryx Logs\\Backup', 'LogDir (first version), no trailing backslash');
  t.is(config.BackupConfiguration.TempDirectory, 'E:\\Backup Staging', 'SET "X=Y" with a trailing backslash');
  t.deepEqual(config.BackupConfiguration.NetworkBackupPaths, ['\\\\nas01\\Alteryx Backups']);
  t.is(config.ServerConfiguration.AlteryxServicePath, 'D:\\Program Files\\Alteryx\\bin\\AlteryxService.exe', 'quotes removed');
  t.is(config.ServerConfiguration.InstallDirectory, 'D:\\Program Files\\Alteryx');
  t.is(config.ServiceConfiguration.MaxServiceWaitSeconds, 5400);
  t.is(config.BackupConfiguration.RetentionDays.Full, 0);
  t.is(config.BackupConfiguration.LogRetentionDays, 30);
  t.true(config.BackupConfiguration.RetentionIncludesLegacy7z);
  t.is(config.BackupConfiguration.ArchiveNameFormat, 'mode');

  const mapped = res['mapped'] as Array<{ variable: string; keys: string[]; note?: string }>;
  t.deepEqual(mapped.find((m) => m.variable === 'LogDir')!.keys, ['BackupConfiguration.LogDirectory']);
  t.regex(mapped.find((m) => m.variable === 'LogDir')!.note!, /first version.*no trailing backslash/s);
  const unmapped = res['unmapped'] as Array<{ variable: string; value: string; reason: string; line: number }>;
  const names = unmapped.map((u) => u.variable);
  for (const n of ['SiteCode', 'KeysCopy', 'ToolsDir', 'MyDate', 'datetime', 'ZipUtil', 'CleanupLogDir'])
    t.true(names.includes(n), `${n} is listed as not mapped`);
  t.regex(unmapped.find((u) => u.variable === 'SiteCode')!.reason, /not a variable of the legacy backup script/);
  t.is(unmapped.find((u) => u.variable === 'SiteCode')!.line, 12);
  t.regex(unmapped.find((u) => u.variable === 'ZipUtil')!.reason, /no longer needed/);
  t.is(unmapped.find((u) => u.variable === 'KeysCopy')!.value, 'C:\\ProgramData\\Alteryx\\Keys', '%ProgramData% expanded');
  t.true(unmapped.find((u) => u.variable === 'ToolsDir')!.value.endsWith('tools'), '%~dp0 expanded to the script folder');
  t.true((res['notes'] as string[]).some((n) => /BackupLifespan 0/.test(n)));
  t.false(existsSync(join(dir, 'pwned.txt')), 'the batch file was never run');
  t.deepEqual(readdirSync(join(dir, 'out')), ['backup-config.json'], 'no temporary file left');
});

test('migrate-batch --keep-names sets the legacy file-name format; an existing --out is kept unless --force', async (t) => {
  const { dir, backup } = scripts(t);
  const out = join(dir, 'backup-config.json');
  writeFileSync(out, '{"keep":"me"}');
  const refused = await runCli(['migrate-batch', backup, '--out', out, '--keep-names', '--json']);
  t.is(refused.code, 3);
  t.regex(String(refused.result!['message']), /already exists.*--force/);
  t.is(readFileSync(out, 'utf8'), '{"keep":"me"}');
  const forced = await runCli(['migrate-batch', backup, '--out', out, '--keep-names', '--force']);
  t.is(forced.code, 0, forced.stderr);
  t.regex(forced.stdout, /NOT MAPPED SiteCode = EMEA-01/);
  t.is(loadConfig({ ConfigPath: out }).config.BackupConfiguration.ArchiveNameFormat, 'legacy');
});

test('migrate-batch: a missing batch file is exit 3 naming the file; an AlteryxService that names no .exe is reported', async (t) => {
  const dir = tempDir(t);
  const missing = await runCli(['migrate-batch', join(dir, 'nope.bat'), '--json']);
  t.is(missing.code, 3);
  t.regex(String(missing.result!['message']), /nope\.bat does not exist/);
  const bad = join(dir, 'bad.bat');
  writeFileSync(bad, 'SET TempDir=D:\\Temp\\\r\nSET AlteryxService=" "\r\n');
  const r = await runCli(['migrate-batch', bad, '--out', join(dir, 'c.json'), '--json']);
  t.is(r.code, 0);
  t.regex(
    (r.result!['unmapped'] as Array<{ variable: string; reason: string }>).find((u) => u.variable === 'AlteryxService')!.reason,
    /does not name an \.exe/,
  );
  t.is(
    loadConfig({ ConfigPath: join(dir, 'c.json') }).config.ServerConfiguration.AlteryxServicePath,
    'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe',
    'the default stays',
  );
});

test('a variable that holds a secret is listed without its value and never carried', (t) => {
  const r = migrateBatch({
    backupScript: { path: 'C:\\b\\backup.bat', text: 'SET MongoPassword=Hunter2-secret\r\nSET SMTP_PWD="p@ss word"\r\nSET TempDir=D:\\Temp\\' },
  });
  const text = JSON.stringify(r);
  t.false(text.includes('Hunter2-secret'));
  t.false(text.includes('p@ss word'));
  const u = r.unmapped.find((x) => x.variable === 'MongoPassword')!;
  t.is(u.value, '********');
  t.regex(u.reason, /holds a secret/);
  t.is(r.unmapped.find((x) => x.variable === 'SMTP_PWD')!.value, '********');
  t.is((r.config.BackupConfiguration as Record<string, unknown>)['TempDirectory'], 'D:\\Temp');
});
