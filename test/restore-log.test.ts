import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {
  compareCounts,
  decodeRestoreLog,
  goUnquote,
  judgeRestoreLog,
  readRestoreLogFile,
  restoreFailureMessage,
  totalDocuments,
} from '../src/restore/restore-log.ts';

const ts = '2026-01-13T02:00:00.000+0000\t';
const good = [
  'preparing collections to restore from',
  'reading metadata for AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.metadata.json',
  'restoring AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.bson',
  'finished restoring AlteryxGallery.apps (215 documents, 0 failures)',
  'finished restoring AlteryxGallery_Lucene.fs.chunks (1 document, 0 failures)',
  'no indexes to restore for collection AlteryxGallery.apps',
  '216 document(s) restored successfully. 0 document(s) failed to restore.',
]
  .map((l) => ts + l)
  .join('\n');

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
  const v = judgeRestoreLog(good.replace('no indexes', 'Failed: AlteryxService: error creating indexes'), 0);
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
  t.true(
    rows.every((r) => r.ok),
    JSON.stringify(rows),
  );
  const bad = compareCounts(expected, { A: { x: 3 }, B: { y: 1 } }, undefined);
  t.deepEqual(
    bad.filter((r) => !r.ok).map((r) => `${r.database}.${r.collection}`),
    ['B.y'],
  );
  const extra = compareCounts(expected, undefined, { A: { x: 3, empty: 0, z: 1 }, B: { y: 2 } });
  t.deepEqual(
    extra.filter((r) => !r.ok).map((r) => `${r.database}.${r.collection}`),
    ['A.z'],
  );
  t.is(totalDocuments(expected), 5);
});

// Formats as printed by mongodb/mongo-tools (see the comment at the top of src/restore/restore-log.ts for the
// tags and files they were checked in).
const v10016 = [
  'preparing collections to restore from',
  'reading metadata for `AlteryxGallery.apps` from `D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.metadata.json`',
  'restoring `AlteryxGallery.apps` from `D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.bson`',
  'finished restoring `AlteryxGallery.apps` (120 documents, 0 failures)',
  'finished restoring `AlteryxGallery_Lucene.fs.chunks` (1 document, 0 failures)',
  'finished restoring "AlteryxService.odd`name" (2 documents, 0 failures)',
  'no indexes to restore for collection `AlteryxGallery.apps`',
  '123 document(s) restored successfully. 0 document(s) failed to restore.',
]
  .map((l) => ts + l)
  .join('\n');

const r40 = [
  'building a list of dbs and collections to restore from D:\\Temp\\x\\MongoDB dir',
  'reading metadata for AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.metadata.json',
  'restoring AlteryxGallery.apps from D:\\Temp\\x\\MongoDB\\AlteryxGallery\\apps.bson',
  'no indexes to restore',
  'finished restoring AlteryxGallery.apps (120 documents)',
  'finished restoring AlteryxService.AS_Errors (3 documents)',
  'done',
]
  .map((l) => ts + l)
  .join('\n');

test('mongo-tools 100.16+: backquoted names are counted under their database and collection, not under `db / coll`', (t) => {
  const v = judgeRestoreLog(v10016, 0);
  t.true(v.ok, v.summary);
  t.is(v.format, 'summary');
  t.deepEqual(v.collections, { AlteryxGallery: { apps: 120 }, AlteryxGallery_Lucene: { 'fs.chunks': 1 }, AlteryxService: { 'odd`name': 2 } });
  t.deepEqual(
    compareCounts(
      { AlteryxGallery: { apps: 120 }, AlteryxGallery_Lucene: { 'fs.chunks': 1 }, AlteryxService: { 'odd`name': 2 } },
      v.collections,
      undefined,
    ).filter((r) => !r.ok),
    [],
  );
});

test('goUnquote: Go %#q names in double quotes with escapes, backquoted names as they are', (t) => {
  t.is(goUnquote('`a.b c`'), 'a.b c');
  t.is(goUnquote('"a.b\\tc\\nd\\"e\\\\f\\x41\\u00e9"'), 'a.b\tc\nd"e\\fAé');
  t.is(goUnquote('plain.name'), 'plain.name');
});

test('r3.4-r4.0: per-collection lines and "done" without a summary decide; the total is the sum of the lines', (t) => {
  const v = judgeRestoreLog(r40, 0);
  t.true(v.ok, v.summary);
  t.is(v.format, 'legacy');
  t.is(v.restored, 123);
  t.is(v.failed, null);
  t.deepEqual(v.collections, { AlteryxGallery: { apps: 120 }, AlteryxService: { AS_Errors: 3 } });
});

test('r3.4-r4.0: a duplicate key "error:" line, a Failed: line without "done", or 0 documents fail it', (t) => {
  const dup = judgeRestoreLog(
    r40.replace('no indexes to restore', "error: E11000 duplicate key error collection: AlteryxGallery.apps index: _id_ dup key: { : ObjectId('5f1') }"),
    0,
  );
  t.false(dup.ok);
  t.regex(dup.summary, /E11000/);
  const stopped = judgeRestoreLog(
    `${r40.split('\n').slice(0, 5).join('\n')}\n${ts}Failed: AlteryxService.AS_Errors: error restoring from x: reading bson input: EOF`,
    1,
  );
  t.false(stopped.ok);
  t.false(stopped.unverifiable);
  const empty = judgeRestoreLog(`${ts}finished restoring AlteryxGallery.apps (0 documents)\n${ts}done`, 0);
  t.false(empty.ok);
  t.regex(empty.summary, /0 documents restored/);
});

test('"done" only (unacknowledged write concern) cannot be verified: a failure with its own message', (t) => {
  for (const text of [
    `${ts}finished restoring AlteryxGallery.apps (120 documents, 0 failures)\n${ts}done`,
    `${ts}finished restoring \`AlteryxGallery.apps\` (120 documents, 0 failures)\n${ts}done`,
    `${ts}preparing collections to restore from\n${ts}done\n`,
  ]) {
    const v = judgeRestoreLog(text, 0);
    t.false(v.ok, text);
    t.true(v.unverifiable, text);
    t.is(v.format, 'done-only');
    t.regex(v.summary, /^CANNOT BE VERIFIED/);
    const m = restoreFailureMessage(v);
    t.regex(m.message, /cannot be verified/);
    t.regex(m.hint, /w=0/);
  }
  // Any other failure keeps the ordinary message.
  t.regex(restoreFailureMessage(judgeRestoreLog(good, 1)).message, /^The MongoDB restore failed: exit code 1\.$/);
});

test('continuing through error lines with failures in the summary fail it, in both name formats', (t) => {
  for (const log of [good, v10016]) {
    const bad = log
      .replace(/\(120 documents, 0 failures\)|\(215 documents, 0 failures\)/, '(118 documents, 2 failures)')
      .replace(/(\d+) document\(s\) restored successfully\. 0/, '$1 document(s) restored successfully. 2')
      .concat(`\n${ts}continuing through error: E11000 duplicate key error collection: AlteryxGallery.apps index: _id_ dup key: { _id: 1 }`);
    const v = judgeRestoreLog(bad, 0);
    t.false(v.ok);
    t.is(v.failed, 2);
  }
});

test('CRLF line ends and lines without timestamps are read alike', (t) => {
  const crlf = judgeRestoreLog(v10016.replace(/\n/g, '\r\n') + '\r\n', 0);
  t.true(crlf.ok, crlf.summary);
  t.is(crlf.restored, 123);
  t.deepEqual(crlf.collections, judgeRestoreLog(v10016, 0).collections);
  const bare = judgeRestoreLog(
    r40
      .split('\n')
      .map((l) => l.replace(ts, ''))
      .join('\r\n'),
    0,
  );
  t.true(bare.ok, bare.summary);
  t.is(bare.restored, 123);
});

test('a log file in UTF-16LE with a BOM (Windows PowerShell 5.1 redirection), UTF-16BE, UTF-8 with BOM: decoded and judged', async (t) => {
  const text = r40.replace(/\n/g, '\r\n');
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  const u8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  const noBom = Buffer.from(text, 'utf16le');
  for (const buf of [le, be, u8, noBom]) t.is(decodeRestoreLog(buf), text);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-log-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mongoRestore.log');
  fs.writeFileSync(file, le);
  const v = judgeRestoreLog(await readRestoreLogFile(file), 0);
  t.true(v.ok, v.summary);
  t.is(v.restored, 123);
  // Read as UTF-8 the same bytes would not be understood: the decoding is what makes it pass.
  t.false(judgeRestoreLog(fs.readFileSync(file, 'utf8'), 0).ok);
  t.is(await readRestoreLogFile(path.join(dir, 'missing.log')), undefined);
});

// A collection literally named `errors`, `failed`, `fatal` or `critical` (issue 13): its namespace, and the file path
// named after it, are exempt on every tool line about it, in every name format; the words elsewhere still fail.
const named = (ns: string, file: string) =>
  [
    'preparing collections to restore from',
    `reading metadata for ${ns} from D:\\Temp\\x\\MongoDB\\AlteryxService\\${file}.metadata.json`,
    `dropping collection ${ns} before restoring`,
    `creating collection ${ns} using options from metadata`,
    `creating collection ${ns} with default options`,
    `restoring to existing collection ${ns} without dropping`,
    `restoring ${ns} from D:\\Temp\\x\\MongoDB\\AlteryxService\\${file}.bson`,
    `[##############..........]  ${ns}  1.2KB/3.4KB  (35.3%)`,
    `restoring indexes for collection ${ns} from metadata`,
    `no indexes to restore for collection ${ns}`,
    `finished restoring ${ns} (7 documents, 0 failures)`,
    '7 document(s) restored successfully. 0 document(s) failed to restore.',
  ]
    .map((l) => ts + l)
    .join('\n');

test('a collection named errors / failed / fatal / critical does not trip the word check on any tool line, plain, backquoted or Go-quoted', (t) => {
  for (const coll of ['errors', 'failed', 'fatal', 'critical', 'Error']) {
    for (const ns of [`AlteryxService.${coll}`, `\`AlteryxService.${coll}\``, `"AlteryxService.${coll}"`]) {
      const v = judgeRestoreLog(named(ns, coll), 0);
      t.true(v.ok, `${ns}: ${v.summary}`);
      t.deepEqual(v.collections, { AlteryxService: { [coll]: 7 } }, ns);
    }
  }
  // mongodump's own lines about such a collection (a drill's log holds both tools' output).
  const dump = [`writing AlteryxService.errors to D:\\Temp\\x\\AlteryxService\\errors.bson`, 'done dumping AlteryxService.errors (7 documents)'].map(
    (l) => ts + l,
  );
  t.true(judgeRestoreLog(`${named('AlteryxService.errors', 'errors')}\n${dump.join('\n')}`, 0).ok);
});

test('the namespace exemption covers only the namespace: real failures about a collection named errors still fail', (t) => {
  for (const bad of [
    'Failed: AlteryxService.errors: error restoring from D:\\Temp\\x\\MongoDB\\AlteryxService\\errors.bson: reading bson input: EOF',
    'continuing through error: E11000 duplicate key error collection: AlteryxService.errors index: _id_ dup key: { _id: 1 }',
    'restoring AlteryxService.errors failed',
    'restoring indexes for collection AlteryxService.errors from metadata: fatal',
    'error running create command: collection AlteryxService.failed already exists',
  ]) {
    const v = judgeRestoreLog(`${named('AlteryxService.errors', 'errors')}\n${ts}${bad}`, 0);
    t.false(v.ok, bad);
    t.true(
      v.reasons.some((r) => r.includes('report a failure or error') && r.includes(bad)),
      `${bad}: ${v.reasons.join('; ')}`,
    );
  }
});
