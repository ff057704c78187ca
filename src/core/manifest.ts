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

/** One entry of manifest.json's `files`, as verify, restore and drill rely on it. */
const manifestFileSchema = z.looseObject({
  path: z.string().min(1).max(4096),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex'),
  kind: z.string().max(50),
});

/**
 * The shape of manifest.json that verify, restore and drill rely on, checked before any of it is used: a
 * manifest whose `files` is not a list, or whose sizes are not numbers, is refused (exit 3) naming the key,
 * never read as `manifest.files.map is not a function`. Fields the reader does not use may vary. The entries of
 * `files` are checked one by one as they are read (ManifestParser): here the list is the one left in its place.
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
  files: z.array(manifestFileSchema),
});

const DAMAGED = 'The archive is damaged or was not made by this tool: use another backup.';

/** The refusal of a manifest that lists `path` twice (exit 3). */
export function listedTwice(path: string): BackupError {
  return new BackupError(ExitCode.Validation, `manifest.json lists ${path} twice`, DAMAGED);
}

/** What a ManifestParser hands on for every entry of `files`, in order; it may throw (a BackupError) to stop. */
export type ManifestFileSink = (file: ManifestFile, index: number) => void;

/**
 * manifest.json read as it streams in: each entry of the top-level `files` list is parsed, checked and handed to
 * `sink` on its own, the moment it is complete; the rest of the manifest (a few KB) is kept and checked at the
 * end. A manifest of 100,000 files (30 MB of text) is then never one string, nor one tree of objects (issue 15,
 * "flat memory"). The text is only scanned here for strings and brackets: JSON.parse reads each part, so
 * anything JSON.parse would refuse is refused, exit 3, as "not valid JSON".
 */
export class ManifestParser {
  private readonly shell: string[] = [];
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private depth = 0;
  private inString = false;
  private escape = false;
  /** At depth 1 of the root object: the next string is a key. */
  private expectKey = false;
  private key: string[] | undefined;
  private lastKey: string | undefined;
  /** After the colon of a top-level key, before its value. */
  private afterColon = false;
  private sawFiles = false;
  /** Inside the `files` list (depth 2 is its own level). */
  private inFiles = false;
  private element: string[] | undefined;
  private commaInFiles = false;
  private count = 0;
  private issue: { path: string; message: string } | undefined;
  private issues = 0;

  constructor(private readonly sink: ManifestFileSink) {}

  write(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      throw new BackupError(ExitCode.Validation, 'manifest.json is not valid UTF-8', DAMAGED);
    }
    this.scan(text);
  }

  private scan(text: string): void {
    // Runs of the text go to the shell (everything but the list's content) or to the entry being read.
    let runStart = 0;
    let target: 'shell' | 'element' | 'none' = this.inFiles ? (this.element ? 'element' : 'none') : 'shell';
    const flush = (to: number): void => {
      if (to > runStart) {
        if (target === 'shell') this.shell.push(text.slice(runStart, to));
        else if (target === 'element') this.element!.push(text.slice(runStart, to));
      }
      runStart = to;
    };
    let keyFrom = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.key) {
            this.key.push(text.slice(keyFrom, i));
            this.lastKey = this.topKey(this.key.join(''));
            this.key = undefined;
          }
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.inFiles && this.depth === 2) {
        if (c === 0x2c || c === 0x5d) {
          // ',' ends an entry; ']' ends the list (and the entry before it, if any).
          flush(i);
          if (this.element) this.endElement();
          else if (c === 0x2c || this.commaInFiles) throw this.invalid(`files[${this.count}]: an empty entry`);
          if (c === 0x2c) {
            this.commaInFiles = true;
            target = 'none';
            runStart = i + 1;
            continue;
          }
          this.inFiles = false;
          this.depth--;
          target = 'shell';
          continue;
        }
        if (!this.element) {
          flush(i);
          this.element = [];
          target = 'element';
        }
      }
      if (this.afterColon) {
        this.afterColon = false;
        if (this.depth === 1 && this.lastKey === 'files' && c === 0x5b) {
          if (this.sawFiles) throw this.invalid('the key files appears twice');
          this.sawFiles = true;
          this.inFiles = true;
          this.depth++;
          flush(i + 1);
          target = 'none';
          continue;
        }
      }
      if (c === 0x22) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.expectKey = false;
          this.key = [];
          keyFrom = i + 1;
        }
      } else if (c === 0x7b || c === 0x5b) {
        this.depth++;
        if (this.depth === 1 && c === 0x7b) this.expectKey = true;
      } else if (c === 0x7d || c === 0x5d) this.depth--;
      else if (this.depth === 1 && c === 0x2c) this.expectKey = true;
      else if (this.depth === 1 && c === 0x3a) this.afterColon = true;
    }
    if (this.key) this.key.push(text.slice(keyFrom));
    flush(text.length);
  }

  private topKey(raw: string): string {
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return raw;
    }
  }

  private invalid(why: string): BackupError {
    return new BackupError(ExitCode.Validation, `manifest.json is not valid JSON (${why})`, DAMAGED);
  }

  private endElement(): void {
    const text = this.element!.join('');
    this.element = undefined;
    const index = this.count++;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw this.invalid(`files[${index}]: ${(err as Error).message}`);
    }
    if (this.count > MAX_ARCHIVE_ENTRIES_CEILING) {
      this.note(['files'], `more than ${MAX_ARCHIVE_ENTRIES_CEILING} entries`);
      return;
    }
    const r = manifestFileSchema.safeParse(raw);
    if (!r.success) {
      for (const i of r.error.issues) this.note(['files', index, ...i.path], i.message);
      return;
    }
    // Once an entry is refused the manifest is (at the end): nothing more is handed on.
    if (!this.issue) this.sink(raw as ManifestFile, index);
  }

  private note(path: PropertyKey[], message: string): void {
    this.issues++;
    this.issue ??= { path: path.map(String).join('.'), message };
  }

  /** The manifest but for its entries (`files` is empty: they went to the sink); throws BackupError (exit 3). */
  end(): Manifest {
    this.scan(this.decoder.decode());
    let raw: unknown;
    try {
      raw = JSON.parse(this.shell.join(''));
    } catch (err) {
      throw this.invalid((err as Error).message);
    }
    const r = manifestSchema.safeParse(raw);
    const first = r.success ? undefined : { path: r.error.issues[0]!.path.join('.') || '(root)', message: r.error.issues[0]!.message };
    const total = (r.success ? 0 : r.error.issues.length) + this.issues;
    const i = first ?? this.issue;
    if (i) {
      const more = total > 1 ? ` (and ${total - 1} more)` : '';
      throw new BackupError(ExitCode.Validation, `manifest.json is not in the form this tool writes: ${i.path}: ${i.message}${more}`, DAMAGED);
    }
    return r.data as unknown as Manifest;
  }
}

/** Parses manifest.json text; throws BackupError (exit 3) naming the first key of the wrong shape, or a path listed twice. */
export function parseManifest(text: string): Manifest {
  const files: ManifestFile[] = [];
  const seen = new Set<string>();
  const p = new ManifestParser((f) => {
    if (seen.has(f.path)) throw listedTwice(f.path);
    seen.add(f.path);
    files.push(f);
  });
  p.write(Buffer.from(text, 'utf8'));
  const m = p.end();
  m.files = files;
  return m;
}

/** Alteryx's guidance on the encryption key, written to the log and the manifest (REQ-3.2.3). */
export const ENCRYPTION_KEY_GUIDANCE =
  'Alteryx Server encrypts stored credentials and DCM connections with keys held on the controller. To restore on a new host you need the controller token (ControllerToken.txt, restored with "AlteryxService.exe setserversecret=<token>") and the Keys folder from C:\\ProgramData\\Alteryx\\Keys. Keep a copy of the controller token outside this archive (for example in your password vault): without it the stored credentials in the Gallery cannot be decrypted.';

/** The databases every Alteryx Server backup must hold. */
export const EXPECTED_DATABASES = ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService'] as const;
