import test from 'ava';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterSessionEnv, dotSourceEncoded, psArg, psQuote, SESSION_ENCODING, windowsPlatform } from '../src/platform/windows/adapter.ts';
import type { NodeRef } from '../src/platform/ports.ts';
import { repo } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';

const pwsh = join(repo, '.tools', 'pwsh', 'pwsh');
const fakes = join(import.meta.dirname, 'fixtures', 'windows-fakes.ps1');
const local: NodeRef = { name: 'ALTERYX01', role: 'controller', local: true };
const remote: NodeRef = { name: 'ALTERYX-WKR1', role: 'worker', local: false };

test('psQuote makes single-quoted literals that PowerShell cannot break out of', (t) => {
  t.is(psQuote("it's"), "'it''s'");
  t.is(psQuote('a\u2019b'), "'a\u2019\u2019b'");
  t.is(psQuote('$(Remove-Item C:\\)'), "'$(Remove-Item C:\\)'");
});

// The Windows adapter's session code, run through a real PowerShell session with the Windows cmdlets faked.
test.serial('the Windows adapter drives services, processes and CIM through one PowerShell session', async (t) => {
  t.true(existsSync(pwsh), 'pwsh is installed by scripts/install-tools.sh');
  const dir = tempDir(t);
  process.env['AB_FAKE_LOG'] = join(dir, 'calls.log');
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [local, remote], executable: pwsh, prelude: fakes });
  try {
    t.is(await p.services.getState(local), 'Running');
    await p.services.requestStop(local);
    t.is(await p.services.getState(local), 'StopPending');
    await p.services.requestStart(local);
    t.is(await p.services.getState(local), 'StartPending');
    t.is(await p.services.getState(remote), 'StopPending', 'CIM "Stop Pending" maps to StopPending');
    await p.services.requestStop(remote);
    t.is(await p.services.logOnAccount(remote), 'CONTOSO\\svc-alteryx');
    t.deepEqual(await p.processes.runningWorkflows(local), [{ name: 'Nightly ETL.yxmd', pid: 4242 }]);
    t.deepEqual(await p.processes.stopWorkflows(remote), ['AlteryxEngineCmd.exe pid 4242']);
    t.true(await p.system.isElevated());
    t.true(await p.system.reachable(remote));
    t.false(await p.system.reachable({ name: 'down-host', role: 'ui', local: false }));
    t.deepEqual(await p.system.inventory(local), { odbcDrivers: ['SQL Server'], dsns: [{ name: 'Warehouse', driver: 'SQL Server' }] });
    t.is(p.paths.resolve('C:\\ProgramData\\Alteryx\\Keys', remote), '\\\\ALTERYX-WKR1\\C$\\ProgramData\\Alteryx\\Keys');
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8');
    t.regex(calls, /Stop-Service\|AlteryxService\|NoWait=True/);
    t.regex(calls, /Get-CimInstance\|Win32_Service\|Name='AlteryxService'\|session:ALTERYX-WKR1/);
    t.notRegex(calls, /Invoke-CimMethod\|StopService/, 'a remote service already "Stop Pending" is not asked again');
    t.regex(calls, /Invoke-CimMethod\|Terminate/);
  } finally {
    await p.dispose();
  }
});

// Issue 19 item 10: one WinRM/CIM session per remote node for the run, not one per poll; removed when the run ends.
test.serial('the adapter polls a remote node through one CIM session, removed by dispose', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'calls.log');
  process.env['AB_FAKE_LOG'] = log;
  const wkr2: NodeRef = { name: 'ALTERYX-WKR2', role: 'worker', local: false };
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [local, remote, wkr2], executable: pwsh, prelude: fakes });
  const lines = (re: RegExp) =>
    readFileSync(log, 'utf8')
      .split(/\r?\n/)
      .filter((l) => re.test(l));
  try {
    for (let i = 0; i < 12; i++) {
      t.is(await p.services.getState(remote), 'StopPending');
      t.is(await p.services.getState(wkr2), 'StopPending');
    }
    t.is(await p.services.logOnAccount(remote), 'CONTOSO\\svc-alteryx');
    t.is(lines(/^Get-CimInstance\|Win32_Service\|.*\|session:ALTERYX-WKR1$/).length, 13, 'every poll of WKR1 went through its session');
    t.deepEqual(lines(/^New-CimSession\|/), ['New-CimSession|ALTERYX-WKR1', 'New-CimSession|ALTERYX-WKR2']);
    t.deepEqual(lines(/^Remove-CimSession\|/), []);
  } finally {
    await p.dispose();
  }
  t.deepEqual(lines(/^Remove-CimSession\|/).sort(), ['Remove-CimSession|ALTERYX-WKR1', 'Remove-CimSession|ALTERYX-WKR2']);
});

test.serial('a hostile service name is passed as a literal, never run', async (t) => {
  const dir = tempDir(t);
  process.env['AB_FAKE_LOG'] = join(dir, 'calls.log');
  const marker = join(dir, 'pwned');
  const hostile = `x'; New-Item -ItemType File -Path '${marker}'; '$(New-Item -ItemType File -Path '${marker}')`;
  const p = windowsPlatform({ serviceName: hostile, nodes: [local], executable: pwsh, prelude: fakes });
  try {
    t.is(await p.services.getState(local), 'NotFound');
  } finally {
    await p.dispose();
  }
  t.false(existsSync(marker));
  t.true(readFileSync(join(dir, 'calls.log'), 'utf8').includes(`Get-Service|${hostile}`));
});

test('psArg keeps ASCII as a literal and sends anything else as base64 UTF-8, so no code page can change it', (t) => {
  t.is(psArg("it's"), "'it''s'");
  const arg = psArg('Überwachung é');
  t.regex(arg, /^[\x20-\x7e]+$/, 'the argument text is ASCII only');
  const b64 = /FromBase64String\('([^']+)'\)/.exec(arg)![1]!;
  t.is(Buffer.from(b64, 'base64').toString('utf8'), 'Überwachung é');
  const block = dotSourceEncoded('\uFEFFfunction Get-X { "é" }');
  t.regex(block, /^[\x20-\x7e]+$/);
  t.is(Buffer.from(/FromBase64String\('([^']+)'\)/.exec(block)![1]!, 'base64').toString('utf8'), 'function Get-X { "é" }', 'BOM dropped, text kept');
  t.regex(SESSION_ENCODING, /\[Console\]::OutputEncoding/);
});

test("the session for powershell.exe drops PowerShell 7 module folders and keeps the admin's own", (t) => {
  const env = {
    PSModulePath:
      'C:\\Users\\ab\\Documents\\PowerShell\\Modules;C:\\Program Files\\PowerShell\\Modules;c:\\program files\\powershell\\7\\Modules;D:\\Tools\\Modules;C:\\Program Files\\WindowsPowerShell\\Modules',
    SystemRoot: 'C:\\Windows',
    ProgramFiles: 'C:\\Program Files',
    USERPROFILE: 'C:\\Users\\ab',
    Path: 'C:\\Windows',
  };
  const out = adapterSessionEnv(env, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  t.deepEqual(out['PSModulePath']!.split(';'), [
    'C:\\Users\\ab\\Documents\\WindowsPowerShell\\Modules',
    'C:\\Program Files\\WindowsPowerShell\\Modules',
    'C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules',
    'D:\\Tools\\Modules',
  ]);
  t.is(out['Path'], 'C:\\Windows', 'the rest of the environment is kept');
  t.is(adapterSessionEnv(env, 'pwsh')['PSModulePath'], env.PSModulePath, 'another executable keeps the environment');
  t.true(adapterSessionEnv({ Psmodulepath: 'x' }, 'powershell')['PSModulePath']!.includes('WindowsPowerShell'), 'the name is case-insensitive on Windows');
});

// A "powershell" whose console is in a legacy code page (test/fixtures/fake-powershell.mjs): today's failure on a
// server (U+FFFD in names, services not found) shows here; the ASCII-only session passes.
test.serial('under a legacy console code page, non-ASCII names go both ways intact, and the session gets a clean PSModulePath', async (t) => {
  const dir = tempDir(t);
  const exe = join(dir, 'powershell');
  writeFileSync(exe, `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, 'fixtures', 'fake-powershell.mjs')}" "$@"\n`);
  chmodSync(exe, 0o755);
  const prelude = join(dir, 'prelude.ps1');
  writeFileSync(
    prelude,
    [
      `. ${psQuote(fakes)}`,
      "$global:FakeServices['Überwachung-Dienst'] = 'Running'",
      'function global:Get-CimInstance { param([string] $ClassName, [string] $Filter, [string] $ComputerName, $ErrorAction)',
      '  [pscustomobject]@{ ProcessId = 7; CommandLine = \'AlteryxEngineCmd.exe "D:\\flows\\Nächtlich Übersicht.yxmd"\' } }',
    ].join('\n'),
  );
  const saved = { ...process.env };
  Object.assign(process.env, {
    AB_FAKE_LOG: join(dir, 'calls.log'),
    AB_FAKE_ENV_LOG: join(dir, 'env.txt'),
    AB_REAL_PWSH: pwsh,
    PSModulePath: 'C:\\Program Files\\PowerShell\\7\\Modules;D:\\Tools\\Modules',
    SystemRoot: 'C:\\Windows',
    ProgramFiles: 'C:\\Program Files',
  });
  const p = windowsPlatform({ serviceName: 'Überwachung-Dienst', nodes: [local], executable: exe, prelude });
  try {
    t.is(await p.services.getState(local), 'Running', 'the service name arrived intact');
    t.deepEqual(await p.processes.runningWorkflows(local), [{ name: 'Nächtlich Übersicht.yxmd', pid: 7 }], 'the workflow name came back intact');
  } finally {
    await p.dispose();
    process.env = saved;
  }
  const passed = readFileSync(join(dir, 'env.txt'), 'utf8').split(';');
  t.false(
    passed.some((x) => /\\PowerShell\\7/i.test(x)),
    'no PowerShell 7 module folder',
  );
  t.true(passed.includes('C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules'));
  t.true(passed.includes('D:\\Tools\\Modules'));
});

test.serial('a stop refused for a pending state is asked again; "already stopped" is success; a real refusal fails', async (t) => {
  const dir = tempDir(t);
  process.env['AB_FAKE_LOG'] = join(dir, 'calls.log');
  const prelude = join(dir, 'prelude.ps1');
  // StartPending for two reads, then Running: the first two stop requests are "cannot accept control now".
  writeFileSync(
    prelude,
    [
      `. ${psQuote(fakes)}`,
      "$global:FakeServices['AlteryxService'] = 'StartPending'",
      '$global:Reads = 0',
      'function global:Get-Service { param([string] $Name, $ErrorAction)',
      '  Write-FakeCall "Get-Service|$Name"; $global:Reads++',
      "  if ($global:Reads -gt 2 -and $global:FakeServices[$Name] -eq 'StartPending') { $global:FakeServices[$Name] = 'Running' }",
      '  $o = [pscustomobject]@{ Name = $Name; Status = $global:FakeServices[$Name] }',
      '  $o | Add-Member -MemberType ScriptMethod -Name Start -Value { throw (New-Object System.ComponentModel.Win32Exception 1056) }',
      '  $o }',
    ].join('\n'),
  );
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [local], executable: pwsh, prelude, controlRetry: { attempts: 5, delayMs: 10 } });
  try {
    await p.services.requestStop(local);
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8');
    t.is((calls.match(/Stop-Service\|/g) ?? []).length, 1, 'Stop-Service is called once, after the start finished');
    t.is((calls.match(/Get-Service\|/g) ?? []).length, 3, 'two refusals, then the stop');
    await p.services.requestStop(local); // StopPending now: already on its way
    t.is((readFileSync(join(dir, 'calls.log'), 'utf8').match(/Stop-Service\|/g) ?? []).length, 1, 'no second Stop-Service');
  } finally {
    await p.dispose();
  }
  const q = windowsPlatform({ serviceName: 'AlteryxService', nodes: [remote], executable: pwsh, prelude: fakes, controlRetry: { attempts: 3, delayMs: 10 } });
  try {
    // The fakes' remote service is "Stop Pending": a start must wait, and gives up after the bounded attempts.
    const err = await t.throwsAsync(q.services.requestStart(remote));
    t.regex(err!.message, /stayed StopPending .*after 3 attempts/);
  } finally {
    await q.dispose();
  }
});

test.serial('ForceStopWorkflows: a Terminate that returns access denied is an error, never "stopped"', async (t) => {
  const dir = tempDir(t);
  process.env['AB_FAKE_LOG'] = join(dir, 'calls.log');
  const prelude = join(dir, 'prelude.ps1');
  writeFileSync(
    prelude,
    [
      `. ${psQuote(fakes)}`,
      'function global:Invoke-CimMethod { param($InputObject, [string] $MethodName, $ErrorAction) [pscustomobject]@{ ReturnValue = 2 } }',
    ].join('\n'),
  );
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [local], executable: pwsh, prelude });
  try {
    const err = await t.throwsAsync(p.processes.stopWorkflows(local));
    t.regex(err!.message, /pid 4242 \(Win32_Process\.Terminate returned 2: access denied\)/);
  } finally {
    await p.dispose();
  }
});
