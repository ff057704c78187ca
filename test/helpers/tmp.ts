import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

/** A real temp folder, removed when the test ends (kept when AB_KEEP_TMP is set, for debugging). */
export function tempDir(t: ExecutionContext, prefix = 'ab-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => {
    if (!process.env['AB_KEEP_TMP']) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
