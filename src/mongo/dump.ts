/**
 * REQ-2.2.1/2.2.7: `mongodump [--gzip] [--oplog]` of a self-managed MongoDB into the staging folder.
 *
 * The password never reaches a command line: mongodump reads it (and the connection string) from a
 * `--config` YAML file written with owner-only permissions in a private temporary folder, removed in every
 * outcome. The child's environment is stripped of this tool's secret variables. Success is judged by the
 * exit code, the absence of a `Failed:` line, and .bson files for every Alteryx database.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { stringify as toYaml } from 'yaml';
import { SECRET_CONFIG_PREFIX } from '../core/cleanup.ts';
import type { DumpInfo, RunContext, StagedFile } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { CommandResult } from '../util/exec.ts';
import { EXPECTED_DATABASES, dumpCounts } from './dump-counts.ts';
import { runProcess } from '../util/exec.ts';
import { listFiles, treeSize, removeTree } from '../util/fsx.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import type { PingResult } from './check.ts';
import type { MongoTarget } from './target.ts';

export type RunFn = typeof runProcess;

/** Environment variables that carry this tool's secrets: not inherited by mongodump. */
const SECRET_ENV = /^ALTERYXBACKUP_.*(PASSWORD|SECRET|TOKEN)/i;

export function childEnvWithoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET_ENV.test(k)));
}

/** Documents in a gzip'd .bson file, counted from the int32 length prefixes while it is decompressed. */
export async function countGzipBsonDocuments(file: string): Promise<number> {
  let count = 0;
  let header = Buffer.alloc(0);
  let skip = 0;
  let offset = 0;
  for await (const chunk of createReadStream(file).pipe(createGunzip()) as AsyncIterable<Buffer>) {
    let p = 0;
    while (p < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - p);
        skip -= n;
        p += n;
        offset += n;
        continue;
      }
      const need = 4 - header.length;
      header = Buffer.concat([header, chunk.subarray(p, p + need)]);
      const took = Math.min(need, chunk.length - p);
      p += took;
      offset += took;
      if (header.length < 4) break;
      const len = header.readInt32LE(0);
      if (len < 5) throw new Error(`${file} is not a valid BSON dump: document at byte ${offset - 4} claims ${len} bytes`);
      header = Buffer.alloc(0);
      skip = len - 4;
      count++;
    }
  }
  if (skip > 0 || header.length > 0) throw new Error(`${file} is not a valid BSON dump: the last document is truncated`);
  return count;
}

/** Per-database, per-collection document counts of a `mongodump --gzip` folder (`<db>/<coll>.bson.gz`). */
export async function gzipDumpCounts(dir: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const rel of await listFiles(dir)) {
    const m = /^([^/]+)\/(.+)\.bson\.gz$/.exec(rel);
    if (!m) continue;
    (out[m[1]!] ??= {})[m[2]!] = await countGzipBsonDocuments(join(dir, rel));
  }
  return out;
}

/**
 * The MongoDB Database Tools executable `tool`: mongodump is MongodumpPath; mongorestore is the file beside
 * it (same folder, same extension) when MongodumpPath is a path, else `mongorestore` on PATH.
 */
export function mongoToolPath(ctx: RunContext, tool: 'mongodump' | 'mongorestore'): string {
  const dumpPath = ctx.config.MongoDBConfiguration.SelfManagedMongoDB.MongodumpPath;
  if (tool === 'mongodump') return dumpPath;
  const m = /^(.*[\\/])?mongodump(\.exe)?$/i.exec(dumpPath);
  return m ? `${m[1] ?? ''}mongorestore${m[2] ?? ''}` : 'mongorestore';
}

/** mongodump (or mongorestore) is there and runs (`<tool> --version`): checked before anything is stopped. */
export async function checkMongoTool(ctx: RunContext, tool: 'mongodump' | 'mongorestore', run: RunFn = runProcess): Promise<string> {
  const exe = mongoToolPath(ctx, tool);
  const res = await run(exe, ['--version'], { env: childEnvWithoutSecrets(ctx.platform.childEnv()), timeoutMs: 30_000 });
  const version = new RegExp(`${tool} version:?\\s*(\\S+)`, 'i').exec(res.stdout)?.[1];
  if (res.exitCode !== 0 || !version) {
    const why = res.error?.failure === 'spawn' || res.exitCode === 127 ? 'it was not found' : `"${exe} --version" ended with exit code ${res.exitCode}`;
    const setting = `MongoDBConfiguration.SelfManagedMongoDB.MongodumpPath = ${JSON.stringify(ctx.config.MongoDBConfiguration.SelfManagedMongoDB.MongodumpPath)}`;
    throw new BackupError(
      ExitCode.Validation,
      `${tool} cannot be run (${why}; ${tool === 'mongodump' ? setting : `looked for beside mongodump: ${setting}`}).`,
      `Install the MongoDB Database Tools (100.x) on this machine, and put ${tool} on PATH or set MongodumpPath to mongodump's full path${tool === 'mongorestore' ? ' (mongorestore is taken from the same folder)' : ''}.`,
    );
  }
  ctx.log.info(`${tool} ${version} (${exe})`);
  return version;
}

/** mongodump is there and runs (`mongodump --version`): checked before anything is stopped. */
export function checkMongodump(ctx: RunContext, run: RunFn = runProcess): Promise<string> {
  return checkMongoTool(ctx, 'mongodump', run);
}

/** The --config file's content: the connection string (no password in it) and the password. */
export function mongodumpConfigYaml(target: MongoTarget): string {
  const doc: Record<string, string> = { uri: target.uri };
  if (target.password !== undefined) doc['password'] = target.password;
  const keyPassword = target.conn.options['tlsCertificateKeyFilePassword'];
  if (keyPassword !== undefined) doc['sslPEMKeyPassword'] = keyPassword;
  return toYaml(doc, { lineWidth: 0 });
}

/**
 * Writes the --config file in a fresh private folder (0700; the file 0600, created exclusively) inside `parent`
 * (the run's TempDirectory, which also holds the staging folder and its dump) and returns it with a remover.
 * The folder is named after this process (`alteryxbackup-mongodump-<pid>-XXXXXX`): when a kill -9 leaves it
 * behind, `recover` and the next run remove it once that pid is gone (core/cleanup.ts, issue 12).
 */
export async function writeSecretConfig(text: string, parent: string): Promise<{ file: string; dir: string; remove: () => Promise<void> }> {
  await fsp.mkdir(parent, { recursive: true });
  const dir = await fsp.mkdtemp(join(parent, `${SECRET_CONFIG_PREFIX}${process.pid}-`));
  const remove = () => removeTree(dir);
  try {
    await fsp.chmod(dir, 0o700);
    const file = join(dir, 'mongodump.yaml');
    await fsp.writeFile(file, text, { mode: 0o600, flag: 'wx' });
    await fsp.chmod(file, 0o600);
    return { file, dir, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** Where the --config folders go: the run's TempDirectory (swept by the run, `recover` and the next run). */
export function secretConfigParent(ctx: RunContext): string {
  return ctx.platform.paths.resolve(ctx.config.BackupConfiguration.TempDirectory);
}

function failedLine(output: string): string | undefined {
  return output
    .split(/\r?\n/)
    .map((l) => l.replace(/^\S+\t/, '').trim())
    .find((l) => /^Failed:/.test(l));
}

export interface MongodumpRun {
  databases: Record<string, Record<string, number>>;
  sizeBytes: number;
  durationMs: number;
}

/**
 * One `mongodump --config=<0600 file> --out=<outDir> [--gzip] [--oplog]` with the target's connection and
 * password in the --config file (removed in every outcome); judged by the exit code, the `Failed:` line and
 * .bson files for every Alteryx database. `what` names the dump in messages ("mongodump", "the pre-restore
 * mongodump"). Returns the per-collection counts of the folder.
 */
export async function runMongodump(
  ctx: RunContext,
  target: MongoTarget,
  outDir: string,
  opts: { gzip: boolean; oplog: boolean; timeoutMs: number; what?: string; counts?: boolean },
  run: RunFn = runProcess,
): Promise<MongodumpRun> {
  const what = opts.what ?? 'mongodump';
  await fsp.mkdir(outDir, { recursive: true });
  const exe = mongoToolPath(ctx, 'mongodump');
  const secret = await writeSecretConfig(mongodumpConfigYaml(target), secretConfigParent(ctx));
  const args = [`--config=${secret.file}`, `--out=${outDir}`, ...(opts.gzip ? ['--gzip'] : []), ...(opts.oplog ? ['--oplog'] : [])];
  ctx.log.info(
    `Dumping the self-managed MongoDB${opts.what ? ` (${opts.what})` : ''}: ${exe} ${args.join(' ')} (connection and password in the --config file, mode 0600)`,
  );
  ctx.progress({ activity: 'Dumping MongoDB', status: `mongodump${opts.gzip ? ' --gzip' : ''}${opts.oplog ? ' --oplog' : ''}`, percent: -1 });
  const t0 = ctx.clock.now();
  let res: CommandResult;
  try {
    res = await run(exe, args, { env: childEnvWithoutSecrets(ctx.platform.childEnv()), timeoutMs: opts.timeoutMs, signal: ctx.signal });
  } finally {
    await secret.remove();
    ctx.log.debug('The mongodump --config file was removed');
  }
  const durationMs = ctx.clock.now() - t0;
  const output = `${res.stdout}\n${res.stderr}`;
  for (const line of output.split(/\r?\n/).filter((l) => l.trim())) ctx.log.debug(`mongodump: ${line}`);
  const failed = failedLine(output);
  if (res.exitCode !== 0 || res.signal || failed) {
    const timedOut = res.error ? res.error.failure === 'timeout' : durationMs >= opts.timeoutMs;
    const why = res.signal
      ? `was ended by ${res.signal}${timedOut ? ` after DumpTimeoutMinutes (${opts.timeoutMs / 60_000})` : ''}`
      : `exit code ${res.exitCode}`;
    throw new BackupError(
      ExitCode.MongoDB,
      `${what === 'mongodump' ? 'mongodump of the self-managed MongoDB' : what} failed (${why})${failed ? `: ${failed}` : ''}.`,
      'The full mongodump output is in the DEBUG lines of the log. Check the user\'s "backup" role, the free space in TempDirectory and the MongoDB server log.',
    );
  }
  const ext = opts.gzip ? '.bson.gz' : '.bson';
  const missing: string[] = [];
  for (const db of EXPECTED_DATABASES) {
    const files = await fsp.readdir(join(outDir, db)).catch(() => [] as string[]);
    if (!files.some((f) => f.endsWith(ext))) missing.push(db);
  }
  if (missing.length) {
    throw new BackupError(
      ExitCode.MongoDB,
      `The ${what} output is incomplete: no ${ext} files for ${missing.join(', ')}, although mongodump reported success.`,
      'Check that the user may read those databases (the "backup" role) and that the connection names the Alteryx MongoDB.',
    );
  }
  // counts: false (the backup's dump, issue 15): its count-documents step counts after the service is back.
  const databases = opts.counts === false ? {} : opts.gzip ? await gzipDumpCounts(outDir) : await dumpCounts(outDir);
  return { databases, sizeBytes: await treeSize(outDir), durationMs };
}

/** The dump step of a self-managed run (after the connectivity check). */
export async function dumpSelfManaged(
  ctx: RunContext,
  checked: { target: MongoTarget; ping: PingResult },
  run: RunFn = runProcess,
): Promise<{ dump: DumpInfo; files: StagedFile[] }> {
  const sm = ctx.config.MongoDBConfiguration.SelfManagedMongoDB;
  const { target, ping } = checked;
  const gzip = sm.UseCompression;
  let oplog = false;
  if (sm.Oplog) {
    if (ping.setName) oplog = true;
    else {
      const msg = 'Oplog is set but the MongoDB is not a replica set: the dump runs without --oplog (no point-in-time consistency)';
      ctx.warnings.push(msg);
      ctx.log.warn(msg);
    }
  }
  const local = join(ctx.staging.local, 'MongoDB');
  const opts = { gzip, oplog, timeoutMs: sm.DumpTimeoutMinutes * 60_000, counts: false };
  const { databases, sizeBytes, durationMs } = await runMongodump(ctx, target, local, opts, run);
  // The documents are counted by the count-documents step (src/steps/dump.ts), after the service is back (issue 15).
  const dump: DumpInfo = { type: 'selfManaged', dir: local, databases, sizeBytes, durationMs, gzip };
  ctx.log.info(`MongoDB dump: ${formatBytes(sizeBytes)}${gzip ? ' (gzip)' : ''}${oplog ? ', with the oplog' : ''}, ${formatDuration(durationMs)}`);
  const files: StagedFile[] = (await listFiles(local)).map((rel) => ({ archivePath: `MongoDB/${rel}`, localPath: join(local, rel), kind: 'database' }));
  return { dump, files };
}
