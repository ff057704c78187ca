import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, statSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import S3rver from 's3rver';
import { tempDir } from './tmp.ts';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** s3rver's fixed key pair (it accepts no other). */
export const S3RVER_KEY = { id: 'S3RVER', secret: 'S3RVER' };
/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(blobEndpoint: string, key = AZURITE_KEY): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${blobEndpoint};`;
}

/** A real s3rver on a random loopback port, storing in a temp folder, with the given buckets. Closed at teardown. */
export async function startS3rver(t: ExecutionContext, buckets: string[] = ['alteryx-backups']): Promise<{ endpoint: string; port: number; dir: string }> {
  const dir = tempDir(t, 'ab-s3-');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  const addr = (await server.run()) as AddressInfo;
  t.teardown(() => server.close());
  return { endpoint: `http://127.0.0.1:${addr.port}`, port: addr.port, dir };
}

/** A real Azurite blob service (a child process) on a random loopback port, data in a temp folder. */
export async function startAzurite(
  t: ExecutionContext,
  opts: { onDisk?: boolean; tls?: { cert: string; key: string }; oauth?: boolean } = {},
): Promise<{ url: string; port: number; child: ChildProcess }> {
  // In memory (256 MB at most) by default; on disk in a temp folder for the big uploads.
  const store = opts.onDisk ? ['--location', tempDir(t, 'ab-azurite-')] : ['--inMemoryPersistence', '--extentMemoryLimit', '256'];
  // HTTPS (a PEM certificate and key) and OAuth: Azurite accepts bearer tokens only over HTTPS, with --oauth basic.
  const tls = opts.tls ? ['--cert', opts.tls.cert, '--key', opts.tls.key, ...(opts.oauth ? ['--oauth', 'basic'] : [])] : [];
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', ...store, ...tls, '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  const child = spawn(process.execPath, [join(root, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(
    () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill();
      }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start within 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`Azurite exited (${code}): ${out}`)));
  });
  return { url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, port, child };
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Bytes of body received from the client. */
  bytes: number;
}

/** What the proxy does with one request: forward it, answer it itself, cut its connection mid-body, or corrupt its body. */
export type ProxyAction = 'pass' | 'drop' | 'corrupt' | { status: number; body?: string; headers?: Record<string, string> };

/**
 * A small recording HTTP proxy on loopback in front of a real server: every request is recorded (method, URL,
 * headers), and `decide` may make one fail (throttling answers, a connection cut after 64 KB of body, a flipped byte).
 */
export async function startProxy(t: ExecutionContext, targetPort: number, decide: (r: RecordedRequest, index: number) => ProxyAction = () => 'pass') {
  const records: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes: 0 };
    const index = records.push(rec) - 1;
    const action = decide(rec, index);
    if (typeof action === 'object') {
      req.on('data', (c: Buffer) => (rec.bytes += c.length));
      req.on('end', () => {
        res.writeHead(action.status, { 'content-type': 'application/xml', ...(action.headers ?? {}) });
        res.end(action.body ?? '');
      });
      return;
    }
    if (action === 'drop') {
      req.on('data', (c: Buffer) => {
        rec.bytes += c.length;
        if (rec.bytes > 64 * 1024) req.socket.destroy();
      });
      return;
    }
    const headers = { ...req.headers };
    delete headers['expect'];
    const up = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    let flipped = false;
    req.on('data', (c: Buffer) => {
      rec.bytes += c.length;
      if (action === 'corrupt' && !flipped && c.length > 0) {
        flipped = true;
        c[c.length >> 1] = c[c.length >> 1]! ^ 0xff;
      }
      up.write(c);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port, url: `http://127.0.0.1:${port}`, records };
}

/** A loopback port with nothing listening (a server that is down). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A file of incompressible random data written in 1 MB chunks (never held whole in memory). */
export async function randomFile(
  dir: string,
  mb: number,
  name = 'ServerBackup_Full_20260101_020000.zip',
): Promise<{ file: string; sha256: string; size: number }> {
  const file = join(dir, name);
  const h = createHash('sha256');
  const ws = createWriteStream(file);
  for (let i = 0; i < mb; i++) {
    const c = randomBytes(1024 * 1024);
    h.update(c);
    if (!ws.write(c)) await new Promise<void>((r) => ws.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => ws.end((e?: Error) => (e ? j(e) : r())));
  return { file, sha256: h.digest('hex'), size: statSync(file).size };
}
