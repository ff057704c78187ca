import { spawn } from 'node:child_process';

/** What a finished child process gave back. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when the process was ended by a signal or timed out. */
  signal?: string | undefined;
  /** Set when the process did not end with exit code 0 (a non-zero exit, a signal, a timeout, no such file). */
  error?: ExecError | undefined;
  /** True when a stream said more than the cap (maxBuffer) and its oldest output was dropped. */
  truncated?: boolean | undefined;
}

/** Default cap of the output kept per stream: what a judge of the output needs, not all a chatty child says. */
const DEFAULT_MAX_BUFFER = 8 * 1024 * 1024;
/** How much of each stream an ExecError carries. */
const TAIL_CHARS = 2000;

export type ExecFailure = 'exit' | 'signal' | 'timeout' | 'spawn';

/**
 * A child process that did not succeed, typed: what ran (argument values after `=` redacted: an argument
 * such as `setserversecret=<token>` carries a secret), how it ended, and the tails of its output.
 */
export class ExecError extends Error {
  override readonly name = 'ExecError';
  constructor(
    readonly command: string,
    readonly failure: ExecFailure,
    readonly exitCode: number | null,
    readonly signal: string | undefined,
    readonly stdoutTail: string,
    readonly stderrTail: string,
  ) {
    const how =
      failure === 'spawn'
        ? 'could not be started'
        : failure === 'timeout'
          ? `timed out and was killed${signal ? ` (${signal})` : ''}`
          : failure === 'signal'
            ? `was ended by ${signal}`
            : `ended with exit code ${exitCode}`;
    const detail = (stderrTail || stdoutTail).trim().split(/\r?\n/).slice(-3).join(' | ');
    super(`${command} ${how}${detail ? `: ${detail}` : ''}`);
  }
}

/** The command line for messages: the executable and its arguments, each value after `=` redacted. */
export function describeCommand(file: string, args: readonly string[]): string {
  return [file, ...args.map((a) => (a.includes('=') ? `${a.slice(0, a.indexOf('='))}=***` : a))].join(' ');
}

const tail = (s: string) => (s.length > TAIL_CHARS ? s.slice(-TAIL_CHARS) : s);

/** One output stream, keeping at most `max` characters: the newest ones (a tool's verdict is at its end). */
class CappedText {
  private chunks: string[] = [];
  private length = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  add(d: string): void {
    this.chunks.push(d);
    this.length += d.length;
    if (this.length > this.max * 2) this.compact();
  }
  private compact(): void {
    const cut = this.length - this.max;
    if (cut <= 0) return;
    this.chunks = [this.chunks.join('').slice(cut)];
    this.dropped += cut;
    this.length = this.max;
  }
  text(): string {
    this.compact();
    return this.chunks.join('');
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number | undefined;
  cwd?: string;
  input?: string;
  signal?: AbortSignal | undefined;
  onSpawn?: ((pid: number) => void) | undefined;
  /** Characters of output kept per stream (default DEFAULT_MAX_BUFFER); beyond it the oldest output is dropped. */
  maxBuffer?: number | undefined;
}

/**
 * The one seam for child processes: no shell, arguments as an array, output collected up to a cap per
 * stream (maxBuffer: the child keeps running, its oldest output is dropped), a timeout that kills the child.
 * Never rejects: a failure is the result's `error`, a typed ExecError. Secrets are never passed as arguments
 * (callers use stdin or files) except where a tool knows no other way (setserversecret): ExecError redacts
 * argument values.
 */
export function runProcess(file: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const max = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    const out = new CappedText(max);
    const err = new CappedText(max);
    let settled = false;
    let timedOut = false;
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    // The child's id, for a caller that records it (a restore's journal: recovery waits for a tool that outlives it).
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
    // Ctrl+C / SIGTERM of the run: the child goes too, so that rollback does not wait for it.
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.add(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.add(d));
    const finish = (exitCode: number, signal: string | undefined, failure: ExecFailure | undefined, spawnError = '') => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      const stdout = out.text();
      const stderr = err.text() + spawnError;
      const error = failure
        ? new ExecError(describeCommand(file, args), failure, failure === 'exit' ? exitCode : null, signal, tail(stdout), tail(stderr))
        : undefined;
      const truncated = out.dropped > 0 || err.dropped > 0;
      resolve({ stdout, stderr, exitCode, ...(signal ? { signal } : {}), ...(error ? { error } : {}), ...(truncated ? { truncated } : {}) });
    };
    child.on('error', (e) => finish(127, undefined, 'spawn', e.message));
    child.on('close', (code, signal) => finish(code ?? 128, signal ?? undefined, timedOut ? 'timeout' : signal ? 'signal' : code === 0 ? undefined : 'exit'));
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** runProcess for a caller that needs success: the result when the exit code is 0, else its ExecError is thrown. */
export async function runChecked(file: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
  const r = await runProcess(file, args, opts);
  if (r.error) throw r.error;
  return r;
}

export interface StartedProcess {
  pid: number | undefined;
  /** Resolves when the process has ended (never rejects). */
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** True until the process has ended. */
  running(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * A long-running child (a scratch mongod): no shell, arguments as an array, output discarded (it logs to
 * its own file). The caller stops it and awaits `exited`.
 */
export function startProcess(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): StartedProcess {
  const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'ignore'], windowsHide: true });
  let alive = true;
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
    child.on('error', () => {
      alive = false;
      resolve({ exitCode: 127, signal: null });
    });
    child.on('exit', (code, signal) => {
      alive = false;
      resolve({ exitCode: code, signal });
    });
  });
  return {
    pid: child.pid,
    exited,
    running: () => alive,
    kill: (signal = 'SIGTERM') => {
      if (alive) child.kill(signal);
    },
  };
}
