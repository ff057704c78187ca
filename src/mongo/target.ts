/**
 * Which self-managed MongoDB to back up, with which user: the configuration (or cmdlet parameters) first,
 * else what the server's RuntimeSettings.xml says; the password only from the request's secrets (stdin,
 * ALTERYXBACKUP_MONGO_PASSWORD for the CLI) or, discouraged, a connection string that carries one.
 */
import type { BackupConfig } from '../config/schema.ts';
import type { EffectiveSettings } from '../core/settings.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import {
  PASSWORDLESS_MECHANISMS,
  connectionFromDiscrete,
  formatConnectionString,
  parseServerName,
  isTls,
  parseConnectionString,
  secretOptionValues,
  type AuthSourceOrigin,
  type MongoConnection,
} from './uri.ts';

export type SelfManagedConfig = BackupConfig['MongoDBConfiguration']['SelfManagedMongoDB'];

export interface MongoTarget {
  /** Effective connection: user, authSource, replica set and TLS options filled in. Never holds the password. */
  conn: MongoConnection;
  password?: string | undefined;
  /** Where the connection came from (configuration key or settings element), for the log. */
  source: string;
  authSource?: string | undefined;
  authSourceFrom?: AuthSourceOrigin | undefined;
  tls: boolean;
  /** The password-free connection string. */
  uri: string;
  /** Every secret value the target holds, for the masker. */
  secrets: string[];
  warnings: string[];
}

const KEY = 'MongoDBConfiguration.SelfManagedMongoDB';

function fromSettings(s: EffectiveSettings | undefined, warnings: string[]): { conn: MongoConnection; source: string } | undefined {
  if (!s) return undefined;
  const parse = (value: string, element: string, from: string) => {
    try {
      return { conn: parseConnectionString(value, warnings), source: `${element} in the ${from} RuntimeSettings.xml` };
    } catch (err) {
      const e = err as BackupError;
      throw new BackupError(
        ExitCode.Validation,
        `${element} in the ${from} RuntimeSettings.xml: ${e.message}`,
        `Set ${KEY}.ConnectionString (-MongoConnectionString) or Host (-MongoHost) instead.`,
      );
    }
  };
  const cs = s.nested(['Persistence', 'Mongo', 'ConnectionString']);
  if (cs) return parse(cs.value, 'Persistence/Mongo/ConnectionString', cs.from);
  // realworld (issue 13): an encrypted "advanced" connection string cannot be read by this tool: say so.
  const advanced = s.get('Controller', 'AdvancedMongoConnectionEncrypted');
  if (advanced?.value.trim()) {
    throw new BackupError(
      ExitCode.Validation,
      `The MongoDB connection string is stored encrypted in RuntimeSettings.xml (Controller/AdvancedMongoConnectionEncrypted, ${advanced.from} file): this tool cannot decrypt it.`,
      `Supply the plain connection string as ${KEY}.ConnectionString (-MongoConnectionString), without the password, and the password with -MongoCredential (or ALTERYXBACKUP_MONGO_PASSWORD); it is the "Advanced" connection string of Alteryx System Settings > Controller > Persistence.`,
    );
  }
  // The Gallery's connection is in effect only when MongoDBWebOverride is True.
  const web = s.get('Gallery', 'MongoDBWebConnection');
  if (web?.value.trim() && /^true$/i.test(s.value('Gallery', 'MongoDBWebOverride') ?? ''))
    return parse(web.value.trim(), 'Gallery/MongoDBWebConnection', web.from);
  const server = s.get('Controller', 'MongoDBServerName');
  if (server?.value.trim()) {
    // Host lists, the set/hosts seed form, and URI-style tails (host/?replicaSet=rs0): parsed or refused, never dialled as given.
    const element = 'Controller/MongoDBServerName';
    try {
      const conn = parseServerName(server.value, s.value('Controller', 'MongoDBUserName') || undefined, warnings);
      return { conn, source: `${element} (and MongoDBUserName) in the ${server.from} RuntimeSettings.xml` };
    } catch (err) {
      const e = err as BackupError;
      throw new BackupError(
        ExitCode.Validation,
        `${element} in the ${server.from} RuntimeSettings.xml (${JSON.stringify(server.value.trim())}) is not a host list: ${e.message.replace(/^Invalid MongoDB connection string: /, '')}`,
        `Set ${KEY}.ConnectionString (-MongoConnectionString) or Host (-MongoHost) instead.`,
      );
    }
  }
  return undefined;
}

/**
 * Resolves the target. Throws BackupError exit 3 when the configuration is incomplete or invalid (no host,
 * a user without a password, both a connection string and a host, ...): nothing has been touched yet.
 */
export function resolveMongoTarget(sm: SelfManagedConfig, settings: EffectiveSettings | undefined, secrets: Record<string, string | undefined>): MongoTarget {
  const warnings: string[] = [];
  let conn: MongoConnection;
  let source: string;
  if (sm.ConnectionString && sm.Host) {
    throw new BackupError(
      ExitCode.Validation,
      `Both ${KEY}.ConnectionString and ${KEY}.Host are set.`,
      'Give either a connection string (-MongoConnectionString) or a host (-MongoHost/-MongoPort), not both.',
    );
  }
  if (sm.ConnectionString) {
    try {
      conn = parseConnectionString(sm.ConnectionString, warnings);
    } catch (err) {
      const e = err as BackupError;
      throw new BackupError(ExitCode.Validation, `${KEY}.ConnectionString: ${e.message}`, e.hint);
    }
    source = `${KEY}.ConnectionString`;
  } else if (sm.Host) {
    conn = connectionFromDiscrete({
      Host: sm.Host,
      Port: sm.Port,
      Database: sm.Database,
      AuthDatabase: sm.AuthDatabase,
      Username: sm.Username,
      ReplicaSet: sm.ReplicaSet,
    });
    source = `${KEY}.Host/Port`;
  } else {
    const found = fromSettings(settings, warnings);
    if (!found) {
      throw new BackupError(
        ExitCode.Validation,
        'The MongoDB is self-managed, but no connection is configured and RuntimeSettings.xml names none.',
        `Set ${KEY}.ConnectionString (-MongoConnectionString) or ${KEY}.Host (-MongoHost) in the configuration.`,
      );
    }
    ({ conn, source } = found);
  }

  // The user: the configured one (or -MongoCredential's) wins over one inside the connection string.
  if (sm.Username && conn.username && sm.Username !== conn.username) {
    warnings.push(`The user "${conn.username}" of the connection string is replaced by ${KEY}.Username "${sm.Username}".`);
  }
  if (sm.Username) conn.username = sm.Username;

  // The replica set: one name only.
  if (sm.ReplicaSet) {
    const given = conn.options['replicaSet'];
    if (given && given !== sm.ReplicaSet) {
      throw new BackupError(
        ExitCode.Validation,
        `${KEY}.ReplicaSet is "${sm.ReplicaSet}" but the connection string says replicaSet=${given}.`,
        'Give the replica set name in one place.',
      );
    }
    conn.options['replicaSet'] = sm.ReplicaSet;
  }
  if (sm.Tls !== undefined) conn.options['tls'] = String(sm.Tls);
  if (sm.TlsCAFile) {
    conn.options['tlsCAFile'] = sm.TlsCAFile;
    conn.options['tls'] ??= 'true';
  }

  // The password: the request's secret; one inside the connection string is used only when there is none.
  const secret = secrets['MongoPassword'] || undefined;
  let password = secret ?? conn.password;
  if (conn.password !== undefined) {
    warnings.push(
      secret !== undefined && secret !== conn.password
        ? 'The password inside the connection string is ignored: the one given with -MongoCredential / ALTERYXBACKUP_MONGO_PASSWORD is used.'
        : 'The connection string carries a password; keep it out of configuration files and pass it with -MongoCredential, -MongoCredentialTarget or ALTERYXBACKUP_MONGO_PASSWORD.',
    );
  }
  const mechanism = conn.options['authMechanism']?.toUpperCase();
  const passwordless = mechanism !== undefined && PASSWORDLESS_MECHANISMS.has(mechanism);
  if (passwordless) password = undefined;
  if (conn.username && password === undefined && !passwordless) {
    throw new BackupError(
      ExitCode.Validation,
      `The MongoDB user "${conn.username}" has no password.`,
      'Pass it with -MongoCredential or -MongoPassword (or -MongoCredentialTarget for Windows Credential Manager); from the Node CLI set ALTERYXBACKUP_MONGO_PASSWORD. Never put it in the configuration file.',
    );
  }
  if (!conn.username && password !== undefined) {
    throw new BackupError(ExitCode.Validation, 'A MongoDB password was given but no user name.', `Set ${KEY}.Username (-MongoCredential carries both).`);
  }
  if (!conn.username && !passwordless) {
    warnings.push('No MongoDB user is configured: the connectivity check and mongodump run without authentication.');
  }

  // The authentication database: authSource, else the database in the path (the URI standard), else AuthDatabase.
  let authSource: string | undefined;
  let authSourceFrom: AuthSourceOrigin | undefined;
  if (conn.username) {
    if (conn.options['authSource']) {
      authSource = conn.options['authSource'];
      authSourceFrom = source.endsWith('Host/Port') ? 'AuthDatabase setting' : 'authSource option';
    } else if (conn.database) {
      authSource = conn.database;
      authSourceFrom = 'database in the connection string';
    } else {
      authSource = sm.AuthDatabase;
      authSourceFrom = 'AuthDatabase setting';
    }
    if (mechanism === 'MONGODB-X509' || mechanism === 'MONGODB-AWS' || mechanism === 'GSSAPI') authSource = '$external';
    // Spelled out, so that the driver and mongodump cannot disagree on their defaults.
    conn.options['authSource'] = authSource;
  }
  delete conn.password;
  const secretsOut = [password, ...secretOptionValues(conn)].filter((x): x is string => !!x);
  return { conn, password, source, authSource, authSourceFrom, tls: isTls(conn), uri: formatConnectionString(conn), secrets: secretsOut, warnings };
}
