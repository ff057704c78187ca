/**
 * A minimal MongoDB wire-protocol peer on loopback: enough of a mongod for the official driver to connect,
 * authenticate with SCRAM-SHA-256 and run ping / hello / buildInfo / listDatabases. It is what the
 * connectivity check talks to in the tests and in the sandbox (which has no real MongoDB): the driver code
 * path is the production one, only the server is small. With `collections`/`count`/`onShutdown` it also
 * answers listCollections, count and shutdown (the sandbox's emulated mongod, src/sandbox/emulator/mongod.ts).
 * Without users no command needs authentication.
 *
 * Protocol: OP_QUERY (2004, the driver's first hello) answered with OP_REPLY (1); OP_MSG (2013) answered
 * with OP_MSG. SCRAM-SHA-256 per RFC 7677: the client proof is verified and the server signature sent, so a
 * wrong password fails with AuthenticationFailed (code 18) exactly where a real server fails it.
 * Optional TLS (a tls.Server with the given key and certificate). It only ever listens on 127.0.0.1.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { BSON, Binary, Long, ObjectId, type Document } from 'bson';

export interface PeerUser {
  username: string;
  password: string;
  /** Database the user is defined in (authSource). */
  db: string;
  /** False: authenticated but not allowed to list databases (as a user without the backup role). */
  canListDatabases?: boolean;
}

export interface WirePeerOptions {
  users?: PeerUser[];
  /** Replica set name reported in hello; the peer is then the primary of a one-member set. */
  setName?: string;
  /** Database names for listDatabases (called per request). */
  databases?: () => string[];
  /** Serve TLS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  version?: string;
  /** maxWireVersion in hello (default 21, MongoDB 7.0): an old server (4.0 = 7) is refused by the driver. */
  maxWireVersion?: number;
  /** Called per incoming connection: false closes it at once (a refusing or flapping server). */
  accept?: () => boolean;
  /** Listen on 127.0.0.1 at this port (default 0: any free port). A port in use rejects the start (EADDRINUSE). */
  port?: number;
  /** Collection names of a database, for listCollections (called per request). */
  collections?: (db: string) => string[];
  /** Document count of a collection, for count (called per request; 0 when absent). */
  count?: (db: string, coll: string) => number;
  /** Called on the tick after the reply to a `shutdown` command (run against admin) was sent. */
  onShutdown?: () => void;
}

export interface PeerCommand {
  name: string;
  db: string;
  user?: string | undefined;
}

export interface WirePeer {
  port: number;
  /** host:port as the driver should dial it. */
  address: string;
  /** Every command received, in order (never the payloads). */
  commands: PeerCommand[];
  close(): Promise<void>;
}

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MAX_MESSAGE = 48_000_000;
const ITERATIONS = 15_000;

interface Credential {
  user: PeerUser;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

function credential(user: PeerUser): Credential {
  const salt = randomBytes(28);
  const salted = pbkdf2Sync(user.password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  return {
    user,
    salt,
    storedKey: createHash('sha256').update(hmac(salted, 'Client Key')).digest(),
    serverKey: hmac(salted, 'Server Key'),
  };
}

/** SCRAM attribute list `a=x,b=y` (values may contain "="). */
function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const unescapeUser = (s: string) => s.replace(/=2C/g, ',').replace(/=3D/g, '=');

interface Conversation {
  cred: Credential | undefined;
  username: string;
  db: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
  fakeSalt: Buffer;
}

interface ConnState {
  id: number;
  user: string | undefined;
  conversation: Conversation | undefined;
}

const failed = (code: number, codeName: string, errmsg: string): Document => ({ ok: 0, errmsg, code, codeName });

/** The state of one peer: its options, users, the commands it was sent, its sockets. */
interface Peer {
  opts: WirePeerOptions;
  creds: ReturnType<typeof credential>[];
  commands: PeerCommand[];
  sockets: Set<net.Socket>;
  connections: number;
  address: string;
  electionId: ObjectId;
}

const findCred = (p: Peer, username: string, db: string) => p.creds.find((c) => c.user.username === username && c.user.db === db);

function hello(p: Peer, cmd: Document, st: ConnState, legacy: boolean): Document {
  const doc: Document = {
    helloOk: true,
    ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: MAX_MESSAGE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: st.id,
    minWireVersion: 0,
    maxWireVersion: p.opts.maxWireVersion ?? 21,
    readOnly: false,
    ok: 1,
  };
  if (p.opts.setName) {
    Object.assign(doc, {
      setName: p.opts.setName,
      setVersion: 1,
      electionId: p.electionId,
      hosts: [p.address],
      primary: p.address,
      me: p.address,
      secondary: false,
    });
  }
  const mechs = cmd['saslSupportedMechs'];
  if (typeof mechs === 'string') {
    const dot = mechs.indexOf('.');
    if (findCred(p, mechs.slice(dot + 1), mechs.slice(0, dot))) doc['saslSupportedMechs'] = ['SCRAM-SHA-256'];
  }
  return doc;
}

function saslStart(p: Peer, cmd: Document, db: string, st: ConnState): Document {
  if (cmd['mechanism'] !== 'SCRAM-SHA-256') {
    return failed(334, 'MechanismUnavailable', `Received authentication for mechanism ${String(cmd['mechanism'])} which is not enabled`);
  }
  const payload = Buffer.from((cmd['payload'] as Binary).buffer).toString('utf8');
  const m = /^[ny],[^,]*,(.*)$/.exec(payload);
  const bare = m?.[1] ?? '';
  const a = attributes(bare);
  if (!a['n'] || !a['r']) return failed(17, 'ProtocolError', 'Invalid SCRAM client-first message');
  const username = unescapeUser(a['n']);
  const cred = findCred(p, username, db);
  const nonce = a['r'] + randomBytes(24).toString('base64');
  const fakeSalt = randomBytes(28);
  const serverFirst = `r=${nonce},s=${(cred?.salt ?? fakeSalt).toString('base64')},i=${ITERATIONS}`;
  st.conversation = { cred, username, db, clientFirstBare: bare, serverFirst, nonce, fakeSalt };
  return { conversationId: 1, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
}

function saslContinue(cmd: Document, st: ConnState): Document {
  const conv = st.conversation;
  const payload = Buffer.from((cmd['payload'] as Binary | undefined)?.buffer ?? []).toString('utf8');
  if (!conv) {
    // The optional empty third step after a completed conversation.
    if (payload === '' && st.user) return { conversationId: 1, done: true, payload: new Binary(Buffer.alloc(0)), ok: 1 };
    return failed(17, 'ProtocolError', 'No SASL session state found');
  }
  st.conversation = undefined;
  const a = attributes(payload);
  const withoutProof = payload.slice(0, Math.max(0, payload.lastIndexOf(',p=')));
  const authFailed = failed(18, 'AuthenticationFailed', 'Authentication failed.');
  if (a['r'] !== conv.nonce || !a['p'] || !conv.cred) return authFailed;
  const authMessage = `${conv.clientFirstBare},${conv.serverFirst},${withoutProof}`;
  const proof = Buffer.from(a['p'], 'base64');
  const signature = hmac(conv.cred.storedKey, authMessage);
  if (proof.length !== signature.length) return authFailed;
  const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
  const stored = createHash('sha256').update(clientKey).digest();
  if (!timingSafeEqual(stored, conv.cred.storedKey)) return authFailed;
  st.user = conv.username;
  const serverSignature = hmac(conv.cred.serverKey, authMessage).toString('base64');
  return { conversationId: 1, done: true, payload: new Binary(Buffer.from(`v=${serverSignature}`)), ok: 1 };
}

function handle(p: Peer, cmd: Document, db: string, st: ConnState, legacy: boolean): Document {
  const name = Object.keys(cmd)[0] ?? '';
  const lower = name.toLowerCase();
  p.commands.push({ name, db, user: st.user });
  const needsAuth = p.creds.length > 0 && !st.user;
  switch (lower) {
    case 'hello':
    case 'ismaster':
      return hello(p, cmd, st, legacy || lower === 'ismaster');
    case 'saslstart':
      return saslStart(p, cmd, db, st);
    case 'saslcontinue':
      return saslContinue(cmd, st);
    case 'ping':
    case 'endsessions':
      return { ok: 1 };
    case 'buildinfo': {
      const version = p.opts.version ?? '7.0.12';
      return { version, versionArray: [...version.split('.').map(Number), 0], ok: 1 };
    }
    case 'listdatabases':
    case 'listcollections':
    case 'count':
      return dataCommand(p, cmd, name, lower, db, st, needsAuth);
    case 'shutdown': {
      if (db !== 'admin') return failed(13, 'Unauthorized', 'shutdown must run from the admin database');
      if (needsAuth) return failed(13, 'Unauthorized', 'command shutdown requires authentication');
      if (p.opts.onShutdown) {
        const cb = p.opts.onShutdown;
        setImmediate(() => cb());
      }
      return { ok: 1 };
    }
    default:
      return failed(59, 'CommandNotFound', `no such command: '${name}'`);
  }
}

/** listDatabases, listCollections, count: what the peer's callbacks answer, for an authenticated user. */
function dataCommand(p: Peer, cmd: Document, name: string, lower: string, db: string, st: ConnState, needsAuth: boolean): Document {
  switch (lower) {
    case 'listdatabases': {
      if (needsAuth) return failed(13, 'Unauthorized', 'command listDatabases requires authentication');
      const user = p.creds.find((c) => c.user.username === st.user)?.user;
      if (user && user.canListDatabases === false) {
        return failed(13, 'Unauthorized', `not authorized on admin to execute command { listDatabases: 1, $db: "admin" }`);
      }
      const names = p.opts.databases?.() ?? [];
      return { databases: names.map((n) => (cmd['nameOnly'] ? { name: n } : { name: n, sizeOnDisk: 0, empty: false })), totalSize: 0, ok: 1 };
    }
    case 'listcollections': {
      if (needsAuth) return failed(13, 'Unauthorized', 'command listCollections requires authentication');
      const filter = (cmd['filter'] ?? {}) as Document;
      const wanted = typeof filter['name'] === 'string' ? filter['name'] : undefined;
      const names = (p.opts.collections?.(db) ?? []).filter((n) => wanted === undefined || n === wanted);
      const firstBatch = names.map((n) =>
        cmd['nameOnly'] ? { name: n, type: 'collection' } : { name: n, type: 'collection', options: {}, info: { readOnly: false } },
      );
      return { cursor: { id: Long.fromNumber(0), ns: `${db}.$cmd.listCollections`, firstBatch }, ok: 1 };
    }
    case 'count': {
      if (needsAuth) return failed(13, 'Unauthorized', 'command count requires authentication');
      const coll = cmd[name];
      if (typeof coll !== 'string') return failed(73, 'InvalidNamespace', `collection name has invalid type ${typeof coll}`);
      try {
        return { n: p.opts.count?.(db, coll) ?? 0, ok: 1 };
      } catch (err) {
        return failed(1, 'InternalError', (err as Error).message);
      }
    }
    default:
      return failed(59, 'CommandNotFound', `no such command: '${name}'`);
  }
}

function reply(socket: net.Socket, requestId: number, opCode: number, doc: Document): void {
  const body = BSON.serialize(doc);
  if (opCode === OP_QUERY) {
    const head = Buffer.alloc(36);
    head.writeInt32LE(36 + body.length, 0);
    head.writeInt32LE(0, 4);
    head.writeInt32LE(requestId, 8);
    head.writeInt32LE(OP_REPLY, 12);
    head.writeInt32LE(0, 16); // responseFlags
    head.writeBigInt64LE(0n, 20); // cursorID
    head.writeInt32LE(0, 28); // startingFrom
    head.writeInt32LE(1, 32); // numberReturned
    socket.write(Buffer.concat([head, body]));
  } else {
    const head = Buffer.alloc(21);
    head.writeInt32LE(21 + body.length, 0);
    head.writeInt32LE(0, 4);
    head.writeInt32LE(requestId, 8);
    head.writeInt32LE(OP_MSG, 12);
    head.writeUInt32LE(0, 16); // flagBits
    head.writeUInt8(0, 20); // section kind 0
    socket.write(Buffer.concat([head, body]));
  }
}

/** The body of an OP_MSG (section kind 0), with its document sequences (kind 1) merged in by identifier. */
function opMsgBody(msg: Buffer, flags: number): Document | undefined {
  const end = flags & 1 ? msg.length - 4 : msg.length;
  let p = 20;
  let body: Document | undefined;
  const sequences: Record<string, Document[]> = {};
  while (p < end) {
    const kind = msg.readUInt8(p++);
    if (kind === 0) {
      const len = msg.readInt32LE(p);
      body = BSON.deserialize(msg.subarray(p, p + len));
      p += len;
    } else {
      const size = msg.readInt32LE(p);
      const stop = p + size;
      const idEnd = msg.indexOf(0, p + 4);
      const id = msg.toString('utf8', p + 4, idEnd);
      let q = idEnd + 1;
      const docs: Document[] = [];
      while (q < stop) {
        const len = msg.readInt32LE(q);
        docs.push(BSON.deserialize(msg.subarray(q, q + len)));
        q += len;
      }
      sequences[id] = docs;
      p = stop;
    }
  }
  if (body) Object.assign(body, sequences);
  return body;
}

function message(peer: Peer, socket: net.Socket, msg: Buffer, st: ConnState): void {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_QUERY) {
    let p = 20;
    const end = msg.indexOf(0, p);
    const collection = msg.toString('utf8', p, end);
    p = end + 1 + 8; // numberToSkip, numberToReturn
    const cmd = BSON.deserialize(msg.subarray(p, p + msg.readInt32LE(p)), { promoteBuffers: false });
    const db = collection.replace(/\.\$cmd$/, '');
    reply(socket, requestId, OP_QUERY, handle(peer, cmd, db, st, true));
    return;
  }
  if (opCode === OP_MSG) {
    const flags = msg.readUInt32LE(16);
    const body = opMsgBody(msg, flags);
    if (!body) {
      socket.destroy();
      return;
    }
    const db = typeof body['$db'] === 'string' ? body['$db'] : 'admin';
    const res = handle(peer, body, db, st, false);
    if (!(flags & 2)) reply(socket, requestId, OP_MSG, res); // moreToCome: no reply expected
    return;
  }
  socket.destroy();
}

function onConnection(p: Peer, socket: net.Socket): void {
  if (p.opts.accept && !p.opts.accept()) {
    socket.destroy();
    return;
  }
  p.sockets.add(socket);
  socket.on('close', () => p.sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  const st: ConnState = { id: ++p.connections, user: undefined, conversation: undefined };
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const len = buf.readInt32LE(0);
      // A TLS ClientHello on a plain port ("SSL handshake received but server is started without SSL
      // support"), or no MongoDB message at all: mongod drops the connection, and so does the peer.
      const tlsRecord = buf[0] === 0x16 && buf[1] === 0x03;
      if (tlsRecord || len < 16 || len > MAX_MESSAGE) {
        socket.destroy();
        return;
      }
      if (buf.length < len) break;
      const msg = buf.subarray(0, len);
      buf = buf.subarray(len);
      try {
        message(p, socket, msg, st);
      } catch {
        socket.destroy();
        return;
      }
    }
  });
}

export async function startWirePeer(opts: WirePeerOptions = {}): Promise<WirePeer> {
  const p: Peer = {
    opts,
    creds: (opts.users ?? []).map(credential),
    commands: [],
    sockets: new Set(),
    connections: 0,
    address: '',
    electionId: new ObjectId('7fffffff0000000000000001'),
  };
  const server: net.Server = opts.tls
    ? tls.createServer({ key: opts.tls.key, cert: opts.tls.cert }, (sk) => onConnection(p, sk))
    : net.createServer((sk) => onConnection(p, sk));
  // A TLS handshake that fails (client refuses the certificate) is the client's error to report.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  p.address = `127.0.0.1:${port}`;
  return {
    port,
    address: p.address,
    commands: p.commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of p.sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (a listener opened and closed again). */
export async function closedLoopbackPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
