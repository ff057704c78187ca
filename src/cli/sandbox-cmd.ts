import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import * as sb from '../sandbox/index.ts';
import { BackupError, ExitCode, type ExitCodeValue } from '../core/errors.ts';
import { runBackup } from '../backup/backup.ts';
import { HELP } from './help.ts';
import { Output } from './output.ts';
import { choosePlatform } from '../platform/choose.ts';

/** The options of `sandbox create` (every one documented in HELP.sandbox: test/cli.e2e.test.ts). */
export const createOptions = {
  topology: { type: 'string' },
  mongo: { type: 'string' },
  role: { type: 'string' },
  persistence: { type: 'string' },
  'db-size-mb': { type: 'string' },
  version: { type: 'string' },
  'modified-config': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'request-stdin': { type: 'boolean' },
} as const;

function stdinParams(): Record<string, unknown> {
  const req = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as { params?: Record<string, unknown> };
  return req.params ?? {};
}

async function create(args: string[]): Promise<ExitCodeValue> {
  const { values, positionals } = parseArgs({ args, options: createOptions, allowPositionals: true, strict: true });
  if (values.help) {
    process.stdout.write(HELP.sandbox);
    return ExitCode.Success;
  }
  const p = values['request-stdin'] ? stdinParams() : {};
  const dir = (p['Path'] as string | undefined) ?? positionals[0];
  if (!dir) throw new BackupError(ExitCode.Validation, 'sandbox create needs a folder: alteryx-backup sandbox create DIR');
  const topology = (p['Topology'] as string | undefined) ?? values.topology ?? 'single';
  const mongo = (p['Mongo'] as string | undefined) ?? values.mongo ?? 'embedded';
  if (topology !== 'single' && topology !== 'multi')
    throw new BackupError(ExitCode.Validation, `--topology must be single or multi, not ${JSON.stringify(topology)}.`);
  if (mongo !== 'embedded' && mongo !== 'self-managed')
    throw new BackupError(ExitCode.Validation, `--mongo must be embedded or self-managed, not ${JSON.stringify(mongo)}.`);
  const sizeRaw = p['DbSizeMb'] ?? values['db-size-mb'];
  const dbSizeMb = sizeRaw === undefined ? undefined : Number(sizeRaw);
  if (dbSizeMb !== undefined && (!Number.isFinite(dbSizeMb) || dbSizeMb <= 0))
    throw new BackupError(ExitCode.Validation, `--db-size-mb must be a positive number, not ${JSON.stringify(sizeRaw)}.`);
  const info = await sb.createSandbox(resolve(dir), {
    topology,
    mongo,
    dbSizeMb,
    version: (p['Version'] as string | undefined) ?? values.version,
    modifiedConfig: !!(p['ModifiedConfig'] ?? values['modified-config']),
    force: !!(p['Force'] ?? values.force),
    ...(((p['Role'] as string | undefined) ?? values.role) ? { role: ((p['Role'] as string | undefined) ?? values.role) as sb.NodeRole } : {}),
    ...(((p['Persistence'] as string | undefined) ?? values.persistence)
      ? { persistence: ((p['Persistence'] as string | undefined) ?? values.persistence) as sb.Persistence }
      : {}),
  });
  const status = sb.sandboxStatus(info.path);
  const payload = { ...info, nodes: status.nodes, ...(status.mongoCredentials ? { mongoCredentials: status.mongoCredentials } : {}) };
  if (values.json || values['request-stdin'])
    process.stdout.write(JSON.stringify({ type: 'result', exitCode: 0, success: true, message: `Sandbox created at ${info.path}`, sandbox: payload }) + '\n');
  else {
    process.stdout.write(`Sandbox created at ${info.path}: ${describe(info.path)}, Alteryx Server ${info.version}\n`);
    for (const n of status.nodes) process.stdout.write(`  ${n.name.padEnd(14)} ${n.role.padEnd(11)} ${n.service}\n`);
    writeCredentials(status);
  }
  return ExitCode.Success;
}

/** `single, embedded MongoDB` / `single, SQL Server persistence` ... for the create line. */
function describe(dir: string): string {
  const f = sb.readSandboxFile(dir);
  const data = f.persistence === 'sqlserver' ? 'user-managed SQL Server persistence' : f.persistence === 'sqlite' ? 'SQLite persistence' : `${f.mongo} MongoDB`;
  return `${f.topology}${f.topology === 'single' ? ` ${f.nodes[0]!.role}` : ''}, ${data}`;
}

/**
 * The simulated self-managed MongoDB's connection and credentials (issue 13): a sandbox's own test values,
 * shown so that its first backup can pass them (they exist nowhere else but sandbox.json).
 */
function writeCredentials(st: sb.SandboxStatus): void {
  const c = st.mongoCredentials;
  if (!c) return;
  process.stdout.write(
    `Self-managed MongoDB (simulated): ${c.hosts.join(',')}${c.replicaSet ? ` (replica set ${c.replicaSet})` : ''}, user ${c.username}, password ${c.password}, authSource ${c.authDatabase}\n` +
      `  Back it up with the password on stdin or in the environment, never in a file:\n` +
      `  ALTERYXBACKUP_MONGO_PASSWORD='${c.password}' alteryx-backup backup --mode Full --sandbox ${st.path}\n` +
      `  Invoke-AlteryxBackup -SandboxPath ${st.path} -MongoCredential (New-Object PSCredential('${c.username}', (ConvertTo-SecureString '${c.password}' -AsPlainText -Force)))\n`,
  );
}

async function status(args: string[]): Promise<ExitCodeValue> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, 'request-stdin': { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP.sandbox);
    return ExitCode.Success;
  }
  const dir = values['request-stdin'] ? (stdinParams()['Path'] as string) : positionals[0];
  if (!dir) throw new BackupError(ExitCode.Validation, 'sandbox status needs a folder: alteryx-backup sandbox status DIR');
  const st = sb.sandboxStatus(resolve(dir));
  if (values.json || values['request-stdin']) process.stdout.write(JSON.stringify(st) + '\n');
  else {
    for (const n of st.nodes)
      process.stdout.write(
        `${n.name.padEnd(14)} ${n.role.padEnd(11)} ${n.service.padEnd(13)} ${n.workflows.length ? `workflows: ${n.workflows.join(', ')}` : ''}\n`,
      );
    writeCredentials(st);
  }
  return ExitCode.Success;
}

async function set(args: string[]): Promise<ExitCodeValue> {
  const [dir, ...pairs] = args.filter((a) => a !== '--');
  if (!dir || dir === '--help' || dir === '-h') {
    process.stdout.write(HELP.sandbox);
    return dir ? ExitCode.Success : ExitCode.Validation;
  }
  if (pairs.length === 0) throw new BackupError(ExitCode.Validation, 'sandbox set needs at least one key=value, e.g. service.hangOnStop=true');
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BackupError(ExitCode.Validation, `"${pair}" is not key=value.`);
    sb.setKnob(resolve(dir), pair.slice(0, eq), pair.slice(eq + 1));
    process.stdout.write(`${pair.slice(0, eq)} set\n`);
  }
  return ExitCode.Success;
}

async function demo(args: string[]): Promise<ExitCodeValue> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP.demo);
    return ExitCode.Success;
  }
  const dir = resolve(args[0] ?? 'demo-sandbox');
  const info = await sb.createSandbox(dir, { force: true, dbSizeMb: 4 });
  process.stdout.write(`Sandbox created at ${info.path}\nRunning a Full backup through the CLI...\n\n`);
  const out = new Output(false, false);
  const r = await runBackup(
    { params: { BackupMode: 'Full', SandboxPath: dir }, secrets: {}, dryRun: false },
    { platform: choosePlatform, sink: out.log, progress: out.progress },
  );
  process.stdout.write(
    `\n${r.success ? 'Backup done' : `Backup FAILED (exit ${r.exitCode}): ${r.message}`}\n  archive: ${r.archivePath ?? '-'}\n  log    : ${r.logPath ?? '-'}\n  sandbox: ${dir}\n`,
  );
  return r.exitCode;
}

export async function sandboxCommand(command: string, args: string[]): Promise<ExitCodeValue> {
  if (command === 'demo') return demo(args);
  if (command === 'sandbox-create') return create(args);
  if (command === 'sandbox-status') return status(args);
  if (command === 'sandbox-set') return set(args);
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return create(rest);
    case 'status':
      return status(rest);
    case 'set':
      return set(rest);
    default:
      process.stdout.write(HELP.sandbox);
      return sub === '--help' || sub === '-h' ? ExitCode.Success : ExitCode.Validation;
  }
}
