import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  raw: string;
  from: string;
  to: string[];
  secure: boolean;
  user: string | undefined;
}

/** A real SMTP server on 127.0.0.1 (smtp-server), closed when the test ends. Records every message and login. */
export async function loopbackSmtp(t: ExecutionContext, opts: { user?: string; password?: string; options?: Partial<SMTPServerOptions> } = {}) {
  const messages: Received[] = [];
  const logins: Array<{ user: string; password: string; ok: boolean }> = [];
  const server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !opts.user,
    onAuth(auth, _session, cb) {
      const ok = auth.username === opts.user && auth.password === opts.password;
      logins.push({ user: String(auth.username), password: String(auth.password), ok });
      if (ok) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
    ...opts.options,
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { server, port, messages, logins };
}

export interface ParsedMail {
  headers: Record<string, string>;
  /** The decoded text/plain part. */
  text: string;
  attachments: Array<{ filename: string; contentType: string; content: string }>;
}

function splitHead(raw: string): [Record<string, string>, string] {
  const i = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, i).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  return [headers, raw.slice(i + 4)];
}

function decode(body: string, cte: string | undefined): string {
  const enc = (cte ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** A small MIME reader for what nodemailer sends: one text/plain part, or multipart/mixed with attachments. */
export function parseMail(raw: string): ParsedMail {
  const [headers, body] = splitHead(raw);
  const ct = headers['content-type'] ?? 'text/plain';
  const attachments: ParsedMail['attachments'] = [];
  let text = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
  if (/^multipart\//i.test(ct) && boundary) {
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'));
    for (const p of parts) {
      const [h, b] = splitHead(p.replace(/^\r\n/, ''));
      const content = decode(b.replace(/\r\n$/, ''), h['content-transfer-encoding']);
      const disp = h['content-disposition'] ?? '';
      if (/attachment/i.test(disp))
        attachments.push({ filename: /filename="?([^";]+)"?/i.exec(disp)?.[1] ?? '', contentType: h['content-type'] ?? '', content });
      else if (/text\/plain/i.test(h['content-type'] ?? '')) text = content;
    }
  } else {
    text = decode(body, headers['content-transfer-encoding']);
  }
  return { headers, text, attachments };
}
