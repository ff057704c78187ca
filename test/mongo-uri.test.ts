import test from 'ava';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { EffectiveSettings, parseRuntimeSettings } from '../src/core/settings.ts';
import { REFERENCE_DEFAULTS_XML } from '../src/sandbox/reference-settings.ts';
import { connectionFromDiscrete, formatConnectionString, hostList, isTls, parseConnectionString } from '../src/mongo/uri.ts';
import { resolveMongoTarget, type SelfManagedConfig } from '../src/mongo/target.ts';
import { mongodumpConfigYaml } from '../src/mongo/dump.ts';
import { Masker } from '../src/log/mask.ts';
import { parse as parseYaml } from 'yaml';

const PW = 'p@ss:w/rd%?#[]é';
const ENC = encodeURIComponent(PW);

function invalid(t: import('ava').ExecutionContext, text: string, re: RegExp, secret?: string): void {
  const e = t.throws(() => parseConnectionString(text), { instanceOf: BackupError }, text);
  if (!e) return;
  t.is(e.exitCode, ExitCode.Validation);
  t.regex(e.message, re, text);
  if (secret) t.false(e.full.includes(secret), `the error for ${text} shows the password`);
}

test('mongodb:// with several hosts, replica set and TLS options, percent-encoded credentials', (t) => {
  const c = parseConnectionString(
    `mongodb://svc%2Dbackup:${ENC}@mongo01.corp:27017,mongo02.corp:27018,[fd00::1]:27019/AlteryxGallery?replicaSet=rs0&tls=true&tlsCAFile=C%3A%5Cca.pem&authSource=admin&readPreference=secondaryPreferred`,
  );
  t.is(c.scheme, 'mongodb');
  t.deepEqual(c.hosts, [
    { host: 'mongo01.corp', port: 27017 },
    { host: 'mongo02.corp', port: 27018 },
    { host: 'fd00::1', port: 27019 },
  ]);
  t.is(c.username, 'svc-backup');
  t.is(c.password, PW);
  t.is(c.database, 'AlteryxGallery');
  t.deepEqual(c.options, { replicaSet: 'rs0', tls: 'true', tlsCAFile: 'C:\\ca.pem', authSource: 'admin', readPreference: 'secondaryPreferred' });
  t.true(isTls(c));
  t.deepEqual(hostList(c), ['mongo01.corp:27017', 'mongo02.corp:27018', '[fd00::1]:27019']);
  const shown = formatConnectionString(c);
  t.false(shown.includes(PW) || shown.includes(ENC), 'the canonical form never carries the password');
  t.is(
    shown,
    'mongodb://svc-backup@mongo01.corp:27017,mongo02.corp:27018,[fd00::1]:27019/AlteryxGallery?replicaSet=rs0&tls=true&tlsCAFile=C%3A%5Cca.pem&authSource=admin&readPreference=secondaryPreferred',
  );
  // The canonical form parses back to the same connection, without the password.
  t.deepEqual(parseConnectionString(shown), { ...c, password: undefined });
});

test('mongodb+srv://: one host, no port, TLS on by default; option names are case-insensitive; ssl is tls', (t) => {
  const c = parseConnectionString('mongodb+srv://backup@cluster0.ab1cd.mongodb.net/?retrywrites=true&W=majority&SSL=false');
  t.is(c.scheme, 'mongodb+srv');
  t.deepEqual(c.hosts, [{ host: 'cluster0.ab1cd.mongodb.net', port: undefined }]);
  t.deepEqual(c.options, { retryWrites: 'true', w: 'majority', tls: 'false' });
  t.false(isTls(c));
  t.true(isTls(parseConnectionString('mongodb+srv://cluster0.ab1cd.mongodb.net')));
  t.false(isTls(parseConnectionString('mongodb://h')));
  t.is(formatConnectionString(parseConnectionString('mongodb+srv://u@cluster0.ab1cd.mongodb.net')), 'mongodb+srv://u@cluster0.ab1cd.mongodb.net/');
  const warnings: string[] = [];
  parseConnectionString('mongodb://h/?someFutureOption=1', warnings);
  t.regex(warnings[0]!, /Unknown connection string option "someFutureOption"/);
});

test('invalid strings: the error says what is wrong and never shows the password', (t) => {
  invalid(t, 'http://mongo01:27017', /scheme "http:\/\/" is not mongodb/);
  invalid(t, 'mongo01:27017', /must start with mongodb:\/\//);
  invalid(t, 'mongodb://', /no host/);
  invalid(t, 'mongodb://a,,b', /host name is empty/);
  invalid(t, 'mongodb://mongo01:99999', /port of "mongo01:99999" must be between 1 and 65535/);
  invalid(t, 'mongodb://mongo01:27o17', /port of "mongo01:27o17" is not a number/);
  invalid(t, 'mongodb://mongo01:1:2', /not host\[:port\]/);
  invalid(t, 'mongodb://[::1:27017', /no closing "\]"/);
  invalid(t, 'mongodb+srv://a.b.c:27017', /must not have a port/);
  invalid(t, 'mongodb+srv://a.b.c,d.e.f', /exactly one host/);
  invalid(t, 'mongodb://backup:se@cret@mongo01', /unencoded "@": percent-encode it as %40/, 'se@cret');
  invalid(t, 'mongodb://backup:se:cret@mongo01', /unencoded ":": percent-encode it as %3A/, 'se:cret');
  invalid(t, 'mongodb://backup:se/cret@mongo01', /"\/" in the user name or password must be percent-encoded as %2F/, 'cret');
  invalid(t, 'mongodb://backup:s%zzcret@mongo01', /password has an invalid percent-encoding/, 's%zzcret');
  invalid(t, 'mongodb://:secret1@mongo01', /password but no user name/, 'secret1');
  invalid(t, 'mongodb://mongo01/?tls=yes', /option tls="yes" must be true or false/);
  invalid(t, 'mongodb://mongo01/?connectTimeoutMS=ten', /connectTimeoutMS="ten" must be a whole number/);
  invalid(t, 'mongodb://mongo01/?readPreference=fastest', /readPreference="fastest" is not one of primary/);
  invalid(t, 'mongodb://mongo01/?replicaSet', /option "replicaSet" has no value/);
  invalid(t, 'mongodb://mongo01/?tls=true&ssl=false', /tls and ssl are both given and disagree/);
  invalid(t, 'mongodb://a,b/?directConnection=true', /directConnection=true needs exactly one host/);
  invalid(t, 'mongodb://mongo01/Alteryx.Gallery', /database name "Alteryx.Gallery"/);
  invalid(t, 'mongodb:///tmp/mongodb-27017.sock', /no host/);
  invalid(t, 'mongodb://%2Ftmp%2Fmongodb-27017.sock', /Unix domain socket/);
  invalid(t, 'mongodb://h/?tlsCertificateKeyFilePassword=topsecret&tlsCertificateKeyFilePassword=other', /given twice/, 'topsecret');
});

test('the discrete form: host, host:port, lists, replicaSet/host seed form; port applies where none is given', (t) => {
  const d = (Host: string, more: Partial<Parameters<typeof connectionFromDiscrete>[0]> = {}) => connectionFromDiscrete({ Host, Port: 27017, ...more });
  t.deepEqual(d('mongo01').hosts, [{ host: 'mongo01', port: 27017 }]);
  t.deepEqual(d('mongo01', { Port: 27020 }).hosts, [{ host: 'mongo01', port: 27020 }]);
  t.deepEqual(d('mongo01:27018,mongo02', { Port: 27019 }).hosts, [
    { host: 'mongo01', port: 27018 },
    { host: 'mongo02', port: 27019 },
  ]);
  const rs = d('rs0/mongo01:27017,mongo02:27017', { AuthDatabase: 'admin', Username: 'backup', Database: 'AlteryxGallery' });
  t.is(rs.options['replicaSet'], 'rs0');
  t.is(formatConnectionString(rs), 'mongodb://backup@mongo01:27017,mongo02:27017/AlteryxGallery?replicaSet=rs0&authSource=admin');
  t.throws(() => d('rs0/mongo01', { ReplicaSet: 'rs1' }), { message: /names replica set "rs0" but ReplicaSet is "rs1"/ });
  t.throws(() => d('  '), { message: /Host is empty/ });
  t.throws(() => d('mongo01:0'), { message: /Host "mongo01:0" is not valid: the port of "mongo01:0" must be between 1 and 65535/ });
});

const sm = (over: Record<string, unknown> = {}): SelfManagedConfig =>
  ConfigSchema.parse({ MongoDBConfiguration: { SelfManagedMongoDB: over } }).MongoDBConfiguration.SelfManagedMongoDB;
const settingsWith = (xml: string) =>
  new EffectiveSettings(
    parseRuntimeSettings(`<SystemSettings>${xml}</SystemSettings>`, 'overrides.xml'),
    parseRuntimeSettings(REFERENCE_DEFAULTS_XML, 'defaults.xml'),
  );

test('target: the connection string, the user of -MongoCredential, the password from the secrets, authSource spelled out', (t) => {
  const tg = resolveMongoTarget(sm({ ConnectionString: 'mongodb://mongo01:27017,mongo02:27017/?replicaSet=rs0', Username: 'backup' }), undefined, {
    MongoPassword: PW,
  });
  t.is(tg.conn.username, 'backup');
  t.is(tg.password, PW);
  t.is(tg.authSource, 'admin');
  t.is(tg.authSourceFrom, 'AuthDatabase setting');
  t.is(tg.uri, 'mongodb://backup@mongo01:27017,mongo02:27017/?replicaSet=rs0&authSource=admin');
  t.is(tg.source, 'MongoDBConfiguration.SelfManagedMongoDB.ConnectionString');
  t.deepEqual(tg.secrets, [PW]);
  t.false(JSON.stringify(tg.conn).includes(PW), 'the connection object never holds the password');

  // The URI standard: without authSource, the database in the path is the authentication database.
  const path = resolveMongoTarget(sm({ ConnectionString: 'mongodb://backup@mongo01/AlteryxGallery' }), undefined, { MongoPassword: 'pw12' });
  t.is(path.authSource, 'AlteryxGallery');
  t.is(path.authSourceFrom, 'database in the connection string');

  // The discrete form, with TLS and a CA from the configuration.
  const d = resolveMongoTarget(
    sm({ Host: 'mongo01', Port: 27018, Username: 'backup', AuthDatabase: 'users', Tls: true, TlsCAFile: '/etc/ca.pem', ReplicaSet: 'rs9' }),
    undefined,
    { MongoPassword: 'pw12' },
  );
  t.is(d.uri, 'mongodb://backup@mongo01:27018/AlteryxGallery?replicaSet=rs9&authSource=users&tls=true&tlsCAFile=%2Fetc%2Fca.pem');
  t.true(d.tls);
  t.is(d.source, 'MongoDBConfiguration.SelfManagedMongoDB.Host/Port');
});

test('target: a password inside the connection string is used only without a secret, with a warning; never kept in the URI', (t) => {
  const inString = resolveMongoTarget(sm({ ConnectionString: `mongodb://backup:${ENC}@mongo01/?authSource=admin` }), undefined, {});
  t.is(inString.password, PW);
  t.false(inString.uri.includes(ENC));
  t.regex(inString.warnings.join(' '), /carries a password; keep it out of configuration files/);
  const both = resolveMongoTarget(sm({ ConnectionString: `mongodb://backup:${ENC}@mongo01/?authSource=admin` }), undefined, { MongoPassword: 'fromStdin' });
  t.is(both.password, 'fromStdin');
  t.regex(both.warnings.join(' '), /password inside the connection string is ignored/);
  // The masker hides both the plain and the percent-encoded forms.
  const m = new Masker();
  for (const s of inString.secrets) m.add(s);
  t.false(m.mask(`x ${PW} y ${ENC} z`).includes(PW));
  t.false(m.mask(`x ${ENC} z`).includes(ENC));
  // The warning reads as written once masked (it used to log "password: ******** it out of configuration files").
  t.is(m.mask(inString.warnings.join(' ')), inString.warnings.join(' '));
});

test('target: configuration errors are exit 3 naming what to do', (t) => {
  const fail = (c: SelfManagedConfig, secrets: Record<string, string> = {}, s?: EffectiveSettings) =>
    t.throws(() => resolveMongoTarget(c, s, secrets), { instanceOf: BackupError });
  let e = fail(sm({ ConnectionString: 'mongodb://h', Host: 'h' }));
  t.regex(e!.message, /Both .*ConnectionString and .*Host are set/);
  e = fail(sm({ Host: 'mongo01', Username: 'backup' }));
  t.regex(e!.message, /user "backup" has no password/);
  t.regex(e!.hint!, /-MongoCredential.*ALTERYXBACKUP_MONGO_PASSWORD/);
  e = fail(sm({ Host: 'mongo01' }), { MongoPassword: 'lonely1' });
  t.regex(e!.message, /password was given but no user name/);
  e = fail(sm({}));
  t.regex(e!.message, /no connection is configured and RuntimeSettings\.xml names none/);
  e = fail(sm({ ConnectionString: 'mongodb://h/?replicaSet=a', ReplicaSet: 'b' }));
  t.regex(e!.message, /ReplicaSet is "b" but the connection string says replicaSet=a/);
  e = fail(sm({ ConnectionString: 'mongodb://h:0' }));
  t.regex(e!.message, /^MongoDBConfiguration\.SelfManagedMongoDB\.ConnectionString: Invalid MongoDB connection string: the port/);
  for (const x of [e!]) t.is(x.exitCode, ExitCode.Validation);
  // X.509 needs no password.
  const x509 = resolveMongoTarget(sm({ ConnectionString: 'mongodb://CN=backup@h/?authMechanism=MONGODB-X509&tls=true' }), undefined, {});
  t.is(x509.password, undefined);
  t.is(x509.authSource, '$external');
});

test('target: without configuration, RuntimeSettings.xml names the MongoDB (and which element did)', (t) => {
  const cs = resolveMongoTarget(
    sm(),
    settingsWith('<Persistence><Mongo><ConnectionString>mongodb://svc@m1:27017,m2:27017/?replicaSet=rs1</ConnectionString></Mongo></Persistence>'),
    { MongoPassword: 'pw12' },
  );
  t.is(cs.uri, 'mongodb://svc@m1:27017,m2:27017/?replicaSet=rs1&authSource=admin');
  t.is(cs.source, 'Persistence/Mongo/ConnectionString in the overrides RuntimeSettings.xml');
  // The Gallery's connection counts only with MongoDBWebOverride True (issue 13).
  t.throws(
    () =>
      resolveMongoTarget(sm(), settingsWith('<Gallery><MongoDBWebConnection>mongodb://backup@mongo01:27017/AlteryxGallery</MongoDBWebConnection></Gallery>'), {
        MongoPassword: 'pw12',
      }),
    { message: /names none/ },
  );
  const web = resolveMongoTarget(
    sm(),
    settingsWith(
      '<Gallery><MongoDBWebOverride>True</MongoDBWebOverride><MongoDBWebConnection>mongodb://backup@mongo01:27017/AlteryxGallery?authSource=admin&amp;replicaSet=rs0</MongoDBWebConnection></Gallery>',
    ),
    { MongoPassword: 'pw12' },
  );
  t.is(web.uri, 'mongodb://backup@mongo01:27017/AlteryxGallery?authSource=admin&replicaSet=rs0');
  t.regex(web.source, /^Gallery\/MongoDBWebConnection/);
  const old = resolveMongoTarget(
    sm(),
    settingsWith(
      '<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>mongo01:27017,mongo02:27017</MongoDBServerName><MongoDBUserName>alteryx</MongoDBUserName></Controller>',
    ),
    { MongoPassword: 'pw12' },
  );
  t.is(old.uri, 'mongodb://alteryx@mongo01:27017,mongo02:27017/?authSource=admin');
  t.regex(old.source, /^Controller\/MongoDBServerName/);
  const bad = t.throws(
    () =>
      resolveMongoTarget(
        sm(),
        settingsWith('<Gallery><MongoDBWebOverride>True</MongoDBWebOverride><MongoDBWebConnection>mongodb://a:b:c@h</MongoDBWebConnection></Gallery>'),
        {},
      ),
    { instanceOf: BackupError },
  );
  t.regex(bad!.message, /^Gallery\/MongoDBWebConnection in the overrides RuntimeSettings\.xml: .*percent-encode it as %3A/);
});

test('the mongodump --config YAML holds the URI without password and the password, exactly, whatever its characters', (t) => {
  for (const pw of [PW, 'it\'s "quoted" # not a comment', 'yes', '0123', '- dash', 'multi\nline', ' spaced ']) {
    const tg = resolveMongoTarget(sm({ Host: 'mongo01', Username: 'backup' }), undefined, { MongoPassword: pw });
    const y = parseYaml(mongodumpConfigYaml(tg)) as Record<string, unknown>;
    t.is(y['password'], pw);
    t.is(y['uri'], 'mongodb://backup@mongo01:27017/AlteryxGallery?authSource=admin');
  }
});
