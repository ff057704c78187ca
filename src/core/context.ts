import type { BackupConfig, BackupMode } from '../config/schema.ts';
import { JournalFile, type RestoreJournal } from './journal.ts';
import type { LogSink, RunLogger } from '../log/logger.ts';
import type { NodeRef, Platform, ServiceState } from '../platform/ports.ts';
import type { PlannedStep, Scope } from './plan.ts';

export { joinConfigured } from './paths.ts';
import type { Params } from '../config/load.ts';
import type { FileKind } from './manifest.ts';
import type { EffectiveSettings } from './settings.ts';
import type { PersistenceDecision } from './persistence.ts';
import type { RoleDecision } from './topology.ts';

/** What every run (backup, restore, drill) is asked: the parameters, the secrets from stdin, dry run or not. */
export interface RunRequest {
  params: Params;
  secrets: Record<string, string | undefined>;
  dryRun: boolean;
}

/** What every run is given: how to build the platform, where its events go, and (for tests) clock and signal. */
export interface RunDeps {
  /** Builds the platform for this run (sandbox when SandboxPath is given, Windows otherwise). */
  platform(params: Params, config: BackupConfig): Platform;
  sink: LogSink;
  progress: (p: ProgressEvent) => void;
  plan?: (steps: readonly PlannedStep[]) => void;
  clock?: Clock;
  signal?: AbortSignal;
  now?: () => Date;
  /** Told of a dead run whose leftover journal this run recovered (the CLI records it in the history catalog). */
  interrupted?: (run: { pid: number; mode: string; startedAt: string; logPath?: string | undefined }) => void;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface ProgressEvent {
  activity: string;
  status: string;
  /** 0-100, or -1 when unknown. */
  percent: number;
  completed?: boolean;
}

/** A file placed in the staging folder, bound for the archive. */
export interface StagedFile {
  /** Path inside the archive, with forward slashes. */
  archivePath: string;
  /** Where it is in staging (for a file held in memory: where it would be, a label only). */
  localPath: string;
  /** The content held in memory instead of a file in staging: secrets never touch the disk (core/cleanup.ts). */
  content?: Buffer | undefined;
  kind: FileKind;
  node?: string | undefined;
  /** Where it came from on the server (configured form), for the manifest. */
  source?: string | undefined;
  note?: string | undefined;
}

export interface ServiceRecord {
  node: NodeRef;
  prior: ServiceState;
  stoppedByUs: boolean;
  restarted: boolean;
}

export interface DumpInfo {
  type: 'embedded' | 'selfManaged';
  /** Local path of the dump folder in staging. */
  dir: string;
  databases: Record<string, Record<string, number>>;
  sizeBytes: number;
  durationMs: number;
  gzip: boolean;
}

export interface ArchiveInfo {
  tempPath: string;
  finalPath: string;
  name: string;
  sha256: string;
  sizeBytes: number;
  entries: number;
  encrypted: boolean;
}

export interface RunContext {
  mode: BackupMode;
  config: BackupConfig;
  /** What the steps read of the run's plan. */
  plan: { mode: BackupMode; scopes: readonly Scope[]; stopsService: boolean };
  platform: Platform;
  log: RunLogger;
  clock: Clock;
  signal: AbortSignal;
  progress: (p: ProgressEvent) => void;
  startedAt: Date;
  /** YYYYMMDD_HHmmss of the start, used in every name of this run. */
  stamp: string;
  nodes: NodeRef[];
  controller: NodeRef;
  multiNode: boolean;
  /** Staging folder, configured form (what AlteryxService.exe is given) and local form. */
  staging: { configured: string; local: string };
  /** The metadata step's output slot (steps/metadata.ts); every other step returns its files. */
  files: StagedFile[];
  services: ServiceRecord[];
  mongo: { type: 'embedded' | 'selfManaged'; decidedBy: string };
  /** realworld (issue 13): where the data lives and what each node's RuntimeSettings.xml says its role is. */
  persistence?: PersistenceDecision;
  roles?: Map<string, RoleDecision>;
  settings: Map<string, EffectiveSettings>;
  /** The metadata step's output slot (steps/metadata.ts). */
  metadata: Record<string, unknown>;
  stepDurations: Record<string, number>;
  warnings: string[];
  archivePassword?: string | undefined;
  /** Secrets from the request (stdin) or the environment: MongoPassword, ArchivePassword, SmtpPassword. Never logged. */
  secrets: Record<string, string | undefined>;
  /**
   * Downtime accounting (issue 15): the first stop requested, the last node seen Stopped, the first start
   * requested, every node seen Running again (src/steps/services.ts).
   */
  downtime: { stoppedAt?: number; allStoppedAt?: number; startRequestedAt?: number; startedAt?: number; logged?: boolean };
  dryRun: boolean;
  /** Persists what must survive a killed process: service states, and what a restore has changed. */
  journal: { update(services: ServiceRecord[]): void; clear(): void; restore(section: RestoreJournal | undefined): void; file: string };
}

export function warn(ctx: RunContext, message: string): void {
  ctx.warnings.push(ctx.log.masker.mask(message));
  ctx.log.warn(message);
}

/**
 * A run context with the parts every run derives the same way: nodes and controller from the platform, the
 * staging folder in both forms, empty collections, and the journal in the temp folder.
 */
export function newRunContext(
  a: Pick<RunContext, 'mode' | 'config' | 'plan' | 'platform' | 'log' | 'clock' | 'signal' | 'progress' | 'startedAt' | 'stamp'> & {
    req: RunRequest;
    /** The working folder, configured form (staging for a backup, extraction for a restore). */
    staging: string;
    /** Where the journal lives (the resolved temp folder) and the run name it records. */
    journal: { dir: string; mode: string };
    stepDurations?: Record<string, number>;
    warnings?: string[];
  },
): RunContext {
  const nodes = a.platform.nodes;
  const journal = new JournalFile(a.journal.dir, { pid: process.pid, startedAt: a.startedAt.toISOString(), mode: a.journal.mode, logPath: a.log.logPath });
  return {
    mode: a.mode,
    config: a.config,
    plan: a.plan,
    platform: a.platform,
    log: a.log,
    clock: a.clock,
    signal: a.signal,
    progress: a.progress,
    startedAt: a.startedAt,
    stamp: a.stamp,
    nodes,
    controller: nodes.find((n) => n.role === 'controller') ?? nodes[0]!,
    multiNode: nodes.length > 1,
    staging: { configured: a.staging, local: a.platform.paths.resolve(a.staging) },
    files: [],
    services: [],
    mongo: { type: 'embedded', decidedBy: '' },
    settings: new Map(),
    metadata: {},
    stepDurations: a.stepDurations ?? {},
    warnings: a.warnings ?? [],
    archivePassword: a.req.secrets['ArchivePassword'],
    secrets: a.req.secrets,
    downtime: {},
    dryRun: a.req.dryRun,
    journal: { update: (s) => journal.update(s), clear: () => journal.clear(), restore: (r) => journal.restore(r), file: journal.file },
  };
}
