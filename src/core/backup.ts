import { promises as fsp } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { BackupConfig, BackupMode } from '../config/schema.ts';
import { RunLogger, fileStamp } from '../log/logger.ts';
import type { NodeRef, Platform } from '../platform/ports.ts';
import { captureMetadata } from '../steps/metadata.ts';
import { exportSecrets } from '../steps/secrets.ts';
import { captureFiles } from '../steps/files.ts';
import { dumpEmbedded } from '../steps/dump.ts';
import { checkSelfManaged, dumpSelfManaged } from '../mongo/index.ts';
import { nodePaths, preflight } from '../steps/preflight.ts';
import { restoreServices, stopServices, waitForWorkflows } from '../steps/services.ts';
import { writeArchive } from '../steps/archive.ts';
import { copyToDestinations, probeDestinations, type DestinationOutcome } from '../steps/destinations.ts';
import { applyRetention } from '../steps/retention.ts';
import { cloudRetention, copyToCloud, probeCloud } from '../cloud/step.ts';
import { notifyRun, smtpPassword } from '../alerts/index.ts';
import { verifyArchive } from '../restore/verify.ts';
import { drillAfterBackup } from '../restore/drill.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { writeFileAtomic } from '../util/fsx.ts';
import { realClock, joinConfigured, newRunContext, warn, type RunContext, type RunDeps, type RunRequest } from './context.ts';
import { BackupError, ExitCode, describeError, exitCodeNames, exitCodeOf, type ExitCodeValue } from './errors.ts';
import { acquireLock, JournalFile } from './lock.ts';
import { detectMongoType } from './mongo-detect.ts';
import { buildPlan } from './plan.ts';
import { EffectiveSettings, readRuntimeSettings } from './settings.ts';
import { recoverFromJournal, recoveryBlocks } from './recover.ts';

export type BackupRequest = RunRequest;
export type BackupDeps = RunDeps;

export interface BackupResult {
  type: 'result';
  exitCode: ExitCodeValue;
  success: boolean;
  mode: BackupMode | null;
  message: string;
  archivePath: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  durationMs: number;
  logPath: string | null;
  destinations: DestinationOutcome[];
  warnings: string[];
  dryRun: boolean;
  stagingPath: string | null;
  summary: Record<string, unknown>;
}

async function readSettings(ctx: RunContext, node: NodeRef): Promise<void> {
  const p = nodePaths(ctx);
  // Missing: undefined; unreadable or malformed: exit 3 naming the file (REQ-2.2.4).
  const read = (configured: string) => readRuntimeSettings(ctx.platform.paths.resolve(configured, node), configured);
  ctx.settings.set(node.name, new EffectiveSettings(await read(p.overrides), await read(p.defaults)));
}

/**
 * One backup run: configuration, plan, pre-flight, the steps, and — whatever happens after a service was
 * stopped — rollback that puts every service back the way it was found. Returns the result event;
 * never throws.
 */
export async function runBackup(req: BackupRequest, deps: BackupDeps): Promise<BackupResult> {
  const clock = deps.clock ?? realClock;
  const t0 = clock.now();
  const startedAt = deps.now ? deps.now() : new Date();
  const log = new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  log.masker.add(smtpPassword(req.secrets));
  const signal = deps.signal ?? new AbortController().signal;

  let ctx: RunContext | undefined;
  let platform: Platform | undefined;
  let mode: BackupMode | null = null;
  let release: (() => void) | undefined;
  let exitCode: ExitCodeValue = ExitCode.Success;
  let message = '';
  let destinations: DestinationOutcome[] = [];
  let published = false;
  let finishedLogged = false;
  let loadedConfig: BackupConfig | undefined;

  try {
    const loaded = loadConfig(req.params);
    mode = loaded.mode;
    const config = loaded.config;
    loadedConfig = config;
    platform = deps.platform(req.params, config);
    const logDir = platform.paths.resolve(config.BackupConfiguration.LogDirectory);
    const logPath = log.attachFiles(logDir, mode, startedAt);
    log.info(`AlteryxBackup started: mode ${mode}${req.dryRun ? ' (dry run: nothing will be changed)' : ''} on ${platform.description}`);
    log.info(`Configuration: ${loaded.source ?? 'built-in defaults'}${loaded.overridden.length ? `; overridden by parameters: ${loaded.overridden.join(', ')}` : ''}`);
    log.debug(`Effective configuration: ${JSON.stringify(log.masker.maskDeep(config))}`);

    const stamp = fileStamp(startedAt);
    const tempConfigured = config.BackupConfiguration.TempDirectory;
    const stagingConfigured = joinConfigured(tempConfigured, `ServerBackup_${mode}_${stamp}`);
    const nodes = platform.nodes;
    const tempLocal = platform.paths.resolve(tempConfigured);
    const plan = buildPlan({ mode, mongoType: 'embedded', stopServiceForExternalDB: false, multiNode: nodes.length > 1 });
    ctx = newRunContext({ mode, config, plan, platform, log, clock, signal, progress: deps.progress, startedAt, stamp, req, staging: stagingConfigured, journal: { dir: tempLocal, mode } });
    const controller = ctx.controller;
    const journalHead = { pid: process.pid, startedAt: startedAt.toISOString(), mode, logPath };
    const c = ctx;
    for (const node of nodes) await readSettings(c, node);
    const decision = detectMongoType(config.MongoDBConfiguration.Type, c.settings.get(controller.name));
    c.mongo = decision;
    c.plan = buildPlan({ mode, mongoType: decision.type, stopServiceForExternalDB: config.ServiceConfiguration.StopServiceForExternalDB, multiNode: c.multiNode });
    if (c.plan.scopes.includes('Database')) log.info(`MongoDB: ${decision.type} (decided by ${decision.decidedBy})`);
    log.info(`Nodes: ${nodes.map((n) => `${n.name} (${n.role})`).join(', ')}`);
    log.info(`Plan: ${c.plan.steps.map((s) => s.name).join(' -> ')}`);
    deps.plan?.(c.plan.steps);

    if (req.dryRun) {
      for (const s of c.plan.steps) log.info(`Would ${s.description.charAt(0).toLowerCase()}${s.description.slice(1)}`);
      await step(c, 'preflight', async () => {
        await preflight(c);
        await probeDestinations(c);
        await probeCloud(c); // cloud destinations (issue 16): endpoint and credentials, a warning when refused
      });
      if (c.mongo.type === 'selfManaged' && c.plan.scopes.includes('Database')) await step(c, 'mongo-check', () => checkSelfManaged(c));
      await step(c, 'retention', () => applyRetention(c, { backupSucceeded: true }));
      message = `Dry run of a ${mode} backup: pre-flight passed; nothing was changed.`;
      return finish();
    }

    await fsp.mkdir(tempLocal, { recursive: true });
    const lock = acquireLock(tempLocal, journalHead);
    release = lock.release;
    if (lock.staleFrom) warn(c, `A previous run (pid ${lock.staleFrom.pid}, ${lock.staleFrom.mode}, started ${lock.staleFrom.startedAt}) ended without finishing (killed or crashed); see its log${lock.staleFrom.logPath ? ` ${lock.staleFrom.logPath}` : ''}`);
    const leftover = JournalFile.read(tempLocal);
    if (leftover && leftover.pid !== process.pid) {
      const rep = await recoverFromJournal(platform, leftover, log, tempLocal, config.ServiceConfiguration.MaxServiceWaitSeconds * 1000);
      c.warnings.push(`The previous run (pid ${leftover.pid}, ${leftover.mode}, started ${leftover.startedAt}) was interrupted; ${rep.restore ? 'what its restore changed and its services were' : 'its services were'} put back before this run${rep.complete ? '' : ` (not completely: ${rep.summary})`}.`);
      for (const m of rep.restore?.manual ?? []) c.warnings.push(`The interrupted restore left this to do by hand: ${m}`);
      if (recoveryBlocks(rep)) {
        throw new BackupError(
          ExitCode.General,
          `The interrupted restore (run ${leftover.pid}) could not be rolled back completely: ${rep.restore!.failed.join('; ')}. Nothing was backed up: a backup now would capture a half-restored server.`,
          `Fix the cause (see the log), then run "alteryx-backup recover"; the pre-restore copy is in ${rep.restore!.preRestorePath}.`,
        );
      }
    }

    await step(c, 'preflight', async () => {
      await preflight(c);
      await probeDestinations(c);
      await probeCloud(c); // cloud destinations (issue 16): endpoint and credentials, a warning when refused
    });
    // Self-managed MongoDB: reachable, credentials accepted, mongodump present, before anything stops (REQ-2.2.6).
    const selfManaged = c.mongo.type === 'selfManaged' && c.plan.scopes.includes('Database') ? await step(c, 'mongo-check', () => checkSelfManaged(c)) : undefined;
    await fsp.mkdir(c.staging.local, { recursive: true });
    if (c.plan.stopsService) {
      await step(c, 'workflows', () => waitForWorkflows(c));
      await step(c, 'stop-service', () => stopServices(c));
    }
    const has = (s: string) => c.plan.steps.some((p) => p.name === s);
    if (has('dump')) await step(c, 'dump', () => (selfManaged ? dumpSelfManaged(c, selfManaged) : dumpEmbedded(c)));
    if (has('files')) await step(c, 'files', () => captureFiles(c));
    if (has('secrets')) await step(c, 'secrets', () => exportSecrets(c));
    if (c.plan.stopsService) {
      await step(c, 'start-service', () => restoreServices(c));
      if (c.downtime.stoppedAt !== undefined && c.downtime.startedAt !== undefined) {
        log.info(`Service downtime: ${formatDuration(c.downtime.startedAt - c.downtime.stoppedAt)}`);
      }
    }
    if (has('metadata')) await step(c, 'metadata', () => captureMetadata(c));
    await step(c, 'archive', () => writeArchive(c));
    await step(c, 'verify', () => verifyStep(c));
    await step(c, 'publish', () => publish(c));
    published = true;
    destinations = [{ path: config.BackupConfiguration.LocalBackupPath, kind: 'local', status: 'ok', attempts: 1, archivePath: c.archive!.finalPath }];
    if (config.BackupConfiguration.NetworkBackupPaths.length) {
      const net = await step(c, 'copy', () => copyToDestinations(c));
      destinations.push(...net);
    }
    // Cloud destinations (issue 16, src/cloud/step.ts): upload + check after the network copies; failures count as exit 4 below.
    if (config.BackupConfiguration.CloudDestinations.length) destinations.push(...(await step(c, 'cloud-upload', () => copyToCloud(c))));
    // Only after a published, verified archive; destinations whose copy failed keep their older backups.
    await step(c, 'retention', () => applyRetention(c, { backupSucceeded: true, destinations }));
    // Cloud retention (issue 16): same planner, in each bucket/container whose upload succeeded; locked objects are kept.
    if (config.BackupConfiguration.CloudDestinations.length) await step(c, 'cloud-retention', () => cloudRetention(c, destinations));
    await step(c, 'cleanup', async () => {
      await fsp.rm(c.staging.local, { recursive: true, force: true });
      log.info(`Staging folder removed: ${c.staging.configured}`);
    });
    const failed = destinations.filter((d) => d.status !== 'ok');
    if (failed.length) {
      exitCode = ExitCode.Storage;
      message = `Backup written, but ${failed.length} destination(s) failed: ${failed.map((d) => (d.name ? `${d.error}` : `${d.path} (${d.error})`)).join('; ')}`;
      log.error(message);
    } else {
      message = `${mode} backup completed: ${c.archive!.finalPath}`;
    }
  } catch (err) {
    exitCode = signal.aborted ? ExitCode.General : exitCodeOf(err);
    message = signal.aborted ? `The backup was interrupted (${String(signal.reason ?? 'signal')}).` : describeError(err);
    log.error(message);
    if (!(err instanceof BackupError) && err instanceof Error && err.stack) log.debug(err.stack);
  } finally {
    if (ctx) {
      // Rollback: whatever happened, services go back to the state they were found in.
      if (ctx.services.some((s) => s.stoppedByUs && !s.restarted)) {
        ctx.log.warn('Rolling back: starting the services this run stopped');
        try {
          await restoreServices({ ...ctx, signal: new AbortController().signal });
        } catch (err) {
          const m = `Rollback could not start every service: ${describeError(err)}`;
          ctx.log.error(m);
          if (exitCode === ExitCode.Success) exitCode = exitCodeOf(err);
          message = message ? `${message} ${m}` : m;
        }
      }
      if (ctx.archive && !published) await fsp.rm(ctx.archive.tempPath, { force: true }).catch(() => {});
      if (exitCode !== ExitCode.Success && !published) {
        const kept = await fsp.stat(ctx.staging.local).then(() => true, () => false);
        if (kept) ctx.log.info(`The staging folder is kept for inspection: ${ctx.staging.configured}`);
      }
    }
    release?.();
    await platform?.dispose().catch(() => {});
  }
  const result = finish();
  // RestoreConfiguration.DrillAfterBackup: prove that the archive just published restores (docs/restore.md).
  if (result.success && !req.dryRun && loadedConfig?.RestoreConfiguration.DrillAfterBackup) await drillAfterBackup(result, req, deps, loadedConfig);
  // Alerts come last, once the outcome is known; they never change it (failures are warnings).
  if (loadedConfig && !req.dryRun) {
    const n = await notifyRun({
      config: loadedConfig,
      outcome: result,
      log,
      hostname: platform?.system.hostname() ?? osHostname(),
      startedAt,
      dryRun: req.dryRun,
      params: req.params,
      secrets: req.secrets,
    });
    result.warnings = [...result.warnings, ...n.warnings];
  }
  return result;

  function finish(): BackupResult {
    const durationMs = clock.now() - t0;
    const a = ctx?.archive;
    const downtimeMs = ctx?.downtime.stoppedAt !== undefined && ctx.downtime.startedAt !== undefined ? ctx.downtime.startedAt - ctx.downtime.stoppedAt : 0;
    const summary = {
      mode,
      exitStatus: `${exitCode} (${exitCodeNames[exitCode]})`,
      files: ctx?.files.length ?? 0,
      archiveEntries: a?.entries ?? 0,
      archiveBytes: a?.sizeBytes ?? 0,
      dumpBytes: ctx?.dump?.sizeBytes ?? 0,
      dumpDocuments: ctx?.dump ? Object.values(ctx.dump.databases).reduce((n, c) => n + Object.values(c).reduce((x, y) => x + y, 0), 0) : 0,
      downtimeMs,
      stepDurationsMs: ctx?.stepDurations ?? {},
      destinations: destinations.map((d) => `${d.path}: ${d.status}`),
      warnings: ctx?.warnings.length ?? 0,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    if (!finishedLogged) {
      finishedLogged = true;
      log.setStep('summary');
      if (ctx) {
        log.info(`Summary: mode ${mode}, ${summary.files} files, archive ${a ? formatBytes(a.sizeBytes) : '-'}, downtime ${formatDuration(downtimeMs)}, steps ${Object.entries(summary.stepDurationsMs).map(([k, v]) => `${k} ${formatDuration(v)}`).join(', ')}`);
      }
      log.info(`Completed at ${new Date().toISOString()} after ${formatDuration(durationMs)}; exit code ${exitCode} (${exitCodeNames[exitCode]})`);
      if (exitCode === ExitCode.Success) log.success(message);
    }
    return {
      type: 'result',
      exitCode,
      success: exitCode === ExitCode.Success,
      mode,
      message: log.masker.mask(message),
      archivePath: published && a ? a.finalPath : null,
      sha256: published && a ? a.sha256 : null,
      sizeBytes: published && a ? a.sizeBytes : null,
      durationMs,
      logPath: log.logPath ?? null,
      destinations,
      warnings: ctx?.warnings ?? [],
      dryRun: req.dryRun,
      stagingPath: ctx && exitCode !== ExitCode.Success && !published ? ctx.staging.local : null,
      summary,
    };
  }
}
async function step<T>(ctx: RunContext, name: string, fn: () => Promise<T>): Promise<T> {
  if (ctx.signal.aborted) throw new BackupError(ExitCode.General, 'Interrupted.');
  ctx.log.setStep(name);
  const t = ctx.clock.now();
  try {
    return await fn();
  } finally {
    ctx.stepDurations[name] = ctx.clock.now() - t;
  }
}

/** REQ-6.2.1-6.2.5: the archive exists, is above the mode's minimum, opens, and matches its manifest. */
async function verifyStep(ctx: RunContext): Promise<void> {
  const a = ctx.archive!;
  const v = ctx.config.ValidationConfiguration;
  const min = v.MinimumBackupSizeMB[ctx.mode] * 1024 * 1024;
  if (!v.VerifyArchiveIntegrity) {
    ctx.log.warn('VerifyArchiveIntegrity is off: the archive was not reopened');
    return;
  }
  const res = await verifyArchive(a.tempPath, { password: ctx.archivePassword, expectedSha256: a.sha256, minSizeBytes: min });
  for (const c of res.checks) ctx.log.log(c.ok ? 'INFO' : 'ERROR', `Verify ${c.name}: ${c.ok ? 'ok' : 'FAILED'} - ${c.detail}`);
  if (!res.ok) {
    const failed = res.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new BackupError(ExitCode.Validation, `The archive failed verification: ${failed.join('; ')}. It was not published.`, 'See the log; the staging folder is kept.');
  }
}

/** Publishes atomically: rename from the temporary name, then `<archive>.sha256` (sha256sum format). */
async function publish(ctx: RunContext): Promise<void> {
  const a = ctx.archive!;
  await fsp.rename(a.tempPath, a.finalPath);
  await writeFileAtomic(`${a.finalPath}.sha256`, `${a.sha256}  ${basename(a.finalPath)}\n`);
  ctx.log.success(`Archive published: ${a.finalPath} (${formatBytes(a.sizeBytes)}); checksum in ${basename(a.finalPath)}.sha256`);
}

