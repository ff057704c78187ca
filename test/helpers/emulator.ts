// Helpers for the tests of the sandbox's emulated executables.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestFn } from 'ava';
import { emulatorBundlePath } from '../../src/sandbox/layout.ts';
import { withLock } from '../../src/sandbox/lock.ts';
import { endSandboxWorkflows } from '../../src/sandbox/workflow-procs.ts';
import { runProcess } from '../../src/util/exec.ts';
import { repo } from './cli.ts';

function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(repo, 'src', 'sandbox'));
  // Bundled into the emulator from outside src/sandbox (the emulated mongod serves the wire peer).
  for (const f of ['src/sandbox/wire-peer.ts', 'src/util/fsx.ts', 'src/core/errors.ts']) {
    const p = path.join(repo, f);
    if (fs.existsSync(p)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure module/AlteryxBackup/lib/sandbox-emulator.mjs exists and is not older than src/sandbox (nor than
 * the few files it bundles from elsewhere), running the project's build (scripts/build.mjs) when it is not.
 * Safe to call from parallel test workers.
 */
export function ensureEmulatorBundle(): string {
  const out = emulatorBundlePath();
  const fresh = () => fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestSource();
  if (fresh()) return out;
  const lockHome = path.join(os.tmpdir(), `alteryx-sandbox-build-${Buffer.from(repo).toString('hex').slice(-24)}`);
  fs.mkdirSync(path.join(lockHome, 'state'), { recursive: true });
  withLock(lockHome, () => {
    if (!fresh()) execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--quiet'], { cwd: repo, stdio: 'pipe' });
  });
  return out;
}

/**
 * For a test file of the sandbox: builds the emulator before its tests and removes every folder `mk` made
 * after them (ending the workflow processes of a sandbox in it first). Returns `mk(prefix)`, a fresh temp folder.
 */
export function useSandboxDirs(test: TestFn, defaultPrefix: string): (prefix?: string) => string {
  const dirs: string[] = [];
  test.before(() => {
    ensureEmulatorBundle();
  });
  test.after.always(() => {
    for (const d of dirs) {
      endSandboxWorkflows(d);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
  return (prefix = defaultPrefix) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real executable (a sandbox shim) through the project's process seam, never throwing on a non-zero exit. */
export async function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await runProcess(file, args, { env: opts.env, cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 60_000 });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
