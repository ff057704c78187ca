export type WinServiceState = 'Running' | 'StopPending' | 'Stopped' | 'StartPending' | 'Paused';
export type NodeRole = 'controller' | 'worker' | 'ui';
export type Topology = 'single' | 'multi';
export type MongoKind = 'embedded' | 'self-managed';

export interface CreateOptions {
  topology?: Topology;
  mongo?: MongoKind;
  /** Approximate size of the MongoDB data, in MB (default 2). */
  dbSizeMb?: number;
  /** `2023.1` (default) → a full version such as `2023.1.1.281`; a full 4-part version is kept as given. */
  version?: string;
  /** alteryx.config gets an mtime later than the install time (so a backup must capture it). */
  modifiedConfig?: boolean;
  /** Replace an existing sandbox. */
  force?: boolean;
  /** Self-managed only: the replica set name (default rs0). */
  replicaSet?: string;
  /** Single topology only: the machine's role (default controller). A worker or UI node points at the remote controller ctl01:80 and holds no database. */
  role?: NodeRole;
  /** Where the Alteryx data lives: MongoDB (default; --mongo says which), SQL Server (2024.1+) or SQLite (old releases). */
  persistence?: Persistence;
}

export type Persistence = 'mongo' | 'sqlserver' | 'sqlite';

export interface SandboxNode {
  /** Host name, e.g. ALTERYX01. */
  name: string;
  role: NodeRole;
  /** Absolute path of this node's drive root folder: DIR for the local node, DIR/nodes/<name> for the others. */
  root: string;
}

export interface SandboxInfo {
  path: string;
  topology: Topology;
  mongo: MongoKind;
  version: string;
  nodes: SandboxNode[];
}

export interface SelfManagedMongo {
  host: string;
  port: number;
  username: string;
  password: string;
  authDatabase: string;
  replicaSet?: string;
  /** host:port of every replica set member that answers (default mongo01:27017, mongo02:27017). */
  members?: string[];
}

/** The content of DIR/sandbox.json. */
export interface SandboxFile {
  format: 'alteryx-backup-sandbox';
  formatVersion: 1;
  created: string;
  /** The install time: mtime of the install's files (and of alteryx.config unless modifiedConfig). */
  installedAt: string;
  topology: Topology;
  mongo: MongoKind;
  version: string;
  dbSizeMb: number;
  modifiedConfig: boolean;
  /** root is relative to DIR ('.' for the local node). */
  nodes: { name: string; role: NodeRole; root: string }[];
  secrets: {
    controllerToken: string;
    mongoAdminPassword: string;
    mongoNonAdminPassword: string;
  };
  /** Embedded MongoDB: the controller hosting it and its data folder (Windows path, as in RuntimeSettings.xml). */
  embeddedMongo?: { node: string; rootPath: string; port: number };
  selfManaged?: SelfManagedMongo;
  /** Where the Alteryx data lives (absent: mongo). */
  persistence?: Persistence;
  /** Knobs as set (only explicitly set values; readKnobs applies the defaults). */
  knobs: Record<string, unknown>;
}
