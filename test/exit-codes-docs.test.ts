// docs/exit-codes.md lists the codes of `compare` and `migrate-batch`: each row is produced by the real CLI here,
// and every code the CLI gives in these situations has its row (a missing or stale row fails).
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';

/** The (command, code) pairs of the table in docs/exit-codes.md whose first column names a command. */
function documentedRows(): Set<string> {
  const text = readFileSync(join(repo, 'docs', 'exit-codes.md'), 'utf8');
  const rows = new Set<string>();
  for (const m of text.matchAll(/^\| `([a-z-]+)` \| (\d) \| .+ \|$/gm)) rows.add(`${m[1]} ${m[2]}`);
  return rows;
}

function write(file: string, text: string) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

test('docs/exit-codes.md has a row for every code compare and migrate-batch give, and no row they do not', async (t) => {
  const dir = tempDir(t);
  const seen = new Map<string, string>();
  const record = (cmd: string, code: number | null, why: string) => seen.set(`${cmd} ${code}`, why);

  // compare: a legacy-layout folder and one of ours (folders: the same reader as archives).
  const legacy = join(dir, 'legacy');
  const ours = join(dir, 'ours');
  write(join(legacy, 'ServerBackup_20260101_020000', 'RuntimeSettings.xml'), '<SystemSettings/>');
  write(join(ours, 'Config', 'RuntimeSettings.xml'), '<SystemSettings/>');
  write(join(ours, 'manifest.json'), '{}');
  const superset = await runCli(['compare', legacy, ours]);
  t.is(superset.code, 0, superset.stdout + superset.stderr);
  record('compare', superset.code, 'superset');
  write(join(legacy, 'ServerBackup_20260101_020000', 'SystemAlias.xml'), '<Aliases/>');
  const lacks = await runCli(['compare', legacy, ours]);
  t.is(lacks.code, 3, lacks.stdout);
  record('compare', lacks.code, 'ours lacks a file');
  write(join(ours, 'Config', 'Engine', 'SystemAlias.xml'), '<Aliases><Alias name="changed"/></Aliases>');
  t.is((await runCli(['compare', legacy, ours])).code, 0, 'a differing file alone is still a superset');
  const strict = await runCli(['compare', legacy, ours, '--strict']);
  t.is(strict.code, 3, strict.stdout);
  record('compare', strict.code, '--strict difference');
  const notJson = await runCli(['compare', '--request-stdin'], { input: 'not json' });
  record('compare', notJson.code, 'stdin not JSON');

  // migrate-batch: a legacy script, then a missing one, an output that exists, one that cannot be written.
  const bat = join(dir, 'ServerBackup.bat');
  writeFileSync(bat, '@echo off\r\nSET TempDir=E:\\Backup Staging\\\r\nSET NetworkDir=\\\\nas01\\AlteryxBackups\r\n');
  const out = join(dir, 'backup-config.json');
  const okRun = await runCli(['migrate-batch', bat, '--out', out]);
  t.is(okRun.code, 0, okRun.stdout + okRun.stderr);
  record('migrate-batch', okRun.code, 'written');
  const exists = await runCli(['migrate-batch', bat, '--out', out]);
  t.is(exists.code, 3, exists.stderr);
  record('migrate-batch', exists.code, '--out exists');
  t.is((await runCli(['migrate-batch', join(dir, 'nope.bat')])).code, 3);
  writeFileSync(join(dir, 'a-file'), 'x');
  const unwritable = await runCli(['migrate-batch', bat, '--out', join(dir, 'a-file', 'backup-config.json')]);
  t.is(unwritable.code, 4, unwritable.stderr);
  record('migrate-batch', unwritable.code, '--out cannot be written');
  record('migrate-batch', (await runCli(['migrate-batch', '--request-stdin'], { input: '{' })).code, 'stdin not JSON');

  const documented = documentedRows();
  for (const [row, why] of seen) t.true(documented.has(row), `docs/exit-codes.md has no row "${row}" (${why})`);
  const ofThese = [...documented].filter((r) => /^(compare|migrate-batch) /.test(r));
  t.deepEqual(ofThese.sort(), [...seen.keys()].sort(), 'every documented row of these commands is one the CLI gives');
});
