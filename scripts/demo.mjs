// npm run demo: builds (done by the npm script), creates a fresh sandbox, runs a Full backup in it through
// the PowerShell cmdlet, and prints where the archive and the log are. pwsh is the repo's .tools/pwsh, pwsh
// on PATH, or Windows PowerShell on Windows; when there is none, scripts/install-tools.sh installs it into
// .tools (it needs the .NET SDK, `dotnet`); only when that cannot be done does the demo run the Node CLI,
// and it says so and how to get the cmdlet.
// For tests: ALTERYXBACKUP_DEMO_TOOLS (the tools folder, default <repo>/.tools), ALTERYXBACKUP_DEMO_INSTALLER
// (the install script, default scripts/install-tools.sh), ALTERYXBACKUP_DEMO_INSTALL=0 (never install).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'module', 'AlteryxBackup', 'lib', 'alteryx-backup.mjs');
const dir = resolve(process.argv[2] ?? join(root, 'demo-sandbox'));
const tools = process.env.ALTERYXBACKUP_DEMO_TOOLS || join(root, '.tools');
const installer = process.env.ALTERYXBACKUP_DEMO_INSTALLER || join(root, 'scripts', 'install-tools.sh');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function works(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

function findPwsh() {
  const local = join(tools, 'pwsh', process.platform === 'win32' ? 'pwsh.exe' : 'pwsh');
  if (existsSync(local)) return local;
  if (works('pwsh', ['-NoProfile', '-Command', 'exit 0'])) return 'pwsh';
  if (process.platform === 'win32' && works('powershell.exe', ['-NoProfile', '-Command', 'exit 0'])) return 'powershell.exe';
  return undefined;
}

/** No pwsh: install it into .tools with scripts/install-tools.sh when this machine can (bash and dotnet). Returns why not. */
function installPwsh() {
  if (process.env.ALTERYXBACKUP_DEMO_INSTALL === '0') return 'installing is switched off (ALTERYXBACKUP_DEMO_INSTALL=0)';
  if (process.platform === 'win32') return 'on Windows, install PowerShell 7 (https://aka.ms/powershell) or use Windows PowerShell';
  if (!works('bash', ['-c', 'exit 0'])) return 'bash is not available to run scripts/install-tools.sh';
  if (!works('dotnet', ['--version'])) return 'the .NET SDK (dotnet) is not on PATH; scripts/install-tools.sh needs it to install PowerShell 7';
  console.log(`PowerShell is not installed: installing it into ${tools} with ${installer} (once; later runs reuse it) ...`);
  const code = run('bash', [installer]);
  return code === 0 ? undefined : `${installer} ended with exit code ${code}`;
}

let pwsh = findPwsh();
let whyNot;
if (!pwsh) {
  whyNot = installPwsh();
  pwsh = whyNot ? undefined : findPwsh();
  if (!pwsh && !whyNot) whyNot = `${installer} ran, but there is no pwsh in ${join(tools, 'pwsh')}`;
}

console.log(`Creating a simulated Alteryx Server in ${dir} ...`);
let code = run(process.execPath, [cli, 'sandbox', 'create', dir, '--force', '--db-size-mb', '4']);
if (code !== 0) process.exit(code);

if (pwsh) {
  console.log(`\nRunning a Full backup through the PowerShell module (${pwsh}):\n  Invoke-AlteryxBackup -BackupMode Full -SandboxPath ${dir} -Verbose\n`);
  const script = [
    "$ErrorActionPreference = 'Stop'",
    `Import-Module ${JSON.stringify(join(root, 'module', 'AlteryxBackup', 'AlteryxBackup.psd1'))} -Force`,
    `$r = Invoke-AlteryxBackup -BackupMode Full -SandboxPath ${JSON.stringify(dir)} -Verbose`,
    '$r | Format-List Mode, Success, ExitCode, ArchivePath, SizeBytes, Sha256, Duration, LogPath',
    'Write-Output "Archive: $($r.ArchivePath)"',
    'Write-Output "Log    : $($r.LogPath)"',
    'exit $r.ExitCode',
  ].join('; ');
  code = run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script]);
} else {
  console.log(
    `\nPowerShell is not available and could not be installed (${whyNot}).\n` +
      'Running the Full backup through the Node CLI instead. To run it through the cmdlet (Invoke-AlteryxBackup),\n' +
      'install the .NET SDK and run `bash scripts/install-tools.sh` (or install PowerShell 7), then `npm run demo` again.\n',
  );
  code = run(process.execPath, [cli, 'backup', '--mode', 'Full', '--sandbox', dir]);
}
console.log(`\nThe simulated server: ${dir}`);
console.log(`  archives: ${join(dir, 'D', 'Alteryx', 'Backups')}`);
console.log(`  logs    : ${join(dir, 'D', 'Alteryx', 'BackupLogs')}`);
console.log(`  events  : ${join(dir, 'events.jsonl')} (every service state change)`);
console.log(`Try: node ${cli} verify <archive>   |   node ${cli} sandbox status ${dir}`);
process.exit(code);
