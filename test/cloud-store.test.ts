import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { CloudDestinationSchema } from '../src/config/schema.ts';
import { openStore } from '../src/cloud/open.ts';
import { tempDir } from './helpers/tmp.ts';
import { AZURITE_ACCOUNT, azuriteConnectionString, startAzurite, startProxy, startS3rver, S3RVER_KEY, randomFile } from './helpers/cloud.ts';

const s3Secrets = { S3AccessKeyId: S3RVER_KEY.id, S3SecretAccessKey: S3RVER_KEY.secret };

test('S3 multipart through a recording proxy: 40 MB in 5 MB parts, each part with its SHA-256, Object Lock headers sent, object verified by download', async (t) => {
  const s3 = await startS3rver(t);
  const proxy = await startProxy(t, s3.port);
  const dir = tempDir(t);
  const f = await randomFile(dir, 40);
  const dest = CloudDestinationSchema.parse({
    Name: 'aws',
    Url: 's3://alteryx-backups/prod/alteryx',
    Endpoint: proxy.url,
    ForcePathStyle: true,
    PartSizeMB: 5,
    MultipartThresholdMB: 10,
    ObjectLock: { Mode: 'Compliance' },
  });
  const store = await openStore(dest, s3Secrets);
  const until = new Date(Date.now() + 7 * 86_400_000);
  const r = await store.upload({
    file: f.file,
    name: 'ServerBackup_Full_20260101_020000.zip',
    size: f.size,
    sha256: f.sha256,
    lock: { mode: 'Compliance', until, legalHold: false },
  });
  t.is(r.parts, 8);
  const parts = proxy.records.filter((x) => x.method === 'PUT' && /partNumber=/.test(x.url));
  t.is(parts.length, 8);
  for (const p of parts) t.regex(String(p.headers['x-amz-checksum-sha256']), /^[A-Za-z0-9+/]{43}=$/);
  const create = proxy.records.find((x) => x.method === 'POST' && /\?uploads/.test(x.url))!;
  t.is(create.headers['x-amz-object-lock-mode'], 'COMPLIANCE');
  t.is(create.headers['x-amz-object-lock-retain-until-date'], until.toISOString());
  t.is(create.headers['x-amz-checksum-algorithm'], 'SHA256');
  const head = await store.head('ServerBackup_Full_20260101_020000.zip');
  t.is(head?.size, f.size);
  t.is(head?.sha256, f.sha256);
  const back = await store.download('ServerBackup_Full_20260101_020000.zip', join(dir, 'back.zip'));
  t.is(back.sha256, f.sha256);
  t.is(store.stats.tries, store.stats.requests, 'nothing was retried');
  store.close();
});

test('Azure blocks on Azurite: 40 MB in 5 MB blocks, each with its MD5, SHA-256 as metadata, immutability headers sent', async (t) => {
  const az = await startAzurite(t);
  const proxy = await startProxy(t, az.port);
  const cs = azuriteConnectionString(`${proxy.url}/${AZURITE_ACCOUNT}`);
  await BlobServiceClient.fromConnectionString(azuriteConnectionString(az.url)).getContainerClient('backups').create();
  const dir = tempDir(t);
  const f = await randomFile(dir, 40);
  const dest = CloudDestinationSchema.parse({ Name: 'azure', Url: `azblob://${AZURITE_ACCOUNT}/backups/alteryx`, PartSizeMB: 5, MultipartThresholdMB: 10 });
  const store = await openStore(dest, { AzureConnectionString: cs });
  const until = new Date(Date.now() + 86_400_000);
  const r = await store.upload({
    file: f.file,
    name: 'ServerBackup_Full_20260101_020000.zip',
    size: f.size,
    sha256: f.sha256,
    lock: { mode: 'Governance', until, legalHold: true },
  });
  t.is(r.parts, 8);
  const blocks = proxy.records.filter((x) => x.method === 'PUT' && /comp=block(&|$)/.test(x.url));
  t.is(blocks.length, 8);
  for (const b of blocks) t.regex(String(b.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/);
  const commit = proxy.records.find((x) => /comp=blocklist/.test(x.url))!;
  t.is(commit.headers['x-ms-immutability-policy-mode'], 'Unlocked');
  t.truthy(commit.headers['x-ms-immutability-policy-until-date']);
  t.is(commit.headers['x-ms-legal-hold'], 'true');
  const head = await store.head('ServerBackup_Full_20260101_020000.zip');
  t.is(head?.size, f.size);
  t.is(head?.sha256, f.sha256);
  const back = await store.download('ServerBackup_Full_20260101_020000.zip', join(dir, 'back.zip'));
  t.is(back.sha256, f.sha256);
  t.true(readFileSync(join(dir, 'back.zip')).equals(readFileSync(f.file)));
});
