// core/runner.ts on its own: order, results, timing by step name, the rollback `finally`, dry runs, abort,
// the lock and the leftover journal (real temp folders), and a plan step without implementation.
import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_NAME } from '../src/core/journal.ts';
import { LOCK_NAME } from '../src/core/lock.ts';
import { runPlan, type PlannedStep, type RunnerHooks, type StepTable } from '../src/core/runner.ts';
import { RunLogger, type LogRecord } from '../src/log/logger.ts';
import { realClock } from '../src/core/context.ts';
import { tempDir } from './helpers/tmp.ts';

const step = (id: string, name = id.split(':')[0]!): PlannedStep => ({ id, name, description: `Do ${id}`, changesState: true, target: id, action: 'Do' });

function hooks(over: Partial<RunnerHooks> = {}): RunnerHooks & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    log: new RunLogger((r) => records.push(r)),
    clock: realClock,
    signal: new AbortController().signal,
    progress: () => {},
    dryRun: false,
    stepDurations: {},
    records,
    ...over,
  };
}

interface Ctx {
  ran: string[];
}

const table: StepTable<Ctx> = {
  a: { run: async (s, c) => (c.ran.push(s.id), `A:${s.id}`) },
  b: { run: async (s, c, r) => (c.ran.push(s.id), `B saw ${r.get<string>('a')}`), preview: async (s, c) => (c.ran.push(`preview ${s.id}`), 'previewed') },
  node: { run: async (s, c) => (c.ran.push(s.id), s.id) },
  boom: {
    run: async () => {
      throw new Error('boom');
    },
  },
};

test('runs the steps in plan order, passes earlier results on, times by step name', async (t) => {
  const c: Ctx = { ran: [] };
  const h = hooks();
  const planned: PlannedStep[][] = [];
  const o = await runPlan({ steps: [step('a'), step('node:X'), step('node:Y'), step('b')] }, table, c, { ...h, onPlan: (s) => planned.push([...s]) });
  t.is(o.error, undefined);
  t.deepEqual(c.ran, ['a', 'node:X', 'node:Y', 'b']);
  t.deepEqual(o.executed, ['a', 'node:X', 'node:Y', 'b']);
  t.is(o.results.get('b'), 'B saw A:a');
  t.deepEqual(o.results.all('node'), ['node:X', 'node:Y']);
  t.deepEqual(Object.keys(h.stepDurations).sort(), ['a', 'b', 'node']);
  t.deepEqual(
    planned[0]!.map((s) => s.id),
    ['a', 'node:X', 'node:Y', 'b'],
  );
});

test('a step taken out of the plan does not run, and nothing else changes', async (t) => {
  const c: Ctx = { ran: [] };
  const o = await runPlan({ steps: [step('a'), step('b')].filter((s) => s.id !== 'a') }, table, c, hooks());
  t.deepEqual(c.ran, ['b']);
  t.is(o.results.get('b'), 'B saw undefined');
});

test('a failing step stops the run; the rollback runs once with the outcome, after onError', async (t) => {
  const c: Ctx = { ran: [] };
  const calls: string[] = [];
  const o = await runPlan({ steps: [step('a'), step('boom'), step('b')] }, table, c, {
    ...hooks(),
    onError: (err) => calls.push(`error ${(err as Error).message}`),
    rollback: async (out) => void calls.push(`rollback after ${out.executed.join(',')} failed ${out.failedStep}`),
  });
  t.deepEqual(c.ran, ['a']);
  t.is((o.error as Error).message, 'boom');
  t.is(o.failedStep, 'boom');
  t.deepEqual(calls, ['error boom', 'rollback after a failed boom']);
});

test('a plan step without an implementation is an internal error before anything runs', async (t) => {
  const c: Ctx = { ran: [] };
  const o = await runPlan({ steps: [step('a'), step('nosuch')] }, table, c, hooks());
  t.deepEqual(c.ran, []);
  t.regex((o.error as Error).message, /no implementation for the plan step\(s\) nosuch/);
});

test('a dry run logs "Would ..." for every step and runs only the previews', async (t) => {
  const c: Ctx = { ran: [] };
  const h = hooks({ dryRun: true });
  const o = await runPlan({ steps: [step('a'), step('b')] }, table, c, h);
  t.deepEqual(c.ran, ['preview b']);
  t.deepEqual(o.executed, ['b']);
  t.true(h.records.some((r) => r.message === 'Would do a'));
  t.true(h.records.some((r) => r.message === 'Would do b'));
});

test('an aborted run stops before the next step and says so', async (t) => {
  const c: Ctx = { ran: [] };
  const ac = new AbortController();
  const abortAfterA: StepTable<Ctx> = { ...table, a: { run: async (s, x) => (x.ran.push(s.id), ac.abort('SIGTERM')) } };
  const o = await runPlan({ steps: [step('a'), step('b')] }, abortAfterA, c, hooks({ signal: ac.signal }));
  t.deepEqual(c.ran, ['a']);
  t.true(o.aborted);
  t.regex((o.error as Error).message, /Interrupted/);
});

test('the lock: taken before the first step, released after the rollback; a live holder refuses the run', async (t) => {
  const dir = tempDir(t);
  const c: Ctx = { ran: [] };
  const head = { pid: process.pid, startedAt: new Date().toISOString(), mode: 'Full' };
  let heldDuringRollback = false;
  const o = await runPlan({ steps: [step('a')] }, table, c, {
    ...hooks(),
    lock: { dir, head, recover: async () => {} },
    rollback: async () => void (heldDuringRollback = existsSync(join(dir, LOCK_NAME))),
  });
  t.is(o.error, undefined);
  t.true(heldDuringRollback);
  t.false(existsSync(join(dir, LOCK_NAME)));
  // A lock held by a live process (the test's parent, not this one) stops the run before any step.
  writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid: process.ppid, startedAt: 'earlier', mode: 'Full' }));
  const blocked = await runPlan({ steps: [step('a')] }, table, { ran: [] }, { ...hooks(), lock: { dir, head, recover: async () => {} } });
  t.regex((blocked.error as Error).message, /Another backup is running \(pid \d+/);
});

test('the leftover journal of a killed run is handed to recover before the first step; recover can stop the run', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, JOURNAL_NAME), JSON.stringify({ pid: 999_999_999, startedAt: 'then', mode: 'Full', services: [] }));
  writeFileSync(join(dir, LOCK_NAME), JSON.stringify({ pid: 999_999_999, startedAt: 'then', mode: 'Full' }));
  const seen: string[] = [];
  const c: Ctx = { ran: [] };
  const o = await runPlan({ steps: [step('a')] }, table, c, {
    ...hooks(),
    lock: {
      dir,
      head: { pid: process.pid, startedAt: 'now', mode: 'Full' },
      recover: async (found) => {
        seen.push(`leftover ${found.leftover?.pid} stale ${found.staleFrom?.pid} ran ${c.ran.length}`);
        throw new Error('half-restored server');
      },
    },
  });
  t.deepEqual(seen, ['leftover 999999999 stale 999999999 ran 0']);
  t.deepEqual(c.ran, []);
  t.regex((o.error as Error).message, /half-restored/);
  t.false(existsSync(join(dir, LOCK_NAME)));
});

// Issue 16: consecutive steps of one `parallel` group run at the same time. Overlap is proven by events:
// each grouped step waits until every other one has started, which a one-after-another runner never allows
// (it would end in the bound below, failing the test); the events show all starts before any end.
function gate(n: number) {
  let started = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => (open = r));
  return {
    async arrive(): Promise<void> {
      if (++started === n) open();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`only ${started} of ${n} grouped steps started: they did not overlap`)), 20_000);
      });
      try {
        await Promise.race([all, bound]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const grouped = (id: string, name: string, group = 'copies'): PlannedStep => ({ ...step(id, name), parallel: group });

test('a parallel group runs its steps overlapped (every start before any end), each its own result and timing; the steps around it in order', async (t) => {
  const events: string[] = [];
  const g = gate(3);
  const overlapping: StepTable<Ctx> = {
    ...table,
    up: {
      run: async (s) => {
        events.push(`start ${s.id}`);
        await g.arrive();
        events.push(`end ${s.id}`);
        return `done ${s.id}`;
      },
    },
  };
  const c: Ctx = { ran: [] };
  const h = hooks();
  const done: string[] = [];
  const o = await runPlan({ steps: [step('a'), grouped('up:copy', 'up'), grouped('up:s3', 'up'), grouped('up:az', 'up'), step('b')] }, overlapping, c, {
    ...h,
    onStepDone: (s) => done.push(s.id),
  });
  t.is(o.error, undefined, String(o.error));
  t.deepEqual(events.slice(0, 3).sort(), ['start up:az', 'start up:copy', 'start up:s3']);
  t.deepEqual(events.slice(3).sort(), ['end up:az', 'end up:copy', 'end up:s3']);
  t.deepEqual(c.ran, ['a', 'b'], 'a before the group, b after it');
  t.deepEqual(o.results.all<string>('up'), ['done up:copy', 'done up:s3', 'done up:az'], 'results in plan order');
  t.deepEqual(o.executed, ['a', 'up:copy', 'up:s3', 'up:az', 'b']);
  t.deepEqual(done.slice(1, 4).sort(), ['up:az', 'up:copy', 'up:s3']);
  t.deepEqual([done[0], done[4]], ['a', 'b']);
  t.true('up' in h.stepDurations);
  t.true(h.records.some((r) => r.message.includes('Running at the same time: up:copy, up:s3, up:az')));
});

test('in a parallel group one step failing does not stop the others; the run then stops at that step with its error', async (t) => {
  const g = gate(3);
  const finished: string[] = [];
  const mixed: StepTable<Ctx> = {
    ...table,
    up: {
      run: async (s) => {
        await g.arrive();
        if (s.id === 'up:s3') throw new Error('s3 broke');
        finished.push(s.id);
        return s.id;
      },
    },
  };
  const c: Ctx = { ran: [] };
  const o = await runPlan({ steps: [grouped('up:copy', 'up'), grouped('up:s3', 'up'), grouped('up:az', 'up'), step('b')] }, mixed, c, hooks());
  t.is((o.error as Error).message, 's3 broke');
  t.is(o.failedStep, 'up:s3');
  t.deepEqual(finished.sort(), ['up:az', 'up:copy']);
  t.deepEqual(o.executed, ['up:copy', 'up:az']);
  t.deepEqual(c.ran, [], 'the step after the group does not run');
});

test('steps of different groups, or a group id broken by another step, are not merged', async (t) => {
  const { groupSteps } = await import('../src/core/runner.ts');
  const ids = (gs: PlannedStep[][]) => gs.map((g) => g.map((s) => s.id));
  t.deepEqual(ids(groupSteps([grouped('x1', 'x'), grouped('x2', 'x'), step('a'), grouped('x3', 'x'), grouped('y1', 'y', 'other')])), [
    ['x1', 'x2'],
    ['a'],
    ['x3'],
    ['y1'],
  ]);
});
