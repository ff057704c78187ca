import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { BackupConfig } from '../config/schema.ts';
import { exitCodeNames, type ExitCodeValue } from '../core/errors.ts';
import { formatLine, isoWithOffset, type RunLogger } from '../log/logger.ts';
import { formatBytes, formatDuration } from '../util/format.ts';

export type NotificationConfig = BackupConfig['NotificationConfiguration'];

/** What the email reports: the fields of the run's result event it needs. */
export interface RunOutcome {
  exitCode: ExitCodeValue;
  success: boolean;
  mode: string | null;
  message: string;
  archivePath: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  durationMs: number;
  logPath: string | null;
  destinations: Array<{ path: string; kind: string; status: string; attempts?: number; error?: string | undefined }>;
  warnings: string[];
  /** Overrides the subject's verdict (the health alert after a good backup: "HEALTH WARNING"). */
  verdict?: string | undefined;
}

export interface EmailInput {
  config: NotificationConfig;
  outcome: RunOutcome;
  log: RunLogger;
  hostname: string;
  startedAt: Date;
  /** SMTP login: -SmtpCredential's user name (params.SmtpUsername), else SMTPUsername from the configuration. */
  username?: string | undefined;
  /** From secrets.SmtpPassword (stdin) or ALTERYXBACKUP_SMTP_PASSWORD. Never logged. */
  password?: string | undefined;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  attachments: Array<{ filename: string; path: string; contentType: string }>;
}

/** REQ-7.4.1/7.4.2: on failure always (when enabled), on success unless OnlyOnFailure. */
export function shouldSendEmail(cfg: NotificationConfig, outcome: Pick<RunOutcome, 'exitCode'>, dryRun: boolean): boolean {
  if (!cfg.Enabled || dryRun) return false;
  return outcome.exitCode !== 0 || !cfg.OnlyOnFailure;
}

/** The last `n` lines of a text (CRLF or LF). */
export function lastLines(text: string, n: number): string[] {
  if (n <= 0) return [];
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-n);
}

const MAX_PROBLEMS = 200;

/** Subject and plain-text body (REQ-7.4.3/7.4.4): outcome, message, destinations, every WARNING/ERROR, the log's tail. */
export async function composeEmail(input: EmailInput): Promise<ComposedEmail> {
  const { config: cfg, outcome: r, log } = input;
  const verdict = r.verdict ?? (r.success ? 'SUCCESS' : r.exitCode === 4 && r.archivePath ? 'PARTIAL FAILURE' : 'FAILED');
  const mode = r.mode ?? 'unknown mode';
  const subject = `${cfg.SubjectPrefix ? cfg.SubjectPrefix + ' ' : ''}${verdict}: ${mode} backup on ${input.hostname} (exit ${r.exitCode}, ${exitCodeNames[r.exitCode]})`;
  const out: string[] = [];
  out.push(`AlteryxBackup ${mode} backup on ${input.hostname}: ${verdict}`);
  out.push('');
  out.push(`Exit code : ${r.exitCode} (${exitCodeNames[r.exitCode]})`);
  out.push(`Message   : ${r.message}`);
  out.push(`Started   : ${isoWithOffset(input.startedAt)}`);
  out.push(`Duration  : ${formatDuration(r.durationMs)}`);
  out.push(`Archive   : ${r.archivePath ? `${r.archivePath} (${formatBytes(r.sizeBytes ?? 0)})` : 'none'}`);
  if (r.sha256) out.push(`SHA-256   : ${r.sha256}`);
  out.push(`Log file  : ${r.logPath ?? 'none'}`);
  if (r.destinations.length) {
    out.push('');
    out.push('Destinations:');
    for (const d of r.destinations)
      out.push(
        `  ${d.kind === 'local' ? 'local  ' : 'network'} ${d.path}: ${d.status}${d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}${d.error ? ` (${d.error})` : ''}`,
      );
  }
  const problems = log.problems;
  out.push('');
  out.push(`Warnings and errors (${problems.length}):`);
  if (!problems.length) out.push('  none');
  for (const p of problems.slice(0, MAX_PROBLEMS)) out.push(`  ${formatLine(p)}`);
  if (problems.length > MAX_PROBLEMS) out.push(`  ... and ${problems.length - MAX_PROBLEMS} more (see the log file)`);
  if (cfg.ExcerptLines > 0) {
    out.push('');
    let tail: string[] | undefined;
    if (r.logPath)
      tail = await readFile(r.logPath, 'utf8').then(
        (t) => lastLines(t, cfg.ExcerptLines),
        () => undefined,
      );
    out.push(`Last ${tail ? tail.length : 0} line(s) of the log:`);
    if (!tail) out.push('  (the log file could not be read)');
    for (const l of tail ?? []) out.push(`  ${l}`);
  }
  out.push('');
  out.push('-- ');
  out.push(
    'Sent by AlteryxBackup. Exit codes: 0 success, 1 general error, 2 wait timed out, 3 validation failed, 4 storage error, 5 MongoDB error, 6 invalid mode.',
  );
  const attachments = cfg.AttachLog && r.logPath ? [{ filename: basename(r.logPath), path: r.logPath, contentType: 'text/plain; charset=utf-8' }] : [];
  // Everything that leaves the machine goes through the masker once more.
  return { subject: log.masker.mask(subject), text: log.masker.mask(out.join('\r\n') + '\r\n'), attachments };
}

/** nodemailer transport options from the configuration (REQ-7.4.5: authentication and TLS). */
export function transportOptions(cfg: NotificationConfig, username: string | undefined, password: string | undefined) {
  const implicit = cfg.UseSSL && (cfg.ImplicitTLS ?? cfg.SMTPPort === 465);
  const ms = cfg.TimeoutSeconds * 1000;
  return {
    host: cfg.SMTPServer,
    port: cfg.SMTPPort,
    // UseSSL: TLS from the first byte (ImplicitTLS, port 465) or STARTTLS that must succeed; without UseSSL,
    // plain SMTP (no opportunistic STARTTLS, like the relays that need it off).
    secure: implicit,
    requireTLS: cfg.UseSSL && !implicit,
    ignoreTLS: !cfg.UseSSL,
    auth: username && password ? { user: username, pass: password } : undefined,
    // SNI takes a host name only (RFC 6066): none for an IP address.
    tls: { rejectUnauthorized: !cfg.AllowInvalidCertificates, ...(cfg.SMTPServer && !isIP(cfg.SMTPServer) ? { servername: cfg.SMTPServer } : {}) },
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    logger: false,
    debug: false,
  };
}

/** Configuration problems that stop an email from being sent (empty when it can be). */
export function emailConfigProblems(cfg: NotificationConfig): string[] {
  const p: string[] = [];
  if (!cfg.SMTPServer) p.push('NotificationConfiguration.SMTPServer is not set');
  if (!cfg.FromAddress) p.push('NotificationConfiguration.FromAddress is not set');
  if (!cfg.ToAddresses.length) p.push('NotificationConfiguration.ToAddresses is empty');
  return p;
}

export type EmailStatus = { status: 'sent'; messageId: string; recipients: string[] } | { status: 'failed'; error: string };

/**
 * Sends the run's email. Never throws: a failure is returned (the caller logs it as a WARNING; the run's exit
 * code never changes because of a notification). The password is added to the masker before anything else.
 */
export async function sendEmail(input: EmailInput): Promise<EmailStatus> {
  const { config: cfg, log } = input;
  log.masker.add(input.password);
  try {
    const problems = emailConfigProblems(cfg);
    if (problems.length) return { status: 'failed', error: problems.join('; ') };
    const mail = await composeEmail(input);
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport(transportOptions(cfg, input.username, input.password));
    try {
      const info = await transport.sendMail({
        from: cfg.FromAddress,
        to: cfg.ToAddresses,
        subject: mail.subject,
        text: mail.text,
        attachments: mail.attachments,
        headers: { 'X-AlteryxBackup-ExitCode': String(input.outcome.exitCode) },
      });
      return { status: 'sent', messageId: String(info.messageId ?? ''), recipients: cfg.ToAddresses };
    } finally {
      transport.close();
    }
  } catch (err) {
    return { status: 'failed', error: log.masker.mask((err as Error)?.message ?? String(err)) };
  }
}
