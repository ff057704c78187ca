/**
 * The restore drill of a real server (docs/restore.md, "A drill on a server"): the archive's dump restored
 * into a second, throw-away MongoDB, never into the live one. The install's own mongod.exe is started on a
 * scratch data folder and a spare loopback port (no --auth: it only listens on 127.0.0.1 and holds a copy
 * of the backup), mongorestore.exe writes the dump into it (its output judged as mongoRestore.log), the
 * driver counts every collection, and the scratch mongod is shut down in every outcome. The live service,
 * its data folder, its port and its settings are not touched; no secret is needed or written.
 *
 * The same code runs against a sandbox, whose install bin folder holds an emulated mongod.exe and
 * mongorestore.exe (DrillMethod mongod), so every step and failure here is exercised by the tests.
 */
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { MongoClient } from 'mongodb';
import { loadMongoDriver } from '../mongo/driver.ts';
import type { BackupConfig } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { Manifest } from '../core/manifest.ts';
import { parseRuntimeSettings, EffectiveSettings } from '../core/settings.ts';
import { joinConfigured } from '../core/context.ts';
import type { RunLogger } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import { runProcess, startProcess, type StartedProcess } from '../util/exec.ts';
import { formatDuration } from '../util/format.ts';
import { findOnPath } from '../util/fsx.ts';
import { judgeMongorestoreRun, type RestoreLogVerdict } from './restore-log.ts';
import { RESTORE_NAMESPACES } from './restore-selfmanaged.ts';

export type DrillMethod = 'sandbox' | 'mongod';

/** The databases a fresh mongod has of its own: never counted. */
const SYSTEM_DATABASES = new Set(['admin', 'config', 'local']);
const LOOPBACK = '127.0.0.1';

/** auto: a drill against a sandbox makes a scratch sandbox; on a server it uses a scratch mongod. */
export function chooseDrillMethod(requested: unknown, configured: BackupConfig['RestoreConfiguration']['DrillMethod'], kind: Platform['kind']): DrillMethod {
  const raw = requested === undefined || requested === null || requested === '' ? configured : String(requested).toLowerCase();
  if (raw !== 'auto' && raw !== 'sandbox' && raw !== 'mongod') {
    throw new BackupError(
      ExitCode.Validation,
      `-Method must be Auto, Sandbox or Mongod, not "${String(requested)}".`,
      'See docs/restore.md, "What a drill proves".',
    );
  }
  if (raw === 'auto') return kind === 'sandbox' ? 'sandbox' : 'mongod';
  if (raw === 'sandbox' && kind !== 'sandbox') {
    throw new BackupError(
      ExitCode.Validation,
      'A drill into a scratch sandbox needs -SandboxPath (the sandbox it copies).',
      'On a server use -Method Mongod (the default there): a scratch mongod on a spare port.',
    );
  }
  return raw;
}

/**
 * mongod.exe and mongorestore.exe: configured, else beside AlteryxService.exe (where Alteryx Server ships
 * mongod.exe). mongorestore.exe, when the install does not have it, is also looked for on PATH (the MongoDB
 * Database Tools). Exit 3 naming the setting when either is missing.
 */
export async function drillTools(
  platform: Platform,
  config: BackupConfig,
): Promise<{ mongod: { configured: string; local: string }; mongorestore: { configured: string; local: string } }> {
  const bin = config.ServerConfiguration.AlteryxServicePath.replace(/[\\/][^\\/]*$/, '');
  const rc = config.RestoreConfiguration;
  const isFile = (local: string) =>
    fsp.stat(local).then(
      (s) => s.isFile(),
      () => false,
    );
  const missing = (tried: string[], key: string, extra = '') =>
    new BackupError(
      ExitCode.Validation,
      `The drill needs ${tried[0]!.split(/[\\/]/).pop()} and it was not found at ${tried.join(', nor ')}.`,
      `Set RestoreConfiguration.${key} to its path (Alteryx Server installs mongod.exe in its bin folder beside AlteryxService.exe${extra}), or run the drill against a sandbox.`,
    );
  const mongodConfigured = rc.MongodPath ?? joinConfigured(bin, 'mongod.exe');
  const mongodLocal = platform.paths.resolve(mongodConfigured);
  if (!(await isFile(mongodLocal))) throw missing([mongodConfigured], 'MongodPath');
  let mongorestore: { configured: string; local: string } | undefined;
  if (rc.MongorestorePath) {
    const local = platform.paths.resolve(rc.MongorestorePath);
    if (!(await isFile(local))) throw missing([rc.MongorestorePath], 'MongorestorePath');
    mongorestore = { configured: rc.MongorestorePath, local };
  } else {
    const besideMongod = joinConfigured(mongodConfigured.replace(/[\\/][^\\/]*$/, ''), 'mongorestore.exe');
    const local = platform.paths.resolve(besideMongod);
    if (await isFile(local)) mongorestore = { configured: besideMongod, local };
    else {
      const onPath = findOnPath('mongorestore', platform.childEnv());
      if (!onPath) throw missing([besideMongod, 'PATH'], 'MongorestorePath', '; or install the MongoDB Database Tools');
      mongorestore = { configured: onPath, local: onPath };
    }
  }
  return { mongod: { configured: mongodConfigured, local: mongodLocal }, mongorestore };
}

/** The live embedded MongoDB's port from the live settings (overrides over defaults); 27018 when unreadable. */
export async function liveEmbeddedPort(platform: Platform, config: BackupConfig): Promise<number> {
  const sc = config.ServerConfiguration;
  const read = async (configured: string) => {
    const xml = await fsp.readFile(platform.paths.resolve(configured), 'utf8').catch(() => undefined);
    if (xml === undefined) return undefined;
    try {
      return parseRuntimeSettings(xml, configured);
    } catch {
      return undefined;
    }
  };
  const s = new EffectiveSettings(
    await read(joinConfigured(sc.ProgramDataDirectory, 'RuntimeSettings.xml')),
    await read(joinConfigured(sc.InstallDirectory, 'bin', 'RuntimeData', 'RuntimeSettings.xml')),
  );
  const n = Number(s.value('Controller', 'EmbeddedMongoDBPort'));
  return Number.isInteger(n) && n > 0 ? n : 27018;
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const got = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * The scratch mongod's port: the requested one (which must be free and not the live MongoDB's), or a
 * free loopback port. Exit 3 naming the port otherwise.
 */
export async function chooseDrillPort(requested: number, livePort: number): Promise<number> {
  if (requested === livePort) {
    throw new BackupError(
      ExitCode.Validation,
      `Port ${requested} is the live embedded MongoDB's port (EmbeddedMongoDBPort): the drill never uses it.`,
      'Give another -Port, or 0 for a free one.',
    );
  }
  if (requested > 0) {
    try {
      return await listenOnce(requested);
    } catch (err) {
      throw new BackupError(
        ExitCode.Validation,
        `Port ${requested} on ${LOOPBACK} is in use (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
        'Give another -Port, or 0 for a free one.',
      );
    }
  }
  for (let i = 0; i < 5; i++) {
    const p = await listenOnce(0);
    if (p !== livePort) return p;
  }
  throw new BackupError(ExitCode.General, `No free loopback port other than ${livePort} was found.`, 'Give a -Port.');
}

/** What the scratch MongoDB must hold: the dump's bytes, several times over when it is gzip'd. */
export function scratchBytesNeeded(m: Manifest): number {
  const dump = m.files.filter((f) => f.path.startsWith('MongoDB/')).reduce((n, f) => n + f.size, 0);
  const extracted = m.files.filter((f) => !isSecret(f.path)).reduce((n, f) => n + f.size, 0);
  return extracted + Math.ceil(dump * (m.mongo.gzip ? 5 : 1.5)) + 64 * 1024 * 1024;
}

/** Secrets are verified in the archive but never written to the scratch folder. */
export function isSecret(path: string): boolean {
  return /(^|\/)Secrets\//.test(path);
}

export interface ScratchMongod {
  port: number;
  dbPath: string;
  logPath: string;
  process: StartedProcess;
  /**
   * Set when the MongoDB driver refuses this server's version (older than 4.4, e.g. the MongoDB 4.0 of older
   * Alteryx releases): it is then neither counted nor shut down through the driver.
   */
  driverRefusal?: string | undefined;
  /** Shuts it down (shutdown command, then a kill after the grace time); idempotent; never throws. */
  stop(): Promise<string>;
}

function tailOfLog(text: string, n = 4): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const pick = lines.filter((l) => /"s":"[EF]"|error|fatal|exception/i.test(l));
  return (pick.length ? pick : lines)
    .slice(-n)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { msg?: string; attr?: Record<string, unknown> };
        const detail = j.attr?.['error'] ?? j.attr?.['message'] ?? j.attr?.['assertion'];
        return detail !== undefined ? `${j.msg}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}` : (j.msg ?? l);
      } catch {
        return l;
      }
    })
    .join(' | ');
}

/** A client of the scratch mongod (the driver is loaded on first use: only the mongod drill needs it). */
async function client(port: number, timeoutMs: number): Promise<MongoClient> {
  const { MongoClient } = await loadMongoDriver();
  return new MongoClient(`mongodb://${LOOPBACK}:${port}/?directConnection=true`, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    appName: 'AlteryxBackup drill',
    maxPoolSize: 1,
    retryReads: false,
    retryWrites: false,
  });
}

/**
 * Starts `mongod --dbpath <scratch>\db --port P --bind_ip 127.0.0.1 --logpath <scratch>\mongod.log` and
 * waits until it answers a ping. Exit 5 with the log's own words when it ends or does not answer in time.
 */
export async function startScratchMongod(o: {
  exe: string;
  scratch: string;
  port: number;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  log: RunLogger;
  signal?: AbortSignal | undefined;
  onSpawn?: (pid: number) => void;
}): Promise<ScratchMongod> {
  const dbPath = join(o.scratch, 'db');
  const logPath = join(o.scratch, 'mongod.log');
  await fsp.mkdir(dbPath, { recursive: true });
  const args = ['--dbpath', dbPath, '--port', String(o.port), '--bind_ip', LOOPBACK, '--logpath', logPath];
  o.log.info(`Starting the scratch MongoDB: ${o.exe} ${args.join(' ')}`);
  const proc = startProcess(o.exe, args, { env: o.env });
  if (proc.pid !== undefined) o.onSpawn?.(proc.pid);
  let stopped: Promise<string> | undefined;
  const handle: ScratchMongod = {
    port: o.port,
    dbPath,
    logPath,
    process: proc,
    stop: () => (stopped ??= stopMongod(proc, o.port, o.log, !handle.driverRefusal)),
  };
  const t0 = Date.now();
  for (;;) {
    if (!proc.running()) {
      const e = await proc.exited;
      const text = await fsp.readFile(logPath, 'utf8').catch(() => '');
      throw new BackupError(
        ExitCode.MongoDB,
        `The scratch mongod ended at start with exit code ${e.exitCode ?? e.signal}${text ? `: ${tailOfLog(text)}` : ' and wrote no log'}.`,
        `See ${logPath}; check RestoreConfiguration.MongodPath and that the scratch folder is writable.`,
      );
    }
    if (o.signal?.aborted) {
      await handle.stop();
      throw new BackupError(ExitCode.General, 'The drill was interrupted while the scratch mongod started.');
    }
    const c = await client(o.port, 500);
    try {
      await c.connect();
      await c.db('admin').command({ ping: 1 });
      o.log.info(`The scratch MongoDB answers on ${LOOPBACK}:${o.port} (pid ${proc.pid}, ${formatDuration(Date.now() - t0)})`);
      return handle;
    } catch (err) {
      // An old MongoDB answers, but the driver will not talk to it: the drill goes on without the driver.
      if (/wire version/i.test((err as Error).message)) {
        handle.driverRefusal = (err as Error).message;
        o.log.warn(
          `The scratch MongoDB answers on ${LOOPBACK}:${o.port} (pid ${proc.pid}), but its version is older than the driver supports (4.4): ${handle.driverRefusal}`,
        );
        return handle;
      }
    } finally {
      await c.close().catch(() => {});
    }
    if (Date.now() - t0 > o.timeoutMs) {
      await handle.stop();
      const text = await fsp.readFile(logPath, 'utf8').catch(() => '');
      throw new BackupError(
        ExitCode.MongoDB,
        `The scratch mongod did not accept connections on ${LOOPBACK}:${o.port} within ${Math.round(o.timeoutMs / 1000)} s${text ? ` (its log: ${tailOfLog(text)})` : ''}.`,
        `See ${logPath}; raise RestoreConfiguration.DrillStartTimeoutSeconds on a slow machine.`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The `shutdown` command to the scratch mongod on 127.0.0.1:port; never throws (mongod drops the connection as it goes). */
export async function sendShutdown(port: number): Promise<void> {
  const c = await client(port, 2000);
  try {
    await c.connect();
    await c.db('admin').command({ shutdown: 1 });
  } catch {
    // the normal answer, or nobody listens any more
  } finally {
    await c.close().catch(() => {});
  }
}

async function stopMongod(proc: StartedProcess, port: number, log: RunLogger, viaDriver: boolean): Promise<string> {
  if (!proc.running()) return 'already ended';
  if (viaDriver) await sendShutdown(port);
  else {
    // No driver for this version: a termination request (on Windows the process is ended). Its data is a copy.
    proc.kill('SIGTERM');
  }
  const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
  const first = await Promise.race([proc.exited, grace]);
  if (first !== 'timeout') {
    log.info(`Scratch MongoDB shut down (exit code ${first.exitCode ?? first.signal})`);
    return 'shut down';
  }
  log.warn(`The scratch mongod (pid ${proc.pid}) did not shut down within 30 s: it is killed`);
  proc.kill('SIGKILL');
  await proc.exited;
  return 'killed';
}

/**
 * `mongorestore --host=127.0.0.1 --port=P --dir=<dump> [--gzip] [--nsInclude ...]`, its output written to
 * mongoRestore.log in the scratch folder and judged exactly as alteryx-facts.md says. Never throws for a
 * failed restore: the verdict says so.
 */
export async function restoreIntoScratch(o: {
  exe: string;
  dumpDir: string;
  port: number;
  gzip: boolean;
  selfManaged: boolean;
  scratch: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  log: RunLogger;
  signal?: AbortSignal | undefined;
}): Promise<{ verdict: RestoreLogVerdict; logPath: string; durationMs: number }> {
  const args = [
    `--host=${LOOPBACK}`,
    `--port=${o.port}`,
    `--dir=${o.dumpDir}`,
    ...(o.gzip ? ['--gzip'] : []),
    ...(o.selfManaged ? RESTORE_NAMESPACES.map((ns) => `--nsInclude=${ns}`) : []),
  ];
  o.log.info(`Restoring the archive's dump into the scratch MongoDB: ${o.exe} ${args.join(' ')}`);
  const t0 = Date.now();
  const res = await runProcess(o.exe, args, { env: o.env, timeoutMs: o.timeoutMs, signal: o.signal });
  const durationMs = Date.now() - t0;
  const output = [res.stdout, res.stderr].filter((x) => x.trim()).join('\n');
  const logPath = join(o.scratch, 'mongoRestore.log');
  await fsp.writeFile(logPath, output);
  for (const line of output.split(/\r?\n/).filter((l) => l.trim())) o.log.debug(`mongorestore: ${line}`);
  const verdict = judgeMongorestoreRun(output, res);
  o.log.info(`mongorestore into the scratch MongoDB ended with exit code ${res.exitCode} after ${formatDuration(durationMs)}: ${verdict.summary} (${logPath})`);
  return { verdict, logPath, durationMs };
}

/** Every user database and collection of the scratch MongoDB with its document count, through the driver. */
export async function countScratch(port: number): Promise<Record<string, Record<string, number>>> {
  const c = await client(port, 5000);
  try {
    await c.connect();
    const dbs = (await c.db('admin').command({ listDatabases: 1, nameOnly: true }))['databases'] as Array<{ name: string }>;
    const out: Record<string, Record<string, number>> = {};
    for (const { name } of dbs) {
      if (SYSTEM_DATABASES.has(name)) continue;
      const db = c.db(name);
      const colls = await db.listCollections({}, { nameOnly: true }).toArray();
      out[name] = {};
      for (const coll of colls) {
        if (coll.name.startsWith('system.')) continue;
        out[name][coll.name] = Number((await db.command({ count: coll.name }))['n']);
      }
    }
    return out;
  } finally {
    await c.close().catch(() => {});
  }
}
