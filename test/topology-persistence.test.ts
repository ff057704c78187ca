// Node role and persistence from RuntimeSettings.xml (issue 13): the pure decisions of src/core/topology.ts
// and src/core/persistence.ts, on the reference defaults file (both MongoDB flags False, as shipped) plus
// overrides as the real roles and persistence types write them.
import test from 'ava';
import { EffectiveSettings, parseRuntimeSettings } from '../src/core/settings.ts';
import { detectNodeRole, resolveTopology } from '../src/core/topology.ts';
import { detectPersistence, scopeLimits } from '../src/core/persistence.ts';
import { buildPlan } from '../src/core/plan.ts';
import { REFERENCE_DEFAULTS_XML } from '../src/sandbox/reference-settings.ts';
import { parseServerName } from '../src/mongo/uri.ts';
import { BackupError } from '../src/core/errors.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { resolveMongoTarget } from '../src/mongo/target.ts';

const defaults = parseRuntimeSettings(REFERENCE_DEFAULTS_XML, 'defaults.xml');
const settings = (xml: string) => new EffectiveSettings(parseRuntimeSettings(`<SystemSettings>${xml}</SystemSettings>`, 'overrides.xml'), defaults);

const WORKER =
  '<Controller><ControllerEnabled>False</ControllerEnabled></Controller><Environment><WorkerEnabled>True</WorkerEnabled></Environment><Worker><UseLocalServer>False</UseLocalServer><ServerName>ctl01:80</ServerName></Worker>';
const UI =
  '<Controller><ControllerEnabled>False</ControllerEnabled><GalleryEnabled>True</GalleryEnabled></Controller><Environment><WorkerEnabled>False</WorkerEnabled></Environment><Worker><UseLocalServer>False</UseLocalServer><ServerName>ctl01:80</ServerName></Worker>';
const COMBINED =
  '<Controller><ControllerEnabled>True</ControllerEnabled><GalleryEnabled>True</GalleryEnabled><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled></Controller><Environment><WorkerEnabled>True</WorkerEnabled></Environment>';
const CONTROLLER =
  '<Controller><ControllerEnabled>True</ControllerEnabled><GalleryEnabled>False</GalleryEnabled></Controller><Environment><WorkerEnabled>False</WorkerEnabled></Environment>';

test("roles: worker (the issue's file), UI/Gallery-only, combined, controller; the deciding elements are named", (t) => {
  const w = detectNodeRole(settings(WORKER));
  t.is(w.role, 'worker');
  t.is(w.nodeRole, 'worker');
  t.is(w.remoteController, 'ctl01:80');
  t.regex(w.decidedBy, /Controller\/ControllerEnabled = False \(overrides file\)/);
  t.regex(w.decidedBy, /Worker\/ServerName = ctl01:80/);
  const u = detectNodeRole(settings(UI));
  t.deepEqual([u.role, u.nodeRole], ['ui', 'ui']);
  const c = detectNodeRole(settings(COMBINED));
  t.deepEqual([c.role, c.nodeRole], ['combined', 'controller']);
  t.deepEqual([detectNodeRole(settings(CONTROLLER)).role, detectNodeRole(settings(CONTROLLER)).nodeRole], ['controller', 'controller']);
  // A node naming a remote controller is not the controller even with a stale ControllerEnabled True.
  t.is(detectNodeRole(settings(WORKER.replace('<ControllerEnabled>False', '<ControllerEnabled>True'))).role, 'worker');
  // Nothing readable: the controller is assumed, and said.
  t.regex(detectNodeRole(undefined).decidedBy, /controller assumed/);
});

test('topology: not configured, the file decides; configured, a contradiction warns with both values and the configured role stays', (t) => {
  const node = { name: 'ALTERYX01', role: 'controller' as const, local: true };
  const free = resolveTopology([node], false, () => settings(WORKER));
  t.is(free.nodes[0]!.role, 'worker');
  t.deepEqual(free.warnings, []);
  t.regex(free.lines[0]!, /ALTERYX01 \(worker, from RuntimeSettings\.xml: .*its controller is ctl01:80\)/);
  const set = resolveTopology([node], true, () => settings(WORKER));
  t.is(set.nodes[0]!.role, 'controller');
  t.is(set.warnings.length, 1);
  t.regex(set.warnings[0]!, /ServerConfiguration\.Nodes says role "controller", but its RuntimeSettings\.xml says "worker"/);
  t.deepEqual(resolveTopology([node], true, () => settings(CONTROLLER)).warnings, []);
});

test('persistence: embedded, user-managed MongoDB, SQL Server, SQLite; the deciding element is named', (t) => {
  t.is(detectPersistence('auto', settings(COMBINED)).kind, 'embedded');
  t.is(
    detectPersistence('auto', settings('<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>m1:27017</MongoDBServerName></Controller>')).kind,
    'selfManaged',
  );
  const sql = detectPersistence('auto', settings('<Controller><SQLServerEnabled>True</SQLServerEnabled></Controller>'));
  t.deepEqual(sql, { kind: 'sqlServer', decidedBy: 'Controller/SQLServerEnabled = True (overrides file)' });
  t.is(detectPersistence('auto', settings('<Controller><PersistenceType>SQL Server</PersistenceType></Controller>')).kind, 'sqlServer');
  t.is(
    detectPersistence('auto', settings('<Persistence><SqlServer><ConnectionString>Server=sql01;Database=Alteryx</ConnectionString></SqlServer></Persistence>'))
      .kind,
    'sqlServer',
  );
  const lite = detectPersistence(
    'auto',
    settings('<Controller><SQLitePath>C:\\ProgramData\\Alteryx\\Service\\Persistence\\SQLite\\Alteryx.db</SQLitePath></Controller>'),
  );
  t.is(lite.kind, 'sqlite');
  t.regex(lite.decidedBy, /Controller\/SQLitePath = .*Alteryx\.db with EmbeddedMongoDBEnabled and MongoDBEnabled both False/);
  // The shipped defaults alone (SQLitePath empty): the Alteryx default, embedded.
  t.is(detectPersistence('auto', settings('')).kind, 'embedded');
  // An explicit MongoDBConfiguration.Type wins.
  t.is(detectPersistence('embedded', settings('<Controller><SQLServerEnabled>True</SQLServerEnabled></Controller>')).kind, 'embedded');
});

test('persistence: MongoDBWebOverride decides whether the Gallery connection counts; an encrypted advanced connection string is named as such', (t) => {
  const web = '<Gallery><MongoDBWebConnection>mongodb://g1:27017/AlteryxGallery</MongoDBWebConnection></Gallery>';
  t.is(detectPersistence('auto', settings(web)).kind, 'embedded');
  t.is(detectPersistence('auto', settings(web.replace('<Gallery>', '<Gallery><MongoDBWebOverride>True</MongoDBWebOverride>'))).kind, 'selfManaged');
  const adv = detectPersistence(
    'auto',
    settings(
      '<Controller><MongoDBEnabled>True</MongoDBEnabled><AdvancedMongoConnectionEncrypted>AQAAANCMnd8BFdERjHoAwE</AdvancedMongoConnectionEncrypted></Controller>',
    ),
  );
  t.is(adv.kind, 'selfManaged');
  t.true(adv.encryptedConnection);
  t.regex(adv.decidedBy, /AdvancedMongoConnectionEncrypted is set .*stored encrypted/);
});

test('scope limits: a worker keeps its files and keys only, DatabaseOnly on it is refused; SQL Server/SQLite back up no database, DatabaseOnly refused', (t) => {
  const worker = detectNodeRole(settings(WORKER));
  const embedded = { kind: 'embedded' as const, decidedBy: 'x' };
  const full = scopeLimits('Full', worker, embedded, false);
  t.deepEqual(full.drop, ['Database', 'Secrets']);
  t.regex(full.warnings[0]!, /worker .*backed up on the controller ctl01:80\. No service is stopped/);
  const plan = buildPlan({
    mode: 'Full',
    mongoType: 'embedded',
    config: ConfigSchema.parse({}),
    nodes: [{ name: 'WRK01', role: 'worker' }],
    stamp: '20260113_020000',
    drop: full.drop,
  });
  t.deepEqual(plan.scopes, ['Config', 'Keys', 'Metadata']);
  t.false(plan.stopsService);
  t.deepEqual(
    plan.steps.filter((s) => ['dump', 'stop-service', 'start-service', 'workflows', 'secrets', 'mongo-check'].includes(s.name)),
    [],
  );
  const db = scopeLimits('DatabaseOnly', worker, embedded, false);
  t.regex(db.refusal!.message, /is a worker .*holds no Alteryx database/);
  t.regex(db.refusal!.hint, /on the controller ctl01:80/);
  // In a multi-node run the roles are the configured ones: no limit from one node's file.
  t.deepEqual(scopeLimits('Full', worker, embedded, true).drop, []);

  const sql = { kind: 'sqlServer' as const, decidedBy: 'Controller/SQLServerEnabled = True (overrides file)' };
  const sf = scopeLimits('Full', undefined, sql, false);
  t.deepEqual(sf.drop, ['Database']);
  t.regex(sf.warnings[0]!, /SQL Server .*files, keys and secrets, NOT the database.*SQL Server's own tools/);
  t.regex(scopeLimits('DatabaseOnly', undefined, sql, false).refusal!.message, /SQL Server database .*not in MongoDB: a DatabaseOnly backup cannot back it up/);
  t.deepEqual(scopeLimits('ConfigOnly', undefined, sql, false), { drop: ['Database'], warnings: [], summary: 'Persistence sqlServer: no database dump' });
  // The plan leaves out the database (no dump, no stop) and the MongoDB passwords of a SQL Server node.
  const sqlPlan = buildPlan({
    mode: 'Full',
    mongoType: 'embedded',
    config: ConfigSchema.parse({}),
    nodes: [{ name: 'CTL01', role: 'controller' }],
    stamp: '20260113_020000',
    drop: sf.drop,
    persistence: 'sqlServer',
  });
  t.deepEqual(sqlPlan.scopes, ['Config', 'Keys', 'Secrets', 'Metadata']);
  t.false(sqlPlan.stopsService);
  t.deepEqual((sqlPlan.steps.find((s) => s.name === 'secrets') as { files?: string[] } | undefined)?.files, ['ControllerToken.txt']);
  t.deepEqual(
    sqlPlan.steps.filter((s) => ['dump', 'stop-service', 'start-service', 'workflows'].includes(s.name)),
    [],
  );
  const lite = scopeLimits('Full', undefined, { kind: 'sqlite', decidedBy: 'y', sqlitePath: 'C:\\a.db' }, false);
  t.regex(lite.warnings[0]!, /SQLite database C:\\a\.db.*copy the SQLite file/);
  t.deepEqual(scopeLimits('Full', detectNodeRole(settings(COMBINED)), embedded, false).drop, []);
});

test('MongoDBServerName: host lists and seed form as before; URI-style tails parsed; a tail that is not a connection string refused, never a host', (t) => {
  const tail = parseServerName('mongo01/?replicaSet=rs0', 'alteryx');
  t.deepEqual(tail.hosts, [{ host: 'mongo01', port: 27017 }]);
  t.is(tail.options['replicaSet'], 'rs0');
  t.is(tail.username, 'alteryx');
  const tail2 = parseServerName('m1:27017,m2:27018/AlteryxService?authSource=admin', undefined);
  t.deepEqual(
    tail2.hosts.map((h) => `${h.host}:${h.port}`),
    ['m1:27017', 'm2:27018'],
  );
  t.is(tail2.database, 'AlteryxService');
  const seed = parseServerName('rs0/m1:27017,m2', undefined);
  t.is(seed.options['replicaSet'], 'rs0');
  t.deepEqual(
    seed.hosts.map((h) => `${h.host}:${h.port}`),
    ['m1:27017', 'm2:27017'],
  );
  t.deepEqual(parseServerName('mongo01:27017', undefined).hosts, [{ host: 'mongo01', port: 27017 }]);
  const bad = t.throws(() => parseServerName('mongo01/?replicaSet=rs0&tls=maybe', undefined), { instanceOf: BackupError });
  t.regex(bad!.message, /tls/);
  for (const v of ['mongo01/?replicaSet=rs0', 'mongo01:27017/?replicaSet=rs0']) {
    t.false(
      parseServerName(v, undefined).hosts.some((h) => h.host.includes('?')),
      v,
    );
  }
});

test('the MongoDB target from RuntimeSettings.xml: a URI-style MongoDBServerName is parsed, an encrypted advanced string is named with how to supply the plain one', (t) => {
  const sm = ConfigSchema.parse({}).MongoDBConfiguration.SelfManagedMongoDB;
  const tail = resolveMongoTarget(
    sm,
    settings(
      '<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>mongo01/?replicaSet=rs0</MongoDBServerName><MongoDBUserName>alteryx</MongoDBUserName></Controller>',
    ),
    { MongoPassword: 'pw12' },
  );
  t.is(tail.uri, 'mongodb://alteryx@mongo01:27017/?replicaSet=rs0&authSource=admin');
  const bad = t.throws(
    () =>
      resolveMongoTarget(
        sm,
        settings('<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>mongo01/?tls=perhaps</MongoDBServerName></Controller>'),
        {},
      ),
    { instanceOf: BackupError },
  );
  t.regex(
    bad!.message,
    /^Controller\/MongoDBServerName in the overrides RuntimeSettings\.xml \("mongo01\/\?tls=perhaps"\) is not a host list: option tls="perhaps" must be true or false/,
  );
  const enc = t.throws(
    () =>
      resolveMongoTarget(
        sm,
        settings('<Controller><MongoDBEnabled>True</MongoDBEnabled><AdvancedMongoConnectionEncrypted>AQAAANCM</AdvancedMongoConnectionEncrypted></Controller>'),
        { MongoPassword: 'pw12' },
      ),
    { instanceOf: BackupError },
  );
  t.regex(
    enc!.message,
    /stored encrypted in RuntimeSettings\.xml \(Controller\/AdvancedMongoConnectionEncrypted, overrides file\): this tool cannot decrypt it/,
  );
  t.regex(enc!.hint!, /SelfManagedMongoDB\.ConnectionString \(-MongoConnectionString\)/);
  // A configured connection string wins: the encrypted one is not needed then.
  t.is(
    resolveMongoTarget(
      ConfigSchema.parse({ MongoDBConfiguration: { SelfManagedMongoDB: { ConnectionString: 'mongodb://backup@m1:27017/' } } }).MongoDBConfiguration
        .SelfManagedMongoDB,
      settings('<Controller><AdvancedMongoConnectionEncrypted>AQAAANCM</AdvancedMongoConnectionEncrypted></Controller>'),
      { MongoPassword: 'pw12' },
    ).source,
    'MongoDBConfiguration.SelfManagedMongoDB.ConnectionString',
  );
  // A configured Host with a URI tail is refused, never dialled.
  t.throws(
    () =>
      resolveMongoTarget(
        ConfigSchema.parse({ MongoDBConfiguration: { SelfManagedMongoDB: { Host: 'mongo01/?replicaSet=rs0' } } }).MongoDBConfiguration.SelfManagedMongoDB,
        undefined,
        {},
      ),
    { message: /holds connection string options/ },
  );
});
