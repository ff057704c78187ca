// The connectivity check with the official driver against a real wire-protocol peer on 127.0.0.1
// (src/mongo/wire-peer.ts: OP_QUERY/OP_MSG, SCRAM-SHA-256 verified on the server side), never a stub of the
// driver. mongodb-mock-server was considered and not used: it speaks OP_QUERY only, while driver 7 talks OP_MSG
// after the first hello, and it has no SCRAM.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ConfigSchema } from '../src/config/schema.ts';
import { ExitCode } from '../src/core/errors.ts';
import { classifyMongoError, connectionError, pingMongo, type FailureKind } from '../src/mongo/check.ts';
import { resolveMongoTarget, type MongoTarget } from '../src/mongo/target.ts';
import { closedLoopbackPort, startWirePeer, type WirePeer } from '../src/sandbox/wire-peer.ts';
import { selfSignedCert } from './helpers/tls.ts';

const PW = 'Pa55:w/rd@%é!';
const TIMEOUT = 3000;

function target(connectionString: string, password: string | undefined, extra: Record<string, unknown> = {}): MongoTarget {
  const sm = ConfigSchema.parse({ MongoDBConfiguration: { SelfManagedMongoDB: { ConnectionString: connectionString, ...extra } } }).MongoDBConfiguration
    .SelfManagedMongoDB;
  return resolveMongoTarget(sm, undefined, password === undefined ? {} : { MongoPassword: password });
}

async function failure(
  t: import('ava').ExecutionContext,
  tg: MongoTarget,
  dial?: (h: string) => Promise<string>,
): Promise<{ kind: FailureKind; message: string; ms: number }> {
  const t0 = Date.now();
  const err = await t.throwsAsync(pingMongo(tg, { timeoutMs: TIMEOUT, dial }));
  const e = err as Error & { kind: FailureKind };
  return { kind: e.kind, message: e.message, ms: Date.now() - t0 };
}

async function peer(t: import('ava').ExecutionContext, opts: Parameters<typeof startWirePeer>[0]): Promise<WirePeer> {
  const p = await startWirePeer(opts);
  t.teardown(() => p.close());
  return p;
}

const users = [
  { username: 'backup', password: PW, db: 'admin' },
  { username: 'reader', password: 'reader-pw', db: 'admin', canListDatabases: false },
];
const databases = () => ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService', 'admin'];

test('success: SCRAM-SHA-256 completed (client proof verified by the peer, server signature sent), ping, replica set name, version, databases', async (t) => {
  const p = await peer(t, { users, setName: 'rs0', databases, version: '6.0.14' });
  const r = await pingMongo(target(`mongodb://backup@${p.address}/?replicaSet=rs0`, PW), { timeoutMs: TIMEOUT });
  t.is(r.setName, 'rs0');
  t.is(r.version, '6.0.14');
  t.deepEqual(r.databases, databases());
  const names = p.commands.map((c) => c.name);
  t.true(names.includes('saslStart') && names.includes('saslContinue'), names.join(' '));
  // Every command after the handshake ran on an authenticated connection.
  t.deepEqual(
    p.commands.filter((c) => ['ping', 'hello', 'listDatabases'].includes(c.name)).map((c) => c.user),
    ['backup', 'backup', 'backup'],
  );
  t.is(p.commands.find((c) => c.name === 'saslStart')!.db, 'admin');
});

test('wrong password: AuthenticationFailed (18) from saslContinue becomes exit 5 "refused the credentials", without the password', async (t) => {
  const p = await peer(t, { users, databases });
  const tg = target(`mongodb://backup@${p.address}/`, 'not-the-password');
  const f = await failure(t, tg);
  t.is(f.kind, 'auth');
  t.regex(f.message, /Authentication failed/);
  t.true(p.commands.some((c) => c.name === 'saslContinue'));
  t.false(
    p.commands.some((c) => c.name === 'ping' && c.user),
    'nothing ran authenticated',
  );
  const e = connectionError(tg, f.kind, f.message, TIMEOUT);
  t.is(e.exitCode, ExitCode.MongoDB);
  t.regex(e.message, /^MongoDB refused the credentials of user "backup" \(auth database admin\) at 127\.0\.0\.1:\d+/);
  t.false(e.full.includes('not-the-password'));
  // An unknown user fails the same way (the server does not tell which part was wrong).
  t.is((await failure(t, target(`mongodb://nobody@${p.address}/`, PW))).kind, 'auth');
  // A user defined in another database than authSource.
  t.is((await failure(t, target(`mongodb://backup@${p.address}/?authSource=AlteryxGallery`, PW))).kind, 'auth');
});

test('unreachable: a closed port on 127.0.0.1 is exit 5 "unreachable" (the refusal, not a hang)', async (t) => {
  const port = await closedLoopbackPort();
  const tg = target(`mongodb://backup@127.0.0.1:${port}/`, PW);
  const f = await failure(t, tg);
  t.is(f.kind, 'unreachable');
  t.regex(f.message, /ECONNREFUSED/);
  // Ended by the refusal (ECONNREFUSED above), not by a hang: no upper time bound (a loaded machine is slow, not wrong).
  const e = connectionError(tg, f.kind, f.message, TIMEOUT);
  t.is(e.exitCode, ExitCode.MongoDB);
  t.regex(e.message, new RegExp(`^MongoDB is unreachable: no server answered at 127\\.0\\.0\\.1:${port} within 3\\.0 s`));
});

test('the dialled address is the peer, the messages name the configured hosts (the sandbox mapping)', async (t) => {
  const p = await peer(t, { users, setName: 'rs0', databases });
  const closed = `127.0.0.1:${await closedLoopbackPort()}`;
  const dial = async (h: string) => (h === 'mongo01:27017' || h === 'mongo02:27017' ? p.address : closed);
  const ok = await pingMongo(target('mongodb://backup@mongo01:27017,mongo02:27017/?replicaSet=rs0', PW), { timeoutMs: TIMEOUT, dial });
  t.is(ok.setName, 'rs0');
  const f = await failure(t, target('mongodb://backup@mongo09:27017/', PW), dial);
  t.is(f.kind, 'unreachable');
  t.regex(f.message, /mongo09:27017/);
  t.false(f.message.includes(closed));
});

test('a MongoDB older than 4.4 (wire version 7 = 4.0): exit 5 saying so, not "unreachable"', async (t) => {
  const p = await peer(t, { users, databases, version: '4.0.28', maxWireVersion: 7 });
  const tg = target(`mongodb://backup@${p.address}/`, PW);
  const f = await failure(t, tg);
  t.is(f.kind, 'version');
  t.regex(connectionError(tg, f.kind, f.message, TIMEOUT).full, /older than 4\.4.*Upgrade that MongoDB/s);
});

test('authenticated but without the backup role: exit 5 naming the missing privilege', async (t) => {
  const p = await peer(t, { users, databases });
  const tg = target(`mongodb://reader@${p.address}/`, 'reader-pw');
  const f = await failure(t, tg);
  t.is(f.kind, 'unauthorized');
  t.regex(connectionError(tg, f.kind, f.message, TIMEOUT).full, /may not list the databases.*"backup" role/);
});

test('TLS: an untrusted certificate, and a plain server, are TLS errors; with the CA the check passes over TLS', async (t) => {
  const tlsFiles = selfSignedCert(t);
  const p = await peer(t, { users, databases, tls: { key: readFileSync(tlsFiles.key), cert: readFileSync(tlsFiles.cert) } });

  const untrusted = target(`mongodb://backup@${p.address}/?tls=true`, PW);
  const f = await failure(t, untrusted);
  t.is(f.kind, 'tls');
  t.regex(f.message, /self-signed certificate/);
  const e = connectionError(untrusted, f.kind, f.message, TIMEOUT);
  t.is(e.exitCode, ExitCode.MongoDB);
  t.regex(e.full, /^The TLS connection to MongoDB at 127\.0\.0\.1:\d+ failed \(self-signed certificate\).*TlsCAFile/);

  const trusted = await pingMongo(target(`mongodb://backup@${p.address}/`, PW, { Tls: true, TlsCAFile: tlsFiles.cert }), { timeoutMs: TIMEOUT });
  t.deepEqual(trusted.databases, databases());
  t.true(
    p.commands.some((c) => c.name === 'ping' && c.user === 'backup'),
    'authenticated over TLS',
  );

  const plain = await peer(t, { users, databases });
  const g = await failure(t, target(`mongodb://backup@${plain.address}/?tls=true`, PW));
  t.is(g.kind, 'tls');
  t.regex(g.message, /TLS/);
});

test('three causes, three distinct messages', async (t) => {
  const p = await peer(t, { users, databases });
  const port = await closedLoopbackPort();
  const kinds = [
    (await failure(t, target(`mongodb://backup@127.0.0.1:${port}/`, PW))).kind,
    (await failure(t, target(`mongodb://backup@${p.address}/`, 'wrong'))).kind,
    (await failure(t, target(`mongodb://backup@${p.address}/?tls=true`, PW))).kind,
  ];
  t.deepEqual(kinds, ['unreachable', 'auth', 'tls']);
  const tg = target(`mongodb://backup@${p.address}/`, PW);
  const messages = kinds.map((k) => connectionError(tg, k, 'x', TIMEOUT).message.split(' at ')[0]);
  t.is(new Set(messages).size, 3, messages.join(' | '));
});

test('classifyMongoError reads codes and causes', (t) => {
  t.is(classifyMongoError(Object.assign(new Error('Authentication failed.'), { code: 18 })).kind, 'auth');
  t.is(classifyMongoError(Object.assign(new Error('x'), { codeName: 'Unauthorized', code: 13 })).kind, 'unauthorized');
  t.is(
    classifyMongoError(
      new Error('a', { cause: Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }) }),
    ).kind,
    'tls',
  );
  t.is(classifyMongoError(new Error('querySrv ENOTFOUND _mongodb._tcp.cluster0.example.net')).kind, 'unreachable');
  t.is(classifyMongoError(new Error('something else')).kind, 'other');
});
