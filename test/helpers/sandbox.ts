import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { createSandbox, readEvents, setKnob, type CreateOptions } from '../../src/sandbox/index.ts';
import { runCli, type CliRun } from './cli.ts';
import { tempDir } from './tmp.ts';

/** A fresh sandbox with quick service transitions, and a config file that polls fast. */
export async function quickSandbox(t: ExecutionContext, opts: CreateOptions = {}, configOverrides: Record<string, unknown> = {}) {
  const root = tempDir(t, 'ab-sbx-');
  const dir = join(root, 'server');
  const info = await createSandbox(dir, { dbSizeMb: 1.5, ...opts });
  setKnob(dir, 'service.stopSeconds', '0.3');
  setKnob(dir, 'service.startSeconds', '0.3');
  const config = join(root, 'backup-config.json');
  // The small test databases compress below the shipped 1 MB minimum; one test keeps that minimum on purpose.
  const base = {
    ServiceConfiguration: { PollIntervalSeconds: 0.05, MaxServiceWaitSeconds: 20, MaxWorkflowWaitSeconds: 20 },
    ValidationConfiguration: { MinimumBackupSizeMB: { Full: 0.1, DatabaseOnly: 0.1, ConfigOnly: 0.001 } },
  };
  writeFileSync(config, JSON.stringify(deepMerge(base, configOverrides)));
  return { root, dir, info, config };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Starts `backup` as a real child process and resolves once the sandbox's emulated emongodump has started
 * (the service is stopped and the dump is under way), so that a test can interrupt the run mid-dump.
 */
export async function startBackupUntilDump(dir: string, config: string, mode: string, timeoutMs = 120_000): Promise<{ pid: number; run: Promise<CliRun> }> {
  let pid = 0;
  const run = runCli(['backup', '--mode', mode, '--sandbox', dir, '--config', config, '--json'], { onSpawn: (p) => (pid = p) });
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs && !readEvents(dir).some((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command'])))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!readEvents(dir).some((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command'])))) {
    throw new Error(`the backup did not reach its dump within ${timeoutMs / 1000} s`);
  }
  return { pid, run };
}
