import { formatLine, type LogRecord } from '../log/logger.ts';
import type { ProgressEvent } from '../core/context.ts';

/** Where the CLI's events go: JSON lines (the bridge) or text for people. stdout is written only here. */
export class Output {
  private lastProgress = 0;
  constructor(
    readonly json: boolean,
    readonly verbose: boolean,
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  event(obj: Record<string, unknown>): void {
    this.write(JSON.stringify(obj) + '\n');
  }

  log = (rec: LogRecord): void => {
    if (this.json) this.event({ type: 'log', level: rec.level, time: rec.time.toISOString(), message: rec.message, ...(rec.step ? { step: rec.step } : {}) });
    else if (rec.level !== 'DEBUG' || this.verbose) this.write(formatLine(rec) + '\n');
  };

  progress = (p: ProgressEvent): void => {
    if (!this.json) return;
    const now = Date.now();
    // Throttled at the source as well as in the cmdlet: at most 10 a second unless it completes.
    if (!p.completed && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.event({ type: 'progress', ...p });
  };

  text(s: string): void {
    if (!this.json) this.write(s.endsWith('\n') ? s : s + '\n');
  }
}
