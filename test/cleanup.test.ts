import test from 'ava';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanupFailedStaging, KEEP_MARKER, SECRET_CONFIG_PREFIX, sweepStalePartials, sweepStaleWorkFolders } from '../src/core/cleanup.ts';
import { writeSecretConfig } from '../src/mongo/dump.ts';
import { RunLogger, type LogRecord } from '../src/log/logger.ts';
import { tempDir } from './helpers/tmp.ts';

function logger() {
  const lines: LogRecord[] = [];
  return { log: new RunLogger((r) => lines.push(r)), lines };
}

function staging(root: string, name: string): string {
  const d = join(root, name);
  mkdirSync(join(d, 'Secrets'), { recursive: true });
  mkdirSync(join(d, 'nodes', 'W1'), { recursive: true });
  writeFileSync(join(d, 'Secrets', 'ControllerToken.txt'), 'ab'.repeat(32));
  writeFileSync(join(d, 'nodes', 'W1', 'MongoPasswords.txt'), 'Admin: x');
  writeFileSync(join(d, 'RuntimeSettings.xml'), '<SystemSettings/>');
  return d;
}

test('a failed run: staging removed; kept on request without its secrets, and the log says where', async (t) => {
  const root = tempDir(t);
  const { log, lines } = logger();
  const a = staging(root, 'ServerBackup_Full_20260101_020000');
  await cleanupFailedStaging(a, 'D:\\Temp\\ServerBackup_Full_20260101_020000', log, false);
  t.false(existsSync(a));
  const b = staging(root, 'ServerBackup_Full_20260101_030000');
  await cleanupFailedStaging(b, 'D:\\Temp\\ServerBackup_Full_20260101_030000', log, true);
  t.deepEqual(readdirSync(b, { recursive: true }).map(String).sort(), [KEEP_MARKER, 'RuntimeSettings.xml', 'nodes', join('nodes', 'W1')].sort());
  t.true(
    lines.some((l) =>
      l.message.includes('kept for inspection (KeepStagingOnFailure): D:\\Temp\\ServerBackup_Full_20260101_030000; its secrets were removed (2 item(s))'),
    ),
  );
});

test('the sweep: staging and extraction folders of killed runs go, the current and PreRestore ones stay, kept ones lose their secrets', async (t) => {
  const root = tempDir(t);
  const { log } = logger();
  const old = staging(root, 'ServerBackup_DatabaseOnly_20260101_020000');
  const extraction = staging(root, 'AlteryxRestore_20260101_020000');
  const current = staging(root, 'ServerBackup_Full_20260102_020000');
  const pre = staging(root, 'PreRestore_20260101_020000');
  const kept = staging(root, 'ServerBackup_ConfigOnly_20260101_040000');
  writeFileSync(join(kept, KEEP_MARKER), '');
  const other = staging(root, 'MyOwnFolder');
  const removed = await sweepStaleWorkFolders(root, log, current);
  t.deepEqual(removed.sort(), [extraction, old].sort());
  for (const d of [current, pre, other]) t.true(existsSync(join(d, 'Secrets', 'ControllerToken.txt')), d);
  t.false(existsSync(join(kept, 'Secrets')));
  t.true(existsSync(join(kept, 'RuntimeSettings.xml')));
  // With `before`, a folder made after the sweep started is left (a run that started meanwhile).
  const fresh = staging(root, 'ServerBackup_Full_20260103_020000');
  t.deepEqual(await sweepStaleWorkFolders(root, log, undefined, new Date(Date.now() - 60_000)), []);
  t.true(existsSync(fresh));
});

test('the sweep: mongodump --config folders (the password in clear) of dead processes go, those of live ones stay', async (t) => {
  const root = tempDir(t);
  const { log, lines } = logger();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const folder = (pid: number, tail: string) => {
    const d = join(root, `${SECRET_CONFIG_PREFIX}${pid}-${tail}`);
    mkdirSync(d);
    writeFileSync(join(d, 'mongodump.yaml'), 'uri: mongodb://backup@db01:27017/\npassword: s3cret\n');
    return d;
  };
  const killed = folder(dead, 'aB3xYz');
  const alive = folder(process.ppid, 'Qw12er');
  const odd = folder(dead, 'not-ours');
  // This process's own folder, the way runMongodump writes it: left (a dump under way).
  const own = await writeSecretConfig('password: mine\n', root);
  t.true(own.dir.startsWith(join(root, `${SECRET_CONFIG_PREFIX}${process.pid}-`)), own.dir);
  t.deepEqual(await sweepStaleWorkFolders(root, log), [killed]);
  t.false(existsSync(killed));
  for (const d of [alive, odd, own.dir]) t.true(existsSync(d), d);
  t.true(lines.some((l) => l.message === `Removed the MongoDB --config folder (password in clear) that the interrupted run ${dead} left: ${killed}`));
  await own.remove();
  t.false(existsSync(own.dir));
});

test('stale .partial files go after a successful run; one still being written (newer than the run) stays', async (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const { log, lines } = logger();
  const since = new Date();
  const old = [
    join(a, 'ServerBackup_Full_20260101_020000.zip.partial'),
    join(b, 'ServerBackup_DB_20260101_020000.zip.sha256.partial'),
    join(a, 'ServerBackup_Full_20260101_020000.zip.sha256.partial-4242'),
  ];
  for (const f of old) {
    writeFileSync(f, 'x');
    utimesSync(f, new Date(since.getTime() - 10_000), new Date(since.getTime() - 10_000));
  }
  const live = join(b, 'ServerBackup_Full_20260102_020000.zip.partial');
  writeFileSync(live, 'y');
  utimesSync(live, new Date(since.getTime() + 1000), new Date(since.getTime() + 1000));
  const unrelated = join(a, 'notes.partial');
  writeFileSync(unrelated, 'z');
  utimesSync(unrelated, new Date(0), new Date(0));
  t.deepEqual((await sweepStalePartials([a, b, a], log, since)).sort(), old.sort());
  t.true(existsSync(live));
  t.true(existsSync(unrelated));
  t.is(lines.filter((l) => /Removed a stale partial archive/.test(l.message)).length, 3);
});
