import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PARAMS } from '../config/params.ts';
import type { Params } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import { runBackup, type BackupResult } from '../backup/backup.ts';
import { BackupError, ExitCode, describeError, exitCodeNames, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { JournalFile } from '../core/journal.ts';
import { processAlive } from '../core/lock.ts';
import { recoverFromJournal, type RecoverReport } from '../restore/recover.ts';
import { DrillJournalFile, recoverDrill, type DrillRecovery } from '../restore/drill-journal.ts';
import { TOOL_VERSION } from '../core/version.ts';
import { RunLogger } from '../log/logger.ts';
import { choosePlatform } from '../platform/choose.ts';
import { verifyArchive } from '../archive/verify.ts';
import { sweepIfNoRunIsAlive } from '../core/cleanup.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { Output } from './output.ts';
import { abortOnSignals } from './signals.ts';
import { sandboxCommand } from './sandbox-cmd.ts';
import { folderResolver, restoreCommand } from './restore-cmd.ts';
import { HELP } from './help.ts';
import { historyCommand } from './history-cmd.ts';
import { afterRun } from '../history/after-run.ts';
import { catalogParams, recordInterrupted, type InterruptedRun } from '../history/record.ts';
import { migrateBatchCommand } from './migrate-cmd.ts';
import { compareCommand } from './compare-cmd.ts';
import { listCommand } from './list-cmd.ts';
import { withCloudPath } from '../cloud/fetch.ts';

interface Request {
  command?: string;
  params: Params;
  secrets: Record<string, string | undefined>;
  dryRun: boolean;
  verbose: boolean;
}

function readStdinJson(): Request {
  let text: string;
  try {
    text = readFileSync(0, 'utf8');
  } catch (err) {
    throw new BackupError(ExitCode.General, `Could not read the request from stdin: ${(err as Error).message}`);
  }
  let obj: Partial<Request>;
  try {
    obj = JSON.parse(text.replace(/^\uFEFF/, '')) as Partial<Request>;
  } catch (err) {
    throw new BackupError(ExitCode.General, `The request on stdin is not JSON: ${(err as Error).message}`);
  }
  return { command: obj.command, params: obj.params ?? {}, secrets: obj.secrets ?? {}, dryRun: !!obj.dryRun, verbose: !!obj.verbose };
}

const backupOptions: NonNullable<ParseArgsConfig['options']> = {
  mode: { type: 'string', short: 'm' },
  config: { type: 'string', short: 'c' },
  sandbox: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  'request-stdin': { type: 'boolean' },
  ...Object.fromEntries(PARAMS.map((p) => [p.flag, { type: p.kind === 'boolean' ? 'boolean' : 'string', multiple: p.kind === 'string[]' } as const])),
};

function numberParam(flag: string, raw: string, int: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) {
    throw new BackupError(ExitCode.Validation, `--${flag} must be ${int ? 'a whole number' : 'a number'}, not ${JSON.stringify(raw)}.`);
  }
  return n;
}

/** Flags -> the same request the cmdlet sends. Secrets come from the environment, never from flags. */
function requestFromFlags(values: Record<string, unknown>): Request {
  const params: Params = {};
  if (values['mode'] !== undefined) params['BackupMode'] = values['mode'];
  if (values['config'] !== undefined) params['ConfigPath'] = values['config'];
  if (values['sandbox'] !== undefined) params['SandboxPath'] = values['sandbox'];
  for (const p of PARAMS) {
    const v = values[p.flag];
    if (v === undefined) continue;
    params[p.name] = p.kind === 'int' || p.kind === 'number' ? numberParam(p.flag, String(v), p.kind === 'int') : v;
  }
  return {
    params,
    secrets: {
      MongoPassword: process.env['ALTERYXBACKUP_MONGO_PASSWORD'],
      ArchivePassword: process.env['ALTERYXBACKUP_ARCHIVE_PASSWORD'],
    },
    dryRun: !!values['dry-run'],
    verbose: !!values['verbose'],
  };
}

function printResult(out: Output, r: BackupResult): void {
  if (out.json) {
    out.event({ ...r });
    return;
  }
  out.text('');
  out.text(r.success ? `SUCCESS: ${r.message}` : `FAILED (exit ${r.exitCode}, ${exitCodeNames[r.exitCode]}): ${r.message}`);
  if (r.archivePath) out.text(`  archive : ${r.archivePath} (${formatBytes(r.sizeBytes ?? 0)})\n  sha256  : ${r.sha256}`);
  if (r.logPath) out.text(`  log     : ${r.logPath}`);
  if (r.stagingPath) out.text(`  staging : ${r.stagingPath} (kept)`);
  for (const d of r.destinations.filter((x) => x.kind === 'network')) out.text(`  copy    : ${d.path}: ${d.status}${d.error ? ` (${d.error})` : ''}`);
  for (const d of r.destinations.filter((x) => x.kind === 's3' || x.kind === 'azblob'))
    out.text(
      `  cloud   : ${d.name} ${d.url ?? d.path}: ${d.status}${d.status === 'ok' ? `, verified, ${d.attempts} attempt(s)${d.lockApplied ? `, lock ${d.lockApplied}` : ''}` : ` (${d.error})`}`,
    );
  out.text(`  duration: ${formatDuration(r.durationMs)}`);
  for (const w of r.warnings.filter((x) => x.startsWith('Health '))) out.text(`  ${w}`);
}

async function backupCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values } = parseArgs({ args: argv, options: backupOptions, allowPositionals: false, strict: true }) as { values: Record<string, unknown> };
  if (values['help']) {
    process.stdout.write(HELP.backup);
    return ExitCode.Success;
  }
  const req = values['request-stdin'] ? readStdinJson() : requestFromFlags(values);
  const out = new Output(!!values['json'], req.verbose || !!values['verbose']);
  const ac = abortOnSignals();
  const startedAt = new Date();
  const interrupted: InterruptedRun[] = [];
  const result = await runBackup(
    { params: req.params, secrets: req.secrets, dryRun: req.dryRun || !!values['dry-run'] },
    {
      platform: choosePlatform,
      sink: out.log,
      progress: out.progress,
      plan: (steps) => out.json && out.event({ type: 'plan', steps }),
      signal: ac.signal,
      interrupted: (run) => interrupted.push(run),
    },
  );
  for (const run of interrupted) {
    const rec = await recordInterrupted(run, {
      recoveredBy: `the next backup (${result.mode ?? 'unknown mode'}, pid ${process.pid})`,
      params: req.params,
      platform: choosePlatform,
    });
    result.warnings.push(...rec.warnings);
  }
  // The run catalog and the end-of-backup health checks (docs/history.md): warnings added before the result is printed.
  await afterRun(result, { kind: 'backup', params: req.params, secrets: req.secrets, startedAt, platform: choosePlatform });
  printResult(out, result);
  return result.exitCode;
}

/** The watchdog's command: finish the rollback of a run that died, from its journal. */
async function recoverCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values } = parseArgs({ args: argv, options: backupOptions, strict: true }) as { values: Record<string, unknown> };
  if (values['help']) {
    process.stdout.write(HELP.recover);
    return ExitCode.Success;
  }
  const req = values['request-stdin'] ? readStdinJson() : requestFromFlags(values);
  const out = new Output(!!values['json'], req.verbose);
  const log = new RunLogger(out.log);
  let exitCode: ExitCodeValue = ExitCode.Success;
  let message = 'Nothing to recover: no interrupted run left a journal.';
  let outcomes: unknown[] = [];
  let report: RecoverReport | undefined;
  let drill: DrillRecovery | undefined;
  let interrupted: InterruptedRun | undefined;
  try {
    const { config } = loadConfig(req.params);
    const platform = choosePlatform(req.params, config);
    try {
      const dir = platform.paths.resolve(config.BackupConfiguration.TempDirectory);
      const journal = JournalFile.read(dir);
      if (journal && journal.pid !== process.pid && processAlive(journal.pid)) {
        // Not interrupted: a run that still works must not have its changes undone under it.
        exitCode = ExitCode.General;
        message = `Nothing recovered: run ${journal.pid} (${journal.mode}, started ${journal.startedAt}) is still running.`;
      } else if (journal) {
        // Its own log file beside the runs' logs: what was put back and what is left to do by hand.
        log.attachFiles(platform.paths.resolve(config.BackupConfiguration.LogDirectory), 'Recover', new Date());
        report = await recoverFromJournal(platform, journal, log, dir, config.ServiceConfiguration.MaxServiceWaitSeconds * 1000);
        interrupted = journal;
        outcomes = report.services;
        exitCode = report.complete ? ExitCode.Success : ExitCode.General;
        message = report.complete
          ? `Recovered the interrupted run ${journal.pid}: ${report.summary}`
          : `Recovery of the interrupted run ${journal.pid} is not complete: ${report.summary}`;
      }
      // [hostile, issue 12] Staging and extraction folders of killed runs (secrets in clear), unless a run is alive.
      await sweepIfNoRunIsAlive(dir, log);
      // A killed drill: its scratch mongod (loopback, no authentication, a copy of the data) and scratch folder.
      if (DrillJournalFile.read(dir)) {
        if (!log.logPath) log.attachFiles(platform.paths.resolve(config.BackupConfiguration.LogDirectory), 'Recover', new Date());
        drill = await recoverDrill(dir, log);
        if (drill && !drill.running) {
          const what = `the interrupted drill ${drill.pid}: ${drill.mongod ? `scratch mongod ${drill.mongod}, ` : ''}scratch folder ${drill.scratchRemoved ? 'removed' : 'left'} (${drill.scratch})`;
          message = journal ? `${message} Also cleaned up after ${what}.` : `Cleaned up after ${what}.`;
          if (drill.mongod === 'still running') exitCode = ExitCode.General;
        }
      }
    } finally {
      await platform.dispose();
    }
  } catch (err) {
    exitCode = exitCodeOf(err);
    message = describeError(err);
  }
  // The killed run goes into the history catalog as Failed (once per run, whoever recovers it first).
  if (interrupted)
    for (const w of (await recordInterrupted(interrupted, { recoveredBy: 'alteryx-backup recover', params: req.params, platform: choosePlatform })).warnings)
      log.warn(w);
  log.log(exitCode ? 'ERROR' : 'INFO', message);
  if (out.json) {
    out.event({
      type: 'result',
      command: 'recover',
      exitCode,
      success: exitCode === 0,
      message: log.masker.mask(message),
      recovered: outcomes,
      run: report ? { pid: report.pid, mode: report.mode, startedAt: report.startedAt, logPath: report.logPath ?? null } : null,
      restore: report?.restore ?? null,
      journalCleared: report?.journalCleared ?? null,
      complete: report?.complete ?? null,
      drill: drill ?? null,
      logPath: log.logPath ?? null,
    });
  } else out.text(message);
  return exitCode;
}

async function verifyCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      'request-stdin': { type: 'boolean' },
      'no-sha256-file': { type: 'boolean' },
      config: { type: 'string', short: 'c' },
      sandbox: { type: 'string' },
      latest: { type: 'boolean' },
      mode: { type: 'string', short: 'm' },
      destination: { type: 'string', short: 'd' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP.verify);
    return ExitCode.Success;
  }
  const startedAt = new Date();
  const req = values['request-stdin']
    ? readStdinJson()
    : {
        params: {
          Path: positionals[0],
          ConfigPath: values.config,
          SandboxPath: values.sandbox,
          ...(values.latest ? { Latest: true, Mode: values.mode, Destination: values.destination } : {}),
        },
        secrets: { ArchivePassword: process.env['ALTERYXBACKUP_ARCHIVE_PASSWORD'] },
        dryRun: false,
        verbose: false,
      };
  const archive = req.params['Path'];
  const out = new Output(!!values.json, false);
  if ((typeof archive !== 'string' || !archive) && req.params['Latest'] !== true) {
    const msg = 'verify needs the archive path: alteryx-backup verify ARCHIVE (or --latest --mode MODE --destination NAME)';
    out.json ? out.event({ type: 'result', exitCode: ExitCode.Validation, success: false, message: msg, checks: [] }) : process.stderr.write(msg + '\n');
    return ExitCode.Validation;
  }
  // s3:// or azblob:// (issue 16): downloaded to a temp folder (SHA-256 checked on the way), verified there, removed.
  const { path, res } = await withCloudPath(
    req.params,
    req.secrets,
    async (params, dl) => {
      const path = resolve(String(params['Path']));
      const sideCar = `${path}.sha256`;
      const hasSide = !values['no-sha256-file'] && !req.params['SkipChecksumFile'] && (await import('node:fs')).existsSync(sideCar);
      return {
        path: dl?.url ?? path,
        res: await verifyArchive(path, {
          password: req.secrets['ArchivePassword'],
          sha256File: hasSide ? sideCar : undefined,
          maxEntries: entryLimitOf(req.params),
          // The result names the mode and the checks, not the files.
          keepFiles: false,
        }),
      };
    },
    undefined,
    folderResolver(req.params),
  );
  const exitCode = res.ok ? ExitCode.Success : ExitCode.Validation;
  const failed = res.checks.filter((c) => !c.ok);
  const message = res.ok
    ? `${path}: all ${res.checks.length} checks passed`
    : `${path}: ${failed.length} check(s) failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`;
  // Into the run catalog when its location is known (a configuration given or the default one, a sandbox); an
  // offline check of a copy on a machine without a configuration is not recorded.
  const catalog = catalogParams(req.params);
  if (catalog) {
    await afterRun(
      {
        exitCode,
        message,
        mode: res.manifest?.mode ?? null,
        archivePath: path,
        sha256: res.archiveSha256 ?? null,
        durationMs: Date.now() - startedAt.getTime(),
      },
      { kind: 'verify', params: catalog, startedAt, platform: choosePlatform },
    );
  }
  if (out.json)
    out.event({
      type: 'result',
      exitCode,
      success: res.ok,
      message,
      archive: path,
      mode: res.manifest?.mode ?? null,
      checks: res.checks,
      badEntries: res.badEntries,
    });
  else {
    for (const c of res.checks) out.text(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    out.text(message);
  }
  return exitCode;
}

/** RestoreConfiguration.MaxArchiveEntries of the configuration a verify names (or the default one); the default without. */
function entryLimitOf(params: Params): number | undefined {
  try {
    return loadConfig(params).config.RestoreConfiguration.MaxArchiveEntries;
  } catch {
    return undefined;
  }
}

export async function main(argv: string[]): Promise<ExitCodeValue> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'backup':
        return await backupCommand(rest);
      case 'recover':
        return await recoverCommand(rest);
      case 'verify':
        return await verifyCommand(rest);
      case 'history':
      case 'health':
      case 'report':
        return await historyCommand(command, rest);
      case 'list': // cloud destinations (issue 16)
        return await listCommand(rest);
      case 'restore':
      case 'drill':
        return await restoreCommand(command, rest);
      case 'migrate-batch':
        return await migrateBatchCommand(rest);
      case 'compare':
        return await compareCommand(rest);
      case 'sandbox':
      case 'sandbox-create':
      case 'sandbox-status':
      case 'sandbox-set':
      case 'demo':
        return await sandboxCommand(command, rest);
      case '--version':
      case 'version':
        process.stdout.write(`alteryx-backup ${TOOL_VERSION}\n`);
        return ExitCode.Success;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP.main);
        return command === undefined ? ExitCode.General : ExitCode.Success;
      default:
        process.stderr.write(`alteryx-backup: unknown command "${command}".\n\n${HELP.main}`);
        return ExitCode.General;
    }
  } catch (err) {
    const code =
      err instanceof BackupError ? err.exitCode : (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? ExitCode.Validation : exitCodeOf(err);
    const msg = describeError(err);
    if (rest.includes('--json') || rest.includes('--request-stdin')) {
      process.stdout.write(JSON.stringify({ type: 'result', exitCode: code, success: false, message: msg }) + '\n');
    } else {
      process.stderr.write(`alteryx-backup: ${msg}\n`);
    }
    return code;
  }
}

// The only place that ends the process with a code.
const isEntry = (() => {
  const entry = process.argv[1] ?? '';
  return /alteryx-backup(\.mjs)?$|cli[\\/]main\.ts$/.test(entry);
})();
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`alteryx-backup: ${describeError(err)}\n`);
      process.exitCode = ExitCode.General;
    },
  );
}
