/**
 * REQ-2.2.6: the connectivity check, before anything is stopped. The official driver connects with the
 * configured user (SCRAM, or what authMechanism says), pings, asks `hello` (replica set name) and
 * `buildInfo` (version), and lists the databases (which the dump needs the right to do). Failures are
 * exit 5 with one message per cause: host unreachable, credentials refused, TLS, missing privileges.
 */
import type { MongoClientOptions } from 'mongodb';
import { loadMongoDriver } from './driver.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { RunContext } from '../core/context.ts';
import { EXPECTED_DATABASES } from './dump-counts.ts';
import { formatDuration } from '../util/format.ts';
import { resolveMongoTarget, type MongoTarget } from './target.ts';
import { formatConnectionString, hostList } from './uri.ts';

export interface PingResult {
  /** Replica set name from `hello`, when the target is a replica set. */
  setName?: string | undefined;
  version?: string | undefined;
  /** Database names, or undefined when listDatabases was not allowed. */
  databases?: string[] | undefined;
  durationMs: number;
}

export type FailureKind = 'unreachable' | 'auth' | 'tls' | 'unauthorized' | 'version' | 'other';

export interface PingOptions {
  timeoutMs: number;
  /** Maps a configured host:port to the address to dial (the sandbox's loopback peer). */
  dial?: ((hostPort: string) => Promise<string>) | undefined;
}

/** The driver error, its causes and (server selection) each server's last error, flattened. */
function errorChain(err: unknown): Array<{ name?: string; code?: unknown; codeName?: string; message: string }> {
  const out: Array<{ name?: string; code?: unknown; codeName?: string; message: string }> = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const o = e as {
      name?: string;
      code?: unknown;
      codeName?: string;
      message?: string;
      cause?: unknown;
      reason?: { servers?: Map<string, { error?: unknown }> };
    };
    out.push({ name: o.name, code: o.code, codeName: o.codeName, message: String(o.message ?? '') });
    visit(o.cause);
    const servers = o.reason?.servers;
    if (servers instanceof Map) for (const s of servers.values()) visit(s.error);
  };
  visit(err);
  return out;
}

const TLS_TEXT = /certificate|CERT_|ERR_SSL|ERR_TLS|SSL routines|\bTLS\b|\bSSL\b|self[- ]signed|handshake/i;
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** Decides what went wrong, from the driver's error. */
export function classifyMongoError(err: unknown): { kind: FailureKind; detail: string } {
  const chain = errorChain(err);
  const detail =
    chain
      .map((c) => c.message)
      .filter((m, i, a) => m && a.indexOf(m) === i)
      .slice(0, 2)
      .join(': ') || String(err);
  if (chain.some((c) => c.code === 18 || c.codeName === 'AuthenticationFailed' || /authentication failed/i.test(c.message))) return { kind: 'auth', detail };
  if (chain.some((c) => c.code === 13 || c.codeName === 'Unauthorized')) return { kind: 'unauthorized', detail };
  if (chain.some((c) => TLS_TEXT.test(c.message) || (typeof c.code === 'string' && /CERT|SSL|TLS/.test(c.code)))) return { kind: 'tls', detail };
  // "Server at h:p reports maximum wire version 7, but this version of the Node.js Driver requires at least 9 (MongoDB 4.4)"
  if (chain.some((c) => /wire version/i.test(c.message))) return { kind: 'version', detail };
  if (
    chain.some(
      (c) =>
        (typeof c.code === 'string' && UNREACHABLE_CODES.has(c.code)) ||
        /querySrv|getaddrinfo|timed out|ECONNREFUSED|closed/i.test(c.message) ||
        c.name === 'MongoServerSelectionError',
    )
  ) {
    return { kind: 'unreachable', detail };
  }
  return { kind: 'other', detail };
}

/** The driver call: connect (authenticates every connection), ping, hello, buildInfo, listDatabases. */
export async function pingMongo(target: MongoTarget, opts: PingOptions): Promise<PingResult> {
  const t0 = Date.now();
  let uri = formatConnectionString(target.conn, { withUser: false });
  const dialled: Array<[string, string]> = [];
  if (opts.dial && target.conn.scheme === 'mongodb') {
    const configured = hostList(target.conn);
    const mapped = await Promise.all(configured.map((h) => opts.dial!(h)));
    configured.forEach((h, i) => {
      dialled.push([mapped[i]!, h]);
    });
    uri = formatConnectionString(target.conn, { withUser: false, hosts: [...new Set(mapped)] });
  }
  const options: MongoClientOptions = {
    serverSelectionTimeoutMS: opts.timeoutMs,
    connectTimeoutMS: opts.timeoutMs,
    socketTimeoutMS: opts.timeoutMs * 3,
    appName: 'AlteryxBackup',
    maxPoolSize: 1,
    retryReads: false,
    retryWrites: false,
  };
  if (target.conn.username) options.auth = { username: target.conn.username, ...(target.password !== undefined ? { password: target.password } : {}) };
  // The driver is loaded when a connection is made: most runs (embedded MongoDB) never load it.
  const { MongoClient } = await loadMongoDriver();
  const client = new MongoClient(uri, options);
  // The addresses the sandbox dialled are shown as the hosts the admin configured.
  const unmap = (text: string) => dialled.reduce((s, [from, to]) => s.split(from).join(to), text);
  try {
    await client.connect();
    const admin = client.db('admin');
    await admin.command({ ping: 1 });
    const hello = await admin.command({ hello: 1 });
    const build = await admin.command({ buildInfo: 1 }).catch(() => undefined);
    let databases: string[] | undefined;
    try {
      const r = await admin.command({ listDatabases: 1, nameOnly: true });
      databases = (r['databases'] as Array<{ name: string }>).map((d) => d.name);
    } catch (err) {
      if (classifyMongoError(err).kind !== 'unauthorized') throw err;
      throw Object.assign(new Error(unmap((err as Error).message)), { code: 13, codeName: 'Unauthorized' });
    }
    return {
      setName: (hello['setName'] as string | undefined) ?? undefined,
      version: build?.['version'] as string | undefined,
      databases,
      durationMs: Date.now() - t0,
    };
  } catch (err) {
    const e = err as Error & { code?: unknown; codeName?: string };
    const c = classifyMongoError(err);
    throw Object.assign(new Error(unmap(c.detail)), { kind: c.kind, code: e.code, codeName: e.codeName });
  } finally {
    await client.close(true).catch(() => {});
  }
}

/** The exit-5 error for a failed check: what happened, then what to do. */
export function connectionError(target: MongoTarget, kind: FailureKind, detail: string, timeoutMs: number): BackupError {
  const hosts = hostList(target.conn).join(', ');
  const who = target.conn.username ? `user "${target.conn.username}" (auth database ${target.authSource})` : 'no user';
  switch (kind) {
    case 'unreachable':
      return new BackupError(
        ExitCode.MongoDB,
        `MongoDB is unreachable: no server answered at ${hosts} within ${formatDuration(timeoutMs)} (${detail}).`,
        `Check the host names and ports, that MongoDB is running, and that the firewall lets this machine reach it${!target.tls && /closed|reset/i.test(detail) ? '; the server closed the connection: if it requires TLS set SelfManagedMongoDB.Tls = true (tls=true)' : ''}. Nothing was stopped.`,
      );
    case 'auth':
      return new BackupError(
        ExitCode.MongoDB,
        `MongoDB refused the credentials of ${who} at ${hosts} (${detail}).`,
        `Check the password (-MongoCredential / ALTERYXBACKUP_MONGO_PASSWORD) and that the user is defined in the database "${target.authSource}" (set authSource= or AuthDatabase when it lives elsewhere). Nothing was stopped.`,
      );
    case 'tls':
      return new BackupError(
        ExitCode.MongoDB,
        `The TLS connection to MongoDB at ${hosts} failed (${detail}).`,
        target.tls
          ? 'Check that the server speaks TLS on that port and that its certificate is trusted: give the CA with SelfManagedMongoDB.TlsCAFile (tlsCAFile=) and use the host name the certificate was issued for. Nothing was stopped.'
          : 'The server may require TLS: set SelfManagedMongoDB.Tls = true (tls=true). Nothing was stopped.',
      );
    case 'unauthorized':
      return new BackupError(
        ExitCode.MongoDB,
        `${who} signed in to MongoDB at ${hosts} but may not list the databases (${detail}).`,
        'Grant the user the "backup" role on the admin database (db.grantRolesToUser("<user>", [{ role: "backup", db: "admin" }])); see docs/mongodb.md. Nothing was stopped.',
      );
    case 'version':
      return new BackupError(
        ExitCode.MongoDB,
        `MongoDB at ${hosts} answered, but its version is older than 4.4, the oldest this tool's MongoDB driver speaks (${detail}).`,
        'Upgrade that MongoDB to 4.4 or later (MongoDB 4.2 and older are out of support), or back it up with mongodump by hand. Nothing was stopped.',
      );
    default:
      return new BackupError(
        ExitCode.MongoDB,
        `The MongoDB connectivity check at ${hosts} failed: ${detail}.`,
        'See the DEBUG lines of the log. Nothing was stopped.',
      );
  }
}

/**
 * The check step of a backup run: resolves the target, registers its secrets with the masker, pings with
 * authentication, and logs what it found. Returns the target and the result for the dump.
 */
export async function checkMongoConnection(ctx: RunContext): Promise<{ target: MongoTarget; ping: PingResult }> {
  const sm = ctx.config.MongoDBConfiguration.SelfManagedMongoDB;
  const target = resolveMongoTarget(sm, ctx.settings.get(ctx.controller.name), ctx.secrets);
  for (const s of target.secrets) ctx.log.masker.add(s);
  for (const w of target.warnings) {
    ctx.warnings.push(ctx.log.masker.mask(w));
    ctx.log.warn(w);
  }
  ctx.log.info(`MongoDB connection: ${target.uri} (from ${target.source})`);
  ctx.log.info(
    target.conn.username
      ? `MongoDB user: ${target.conn.username}, auth database ${target.authSource} (${target.authSourceFrom}), password ${target.password !== undefined ? 'given' : 'not needed'}; TLS ${target.tls ? 'on' : 'off'}`
      : `MongoDB user: none (no authentication); TLS ${target.tls ? 'on' : 'off'}`,
  );
  const timeoutMs = sm.ConnectTimeoutSeconds * 1000;
  ctx.progress({ activity: 'Checking MongoDB', status: hostList(target.conn).join(', '), percent: -1 });
  let ping: PingResult;
  try {
    ping = await pingMongo(target, { timeoutMs, dial: ctx.platform.mongo ? (h) => ctx.platform.mongo!.dialAddress(h) : undefined });
  } catch (err) {
    const e = err as Error & { kind?: FailureKind };
    ctx.log.debug(`MongoDB driver error: ${e.message}`);
    throw connectionError(target, e.kind ?? 'other', e.message, timeoutMs);
  }
  ctx.log.info(
    `MongoDB reachable and credentials accepted in ${formatDuration(ping.durationMs)}: ${ping.setName ? `replica set ${ping.setName}` : 'standalone (no replica set)'}${ping.version ? `, MongoDB ${ping.version}` : ''}`,
  );
  if (ping.databases) {
    ctx.log.info(`MongoDB databases: ${ping.databases.join(', ') || '(none)'}`);
    const missing = EXPECTED_DATABASES.filter((d) => !ping.databases!.includes(d));
    if (missing.length) {
      throw new BackupError(
        ExitCode.MongoDB,
        `The MongoDB at ${hostList(target.conn).join(', ')} has no ${missing.join(', ')} database: it does not look like the Alteryx Server database.`,
        'Check the host, port and replica set (the Gallery and the service keep AlteryxGallery, AlteryxGallery_Lucene and AlteryxService there). Nothing was stopped.',
      );
    }
  }
  return { target, ping };
}
