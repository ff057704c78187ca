import test from 'ava';
import { ConfigSchema, CloudDestinationSchema } from '../src/config/schema.ts';
import { Masker } from '../src/log/mask.ts';
import { cloudSecrets, secretValues } from '../src/cloud/store.ts';
import { describeCloudError } from '../src/cloud/open.ts';
import { destinationFor } from '../src/cloud/fetch.ts';
import { lockFor } from '../src/cloud/step.ts';
import { displayUrl, isCloudUrl, parseCloudUrl, splitObjectUrl } from '../src/cloud/url.ts';

test('cloud URLs: s3://bucket/prefix and azblob://account/container/prefix parse; an object URL splits into prefix and name', (t) => {
  t.deepEqual(parseCloudUrl('s3://alteryx-backups/prod/alteryx'), { kind: 's3', container: 'alteryx-backups', prefix: 'prod/alteryx/' });
  t.deepEqual(parseCloudUrl('s3://b1'), { kind: 's3', container: 'b1', prefix: '' });
  t.deepEqual(parseCloudUrl('azblob://acct/backups/x/'), { kind: 'azblob', account: 'acct', container: 'backups', prefix: 'x/' });
  t.throws(() => parseCloudUrl('azblob://acct'), { message: /names no container/ });
  t.throws(() => parseCloudUrl('https://x/y'), { message: /s3:\/\/bucket\/prefix or azblob/ });
  const o = splitObjectUrl('s3://b1/prod/ServerBackup_Full_20260101_020000.zip');
  t.deepEqual([o.loc.prefix, o.key, o.name], ['prod/', 'prod/ServerBackup_Full_20260101_020000.zip', 'ServerBackup_Full_20260101_020000.zip']);
  t.true(isCloudUrl('AZBLOB://a/b/c'));
  t.false(isCloudUrl('D:\\Backups\\x.zip'));
  t.is(displayUrl('https://acct.blob.core.windows.net/c/x.zip?sv=2024&sig=abc%2Fdef'), 'https://acct.blob.core.windows.net/c/x.zip');
  t.is(displayUrl('s3://key:secret@bucket/p'), 's3://bucket/p');
});

test('the schema takes CloudDestinations with defaults (8 MB parts, 100 MB multipart switch) and rejects a URL with credentials or a duplicate name', (t) => {
  const c = ConfigSchema.parse({ BackupConfiguration: { CloudDestinations: [{ Name: 'aws', Url: 's3://b1/p' }] } });
  const d = c.BackupConfiguration.CloudDestinations[0]!;
  t.is(d.PartSizeMB, 8);
  t.is(d.MultipartThresholdMB, 100);
  t.is(d.MaxAttempts, 5);
  t.is(d.RetentionDays, undefined);
  t.false(ConfigSchema.safeParse({ BackupConfiguration: { CloudDestinations: [{ Name: 'x', Url: 'azblob://acct/c?sig=abc' }] } }).success);
  t.false(ConfigSchema.safeParse({ BackupConfiguration: { CloudDestinations: [{ Name: 'x', Url: 's3://AKIA:secret@b1/p' }] } }).success);
  const dup = ConfigSchema.safeParse({
    BackupConfiguration: {
      CloudDestinations: [
        { Name: 'a', Url: 's3://b1' },
        { Name: 'A', Url: 's3://b2' },
      ],
    },
  });
  t.false(dup.success);
  t.regex(JSON.stringify(dup.error?.issues), /used twice/);
  t.false(CloudDestinationSchema.safeParse({ Name: 'x', Url: 's3://b1', PartSizeMB: 4 }).success, 'S3 parts are at least 5 MB');
});

test('masking: a SAS signature in a URL, AccountKey in a connection string and AWS secret keys in text', (t) => {
  const m = new Masker();
  t.is(
    m.mask('GET https://a.blob.core.windows.net/c/x?sv=2024-01-01&se=2026&sig=AbC%2Bdef123%3D&sp=r'),
    'GET https://a.blob.core.windows.net/c/x?sv=2024-01-01&se=2026&sig=********&sp=r',
  );
  t.is(
    m.mask('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;EndpointSuffix=core.windows.net'),
    'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=********;EndpointSuffix=core.windows.net',
  );
  t.is(m.mask('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG'), 'aws_secret_access_key = ********');
  t.regex(m.mask('https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=deadbeef'), /X-Amz-Credential=\*{8}&X-Amz-Signature=\*{8}/);
});

test('cloud secrets: per-destination names first, then the generic ones, then the environment; every part goes to the masker', (t) => {
  const env = { ALTERYXBACKUP_PROD_EU_SECRET_ACCESS_KEY: 'env-secret-1', AZURE_STORAGE_CONNECTION_STRING: 'AccountName=a;AccountKey=K3yFromEnv==' };
  const s = cloudSecrets({ Name: 'prod-eu' }, { 'prod-eu.AccessKeyId': 'AKIA1', S3AccessKeyId: 'AKIA2', AzureSasToken: 'sv=1&sig=S1gn%2B' }, env);
  t.is(s.accessKeyId, 'AKIA1');
  t.is(s.secretAccessKey, 'env-secret-1');
  t.is(s.connectionString, env.AZURE_STORAGE_CONNECTION_STRING);
  t.is(s.sas, 'sv=1&sig=S1gn%2B');
  const values = secretValues(s);
  for (const v of ['env-secret-1', 'K3yFromEnv==', 'S1gn%2B', 'S1gn+']) t.true(values.includes(v), v);
});

test('errors name the destination and say what to do; a 403 is "credentials refused"', (t) => {
  const d = CloudDestinationSchema.parse({ Name: 'aws', Url: 's3://b1/p' });
  t.regex(
    describeCloudError({ name: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist', $metadata: { httpStatusCode: 403 } }, d),
    /^aws \(s3:\/\/b1\/p\): credentials refused \(HTTP 403 InvalidAccessKeyId\): check/,
  );
  t.regex(describeCloudError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), d), /cannot be reached/);
  t.regex(describeCloudError({ name: 'SlowDown', message: 'Reduce', $metadata: { httpStatusCode: 503 } }, d), /HTTP 503 SlowDown: Reduce/);
});

test("Object Lock: retain-until is the run start plus the mode's days of the destination (at least one day); none without ObjectLock", (t) => {
  const config = ConfigSchema.parse({});
  const startedAt = new Date('2026-03-01T02:00:00Z');
  const d = CloudDestinationSchema.parse({ Name: 'aws', Url: 's3://b1', ObjectLock: { Mode: 'Compliance' }, RetentionDays: { Full: 45, ConfigOnly: 0 } });
  t.deepEqual(lockFor({ mode: 'Full', config, startedAt }, d), { mode: 'Compliance', until: new Date('2026-04-15T02:00:00Z'), legalHold: false });
  t.is(
    lockFor({ mode: 'DatabaseOnly', config, startedAt }, d)!.until.toISOString(),
    '2026-03-08T02:00:00.000Z',
    'a mode not given: BackupConfiguration.RetentionDays (7)',
  );
  t.is(lockFor({ mode: 'ConfigOnly', config, startedAt }, d)!.until.toISOString(), '2026-03-02T02:00:00.000Z');
  t.is(lockFor({ mode: 'Full', config, startedAt }, CloudDestinationSchema.parse({ Name: 'a', Url: 's3://b1' })), undefined);
});

test('a URL under a configured destination uses its endpoint and settings; any other gets the defaults', (t) => {
  const config = ConfigSchema.parse({
    BackupConfiguration: { CloudDestinations: [{ Name: 'minio', Url: 's3://b1/prod', Endpoint: 'http://minio:9000', ForcePathStyle: true }] },
  });
  t.is(destinationFor('s3://b1/prod/ServerBackup_Full_20260101_020000.zip', config).Name, 'minio');
  t.is(destinationFor('s3://b1/other/ServerBackup_Full_20260101_020000.zip', config).Name, 'url');
  t.is(destinationFor('s3://b2/prod/ServerBackup_Full_20260101_020000.zip', config).Endpoint, undefined);
});

test('CredentialTarget and CredentialKind: validated by the schema; AccountKey (per destination, then generic, then AZURE_STORAGE_KEY) is masked', (t) => {
  const ok = CloudDestinationSchema.parse({
    Name: 'azure',
    Url: 'azblob://acct/backups',
    CredentialTarget: 'AlteryxBackup/azure',
    CredentialKind: 'AccountKey',
  });
  t.is(ok.CredentialTarget, 'AlteryxBackup/azure');
  t.is(ok.CredentialKind, 'AccountKey');
  t.is(CloudDestinationSchema.parse({ Name: 'aws', Url: 's3://bucket' }).CredentialKind, 'SasToken');
  t.false(CloudDestinationSchema.safeParse({ Name: 'a', Url: 's3://bucket', CredentialTarget: 'bad\ttarget' }).success);
  t.false(CloudDestinationSchema.safeParse({ Name: 'a', Url: 's3://bucket', CredentialTarget: '' }).success);
  t.false(CloudDestinationSchema.safeParse({ Name: 'a', Url: 'azblob://acct/backups', CredentialKind: 'Password' }).success);
  const key = 'QWNjb3VudEtleS1mcm9tLXN0ZGlu';
  t.is(cloudSecrets({ Name: 'azure' }, { 'azure.AccountKey': key, AzureAccountKey: 'generic-key' }, {}).accountKey, key);
  t.is(cloudSecrets({ Name: 'other' }, { 'azure.AccountKey': key, AzureAccountKey: 'generic-key' }, {}).accountKey, 'generic-key');
  t.is(cloudSecrets({ Name: 'other' }, {}, { AZURE_STORAGE_KEY: 'env-key-value' }).accountKey, 'env-key-value');
  t.true(secretValues(cloudSecrets({ Name: 'azure' }, { 'azure.AccountKey': key }, {})).includes(key));
});

test('Entra ID settings: Auth other than Key only for azblob, ClientSecret/ClientCertificate need TenantId and ClientId, a certificate its path; errors of @azure/identity are "credentials refused"', (t) => {
  const parse = (d: Record<string, unknown>) =>
    ConfigSchema.safeParse({ BackupConfiguration: { CloudDestinations: [{ Name: 'az', Url: 'azblob://acct/backups', ...d }] } });
  t.true(parse({ Auth: 'ClientSecret', TenantId: 't', ClientId: 'c' }).success);
  t.true(parse({ Auth: 'ManagedIdentity' }).success);
  t.true(parse({ Auth: 'DefaultChain' }).success);
  const msg = (d: Record<string, unknown>) => JSON.stringify(parse(d).error?.issues.map((i) => i.message));
  t.regex(msg({ Auth: 'ClientSecret', TenantId: 't' }), /needs TenantId and ClientId/);
  t.regex(msg({ Auth: 'ClientCertificate', TenantId: 't', ClientId: 'c' }), /needs CertificatePath/);
  t.regex(msg({ Url: 's3://bucket', Auth: 'AzureCli' }), /for Azure \(azblob:\/\/\) destinations only/);
  t.false(parse({ Auth: 'Password' }).success);
  const dest = CloudDestinationSchema.parse({ Name: 'az', Url: 'azblob://acct/backups' });
  const err = Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), { name: 'ClientAuthenticationError', statusCode: 401 });
  t.regex(describeCloudError(err, dest), /^az \(azblob:\/\/acct\/backups\): credentials refused/);
  const s = cloudSecrets({ Name: 'az' }, { 'az.ClientSecret': 'client-secret-1', 'az.CertificatePassword': 'cert-pw-1' }, {});
  t.deepEqual([s.clientSecret, s.certificatePassword], ['client-secret-1', 'cert-pw-1']);
  t.true(secretValues(s).includes('client-secret-1') && secretValues(s).includes('cert-pw-1'));
  t.is(cloudSecrets({ Name: 'az' }, {}, { AZURE_CLIENT_SECRET: 'from-env-secret' }).clientSecret, 'from-env-secret');
});
