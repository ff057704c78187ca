// scripts/build.mjs: what a run of the core loads at start. The cloud SDKs, the MongoDB driver and nodemailer are
// chunks of their own, imported on first use (src/cloud/open.ts, src/mongo/check.ts, src/restore/drill-mongod.ts,
// src/alerts/email.ts, src/history/mail.ts), so that a backup to a local folder neither parses nor keeps them.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bundle } from './helpers/cli.ts';
// @ts-expect-error: a plain .mjs script without types
import { bundleOptions } from '../scripts/build.mjs';

const LAZY = /node_modules\/(@azure|@aws-sdk|@smithy|mongodb|nodemailer)\//;

/** The outputs an entry loads at start: itself and what it imports with static import statements, transitively. */
function loadedAtStart(meta: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of meta.outputs[out]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...seen];
}

let meta: Metafile;
test.before(async () => {
  // write: false: nothing is written, the module's own lib/ is left alone (other tests run it meanwhile).
  meta = (
    await build({
      ...bundleOptions(path.join(import.meta.dirname, '..', 'module', 'AlteryxBackup', 'lib')),
      write: false,
      absWorkingDir: path.join(import.meta.dirname, '..'),
    })
  ).metafile!;
});

for (const entry of ['alteryx-backup', 'sandbox-emulator']) {
  test(`${entry}.mjs loads no cloud SDK, MongoDB driver or nodemailer at start`, (t) => {
    const key = Object.keys(meta.outputs).find((o) => o.endsWith(`/${entry}.mjs`))!;
    t.truthy(key, `an output for ${entry}`);
    const eager = loadedAtStart(meta, key).flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
    t.true(eager.length > 50, 'the walk found the entry and its shared chunks');
    t.deepEqual(
      eager.filter((i) => LAZY.test(i)),
      [],
    );
  });
}

test('the lazily loaded packages are still in the build, in chunks of their own', (t) => {
  const all = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
  for (const pkg of ['@azure/storage-blob', '@azure/identity', '@aws-sdk/client-s3', 'mongodb', 'nodemailer']) {
    t.true(
      all.some((i) => i.includes(`node_modules/${pkg}/`)),
      pkg,
    );
  }
  const cli = Object.keys(meta.outputs).find((o) => o.endsWith('/alteryx-backup.mjs'))!;
  t.true(
    (meta.outputs[cli]?.imports ?? []).some((i) => i.kind === 'dynamic-import'),
    'the CLI imports chunks on demand',
  );
});

test('the built CLI starts and prints its version with the chunks beside it', (t) => {
  const r = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^alteryx-backup \d+\.\d+\.\d+/);
});
