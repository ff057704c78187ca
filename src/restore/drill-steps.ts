import { existsSync, mkdirSync, mkdtempSync, promises as fsp, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractArchive } from '../archive/extract.ts';
import { verifyArchive, type Check, type VerifyResult } from '../archive/verify.ts';
import type { BackupConfig } from '../config/schema.ts';
import type { Clock, RunDeps } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { Manifest } from '../core/manifest.ts';
import type { PlannedStep } from '../core/plan.ts';
import type { StepTable } from '../core/runner.ts';
import { parseRuntimeSettings } from '../core/settings.ts';
import { fileStamp, type RunLogger } from '../log/logger.ts';
import type { Platform, ScratchServer } from '../platform/ports.ts';
import { formatBytes } from '../util/format.ts';
import { DrillJournalFile } from './drill-journal.ts';
import {
  chooseDrillPort,
  countScratch,
  drillTools,
  isSecret,
  liveEmbeddedPort,
  restoreIntoScratch,
  scratchBytesNeeded,
  startScratchMongod,
  type DrillMethod,
  type ScratchMongod,
} from './drill-mongod.ts';
import { compareCounts, restoreFailureMessage, totalDocuments, type CountRow, type RestoreLogVerdict } from './restore-log.ts';
import { restoredDatabases } from './restore-selfmanaged.ts';
import { runRestore, type RestoreResult } from './restore.ts';
import { removeTree } from '../util/fsx.ts';

/** One drill: what it was asked, the live platform (never changed), and what its steps found so far. */
export interface DrillRun {
  live: Platform;
  config: BackupConfig;
  params: Record<string, unknown>;
  secrets: Record<string, string | undefined>;
  deps: Pick<RunDeps, 'sink' | 'progress' | 'signal'>;
  log: RunLogger;
  clock: Clock;
  startedAt: Date;
  archivePath: string;
  method: DrillMethod;
  keep: boolean;
  /** The parent of the scratch folder (ScratchPath, default the system temp folder). */
  parent: string;
  tempLocal: string;
  checks: Check[];
  warnings: string[];
  badEntries: string[];
  timings: Record<string, number>;
  manifest?: Manifest | undefined;
  verified?: VerifyResult | undefined;
  scratchRoot?: string | undefined;
  /** What the cleanup removes (unless keep). */
  scratchRemove?: string | undefined;
  journal?: DrillJournalFile | undefined;
  mongod?: ScratchMongod | undefined;
  port: number | null;
  restoreLog: RestoreLogVerdict | null;
  restore?: RestoreResult | undefined;
  counts: CountRow[];
  actualTotal: number | null;
  notCounted?: string | undefined;
  cleanedUp: boolean;
}

/** The steps of a drill, per method (DrillMethod): a scratch sandbox, or a scratch mongod on a server. */
export function drillSteps(method: DrillMethod): PlannedStep[] {
  const target = 'a scratch location (the live server is not touched)';
  const step = (name: string, description: string): PlannedStep => ({
    id: name,
    name,
    description,
    changesState: false,
    target,
    action: name === 'verify' || name === 'count' ? 'Check' : 'Drill',
  });
  const verify = step('verify', 'Verify the archive: every entry against its manifest SHA-256 and the .sha256 beside it');
  const count = step('count', 'Count the documents of every collection in the scratch database and compare them with the manifest');
  if (method === 'mongod') {
    return [
      verify,
      step(
        'scratch',
        "Extract the archive (secrets excepted) into a scratch folder and start a second MongoDB (the install's mongod.exe) on a spare loopback port; the live service, its data folder and its port are not touched",
      ),
      step('restore', "Restore the archive's dump into the scratch MongoDB with mongorestore and judge its output as mongoRestore.log"),
      count,
      step('cleanup', 'Shut the scratch MongoDB down and remove the scratch folder (unless -Keep)'),
    ];
  }
  return [
    verify,
    step('scratch', 'Create a scratch server of the same version and topology (the live server is not touched)'),
    step(
      'restore',
      'Restore the archive into the scratch server (files, token, emongorestore or, for a self-managed MongoDB, mongorestore) and judge the restore log',
    ),
    count,
    step('cleanup', 'Remove the scratch server (unless -Keep)'),
  ];
}

function check(d: DrillRun, name: string, ok: boolean, detail: string): void {
  d.checks.push({ name, ok, detail: d.log.masker.mask(detail) });
  d.log.log(ok ? 'INFO' : 'ERROR', `Check ${name}: ${ok ? 'ok' : 'FAILED'} - ${detail}`);
}

const manifestOf = (d: DrillRun): Manifest => {
  if (!d.manifest) throw new BackupError(ExitCode.General, 'Internal error: the drill step runs before the archive verified.');
  return d.manifest;
};

/** Verify: exit 3 naming what failed, before any scratch server exists. */
async function verifyStep(d: DrillRun): Promise<VerifyResult> {
  const sideCar = `${d.archivePath}.sha256`;
  const useSide = !d.params['SkipChecksumFile'] && existsSync(sideCar);
  const v = await verifyArchive(d.archivePath, {
    password: d.secrets['ArchivePassword'],
    sha256File: useSide ? sideCar : undefined,
    maxEntries: d.config.RestoreConfiguration.MaxArchiveEntries,
  });
  for (const c of v.checks) check(d, c.name, c.ok, c.detail);
  d.badEntries = v.badEntries;
  if (!useSide) {
    d.warnings.push(`No .sha256 beside ${d.archivePath}: the archive's own SHA-256 was not checked`);
    d.log.warn(d.warnings.at(-1)!);
  }
  // realworld (issue 13): a legacy batch archive is named, with how to restore it by hand.
  if (v.legacy) throw new BackupError(ExitCode.Validation, v.legacy.message, v.legacy.hint);
  if (!v.ok || !v.manifest) {
    const failed = v.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new BackupError(ExitCode.Validation, `The archive failed verification: ${failed.join('; ')}.`, 'This backup cannot be trusted: take a new one.');
  }
  d.manifest = v.manifest;
  d.verified = v;
  return v;
}

/** A scratch folder of its own under the parent, with the drill's journal (a killed drill's leftovers are found). */
async function makeScratch(d: DrillRun): Promise<string> {
  await fsp.mkdir(d.parent, { recursive: true });
  const root = mkdtempSync(join(d.parent, `AlteryxDrill_${fileStamp(d.startedAt)}_`));
  d.scratchRoot = root;
  d.scratchRemove = root;
  mkdirSync(d.tempLocal, { recursive: true });
  d.journal = new DrillJournalFile(d.tempLocal);
  d.journal.write({ pid: process.pid, startedAt: d.startedAt.toISOString(), archive: d.archivePath, scratch: root, keep: d.keep });
  return root;
}

/** mongod method: the port, the space, the extracted archive (secrets excepted), a scratch mongod. Returns mongorestore's path. */
async function scratchMongod(d: DrillRun): Promise<string> {
  const m = manifestOf(d);
  const rc = d.config.RestoreConfiguration;
  const tools = await drillTools(d.live, d.config);
  const livePort = await liveEmbeddedPort(d.live, d.config);
  const requested = d.params['Port'] === undefined || d.params['Port'] === null ? rc.DrillPort : Number(d.params['Port']);
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535)
    throw new BackupError(ExitCode.Validation, `-Port must be a whole number from 0 to 65535, not ${JSON.stringify(d.params['Port'])}.`);
  const port = await chooseDrillPort(requested, livePort);
  d.port = port;
  const needed = scratchBytesNeeded(m);
  const free = await d.live.system.freeBytes(d.parent);
  if (free < needed) {
    throw new BackupError(
      ExitCode.Storage,
      `The scratch folder ${d.parent} has ${formatBytes(free)} free; the drill needs about ${formatBytes(needed)}.`,
      'Point -ScratchPath (RestoreConfiguration.DrillScratchDirectory) at a volume with more space.',
    );
  }
  const root = await makeScratch(d);
  d.log.info(`Scratch folder: ${root} (${formatBytes(free)} free, about ${formatBytes(needed)} needed)`);
  // Everything but the secrets, each checked against its manifest SHA-256 while written.
  const ex = await extractArchive(d.archivePath, join(root, 'archive'), m.files, (f) => !isSecret(f.path), {
    password: d.secrets['ArchivePassword'],
    maxEntries: d.config.RestoreConfiguration.MaxArchiveEntries,
    onFile: (done, total, n) => d.deps.progress({ activity: 'Drill: extracting the archive', status: n, percent: Math.round((done / total) * 100) }),
  });
  const settings = ex.files.filter((f) => /(^|\/)Config\/RuntimeSettings\.xml$/.test(f.path));
  for (const f of settings) parseRuntimeSettings(await fsp.readFile(f.local, 'utf8'), f.path);
  const parses = settings.length ? `; RuntimeSettings.xml parses (${settings.length} node${settings.length > 1 ? 's' : ''})` : '';
  check(
    d,
    'scratch files',
    true,
    `${ex.files.length} files (${formatBytes(ex.bytes)}) extracted, each equal to its manifest SHA-256${parses}; secrets verified in the archive, not written`,
  );
  if (m.mongo.dumped) {
    d.mongod = await startScratchMongod({
      exe: tools.mongod.local,
      scratch: root,
      port,
      env: d.live.childEnv(),
      timeoutMs: rc.DrillStartTimeoutSeconds * 1000,
      log: d.log,
      signal: d.deps.signal,
      onSpawn: (pid) => d.journal?.update({ mongod: { pid, port } }),
    });
  }
  return tools.mongorestore.local;
}

/** sandbox method: a scratch server of the archive's version, topology and kind of MongoDB, through the platform port. */
async function scratchServer(d: DrillRun): Promise<ScratchServer> {
  const m = manifestOf(d);
  if (!d.live.scratch)
    throw new BackupError(ExitCode.Validation, 'This platform has no scratch server for a drill.', 'Use -Method mongod (a scratch mongod on a spare port).');
  const selfManaged = m.mongo.type === 'selfManaged';
  const version = m.serverVersion && /^\d{4}\.\d+\.\d+\.\d+$/.test(m.serverVersion) ? m.serverVersion : d.live.scratch.liveVersion;
  const topology = m.nodes.length > 1 ? 'multi' : 'single';
  const scratch = join(await makeScratch(d), 'server');
  const server = await d.live.scratch.create(scratch, { topology, selfManaged, version });
  d.log.info(`Scratch server: ${scratch} (${topology}, Alteryx Server ${version}, ${selfManaged ? 'its own self-managed MongoDB' : 'embedded MongoDB'})`);
  return server;
}

/**
 * The scratch restore's configuration: the live one, with the scratch server's own temp and log folders (so
 * nothing of the restore lands on the live server), a short poll interval, and the scratch server's own MongoDB
 * (its connection from its RuntimeSettings.xml, never the live one's).
 */
function scratchConfig(config: BackupConfig): Record<string, Record<string, unknown>> {
  const cfg = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  cfg['BackupConfiguration'] = {
    ...cfg['BackupConfiguration'],
    TempDirectory: 'D:\\Temp\\AlteryxDrill',
    LogDirectory: 'D:\\Alteryx\\BackupLogs',
    NetworkBackupPaths: [],
  };
  cfg['ServiceConfiguration'] = { ...cfg['ServiceConfiguration'], PollIntervalSeconds: 0.05, MaxWorkflowWaitSeconds: 0 };
  cfg['ServerConfiguration'] = { ...cfg['ServerConfiguration'], Nodes: [] };
  const mongoCfg = (cfg['MongoDBConfiguration'] ?? {}) as Record<string, unknown>;
  const sm = (mongoCfg['SelfManagedMongoDB'] ?? {}) as Record<string, unknown>;
  cfg['MongoDBConfiguration'] = {
    ...mongoCfg,
    Type: 'auto',
    SelfManagedMongoDB: {
      ...sm,
      ConnectionString: undefined,
      Host: undefined,
      Username: undefined,
      ReplicaSet: undefined,
      Tls: undefined,
      TlsCAFile: undefined,
      MongodumpPath: 'mongodump',
    },
  };
  return cfg;
}

/** sandbox method: a full restore into the scratch server, with the drill's log and verification. */
async function restoreIntoServer(d: DrillRun, server: ScratchServer): Promise<RestoreResult> {
  const file = join(d.scratchRoot!, 'drill-config.json');
  writeFileSync(file, JSON.stringify(scratchConfig(d.config), null, 2));
  // The live server's MongoDB password is not the scratch server's: the scratch one is used, the live one never.
  const secrets: Record<string, string | undefined> = { ...d.secrets, MongoPassword: server.mongoPassword };
  for (const x of Object.values(secrets)) d.log.masker.add(x);
  const restore = await runRestore(
    { params: { Path: d.archivePath, SandboxPath: server.dir, ConfigPath: file }, secrets, dryRun: false },
    {
      platform: () => server.platform(),
      sink: d.deps.sink,
      progress: d.deps.progress,
      clock: d.clock,
      logger: d.log,
      verified: d.verified!,
      ...(d.deps.signal ? { signal: d.deps.signal } : {}),
    },
  );
  d.log.setStep('restore');
  d.restore = restore;
  for (const c of restore.checks) d.checks.push(c);
  d.restoreLog = restore.restoreLog ?? null;
  if (!restore.success)
    throw new BackupError(
      restore.exitCode,
      `The scratch restore failed: ${restore.message}`,
      'The archive verified but does not restore: take a new backup and look at the restore log lines above.',
    );
  return restore;
}

/** mongod method: mongorestore into the scratch mongod, judged as mongoRestore.log. */
async function restoreIntoMongod(d: DrillRun, mongorestore: string): Promise<RestoreLogVerdict | undefined> {
  const m = manifestOf(d);
  if (!d.mongod) return undefined;
  d.deps.progress({ activity: 'Drill: restoring MongoDB', status: `mongorestore into 127.0.0.1:${d.port}`, percent: -1 });
  const r = await restoreIntoScratch({
    exe: mongorestore,
    dumpDir: join(d.scratchRoot!, 'archive', 'MongoDB'),
    port: d.port!,
    gzip: m.mongo.gzip,
    selfManaged: m.mongo.type === 'selfManaged',
    scratch: d.scratchRoot!,
    env: d.live.childEnv(),
    timeoutMs: d.config.MongoDBConfiguration.SelfManagedMongoDB.DumpTimeoutMinutes * 60_000,
    log: d.log,
    signal: d.deps.signal,
  });
  d.restoreLog = r.verdict;
  check(d, 'restore log', r.verdict.ok, `${r.verdict.summary} (${r.logPath})`);
  // realworld (issue 13): an unverifiable restore (`done` only) has a message of its own.
  const unverified = r.verdict.unverifiable ? restoreFailureMessage(r.verdict, 'The scratch restore') : undefined;
  if (!r.verdict.ok)
    throw new BackupError(
      ExitCode.MongoDB,
      unverified?.message ?? `The scratch restore failed: ${r.verdict.summary}.`,
      unverified?.hint ??
        'The archive verified but its dump does not restore: take a new backup and look at mongoRestore.log in the scratch folder (-Keep keeps it).',
    );
  return r.verdict;
}

/** The restored database's own counts; undefined when they cannot be counted (the restore log's counts remain). */
async function actualCounts(d: DrillRun, server: ScratchServer | undefined): Promise<Record<string, Record<string, number>> | undefined> {
  if (server) return server.documentCounts();
  if (!d.mongod?.driverRefusal) return countScratch(d.port!);
  d.notCounted = `the scratch MongoDB's version is older than the driver supports (4.4), so the counts are the restore log's`;
  d.warnings.push(`Drill: ${d.notCounted}.`);
  d.log.warn(`Drill: ${d.notCounted}`);
  return undefined;
}

/**
 * Pure: the drill's count judgement: manifest (dump time) against the restore log and the scratch database.
 * A self-managed archive is compared on the Alteryx databases (what mongorestore writes).
 */
export function judgeDrillCounts(
  m: Pick<Manifest, 'mongo'>,
  restored: RestoreLogVerdict | null,
  all: Record<string, Record<string, number>> | undefined,
): { counts: CountRow[]; actualTotal: number | null; bad: CountRow[] } {
  const selfManaged = m.mongo.type === 'selfManaged';
  const expected = selfManaged ? restoredDatabases(m.mongo.databases) : m.mongo.databases;
  const actual = all && (selfManaged ? restoredDatabases(all) : all);
  const counts = compareCounts(expected, restored?.collections, actual);
  return { counts, actualTotal: actual ? totalDocuments(actual) : null, bad: counts.filter((x) => !x.ok) };
}

/** Counts: manifest (dump time) vs the restore log vs the scratch database itself. */
async function countStep(d: DrillRun, server: ScratchServer | undefined): Promise<void> {
  const m = manifestOf(d);
  if (!m.mongo.dumped) {
    d.log.info('The archive holds no database: no documents to count');
    return;
  }
  const j = judgeDrillCounts(m, d.restoreLog, await actualCounts(d, server));
  d.counts = j.counts;
  d.actualTotal = j.actualTotal;
  for (const r of j.counts)
    d.log.info(
      `  ${r.ok ? 'ok  ' : 'DIFF'} ${r.database}.${r.collection}: manifest ${r.expected ?? '-'}, restored ${r.restored ?? '-'}, counted ${r.actual ?? '-'}`,
    );
  const detail = j.bad.length
    ? `${j.bad.length} collection(s) differ: ${j.bad
        .slice(0, 5)
        .map((x) => `${x.database}.${x.collection} manifest ${x.expected ?? '-'}, restored ${x.restored ?? '-'}, counted ${x.actual ?? '-'}`)
        .join('; ')}`
    : d.notCounted
      ? `${j.counts.length} collections, ${d.restoreLog?.restored ?? 0} documents in the restore log, equal to the manifest (${d.notCounted})`
      : `${j.counts.length} collections, ${j.actualTotal} documents, equal to the manifest`;
  check(d, 'scratch document counts', j.bad.length === 0, detail);
  if (j.bad.length)
    throw new BackupError(
      ExitCode.MongoDB,
      `The restored database differs from the manifest in ${j.bad.length} collection(s).`,
      'See the per-collection table.',
    );
}

/** Shuts the scratch mongod down and removes the scratch location (unless keep); then the drill's journal goes. */
export async function drillCleanup(d: DrillRun): Promise<void> {
  if (d.cleanedUp) return;
  d.cleanedUp = true;
  d.log.setStep('cleanup');
  if (d.mongod) await d.mongod.stop();
  if (d.scratchRemove) {
    const what = d.method === 'mongod' ? 'folder' : 'server';
    if (d.keep)
      d.log.info(`Scratch ${what} kept: ${d.scratchRoot}${d.method === 'mongod' ? ' (db = the restored data folder, mongod.log, mongoRestore.log)' : ''}`);
    else {
      await removeTree(d.scratchRemove).catch((err) => d.log.warn(`Could not remove the scratch server ${d.scratchRemove}: ${(err as Error).message}`));
      d.log.info(`Scratch ${what} removed: ${d.scratchRoot}`);
    }
  }
  // Nothing left for recover to clean up.
  d.journal?.clear();
}

/** The drill's step table (drillSteps): one implementation per step, per method where they differ. */
export const DRILL_STEPS: StepTable<DrillRun> = {
  verify: { run: (_s, d) => verifyStep(d), preview: (_s, d) => verifyStep(d) },
  scratch: {
    run: async (_s, d) => {
      await fsp.mkdir(d.parent, { recursive: true });
      return d.method === 'mongod' ? scratchMongod(d) : scratchServer(d);
    },
  },
  restore: {
    run: (_s, d, r) => (d.method === 'mongod' ? restoreIntoMongod(d, r.get<string>('scratch')!) : restoreIntoServer(d, r.get<ScratchServer>('scratch')!)),
  },
  count: { run: (_s, d, r) => countStep(d, d.method === 'mongod' ? undefined : r.get<ScratchServer>('scratch')) },
  cleanup: { run: (_s, d) => drillCleanup(d) },
};
