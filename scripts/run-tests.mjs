#!/usr/bin/env node
// Runs the project's test suites and prints one closing line:
//   <passed> passed, <failed> failed[, <skipped> skipped]
//
//   node scripts/run-tests.mjs                 # ava unit tests, then Pester
//   node scripts/run-tests.mjs --unit-only     # ava only
//   node scripts/run-tests.mjs --pester-only   # Pester only
//   --ava-config FILE                          # another ava configuration (the runner's own tests use it)
//   --pester-path PATH                         # a Pester file or folder instead of pester/ (likewise)
//
// (a) ava:    node_modules/.bin/ava, default reporter (each test's line is counted; failed, timed-out and
//             crashed tests are named; see avaLineParser)
// (b) Pester: bash scripts/pwsh.sh -NonInteractive -File pester/Invoke-Tests.ps1
//             (its "PESTER-SUMMARY passed=N failed=N skipped=N" line is parsed)
// Output of both streams through; every failure of both is named again just above the closing line. Exit code: 1 if
// anything failed or no test ran, else 0.
// Needs the tools from scripts/install-tools.sh and, for ava, a prior build.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'usage: node scripts/run-tests.mjs [--unit-only | --pester-only] [--ava-config FILE] [--pester-path PATH]';
const args = process.argv.slice(2);
let runUnit = true;
let runPester = true;
const avaArgs = [];
let pesterPath = null;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--unit-only') runPester = false;
  else if (arg === '--ava-config') avaArgs.push('--config', args[++i] ?? '');
  else if (arg === '--pester-path') pesterPath = args[++i] ?? '';
  else if (arg === '--pester-only') runUnit = false;
  else if (arg === '-h' || arg === '--help') {
    console.log(USAGE);
    process.exit(0);
  } else {
    console.error(`run-tests: unknown argument: ${arg}\n${USAGE}`);
    process.exit(2);
  }
}
if (!runUnit && !runPester) {
  console.error(`run-tests: --unit-only and --pester-only exclude each other\n${USAGE}`);
  process.exit(2);
}

// Track whether our stdout ends with a newline, so the closing line stands alone.
let atLineStart = true;
function out(text) {
  if (text.length === 0) return;
  process.stdout.write(text);
  atLineStart = text.endsWith('\n');
}
function note(message) {
  if (!atLineStart) out('\n');
  out(`[run-tests] ${message}\n`);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;

/**
 * Runs a command from the repo root, streaming its stdout (and stderr) through,
 * calling onLine for every complete stdout line (ANSI codes stripped).
 * Resolves to { code, signal, error }.
 */
function run(command, commandArgs, onLine, opts = {}) {
  return new Promise((resolve) => {
    let pending = '';
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      if (pending.length > 0) onLine(pending.replace(ANSI, ''));
      resolve(result);
    };
    let child;
    try {
      child = spawn(command, commandArgs, {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', opts.onStderrLine ? 'pipe' : 'inherit'],
        env: opts.env ?? process.env,
      });
    } catch (error) {
      finish({ code: null, signal: null, error });
      return;
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out(chunk);
      pending += chunk;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(ANSI, ''));
    });
    if (opts.onStderrLine) {
      // Passed through, and its last lines kept to name a crash.
      let errPending = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk) => {
        process.stderr.write(chunk);
        errPending += chunk;
        const lines = errPending.split(/\r?\n/);
        errPending = lines.pop() ?? '';
        for (const line of lines) opts.onStderrLine(line.replace(ANSI, ''));
      });
    }
    child.on('error', (error) => finish({ code: null, signal: null, error }));
    child.on('close', (code, signal) => finish({ code, signal, error: null }));
  });
}

function describeExit({ code, signal, error }) {
  if (error) return `could not start: ${error.message}`;
  if (signal) return `killed by ${signal}`;
  return `exit code ${code}`;
}

/**
 * ava's default reporter, parsed line by line. (Its TAP reporter crashes on a timeout — `TypeError: Cannot set
 * properties of undefined (setting 'name')` in reporters/tap.js, ava 7 — and then names no test; the default
 * reporter lists the tests that were pending.) Every failure is named in the closing notes:
 *   ✔ file › title                      passed
 *   ✘ [fail]: file › title message       failed (also hooks, and [unexpected pass])
 *   - [skip] file › title                skipped
 *   ✘ Timed out while running tests      then "N tests were pending in FILE" and "◌ file › title" lines,
 *                                        or "Failed to exit when running FILE" (nothing of it had started)
 *   ✘ N tests remaining in FILE          a worker that ended early
 *   ✘ FILE exited ...                    a worker that crashed
 *   Uncaught exception in FILE / Unhandled rejection in FILE
 */
export function avaLineParser(counts, failures) {
  let inPending = false;
  return (line) => {
    const l = line.trim();
    let m;
    if (/^[✘×] Timed out while running tests/.test(l)) {
      inPending = true;
      return;
    }
    if (inPending && (m = /^(?:◌|\(o\)) (.+)$/.exec(l))) {
      counts.failed += 1;
      failures.push(`timed out: ${m[1]}`);
      return;
    }
    if (inPending && (m = /^Failed to exit when running (.+)$/.exec(l))) {
      counts.failed += 1;
      failures.push(`timed out: ${m[1]} (no test of it had started or it did not exit)`);
      return;
    }
    if (inPending && l !== '' && !/tests? were pending in /.test(l) && !/^[ℹi] /.test(l)) inPending = false;
    if ((m = /^[✔√] (?:\[expected fail\] )?(.+?)(?: \(\d+(?:\.\d+)?m?s\))?$/.exec(l))) counts.passed += 1;
    else if ((m = /^[✘×] \[(?:fail|unexpected pass)\]: (.+)$/.exec(l))) {
      counts.failed += 1;
      failures.push(`failed: ${m[1]}`);
    } else if (/^- \[(?:skip|todo)\] /.test(l)) counts.skipped += 1;
    else if ((m = /^[✘×] (\d+) tests? remaining in (.+)$/.exec(l))) {
      counts.failed += Number(m[1]);
      failures.push(`did not run (its worker ended early): ${m[1]} test(s) in ${m[2]}`);
    } else if ((m = /^[✘×] (.+ exited (?:due to|with) .+)$/.exec(l))) {
      counts.failed += 1;
      failures.push(`crashed: ${m[1]}`);
    } else if ((m = /^(Uncaught exception|Unhandled rejection) in (.+)$/.exec(l))) {
      counts.failed += 1;
      failures.push(`${m[1].toLowerCase()} in ${m[2]}`);
    }
  };
}

async function runAva(extraArgs) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  const ava = path.join(ROOT, 'node_modules', '.bin', 'ava');
  note(`ava: node_modules/.bin/ava ${extraArgs.join(' ')}`.trim());
  const stderrTail = [];
  const result = await run(ava, extraArgs, avaLineParser(counts, failures), {
    env: { ...process.env, FORCE_COLOR: '0' },
    onStderrLine: (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    },
  });
  const ok = !result.error && !result.signal && result.code === 0;
  if (!ok && counts.failed === 0) {
    counts.failed = 1;
    const crash = stderrTail.find((l) => /Error|reporters[\\/]/.test(l));
    failures.push(`ava ended with ${describeExit(result)} and reported no failing test${crash ? ` (stderr: ${crash.trim()})` : ''}`);
  }
  for (const f of failures) note(`ava: ${f}`);
  note(`ava: passed=${counts.passed} failed=${counts.failed} skipped=${counts.skipped} (${describeExit(result)})`);
  return { ...counts, failures: failures.map((f) => `ava: ${f}`) };
}

async function runPesterSuite() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let summary = null;
  const failures = [];
  const pesterArgs = [path.join('scripts', 'pwsh.sh'), '-NonInteractive', '-File', path.join('pester', 'Invoke-Tests.ps1')];
  if (pesterPath !== null) pesterArgs.push('-Path', pesterPath);
  note(`pester: bash ${pesterArgs.join(' ')}`);
  const result = await run('bash', pesterArgs, (line) => {
    const m = /^\s*PESTER-SUMMARY passed=(\d+) failed=(\d+) skipped=(\d+)\s*$/.exec(line);
    if (m) summary = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
    const f = /^\s*PESTER-FAILED (.+)$/.exec(line);
    if (f) failures.push(f[1].length > 300 ? `${f[1].slice(0, 300)}...` : f[1]);
  });
  if (summary) {
    Object.assign(counts, summary);
    const ok = !result.error && !result.signal && result.code === 0;
    if (!ok && counts.failed === 0) {
      counts.failed = 1;
      failures.push(`${describeExit(result)} although its summary reports no failure; counting 1 failure`);
    }
  } else {
    counts.failed = 1;
    failures.push(`no PESTER-SUMMARY line (${describeExit(result)}); counting 1 failure`);
  }
  for (const f of failures) note(`pester: failed: ${f}`);
  note(`pester: passed=${counts.passed} failed=${counts.failed} skipped=${counts.skipped} (${describeExit(result)})`);
  return { ...counts, failures: failures.map((f) => `pester: failed: ${f}`) };
}

const total = { passed: 0, failed: 0, skipped: 0 };
const allFailures = [];
const add = (c) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  allFailures.push(...c.failures);
};
if (runUnit) add(await runAva(avaArgs));
if (runPester) add(await runPesterSuite());

const nothingRan = total.passed + total.failed === 0;
if (nothingRan) note('no test ran');
// Every failure of both suites once more, next to the closing line: a log's tail is often all a reader gets, and
// the ava failures were printed before the whole Pester run.
if (allFailures.length > 0) {
  note(`every failure of this run (${allFailures.length}):`);
  for (const f of allFailures) note(`  ${f}`);
}
if (!atLineStart) out('\n');
out(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}\n`);
process.exitCode = total.failed > 0 || nothingRan ? 1 : 0;
