import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger as TsLogger, type ILogObj } from 'tslog';
import { Masker } from './mask.ts';

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'SUCCESS'] as const;
export type Level = (typeof LEVELS)[number];

/** tslog's numeric levels: SUCCESS ranks with INFO so filters treat it as information. */
const LEVEL_IDS: Record<Level, number> = { DEBUG: 2, INFO: 3, SUCCESS: 3, WARNING: 4, ERROR: 5 };

interface TsMeta {
  date?: Date | string;
  logLevelName?: string;
}

export interface LogRecord {
  time: Date;
  level: Level;
  message: string;
  step?: string | undefined;
}

/** Where events go besides the files: the CLI's human console or the JSON event stream. */
export type LogSink = (rec: LogRecord) => void;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** yyyy-MM-dd HH:mm:ss in local time (REQ-7.1.3). */
export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** YYYYMMDD_HHmmss in local time, for file names. */
export function fileStamp(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** ISO 8601 with the local offset, e.g. 2026-11-28T14:03:01.250+01:00. */
export function isoWithOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The PRD line format: `2026-11-28 14:03:01 [INFO] message`. */
export function formatLine(rec: LogRecord): string {
  return `${formatTimestamp(rec.time)} [${rec.level}] ${rec.message}`;
}

export function logFileName(mode: string, startedAt: Date): string {
  return `BackupLog_${mode}_${fileStamp(startedAt)}.log`;
}

/**
 * The run's logger (Write-Log). Every record is masked, then dispatched through tslog to: the PRD-format
 * log file, its JSON-lines twin, and the sink (console or event stream). Records logged before the log
 * directory is known are kept and written once the files are attached, so the file holds the whole run.
 */
export class RunLogger {
  readonly masker: Masker;
  private readonly tslog: TsLogger<ILogObj>;
  private readonly early: LogRecord[] = [];
  private files: { log: string; jsonl: string } | undefined;
  private step: string | undefined;
  readonly counts: Record<Level, number> = { DEBUG: 0, INFO: 0, WARNING: 0, ERROR: 0, SUCCESS: 0 };
  /** Every WARNING and ERROR of the run, masked, for the result and alerts. */
  readonly problems: LogRecord[] = [];
  private readonly pending: LogRecord[] = [];
  private writeFailed = false;
  /** The first pending line is in the .log already (only its JSON-lines twin failed). */
  private pendingInLog = false;

  constructor(
    private readonly sink: LogSink,
    masker?: Masker,
  ) {
    this.masker = masker ?? new Masker();
    this.tslog = new TsLogger<ILogObj>({ type: 'hidden', minLevel: 0, name: 'AlteryxBackup', stack: { capture: 'off' } });
    this.tslog.attachTransport((obj) => {
      const o = obj as { _meta?: TsMeta; _logMeta?: TsMeta };
      const meta = o._logMeta ?? o._meta;
      const rec: LogRecord = {
        time: meta?.date ? new Date(meta.date) : new Date(),
        level: (meta?.logLevelName as Level) ?? 'INFO',
        message: String((obj as Record<string, unknown>)['0'] ?? ''),
        step: (obj as Record<string, unknown>)['1'] as string | undefined,
      };
      this.dispatch(rec);
    });
  }

  /** Starts writing the log file and its JSON-lines twin; returns the log file path. */
  attachFiles(dir: string, mode: string, startedAt: Date): string {
    mkdirSync(dir, { recursive: true });
    const log = join(dir, logFileName(mode, startedAt));
    this.files = { log, jsonl: log.replace(/\.log$/, '.jsonl') };
    for (const rec of this.early.splice(0)) this.writeFiles(rec);
    return log;
  }

  get logPath(): string | undefined {
    return this.files?.log;
  }

  setStep(step: string | undefined): void {
    this.step = step;
  }

  debug(msg: string): void {
    this.log('DEBUG', msg);
  }
  info(msg: string): void {
    this.log('INFO', msg);
  }
  warn(msg: string): void {
    this.log('WARNING', msg);
  }
  error(msg: string): void {
    this.log('ERROR', msg);
  }
  success(msg: string): void {
    this.log('SUCCESS', msg);
  }

  log(level: Level, msg: string): void {
    this.tslog.log(LEVEL_IDS[level], level, this.masker.mask(msg), this.step);
  }

  private dispatch(rec: LogRecord): void {
    this.counts[rec.level]++;
    if (rec.level === 'WARNING' || rec.level === 'ERROR') this.problems.push(rec);
    if (this.files) this.writeFiles(rec);
    else this.early.push(rec);
    this.sink(rec);
  }

  private writeFiles(rec: LogRecord): void {
    if (!this.files) return;
    this.pending.push(rec);
    if (this.pending.length > MAX_PENDING) {
      this.pending.splice(0, this.pending.length - MAX_PENDING);
      this.pendingInLog = false;
    }
    // Appended synchronously line by line: a killed process still leaves a complete log up to its last line.
    // A log file held open by another program (an antivirus scan, an editor, a log shipper without
    // FILE_SHARE_WRITE) fails the write: the lines wait and go in with the next write that succeeds. The
    // step that logged carries on; the console and the event stream still get every line.
    try {
      while (this.pending.length) {
        const r = this.pending[0]!;
        if (!this.pendingInLog) appendFileSync(this.files.log, formatLine(r) + '\r\n');
        this.pendingInLog = true;
        const twin: Record<string, unknown> = { time: isoWithOffset(r.time), level: r.level, message: r.message };
        if (r.step) twin['step'] = r.step;
        appendFileSync(this.files.jsonl, JSON.stringify(twin) + '\n');
        this.pending.shift();
        this.pendingInLog = false;
      }
      this.writeFailed = false;
    } catch (err) {
      if (this.writeFailed) return;
      this.writeFailed = true;
      this.sink({
        time: new Date(),
        level: 'WARNING',
        message: this.masker.mask(
          `The log file ${this.files.log} could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); its lines are kept and written as soon as it can be (is another program holding it open?).`,
        ),
        step: this.step,
      });
    }
  }
}

/** Lines kept for a log file that cannot be written for the moment. */
const MAX_PENDING = 10_000;
