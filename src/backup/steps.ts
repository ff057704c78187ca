import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { verifyArchive } from '../archive/verify.ts';
import { writeArchive } from '../archive/writer.ts';
import type { ArchiveInfo, RunContext, StagedFile } from '../core/context.ts';
import { sweepStalePartials } from '../core/cleanup.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { BackupStep, BackupStepOf } from '../core/plan.ts';
import type { StepResults, StepTable } from '../core/runner.ts';
import { checkSelfManaged, dumpSelfManaged, type SelfManagedChecked } from '../mongo/index.ts';
import type { NodeRef } from '../platform/ports.ts';
import { cloudRetention, probeCloud, uploadToCloud } from '../cloud/step.ts';
import { copyToDestinations, probeDestinations, type DestinationOutcome } from '../steps/destinations.ts';
import { countDocuments, dumpEmbedded, type DumpOutput } from '../steps/dump.ts';
import { captureFiles } from '../steps/files.ts';
import { captureMetadata } from '../steps/metadata.ts';
import { preflight } from '../steps/preflight.ts';
import { applyRetention } from '../steps/retention.ts';
import { exportSecrets } from '../steps/secrets.ts';
import { startService, stopService, waitForWorkflows } from '../steps/services.ts';
import { formatBytes } from '../util/format.ts';
import { writeFileAtomic, removeTree } from '../util/fsx.ts';
import { retryWhileBusy } from '../util/winfs.ts';

/** What the metadata step returns: metadata.json's content and the file itself. */
export interface MetadataOutput {
  metadata: Record<string, unknown>;
  files: StagedFile[];
}

/** The archive step's result: the written (not yet published) archive. */
export interface ArchiveOutput {
  archive: ArchiveInfo;
}

function nodeOf(ctx: RunContext, name: string): NodeRef {
  const node = ctx.nodes.find((n) => n.name === name);
  if (!node) throw new BackupError(ExitCode.General, `Internal error: the plan names node ${name}, which the platform does not have.`);
  return node;
}

/** The archive this run wrote (the archive step's result). */
function archiveOf(results: StepResults): ArchiveInfo {
  const a = results.get<ArchiveOutput>('archive')?.archive;
  if (!a) throw new BackupError(ExitCode.General, 'Internal error: no archive was written before this step.');
  return a;
}

/** Every file the capture steps staged, in the order they ran: the archive's content. */
function stagedFiles(results: StepResults): StagedFile[] {
  return [
    ...results.all<DumpOutput>('dump').flatMap((d) => d.files),
    ...results.all<StagedFile[]>('files').flat(),
    ...results.all<StagedFile[]>('secrets').flat(),
    ...results.all<MetadataOutput>('metadata').flatMap((m) => m.files),
  ];
}

/**
 * This run's dump with its document counts: the dump step's description, the counts of the count-documents step
 * (issue 15: counted after the service is back). Undefined without a dump.
 */
export function dumpOf(results: StepResults): DumpOutput['dump'] | undefined {
  const dump = results.get<DumpOutput>('dump')?.dump;
  const counts = results.get<DumpOutput['dump']['databases']>('count-documents');
  return dump && counts ? { ...dump, databases: counts } : dump;
}

/** The local archive, then the network copies, then the cloud uploads: where this run's archive is. */
export function destinationsOf(ctx: RunContext, results: StepResults): DestinationOutcome[] {
  const a = results.has('publish') ? results.get<ArchiveOutput>('archive')?.archive : undefined;
  if (!a) return [];
  const local: DestinationOutcome = {
    path: ctx.config.BackupConfiguration.LocalBackupPath,
    kind: 'local',
    status: 'ok',
    attempts: 1,
    archivePath: a.finalPath,
  };
  return [local, ...(results.get<DestinationOutcome[]>('copy') ?? []), ...results.all<DestinationOutcome>('cloud-upload')];
}

const staging = (ctx: RunContext) => fsp.mkdir(ctx.staging.local, { recursive: true });

async function checkServer(ctx: RunContext): Promise<void> {
  await preflight(ctx);
  await probeDestinations(ctx);
  await probeCloud(ctx); // cloud destinations (issue 16): endpoint and credentials, a warning when refused
}

/** REQ-6.2.1-6.2.5: the archive exists, is above the mode's minimum, opens, and matches its manifest. */
async function verifyStep(ctx: RunContext, a: ArchiveInfo): Promise<void> {
  const v = ctx.config.ValidationConfiguration;
  const min = v.MinimumBackupSizeMB[ctx.mode] * 1024 * 1024;
  if (!v.VerifyArchiveIntegrity) {
    ctx.log.warn('VerifyArchiveIntegrity is off: the archive was not reopened');
    return;
  }
  // Its own archive: the limit is at least the count it just wrote (a large captured folder is not hostile).
  const maxEntries = Math.max(ctx.config.RestoreConfiguration.MaxArchiveEntries, a.entries);
  // Its manifest's file list is not kept: nothing of this run reads it (100,000 files: tens of MB).
  const res = await verifyArchive(a.tempPath, { password: ctx.archivePassword, expectedSha256: a.sha256, minSizeBytes: min, maxEntries, keepFiles: false });
  for (const c of res.checks) ctx.log.log(c.ok ? 'INFO' : 'ERROR', `Verify ${c.name}: ${c.ok ? 'ok' : 'FAILED'} - ${c.detail}`);
  if (!res.ok) {
    const failed = res.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new BackupError(
      ExitCode.Validation,
      `The archive failed verification: ${failed.join('; ')}. It was not published.`,
      'See the log; set KeepStagingOnFailure to keep the staging folder for inspection.',
    );
  }
}

/** Publishes atomically: rename from the temporary name, then `<archive>.sha256` (sha256sum format). */
async function publish(ctx: RunContext, a: ArchiveInfo): Promise<void> {
  // A file another process holds for a moment (antivirus, indexer) is retried, then exit 4 naming it.
  await retryWhileBusy('publish the archive as', a.finalPath, () => fsp.rename(a.tempPath, a.finalPath));
  await writeFileAtomic(`${a.finalPath}.sha256`, `${a.sha256}  ${basename(a.finalPath)}\n`);
  ctx.log.success(`Archive published: ${a.finalPath} (${formatBytes(a.sizeBytes)}); checksum in ${basename(a.finalPath)}.sha256`);
}

/** The metadata step (steps/metadata.ts) fills its two slots of a context of its own; they become its result. */
async function metadataStep(ctx: RunContext, dump: DumpOutput['dump'] | undefined): Promise<MetadataOutput> {
  await staging(ctx);
  const own: RunContext = { ...ctx, files: [], metadata: {} };
  await captureMetadata(own, dump);
  return { metadata: own.metadata, files: own.files };
}

async function archiveStep(ctx: RunContext, results: StepResults): Promise<ArchiveOutput> {
  const serverVersion = results.get<MetadataOutput>('metadata')?.metadata['serverVersion'];
  return writeArchive(ctx, {
    files: stagedFiles(results),
    dump: dumpOf(results),
    secretsIncluded: results.has('secrets'),
    serverVersion: typeof serverVersion === 'string' ? serverVersion : null,
  });
}

/**
 * The backup's step table: each plan step (core/plan.ts BackupStep) to the module that does it. A step gets
 * its slice of the plan and the results of the steps before it, and returns its own.
 */
export const BACKUP_STEPS: StepTable<RunContext, BackupStep> = {
  preflight: { run: (_s, c) => checkServer(c), preview: (_s, c) => checkServer(c) },
  'mongo-check': { run: (_s, c) => checkSelfManaged(c), preview: (_s, c) => checkSelfManaged(c) },
  workflows: { run: (_s, c) => waitForWorkflows(c) },
  'stop-service': { run: (s, c) => stopService(c, nodeOf(c, (s as BackupStepOf<'stop-service'>).node)) },
  dump: {
    run: async (s, c, r) => {
      await staging(c);
      if ((s as BackupStepOf<'dump'>).mongoType === 'embedded') return dumpEmbedded(c);
      const checked = r.get<SelfManagedChecked>('mongo-check');
      if (!checked) throw new BackupError(ExitCode.General, 'Internal error: the self-managed dump runs after mongo-check.');
      return dumpSelfManaged(c, checked);
    },
  },
  files: {
    run: async (s, c) => {
      await staging(c);
      return captureFiles(c, s as BackupStepOf<'files'>);
    },
  },
  secrets: {
    run: async (_s, c) => {
      await staging(c);
      return exportSecrets(c);
    },
  },
  'count-documents': {
    run: (_s, c, r) => {
      const dump = r.get<DumpOutput>('dump')?.dump;
      if (!dump) throw new BackupError(ExitCode.General, 'Internal error: count-documents runs after the dump.');
      return countDocuments(c, dump);
    },
  },
  'start-service': { run: (s, c) => startService(c, nodeOf(c, (s as BackupStepOf<'start-service'>).node)) },
  metadata: { run: (_s, c, r) => metadataStep(c, r.get<DumpOutput>('dump')?.dump) },
  archive: { run: (_s, c, r) => archiveStep(c, r) },
  verify: { run: (_s, c, r) => verifyStep(c, archiveOf(r)) },
  publish: { run: (_s, c, r) => publish(c, archiveOf(r)) },
  copy: { run: (s, c, r) => copyToDestinations(c, archiveOf(r), (s as BackupStepOf<'copy'>).destinations) },
  // Issue 16: one cloud destination (src/cloud/step.ts); a failure is an outcome (exit 4), the others go on.
  'cloud-upload': { run: (s, c, r) => uploadToCloud(c, archiveOf(r), (s as BackupStepOf<'cloud-upload'>).destination) },
  // Only after a published, verified archive; destinations whose copy failed keep their older backups.
  retention: {
    run: (_s, c, r) => applyRetention(c, { backupSucceeded: true, destinations: destinationsOf(c, r), current: archiveOf(r).name }),
    preview: (_s, c) => applyRetention(c, { backupSucceeded: true }),
  },
  'cloud-retention': {
    run: (s, c, r) => {
      const name = (s as BackupStepOf<'cloud-retention'>).destination;
      return cloudRetention(c, name, r.get<DestinationOutcome>(`cloud-upload:${name}`), archiveOf(r).name);
    },
  },
  cleanup: {
    run: async (_s, c) => {
      await removeTree(c.staging.local);
      c.log.info(`Staging folder removed: ${c.staging.configured}`);
      // [hostile, issue 12] .partial files of killed runs and failed copies, at every destination (logged).
      const dirs = [c.config.BackupConfiguration.LocalBackupPath, ...c.config.BackupConfiguration.NetworkBackupPaths];
      await sweepStalePartials(
        dirs.map((d) => c.platform.paths.resolve(d)),
        c.log,
        c.startedAt,
      );
    },
  },
};
