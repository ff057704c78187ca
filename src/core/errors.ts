/** Exit codes shared by the Node CLI, the cmdlet's script form and Task Scheduler (REQ-7.3.5). */
export const ExitCode = {
  Success: 0,
  General: 1,
  Timeout: 2,
  Validation: 3,
  Storage: 4,
  MongoDB: 5,
  InvalidMode: 6,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeNames: Record<ExitCodeValue, string> = {
  0: 'success',
  1: 'general error',
  2: 'service or workflow wait timed out',
  3: 'validation failed',
  4: 'storage error',
  5: 'MongoDB error',
  6: 'invalid backup mode',
};

/** An error that carries the exit code it ends the run with, and a hint telling the admin what to do. */
export class BackupError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(exitCode: ExitCodeValue, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.exitCode = exitCode;
    this.hint = hint;
  }
  /** The message with its hint, as an admin reads it. */
  get full(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function exitCodeOf(err: unknown): ExitCodeValue {
  return err instanceof BackupError ? err.exitCode : ExitCode.General;
}

export function describeError(err: unknown): string {
  if (err instanceof BackupError) return err.full;
  if (err instanceof Error) return err.message;
  return String(err);
}
