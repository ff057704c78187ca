// kill -9 of the core at each step of a Full backup with a network copy, then `recover` (issue 12): no
// ControllerToken.txt / MongoPasswords.txt and no staging folder left anywhere, the service in its prior state,
// and no .partial left after the next successful run. Each kill point is held deterministically where the
// sandbox allows it (a service that takes long to stop, a slow dump, a FIFO the files step blocks on, an
// AlteryxService.exe that blocks on getserversecret, a slow share) and otherwise caught from the run's log.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, constants as C } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { alteryxServiceExecutable, getServiceState, mapWindowsPath, openSandbox, readEvents, readSandboxFile, setKnob, WIN } from '../src/sandbox/index.ts';
import { runCli, type CliRun } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { waitFor } from './helpers/wait.ts';

const NAS = '\\\\nas01\\AlteryxBackups';

function walk(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...walk(p));
  }
  return out;
}

const logText = (dir: string) => {
  const logs = join(dir, 'D', 'Alteryx', 'BackupLogs');
  return existsSync(logs)
    ? readdirSync(logs)
        .filter((n) => n.endsWith('.log'))
        .map((n) => readFileSync(join(logs, n), 'utf8'))
        .join('\n')
    : '';
};

type Arm = (a: { dir: string; ctrl: { name: string; root: string } }) => { until: () => boolean; release?: () => void };

const steps: Array<[string, Arm, { dbSizeMb?: number; level?: number }]> = [
  [
    'stop',
    ({ dir }) => {
      setKnob(dir, 'service.stopSeconds', '120');
      return { until: () => readEvents(dir).some((e) => e['kind'] === 'service' && e['to'] === 'StopPending') };
    },
    {},
  ],
  [
    'dump',
    ({ dir }) => {
      setKnob(dir, 'emongodump.seconds', '6');
      return { until: () => readEvents(dir).some((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))) };
    },
    {},
  ],
  [
    'files',
    ({ dir, ctrl }) => {
      // SystemAlias.xml becomes a FIFO: the files step blocks copying it until something writes to it.
      const f = mapWindowsPath(dir, ctrl.root, WIN.systemAlias);
      const content = readFileSync(f);
      rmSync(f);
      execFileSync('mkfifo', [f]);
      return {
        until: () => /Captured \d+ file\(s\) of C:\\ProgramData\\Alteryx\\Keys/.test(logText(dir)),
        release: () => {
          rmSync(f);
          writeFileSync(f, content);
        },
      };
    },
    {},
  ],
  [
    'secrets',
    ({ dir, ctrl }) => {
      // AlteryxService.exe blocks on getserversecret (a wrapper shim waiting on a FIFO), after it said so in a marker.
      const exe = alteryxServiceExecutable(dir, ctrl.name);
      const fifo = `${exe}.fifo`;
      const marker = `${exe}.asked`;
      renameSync(exe, `${exe}.orig`);
      execFileSync('mkfifo', [fifo]);
      writeFileSync(exe, `#!/bin/sh\nif [ "$1" = getserversecret ]; then : > '${marker}'; cat '${fifo}' > /dev/null; fi\nexec '${exe}.orig' "$@"\n`, {
        mode: 0o755,
      });
      return {
        until: () => existsSync(marker),
        release: () => {
          // The orphaned shim of the killed run ends once the FIFO has a writer.
          const fd = openSync(fifo, C.O_WRONLY | C.O_NONBLOCK);
          closeSync(fd);
          rmSync(exe);
          renameSync(`${exe}.orig`, exe);
          rmSync(fifo);
        },
      };
    },
    {},
  ],
  // Archive and verify are caught by polling (nothing in the sandbox holds them), so each is made long enough that a
  // fast machine cannot finish it inside one poll: a single-pass verify reads 100 MB of input in well under a second.
  ['archive', ({ dir }) => ({ until: () => walk(join(dir, 'D', 'Alteryx', 'Backups')).some((p) => p.endsWith('.zip.partial')) }), { dbSizeMb: 24, level: 9 }],
  ['verify', ({ dir }) => ({ until: () => /Archive written: /.test(logText(dir)) }), { dbSizeMb: 120, level: 1 }],
  [
    'copy',
    ({ dir }) => {
      setKnob(dir, `destinations.${NAS}.slowMBps`, '0.3');
      return { until: () => walk(join(dir, 'UNC')).some((p) => p.endsWith('.partial')) };
    },
    {},
  ],
];

for (const [name, arm, size] of steps) {
  test.serial(`kill -9 at ${name}, then recover: no secret file, no staging folder, the service as it was; the next run leaves no .partial`, async (t) => {
    const a = await quickSandbox(
      t,
      { dbSizeMb: size.dbSizeMb ?? 1.5 },
      { BackupConfiguration: { NetworkBackupPaths: [NAS], CompressionLevel: size.level ?? 6 } },
    );
    const ctrl = openSandbox(a.dir).nodes.find((n) => n.role === 'controller')!;
    const armed = arm({ dir: a.dir, ctrl });
    let pid = 0;
    const run: Promise<CliRun> = runCli(['backup', '--mode', 'Full', '--sandbox', a.dir, '--config', a.config, '--json'], { onSpawn: (p) => (pid = p) });
    let ended = false;
    void run.then(() => (ended = true));
    await waitFor(`the backup to reach ${name}`, () => ended || armed.until(), 120_000, 10);
    t.false(ended, `the run ended before it reached ${name}`);
    process.kill(pid, 'SIGKILL');
    const dead = await run;
    t.is(dead.signal, 'SIGKILL');
    armed.release?.();
    // The step the run was in, from the JSON-lines twin of its log.
    const logs = join(a.dir, 'D', 'Alteryx', 'BackupLogs');
    const twin = readdirSync(logs)
      .filter((n) => n.endsWith('.jsonl'))
      .map((n) => readFileSync(join(logs, n), 'utf8'))
      .join('');
    const lastStep = twin
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { step?: string }).step)
      .filter(Boolean)
      .pop();
    t.log(`killed at ${name}; the run's last log line was in step ${lastStep}`);
    // Inside the step: its log lines (the secrets step logs after getserversecret, whose wrapper left its marker);
    // archive and verify: the archive was still under its .partial name, not yet published.
    const held: Record<string, string> = { stop: 'stop-service', dump: 'dump', files: 'files', copy: 'copy' };
    if (held[name]) t.is(lastStep, held[name], 'killed inside the step');
    if (name === 'archive' || name === 'verify') {
      const local = walk(join(a.dir, 'D', 'Alteryx', 'Backups'));
      t.true(local.some((p) => p.endsWith('.zip.partial')) && !local.some((p) => p.endsWith('.zip')), local.join(', '));
    }

    const stagedBefore = readdirSync(join(a.dir, 'D', 'Temp')).filter((n) => /^ServerBackup_/.test(n));
    // The staging folder is made by the first capture step (backup/steps.ts): the files step, which runs before the
    // stop since issue 15 (downtime = stop + dump + start), so every kill from the stop on leaves one (what recover
    // must remove), with the files, and the secrets, already captured.
    t.is(stagedBefore.length, 1, 'the killed run left its staging folder (what recover must remove)');
    const rec = await runCli(['recover', '--sandbox', a.dir, '--config', a.config, '--json']);
    t.is(rec.code, 0, rec.stdout + rec.stderr);
    const temp = join(a.dir, 'D', 'Temp');
    const everything = walk(a.dir);
    t.deepEqual(
      everything.filter((p) => /(^|[\\/])(ControllerToken|MongoPasswords)\.txt$/i.test(p)),
      [],
      'no secret file anywhere',
    );
    t.deepEqual(
      readdirSync(temp).filter((n) => /^ServerBackup_|^AlteryxRestore_/.test(n)),
      [],
      'no staging folder in the temp folder',
    );
    t.is(getServiceState(a.dir, ctrl.name), 'Running', 'the service is in its prior state');

    setKnob(a.dir, 'service.stopSeconds', '0.3');
    setKnob(a.dir, 'emongodump.seconds', '0');
    setKnob(a.dir, `destinations.${NAS}.slowMBps`, '1000');
    const next = await runCli(['backup', '--mode', 'Full', '--sandbox', a.dir, '--config', a.config, '--json']);
    t.is(next.code, 0, next.stdout.slice(-3000));
    t.deepEqual(
      walk(a.dir).filter((p) => /\.partial(-\d+)?$/.test(p)),
      [],
      'no .partial after the next successful run',
    );
    t.deepEqual(
      readdirSync(temp).filter((n) => /^ServerBackup_/.test(n)),
      [],
    );
    t.true(statSync(String(next.result?.['archivePath'])).size > 0);
  });
}

/** Processes whose command line holds `needle` (the orphaned mongodump of a killed run). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test.serial('kill -9 mid-mongodump of a self-managed MongoDB, then recover: the --config file with the password is gone', async (t) => {
  const a = await quickSandbox(t, { mongo: 'self-managed' }, { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } });
  const password = readSandboxFile(a.dir).selfManaged!.password;
  // Far longer than any load can eat: the dump is still running when the test kills the core.
  setKnob(a.dir, 'mongodump.seconds', '600');
  let pid = 0;
  const run = runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', a.dir, '--config', a.config, '--json'], {
    env: { ALTERYXBACKUP_MONGO_PASSWORD: password },
    onSpawn: (p) => (pid = p),
  });
  let ended = false;
  void run.then(() => (ended = true));
  await waitFor('the mongodump to start', () => ended || readEvents(a.dir).some((e) => e['tool'] === 'mongodump' && e['phase'] === 'start'), 120_000);
  t.false(ended, 'the run ended before its mongodump started');
  process.kill(pid, 'SIGKILL');
  t.is((await run).signal, 'SIGKILL');
  const file = /--config=(\S+)/.exec(logText(a.dir))?.[1] ?? '';
  const temp = join(a.dir, 'D', 'Temp');
  t.true(file.startsWith(join(temp, `alteryxbackup-mongodump-${pid}-`)), `the --config file is in the run's TempDirectory: ${file}`);
  t.true(readFileSync(file, 'utf8').includes(password), 'the kill left the --config file with the password (what recover must remove)');
  // The orphaned mongodump (a child of the killed core) is ended too, the way the test started it.
  for (const orphan of processesWith(`--config=${file}`)) process.kill(orphan, 'SIGKILL');
  await waitFor('the orphaned mongodump to end', () => processesWith(`--config=${file}`).length === 0, 60_000);

  const rec = await runCli(['recover', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(rec.code, 0, rec.stdout + rec.stderr);
  t.false(existsSync(dirname(file)), 'the --config folder is removed');
  t.regex(rec.stdout, new RegExp(`Removed the MongoDB --config folder \\(password in clear\\) that the interrupted run ${pid} left`));
  const everything = walk(a.root);
  t.deepEqual(
    everything.filter((p) => /alteryxbackup-mongodump-/.test(p)),
    [],
    'no --config folder anywhere under the sandbox',
  );
  t.deepEqual(
    readdirSync(tmpdir()).filter((n) => n.startsWith(`alteryxbackup-mongodump-${pid}`)),
    [],
    'none in the system temp folder either',
  );
  t.deepEqual(
    walk(temp).filter((p) => statSync(p).isFile() && readFileSync(p, 'utf8').includes(password)),
    [],
    'the password is in no file under the temp folder',
  );
  t.deepEqual(
    readdirSync(temp).filter((n) => /^ServerBackup_/.test(n)),
    [],
    'no staging folder',
  );
});

test.serial('kill -9 in the files step, no recover: the next backup removes the staging folder the killed run left, and says so', async (t) => {
  const a = await quickSandbox(t);
  const ctrl = openSandbox(a.dir).nodes.find((n) => n.role === 'controller')!;
  const armed = steps.find(([name]) => name === 'files')![1]({ dir: a.dir, ctrl });
  let pid = 0;
  const run = runCli(['backup', '--mode', 'Full', '--sandbox', a.dir, '--config', a.config, '--json'], { onSpawn: (p) => (pid = p) });
  let ended = false;
  void run.then(() => (ended = true));
  await waitFor('the backup to reach the files step', () => ended || armed.until(), 120_000);
  t.false(ended, 'the run ended before it reached the files step');
  process.kill(pid, 'SIGKILL');
  t.is((await run).signal, 'SIGKILL');
  armed.release?.();
  const temp = join(a.dir, 'D', 'Temp');
  const left = readdirSync(temp).filter((n) => /^ServerBackup_/.test(n));
  t.is(left.length, 1, 'the killed run left its staging folder');

  const next = await runCli(['backup', '--mode', 'Full', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(next.code, 0, next.stdout.slice(-3000));
  t.true(next.stdout.includes(`Removed the folder an interrupted run left in the temp folder: ${join(temp, left[0]!)}`), next.stdout.slice(-3000));
  t.deepEqual(
    readdirSync(temp).filter((n) => /^ServerBackup_|^AlteryxRestore_/.test(n)),
    [],
    'no staging folder after the next backup',
  );
  t.deepEqual(
    walk(a.dir).filter((p) => /(^|[\\/])(ControllerToken|MongoPasswords)\.txt$/i.test(p)),
    [],
    'no secret file anywhere',
  );
});
