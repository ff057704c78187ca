// npm run demo (scripts/demo.mjs) as a new user runs it (issue 13): through the cmdlet whenever pwsh is there
// or can be installed, through the CLI only when it cannot, saying so and how. Real node, real pwsh, real
// sandboxes; the install step is the repo's install script, or (to avoid a download in the test) a stand-in
// script that puts the already-installed pwsh into the empty tools folder the test gives the demo.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './helpers/cli.ts';
import { tempDir } from './helpers/tmp.ts';

const realPwsh = join(repo, '.tools', 'pwsh', 'pwsh');

function demo(dir: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, 'scripts', 'demo.mjs'), dir], {
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The archive and log the run printed exist. */
function printedPaths(t: import('ava').ExecutionContext, out: string, viaCmdlet: boolean) {
  const archive = viaCmdlet ? /Archive: (\S+\.zip)/.exec(out)?.[1] : /(\S+ServerBackup_Full_\d{8}_\d{6}\.zip)/.exec(out)?.[1];
  t.truthy(archive, out.slice(-2000));
  t.true(existsSync(archive!), archive);
  if (viaCmdlet) t.true(existsSync(/Log {4}: (\S+\.log)/.exec(out)![1]!));
}

test.serial('with pwsh in .tools, the demo runs the backup through the cmdlet and prints where archive and log are', async (t) => {
  t.true(existsSync(realPwsh), 'bash scripts/install-tools.sh has run (npm test does it)');
  const r = await demo(join(tempDir(t), 'sbx'));
  t.is(r.code, 0, r.out.slice(-2000));
  t.regex(r.out, /Running a Full backup through the PowerShell module/);
  t.notRegex(r.out, /through the Node CLI/);
  printedPaths(t, r.out, true);
});

test.serial('without pwsh, the demo installs it (the install script) and then runs the cmdlet', async (t) => {
  const tools = join(tempDir(t), 'tools');
  const installer = join(tempDir(t), 'install.sh');
  writeFileSync(installer, `#!/bin/bash\nset -e\nmkdir -p '${tools}/pwsh'\nln -s '${realPwsh}' '${tools}/pwsh/pwsh'\necho installed-by-stand-in\n`);
  // PATH without a pwsh of its own (there is none on PATH here either way); dotnet and bash stay.
  const r = await demo(join(tempDir(t), 'sbx'), { ALTERYXBACKUP_DEMO_TOOLS: tools, ALTERYXBACKUP_DEMO_INSTALLER: installer });
  t.is(r.code, 0, r.out.slice(-2000));
  t.regex(r.out, /PowerShell is not installed: installing it into .* with .*install\.sh/);
  t.regex(r.out, /installed-by-stand-in/);
  t.regex(r.out, /Running a Full backup through the PowerShell module \(.*tools\/pwsh\/pwsh\)/);
  printedPaths(t, r.out, true);
});

test.serial('when pwsh cannot be installed, the demo says why and how, and runs the CLI', async (t) => {
  const r = await demo(join(tempDir(t), 'sbx'), { ALTERYXBACKUP_DEMO_TOOLS: join(tempDir(t), 'none'), ALTERYXBACKUP_DEMO_INSTALL: '0' });
  t.is(r.code, 0, r.out.slice(-2000));
  t.regex(r.out, /PowerShell is not available and could not be installed \(installing is switched off/);
  t.regex(r.out, /run `bash scripts\/install-tools\.sh`/);
  t.regex(r.out, /through the Node CLI instead/);
  printedPaths(t, r.out, false);
});
