import { createReadStream, promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArchiveInfo, Clock, ProgressEvent, RunContext } from '../core/context.ts';
import { warn } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { WriteConditions } from '../platform/ports.ts';
import { exists, sha256File } from '../util/fsx.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { retryWhileBusy } from '../util/winfs.ts';

/** One destination's outcome, as listed in the result event (`destinations`). */
export interface DestinationOutcome {
  /** The configured path (`D:\Alteryx\Backups`, `\\nas01\AlteryxBackups`). */
  path: string;
  /** s3 / azblob: a cloud destination (src/cloud/step.ts); `path` is then its URL without credentials. */
  kind: 'local' | 'network' | 's3' | 'azblob';
  status: 'ok' | 'failed';
  /** Cloud: the destination's Name, the object's URL, parts/blocks, the lock applied (mode and date). */
  name?: string | undefined;
  url?: string | undefined;
  parts?: number | undefined;
  lockApplied?: string | undefined;
  /** Tries made (1 when the first one worked). */
  attempts: number;
  /** Where the archive is now, as node:fs sees it (set when status is ok). */
  archivePath?: string | undefined;
  /** True once size and SHA-256 were read back from the destination and matched. */
  verified?: boolean | undefined;
  sizeBytes?: number | undefined;
  sha256?: string | undefined;
  /** Time of the successful try (copy + read-back), in ms. */
  durationMs?: number | undefined;
  /** Write throughput of the successful try, MB/s (1 MB = 1,048,576 bytes). */
  throughputMBps?: number | undefined;
  /** Why the destination failed (status failed). */
  error?: string | undefined;
}

const MB = 1024 * 1024;
const CHUNK = 256 * 1024;
/** Progress events for one copy at most this often (the CLI and the cmdlet throttle further). */
const PROGRESS_EVERY_MS = 250;

/** A failure that retrying cannot fix (for example: not enough free space at the destination). */
export class PermanentCopyError extends Error {
  override readonly name = 'PermanentCopyError';
}

export interface CopyOptions {
  expectedSha256: string;
  expectedSize: number;
  /** From the storage port: throughput cap and injected interruption (sandbox). */
  conditions?: WriteConditions | undefined;
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** Called at most every 250 ms while bytes flow, and once with phase 'verify'. */
  onProgress?: ((p: { phase: 'copy' | 'verify'; written: number; total: number; elapsedMs: number }) => void) | undefined;
}

export interface CopyResult {
  finalPath: string;
  durationMs: number;
  /** Time spent writing (without the read-back), ms. */
  writeMs: number;
}

/**
 * Copies `src` into `destDir` so that no reader ever sees a partial archive under its final name:
 * write `<name>.partial` (flushed to the destination), read it back from the destination and compare
 * size and SHA-256, only then rename it to `<name>`; then `<name>.sha256` the same way. On any failure
 * the `.partial` is removed (best effort: a share that went away may keep it; retention clears stale ones).
 */
export async function copyVerified(src: string, destDir: string, opts: CopyOptions): Promise<CopyResult> {
  const { clock, signal, conditions } = opts;
  const t0 = clock.now();
  await fsp.mkdir(destDir, { recursive: true });
  const final = join(destDir, basename(src));
  const tmp = `${final}.partial`;
  let writeMs = 0;
  try {
    const fh = await fsp.open(tmp, 'w');
    let written = 0;
    let lastProgress = t0;
    try {
      const cap = conditions?.throttleMBps;
      const cutAt = conditions?.interruptAfterFraction !== undefined ? Math.floor(opts.expectedSize * conditions.interruptAfterFraction) : undefined;
      for await (const chunk of createReadStream(src, { highWaterMark: CHUNK })) {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        const buf = chunk as Buffer;
        if (cutAt !== undefined && written + buf.length > cutAt) {
          await fh.write(buf.subarray(0, Math.max(0, cutAt - written)));
          throw new Error(`The specified network name is no longer available (the connection dropped after ${formatBytes(cutAt)})`);
        }
        await fh.write(buf);
        written += buf.length;
        if (cap) {
          // Never faster than the cap: wait until the bytes written so far "took" bytes / rate.
          const due = (written / (cap * MB)) * 1000 - (clock.now() - t0);
          if (due > 0) await clock.sleep(due, signal);
        }
        const now = clock.now();
        if (opts.onProgress && now - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = now;
          opts.onProgress({ phase: 'copy', written, total: opts.expectedSize, elapsedMs: now - t0 });
        }
      }
      // Flushed to the destination before it is read back: a share that acknowledges late fails here.
      await fh.sync();
    } finally {
      await fh.close();
    }
    writeMs = clock.now() - t0;
    opts.onProgress?.({ phase: 'verify', written, total: opts.expectedSize, elapsedMs: writeMs });
    // Read back from the destination, not from what we sent.
    const st = await fsp.stat(tmp);
    if (st.size !== opts.expectedSize) throw new Error(`the copy has ${st.size} bytes, expected ${opts.expectedSize}`);
    const h = await sha256File(tmp);
    if (h !== opts.expectedSha256) throw new Error(`the copy's SHA-256 ${h} differs from the archive's ${opts.expectedSha256}`);
    await retryWhileBusy('publish the copy as', final, () => fsp.rename(tmp, final));
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  const side = `${final}.sha256`;
  try {
    await fsp.writeFile(`${side}.partial`, `${opts.expectedSha256}  ${basename(final)}\n`);
    await retryWhileBusy('publish the checksum file', side, () => fsp.rename(`${side}.partial`, side));
  } catch (err) {
    await fsp.rm(`${side}.partial`, { force: true }).catch(() => {});
    throw new Error(`the archive was copied and verified, but its checksum file could not be written: ${(err as Error).message}`);
  }
  return { finalPath: final, durationMs: clock.now() - t0, writeMs };
}

/** The wait before try `attempt + 1` (attempt counts from 1), in ms. */
export function retryDelayMs(cfg: RunContext['config']['BackupConfiguration']['NetworkCopy'], attempt: number): number {
  const base = cfg.RetryDelaySeconds * 1000;
  if (cfg.Backoff === 'fixed') return base;
  return Math.min(base * 2 ** (attempt - 1), cfg.MaxRetryDelaySeconds * 1000);
}

/**
 * For a configured `X:\...` path whose drive letter does not exist for the account running the backup: the likely
 * cause (a mapped network drive belongs to the logon session that mapped it; a scheduled task or SYSTEM does
 * not see it) and the fix (the UNC path). Undefined for a UNC path, an existing drive, or a platform that cannot tell.
 */
export async function missingDriveHint(ctx: Pick<RunContext, 'platform'>, configured: string): Promise<string | undefined> {
  const m = /^([A-Za-z]):/.exec(configured.trim());
  const check = ctx.platform.system.driveExists;
  if (!m || !check) return undefined;
  const letter = m[1]!.toUpperCase();
  if (await check.call(ctx.platform.system, letter).catch(() => true)) return undefined;
  return (
    `drive ${letter}: does not exist for the account running the backup. ${letter}: is most likely a mapped network drive: a mapping belongs ` +
    `to the logon session that made it, so a scheduled task, SYSTEM or another account does not see it. ` +
    `Use the UNC path instead (\\\\server\\share\\folder; \`net use\` in the session where ${letter}: is mapped shows it)`
  );
}

/** The path itself when it exists, else its nearest existing parent (a folder not made yet, on a drive or share that is). */
export async function nearestExisting(p: string): Promise<string> {
  let cur = p;
  while (!(await exists(cur)) && dirname(cur) !== cur) cur = dirname(cur);
  return cur;
}

/**
 * REQ-5.2.3: before the service is touched, asks the storage port whether each network destination is
 * reachable. A destination that is not is a warning, not a stop: the local backup is still worth making and
 * the copy is tried (with its retries) after it; the run then ends with exit code 4 if it still fails.
 */
export async function probeDestinations(ctx: RunContext): Promise<Array<{ path: string; reachable: boolean; reason?: string }>> {
  const out: Array<{ path: string; reachable: boolean; reason?: string }> = [];
  for (const dest of ctx.config.BackupConfiguration.NetworkBackupPaths) {
    const reason = await ctx.platform.storage.probe(dest);
    if (reason) {
      const tries = ctx.config.BackupConfiguration.NetworkCopy.Attempts;
      warn(
        ctx,
        `Network destination ${dest} is not reachable now (${reason}); the backup goes on and the copy will be tried ${tries} time(s) once the archive is ready.`,
      );
      out.push({ path: dest, reachable: false, reason });
    } else {
      out.push({ path: dest, reachable: true });
    }
  }
  return out;
}

/** Copies the published archive to one network destination, with retries. Never throws except on abort. */
async function copyToOne(ctx: RunContext, a: ArchiveInfo, dest: string): Promise<DestinationOutcome> {
  const cfg = ctx.config.BackupConfiguration.NetworkCopy;
  const tries = cfg.Attempts;
  const local = ctx.platform.paths.resolve(dest);
  const activity = `Copying ${a.name} to ${dest}`;
  const progress = (p: ProgressEvent) => ctx.progress(p);
  let lastError = '';
  let attempt = 0;
  // A drive letter this account does not have: no retry brings it (a mapped drive is per logon session).
  const noDrive = await missingDriveHint(ctx, dest);
  for (attempt = 1; attempt <= tries; attempt++) {
    if (ctx.signal.aborted) throw new BackupError(ExitCode.General, 'Interrupted.');
    try {
      if (noDrive) throw new PermanentCopyError(noDrive);
      // Free space first: a full share is not helped by retrying.
      const probe = await nearestExisting(local);
      const free = await ctx.platform.system.freeBytes(probe).catch(() => undefined);
      if (free !== undefined && free < a.sizeBytes + 4096) {
        throw new PermanentCopyError(`not enough free space: ${formatBytes(free)} free, ${formatBytes(a.sizeBytes)} needed`);
      }
      const conditions = await ctx.platform.storage.beforeWrite(dest);
      ctx.log.info(
        `Copy to ${dest}: attempt ${attempt} of ${tries}, ${formatBytes(a.sizeBytes)}${conditions.throttleMBps ? ` (share limited to ${conditions.throttleMBps} MB/s)` : ''}`,
      );
      const r = await copyVerified(a.finalPath, local, {
        expectedSha256: a.sha256,
        expectedSize: a.sizeBytes,
        conditions,
        clock: ctx.clock,
        signal: ctx.signal,
        onProgress: (p) => {
          const rate = p.elapsedMs > 0 ? p.written / MB / (p.elapsedMs / 1000) : 0;
          progress({
            activity,
            status:
              p.phase === 'verify'
                ? `Verifying the copy (size and SHA-256 read back), attempt ${attempt}`
                : `${formatBytes(p.written)} of ${formatBytes(p.total)}, ${rate.toFixed(1)} MB/s, attempt ${attempt}`,
            percent: p.total > 0 ? Math.min(100, Math.floor((p.written / p.total) * 100)) : -1,
          });
        },
      });
      const mbps = r.writeMs > 0 ? a.sizeBytes / MB / (r.writeMs / 1000) : undefined;
      progress({ activity, status: 'Copied and verified', percent: 100, completed: true });
      ctx.log.success(
        `Copied to ${dest} and verified (size ${a.sizeBytes} bytes and SHA-256 ${a.sha256.slice(0, 16)}... read back): attempt ${attempt} of ${tries}, ${formatDuration(r.durationMs)}${mbps ? `, ${mbps.toFixed(1)} MB/s` : ''}`,
      );
      return {
        path: dest,
        kind: 'network',
        status: 'ok',
        attempts: attempt,
        archivePath: r.finalPath,
        verified: true,
        sizeBytes: a.sizeBytes,
        sha256: a.sha256,
        durationMs: r.durationMs,
        throughputMBps: mbps === undefined ? undefined : Math.round(mbps * 100) / 100,
      };
    } catch (err) {
      if (ctx.signal.aborted) {
        progress({ activity, status: 'Interrupted', percent: -1, completed: true });
        throw new BackupError(ExitCode.General, 'Interrupted.');
      }
      lastError = ctx.log.masker.mask((err as Error).message);
      const permanent = err instanceof PermanentCopyError;
      if (permanent || attempt >= tries) {
        if (!permanent) ctx.log.warn(`Copy to ${dest} failed (attempt ${attempt} of ${tries}): ${lastError}`);
        break;
      }
      const wait = retryDelayMs(cfg, attempt);
      ctx.log.warn(`Copy to ${dest} failed (attempt ${attempt} of ${tries}): ${lastError}; next try in ${formatDuration(wait)}`);
      progress({ activity, status: `Attempt ${attempt} failed; next try in ${formatDuration(wait)}`, percent: -1 });
      await ctx.clock.sleep(wait, ctx.signal).catch(() => {
        throw new BackupError(ExitCode.General, 'Interrupted.');
      });
    }
  }
  const made = Math.min(attempt, tries);
  progress({ activity, status: 'Failed', percent: -1, completed: true });
  ctx.log.error(`Copy to ${dest} FAILED after ${made} attempt(s): ${lastError}`);
  return { path: dest, kind: 'network', status: 'failed', attempts: made, error: lastError, verified: false };
}

/**
 * REQ-5.2.x: copies the published archive to every network destination, all at once, each with its own
 * retries (NetworkCopy.Attempts, RetryDelaySeconds, Backoff) and read-back verification. One destination
 * failing does not stop the others; the caller turns failures into exit code 4. Throws only when the run
 * is interrupted (after every copy has stopped and cleaned up).
 */
export async function copyToDestinations(
  ctx: RunContext,
  archive: ArchiveInfo,
  dests: readonly string[] = ctx.config.BackupConfiguration.NetworkBackupPaths,
): Promise<DestinationOutcome[]> {
  ctx.log.info(`Copying ${archive.name} (${formatBytes(archive.sizeBytes)}) to ${dests.length} network destination(s) in parallel`);
  // The same folder twice (or the local folder again) would have two writers on one .partial: copy once.
  const localDir = resolve(dirname(archive.finalPath));
  const seen = new Map<string, string>();
  const jobs = dests.map((d) => {
    const dir = resolve(ctx.platform.paths.resolve(d));
    const key = process.platform === 'win32' ? dir.toLowerCase() : dir;
    const first = seen.get(key);
    if (first !== undefined || key === (process.platform === 'win32' ? localDir.toLowerCase() : localDir)) {
      const same = first ?? ctx.config.BackupConfiguration.LocalBackupPath;
      warn(ctx, `Network destination ${d} is the same folder as ${same}: not copied again`);
      return Promise.resolve<DestinationOutcome>({
        path: d,
        kind: 'network',
        status: 'ok',
        attempts: 0,
        archivePath: join(dir, archive.name),
        verified: false,
        error: undefined,
      });
    }
    seen.set(key, d);
    return copyToOne(ctx, archive, d);
  });
  const settled = await Promise.allSettled(jobs);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<DestinationOutcome>).value);
}
