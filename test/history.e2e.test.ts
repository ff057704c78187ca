// Issue 18's acceptance: 60 sandbox backups across the three modes with injected failures -> the catalog,
// Get-AlteryxBackupHistory -Last 10 | Export-Csv through real pwsh, history --rebuild after deleting the store,
// and health OK / CRITICAL / WARNING with the Nagios exit codes.
//
// To keep the run time reasonable on a loaded 2-core machine, 12 of the 60 backups (4 per mode, 3 of them
// with an injected failure) and one drill are real CLI runs against a 1 MB sandbox; the other 48 are older
// nights written through the same code path the CLI uses (recordRun), sized like the real runs of their mode.
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { choosePlatform } from '../src/platform/choose.ts';
import { recordRun } from '../src/history/record.ts';
import { readHistory, historyPath } from '../src/history/store.ts';
import type { RunRecord } from '../src/history/types.ts';
import { readEvents, setKnob } from '../src/sandbox/index.ts';
import { repo, runCli, type CliRun } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { loopbackSmtp, parseMail } from './helpers/smtp.ts';
import { waitFor } from './helpers/wait.ts';

const NAS = '\\\\nas01\\AlteryxBackups';
const DAY = 86_400_000;

/** Waits (on the clock, not a fixed sleep) until the second of `since` is over: runs are named to the second. */
async function nextSecond(since: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) === Math.floor(since / 1000)) await new Promise((r) => setTimeout(r, 20));
}

function pwsh(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn('bash', [join(repo, 'scripts', 'pwsh.sh'), '-NonInteractive', '-NoProfile', '-Command', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF), independent of the code under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

interface RealRun {
  mode: string;
  fault?: () => void;
  expect: 'Success' | 'Partial' | 'Failed';
  run?: CliRun;
}

test.serial('60 backups across the modes with injected failures: catalog, Get-AlteryxBackupHistory -Last 10 | Export-Csv, rebuild, health', async (t) => {
  const { root, dir, config } = await quickSandbox(
    t,
    { dbSizeMb: 1 },
    { BackupConfiguration: { NetworkBackupPaths: [NAS], NetworkCopy: { Attempts: 1, RetryDelaySeconds: 0 } } },
  );
  const cli = (args: string[]) => runCli([...args, '--sandbox', dir, '--config', config]);
  const plan: RealRun[] = [
    { mode: 'Full', expect: 'Success' },
    { mode: 'DatabaseOnly', expect: 'Success' },
    { mode: 'ConfigOnly', expect: 'Success' },
    { mode: 'DatabaseOnly', fault: () => setKnob(dir, 'emongodump.fail', 'exit'), expect: 'Failed' },
    { mode: 'Full', fault: () => setKnob(dir, `destinations.${NAS}.failTimes`, '1'), expect: 'Partial' },
    { mode: 'ConfigOnly', expect: 'Success' },
    { mode: 'Full', fault: () => setKnob(dir, 'emongodump.fail', 'empty'), expect: 'Failed' },
    { mode: 'DatabaseOnly', expect: 'Success' },
    { mode: 'ConfigOnly', expect: 'Success' },
    { mode: 'Full', expect: 'Success' },
    { mode: 'DatabaseOnly', expect: 'Success' },
    { mode: 'ConfigOnly', expect: 'Success' },
  ];
  // 48 older nights through the CLI's own record-writing path (older than any real run, so they come first).
  const sizes: Record<string, number> = {};
  const durations: Record<string, number> = {};
  let last = 0;
  for (const [i, r] of plan.entries()) {
    await nextSecond(last);
    setKnob(dir, 'emongodump.fail', 'false');
    r.fault?.();
    last = Date.now();
    r.run = await cli(['backup', '--mode', r.mode, '--json']);
    const res = r.run.result!;
    t.truthy(res, `run ${i} (${r.mode}) reported a result: ${r.run.stderr}`);
    const code = Number(res['exitCode']);
    const outcome = code === 0 ? 'Success' : code === 4 && res['archivePath'] ? 'Partial' : 'Failed';
    t.is(outcome, r.expect, `run ${i} ${r.mode}: exit ${code}: ${String(res['message'])}`);
    if (r.expect !== 'Failed') {
      sizes[r.mode] = Number(res['sizeBytes']);
      durations[r.mode] = Number(res['durationMs']);
    }
  }
  setKnob(dir, 'emongodump.fail', 'false');
  // A real drill of the newest DatabaseOnly archive.
  const newestDb = plan.filter((r) => r.mode === 'DatabaseOnly' && r.expect === 'Success').at(-1)!.run!.result!['archivePath'] as string;
  const drill = await cli(['drill', newestDb, '--json']);
  t.is(drill.result?.['exitCode'], 0, String(drill.result?.['message']));

  const modes = ['Full', 'DatabaseOnly', 'ConfigOnly'] as const;
  const firstReal = Date.parse(readHistory(historyPath(join(dir, 'D', 'Alteryx', 'BackupLogs'))).records[0]!.startedAt);
  for (let i = 0; i < 48; i++) {
    const mode = modes[i % 3]!;
    const startedAt = new Date(firstReal - ((48 - i) * DAY) / 2);
    const ok = i % 11 !== 5;
    const w = await recordRun(
      {
        exitCode: ok ? 0 : 5,
        message: ok ? `${mode} backup completed` : 'The MongoDB dump failed',
        mode,
        archivePath: ok ? `D:\\Alteryx\\Backups\\ServerBackup_${mode}_night${i}.zip` : null,
        sha256: ok ? 'c'.repeat(64) : null,
        sizeBytes: ok ? sizes[mode]! : null,
        durationMs: durations[mode]!,
        destinations: ok
          ? [
              { path: 'D:\\Alteryx\\Backups', kind: 'local', status: 'ok' },
              { path: NAS, kind: 'network', status: 'ok' },
            ]
          : [],
        summary: { downtimeMs: mode === 'ConfigOnly' ? 0 : 500 },
      },
      { kind: 'backup', params: { SandboxPath: dir, ConfigPath: config }, startedAt, platform: choosePlatform },
    );
    t.deepEqual(w.warnings, []);
  }

  // The catalog: 60 backups and the drill, every real run with its real outcome.
  const all = (await cli(['history', '--json'])).result!['records'] as RunRecord[];
  t.is(all.filter((r) => r.kind === 'backup').length, 60);
  t.deepEqual(
    modes.map((m) => all.filter((r) => r.kind === 'backup' && r.mode === m).length),
    [20, 20, 20],
  );
  t.is(all.filter((r) => r.kind === 'drill').length, 1);
  const real = all.filter((r) => r.source === 'run' && r.logPath && r.kind === 'backup');
  t.deepEqual(
    real.map((r) => `${r.mode}:${r.status}`),
    plan.map((p) => `${p.mode}:${p.expect}`),
  );
  for (const [i, r] of real.entries()) {
    const res = plan[i]!.run!.result!;
    t.is(r.exitCode, res['exitCode'] as number);
    t.is(r.archivePath, res['archivePath'] as string | null);
    t.is(r.sha256, res['sha256'] as string | null);
    t.is(r.logPath, res['logPath'] as string | null);
  }
  t.deepEqual(
    real[4]!.destinations.map((d) => d.status),
    ['ok', 'failed'],
  );

  // Get-AlteryxBackupHistory -Last 10 through real pwsh and the real module, then Export-Csv.
  const csvFile = join(root, 'last10.csv');
  const ps = await pwsh(
    `$ErrorActionPreference = 'Stop'; Import-Module '${join(repo, 'module', 'AlteryxBackup', 'AlteryxBackup.psd1')}';` +
      `$h = Get-AlteryxBackupHistory -SandboxPath '${dir}' -ConfigPath '${config}' -Last 10;` +
      `$h | Export-Csv -NoTypeInformation -Path '${csvFile}';` +
      `$h | ForEach-Object { '{0}|{1}|{2}|{3}|{4}|{5}' -f $_.PSObject.TypeNames[0], $_.Kind, $_.Mode, $_.Status, $_.ExitCode, ($_.Duration -is [timespan]) }`,
  );
  t.is(ps.code, 0, ps.stderr);
  const newest10 = all.slice(-10);
  t.deepEqual(
    ps.stdout.trim().split(/\r?\n/),
    newest10.map((r) => `AlteryxBackup.HistoryRecord|${r.kind}|${r.mode}|${r.status}|${r.exitCode}|True`),
  );
  const rows = parseCsv(readFileSync(csvFile, 'utf8'));
  const head = rows[0]!;
  t.is(rows.length, 11);
  for (const [i, row] of rows.slice(1).entries()) {
    t.is(row[head.indexOf('Id')], newest10[i]!.id);
    t.is(row[head.indexOf('Status')], newest10[i]!.status);
    t.is(row[head.indexOf('Sha256')], newest10[i]!.sha256 ?? '');
  }

  // The CLI's CSV: a header and the newest three rows.
  const csvOut = await cli(['history', '--csv', '--last', '3']);
  const csvRows = parseCsv(csvOut.stdout);
  t.is(csvRows.length, 4);
  t.deepEqual(
    csvRows.slice(1).map((r) => [r[0], r[7]]),
    all.slice(-3).map((r) => [r.id, r.status]),
  );

  // Delete the store, rebuild: the successful real runs come back the same.
  rmSync(historyPath(join(dir, 'D', 'Alteryx', 'BackupLogs')));
  const rebuilt = await cli(['history', '--rebuild', '--json']);
  t.is(rebuilt.code, 0, rebuilt.stderr);
  const back = rebuilt.result!['records'] as RunRecord[];
  const key = (r: RunRecord) => ({
    id: r.id,
    kind: r.kind,
    mode: r.mode,
    startedAt: r.startedAt,
    host: r.host,
    exitCode: r.exitCode,
    status: r.status,
    message: r.message,
    archiveName: r.archiveName,
    archivePath: r.archivePath,
    sha256: r.sha256,
    sizeBytes: r.sizeBytes,
    dumpBytes: r.dumpBytes,
    destinations: r.destinations.map((d) => d.status),
  });
  const good = real.filter((r) => r.status === 'Success');
  t.is(good.length, 9);
  t.deepEqual(back.filter((r) => r.kind === 'backup' && r.status === 'Success').map(key), good.map(key));
  // Failed and partial runs come back from their logs, with their exit codes.
  t.deepEqual(
    back.filter((r) => r.kind === 'backup' && r.status !== 'Success').map((r) => `${r.mode}:${r.status}:${r.exitCode}`),
    real.filter((r) => r.status !== 'Success').map((r) => `${r.mode}:${r.status}:${r.exitCode}`),
  );
  t.is(back.filter((r) => r.kind === 'drill' && r.exitCode === 0).length, 1);
  // Durations come from the logs: close to, not equal to, the measured ones.
  for (const r of good) t.true(Math.abs(back.find((b) => b.id === r.id)!.durationMs - r.durationMs) < 1000);

  // Health: OK now (exit 0).
  const ok = await cli(['health']);
  t.is(ok.code, 0, ok.stdout);
  t.regex(ok.stdout, /^ALTERYXBACKUP OK - .* \| Full_age_h=[\d.]+;;192 DatabaseOnly_age_h=[\d.]+;;26 ConfigOnly_age_h=[\d.]+;;192$/m);

  // CRITICAL (exit 2) once the newest DatabaseOnly backup is older than its interval (here 0.001 h = 3.6 s).
  const strict = join(root, 'strict.json');
  const cfg = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  writeFileSync(strict, JSON.stringify({ ...cfg, HealthConfiguration: { ExpectedIntervalHours: { DatabaseOnly: 0.001 } } }));
  const newestDbStart = Date.parse(back.filter((r) => r.kind === 'backup' && r.mode === 'DatabaseOnly' && r.status === 'Success').at(-1)!.startedAt);
  while (Date.now() - newestDbStart <= 3600) await new Promise((r) => setTimeout(r, 100));
  const crit = await runCli(['health', '--sandbox', dir, '--config', strict]);
  t.is(crit.code, 2, crit.stdout);
  t.regex(crit.stdout, /^ALTERYXBACKUP CRITICAL - The newest good DatabaseOnly backup is [\d.]+ h old/);
  t.regex(crit.stdout, /CRITICAL: \[missed-schedule\]/);
  const critJson = await runCli(['health', '--sandbox', dir, '--config', strict, '--json']);
  t.is(critJson.code, 2);
  t.deepEqual(
    (critJson.result!['reasons'] as Array<{ check: string; mode: string }>).map((r) => `${r.check}:${r.mode}`),
    ['missed-schedule:DatabaseOnly'],
  );
});

test('health WARNING (exit 1) when a backup is 80 % smaller than the median, and the backup itself carries the warning', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 });
  const first = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(first.result?.['exitCode'], 0);
  const size = Number(first.result!['sizeBytes']);
  // Ten earlier nights five times as large: the next real backup is 80 % below their median.
  const logDir = join(dir, 'D', 'Alteryx', 'BackupLogs');
  const file = historyPath(logDir);
  const recs = readHistory(file).records;
  for (let i = 0; i < 10; i++) {
    await recordRun(
      {
        exitCode: 0,
        message: 'DatabaseOnly backup completed',
        mode: 'DatabaseOnly',
        archivePath: `D:\\Alteryx\\Backups\\ServerBackup_DB_night${i}.zip`,
        sha256: 'd'.repeat(64),
        sizeBytes: size * 5,
        durationMs: Number(first.result!['durationMs']),
      },
      {
        kind: 'backup',
        params: { SandboxPath: dir, ConfigPath: config },
        startedAt: new Date(Date.parse(recs[0]!.startedAt) - (10 - i) * DAY),
        platform: choosePlatform,
      },
    );
  }
  await nextSecond(Date.parse(recs[0]!.startedAt) + 999);
  const second = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(second.code, 0, 'the health warning does not change the exit code');
  const warnings = second.result!['warnings'] as string[];
  t.true(
    warnings.some((w) => /^Health WARNING: The DatabaseOnly backup ServerBackup_DB_\d{8}_\d{6}\.zip is .*, 80 % smaller than the median/.test(w)),
    warnings.join('\n'),
  );
  t.is((second.result!['health'] as { status: string }).status, 'WARNING');
  const h = await runCli(['health', '--sandbox', dir, '--config', config]);
  t.is(h.code, 1, h.stdout);
  t.regex(h.stdout, /^ALTERYXBACKUP WARNING - The DatabaseOnly backup .* 80 % smaller than the median/);
  // The check can be turned off for the end of a backup.
  const off = join(dir, '..', 'off.json');
  writeFileSync(off, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), HealthConfiguration: { CheckAfterBackup: false } }));
  await nextSecond(Date.now());
  const third = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', off, '--json']);
  t.false((third.result!['warnings'] as string[]).some((w) => w.startsWith('Health ')));
  t.is(third.result!['health'], undefined);
});

test('a good backup whose health check fires sends one HEALTH WARNING email (OnlyOnFailure notwithstanding)', async (t) => {
  const smtp = await loopbackSmtp(t);
  const notification = {
    Enabled: true,
    OnlyOnFailure: true,
    SMTPServer: '127.0.0.1',
    SMTPPort: smtp.port,
    UseSSL: false,
    FromAddress: 'backup@example.test',
    ToAddresses: ['admins@example.test'],
  };
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 }, { NotificationConfiguration: notification });
  const first = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(first.result?.['exitCode'], 0);
  t.is(smtp.messages.length, 0, 'a healthy good backup sends nothing with OnlyOnFailure');
  const recs = readHistory(historyPath(join(dir, 'D', 'Alteryx', 'BackupLogs'))).records;
  for (let i = 0; i < 5; i++) {
    await recordRun(
      {
        exitCode: 0,
        message: 'ConfigOnly backup completed',
        mode: 'ConfigOnly',
        archivePath: `D:\\Alteryx\\Backups\\night${i}.zip`,
        sizeBytes: Number(first.result!['sizeBytes']) * 10,
        durationMs: 500,
      },
      {
        kind: 'backup',
        params: { SandboxPath: dir, ConfigPath: config },
        startedAt: new Date(Date.parse(recs[0]!.startedAt) - (5 - i) * DAY),
        platform: choosePlatform,
      },
    );
  }
  await nextSecond(Date.parse(recs[0]!.startedAt) + 999);
  const second = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(second.code, 0);
  t.is(smtp.messages.length, 1);
  const mail = parseMail(smtp.messages[0]!.raw);
  t.regex(mail.headers['subject'] ?? '', /^\[AlteryxBackup\] HEALTH WARNING: ConfigOnly backup on ALTERYX01 \(exit 0, success\)/);
  t.regex(mail.text, /Health WARNING: The ConfigOnly backup .* 90 % smaller than the median/);
});

test('health is UNKNOWN (exit 3) when it cannot run, history and report refuse bad input with exit 3', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 });
  const empty = await runCli(['health', '--sandbox', dir, '--config', config]);
  t.is(empty.code, 3);
  t.regex(empty.stdout, /^ALTERYXBACKUP UNKNOWN - The history has no runs yet/);
  const bad = await runCli(['health', '--sandbox', dir, '--config', join(dir, 'missing.json')]);
  t.is(bad.code, 3);
  t.regex(bad.stdout, /UNKNOWN - the health check could not run: The configuration file .*missing\.json does not exist/);
  const badFlag = await runCli(['health', '--bogus']);
  t.is(badFlag.code, 3);
  const h = await runCli(['history', '--sandbox', dir, '--config', config, '--last', 'zero']);
  t.is(h.code, 3);
  t.regex(h.stderr, /-Last \(--last\) must be a whole number/);
  const r = await runCli(['report', '--html', join(dir, 'r.html'), '--month', '2026-13', '--sandbox', dir, '--config', config]);
  t.is(r.code, 3);
  t.regex(r.stderr, /--month must be YYYY-MM/);
});

test('report --month --email mails the monthly HTML and CSV through the SMTP relay; a relay that refuses is exit 1 with the files kept', async (t) => {
  const smtp = await loopbackSmtp(t, { user: 'reports', password: 's3cret-smtp' });
  const notification = {
    SMTPServer: '127.0.0.1',
    SMTPPort: smtp.port,
    UseSSL: true,
    AllowInvalidCertificates: true,
    FromAddress: 'backup@example.test',
    ToAddresses: ['admins@example.test'],
    SMTPUsername: 'reports',
  };
  const { root, dir, config } = await quickSandbox(t, { dbSizeMb: 1 }, { NotificationConfiguration: notification });
  t.is((await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json'])).result?.['exitCode'], 0);
  const now = new Date();
  const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const html = join(root, `AlteryxBackup-${month}.html`);
  const sent = await runCli(['report', '--html', html, '--month', month, '--email', '--sandbox', dir, '--config', config, '--json'], {
    env: { ALTERYXBACKUP_SMTP_PASSWORD: 's3cret-smtp' },
  });
  t.is(sent.code, 0, String(sent.result?.['message']));
  t.is(sent.result!['email'], 'sent');
  t.is(smtp.messages.length, 1);
  t.deepEqual(
    smtp.logins.map((l) => l.ok),
    [true],
  );
  const mail = parseMail(smtp.messages[0]!.raw);
  t.regex(mail.headers['subject'] ?? '', new RegExp(`^\\[AlteryxBackup\\] Monthly report ${month} of ALTERYX01: health OK`));
  t.deepEqual(
    mail.attachments.map((a) => a.filename),
    [`AlteryxBackup-${month}.html`, `AlteryxBackup-${month}.csv`],
  );
  t.is(mail.attachments[0]!.content, readFileSync(html, 'utf8'));
  t.false(sent.stdout.includes('s3cret-smtp'));
  // A wrong password: the relay refuses, the report is still written, exit 1 says why.
  rmSync(html);
  const refused = await runCli(['report', '--html', html, '--month', month, '--email', '--sandbox', dir, '--config', config], {
    env: { ALTERYXBACKUP_SMTP_PASSWORD: 'wrong-password' },
  });
  t.is(refused.code, 1);
  t.regex(refused.stderr, /Report written: .* The email could not be sent: .*Invalid username or password/);
  t.false(refused.stderr.includes('wrong-password'));
  t.truthy(readFileSync(html, 'utf8').length);
});

test('RestoreConfiguration.DrillAfterBackup: the backup and its drill are both in the catalog', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 }, { RestoreConfiguration: { DrillAfterBackup: true } });
  const b = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(b.result?.['exitCode'], 0, String(b.result?.['message']));
  const records = (await runCli(['history', '--sandbox', dir, '--config', config, '--json'])).result!['records'] as RunRecord[];
  t.deepEqual(records.map((r) => `${r.kind}:${r.mode}:${r.status}`).sort(), ['backup:DatabaseOnly:Success', 'drill:DatabaseOnly:Success']);
  const drill = records.find((r) => r.kind === 'drill')!;
  t.is(drill.archivePath, b.result!['archivePath'] as string);
  t.is(drill.drill?.verdict, 'passed');
  t.true(drill.drill!.documentsExpected > 0);
  t.is(drill.drill!.documentsActual, drill.drill!.documentsExpected);
  t.regex(drill.id, /^drill-BackupLog_Drill_\d{8}_\d{6}$/);
});

test('verify (with a configuration or sandbox) and restore are recorded with their outcomes', async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 });
  const b = await runCli(['backup', '--mode', 'ConfigOnly', '--sandbox', dir, '--config', config, '--json']);
  t.is(b.result?.['exitCode'], 0);
  const archive = b.result!['archivePath'] as string;
  t.is((await runCli(['verify', archive, '--sandbox', dir, '--config', config])).code, 0);
  t.is((await runCli(['verify', `${archive}.missing.zip`, '--sandbox', dir, '--config', config])).code, 3);
  await nextSecond(Date.now());
  const r = await runCli(['restore', archive, '--yes', '--sandbox', dir, '--config', config, '--json']);
  t.is(r.result?.['exitCode'], 0, String(r.result?.['message']));
  // Without a configuration or sandbox the default configuration's catalog is meant (a Windows server's, not this sandbox's).
  t.is((await runCli(['verify', archive])).code, 0);
  const records = (await runCli(['history', '--sandbox', dir, '--config', config, '--json'])).result!['records'] as RunRecord[];
  t.deepEqual(
    records.map((x) => `${x.kind}:${x.status}:${x.exitCode}`),
    ['backup:Success:0', 'verify:Success:0', 'verify:Failed:3', 'restore:Success:0'],
  );
  t.is(records[1]!.sha256, b.result!['sha256'] as string);
  t.is(records[1]!.mode, 'ConfigOnly');
  t.is(records[3]!.archivePath, archive);
  t.regex(records[3]!.id, /^restore-BackupLog_Restore_\d{8}_\d{6}$/);
});

/** Starts a Full backup held in its dump (the sandbox's slow emongodump) and kills it there with SIGKILL. */
async function killMidDump(dir: string, config: string): Promise<void> {
  setKnob(dir, 'emongodump.seconds', '10');
  let pid = 0;
  const run = runCli(['backup', '--mode', 'Full', '--sandbox', dir, '--config', config, '--json'], { onSpawn: (p) => (pid = p) });
  let ended = false;
  void run.then(() => (ended = true));
  await waitFor(
    'the backup to reach its dump',
    () => ended || readEvents(dir).some((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))),
    120_000,
  );
  if (ended) throw new Error(`the backup ended before its dump: ${(await run).stdout.slice(-2000)}`);
  process.kill(pid, 'SIGKILL');
  if ((await run).signal !== 'SIGKILL') throw new Error('the backup was not killed');
  setKnob(dir, 'emongodump.seconds', '0');
}

test.serial(
  'a SIGKILLed backup is in the catalog as Failed once recovered: history, health CRITICAL last-run-failed, the same id after a rebuild',
  async (t) => {
    const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 });
    const cli = (args: string[]) => runCli([...args, '--sandbox', dir, '--config', config, '--json']);
    await killMidDump(dir, config);
    const logDir = join(dir, 'D', 'Alteryx', 'BackupLogs');
    t.deepEqual(readHistory(historyPath(logDir)).records, [], 'the killed run wrote no record itself');
    const rec = await cli(['recover']);
    t.is(rec.code, 0, rec.stdout + rec.stderr);
    const runLog = String((rec.result!['run'] as { logPath: string }).logPath);
    const records = (await cli(['history'])).result!['records'] as RunRecord[];
    t.is(records.length, 1, JSON.stringify(records));
    const failed = records[0]!;
    t.like(failed, { kind: 'backup', mode: 'Full', status: 'Failed', exitCode: 1, source: 'run', logPath: runLog });
    t.regex(failed.message, /^Backup run \d+ \(Full\) was interrupted \(killed or crashed\); recovered by alteryx-backup recover\.$/);
    t.regex(failed.id, /^backup-BackupLog_Full_\d{8}_\d{6}$/);
    t.is(
      failed.id,
      `backup-${runLog
        .split(/[\\/]/)
        .pop()!
        .replace(/\.log$/, '')}`,
    );
    // A second recover finds no journal and adds nothing.
    t.is((await cli(['recover'])).code, 0);
    t.is(readHistory(historyPath(logDir)).records.length, 1);
    const health = await cli(['health']);
    t.is(health.code, 2, health.stdout);
    t.is(health.result!['status'], 'CRITICAL');
    // Never a good Full backup: also its missed schedule; the killed run is the failed last run.
    const reasons = health.result!['reasons'] as Array<{ check: string; mode: string; severity: string; message: string }>;
    const last = reasons.find((r) => r.check === 'last-run-failed');
    t.like(last, { mode: 'Full', severity: 'CRITICAL' });
    t.regex(last!.message, /failed with exit code 1: Backup run \d+ \(Full\) was interrupted/);
    // The store lost: the rebuild finds the killed run in its log, under the same id, once.
    rmSync(historyPath(logDir));
    const rebuilt = (await cli(['history', '--rebuild'])).result!['records'] as RunRecord[];
    t.deepEqual(
      rebuilt.map((r) => `${r.id}:${r.status}`),
      [`${failed.id}:Failed`],
    );
    t.is(rebuilt[0]!.startedAt, failed.startedAt);
  },
);

test.serial("the next backup that finishes a killed run's journal records it as Failed, once; a later recover adds nothing", async (t) => {
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 1 });
  const cli = (args: string[]) => runCli([...args, '--sandbox', dir, '--config', config, '--json']);
  await killMidDump(dir, config);
  await nextSecond(Date.now());
  const next = await cli(['backup', '--mode', 'DatabaseOnly']);
  t.is(next.code, 0, next.stdout.slice(-3000));
  t.true((next.result!['warnings'] as string[]).some((w) => /^The previous run \(pid \d+, Full, .*\) was interrupted/.test(w)));
  t.is((await cli(['recover'])).code, 0);
  const records = (await cli(['history'])).result!['records'] as RunRecord[];
  t.deepEqual(
    records.map((r) => `${r.kind}:${r.mode}:${r.status}`),
    ['backup:Full:Failed', 'backup:DatabaseOnly:Success'],
  );
  t.regex(records[0]!.message, /was interrupted \(killed or crashed\); recovered by the next backup \(DatabaseOnly, pid \d+\)\.$/);
  t.regex(records[0]!.id, /^backup-BackupLog_Full_\d{8}_\d{6}$/);
});

test('free space at a network destination below the next backup: health WARNING naming the share, also at the end of a backup', async (t) => {
  const { dir, config } = await quickSandbox(
    t,
    { dbSizeMb: 1 },
    { BackupConfiguration: { NetworkBackupPaths: [NAS], NetworkCopy: { Attempts: 1, RetryDelaySeconds: 0 } } },
  );
  const cli = (args: string[]) => runCli([...args, '--sandbox', dir, '--config', config, '--json']);
  const first = await cli(['backup', '--mode', 'ConfigOnly']);
  t.is(first.code, 0, first.stdout.slice(-2000));
  const ok = await cli(['health']);
  t.is(ok.code, 0, ok.stdout);
  const free = ok.result!['destinationsFree'] as Array<{ path: string; kind: string; freeBytes: number | null }>;
  t.deepEqual(
    free.map((d) => `${d.kind}:${d.path}`),
    ['local:D:\\Alteryx\\Backups', `network:${NAS}`],
  );
  t.true(free.every((d) => typeof d.freeBytes === 'number' && d.freeBytes > 0));
  // The share (no drive letter) reports 1000 bytes free: less than one ConfigOnly archive.
  setKnob(dir, `destinations.${NAS}.freeBytes`, '1000');
  const low = await cli(['health']);
  t.is(low.code, 1, low.stdout);
  const reasons = low.result!['reasons'] as Array<{ check: string; severity: string; message: string }>;
  t.deepEqual(
    reasons.map((r) => `${r.check}:${r.severity}`),
    ['free-space:WARNING'],
  );
  t.regex(reasons[0]!.message, /^Only 1000 B free at the network destination \\\\nas01\\AlteryxBackups; the next backup is expected to need /);
  t.is((low.result!['destinationsFree'] as Array<{ freeBytes: number }>)[1]!.freeBytes, 1000);
  await nextSecond(Date.now());
  const second = await cli(['backup', '--mode', 'ConfigOnly']);
  t.true(
    (second.result!['warnings'] as string[]).some((w) => /^Health WARNING: Only 1000 B free at the network destination \\\\nas01\\AlteryxBackups;/.test(w)),
    (second.result!['warnings'] as string[]).join('\n'),
  );
});
