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
  if (err instanceof BackupError) return err.exitCode;
  return fileSystemError(err)?.exitCode ?? ExitCode.General;
}

export function describeError(err: unknown): string {
  if (err instanceof BackupError) return err.full;
  const fs = fileSystemError(err);
  if (fs) return fs.full;
  if (err instanceof Error) return err.message;
  return String(err);
}

const FS_WHY: Record<string, string> = {
  ENOENT: 'a folder on the way is missing, or a symbolic link points nowhere',
  EEXIST: 'something is already there (a file, or a symbolic link, where a folder was expected)',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is where a file was expected',
  ELOOP: 'symbolic links point at each other',
  EACCES: 'access is denied',
  EPERM: 'the operation is not permitted (permissions, or the file is locked by another program)',
  EBUSY: 'the file or folder is in use by another program',
  ENOSPC: 'the drive is full',
  EROFS: 'the drive is read-only',
  EMFILE: 'too many files are open',
  ENAMETOOLONG: 'the path is too long',
};

/**
 * A file-system error that escaped the steps (a folder raced away, a symbolic link to nowhere, a locked file)
 * as a storage error (exit 4) naming the operation, the path and what to do, instead of a raw `EEXIST: ...`.
 */
export function fileSystemError(err: unknown): BackupError | undefined {
  const e = err as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.syscall !== 'string' || !FS_WHY[e.code]) return undefined;
  const where = e.path ? ` ${e.path}${e.dest ? ` -> ${e.dest}` : ''}` : '';
  return new BackupError(
    ExitCode.Storage,
    `A file operation failed: ${e.syscall}${where}: ${FS_WHY[e.code]} (${e.code}).`,
    'Check that the path exists and is a real folder (not a symbolic link to a missing place), that nothing else is using it, and that the account running the tool may write there; then run again.',
  );
}
