import { z } from 'zod';
import { BACKUP_MODES, MAX_ARCHIVE_ENTRIES_CEILING, type BackupMode } from '../config/schema.ts';
import { BackupError, ExitCode } from './errors.ts';

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
export function expectedEntries(m: Pick<Manifest, 'mode' | 'mongo' | 'nodes' | 'secretsIncluded'> & { scopes?: readonly string[] }): {
  patterns: RegExp[];
  forbidden: RegExp[];
} {
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
    // realworld (issue 13): a worker's backup has no Secrets scope (the token is the controller's).
    if (!m.scopes?.length || m.scopes.includes('Secrets')) patterns.push(/^Secrets\/ControllerToken\.txt$/);
  } else {
    forbidden.push(/(^|\/)Config\//, /^Secrets\//);
  }
  return { patterns, forbidden };
}

/**
 * The shape of manifest.json that verify, restore and drill rely on, checked before any of it is used: a
 * manifest whose `files` is not a list, or whose sizes are not numbers, is refused (exit 3) naming the key,
 * never read as `manifest.files.map is not a function`. Fields the reader does not use may vary.
 */
const manifestSchema = z.looseObject({
  format: z.number().int().min(1),
  mode: z.enum(BACKUP_MODES),
  createdAt: z.string().max(100).default(''),
  hostName: z.string().max(300).default(''),
  serverVersion: z.string().max(100).nullable().default(null),
  nodes: z.array(z.looseObject({ name: z.string().min(1).max(300), role: z.string().max(50) })).max(1000),
  mongo: z.looseObject({
    type: z.enum(['embedded', 'selfManaged']),
    dumped: z.boolean(),
    gzip: z.boolean().default(false),
    databases: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())).default({}),
  }),
  secretsIncluded: z.boolean().default(false),
  encrypted: z.boolean().default(false),
  files: z
    .array(
      z.looseObject({
        path: z.string().min(1).max(4096),
        size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex'),
        kind: z.string().max(50),
      }),
    )
    .max(MAX_ARCHIVE_ENTRIES_CEILING),
});

/** Parses manifest.json text; throws BackupError (exit 3) naming the first key of the wrong shape. */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BackupError(
      ExitCode.Validation,
      `manifest.json is not valid JSON (${(err as Error).message})`,
      'The archive is damaged or was not made by this tool: use another backup.',
    );
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    throw new BackupError(
      ExitCode.Validation,
      `manifest.json is not in the form this tool writes: ${i.path.join('.') || '(root)'}: ${i.message}${more}`,
      'The archive is damaged or was not made by this tool: use another backup.',
    );
  }
  const dup = new Set<string>();
  for (const f of r.data.files) {
    if (dup.has(f.path))
      throw new BackupError(
        ExitCode.Validation,
        `manifest.json lists ${f.path} twice`,
        'The archive is damaged or was not made by this tool: use another backup.',
      );
    dup.add(f.path);
  }
  return r.data as unknown as Manifest;
}

/** Alteryx's guidance on the encryption key, written to the log and the manifest (REQ-3.2.3). */
export const ENCRYPTION_KEY_GUIDANCE =
  'Alteryx Server encrypts stored credentials and DCM connections with keys held on the controller. To restore on a new host you need the controller token (ControllerToken.txt, restored with "AlteryxService.exe setserversecret=<token>") and the Keys folder from C:\\ProgramData\\Alteryx\\Keys. Keep a copy of the controller token outside this archive (for example in your password vault): without it the stored credentials in the Gallery cannot be decrypted.';

/** The databases every Alteryx Server backup must hold. */
export const EXPECTED_DATABASES = ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService'] as const;
