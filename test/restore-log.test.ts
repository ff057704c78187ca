import test from 'ava';
import { compareCounts, judgeRestoreLog, totalDocuments } from '../src/restore/restore-log.ts';

const ts = '2026-01-13T02:00:00.000+0000\t';
const good = [
  'preparing collections to restore from',
  'reading metadata for AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.metadata.json',
  'restoring AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.bson',
  'finished restoring AlteryxGallery.apps (215 documents, 0 failures)',
  'finished restoring AlteryxGallery_Lucene.fs.chunks (1 document, 0 failures)',
  'no indexes to restore for collection AlteryxGallery.apps',
  '216 document(s) restored successfully. 0 document(s) failed to restore.',
].map((l) => ts + l).join('\n');

test('a clean log with exit code 0 is a success; per-collection counts come from the "finished restoring" lines', (t) => {
  const v = judgeRestoreLog(good, 0);
  t.true(v.ok, v.summary);
  t.is(v.restored, 216);
  t.is(v.failed, 0);
  t.deepEqual(v.collections, { AlteryxGallery: { apps: 215 }, AlteryxGallery_Lucene: { 'fs.chunks': 1 } });
  t.deepEqual(v.reasons, []);
  t.regex(v.summary, /^success, 216 document\(s\) restored/);
});

test('0 documents restored is a failure even with exit code 0 and no error line (a wrong source folder)', (t) => {
  const v = judgeRestoreLog(`${ts}preparing collections to restore from\n${ts}0 document(s) restored successfully. 0 document(s) failed to restore.\n`, 0);
  t.false(v.ok);
  t.is(v.restored, 0);
  t.regex(v.summary, /0 documents restored/);
});

test('a Failed: line fails the restore, with exit code 0 and a clean summary line', (t) => {
  const v = judgeRestoreLog(good.replace('no indexes', 'Failed: AlteryxService: error creating indexes') , 0);
  t.false(v.ok);
  t.is(v.problemLines.length, 1);
  t.regex(v.problemLines[0]!, /Failed: AlteryxService/);
});

test('documents that failed to restore fail it', (t) => {
  const v = judgeRestoreLog(good.replace('216 document(s) restored successfully. 0 document(s)', '210 document(s) restored successfully. 6 document(s)'), 0);
  t.false(v.ok);
  t.is(v.failed, 6);
  t.regex(v.reasons.join(), /6 document\(s\) failed to restore/);
});

test('the words error, critical, fatal, failed anywhere else fail it; "0 failures" and names that contain the letters do not', (t) => {
  for (const word of ['error', 'ERROR', 'critical', 'Fatal', 'failed']) {
    const v = judgeRestoreLog(`${good}\n${ts}something ${word} happened`, 0);
    t.false(v.ok, word);
  }
  t.true(judgeRestoreLog(`${good}\n${ts}restoring AlteryxService.AS_ErrorsLog_terror from x`, 0).ok);
});

test('a non-zero exit code, a missing log, a log without summary each fail', (t) => {
  t.false(judgeRestoreLog(good, 1).ok);
  t.regex(judgeRestoreLog(good, 1).summary, /exit code 1/);
  const missing = judgeRestoreLog(undefined, 0);
  t.false(missing.ok);
  t.regex(missing.summary, /no restore log/);
  const noSummary = judgeRestoreLog(`${ts}preparing collections to restore from\n`, 0);
  t.false(noSummary.ok);
  t.regex(noSummary.summary, /no "document\(s\) restored successfully" summary line/);
});

test('several summary lines add up; one with failures fails the whole', (t) => {
  const two = `${ts}5 document(s) restored successfully. 0 document(s) failed to restore.\n${ts}7 document(s) restored successfully. 0 document(s) failed to restore.`;
  const v = judgeRestoreLog(two, 0);
  t.true(v.ok);
  t.is(v.restored, 12);
  t.false(judgeRestoreLog(`${two}\n${ts}1 document(s) restored successfully. 1 document(s) failed to restore.`, 0).ok);
});

test('compareCounts: manifest vs log vs counted; an empty collection without a log line is fine', (t) => {
  const expected = { A: { x: 3, empty: 0 }, B: { y: 2 } };
  const rows = compareCounts(expected, { A: { x: 3 }, B: { y: 2 } }, { A: { x: 3, empty: 0 }, B: { y: 2 } });
  t.true(rows.every((r) => r.ok), JSON.stringify(rows));
  const bad = compareCounts(expected, { A: { x: 3 }, B: { y: 1 } }, undefined);
  t.deepEqual(bad.filter((r) => !r.ok).map((r) => `${r.database}.${r.collection}`), ['B.y']);
  const extra = compareCounts(expected, undefined, { A: { x: 3, empty: 0, z: 1 }, B: { y: 2 } });
  t.deepEqual(extra.filter((r) => !r.ok).map((r) => `${r.database}.${r.collection}`), ['A.z']);
  t.is(totalDocuments(expected), 5);
});
