import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';

import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RunContext } from '../core/context.ts';
import { sha256File } from '../util/fsx.ts';
import { formatDuration } from '../util/format.ts';

export interface DestinationOutcome {
  path: string;
  kind: 'local' | 'network';
  status: 'ok' | 'failed';
  attempts: number;
  archivePath?: string | undefined;
  error?: string | undefined;
}

/** Copies a file under a temporary name, reads it back to check size and SHA-256, then renames it. */
export async function copyVerified(src: string, destDir: string, expectedSha256: string, expectedSize: number): Promise<string> {
  await fsp.mkdir(destDir, { recursive: true });
  const final = join(destDir, basename(src));
  const tmp = `${final}.partial`;
  try {
    await pipeline(createReadStream(src), createWriteStream(tmp));
    const st = await fsp.stat(tmp);
    if (st.size !== expectedSize) throw new Error(`copy has ${st.size} bytes, expected ${expectedSize}`);
    const h = await sha256File(tmp);
    if (h !== expectedSha256) throw new Error(`copy SHA-256 ${h} differs from ${expectedSha256}`);
    await fsp.rename(tmp, final);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  const side = `${final}.sha256`;
  await fsp.writeFile(`${side}.partial`, `${expectedSha256}  ${basename(final)}\n`);
  await fsp.rename(`${side}.partial`, side);
  return final;
}

/** REQ-5.2.x: copies to every network destination in parallel, with retries; one failing does not stop the others. */
export async function copyToDestinations(ctx: RunContext): Promise<DestinationOutcome[]> {
  const a = ctx.archive!;
  const tries = 3;
  const delayMs = 30_000;
  return Promise.all(
    ctx.config.BackupConfiguration.NetworkBackupPaths.map(async (dest): Promise<DestinationOutcome> => {
      const local = ctx.platform.paths.resolve(dest);
      let lastError = '';
      for (let attempt = 1; attempt <= tries; attempt++) {
        const t0 = ctx.clock.now();
        try {
          const final = await copyVerified(a.finalPath, local, a.sha256, a.sizeBytes);
          ctx.log.info(`Copied to ${dest} and verified (attempt ${attempt}, ${formatDuration(ctx.clock.now() - t0)})`);
          return { path: dest, kind: 'network', status: 'ok', attempts: attempt, archivePath: final };
        } catch (err) {
          lastError = (err as Error).message;
          ctx.log.warn(`Copy to ${dest} failed (attempt ${attempt} of ${tries}): ${lastError}`);
          if (attempt < tries) await ctx.clock.sleep(delayMs, ctx.signal);
        }
      }
      ctx.log.error(`Copy to ${dest} failed after ${tries} attempts: ${lastError}`);
      return { path: dest, kind: 'network', status: 'failed', attempts: tries, error: lastError };
    }),
  );
}

