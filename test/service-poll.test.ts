// Issue 15: the service state poll is adaptive (100 ms, doubling up to PollIntervalSeconds), so that a quick
// transition is seen within 0.3 s; the downtime window is measured from the first stop request to Running seen.
// sinon's fake timers replace setTimeout and Date: the real clock's sleeps pass in timer time, and every poll's
// timer time is recorded exactly. Serial, because the fake timers are process-wide while installed.
import test from 'ava';
import sinon from 'sinon';
import { ConfigSchema } from '../src/config/schema.ts';
import { realClock, type RunContext, type ServiceRecord } from '../src/core/context.ts';
import type { NodeRef, ServiceState } from '../src/platform/ports.ts';
import { RunLogger } from '../src/log/logger.ts';
import { FIRST_POLL_MS, pollDelays, startService, stopService } from '../src/steps/services.ts';
import { settleWithFakeTimers } from './helpers/wait.ts';

const node: NodeRef = { name: 'ALTERYX01', role: 'controller', local: true };

/** A service whose state changes `settleMs` of timer time after each request; every getState's timer time is recorded. */
function fakeService(initial: ServiceState, settleMs: number) {
  const polls: Array<{ at: number; state: ServiceState }> = [];
  let state = initial;
  let pending: { to: ServiceState; at: number } | undefined;
  const now = () => Date.now();
  const current = () => {
    if (pending && now() >= pending.at) {
      state = pending.to;
      pending = undefined;
    }
    return state;
  };
  const services = {
    getState: async () => {
      const s = current();
      polls.push({ at: now(), state: s });
      return s;
    },
    requestStop: async () => {
      state = 'StopPending';
      pending = { to: 'Stopped', at: now() + settleMs };
    },
    requestStart: async () => {
      state = 'StartPending';
      pending = { to: 'Running', at: now() + settleMs };
    },
  };
  return { services, polls };
}

function context(services: unknown, pollSeconds: number): RunContext {
  const config = ConfigSchema.parse({ ServiceConfiguration: { PollIntervalSeconds: pollSeconds, MaxServiceWaitSeconds: 600 } });
  const ctx = {
    config,
    platform: { services },
    clock: realClock,
    log: new RunLogger(() => {}),
    progress: () => {},
    signal: new AbortController().signal,
    services: [] as ServiceRecord[],
    journal: { update: () => {}, clear: () => {}, restore: () => {}, file: '' },
    downtime: {},
    warnings: [],
  };
  return ctx as unknown as RunContext;
}

test('pollDelays: 100 ms, doubling, capped at the configured interval; never above it when it is shorter', (t) => {
  const take = (g: Generator<number>, n: number) => Array.from({ length: n }, () => g.next().value as number);
  t.is(FIRST_POLL_MS, 100);
  t.deepEqual(take(pollDelays(2000), 8), [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  t.deepEqual(take(pollDelays(50), 3), [50, 50, 50]);
  t.deepEqual(take(pollDelays(5000), 7), [100, 200, 400, 800, 1600, 3200, 5000]);
});

test.serial('a start that settles after 250 ms is seen Running at 300 ms of timer time, even with a 5 s PollIntervalSeconds', async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 });
  try {
    const { services, polls } = fakeService('Stopped', 250);
    const ctx = context(services, 5);
    ctx.services.push({ node, prior: 'Running', stoppedByUs: true, restarted: false });
    ctx.downtime.stoppedAt = 1_000_000 - 10_000;
    const t0 = Date.now();
    await settleWithFakeTimers(clock, startService(ctx, node), 100_000);
    t.deepEqual(
      polls.map((p) => [p.at - t0, p.state]),
      [
        [0, 'StartPending'],
        [100, 'StartPending'],
        [300, 'Running'],
      ],
    );
    t.is(ctx.downtime.startRequestedAt, t0);
    t.is(ctx.downtime.startedAt, t0 + 300, 'the window ends when Running was seen');
    t.true(ctx.services[0]!.restarted);
  } finally {
    clock.restore();
  }
});

test.serial('a slow stop (9 s) is polled at 0.1, 0.3, 0.7, 1.5, 3.1, 5.1, 7.1, 9.1 s with a 2 s interval; the window starts at the request', async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 2_000_000 });
  try {
    const { services, polls } = fakeService('Running', 9000);
    const ctx = context(services, 2);
    const t0 = Date.now();
    await settleWithFakeTimers(clock, stopService(ctx, node), 100_000);
    // The first getState reads the prior state (Running), the second is the one right after the request.
    t.deepEqual(
      polls.map((p) => p.at - t0),
      [0, 0, 100, 300, 700, 1500, 3100, 5100, 7100, 9100],
    );
    t.is(polls.at(-1)!.state, 'Stopped');
    t.is(ctx.downtime.stoppedAt, t0);
    t.is(ctx.downtime.allStoppedAt, t0 + 9100);
  } finally {
    clock.restore();
  }
});
