import type { BackupMode } from './schema.ts';

/**
 * One table for every way a setting reaches the core: the cmdlet parameter name (also the key in the
 * bridge request's `params`), the Node CLI flag, and the configuration key it overrides.
 */
export interface ParamSpec {
  /** PowerShell parameter name, as sent in the request. */
  name: string;
  /** Node CLI flag without the dashes. */
  flag: string;
  kind: 'string' | 'string[]' | 'int' | 'number' | 'boolean';
  /** Path in backup-config.json; a function when it depends on the mode. */
  path: string[] | ((mode: BackupMode) => string[]);
  help: string;
}

export const PARAMS: ParamSpec[] = [
  { name: 'TempDirectory', flag: 'temp-directory', kind: 'string', path: ['BackupConfiguration', 'TempDirectory'], help: 'Staging folder.' },
  { name: 'LocalBackupPath', flag: 'local-backup-path', kind: 'string', path: ['BackupConfiguration', 'LocalBackupPath'], help: 'Where archives are published.' },
  { name: 'NetworkBackupPath', flag: 'network-backup-path', kind: 'string[]', path: ['BackupConfiguration', 'NetworkBackupPaths'], help: 'UNC path or mapped drive to copy to (repeatable).' },
  { name: 'LogDirectory', flag: 'log-directory', kind: 'string', path: ['BackupConfiguration', 'LogDirectory'], help: 'Folder of the log files.' },
  { name: 'RetentionDays', flag: 'retention-days', kind: 'int', path: (mode) => ['BackupConfiguration', 'RetentionDays', mode], help: 'Days to keep archives of this mode.' },
  { name: 'CompressionLevel', flag: 'compression-level', kind: 'int', path: ['BackupConfiguration', 'CompressionLevel'], help: 'Deflate level 0-9.' },
  { name: 'MongoDBType', flag: 'mongodb-type', kind: 'string', path: ['MongoDBConfiguration', 'Type'], help: 'auto, embedded or selfManaged.' },
  { name: 'MaxServiceWait', flag: 'max-service-wait', kind: 'int', path: ['ServiceConfiguration', 'MaxServiceWaitSeconds'], help: 'Seconds to wait for a service to stop or start.' },
  { name: 'MaxWorkflowWait', flag: 'max-workflow-wait', kind: 'int', path: ['ServiceConfiguration', 'MaxWorkflowWaitSeconds'], help: 'Seconds to wait for running workflows.' },
  { name: 'ForceStopWorkflows', flag: 'force-stop-workflows', kind: 'boolean', path: ['ServiceConfiguration', 'ForceStopWorkflows'], help: 'Stop workflows still running after the wait.' },
  { name: 'StopServiceForExternalDB', flag: 'stop-service-for-external-db', kind: 'boolean', path: ['ServiceConfiguration', 'StopServiceForExternalDB'], help: 'Stop the service for a self-managed MongoDB too.' },
  { name: 'MongoConnectionString', flag: 'mongo-connection-string', kind: 'string', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'ConnectionString'], help: 'Self-managed MongoDB connection string.' },
  { name: 'MongoHost', flag: 'mongo-host', kind: 'string', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'Host'], help: 'Self-managed MongoDB host.' },
  { name: 'MongoPort', flag: 'mongo-port', kind: 'int', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'Port'], help: 'Self-managed MongoDB port.' },
  { name: 'MongoDatabase', flag: 'mongo-database', kind: 'string', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'Database'], help: 'Self-managed MongoDB database.' },
  { name: 'MongoAuthDatabase', flag: 'mongo-auth-database', kind: 'string', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'AuthDatabase'], help: 'Authentication database.' },
  { name: 'KeepStagingOnFailure', flag: 'keep-staging-on-failure', kind: 'boolean', path: ['BackupConfiguration', 'KeepStagingOnFailure'], help: 'Keep the staging folder of a failed run (secrets removed).' },
  { name: 'MongoUsername', flag: 'mongo-username', kind: 'string', path: ['MongoDBConfiguration', 'SelfManagedMongoDB', 'Username'], help: 'Self-managed MongoDB user.' },
];

/** Parameters that are not configuration keys. */
export const RUN_PARAMS = ['BackupMode', 'ConfigPath', 'SandboxPath'] as const;

/** Secrets arrive only in the request's `secrets` (stdin) or from environment variables, never as flags. */
export const SECRET_NAMES = ['MongoPassword', 'ArchivePassword', 'SmtpPassword'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
