import { devNull } from 'node:os';
import type { ArchiveInfo, RunContext } from '../core/context.ts';
import { warn } from '../core/context.ts';
import type { CloudDestination } from '../config/schema.ts';
import type { DestinationOutcome } from '../steps/destinations.ts';
import { planRetention, runRetentionDays, type FileEntry, type RetentionTargetReport } from '../steps/retention.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { describeCloudError, openStore } from './open.ts';
import type { CloudStore, UploadRequest } from './store.ts';
import { displayUrl, objectUrl } from './url.ts';

const MB = 1024 * 1024;
const DAY = 86_400_000;
const PROGRESS_EVERY_MS = 250;

/** The lock an upload of this run carries: retain-until = the run's start + the mode's retention days (at least 1). */
export function lockFor(ctx: Pick<RunContext, 'mode' | 'config' | 'startedAt'>, dest: CloudDestination): UploadRequest['lock'] {
  if (!dest.ObjectLock) return undefined;
  const days = Math.max(1, destinationDays(ctx, dest));
  return { mode: dest.ObjectLock.Mode, until: new Date(ctx.startedAt.getTime() + days * DAY), legalHold: dest.ObjectLock.LegalHold };
}

function destinationDays(ctx: Pick<RunContext, 'mode' | 'config'>, dest: CloudDestination): number {
  return dest.RetentionDays?.[ctx.mode] ?? ctx.config.BackupConfiguration.RetentionDays[ctx.mode];
}

/** The configured cloud destination of this name (the plan's `cloud-upload` / `cloud-retention` steps name it). */
function destinationNamed(ctx: RunContext, name: string): CloudDestination {
  const dest = ctx.config.BackupConfiguration.CloudDestinations.find((d) => d.Name === name);
  if (!dest) throw new Error(`Internal error: the plan names the cloud destination ${name}, which the configuration does not have.`);
  return dest;
}

/**
 * REQ-5.3.x, the plan's `cloud-upload:NAME` step: uploads the published archive (+ .sha256) to one cloud
 * destination, then checks size and recorded SHA-256. A failure is an outcome (exit 4 at the end, the local
 * archive is kept, the other destinations go on); it throws only on abort.
 */
export async function uploadToCloud(ctx: RunContext, a: ArchiveInfo, name: string): Promise<DestinationOutcome> {
  const dest = destinationNamed(ctx, name);
  const shown = displayUrl(dest.Url);
  const activity = `Uploading ${a.name} to ${dest.Name} (${shown})`;
  const t0 = ctx.clock.now();
  let store: CloudStore | undefined;
  const base = { path: shown, kind: (dest.Url.startsWith('s3') ? 's3' : 'azblob') as 's3' | 'azblob', name: dest.Name };
  try {
    store = await openStore(dest, ctx.secrets, ctx.log.masker);
    const url = objectUrl(store.location, `${store.location.prefix}${a.name}`);
    const lock = lockFor(ctx, dest);
    const multipart = a.sizeBytes >= dest.MultipartThresholdMB * MB;
    ctx.log.info(
      `Upload to ${dest.Name}: ${url}, ${formatBytes(a.sizeBytes)}, ${multipart ? `multipart, ${dest.PartSizeMB} MB parts, ${dest.Concurrency} in parallel` : 'one request'}${lock ? `, ${lock.mode} lock until ${lock.until.toISOString()}${lock.legalHold ? ' + legal hold' : ''}` : ''}`,
    );
    let last = t0;
    const up = await store.upload({
      file: a.finalPath,
      name: a.name,
      size: a.sizeBytes,
      sha256: a.sha256,
      lock,
      signal: ctx.signal,
      onProgress: (sent) => {
        const now = ctx.clock.now();
        if (now - last < PROGRESS_EVERY_MS) return;
        last = now;
        const secs = (now - t0) / 1000;
        const rate = secs > 0 ? sent / MB / secs : 0;
        const eta = rate > 0 ? ((a.sizeBytes - sent) / MB / rate) * 1000 : undefined;
        ctx.progress({
          activity,
          status: `${formatBytes(sent)} of ${formatBytes(a.sizeBytes)}, ${rate.toFixed(1)} MB/s${eta !== undefined ? `, ETA ${formatDuration(eta)}` : ''}`,
          percent: a.sizeBytes ? Math.min(100, Math.floor((sent / a.sizeBytes) * 100)) : -1,
        });
      },
    });
    const writeMs = ctx.clock.now() - t0;
    await store.putText(`${a.name}.sha256`, `${a.sha256}  ${a.name}\n`, lock);
    ctx.progress({ activity, status: 'Checking the stored object (size and SHA-256)', percent: 100 });
    const head = await store.head(a.name);
    if (!head) throw new Error(`the object ${url} is not there after the upload`);
    if (head.size !== a.sizeBytes) throw new Error(`the stored object has ${head.size} bytes, the archive ${a.sizeBytes}`);
    if (head.sha256 !== a.sha256) throw new Error(`the stored object's recorded SHA-256 ${head.sha256 ?? '(none)'} differs from the manifest's ${a.sha256}`);
    let verifiedBy = 'size and recorded SHA-256';
    if (dest.VerifyByDownload) {
      ctx.progress({ activity, status: 'Reading the object back (VerifyByDownload)', percent: 100 });
      const back = await store.download(a.name, devNull, undefined, ctx.signal);
      if (back.size !== a.sizeBytes || back.sha256 !== a.sha256)
        throw new Error(
          `the object read back (${back.size} bytes, SHA-256 ${back.sha256}) differs from the archive (${a.sizeBytes} bytes, ${a.sha256}): the stored copy is corrupt`,
        );
      verifiedBy = 'full read-back';
    }
    const attempts = 1 + Math.max(0, store.stats.tries - store.stats.requests);
    const mbps = writeMs > 0 ? a.sizeBytes / MB / (writeMs / 1000) : undefined;
    ctx.progress({ activity, status: 'Uploaded and verified', percent: 100, completed: true });
    const lockText = lock ? `${lock.mode} until ${lock.until.toISOString()}${lock.legalHold ? ' + legal hold' : ''}` : undefined;
    ctx.log.success(
      `Uploaded to ${dest.Name} and verified (${verifiedBy}): ${url}, ${up.parts} part(s), checksum sent: ${up.checksumSent}; ${attempts - 1} retried request(s); ${formatDuration(ctx.clock.now() - t0)}${mbps ? `, ${mbps.toFixed(1)} MB/s` : ''}${lockText ? `; lock: ${lockText}` : ''}`,
    );
    return {
      ...base,
      status: 'ok',
      attempts,
      url,
      verified: true,
      sizeBytes: a.sizeBytes,
      sha256: a.sha256,
      parts: up.parts,
      lockApplied: lockText,
      durationMs: ctx.clock.now() - t0,
      throughputMBps: mbps === undefined ? undefined : Math.round(mbps * 100) / 100,
    };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const msg = ctx.log.masker.mask(describeCloudError(err, dest));
    const attempts = store ? 1 + Math.max(0, store.stats.tries - store.stats.requests) : 1;
    ctx.progress({ activity, status: 'Failed', percent: -1, completed: true });
    ctx.log.error(`Upload to ${msg} (after ${attempts} attempt(s) of its last request); the local archive is kept`);
    return { ...base, status: 'failed', attempts, verified: false, error: msg };
  } finally {
    store?.close();
  }
}

/**
 * Pre-flight (before any service is touched): asks each cloud destination for an object that does not exist;
 * "not found" proves the endpoint answers and the credentials are accepted. A failure is a warning, not a stop:
 * the backup is still worth making, and the upload is tried (with its retries) once the archive is ready.
 */
export async function probeCloud(ctx: RunContext): Promise<Array<{ name: string; reachable: boolean; reason?: string }>> {
  return Promise.all(
    ctx.config.BackupConfiguration.CloudDestinations.map(async (dest) => {
      let store: CloudStore | undefined;
      try {
        store = await openStore({ ...dest, MaxAttempts: Math.min(dest.MaxAttempts, 2) }, ctx.secrets, ctx.log.masker);
        await store.head('.alteryx-backup-probe');
        ctx.log.info(`Cloud destination ${dest.Name} (${displayUrl(dest.Url)}): reachable, credentials accepted`);
        return { name: dest.Name, reachable: true };
      } catch (err) {
        const reason = ctx.log.masker.mask(describeCloudError(err, dest));
        warn(ctx, `Cloud destination ${reason}; the backup goes on and the upload will be tried once the archive is ready`);
        return { name: dest.Name, reachable: false, reason };
      } finally {
        store?.close();
      }
    }),
  );
}

/**
 * The plan's `cloud-retention:NAME` step: retention in one bucket/container, with the pure planner of local
 * retention (same names, same rules, the destination's RetentionDays), only when this run's upload there
 * succeeded (`outcome`). A locked object (retain-until in the future, or a legal hold) is never deleted
 * before its date; that is logged and is not an error.
 */
export async function cloudRetention(
  ctx: RunContext,
  name: string,
  outcome: DestinationOutcome | undefined,
  current: string | undefined,
): Promise<RetentionTargetReport> {
  const dest = destinationNamed(ctx, name);
  const shown = displayUrl(dest.Url);
  const report: RetentionTargetReport = { path: shown, kind: 'network', deleted: [], wouldDelete: [], errors: [] };
  if (outcome?.status !== 'ok') {
    report.skipped = "this run's upload did not succeed there, so its older backups are kept";
    ctx.log.info(`Retention on ${dest.Name}: skipped, ${report.skipped}`);
    return report;
  }
  let store: CloudStore | undefined;
  try {
    store = await openStore(dest, ctx.secrets, ctx.log.masker);
    const objects = await store.list();
    const files: FileEntry[] = objects.map((o) => ({ name: o.name, size: o.size, mtimeMs: o.lastModified?.getTime() ?? 0, isFile: true }));
    const { days, legacy } = runRetentionDays(ctx);
    days[ctx.mode] = destinationDays(ctx, dest);
    const plan = planRetention(files, { now: ctx.startedAt, currentBackupSucceeded: true, days, legacy, keep: current ? [current, `${current}.sha256`] : [] });
    for (const g of plan.groups)
      ctx.log.info(
        `Retention on ${dest.Name}: ${g.group} (${g.days} day(s)): ${g.archives} archive(s), ${g.deleting} to delete${g.protectedName ? `, newest good kept: ${g.protectedName}` : ''}`,
      );
    const now = Date.now();
    const locked = new Set<string>();
    for (const d of plan.delete) {
      const where = `${shown.replace(/\/$/, '')}/${d.name}`;
      // A .sha256 stays with its archive: kept while the archive is locked.
      if (d.kind === 'checksum' && locked.has(d.name.replace(/\.sha256$/, ''))) continue;
      const info = await store.head(d.name);
      if (!info) continue;
      if (info.legalHold || (info.lockedUntil && info.lockedUntil.getTime() > now)) {
        locked.add(d.name);
        ctx.log.info(
          `Retention on ${dest.Name}: ${d.name} is locked${info.lockedUntil ? ` until ${info.lockedUntil.toISOString()}` : ''}${info.legalHold ? ' (legal hold)' : ''}: kept until then (not an error)`,
        );
        continue;
      }
      try {
        await store.remove(d.name);
        report.deleted.push(where);
        ctx.log.info(`Deleted ${where} (${d.reason})`);
      } catch (err) {
        const msg = `Retention could not delete ${where}: ${ctx.log.masker.mask(describeCloudError(err, dest))}`;
        report.errors.push(msg);
        warn(ctx, msg);
      }
    }
  } catch (err) {
    const msg = `Retention on ${dest.Name}: ${ctx.log.masker.mask(describeCloudError(err, dest))}`;
    report.errors.push(msg);
    warn(ctx, msg);
  } finally {
    store?.close();
  }
  return report;
}
