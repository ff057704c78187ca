import { existsSync } from 'node:fs';
import { verifyArchive, type VerifyResult } from '../archive/verify.ts';
import { warn } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { StepTable } from '../core/runner.ts';
import type { SelfManagedChecked } from '../mongo/index.ts';
import type { NodeRef } from '../platform/ports.ts';
import { startService, stopService, waitForWorkflows } from '../steps/services.ts';
import { check, type RestoreRun } from './context.ts';
import { databaseStep } from './database.ts';
import { extractStep, filesStep, preRestoreStep, serverSecretStep } from './files.ts';
import type { RestoreStep, RestoreStepOf } from './plan.ts';
import { restorePreflight, type RestorePreflight } from './preflight.ts';
import { checkSelfManagedRestore } from './restore-selfmanaged.ts';
import { checkStep, removeExtraction } from './rollback.ts';

function nodeOf(r: RestoreRun, name: string): NodeRef {
  const node = r.c.nodes.find((n) => n.name === name);
  if (!node) throw new BackupError(ExitCode.General, `Internal error: the plan names node ${name}, which the platform does not have.`);
  return node;
}

/**
 * Verify, before anything is written on the server: every entry against the manifest, the .sha256 beside
 * the archive, safe names. A drill passes its own verification (no second pass). What kept the plan from
 * being built (the archive does not hold what is asked, a node without counterpart) is raised once the
 * archive verified, so that a broken archive is reported as such first.
 */
async function verifyStep(r: RestoreRun): Promise<VerifyResult> {
  const { c } = r;
  const sideCar = `${r.archivePath}.sha256`;
  const useSide = !r.params['SkipChecksumFile'] && existsSync(sideCar);
  const v =
    r.verified ??
    (await verifyArchive(r.archivePath, {
      password: r.secrets['ArchivePassword'],
      sha256File: useSide ? sideCar : undefined,
      maxEntries: c.config.RestoreConfiguration.MaxArchiveEntries,
    }));
  if (r.verified) c.log.info(`Archive verified by the caller: ${v.checks.length} checks, ${v.ok ? 'all passed' : 'FAILED'}`);
  else for (const x of v.checks) check(r, x.name, x.ok, x.detail);
  r.badEntries.push(...v.badEntries);
  if (!useSide && !r.verified) warn(c, `No ${sideCar.split(/[\\/]/).pop()} beside the archive: its own SHA-256 was not checked (the entries were)`);
  // realworld (issue 13): a legacy batch archive is named, with how to restore it by hand.
  if (v.legacy) throw new BackupError(ExitCode.Validation, `${v.legacy.message} Nothing was changed.`, v.legacy.hint);
  if (!v.ok || !v.manifest) {
    const failed = v.checks.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`);
    throw new BackupError(
      ExitCode.Validation,
      `The archive failed verification, nothing was changed: ${failed.join('; ')}.`,
      'Use another backup; run "verify" for the details.',
    );
  }
  r.verifiedManifest = v.manifest;
  if (r.planError) throw r.planError;
  return v;
}

/**
 * The restore's step table: each plan step (plan.ts RestoreStep) to the phase module that does it. A step
 * gets its slice of the plan and the results of the steps before it; what it changes it first writes into
 * the rollback ledger and the journal (context.ts), which the rollback `finally` (rollback.ts) reads.
 */
export const RESTORE_STEPS: StepTable<RestoreRun, RestoreStep> = {
  verify: { run: (_s, r) => verifyStep(r), preview: (_s, r) => verifyStep(r) },
  preflight: { run: (_s, r) => restorePreflight(r), preview: (_s, r) => restorePreflight(r) },
  'mongo-check': { run: (_s, r) => checkSelfManagedRestore(r.c, r.run), preview: (_s, r) => checkSelfManagedRestore(r.c, r.run) },
  extract: { run: (_s, r) => extractStep(r) },
  workflows: { run: (_s, r) => waitForWorkflows(r.c) },
  'stop-service': { run: (s, r) => stopService(r.c, nodeOf(r, (s as RestoreStepOf<'stop-service'>).node)) },
  'pre-restore': { run: (_s, r, res) => preRestoreStep(r, res.get<SelfManagedChecked>('mongo-check')) },
  files: { run: (_s, r) => filesStep(r) },
  'server-secret': { run: (_s, r, res) => serverSecretStep(r, res.get<{ token: string | undefined }>('extract')?.token) },
  database: { run: (_s, r, res) => databaseStep(r, res.get<SelfManagedChecked>('mongo-check'), res.get<RestorePreflight>('preflight')) },
  'start-service': { run: (s, r) => startService(r.c, nodeOf(r, (s as RestoreStepOf<'start-service'>).node)) },
  check: { run: (_s, r) => checkStep(r) },
  cleanup: { run: (_s, r) => removeExtraction(r) },
};
