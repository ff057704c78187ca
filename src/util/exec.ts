import { spawn } from 'node:child_process';

/** What a finished child process gave back. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when the process was ended by a signal or timed out. */
  signal?: string | undefined;
}

/**
 * The one seam for child processes: no shell, arguments as an array, output collected, a timeout that
 * kills the child. Secrets are never passed as arguments (callers use stdin or files).
 */
export function runProcess(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number | undefined; cwd?: string; input?: string; signal?: AbortSignal | undefined; onSpawn?: ((pid: number) => void) | undefined } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(file, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    // The child's id, for a caller that records it (a restore's journal: recovery waits for a tool that outlives it).
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => {
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
    // Ctrl+C / SIGTERM of the run: the child goes too, so that rollback does not wait for it.
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr: stderr + err.message, exitCode: 127 });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: code ?? 128, signal: signal ?? undefined });
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
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
