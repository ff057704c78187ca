// src/util/winfs.ts: the Windows file-system rules, on real temp folders (the Windows branches by parameter; the
// same rules run on Windows node under Wine in test/windows-release.e2e.test.ts).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { adminSharePath, findExecutable, isWindowsUnsafeName, pathExtensions, retryWhileBusy, retryWhileBusySync } from '../src/util/winfs.ts';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { tempDir } from './helpers/tmp.ts';

test('reserved device names and trailing dots/spaces are unsafe; ordinary names are not', (t) => {
  for (const n of ['aux.txt', 'AUX', 'con', 'Nul.tar.gz', 'prn.log', 'COM1', 'lpt9.txt', 'com¹', 'name.', 'name ']) t.true(isWindowsUnsafeName(n), n);
  for (const n of ['auxiliary.txt', 'console.log', 'com10', 'lpt', 'null.txt', 'DCM.key', '.gitignore']) t.false(isWindowsUnsafeName(n), n);
});

test("adminSharePath: another node's drive path through its C$ share, long-path forms kept long, UNC unchanged", (t) => {
  t.is(adminSharePath('C:\\ProgramData\\Alteryx\\RuntimeSettings.xml', 'ALTERYX-WKR1'), '\\\\ALTERYX-WKR1\\C$\\ProgramData\\Alteryx\\RuntimeSettings.xml');
  t.is(adminSharePath('d:\\Temp', 'W2'), '\\\\W2\\D$\\Temp');
  const deep = `\\\\?\\C:\\ProgramData\\${'deep-folder\\'.repeat(22)}x.key`;
  t.is(adminSharePath(deep, 'W2'), `\\\\?\\UNC\\W2\\C$\\ProgramData\\${'deep-folder\\'.repeat(22)}x.key`);
  t.is(adminSharePath('\\\\nas01\\backups', 'W2'), '\\\\nas01\\backups');
  t.is(adminSharePath('relative\\x', 'W2'), 'relative\\x');
});

test('pathExtensions: PATHEXT whatever the case of its key, else the Windows default', (t) => {
  t.deepEqual(pathExtensions({ PathExt: '.EXE;.CMD; ;bogus' }), ['.EXE', '.CMD']);
  t.deepEqual(pathExtensions({}), ['.COM', '.EXE', '.BAT', '.CMD']);
});

test('findExecutable on Windows: PATHEXT order, a name with an extension as is, quoted PATH entries, no bare name', (t) => {
  const dir = tempDir(t);
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b "quoted"');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  fs.writeFileSync(path.join(a, 'mongorestore'), 'not a Windows executable: no extension');
  fs.writeFileSync(path.join(b, 'mongorestore.cmd'), '@echo off');
  fs.writeFileSync(path.join(b, 'mongorestore.exe'), 'MZ');
  const env = { Path: `${a};"${b}"`, PATHEXT: '.COM;.EXE;.BAT;.CMD' };
  t.is(findExecutable('mongorestore', env, 'win32'), path.join(b, 'mongorestore.exe'), '.EXE comes before .CMD; the bare name is not run');
  t.is(findExecutable('mongorestore.cmd', env, 'win32'), path.join(b, 'mongorestore.cmd'));
  t.is(findExecutable('mongorestore', { ...env, PATHEXT: '.CMD;.EXE' }, 'win32'), path.join(b, 'mongorestore.cmd'));
  t.is(findExecutable('mongodump', env, 'win32'), undefined);
});

test('findExecutable elsewhere: the name, then name.exe, on a colon-separated PATH', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'mongod.exe'), '');
  t.is(findExecutable('mongod', { PATH: `/nonexistent:${dir}` }, 'linux'), path.join(dir, 'mongod.exe'));
  fs.writeFileSync(path.join(dir, 'mongod'), '');
  t.is(findExecutable('mongod', { PATH: dir }, 'linux'), path.join(dir, 'mongod'));
});

const busy = (code: string) => Object.assign(new Error(`${code}: resource busy or locked, rename`), { code });

test('retryWhileBusy: a file in use (EBUSY/EPERM/EACCES) is tried again with growing delays, then succeeds', async (t) => {
  const delays: number[] = [];
  let calls = 0;
  const r = await retryWhileBusy(
    'publish',
    'D:\\a.zip',
    async () => {
      calls++;
      if (calls === 1) throw busy('EBUSY');
      if (calls === 2) throw busy('EPERM');
      if (calls === 3) throw busy('EACCES');
      return 'renamed';
    },
    { delayMs: 10, sleep: async (ms) => void delays.push(ms) },
  );
  t.is(r, 'renamed');
  t.deepEqual(delays, [10, 20, 40]);
});

test('retryWhileBusy: still in use after the last try gives a Storage error naming the file and what to do', async (t) => {
  let calls = 0;
  const err = await t.throwsAsync(
    retryWhileBusy(
      'publish the archive as',
      'D:\\Backups\\a.zip',
      async () => {
        calls++;
        throw busy('EBUSY');
      },
      { attempts: 4, sleep: async () => {} },
    ),
  );
  t.is(calls, 4);
  t.true(err instanceof BackupError);
  t.is((err as BackupError).exitCode, 4);
  t.regex(err!.message, /Cannot publish the archive as D:\\Backups\\a\.zip: it is in use by another process \(EBUSY, 4 tries\)/);
  t.regex(String((err as BackupError).hint), /Close the program holding it/);
});

test('retryWhileBusy: other errors are thrown at once', async (t) => {
  let calls = 0;
  await t.throwsAsync(
    retryWhileBusy(
      'replace',
      '/x',
      async () => {
        calls++;
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      },
      { sleep: async () => {} },
    ),
    { message: 'no such file' },
  );
  t.is(calls, 1);
});

test('retryWhileBusy around a real rename: the file is published once the holder lets go', async (t) => {
  const dir = tempDir(t);
  const from = path.join(dir, 'a.zip.partial');
  const to = path.join(dir, 'a.zip');
  fs.writeFileSync(from, 'zip');
  let held = 2;
  await retryWhileBusy(
    'publish',
    to,
    async () => {
      if (held-- > 0) throw busy('EBUSY'); // what Windows says while another process has `to` open
      await fs.promises.rename(from, to);
    },
    { sleep: async () => {} },
  );
  t.is(fs.readFileSync(to, 'utf8'), 'zip');
  t.false(fs.existsSync(from));
});

test('retryWhileBusySync: the journal rename is tried again while the file is in use, then gives a Storage error naming it', (t) => {
  let calls = 0;
  const waits: number[] = [];
  const r = retryWhileBusySync(
    'write the journal',
    'D:\\Temp\\AlteryxBackup.journal.json',
    () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('busy'), { code: calls === 1 ? 'EBUSY' : 'EPERM' });
      return 'done';
    },
    { sleep: (ms) => waits.push(ms) },
  );
  t.is(r, 'done');
  t.deepEqual(waits, [100, 200], 'growing delays');
  const err = t.throws(
    () =>
      retryWhileBusySync(
        'write the journal',
        'D:\\Temp\\AlteryxBackup.journal.json',
        () => {
          throw Object.assign(new Error('locked'), { code: 'EACCES' });
        },
        { attempts: 3, sleep: () => {} },
      ),
    { instanceOf: BackupError },
  );
  t.is(err!.exitCode, ExitCode.Storage);
  t.regex(err!.message, /Cannot write the journal D:\\Temp\\AlteryxBackup\.journal\.json: it is in use by another process \(EACCES, 3 tries\)/);
  t.throws(
    () =>
      retryWhileBusySync('write the journal', 'x', () => {
        throw Object.assign(new Error('no such folder'), { code: 'ENOENT' });
      }),
    { message: 'no such folder' },
    'other errors at once',
  );
});

test('retryWhileBusySync waits for real when no sleep is given (Atomics.wait)', (t) => {
  let calls = 0;
  const t0 = Date.now();
  retryWhileBusySync(
    'write',
    'f',
    () => {
      if (++calls === 1) throw Object.assign(new Error('busy'), { code: 'EBUSY' });
    },
    { delayMs: 20 },
  );
  t.is(calls, 2);
  t.true(Date.now() - t0 >= 19, 'it waited before the second try');
});
