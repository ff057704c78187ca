import { z } from 'zod';

/** The most entries RestoreConfiguration.MaxArchiveEntries may allow, and a manifest may list: the readers' ceiling. */
export const MAX_ARCHIVE_ENTRIES_CEILING = 1_000_000;

/** The three backup modes (REQ-1.1.1). */
export const BACKUP_MODES = ['Full', 'DatabaseOnly', 'ConfigOnly'] as const;
export type BackupMode = (typeof BACKUP_MODES)[number];
export const BackupModeSchema = z.enum(BACKUP_MODES);

const byMode = (full: number, db: number, cfg: number, item: z.ZodNumber) =>
  z
    .object({
      Full: item.default(full),
      DatabaseOnly: item.default(db),
      ConfigOnly: item.default(cfg),
    })
    .strict()
    .prefault({});

const windowsPath = z.string().min(1, 'must not be empty');

export const NodeSchema = z
  .object({
    Name: z.string().min(1).describe('Host name of the node, as used for remote service control.'),
    Role: z.enum(['controller', 'worker', 'ui']).describe('What the node runs.'),
    Root: z.string().optional().describe("Where the node's C: drive is reachable from the machine running the backup (e.g. \\\\host\\c$)."),
  })
  .strict();

/** Object Lock (S3) / immutability policy (Azure) on each uploaded archive; retain-until = upload time + the mode's RetentionDays. */
const CloudLockSchema = z
  .object({
    Mode: z
      .enum(['Governance', 'Compliance'])
      .describe(
        'S3 Object Lock mode (Governance: users with s3:BypassGovernanceRetention can still delete; Compliance: nobody can). Azure: Governance = unlocked policy, Compliance = locked policy.',
      ),
    LegalHold: z.boolean().default(false).describe('Also set a legal hold (removed by hand only).'),
  })
  .strict();

const retentionDay = z.number().int().min(0).max(3650);

/** A cloud destination (docs/storage.md): S3-compatible or Azure Blob, with its own retention and upload settings. */
export const CloudDestinationSchema = z
  .object({
    Name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (it names the destination in logs and in "list --destination")')
      .describe('Short name of the destination (logs, results, list --destination, secrets prefix).'),
    Url: z
      .string()
      .regex(
        /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,62}(\/.*)?|azblob:\/\/[a-z0-9]{3,24}\/[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?(\/.*)?)$/,
        's3://bucket/prefix or azblob://account/container/prefix (no credentials in it)',
      )
      .describe('s3://bucket/prefix or azblob://account/container/prefix.'),
    Endpoint: z.string().url().optional().describe('S3: a custom endpoint (MinIO, Wasabi, Ceph, StorageGRID), e.g. https://minio.example:9000. Default: AWS.'),
    Region: z.string().min(1).default('us-east-1').describe("S3: the bucket's region."),
    ForcePathStyle: z.boolean().default(false).describe('S3: path-style addressing (endpoint/bucket/key), needed by most S3-compatible servers.'),
    AccountUrl: z
      .string()
      .url()
      .optional()
      .describe(
        'Azure: the blob service URL (sovereign clouds, Azurite: http://127.0.0.1:10000/devstoreaccount1). Default: https://ACCOUNT.blob.core.windows.net.',
      ),
    PartSizeMB: z.number().int().min(5).max(4000).default(8).describe('Multipart part (S3) / block (Azure) size in MB.'),
    MultipartThresholdMB: z
      .number()
      .min(0)
      .max(5000)
      .default(100)
      .describe('Archives at least this big are uploaded in parts/blocks; smaller ones in one request.'),
    Concurrency: z.number().int().min(1).max(16).default(4).describe('Parts/blocks in flight at once (memory: about PartSizeMB x Concurrency).'),
    MaxAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe("Tries per request (the SDK's retry strategy, exponential backoff; throttling 429/503 and dropped connections are retried)."),
    VerifyByDownload: z.boolean().default(false).describe('After the upload, read the whole object back and compare its SHA-256 (costs egress).'),
    RetentionDays: z
      .object({ Full: retentionDay.optional(), DatabaseOnly: retentionDay.optional(), ConfigOnly: retentionDay.optional() })
      .strict()
      .optional()
      .describe('Days to keep archives there, per mode; a mode not given uses BackupConfiguration.RetentionDays.'),
    CredentialTarget: z
      .string()
      .min(1)
      .max(256)
      .refine((v) => ![...v].some((ch) => ch.charCodeAt(0) < 32), 'a Credential Manager target name (no control characters)')
      .optional()
      .describe(
        'Windows Credential Manager target (generic credential) read by the PowerShell module and passed to the core on stdin: S3 = access key id (user name) + secret access key (password); Azure = the secret named by CredentialKind (password).',
      ),
    CredentialKind: z
      .enum(['SasToken', 'ConnectionString', 'AccountKey'])
      .default('SasToken')
      .describe('Azure: what the password of CredentialTarget holds (a SAS token, a connection string or the account key). Not used for S3.'),
    Auth: z
      .enum(['Key', 'ManagedIdentity', 'ClientSecret', 'ClientCertificate', 'AzureCli', 'DefaultChain'])
      .default('Key')
      .describe(
        'Azure: Key = a SAS token, connection string or account key (secrets, CredentialTarget or the environment); otherwise Entra ID (@azure/identity): managed identity, a service principal with a client secret or certificate, the Azure CLI login, or the default chain.',
      ),
    TenantId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Azure Entra ID: the directory (tenant) id, for ClientSecret / ClientCertificate (and AzureCli, DefaultChain when given).'),
    ClientId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Azure Entra ID: the application (client) id of the service principal, or of a user-assigned managed identity.'),
    CertificatePath: z
      .string()
      .min(1)
      .optional()
      .describe('Azure Auth ClientCertificate: a PEM file with the certificate and its private key (a password, if any, as a secret).'),
    AuthorityHost: z
      .string()
      .url()
      .optional()
      .describe(
        'Azure Entra ID: the authority for a sovereign cloud (https://login.microsoftonline.us, https://login.chinacloudapi.cn). Default: https://login.microsoftonline.com.',
      ),
    ObjectLock: CloudLockSchema.optional().describe(
      'Write-once copies: S3 Object Lock (the bucket needs Object Lock enabled) or an Azure blob immutability policy (the container needs version-level immutability).',
    ),
  })
  .strict();
export type CloudDestination = z.output<typeof CloudDestinationSchema>;

/** Entra ID settings that do not fit together (docs/storage.md): what the schema reports for a destination. */
export function entraProblems(d: Pick<CloudDestination, 'Url' | 'Auth' | 'TenantId' | 'ClientId' | 'CertificatePath'>): string[] {
  const out: string[] = [];
  if (d.Auth === 'Key') return out;
  if (!d.Url.startsWith('azblob://')) out.push(`Auth ${d.Auth} is Entra ID, for Azure (azblob://) destinations only; S3 uses its keys or the AWS SDK's chain`);
  if ((d.Auth === 'ClientSecret' || d.Auth === 'ClientCertificate') && (!d.TenantId || !d.ClientId))
    out.push(`Auth ${d.Auth} needs TenantId and ClientId (the service principal)`);
  if (d.Auth === 'ClientCertificate' && !d.CertificatePath)
    out.push('Auth ClientCertificate needs CertificatePath (a PEM file with the certificate and its key)');
  return out;
}

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    BackupConfiguration: z
      .object({
        DefaultBackupMode: BackupModeSchema.default('Full').describe('Mode used when -BackupMode is not given.'),
        TempDirectory: windowsPath.default('D:\\Temp').describe('Staging folder for the dump and files.'),
        LocalBackupPath: windowsPath.default('D:\\Alteryx\\Backups').describe('Where finished archives are published.'),
        NetworkBackupPaths: z.array(windowsPath).default([]).describe('UNC paths or mapped drives to copy archives to.'),
        CloudDestinations: z
          .array(CloudDestinationSchema)
          .default([])
          .superRefine((list, ctx) => {
            const seen = new Set<string>();
            for (const [i, d] of list.entries()) {
              if (seen.has(d.Name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [i, 'Name'], message: `the name ${d.Name} is used twice` });
              seen.add(d.Name.toLowerCase());
              for (const m of entraProblems(d)) ctx.addIssue({ code: 'custom', path: [i, 'Auth'], message: m });
            }
          })
          .describe('S3 and Azure Blob destinations (docs/storage.md): uploaded after the network copies, verified, with their own retention.'),
        LogDirectory: windowsPath.default('D:\\Alteryx\\BackupLogs').describe('Where BackupLog_{Mode}_*.log files go.'),
        LogRetentionDays: z.number().int().min(1).max(3650).default(90).describe('Days to keep log files.'),
        RetentionDays: byMode(30, 7, 14, z.number().int().min(0).max(3650)).describe('Days to keep archives, per mode. 0 keeps only the newest.'),
        ArchiveNameFormat: z
          .enum(['mode', 'legacy'])
          .default('mode')
          .describe('mode: ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip; legacy: ServerBackup_YYYYMMDD_HHmmss.zip.'),
        CompressionLevel: z.number().int().min(0).max(9).default(6).describe('Deflate level, 0 (store) to 9.'),
        NetworkCopy: z
          .object({
            Attempts: z.number().int().min(1).max(20).default(3).describe('Tries per network destination (1 = no retry).'),
            RetryDelaySeconds: z.number().min(0).max(3600).default(30).describe('Wait before the second try.'),
            Backoff: z
              .enum(['fixed', 'exponential'])
              .default('fixed')
              .describe('fixed: every wait is RetryDelaySeconds; exponential: the wait doubles after each failed try.'),
            MaxRetryDelaySeconds: z.number().min(0).max(86400).default(600).describe('Upper bound of one wait (exponential backoff).'),
          })
          .strict()
          .prefault({})
          .describe('Copies to NetworkBackupPaths: run in parallel, each verified by size and SHA-256 read back from the destination.'),
        KeepStagingOnFailure: z
          .boolean()
          .default(false)
          .describe(
            'Keep the staging folder of a failed run for inspection (its secret files are removed all the same). Default: removed by the run, by recover and by the next run.',
          ),
        RetentionIncludesLegacy7z: z
          .boolean()
          .default(false)
          .describe("Retention also removes the legacy batch script's ServerBackup_YYYYMMDD_HHmmss.7z (and legacy-named .zip) archives."),
      })
      .strict()
      .prefault({}),
    ServerConfiguration: z
      .object({
        ServiceName: z
          .string()
          .min(1)
          .max(256)
          // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
          .regex(/^[^\\/\u0000-\u001f\u007f]+$/, 'a Windows service name (no "/", "\\" or control characters)')
          .default('AlteryxService'),
        AlteryxServicePath: windowsPath.default('C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe'),
        InstallDirectory: windowsPath.default('C:\\Program Files\\Alteryx'),
        ProgramDataDirectory: windowsPath.default('C:\\ProgramData\\Alteryx'),
        Nodes: z.array(NodeSchema).default([]).describe('Multi-node deployments: every node. Empty means this machine alone (all roles).'),
      })
      .strict()
      .prefault({}),
    ServiceConfiguration: z
      .object({
        MaxServiceWaitSeconds: z.number().int().min(1).max(86400).default(7200),
        MaxWorkflowWaitSeconds: z.number().int().min(0).max(86400).default(3600),
        ForceStopWorkflows: z.boolean().default(false),
        StopServiceForExternalDB: z.boolean().default(false),
        PollIntervalSeconds: z.number().min(0.05).max(60).default(2),
      })
      .strict()
      .prefault({}),
    MongoDBConfiguration: z
      .object({
        Type: z.enum(['auto', 'embedded', 'selfManaged']).default('auto'),
        EmbeddedMongoDB: z
          .object({ UseAlteryxService: z.boolean().default(true) })
          .strict()
          .prefault({}),
        SelfManagedMongoDB: z
          .object({
            ConnectionString: z.string().optional(),
            Host: z.string().optional(),
            Port: z.number().int().min(1).max(65535).default(27017),
            Database: z.string().min(1).default('AlteryxGallery'),
            AuthDatabase: z.string().min(1).default('admin'),
            Username: z.string().optional(),
            UseCompression: z
              .boolean()
              .default(true)
              .describe('mongodump --gzip: each .bson is compressed by mongodump (and stored, not deflated again, in the archive).'),
            ReplicaSet: z.string().min(1).optional().describe('Replica set name for the Host/Port form (a connection string carries it as replicaSet=).'),
            Tls: z.boolean().optional().describe('Use TLS. Unset: as the connection string says (on for mongodb+srv://, off otherwise).'),
            TlsCAFile: z.string().min(1).optional().describe('PEM file of the CA that signed the MongoDB server certificates.'),
            Oplog: z
              .boolean()
              .default(false)
              .describe('mongodump --oplog (point-in-time consistent dump) when the target is a replica set; ignored with a warning otherwise.'),
            ConnectTimeoutSeconds: z.number().int().min(1).max(300).default(10).describe('Connectivity check: server selection and connection timeout.'),
            MongodumpPath: z.string().min(1).default('mongodump').describe('mongodump executable: a full path, or a name looked up on PATH.'),
            DumpTimeoutMinutes: z
              .number()
              .int()
              .min(1)
              .max(10080)
              .default(720)
              .describe('mongodump is stopped (and the run fails with exit 5) after this long.'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    FilesConfiguration: z
      .object({
        BackupKeys: z.boolean().default(true),
        BackupConfigFile: z.boolean().default(true),
        BackupMongoPasswords: z.boolean().default(true),
        IncludeMetadata: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    ValidationConfiguration: z
      .object({
        VerifyArchiveIntegrity: z.boolean().default(true),
        CalculateChecksums: z.boolean().default(true),
        // requirements.md says 0.1 MB for ConfigOnly; a real single-server ConfigOnly archive is 8-40 KB, so 0.1 MB
        // would fail every one. 0.005 MB still catches an empty or truncated archive (docs/configuration.md).
        // Up to 1 TiB: a larger minimum (1e308) would fail every backup, so it is refused as a typo.
        MinimumBackupSizeMB: byMode(
          1,
          1,
          0.005,
          z
            .number()
            .min(0)
            .max(1024 * 1024),
        ),
      })
      .strict()
      .prefault({}),
    NotificationConfiguration: z
      .object({
        Enabled: z.boolean().default(false),
        SMTPServer: z.string().optional(),
        SMTPPort: z.number().int().min(1).max(65535).default(587),
        UseSSL: z.boolean().default(true),
        FromAddress: z.string().optional(),
        ToAddresses: z.array(z.string()).default([]),
        OnlyOnFailure: z.boolean().default(true),
        SMTPUsername: z.string().optional().describe('SMTP login. The password is never in this file: -SmtpCredential or ALTERYXBACKUP_SMTP_PASSWORD.'),
        ImplicitTLS: z
          .boolean()
          .optional()
          .describe('With UseSSL: TLS from the first byte (SMTPS) instead of STARTTLS. Default: true on port 465, false otherwise.'),
        AllowInvalidCertificates: z.boolean().default(false).describe('Accept a self-signed or otherwise unverifiable SMTP server certificate.'),
        TimeoutSeconds: z.number().min(1).max(600).default(30).describe('Connection and send timeout.'),
        SubjectPrefix: z.string().default('[AlteryxBackup]'),
        AttachLog: z.boolean().default(false).describe("Attach the run's log file to the email."),
        ExcerptLines: z.number().int().min(0).max(5000).default(50).describe('Last lines of the log quoted in the email body.'),
      })
      .strict()
      .superRefine((n, ctx) => {
        // An alert that cannot be sent is found out before the backup runs, not when it is needed.
        if (!n.Enabled) return;
        if (!n.SMTPServer) ctx.addIssue({ code: 'custom', path: ['SMTPServer'], message: 'required when Enabled is true' });
        if (!n.FromAddress) ctx.addIssue({ code: 'custom', path: ['FromAddress'], message: 'required when Enabled is true' });
        if (!n.ToAddresses.length) ctx.addIssue({ code: 'custom', path: ['ToAddresses'], message: 'at least one address when Enabled is true' });
      })
      .prefault({}),
    HealthConfiguration: z
      .object({
        ExpectedIntervalHours: byMode(192, 26, 192, z.number().min(0).max(87600)).describe(
          'Hours within which a good backup of each mode is expected (its schedule plus slack). Older: CRITICAL (a missed schedule). 0 = not checked. A mode with no backup in the history is not checked.',
        ),
        SizeBandBelowPercent: z
          .number()
          .min(0)
          .max(100)
          .default(50)
          .describe('WARNING when the newest good backup of a mode is this many percent smaller than the median of its recent backups.'),
        SizeBandAbovePercent: z
          .number()
          .min(0)
          .max(100000)
          .default(100)
          .describe('WARNING when the newest good backup of a mode is this many percent larger than that median.'),
        MedianOfRuns: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(10)
          .describe('How many recent good backups of a mode (before the newest) make the median for the size, duration and downtime checks.'),
        MinimumRunsForTrend: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(3)
          .describe('The size, duration and downtime checks need at least this many earlier good backups of the mode.'),
        DurationSpikeFactor: z
          .number()
          .min(1)
          .max(1000)
          .default(3)
          .describe('WARNING when the newest backup took longer than this many times the median duration.'),
        DurationSpikeMinimumSeconds: z
          .number()
          .min(0)
          .max(86400)
          .default(60)
          .describe(
            'A duration or downtime spike counts only when it is also this many seconds above the median (seconds of jitter on a small server are no spike).',
          ),
        DowntimeSpikeFactor: z
          .number()
          .min(1)
          .max(1000)
          .default(3)
          .describe('WARNING when the newest backup kept the service stopped longer than this many times the median downtime.'),
        DestinationFailuresInARow: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(3)
          .describe('WARNING when a destination failed this many runs in a row. 0 = not checked.'),
        DrillMaxAgeDays: z
          .number()
          .int()
          .min(0)
          .max(3650)
          .default(30)
          .describe('WARNING when no drill passed in this many days (once the history is that old). 0 = not checked.'),
        CheckFreeSpace: z
          .boolean()
          .default(true)
          .describe("WARNING when the free space at LocalBackupPath is below the next backup's expected size (the largest median of the modes)."),
        CheckAfterBackup: z
          .boolean()
          .default(true)
          .describe('Run these checks at the end of every backup: what fires becomes a warning of the run (and of its email/Event Log alert).'),
      })
      .strict()
      .prefault({})
      .describe('Thresholds of alteryx-backup health / Test-AlteryxBackupHealth (docs/history.md).'),
    RestoreConfiguration: z
      .object({
        DrillAfterBackup: z
          .boolean()
          .default(false)
          .describe(
            'After each successful backup, run a restore drill of the archive just made (docs/restore.md). A failed drill fails the run with its exit code.',
          ),
        DrillScratchDirectory: z.string().min(1).optional().describe("Parent folder of the drill's scratch server. Default: the system temp folder."),
        DrillMethod: z
          .enum(['auto', 'sandbox', 'mongod'])
          .default('auto')
          .describe(
            "How a drill restores: mongod = a scratch data folder and a second MongoDB (the install's mongod.exe) on a spare loopback port, the live service untouched; sandbox = a fresh scratch sandbox (needs -SandboxPath). auto = sandbox when running against a sandbox, mongod on a server.",
          ),
        MaxArchiveEntries: z
          .number()
          .int()
          .min(1)
          .max(MAX_ARCHIVE_ENTRIES_CEILING)
          .default(100_000)
          .describe(
            'Entries an archive may have for verify, restore and drill (a hostile archive with millions of entries is refused before any is read). A backup verifies its own archive with at least the count it wrote; raise this to check or restore later a backup of a captured folder with more files.',
          ),
        DrillPort: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(0)
          .describe("Loopback port of the drill's scratch mongod. 0 = a free port chosen at run time (never the live EmbeddedMongoDBPort)."),
        MongodPath: windowsPath
          .optional()
          .describe("mongod.exe for the drill's scratch MongoDB. Default: mongod.exe beside AlteryxService.exe (Alteryx Server ships it in its bin folder)."),
        MongorestorePath: windowsPath
          .optional()
          .describe(
            "mongorestore.exe for the drill's scratch restore. Default: mongorestore.exe beside mongod.exe, else mongorestore on PATH (the MongoDB Database Tools).",
          ),
        DrillStartTimeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(120)
          .describe('How long the drill waits for its scratch mongod to accept connections.'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type BackupConfig = z.output<typeof ConfigSchema>;
export type BackupConfigInput = z.input<typeof ConfigSchema>;

/** The JSON Schema of backup-config.json, generated from the same zod schema the code validates with. */
export function configJsonSchema(): unknown {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  allowComments(schema);
  return { ...schema, title: 'AlteryxBackup configuration (backup-config.json)' };
}

/** Keys starting with `_comment` are free text for the reader; the loader drops them before validation. */
export const COMMENT_KEY = /^_comment/;

function allowComments(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  if (obj['type'] === 'object' && obj['properties']) {
    obj['patternProperties'] = { '^_comment': { type: 'string', description: 'A comment; ignored.' } };
  }
  for (const v of Object.values(obj)) allowComments(v);
}

/** Removes `_comment*` keys at every level. */
export function stripComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripComments);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !COMMENT_KEY.test(k))
        .map(([k, v]) => [k, stripComments(v)]),
    );
  }
  return value;
}
