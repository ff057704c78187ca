// npm run demo: builds (done by the npm script), creates a fresh sandbox, runs a Full backup in it through
// the PowerShell cmdlet when pwsh is available (the repo's .tools/pwsh, or pwsh on PATH), through the CLI
// otherwise, and prints where the archive and the log are.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'module', 'AlteryxBackup', 'lib', 'alteryx-backup.mjs');
const dir = resolve(process.argv[2] ?? join(root, 'demo-sandbox'));

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const localPwsh = join(root, '.tools', 'pwsh', 'pwsh');
const pathPwsh = spawnSync('pwsh', ['-v'], { stdio: 'ignore' }).status === 0 ? 'pwsh' : undefined;
const pwsh = existsSync(localPwsh) ? localPwsh : pathPwsh;

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
    'exit $r.ExitCode',
  ].join('; ');
  code = run(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script]);
} else {
  console.log('\npwsh not found: running a Full backup through the Node CLI\n');
  code = run(process.execPath, [cli, 'backup', '--mode', 'Full', '--sandbox', dir]);
}
console.log(`\nThe simulated server: ${dir}`);
console.log(`  archives: ${join(dir, 'D', 'Alteryx', 'Backups')}`);
console.log(`  logs    : ${join(dir, 'D', 'Alteryx', 'BackupLogs')}`);
console.log(`  events  : ${join(dir, 'events.jsonl')} (every service state change)`);
console.log(`Try: node ${cli} verify <archive>   |   node ${cli} sandbox status ${dir}`);
process.exit(code);
