// Restores and drills across mongo-tools versions (issue 13): the sandbox's emulated mongorestore,
// emongorestore and mongod drill tools print the output format of knob mongoTools.version — 100.16+ with
// backquoted names, r4.0 with per-collection lines and `done` but no summary — and the restore-log judge
// must pass a good restore and fail (exit 5, everything put back) a partial failure in each format.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { choosePlatform } from '../src/platform/choose.ts';
import { runBackup } from '../src/backup/backup.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { runDrill } from '../src/restore/drill.ts';
import { runRestore } from '../src/restore/restore.ts';
import { getServiceState, openSandbox, readKnobs, readSandboxFile, setKnob } from '../src/sandbox/index.ts';
import { runProcess } from '../src/util/exec.ts';
import { runCli } from './helpers/cli.ts';
import { backupOf, configHashes, counts, readManifest, token } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

const FAST = { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } };
const passwordOf = (dir: string) => readSandboxFile(dir).selfManaged!.password;

/** What each version's output looks like in the DEBUG lines of the run's log. */
const FORMATS = {
  '100.16.0': { line: /finished restoring `AlteryxService\.\w+` \(\d+ documents?, 0 failures?\)/, summary: true },
  '4.0.28': { line: /finished restoring AlteryxService\.\w+ \(\d+ documents?\)$/, summary: false },
} as const;

async function selfManagedArchive(t: import('ava').ExecutionContext, version: string) {
  const a = await quickSandbox(t, { mongo: 'self-managed', modifiedConfig: true }, FAST);
  setKnob(a.dir, 'mongoTools.version', JSON.stringify(version));
  const r = await runBackup(
    { params: { BackupMode: 'Full', SandboxPath: a.dir, ConfigPath: a.config }, secrets: { MongoPassword: passwordOf(a.dir) }, dryRun: false },
    { platform: choosePlatform, sink: () => {}, progress: () => {} },
  );
  if (r.exitCode !== 0 || !r.archivePath) throw new Error(`backup of A failed: ${r.message}`);
  return { ...a, archive: r.archivePath, manifest: await readManifest(r.archivePath) };
}

async function restoreSelfManaged(archive: string, b: { dir: string; config: string }, after?: (args: string[]) => void) {
  const logs: LogRecord[] = [];
  const r = await runRestore(
    { params: { Path: archive, SandboxPath: b.dir, ConfigPath: b.config }, secrets: { MongoPassword: passwordOf(b.dir) }, dryRun: false },
    {
      platform: choosePlatform,
      sink: (x) => logs.push(x),
      progress: () => {},
      run: async (file, args, o) => {
        const res = await runProcess(file, args, o);
        if (/mongorestore$/.test(file)) after?.(args);
        return res;
      },
    },
  );
  return { r, logs };
}

const state = (dir: string) => ({ config: configHashes(dir), counts: counts(dir), token: token(dir) });

for (const [version, f] of Object.entries(FORMATS)) {
  test(`tools ${version}: a self-managed restore passes on its own output format`, async (t) => {
    const a = await selfManagedArchive(t, version);
    const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
    setKnob(b.dir, 'mongoTools.version', JSON.stringify(version));
    const { r, logs } = await restoreSelfManaged(a.archive, b);
    t.is(r.exitCode, 0, r.message);
    t.is(r.restoreLog!.format, f.summary ? 'summary' : 'legacy');
    t.true(
      logs.some((l) => f.line.test(l.message)),
      'the tools printed the format of their version',
    );
    t.is(
      logs.some((l) => /document\(s\) restored successfully/.test(l.message)),
      f.summary,
    );
    t.deepEqual(counts(b.dir), Object.fromEntries(Object.entries(a.manifest.mongo.databases).filter(([db]) => db.startsWith('Alteryx'))));
    t.is(
      r.restoreLog!.restored,
      Object.values(a.manifest.mongo.databases)
        .flatMap((c) => Object.values(c))
        .reduce((x, y) => x + y, 0),
    );
  });

  test(`tools ${version}: a partial failure of a self-managed restore is exit 5 with the database and files put back`, async (t) => {
    const a = await selfManagedArchive(t, version);
    const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
    setKnob(b.dir, 'mongoTools.version', JSON.stringify(version));
    setKnob(b.dir, 'mongorestore.fail', '"partial"');
    const before = state(b.dir);
    // The fault hits the restore of the archive; the rollback's mongorestore runs without it.
    const { r, logs } = await restoreSelfManaged(a.archive, b, (args) => {
      if (args.some((x) => x.includes('AlteryxRestore_'))) setKnob(b.dir, 'mongorestore.fail', 'false');
    });
    t.is(r.exitCode, 5, r.message);
    t.regex(r.message, f.summary ? /document\(s\) failed to restore/ : /line\(s\) report a failure or error, first: .*error: E11000 duplicate key/);
    t.true(logs.some((l) => (f.summary ? /continuing through error: E11000/ : /\terror: E11000/).test(l.message)));
    t.true(r.rolledBack);
    t.deepEqual(state(b.dir), before, 'database, files and token are as they were');
    t.is(getServiceState(b.dir, openSandbox(b.dir).nodes[0]!.name), 'Running');
  });

  test(`tools ${version}: a mongod drill passes, and fails with exit 5 on a partial failure`, async (t) => {
    const a = await backupOf(t, 'DatabaseOnly');
    setKnob(a.dir, 'mongoTools.version', JSON.stringify(version));
    const drill = (scratch: string) =>
      runCli(['drill', a.archive, '--method', 'mongod', '--scratch', scratch, '--sandbox', a.dir, '--config', a.config, '--json']);
    const ok = await drill(tempDir(t));
    t.is(ok.code, 0, ok.stdout.slice(-3000));
    t.is((ok.result!['restoreLog'] as { format: string }).format, f.summary ? 'summary' : 'legacy');
    setKnob(a.dir, 'mongorestore.fail', '"partial"');
    const scratch = tempDir(t);
    const bad = await drill(scratch);
    t.is(bad.code, 5, bad.stdout.slice(-3000));
    t.regex(String(bad.result!['message']), /scratch restore failed/);
    t.deepEqual(readdirSync(scratch), [], 'the scratch folder is removed');
  });

  test(`tools ${version}: an embedded restore (emongorestore, mongoRestore.log in UTF-16LE with a BOM) passes; a partial failure is exit 5 with everything put back`, async (t) => {
    const a = await backupOf(t, 'Full');
    const b = await quickSandbox(t);
    setKnob(b.dir, 'mongoTools.version', JSON.stringify(version));
    setKnob(b.dir, 'emongorestore.logEncoding', '"utf16le"');
    const restore = () => runCli(['restore', a.archive, '--sandbox', b.dir, '--config', b.config, '--yes', '--json']);
    const ok = await restore();
    t.is(ok.code, 0, ok.stdout.slice(-3000));
    t.is((ok.result!['restoreLog'] as { format: string }).format, f.summary ? 'summary' : 'legacy');
    t.deepEqual(counts(b.dir), a.manifest.mongo.databases);
    setKnob(b.dir, 'emongorestore.fail', '"partial"');
    const before = state(b.dir);
    const bad = await restore();
    t.is(bad.code, 5, bad.stdout.slice(-3000));
    t.true(bad.result!['rolledBack'] as boolean);
    t.deepEqual(state(b.dir), before, 'database, files and token are as they were');
  });
}

test('knob mongoTools.version is validated: a version that is not x.y.z is exit 3 naming the key', async (t) => {
  const a = await quickSandbox(t);
  const r = await runCli(['sandbox', 'set', a.dir, 'mongoTools.version="4.0"']);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr + r.stdout, /mongoTools\.version.*MongoDB Database Tools version such as 100\.16\.0/);
});

test("tools 4.0.28: a drill of a self-managed archive into a scratch sandbox (DrillMethod sandbox) runs the live server's tools version and passes on per-collection lines", async (t) => {
  const a = await selfManagedArchive(t, '4.0.28');
  const logs: LogRecord[] = [];
  const d = await runDrill(
    { params: { Path: a.archive, SandboxPath: a.dir, ConfigPath: a.config, ScratchPath: tempDir(t), Keep: true }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} },
  );
  t.is(d.exitCode, 0, d.message);
  t.is(d.restoreLog!.format, 'legacy');
  t.is(readKnobs(d.scratchPath!).mongoTools.version, '4.0.28', 'the scratch server got the live tools version');
  t.is(d.documents.actual, d.documents.expected);
});

test('an unacknowledged write concern (w=0 in the connection string): the restore cannot be verified, exit 5 with its own message', async (t) => {
  const a = await selfManagedArchive(t, '100.16.0');
  const b = await quickSandbox(t, { mongo: 'self-managed' }, FAST);
  const sm = readSandboxFile(b.dir).selfManaged!;
  const uri = `mongodb://${sm.username}@${sm.host}:${sm.port}/?replicaSet=${sm.replicaSet}&authSource=${sm.authDatabase}&w=0`;
  const before = state(b.dir);
  const logs: LogRecord[] = [];
  const r = await runRestore(
    {
      params: { Path: a.archive, SandboxPath: b.dir, ConfigPath: b.config, MongoConnectionString: uri },
      secrets: { MongoPassword: sm.password },
      dryRun: false,
    },
    { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} },
  );
  t.is(r.exitCode, 5, r.message);
  t.regex(r.message, /^The MongoDB restore cannot be verified: the tools printed only "done"/);
  t.true(r.restoreLog!.unverifiable);
  t.regex(r.message, /Remove w=0/);
  // The rollback is written acknowledged, so it is verified: the database and files are as they were.
  t.true(r.rolledBack);
  t.notRegex(r.message, /Rollback incomplete/);
  t.deepEqual(state(b.dir), before);
});
