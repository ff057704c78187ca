// The emulated mongod.exe (MongoDB 7.0.12, as shipped in an Alteryx Server install's bin folder): started on a
// data folder and a loopback port it serves a wire-protocol peer (src/sandbox/wire-peer.ts) whose databases
// are the sub-folders of the data folder and whose collections are their <coll>.bson files, so that the
// official driver can list and count what the emulated mongorestore wrote there. It logs structured JSON
// lines as mongod 4.4+ does, locks <dbpath>/mongod.lock, registers itself in DIR/net/127.0.0.1_<port>.json
// (mongod-registry.ts) and shuts down cleanly on SIGTERM, SIGINT or the shutdown command. See docs/sandbox.md.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startWirePeer, type WirePeer } from '../wire-peer.ts';
import { countBsonDocuments } from '../bson-io.ts';
import { appendEvent } from '../events.ts';
import { knobsOf } from '../knobs-core.ts';
import { findNode, readSandboxFile } from '../meta.ts';
import { pidAlive, registerMongod, unregisterMongod } from '../mongod-registry.ts';
import { isWindowsPath, mapWindowsPath } from '../winpath.ts';
import { last, type ParsedArgs, parseArgs } from './common.ts';
import type { SandboxNode } from '../types.ts';

export const MONGOD_VERSION = '7.0.12';
/** mongod's exit codes (src/mongo/util/exit_code.h). */
const EXIT = { clean: 0, badOptions: 2, net: 48, abrupt: 14, uncaught: 100, fileNotOpen: 1 } as const;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const SPEC = {
  valued: ['dbpath', 'port', 'bind_ip', 'logpath', 'storageEngine', 'wiredTigerCacheSizeGB', 'setParameter', 'timeZoneInfo', 'pidfilepath'],
  flags: ['bind_ip_all', 'logappend', 'quiet', 'nounixsocket', 'auth', 'noauth', 'version', 'help', 'ipv6', 'verbose', 'vv', 'vvv'],
  optional: [],
  aliases: { h: 'help', v: 'verbose' } as Record<string, string>,
};

const HELP = `Options:

General options:
  -h [ --help ]                         Show this usage information
  --version                             Show version information
  --quiet                               Quieter output
  --port arg                            Specify port number - 27017 by default
  --bind_ip arg                         Comma separated list of ip addresses to listen on - localhost by default
  --bind_ip_all                         Bind to all ip addresses
  --ipv6                                Enable IPv6 support (disabled by default)
  --logpath arg                         Log file to send write to instead of stdout - has to be a file, not directory
  --logappend                           Append to logpath instead of over-writing
  --nounixsocket                        Disable listening on unix sockets
  --auth                                Run with security
  --noauth                              Run without security
  --setParameter arg                    Set a configurable parameter

Storage options:
  --storageEngine arg                   What storage engine to use - defaults to wiredTiger if no data files present
  --dbpath arg                          Directory for datafiles - defaults to \\data\\db\\ which is C:\\data\\db\\ based on the current working drive
  --wiredTigerCacheSizeGB arg           Maximum amount of memory to allocate for cache

(sandbox emulator of mongod ${MONGOD_VERSION}; see docs/sandbox.md)
`;

const VERSION_TEXT = `db version v${MONGOD_VERSION}
Build Info: {
    "version": "${MONGOD_VERSION}",
    "gitVersion": "0000000000000000000000000000000000000000",
    "modules": [],
    "allocator": "tcmalloc",
    "environment": {
        "distmod": "windows",
        "distarch": "x86_64",
        "target_arch": "x86_64"
    }
}
`;

type LogSeverity = 'I' | 'W' | 'E' | 'F';

/** The wire version a mongod of that version reports (knob mongod.version): 4.0 = 7, 4.2 = 8, 4.4 = 9, 5.0 = 13, 6.0 = 17, 7.0 = 21. */
export function maxWireVersionOf(version: string): number {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const table: Array<[number, number, number]> = [
    [8, 0, 25],
    [7, 0, 21],
    [6, 0, 17],
    [5, 0, 13],
    [4, 4, 9],
    [4, 2, 8],
    [4, 0, 7],
    [3, 6, 6],
    [3, 4, 5],
    [3, 2, 4],
    [3, 0, 3],
  ];
  for (const [ma, mi, wire] of table) if (major > ma || (major === ma && minor >= mi)) return wire;
  return 2;
}

/** One structured log line as mongod 4.4+ writes it. */
export function mongodLogLine(s: LogSeverity, c: string, id: number, ctx: string, msg: string, attr?: Record<string, unknown>): string {
  const t = { $date: new Date().toISOString().replace('Z', '+00:00') };
  return JSON.stringify({ t, s, c, id, ctx, msg, ...(attr ? { attr } : {}) }) + '\n';
}

/** Names that are safe as one path segment (no traversal out of the data folder). */
const safeName = (s: string) => s !== '' && s !== '.' && s !== '..' && !/[\\/\0]/.test(s);

function subfolders(root: string): string[] {
  try {
    return fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** The peer's view of a data folder: admin, config, local and one database per sub-folder. */
export function dataFolderView(dbpath: string): {
  databases: () => string[];
  collections: (db: string) => string[];
  count: (db: string, coll: string) => number;
} {
  return {
    databases: () => [...new Set(['admin', 'config', 'local', ...subfolders(dbpath)])].sort(),
    collections: (db) => {
      if (!safeName(db)) return [];
      try {
        return fs
          .readdirSync(path.join(dbpath, db))
          .filter((f) => f.endsWith('.bson'))
          .map((f) => f.slice(0, -5))
          .sort();
      } catch {
        return [];
      }
    },
    count: (db, coll) => {
      if (!safeName(db) || !safeName(coll)) return 0;
      const file = path.join(dbpath, db, `${coll}.bson`);
      return fs.existsSync(file) ? countBsonDocuments(file) : 0;
    },
  };
}

/** Takes <dbpath>/mongod.lock for this process: 'in-use' when it holds the pid of another live process. */
function lockDbpath(lockFile: string, log: (s: LogSeverity, c: string, id: number, msg: string, attr?: Record<string, unknown>) => void): 'ok' | 'in-use' {
  const tmp = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let i = 0; i < 10; i++) {
      try {
        fs.linkSync(tmp, lockFile); // atomic: fails when the lock file exists
        return 'ok';
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let held = NaN;
      try {
        held = Number.parseInt(fs.readFileSync(lockFile, 'utf8').trim(), 10);
      } catch {
        continue; // removed meanwhile
      }
      if (held !== process.pid && pidAlive(held)) return 'in-use';
      // A lock left by a mongod that was killed (or an empty one from a clean real shutdown).
      if (Number.isFinite(held)) log('W', 'STORAGE', 22271, 'Detected unclean shutdown - Lock file is not empty', { lockFile });
      fs.rmSync(lockFile, { force: true });
    }
    return 'in-use';
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

type Stop = { by: 'signal'; signal: NodeJS.Signals } | { by: 'command' };
type Log = (s: LogSeverity, c: string, id: number, msg: string, attr?: Record<string, unknown>) => void;

/** The checked command line of one start. */
interface Options {
  p: ParsedArgs;
  port: number;
  dbpathGiven: string;
  logpathGiven: string | undefined;
  auth: boolean;
}

/** Phase 1, options: the command line checked, or the exit code when the start ends there (usage error, --help, --version). */
function readOptions(dir: string, args: string[], io: Io): Options | number {
  const p = parseArgs(args, SPEC);
  if (p.error || p.positional.length) {
    let what: string;
    if (!p.error) what = 'too many positional options have been specified on the command line';
    else if (p.error.startsWith('unknown option')) {
      const name = /"(.*)"/.exec(p.error)?.[1] ?? '';
      what = `unrecognised option '${name.length === 1 ? '-' : '--'}${name}'`;
    } else {
      const name = /`--(.*)'/.exec(p.error)?.[1] ?? '';
      what = `the required argument for option '--${name}' is missing`;
    }
    io.err(`Error parsing command line: ${what}\ntry 'mongod --help' for more information\n`);
    return EXIT.badOptions;
  }
  if (p.opts.has('help')) {
    io.out(HELP);
    return EXIT.clean;
  }
  if (p.opts.has('version')) {
    io.out(VERSION_TEXT.split(MONGOD_VERSION).join(knobsOf(readSandboxFile(dir)).mongod.version));
    return EXIT.clean;
  }
  const portArg = last(p, 'port') ?? '27017';
  const port = /^\d+$/.test(portArg) ? Number(portArg) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    io.err(`Error parsing command line: the argument ('${portArg}') for option '--port' is invalid\ntry 'mongod --help' for more information\n`);
    return EXIT.badOptions;
  }
  const auth = p.opts.has('auth') && !p.opts.has('noauth');
  return { p, port, dbpathGiven: last(p, 'dbpath') ?? 'C:\\data\\db\\', logpathGiven: last(p, 'logpath'), auth };
}

/** Phase 2, log file: where the log lines go (stdout without --logpath), or the exit code when the file cannot be opened. */
function openLog(o: Options, map: (s: string) => string, io: Io): ((line: string) => void) | number {
  // Before the log is open, mongod writes to stdout.
  io.out(mongodLogLine('I', 'CONTROL', 23285, 'main', "Automatically disabling TLS 1.0, to force-enable TLS 1.0 specify --sslDisabledProtocols 'none'"));
  if (o.logpathGiven === undefined) return io.out;
  const logFile = map(o.logpathGiven);
  try {
    if (!o.p.opts.has('logappend') && fs.existsSync(logFile)) {
      const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
      fs.renameSync(logFile, `${logFile}.${stamp}`);
    }
    const fd = fs.openSync(logFile, 'a');
    return (line) => fs.writeSync(fd, line);
  } catch {
    io.out(
      mongodLogLine('F', 'CONTROL', 20574, '-', 'Error during global initialization', {
        error: { code: 38, codeName: 'FileNotOpen', errmsg: `Failed to open ${o.logpathGiven}` },
      }),
    );
    return EXIT.fileNotOpen;
  }
}

/** Phase 3, start-up lines: who starts, its build, its system and its options. */
function logStartup(log: Log, o: Options, node: SandboxNode, version: string): void {
  const { p, port, auth, dbpathGiven, logpathGiven } = o;
  log('I', 'CONTROL', 4615611, 'MongoDB starting', { pid: process.pid, port, dbPath: dbpathGiven, architecture: '64-bit', host: node.name });
  log('I', 'CONTROL', 23403, 'Build Info', {
    buildInfo: {
      version,
      gitVersion: '0000000000000000000000000000000000000000',
      modules: [],
      allocator: 'tcmalloc',
      environment: { distmod: 'windows', distarch: 'x86_64', target_arch: 'x86_64' },
    },
  });
  log('I', 'CONTROL', 51765, 'Operating System', { os: { name: 'Microsoft Windows Server 2019', version: '10.0 (build 17763)' } });
  log('I', 'CONTROL', 21951, 'Options set by command line', {
    options: {
      net: { bindIp: '127.0.0.1', port },
      ...(auth ? { security: { authorization: 'enabled' } } : {}),
      storage: { dbPath: dbpathGiven },
      ...(logpathGiven !== undefined
        ? { systemLog: { destination: 'file', path: logpathGiven, ...(p.opts.has('logappend') ? { logAppend: true } : {}) } }
        : {}),
    },
  });
  if (p.opts.has('bind_ip_all') || (last(p, 'bind_ip') ?? '127.0.0.1').split(',').some((a) => !['127.0.0.1', 'localhost'].includes(a.trim()))) {
    log('W', 'CONTROL', 22120, 'The sandbox emulator only listens on 127.0.0.1; --bind_ip / --bind_ip_all are ignored');
  }
}

/**
 * One started mongod after its log is open: what it holds (signal handlers, the lock, the listener, the
 * registry entry) and how it ends (exit releases all of it and logs the last lines).
 */
class MongodRun {
  ctx = 'initandlisten';
  peer: WirePeer | undefined;
  locked = false;
  registeredPort: number | undefined;
  readonly stopRequested: Promise<Stop>;
  requestStop: (s: Stop) => void = () => {};
  private readonly onSigterm = () => this.requestStop({ by: 'signal', signal: 'SIGTERM' });
  private readonly onSigint = () => this.requestStop({ by: 'signal', signal: 'SIGINT' });
  readonly log: Log = (s, c, id, msg, attr) => this.write(mongodLogLine(s, c, id, this.ctx, msg, attr));

  constructor(
    readonly dir: string,
    readonly node: SandboxNode,
    public port: number,
    readonly lockFile: string,
    private readonly write: (line: string) => void,
  ) {
    appendEvent(dir, { kind: 'cli', tool: 'mongod', node: node.name, phase: 'start', port });
    this.stopRequested = new Promise<Stop>((resolve) => (this.requestStop = resolve));
    process.on('SIGTERM', this.onSigterm);
    process.on('SIGINT', this.onSigint);
  }

  /** Releases what it holds, logs the last two lines and records the end. */
  async exit(code: number): Promise<number> {
    this.offSignals();
    if (this.peer) {
      this.log('I', 'NETWORK', 4784923, 'Shutting down the ASIO transport SessionManager');
      await this.peer.close();
    }
    if (this.registeredPort !== undefined) unregisterMongod(this.dir, this.registeredPort, process.pid);
    if (this.locked) {
      this.log('I', 'STORAGE', 22319, 'Shutting down the storage engine', {});
      fs.rmSync(this.lockFile, { force: true });
    }
    this.log('I', 'CONTROL', 20565, 'Now exiting');
    this.log('I', 'CONTROL', 23138, 'Shutting down', { exitCode: code });
    return this.ended(code);
  }

  fatal(msg: string, code: number, id = 20557): Promise<number> {
    this.log('E', 'CONTROL', id, 'DBException in initAndListen, terminating', { error: msg });
    return this.exit(code);
  }

  stopBy(s: Stop): Promise<number> {
    if (s.by === 'signal') {
      this.ctx = 'SignalHandler';
      const [num, text] = s.signal === 'SIGTERM' ? [15, 'Terminated'] : [2, 'Interrupt'];
      this.log('I', 'CONTROL', 23377, 'Received signal', { signal: num, error: text });
      this.log('I', 'CONTROL', 23381, 'will terminate after current cmd ends');
    } else {
      this.ctx = 'conn1';
      this.log('I', 'COMMAND', 4695400, 'Terminating via shutdown command', { force: false, timeoutSecs: 15 });
    }
    return this.exit(EXIT.clean);
  }

  offSignals(): void {
    process.off('SIGTERM', this.onSigterm);
    process.off('SIGINT', this.onSigint);
  }

  /** Records the end with its exit code. */
  ended(code: number): number {
    appendEvent(this.dir, { kind: 'cli', tool: 'mongod', node: this.node.name, phase: 'end', port: this.port, exitCode: code });
    return code;
  }
}

/**
 * Phase 4, data folder and lock: the folder must exist and not be locked by another live mongod; knob
 * mongod.failStart then aborts as a WiredTiger panic does. Returns the exit code when the start ends here.
 */
async function openDataFolder(run: MongodRun, dbpath: string, o: Options, failStart: boolean): Promise<number | undefined> {
  const { log } = run;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dbpath);
  } catch {
    stat = undefined;
  }
  if (!stat?.isDirectory()) {
    return run.fatal(
      `NonExistentPath: Data directory ${o.dbpathGiven} not found. Create the missing directory or specify another path using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.`,
      EXIT.uncaught,
    );
  }
  if (lockDbpath(run.lockFile, log) === 'in-use') {
    const lockShown = `${o.dbpathGiven.replace(/[\\/]+$/, '')}${isWindowsPath(o.dbpathGiven) ? '\\' : '/'}mongod.lock`;
    return run.fatal(
      `DBPathInUse: Unable to lock the lock file: ${lockShown} (Resource temporarily unavailable). Another mongod instance is already running on the ${o.dbpathGiven} directory`,
      EXIT.uncaught,
    );
  }
  run.locked = true;
  log('I', 'STORAGE', 22315, 'Opening WiredTiger', { config: 'create,cache_size=3584M,session_max=33000,eviction=(threads_min=4,threads_max=4)' });
  if (failStart) {
    // A fassert: mongod aborts at once, without its shutdown lines, leaving mongod.lock behind.
    log('E', 'WT', 22435, 'WiredTiger error message', {
      error: -31804,
      message: `[${Math.floor(Date.now() / 1000)}:0][${process.pid}:0x1], wiredtiger_open: __wt_panic, 490: the process must exit and restart: WT_PANIC: WiredTiger library panic`,
    });
    log('F', 'ASSERT', 23091, 'Fatal assertion', { msgid: 28595, file: 'src\\mongo\\db\\storage\\wiredtiger\\wiredtiger_kv_engine.cpp', line: 708 });
    log('F', 'ASSERT', 23092, '\n\n***aborting after fassert() failure\n\n');
    run.offSignals();
    return run.ended(EXIT.abrupt);
  }
  return undefined;
}

/** Phase 5, listener: serves the data folder on the port and registers it; resolves with the exit code once it has stopped. */
async function listen(run: MongodRun, dbpath: string, o: Options, version: string): Promise<number> {
  const { log } = run;
  try {
    run.peer = await startWirePeer({
      port: run.port,
      version,
      maxWireVersion: maxWireVersionOf(version),
      ...dataFolderView(dbpath),
      // --auth: authentication required, and no user anybody knows (a fresh data folder has none).
      ...(o.auth ? { users: [{ username: `__sandbox_${randomBytes(8).toString('hex')}`, password: randomBytes(24).toString('hex'), db: 'admin' }] } : {}),
      onShutdown: () => run.requestStop({ by: 'command' }),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const errmsg = e.code === 'EADDRINUSE' ? 'Address already in use' : (e.message ?? String(err));
    const error = { code: 9001, codeName: 'SocketException', errmsg };
    log('E', 'NETWORK', 23024, 'Failed to set up listener', { error });
    log('E', 'CONTROL', 20568, 'Error setting up listener', { error });
    return run.exit(EXIT.net);
  }
  run.port = run.peer.port; // --port 0: the one the system chose
  try {
    registerMongod(run.dir, run.port, { pid: process.pid, dbpath, ...(o.auth ? { auth: true } : {}) });
  } catch (err) {
    return run.fatal(`FileNotOpen: cannot register 127.0.0.1:${run.port} in the sandbox: ${(err as Error).message}`, EXIT.uncaught);
  }
  run.registeredPort = run.port;
  run.ctx = 'listener';
  log('I', 'NETWORK', 23015, 'Listening on', { address: '127.0.0.1' });
  log('I', 'NETWORK', 23016, 'Waiting for connections', { port: run.port, ssl: 'off' });
  return run.stopBy(await run.stopRequested);
}

/** The emulated mongod of one node. Resolves with the exit code once it has shut down. */
export async function mongod(dir: string, nodeName: string, args: string[], io: Io): Promise<number> {
  const o = readOptions(dir, args, io);
  if (typeof o === 'number') return o;
  const f = readSandboxFile(dir);
  const node = findNode(dir, nodeName, f);
  const knobs = knobsOf(f).mongod;
  const map = (s: string) => (isWindowsPath(s) ? mapWindowsPath(dir, node.root, s) : path.resolve(s));
  const dbpath = map(o.dbpathGiven);
  const write = openLog(o, map, io);
  if (typeof write === 'number') return write;
  const run = new MongodRun(dir, node, o.port, path.join(dbpath, 'mongod.lock'), write);
  logStartup(run.log, o, node, knobs.version);
  const ended = await openDataFolder(run, dbpath, o, knobs.failStart);
  if (ended !== undefined) return ended;
  if (knobs.startSeconds > 0) {
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([new Promise<'ready'>((r) => (timer = setTimeout(() => r('ready'), knobs.startSeconds * 1000))), run.stopRequested]);
    clearTimeout(timer);
    if (waited !== 'ready') return run.stopBy(waited);
  }
  return listen(run, dbpath, o, knobs.version);
}
