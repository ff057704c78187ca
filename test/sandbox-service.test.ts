import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import sinon from 'sinon';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import {
  createSandbox,
  getServiceState,
  getServiceDetail,
  requestServiceStop,
  requestServiceStart,
  setServiceState,
  runningWorkflows,
  killWorkflows,
  readEvents,
  readKnobs,
  setKnob,
  isElevated,
  nodeReachable,
  freeBytesOverride,
  destinationFault,
  consumeDestinationWrite,
  alteryxServiceExecutable,
  sandboxStatus,
  mapWindowsPath,
  openSandbox,
  appendEvent,
  readSandboxFile,
  knobsOf,
  knobsSchema,
} from '../src/sandbox/index.ts';
import { stateFile } from '../src/sandbox/service.ts';
import { run, useSandboxDirs } from './helpers/emulator.ts';
import { processRunning } from '../src/sandbox/workflow-procs.ts';
import { waitFor } from './helpers/wait.ts';

const mk = useSandboxDirs(test, 'sbx-svc-');
async function sandbox(opts: Parameters<typeof createSandbox>[1] = {}): Promise<string> {
  const d = mk();
  await createSandbox(d, { dbSizeMb: 0.2, ...opts });
  return d;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Until the wall clock is past `at` (epoch ms). The sandbox settles a service transition from the clock when its
 * state is read (src/sandbox/service.ts), so a state asserted after this depends on the clock only, never on
 * how fast a loaded machine ran the test: no fixed sleep.
 */
async function untilPast(at: number): Promise<void> {
  while (Date.now() <= at) await sleep(Math.max(1, Math.min(50, at - Date.now() + 1)));
}
async function waitState(dir: string, node: string, want: string, maxMs = 60_000): Promise<number> {
  const t0 = Date.now();
  while (getServiceState(dir, node) !== want) {
    if (Date.now() - t0 > maxMs) throw new Error(`${node} did not reach ${want} (is ${getServiceState(dir, node)})`);
    await sleep(20);
  }
  return Date.now() - t0;
}
const serviceEvents = (dir: string) =>
  readEvents(dir)
    .filter((e) => e['kind'] === 'service')
    .map((e) => ({ node: e['node'], from: e['from'], to: e['to'], time: Date.parse(e.time) }));

test('stop and start follow the Windows states with the configured delays; events carry the real times', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.6');
  setKnob(dir, 'service.startSeconds', '0.4');
  const t0 = Date.now();
  requestServiceStop(dir, 'ALTERYX01');
  t.is(getServiceState(dir, 'ALTERYX01'), 'StopPending');
  requestServiceStop(dir, 'ALTERYX01'); // no-op while pending
  await waitState(dir, 'ALTERYX01', 'Stopped');
  t.true(Date.now() - t0 >= 590);
  requestServiceStop(dir, 'ALTERYX01'); // no-op when stopped
  t.is(getServiceState(dir, 'ALTERYX01'), 'Stopped');
  // A measurable downtime: the start is requested at least 100 ms after the scheduled stop.
  await untilPast(serviceEvents(dir).find((e) => e.to === 'Stopped')!.time + 100);
  requestServiceStart(dir, 'ALTERYX01');
  t.is(getServiceState(dir, 'ALTERYX01'), 'StartPending');
  await waitState(dir, 'ALTERYX01', 'Running');
  const ev = serviceEvents(dir);
  t.deepEqual(
    ev.map((e) => `${e.from}>${e.to}`),
    ['Running>StopPending', 'StopPending>Stopped', 'Stopped>StartPending', 'StartPending>Running'],
  );
  t.true(ev.every((e) => e.node === 'ALTERYX01'));
  const stopMs = ev[1]!.time - ev[0]!.time;
  const startMs = ev[3]!.time - ev[2]!.time;
  t.is(stopMs, 600, 'events carry the scheduled times');
  t.is(startMs, 400);
  t.true(ev[2]!.time - ev[1]!.time >= 90, 'downtime is measurable');
});

test.serial('a transition is written to the state before its event: a reader that sees StartPending reported finds it stored', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0');
  setKnob(dir, 'service.startSeconds', '5');
  requestServiceStop(dir, 'ALTERYX01');
  await waitState(dir, 'ALTERYX01', 'Stopped');
  // What the state file holds at the moment each service event is appended (a process killed right after the
  // event, as restore-recover's kill points do, leaves exactly that state behind).
  const seen: string[] = [];
  const append = fs.appendFileSync;
  const spy = sinon.stub(fs, 'appendFileSync').callsFake((file, data, ...rest) => {
    const ev = JSON.parse(String(data)) as Record<string, unknown>;
    if (ev['kind'] === 'service') seen.push(`${String(ev['to'])}: stored ${JSON.parse(fs.readFileSync(stateFile(dir, 'ALTERYX01'), 'utf8')).state}`);
    return append(file, data, ...(rest as []));
  });
  try {
    requestServiceStart(dir, 'ALTERYX01');
  } finally {
    spy.restore();
  }
  t.deepEqual(seen, ['StartPending: stored StartPending']);
  t.is(getServiceDetail(dir, 'ALTERYX01').pending?.to, 'Running');
});

test('transitions are computed lazily: a late reader still records the scheduled time', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.1');
  requestServiceStop(dir, 'ALTERYX01');
  const scheduled = getServiceDetail(dir, 'ALTERYX01').pending!.at!;
  // The reader comes late: well after the scheduled time.
  await untilPast(Date.parse(scheduled) + 300);
  t.is(getServiceState(dir, 'ALTERYX01'), 'Stopped');
  const ev = serviceEvents(dir);
  t.is(new Date(ev[1]!.time).toISOString(), scheduled);
});

test('AlteryxService.exe stop / start through the real executable', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.2');
  setKnob(dir, 'service.startSeconds', '0.2');
  const exe = alteryxServiceExecutable(dir, 'ALTERYX01');
  const stop = await run(exe, ['stop']);
  t.is(stop.code, 0, stop.stderr);
  t.is(getServiceState(dir, 'ALTERYX01'), 'Stopped');
  const start = await run(exe, ['start']);
  t.is(start.code, 0, start.stderr);
  t.is(getServiceState(dir, 'ALTERYX01'), 'Running');
  const cli = readEvents(dir).filter((e) => e['kind'] === 'cli' && e['phase'] === 'end');
  t.deepEqual(
    cli.map((e) => [e['command'], e['exitCode']]),
    [
      ['stop', 0],
      ['start', 0],
    ],
  );
});

test('service.hangOnStop: StopPending never settles; the exe stop never returns; start brings it back', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.1');
  setKnob(dir, 'service.hangOnStop', 'true');
  const exe = alteryxServiceExecutable(dir, 'ALTERYX01');
  const child = spawn(exe, ['stop'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitState(dir, 'ALTERYX01', 'StopPending', 20_000);
  // Well past the 0.1 s a stop that does not hang takes.
  await untilPast(Date.now() + 400);
  t.is(child.exitCode, null, 'stop is still waiting');
  t.is(getServiceState(dir, 'ALTERYX01'), 'StopPending');
  child.kill('SIGKILL');
  await exited;
  // turning the knob off lets a new stop request settle
  setKnob(dir, 'service.hangOnStop', 'false');
  requestServiceStop(dir, 'ALTERYX01');
  await waitState(dir, 'ALTERYX01', 'Stopped');
  // and a hung stop can be undone by a start
  setKnob(dir, 'service.hangOnStop', 'true');
  setServiceState(dir, 'ALTERYX01', 'Running');
  requestServiceStop(dir, 'ALTERYX01');
  await untilPast(Date.now() + 150);
  t.is(getServiceState(dir, 'ALTERYX01'), 'StopPending');
  requestServiceStart(dir, 'ALTERYX01');
  t.is(getServiceState(dir, 'ALTERYX01'), 'StartPending');
});

test('service.failStart: StartPending falls back to Stopped; the exe start exits non-zero', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.05');
  setKnob(dir, 'service.startSeconds', '0.2');
  setKnob(dir, 'service.failStart', 'true');
  const exe = alteryxServiceExecutable(dir, 'ALTERYX01');
  t.is((await run(exe, ['stop'])).code, 0);
  const r = await run(exe, ['start']);
  t.is(r.code, 1);
  t.regex(r.stderr, /Error starting service/);
  t.is(getServiceState(dir, 'ALTERYX01'), 'Stopped');
  t.deepEqual(
    serviceEvents(dir).map((e) => e.to),
    ['StopPending', 'Stopped', 'StartPending', 'Stopped'],
  );
});

test('workflows: AlteryxEngineCmd.exe instances run until their end; a stop waits for them; kill ends them', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.1');
  setKnob(
    dir,
    'workflows',
    JSON.stringify([
      { name: 'Nightly ETL', remainingSeconds: 2 },
      { name: 'Forecast', remainingSeconds: 120 },
    ]),
  );
  const wf = runningWorkflows(dir, 'ALTERYX01');
  t.deepEqual(
    wf.map((w) => w.name),
    ['Nightly ETL', 'Forecast'],
  );
  // Real processes: the emulated AlteryxEngineCmd.exe, one per workflow.
  for (const w of wf) t.regex(fs.readFileSync(`/proc/${w.pid}/cmdline`, 'utf8'), /AlteryxEngineCmd\0[\s\S]*\0--ends-at\0/, w.name);
  t.true(Date.parse(wf[0]!.endsAt) > Date.now());
  t.deepEqual(sandboxStatus(dir).nodes[0]!.workflows, ['Nightly ETL', 'Forecast']);
  const k = readKnobs(dir).workflows;
  t.is(k[0]!.node, 'ALTERYX01');
  // Nightly ETL's engine exits by itself at its end time (not before), and leaves the list.
  await waitFor('Nightly ETL to end on its own', () => !runningWorkflows(dir, 'ALTERYX01').some((w) => w.name === 'Nightly ETL'), 60_000);
  t.true(Date.now() >= Date.parse(wf[0]!.endsAt));
  t.false(processRunning(wf[0]!.pid));
  t.deepEqual(
    runningWorkflows(dir, 'ALTERYX01').map((w) => w.name),
    ['Forecast'],
  );
  // a stop waits for the running workflow
  requestServiceStop(dir, 'ALTERYX01');
  // Past the 0.1 s the stop takes without a workflow (Forecast runs 120 s).
  await untilPast(Date.now() + 300);
  t.is(getServiceState(dir, 'ALTERYX01'), 'StopPending');
  const t0 = Date.now();
  t.deepEqual(killWorkflows(dir, 'ALTERYX01'), ['Forecast']);
  t.false(processRunning(wf[1]!.pid), 'the Forecast engine is gone when killWorkflows returns');
  t.deepEqual(runningWorkflows(dir, 'ALTERYX01'), []);
  t.deepEqual(killWorkflows(dir, 'ALTERYX01'), []);
  await waitState(dir, 'ALTERYX01', 'Stopped');
  // Ended by the kill, not by the workflow's own end (120 s away): the sandbox's own transition times say so.
  const stoppedAt = serviceEvents(dir).find((e) => e.to === 'Stopped')!.time;
  t.true(stoppedAt >= t0 - 1 && stoppedAt < Date.parse(wf[1]!.endsAt), `stopped at ${stoppedAt}, Forecast would have ended at ${wf[1]!.endsAt}`);
  const killed = readEvents(dir).filter((e) => e['kind'] === 'workflow');
  t.deepEqual(
    killed.map((e) => [e['action'], e['name'], e['pid']]),
    [['killed', 'Forecast', wf[1]!.pid]],
  );
});

test('a stop requested while a workflow runs completes only after it ends', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.1');
  setKnob(dir, 'workflows', '[{"name":"Short","remainingSeconds":0.4}]');
  const end = Date.parse(runningWorkflows(dir, 'ALTERYX01')[0]!.endsAt);
  requestServiceStop(dir, 'ALTERYX01');
  await waitState(dir, 'ALTERYX01', 'Stopped');
  const stopped = serviceEvents(dir).find((e) => e.to === 'Stopped')!;
  t.true(stopped.time >= end + 100 - 2);
});

test('knobs: defaults, dotted keys, JSON values, null resets, validation errors name the key', async (t) => {
  const dir = await sandbox();
  const k = readKnobs(dir);
  t.is(k.elevated, true);
  t.deepEqual(k.service, { stopSeconds: 1, startSeconds: 1, hangOnStop: false, failStart: false });
  t.deepEqual(k.emongodump, { seconds: 0, fail: false });
  t.deepEqual(k.emongorestore, { seconds: 0, fail: false, logEncoding: 'utf8' });
  t.deepEqual(k.mongoTools, { version: '100.9.4' });
  t.deepEqual(k.mongodump, { seconds: 0, fail: false });
  t.deepEqual(k.mongo, { unreachable: false });
  t.deepEqual(k.disk.freeBytes, {});
  t.deepEqual(k.destinations, {});
  t.deepEqual(k.workflows, []);
  setKnob(dir, 'emongodump.fail', 'exit');
  t.is(readKnobs(dir).emongodump.fail, 'exit');
  setKnob(dir, 'emongodump.fail', 'false');
  t.is(readKnobs(dir).emongodump.fail, false);
  setKnob(dir, 'service.stopSeconds', '2.5');
  t.is(readKnobs(dir).service.stopSeconds, 2.5);
  setKnob(dir, 'service.stopSeconds', 'null');
  t.is(readKnobs(dir).service.stopSeconds, 1);
  for (const [key, value, re] of [
    ['service.stopSeconds', '-1', /service\.stopSeconds/],
    ['service.stopSecs', '1', /service\.stopSecs/],
    ['emongodump.fail', 'sometimes', /emongodump\.fail/],
    ['elevated', 'yes', /elevated/],
    ['nodes.NOPE.unreachable', 'true', /NOPE/],
    ['disk.freeBytes.D', '-5', /disk\.freeBytes\.D/],
    ['workflows', '[{"remainingSeconds":3}]', /workflows/],
    ['workflows', '[{"name":"x","node":"ghost","remainingSeconds":3}]', /ghost/],
    ['nonsense', '1', /nonsense/],
  ] as const) {
    const e = t.throws(() => setKnob(dir, key, value), { instanceOf: BackupError }, key);
    t.is(e.exitCode, ExitCode.Validation);
    t.regex(e.message, re);
  }
  t.deepEqual(readSandboxFile(dir).knobs, { emongodump: { fail: false }, service: {} }, 'failed sets change nothing');
});

test('elevated knob: isElevated and the exe refuses admin commands (getversion still works)', async (t) => {
  const dir = await sandbox();
  t.true(isElevated(dir));
  setKnob(dir, 'elevated', 'false');
  t.false(isElevated(dir));
  const exe = alteryxServiceExecutable(dir, 'ALTERYX01');
  const r = await run(exe, ['getserversecret']);
  t.is(r.code, 5);
  t.regex(r.stderr, /Access is denied/);
  t.is(r.stdout, '');
  const v = await run(exe, ['getversion']);
  t.is(v.code, 0);
});

test("nodes.<name>.unreachable: nodeReachable and the node's exe fail; other nodes answer", async (t) => {
  const dir = await sandbox({ topology: 'multi' });
  t.true(nodeReachable(dir, 'ALTERYX-WKR2'));
  setKnob(dir, 'nodes.ALTERYX-WKR2.unreachable', 'true');
  t.false(nodeReachable(dir, 'ALTERYX-WKR2'));
  t.true(nodeReachable(dir, 'ALTERYX-WKR1'));
  const bad = await run(alteryxServiceExecutable(dir, 'ALTERYX-WKR2'), ['getversion']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /ALTERYX-WKR2.*WinRM/);
  const ok = await run(alteryxServiceExecutable(dir, 'ALTERYX-WKR1'), ['getversion']);
  t.is(ok.stdout, '2023.1.1.281\n');
});

test('multi-node: per-node states and per-node service overrides; stop order is visible in events', async (t) => {
  const dir = await sandbox({ topology: 'multi' });
  setKnob(dir, 'service.stopSeconds', '0.05');
  setKnob(dir, 'service.startSeconds', '0.05');
  setKnob(dir, 'nodes.ALTERYX-WKR1.service.failStart', 'true');
  for (const n of ['ALTERYX-UI1', 'ALTERYX-WKR1', 'ALTERYX-WKR2', 'ALTERYX-CTRL']) {
    requestServiceStop(dir, n);
    await waitState(dir, n, 'Stopped');
  }
  t.deepEqual(
    serviceEvents(dir)
      .filter((e) => e.to === 'Stopped')
      .map((e) => e.node),
    ['ALTERYX-UI1', 'ALTERYX-WKR1', 'ALTERYX-WKR2', 'ALTERYX-CTRL'],
  );
  const nodes = ['ALTERYX-CTRL', 'ALTERYX-WKR1', 'ALTERYX-WKR2', 'ALTERYX-UI1'];
  for (const n of nodes) requestServiceStart(dir, n);
  // Until every start has settled (WKR1's fails back to Stopped).
  const t1 = Date.now();
  while (nodes.some((n) => getServiceState(dir, n) === 'StartPending')) {
    if (Date.now() - t1 > 60_000) throw new Error('the starts did not settle');
    await sleep(20);
  }
  t.deepEqual(
    sandboxStatus(dir).nodes.map((n) => [n.name, n.role, n.service]),
    [
      ['ALTERYX-CTRL', 'controller', 'Running'],
      ['ALTERYX-WKR1', 'worker', 'Stopped'],
      ['ALTERYX-WKR2', 'worker', 'Running'],
      ['ALTERYX-UI1', 'ui', 'Running'],
    ],
  );
  // workflows default to the first worker in a multi-node sandbox
  setKnob(dir, 'workflows', '[{"name":"A","remainingSeconds":5},{"name":"B","node":"ALTERYX-WKR2","remainingSeconds":5}]');
  t.deepEqual(
    runningWorkflows(dir, 'ALTERYX-WKR1').map((w) => w.name),
    ['A'],
  );
  t.deepEqual(
    runningWorkflows(dir, 'ALTERYX-WKR2').map((w) => w.name),
    ['B'],
  );
  t.deepEqual(runningWorkflows(dir, 'ALTERYX-CTRL'), []);
});

test('disk.freeBytes: override for paths on that drive of any node, else undefined', async (t) => {
  const dir = await sandbox({ topology: 'multi' });
  const info = openSandbox(dir);
  setKnob(dir, 'disk.freeBytes.D', '1000');
  setKnob(dir, 'disk.freeBytes.e:', '5');
  t.deepEqual(readKnobs(dir).disk.freeBytes, { D: 1000, E: 5 });
  const ctrlD = mapWindowsPath(dir, info.nodes[0]!.root, 'D:\\Temp\\x');
  const wkrD = mapWindowsPath(dir, info.nodes[1]!.root, 'D:\\Alteryx');
  t.is(freeBytesOverride(dir, ctrlD), 1000);
  t.is(freeBytesOverride(dir, wkrD), 1000);
  t.is(freeBytesOverride(dir, mapWindowsPath(dir, info.nodes[0]!.root, 'E:\\')), 5);
  t.is(freeBytesOverride(dir, mapWindowsPath(dir, info.nodes[0]!.root, 'C:\\ProgramData')), undefined);
  t.is(freeBytesOverride(dir, mapWindowsPath(dir, info.nodes[0]!.root, '\\\\nas\\share')), undefined);
  // A share has no drive letter: its free space is a destination knob.
  setKnob(dir, 'destinations.\\\\nas\\share.freeBytes', '777');
  t.is(freeBytesOverride(dir, mapWindowsPath(dir, info.nodes[0]!.root, '\\\\nas\\share\\sub')), 777);
  t.is(freeBytesOverride(dir, mapWindowsPath(dir, info.nodes[0]!.root, '\\\\nas\\other')), undefined);
  t.is(freeBytesOverride(dir, '/somewhere/else'), undefined);
});

test('destinations: offline / failTimes / slowMBps are stored, matched by prefix, and failTimes is consumed', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'destinations.\\\\nas01\\AlteryxBackups.failTimes', '2');
  setKnob(dir, 'destinations.\\\\nas01\\AlteryxBackups.slowMBps', '5');
  setKnob(dir, 'destinations.Z:\\AlteryxBackups', '{"offline":true}');
  t.like(destinationFault(dir, '\\\\NAS01\\alteryxbackups\\daily\\x.zip'), { prefix: '\\\\nas01\\AlteryxBackups', failTimes: 2, slowMBps: 5, offline: false });
  t.like(destinationFault(dir, 'Z:/AlteryxBackups'), { offline: true });
  t.is(destinationFault(dir, '\\\\nas01\\Other'), undefined);
  t.is(destinationFault(dir, '\\\\nas01\\AlteryxBackupsOld'), undefined);
  t.is(consumeDestinationWrite(dir, '\\\\nas01\\AlteryxBackups\\a.zip'), 'fail');
  t.is(consumeDestinationWrite(dir, '\\\\nas01\\AlteryxBackups\\a.zip'), 'fail');
  t.is(consumeDestinationWrite(dir, '\\\\nas01\\AlteryxBackups\\a.zip'), 'ok');
  t.is(consumeDestinationWrite(dir, 'Z:\\AlteryxBackups\\a.zip'), 'offline');
  t.is(consumeDestinationWrite(dir, 'D:\\Alteryx\\Backups\\a.zip'), 'ok');
  t.throws(() => setKnob(dir, 'destinations.\\\\nas01\\x.slowMBps', '0'), { message: /slowMBps/ });
});

test('concurrent state updates from many processes keep the state file and events consistent', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.stopSeconds', '0.05');
  setKnob(dir, 'service.startSeconds', '0.05');
  const exe = alteryxServiceExecutable(dir, 'ALTERYX01');
  // 6 processes race to stop the same service: exactly one Running→StopPending transition
  const results = await Promise.all(Array.from({ length: 6 }, () => run(exe, ['stop'])));
  t.true(results.every((r) => r.code === 0));
  const ev = serviceEvents(dir);
  t.deepEqual(
    ev.map((e) => e.to),
    ['StopPending', 'Stopped'],
  );
  for (let i = 0; i < 50; i++) appendEvent(dir, { kind: 'test', i });
  t.is(readEvents(dir).filter((e) => e['kind'] === 'test').length, 50);
  t.false(fs.existsSync(path.join(dir, 'state', '.lock')));
});

test('setServiceState forces a state (e.g. Paused) and a start resumes it', async (t) => {
  const dir = await sandbox();
  setKnob(dir, 'service.startSeconds', '0.05');
  setServiceState(dir, 'ALTERYX01', 'Paused');
  t.is(getServiceState(dir, 'ALTERYX01'), 'Paused');
  requestServiceStart(dir, 'ALTERYX01');
  await waitState(dir, 'ALTERYX01', 'Running');
  t.throws(() => getServiceState(dir, 'NOPE'), { instanceOf: BackupError, message: /NOPE/ });
});

test('knobsOf (used by the emulators, no zod) applies the same defaults as the zod schema', async (t) => {
  const dir = await sandbox({ topology: 'multi' });
  const base = readSandboxFile(dir);
  const samples: Record<string, unknown>[] = [
    {},
    { elevated: false, service: { stopSeconds: 0.2 }, emongodump: { fail: 'text' } },
    { disk: { freeBytes: { D: 5 } }, destinations: { '\\\\nas\\x': { failTimes: 2 } }, nodes: { 'ALTERYX-WKR1': { service: { failStart: true } } } },
    {
      workflows: [{ name: 'a', node: 'ALTERYX-WKR1', pid: 8, endsAt: new Date().toISOString() }],
      mongo: { unreachable: true },
      mongorestore: { fail: 'exit' },
    },
    { emongorestore: { seconds: 1 }, mongodump: { seconds: 2, fail: 'exit' }, nodes: { 'ALTERYX-UI1': { unreachable: true } } },
  ];
  for (const knobs of samples) t.deepEqual(knobsOf({ ...base, knobs }), knobsSchema.parse(knobs), JSON.stringify(knobs));
});
