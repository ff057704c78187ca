// `alteryx-backup history`, `health` and `report`: the run catalog read back (docs/history.md).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PARAMS } from '../config/params.ts';
import type { Params } from '../config/load.ts';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { destinationsFreeOf, evaluateHealth, type HealthVerdict } from '../history/health.ts';
import { filterHistory, parseQuery, toCsv } from '../history/query.ts';
import { openHistory, type HistoryContext } from '../history/record.ts';
import { rebuildHistory } from '../history/rebuild.ts';
import { monthRange, monthlyCsv, renderReport } from '../history/report.ts';
import { readHistory } from '../history/store.ts';
import { sendReportEmail } from '../history/mail.ts';
import { smtpPassword } from '../alerts/index.ts';
import type { RunRecord } from '../history/types.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { HELP } from './help.ts';
import { choosePlatform } from '../platform/choose.ts';
import { Output } from './output.ts';

const configFlags = Object.fromEntries(
  PARAMS.map((p) => [p.flag, { type: p.kind === 'boolean' ? 'boolean' : 'string', multiple: p.kind === 'string[]' } as const]),
) as NonNullable<ParseArgsConfig['options']>;

const common: NonNullable<ParseArgsConfig['options']> = {
  config: { type: 'string', short: 'c' },
  sandbox: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'request-stdin': { type: 'boolean' },
  ...configFlags,
};

const OPTIONS: Record<'history' | 'health' | 'report', NonNullable<ParseArgsConfig['options']>> = {
  history: {
    ...common,
    csv: { type: 'boolean' },
    rebuild: { type: 'boolean' },
    mode: { type: 'string', short: 'm' },
    kind: { type: 'string' },
    status: { type: 'string' },
    since: { type: 'string' },
    last: { type: 'string' },
  },
  health: { ...common },
  report: { ...common, html: { type: 'string' }, month: { type: 'string' }, csv: { type: 'string' }, email: { type: 'boolean' } },
};

interface Req {
  params: Params;
  secrets: Record<string, string | undefined>;
}

function request(values: Record<string, unknown>): Req {
  if (values['request-stdin']) {
    try {
      const obj = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as { params?: Params; secrets?: Record<string, string | undefined> };
      return { params: obj.params ?? {}, secrets: obj.secrets ?? {} };
    } catch (err) {
      throw new BackupError(ExitCode.General, `The request on stdin is not JSON: ${(err as Error).message}`);
    }
  }
  const params: Params = {};
  if (values['config'] !== undefined) params['ConfigPath'] = values['config'];
  if (values['sandbox'] !== undefined) params['SandboxPath'] = values['sandbox'];
  for (const p of PARAMS) if (values[p.flag] !== undefined) params[p.name] = values[p.flag];
  const map: Record<string, string> = {
    mode: 'Mode',
    kind: 'Kind',
    status: 'Status',
    since: 'Since',
    last: 'Last',
    html: 'Path',
    month: 'Month',
    csv: 'CsvPath',
    rebuild: 'Rebuild',
    email: 'Email',
  };
  for (const [flag, name] of Object.entries(map)) if (values[flag] !== undefined) params[name] = values[flag];
  return { params, secrets: {} };
}

/** The configuration's parameters only (the command's own filters are not configuration keys). */
function configParams(p: Params): Params {
  const keep = new Set(['ConfigPath', 'SandboxPath', ...PARAMS.map((x) => x.name)]);
  return Object.fromEntries(Object.entries(p).filter(([k]) => keep.has(k)));
}

async function withHistory<T>(params: Params, fn: (h: HistoryContext) => Promise<T>): Promise<T> {
  const h = openHistory(configParams(params), choosePlatform);
  try {
    return await fn(h);
  } finally {
    await h.platform.dispose().catch(() => {});
  }
}

/** The health verdict of a configuration's catalog, with the free space at each destination. */
export async function healthOf(h: HistoryContext, now = new Date()): Promise<HealthVerdict> {
  const { records } = readHistory(h.file);
  const destinationsFree = await destinationsFreeOf(h.config, h.platform);
  return evaluateHealth(records, h.config.HealthConfiguration, { now, destinationsFree });
}

function printTable(out: Output, records: RunRecord[]): void {
  out.text(
    `${'Started (UTC)'.padEnd(20)} ${'Kind'.padEnd(7)} ${'Mode'.padEnd(12)} ${'Status'.padEnd(8)} Exit ${'Size'.padStart(9)} ${'Duration'.padStart(10)}  Archive / message`,
  );
  for (const r of records) {
    const what = r.status === 'Success' ? (r.archiveName ?? r.message) : r.message;
    out.text(
      `${r.startedAt.slice(0, 19).replace('T', ' ').padEnd(20)} ${r.kind.padEnd(7)} ${(r.mode ?? '-').padEnd(12)} ${r.status.padEnd(8)} ${String(r.exitCode).padStart(4)} ${(r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes)).padStart(9)} ${formatDuration(r.durationMs).padStart(10)}  ${what}`,
    );
  }
  out.text(`${records.length} run(s)`);
}

async function history(out: Output, params: Params, csv: boolean): Promise<ExitCodeValue> {
  const query = parseQuery(params);
  return withHistory(params, async (h) => {
    let rebuilt: number | null = null;
    if (params['Rebuild'] === true) {
      const { records: recs } = await rebuildHistory(h.file, {
        logDir: h.logDir,
        localBackupPath: h.platform.paths.resolve(h.config.BackupConfiguration.LocalBackupPath),
        networkPaths: h.config.BackupConfiguration.NetworkBackupPaths.map((p) => h.platform.paths.resolve(p)),
        host: h.platform.system.hostname(),
      });
      rebuilt = recs.length;
    }
    const { records, skipped } = readHistory(h.file);
    const shown = filterHistory(records, query);
    const message = `${rebuilt !== null ? `Rebuilt the catalog ${h.file} from the archives and logs: ${rebuilt} run(s). ` : ''}${shown.length} of ${records.length} run(s) in ${h.file}${skipped ? `; ${skipped} damaged line(s) skipped` : ''}.`;
    if (out.json)
      out.event({
        type: 'result',
        command: 'history',
        exitCode: 0,
        success: true,
        message,
        file: h.file,
        total: records.length,
        skipped,
        rebuilt,
        records: shown,
      });
    else if (csv) process.stdout.write(toCsv(shown));
    else {
      printTable(out, shown);
      if (rebuilt !== null || skipped) out.text(message);
    }
    return ExitCode.Success;
  });
}

async function health(out: Output, params: Params): Promise<ExitCodeValue> {
  let v: HealthVerdict | undefined;
  let file: string | null = null;
  let error: string | null = null;
  try {
    v = await withHistory(params, async (h) => {
      file = h.file;
      return healthOf(h);
    });
  } catch (err) {
    error = describeError(err);
  }
  // Nagios/Icinga plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check itself could not run).
  const status = v?.status ?? 'UNKNOWN';
  const exitCode = v?.exitCode ?? 3;
  const summary = v ? v.summary : `UNKNOWN - the health check could not run: ${error}`;
  if (out.json)
    out.event({
      type: 'result',
      command: 'health',
      exitCode,
      success: exitCode === 0,
      status,
      message: summary,
      reasons: v?.reasons ?? [],
      modes: v?.modes ?? [],
      runs: v?.runs ?? 0,
      freeBytes: v?.freeBytes ?? null,
      destinationsFree: v?.destinationsFree ?? [],
      checkedAt: v?.checkedAt ?? new Date().toISOString(),
      file,
    });
  else {
    // Performance data (label=value;warn;crit): each mode's newest good backup age against its interval.
    const age = (v?.modes ?? []).filter((m) => m.runs > 0).map((m) => `${m.mode}_age_h=${m.lastGoodAgeHours ?? 'U'};;${m.expectedIntervalHours || ''}`);
    out.text(`ALTERYXBACKUP ${summary.startsWith(status) ? summary : `${status} - ${summary}`}${age.length ? ` | ${age.join(' ')}` : ''}`);
    for (const r of v?.reasons ?? []) out.text(`${r.severity}: [${r.check}] ${r.message}`);
  }
  return exitCode as ExitCodeValue;
}

async function report(out: Output, params: Params, secrets: Record<string, string | undefined>): Promise<ExitCodeValue> {
  const target = params['Path'];
  if (typeof target !== 'string' || !target)
    throw new BackupError(ExitCode.Validation, 'report needs the file to write: alteryx-backup report --html FILE [--month YYYY-MM].');
  const month = params['Month'] === undefined || params['Month'] === null || params['Month'] === '' ? undefined : String(params['Month']);
  if (month !== undefined) {
    try {
      monthRange(month);
    } catch (err) {
      throw new BackupError(ExitCode.Validation, (err as Error).message);
    }
  }
  return withHistory(params, async (h) => {
    const { records } = readHistory(h.file);
    const v = await healthOf(h);
    const html = renderReport({ records, health: v, host: h.platform.system.hostname(), generatedAt: new Date(), month });
    const file = resolve(target);
    writeFileAtomicSync(file, html);
    let csvFile: string | null = null;
    if (month !== undefined) {
      csvFile = typeof params['CsvPath'] === 'string' && params['CsvPath'] ? resolve(params['CsvPath']) : file.replace(/\.html?$/i, '') + '.csv';
      const { from, to } = monthRange(month);
      writeFileAtomicSync(
        csvFile,
        monthlyCsv(
          records.filter((r) => Date.parse(r.startedAt) >= from && Date.parse(r.startedAt) < to),
          month,
        ),
      );
    }
    let message = `Report written: ${file}${csvFile ? ` and ${csvFile}` : ''} (${records.length} run(s), health ${v.status}).`;
    let exitCode: ExitCodeValue = ExitCode.Success;
    let email: string | null = null;
    if (params['Email'] === true) {
      const cfg = h.config.NotificationConfiguration;
      const paramUser = params['SmtpUsername'];
      const host = h.platform.system.hostname();
      const sent = await sendReportEmail({
        config: cfg,
        subject: `${month ? `Monthly report ${month}` : 'Backup dashboard'} of ${host}: health ${v.status}`,
        text: `${v.summary}\r\n\r\nThe report is attached (${[file, csvFile]
          .filter(Boolean)
          .map((f) => f!.split(/[\\/]/).pop())
          .join(', ')}); open it in a browser. It needs no network.\r\n`,
        files: [file, ...(csvFile ? [csvFile] : [])],
        username: typeof paramUser === 'string' && paramUser ? paramUser : cfg.SMTPUsername,
        password: smtpPassword(secrets),
      });
      email = sent.status;
      if (sent.status === 'sent') message += ` Emailed to ${sent.recipients.join(', ')}.`;
      else {
        exitCode = ExitCode.General;
        message += ` The email could not be sent: ${sent.error}`;
      }
    }
    if (out.json)
      out.event({
        type: 'result',
        command: 'report',
        exitCode,
        success: exitCode === 0,
        message,
        path: file,
        csvPath: csvFile,
        status: v.status,
        runs: records.length,
        email,
      });
    else if (exitCode) process.stderr.write(`alteryx-backup report: ${message}\n`);
    else out.text(message);
    return exitCode;
  });
}

function writeFileAtomicSync(file: string, text: string): void {
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, text);
  // Rename over the old report: a browser or mail job never reads half a file.
  renameSync(tmp, file);
}

/** `alteryx-backup history|health|report`. */
export async function historyCommand(command: 'history' | 'health' | 'report', argv: string[]): Promise<ExitCodeValue> {
  let out = new Output(argv.includes('--json') || argv.includes('--request-stdin'), false);
  try {
    const { values } = parseArgs({ args: argv, options: OPTIONS[command], allowPositionals: false, strict: true }) as { values: Record<string, unknown> };
    if (values['help']) {
      process.stdout.write(HELP[command]);
      return ExitCode.Success;
    }
    out = new Output(!!values['json'] || !!values['request-stdin'], false);
    const req = request(values);
    if (command === 'history') return await history(out, req.params, !!values['csv']);
    if (command === 'health') return await health(out, req.params);
    return await report(out, req.params, req.secrets);
  } catch (err) {
    // health keeps the plugin convention even for bad arguments: UNKNOWN (3).
    const code =
      command === 'health'
        ? 3
        : err instanceof BackupError
          ? err.exitCode
          : (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
            ? ExitCode.Validation
            : exitCodeOf(err);
    const msg = describeError(err);
    if (out.json) out.event({ type: 'result', command, exitCode: code, success: false, status: command === 'health' ? 'UNKNOWN' : undefined, message: msg });
    else process.stderr.write(`alteryx-backup ${command}: ${command === 'health' ? 'UNKNOWN - ' : ''}${msg}\n`);
    return code as ExitCodeValue;
  }
}
