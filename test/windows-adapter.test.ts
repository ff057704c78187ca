import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { psQuote, windowsPlatform } from '../src/platform/windows/adapter.ts';
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
    t.regex(calls, /Get-CimInstance\|Win32_Service\|Name='AlteryxService'\|ALTERYX-WKR1/);
    t.regex(calls, /Invoke-CimMethod\|StopService/);
    t.regex(calls, /Invoke-CimMethod\|Terminate/);
  } finally {
    await p.dispose();
  }
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
