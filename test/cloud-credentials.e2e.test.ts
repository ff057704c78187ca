// Issue 16: credentials per cloud destination, as the PowerShell module sends them from each destination's
// CredentialTarget (Windows Credential Manager): `<Name>.AccessKeyId` + `<Name>.SecretAccessKey` for S3,
// `<Name>.AccountKey` (or .SasToken / .ConnectionString) for Azure, in the secrets of the stdin request of
// the real bundled core (a child process). Each destination uses its own keys only; refused keys end the
// run with exit 4 naming that destination; no secret in stdout, stderr, the log or the events.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { runCli } from './helpers/cli.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteConnectionString, startAzurite, startS3rver, S3RVER_KEY } from './helpers/cloud.ts';
import { quickSandbox } from './helpers/sandbox.ts';

// No credential from the environment may help: only what the request carries counts.
const NO_ENV = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AZURE_STORAGE_CONNECTION_STRING: '',
  AZURE_STORAGE_KEY: '',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
};

test('stdin secrets per destination: S3 keys for one bucket destination and an Azure account key upload to s3rver and Azurite; refused keys of another destination: exit 4 naming it, no secret anywhere', async (t) => {
  const [s3, az] = await Promise.all([startS3rver(t, ['alteryx-backups']), startAzurite(t)]);
  await BlobServiceClient.fromConnectionString(azuriteConnectionString(az.url)).getContainerClient('backups').create();
  const destinations = [
    { Name: 'aws', Url: 's3://alteryx-backups/prod', Endpoint: s3.endpoint, ForcePathStyle: true, MaxAttempts: 2, CredentialTarget: 'AlteryxBackup/aws' },
    {
      Name: 'second',
      Url: 's3://alteryx-backups/other',
      Endpoint: s3.endpoint,
      ForcePathStyle: true,
      MaxAttempts: 2,
      CredentialTarget: 'AlteryxBackup/second',
    },
    {
      Name: 'azure',
      Url: `azblob://${AZURITE_ACCOUNT}/backups/prod`,
      AccountUrl: `${az.url}`,
      CredentialTarget: 'AlteryxBackup/azure',
      CredentialKind: 'AccountKey',
    },
  ];
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: destinations } });
  const wrongSecret = 'Refused-S3-secret-7f3a9c2b';
  const secrets = {
    'aws.AccessKeyId': S3RVER_KEY.id,
    'aws.SecretAccessKey': S3RVER_KEY.secret,
    'second.AccessKeyId': 'AKIASECONDWRONG00001',
    'second.SecretAccessKey': wrongSecret,
    'azure.AccountKey': AZURITE_KEY,
  };
  const input = JSON.stringify({ command: 'backup', params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config }, secrets, dryRun: false });
  const run = await runCli(['backup', '--request-stdin', '--json'], { input, env: NO_ENV });
  const r = run.result!;
  t.truthy(r, run.stderr.slice(-800));
  t.is(run.code, 4, String(r['message']));
  t.is(r['exitCode'], 4);
  t.regex(String(r['message']), /second \(s3:\/\/alteryx-backups\/other\): credentials refused/);
  t.notRegex(String(r['message']), /\baws \(|azure \(/, 'only the refused destination is named');
  const dests = r['destinations'] as Array<Record<string, unknown>>;
  t.deepEqual(
    dests.map((d) => [d['name'] ?? d['kind'], d['status']]),
    [
      ['local', 'ok'],
      ['aws', 'ok'],
      ['second', 'failed'],
      ['azure', 'ok'],
    ],
  );
  t.true(dests.filter((d) => d['status'] === 'ok' && d['kind'] !== 'local').every((d) => d['verified'] === true));
  t.true(existsSync(String(r['archivePath'])), 'the local archive is kept');
  // Stored where each destination points, with its own keys.
  const name = String(r['archivePath']).split(/[\\/]/).pop()!;
  t.true(existsSync(`${s3.dir}/alteryx-backups/prod/${name}._S3rver_object`));
  t.false(existsSync(`${s3.dir}/alteryx-backups/other/${name}._S3rver_object`));
  const blob = BlobServiceClient.fromConnectionString(azuriteConnectionString(az.url)).getContainerClient('backups').getBlobClient(`prod/${name}`);
  t.true(await blob.exists());
  // No secret in stdout (events, result), stderr or the log file.
  const log = readFileSync(String(r['logPath']), 'utf8');
  for (const secret of [wrongSecret, AZURITE_KEY]) {
    t.false(run.stdout.includes(secret), 'stdout');
    t.false(run.stderr.includes(secret), 'stderr');
    t.false(log.includes(secret), 'log');
  }
  t.regex(log, /Uploaded to aws and verified/);
  t.regex(log, /Uploaded to azure and verified/);
});
