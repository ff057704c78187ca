// File-system surprises during a drill end in the documented storage code (4) with what to do, never a raw
// `EEXIST:` / `ENOENT:` (issue 12).
import test from 'ava';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers/cli.ts';
import { backupOf } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

test('a scratch folder that is a symbolic link to nowhere, or to a file: exit 4 naming the path and what to do', async (t) => {
  const a = await backupOf(t, 'ConfigOnly');
  const d = tempDir(t);
  symlinkSync(join(d, 'nowhere'), join(d, 'dangling'));
  writeFileSync(join(d, 'file'), 'x');
  symlinkSync(join(d, 'file'), join(d, 'to-file'));
  for (const [link, why] of [
    ['dangling', /a symbolic link points nowhere \(ENOENT\)/],
    ['to-file', /something is already there .*\(EEXIST\)/],
  ] as const) {
    const r = await runCli(['drill', a.archive, '--scratch', join(d, link), '--sandbox', a.dir, '--config', a.config, '--json']);
    t.is(r.code, 4, r.stdout.slice(-1500));
    const msg = String(r.result?.['message']);
    t.regex(msg, why);
    t.true(msg.includes(join(d, link)), msg);
    t.regex(msg, /Check that the path exists and is a real folder/);
    t.false(/^\s+at /m.test(msg), 'no stack trace');
  }
});
