// npm run bench (part 2): a 300 MB archive of incompressible random data to s3rver in 8 MB parts (>= 30) and to
// Azurite in 8 MB blocks, 4 in flight, each upload in a process of its own (bench/cloud-upload.ts, bundled like
// the CLI and run by plain node) so that its
// peak RSS is measured alone. Fails (exit 1) when a copy is not verified, S3 used fewer than 30 parts, or a peak
// RSS reaches 250 MB. Sizes: BENCH_CLOUD_MB (default 300), BENCH_CLOUD_PART_MB (default 8).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { BlobServiceClient } from '@azure/storage-blob';
import { bundleUploader } from './cloud-bundle.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
const root = join(import.meta.dirname, '..');
const SIZE_MB = Number(process.env['BENCH_CLOUD_MB'] ?? 300);
const PART_MB = Number(process.env['BENCH_CLOUD_PART_MB'] ?? 8);
const LIMIT = 250 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'ab-bench-cloud-'));
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const file = join(work, 'ServerBackup_Full_20260101_020000.zip');
const h = createHash('sha256');
const ws = createWriteStream(file);
for (let i = 0; i < SIZE_MB; i++) {
  const c = randomBytes(1024 * 1024);
  h.update(c);
  if (!ws.write(c)) await new Promise<void>((r) => ws.once('drain', () => r()));
}
await new Promise<void>((r) => ws.end(() => r()));
const sha256 = h.digest('hex');

mkdirSync(join(work, 's3'));
const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(work, 's3'), configureBuckets: [{ name: 'bench', configs: [] }] });
const { port: s3Port } = await s3.run();
mkdirSync(join(work, 'azurite'));
const az = spawn(
  process.execPath,
  [
    join(root, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js'),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--location',
    join(work, 'azurite'),
    '--silent',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const azPort = await new Promise<number>((resolve) => {
  let out = '';
  az.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
});
const azUrl = `http://127.0.0.1:${azPort}/devstoreaccount1`;
const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=${azUrl};`;
await BlobServiceClient.fromConnectionString(cs).getContainerClient('bench').create();

const uploader = await bundleUploader(work);
const common = { PartSizeMB: PART_MB, Concurrency: 4 };
const runs = [
  {
    kind: 's3',
    dest: { Name: 's3', Url: 's3://bench/big', Endpoint: `http://127.0.0.1:${s3Port}`, ForcePathStyle: true, ...common },
    secrets: { S3AccessKeyId: 'S3RVER', S3SecretAccessKey: 'S3RVER' },
  },
  { kind: 'azblob', dest: { Name: 'az', Url: 'azblob://devstoreaccount1/bench/big', AccountUrl: azUrl, ...common }, secrets: { AzureConnectionString: cs } },
];
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, sizeMB: SIZE_MB, partMB: PART_MB };
let failed = false;
for (const r of runs) {
  // Asynchronous: s3rver runs in this process and must keep serving while the child uploads.
  const p = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [uploader, JSON.stringify(r.dest), JSON.stringify(r.secrets), file, sha256], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  if (p.status !== 0) throw new Error(`${r.kind} upload failed: ${p.stderr}`);
  const o = JSON.parse(p.stdout.trim().split('\n').pop()!) as {
    parts: number;
    ms: number;
    maxRssBytes: number;
    verified: boolean;
    tries: number;
    requests: number;
  };
  const mbps = SIZE_MB / (o.ms / 1000);
  console.log(
    `${r.kind.padEnd(6)} ${SIZE_MB} MB in ${o.parts} parts/blocks: ${(o.ms / 1000).toFixed(1)} s, ${mbps.toFixed(1)} MB/s, peak RSS ${Math.round(o.maxRssBytes / 1048576)} MB, verified ${o.verified}, ${o.tries - o.requests} retries`,
  );
  results[r.kind] = { ...o, MBps: Math.round(mbps * 10) / 10 };
  if (!o.verified || o.maxRssBytes >= LIMIT || (r.kind === 's3' && o.parts < 30)) failed = true;
}
await s3.close();
az.kill();
await new Promise((r) => az.once('exit', r));
rmSync(work, { recursive: true, force: true });
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'cloud-latest.json'), JSON.stringify(results, null, 2) + '\n');
if (failed) {
  console.error('cloud bench: a copy was not verified, S3 used fewer than 30 parts, or a peak RSS reached 250 MB');
  process.exitCode = 1;
}
