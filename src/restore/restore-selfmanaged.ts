/**
 * Restoring a self-managed MongoDB (docs/restore.md, docs/mongodb.md): `mongorestore --gzip --drop --dir`
 * of the archive's mongodump folder, limited to the three Alteryx databases (--nsInclude), the connection and
 * password in the same owner-only --config file as mongodump's (src/mongo/dump.ts), the output judged like
 * mongoRestore.log (restore-log.ts). A database cannot be moved aside like the embedded data folder, so the
 * rollback is a pre-restore `mongodump --gzip` of the current database, restored back with --drop.
 */
import type { RunContext } from '../core/context.ts';
import { checkMongoConnection } from '../mongo/check.ts';
import {
  checkMongoTool,
  childEnvWithoutSecrets,
  mongodumpConfigYaml,
  mongoToolPath,
  runMongodump,
  secretConfigParent,
  writeSecretConfig,
  type MongodumpRun,
  type RunFn,
} from '../mongo/dump.ts';
import type { SelfManagedChecked } from '../mongo/index.ts';
import type { MongoTarget } from '../mongo/target.ts';
import { formatConnectionString } from '../mongo/uri.ts';
import { EXPECTED_DATABASES } from '../mongo/dump-counts.ts';
import { runProcess } from '../util/exec.ts';
import { formatDuration } from '../util/format.ts';
import { judgeMongorestoreRun, type RestoreLogVerdict } from './restore-log.ts';

/** The namespaces a restore writes: the Alteryx databases only (never admin, local or config). */
export const RESTORE_NAMESPACES = EXPECTED_DATABASES.map((db) => `${db}.*`);

/** Before anything is stopped: reachable, credentials accepted, the Alteryx databases there, mongodump and mongorestore run. */
export async function checkSelfManagedRestore(ctx: RunContext, run: RunFn = runProcess): Promise<SelfManagedChecked> {
  const checked = await checkMongoConnection(ctx);
  await checkMongoTool(ctx, 'mongodump', run);
  await checkMongoTool(ctx, 'mongorestore', run);
  return checked;
}

/** The current database, dumped (gzip) into the pre-restore folder: what a failed restore is rolled back to. */
export function preRestoreDump(ctx: RunContext, target: MongoTarget, outDir: string, run: RunFn = runProcess): Promise<MongodumpRun> {
  const sm = ctx.config.MongoDBConfiguration.SelfManagedMongoDB;
  return runMongodump(ctx, target, outDir, { gzip: true, oplog: false, timeoutMs: sm.DumpTimeoutMinutes * 60_000, what: 'the pre-restore mongodump' }, run);
}

export interface MongorestoreRun {
  verdict: RestoreLogVerdict;
  durationMs: number;
}

/**
 * `mongorestore --config=<0600 file> --dir=<dir> [--gzip] --drop --nsInclude=<db>.* ...`, judged from its
 * output (mongorestore logs to stderr) exactly as mongoRestore.log. Never throws for a failed restore: the
 * verdict says so.
 */
export async function runMongorestore(
  ctx: RunContext,
  target: MongoTarget,
  dir: string,
  opts: { gzip: boolean; what: string },
  run: RunFn = runProcess,
): Promise<MongorestoreRun> {
  const sm = ctx.config.MongoDBConfiguration.SelfManagedMongoDB;
  const exe = mongoToolPath(ctx, 'mongorestore');
  const secret = await writeSecretConfig(mongodumpConfigYaml(target), secretConfigParent(ctx));
  const args = [`--config=${secret.file}`, `--dir=${dir}`, ...(opts.gzip ? ['--gzip'] : []), '--drop', ...RESTORE_NAMESPACES.map((ns) => `--nsInclude=${ns}`)];
  ctx.log.info(`Restoring the self-managed MongoDB (${opts.what}): ${exe} ${args.join(' ')} (connection and password in the --config file, mode 0600)`);
  ctx.progress({ activity: 'Restoring MongoDB', status: `mongorestore${opts.gzip ? ' --gzip' : ''} --drop`, percent: -1 });
  const t0 = ctx.clock.now();
  let res: Awaited<ReturnType<typeof run>>;
  try {
    // No abort signal: a mongorestore cut off half-way leaves the database worse than either version.
    res = await run(exe, args, { env: childEnvWithoutSecrets(ctx.platform.childEnv()), timeoutMs: sm.DumpTimeoutMinutes * 60_000 });
  } finally {
    await secret.remove();
    ctx.log.debug('The mongorestore --config file was removed');
  }
  const durationMs = ctx.clock.now() - t0;
  const output = `${res.stdout}\n${res.stderr}`;
  for (const line of output.split(/\r?\n/).filter((l) => l.trim())) ctx.log.debug(`mongorestore: ${line}`);
  const verdict = judgeMongorestoreRun(output, res);
  ctx.log.info(`mongorestore (${opts.what}) ended with exit code ${res.exitCode} after ${formatDuration(durationMs)}: ${verdict.summary}`);
  return { verdict, durationMs };
}

/** The manifest's counts for the databases a self-managed restore writes (the --nsInclude ones). */
export function restoredDatabases(all: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(all).filter(([db]) => (EXPECTED_DATABASES as readonly string[]).includes(db)));
}

/**
 * realworld (issue 13): the target with an unacknowledged write concern (w=0) taken out, for the rollback:
 * putting the pre-restore database back must be verifiable (a w=0 mongorestore prints only `done`).
 */
export function acknowledgedTarget(target: MongoTarget): MongoTarget {
  if (target.conn.options['w'] !== '0') return target;
  const options = { ...target.conn.options };
  delete options['w'];
  const conn = { ...target.conn, options };
  return { ...target, conn, uri: formatConnectionString(conn) };
}
