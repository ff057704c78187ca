import { existsSync, mkdirSync, mkdtempSync, promises as fsp, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, validateMode, type Params } from '../config/load.ts';
import type { BackupConfig, BackupMode } from '../config/schema.ts';
import { realClock, type RunDeps, type RunRequest } from '../core/context.ts';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import type { BackupResult } from '../core/backup.ts';
import type { Manifest } from '../core/manifest.ts';
import { MODE_SUFFIX, type PlannedStep } from '../core/plan.ts';
import { RunLogger, fileStamp } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import { sandboxPlatform } from '../platform/sandbox/adapter.ts';
import { copyToolKnobs, createSandbox, databaseDocumentCounts, fullVersion, openSandbox, readSandboxFile, setKnob } from '../sandbox/index.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { compareCounts, restoreFailureMessage, totalDocuments, type CountRow, type RestoreLogVerdict } from './restore-log.ts';
import { runRestore, type RestoreResult } from './restore.ts';
import { restoredDatabases } from './restore-selfmanaged.ts';
import { chooseDrillMethod, chooseDrillPort, countScratch, drillTools, isSecret, liveEmbeddedPort, restoreIntoScratch, scratchBytesNeeded, startScratchMongod, type DrillMethod, type ScratchMongod } from './drill-mongod.ts';
import { extractArchive } from './extract.ts';
import { closeRun } from './result.ts';
import { DrillJournalFile, recoverDrill } from './drill-journal.ts';
import { parseRuntimeSettings } from '../core/settings.ts';
import { verifyArchive, type Check } from './verify.ts';

/** params: Path (archive; newest of BackupMode in LocalBackupPath when absent), SandboxPath, ConfigPath, ScratchPath, Keep. */
export type DrillRequest = RunRequest;
export type DrillDeps = RunDeps;

export interface DrillResult {
  type: 'result';
  command: 'drill';
  exitCode: ExitCodeValue;
  success: boolean;
  message: string;
  archivePath: string | null;
  mode: BackupMode | null;
  dryRun: boolean;
  durationMs: number;
  logPath: string | null;
  warnings: string[];
  /** The archive's verification, then the scratch restore's checks, then the drill's own. */
  checks: Check[];
  badEntries: string[];
  /** Per database and collection: the manifest's count at dump time, the restore log's, the scratch database's. */
  counts: CountRow[];
  documents: { expected: number; restored: number | null; actual: number | null };
  restoreLog: RestoreLogVerdict | null;
  restore: Pick<RestoreResult, 'exitCode' | 'message' | 'rolledBack'> | null;
  timingsMs: Record<string, number>;
  /** sandbox: a scratch sandbox; mongod: a scratch mongod on a spare port (a server's drill). */
  method: DrillMethod | null;
  /** The scratch mongod's loopback port (method mongod). */
  port: number | null;
  scratchPath: string | null;
  kept: boolean;
}

/** The steps of a drill, per method (DrillMethod): a scratch sandbox, or a scratch mongod on a server. */
export function drillSteps(method: DrillMethod): PlannedStep[] {
  const verify = { name: 'verify', description: 'Verify the archive: every entry against its manifest SHA-256 and the .sha256 beside it', changesState: false };
  const count = { name: 'count', description: 'Count the documents of every collection in the scratch database and compare them with the manifest', changesState: false };
  if (method === 'mongod') {
    return [
      verify,
      { name: 'scratch', description: 'Extract the archive (secrets excepted) into a scratch folder and start a second MongoDB (the install\'s mongod.exe) on a spare loopback port; the live service, its data folder and its port are not touched', changesState: false },
      { name: 'restore', description: 'Restore the archive\'s dump into the scratch MongoDB with mongorestore and judge its output as mongoRestore.log', changesState: false },
      count,
      { name: 'cleanup', description: 'Shut the scratch MongoDB down and remove the scratch folder (unless -Keep)', changesState: false },
    ];
  }
  return [
    verify,
    { name: 'scratch', description: 'Create a scratch server of the same version and topology (the live server is not touched)', changesState: false },
    { name: 'restore', description: 'Restore the archive into the scratch server (files, token, emongorestore or, for a self-managed MongoDB, mongorestore) and judge the restore log', changesState: false },
    count,
    { name: 'cleanup', description: 'Remove the scratch server (unless -Keep)', changesState: false },
  ];
}

/** The newest archive this tool (or the legacy script) named in `dir`, of `mode` when given. */
export function newestArchive(dir: string, mode?: BackupMode): string | undefined {
  if (!existsSync(dir)) return undefined;
  const re = mode ? new RegExp(`^ServerBackup_${MODE_SUFFIX[mode]}_\\d{8}_\\d{6}\\.zip$`) : /^ServerBackup_(?:(?:Full|DB|Config)_)?\d{8}_\d{6}\.zip$/;
  const stamp = (n: string) => /(\d{8}_\d{6})\.zip$/.exec(n)?.[1] ?? '';
  const names = readdirSync(dir).filter((n) => re.test(n) && statSync(join(dir, n)).isFile());
  names.sort((a, b) => stamp(b).localeCompare(stamp(a)) || statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs);
  return names[0] ? join(dir, names[0]) : undefined;
}

/**
 * A restore drill (docs/restore.md; dbatools' Test-DbaLastBackup is the model): verify the archive,
 * restore it into a fresh scratch server without touching the live one, count every collection against
 * the manifest, judge the restore log, time each part, and remove the scratch server unless Keep.
 * Returns the result event; never throws.
 */
export async function runDrill(req: DrillRequest, deps: DrillDeps): Promise<DrillResult> {
  const clock = deps.clock ?? realClock;
  const t0 = clock.now();
  const startedAt = deps.now ? deps.now() : new Date();
  const log = new RunLogger(deps.sink);
  for (const v of Object.values(req.secrets)) log.masker.add(v);
  const timings: Record<string, number> = {};
  const checks: Check[] = [];
  const warnings: string[] = [];
  let badEntries: string[] = [];
  let exitCode: ExitCodeValue = ExitCode.Success;
  let message = '';
  let archivePath: string | null = null;
  let manifest: Manifest | undefined;
  let counts: CountRow[] = [];
  let restore: RestoreResult | undefined;
  let scratchRoot: string | undefined;
  let scratchRemove: string | undefined;
  let actualTotal: number | null = null;
  let method: DrillMethod | null = null;
  let port: number | null = null;
  let restoreLog: RestoreLogVerdict | null = null;
  let mongod: ScratchMongod | undefined;
  let journal: DrillJournalFile | undefined;
  const keep = !!req.params['Keep'];
  let platform: Platform | undefined;
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    log.setStep(name);
    const s = clock.now();
    try {
      return await fn();
    } finally {
      timings[name] = clock.now() - s;
    }
  };
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail: log.masker.mask(detail) });
    log.log(ok ? 'INFO' : 'ERROR', `Check ${name}: ${ok ? 'ok' : 'FAILED'} - ${detail}`);
  };

  try {
    const mode = req.params['BackupMode'] === undefined || req.params['BackupMode'] === null ? undefined : validateMode(req.params['BackupMode'], '-BackupMode');
    const loaded = loadConfig(req.params);
    const config = loaded.config;
    platform = deps.platform(req.params, config);
    const live = platform;
    log.attachFiles(live.paths.resolve(config.BackupConfiguration.LogDirectory), 'Drill', startedAt);
    const raw = req.params['Path'];
    if (typeof raw === 'string' && raw) archivePath = resolve(raw);
    else {
      const dir = live.paths.resolve(config.BackupConfiguration.LocalBackupPath);
      archivePath = newestArchive(dir, mode) ?? null;
      if (!archivePath) throw new BackupError(ExitCode.Validation, `No ${mode ?? ''} archive to drill in ${config.BackupConfiguration.LocalBackupPath}.`.replace('  ', ' '), 'Give the archive (-Path) or take a backup first.');
      log.info(`Newest ${mode ?? ''} archive: ${archivePath}`.replace('  ', ' '));
    }
    log.info(`AlteryxBackup restore drill started${req.dryRun ? ' (dry run)' : ''}: ${archivePath} (live server: ${live.description}; it is not touched)`);
    // A drill killed earlier may have left a scratch mongod and folder: end and remove them first.
    const tempLocal = live.paths.resolve(config.BackupConfiguration.TempDirectory);
    if (!req.dryRun) {
      const leftover = await recoverDrill(tempLocal, log);
      if (leftover?.running) throw new BackupError(ExitCode.General, `Another drill (pid ${leftover.pid}, started ${leftover.startedAt}) is running.`, 'Wait for it to finish; drills run one at a time.');
      if (leftover) warnings.push(`The previous drill (pid ${leftover.pid}, started ${leftover.startedAt}) was interrupted: ${leftover.mongod ? `its scratch mongod was ${leftover.mongod}, ` : ''}its scratch folder ${leftover.scratchRemoved ? 'was removed' : 'was left'} (${leftover.scratch}).`);
    }
    const startJournal = (scratch: string) => {
      mkdirSync(tempLocal, { recursive: true });
      journal = new DrillJournalFile(tempLocal);
      journal.write({ pid: process.pid, startedAt: startedAt.toISOString(), archive: archivePath!, scratch, keep });
    };
    method = chooseDrillMethod(req.params['Method'], config.RestoreConfiguration.DrillMethod, live.kind);
    const steps = drillSteps(method);
    log.info(`Drill method: ${method === 'mongod' ? 'a scratch MongoDB (mongod) on a spare loopback port' : 'a scratch sandbox'}`);
    deps.plan?.(steps);

    // 1. Verify: exit 3 naming what failed, before any scratch server exists.
    const sideCar = `${archivePath}.sha256`;
    const useSide = !req.params['SkipChecksumFile'] && existsSync(sideCar);
    const v = await timed('verify', () => verifyArchive(archivePath!, { password: req.secrets['ArchivePassword'], sha256File: useSide ? sideCar : undefined }));
    for (const c of v.checks) check(c.name, c.ok, c.detail);
    badEntries = v.badEntries;
    if (!useSide) {
      warnings.push(`No .sha256 beside ${archivePath}: the archive's own SHA-256 was not checked`);
      log.warn(warnings.at(-1)!);
    }
    // realworld (issue 13): a legacy batch archive is named, with how to restore it by hand.
    if (v.legacy) throw new BackupError(ExitCode.Validation, v.legacy.message, v.legacy.hint);
    if (!v.ok || !v.manifest) {
      const failed = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
      throw new BackupError(ExitCode.Validation, `The archive failed verification: ${failed.join('; ')}.`, 'This backup cannot be trusted: take a new one.');
    }
    manifest = v.manifest;
    const m = manifest;
    if (req.dryRun) {
      for (const s of steps.slice(1)) log.info(`Would ${s.description.charAt(0).toLowerCase()}${s.description.slice(1)}`);
      message = `Dry run of a drill of ${archivePath}: the archive verified; no scratch server was created.`;
      return finish();
    }

    // 2. The scratch location: a folder of its own under ScratchPath (default: the system temp folder).
    const selfManaged = m.mongo.type === 'selfManaged';
    const parent = typeof req.params['ScratchPath'] === 'string' && req.params['ScratchPath'] ? resolve(req.params['ScratchPath']) : tmpdir();
    await fsp.mkdir(parent, { recursive: true });
    // Self-managed: mongorestore writes the Alteryx databases only (--nsInclude); those are compared.
    const expected = selfManaged ? restoredDatabases(m.mongo.databases) : m.mongo.databases;
    // The restored database's own counts; undefined when it cannot be counted (the restore log's counts remain).
    let actualCounts: () => Promise<Record<string, Record<string, number>> | undefined>;
    let notCounted: string | undefined;
    if (method === 'mongod') {
      const rc = config.RestoreConfiguration;
      const env = live.childEnv();
      const mongorestore = await timed('scratch', async () => {
        const tools = await drillTools(live, config);
        const livePort = await liveEmbeddedPort(live, config);
        const requested = req.params['Port'] === undefined || req.params['Port'] === null ? rc.DrillPort : Number(req.params['Port']);
        if (!Number.isInteger(requested) || requested < 0 || requested > 65535) throw new BackupError(ExitCode.Validation, `-Port must be a whole number from 0 to 65535, not ${JSON.stringify(req.params['Port'])}.`);
        port = await chooseDrillPort(requested, livePort);
        const needed = scratchBytesNeeded(m);
        const free = await live.system.freeBytes(parent);
        if (free < needed) {
          throw new BackupError(ExitCode.Storage, `The scratch folder ${parent} has ${formatBytes(free)} free; the drill needs about ${formatBytes(needed)}.`, 'Point -ScratchPath (RestoreConfiguration.DrillScratchDirectory) at a volume with more space.');
        }
        scratchRoot = mkdtempSync(join(parent, `AlteryxDrill_${fileStamp(startedAt)}_`));
        scratchRemove = scratchRoot;
        startJournal(scratchRoot);
        log.info(`Scratch folder: ${scratchRoot} (${formatBytes(free)} free, about ${formatBytes(needed)} needed)`);
        // Everything but the secrets, each checked against its manifest SHA-256 while written.
        const ex = await extractArchive(archivePath!, join(scratchRoot, 'archive'), m.files, (f) => !isSecret(f.path), {
          password: req.secrets['ArchivePassword'],
          onFile: (d, t, n) => deps.progress({ activity: 'Drill: extracting the archive', status: n, percent: Math.round((d / t) * 100) }),
        });
        const settings = ex.files.filter((f) => /(^|\/)Config\/RuntimeSettings\.xml$/.test(f.path));
        for (const f of settings) parseRuntimeSettings(await fsp.readFile(f.local, 'utf8'), f.path);
        check(
          'scratch files',
          true,
          `${ex.files.length} files (${formatBytes(ex.bytes)}) extracted, each equal to its manifest SHA-256${settings.length ? `; RuntimeSettings.xml parses (${settings.length} node${settings.length > 1 ? 's' : ''})` : ''}; secrets verified in the archive, not written`,
        );
        const mongodPort = port;
        if (m.mongo.dumped) {
          mongod = await startScratchMongod({
            exe: tools.mongod.local,
            scratch: scratchRoot,
            port,
            env,
            timeoutMs: rc.DrillStartTimeoutSeconds * 1000,
            log,
            signal: deps.signal,
            onSpawn: (pid) => journal?.update({ mongod: { pid, port: mongodPort } }),
          });
        }
        return tools.mongorestore.local;
      });
      // 3. Restore into it.
      if (mongod) {
        const dumpDir = join(scratchRoot!, 'archive', 'MongoDB');
        await timed('restore', async () => {
          deps.progress({ activity: 'Drill: restoring MongoDB', status: `mongorestore into 127.0.0.1:${port}`, percent: -1 });
          const r = await restoreIntoScratch({
            exe: mongorestore,
            dumpDir,
            port: port!,
            gzip: m.mongo.gzip,
            selfManaged,
            scratch: scratchRoot!,
            env,
            timeoutMs: config.MongoDBConfiguration.SelfManagedMongoDB.DumpTimeoutMinutes * 60_000,
            log,
            signal: deps.signal,
          });
          restoreLog = r.verdict;
          check('restore log', r.verdict.ok, `${r.verdict.summary} (${r.logPath})`);
          // realworld (issue 13): an unverifiable restore (`done` only) has a message of its own.
          const unverified = r.verdict.unverifiable ? restoreFailureMessage(r.verdict, 'The scratch restore') : undefined;
          if (!r.verdict.ok) throw new BackupError(ExitCode.MongoDB, unverified?.message ?? `The scratch restore failed: ${r.verdict.summary}.`, unverified?.hint ?? 'The archive verified but its dump does not restore: take a new backup and look at mongoRestore.log in the scratch folder (-Keep keeps it).');
        });
      }
      actualCounts = async () => {
        if (!mongod?.driverRefusal) return countScratch(port!);
        notCounted = `the scratch MongoDB's version is older than the driver supports (4.4), so the counts are the restore log's`;
        warnings.push(`Drill: ${notCounted}.`);
        log.warn(`Drill: ${notCounted}`);
        return undefined;
      };
    } else {
      const source = openSandbox(String(req.params['SandboxPath']));
      const version = m.serverVersion && /^\d{4}\.\d+\.\d+\.\d+$/.test(m.serverVersion) ? m.serverVersion : source.version;
      const topology = m.nodes.length > 1 ? 'multi' : 'single';
      // The scratch server has the archive's kind of MongoDB: embedded, or its own self-managed one.
      scratchRoot = mkdtempSync(join(parent, `AlteryxDrill_${fileStamp(startedAt)}_`));
      scratchRemove = scratchRoot;
      startJournal(scratchRoot);
      const scratch = join(scratchRoot, 'server');
      await timed('scratch', async () => {
        await createSandbox(scratch, { topology, mongo: selfManaged ? 'self-managed' : 'embedded', version: fullVersion(version), dbSizeMb: 0.05 });
        setKnob(scratch, 'service.stopSeconds', '0.1');
        setKnob(scratch, 'service.startSeconds', '0.1');
        // realworld (issue 13): the scratch server runs the live server's tools (their output format).
        copyToolKnobs(source.path, scratch);
        log.info(`Scratch server: ${scratch} (${topology}, Alteryx Server ${version}, ${selfManaged ? 'its own self-managed MongoDB' : 'embedded MongoDB'})`);
      });
      // The scratch restore's configuration: the live one, with the scratch server's own temp and log folders
      // (so nothing of the restore lands on the live server) and a short poll interval.
      const scratchConfig = join(scratchRoot, 'drill-config.json');
      const cfg = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
      cfg['BackupConfiguration'] = { ...cfg['BackupConfiguration'], TempDirectory: 'D:\\Temp\\AlteryxDrill', LogDirectory: 'D:\\Alteryx\\BackupLogs', NetworkBackupPaths: [] };
      cfg['ServiceConfiguration'] = { ...cfg['ServiceConfiguration'], PollIntervalSeconds: 0.05, MaxWorkflowWaitSeconds: 0 };
      cfg['ServerConfiguration'] = { ...cfg['ServerConfiguration'], Nodes: [] };
      // The scratch server's own MongoDB: its connection comes from its RuntimeSettings.xml, never the live one's.
      const mongoCfg = (cfg['MongoDBConfiguration'] ?? {}) as Record<string, unknown>;
      cfg['MongoDBConfiguration'] = {
        ...mongoCfg,
        Type: 'auto',
        SelfManagedMongoDB: { ...((mongoCfg['SelfManagedMongoDB'] ?? {}) as Record<string, unknown>), ConnectionString: undefined, Host: undefined, Username: undefined, ReplicaSet: undefined, Tls: undefined, TlsCAFile: undefined, MongodumpPath: 'mongodump' },
      };
      // The live server's MongoDB password is not the scratch server's: the scratch one is used, the live one never.
      const scratchSecrets: Record<string, string | undefined> = { ...req.secrets, MongoPassword: selfManaged ? readSandboxFile(scratch).selfManaged?.password : undefined };
      for (const x of Object.values(scratchSecrets)) log.masker.add(x);
      writeFileSync(scratchConfig, JSON.stringify(cfg, null, 2));

      // 3. Restore into it.
      restore = await timed('restore', () =>
        runRestore(
          { params: { Path: archivePath, SandboxPath: scratch, ConfigPath: scratchConfig }, secrets: scratchSecrets, dryRun: false },
          { platform: () => sandboxPlatform(scratch), sink: deps.sink, progress: deps.progress, clock, logger: log, verified: v, ...(deps.signal ? { signal: deps.signal } : {}) },
        ),
      );
      log.setStep('restore');
      for (const c of restore.checks) checks.push(c);
      restoreLog = restore.restoreLog ?? null;
      if (!restore.success) {
        throw new BackupError(restore.exitCode, `The scratch restore failed: ${restore.message}`, 'The archive verified but does not restore: take a new backup and look at the restore log lines above.');
      }
      actualCounts = async () => databaseDocumentCounts(scratch);
    }

    // 4. Counts: manifest (dump time) vs the restore log vs the scratch database itself.
    await timed('count', async () => {
      if (!m.mongo.dumped) {
        log.info('The archive holds no database: no documents to count');
        return;
      }
      const all = await actualCounts();
      const actual = all && (selfManaged ? restoredDatabases(all) : all);
      actualTotal = actual ? totalDocuments(actual) : null;
      counts = compareCounts(expected, restoreLog?.collections, actual);
      const bad = counts.filter((x) => !x.ok);
      for (const r of counts) log.info(`  ${r.ok ? 'ok  ' : 'DIFF'} ${r.database}.${r.collection}: manifest ${r.expected ?? '-'}, restored ${r.restored ?? '-'}, counted ${r.actual ?? '-'}`);
      check(
        'scratch document counts',
        bad.length === 0,
        bad.length
          ? `${bad.length} collection(s) differ: ${bad.slice(0, 5).map((x) => `${x.database}.${x.collection} manifest ${x.expected ?? '-'}, restored ${x.restored ?? '-'}, counted ${x.actual ?? '-'}`).join('; ')}`
          : notCounted
            ? `${counts.length} collections, ${restoreLog?.restored ?? 0} documents in the restore log, equal to the manifest (${notCounted})`
            : `${counts.length} collections, ${actualTotal} documents, equal to the manifest`,
      );
      if (bad.length) throw new BackupError(ExitCode.MongoDB, `The restored database differs from the manifest in ${bad.length} collection(s).`, 'See the per-collection table.');
    });
    message = `Drill passed: ${archivePath} restores${m.mongo.dumped ? ` (${actualTotal ?? restoreLog?.restored ?? 0} documents in ${counts.length} collections, equal to the manifest${notCounted ? ' by the restore log' : ''})` : ''}; ${formatDuration(clock.now() - t0)}.`;
  } catch (err) {
    exitCode = exitCodeOf(err);
    message = describeError(err);
    log.error(message);
    if (!(err instanceof BackupError) && err instanceof Error && err.stack) log.debug(err.stack);
  } finally {
    log.setStep('cleanup');
    if (mongod) {
      const s = clock.now();
      await mongod.stop();
      timings['cleanup'] = clock.now() - s;
    }
    if (scratchRemove) {
      if (keep) log.info(`Scratch ${method === 'mongod' ? 'folder' : 'server'} kept: ${scratchRoot}${method === 'mongod' ? ' (db = the restored data folder, mongod.log, mongoRestore.log)' : ''}`);
      else {
        const s = clock.now();
        await fsp.rm(scratchRemove, { recursive: true, force: true }).catch((err) => log.warn(`Could not remove the scratch server ${scratchRemove}: ${(err as Error).message}`));
        timings['cleanup'] = (timings['cleanup'] ?? 0) + clock.now() - s;
        log.info(`Scratch ${method === 'mongod' ? 'folder' : 'server'} removed: ${scratchRoot}`);
      }
    }
    // Nothing left for recover to clean up.
    journal?.clear();
    await platform?.dispose().catch(() => {});
  }
  return finish();

  function finish(): DrillResult {
    const durationMs = clock.now() - t0;
    timings['total'] = durationMs;
    return {
      ...closeRun(log, { command: 'drill', partsLabel: 'Drill timings', parts: timings, exitCode, message, durationMs, archivePath, manifest, dryRun: req.dryRun }),
      warnings: [...warnings, ...(restore?.warnings ?? [])],
      checks,
      badEntries,
      counts,
      documents: { expected: manifest ? totalDocuments(manifest.mongo.databases) : 0, restored: restore?.restoreLog?.restored ?? null, actual: actualTotal },
      restoreLog,
      restore: restore ? { exitCode: restore.exitCode, message: restore.message, rolledBack: restore.rolledBack } : null,
      timingsMs: timings,
      method,
      port,
      scratchPath: scratchRoot ? (method === 'mongod' ? scratchRoot : join(scratchRoot, 'server')) : null,
      kept: keep && !!scratchRoot,
    };
  }
}

/**
 * RestoreConfiguration.DrillAfterBackup: the hook at the end of a successful backup. Drills the archive
 * just published and records the outcome in the backup's result (summary.drill); a failed drill fails the
 * run with the drill's exit code. The method is RestoreConfiguration.DrillMethod: on a server a scratch
 * mongod on a spare port (DrillPort), against a sandbox a scratch sandbox.
 */
export async function drillAfterBackup(
  result: BackupResult,
  req: { params: Params; secrets: Record<string, string | undefined> },
  deps: Pick<DrillDeps, 'platform' | 'sink' | 'progress' | 'signal'>,
  config: BackupConfig,
): Promise<void> {
  if (!result.archivePath) return;
  const params: Params = { ...req.params, Path: result.archivePath };
  if (config.RestoreConfiguration.DrillScratchDirectory) params['ScratchPath'] = config.RestoreConfiguration.DrillScratchDirectory;
  const d = await runDrill(
    { params, secrets: { ArchivePassword: req.secrets['ArchivePassword'] }, dryRun: false },
    { platform: deps.platform, sink: deps.sink, progress: deps.progress, ...(deps.signal ? { signal: deps.signal } : {}) },
  );
  result.summary['drill'] = { exitCode: d.exitCode, success: d.success, message: d.message, documents: d.documents, timingsMs: d.timingsMs, logPath: d.logPath };
  result.warnings = [...result.warnings, ...d.warnings];
  if (!d.success) {
    result.exitCode = d.exitCode;
    result.success = false;
    result.message = `${result.message} The restore drill of this archive failed (exit ${d.exitCode}): ${d.message}`;
  }
}
