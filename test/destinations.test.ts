import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sinon from 'sinon';
import { realClock, type Clock } from '../src/core/context.ts';
import { copyVerified, retryDelayMs } from '../src/steps/destinations.ts';
import { tempDir } from './helpers/tmp.ts';
import { settleWithFakeTimers } from './helpers/wait.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function source(t: Parameters<typeof tempDir>[0], bytes: number) {
  const dir = tempDir(t, 'ab-dest-src-');
  const data = randomBytes(bytes);
  const file = join(dir, 'ServerBackup_Full_20260102_030405.zip');
  writeFileSync(file, data);
  return { file, data, hash: sha(data) };
}

test('copyVerified: the copy lands under its final name with a .sha256 that matches, and nothing else', async (t) => {
  const { file, data, hash } = source(t, 3 * 1024 * 1024 + 17);
  const dest = join(tempDir(t, 'ab-dest-'), 'nested', 'dir');
  const r = await copyVerified(file, dest, { expectedSha256: hash, expectedSize: data.length, clock: realClock });
  t.is(r.finalPath, join(dest, 'ServerBackup_Full_20260102_030405.zip'));
  t.deepEqual(readdirSync(dest).sort(), ['ServerBackup_Full_20260102_030405.zip', 'ServerBackup_Full_20260102_030405.zip.sha256']);
  t.is(sha(readFileSync(r.finalPath)), hash);
  t.is(readFileSync(`${r.finalPath}.sha256`, 'utf8'), `${hash}  ServerBackup_Full_20260102_030405.zip\n`);
});

test('copyVerified: a connection that drops half-way leaves no file under the final name and no .partial', async (t) => {
  const { file, data, hash } = source(t, 2 * 1024 * 1024);
  const dest = tempDir(t, 'ab-dest-');
  const err = await t.throwsAsync(
    copyVerified(file, dest, { expectedSha256: hash, expectedSize: data.length, clock: realClock, conditions: { interruptAfterFraction: 0.5 } }),
  );
  t.regex(err!.message, /network name is no longer available/);
  t.deepEqual(readdirSync(dest), []);
});

test('copyVerified: a copy whose SHA-256 read back differs is rejected and never renamed', async (t) => {
  const { file, data } = source(t, 100_000);
  const dest = tempDir(t, 'ab-dest-');
  const wrong = '0'.repeat(64);
  const err = await t.throwsAsync(copyVerified(file, dest, { expectedSha256: wrong, expectedSize: data.length, clock: realClock }));
  t.regex(err!.message, /SHA-256 .* differs/);
  t.deepEqual(readdirSync(dest), []);
  const err2 = await t.throwsAsync(copyVerified(file, dest, { expectedSha256: sha(data), expectedSize: data.length + 1, clock: realClock }));
  t.regex(err2!.message, /expected 100001/);
  t.deepEqual(readdirSync(dest), []);
});

test('copyVerified: a throughput cap is honoured; progress is reported while bytes flow; only .partial exists mid-copy', async (t) => {
  const size = 6 * 1024 * 1024;
  const cap = 4; // MB/s -> 1.5 s at least
  const { file, hash } = source(t, size);
  const dest = tempDir(t, 'ab-dest-');
  const final = join(dest, 'ServerBackup_Full_20260102_030405.zip');
  const seen = new Set<string>();
  let finalEarly = false;
  const poll = setInterval(() => {
    for (const n of existsSync(dest) ? readdirSync(dest) : []) seen.add(n);
    // Whenever the final name exists it must be the whole, correct file.
    if (existsSync(final) && statSync(final).size !== size) finalEarly = true;
  }, 10);
  const progress: Array<{ phase: string; written: number }> = [];
  const t0 = Date.now();
  const r = await copyVerified(file, dest, {
    expectedSha256: hash,
    expectedSize: size,
    clock: realClock,
    conditions: { throttleMBps: cap },
    onProgress: (p) => progress.push(p),
  }).finally(() => clearInterval(poll));
  const elapsed = Date.now() - t0;
  const mbps = size / 1024 / 1024 / (r.writeMs / 1000);
  t.log(`6 MiB at a 4 MB/s cap: write ${r.writeMs} ms (${mbps.toFixed(2)} MB/s), total with read-back ${r.durationMs} ms`);
  t.true(r.writeMs >= 1450, `write took ${r.writeMs} ms`);
  t.true(mbps <= cap * 1.05, `${mbps} MB/s`);
  t.true(elapsed >= 1450);
  t.false(finalEarly, 'a partial file appeared under the final name');
  t.true(seen.has('ServerBackup_Full_20260102_030405.zip.partial'), 'the poller saw the temporary name');
  const copies = progress.filter((p) => p.phase === 'copy');
  t.true(copies.length >= 4, `${copies.length} progress calls`);
  t.true(copies.every((p, i) => i === 0 || p.written >= copies[i - 1]!.written));
  t.is(progress.at(-1)!.phase, 'verify');
});

test('copyVerified: the throttle waits through the clock it is given', async (t) => {
  const { file, data, hash } = source(t, 1024 * 1024);
  const dest = tempDir(t, 'ab-dest-');
  let now = 0;
  const sleeps: number[] = [];
  const fake: Clock = { now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
  await copyVerified(file, dest, { expectedSha256: hash, expectedSize: data.length, clock: fake, conditions: { throttleMBps: 0.5 } });
  // 1 MiB at 0.5 MB/s is 2 s of (fake) time, slept in steps after each 256 KiB chunk.
  t.is(Math.round(sleeps.reduce((a, b) => a + b, 0)), 2000);
  t.is(sleeps.length, 4);
});

test.serial('copyVerified: with the real clock, a 0.5 MB/s throttle waits 2 s of timer time (sinon fake timers)', async (t) => {
  const { file, data, hash } = source(t, 1024 * 1024);
  const dest = tempDir(t, 'ab-dest-');
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    const start = Date.now();
    const r = await settleWithFakeTimers(
      clock,
      copyVerified(file, dest, { expectedSha256: hash, expectedSize: data.length, clock: realClock, conditions: { throttleMBps: 0.5 } }),
    );
    const elapsed = Date.now() - start;
    t.true(elapsed >= 2000, `timer time ${elapsed} ms`);
    t.true(elapsed < 2600, `timer time ${elapsed} ms`);
    t.is(sha(readFileSync(r.finalPath)), hash);
  } finally {
    clock.restore();
  }
});

test.serial('realClock.sleep: a 30 s retry delay ends after 30 s of timer time, and an abort ends it at once (sinon fake timers)', async (t) => {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    let woke = false;
    const wait = realClock
      .sleep(retryDelayMs({ Attempts: 3, RetryDelaySeconds: 30, MaxRetryDelaySeconds: 600, Backoff: 'fixed' }, 1))
      .then(() => (woke = true));
    await clock.tickAsync(29_999);
    t.false(woke);
    await clock.tickAsync(1);
    await wait;
    t.true(woke);

    const ac = new AbortController();
    const aborted = realClock.sleep(30_000, ac.signal);
    ac.abort(new Error('stop'));
    await t.throwsAsync(aborted, { message: 'stop' });
    t.is(clock.countTimers(), 0, 'the aborted wait left no timer behind');
  } finally {
    clock.restore();
  }
});

test('retryDelayMs: fixed and exponential (capped) backoff', (t) => {
  const base = { Attempts: 5, RetryDelaySeconds: 30, MaxRetryDelaySeconds: 100 };
  t.deepEqual(
    [1, 2, 3, 4].map((a) => retryDelayMs({ ...base, Backoff: 'fixed' }, a)),
    [30_000, 30_000, 30_000, 30_000],
  );
  t.deepEqual(
    [1, 2, 3, 4].map((a) => retryDelayMs({ ...base, Backoff: 'exponential' }, a)),
    [30_000, 60_000, 100_000, 100_000],
  );
});
