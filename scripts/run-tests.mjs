#!/usr/bin/env node
// Runs the project's test suites and prints one closing line:
//   <passed> passed, <failed> failed[, <skipped> skipped]
//
//   node scripts/run-tests.mjs                 # ava unit tests, then Pester
//   node scripts/run-tests.mjs --unit-only     # ava only
//   node scripts/run-tests.mjs --pester-only   # Pester only
//
// (a) ava:    node_modules/.bin/ava --tap  (TAP "ok" / "not ok" lines are counted)
// (b) Pester: bash scripts/pwsh.sh -NonInteractive -File pester/Invoke-Tests.ps1
//             (its "PESTER-SUMMARY passed=N failed=N skipped=N" line is parsed)
// Output of both streams through. Exit code: 1 if anything failed or no test ran, else 0.
// Needs the tools from scripts/install-tools.sh and, for ava, a prior build.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'usage: node scripts/run-tests.mjs [--unit-only | --pester-only]';
const args = process.argv.slice(2);
let runUnit = true;
let runPester = true;
for (const arg of args) {
  if (arg === '--unit-only') runPester = false;
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

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;

/**
 * Runs a command from the repo root, streaming its stdout (and stderr) through,
 * calling onLine for every complete stdout line (ANSI codes stripped).
 * Resolves to { code, signal, error }.
 */
function run(command, commandArgs, onLine) {
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
        stdio: ['ignore', 'pipe', 'inherit'],
        env: process.env,
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
    child.on('error', (error) => finish({ code: null, signal: null, error }));
    child.on('close', (code, signal) => finish({ code, signal, error: null }));
  });
}

function describeExit({ code, signal, error }) {
  if (error) return `could not start: ${error.message}`;
  if (signal) return `killed by ${signal}`;
  return `exit code ${code}`;
}

async function runAva() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const ava = path.join(ROOT, 'node_modules', '.bin', 'ava');
  note('ava: node_modules/.bin/ava --tap');
  const result = await run(ava, ['--tap'], (line) => {
    // Top-level TAP test points only: "ok 3 - title", "not ok 4 - title # TODO".
    const m = /^(not )?ok\b(.*)$/.exec(line);
    if (m) {
      const directive = /#\s*(SKIP|TODO)\b/i.exec(m[2] ?? '');
      if (directive) counts.skipped += 1;
      else if (m[1]) counts.failed += 1;
      else counts.passed += 1;
    } else if (/^Bail out!/.test(line)) {
      counts.failed += 1;
    }
  });
  const ok = !result.error && !result.signal && result.code === 0;
  if (!ok && counts.failed === 0) {
    counts.failed = 1;
    note(`ava: ${describeExit(result)} with no failing test reported; counting 1 failure`);
  }
  note(`ava: passed=${counts.passed} failed=${counts.failed} skipped=${counts.skipped} (${describeExit(result)})`);
  return counts;
}

async function runPesterSuite() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let summary = null;
  note('pester: bash scripts/pwsh.sh -NonInteractive -File pester/Invoke-Tests.ps1');
  const result = await run(
    'bash',
    [path.join('scripts', 'pwsh.sh'), '-NonInteractive', '-File', path.join('pester', 'Invoke-Tests.ps1')],
    (line) => {
      const m = /^\s*PESTER-SUMMARY passed=(\d+) failed=(\d+) skipped=(\d+)\s*$/.exec(line);
      if (m) summary = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
    },
  );
  if (summary) {
    Object.assign(counts, summary);
    const ok = !result.error && !result.signal && result.code === 0;
    if (!ok && counts.failed === 0) {
      counts.failed = 1;
      note(`pester: ${describeExit(result)} although its summary reports no failure; counting 1 failure`);
    }
  } else {
    counts.failed = 1;
    note(`pester: no PESTER-SUMMARY line (${describeExit(result)}); counting 1 failure`);
  }
  note(`pester: passed=${counts.passed} failed=${counts.failed} skipped=${counts.skipped} (${describeExit(result)})`);
  return counts;
}

const total = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};
if (runUnit) add(await runAva());
if (runPester) add(await runPesterSuite());

const nothingRan = total.passed + total.failed === 0;
if (nothingRan) note('no test ran');
if (!atLineStart) out('\n');
out(`${total.passed} passed, ${total.failed} failed${total.skipped > 0 ? `, ${total.skipped} skipped` : ''}\n`);
process.exitCode = total.failed > 0 || nothingRan ? 1 : 0;
