import type sinon from 'sinon';

/** Polls `cond` every `intervalMs` until it is true; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 120_000, intervalMs = 40): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// sinon's fake timers replace setTimeout and Date only (file IO still runs for real): the real clock's waits
// then pass in timer time, so a test of a 2 s throttle or a 30 s retry delay takes milliseconds. Tests using it are
// serial, because the fake timers are process-wide while they are installed.
/** Runs `work` to its end under fake timers: timer time moves only to the next due timer, else the real event loop runs. */
export async function settleWithFakeTimers<T>(clock: sinon.SinonFakeTimers, work: Promise<T>, maxSteps = 1_000_000): Promise<T> {
  let done = false;
  const settled = work.finally(() => (done = true));
  for (let i = 0; i < maxSteps && !done; i++) {
    if (clock.countTimers() > 0) await clock.nextAsync();
    else await new Promise((r) => setImmediate(r));
  }
  return settled;
}
