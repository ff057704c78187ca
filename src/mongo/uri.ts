/**
 * MongoDB connection strings (`mongodb://` and `mongodb+srv://`) and the discrete Host/Port/... form:
 * parsing, validation with errors that say what is wrong (never echoing the password), and the canonical
 * password-free form used for the log, the driver and mongodump's --config file.
 */
import { ConnectionString } from 'mongodb-connection-string-url';
import { BackupError, ExitCode } from '../core/errors.ts';

export interface MongoHost {
  /** Host name or IP address (IPv6 without the brackets). */
  host: string;
  /** Undefined for mongodb+srv (the port comes from the SRV record). */
  port?: number | undefined;
}

export type AuthSourceOrigin = 'authSource option' | 'database in the connection string' | 'AuthDatabase setting';

export interface MongoConnection {
  scheme: 'mongodb' | 'mongodb+srv';
  hosts: MongoHost[];
  username?: string | undefined;
  /** Only from a connection string that carries one; never logged. */
  password?: string | undefined;
  /** The database in the path (`mongodb://host/<database>`). */
  database?: string | undefined;
  /** Options other than the credentials, keys in their canonical spelling (a list option: its last value). */
  options: Record<string, string>;
  /** Every value of the list options given (readPreferenceTags may repeat), in order. */
  lists?: Record<string, string[]>;
}

/**
 * Our option table (the syntax of the string itself is mongodb-connection-string-url's, the parser the
 * MongoDB driver uses): canonical spelling and how the value is checked. `list` options may repeat
 * (readPreferenceTags); `int` has a minimum; enums compare case-insensitively. Checked against MongoDB's
 * URI options specification (scripts/check-uri-spec.ts runs its tests; test/mongo-uri-rules.test.ts has ours).
 */
type OptionKind = 'bool' | 'string' | 'anyString' | 'tags' | 'keyValues' | 'compressors' | readonly string[] | { int: number; max?: number };
const OPTIONS: Record<string, OptionKind> = {
  replicaSet: 'string',
  tls: 'bool',
  ssl: 'bool',
  tlsCAFile: 'string',
  tlsCertificateKeyFile: 'string',
  tlsCertificateKeyFilePassword: 'string',
  tlsAllowInvalidCertificates: 'bool',
  tlsAllowInvalidHostnames: 'bool',
  tlsInsecure: 'bool',
  tlsDisableCertificateRevocationCheck: 'bool',
  tlsDisableOCSPEndpointCheck: 'bool',
  authSource: 'string',
  authMechanism: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'MONGODB-X509', 'GSSAPI', 'PLAIN', 'MONGODB-AWS', 'MONGODB-OIDC'],
  authMechanismProperties: 'keyValues',
  readPreference: ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'],
  readPreferenceTags: 'tags',
  maxStalenessSeconds: { int: -1 },
  directConnection: 'bool',
  loadBalanced: 'bool',
  connectTimeoutMS: { int: 0 },
  serverSelectionTimeoutMS: { int: 0 },
  serverSelectionTryOnce: 'bool',
  serverMonitoringMode: ['auto', 'stream', 'poll'],
  socketTimeoutMS: { int: 0 },
  heartbeatFrequencyMS: { int: 0 },
  localThresholdMS: { int: 0 },
  maxPoolSize: { int: 0 },
  minPoolSize: { int: 0 },
  maxConnecting: { int: 1 },
  maxIdleTimeMS: { int: 0 },
  waitQueueTimeoutMS: { int: 0 },
  w: 'anyString',
  wTimeoutMS: { int: 0 },
  journal: 'bool',
  retryWrites: 'bool',
  retryReads: 'bool',
  readConcernLevel: 'anyString',
  appName: 'string',
  compressors: 'compressors',
  zlibCompressionLevel: { int: -1, max: 9 },
  srvServiceName: 'string',
  srvMaxHosts: { int: 0 },
  proxyHost: 'string',
  proxyPort: { int: 0, max: 65535 },
  proxyUsername: 'string',
  proxyPassword: 'string',
  timeoutMS: { int: 0 },
  maxAdaptiveRetries: { int: 0 },
  enableOverloadRetargeting: 'bool',
};
const CANONICAL = new Map(Object.keys(OPTIONS).map((k) => [k.toLowerCase(), k]));
/** Options that may be given more than once, every value kept in order. */
const LIST_OPTIONS = new Set(['readPreferenceTags']);

/** Options that carry a secret: accepted, masked, never written to a log. */
const SECRET_OPTIONS = new Set(['tlsCertificateKeyFilePassword', 'proxyPassword']);

/** Mechanisms that authenticate without a password. */
export const PASSWORDLESS_MECHANISMS = new Set(['MONGODB-X509', 'GSSAPI', 'MONGODB-AWS', 'MONGODB-OIDC']);

function invalid(message: string, hint?: string): BackupError {
  return new BackupError(
    ExitCode.Validation,
    `Invalid MongoDB connection string: ${message}`,
    hint ?? 'See docs/mongodb.md for the accepted forms, e.g. mongodb://backup@mongo01:27017,mongo02:27017/?replicaSet=rs0&authSource=admin.',
  );
}

function decode(part: string, what: string, secret: boolean): string {
  try {
    return decodeURIComponent(part);
  } catch {
    const shown = secret ? '' : ` (${JSON.stringify(part)})`;
    throw invalid(
      `the ${what}${shown} has an invalid percent-encoding (a "%" must be followed by two hex digits).`,
      `Percent-encode the character "%" itself as %25${secret ? '; the value is not shown because it is secret' : ''}.`,
    );
  }
}

function parseHost(raw: string, srv: boolean): MongoHost {
  if (raw === '') throw invalid('a host name is empty (two commas in a row, or a trailing comma?).');
  let host: string;
  let portText: string | undefined;
  if (raw.startsWith('[')) {
    const end = raw.indexOf(']');
    if (end < 0) throw invalid(`the IPv6 address ${JSON.stringify(raw)} has no closing "]".`);
    host = raw.slice(1, end);
    const rest = raw.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw invalid(`unexpected text after the IPv6 address in ${JSON.stringify(raw)}.`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const parts = raw.split(':');
    if (parts.length > 2) throw invalid(`${JSON.stringify(raw)} is not host[:port] (write IPv6 addresses in brackets: [::1]:27017).`);
    host = decode(parts[0]!, 'host', false);
    portText = parts[1];
  }
  if (host === '') throw invalid(`${JSON.stringify(raw)} has no host name.`);
  if (host.includes('/') || host.endsWith('.sock')) throw invalid(`${JSON.stringify(raw)} is a Unix domain socket, which mongodump on Windows cannot use.`);
  if (/\s/.test(host)) throw invalid(`the host ${JSON.stringify(host)} contains white space.`);
  if (portText === undefined) return { host, port: srv ? undefined : 27017 };
  if (srv)
    throw invalid(
      `a mongodb+srv:// host must not have a port (${JSON.stringify(raw)}): the port comes from the DNS SRV record.`,
      'Remove the port, or use mongodb:// with the full host list.',
    );
  if (!/^\d+$/.test(portText)) throw invalid(`the port of ${JSON.stringify(raw)} is not a number.`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw invalid(`the port of ${JSON.stringify(raw)} must be between 1 and 65535.`);
  return { host, port };
}

function checkOption(key: string, value: string, warnings: string[]): void {
  const kind = OPTIONS[key]!;
  const shown = SECRET_OPTIONS.has(key) ? '(secret, not shown)' : JSON.stringify(value);
  // An empty readPreferenceTags is the "any server" fallback tag set; every other option needs a value.
  if (value === '' && kind !== 'tags') throw invalid(`option "${key}" has no value (write name=value).`);
  if (kind === 'bool' && !/^(true|false)$/i.test(value)) throw invalid(`option ${key}=${shown} must be true or false.`);
  if (typeof kind === 'object' && !Array.isArray(kind)) {
    const k = kind as { int: number; max?: number };
    if (!/^-?\d+$/.test(value)) throw invalid(`option ${key}=${shown} must be a whole number.`);
    const n = Number(value);
    if (n < k.int || (k.max !== undefined && n > k.max))
      throw invalid(`option ${key}=${shown} must be ${k.max !== undefined ? `between ${k.int} and ${k.max}` : `${k.int} or more`}.`);
  }
  if (Array.isArray(kind) && !kind.some((k) => k.toLowerCase() === value.toLowerCase())) {
    throw invalid(`option ${key}=${shown} is not one of ${kind.join(', ')}.`);
  }
  if (kind === 'tags' && value !== '' && !value.split(',').every((p) => /^[^:,]+:[^,]*$/.test(p))) {
    throw invalid(`option ${key}=${shown} must be tag:value pairs separated by commas (e.g. dc:ny,rack:1).`);
  }
  if (kind === 'keyValues' && !value.split(',').every((p) => /^[^:,]+:.*$/.test(p))) {
    throw invalid(`option ${key}=${shown} must be KEY:value pairs separated by commas.`);
  }
  if (kind === 'compressors') {
    const unknown = value.split(',').filter((c) => !['snappy', 'zlib', 'zstd'].includes(c.trim().toLowerCase()));
    if (unknown.length) warnings.push(`Unknown compressor(s) ${unknown.join(', ')} in compressors: the driver ignores them.`);
  }
}

/** What mongodb-connection-string-url's errors mean, in our words (never with the password). */
function libError(err: Error, password: string | undefined): BackupError {
  const m = err.message;
  if (/Protocol and host list are required/i.test(m)) return invalid('there is no host.');
  if (/Username contains unescaped characters/i.test(m)) return invalid('the user name contains a character that must be percent-encoded (: / ? # [ ] @).');
  if (/Password contains unescaped characters/i.test(m))
    return invalid('the password contains a character that must be percent-encoded (: / ? # [ ] @): percent-encode ":" as %3A, "@" as %40, "/" as %2F.');
  if (/empty userinfo/i.test(m)) return invalid('the user name before "@" is empty.');
  if (/multiple service names/i.test(m)) return invalid('a mongodb+srv:// string names exactly one host (the DNS name of the SRV record).');
  if (/cannot have port number/i.test(m))
    return invalid(
      'a mongodb+srv:// host must not have a port: the port comes from the DNS SRV record.',
      'Remove the port, or use mongodb:// with the full host list.',
    );
  if (err instanceof URIError || /URI malformed/i.test(m))
    return invalid(
      'the user name or password has an invalid percent-encoding (a "%" must be followed by two hex digits).',
      'Percent-encode the character "%" itself as %25; the value is not shown because it may be secret.',
    );
  const safe = password ? m.split(password).join('****') : m;
  return invalid(`it cannot be parsed (${safe}).`);
}

/**
 * Parses and validates a connection string. Throws BackupError (exit 3) with a message that names what is
 * wrong and never contains the password. `warnings` collects unknown options (kept, as drivers do).
 */
export function parseConnectionString(text: string, warnings: string[] = []): MongoConnection {
  const s = text.trim();
  const m = /^(mongodb(?:\+srv)?):\/\/(.*)$/is.exec(s);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1];
    throw invalid(scheme ? `the scheme "${scheme}://" is not mongodb:// or mongodb+srv://.` : 'it must start with mongodb:// or mongodb+srv://.');
  }
  const scheme = m[1]!.toLowerCase() as MongoConnection['scheme'];
  const srv = scheme === 'mongodb+srv';
  // Our clearer messages for the mistakes admins make in the user info, before the library's generic ones.
  const rest = m[2]!;
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  if (authorityEnd >= 0 && /^\/[^?]*@/.test(rest.slice(authorityEnd))) {
    throw invalid('there is an "@" after a "/": a "/" in the user name or password must be percent-encoded as %2F.');
  }
  const at = authority.lastIndexOf('@');
  let rawPass: string | undefined;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (userinfo.includes('@')) throw invalid('the user name or password contains an unencoded "@": percent-encode it as %40.');
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    rawPass = colon < 0 ? undefined : userinfo.slice(colon + 1);
    if (rawPass?.includes(':')) throw invalid('the password contains an unencoded ":": percent-encode it as %3A.');
    if (rawUser === '') throw invalid(rawPass !== undefined ? 'there is a password but no user name.' : 'the user name before "@" is empty.');
    decode(rawUser, 'user name', false);
    if (rawPass !== undefined) decode(rawPass, 'password', true);
  }
  // Without user info, an "@" in the options (replicaSet=a@b) would be taken for the end of one by the library.
  const forLib = at < 0 && authorityEnd >= 0 ? `${m[1]}://${authority}${rest.slice(authorityEnd).replace(/@/g, '%40')}` : s;
  let cs: ConnectionString;
  try {
    cs = new ConnectionString(forLib);
  } catch (err) {
    throw libError(err as Error, rawPass);
  }
  const username = cs.username ? decode(cs.username, 'user name', false) : undefined;
  const password = cs.password !== '' || (rawPass !== undefined && rawPass === '') ? decode(cs.password, 'password', true) : undefined;
  const hosts = cs.hosts.map((h) => parseHost(h, srv));
  if (srv && hosts[0]!.host.split('.').length < 3) {
    warnings.push(`The mongodb+srv host ${hosts[0]!.host} has fewer than three parts; drivers older than 6.x reject such SRV names.`);
  }
  let database: string | undefined;
  const path = cs.pathname.replace(/^\//, '');
  if (path !== '') {
    database = decode(path, 'database name', false);
    if (/[/\\. "$*<>:|?]/.test(database))
      throw invalid(`the database name ${JSON.stringify(database)} contains a character MongoDB does not allow in database names.`);
  }

  const options: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const [rawKey, value] of cs.searchParams) {
    const key = CANONICAL.get(rawKey.toLowerCase());
    if (!key) {
      warnings.push(`Unknown connection string option "${rawKey}" is passed on unchanged.`);
      options[rawKey] = value;
      continue;
    }
    checkOption(key, value, warnings);
    if (LIST_OPTIONS.has(key)) {
      (lists[key] ??= []).push(value);
      options[key] = value;
      continue;
    }
    if (key in options) {
      // A proxy option given twice is an error in MongoDB's specification; others: one value, else ambiguous.
      if (options[key] !== value || key.startsWith('proxy'))
        throw invalid(`option ${key} is given twice${options[key] !== value ? ' with different values' : ''}.`);
      warnings.push(`Option ${key} is given twice (with the same value).`);
    }
    options[key] = value;
  }
  checkCombinations(options, hosts.length, srv, password);
  if ('ssl' in options) {
    options['tls'] ??= options['ssl']!;
    delete options['ssl'];
  }
  return { scheme, hosts, username, password, database, options, ...(Object.keys(lists).length ? { lists } : {}) };
}

/** Every value of a list option (readPreferenceTags), in order; the single value otherwise. */
export function optionValues(c: MongoConnection, key: string): string[] {
  return c.lists?.[key] ?? (c.options[key] !== undefined ? [c.options[key]!] : []);
}
const isOn = (o: Record<string, string>, k: string) => o[k]?.toLowerCase() === 'true';

/** The rules between options (MongoDB's URI options specification), each refused with what to change. */
function checkCombinations(options: Record<string, string>, hostCount: number, srv: boolean, password: string | undefined): void {
  const has = (k: string) => k in options;
  if (has('tls') && has('ssl') && options['tls']!.toLowerCase() !== options['ssl']!.toLowerCase()) {
    throw invalid('tls and ssl are both given and disagree (they are the same option).');
  }
  const exclusive: Array<[string, string[]]> = [
    ['tlsInsecure', ['tlsAllowInvalidCertificates', 'tlsAllowInvalidHostnames', 'tlsDisableCertificateRevocationCheck', 'tlsDisableOCSPEndpointCheck']],
    ['tlsAllowInvalidCertificates', ['tlsDisableCertificateRevocationCheck', 'tlsDisableOCSPEndpointCheck']],
    ['tlsDisableCertificateRevocationCheck', ['tlsDisableOCSPEndpointCheck']],
  ];
  for (const [a, others] of exclusive) {
    for (const b of others) if (has(a) && has(b)) throw invalid(`${a} cannot be combined with ${b} (they overlap; keep one).`);
  }
  if (isOn(options, 'directConnection')) {
    if (srv) throw invalid('directConnection=true cannot be used with mongodb+srv://.');
    if (hostCount > 1) throw invalid('directConnection=true needs exactly one host.');
  }
  if (isOn(options, 'loadBalanced')) {
    if (hostCount > 1) throw invalid('loadBalanced=true needs exactly one host (the load balancer).');
    if (options['replicaSet']) throw invalid('loadBalanced=true cannot be combined with replicaSet.');
    if (isOn(options, 'directConnection')) throw invalid('loadBalanced=true cannot be combined with directConnection=true.');
  }
  if (!srv && (has('srvServiceName') || has('srvMaxHosts')))
    throw invalid(`${has('srvServiceName') ? 'srvServiceName' : 'srvMaxHosts'} applies to mongodb+srv:// strings only.`);
  if (srv && Number(options['srvMaxHosts'] ?? 0) > 0) {
    if (options['replicaSet']) throw invalid('srvMaxHosts cannot be combined with replicaSet.');
    if (isOn(options, 'loadBalanced')) throw invalid('srvMaxHosts cannot be combined with loadBalanced=true.');
  }
  if (!has('proxyHost') && ['proxyPort', 'proxyUsername', 'proxyPassword'].some(has))
    throw invalid('proxyPort, proxyUsername and proxyPassword need proxyHost.');
  if (has('proxyUsername') !== has('proxyPassword')) throw invalid('proxyUsername and proxyPassword go together (give both or neither).');
  const mech = options['authMechanism']?.toUpperCase();
  if (mech === 'MONGODB-X509' && password !== undefined) {
    throw invalid('MONGODB-X509 authenticates with the client certificate: remove the password from the string.');
  }
}

/** The discrete form of the configuration (SelfManagedMongoDB.Host/Port/...). */
export interface DiscreteSettings {
  Host: string;
  Port: number;
  Database?: string | undefined;
  AuthDatabase?: string | undefined;
  Username?: string | undefined;
  ReplicaSet?: string | undefined;
}

/**
 * Builds a connection from the discrete settings. Host may be one name, `host:port`, a comma-separated list,
 * or mongodump's `replicaSetName/host1:port,host2:port` seed form; Port applies to hosts without one.
 */
export function connectionFromDiscrete(d: DiscreteSettings): MongoConnection {
  let list = d.Host.trim();
  // realworld (issue 13): a URI-style tail (`host/?replicaSet=rs0`) is never taken for a host name to dial.
  if (list.includes('?')) {
    throw new BackupError(
      ExitCode.Validation,
      `SelfManagedMongoDB.Host ${JSON.stringify(d.Host)} holds connection string options (the part from "?"), not a host list.`,
      'Give the whole value as SelfManagedMongoDB.ConnectionString (-MongoConnectionString), e.g. mongodb://mongo01:27017/?replicaSet=rs0, or only the host names in Host.',
    );
  }
  let setName = d.ReplicaSet;
  const slash = list.indexOf('/');
  if (slash >= 0) {
    const fromHost = list.slice(0, slash);
    if (setName && fromHost && setName !== fromHost) {
      throw new BackupError(
        ExitCode.Validation,
        `SelfManagedMongoDB.Host names replica set "${fromHost}" but ReplicaSet is "${setName}".`,
        'Give the replica set name in one place.',
      );
    }
    setName = fromHost || setName;
    list = list.slice(slash + 1);
  }
  if (list === '')
    throw new BackupError(
      ExitCode.Validation,
      'SelfManagedMongoDB.Host is empty.',
      'Give the MongoDB host name (e.g. mongo01 or mongo01:27017,mongo02:27017).',
    );
  let hosts: MongoHost[];
  try {
    hosts = list.split(',').map((h) => {
      const one = parseHost(h.trim(), false);
      return /:\d+$/.test(h.trim()) ? one : { host: one.host, port: d.Port };
    });
  } catch (err) {
    throw new BackupError(
      ExitCode.Validation,
      `SelfManagedMongoDB.Host ${JSON.stringify(d.Host)} is not valid: ${(err as BackupError).message.replace(/^Invalid MongoDB connection string: /, '')}`,
      'Write host, host:port, or a comma-separated list of them.',
    );
  }
  const options: Record<string, string> = {};
  if (setName) options['replicaSet'] = setName;
  if (d.AuthDatabase) options['authSource'] = d.AuthDatabase;
  return { scheme: 'mongodb', hosts, username: d.Username || undefined, database: d.Database, options };
}

/**
 * Controller/MongoDBServerName as Alteryx stores it: `host[:port][,host[:port]...]`, mongodump's
 * `set/host1,host2` seed form, or hosts with a URI-style tail (`host/?replicaSet=rs0`,
 * `host:27017/AlteryxService?authSource=admin`), which is parsed as the connection string it is.
 * Throws BackupError (exit 3) when it is neither: it is never dialled as a host name.
 */
export function parseServerName(value: string, username: string | undefined, warnings: string[] = []): MongoConnection {
  const v = value.trim();
  const slash = v.indexOf('/');
  if (v.includes('?') || (slash >= 0 && slash === v.length - 1) || (slash >= 0 && /[:,]/.test(v.slice(0, slash)))) {
    const conn = parseConnectionString(`mongodb://${v}`, warnings);
    if (username && !conn.username) conn.username = username;
    return conn;
  }
  const conn = connectionFromDiscrete({ Host: v, Port: 27017, Username: username });
  delete conn.options['authSource'];
  return conn;
}

export function isTls(c: MongoConnection): boolean {
  const v = c.options['tls'];
  return v === undefined ? c.scheme === 'mongodb+srv' : v.toLowerCase() === 'true';
}

export function hostList(c: MongoConnection): string[] {
  return c.hosts.map((h) => (h.host.includes(':') ? `[${h.host}]` : h.host) + (h.port !== undefined ? `:${h.port}` : ''));
}

/**
 * The connection string without the password (and without secret options): what the log shows, what the
 * driver is given (the password goes separately), what mongodump reads from its --config file.
 * `hosts` replaces the host list (the sandbox dials its simulated hosts on loopback).
 */
export function formatConnectionString(c: MongoConnection, opts: { hosts?: string[]; withUser?: boolean } = {}): string {
  const user = opts.withUser !== false && c.username ? `${encodeURIComponent(c.username)}@` : '';
  const hosts = (opts.hosts ?? hostList(c)).join(',');
  const db = c.database ? encodeURIComponent(c.database) : '';
  const query = Object.keys(c.options)
    .filter((k) => !SECRET_OPTIONS.has(k))
    .flatMap((k) => optionValues(c, k).map((v) => `${k}=${encodeURIComponent(v)}`))
    .join('&');
  return `${c.scheme}://${user}${hosts}/${db}${query ? `?${query}` : ''}`;
}

/** Values of secret options, for the masker. */
export function secretOptionValues(c: MongoConnection): string[] {
  return Object.entries(c.options)
    .filter(([k]) => SECRET_OPTIONS.has(k))
    .map(([, v]) => v);
}

export { SECRET_OPTIONS };
