import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PARAMS } from '../config/params.ts';
import type { Params } from '../config/load.ts';
import type { BackupConfig } from '../config/schema.ts';
import { BackupError, ExitCode, exitCodeNames, type ExitCodeValue } from '../core/errors.ts';
import { runDrill, type DrillResult } from '../restore/drill.ts';
import { runRestore, type RestoreResult } from '../restore/restore.ts';
import { formatDuration } from '../util/format.ts';
import { HELP } from './help.ts';
import { withCloudPath } from '../cloud/fetch.ts';
import { afterRun } from '../history/after-run.ts';
import { recordInterrupted, type InterruptedRun } from '../history/record.ts';
import { choosePlatform } from '../platform/choose.ts';
import { abortOnSignals } from './signals.ts';
import { Output } from './output.ts';

interface Request {
  params: Params;
  secrets: Record<string, string | undefined>;
  dryRun: boolean;
  verbose: boolean;
}

function readStdinRequest(): Request {
  let obj: Partial<Request>;
  try {
    obj = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as Partial<Request>;
  } catch (err) {
    throw new BackupError(ExitCode.General, `The request on stdin is not JSON: ${(err as Error).message}`);
  }
  return { params: obj.params ?? {}, secrets: obj.secrets ?? {}, dryRun: !!obj.dryRun, verbose: !!obj.verbose };
}

/** The configuration flags the backup command takes too (temp and log folders, waits, ...). */
const configFlags = Object.fromEntries(
  PARAMS.map((p) => [p.flag, { type: p.kind === 'boolean' ? 'boolean' : 'string', multiple: p.kind === 'string[]' } as const]),
) as NonNullable<ParseArgsConfig['options']>;

const common: NonNullable<ParseArgsConfig['options']> = {
  config: { type: 'string', short: 'c' },
  sandbox: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  'request-stdin': { type: 'boolean' },
  'no-sha256-file': { type: 'boolean' },
  // Issue 16: --latest --mode X --destination NAME picks the newest good backup of that mode there.
  latest: { type: 'boolean' },
  destination: { type: 'string', short: 'd' },
  ...configFlags,
};

const restoreOptions: NonNullable<ParseArgsConfig['options']> = {
  ...common,
  mode: { type: 'string', short: 'm' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
};

const drillOptions: NonNullable<ParseArgsConfig['options']> = {
  ...common,
  mode: { type: 'string', short: 'm' },
  scratch: { type: 'string' },
  keep: { type: 'boolean' },
  method: { type: 'string' },
  port: { type: 'string' },
};

function requestFromFlags(values: Record<string, unknown>, positionals: string[]): Request {
  const params: Params = {};
  if (positionals[0] !== undefined) params['Path'] = positionals[0];
  if (values['config'] !== undefined) params['ConfigPath'] = values['config'];
  if (values['sandbox'] !== undefined) params['SandboxPath'] = values['sandbox'];
  if (values['no-sha256-file']) params['SkipChecksumFile'] = true;
  if (values['latest']) params['Latest'] = true;
  if (values['destination'] !== undefined) params['Destination'] = values['destination'];
  if (values['latest'] && values['mode'] !== undefined) params['Mode'] = values['mode'];
  for (const p of PARAMS) {
    const v = values[p.flag];
    if (v === undefined) continue;
    if (p.kind === 'int' || p.kind === 'number') {
      const n = Number(v);
      if (String(v).trim() === '' || !Number.isFinite(n) || (p.kind === 'int' && !Number.isInteger(n))) {
        throw new BackupError(ExitCode.Validation, `--${p.flag} must be ${p.kind === 'int' ? 'a whole number' : 'a number'}, not ${JSON.stringify(v)}.`);
      }
      params[p.name] = n;
    } else params[p.name] = v;
  }
  return {
    params,
    secrets: { ArchivePassword: process.env['ALTERYXBACKUP_ARCHIVE_PASSWORD'], MongoPassword: process.env['ALTERYXBACKUP_MONGO_PASSWORD'] },
    dryRun: !!values['dry-run'],
    verbose: !!values['verbose'],
  };
}

/** -Latest -Destination FOLDER: a configured folder on this machine (in a sandbox: the simulated server's). */
export function folderResolver(params: Params): (folder: string, config: BackupConfig | undefined) => string {
  return (folder, config) => (params['SandboxPath'] && config ? choosePlatform(params, config).paths.resolve(folder) : resolve(folder));
}

/** A downloaded archive is reported by its URL (the temp copy is gone when the result is read). */
function withUrl<T extends { archivePath: string | null }>(r: T, url: string | undefined): T {
  return url ? { ...r, archivePath: url } : r;
}

function printChecks(out: Output, checks: Array<{ name: string; ok: boolean; detail: string }>): void {
  for (const c of checks) out.text(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
}

function printRestore(out: Output, r: RestoreResult): void {
  if (out.json) {
    out.event({ ...r });
    return;
  }
  out.text('');
  printChecks(out, r.checks);
  out.text(r.success ? `SUCCESS: ${r.message}` : `FAILED (exit ${r.exitCode}, ${exitCodeNames[r.exitCode]}): ${r.message}`);
  if (r.restoreLog) out.text(`  restore log: ${r.restoreLog.summary}`);
  if (r.rolledBack) out.text(`  rolled back: ${r.rollback.join('; ') || 'nothing needed'}`);
  if (r.logPath) out.text(`  log     : ${r.logPath}`);
  out.text(`  duration: ${formatDuration(r.durationMs)}`);
}

function printDrill(out: Output, r: DrillResult): void {
  if (out.json) {
    out.event({ ...r });
    return;
  }
  out.text('');
  printChecks(out, r.checks);
  if (r.counts.length) {
    out.text('  database / collection                      manifest   restored     actual');
    for (const c of r.counts) {
      out.text(
        `  ${c.ok ? ' ' : '!'} ${`${c.database}.${c.collection}`.padEnd(40)} ${String(c.expected ?? '-').padStart(9)} ${String(c.restored ?? '-').padStart(10)} ${String(c.actual ?? '-').padStart(10)}`,
      );
    }
  }
  if (r.restoreLog) out.text(`  restore log: ${r.restoreLog.summary}`);
  out.text(
    `  timings : ${Object.entries(r.timingsMs)
      .map(([k, v]) => `${k} ${formatDuration(v)}`)
      .join(', ')}`,
  );
  if (r.scratchPath) out.text(`  scratch : ${r.scratchPath}${r.kept ? ' (kept)' : ' (removed)'}${r.port ? `; scratch mongod on 127.0.0.1:${r.port}` : ''}`);
  if (r.logPath) out.text(`  log     : ${r.logPath}`);
  out.text(r.success ? `SUCCESS: ${r.message}` : `FAILED (exit ${r.exitCode}, ${exitCodeNames[r.exitCode]}): ${r.message}`);
}

/** `alteryx-backup restore ARCHIVE` and `alteryx-backup drill [ARCHIVE]`. */
export async function restoreCommand(command: 'restore' | 'drill', argv: string[]): Promise<ExitCodeValue> {
  const options = command === 'restore' ? restoreOptions : drillOptions;
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as {
    values: Record<string, unknown>;
    positionals: string[];
  };
  if (values['help']) {
    process.stdout.write(command === 'restore' ? HELP.restore : HELP.drill);
    return ExitCode.Success;
  }
  const stdin = !!values['request-stdin'];
  const req = stdin ? readStdinRequest() : requestFromFlags(values, positionals);
  if (!stdin && values['mode'] !== undefined) req.params[command === 'restore' ? 'RestoreMode' : 'BackupMode'] = values['mode'];
  if (!stdin && command === 'drill') {
    if (values['scratch'] !== undefined) req.params['ScratchPath'] = values['scratch'];
    if (values['keep']) req.params['Keep'] = true;
    if (values['method'] !== undefined) req.params['Method'] = values['method'];
    if (values['port'] !== undefined) {
      const n = Number(values['port']);
      if (!/^\d+$/.test(String(values['port'])) || n > 65535)
        throw new BackupError(ExitCode.Validation, `--port must be a whole number from 0 to 65535, not ${JSON.stringify(values['port'])}.`);
      req.params['Port'] = n;
    }
  }
  const out = new Output(!!values['json'] || stdin, req.verbose || !!values['verbose']);
  const ac = abortOnSignals();
  const startedAt = new Date();
  const interrupted: InterruptedRun[] = [];
  const deps = {
    platform: choosePlatform,
    sink: out.log,
    progress: out.progress,
    plan: (steps: readonly unknown[]) => out.json && out.event({ type: 'plan', steps }),
    signal: ac.signal,
    interrupted: (run: InterruptedRun) => interrupted.push(run),
  };
  if (command === 'restore') {
    // The cmdlet confirms (ConfirmImpact High); on the command line --yes is that confirmation.
    if (!stdin && !req.dryRun && !values['yes']) {
      const msg = "A restore overwrites the server's configuration and database: add --yes to confirm, or --dry-run to see the plan.";
      if (out.json) out.event({ type: 'result', command, exitCode: ExitCode.Validation, success: false, message: msg, checks: [] });
      else process.stderr.write(`alteryx-backup: ${msg}\n`);
      return ExitCode.Validation;
    }
    // s3:// / azblob:// (issue 16): the archive is downloaded to a temp folder first and removed afterwards.
    const r = await withCloudPath(
      req.params,
      req.secrets,
      async (params, dl) => withUrl(await runRestore({ params, secrets: req.secrets, dryRun: req.dryRun }, deps), dl?.url),
      out.progress,
      folderResolver(req.params),
    );
    for (const run of interrupted)
      r.warnings.push(
        ...(await recordInterrupted(run, { recoveredBy: `the next restore (pid ${process.pid})`, params: req.params, platform: choosePlatform })).warnings,
      );
    await afterRun(r, { kind: 'restore', params: req.params, secrets: req.secrets, startedAt, platform: choosePlatform });
    printRestore(out, r);
    return r.exitCode;
  }
  const r = await withCloudPath(
    req.params,
    req.secrets,
    async (params, dl) => withUrl(await runDrill({ params, secrets: req.secrets, dryRun: req.dryRun }, deps), dl?.url),
    out.progress,
    folderResolver(req.params),
  );
  await afterRun(r, { kind: 'drill', params: req.params, secrets: req.secrets, startedAt, platform: choosePlatform });
  printDrill(out, r);
  return r.exitCode;
}
