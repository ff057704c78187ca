import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { joinConfigured } from '../core/context.ts';
import type { RestoreJournal } from '../core/journal.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { SelfManagedChecked } from '../mongo/index.ts';
import { exists, treeSize } from '../util/fsx.ts';
import { formatBytes } from '../util/format.ts';
import { check, journal, type RestoreRun } from './context.ts';
import { readNodeSettings, type RestorePreflight } from './preflight.ts';
import {
  compareCounts,
  judgeRestoreLog,
  readRestoreLogFile,
  restoreFailureMessage,
  totalDocuments,
  type CountRow,
  type RestoreLogVerdict,
} from './restore-log.ts';
import { restoredDatabases, runMongorestore } from './restore-selfmanaged.ts';
import { retryWhileBusy } from '../util/winfs.ts';

/** What the database step found: the restore log's verdict and the per-collection counts. */
export interface DatabaseOutcome {
  verdict: RestoreLogVerdict;
  counts: CountRow[];
}

/** Pure: an emongorestore's verdict: mongoRestore.log judged, and "EMongoRestore failed" in its output. */
export function judgeEmongorestore(logText: string | undefined, exitCode: number | null, output: string): RestoreLogVerdict {
  const v = judgeRestoreLog(logText, exitCode);
  if (/EMongoRestore failed/i.test(output)) {
    v.ok = false;
    v.reasons.push('the output says "EMongoRestore failed"');
    v.summary = `FAILED (${v.reasons.join('; ')})`;
  }
  return v;
}

/**
 * Pure: the restored counts against the manifest's. Passes when the log passed, every collection matches
 * and the restored total is the manifest's; the detail names the first differing collections.
 */
export function judgeCounts(
  expected: Record<string, Record<string, number>>,
  v: RestoreLogVerdict,
): { counts: CountRow[]; ok: boolean; detail: string; expectedTotal: number } {
  const counts = compareCounts(expected, v.collections, undefined);
  const expectedTotal = totalDocuments(expected);
  const bad = counts.filter((x) => !x.ok);
  const ok = v.ok && bad.length === 0 && v.restored === expectedTotal;
  const detail = bad.length
    ? `${bad.length} collection(s) differ from the manifest: ${bad
        .slice(0, 5)
        .map((x) => `${x.database}.${x.collection} manifest ${x.expected ?? '-'}, restored ${x.restored ?? '-'}`)
        .join('; ')}`
    : `${v.restored ?? 0} restored of ${expectedTotal} in the manifest, ${counts.length} collections`;
  return { counts, ok, detail, expectedTotal };
}

/** Self-managed: mongorestore --drop of the archive's dump, judged by its output. */
async function restoreSelfManaged(r: RestoreRun, checked: SelfManagedChecked | undefined): Promise<RestoreLogVerdict> {
  if (!checked || !r.rb.selfDb)
    throw new BackupError(ExitCode.General, 'Internal error: the self-managed restore has no checked connection or pre-restore dump.');
  r.changed = true;
  r.rb.selfDb.restoreStarted = true;
  r.rj!.phases.push('database');
  r.rj!.selfManaged!.restoreStarted = true;
  journal(r);
  const res = await runMongorestore(
    r.c,
    checked.target,
    join(r.folders.extract.local, 'MongoDB'),
    { gzip: r.manifest.mongo.gzip, what: "the archive's dump" },
    r.run,
  );
  return res.verdict;
}

/** Embedded: the current data folder moved aside, then AlteryxService.exe emongorestore, judged by mongoRestore.log. */
async function restoreEmbedded(r: RestoreRun, pre: RestorePreflight | undefined): Promise<RestoreLogVerdict> {
  const { c } = r;
  const p = c.platform;
  const controller = c.controller;
  const settings = await readNodeSettings(c, controller);
  c.settings.set(controller.name, settings);
  const root = settings.value('Controller', 'EmbeddedMongoDBRootPath') ?? pre?.dbRootConfigured;
  if (!root)
    throw new BackupError(
      ExitCode.MongoDB,
      'EmbeddedMongoDBRootPath is not set in RuntimeSettings.xml: the restore target is unknown.',
      'Set it in Alteryx System Settings.',
    );
  const local = p.paths.resolve(root, controller);
  const preConfiguredDb = `${root.replace(/[\\/]+$/, '')}.PreRestore_${c.stamp}`;
  const preLocal = p.paths.resolve(preConfiguredDb, controller);
  const existed = await exists(local);
  r.rb.db = { configured: root, local, preConfigured: preConfiguredDb, preLocal, existed, moved: false };
  r.changed = true;
  const jdb: NonNullable<RestoreJournal['database']> = { configured: root, local, preConfigured: preConfiguredDb, preLocal, existed, moved: false };
  r.rj!.phases.push('database');
  r.rj!.database = jdb;
  journal(r);
  if (existed) {
    // mongod may hold its files for a moment after the service stopped; an antivirus may scan them.
    await retryWhileBusy('move aside the MongoDB data folder', local, () => fsp.rename(local, preLocal));
    r.rb.db.moved = true;
    jdb.moved = true;
    journal(r);
    c.log.info(`Current MongoDB data folder moved aside: ${root} -> ${preConfiguredDb} (${formatBytes(await treeSize(preLocal))})`);
  }
  await fsp.mkdir(local, { recursive: true });
  const from = joinConfigured(r.folders.extract.configured, 'MongoDB');
  c.log.info(`Restoring MongoDB: AlteryxService.exe emongorestore=${from},${root}`);
  c.progress({ activity: 'Restoring MongoDB', status: 'emongorestore', percent: -1 });
  // Its process id goes to the journal: it would outlive a killed restore, and recovery waits for it.
  const res = await p.alteryx.run(controller, r.paths.exe, `emongorestore=${from},${root}`, {
    onSpawn: (pid) => {
      jdb.toolPid = pid;
      journal(r);
    },
  });
  jdb.toolPid = undefined;
  journal(r);
  const output = `${res.stdout}\n${res.stderr}`;
  for (const line of output.split(/\r?\n/).filter((l) => l.trim())) c.log.debug(`emongorestore: ${line}`);
  // realworld (issue 13): UTF-16LE/BOM/CRLF logs are decoded by the judge's reader.
  const text = await readRestoreLogFile(join(r.folders.extract.local, 'MongoDB', 'mongoRestore.log'));
  return judgeEmongorestore(text, res.exitCode, output);
}

/** MongoDB: emongorestore judged by mongoRestore.log (embedded), or mongorestore judged by its output (self-managed). */
export async function databaseStep(r: RestoreRun, checked: SelfManagedChecked | undefined, pre: RestorePreflight | undefined): Promise<DatabaseOutcome> {
  const { c, manifest: m } = r;
  const v = r.selfManagedDb ? await restoreSelfManaged(r, checked) : await restoreEmbedded(r, pre);
  const expected = r.selfManagedDb ? restoredDatabases(m.mongo.databases) : m.mongo.databases;
  const source = r.selfManagedDb ? 'mongorestore' : 'mongoRestore.log';
  for (const [i, line] of v.problemLines.entries()) c.log.log(i < 5 ? 'ERROR' : 'DEBUG', `${source}: ${line}`);
  check(r, 'restore log', v.ok, v.summary);
  const judged = judgeCounts(expected, v);
  check(r, 'document counts', judged.ok, judged.detail);
  const putBack = r.selfManagedDb
    ? 'The previous database is restored from the pre-restore dump (mongorestore --drop) and the previous files are put back; the mongorestore output is in the DEBUG lines of the log.'
    : 'The previous database and files are put back; see mongoRestore.log lines in the log (DEBUG) and the Alteryx service log.';
  const outcome = { verdict: v, counts: judged.counts };
  // For the result event, also when the restore failed.
  r.dbOutcome = outcome;
  if (!v.ok) {
    // realworld (issue 13): an unverifiable restore (`done` only) has a message of its own.
    const f = restoreFailureMessage(v);
    throw new BackupError(ExitCode.MongoDB, f.message, f.hint ? `${f.hint} ${putBack}` : putBack);
  }
  if (!judged.ok)
    throw new BackupError(
      ExitCode.MongoDB,
      `The MongoDB restore did not restore what the manifest lists (${v.restored} of ${judged.expectedTotal} documents).`,
      putBack,
    );
  c.log.info(`MongoDB restored: ${v.restored} documents in ${judged.counts.length} collections`);
  return outcome;
}
