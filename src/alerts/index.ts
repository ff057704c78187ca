// Alerts at the end of a run (REQ-7.4.x). Email is sent from here (nodemailer). The Windows Event Log
// entry is written by the cmdlet (module/AlteryxBackup/Private/Write-AlteryxBackupEventLog.ps1) from the
// result event, because the event source and the Windows API belong to the PowerShell side: see docs/alerts.md.
import type { BackupConfig } from '../config/schema.ts';
import type { RunLogger } from '../log/logger.ts';
import { sendEmail, shouldSendEmail, type EmailStatus, type RunOutcome } from './email.ts';

export { composeEmail, sendEmail, shouldSendEmail, transportOptions, lastLines, emailConfigProblems, type RunOutcome, type EmailStatus } from './email.ts';

export const SMTP_PASSWORD_ENV = 'ALTERYXBACKUP_SMTP_PASSWORD';

/** The SMTP password: the request's secret SmtpPassword (stdin), else the environment variable. */
export function smtpPassword(secrets: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const s = secrets['SmtpPassword'];
  if (typeof s === 'string' && s.length) return s;
  const e = env[SMTP_PASSWORD_ENV];
  return e?.length ? e : undefined;
}

export interface NotifyInput {
  config: BackupConfig;
  outcome: RunOutcome;
  log: RunLogger;
  hostname: string;
  startedAt: Date;
  dryRun: boolean;
  params: Record<string, unknown>;
  secrets: Record<string, string | undefined>;
  env?: NodeJS.ProcessEnv;
}

export interface NotifyReport {
  email: 'not-configured' | 'not-needed' | EmailStatus['status'];
  /** Warnings to add to the result (already logged). */
  warnings: string[];
}

/**
 * Sends the notifications a finished run calls for. Never throws and never changes the outcome: every
 * problem becomes a WARNING in the log and in the returned warnings.
 */
export async function notifyRun(input: NotifyInput): Promise<NotifyReport> {
  const { log } = input;
  const warnings: string[] = [];
  try {
    const cfg = input.config.NotificationConfiguration;
    const password = smtpPassword(input.secrets, input.env);
    log.masker.add(password);
    if (!cfg.Enabled) return { email: 'not-configured', warnings };
    if (!shouldSendEmail(cfg, input.outcome, input.dryRun)) {
      log.debug(`Email notification not needed (${input.dryRun ? 'dry run' : 'success and OnlyOnFailure is set'})`);
      return { email: 'not-needed', warnings };
    }
    const paramUser = input.params['SmtpUsername'];
    const username = typeof paramUser === 'string' && paramUser ? paramUser : cfg.SMTPUsername;
    if (username && !password) {
      const w = `SMTP user ${username} is set but no SMTP password was given (-SmtpCredential or ${SMTP_PASSWORD_ENV}); sending without authentication`;
      warnings.push(w);
      log.warn(w);
    } else if (password && !username) {
      const w = 'An SMTP password was given but no user name (NotificationConfiguration.SMTPUsername or -SmtpCredential); sending without authentication';
      warnings.push(w);
      log.warn(w);
    }
    const res = await sendEmail({ config: cfg, outcome: input.outcome, log, hostname: input.hostname, startedAt: input.startedAt, username, password });
    if (res.status === 'sent') {
      log.info(
        `Email notification sent to ${res.recipients.join(', ')} through ${cfg.SMTPServer}:${cfg.SMTPPort}${res.messageId ? ` (${res.messageId})` : ''}`,
      );
    } else {
      const w = `Email notification could not be sent through ${cfg.SMTPServer ?? '(no server)'}:${cfg.SMTPPort}: ${res.error}`;
      warnings.push(log.masker.mask(w));
      log.warn(w);
    }
    return { email: res.status, warnings };
  } catch (err) {
    const w = `Notification failed: ${(err as Error)?.message ?? String(err)}`;
    warnings.push(log.masker.mask(w));
    try {
      log.warn(w);
    } catch {
      // The log itself failed: nothing more to do, and the run's outcome stands.
    }
    return { email: 'failed', warnings };
  }
}
