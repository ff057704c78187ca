// The knob `workflows` starts real emulated AlteryxEngineCmd.exe processes (src/sandbox/workflow-procs.ts): seen by
// their pid in /proc, outliving the CLI that set the knob, ending on their own, killed through the sandbox adapter,
// ended when the knob is replaced or the sandbox is recreated or removed.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { sandboxPlatform } from '../src/platform/sandbox/adapter.ts';
import { createSandbox, mapWindowsPath, openSandbox, readEvents, readKnobs, runningWorkflows, setKnob, WIN } from '../src/sandbox/index.ts';
import { processRunning } from '../src/sandbox/workflow-procs.ts';
import { runCli } from './helpers/cli.ts';
import { useSandboxDirs } from './helpers/emulator.ts';
import { waitFor } from './helpers/wait.ts';

const mk = useSandboxDirs(test, 'sbx-wf-');
async function sandbox(): Promise<string> {
  const d = mk();
  await createSandbox(d, { dbSizeMb: 0.05 });
  return d;
}

/** The process's command line from /proc (what ps shows), or undefined once it is gone. */
function cmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Gone for good: no process, or a zombie its parent (this test process) has not reaped yet. */
const gone = (pid: number): boolean => !processRunning(pid);

const engineExe = (dir: string) => mapWindowsPath(dir, openSandbox(dir).nodes[0]!.root, WIN.engineExe);
const pids = (dir: string) => Object.fromEntries(readKnobs(dir).workflows.map((w) => [w.name, w.pid]));

test('sandbox set starts a real AlteryxEngineCmd per workflow that outlives the CLI; one ends on its own, the adapter kills the other', async (t) => {
  const dir = await sandbox();
  const set = await runCli([
    'sandbox',
    'set',
    dir,
    `workflows=${JSON.stringify([
      { name: 'Quick Load.yxmd', remainingSeconds: 1 },
      { name: 'Nightly ETL.yxmd', remainingSeconds: 600 },
    ])}`,
  ]);
  t.is(set.code, 0, set.stderr);
  const { 'Quick Load.yxmd': quick, 'Nightly ETL.yxmd': nightly } = pids(dir);
  t.true(Number.isInteger(quick) && Number.isInteger(nightly) && quick !== nightly);
  // The CLI has ended; the engine it started runs on, as the executable the sandbox has at the install path.
  const cmd = cmdline(nightly!) ?? '';
  t.regex(cmd, /AlteryxEngineCmd/);
  t.true(cmd.includes('Nightly ETL.yxmd'), cmd);
  t.false(gone(nightly!));
  const exe = engineExe(dir);
  t.is(fs.readFileSync(exe, 'latin1').slice(0, 2), '#!');

  const platform = sandboxPlatform(dir);
  try {
    const node = platform.nodes[0]!;
    // The short one ends by itself and leaves the list.
    await waitFor('the 1 s workflow to end on its own', () => gone(quick!), 60_000);
    t.deepEqual(await platform.processes.runningWorkflows(node), [{ name: 'Nightly ETL.yxmd', pid: nightly! }]);
    t.deepEqual(await platform.processes.stopWorkflows(node), ['Nightly ETL.yxmd']);
    // stopWorkflows returns once the process is gone.
    t.true(gone(nightly!), 'killed and gone when stopWorkflows returns');
    t.deepEqual(await platform.processes.runningWorkflows(node), []);
    t.deepEqual(
      readEvents(dir)
        .filter((e) => e['kind'] === 'workflow')
        .map((e) => [e['action'], e['name'], e['pid']]),
      [['killed', 'Nightly ETL.yxmd', nightly]],
    );
    // The killed one leaves the knob; the one that ended on its own stays as a record, not running.
    t.deepEqual(
      readKnobs(dir).workflows.map((w) => w.name),
      ['Quick Load.yxmd'],
    );
  } finally {
    await platform.dispose?.();
  }
});

test('the emulated engine run by hand: runs its --seconds, prints and exits 0; bad arguments exit 1 with the usage', async (t) => {
  const dir = await sandbox();
  const exe = engineExe(dir);
  const { run } = await import('./helpers/emulator.ts');
  const r = await run(exe, ['D:\\flows\\Daily.yxmd', '--seconds', '0.2']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Finished running D:\\flows\\Daily\.yxmd in \d+\.\d seconds with 0 errors/);
  const bad = await run(exe, ['x.yxmd', '--ends-at', 'soon']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--ends-at needs an ISO date-time, got "soon"[\s\S]*usage: AlteryxEngineCmd\.exe/);
});

test('replacing the list or resetting it ends the old processes; a recreated sandbox ends them too', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'workflows', '[{"name":"A","remainingSeconds":600}]');
  const a = pids(dir)['A']!;
  setKnob(dir, 'workflows', '[{"name":"B","remainingSeconds":600}]');
  t.true(gone(a), 'A ended when the list was replaced');
  const b = pids(dir)['B']!;
  t.false(gone(b));
  t.deepEqual(
    runningWorkflows(dir, 'ALTERYX01').map((w) => w.name),
    ['B'],
  );
  setKnob(dir, 'workflows', 'null');
  t.true(gone(b), 'B ended when the knob was reset');
  t.deepEqual(readKnobs(dir).workflows, []);
  setKnob(dir, 'workflows', '[{"name":"C","remainingSeconds":600}]');
  const c = pids(dir)['C']!;
  await createSandbox(dir, { dbSizeMb: 0.05, force: true });
  t.true(gone(c), 'C ended when the sandbox was recreated');
  t.deepEqual(readKnobs(dir).workflows, []);
  // Not events of the core's ForceStopWorkflows: none recorded.
  t.deepEqual(
    readEvents(dir).filter((e) => e['kind'] === 'workflow'),
    [],
  );
});

test('a removed sandbox leaves no engine behind: it sees its sandbox.json gone and exits', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'workflows', '[{"name":"Orphan","remainingSeconds":600}]');
  const pid = pids(dir)['Orphan']!;
  t.false(gone(pid));
  fs.rmSync(path.join(dir, 'sandbox.json'));
  await waitFor('the engine of a removed sandbox to exit', () => gone(pid), 60_000);
  t.true(gone(pid));
});

test('a sandbox of an older version (AlteryxEngineCmd.exe a placeholder text): a clear error, nothing started or stored', async (t) => {
  const dir = await sandbox();
  fs.writeFileSync(engineExe(dir), 'Placeholder: AlteryxEngineCmd.exe of the Alteryx sandbox.\n');
  const e = t.throws(() => setKnob(dir, 'workflows', '[{"name":"X","remainingSeconds":60}]'), { instanceOf: BackupError });
  t.is(e.exitCode, ExitCode.General);
  t.regex(e.message, /AlteryxEngineCmd\.exe .* is not an emulated executable/);
  t.regex(e.hint ?? '', /sandbox create --force/);
  t.deepEqual(readKnobs(dir).workflows, []);
});
