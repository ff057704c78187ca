import type { CloudDestination } from '../config/schema.ts';
import type { CloudKind, CloudLocation } from './url.ts';

/** One object under a destination's prefix, as the service reports it. */
export interface CloudObject {
  /** Name relative to the prefix (ServerBackup_Full_20260101_020000.zip). */
  name: string;
  size: number;
  lastModified?: Date | undefined;
  /** The archive's SHA-256 (hex) recorded as object metadata at upload, when present. */
  sha256?: string | undefined;
  /** Object Lock retain-until / Azure immutability expiry, when the object is locked. */
  lockedUntil?: Date | undefined;
  legalHold?: boolean | undefined;
}

export interface UploadRequest {
  file: string;
  name: string;
  size: number;
  sha256: string;
  lock?: { mode: 'Governance' | 'Compliance'; until: Date; legalHold: boolean } | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((bytesSent: number) => void) | undefined;
}

export interface UploadOutcome {
  /** Parts (S3) or blocks (Azure); 1 for a single-request upload. */
  parts: number;
  /** True when a checksum went with the data and the service could check it (S3 x-amz-checksum-sha256, Azure Content-MD5). */
  checksumSent: string;
}

/** Request counters: tries counts every HTTP try, so tries - requests is the number of retries. */
export interface StoreStats {
  requests: number;
  tries: number;
}

/** What the cloud step, retention and restore need from a provider. Implemented for S3 and Azure Blob. */
export interface CloudStore {
  readonly kind: CloudKind;
  readonly location: CloudLocation;
  readonly stats: StoreStats;
  upload(req: UploadRequest): Promise<UploadOutcome>;
  /** A small text object (the .sha256 sidecar). */
  putText(name: string, text: string, lock?: UploadRequest['lock']): Promise<void>;
  head(name: string): Promise<CloudObject | undefined>;
  list(): Promise<CloudObject[]>;
  remove(name: string): Promise<void>;
  /** Streams the object into `dest`, returning the SHA-256 of what arrived. */
  download(name: string, dest: string, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<{ sha256: string; size: number }>;
  close(): void;
}

/** Credentials from the request's secrets (stdin) or the environment; never from the configuration file. */
export interface CloudSecrets {
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  connectionString?: string | undefined;
  sas?: string | undefined;
  /** Azure shared key of the account in the URL (CredentialKind AccountKey). */
  accountKey?: string | undefined;
  /** Azure Entra ID (Auth ClientSecret / ClientCertificate): the service principal's secret, the certificate's password. */
  clientSecret?: string | undefined;
  certificatePassword?: string | undefined;
}

/**
 * Secret names: `<Name>.AccessKeyId`, `<Name>.SecretAccessKey`, `<Name>.SessionToken`, `<Name>.ConnectionString`,
 * `<Name>.SasToken`, `<Name>.AccountKey` for one destination (what the module sends from its CredentialTarget),
 * else the same without the prefix (S3AccessKeyId, S3SecretAccessKey, S3SessionToken, AzureConnectionString,
 * AzureSasToken, AzureAccountKey) for all; else ALTERYXBACKUP_<NAME>_... and the generic
 * environment variables (the SDK's own chain for S3: AWS_ACCESS_KEY_ID, profiles, instance roles).
 */
export function cloudSecrets(
  dest: Pick<CloudDestination, 'Name'>,
  secrets: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): CloudSecrets {
  const envName = dest.Name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const pick = (key: string, generic: string, envVars: string[]) => {
    const v = secrets[`${dest.Name}.${key}`] ?? secrets[generic] ?? env[`ALTERYXBACKUP_${envName}_${key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`];
    if (v) return v;
    for (const e of envVars) if (env[e]) return env[e];
    return undefined;
  };
  return {
    accessKeyId: pick('AccessKeyId', 'S3AccessKeyId', []),
    secretAccessKey: pick('SecretAccessKey', 'S3SecretAccessKey', []),
    sessionToken: pick('SessionToken', 'S3SessionToken', []),
    connectionString: pick('ConnectionString', 'AzureConnectionString', ['ALTERYXBACKUP_AZURE_CONNECTION_STRING', 'AZURE_STORAGE_CONNECTION_STRING']),
    sas: pick('SasToken', 'AzureSasToken', ['ALTERYXBACKUP_AZURE_SAS_TOKEN', 'AZURE_STORAGE_SAS_TOKEN']),
    accountKey: pick('AccountKey', 'AzureAccountKey', ['AZURE_STORAGE_KEY']),
    clientSecret: pick('ClientSecret', 'AzureClientSecret', ['AZURE_CLIENT_SECRET']),
    certificatePassword: pick('CertificatePassword', 'AzureCertificatePassword', ['AZURE_CLIENT_CERTIFICATE_PASSWORD']),
  };
}

/** Every secret value, and the parts a service could echo (AccountKey=..., sig=...), for the log masker. */
export function secretValues(s: CloudSecrets): string[] {
  const out = [s.secretAccessKey, s.sessionToken, s.connectionString, s.sas, s.accountKey, s.clientSecret, s.certificatePassword].filter(
    (x): x is string => !!x,
  );
  for (const m of (s.connectionString ?? '').matchAll(/(?:AccountKey|SharedAccessSignature)=([^;]+)/gi)) out.push(m[1]!);
  for (const m of (s.sas ?? '').matchAll(/sig=([^&]+)/gi)) out.push(m[1]!, decodeURIComponent(m[1]!));
  return out;
}
