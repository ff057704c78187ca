// Connection-string rules (src/mongo/uri.ts: mongodb-connection-string-url for the syntax, our option table
// and rules on top), one case per rule of MongoDB's connection-string and URI-options specifications. The cases
// are written here for this project; the specification's own test files are not copied into the repository
// (they are licensed CC BY-NC-SA 3.0): scripts/check-uri-spec.ts runs them against the parser from a checkout
// of github.com/mongodb/specifications (see docs/mongodb.md, "How connection strings are checked").
//
// Categories, as in the specification's test format: valid (accepted, fields as given), invalid (refused,
// exit 3), warning (accepted with a warning), and "stricter": where a driver ignores an option with an invalid
// value and only warns, this tool refuses the string naming the option (an ignored option silently changes what
// the backup connects with, e.g. TLS off).
import test from 'ava';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { SECRET_OPTIONS, formatConnectionString, optionValues, parseConnectionString, type MongoConnection } from '../src/mongo/uri.ts';

type Check = (c: MongoConnection, t: import('ava').ExecutionContext) => void;

const VALID: Array<[string, Check]> = [
  ['mongodb://127.0.0.1', (c, t) => t.deepEqual(c.hosts, [{ host: '127.0.0.1', port: 27017 }])],
  ['mongodb://[::1]:27019', (c, t) => t.deepEqual(c.hosts, [{ host: '::1', port: 27019 }])],
  [
    'mongodb://h1,[fd00::2]:27018,h3.example.com:27019/',
    (c, t) =>
      t.deepEqual(
        c.hosts.map((h) => `${h.host}|${h.port}`),
        ['h1|27017', 'fd00::2|27018', 'h3.example.com|27019'],
      ),
  ],
  ['mongodb://straße.example.org', (c, t) => t.is(c.hosts[0]!.host, 'straße.example.org')],
  ['mongodb://999.1.1.1', (c, t) => t.is(c.hosts[0]!.host, '999.1.1.1')],
  ['mongodb://bob:@h', (c, t) => t.deepEqual([c.username, c.password], ['bob', ''])],
  ['mongodb://bob@h', (c, t) => t.deepEqual([c.username, c.password], ['bob', undefined])],
  ['mongodb://svc%40corp:p%3Aw%2F@h/the%3Ddb', (c, t) => t.deepEqual([c.username, c.password, c.database], ['svc@corp', 'p:w/', 'the=db'])],
  ["mongodb://u!$&'()*+,;=:p!$&'()*+,;=@h/admin", (c, t) => t.deepEqual([c.username, c.password], ["u!$&'()*+,;=", "p!$&'()*+,;="])],
  ['mongodb://u:p@h/?AUTHMECHANISM=PLAIN&authsource=$external', (c, t) => t.deepEqual(c.options, { authMechanism: 'PLAIN', authSource: '$external' })],
  ['mongodb://h/?replicaSet=with@sign', (c, t) => t.is(c.options['replicaSet'], 'with@sign')],
  [
    'mongodb://h/?readPreference=nearest&readPreferenceTags=zone:a,rack:7&readPreferenceTags=zone:b&readPreferenceTags=',
    (c, t) => t.deepEqual(optionValues(c, 'readPreferenceTags'), ['zone:a,rack:7', 'zone:b', '']),
  ],
  [
    'mongodb://h/?readConcernLevel=somethingNew&w=taggedSet&wTimeoutMS=0&journal=true',
    (c, t) => t.deepEqual(c.options, { readConcernLevel: 'somethingNew', w: 'taggedSet', wTimeoutMS: '0', journal: 'true' }),
  ],
  ['mongodb://h/?compressors=zstd,zlib&zlibCompressionLevel=-1', (c, t) => t.is(c.options['zlibCompressionLevel'], '-1')],
  ['mongodb://h/?maxStalenessSeconds=-1&maxPoolSize=0&minPoolSize=0&maxConnecting=3&timeoutMS=0', (c, t) => t.is(c.options['maxConnecting'], '3')],
  ['mongodb://h/?serverMonitoringMode=poll&heartbeatFrequencyMS=10000&appName=nightly', (c, t) => t.is(c.options['serverMonitoringMode'], 'poll')],
  [
    'mongodb://h/?authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:azure,TOKEN_RESOURCE:api://x',
    (c, t) => t.is(c.options['authMechanismProperties'], 'ENVIRONMENT:azure,TOKEN_RESOURCE:api://x'),
  ],
  ['mongodb://a,b,c/?proxyHost=socks.corp&proxyPort=1080&proxyUsername=u&proxyPassword=s', (c, t) => t.is(c.options['proxyPort'], '1080')],
  ['mongodb+srv://cluster.example.net/?srvServiceName=custom', (c, t) => t.is(c.options['srvServiceName'], 'custom')],
  ['mongodb+srv://cluster.example.net/?srvMaxHosts=0&replicaSet=rs9', (c, t) => t.is(c.options['replicaSet'], 'rs9')],
  ['mongodb+srv://cluster.example.net/?srvMaxHosts=3&loadBalanced=false', (c, t) => t.is(c.options['srvMaxHosts'], '3')],
  ['mongodb://lb.example.com/?loadBalanced=true&directConnection=false', (c, t) => t.is(c.options['loadBalanced'], 'true')],
  ['mongodb://a,b/?directConnection=false', (c, t) => t.is(c.hosts.length, 2)],
  [
    'mongodb://h/?tls=true&ssl=true&tlsCAFile=ca.pem&tlsCertificateKeyFile=client.pem',
    (c, t) => t.deepEqual([c.options['tls'], c.options['ssl']], ['true', undefined]),
  ],
  ['mongodb://h/?tls=true&tlsDisableOCSPEndpointCheck=true', (c, t) => t.is(c.options['tlsDisableOCSPEndpointCheck'], 'true')],
  ['mongodb://h/?maxAdaptiveRetries=0&enableOverloadRetargeting=false', (c, t) => t.is(c.options['maxAdaptiveRetries'], '0')],
];

const INVALID: Array<[string, RegExp]> = [
  ['mongodb://', /no host/],
  ['mongodb://h:65536', /between 1 and 65535/],
  ['mongodb://h:-1', /port/],
  ['mongodb://h1,,h2', /host name is empty/],
  ['mongodb://:pw@h', /password but no user name/],
  ['mongodb://@h', /user name before "@" is empty/],
  ['mongodb://u:p@ss@h', /unencoded "@"/],
  ['mongodb://u:a:b@h', /unencoded ":"/],
  ['mongodb://u:pw@h/db/x@y', /"@" after a "\/"/],
  ['mongodb://u%zz@h', /invalid percent-encoding/],
  ['mongodb+srv://cluster.example.net:27017', /must not have a port/],
  ['mongodb+srv://a.example.net,b.example.net', /exactly one host/],
  ['mongodb://a,b/?directConnection=true', /directConnection=true needs exactly one host/],
  ['mongodb+srv://cluster.example.net/?directConnection=true', /cannot be used with mongodb\+srv/],
  ['mongodb://a,b/?loadBalanced=true', /loadBalanced=true needs exactly one host/],
  ['mongodb://h/?loadBalanced=true&replicaSet=rs0', /loadBalanced=true cannot be combined with replicaSet/],
  ['mongodb://h/?loadBalanced=true&directConnection=true', /cannot be combined with directConnection=true/],
  ['mongodb://h/?srvServiceName=x', /mongodb\+srv:\/\/ strings only/],
  ['mongodb://h/?srvMaxHosts=1', /mongodb\+srv:\/\/ strings only/],
  ['mongodb+srv://cluster.example.net/?srvMaxHosts=2&replicaSet=rs0', /srvMaxHosts cannot be combined with replicaSet/],
  ['mongodb+srv://cluster.example.net/?srvMaxHosts=2&loadBalanced=true', /srvMaxHosts cannot be combined with loadBalanced/],
  ['mongodb://h/?proxyPort=1080', /need proxyHost/],
  ['mongodb://h/?proxyHost=p&proxyUsername=u', /go together/],
  ['mongodb://h/?proxyHost=p&proxyPassword=s', /go together/],
  ['mongodb://h/?proxyHost=p1&proxyHost=p2', /proxyHost is given twice/],
  ['mongodb://h/?proxyHost=p&proxyPort=1&proxyPort=1', /proxyPort is given twice/],
  ['mongodb://h/?tlsInsecure=true&tlsAllowInvalidCertificates=false', /tlsInsecure cannot be combined with tlsAllowInvalidCertificates/],
  ['mongodb://h/?tlsAllowInvalidHostnames=false&tlsInsecure=true', /tlsInsecure cannot be combined with tlsAllowInvalidHostnames/],
  [
    'mongodb://h/?tlsDisableCertificateRevocationCheck=false&tlsAllowInvalidCertificates=true',
    /tlsAllowInvalidCertificates cannot be combined with tlsDisableCertificateRevocationCheck/,
  ],
  [
    'mongodb://h/?tlsDisableOCSPEndpointCheck=true&tlsDisableCertificateRevocationCheck=true',
    /tlsDisableCertificateRevocationCheck cannot be combined with tlsDisableOCSPEndpointCheck/,
  ],
  ['mongodb://h/?tls=true&ssl=false', /tls and ssl are both given and disagree/],
  ['mongodb://h/?authMechanism=MONGODB-X509&authSource=$external'.replace('mongodb://h', 'mongodb://cn:secret@h'), /MONGODB-X509 .*remove the password/],
  ['mongodb://%2Ftmp%2Fmongodb-27017.sock', /Unix domain socket/],
  ['mongodb://h/Alteryx.Gallery', /database name/],
  ['http://h', /scheme "http:\/\/"/],
];

const WARNED: string[] = [
  'mongodb://h/?futureOption=1',
  'mongodb://h/?replicaSet=rs0&replicaSet=rs0',
  'mongodb://h/?compressors=lz4',
  'mongodb+srv://example.net',
];

const STRICTER: Array<[string, string]> = [
  ['mongodb://h/?tls=sometimes', 'tls'],
  ['mongodb://h/?connectTimeoutMS=-5', 'connectTimeoutMS'],
  ['mongodb://h/?socketTimeoutMS=soon', 'socketTimeoutMS'],
  ['mongodb://h/?zlibCompressionLevel=12', 'zlibCompressionLevel'],
  ['mongodb://h/?maxConnecting=0', 'maxConnecting'],
  ['mongodb://h/?maxStalenessSeconds=-7', 'maxStalenessSeconds'],
  ['mongodb://h/?serverMonitoringMode=push', 'serverMonitoringMode'],
  ['mongodb://h/?readPreferenceTags=notapair', 'readPreferenceTags'],
  ['mongodb://h/?journal=', 'journal'],
  ['mongodb://h/?retryWrites=1', 'retryWrites'],
  ['mongodb+srv://cluster.example.net/?srvMaxHosts=-2', 'srvMaxHosts'],
];

test(`valid: ${VALID.length} strings accepted without a warning, with the hosts, credentials and options given`, (t) => {
  for (const [uri, check] of VALID) {
    const warnings: string[] = [];
    let c: MongoConnection | undefined;
    t.notThrows(() => (c = parseConnectionString(uri, warnings)), uri);
    if (!c) continue;
    t.deepEqual(warnings, [], uri);
    check(c, t);
    // The canonical form parses back to the same hosts and options (what the driver and mongodump get);
    // it leaves secret options out (proxyPassword...), so those strings are not compared.
    if (Object.keys(c.options).some((k) => SECRET_OPTIONS.has(k))) continue;
    const again = parseConnectionString(formatConnectionString(c));
    t.deepEqual([again.hosts, again.options], [c.hosts, c.options], uri);
  }
});

test(`invalid: ${INVALID.length} strings refused with exit 3 and a message that says what is wrong, never the password`, (t) => {
  for (const [uri, re] of INVALID) {
    const e = t.throws(() => parseConnectionString(uri), { instanceOf: BackupError }, uri);
    if (!e) continue;
    t.is(e.exitCode, ExitCode.Validation, uri);
    t.regex(e.message, re, uri);
    for (const secret of ['secret', 'p@ss']) if (uri.includes(secret)) t.false(e.full.includes(secret), `${uri} shows the password`);
  }
});

test(`warning: ${WARNED.length} strings accepted with a warning (unknown option, a repeated one, an unknown compressor, a short SRV name)`, (t) => {
  for (const uri of WARNED) {
    const warnings: string[] = [];
    t.notThrows(() => parseConnectionString(uri, warnings), uri);
    t.true(warnings.length > 0, uri);
  }
});

test(`stricter than the drivers: ${STRICTER.length} invalid option values refused (exit 3) naming the option, where a driver would only warn`, (t) => {
  for (const [uri, option] of STRICTER) {
    const e = t.throws(() => parseConnectionString(uri), { instanceOf: BackupError }, uri);
    t.regex(e!.message, new RegExp(`option "?${option}\\b`), uri);
  }
});
