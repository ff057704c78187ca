// The wire-protocol peer's commands for the emulated mongod (listCollections, count, shutdown) and its
// fixed port, through the official driver on 127.0.0.1.
import test from 'ava';
import { waitFor } from './helpers/wait.ts';
import { MongoClient, type MongoServerError } from 'mongodb';
import { closedLoopbackPort, startWirePeer, type WirePeer, type WirePeerOptions } from '../src/sandbox/wire-peer.ts';

const data: Record<string, Record<string, number>> = {
  AlteryxService: { AS_Queue: 12, AS_Results: 3 },
  AlteryxGallery: { apps: 7 },
};
const view: WirePeerOptions = {
  databases: () => ['admin', ...Object.keys(data)],
  collections: (db) => Object.keys(data[db] ?? {}),
  count: (db, coll) => data[db]?.[coll] ?? 0,
};

async function peer(t: import('ava').ExecutionContext, opts: WirePeerOptions): Promise<WirePeer> {
  const p = await startWirePeer(opts);
  t.teardown(() => p.close());
  return p;
}

async function client(t: import('ava').ExecutionContext, uri: string): Promise<MongoClient> {
  const c = new MongoClient(uri, { serverSelectionTimeoutMS: 3000, directConnection: true, retryReads: false, retryWrites: false });
  t.teardown(() => c.close());
  await c.connect();
  return c;
}

test('listCollections: full entries, nameOnly entries, a name filter, an unknown database empty; a single batch (cursor id 0)', async (t) => {
  const p = await peer(t, view);
  const c = await client(t, `mongodb://${p.address}/`);
  const full = await c.db('AlteryxService').listCollections().toArray();
  t.deepEqual(full, [
    { name: 'AS_Queue', type: 'collection', options: {}, info: { readOnly: false } },
    { name: 'AS_Results', type: 'collection', options: {}, info: { readOnly: false } },
  ]);
  t.deepEqual(await c.db('AlteryxService').listCollections({}, { nameOnly: true }).toArray(), [
    { name: 'AS_Queue', type: 'collection' },
    { name: 'AS_Results', type: 'collection' },
  ]);
  t.deepEqual(
    (await c.db('AlteryxService').listCollections({ name: 'AS_Results' }).toArray()).map((x) => x.name),
    ['AS_Results'],
  );
  t.deepEqual(await c.db('Nope').listCollections().toArray(), []);
  const raw = await c.db('AlteryxGallery').command({ listCollections: 1, nameOnly: true });
  t.is(Number(raw['cursor'].id), 0);
  t.is(raw['cursor'].ns, 'AlteryxGallery.$cmd.listCollections');
  t.false(
    p.commands.some((x) => x.name === 'getMore'),
    'no getMore after a cursor id 0',
  );
});

test('count: the callback per database and collection, 0 for an unknown one; estimatedDocumentCount uses it too', async (t) => {
  const seen: string[] = [];
  const p = await peer(t, { ...view, count: (db, coll) => (seen.push(`${db}.${coll}`), data[db]?.[coll] ?? 0) });
  const c = await client(t, `mongodb://${p.address}/`);
  t.like(await c.db('AlteryxService').command({ count: 'AS_Queue' }), { n: 12, ok: 1 });
  t.like(await c.db('AlteryxGallery').command({ count: 'apps' }), { n: 7, ok: 1 });
  t.like(await c.db('AlteryxGallery').command({ count: 'nope' }), { n: 0, ok: 1 });
  t.is(await c.db('AlteryxService').collection('AS_Results').estimatedDocumentCount(), 3);
  t.deepEqual(seen, ['AlteryxService.AS_Queue', 'AlteryxGallery.apps', 'AlteryxGallery.nope', 'AlteryxService.AS_Results']);
});

test('count: a callback that throws is a server error, the connection stays usable', async (t) => {
  const p = await peer(t, {
    ...view,
    count: () => {
      throw new Error('x.bson is not a valid BSON dump');
    },
  });
  const c = await client(t, `mongodb://${p.address}/`);
  const err = await t.throwsAsync(c.db('a').command({ count: 'b' }));
  t.regex(err!.message, /not a valid BSON dump/);
  t.like(await c.db('admin').command({ ping: 1 }), { ok: 1 });
});

test('shutdown: refused outside admin (code 13); on admin it answers ok and calls onShutdown once, after the reply is sent', async (t) => {
  let calls = 0;
  let self: WirePeer | undefined;
  // The callback closes the peer at once (as mongod does): the ok reply must already be on its way.
  const p = await peer(t, { ...view, onShutdown: () => ((calls += 1), void self?.close()) });
  self = p;
  const c = await client(t, `mongodb://${p.address}/`);
  const err = (await t.throwsAsync(c.db('AlteryxService').command({ shutdown: 1 }))) as MongoServerError;
  t.is(err.code, 13);
  t.is(err.message, 'shutdown must run from the admin database');
  t.is(calls, 0);
  t.like(await c.db('admin').command({ shutdown: 1 }), { ok: 1 });
  await waitFor('the shutdown callback', () => calls === 1);
  t.is(calls, 1);
  t.deepEqual(
    p.commands.filter((x) => x.name === 'shutdown').map((x) => x.db),
    ['AlteryxService', 'admin'],
  );
  // The peer is gone: a new connection is refused.
  const after = new MongoClient(`mongodb://${p.address}/`, { serverSelectionTimeoutMS: 500, directConnection: true });
  t.teardown(() => after.close());
  await t.throwsAsync(after.connect());
});

test('with users, listCollections, count and shutdown need authentication (13 Unauthorized); authenticated they run', async (t) => {
  let shutdowns = 0;
  const p = await peer(t, { ...view, users: [{ username: 'u', password: 'pw', db: 'admin' }], onShutdown: () => (shutdowns += 1) });
  const anon = await client(t, `mongodb://${p.address}/`);
  for (const [db, cmd, name] of [
    ['AlteryxService', { listCollections: 1 }, 'listCollections'],
    ['AlteryxService', { count: 'AS_Queue' }, 'count'],
    ['admin', { shutdown: 1 }, 'shutdown'],
  ] as const) {
    const err = (await t.throwsAsync(anon.db(db).command(cmd))) as MongoServerError;
    t.is(err.code, 13, name);
    t.is(err.message, `command ${name} requires authentication`);
  }
  t.is(shutdowns, 0);
  const authed = await client(t, `mongodb://u:pw@${p.address}/?authSource=admin`);
  t.deepEqual(
    (await authed.db('AlteryxService').listCollections({}, { nameOnly: true }).toArray()).map((x) => x.name),
    ['AS_Queue', 'AS_Results'],
  );
  t.like(await authed.db('AlteryxService').command({ count: 'AS_Queue' }), { n: 12 });
  t.like(await authed.db('admin').command({ shutdown: 1 }), { ok: 1 });
  await waitFor('the shutdown', () => shutdowns === 1);
  t.is(shutdowns, 1);
});

test('without users nothing needs authentication (as before)', async (t) => {
  const p = await peer(t, view);
  const c = await client(t, `mongodb://${p.address}/`);
  const dbs = await c.db('admin').command({ listDatabases: 1, nameOnly: true });
  t.deepEqual(dbs['databases'], [{ name: 'admin' }, { name: 'AlteryxService' }, { name: 'AlteryxGallery' }]);
  t.true(p.commands.every((x) => x.user === undefined));
});

test('port: listens on the port asked for; a port in use rejects the start with EADDRINUSE', async (t) => {
  const port = await closedLoopbackPort();
  const p = await peer(t, { ...view, port });
  t.is(p.port, port);
  t.is(p.address, `127.0.0.1:${port}`);
  const err = (await t.throwsAsync(startWirePeer({ port }))) as NodeJS.ErrnoException;
  t.is(err.code, 'EADDRINUSE');
  const c = await client(t, `mongodb://127.0.0.1:${port}/`);
  t.like(await c.db('admin').command({ ping: 1 }), { ok: 1 });
});
