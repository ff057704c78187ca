import type { Check, VerifyResult } from '../archive/verify.ts';
import type { BackupMode } from '../config/schema.ts';
import type { RunContext } from '../core/context.ts';
import type { RestoreJournal } from '../core/journal.ts';
import type { Manifest } from '../core/manifest.ts';
import type { nodePaths } from '../core/paths.ts';
import type { RunFn } from '../mongo/dump.ts';
import type { MongoTarget } from '../mongo/target.ts';
import type { NodeRef } from '../platform/ports.ts';
import type { Placement } from './placement.ts';
import type { RestoreScope } from './plan.ts';
import type { CountRow, RestoreLogVerdict } from './restore-log.ts';

/** A file saved before it is overwritten (existed false: it did not exist; the rollback removes it). */
export interface SavedFile {
  node: NodeRef;
  configured: string;
  local: string;
  existed: boolean;
  saved?: string;
}

/** A Keys folder saved before it is replaced as a whole. */
export interface SavedKeys {
  node: NodeRef;
  configured: string;
  local: string;
  existed: boolean;
  saved: string;
}

/** A restored file and whether it matches its manifest SHA-256 (the check step). */
export interface RestoredFile {
  path: string;
  node: string;
  target: string;
  ok: boolean;
}

/** What the in-process rollback puts back; filled by each step before it changes anything. */
export interface Rollback {
  files: SavedFile[];
  keys: SavedKeys[];
  /** The current controller tokens (memory only, never on disk). */
  tokens: Array<{ node: NodeRef; token: string }>;
  tokensChanged: NodeRef[];
  db?: { configured: string; local: string; preConfigured: string; preLocal: string; existed: boolean; moved: boolean };
  /** Self-managed: the pre-restore dump of the current database, restored back with --drop on failure. */
  selfDb?: { target: MongoTarget; dumpLocal: string; dumpConfigured: string; documents: number; restoreStarted: boolean };
}

/**
 * One restore: the shared run context (services ledger, settings, log), what the plan was built from,
 * and the rollback ledger with the journal's restore section (what a recovery would put back), which the
 * steps write before each change. Step results travel through the runner (StepResults), not through here.
 */
export interface RestoreRun {
  c: RunContext;
  archivePath: string;
  /** The archive's manifest as read for planning (the verify step checks the archive against it). */
  manifest: Manifest;
  scope: RestoreScope;
  restoreMode: BackupMode;
  selfManagedDb: boolean;
  stopsService: boolean;
  placements: Placement[];
  paths: ReturnType<typeof nodePaths>;
  folders: { temp: { configured: string; local: string }; extract: { configured: string; local: string }; pre: { configured: string; local: string } };
  secrets: Record<string, string | undefined>;
  params: Record<string, unknown>;
  run: RunFn;
  /** A drill has verified the archive already. */
  verified?: VerifyResult | undefined;
  /** Every check with its outcome, in order. */
  checks: Check[];
  badEntries: string[];
  /** Why the plan could not go past verify (raised once the archive verified). */
  planError?: unknown;
  /** The manifest, once the archive verified against it. */
  verifiedManifest?: Manifest | undefined;
  rb: Rollback;
  /** The journal's restore section; undefined until the extraction starts and once nothing is left to undo. */
  rj: RestoreJournal | undefined;
  /** True once a step has changed the server. */
  changed: boolean;
  /** Set by the pre-restore step: the pre-restore folder (local), unless nothing had to be saved. */
  preRestoreLocal?: string | undefined;
  /** Set by the extract step: the extraction folder exists (it holds the token in clear). */
  extracted: boolean;
  /** Set by the database step, also when it fails: the restore log's verdict and the counts (the result event's). */
  dbOutcome?: { verdict: RestoreLogVerdict; counts: CountRow[] } | undefined;
  /** Set by the pre-flight, also when it fails later: this server's Alteryx Server version (the result event's). */
  targetVersion?: string | null | undefined;
  /** Set by the check step, also when it fails: every restored file against the manifest. */
  restoredFiles?: RestoredFile[] | undefined;
}

/** Records a check (masked) and logs it. */
export function check(r: RestoreRun, name: string, ok: boolean, detail: string): void {
  r.checks.push({ name, ok, detail: r.c.log.masker.mask(detail) });
  r.c.log.log(ok ? 'INFO' : 'ERROR', `Check ${name}: ${ok ? 'ok' : 'FAILED'} - ${detail}`);
}

/** Writes the journal's restore section as it is now (or removes it). */
export function journal(r: RestoreRun): void {
  r.c.journal.restore(r.rj);
}

/** A password-free connection string, with any other secret option value masked too (for the journal and the log). */
export function maskAll(text: string, secrets: string[]): string {
  let out = text;
  for (const v of secrets) if (v) out = out.split(v).join('***');
  return out;
}
