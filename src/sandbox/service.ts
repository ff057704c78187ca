import fs from 'node:fs';
import path from 'node:path';
import { appendEvent } from './events.ts';
import { knobsOf, serviceKnobsFor, setKnobRaw } from './knobs-core.ts';
import type { Knobs } from './knobs.ts';
import { withLock, writeFileAtomic } from './lock.ts';
import { findNode, readSandboxFile } from './meta.ts';
import type { WinServiceState } from './types.ts';
import { endWorkflowProcesses, workflowAlive } from './workflow-procs.ts';

/** DIR/state/<node>.json. `pending.at` null = a stop that never settles (service.hangOnStop). */
export interface NodeServiceState {
  state: WinServiceState;
  since: string;
  pending?: { to: WinServiceState; at: string | null };
}

export function stateFile(dir: string, node: string): string {
  return path.join(path.resolve(dir), 'state', `${node}.json`);
}

function readState(dir: string, node: string): NodeServiceState {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir, node), 'utf8')) as NodeServiceState;
  } catch {
    return { state: 'Running', since: new Date(0).toISOString() };
  }
}

/** Service events of transitions made but not yet written: writeState writes the state first, then them. */
const unreported = new WeakMap<NodeServiceState, Array<Record<string, unknown>>>();

/**
 * The node's state, then the events of its transitions since the last write: a process killed in between (a
 * restore SIGKILLed at the start it requested) leaves the state it asked for, never an event of a transition
 * that the state does not hold (the service left Stopped with its StartPending reported).
 */
function writeState(dir: string, node: string, st: NodeServiceState): void {
  writeFileAtomic(stateFile(dir, node), JSON.stringify(st) + '\n');
  const events = unreported.get(st) ?? [];
  unreported.delete(st);
  for (const ev of events) appendEvent(dir, ev);
}

export function initServiceState(dir: string, node: string, state: WinServiceState, since: string): void {
  fs.mkdirSync(path.join(path.resolve(dir), 'state'), { recursive: true });
  writeState(dir, node, { state, since });
}

/** Moves `st` to `to`; its event is written by the writeState that follows. */
function transition(node: string, st: NodeServiceState, to: WinServiceState, atMs: number): void {
  const time = new Date(atMs).toISOString();
  unreported.set(st, [...(unreported.get(st) ?? []), { time, node, kind: 'service', from: st.state, to }]);
  st.state = to;
  st.since = time;
}

/** Applies the transitions that are due; returns the state (caller holds the lock). */
function settle(dir: string, node: string, now = Date.now()): NodeServiceState {
  const st = readState(dir, node);
  let changed = false;
  while (st.pending && st.pending.at !== null && Date.parse(st.pending.at) <= now) {
    const { to, at } = st.pending;
    delete st.pending;
    transition(node, st, to, Date.parse(at));
    changed = true;
  }
  if (changed) writeState(dir, node, st);
  return st;
}

/** The Windows service state of AlteryxService on that node, after applying the transitions that are due. */
export function getServiceState(dir: string, node: string): WinServiceState {
  const n = findNode(dir, node).name;
  return withLock(dir, () => settle(dir, n).state);
}

/** The full stored state (with the pending transition), after settling. */
export function getServiceDetail(dir: string, node: string): NodeServiceState {
  const n = findNode(dir, node).name;
  return withLock(dir, () => settle(dir, n));
}

function lastWorkflowEnd(knobs: Knobs, node: string, now: number): number {
  let end = now;
  for (const w of knobs.workflows) {
    if (w.node.toLowerCase() !== node.toLowerCase() || !workflowAlive(w, now)) continue;
    const t = Date.parse(w.endsAt);
    if (t > end) end = t;
  }
  return end;
}

/** Under the sandbox lock: the node's state settled to now, with its knobs, for a start or stop request. */
function withSettledState(
  dir: string,
  node: string,
  fn: (a: { n: string; st: ReturnType<typeof settle>; sk: ReturnType<typeof serviceKnobsFor>; knobs: ReturnType<typeof knobsOf>; now: number }) => void,
): void {
  const n = findNode(dir, node, readSandboxFile(dir)).name;
  withLock(dir, () => {
    const knobs = knobsOf(readSandboxFile(dir));
    const now = Date.now();
    fn({ n, st: settle(dir, n, now), sk: serviceKnobsFor(knobs, n), knobs, now });
  });
}

/**
 * Running (or Paused) → StopPending, then Stopped after service.stopSeconds. A stop waits for the node's
 * running workflows to end first (as AlteryxService does). service.hangOnStop: it never settles. No-op when
 * Stopped or StopPending (except that a hung stop is rescheduled once hangOnStop has been turned off).
 */
export function requestServiceStop(dir: string, node: string): void {
  withSettledState(dir, node, ({ n, st, sk, knobs, now }) => {
    if (st.state === 'Stopped') return;
    const at = () => (sk.hangOnStop ? null : new Date(lastWorkflowEnd(knobs, n, now) + sk.stopSeconds * 1000).toISOString());
    if (st.state === 'StopPending') {
      if (st.pending?.at === null && !sk.hangOnStop) {
        st.pending = { to: 'Stopped', at: at() };
        writeState(dir, n, st);
      }
      return;
    }
    transition(n, st, 'StopPending', now);
    st.pending = { to: 'Stopped', at: at() };
    writeState(dir, n, st);
  });
}

/**
 * Stopped (or Paused, or a StopPending stop) → StartPending → Running after service.startSeconds; with
 * service.failStart → back to Stopped instead. No-op when Running or StartPending.
 */
export function requestServiceStart(dir: string, node: string): void {
  withSettledState(dir, node, ({ n, st, sk, now }) => {
    if (st.state === 'Running' || st.state === 'StartPending') return;
    transition(n, st, 'StartPending', now);
    st.pending = { to: sk.failStart ? 'Stopped' : 'Running', at: new Date(now + sk.startSeconds * 1000).toISOString() };
    writeState(dir, n, st);
  });
}

/** Forces a state at once (for tests and rehearsals, e.g. a Paused or Stopped service to start from). */
export function setServiceState(dir: string, node: string, state: WinServiceState): void {
  const n = findNode(dir, node).name;
  withLock(dir, () => {
    const st = settle(dir, n);
    delete st.pending;
    if (st.state !== state) transition(n, st, state, Date.now());
    writeState(dir, n, st);
  });
}

export interface RunningWorkflow {
  name: string;
  pid: number;
  endsAt: string;
}

/**
 * The AlteryxEngineCmd.exe processes of the knob `workflows` still alive on that node now (one that ended on its
 * own, or was killed, is not listed).
 */
export function runningWorkflows(dir: string, node: string): RunningWorkflow[] {
  const f = readSandboxFile(dir);
  const n = findNode(dir, node, f).name;
  const now = Date.now();
  return knobsOf(f)
    .workflows.filter((w) => w.node.toLowerCase() === n.toLowerCase() && workflowAlive(w, now))
    .map((w) => ({ name: w.name, pid: w.pid, endsAt: w.endsAt }));
}

/**
 * Kills the running workflows of that node (process.kill: TerminateProcess on Windows), waits until their
 * processes are gone (they disappear from the knob), and returns their names.
 */
export function killWorkflows(dir: string, node: string): string[] {
  const n = findNode(dir, node).name;
  return withLock(dir, () => {
    const f = readSandboxFile(dir);
    const knobs = knobsOf(f);
    const now = Date.now();
    const killed = knobs.workflows.filter((w) => w.node.toLowerCase() === n.toLowerCase() && workflowAlive(w, now));
    if (killed.length === 0) return [];
    endWorkflowProcesses(killed);
    const keep = knobs.workflows.filter((w) => !killed.includes(w));
    setKnobRaw(dir, f, ['workflows'], keep);
    for (const w of killed) appendEvent(dir, { node: n, kind: 'workflow', action: 'killed', name: w.name, pid: w.pid });
    // A stop that was waiting for them now completes after the usual delay.
    const st = settle(dir, n, now);
    if (st.state === 'StopPending' && st.pending?.at) {
      const sk = serviceKnobsFor(knobs, n);
      const at = now + sk.stopSeconds * 1000;
      if (Date.parse(st.pending.at) > at) {
        st.pending.at = new Date(at).toISOString();
        writeState(dir, n, st);
      }
    }
    return killed.map((w) => w.name);
  });
}
