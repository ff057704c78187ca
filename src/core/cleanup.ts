import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { RunLogger } from '../log/logger.ts';
import { processAlive, readLockState } from './lock.ts';
import { removeTree } from '../util/fsx.ts';

/**
 * Nothing a run writes outlives it on disk (issue 12): staging folders (the dump, the staged files and, in
 * older versions, the controller token and MongoDB passwords in clear), restore extraction folders, and
 * `.partial` archives at the destinations. Used by the run itself, by `recover` and by the next run; every
 * removal is logged. PreRestore_* folders (the only way back from a restore) are never touched here.
 */

/** Staging (backup) and extraction (restore) folders, by the names the runs give them. */
export const WORK_FOLDER = /^(?:ServerBackup_(?:Full|DatabaseOnly|ConfigOnly)_\d{8}_\d{6}|AlteryxRestore_\d{8}_\d{6})$/;
/** Written into a staging folder kept on request (-KeepStagingOnFailure): later sweeps leave it, secrets excepted. */
export const KEEP_MARKER = '.alteryxbackup-kept';
/** The mongodump/mongorestore --config folders (connection and password in clear, src/mongo/dump.ts): `<prefix><pid>-XXXXXX`. */
export const SECRET_CONFIG_PREFIX = 'alteryxbackup-mongodump-';
const SECRET_CONFIG_FOLDER = /^alteryxbackup-mongodump-(\d+)-[A-Za-z0-9]{6}$/;
/** The files that hold secrets in clear. */
const SECRET_FILE = /^(?:ControllerToken\.txt|MongoPasswords\.txt)$/i;
/** Archives and sidecars being written: ServerBackup_*.zip.partial, ServerBackup_*.zip.sha256.partial. */
const PARTIAL = /^ServerBackup_.*\.(?:zip|7z)(?:\.sha256)?\.partial(?:-\d+)?$/i;

/** Removes every secret file (and the Secrets folder) under `dir`; returns what it removed. */
export async function scrubSecrets(dir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fsp.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory() && e.name.toLowerCase() === 'secrets') {
        await removeTree(p);
        removed.push(p);
      } else if (e.isDirectory()) await walk(p);
      else if (SECRET_FILE.test(e.name)) {
        await fsp.rm(p, { force: true });
        removed.push(p);
      }
    }
  };
  await walk(dir);
  return removed;
}

/**
 * After a failed run: the staging folder is removed, or, when the administrator asked to keep it, its
 * secrets are removed, it is marked as kept, and the log says where the rest is.
 */
export async function cleanupFailedStaging(local: string, configured: string, log: RunLogger, keep: boolean): Promise<void> {
  const there = await fsp.stat(local).then(
    () => true,
    () => false,
  );
  if (!there) return;
  if (keep) {
    const gone = await scrubSecrets(local);
    await fsp.writeFile(join(local, KEEP_MARKER), `Kept by -KeepStagingOnFailure (${new Date().toISOString()}); remove this folder when done.\r\n`);
    log.warn(
      `The staging folder is kept for inspection (KeepStagingOnFailure): ${configured}${gone.length ? `; its secrets were removed (${gone.length} item(s))` : ''}. Remove it when done.`,
    );
    return;
  }
  await removeTree(local);
  log.info(`The staging folder of the failed run was removed: ${configured} (set KeepStagingOnFailure to keep it for inspection)`);
}

/**
 * Staging and extraction folders left in the temp folder by killed or crashed runs, and the mongodump --config
 * folders of dead processes: removed, except `current` and kept ones (whose secrets are removed all the same). The caller must hold the run lock of `tempLocal`
 * (or know that no run is alive), so that no live run's folder is taken.
 */
export async function sweepStaleWorkFolders(tempLocal: string, log: RunLogger, current?: string, before?: Date): Promise<string[]> {
  const removed = await sweepStaleSecretConfigs(tempLocal, log);
  const entries = await fsp.readdir(tempLocal, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || !WORK_FOLDER.test(e.name)) continue;
    const p = join(tempLocal, e.name);
    if (current && p === current) continue;
    try {
      if (before && (await fsp.stat(p)).mtimeMs >= before.getTime()) continue;
      if (
        await fsp.stat(join(p, KEEP_MARKER)).then(
          () => true,
          () => false,
        )
      ) {
        const gone = await scrubSecrets(p);
        if (gone.length) log.warn(`Secrets removed from the kept staging folder ${p} (${gone.length} item(s))`);
        continue;
      }
      await removeTree(p);
      removed.push(p);
      log.warn(`Removed the folder an interrupted run left in the temp folder: ${p}`);
    } catch (err) {
      log.error(`Could not remove the folder an interrupted run left: ${p}: ${(err as Error).message}; remove it by hand (it may hold secrets)`);
    }
  }
  return removed;
}

/**
 * mongodump/mongorestore --config folders whose process is gone (a kill -9 during the dump or the restore):
 * removed, with the password in them. A folder whose pid is alive belongs to a live run (or a reused pid) and
 * is left; this needs no run lock.
 */
export async function sweepStaleSecretConfigs(tempLocal: string, log: RunLogger): Promise<string[]> {
  const removed: string[] = [];
  const entries = await fsp.readdir(tempLocal, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const pid = Number(SECRET_CONFIG_FOLDER.exec(e.name)?.[1] ?? 0);
    if (!e.isDirectory() || !pid || pid === process.pid || processAlive(pid)) continue;
    const p = join(tempLocal, e.name);
    try {
      await removeTree(p);
      removed.push(p);
      log.warn(`Removed the MongoDB --config folder (password in clear) that the interrupted run ${pid} left: ${p}`);
    } catch (err) {
      log.error(
        `Could not remove the MongoDB --config folder the interrupted run ${pid} left: ${p}: ${(err as Error).message}; remove it by hand (it holds the password)`,
      );
    }
  }
  return removed;
}

/**
 * `.partial` archives and sidecars at the destinations that nobody wrote to since `since` (the start of the
 * current, successful run): left by a killed run or a copy that failed. A copy still being written (by another
 * server to a shared destination) keeps changing, so it is newer than `since` and kept.
 */
export async function sweepStalePartials(dirs: string[], log: RunLogger, since: Date): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [...new Set(dirs)]) {
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((x) => PARTIAL.test(x))) {
      const p = join(dir, n);
      const st = await fsp.stat(p).catch(() => undefined);
      if (!st?.isFile() || st.mtimeMs >= since.getTime()) continue;
      try {
        await fsp.rm(p, { force: true });
        removed.push(p);
        log.info(`Removed a stale partial archive: ${p} (${st.size} bytes, last written ${st.mtime.toISOString()})`);
      } catch (err) {
        log.warn(`Could not remove the stale partial archive ${p}: ${(err as Error).message}`);
      }
    }
  }
  return removed;
}

/**
 * For `recover`: sweepStaleWorkFolders, skipped (and said so) while a live backup or restore holds the run lock
 * of the temp folder (the --config folders of dead processes go all the same). The lock itself is left alone (the next run reports a killed one from it); a folder made
 * after this call started is not taken (a run that starts meanwhile).
 */
export async function sweepIfNoRunIsAlive(tempLocal: string, log: RunLogger): Promise<string[]> {
  const since = new Date();
  let lock: ReturnType<typeof readLockState>;
  try {
    lock = readLockState(tempLocal);
  } catch {
    lock = { state: 'free' };
  }
  if (lock.state === 'held') {
    const h = lock.holder;
    log.info(`The temp folder is left as it is: ${h ? `run ${h.pid} (${h.mode ?? '?'})` : 'a run'} is still running (${lock.why}).`);
    return sweepStaleSecretConfigs(tempLocal, log);
  }
  return sweepStaleWorkFolders(tempLocal, log, undefined, since);
}
