import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunLogger } from '../log/logger.ts';
import type { NodeRef, Platform, ServiceState } from '../platform/ports.ts';
import { exists, removeTree } from '../util/fsx.ts';
import { JOURNAL_NAME, writeJournal, type Journal, type JournalEntry, type RestorePhase } from '../core/journal.ts';
import { processAlive } from '../core/lock.ts';
import { realClock } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { retryWhileBusy } from '../util/winfs.ts';

export interface RecoverOutcome {
  node: string;
  action: 'started' | 'already-running' | 'left-stopped' | 'failed' | 'unknown-node';
  detail?: string;
}

/** What recovery did about an interrupted restore (the journal's restore section). */
export interface RestoreRecovery {
  archivePath: string;
  restoreMode: string;
  /** The phases the restore had started: files, server-secret, database. */
  phases: RestorePhase[];
  /** The pre-restore folder (configured form); always kept. */
  preRestorePath: string;
  /** What was put back, one line each. */
  putBack: string[];
  /** What recovery tried and could not do (the journal is kept; run recover again once the cause is fixed). */
  failed: string[];
  /** What only an administrator can do (the controller token, a self-managed database): the exact command. */
  manual: string[];
}

export interface RecoverReport {
  /** The interrupted run. */
  pid: number;
  mode: string;
  startedAt: string;
  logPath?: string | undefined;
  services: RecoverOutcome[];
  restore: RestoreRecovery | null;
  /** Everything recovery can do was done and every service is back: the journal was removed. */
  journalCleared: boolean;
  /** journalCleared and nothing left to do by hand. */
  complete: boolean;
  /** One line for the result message. */
  summary: string;
}

const START_ORDER: Record<string, number> = { controller: 0, worker: 1, ui: 2 };
const byStartOrder = (a: JournalEntry, b: JournalEntry) => (START_ORDER[a.node.role] ?? 9) - (START_ORDER[b.node.role] ?? 9);

async function waitWhile(platform: Platform, node: NodeRef, busy: (s: ServiceState) => boolean, maxWaitMs: number): Promise<ServiceState> {
  const start = realClock.now();
  let state = await platform.services.getState(node);
  while (busy(state) && realClock.now() - start < maxWaitMs) {
    await realClock.sleep(200);
    state = await platform.services.getState(node);
  }
  return state;
}

/**
 * Finishes the rollback of a run that died (killed, crashed, power cut), from its journal. Used by `recover`
 * (the cmdlet's watchdog) and at the start of the next backup or restore.
 *
 * For an interrupted restore it first puts back what the restore changed, as the in-process rollback does:
 * services the restore had already started again are stopped; the saved files and Keys folders are copied back
 * from the pre-restore folder (files that did not exist before are removed); the embedded MongoDB data folder
 * that was moved aside is renamed back (the half-restored one removed), once the emongorestore it started has
 * ended; the extraction folder (the archive's token in clear) is removed. What only an administrator can do is
 * named with its command: the previous controller token (kept in memory only, never on disk) and a
 * self-managed database whose mongorestore had started. Then every service the run stopped is started again,
 * controller first. The journal is removed only when everything recovery can do was done; the pre-restore
 * folder is always kept.
 */
/** maxWaitMs bounds each wait: a service to stop or start, a restore tool to end (the callers pass MaxServiceWaitSeconds). */
export async function recoverFromJournal(
  platform: Platform,
  journal: Journal,
  log: RunLogger,
  journalDir: string,
  maxWaitMs = 600_000,
): Promise<RecoverReport> {
  log.warn(`Run ${journal.pid} (${journal.mode}, started ${journal.startedAt}) was interrupted${journal.logPath ? `; its log: ${journal.logPath}` : ''}`);
  const services: JournalEntry[] = journal.services.map((s) => ({ ...s, node: { ...s.node } }));
  const { restore, holdServices } = journal.restore
    ? await recoverRestore(platform, journal, journal.restore, services, log, maxWaitMs)
    : { restore: null, holdServices: undefined };
  const outcomes = await startStopped(platform, journal, services, holdServices, log, maxWaitMs);
  const servicesOk = outcomes.every((o) => o.action === 'started' || o.action === 'already-running');
  const journalCleared = servicesOk && (restore?.failed.length ?? 0) === 0;
  const file = join(journalDir, JOURNAL_NAME);
  if (journalCleared) await fsp.rm(file, { force: true });
  // Kept for the next attempt, with the services as they are now (every step is safe to repeat).
  else writeJournal(file, { ...journal, services });
  const complete = journalCleared && (restore?.manual.length ?? 0) === 0;
  const summary = summarize(restore, outcomes, journalCleared, file);
  if (restore) {
    if (complete) log.info(`Recovery of the interrupted restore complete: ${summary}`);
    else log.error(`Recovery of the interrupted restore is not complete: ${summary}`);
  }
  return {
    pid: journal.pid,
    mode: journal.mode,
    startedAt: journal.startedAt,
    logPath: journal.logPath,
    services: outcomes,
    restore,
    journalCleared,
    complete,
    summary,
  };
}

function summarize(restore: RestoreRecovery | null, outcomes: RecoverOutcome[], journalCleared: boolean, file: string): string {
  const parts: string[] = [];
  if (restore) {
    parts.push(
      `${restore.restoreMode} restore of ${restore.archivePath}: ${restore.putBack.length} item(s) put back from ${restore.preRestorePath}` +
        (restore.failed.length ? `; NOT put back: ${restore.failed.join('; ')}` : ''),
    );
    if (restore.manual.length) parts.push(`to do by hand: ${restore.manual.join(' Also: ')}`);
  }
  const bad = outcomes.filter((o) => o.action === 'failed' || o.action === 'unknown-node' || o.action === 'left-stopped');
  parts.push(
    bad.length
      ? `services not started: ${bad.map((o) => `${o.node} ${o.action}${o.detail ? ` (${o.detail})` : ''}`).join(', ')}`
      : `services: ${outcomes.map((o) => `${o.node} ${o.action}`).join(', ') || 'none needed starting'}`,
  );
  if (!journalCleared) parts.push(`the journal ${file} is kept: run "alteryx-backup recover" again once the cause is fixed`);
  return parts.join('; ');
}

/** One interrupted restore's recovery in progress: what it put back, what failed, what is left by hand. */
interface RestoreRecoveryRun {
  platform: Platform;
  log: RunLogger;
  pid: number;
  r: NonNullable<Journal['restore']>;
  rec: RestoreRecovery;
  maxWaitMs: number;
  put(what: string, fn: () => Promise<string | undefined>): Promise<void>;
}

/** Steps 1-6 for an interrupted restore: what it changed goes back, from the pre-restore copy (kept). */
async function recoverRestore(
  platform: Platform,
  journal: Journal,
  r: NonNullable<Journal['restore']>,
  services: JournalEntry[],
  log: RunLogger,
  maxWaitMs: number,
): Promise<{ restore: RestoreRecovery; holdServices: string | undefined }> {
  const rec: RestoreRecovery = {
    archivePath: r.archivePath,
    restoreMode: r.restoreMode,
    phases: [...r.phases],
    preRestorePath: r.preRestore.configured,
    putBack: [],
    failed: [],
    manual: [],
  };
  log.warn(
    `Recovery: run ${journal.pid} was a ${r.restoreMode} restore of ${r.archivePath}; started: ${r.phases.length ? r.phases.join(', ') : 'nothing changed yet'}. ` +
      `Putting back what it changed from the pre-restore copy ${r.preRestore.configured} (kept).`,
  );
  const put = async (what: string, fn: () => Promise<string | undefined>) => {
    try {
      const line = (await fn()) || what;
      rec.putBack.push(line);
      log.info(`Recovery: ${line}`);
    } catch (err) {
      const line = `${what}: ${(err as Error).message}`;
      rec.failed.push(line);
      log.error(`Recovery could not put back ${line}`);
    }
  };
  const x: RestoreRecoveryRun = { platform, log, pid: journal.pid, r, rec, maxWaitMs, put };
  const filesChanged = r.phases.includes('files') && (r.files.length > 0 || r.keys.length > 0);
  const dbChanged = r.phases.includes('database') && !!r.database;
  // 1. Killed while starting (or checking) the services: stop them again, so nothing runs on what is about to change.
  if (filesChanged || dbChanged) await stopRestarted(x, services);
  // 2. The emongorestore the run started may outlive it (a child is not killed with its parent): wait for it.
  const holdServices = dbChanged ? await waitForRestoreTool(x) : undefined;
  // 3. Files and Keys, from the pre-restore folder.
  if (filesChanged) await putBackFiles(x);
  // 4. The embedded database folder: the moved-aside one back, the half-restored one removed.
  if (dbChanged && !holdServices) await putBackDatabase(x);
  // 5. What only an administrator can do.
  leftByHand(x);
  // 6. The extraction folder holds the archive's controller token in clear.
  try {
    if (await exists(r.extraction.local)) {
      await removeTree(r.extraction.local);
      log.info(`Recovery: extraction folder ${r.extraction.configured} removed (it held the controller token in clear)`);
    }
  } catch (err) {
    rec.failed.push(`removing the extraction folder ${r.extraction.configured} (it holds the controller token in clear): ${(err as Error).message}`);
    log.error(`Recovery: ${rec.failed[rec.failed.length - 1]}`);
  }
  return { restore: rec, holdServices };
}

async function stopRestarted(x: RestoreRecoveryRun, services: JournalEntry[]): Promise<void> {
  const { platform, log, rec, maxWaitMs } = x;
  for (const entry of [...services].filter((s) => s.stoppedByUs).sort((a, b) => byStartOrder(b, a))) {
    const node = platform.nodes.find((n) => n.name === entry.node.name);
    if (!node) continue;
    try {
      let state = await waitWhile(platform, node, (s) => s === 'StartPending', maxWaitMs);
      if (state === 'Stopped') continue;
      log.info(`Recovery: stopping AlteryxService on ${node.name} (the restore had started it again; state ${state}) before putting the files back`);
      await platform.services.requestStop(node);
      state = await waitWhile(platform, node, (s) => s !== 'Stopped', maxWaitMs);
      if (state !== 'Stopped') throw new Error(`state ${state} after ${Math.round(maxWaitMs / 1000)} s`);
      entry.restarted = false;
    } catch (err) {
      rec.failed.push(`stopping AlteryxService on ${node.name} before the files go back: ${(err as Error).message}`);
      log.error(`Recovery: could not stop AlteryxService on ${node.name}: ${(err as Error).message}; the files are put back while it runs`);
    }
  }
}

/** Waits for a restore tool that outlived the run; returns why the services stay stopped when it still runs. */
async function waitForRestoreTool(x: RestoreRecoveryRun): Promise<string | undefined> {
  const { log, rec, maxWaitMs, r } = x;
  const toolPid = r.database?.toolPid;
  if (!toolPid || toolPid === process.pid || !processAlive(toolPid)) return undefined;
  log.warn(
    `Recovery: AlteryxService.exe emongorestore (pid ${toolPid}) of the interrupted restore still runs; waiting up to ${Math.round(maxWaitMs / 1000)} s for it to end before the database folder is put back`,
  );
  const start = realClock.now();
  while (processAlive(toolPid) && realClock.now() - start < maxWaitMs) await realClock.sleep(200);
  if (!processAlive(toolPid)) {
    log.info(`Recovery: emongorestore (pid ${toolPid}) has ended`);
    return undefined;
  }
  rec.failed.push(
    `the database folder ${r.database!.configured}: AlteryxService.exe emongorestore (pid ${toolPid}) still runs, so the folder was not touched and the services were left stopped; run "alteryx-backup recover" again once it has ended`,
  );
  log.error(`Recovery: ${rec.failed[rec.failed.length - 1]}`);
  return `AlteryxService.exe emongorestore (pid ${toolPid}) of the interrupted restore still writes into ${r.database!.configured}`;
}

async function putBackFiles(x: RestoreRecoveryRun): Promise<void> {
  const { r, put } = x;
  for (const k of r.keys) {
    await put(`${k.configured} on ${k.node} ${k.existed ? 'put back' : 'removed (it did not exist before)'}`, async () => {
      if (k.existed && !(await exists(k.saved))) throw new Error(`its pre-restore copy ${k.saved} is missing`);
      await removeTree(k.local);
      if (k.existed) await fsp.cp(k.saved, k.local, { recursive: true });
    });
  }
  for (const f of r.files) {
    await put(`${f.configured} on ${f.node} ${f.existed ? 'put back' : 'removed (it did not exist before)'}`, async () => {
      await fsp.rm(`${f.local}.restoring-${x.pid}`, { force: true });
      if (f.existed) {
        if (!f.saved || !(await exists(f.saved))) throw new Error(`its pre-restore copy ${f.saved ?? '(none)'} is missing`);
        await fsp.mkdir(dirname(f.local), { recursive: true });
        const tmp = `${f.local}.recovering-${process.pid}`;
        await fsp.copyFile(f.saved, tmp);
        await retryWhileBusy('put back', f.local, () => fsp.rename(tmp, f.local));
      } else await fsp.rm(f.local, { force: true });
    });
  }
}

async function putBackDatabase(x: RestoreRecoveryRun): Promise<void> {
  const d = x.r.database!;
  await x.put(`database folder ${d.configured}`, async () => {
    if (await exists(d.preLocal)) {
      await removeTree(d.local);
      await retryWhileBusy('put back the MongoDB data folder', d.local, () => fsp.rename(d.preLocal, d.local));
      return `database folder ${d.configured} put back from ${d.preConfigured} (the half-restored one removed)`;
    }
    if (!d.existed) {
      await removeTree(d.local);
      return `restored database folder ${d.configured} removed (there was none before the restore)`;
    }
    if (await exists(d.local))
      return d.moved ? `database folder ${d.configured} is already back` : `database folder ${d.configured} was not changed (not yet moved aside)`;
    throw new Error(`neither ${d.configured} nor ${d.preConfigured} exists`);
  });
}

/** The previous controller token and a half-restored self-managed database: named with their commands. */
function leftByHand(x: RestoreRecoveryRun): void {
  const { r, rec, log } = x;
  if (r.phases.includes('server-secret')) {
    const nodes = r.tokenNodes.length ? r.tokenNodes.join(', then ') : 'the controller';
    const line =
      `The previous controller token was not put back: the restore had run AlteryxService.exe setserversecret on ${nodes}, and the previous token was kept in memory only (never on disk). ` +
      `Put it back by hand, as Administrator, with the service stopped: AlteryxService.exe setserversecret=<token of the pre-restore backup> on ${nodes}, then start the service. ` +
      `That token is Secrets\\ControllerToken.txt in the newest backup taken before the restore${r.tokenBackup ? ` (${r.tokenBackup})` : ' (none was found in LocalBackupPath: use the copy in your password vault)'}. ` +
      `If the restored archive came from this server and its token did not change, nothing needs doing.`;
    rec.manual.push(line);
    log.error(`Recovery: ${line}`);
  }
  if (!r.selfManaged) return;
  const s = r.selfManaged;
  if (!s.restoreStarted) {
    log.info(`Recovery: the self-managed MongoDB was not changed (mongorestore had not started); its pre-restore dump stays in ${s.dumpConfigured}`);
    return;
  }
  const line =
    `The self-managed MongoDB was not put back: mongorestore of the archive had started, so the Alteryx databases may be half-restored, and recovery does not restore databases. ` +
    `The pre-restore dump is ${s.dumpConfigured} (${s.documents} documents). Restore it by hand, with the service stopped: ` +
    `mongorestore --gzip --drop --dir="${s.dumpConfigured}" --nsInclude="AlteryxGallery.*" --nsInclude="AlteryxGallery_Lucene.*" --nsInclude="AlteryxService.*" --uri="${s.uri}" ` +
    `(no password on the command line: mongorestore asks for it), and check that it reports ${s.documents} document(s) restored successfully and 0 failed.`;
  rec.manual.push(line);
  log.error(`Recovery: ${line}`);
}

/** 7. The services, controller first; left stopped while a restore tool still writes into the database folder. */
async function startStopped(
  platform: Platform,
  journal: Journal,
  services: JournalEntry[],
  holdServices: string | undefined,
  log: RunLogger,
  maxWaitMs: number,
): Promise<RecoverOutcome[]> {
  const outcomes: RecoverOutcome[] = [];
  for (const entry of services.filter((s) => s.stoppedByUs && !s.restarted).sort(byStartOrder)) {
    const node = platform.nodes.find((n) => n.name === entry.node.name);
    if (!node) {
      outcomes.push({ node: entry.node.name, action: 'unknown-node' });
      log.error(`Recovery: node ${entry.node.name} is not part of this server's configuration; start its service by hand`);
      continue;
    }
    if (holdServices) {
      outcomes.push({ node: node.name, action: 'left-stopped', detail: holdServices });
      log.error(`Recovery: AlteryxService on ${node.name} left stopped: ${holdServices}`);
      continue;
    }
    outcomes.push(await startOne(platform, journal, entry, node, log, maxWaitMs));
  }
  return outcomes;
}

async function startOne(platform: Platform, journal: Journal, entry: JournalEntry, node: NodeRef, log: RunLogger, maxWaitMs: number): Promise<RecoverOutcome> {
  try {
    let state = await platform.services.getState(node);
    if (state === 'Running') {
      entry.restarted = true;
      return { node: node.name, action: 'already-running' };
    }
    log.info(`Recovery: starting AlteryxService on ${node.name} (was ${entry.prior} before run ${journal.pid}; now ${state})`);
    // A stop still in progress must finish before the service can be started.
    state = await waitWhile(platform, node, (s) => s === 'StopPending', maxWaitMs);
    await platform.services.requestStart(node);
    state = await waitWhile(platform, node, (s) => s !== 'Running', maxWaitMs);
    if (state !== 'Running') {
      log.error(`Recovery: service on ${node.name} did not start (state ${state})`);
      return { node: node.name, action: 'failed', detail: `state ${state}` };
    }
    entry.restarted = true;
    log.info(`Recovery: service on ${node.name} is Running`);
    return { node: node.name, action: 'started' };
  } catch (err) {
    log.error(`Recovery: ${node.name}: ${(err as Error).message}`);
    return { node: node.name, action: 'failed', detail: (err as Error).message };
  }
}

/** Whether the interrupted run's rollback left something only recovery can still do (the next run must not start). */
function recoveryBlocks(report: RecoverReport): boolean {
  return (report.restore?.failed.length ?? 0) > 0;
}

/**
 * The runner's leftover-journal hook for backups and restores (core/runner.ts `lock.recover`): a run that
 * died is reported; what it left in its journal is put back before this run. A restore that could not be
 * rolled back completely stops this run (exit 1): working on a half-restored server would make it worse.
 */
export async function recoverLeftover(
  a: {
    platform: Platform;
    log: RunLogger;
    dir: string;
    maxWaitMs: number;
    warn: (m: string) => void;
    what: 'backup' | 'restore';
    interrupted?: ((run: Journal) => void) | undefined;
  },
  found: {
    leftover: Journal | undefined;
    staleFrom: { pid: number; mode: string; startedAt: string; logPath?: string | undefined; stale?: string | undefined } | undefined;
  },
): Promise<void> {
  const { staleFrom, leftover } = found;
  if (staleFrom && a.what === 'backup') {
    a.warn(
      `A previous run (pid ${staleFrom.pid}, ${staleFrom.mode}, started ${staleFrom.startedAt}) ended without finishing (killed or crashed); its lock was stale${staleFrom.stale ? ` (${staleFrom.stale})` : ''} and is taken over; see its log${staleFrom.logPath ? ` ${staleFrom.logPath}` : ''}`,
    );
  }
  if (!leftover) return;
  const rep = await recoverFromJournal(a.platform, leftover, a.log, a.dir, a.maxWaitMs);
  a.interrupted?.(leftover);
  const before = a.what === 'backup' ? 'this run' : 'this restore';
  a.warn(
    `The previous run (pid ${leftover.pid}, ${leftover.mode}, started ${leftover.startedAt}) was interrupted; ${rep.restore ? 'what its restore changed and its services were' : 'its services were'} put back before ${before}${rep.complete ? '' : ` (not completely: ${rep.summary})`}.`,
  );
  for (const m of rep.restore?.manual ?? []) a.warn(`The interrupted restore left this to do by hand: ${m}`);
  if (recoveryBlocks(rep)) {
    throw new BackupError(
      ExitCode.General,
      `The interrupted restore (run ${leftover.pid}) could not be rolled back completely: ${rep.restore!.failed.join('; ')}. ${a.what === 'backup' ? 'Nothing was backed up: a backup now would capture a half-restored server.' : 'Nothing was changed by this restore.'}`,
      `Fix the cause (see the log), then run "alteryx-backup recover"; the pre-restore copy is in ${rep.restore!.preRestorePath}.`,
    );
  }
}
