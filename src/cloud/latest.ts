import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateMode, type Params } from '../config/load.ts';
import type { BackupConfig, BackupMode } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { Masker } from '../log/mask.ts';
import { parseArchiveName } from '../steps/retention.ts';
import { describeCloudError, openStore } from './open.ts';
import { displayUrl, objectUrl } from './url.ts';

/** One candidate archive: its name, size, and whether its .sha256 is next to it. */
interface Candidate {
  name: string;
  size: number;
  hasChecksum: boolean;
}

/**
 * The newest good archive of `mode` among `entries`: this tool's names of that mode (the legacy
 * ServerBackup_YYYYMMDD_HHmmss.zip counts as Full, as it does for retention), by the time in the name;
 * "good" = not empty and with its .sha256 (publish and copy write it only after verification).
 */
export function newestGood(entries: readonly Candidate[], mode: BackupMode): Candidate | undefined {
  let best: { c: Candidate; time: number } | undefined;
  for (const c of entries) {
    const p = parseArchiveName(c.name);
    if (!p) continue;
    if (p.ext !== 'zip' || !(p.group === mode || (p.group === 'Legacy' && mode === 'Full'))) continue;
    if (c.size <= 0 || !c.hasChecksum) continue;
    if (!best || p.time > best.time) best = { c, time: p.time };
  }
  return best?.c;
}

export interface LatestRequest {
  /** A cloud destination's Name, or a folder (local or network path) as configured. */
  destination: string;
  mode: BackupMode;
  config: BackupConfig | undefined;
  secrets: Record<string, string | undefined>;
  masker?: Masker | undefined;
  /** A configured folder -> the folder on this machine (the platform's path mapping: a sandbox, a drive). */
  resolveFolder: (configured: string) => string;
}

/**
 * `-Latest -Mode X -Destination NAME`: the URL (cloud destination by its configured name) or the path (a
 * folder) of the newest good backup of that mode there. Nothing there: exit 3 naming destination and mode;
 * a destination that cannot be listed: exit 4.
 */
export async function pickLatest(r: LatestRequest): Promise<string> {
  const none = (where: string, seen: number) =>
    new BackupError(
      ExitCode.Validation,
      `No good ${r.mode} backup at ${where}: ${seen ? `${seen} archive(s) there, none of mode ${r.mode} with its .sha256` : 'no archive of this tool there'}.`,
      'Check -Destination and -Mode (a good backup has its .sha256 next to it), or give the archive with -Path.',
    );
  const dest = r.config?.BackupConfiguration.CloudDestinations.find((d) => d.Name.toLowerCase() === r.destination.toLowerCase());
  if (dest) {
    const where = `${dest.Name} (${displayUrl(dest.Url)})`;
    const store = await openStore(dest, r.secrets, r.masker);
    try {
      let objects: Awaited<ReturnType<typeof store.list>>;
      try {
        objects = await store.list();
      } catch (err) {
        throw new BackupError(ExitCode.Storage, `Could not list ${r.masker ? r.masker.mask(describeCloudError(err, dest)) : describeCloudError(err, dest)}`);
      }
      const names = new Set(objects.map((o) => o.name));
      const found = newestGood(
        objects.map((o) => ({ name: o.name, size: o.size, hasChecksum: names.has(`${o.name}.sha256`) })),
        r.mode,
      );
      if (!found) throw none(where, objects.filter((o) => parseArchiveName(o.name)).length);
      return objectUrl(store.location, `${store.location.prefix}${found.name}`);
    } finally {
      store.close();
    }
  }
  if (!/[\\/]/.test(r.destination)) {
    const names = r.config?.BackupConfiguration.CloudDestinations.map((d) => d.Name) ?? [];
    throw new BackupError(
      ExitCode.Validation,
      `-Destination ${r.destination} is neither a configured cloud destination nor a folder.`,
      names.length
        ? `Cloud destinations in the configuration: ${names.join(', ')}; or give a folder (D:\\Alteryx\\Backups, \\\\nas01\\share).`
        : 'Give a folder (D:\\Alteryx\\Backups, \\\\nas01\\share) or a cloud destination of BackupConfiguration.CloudDestinations.',
    );
  }
  const dir = r.resolveFolder(r.destination);
  if (!existsSync(dir))
    throw new BackupError(ExitCode.Validation, `The folder ${r.destination} does not exist (looked for ${r.mode} backups there).`, 'Check -Destination.');
  const files = readdirSync(dir);
  const have = new Set(files);
  const candidates: Candidate[] = [];
  for (const name of files) {
    if (!parseArchiveName(name)) continue;
    const st = statSync(join(dir, name));
    if (st.isFile()) candidates.push({ name, size: st.size, hasChecksum: have.has(`${name}.sha256`) });
  }
  const found = newestGood(candidates, r.mode);
  if (!found) throw none(r.destination, candidates.length);
  return join(dir, found.name);
}

/** `Latest` in the request: Mode and Destination must come with it, Path must not. Returns what to pick, or undefined. */
export function latestParams(params: Params): { mode: BackupMode; destination: string } | undefined {
  if (params['Latest'] !== true) return undefined;
  const path = params['Path'];
  if (typeof path === 'string' && path)
    throw new BackupError(ExitCode.Validation, 'Give either the archive (-Path) or -Latest -Mode X -Destination NAME, not both.');
  const missing = ['Mode', 'Destination'].filter((k) => typeof params[k] !== 'string' || !params[k]);
  if (missing.length)
    throw new BackupError(
      ExitCode.Validation,
      `-Latest needs ${missing.map((m) => `-${m}`).join(' and ')}: -Latest -Mode Full|DatabaseOnly|ConfigOnly -Destination NAME (a cloud destination's name or a folder).`,
    );
  return { mode: validateMode(params['Mode'], '-Mode'), destination: String(params['Destination']) };
}
