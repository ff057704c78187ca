import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

/** Every file under `dir` (recursively), as absolute paths in directory order. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** A real temp folder, removed when the test ends (kept when AB_KEEP_TMP is set, for debugging). */
export function tempDir(t: ExecutionContext, prefix = 'ab-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => {
    if (!process.env['AB_KEEP_TMP']) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
