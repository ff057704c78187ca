import type { BackupMode } from './schema.ts';

/**
 * The one parameter table of a backup run. Every way a setting reaches the core is described here:
 * - the parameter of the cmdlet Invoke-AlteryxBackup and of its script form (module/AlteryxBackup/Invoke-AlteryxBackup.ps1):
 *   both param() blocks are generated from this table by scripts/gen-params.ts (`npm run gen:params`), and
 *   test/params.test.ts plus pester/Parameters.Tests.ps1 fail when they drift from it;
 * - the key in the bridge request's `params` (docs/bridge.md), which is the PowerShell name;
 * - the Node CLI flag and the configuration key it overrides (`config`).
 * `default` is the configuration default (src/config/schema.ts; test/params.test.ts checks that they are equal).
 * PowerShell shows it in Get-Help; the cmdlet still forwards only the parameters that were bound, so a value in
 * the configuration file wins over an unbound parameter.
 */
export type PsType = 'string' | 'string[]' | 'int' | 'switch' | 'SecureString' | 'PSCredential';

export interface ConfigTarget {
  /** Node CLI flag without the dashes. */
  flag: string;
  kind: 'string' | 'string[]' | 'int' | 'number' | 'boolean';
  /** Path in backup-config.json; a function when it depends on the mode. */
  path: string[] | ((mode: BackupMode) => string[]);
}

export interface ParameterSpec {
  /** PowerShell parameter name, also the key in the bridge request's params (or secrets). */
  name: string;
  /** Earlier names, still accepted by the cmdlet and in a request's params. */
  aliases?: string[];
  psType: PsType;
  /** The configuration default (shown by Get-Help); absent when there is none or it depends on the mode. */
  default?: string | number;
  /** What Get-Help shows as the default when it is not one value ([PSDefaultValue(Help = ...)]). */
  defaultHelp?: string;
  validateSet?: string[];
  range?: [number, number];
  /** The cmdlet's parameter set; only the MongoDB credential sources have one each. */
  parameterSet?: string;
  /** One line: the Node CLI's --help and the script form's help. */
  help: string;
  /** What Get-Help Invoke-AlteryxBackup shows for the parameter. */
  description: string;
  /** Set when the parameter overrides a configuration key. */
  config?: ConfigTarget;
  /** Travels in the request's secrets, never in params (a PSCredential: user in params, password in secrets). */
  secret?: boolean;
  /** Only on the cmdlet, not on the script form. */
  cmdletOnly?: boolean;
  /** Attribute ValidateNotNullOrEmpty on the cmdlet. */
  notEmpty?: boolean;
  /** A request key only (the user name of -MongoCredential), not a PowerShell parameter. */
  requestOnly?: boolean;
}

const SM = ['MongoDBConfiguration', 'SelfManagedMongoDB'];

export const BACKUP_PARAMETERS: ParameterSpec[] = [
  {
    name: 'BackupMode',
    psType: 'string',
    default: 'Full',
    validateSet: ['Full', 'DatabaseOnly', 'ConfigOnly'],
    help: 'Full, DatabaseOnly or ConfigOnly; anything else is refused with exit code 6 before anything runs.',
    description:
      "What to back up: Full, DatabaseOnly or ConfigOnly (see DESCRIPTION). Default Full; when the parameter is not given, the configuration's DefaultBackupMode applies.",
  },
  {
    name: 'ConfigPath',
    psType: 'string',
    defaultHelp: 'config/backup-config.json next to the module',
    notEmpty: true,
    help: 'Path of the JSON configuration file.',
    description: 'Path of the JSON configuration file. Default: config/backup-config.json next to the module.',
  },
  {
    name: 'TempDirectory',
    psType: 'string',
    default: 'D:\\Temp',
    notEmpty: true,
    help: 'Staging folder.',
    description:
      'Staging folder where the backup is assembled before it is archived (BackupConfiguration.TempDirectory). Needs free space of at least twice the MongoDB data size for the database modes.',
    config: { flag: 'temp-directory', kind: 'string', path: ['BackupConfiguration', 'TempDirectory'] },
  },
  {
    name: 'LocalBackupPath',
    psType: 'string',
    default: 'D:\\Alteryx\\Backups',
    notEmpty: true,
    help: 'Where archives are published.',
    description: 'Folder where archives are published (BackupConfiguration.LocalBackupPath).',
    config: { flag: 'local-backup-path', kind: 'string', path: ['BackupConfiguration', 'LocalBackupPath'] },
  },
  {
    name: 'NetworkBackupPath',
    psType: 'string[]',
    notEmpty: true,
    help: 'UNC path or mapped drive to copy to (repeatable). Under -File "a,b" is split at the commas when every part is a rooted path (X:\\ or \\\\server\\share).',
    description:
      'One or more UNC paths or mapped drives the archive is copied to, each copy verified (BackupConfiguration.NetworkBackupPaths; none by default). In the script form run with -File (Task Scheduler) a list arrives as one string "a,b": it is split at the commas when every part is a rooted Windows path (a drive letter or UNC path), so a path that itself contains a comma is kept whole.',
    config: { flag: 'network-backup-path', kind: 'string[]', path: ['BackupConfiguration', 'NetworkBackupPaths'] },
  },
  {
    name: 'LogDirectory',
    psType: 'string',
    default: 'D:\\Alteryx\\BackupLogs',
    notEmpty: true,
    help: 'Folder of the log files.',
    description: 'Folder of the log files (BackupConfiguration.LogDirectory).',
    config: { flag: 'log-directory', kind: 'string', path: ['BackupConfiguration', 'LogDirectory'] },
  },
  {
    name: 'MongoDBType',
    psType: 'string',
    default: 'auto',
    validateSet: ['auto', 'embedded', 'selfManaged'],
    help: 'auto, embedded or selfManaged.',
    description: 'auto (detect from RuntimeSettings.xml), embedded or selfManaged (MongoDBConfiguration.Type).',
    config: { flag: 'mongodb-type', kind: 'string', path: ['MongoDBConfiguration', 'Type'] },
  },
  {
    name: 'MaxServiceWaitSeconds',
    aliases: ['MaxServiceWait'],
    psType: 'int',
    default: 7200,
    range: [1, 86400],
    help: 'Seconds to wait for a service to stop or start.',
    description:
      'Seconds to wait for AlteryxService to stop or start (ServiceConfiguration.MaxServiceWaitSeconds). Exceeding it ends the run with exit code 2. Alias: -MaxServiceWait.',
    config: { flag: 'max-service-wait', kind: 'int', path: ['ServiceConfiguration', 'MaxServiceWaitSeconds'] },
  },
  {
    name: 'MaxWorkflowWaitSeconds',
    aliases: ['MaxWorkflowWait'],
    psType: 'int',
    default: 3600,
    range: [1, 86400],
    help: 'Seconds to wait for running workflows.',
    description:
      'Seconds to wait for running workflows to finish before the service is stopped (ServiceConfiguration.MaxWorkflowWaitSeconds). Alias: -MaxWorkflowWait.',
    config: { flag: 'max-workflow-wait', kind: 'int', path: ['ServiceConfiguration', 'MaxWorkflowWaitSeconds'] },
  },
  {
    name: 'RetentionDays',
    psType: 'int',
    defaultHelp: '30 (Full), 7 (DatabaseOnly), 14 (ConfigOnly)',
    range: [0, 3650],
    help: 'Days to keep archives of this mode.',
    description:
      'Days to keep archives of this mode (BackupConfiguration.RetentionDays.<Mode>; default 30 for Full, 7 for DatabaseOnly, 14 for ConfigOnly). 0 keeps only the newest archive. The newest good archive of a mode is never removed (docs/storage.md).',
    config: { flag: 'retention-days', kind: 'int', path: (mode) => ['BackupConfiguration', 'RetentionDays', mode] },
  },
  {
    name: 'StopServiceForExternalDB',
    psType: 'switch',
    help: 'Stop the service for a self-managed MongoDB too.',
    description:
      'Stop AlteryxService during a database backup even when MongoDB is self-managed, for a consistent dump (ServiceConfiguration.StopServiceForExternalDB).',
    config: { flag: 'stop-service-for-external-db', kind: 'boolean', path: ['ServiceConfiguration', 'StopServiceForExternalDB'] },
  },
  {
    name: 'ForceStopWorkflows',
    psType: 'switch',
    help: 'Stop workflows still running after the wait.',
    description: 'Stop workflows that are still running when -MaxWorkflowWaitSeconds has passed, instead of failing (ServiceConfiguration.ForceStopWorkflows).',
    config: { flag: 'force-stop-workflows', kind: 'boolean', path: ['ServiceConfiguration', 'ForceStopWorkflows'] },
  },
  {
    name: 'MongoConnectionString',
    psType: 'string',
    notEmpty: true,
    help: 'Self-managed MongoDB connection string.',
    description: 'Connection string of a self-managed MongoDB. Put credentials in -MongoCredential rather than in the string.',
    config: { flag: 'mongo-connection-string', kind: 'string', path: [...SM, 'ConnectionString'] },
  },
  {
    name: 'MongoHost',
    psType: 'string',
    notEmpty: true,
    help: 'Self-managed MongoDB host.',
    description: 'Host name of a self-managed MongoDB.',
    config: { flag: 'mongo-host', kind: 'string', path: [...SM, 'Host'] },
  },
  {
    name: 'MongoPort',
    psType: 'int',
    default: 27017,
    range: [1, 65535],
    help: 'Self-managed MongoDB port.',
    description: 'Port of a self-managed MongoDB.',
    config: { flag: 'mongo-port', kind: 'int', path: [...SM, 'Port'] },
  },
  {
    name: 'MongoDatabase',
    psType: 'string',
    default: 'AlteryxGallery',
    notEmpty: true,
    help: 'Self-managed MongoDB database.',
    description: 'Database of a self-managed MongoDB.',
    config: { flag: 'mongo-database', kind: 'string', path: [...SM, 'Database'] },
  },
  {
    name: 'MongoAuthDatabase',
    psType: 'string',
    default: 'admin',
    notEmpty: true,
    help: 'Authentication database.',
    description: 'Authentication database of a self-managed MongoDB.',
    config: { flag: 'mongo-auth-database', kind: 'string', path: [...SM, 'AuthDatabase'] },
  },
  {
    name: 'MongoUsername',
    psType: 'string',
    requestOnly: true,
    help: 'Self-managed MongoDB user.',
    description: 'The user name of -MongoCredential (or of -MongoCredentialTarget), sent as params.MongoUsername.',
    config: { flag: 'mongo-username', kind: 'string', path: [...SM, 'Username'] },
  },
  {
    name: 'MongoCredential',
    psType: 'PSCredential',
    parameterSet: 'MongoCredential',
    secret: true,
    help: 'Credential (user and password) of a self-managed MongoDB.',
    description:
      'User name and password for a self-managed MongoDB. The password is passed to the core on stdin and never appears in a log, an event or the process list. One of the three MongoDB credential sources (parameter sets): -MongoCredential, -MongoPassword, -MongoCredentialTarget.',
  },
  {
    name: 'MongoPassword',
    psType: 'SecureString',
    parameterSet: 'MongoPassword',
    secret: true,
    help: 'Password (SecureString) of a self-managed MongoDB.',
    description:
      'Password for a self-managed MongoDB as a SecureString, with the user name from the configuration (MongoDBConfiguration.SelfManagedMongoDB.Username). Cannot be combined with -MongoCredential or -MongoCredentialTarget.',
  },
  {
    name: 'MongoCredentialTarget',
    psType: 'string',
    parameterSet: 'MongoCredentialTarget',
    notEmpty: true,
    help: 'Target name of a generic credential in Windows Credential Manager holding the MongoDB user and password (not found: exit code 3).',
    description:
      'Target name of a generic credential in Windows Credential Manager holding the user name and password of a self-managed MongoDB (store it once, as the account that runs the backup: cmdkey /generic:AlteryxBackup/MongoDB /user:<user> /pass). Read with Win32 CredRead and passed on like -MongoCredential. Cannot be combined with -MongoCredential or -MongoPassword. See docs/mongodb.md.',
  },
  {
    name: 'CompressionLevel',
    psType: 'int',
    default: 6,
    range: [0, 9],
    help: 'Deflate level 0-9.',
    description: 'Deflate level of the archive, 0 (store) to 9 (smallest) (BackupConfiguration.CompressionLevel).',
    config: { flag: 'compression-level', kind: 'int', path: ['BackupConfiguration', 'CompressionLevel'] },
  },
  {
    name: 'KeepStagingOnFailure',
    psType: 'switch',
    help: 'Keep the staging folder of a failed run (secrets removed).',
    description:
      'Keep the staging folder of a failed run for inspection (BackupConfiguration.KeepStagingOnFailure): the log names it (and stagingPath in the JSON result of the core); its secret files are removed all the same and later runs leave it alone. Without it the failed run removes its staging folder.',
    config: { flag: 'keep-staging-on-failure', kind: 'boolean', path: ['BackupConfiguration', 'KeepStagingOnFailure'] },
  },
  {
    name: 'ArchivePassword',
    psType: 'SecureString',
    secret: true,
    help: 'Password (SecureString) for an AES-256 encrypted archive.',
    description:
      'Encrypts the archive with AES-256 using this password; such an archive opens with 7-Zip or this module, not with Explorer or Expand-Archive. Without it, the archive holds the controller token and MongoDB passwords in clear: store it accordingly.',
  },
  {
    name: 'SmtpCredential',
    psType: 'PSCredential',
    secret: true,
    help: 'User name and password of the SMTP server of the email alerts.',
    description:
      'User name and password for the SMTP server of the email alerts (NotificationConfiguration). The password goes to the core on stdin and never appears in a log; without it the core reads $env:ALTERYXBACKUP_SMTP_PASSWORD and NotificationConfiguration.SMTPUsername. See docs/alerts.md.',
  },
  {
    name: 'SandboxPath',
    psType: 'string',
    notEmpty: true,
    help: 'Run against a simulated server folder (New-AlteryxSandbox).',
    description:
      'Run against a simulated Alteryx Server folder (see New-AlteryxSandbox) instead of this machine. Used for tests, demos and trying settings on a machine without Alteryx Server.',
  },
  {
    name: 'NodePath',
    psType: 'string',
    notEmpty: true,
    help: 'Full path of the node executable.',
    description: 'Full path of the node executable to use. Otherwise $env:ALTERYXBACKUP_NODE, then node on PATH.',
  },
  {
    name: 'PassThru',
    psType: 'switch',
    cmdletOnly: true,
    help: 'With -WhatIf: output the plan as AlteryxBackup.PlanStep objects.',
    description:
      'With -WhatIf, output the steps of the plan as AlteryxBackup.PlanStep objects (Order, Name, Action, Target, ChangesState, Description) for a script to inspect. Without -WhatIf the result object is written as always.',
  },
];

/** A configuration-key parameter, as the Node CLI and loadConfig see it. */
export interface ParamSpec extends ConfigTarget {
  name: string;
  aliases: string[];
  help: string;
}

/** The parameters that override a configuration key (CLI flags, request params read by loadConfig). */
export const PARAMS: ParamSpec[] = BACKUP_PARAMETERS.flatMap((p) => (p.config ? [{ name: p.name, aliases: p.aliases ?? [], help: p.help, ...p.config }] : []));

/** Parameters that are not configuration keys. */
export const RUN_PARAMS = ['BackupMode', 'ConfigPath', 'SandboxPath'] as const;

/** Secrets arrive only in the request's `secrets` (stdin) or from environment variables, never as flags. */
export const SECRET_NAMES = ['MongoPassword', 'ArchivePassword', 'SmtpPassword'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
