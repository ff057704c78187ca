import test from 'ava';
import { acknowledged, closingLines, finishedRestoring, goQuote, toolsFormat } from '../src/sandbox/emulator/tools-format.ts';
import { goUnquote, judgeRestoreLog } from '../src/restore/restore-log.ts';

test('toolsFormat: r3.4-r4.0 legacy, r4.2-100.15 plain, 100.16+ quoted', (t) => {
  t.deepEqual(
    ['3.4.24', 'r4.0.28', '4.2.0', '100.9.4', '100.15.0', '100.16.0', '100.17.1'].map((v) => toolsFormat(v).family),
    ['legacy', 'legacy', 'plain', 'plain', 'plain', 'quoted', 'quoted'],
  );
});

test("goQuote is Go's %#q: backquotes when it can, else double quotes with escapes; the judge's goUnquote reads both back", (t) => {
  t.is(goQuote('AlteryxGallery.apps'), '`AlteryxGallery.apps`');
  t.is(goQuote('a.b\tc'), '`a.b\tc`');
  t.is(goQuote('a.b`c'), '"a.b`c"');
  t.is(goQuote('a.b\nc"d\\'), '"a.b\\nc\\"d\\\\"');
  for (const s of ['AlteryxGallery.apps', 'a.b`c', 'a.b\nc"d\\', 'x.y\u0001z', 'caf\u00e9.s']) t.is(goUnquote(goQuote(s)), s);
});

test('what each format prints is what the judge understands', (t) => {
  for (const v of ['4.0.28', '100.9.4', '100.16.0']) {
    const f = toolsFormat(v);
    const text = [finishedRestoring(f, 'AlteryxService.AS_Jobs', 5, 0), ...closingLines(f, { restored: 5, failed: 0 })].join('\n');
    const verdict = judgeRestoreLog(text, 0);
    t.true(verdict.ok, `${v}: ${verdict.summary}`);
    t.deepEqual(verdict.collections, { AlteryxService: { AS_Jobs: 5 } });
    // Unacknowledged: 100.x prints `done` only, which cannot be verified.
    if (f.family !== 'legacy')
      t.true(
        judgeRestoreLog([finishedRestoring(f, 'AlteryxService.AS_Jobs', 5, 0), ...closingLines(f, { restored: 5, failed: 0 }, false)].join('\n'), 0)
          .unverifiable,
      );
  }
  t.deepEqual(closingLines(toolsFormat('4.0.28'), { restored: 1, failed: 0, error: 'x' }), [], 'r4.0 prints no done after a fatal error');
});

test('acknowledged: --writeConcern w 0 or w=0 in the URI are not', (t) => {
  t.true(acknowledged(undefined, undefined));
  t.true(acknowledged('majority', null));
  t.true(acknowledged("{w:'majority'}", '1'));
  t.false(acknowledged('{w:0}', undefined));
  t.false(acknowledged('{ w: 0, j: false }', undefined));
  t.false(acknowledged('0', undefined));
  t.false(acknowledged(undefined, '0'));
});
