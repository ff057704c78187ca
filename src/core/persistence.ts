/**
 * Where the Alteryx data lives (issue 13), pure. alteryx-facts.md ("Persistence other than embedded MongoDB"):
 * - embedded MongoDB (Controller/EmbeddedMongoDBEnabled True);
 * - user-managed MongoDB (Controller/MongoDBEnabled True with MongoDBServerName, Persistence/Mongo/ConnectionString,
 *   Controller/AdvancedMongoConnectionEncrypted, or Gallery/MongoDBWebConnection when Gallery/MongoDBWebOverride is True);
 * - user-managed SQL Server (Alteryx Server 2024.1 and later): back it up with SQL Server's tools;
 * - SQLite (old releases: EmbeddedMongoDBEnabled and MongoDBEnabled both False, Controller/SQLitePath set).
 *
 * No public sample names the SQL Server elements; these forms are accepted (defensively, like
 * Persistence/Mongo/ConnectionString): Controller/SQLServerEnabled True, Controller/PersistenceType (or
 * Persistence/Type) naming SQL Server, or a Persistence/SqlServer (Persistence/SQLServer) section with a
 * ConnectionString. The log names the element that decided.
 */
import type { BackupMode } from '../config/schema.ts';
import { detectMongoType } from './mongo-detect.ts';
import type { Scope } from './plan.ts';
import type { RoleDecision } from './topology.ts';
import type { EffectiveSettings } from './settings.ts';

export type PersistenceKind = 'embedded' | 'selfManaged' | 'sqlServer' | 'sqlite';

export interface PersistenceDecision {
  kind: PersistenceKind;
  /** The element, its value and its file. */
  decidedBy: string;
  /** Self-managed MongoDB whose connection string is stored encrypted (Controller/AdvancedMongoConnectionEncrypted). */
  encryptedConnection?: boolean;
  /** SQLite: the database file (Controller/SQLitePath). */
  sqlitePath?: string | undefined;
}

const isTrue = (v: string | undefined) => /^true$/i.test((v ?? '').trim());

function sqlServer(s: EffectiveSettings): string | undefined {
  const flag = s.get('Controller', 'SQLServerEnabled');
  if (flag && isTrue(flag.value)) return `Controller/SQLServerEnabled = True (${flag.from} file)`;
  for (const [section, key] of [
    ['Controller', 'PersistenceType'],
    ['Persistence', 'Type'],
  ] as const) {
    const v = s.get(section, key);
    if (v && /^\s*(ms)?\s*sql\s*server\s*$/i.test(v.value)) return `${v.element} = ${v.value} (${v.from} file)`;
  }
  for (const name of ['SqlServer', 'SQLServer']) {
    const cs = s.nested(['Persistence', name, 'ConnectionString']);
    if (cs) return `Persistence/${name}/ConnectionString is set (${cs.from} file)`;
  }
  return undefined;
}

export function detectPersistence(configured: 'auto' | 'embedded' | 'selfManaged', s: EffectiveSettings | undefined): PersistenceDecision {
  if (configured !== 'auto' || !s) {
    const m = detectMongoType(configured, s);
    return { kind: m.type, decidedBy: m.decidedBy };
  }
  const sql = sqlServer(s);
  if (sql) return { kind: 'sqlServer', decidedBy: sql };
  const emb = s.get('Controller', 'EmbeddedMongoDBEnabled');
  const user = s.get('Controller', 'MongoDBEnabled');
  const sqlite = s.get('Controller', 'SQLitePath');
  const advanced = s.get('Controller', 'AdvancedMongoConnectionEncrypted');
  const webOverride = isTrue(s.value('Gallery', 'MongoDBWebOverride'));
  if (advanced?.value.trim() && !isTrue(emb?.value)) {
    return {
      kind: 'selfManaged',
      encryptedConnection: true,
      decidedBy: `Controller/AdvancedMongoConnectionEncrypted is set (${advanced.from} file): a user-managed MongoDB whose connection string is stored encrypted`,
    };
  }
  const bothFalse = !!emb && !!user && !isTrue(emb.value) && !isTrue(user.value);
  if (bothFalse && sqlite?.value.trim() && !webOverride && !s.nested(['Persistence', 'Mongo', 'ConnectionString'])) {
    return {
      kind: 'sqlite',
      sqlitePath: sqlite.value.trim(),
      decidedBy: `Controller/SQLitePath = ${sqlite.value.trim()} with EmbeddedMongoDBEnabled and MongoDBEnabled both False (${sqlite.from} file)`,
    };
  }
  const m = detectMongoType('auto', s);
  return { kind: m.type, decidedBy: m.decidedBy };
}

export interface ScopeLimits {
  /** Scopes of the mode this node cannot or must not back up. */
  drop: Scope[];
  warnings: string[];
  /** Set when the run cannot do what was asked (exit 3). */
  refusal?: { message: string; hint: string };
  /** One line for the log. */
  summary?: string;
}

/**
 * What this node's backup leaves out, and why: a worker or UI node holds no database and no controller
 * secrets; SQL Server and SQLite data are not MongoDB (never an emongodump). DatabaseOnly with nothing to
 * dump is refused (exit 3) with what to do instead.
 */
export function scopeLimits(mode: BackupMode, role: RoleDecision | undefined, p: PersistenceDecision, multiNode: boolean): ScopeLimits {
  const wantsDb = mode !== 'ConfigOnly';
  if (!multiNode && role && role.nodeRole !== 'controller') {
    const what = role.role === 'ui' ? 'a Server UI (Gallery) node' : 'a worker';
    const ctl = role.remoteController ? `the controller ${role.remoteController}` : 'the controller';
    if (mode === 'DatabaseOnly') {
      return {
        drop: ['Database', 'Secrets'],
        warnings: [],
        refusal: {
          message: `This machine is ${what} (${role.decidedBy}): it holds no Alteryx database, so a DatabaseOnly backup has nothing to back up.`,
          hint: `Run the DatabaseOnly (or Full) backup on ${ctl}; on this node run ConfigOnly or Full (its settings and keys).`,
        },
      };
    }
    return {
      drop: ['Database', 'Secrets'],
      warnings: wantsDb
        ? [
            `This machine is ${what} (${role.decidedBy}): the backup holds its own settings and keys only; the database, the controller token and the MongoDB passwords are backed up on ${ctl}. No service is stopped.`,
          ]
        : [],
      summary: `Role ${role.role}: database and controller secrets are left to ${ctl}`,
    };
  }
  if (p.kind === 'sqlServer' || p.kind === 'sqlite') {
    const store = p.kind === 'sqlServer' ? 'a user-managed SQL Server database' : `the SQLite database ${p.sqlitePath ?? '(Controller/SQLitePath)'}`;
    const how =
      p.kind === 'sqlServer'
        ? "back up the SQL Server database with SQL Server's own tools (a full database backup, e.g. BACKUP DATABASE in SQL Server Management Studio or your SQL Server backup job), at the same time as this backup"
        : `stop AlteryxService and copy the SQLite file ${p.sqlitePath ?? ''} with your file backup, at the same time as this backup`;
    if (mode === 'DatabaseOnly') {
      return {
        drop: ['Database'],
        warnings: [],
        refusal: {
          message: `The Alteryx data is in ${store} (decided by ${p.decidedBy}), not in MongoDB: a DatabaseOnly backup cannot back it up.`,
          hint: `To back up the data, ${how}. This tool backs up the files, keys and secrets with -BackupMode Full or ConfigOnly.`,
        },
      };
    }
    return {
      drop: ['Database'],
      warnings: wantsDb
        ? [
            `The Alteryx data is in ${store} (decided by ${p.decidedBy}): this backup holds the files, keys and secrets, NOT the database. To back up the data, ${how}.`,
          ]
        : [],
      summary: `Persistence ${p.kind}: no database dump`,
    };
  }
  return { drop: [], warnings: [] };
}

/** The MongoDB decision the rest of the run uses (SQL Server and SQLite have no dump: their Database scope is dropped). */
export function detectedMongo(p: PersistenceDecision): { type: 'embedded' | 'selfManaged'; decidedBy: string } {
  return { type: p.kind === 'selfManaged' ? 'selfManaged' : 'embedded', decidedBy: p.decidedBy };
}
