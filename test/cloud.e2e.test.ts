import test, { type ExecutionContext } from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { runBackup } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import type { ProgressEvent } from '../src/core/context.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { runCli } from './helpers/cli.ts';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  azuriteConnectionString,
  deadPort,
  startAzurite,
  startProxy,
  startS3rver,
  S3RVER_KEY,
  type ProxyAction,
  type RecordedRequest,
} from './helpers/cloud.ts';
import { quickSandbox } from './helpers/sandbox.ts';

const NAS = '\\\\nas01\\AlteryxBackups';
type Decide = (r: RecordedRequest, i: number) => ProxyAction;

/** s3rver and Azurite on loopback, each behind a recording proxy; two CloudDestinations pointing at the proxies. */
async function clouds(
  t: ExecutionContext,
  o: { s3?: Decide; az?: Decide; s3Extra?: Record<string, unknown>; azExtra?: Record<string, unknown>; s3Port?: number } = {},
) {
  const [s3, az] = await Promise.all([startS3rver(t), startAzurite(t)]);
  const s3p = await startProxy(t, s3.port, o.s3);
  const azp = await startProxy(t, az.port, o.az);
  await BlobServiceClient.fromConnectionString(azuriteConnectionString(az.url)).getContainerClient('backups').create();
  const destinations = [
    {
      Name: 'aws',
      Url: 's3://alteryx-backups/prod',
      Endpoint: o.s3Port ? `http://127.0.0.1:${o.s3Port}` : s3p.url,
      ForcePathStyle: true,
      MaxAttempts: 4,
      ...o.s3Extra,
    },
    { Name: 'azure', Url: `azblob://${AZURITE_ACCOUNT}/backups/prod`, AccountUrl: `${azp.url}/${AZURITE_ACCOUNT}`, MaxAttempts: 4, ...o.azExtra },
  ];
  const secrets = {
    S3AccessKeyId: S3RVER_KEY.id,
    S3SecretAccessKey: S3RVER_KEY.secret,
    AzureConnectionString: azuriteConnectionString(`${azp.url}/${AZURITE_ACCOUNT}`),
  };
  return { s3, az, s3p, azp, destinations, secrets };
}

async function backup(params: Record<string, unknown>, secrets: Record<string, string>) {
  const logs: LogRecord[] = [];
  const progress: ProgressEvent[] = [];
  const r = await runBackup({ params, secrets, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: (p) => progress.push(p) });
  return { r, logs, progress, everything: JSON.stringify({ r, logs, progress }) };
}

test('Full backup to a share, Azurite and s3rver at once: three verified destinations; a drill from each cloud URL downloads the archive and passes', async (t) => {
  const c = await clouds(t);
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { NetworkBackupPaths: [NAS], CloudDestinations: c.destinations } });
  const { r, logs, progress } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config }, c.secrets);
  t.is(r.exitCode, 0, r.message);
  t.deepEqual(
    r.destinations.map((d) => [d.kind, d.status, d.verified]),
    [
      ['local', 'ok', undefined],
      ['network', 'ok', true],
      ['s3', 'ok', true],
      ['azblob', 'ok', true],
    ],
  );
  const name = r.archivePath!.split(/[\\/]/).pop()!;
  const s3 = r.destinations.find((d) => d.kind === 's3')!;
  const azd = r.destinations.find((d) => d.kind === 'azblob')!;
  t.is(s3.url, `s3://alteryx-backups/prod/${name}`);
  t.is(azd.url, `azblob://${AZURITE_ACCOUNT}/backups/prod/${name}`);
  t.is(s3.attempts, 1);
  t.is(s3.sha256, r.sha256!);
  t.true(progress.some((p) => /^Uploading .* to aws/.test(p.activity) && p.completed === true));
  t.true(logs.some((l) => /Uploaded to azure and verified/.test(l.message)));
  // The network copy and both uploads ran at the same time (plan group `copies`): all three had started
  // before the first of them finished (the order of the log lines, no timing involved).
  const at = (re: RegExp) => logs.findIndex((l) => re.test(l.message));
  const firstDone = Math.min(at(/^Copied to /), at(/^Uploaded to aws and verified/), at(/^Uploaded to azure and verified/));
  t.true(at(/^Running at the same time: copy, cloud-upload:aws, cloud-upload:azure$/) >= 0);
  for (const started of [/^Copying .* network destination\(s\) in parallel/, /^Upload to aws: /, /^Upload to azure: /])
    t.true(at(started) >= 0 && at(started) < firstDone, `${started} before the first destination finished`);
  // The .sha256 sidecar went along, in both.
  t.true(c.s3p.records.some((x) => x.method === 'PUT' && x.url.includes(`${name}.sha256`)));
  t.true(c.azp.records.some((x) => x.method === 'PUT' && x.url.includes(`${name}.sha256`)));
  const env = { AWS_ACCESS_KEY_ID: S3RVER_KEY.id, AWS_SECRET_ACCESS_KEY: S3RVER_KEY.secret, AZURE_STORAGE_CONNECTION_STRING: c.secrets.AzureConnectionString };
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('alteryx-backup-download-')));
  for (const url of [s3.url!, azd.url!]) {
    const d = await runCli(['drill', url, '--sandbox', dir, '--config', config, '--json'], { env });
    t.is(d.code, 0, `${url}: ${d.stdout.slice(-1500)} ${d.stderr.slice(-500)}`);
    t.is(d.result?.['success'], true, url);
  }
  const v = await runCli(['verify', s3.url!, '--json', '--config', config], { env });
  t.is(v.code, 0, v.stdout.slice(-800));
  t.is(v.result?.['archive'], s3.url);
  t.deepEqual(
    readdirSync(tmpdir()).filter((n) => n.startsWith('alteryx-backup-download-') && !before.has(n)),
    [],
    'the downloads were removed',
  );
  const l = await runCli(['list', '--destination', 'azure', '--config', config, '--json'], { env });
  t.is(l.code, 0, l.stdout);
  const listed = l.result!['backups'] as Array<Record<string, unknown>>;
  t.deepEqual(
    listed.map((b) => [b['name'], b['sizeBytes'], b['hasChecksum'], b['sha256']]),
    [[name, r.sizeBytes, true, r.sha256]],
  );
  // One byte of the stored object flipped at rest (s3rver's file on disk): the download check finds it, exit 3.
  const stored = join(c.s3.dir, 'alteryx-backups', 'prod', `${name}._S3rver_object`);
  const bytes = readFileSync(stored);
  const mid = bytes.length >> 1;
  bytes[mid] = bytes[mid]! ^ 0xff;
  writeFileSync(stored, bytes);
  const bad = await runCli(['verify', s3.url!, '--json', '--config', config], { env });
  t.is(bad.code, 3, bad.stdout.slice(-800));
  t.regex(String(bad.result?.['message']), /is corrupt: the SHA-256 of the download, [0-9a-f]{64}, differs from the one recorded at upload/);
  t.deepEqual(
    readdirSync(tmpdir()).filter((n) => n.startsWith('alteryx-backup-download-') && !before.has(n)),
    [],
    'the corrupt download was removed too',
  );
});

test('credentials refused by S3: exit 4 naming the destination, the local archive and the Azure copy done, no secret in any log or event', async (t) => {
  const c = await clouds(t);
  const bad = 'wrong-SECRET-value-41d8cd98';
  const badId = 'AKIAWRONGKEYID000001';
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r, logs, everything } = await backup(
    { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config },
    { ...c.secrets, S3AccessKeyId: badId, S3SecretAccessKey: bad },
  );
  t.is(logs.find((l) => /^Cloud destination aws .*credentials refused/.test(l.message))?.step, 'preflight');
  t.is(r.exitCode, 4, r.message);
  t.regex(r.message, /aws \(s3:\/\/alteryx-backups\/prod\): credentials refused \(HTTP 403 (InvalidAccessKeyId|SignatureDoesNotMatch)\)/);
  t.true(existsSync(join(dir, 'D', 'Alteryx', 'Backups', r.archivePath!.split(/[\\/]/).pop()!)) || existsSync(r.archivePath!), 'the local archive is kept');
  t.deepEqual(
    r.destinations.map((d) => [d.kind, d.status]),
    [
      ['local', 'ok'],
      ['s3', 'failed'],
      ['azblob', 'ok'],
    ],
  );
  t.true(
    r.warnings.some((w) => /^Cloud destination aws \(s3:\/\/alteryx-backups\/prod\): credentials refused.*the backup goes on/.test(w)),
    'found in pre-flight, before the service was touched',
  );
  t.false(r.warnings.some((w) => /Cloud destination azure/.test(w)));
  t.false(everything.includes(bad), 'the refused secret is nowhere');
  t.false(everything.includes(AZURITE_KEY), 'the Azure key is nowhere');
});

test('Azure credentials refused and an S3 server that is down: exit 4 naming both, local archive kept, no secret anywhere', async (t) => {
  const c = await clouds(t, { s3Port: await deadPort(), s3Extra: { MaxAttempts: 2 } });
  const wrongKey = Buffer.from('not-the-azurite-key-0123456789abcdef').toString('base64');
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r, everything } = await backup(
    { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config },
    { ...c.secrets, AzureConnectionString: azuriteConnectionString(`${c.azp.url}/${AZURITE_ACCOUNT}`, wrongKey) },
  );
  t.is(r.exitCode, 4, r.message);
  t.regex(r.message, /aws \(s3:\/\/alteryx-backups\/prod\): the storage service cannot be reached/);
  t.regex(r.message, /azure \(azblob:\/\/devstoreaccount1\/backups\/prod\): credentials refused \(HTTP 403/);
  t.is(r.destinations.find((d) => d.kind === 's3')?.attempts, 2, 'the S3 request was tried MaxAttempts times');
  t.truthy(r.archivePath);
  t.false(everything.includes(wrongKey));
});

test('throttling: S3 answers 503 SlowDown twice and 429 once, Azure 503 ServerBusy twice; both retried and verified, attempts in the result', async (t) => {
  const slow = (status: number, code: string) => ({
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Reduce your request rate.</Message></Error>`,
  });
  let s3n = 0;
  let azn = 0;
  const c = await clouds(t, {
    s3: (r) =>
      r.method === 'PUT' && !r.url.includes('.sha256') && s3n++ < 3 ? slow(s3n === 3 ? 429 : 503, s3n === 3 ? 'TooManyRequests' : 'SlowDown') : 'pass',
    az: (r) => (r.method === 'PUT' && !r.url.includes('.sha256') && azn++ < 2 ? slow(503, 'ServerBusy') : 'pass'),
  });
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, c.secrets);
  t.is(r.exitCode, 0, r.message);
  t.is(r.destinations.find((d) => d.kind === 's3')?.attempts, 4);
  t.is(r.destinations.find((d) => d.kind === 'azblob')?.attempts, 3);
});

test('a connection dropped mid-part (the proxy cuts it after 64 KB) is retried and the multipart upload succeeds, verified', async (t) => {
  let s3cut = false;
  let azcut = false;
  const c = await clouds(t, {
    s3: (r) => (r.method === 'PUT' && /partNumber=2/.test(r.url) && !s3cut ? ((s3cut = true), 'drop') : 'pass'),
    az: (r) => (r.method === 'PUT' && /comp=block(&|$)/.test(r.url) && !azcut ? ((azcut = true), 'drop') : 'pass'),
    s3Extra: { PartSizeMB: 5, MultipartThresholdMB: 0 },
    azExtra: { PartSizeMB: 5, MultipartThresholdMB: 0 },
  });
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 12 }, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config, CompressionLevel: 0 }, c.secrets);
  t.is(r.exitCode, 0, r.message);
  t.true(s3cut && azcut, 'one connection was cut on each');
  const s3 = r.destinations.find((d) => d.kind === 's3')!;
  t.true(s3.parts! >= 2, `parts: ${s3.parts}`);
  t.true(s3.attempts >= 2);
  t.true(r.destinations.find((d) => d.kind === 'azblob')!.attempts >= 2);
  t.true(r.destinations.every((d) => d.status === 'ok'));
});

test('a byte corrupted on the way to S3 is found by VerifyByDownload (exit 4); Azure blocks refused: no block list committed, no partial blob', async (t) => {
  let corrupted = false;
  const c = await clouds(t, {
    s3: (r) => (r.method === 'PUT' && !r.url.includes('.sha256') && !corrupted ? ((corrupted = true), 'corrupt') : 'pass'),
    az: (r) =>
      r.method === 'PUT' && /comp=block(&|$)/.test(r.url)
        ? { status: 403, body: '<?xml version="1.0"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>no</Message></Error>' }
        : 'pass',
    s3Extra: { VerifyByDownload: true },
    azExtra: { PartSizeMB: 5, MultipartThresholdMB: 0 },
  });
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, c.secrets);
  t.is(r.exitCode, 4, r.message);
  t.regex(r.message, /aws .*the stored copy is corrupt/);
  t.regex(r.message, /azure .*credentials refused \(HTTP 403/);
  t.false(
    c.azp.records.some((x) => /comp=blocklist/.test(x.url)),
    'no block list was committed: no partial blob is visible',
  );
});

test('S3 multipart upload failing for good is aborted (AbortMultipartUpload sent, no orphaned parts)', async (t) => {
  const c = await clouds(t, {
    s3: (r) =>
      r.method === 'PUT' && /partNumber=/.test(r.url)
        ? { status: 500, body: '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>boom</Message></Error>' }
        : 'pass',
    s3Extra: { PartSizeMB: 5, MultipartThresholdMB: 0, MaxAttempts: 2 },
  });
  const { dir, config } = await quickSandbox(t, { dbSizeMb: 12 }, { BackupConfiguration: { CloudDestinations: c.destinations } });
  const { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config, CompressionLevel: 0 }, c.secrets);
  t.true(r.sizeBytes! > 5 * 1024 * 1024, 'big enough for two parts');
  t.is(r.exitCode, 4, r.message);
  t.true(
    c.s3p.records.some((x) => x.method === 'DELETE' && /uploadId=/.test(x.url)),
    'AbortMultipartUpload was sent',
  );
  t.is(r.destinations.find((d) => d.kind === 'azblob')?.status, 'ok');
});

test('retention in the bucket and the container keeps the newest good backup and deletes the old ones with their .sha256; a locked one stays until its date', async (t) => {
  const c = await clouds(t);
  const days = { Full: 30, DatabaseOnly: 7, ConfigOnly: 3 };
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { RetentionDays: days, CloudDestinations: c.destinations } });
  // Old backups already there: two past the 3 days (one of them locked until next year), one foreign file.
  const { S3Client, PutObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: c.s3p.url,
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY.id, secretAccessKey: S3RVER_KEY.secret },
  });
  const cont = BlobServiceClient.fromConnectionString(azuriteConnectionString(`${c.azp.url}/${AZURITE_ACCOUNT}`)).getContainerClient('backups');
  const locked = new Date(Date.now() + 365 * 86_400_000).toISOString();
  const old = ['ServerBackup_Config_20200101_010000.zip', 'ServerBackup_Config_20200102_010000.zip'];
  for (const n of [...old, ...old.map((x) => `${x}.sha256`), 'notes.txt']) {
    const meta = n === old[1] ? { 'retain-until': locked } : undefined;
    await s3.send(new PutObjectCommand({ Bucket: 'alteryx-backups', Key: `prod/${n}`, Body: 'x', Metadata: meta }));
    await cont.getBlockBlobClient(`prod/${n}`).upload('x', 1, { metadata: n === old[1] ? { retainuntil: locked } : {} });
  }
  const { r, logs } = await backup({ BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, c.secrets);
  t.is(r.exitCode, 0, r.message);
  const name = r.archivePath!.split(/[\\/]/).pop()!;
  const left = ((await s3.send(new ListObjectsV2Command({ Bucket: 'alteryx-backups', Prefix: 'prod/' }))).Contents ?? []).map((o) => o.Key!.slice(5)).sort();
  const expected = [name, `${name}.sha256`, old[1]!, `${old[1]}.sha256`, 'notes.txt'].sort();
  t.deepEqual(left, expected);
  const blobs: string[] = [];
  for await (const b of cont.listBlobsFlat({ prefix: 'prod/' })) blobs.push(b.name.slice(5));
  t.deepEqual(blobs.sort(), expected);
  t.true(logs.some((l) => /Retention on aws: ServerBackup_Config_20200102_010000\.zip is locked until .*not an error/.test(l.message)));
  t.deepEqual(
    r.warnings.filter((w) => /retention|cloud|aws|azure/i.test(w)),
    [],
  );
  s3.destroy();
});
