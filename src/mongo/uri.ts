/**
 * MongoDB connection strings (`mongodb://` and `mongodb+srv://`) and the discrete Host/Port/... form:
 * parsing, validation with errors that say what is wrong (never echoing the password), and the canonical
 * password-free form used for the log, the driver and mongodump's --config file.
 */
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
  /** Options other than the credentials, keys in their canonical spelling. */
  options: Record<string, string>;
}

/** Known options: canonical spelling and how the value is checked. */
const OPTIONS: Record<string, 'bool' | 'int' | 'string' | readonly string[]> = {
  replicaSet: 'string',
  tls: 'bool',
  ssl: 'bool',
  tlsCAFile: 'string',
  tlsCertificateKeyFile: 'string',
  tlsCertificateKeyFilePassword: 'string',
  tlsAllowInvalidCertificates: 'bool',
  tlsAllowInvalidHostnames: 'bool',
  tlsInsecure: 'bool',
  authSource: 'string',
  authMechanism: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'MONGODB-X509', 'GSSAPI', 'PLAIN', 'MONGODB-AWS', 'MONGODB-OIDC'],
  authMechanismProperties: 'string',
  readPreference: ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'],
  readPreferenceTags: 'string',
  maxStalenessSeconds: 'int',
  directConnection: 'bool',
  loadBalanced: 'bool',
  connectTimeoutMS: 'int',
  serverSelectionTimeoutMS: 'int',
  socketTimeoutMS: 'int',
  heartbeatFrequencyMS: 'int',
  localThresholdMS: 'int',
  maxPoolSize: 'int',
  minPoolSize: 'int',
  maxIdleTimeMS: 'int',
  waitQueueTimeoutMS: 'int',
  w: 'string',
  wtimeoutMS: 'int',
  journal: 'bool',
  retryWrites: 'bool',
  retryReads: 'bool',
  readConcernLevel: ['local', 'majority', 'linearizable', 'available', 'snapshot'],
  appName: 'string',
  compressors: 'string',
  zlibCompressionLevel: 'int',
  srvServiceName: 'string',
  srvMaxHosts: 'int',
  proxyHost: 'string',
  proxyPort: 'int',
  proxyUsername: 'string',
  proxyPassword: 'string',
  timeoutMS: 'int',
};
const CANONICAL = new Map(Object.keys(OPTIONS).map((k) => [k.toLowerCase(), k]));

/** Options that carry a secret: accepted, masked, never written to a log. */
const SECRET_OPTIONS = new Set(['tlsCertificateKeyFilePassword', 'proxyPassword']);

/** Mechanisms that authenticate without a password. */
export const PASSWORDLESS_MECHANISMS = new Set(['MONGODB-X509', 'GSSAPI', 'MONGODB-AWS', 'MONGODB-OIDC']);

function invalid(message: string, hint?: string): BackupError {
  return new BackupError(ExitCode.Validation, `Invalid MongoDB connection string: ${message}`, hint ?? 'See docs/mongodb.md for the accepted forms, e.g. mongodb://backup@mongo01:27017,mongo02:27017/?replicaSet=rs0&authSource=admin.');
}

function decode(part: string, what: string, secret: boolean): string {
  try {
    return decodeURIComponent(part);
  } catch {
    const shown = secret ? '' : ` (${JSON.stringify(part)})`;
    throw invalid(`the ${what}${shown} has an invalid percent-encoding (a "%" must be followed by two hex digits).`, `Percent-encode the character "%" itself as %25${secret ? '; the value is not shown because it is secret' : ''}.`);
  }
}

/** Characters RFC 3986 and the MongoDB URI spec require to be percent-encoded in the user name and password. */
const MUST_ENCODE = /[:/?#[\]@]/;

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
  if (srv) throw invalid(`a mongodb+srv:// host must not have a port (${JSON.stringify(raw)}): the port comes from the DNS SRV record.`, 'Remove the port, or use mongodb:// with the full host list.');
  if (!/^\d+$/.test(portText)) throw invalid(`the port of ${JSON.stringify(raw)} is not a number.`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw invalid(`the port of ${JSON.stringify(raw)} must be between 1 and 65535.`);
  return { host, port };
}

function checkOption(key: string, value: string): void {
  const kind = OPTIONS[key];
  const shown = SECRET_OPTIONS.has(key) ? '(secret, not shown)' : JSON.stringify(value);
  if (kind === 'bool' && !/^(true|false)$/i.test(value)) throw invalid(`option ${key}=${shown} must be true or false.`);
  if (kind === 'int' && !/^\d+$/.test(value)) throw invalid(`option ${key}=${shown} must be a whole number.`);
  if (Array.isArray(kind) && !kind.some((k) => k.toLowerCase() === value.toLowerCase())) {
    throw invalid(`option ${key}=${shown} is not one of ${kind.join(', ')}.`);
  }
  if (kind === 'string' && value === '') throw invalid(`option ${key} has no value.`);
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
  let rest = m[2]!;
  // Userinfo ends at the last "@" before the path; an "@" further on means an unencoded "/" in the password.
  const slash = rest.indexOf('/');
  const q = rest.indexOf('?');
  const authorityEnd = Math.min(slash < 0 ? rest.length : slash, q < 0 ? rest.length : q);
  let authority = rest.slice(0, authorityEnd);
  rest = rest.slice(authorityEnd);
  if (/^\/[^?]*@/.test(rest)) {
    throw invalid('there is an "@" after a "/": a "/" in the user name or password must be percent-encoded as %2F.');
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
    if (userinfo.includes('@')) throw invalid('the user name or password contains an unencoded "@": percent-encode it as %40.');
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const rawPass = colon < 0 ? undefined : userinfo.slice(colon + 1);
    if (rawPass !== undefined && rawPass.includes(':')) throw invalid('the password contains an unencoded ":": percent-encode it as %3A.');
    if (MUST_ENCODE.test(rawUser)) throw invalid('the user name contains a character that must be percent-encoded (: / ? # [ ] @).');
    if (rawUser === '') throw invalid(rawPass !== undefined ? 'there is a password but no user name.' : 'the user name before "@" is empty.');
    username = decode(rawUser, 'user name', false);
    if (rawPass !== undefined) password = decode(rawPass, 'password', true);
  }
  if (authority === '') throw invalid('there is no host.');
  const hosts = authority.split(',').map((h) => parseHost(h, srv));
  if (srv && hosts.length !== 1) throw invalid('a mongodb+srv:// string names exactly one host (the DNS name of the SRV record).');
  if (srv && hosts[0]!.host.split('.').length < 3) {
    warnings.push(`The mongodb+srv host ${hosts[0]!.host} has fewer than three parts; drivers older than 6.x reject such SRV names.`);
  }

  let database: string | undefined;
  let query = '';
  if (rest.startsWith('/')) {
    const qi = rest.indexOf('?');
    const path = qi < 0 ? rest.slice(1) : rest.slice(1, qi);
    query = qi < 0 ? '' : rest.slice(qi + 1);
    if (path !== '') {
      database = decode(path, 'database name', false);
      if (/[/\\. "$*<>:|?]/.test(database)) throw invalid(`the database name ${JSON.stringify(database)} contains a character MongoDB does not allow in database names.`);
    }
  } else if (rest.startsWith('?')) {
    query = rest.slice(1);
  }

  const options: Record<string, string> = {};
  for (const pair of query.split(/[&;]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid(`option ${JSON.stringify(pair.replace(/=.*/, ''))} has no value (write name=value).`);
    const rawKey = decode(pair.slice(0, eq), 'option name', false);
    const key = CANONICAL.get(rawKey.toLowerCase());
    const value = decode(pair.slice(eq + 1), `value of option ${rawKey}`, SECRET_OPTIONS.has(key ?? ''));
    if (!key) {
      warnings.push(`Unknown connection string option "${rawKey}" is passed on unchanged.`);
      options[rawKey] = value;
      continue;
    }
    if (key in options && options[key] !== value) throw invalid(`option ${key} is given twice with different values.`);
    checkOption(key, value);
    options[key] = value;
  }
  if ('tls' in options && 'ssl' in options && options['tls']!.toLowerCase() !== options['ssl']!.toLowerCase()) {
    throw invalid('tls and ssl are both given and disagree (they are the same option).');
  }
  if ('ssl' in options) {
    options['tls'] ??= options['ssl']!;
    delete options['ssl'];
  }
  if ('tlsInsecure' in options && ('tlsAllowInvalidCertificates' in options || 'tlsAllowInvalidHostnames' in options)) {
    throw invalid('tlsInsecure cannot be combined with tlsAllowInvalidCertificates or tlsAllowInvalidHostnames.');
  }
  if (options['directConnection']?.toLowerCase() === 'true') {
    if (srv) throw invalid('directConnection=true cannot be used with mongodb+srv://.');
    if (hosts.length > 1) throw invalid('directConnection=true needs exactly one host.');
  }
  if (options['loadBalanced']?.toLowerCase() === 'true' && options['replicaSet']) throw invalid('loadBalanced=true cannot be combined with replicaSet.');
  const mech = options['authMechanism'];
  if (mech && PASSWORDLESS_MECHANISMS.has(mech.toUpperCase()) && password !== undefined && mech.toUpperCase() === 'MONGODB-X509') {
    throw invalid('MONGODB-X509 authenticates with the client certificate: remove the password from the string.');
  }
  return { scheme, hosts, username, password, database, options };
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
      throw new BackupError(ExitCode.Validation, `SelfManagedMongoDB.Host names replica set "${fromHost}" but ReplicaSet is "${setName}".`, 'Give the replica set name in one place.');
    }
    setName = fromHost || setName;
    list = list.slice(slash + 1);
  }
  if (list === '') throw new BackupError(ExitCode.Validation, 'SelfManagedMongoDB.Host is empty.', 'Give the MongoDB host name (e.g. mongo01 or mongo01:27017,mongo02:27017).');
  let hosts: MongoHost[];
  try {
    hosts = list.split(',').map((h) => {
      const one = parseHost(h.trim(), false);
      return /:\d+$/.test(h.trim()) ? one : { host: one.host, port: d.Port };
    });
  } catch (err) {
    throw new BackupError(ExitCode.Validation, `SelfManagedMongoDB.Host ${JSON.stringify(d.Host)} is not valid: ${(err as BackupError).message.replace(/^Invalid MongoDB connection string: /, '')}`, 'Write host, host:port, or a comma-separated list of them.');
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
  const query = Object.entries(c.options)
    .filter(([k]) => !SECRET_OPTIONS.has(k))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
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
