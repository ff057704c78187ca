// The sandbox's workflow processes (knob `workflows`): real emulated AlteryxEngineCmd.exe processes, started
// detached when the knob is set, seen alive by their pid, ended by process.kill (TerminateProcess on Windows).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { BackupError, ExitCode } from '../core/errors.ts';
import { WIN } from './layout.ts';
import { findNode, readSandboxFile } from './meta.ts';
import { mapWindowsPath } from './winpath.ts';
import { processAlive, sleepSync } from '../util/proc.ts';

/** A record of the knob `workflows`. */
export interface WorkflowRecord {
  name: string;
  node: string;
  pid: number;
  endsAt: string;
}

/**
 * How long after its end time a recorded pid still counts as the workflow: the emulated engine exits at its end
 * time, so a process alive well past it is another process that was given the pid (Windows reuses pids).
 */
const END_GRACE_MS = 60_000;

/** The emulated AlteryxEngineCmd.exe of a node (a shim, or a launcher copy on Windows). */
export function engineExecutable(dir: string, node: string): string {
  const f = readSandboxFile(dir);
  const file = mapWindowsPath(dir, findNode(dir, node, f).root, WIN.engineExe);
  let head = '';
  try {
    const fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(2);
    fs.readSync(fd, b, 0, 2, 0);
    fs.closeSync(fd);
    head = b.toString('latin1');
  } catch {
    // missing: said below
  }
  if (head !== '#!' && head !== 'MZ') {
    throw new BackupError(
      ExitCode.General,
      `The sandbox's ${WIN.engineExe} (${file}) is not an emulated executable: the sandbox was made by an older version, whose workflows were records only.`,
      'Recreate the sandbox (alteryx-backup sandbox create --force, or New-AlteryxSandbox -Force), then set the knob again.',
    );
  }
  return file;
}

/**
 * Starts `AlteryxEngineCmd.exe <name> --ends-at <endsAt>` on that node, detached (it outlives the process that
 * set the knob) with no console and its output discarded; returns its real pid.
 */
export function startWorkflowProcess(dir: string, node: string, name: string, endsAt: string): number {
  const exe = engineExecutable(dir, node);
  const child = spawn(exe, [name, '--ends-at', endsAt], { detached: true, stdio: 'ignore', windowsHide: true });
  // A spawn that fails reports it asynchronously as well; the missing pid says it here.
  child.on('error', () => {});
  child.unref();
  if (!child.pid) {
    throw new BackupError(ExitCode.General, `Could not start the emulated ${exe} for the workflow ${name}.`, 'Recreate the sandbox (sandbox create --force).');
  }
  return child.pid;
}

/** /proc/<pid>/stat's state and cmdline (Linux), or undefined where there is no /proc. */
function procInfo(pid: number): { state: string; cmdline: string } | undefined | 'gone' {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return { state: stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3), cmdline };
  } catch {
    return 'gone';
  }
}

/** Whether the process runs: it exists (processAlive), and is not a zombie, killed but not yet reaped by its parent. */
export function processRunning(pid: number): boolean {
  if (!processAlive(pid)) return false;
  const p = procInfo(pid);
  if (p === 'gone') return false;
  return !p || (p.state !== 'Z' && p.state !== 'X');
}

/** Whether the record's process is running: alive, and (where /proc tells) an emulated AlteryxEngineCmd. */
export function workflowAlive(w: WorkflowRecord, now = Date.now()): boolean {
  if (now > Date.parse(w.endsAt) + END_GRACE_MS) return false;
  if (!processRunning(w.pid)) return false;
  const p = procInfo(w.pid);
  return !p || p === 'gone' || p.cmdline.includes('AlteryxEngineCmd');
}

/** Ends the records' processes that run (process.kill: SIGKILL, TerminateProcess on Windows) and waits until they are gone. */
export function endWorkflowProcesses(list: WorkflowRecord[], timeoutMs = 30_000): void {
  const running = list.filter((w) => workflowAlive(w));
  for (const w of running) {
    try {
      process.kill(w.pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const w of running) {
    while (processRunning(w.pid)) {
      if (Date.now() > deadline) {
        throw new BackupError(
          ExitCode.General,
          `The emulated AlteryxEngineCmd.exe of ${w.name} (pid ${w.pid}) did not end within ${timeoutMs / 1000} s of being killed.`,
        );
      }
      sleepSync(20);
    }
  }
}

/** Ends every workflow process of the sandbox in `dir` (before it is removed or replaced); no sandbox there: nothing. */
export function endSandboxWorkflows(dir: string): void {
  let list: unknown;
  try {
    list = (readSandboxFile(dir).knobs as Record<string, unknown> | undefined)?.['workflows'];
  } catch {
    return;
  }
  if (Array.isArray(list)) endWorkflowProcesses(list.filter((w): w is WorkflowRecord => typeof w?.pid === 'number' && typeof w?.endsAt === 'string'));
}
