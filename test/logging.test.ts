import test from 'ava';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunLogger, formatTimestamp, logFileName, type LogRecord } from '../src/log/logger.ts';
import { Masker, MASK } from '../src/log/mask.ts';
import { tempDir } from './helpers/tmp.ts';

test('timestamps are yyyy-MM-dd HH:mm:ss and the log name carries the mode', (t) => {
  const d = new Date(2026, 0, 13, 2, 5, 9);
  t.is(formatTimestamp(d), '2026-01-13 02:05:09');
  t.is(logFileName('DatabaseOnly', d), 'BackupLog_DatabaseOnly_20260113_020509.log');
});

test('every level reaches the file, its JSON-lines twin and the sink, in the PRD format', (t) => {
  const dir = tempDir(t);
  const seen: LogRecord[] = [];
  const log = new RunLogger((r) => seen.push(r));
  log.info('before the file is attached');
  const file = log.attachFiles(join(dir, 'logs'), 'ConfigOnly', new Date(2026, 10, 28, 14, 3, 1));
  log.setStep('files');
  log.debug('d');
  log.warn('w');
  log.error('e');
  log.success('s');
  t.is(file, join(dir, 'logs', 'BackupLog_ConfigOnly_20261128_140301.log'));
  const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
  t.is(lines.length, 5);
  for (const l of lines) t.regex(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(DEBUG|INFO|WARNING|ERROR|SUCCESS)\] /);
  t.deepEqual(
    lines.map((l) => /\[(\w+)\]/.exec(l)![1]),
    ['INFO', 'DEBUG', 'WARNING', 'ERROR', 'SUCCESS'],
  );
  const twin = readFileSync(file.replace(/\.log$/, '.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.is(twin.length, 5);
  t.is(twin[4].level, 'SUCCESS');
  t.is(twin[4].step, 'files');
  t.regex(twin[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  t.deepEqual(
    seen.map((r) => r.level),
    ['INFO', 'DEBUG', 'WARNING', 'ERROR', 'SUCCESS'],
  );
  t.is(log.problems.length, 2);
  t.deepEqual(readdirSync(join(dir, 'logs')).sort(), ['BackupLog_ConfigOnly_20261128_140301.jsonl', 'BackupLog_ConfigOnly_20261128_140301.log']);
});

test('secrets are masked in the file, the twin and the sink: connection-string password and controller token', (t) => {
  const dir = tempDir(t);
  const seen: string[] = [];
  const log = new RunLogger((r) => seen.push(r.message));
  const token = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const file = log.attachFiles(dir, 'Full', new Date());
  log.masker.add(token);
  log.info('connecting to mongodb://backup:P%40ss%3Aw0rd!@mongo01:27017,mongo02/?replicaSet=rs0');
  log.info(`token is ${token}`);
  log.info('Admin: Sup3rSecretAdmin\nNon-Admin: Sup3rSecretUser');
  log.info('options password=hunter22 and --password hunter33');
  const text = readFileSync(file, 'utf8') + readFileSync(file.replace(/\.log$/, '.jsonl'), 'utf8') + seen.join('\n');
  for (const secret of ['P%40ss%3Aw0rd!', token, 'Sup3rSecretAdmin', 'Sup3rSecretUser', 'hunter22', 'hunter33']) {
    t.false(text.includes(secret), `${secret} leaked`);
  }
  t.true(text.includes(`mongodb://backup:${MASK}@mongo01`));
});

test('maskDeep masks secret-named keys and known values inside objects', (t) => {
  const m = new Masker();
  m.add('s3cr3t-value');
  const out = m.maskDeep({ a: { Password: 'x1', note: 'has s3cr3t-value inside' }, list: ['s3cr3t-value'], n: 3 });
  t.deepEqual(out, { a: { Password: MASK, note: `has ${MASK} inside` }, list: [MASK], n: 3 });
});

test('a <placeholder> in an instruction is not taken for a secret; real values after secret= / token: still are', (t) => {
  const m = new Masker();
  const line = 'Put it back by hand: AlteryxService.exe setserversecret=<token of the pre-restore backup> on ALTERYX01';
  t.is(m.mask(line), line);
  t.is(m.mask('AlteryxService.exe setserversecret=9f2c4e6a8b0d1f3e'), `AlteryxService.exe setserversecret=${MASK}`);
  t.is(m.mask('token: <abc'), `token: ${MASK}`, 'an unclosed bracket is a value');
  t.is(m.mask('password="<p@ss>word"'), `password="${MASK}"`, 'a value that only starts like a placeholder is masked');
  t.is(m.mask('pwd=<p@ss> next'), `pwd=${MASK} next`, 'a bracketed value without words is masked');
});

test('a log file another program holds (the write fails) neither breaks the step nor loses a line', (t) => {
  const dir = tempDir(t);
  const seen: LogRecord[] = [];
  const log = new RunLogger((r) => seen.push(r));
  const file = log.attachFiles(join(dir, 'logs'), 'Full', new Date(2026, 10, 28, 14, 3, 1));
  log.info('one');
  // The twin cannot be written for a while (a folder in its place makes appendFileSync fail, as a lock does).
  const twinPath = file.replace(/\.log$/, '.jsonl');
  rmSync(twinPath);
  mkdirSync(twinPath);
  t.notThrows(() => {
    log.info('two');
    log.info('three');
  });
  t.is(
    seen.filter((r) => r.level === 'WARNING' && /could not be written \(EISDIR\)/.test(r.message)).length,
    1,
    'one warning, to the console and the event stream',
  );
  rmSync(twinPath, { recursive: true });
  log.info('four');
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\r\n')
    .map((l) => l.replace(/^.*\] /, ''));
  t.deepEqual(lines, ['one', 'two', 'three', 'four'], 'each line once, in order');
  const twin = readFileSync(twinPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).message);
  t.deepEqual(twin, ['two', 'three', 'four'], 'the twin gets the lines it missed (its earlier file was removed by the test)');
});
