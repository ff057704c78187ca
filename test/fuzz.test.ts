// The fuzz suite's bounded run in `npm test` (test/fuzz/properties.ts; `npm run fuzz` runs >= 10,000 inputs).
// fast-check shrinks a failing input to a small one and reports its seed and path.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ARBS, CHECKS, cliCase, KINDS, newTally, record } from './fuzz/properties.ts';

const RUNS = Number(process.env['FUZZ_TEST_RUNS'] ?? 150);

for (const kind of KINDS) {
  test(`fuzz ${kind}: ${RUNS} generated inputs end in their documented code, with no stack trace and nothing written outside the target`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `ab-fuzz-${kind}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const tally = newTally();
    await fc.assert(
      fc.asyncProperty(ARBS[kind] as fc.Arbitrary<unknown>, async (x) => {
        const problems = record(tally, kind, JSON.stringify(x) ?? String(x), await CHECKS[kind](dir, x));
        if (problems.length) throw new Error(problems.join('\n'));
      }),
      { numRuns: RUNS },
    );
    t.true(tally.runs >= RUNS);
    // Both outcomes occur: the generators reach accepted inputs and refused ones.
    t.true(Object.keys(tally.codes).length >= 2, JSON.stringify(tally.codes));
    t.log(`${kind}: ${JSON.stringify(tally.codes)}`);
  });
}

test('fuzz through the real CLI: generated configurations (backup --dry-run) and archives (verify) end in 0-6 with no stack trace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ab-fuzz-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const kind of ['config', 'zip'] as const) {
    const tally = newTally();
    for (const x of fc.sample(ARBS[kind] as fc.Arbitrary<unknown>, { numRuns: 4 })) {
      const o = await cliCase(kind, dir, x);
      t.deepEqual(record(tally, kind, JSON.stringify(x), o), [], o.message.slice(0, 500));
      t.true(o.code >= 0 && o.code <= 6);
    }
  }
});
