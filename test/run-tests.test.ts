// scripts/run-tests.mjs names every test that failed, timed out or crashed instead of counting an anonymous
// failure (ava's TAP reporter crashed on a timeout and named nothing). Runs the real runner on a fixture suite.
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repo } from './helpers/cli.ts';

function runner(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, 'scripts', 'run-tests.mjs'), ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('a failing test and a test that hangs past the timeout are each named; the closing line counts them', async (t) => {
  const r = await runner(['--unit-only', '--ava-config', 'test/fixtures/run-tests/ava.config.js']);
  t.is(r.code, 1);
  t.regex(r.out, /^\[run-tests\] ava: failed: basic\.fixture › a failing assertion$/m);
  t.regex(r.out, /^\[run-tests\] ava: timed out: hang\.fixture › never ends$/m);
  t.regex(r.out, /^2 passed, 2 failed$/m);
  t.notRegex(r.out, /Cannot set properties of undefined/);
});

test('a failing Pester test and a block whose set-up throws are each named next to the closing line', async (t) => {
  const r = await runner(['--pester-only', '--pester-path', 'test/fixtures/run-tests/pester']);
  t.is(r.code, 1);
  t.regex(r.out, /^\[run-tests\] pester: failed: Fixture\.Tests\.ps1 > fixture suite\.fails on purpose: Expected 2, but got 1\.$/m);
  t.regex(r.out, /^\[run-tests\] pester: failed: Fixture\.Tests\.ps1 > a broken block/m);
  t.regex(r.out, /^1 passed, \d+ failed$/m);
});

test('the failures of both suites are listed again just above the closing line, ava first', async (t) => {
  const r = await runner(['--ava-config', 'test/fixtures/run-tests/ava.config.js', '--pester-path', 'test/fixtures/run-tests/pester']);
  t.is(r.code, 1);
  const lines = r.out.trimEnd().split('\n');
  const closing = lines.length - 1;
  t.regex(lines[closing] ?? '', /^\d+ passed, \d+ failed$/);
  const head = lines.findIndex((l) => /^\[run-tests\] every failure of this run \(\d+\):$/.test(l));
  const pesterSummary = lines.findIndex((l) => /^\[run-tests\] pester: passed=/.test(l));
  t.true(head > pesterSummary, 'the list comes after the Pester run');
  const listed = lines.slice(head + 1, closing);
  t.true(listed.every((l) => l.startsWith('[run-tests]   ')));
  t.regex(listed[0] ?? '', /ava: failed: basic\.fixture › a failing assertion$/);
  t.true(listed.some((l) => /ava: timed out: hang\.fixture › never ends$/.test(l)));
  t.true(listed.some((l) => /pester: failed: Fixture\.Tests\.ps1 > fixture suite\.fails on purpose/.test(l)));
  t.is(Number(/every failure of this run \((\d+)\)/.exec(lines[head] ?? '')?.[1]), listed.length);
});
