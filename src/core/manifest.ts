import type { BackupMode } from '../config/schema.ts';

/** What kind of file a staged or archived file is. */
export type FileKind = 'settings' | 'settings-defaults' | 'keys' | 'engine' | 'config-file' | 'secret' | 'database' | 'metadata';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 1;

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  kind: FileKind;
  node?: string | undefined;
  source?: string | undefined;
  note?: string | undefined;
}

/** manifest.json inside every archive (REQ-4.1.4). */
export interface Manifest {
  format: number;
  tool: { name: 'AlteryxBackup'; version: string };
  createdAt: string;
  mode: BackupMode;
  scopes: readonly string[];
  hostName: string;
  serverVersion: string | null;
  nodes: Array<{ name: string; role: string }>;
  mongo: {
    type: 'embedded' | 'selfManaged';
    decidedBy: string;
    dumped: boolean;
    gzip: boolean;
    databases: Record<string, Record<string, number>>;
  };
  secretsIncluded: boolean;
  encrypted: boolean;
  encryptionKeyGuidance: string;
  files: ManifestFile[];
  configuration: unknown;
  status: { completedSteps: string[]; warnings: string[] };
  durationsMs: Record<string, number>;
}

/** Files each mode must hold, for post-backup validation and `verify` (REQ-6.2.5). */
export function expectedEntries(m: Pick<Manifest, 'mode' | 'mongo' | 'nodes' | 'secretsIncluded'>): { patterns: RegExp[]; forbidden: RegExp[] } {
  const multi = m.nodes.length > 1;
  const node = (n: string) => (multi ? `nodes/${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/` : '');
  const patterns: RegExp[] = [/^manifest\.json$/];
  const forbidden: RegExp[] = [];
  const db = m.mode === 'Full' || m.mode === 'DatabaseOnly';
  const cfg = m.mode === 'Full' || m.mode === 'ConfigOnly';
  if (db && m.mongo.dumped) {
    for (const d of ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService']) patterns.push(new RegExp(`^MongoDB/${d}/[^/]+\\.bson(\\.gz)?$`));
  }
  if (!db) forbidden.push(/^MongoDB\//);
  if (cfg) {
    for (const n of m.nodes) patterns.push(new RegExp(`^${node(n.name)}Config/RuntimeSettings\\.xml$`));
    patterns.push(/^Secrets\/ControllerToken\.txt$/);
  } else {
    forbidden.push(/(^|\/)Config\//, /^Secrets\//);
  }
  return { patterns, forbidden };
}

/** Alteryx's guidance on the encryption key, written to the log and the manifest (REQ-3.2.3). */
export const ENCRYPTION_KEY_GUIDANCE =
  'Alteryx Server encrypts stored credentials and DCM connections with keys held on the controller. To restore on a new host you need the controller token (ControllerToken.txt, restored with "AlteryxService.exe setserversecret=<token>") and the Keys folder from C:\\ProgramData\\Alteryx\\Keys. Keep a copy of the controller token outside this archive (for example in your password vault): without it the stored credentials in the Gallery cannot be decrypted.';

/** The databases every Alteryx Server backup must hold. */
export const EXPECTED_DATABASES = ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService'] as const;
