import test from 'ava';
import { spawn } from 'node:child_process';
import { BlobServiceClient } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, azuriteConnectionString, randomFile, startAzurite, startS3rver, S3RVER_KEY } from './helpers/cloud.ts';
import { tempDir } from './helpers/tmp.ts';
import { bundleUploader } from '../bench/cloud-bundle.ts';

const MB_SIZE = Number(process.env['AB_CLOUD_TEST_MB'] ?? 300);
const part = Number(process.env['AB_CLOUD_TEST_PART_MB'] ?? 8);

/** Runs bench/cloud-upload.ts (bundled like the CLI, plain node) in a child process (its peak RSS is the upload's alone) and returns its report. */
function upload(
  uploader: string,
  dest: Record<string, unknown>,
  secrets: Record<string, string>,
  file: string,
  sha: string,
): Promise<{ parts: number; maxRssBytes: number; verified: boolean; tries: number; requests: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [uploader, JSON.stringify(dest), JSON.stringify(secrets), file, sha], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`upload exited ${code}: ${err}`))));
  });
}

// 300 MB of random data in 8 MB parts (38 >= 30): about 30 s here on a 2-core machine at load 13-24 (uploads
// 5-10 s; the rest is writing the file and the servers' disks). npm run bench (bench/cloud.ts) measures the same
// with throughput. AB_CLOUD_TEST_MB / AB_CLOUD_TEST_PART_MB make it smaller.
test(`a ${MB_SIZE} MB archive goes to S3 in ${part} MB parts (>= 30 for 300 MB) and to Azure in blocks, verified, each upload process staying under 250 MB RSS`, async (t) => {
  t.timeout(5 * 60_000);
  const [s3, az] = await Promise.all([startS3rver(t), startAzurite(t, { onDisk: true })]);
  await BlobServiceClient.fromConnectionString(azuriteConnectionString(az.url)).getContainerClient('backups').create();
  const dir = tempDir(t);
  const [f, uploader] = await Promise.all([randomFile(dir, MB_SIZE), bundleUploader(dir)]);
  const common = { PartSizeMB: part, MultipartThresholdMB: 10, Concurrency: 4 };
  const [r3, ra] = await Promise.all([
    upload(
      uploader,
      { Name: 'aws', Url: 's3://alteryx-backups/big', Endpoint: s3.endpoint, ForcePathStyle: true, ...common },
      { S3AccessKeyId: S3RVER_KEY.id, S3SecretAccessKey: S3RVER_KEY.secret },
      f.file,
      f.sha256,
    ),
    upload(
      uploader,
      { Name: 'azure', Url: `azblob://${AZURITE_ACCOUNT}/backups/big`, AccountUrl: az.url, ...common },
      { AzureConnectionString: azuriteConnectionString(az.url) },
      f.file,
      f.sha256,
    ),
  ]);
  t.is(r3.parts, Math.ceil(MB_SIZE / part));
  if (MB_SIZE >= 300 && part <= 8) t.true(r3.parts >= 30);
  t.is(ra.parts, Math.ceil(MB_SIZE / part));
  t.true(r3.verified && ra.verified);
  t.true(r3.maxRssBytes < 250 * 1024 * 1024, `S3 upload peak RSS ${Math.round(r3.maxRssBytes / 1048576)} MB`);
  t.true(ra.maxRssBytes < 250 * 1024 * 1024, `Azure upload peak RSS ${Math.round(ra.maxRssBytes / 1048576)} MB`);
  t.log(`peak RSS: S3 ${Math.round(r3.maxRssBytes / 1048576)} MB, Azure ${Math.round(ra.maxRssBytes / 1048576)} MB`);
});
