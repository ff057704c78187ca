import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { retryWhileBusySync } from '../util/winfs.ts';

export const JOURNAL_NAME = 'AlteryxBackup.journal.json';

/** What the journal records of one service (a ServiceRecord of the run context, structurally). */
interface ServiceLike {
  node: { name: string; role: string; local: boolean };
  prior: string;
  stoppedByUs: boolean;
  restarted: boolean;
}

export interface JournalEntry {
  node: { name: string; role: string; local: boolean };
  prior: string;
  stoppedByUs: boolean;
  restarted: boolean;
}

/** A file a restore saved before overwriting it (existed false: it did not exist, recovery removes it). */
export interface RestoreJournalFile {
  node: string;
  /** The configured (Windows) path, for the log. */
  configured: string;
  /** The path node:fs writes, resolved when the restore ran. */
  local: string;
  existed: boolean;
  /** Its copy in the pre-restore folder (when it existed). */
  saved?: string | undefined;
}

/** A Keys folder a restore saved before replacing it as a whole. */
export interface RestoreJournalKeys {
  node: string;
  configured: string;
  local: string;
  existed: boolean;
  saved: string;
}

export type RestorePhase = 'files' | 'server-secret' | 'database';

/**
 * What a restore has changed, so that a killed restore is rolled back like a failed one (src/restore/recover.ts).
 * Written before each overwrite. Never a secret: the previous controller token stays in the restore's memory.
 */
export interface RestoreJournal {
  archivePath: string;
  restoreMode: string;
  /** The pre-restore folder (copies of the files and Keys, the self-managed pre-restore dump); kept by recovery. */
  preRestore: { configured: string; local: string };
  /** The extraction folder: it holds the archive's controller token in clear, so recovery removes it. */
  extraction: { configured: string; local: string };
  /** The phases that have started, in order; a phase is listed before its first change. */
  phases: RestorePhase[];
  files: RestoreJournalFile[];
  keys: RestoreJournalKeys[];
  /** Nodes on which `setserversecret` was started (controller first). */
  tokenNodes: string[];
  /** The newest Full/ConfigOnly backup in LocalBackupPath taken before the restore: it holds the previous token. */
  tokenBackup: string | null;
  /** The embedded MongoDB data folder: moved aside to preLocal, restored into local. */
  database?:
    | {
        configured: string;
        local: string;
        preConfigured: string;
        preLocal: string;
        existed: boolean;
        moved: boolean;
        /** Process id of `AlteryxService.exe emongorestore` while it runs: recovery waits for it to end. */
        toolPid?: number | undefined;
      }
    | undefined;
  /** A self-managed MongoDB: the pre-restore dump (restoreStarted: mongorestore has started writing). */
  selfManaged?: { dumpConfigured: string; dumpLocal: string; documents: number; uri: string; restoreStarted: boolean } | undefined;
}

export interface Journal {
  pid: number;
  startedAt: string;
  mode: string;
  logPath?: string | undefined;
  services: JournalEntry[];
  restore?: RestoreJournal | undefined;
}

const pending = (j: Pick<Journal, 'services' | 'restore'>) => !!j.restore || j.services.some((s) => s.stoppedByUs && !s.restarted);

/** Writes a journal atomically (temp file, then rename); removes it when nothing is left to recover. */
export function writeJournal(file: string, j: Journal): void {
  if (!pending(j)) {
    rmSync(file, { force: true });
    return;
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(j, null, 2));
  // Rewritten before every change while the service may be stopped: a scanner holding it for a moment must not end the run.
  retryWhileBusySync('write the journal', file, () => renameSync(tmp, file));
}

/**
 * The run journal: written before each service is stopped and before each change a restore makes; removed
 * once every service is back and no restore is in flight.
 */
export class JournalFile {
  readonly file: string;
  private services: JournalEntry[] = [];
  private restoreSection: RestoreJournal | undefined;
  constructor(
    dir: string,
    private readonly head: Omit<Journal, 'services' | 'restore'>,
  ) {
    this.file = join(dir, JOURNAL_NAME);
  }
  private write(): void {
    writeJournal(this.file, { ...this.head, services: this.services, ...(this.restoreSection ? { restore: this.restoreSection } : {}) });
  }
  update(services: readonly ServiceLike[]): void {
    this.services = services.map((s) => ({
      node: { name: s.node.name, role: s.node.role, local: s.node.local },
      prior: s.prior,
      stoppedByUs: s.stoppedByUs,
      restarted: s.restarted,
    }));
    this.write();
  }
  /** Records (a copy of) the restore section, or drops it (the restore finished or was rolled back in-process). */
  restore(section: RestoreJournal | undefined): void {
    this.restoreSection = section === undefined ? undefined : (JSON.parse(JSON.stringify(section)) as RestoreJournal);
    this.write();
  }
  /** Every service is back: the journal goes, unless a restore is still in flight (its section stays). */
  clear(): void {
    if (this.restoreSection) {
      this.services = this.services.map((s) => ({ ...s, restarted: s.restarted || s.stoppedByUs }));
      this.write();
    } else rmSync(this.file, { force: true });
  }
  static read(dir: string): Journal | undefined {
    try {
      return JSON.parse(readFileSync(join(dir, JOURNAL_NAME), 'utf8')) as Journal;
    } catch {
      return undefined;
    }
  }
}
