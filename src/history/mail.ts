// report --email: the report (HTML, and the monthly CSV) mailed through NotificationConfiguration's SMTP relay,
// e.g. by a scheduled task on the first of the month (docs/history.md).
import { basename } from 'node:path';
import type { BackupConfig } from '../config/schema.ts';
import { emailConfigProblems, transportOptions } from '../alerts/index.ts';
import { Masker } from '../log/mask.ts';

export interface ReportMail {
  config: BackupConfig['NotificationConfiguration'];
  subject: string;
  text: string;
  files: string[];
  username?: string | undefined;
  password?: string | undefined;
}

/** Sends the files; never throws. The password never appears in what is returned. */
export async function sendReportEmail(m: ReportMail): Promise<{ status: 'sent'; recipients: string[] } | { status: 'failed'; error: string }> {
  const masker = new Masker();
  masker.add(m.password);
  const problems = emailConfigProblems(m.config);
  if (problems.length) return { status: 'failed', error: `${problems.join('; ')} (set them in NotificationConfiguration)` };
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(transportOptions(m.config, m.username, m.password));
  try {
    await transport.sendMail({
      from: m.config.FromAddress,
      to: m.config.ToAddresses,
      subject: `${m.config.SubjectPrefix ? m.config.SubjectPrefix + ' ' : ''}${m.subject}`,
      text: m.text,
      attachments: m.files.map((f) => ({
        filename: basename(f),
        path: f,
        contentType: f.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8',
      })),
    });
    return { status: 'sent', recipients: m.config.ToAddresses };
  } catch (err) {
    return { status: 'failed', error: masker.mask((err as Error)?.message ?? String(err)) };
  } finally {
    transport.close();
  }
}
