import test from 'ava';
import { readFileSync } from 'node:fs';
import { runBackup } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { loadConfig } from '../src/config/load.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { lastLines, shouldSendEmail, smtpPassword, transportOptions } from '../src/alerts/index.ts';
import { setKnob } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { loopbackSmtp, parseMail } from './helpers/smtp.ts';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from './helpers/tmp.ts';

const PASSWORD = 'Smtp-S3cret-Pa55!';
const USER = 'backup-mailer';

function notification(port: number, over: Record<string, unknown> = {}) {
  return {
    NotificationConfiguration: {
      Enabled: true,
      SMTPServer: '127.0.0.1',
      SMTPPort: port,
      UseSSL: true,
      AllowInvalidCertificates: true, // smtp-server's built-in self-signed certificate
      FromAddress: 'alteryx-backup@example.test',
      ToAddresses: ['admins@example.test', 'oncall@example.test'],
      SMTPUsername: USER,
      ExcerptLines: 20,
      TimeoutSeconds: 10,
      ...over,
    },
  };
}

async function backup(params: Record<string, unknown>, secrets: Record<string, string> = {}) {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs };
}

const logTexts = (logPath: string) => readFileSync(logPath, 'utf8') + readFileSync(logPath.replace(/\.log$/, '.jsonl'), 'utf8');

test('a failing backup sends one email (STARTTLS + AUTH) with the error and the log excerpt; the password is nowhere in the logs', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port));
  setKnob(dir, 'emongodump.fail', '"exit"');
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { SmtpPassword: PASSWORD });
  t.is(r.exitCode, 5, 'the notification does not change the exit code');

  t.is(smtp.messages.length, 1);
  const m = smtp.messages[0]!;
  t.true(m.secure, 'STARTTLS was used');
  t.is(m.user, USER);
  t.deepEqual(smtp.logins, [{ user: USER, password: PASSWORD, ok: true }]);
  t.is(m.from, 'alteryx-backup@example.test');
  t.deepEqual(m.to, ['admins@example.test', 'oncall@example.test']);

  const mail = parseMail(m.raw);
  t.regex(mail.headers['subject']!, /^\[AlteryxBackup\] FAILED: DatabaseOnly backup on \S+ \(exit 5, MongoDB error\)$/);
  t.is(mail.headers['x-alteryxbackup-exitcode'], '5');
  t.true(mail.text.includes('Exit code : 5 (MongoDB error)'));
  t.true(mail.text.includes(`Message   : ${r.message}`), 'the error message');
  t.regex(r.message, /dump/i);
  // Every WARNING/ERROR of the run is listed...
  const problems = logs.filter((l) => l.level === 'ERROR' || l.level === 'WARNING');
  t.true(problems.length >= 1);
  t.true(mail.text.includes(`Warnings and errors (${problems.length}):`));
  for (const p of problems) t.true(mail.text.includes(`[${p.level}] ${p.message}`), p.message);
  // ...and the last 20 lines of the log file, as they were when the email was written.
  const section = mail.text.split('Last 20 line(s) of the log:\r\n')[1]!.split('\r\n\r\n-- ')[0]!;
  const excerpt = section.split('\r\n').map((l) => l.replace(/^ {2}/, ''));
  t.is(excerpt.length, 20);
  const logLines = readFileSync(r.logPath!, 'utf8').split('\r\n');
  const at = logLines.indexOf(excerpt[0]!);
  t.true(at >= 0, 'the excerpt is a run of the log file');
  t.deepEqual(logLines.slice(at, at + 20), excerpt);
  t.true(excerpt.some((l) => /\[ERROR\]/.test(l)));
  t.true(excerpt.some((l) => /Completed at .* exit code 5/.test(l)));

  // The password: nowhere in the log file, its JSON-lines twin, the result or the email itself.
  const everywhere = logTexts(r.logPath!) + JSON.stringify(r) + m.raw;
  t.false(everywhere.includes(PASSWORD));
  t.true(
    logs.some((l) => l.level === 'INFO' && /^Email notification sent to admins@example\.test, oncall@example\.test through 127\.0\.0\.1:\d+/.test(l.message)),
  );
});

test('success: no email when OnlyOnFailure; with OnlyOnFailure false one SUCCESS email, with the log attached (AttachLog)', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port));
  const first = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, { SmtpPassword: PASSWORD });
  t.is(first.r.exitCode, 0, first.r.message);
  t.is(smtp.messages.length, 0);

  const cfg2 = join(tempDir(t), 'cfg.json');
  const base = JSON.parse(readFileSync(config, 'utf8'));
  writeFileSync(cfg2, JSON.stringify({ ...base, ...notification(smtp.port, { OnlyOnFailure: false, AttachLog: true, ExcerptLines: 5 }) }));
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: cfg2 }, { SmtpPassword: PASSWORD });
  t.is(r.exitCode, 0, r.message);
  t.is(smtp.messages.length, 1);
  const mail = parseMail(smtp.messages[0]!.raw);
  t.regex(mail.headers['subject']!, /^\[AlteryxBackup\] SUCCESS: ConfigOnly backup on \S+ \(exit 0, success\)$/);
  t.true(mail.text.includes(`Archive   : ${r.archivePath}`));
  t.true(mail.text.includes(`SHA-256   : ${r.sha256}`));
  t.true(mail.text.includes('Last 5 line(s) of the log:'));
  t.is(mail.attachments.length, 1);
  const att = mail.attachments[0]!;
  t.is(att.filename, basename(r.logPath!));
  t.regex(att.content, /\[INFO\] AlteryxBackup started: mode ConfigOnly/);
  t.regex(att.content, /Completed at .* exit code 0/);
  t.false(att.content.includes(PASSWORD));
});

test('an SMTP server that is down: a WARNING in the log and the result, the exit code unchanged', async (t) => {
  const gone = await loopbackSmtp(t);
  const port = gone.port;
  await new Promise<void>((resolve) => gone.server.close(() => resolve()));
  const { dir, config } = await quickSandbox(t, {}, notification(port, { OnlyOnFailure: false, TimeoutSeconds: 5 }));
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, { SmtpPassword: PASSWORD });
  t.is(r.exitCode, 0, r.message);
  t.true(r.success);
  const w = logs.find((l) => l.level === 'WARNING' && /^Email notification could not be sent through 127\.0\.0\.1:\d+: .*ECONNREFUSED/.test(l.message));
  t.truthy(
    w,
    logs
      .filter((l) => l.level === 'WARNING')
      .map((l) => l.message)
      .join('\n'),
  );
  t.true(r.warnings.some((x) => /Email notification could not be sent/.test(x)));
  t.true(readFileSync(r.logPath!, 'utf8').includes('[WARNING] Email notification could not be sent'));
});

test('TLS is verified: a self-signed certificate is refused unless AllowInvalidCertificates; implicit TLS works', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port, { AllowInvalidCertificates: false, OnlyOnFailure: false }));
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, { SmtpPassword: PASSWORD });
  t.is(r.exitCode, 0);
  t.is(smtp.messages.length, 0);
  t.true(logs.some((l) => l.level === 'WARNING' && /Email notification could not be sent.*(certificate|self[- ]signed)/i.test(l.message)));
  t.deepEqual(smtp.logins, [], 'no credentials were sent over an unverified connection');

  const smtps = await loopbackSmtp(t, { user: USER, password: PASSWORD, options: { secure: true } });
  const cfg2 = join(tempDir(t), 'cfg.json');
  writeFileSync(
    cfg2,
    JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), ...notification(smtps.port, { ImplicitTLS: true, OnlyOnFailure: false }) }),
  );
  const second = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: cfg2 }, { SmtpPassword: PASSWORD });
  t.is(second.r.exitCode, 0);
  t.is(smtps.messages.length, 1);
  t.true(smtps.messages[0]!.secure);
});

test('a wrong SMTP password: refused by the server, a WARNING, and neither password in the logs', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port));
  setKnob(dir, 'emongodump.fail', '"exit"');
  const wrong = 'Wr0ng-Smtp-Passw0rd';
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: dir, ConfigPath: config }, { SmtpPassword: wrong });
  t.is(r.exitCode, 5);
  t.is(smtp.messages.length, 0);
  t.deepEqual(
    smtp.logins.map((l) => l.ok),
    [false],
  );
  t.true(logs.some((l) => l.level === 'WARNING' && /Email notification could not be sent.*(auth|Invalid)/i.test(l.message)));
  const text = logTexts(r.logPath!) + JSON.stringify(r);
  t.false(text.includes(wrong));
  t.false(text.includes(PASSWORD));
});

test('through the CLI process: the password from ALTERYXBACKUP_SMTP_PASSWORD, one email for a failed run, exit code 5, the password in no output', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port));
  setKnob(dir, 'emongodump.fail', '"text"');
  const run = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', dir, '--config', config, '--json'], {
    env: { ALTERYXBACKUP_SMTP_PASSWORD: PASSWORD },
  });
  t.is(run.code, 5, run.stderr);
  t.is(smtp.messages.length, 1);
  t.deepEqual(smtp.logins, [{ user: USER, password: PASSWORD, ok: true }]);
  const mail = parseMail(smtp.messages[0]!.raw);
  t.regex(mail.headers['subject']!, /FAILED: DatabaseOnly backup/);
  t.true(mail.text.includes(String(run.result!['message'])));
  t.false(run.stdout.includes(PASSWORD));
  t.false(run.stderr.includes(PASSWORD));
  t.false(logTexts(String(run.result!['logPath'])).includes(PASSWORD));
  t.true(run.events.some((e) => e['type'] === 'log' && /^Email notification sent/.test(String(e['message']))));
});

test('request secrets: -SmtpCredential arrives as params.SmtpUsername + secrets.SmtpPassword and wins over the configuration', async (t) => {
  const smtp = await loopbackSmtp(t, { user: 'cred-user', password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port, { OnlyOnFailure: false }));
  const request = JSON.stringify({
    command: 'backup',
    params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config, SmtpUsername: 'cred-user' },
    secrets: { SmtpPassword: PASSWORD },
    dryRun: false,
    verbose: false,
  });
  const run = await runCli(['backup', '--request-stdin', '--json'], { input: request });
  t.is(run.code, 0, JSON.stringify(run.result));
  t.deepEqual(smtp.logins, [{ user: 'cred-user', password: PASSWORD, ok: true }]);
  t.is(smtp.messages.length, 1);
  t.false(run.stdout.includes(PASSWORD));
});

test('a dry run sends nothing', async (t) => {
  const smtp = await loopbackSmtp(t, { user: USER, password: PASSWORD });
  const { dir, config } = await quickSandbox(t, {}, notification(smtp.port, { OnlyOnFailure: false }));
  const r = await runBackup(
    { params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, secrets: { SmtpPassword: PASSWORD }, dryRun: true },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  t.is(r.exitCode, 0, r.message);
  t.is(smtp.messages.length, 0);
});

test('shouldSendEmail: failures always (when enabled), successes unless OnlyOnFailure, never in a dry run', (t) => {
  const cfg = ConfigSchema.parse({
    NotificationConfiguration: { Enabled: true, SMTPServer: 'x', FromAddress: 'a@b', ToAddresses: ['c@d'] },
  }).NotificationConfiguration;
  t.true(shouldSendEmail(cfg, { exitCode: 5 }, false));
  t.true(shouldSendEmail(cfg, { exitCode: 4 }, false));
  t.false(shouldSendEmail(cfg, { exitCode: 0 }, false));
  t.true(shouldSendEmail({ ...cfg, OnlyOnFailure: false }, { exitCode: 0 }, false));
  t.false(shouldSendEmail({ ...cfg, Enabled: false }, { exitCode: 5 }, false));
  t.false(shouldSendEmail(cfg, { exitCode: 5 }, true));
});

test('transport options: UseSSL means STARTTLS required (or implicit TLS on 465); no UseSSL means plain; auth only with both parts', (t) => {
  const cfg = ConfigSchema.parse({
    NotificationConfiguration: { Enabled: true, SMTPServer: 'smtp.example.com', FromAddress: 'a@b', ToAddresses: ['c@d'] },
  }).NotificationConfiguration;
  t.like(transportOptions(cfg, 'u', 'p'), {
    port: 587,
    secure: false,
    requireTLS: true,
    ignoreTLS: false,
    auth: { user: 'u', pass: 'p' },
    tls: { rejectUnauthorized: true },
  });
  t.like(transportOptions({ ...cfg, SMTPPort: 465 }, undefined, undefined), { secure: true, requireTLS: false, auth: undefined });
  t.like(transportOptions({ ...cfg, SMTPPort: 2465, ImplicitTLS: true }, 'u', undefined), { secure: true, auth: undefined });
  t.like(transportOptions({ ...cfg, UseSSL: false, SMTPPort: 25 }, 'u', 'p'), { secure: false, requireTLS: false, ignoreTLS: true });
  t.like(transportOptions({ ...cfg, AllowInvalidCertificates: true }, 'u', 'p'), { tls: { rejectUnauthorized: false } });
});

test('smtpPassword: the request secret first, then ALTERYXBACKUP_SMTP_PASSWORD; lastLines', (t) => {
  t.is(smtpPassword({ SmtpPassword: 'a' }, { ALTERYXBACKUP_SMTP_PASSWORD: 'b' }), 'a');
  t.is(smtpPassword({}, { ALTERYXBACKUP_SMTP_PASSWORD: 'b' }), 'b');
  t.is(smtpPassword({ SmtpPassword: '' }, {}), undefined);
  t.deepEqual(lastLines('a\r\nb\r\nc\r\n', 2), ['b', 'c']);
  t.deepEqual(lastLines('a\nb', 5), ['a', 'b']);
  t.deepEqual(lastLines('a\nb', 0), []);
});

test('an enabled notification without server, sender or recipients is a configuration error (exit 3) naming the key', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ NotificationConfiguration: { Enabled: true, FromAddress: 'a@b' } }));
  const err = t.throws(() => loadConfig({ ConfigPath: file })) as Error & { exitCode: number };
  t.is(err.exitCode, 3);
  t.regex(err.message, /NotificationConfiguration\.SMTPServer = undefined: required when Enabled is true/);
  t.regex(err.message, /NotificationConfiguration\.ToAddresses/);
  t.notRegex(err.message, /FromAddress/);
});
