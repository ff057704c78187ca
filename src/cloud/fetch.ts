import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Params } from '../config/load.ts';
import { CloudDestinationSchema, type BackupConfig, type CloudDestination } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { Masker } from '../log/mask.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import type { ProgressEvent } from '../core/context.ts';
import { latestParams, pickLatest } from './latest.ts';
import { describeCloudError, openStore } from './open.ts';
import type { CloudObject } from './store.ts';
import { displayUrl, isCloudUrl, parseCloudUrl, splitObjectUrl } from './url.ts';
import { removeTree } from '../util/fsx.ts';

/** The configured destination an object URL lies under (same bucket/container, prefix matching), else a default one. */
export function destinationFor(url: string, config: BackupConfig | undefined): CloudDestination {
  const { loc, key } = splitObjectUrl(url);
  for (const d of config?.BackupConfiguration.CloudDestinations ?? []) {
    const dl = parseCloudUrl(d.Url);
    if (dl.kind === loc.kind && dl.container === loc.container && dl.account === loc.account && key.startsWith(dl.prefix)) return d;
  }
  // Not configured: AWS (SDK default chain) or https://ACCOUNT.blob.core.windows.net, with the default settings.
  return CloudDestinationSchema.parse({ Name: 'url', Url: `${loc.kind}://${loc.account ? `${loc.account}/` : ''}${loc.container}` });
}

/** Finds a destination by Name (case-insensitive); exit 3 listing the configured names when there is none. */
export function destinationByName(config: BackupConfig, name: string): CloudDestination {
  const list = config.BackupConfiguration.CloudDestinations;
  const d = list.find((x) => x.Name.toLowerCase() === name.toLowerCase());
  if (!d) {
    throw new BackupError(
      ExitCode.Validation,
      `No cloud destination is named ${name}.`,
      list.length
        ? `Configured: ${list.map((x) => x.Name).join(', ')}.`
        : 'BackupConfiguration.CloudDestinations is empty in this configuration (docs/storage.md).',
    );
  }
  return d;
}

export interface Downloaded {
  /** The local temp copy (its folder also holds the .sha256 sidecar when the destination has one). */
  path: string;
  sha256: string;
  sizeBytes: number;
  /** The object's URL, without credentials. */
  url: string;
  /** Removes the temp folder. */
  cleanup(): Promise<void>;
}

/**
 * Downloads an archive (and its .sha256) from s3:// or azblob:// into a new temp folder, hashing while it
 * streams; the SHA-256 must equal the one recorded at upload (metadata) and the sidecar's when present, else
 * exit 3 (the temp copy is removed). Credentials as for the backup: the request's secrets or the environment.
 */
export async function downloadToTemp(
  url: string,
  opts: {
    config?: BackupConfig | undefined;
    secrets: Record<string, string | undefined>;
    masker?: Masker | undefined;
    onProgress?: ((bytes: number, total: number) => void) | undefined;
    signal?: AbortSignal | undefined;
    tempRoot?: string | undefined;
  },
): Promise<Downloaded> {
  const dest = destinationFor(url, opts.config);
  const { loc, key, name } = splitObjectUrl(url);
  const shown = displayUrl(url);
  const store = await openStore(
    { ...dest, Url: `${loc.kind}://${loc.account ? `${loc.account}/` : ''}${loc.container}/${key.slice(0, key.length - name.length)}` },
    opts.secrets,
    opts.masker,
  );
  const dir = mkdtempSync(join(opts.tempRoot ?? tmpdir(), 'alteryx-backup-download-'));
  const cleanup = () => removeTree(dir);
  try {
    let head: CloudObject | undefined;
    try {
      head = await store.head(name);
    } catch (err) {
      throw new BackupError(ExitCode.Storage, `Could not read ${shown}: ${describeCloudError(err, dest)}`);
    }
    if (!head) throw new BackupError(ExitCode.Storage, `${shown} does not exist.`, `List what is stored with: alteryx-backup list --destination ${dest.Name}`);
    const path = join(dir, name);
    let got: { sha256: string; size: number };
    try {
      got = await store.download(name, path, (b) => opts.onProgress?.(b, head.size), opts.signal);
    } catch (err) {
      throw new BackupError(ExitCode.Storage, `The download of ${shown} failed: ${describeCloudError(err, dest)}`);
    }
    let sidecar: string | undefined;
    const side = await store.head(`${name}.sha256`).catch(() => undefined);
    if (side) {
      await store.download(`${name}.sha256`, `${path}.sha256`);
      sidecar = (await fsp.readFile(`${path}.sha256`, 'utf8')).trim().split(/\s+/)[0]?.toLowerCase();
    }
    const expected = [head.sha256 && ['recorded at upload', head.sha256], sidecar && ['in the .sha256 file', sidecar]].filter(Boolean) as Array<
      [string, string]
    >;
    if (got.size !== head.size)
      throw new BackupError(ExitCode.Validation, `${shown}: ${formatBytes(got.size)} arrived, the object has ${formatBytes(head.size)}.`);
    for (const [what, h] of expected) {
      if (h !== got.sha256)
        throw new BackupError(
          ExitCode.Validation,
          `${shown} is corrupt: the SHA-256 of the download, ${got.sha256}, differs from the one ${what}, ${h}.`,
          'Use another copy (another destination or an older backup).',
        );
    }
    return { path, sha256: got.sha256, sizeBytes: got.size, url: shown, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  } finally {
    store.close();
  }
}

/**
 * For the verify/restore/drill commands: with `Latest` (+ Mode, Destination) first picks the newest good
 * backup of that mode there (src/cloud/latest.ts; `resolveFolder` maps a configured folder to this machine);
 * then, when Path is a cloud URL, downloads it to a temp folder, runs `fn` with Path set to the local copy,
 * and removes the copy afterwards, whatever happened.
 */
export async function withCloudPath<T>(
  params: Params,
  secrets: Record<string, string | undefined>,
  fn: (params: Params, downloaded: Downloaded | undefined) => Promise<T>,
  progress?: (p: ProgressEvent) => void,
  resolveFolder: (configured: string, config: BackupConfig | undefined) => string = (f) => f,
): Promise<T> {
  let config: BackupConfig | undefined;
  const latest = latestParams(params);
  if (latest) {
    config = loadConfig({ ...params, BackupMode: undefined }).config;
    const masker = new Masker();
    for (const v of Object.values(secrets)) if (v) masker.add(v);
    const picked = await pickLatest({ ...latest, config, secrets, masker, resolveFolder: (f) => resolveFolder(f, config) });
    progress?.({ activity: `Newest good ${latest.mode} backup at ${latest.destination}`, status: displayUrl(picked), percent: 100, completed: true });
    params = { ...params, Path: picked, Latest: undefined };
  }
  const p = params['Path'];
  if (!isCloudUrl(p)) return fn(params, undefined);
  if (!config) {
    try {
      config = loadConfig({ ...params, BackupMode: undefined }).config;
    } catch {
      config = undefined;
    }
  }
  const activity = `Downloading ${displayUrl(p)}`;
  const t0 = Date.now();
  let last = 0;
  const onProgress = (bytes: number, total: number) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    const rate = bytes / 1048576 / Math.max(0.001, (now - t0) / 1000);
    const eta = rate > 0 && total > bytes ? `, ETA ${formatDuration(((total - bytes) / 1048576 / rate) * 1000)}` : '';
    progress?.({
      activity,
      status: `${formatBytes(bytes)} of ${formatBytes(total)}, ${rate.toFixed(1)} MB/s${eta}`,
      percent: total ? Math.min(100, Math.floor((bytes / total) * 100)) : -1,
    });
  };
  const d = await downloadToTemp(p, { config, secrets, onProgress });
  progress?.({ activity, status: `Downloaded and checked (SHA-256 ${d.sha256.slice(0, 16)}...)`, percent: 100, completed: true });
  try {
    return await fn({ ...params, Path: d.path }, d);
  } finally {
    await d.cleanup();
  }
}
