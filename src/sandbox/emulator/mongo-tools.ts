import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { appendEvent } from '../events.ts';
import { knobsOf } from '../knobs-core.ts';
import { mongoServerDir } from '../layout.ts';
import { controllerNode, infoOf, readSandboxFile } from '../meta.ts';
import { loopbackMongod } from '../mongod-registry.ts';
import type { SandboxFile, SelfManagedMongo } from '../types.ts';
import { isWindowsPath, mapWindowsPath } from '../winpath.ts';
import { fileSink, last, mongoTime, parseArgs, streamSink, type ParsedArgs, type Sink } from './common.ts';
import { dirSources, DumpFailure, dumpToArchive, dumpToDir, listCollections, readArchive, restoreCollections } from './engine.ts';
import { acknowledged, closingLines, toolsFormat, type ToolsFormat } from './tools-format.ts';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  stdout: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

const COMMON_VALUED = [
  'uri',
  'host',
  'port',
  'username',
  'password',
  'authenticationDatabase',
  'authenticationMechanism',
  'config',
  'db',
  'collection',
  'readPreference',
  'tlsCAFile',
  'tlsCertificateKeyFile',
  'sslCAFile',
  'sslPEMKeyFile',
  'numParallelCollections',
  'verbose',
];
const COMMON_FLAGS = ['gzip', 'quiet', 'tls', 'ssl', 'tlsInsecure', 'help', 'version'];
const ALIASES: Record<string, string> = {
  h: 'host',
  u: 'username',
  p: 'password',
  d: 'db',
  c: 'collection',
  o: 'out',
  v: 'verbose',
  j: 'numParallelCollections',
};

const DUMP_SPEC = {
  valued: [...COMMON_VALUED, 'out', 'query', 'excludeCollection'],
  flags: [...COMMON_FLAGS, 'oplog', 'dumpDbUsersAndRoles'],
  optional: ['archive'],
  aliases: ALIASES,
};
const RESTORE_SPEC = {
  valued: [...COMMON_VALUED, 'dir', 'nsInclude', 'nsExclude', 'nsFrom', 'nsTo', 'numInsertionWorkersPerCollection', 'writeConcern'],
  flags: [...COMMON_FLAGS, 'drop', 'oplogReplay', 'stopOnError', 'noIndexRestore', 'preserveUUID', 'dryRun', 'objcheck', 'maintainInsertionOrder'],
  optional: ['archive'],
  aliases: ALIASES,
};

interface Conn {
  hosts: string[];
  /** The URI's w option (w=0: unacknowledged). */
  w?: string;
  username?: string;
  password?: string;
  authDb: string;
}

function parseUri(uri: string): Conn | string {
  const m = /^mongodb(\+srv)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(uri);
  if (!m) return `error parsing uri: scheme must be "mongodb" or "mongodb+srv"`;
  const params = new URLSearchParams(m[6] ?? '');
  const dec = (s: string | undefined) => (s === undefined ? undefined : decodeURIComponent(s));
  const username = dec(m[2]);
  const password = dec(m[3]);
  return {
    hosts: (m[4] ?? '').split(',').map((h) => (h.includes(':') ? h : `${h}:27017`)),
    ...(username ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    authDb: params.get('authSource') ?? (m[5] || 'admin'),
    ...(params.get('w') !== null ? { w: params.get('w') as string } : {}),
  };
}

/** Resolves the connection from --uri / --host / --port / --username / --password / --config. */
function connection(p: ParsedArgs, mapPath: (s: string) => string): Conn | string {
  let conn: Conn = { hosts: [], authDb: 'admin' };
  let configUri: string | undefined;
  let configPassword: string | undefined;
  const config = last(p, 'config');
  if (config) {
    let y: unknown;
    try {
      y = parseYaml(fs.readFileSync(mapPath(config), 'utf8'));
    } catch (err) {
      return `error opening config file: ${(err as Error).message}`;
    }
    const o = (y && typeof y === 'object' ? y : {}) as Record<string, unknown>;
    if (typeof o['password'] === 'string') configPassword = o['password'];
    if (typeof o['uri'] === 'string') configUri = o['uri'];
  }
  const uri = last(p, 'uri') ?? configUri;
  if (uri) {
    const c = parseUri(uri);
    if (typeof c === 'string') return c;
    conn = c;
  }
  const host = last(p, 'host');
  if (host) {
    const list = host.includes('/') ? host.slice(host.indexOf('/') + 1) : host;
    const port = last(p, 'port') ?? '27017';
    conn.hosts = list.split(',').map((h) => (h.includes(':') ? h : `${h}:${port}`));
  } else if (conn.hosts.length === 0) {
    conn.hosts = [`localhost:${last(p, 'port') ?? '27017'}`];
  }
  const user = last(p, 'username');
  if (user !== undefined) conn.username = user;
  const pw = last(p, 'password') ?? configPassword;
  if (pw !== undefined) conn.password = pw;
  const authDb = last(p, 'authenticationDatabase');
  if (authDb) conn.authDb = authDb;
  return conn;
}

/** The server a connection reaches: its data folder and how the failure messages name it. */
interface Server {
  dataDir: string;
  /** host:port as mongodump's connection-pool errors name it. */
  hostPort: string;
  replicaSet?: string;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '::1'];

function splitHostPort(h: string): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(h);
  if (!m) return { host: h, port: 27017 };
  return { host: m[1] as string, port: m[2] ? Number(m[2]) : 27017 };
}

const isLoopback = (h: string) => LOOPBACK_HOSTS.includes(splitHostPort(h).host.toLowerCase());

/**
 * Resolves the connection to a server of the sandbox, or returns mongo-tools' error line ('NOAUTH' when no
 * username was given to a server that needs one):
 * - loopback hosts only (127.0.0.1 / localhost): the emulated mongod registered on that port (DIR/net), its
 *   data folder; none: connection refused;
 * - else the self-managed MongoDB (selfManaged in sandbox.json), DIR/mongo-server.
 */
function resolveServer(dir: string, f: SandboxFile, conn: Conn): Server | string {
  const shown = `mongodb://${conn.hosts.join(',')}/`;
  if (conn.hosts.length > 0 && conn.hosts.every(isLoopback)) {
    for (const h of conn.hosts) {
      const m = loopbackMongod(dir, splitHostPort(h).port);
      if (!m) continue;
      if (conn.username !== undefined) {
        // No user exists on a fresh mongod (with or without --auth): SCRAM fails as for an unknown user.
        return `Failed: can't create session: failed to connect to ${shown}: connection() error occurred during connection handshake: auth error: sasl conversation error: unable to authenticate using mechanism "SCRAM-SHA-1": (AuthenticationFailed) Authentication failed.`;
      }
      if (m.auth) return 'NOAUTH';
      return { dataDir: m.dbpath, hostPort: h };
    }
    return `Failed: can't create session: failed to connect to ${shown}: server selection error: server selection timeout, current topology: { Type: ${conn.hosts.length === 1 ? 'Single' : 'Unknown'}, Servers: [${conn.hosts
      .map((h) => `{ Addr: ${h}, Type: Unknown, Last error: dial tcp ${h}: connect: connection refused }, `)
      .join('')}] }`;
  }
  const sm = f.selfManaged as SelfManagedMongo | undefined;
  const unreachable = () =>
    `Failed: can't create session: failed to connect to ${shown}: server selection error: server selection timeout, current topology: { Type: Unknown, Servers: [${conn.hosts
      .map((h) => `{ Addr: ${h}, Type: Unknown, Last error: dial tcp: lookup ${h.split(':')[0]}: no such host }, `)
      .join('')}] }`;
  if (!sm || knobsOf(f).mongo.unreachable) return unreachable();
  const members = [`${sm.host}:${sm.port}`, ...(sm.members ?? [])].map((h) => h.toLowerCase());
  if (!conn.hosts.some((h) => members.includes(h.toLowerCase()))) return unreachable();
  if (conn.username === undefined) return 'NOAUTH';
  if (conn.username !== sm.username || conn.password !== sm.password || conn.authDb !== sm.authDatabase) {
    return `Failed: can't create session: failed to connect to ${shown}: connection() error occurred during connection handshake: auth error: sasl conversation error: unable to authenticate using mechanism "SCRAM-SHA-256": (AuthenticationFailed) Authentication failed.`;
  }
  return { dataDir: mongoServerDir(dir), hostPort: `${sm.host}:${sm.port}`, ...(sm.replicaSet ? { replicaSet: sm.replicaSet } : {}) };
}

/** Windows paths through the drives of the node the shim belongs to; POSIX paths as given. */
function mapper(dir: string, f: SandboxFile, node: string): (s: string) => string {
  const info = infoOf(dir, f);
  const root = (info.nodes.find((n) => n.name.toLowerCase() === node.toLowerCase()) ?? controllerNode(info)).root;
  return (s: string) => (isWindowsPath(s) ? mapWindowsPath(dir, root, s) : path.resolve(s));
}

function logEvent(dir: string, tool: string, p: ParsedArgs, extra: Record<string, unknown>): void {
  appendEvent(dir, {
    kind: 'cli',
    tool,
    command: tool,
    gzip: p.opts.has('gzip'),
    archive: p.opts.has('archive'),
    ...(p.opts.has('db') ? { db: last(p, 'db') } : {}),
    ...extra,
  });
}

interface ToolRun {
  f: SandboxFile;
  p: ParsedArgs;
  log: (s: string) => void;
  map: (s: string) => string;
  server: Server;
  /** Records the end event and returns the exit code. */
  done: (code: number) => number;
  /** The output format of the emulated tools version (knob mongoTools.version). */
  format: ToolsFormat;
  conn: Conn;
}

/**
 * What mongodump and mongorestore do alike before their work: parse the options (exit 1 with the tool's
 * usage line), answer --version, record the start event, resolve the connection and the server it reaches
 * (exit 1 with the tool's `Failed:` line). Returns the exit code when the tool ends here.
 */
function openToolRun(
  tool: 'mongodump' | 'mongorestore',
  dir: string,
  node: string,
  args: string[],
  io: Io,
  o: {
    spec: Parameters<typeof parseArgs>[1];
    badPositional: (p: ParsedArgs) => string | undefined;
    noAuth: string;
    startExtra?: (p: ParsedArgs) => Record<string, unknown>;
  },
): ToolRun | number {
  const f = readSandboxFile(dir);
  const log = (s: string) => io.err(`${mongoTime()}\t${s}\n`);
  const p = parseArgs(args, o.spec);
  const positional = o.badPositional(p);
  if (p.error || positional) {
    log(`error parsing command line options: ${p.error ?? positional}`);
    log(`try '${tool} --help' for more information`);
    return 1;
  }
  const format = toolsFormat(knobsOf(f).mongoTools.version);
  if (p.opts.has('version')) {
    io.out(
      `${tool} version: ${/^\d\./.test(format.version) ? 'r' : ''}${format.version}\ngit version: 0000000000000000000000000000000000000000\nGo version: go1.21.6\n`,
    );
    return 0;
  }
  const map = mapper(dir, f, node);
  logEvent(dir, tool, p, { phase: 'start', ...(o.startExtra?.(p) ?? {}) });
  const done = (code: number) => {
    logEvent(dir, tool, p, { phase: 'end', exitCode: code });
    return code;
  };
  const conn = connection(p, map);
  if (typeof conn === 'string') {
    log(`Failed: ${conn}`);
    return done(1);
  }
  const server = resolveServer(dir, f, conn);
  if (server === 'NOAUTH') {
    log(`Failed: ${o.noAuth}`);
    return done(1);
  }
  if (typeof server === 'string') {
    log(server);
    return done(1);
  }
  return { f, p, log, map, server, done, format, conn };
}

export async function mongodump(dir: string, node: string, args: string[], io: Io): Promise<number> {
  const run = openToolRun('mongodump', dir, node, args, io, {
    spec: DUMP_SPEC,
    badPositional: (p) => (p.positional.length ? 'error parsing positional arguments: provide only one MongoDB connection string' : undefined),
    noAuth: 'error getting database names: (Unauthorized) command listDatabases requires authentication',
  });
  if (typeof run === 'number') return run;
  const { f, p, log, map, server, done, format } = run;
  if (p.opts.has('oplog') && (!server.replicaSet || p.opts.has('db'))) {
    log(
      p.opts.has('db')
        ? 'Failed: bad option: --oplog mode only supported on full dumps'
        : 'Failed: error getting oplog start: error getting recent oplog entry: mongo: no documents in result',
    );
    return done(1);
  }
  const knobs = knobsOf(f).mongodump;
  const collections = listCollections(server.dataDir, last(p, 'db'), last(p, 'collection'));
  const gzip = p.opts.has('gzip');
  const failAt = knobs.fail === 'exit' ? Math.floor(collections.length / 2) : undefined;
  const common = {
    source: server.dataDir,
    collections,
    gzip,
    seconds: knobs.seconds,
    progress: log,
    format,
    ...(failAt !== undefined ? { failAt } : {}),
    failMessage: (c: { db: string; coll: string }) =>
      `error writing data for collection \`${c.db}.${c.coll}\` to disk: error reading collection: connection pool for ${server.hostPort} was cleared because another operation failed with: connection(${server.hostPort}) incomplete read of message header: EOF`,
  };
  try {
    if (p.opts.has('archive')) {
      const target = last(p, 'archive') ?? '';
      let sink: Sink;
      let display: string;
      if (target === '' || target === '-') {
        sink = streamSink(io.stdout as never, gzip, false);
        display = 'archive on stdout';
      } else {
        const file = map(target);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        sink = fileSink(file, gzip);
        display = `archive '${target}'`;
      }
      try {
        await dumpToArchive(sink, { ...common, display });
      } finally {
        await sink.close();
      }
    } else {
      const outArg = last(p, 'out') ?? 'dump';
      const out = map(outArg);
      await dumpToDir(out, { ...common, display: (db, file) => path.join(outArg, db, file) });
      if (p.opts.has('oplog')) {
        const name = gzip ? 'oplog.bson.gz' : 'oplog.bson';
        fs.writeFileSync(path.join(out, name), gzip ? zlib.gzipSync(Buffer.alloc(0)) : '');
        log(`writing captured oplog to ${path.join(outArg, name)}`);
        log('\tdumped 0 oplog entries');
      }
    }
  } catch (err) {
    if (!(err instanceof DumpFailure)) throw err;
    log(`Failed: ${err.message}`);
    return done(1);
  }
  return done(0);
}

export async function mongorestore(dir: string, node: string, args: string[], io: Io): Promise<number> {
  const run = openToolRun('mongorestore', dir, node, args, io, {
    spec: RESTORE_SPEC,
    badPositional: (p) => (p.positional.length > 1 ? 'too many positional arguments' : undefined),
    noAuth: '(Unauthorized) command listCollections requires authentication',
    startExtra: (p) => ({ drop: p.opts.has('drop') }),
  });
  if (typeof run === 'number') return run;
  const { f, p, log, map, server, done, format, conn } = run;
  const closing = (r: { restored: number; failed: number; error?: string }) => {
    for (const l of closingLines(format, r, acknowledged(last(p, 'writeConcern'), conn.w))) log(l);
  };
  const gzip = p.opts.has('gzip');
  let tmp: string | undefined;
  try {
    let sources: ReturnType<typeof dirSources>;
    if (p.opts.has('archive')) {
      const a = last(p, 'archive') ?? '';
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-restore-'));
      let input: NodeJS.ReadableStream = a === '' || a === '-' ? io.stdin : fs.createReadStream(map(a));
      if (gzip) input = input.pipe(zlib.createGunzip());
      try {
        sources = await readArchive(input as never, a || 'stdin', tmp);
      } catch (err) {
        log(`Failed: ${a || 'stdin'}: error reading archive: ${(err as Error).message}`);
        closing({ restored: 0, failed: 0, error: 'archive' });
        return done(1);
      }
    } else {
      const dArg = last(p, 'dir') ?? p.positional[0] ?? 'dump';
      const d = map(dArg);
      if (!fs.existsSync(d)) {
        log(`Failed: mongorestore target '${dArg}' invalid: stat ${dArg}: no such file or directory`);
        closing({ restored: 0, failed: 0, error: 'target' });
        return done(1);
      }
      sources = dirSources(d, (rel) => path.join(dArg, rel), last(p, 'db'));
    }
    const db = last(p, 'db');
    const includes = p.opts.get('nsInclude') ?? [];
    const globs = includes.map(
      (g) =>
        new RegExp(
          '^' +
            g
              .split('*')
              .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
              .join('.*') +
            '$',
        ),
    );
    sources = sources.filter((s) => (!db || s.db === db) && (globs.length === 0 || globs.some((r) => r.test(`${s.db}.${s.coll}`))));
    const knobs = knobsOf(f).mongorestore;
    const r = await restoreCollections(sources, { target: server.dataDir, drop: p.opts.has('drop'), log, fault: knobs.fail, format });
    if (r.error) log(`Failed: ${r.error}`);
    closing(r);
    return done(r.error ? 1 : 0);
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
