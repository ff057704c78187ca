/**
 * The drill's own journal, `<TempDirectory>\AlteryxBackup.drill.json`: what a killed drill leaves behind. A
 * drill changes nothing on the server, but a killed one can leave its scratch folder (a copy of the Gallery
 * database) and, with the mongod method, a scratch mongod without authentication listening on loopback.
 * `recover` (the cmdlet's watchdog) and the next drill read it, stop that mongod and remove the scratch
 * folder (unless the drill was asked to keep it). Written atomically; never holds a secret.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../core/lock.ts';
import type { RunLogger } from '../log/logger.ts';
import { sendShutdown } from './drill-mongod.ts';
import { retryWhileBusySync } from '../util/winfs.ts';
import { removeTree } from '../util/fsx.ts';

export const DRILL_JOURNAL_NAME = 'AlteryxBackup.drill.json';

export interface DrillJournal {
  pid: number;
  startedAt: string;
  archive: string;
  /** The scratch folder (removed by recovery unless keep). */
  scratch: string;
  keep: boolean;
  /** The scratch mongod, from the moment it is started. */
  mongod?: { pid: number; port: number } | undefined;
}

export class DrillJournalFile {
  readonly file: string;
  private current: DrillJournal | undefined;
  constructor(dir: string) {
    this.file = join(dir, DRILL_JOURNAL_NAME);
  }
  write(j: DrillJournal): void {
    this.current = j;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(j, null, 2));
    retryWhileBusySync('write the drill journal', this.file, () => renameSync(tmp, this.file));
  }
  update(patch: Partial<DrillJournal>): void {
    if (this.current) this.write({ ...this.current, ...patch });
  }
  clear(): void {
    this.current = undefined;
    rmSync(this.file, { force: true });
  }
  static read(dir: string): DrillJournal | undefined {
    try {
      return JSON.parse(readFileSync(join(dir, DRILL_JOURNAL_NAME), 'utf8')) as DrillJournal;
    } catch {
      return undefined;
    }
  }
}

export interface DrillRecovery {
  pid: number;
  startedAt: string;
  scratch: string;
  /** null: the drill had no scratch mongod (or it had ended by itself). */
  mongod: 'shut down' | 'killed' | 'still running' | null;
  scratchRemoved: boolean;
  /** The drill is still running: nothing was touched. */
  running: boolean;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (processAlive(pid)) {
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Stops a killed drill's scratch mongod and removes its scratch folder; undefined when no drill journal is there. */
export async function recoverDrill(dir: string, log: RunLogger): Promise<DrillRecovery | undefined> {
  const j = DrillJournalFile.read(dir);
  if (!j) return undefined;
  const out: DrillRecovery = { pid: j.pid, startedAt: j.startedAt, scratch: j.scratch, mongod: null, scratchRemoved: false, running: false };
  if (j.pid !== process.pid && processAlive(j.pid)) {
    out.running = true;
    log.info(`Drill ${j.pid} (started ${j.startedAt}) is still running: its scratch folder is left alone`);
    return out;
  }
  log.warn(`Drill ${j.pid} (started ${j.startedAt}, ${j.archive}) was interrupted; cleaning up after it`);
  if (j.mongod && processAlive(j.mongod.pid)) {
    // The shutdown command first (mongod closes its files cleanly), a kill if it does not go.
    await sendShutdown(j.mongod.port);
    if (await waitGone(j.mongod.pid, 15_000)) out.mongod = 'shut down';
    else {
      try {
        process.kill(j.mongod.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      out.mongod = (await waitGone(j.mongod.pid, 5_000)) ? 'killed' : 'still running';
    }
    const msg = `Recovery: the scratch mongod of drill ${j.pid} (pid ${j.mongod.pid}, 127.0.0.1:${j.mongod.port}) ${out.mongod === 'still running' ? 'could not be stopped: end it by hand' : `was ${out.mongod}`}`;
    if (out.mongod === 'still running') log.error(msg);
    else log.info(msg);
  }
  if (out.mongod !== 'still running') {
    if (j.keep) log.info(`Recovery: the drill's scratch folder is kept as it asked (-Keep): ${j.scratch}`);
    else if (existsSync(j.scratch)) {
      await removeTree(j.scratch).then(
        () => {
          out.scratchRemoved = true;
          log.info(`Recovery: the drill's scratch folder was removed: ${j.scratch}`);
        },
        (err: Error) => log.error(`Recovery: the drill's scratch folder ${j.scratch} could not be removed: ${err.message}`),
      );
    }
    if (j.keep || out.scratchRemoved || !existsSync(j.scratch)) new DrillJournalFile(dir).clear();
  }
  return out;
}
