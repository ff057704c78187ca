// npm run fuzz: >= 10,000 generated inputs across the five kinds (configurations, RuntimeSettings.xml files,
// connection strings, manifests, ZIP entry tables) through the core's functions, plus a smaller number through the
// real CLI; prints the counts and exits 1 on any undocumented exit code, stack trace, hang or write outside the
// target. FUZZ_RUNS (per kind, default 2100), FUZZ_CLI_RUNS (per CLI kind, default 40), FUZZ_SEED.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ARBS, cliCase, DOCUMENTED, fuzzKind, KINDS, newTally, record, type Tally } from '../test/fuzz/properties.ts';

const perKind = Number(process.env['FUZZ_RUNS'] ?? 2100);
const cliRuns = Number(process.env['FUZZ_CLI_RUNS'] ?? 40);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
console.log(`fuzz: seed ${seed}, ${perKind} inputs per kind in-process, ${cliRuns} per CLI kind`);

const all: Record<string, Tally> = {};
const t0 = Date.now();
for (const kind of KINDS) {
  const k0 = Date.now();
  all[kind] = await fuzzKind(kind, perKind, seed);
  const t = all[kind]!;
  console.log(
    `  ${kind.padEnd(10)} ${t.runs} inputs, exit codes ${JSON.stringify(t.codes)} (documented: ${DOCUMENTED[kind].join(', ')}), ${((Date.now() - k0) / 1000).toFixed(1)} s`,
  );
}
const dir = mkdtempSync(join(tmpdir(), 'ab-fuzz-cli-'));
try {
  for (const kind of ['config', 'zip'] as const) {
    const t = newTally();
    for (const x of fc.sample(ARBS[kind] as fc.Arbitrary<unknown>, { numRuns: cliRuns, seed: seed + 1 })) {
      const o = await cliCase(kind, dir, x);
      record(t, kind, JSON.stringify(x).slice(0, 200), o);
    }
    all[`cli-${kind}`] = t;
    console.log(`  cli ${kind.padEnd(6)} ${t.runs} runs of the real CLI, exit codes ${JSON.stringify(t.codes)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const sum = (f: (t: Tally) => number) => Object.values(all).reduce((n, t) => n + f(t), 0);
const bad = Object.values(all).flatMap((t) => [...t.undocumented, ...t.stackTraces, ...t.hangs, ...t.outside]);
for (const b of bad.slice(0, 30)) console.log(`  PROBLEM ${b}`);
console.log(
  `fuzz: ${sum((t) => t.runs)} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s; undocumented exit codes: ${sum((t) => t.undocumented.length)}, stack traces: ${sum((t) => t.stackTraces.length)}, hangs: ${sum((t) => t.hangs.length)}, written outside the target: ${sum((t) => t.outside.length)}`,
);
process.exitCode = bad.length ? 1 : 0;
