// The Windows stage: the release zip unpacked and run with its own bin\node.exe under Wine (what runs:
// test/helpers/release-stage.ts), the zip's contents, and the .nupkg installed by Install-PSResource from its
// folder repository, then Import-Module and Get-Command.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repo } from './helpers/cli.ts';
import { pin, releaseStage, version, zipFile, zipName } from './helpers/release-stage.ts';

const { work, moduleDir, wineNode } = releaseStage(test, 'windows');

test.serial('the zip: sha256 file, the module, the pinned node.exe (PE x64), docs, licence, notices', (t) => {
  const sha = fs.readFileSync(`${zipFile}.sha256`, 'utf8');
  t.is(sha, `${createHash('sha256').update(fs.readFileSync(zipFile)).digest('hex')}  ${zipName}\n`);
  for (const f of [
    'AlteryxBackup.psd1',
    'AlteryxBackup.psm1',
    'AlteryxBackup.Format.ps1xml',
    'Public/Invoke-AlteryxBackup.ps1',
    'lib/alteryx-backup.mjs',
    'lib/sandbox-emulator.mjs',
    'lib/chunks',
    'lib/sandbox-launcher.exe',
    'config/backup-config.schema.json',
    'config/backup-config.json',
    'bin/node.exe',
    'README.md',
    'docs/installation.md',
    'LICENSE',
    'THIRD-PARTY-NOTICES.txt',
  ]) {
    t.true(fs.existsSync(path.join(moduleDir, f)), f);
  }
  for (const exe of ['bin/node.exe', 'lib/sandbox-launcher.exe']) {
    const b = fs.readFileSync(path.join(moduleDir, exe));
    t.is(b.toString('latin1', 0, 2), 'MZ', exe);
    const pe = b.readUInt32LE(0x3c);
    t.is(b.toString('latin1', pe, pe + 4), 'PE\0\0', exe);
    t.is(b.readUInt16LE(pe + 4), 0x8664, `${exe} is x64`);
  }
  const original = fs.readFileSync(path.join(moduleDir, 'bin', 'node.exe'));
  const patched = fs.readFileSync(wineNode);
  let diff = 0;
  for (let i = 0; i < original.length; i++) if (original[i] !== patched[i]) diff++;
  t.is(diff, 1, 'the Wine copy differs from the shipped node.exe in one byte');
  const notices = fs.readFileSync(path.join(moduleDir, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
  for (const dep of ['fast-xml-parser', 'zod', 'tslog', 'yauzl', 'mongodb', `Node.js ${pin.version}`, 'mingw-w64']) t.true(notices.includes(`  - ${dep}`), dep);
  t.false(fs.existsSync(path.join(moduleDir, 'node_modules')));
});

test.serial('the .nupkg: Install-PSResource AlteryxBackup from the folder repository, Import-Module, Get-Command', (t) => {
  const feed = path.join(repo, 'dist', 'feed');
  t.true(fs.existsSync(path.join(feed, `AlteryxBackup.${version}.nupkg`)), 'npm run release wrote the package');
  // A throw-away PSResourceGet configuration and install scope (its folders must exist: .NET reports none otherwise).
  const home = path.join(work, 'psrg-home');
  for (const d of ['.local/share', '.config', '.cache']) fs.mkdirSync(path.join(home, d), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, AB_FEED: feed, PSModulePath: '' };
  for (const k of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME']) delete env[k];
  const script = [
    "$ErrorActionPreference = 'Stop'",
    'Register-PSResourceRepository -Name AlteryxBackupTest -Uri $env:AB_FEED -Trusted',
    'Install-PSResource AlteryxBackup -Repository AlteryxBackupTest -Scope CurrentUser -TrustRepository',
    '$m = Import-Module AlteryxBackup -PassThru',
    '"BASE=$($m.ModuleBase)"',
    '"VERSION=$($m.Version)"',
    'Get-Command -Module AlteryxBackup | Sort-Object Name | ForEach-Object { "CMD=$($_.Name)" }',
  ].join('; ');
  const r = spawnSync(path.join(repo, '.tools', 'pwsh', 'pwsh'), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], {
    cwd: home,
    encoding: 'utf8',
    env,
    timeout: 110_000,
  });
  t.is(r.status, 0, r.stdout + r.stderr);
  const base = /^BASE=(.*)$/m.exec(r.stdout)?.[1] ?? '';
  t.true(base.startsWith(home), `installed under the throw-away home, not ${base}`);
  t.regex(r.stdout, new RegExp(`^VERSION=${version.replace(/\./g, '\\.')}$`, 'm'));
  const psd1 = fs.readFileSync(path.join(repo, 'module', 'AlteryxBackup', 'AlteryxBackup.psd1'), 'utf8');
  const exported = [...(/FunctionsToExport\s*=\s*@\(([\s\S]*?)\)/.exec(psd1)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!).sort();
  const commands = [...r.stdout.matchAll(/^CMD=(.*)$/gm)].map((m) => m[1]!).sort();
  t.true(exported.length >= 6);
  t.deepEqual(commands, exported);
  t.true(fs.existsSync(path.join(base, 'bin', 'node.exe')), 'the package carries the bundled node.exe');
});
