// Helpers for tests that use the sandbox (not part of the bundles).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emulatorBundlePath } from './layout.ts';
import { withLock } from './lock.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(repoRoot, 'src', 'sandbox'));
  return newest;
}

/**
 * Makes sure module/AlteryxBackup/lib/sandbox-emulator.mjs exists and is not older than src/sandbox: runs
 * `node scripts/build.mjs` when it is missing; rebuilds only the emulator (esbuild, same options) when it is
 * stale or when the full build fails. Safe to call from parallel test workers.
 */
export async function ensureEmulatorBundle(): Promise<string> {
  const out = emulatorBundlePath();
  const fresh = () => fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestSource();
  if (fresh()) return out;
  const lockHome = path.join(os.tmpdir(), `alteryx-sandbox-build-${Buffer.from(repoRoot).toString('hex').slice(-24)}`);
  fs.mkdirSync(path.join(lockHome, 'state'), { recursive: true });
  let needEsbuild = false;
  withLock(lockHome, () => {
    if (fresh()) return;
    if (!fs.existsSync(out) && fs.existsSync(path.join(repoRoot, 'scripts', 'build.mjs'))) {
      try {
        execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--quiet'], { cwd: repoRoot, stdio: 'pipe' });
      } catch {
        /* fall back below */
      }
    }
    if (!fresh()) needEsbuild = true;
  });
  if (needEsbuild) {
    const { build } = await import('esbuild');
    const tmp = `${out}.${process.pid}.tmp.mjs`;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await build({
      entryPoints: [path.join(repoRoot, 'src', 'sandbox', 'emulator', 'main.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      banner: { js: "import { createRequire as __abCreateRequire } from 'node:module'; const require = __abCreateRequire(import.meta.url);" },
      logLevel: 'error',
      legalComments: 'none',
    });
    fs.renameSync(tmp, out);
  }
  return out;
}

/** A fresh temp folder; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(prefix = 'sbx-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a real executable (a sandbox shim), never throwing on a non-zero exit. */
export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
