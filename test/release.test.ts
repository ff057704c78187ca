// scripts/release.mjs: argument checks that fail before anything is built, and the third-party notices made from
// esbuild metafiles (the whole release is exercised by test/windows-release.e2e.test.ts).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repo } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';
// @ts-expect-error: a plain .mjs script without types
import { thirdPartyNotices } from '../scripts/release.mjs';

const release = (args: string[]) => spawnSync(process.execPath, [path.join(repo, 'scripts', 'release.mjs'), ...args], { cwd: repo, encoding: 'utf8' });

test('an unknown argument: exit 1 with the usage', (t) => {
  const r = release(['--bogus']);
  t.is(r.status, 1);
  t.regex(r.stderr, /release: ERROR: unknown argument --bogus; usage: node scripts\/release\.mjs/);
});

test('signing outside Windows: exit 1 saying where to sign, before anything is built', (t) => {
  const before = fs.existsSync(path.join(repo, 'dist', '.build')) ? fs.statSync(path.join(repo, 'dist', '.build')).mtimeMs : 0;
  const r = release(['--sign-thumbprint', '0123456789ABCDEF0123456789ABCDEF01234567', '--skip-nupkg']);
  t.is(r.status, 1);
  t.regex(r.stderr, /Set-AuthenticodeSignature, which exists on Windows only/);
  const after = fs.existsSync(path.join(repo, 'dist', '.build')) ? fs.statSync(path.join(repo, 'dist', '.build')).mtimeMs : 0;
  t.is(after, before, 'dist/.build untouched');
  const both = release(['--sign-thumbprint', 'AB', '--sign-pfx', 'x.pfx']);
  t.regex(both.stderr, /give --sign-thumbprint or --sign-pfx, not both/);
});

test('the release installs its tools first (scripts/install-tools.sh) and stops, building nothing, when that fails', (t) => {
  const dir = tempDir(t);
  const marker = path.join(dir, 'ran');
  const script = path.join(dir, 'install-tools.sh');
  fs.writeFileSync(script, `echo "tools: checked" > '${marker}'\necho 'no network' >&2\nexit 7\n`);
  const before = fs.existsSync(path.join(repo, 'dist', '.build')) ? fs.statSync(path.join(repo, 'dist', '.build')).mtimeMs : 0;
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'release.mjs'), '--skip-nupkg'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, ALTERYXBACKUP_RELEASE_TOOLS_SCRIPT: script },
  });
  t.is(r.status, 1, r.stdout + r.stderr);
  t.is(fs.readFileSync(marker, 'utf8'), 'tools: checked\n', 'the tools script ran');
  t.regex(r.stderr, /no network/);
  t.regex(r.stderr, /release: ERROR: .*install-tools\.sh failed \(exit 7\): the release needs the tools it installs/);
  const after = fs.existsSync(path.join(repo, 'dist', '.build')) ? fs.statSync(path.join(repo, 'dist', '.build')).mtimeMs : 0;
  t.is(after, before, 'dist/.build untouched');
  // npm run release is this script (no separate step to forget).
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.is(pkg.scripts['release'], 'node scripts/release.mjs');
});

test('third-party notices: every package of the metafile inputs, with version, licence and licence text, plus Node.js and mingw-w64', (t) => {
  const dir = tempDir(t);
  const meta = path.join(dir, 'a.meta.json');
  fs.writeFileSync(
    meta,
    JSON.stringify({
      inputs: {
        'src/cli/main.ts': {},
        'node_modules/zod/v4/classic/schemas.js': {},
        'node_modules/zod/index.js': {},
        'node_modules/@mongodb-js/saslprep/dist/index.js': {},
        'node_modules/safe-buffer/index.js': {},
      },
    }),
  );
  const license = path.join(dir, 'NODE-LICENSE');
  fs.writeFileSync(license, 'Node.js is licensed for use as follows: (the test text)');
  const text: string = thirdPartyNotices([meta], { version: '24.21.0', license });
  const zod = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', 'zod', 'package.json'), 'utf8')) as { version: string };
  t.true(text.includes(`  - zod ${zod.version} (MIT)`));
  t.true(text.includes('  - @mongodb-js/saslprep '));
  t.regex(text, / {2}- safe-buffer [\d.]+ \(MIT\)/);
  t.is(text.match(/ {2}- zod /g)?.length, 1, 'one entry a package');
  t.true(text.includes(fs.readFileSync(path.join(repo, 'node_modules', 'zod', 'LICENSE'), 'utf8').trim()), 'the licence text itself');
  t.true(text.includes('  - Node.js 24.21.0'));
  t.true(text.includes('(the test text)'));
  t.true(text.includes('mingw-w64 runtime'));
  t.false(text.includes('src/cli'), 'our own sources are not third-party');
});
