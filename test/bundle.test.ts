// scripts/build.mjs: what a run of the core loads at start. The cloud SDKs, the MongoDB driver and nodemailer are
// chunks of their own, imported on first use (src/cloud/open.ts, src/mongo/check.ts, src/restore/drill-mongod.ts,
// src/alerts/email.ts, src/history/mail.ts), so that a backup to a local folder neither parses nor keeps them.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { bundledLibDir } from '../src/util/bundle-dir.ts';
import { bundle, repo } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';
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

test('bundledLibDir: lib/*.mjs and lib/chunks/*.mjs give the lib folder; the sources and other folders give nothing', (t) => {
  const lib = path.resolve('/opt/m/AlteryxBackup/lib');
  t.is(bundledLibDir(pathToFileURL(path.join(lib, 'alteryx-backup.mjs')).href), lib);
  t.is(bundledLibDir(pathToFileURL(path.join(lib, 'chunks', 'chunk-ABC.mjs')).href), lib);
  t.is(bundledLibDir(pathToFileURL(path.resolve('/repo/src/util/bundle-dir.ts')).href), undefined);
  t.is(bundledLibDir(pathToFileURL(path.resolve('/opt/chunks/x.mjs')).href), undefined);
  t.is(bundledLibDir('data:text/javascript,0'), undefined);
});

test('the module folder copied away from the repository (no package.json above it) finds its emulator, config and chunks', (t) => {
  const dir = tempDir(t, 'ab-bundle-copy-');
  const mod = path.join(dir, 'Modules', 'AlteryxBackup');
  fs.cpSync(path.join(repo, 'module', 'AlteryxBackup'), mod, { recursive: true, filter: (s) => !s.endsWith('.map') });
  const cli = path.join(mod, 'lib', 'alteryx-backup.mjs');
  const sbx = path.join(dir, 'sbx');
  const made = spawnSync(process.execPath, [cli, 'sandbox', 'create', sbx, '--db-size-mb', '1', '--json'], { encoding: 'utf8', cwd: dir });
  t.is(made.status, 0, made.stderr);
  // The sandbox's emulated tools run the copied emulator bundle (a chunk of the split build computes its path).
  const shim = fs.readFileSync(path.join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe'), 'utf8');
  t.true(shim.includes(path.join(mod, 'lib', 'sandbox-emulator.mjs')), shim);
  const r = spawnSync(process.execPath, [cli, 'backup', '--mode', 'ConfigOnly', '--sandbox', sbx, '--json'], { encoding: 'utf8', cwd: dir });
  const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { exitCode: number; message: string };
  t.is(r.status, 0, result.message);
  t.is(result.exitCode, 0);
});
