// Issue 16: verify / restore / drill --latest --mode X --destination NAME (the cmdlets' -Latest -Mode X
// -Destination NAME): the newest good backup of that mode (its .sha256 next to it) at a cloud destination by
// its configured name (real s3rver) or in a folder (a sandbox's local backup folder), then as with an
// explicit path/URL. Nothing matching: exit 3 naming destination and mode. Real child processes.
import test from 'ava';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runBackup } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { runCli } from './helpers/cli.ts';
import { S3RVER_KEY, startS3rver } from './helpers/cloud.ts';
import { quickSandbox } from './helpers/sandbox.ts';

const env = { AWS_ACCESS_KEY_ID: S3RVER_KEY.id, AWS_SECRET_ACCESS_KEY: S3RVER_KEY.secret };

test('--latest --mode --destination: the newest good backup of that mode in an s3rver bucket and in a local folder; exit 3 naming both when none matches', async (t) => {
  const s3 = await startS3rver(t, ['alteryx-backups']);
  const dest = { Name: 'aws', Url: 's3://alteryx-backups/prod', Endpoint: s3.endpoint, ForcePathStyle: true, MaxAttempts: 2 };
  const { dir, config } = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: [dest] } });
  const r = await runBackup(
    {
      params: { BackupMode: 'ConfigOnly', SandboxPath: dir, ConfigPath: config },
      secrets: { S3AccessKeyId: S3RVER_KEY.id, S3SecretAccessKey: S3RVER_KEY.secret },
      dryRun: false,
    },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  t.is(r.exitCode, 0, r.message);
  const name = r.archivePath!.split(/[\\/]/).pop()!;
  const bytes = readFileSync(r.archivePath!);
  // Decoys, all newer than the real one: a ConfigOnly archive without its .sha256 (not good), an empty one
  // with a .sha256, and a Full one with its .sha256 (another mode). In the bucket and in the local folder.
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: S3RVER_KEY.id, secretAccessKey: S3RVER_KEY.secret },
  });
  t.teardown(() => client.destroy());
  const decoys: Array<[string, Buffer | string]> = [
    ['ServerBackup_Config_20990101_000000.zip', bytes],
    ['ServerBackup_Config_20980101_000000.zip', ''],
    ['ServerBackup_Config_20980101_000000.zip.sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  x\n'],
    ['ServerBackup_Full_20990101_000000.zip', bytes],
    ['ServerBackup_Full_20990101_000000.zip.sha256', `${r.sha256}  ServerBackup_Full_20990101_000000.zip\n`],
  ];
  const localDir = dirname(r.archivePath!);
  for (const [key, body] of decoys) {
    await client.send(new PutObjectCommand({ Bucket: 'alteryx-backups', Key: `prod/${key}`, Body: body }));
    writeFileSync(join(localDir, key), body);
  }
  // And an older good ConfigOnly archive in the folder: the newest good one must win over it.
  copyFileSync(r.archivePath!, join(localDir, 'ServerBackup_Config_20200101_000000.zip'));
  copyFileSync(`${r.archivePath!}.sha256`, join(localDir, 'ServerBackup_Config_20200101_000000.zip.sha256'));

  const cloud = await runCli(['verify', '--latest', '--mode', 'ConfigOnly', '--destination', 'aws', '--config', config, '--json'], { env });
  t.is(cloud.code, 0, cloud.stdout.slice(-800));
  t.is(cloud.result?.['archive'], `s3://alteryx-backups/prod/${name}`);

  const local = await runCli(
    ['verify', '--latest', '--mode', 'ConfigOnly', '--destination', 'D:\\Alteryx\\Backups', '--sandbox', dir, '--config', config, '--json'],
    { env },
  );
  t.is(local.code, 0, local.stdout.slice(-800));
  t.is(local.result?.['archive'], r.archivePath);

  const drill = await runCli(['drill', '--latest', '--mode', 'ConfigOnly', '--destination', 'aws', '--sandbox', dir, '--config', config, '--json'], { env });
  t.is(drill.code, 0, `${drill.stdout.slice(-1500)} ${drill.stderr.slice(-300)}`);
  t.is(drill.result?.['success'], true);
  t.true(drill.events.some((e) => e['type'] === 'progress' && String(e['activity']).startsWith('Newest good ConfigOnly backup at aws')));

  const restore = await runCli(
    ['restore', '--latest', '--mode', 'ConfigOnly', '--destination', 'D:\\Alteryx\\Backups', '--dry-run', '--sandbox', dir, '--config', config, '--json'],
    {
      env,
    },
  );
  t.is(restore.code, 0, restore.stdout.slice(-1500));
  t.is(restore.result?.['archivePath'], r.archivePath);

  // Nothing of that mode: exit 3, naming the destination and the mode; same for a folder.
  for (const where of ['aws', 'D:\\Alteryx\\Backups']) {
    const none = await runCli(['verify', '--latest', '--mode', 'DatabaseOnly', '--destination', where, '--sandbox', dir, '--config', config, '--json'], {
      env,
    });
    t.is(none.code, 3, none.stdout);
    t.regex(
      String(none.result?.['message']),
      new RegExp(`^No good DatabaseOnly backup at ${where === 'aws' ? 'aws \\(s3://alteryx-backups/prod\\)' : 'D:\\\\Alteryx\\\\Backups'}`),
    );
  }
  // A name that is neither a destination nor a folder, --latest with an ARCHIVE too, a bad mode.
  const unknown = await runCli(['verify', '--latest', '--mode', 'Full', '--destination', 'nosuch', '--config', config, '--json'], { env });
  t.is(unknown.code, 3);
  t.regex(
    String(unknown.result?.['message']),
    /-Destination nosuch is neither a configured cloud destination nor a folder.*Cloud destinations in the configuration: aws/,
  );
  const both = await runCli(['verify', r.archivePath!, '--latest', '--mode', 'Full', '--destination', 'aws', '--config', config, '--json'], { env });
  t.is(both.code, 3);
  t.regex(String(both.result?.['message']), /either the archive \(-Path\) or -Latest/);
  const badMode = await runCli(['verify', '--latest', '--mode', 'Weekly', '--destination', 'aws', '--config', config, '--json'], { env });
  t.is(badMode.code, 6, badMode.stdout);
});
