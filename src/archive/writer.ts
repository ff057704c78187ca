import { promises as fsp, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveInfo, DumpInfo, RunContext, StagedFile } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { ENCRYPTION_KEY_GUIDANCE, MANIFEST_FORMAT, MANIFEST_NAME, type Manifest, type ManifestFile } from '../core/manifest.ts';
import { archiveName } from '../core/plan.ts';
import { TOOL_VERSION } from '../core/version.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { isoWithOffset } from '../log/logger.ts';
import { CHUNK_BYTES, DeflatePool } from './deflate-pool.ts';
import { Spool } from './spool.ts';
import { bufferChunks, fileChunks, SMALL_FILE_BYTES, smallFileChunks, ZipWriter } from './zip-writer.ts';

/** The writer's two working files in the staging folder (no staged file is named so: they start with a dot). */
const SPOOL_NAMES = { central: '.archive-central-directory.tmp', files: '.archive-manifest-files.tmp' } as const;

/** Already-compressed content is stored, not deflated again. */
export const STORED = /\.(gz|zip|7z|bz2|xz|zst|yxzp|png|jpe?g)$/i;

/** What the archive step is given: the files the earlier steps staged, and what they found. */
export interface ArchiveInput {
  files: readonly StagedFile[];
  dump: DumpInfo | undefined;
  secretsIncluded: boolean;
  serverVersion: string | null;
}

/** The manifest but for its file list (`files` stays empty, in its place: manifestChunks puts the list there). */
function buildManifest(ctx: RunContext, input: ArchiveInput, encrypted: boolean): Manifest {
  return {
    format: MANIFEST_FORMAT,
    tool: { name: 'AlteryxBackup', version: TOOL_VERSION },
    createdAt: isoWithOffset(ctx.startedAt),
    mode: ctx.mode,
    scopes: ctx.plan.scopes,
    hostName: ctx.platform.system.hostname(),
    serverVersion: input.serverVersion,
    nodes: ctx.nodes.map((n) => ({ name: n.name, role: n.role })),
    mongo: {
      type: ctx.mongo.type,
      decidedBy: ctx.mongo.decidedBy,
      dumped: !!input.dump,
      gzip: input.dump?.gzip ?? false,
      databases: input.dump?.databases ?? {},
    },
    secretsIncluded: input.secretsIncluded,
    encrypted,
    encryptionKeyGuidance: ENCRYPTION_KEY_GUIDANCE,
    files: [],
    configuration: ctx.log.masker.maskDeep(ctx.config),
    status: { completedSteps: Object.keys(ctx.stepDurations), warnings: ctx.warnings },
    durationsMs: { ...ctx.stepDurations },
  };
}

/** The top-level key of the file list as JSON.stringify(manifest, null, 2) writes it when the list is empty. */
const EMPTY_FILES = '\n  "files": []';

/**
 * manifest.json's file list as it is built, one entry at a time, each rendered as JSON.stringify(manifest, null, 2)
 * places it (indented as the list's items, separated by commas). The text waits in a Spool: with a path, on disk,
 * so that 100,000 entries (30 MB of text) take no memory (issue 15). Only the count and total size stay.
 */
export class ManifestFileList {
  count = 0;
  totalSize = 0;
  private readonly spool: Spool;

  constructor(path?: string) {
    this.spool = new Spool(path);
  }

  add(f: ManifestFile): void {
    this.spool.append(`${this.count ? ',\n' : ''}    ${JSON.stringify(f, null, 2).replace(/\n/g, '\n    ')}`);
    this.count++;
    this.totalSize += f.size;
  }

  /** The rendered entries, in order; read once (`reuse`: see Spool.pieces). */
  pieces(reuse = false): Generator<Buffer> {
    return this.spool.pieces(reuse);
  }

  dispose(): void {
    this.spool.dispose();
  }
}

/**
 * manifest.json exactly as `JSON.stringify({ ...manifest, files }, null, 2)` writes it, where `files` are the
 * entries of `list` (the manifest's own `files` is not read), in pieces of at most `chunk` bytes: the file list is
 * never one string nor one buffer. The manifest is rendered with an empty list, and the list's text goes where it
 * stands. `reuse`: the list's pieces come in two buffers in turn (Spool.pieces), for a deflated entry.
 */
export function* manifestChunks(manifest: Manifest, list: ManifestFileList, chunk = CHUNK_BYTES, reuse = false): Generator<Buffer> {
  const shell = JSON.stringify({ ...manifest, files: [] }, null, 2);
  const at = shell.indexOf(EMPTY_FILES);
  if (at < 0 || list.count === 0) {
    yield* bufferChunks(Buffer.from(shell, 'utf8'), chunk);
    return;
  }
  yield* bufferChunks(Buffer.from(`${shell.slice(0, at)}\n  "files": [\n`, 'utf8'), chunk);
  for (const piece of list.pieces(reuse)) yield* bufferChunks(piece, chunk);
  yield* bufferChunks(Buffer.from(`\n  ]${shell.slice(at + EMPTY_FILES.length)}`, 'utf8'), chunk);
}

/**
 * The entries, then manifest.json, into `tempPath` through one ZipWriter and a deflate pool made for this
 * archive alone; the pool's threads end here whatever happens (success, a failed read, a full disk, an abort).
 * The central directory and the manifest's file list wait in two files of the staging folder until they are
 * written (their memory would grow with the entry count); both are removed here too.
 */
async function writeEntries(
  ctx: RunContext,
  input: ArchiveInput,
  tempPath: string,
  level: number,
  encrypted: boolean,
): Promise<{ entries: number; rawBytes: number; written: { size: number; sha256: string } }> {
  // Level 0 deflates nothing: no threads for it.
  const pool = new DeflatePool(level === 0 ? 0 : undefined);
  let zip: ZipWriter | undefined;
  let fh: fsp.FileHandle | undefined;
  let list: ManifestFileList | undefined;
  try {
    await fsp.mkdir(ctx.staging.local, { recursive: true });
    list = new ManifestFileList(join(ctx.staging.local, SPOOL_NAMES.files));
    fh = await fsp.open(tempPath, 'w');
    zip = new ZipWriter(fh, pool, {
      level,
      password: ctx.archivePassword,
      date: ctx.startedAt,
      signal: ctx.signal,
      centralSpool: join(ctx.staging.local, SPOOL_NAMES.central),
    });
    const total = input.files.length;
    for (const [i, file] of input.files.entries()) {
      // Secrets are streamed from memory: they are never written to staging.
      // A file that is gone by now fails in fileChunks, with the error that names it.
      const hint = file.content ? file.content.length : (statSync(file.localPath, { throwIfNoEntry: false })?.size ?? SMALL_FILE_BYTES + 1);
      const store = STORED.test(file.archivePath);
      // A deflated entry's pieces are copied by the pool before the next but one is read: two read buffers in turn.
      const chunks = file.content
        ? bufferChunks(file.content)
        : hint <= SMALL_FILE_BYTES
          ? smallFileChunks(file.localPath)
          : fileChunks(file.localPath, CHUNK_BYTES, zip.deflates(store));
      const d = await zip.addEntry(file.archivePath, chunks, store, hint);
      list.add({ path: file.archivePath, size: d.size, sha256: d.sha256, kind: file.kind, node: file.node, source: file.source, note: file.note });
      ctx.progress({ activity: 'Writing the archive', status: `${i + 1}/${total} files`, percent: Math.round(((i + 1) / (total + 1)) * 100) });
    }
    // Deflated (unless at level 0): its pieces are then read into two buffers in turn, as a large file's are.
    await zip.addEntry(MANIFEST_NAME, manifestChunks(buildManifest(ctx, input, encrypted), list, CHUNK_BYTES, zip.deflates(false)), false);
    const written = await zip.finish();
    return { entries: list.count + 1, rawBytes: list.totalSize, written };
  } catch (err) {
    // Chunks still in flight finish or fail before the file is closed and removed.
    await zip?.abandon(err as Error);
    throw err;
  } finally {
    list?.dispose();
    await fh?.close().catch(() => undefined);
    await pool.close();
  }
}

/**
 * Streams the staged files into the ZIP (ZIP64 as needed), hashing each on the way, then adds
 * manifest.json last. Written under a temporary name in LocalBackupPath; publish renames it.
 */
export async function writeArchive(ctx: RunContext, input: ArchiveInput): Promise<{ archive: ArchiveInfo }> {
  const name = archiveName(ctx);
  const destDir = ctx.platform.paths.resolve(ctx.config.BackupConfiguration.LocalBackupPath);
  await fsp.mkdir(destDir, { recursive: true });
  const finalPath = join(destDir, name);
  const tempPath = join(destDir, `${name}.partial`);
  const level = ctx.config.BackupConfiguration.CompressionLevel;
  const encrypted = !!ctx.archivePassword;
  if (ctx.config.BackupConfiguration.ArchiveNameFormat === 'legacy' && ctx.mode !== 'Full') {
    ctx.log.info(`ArchiveNameFormat legacy names Full backups only (the batch script made nothing else): this ${ctx.mode} archive is named ${name}`);
  }
  if (input.secretsIncluded && !encrypted) {
    // realworld (issue 13): say what is in clear: the token always, MongoDB passwords only when exported.
    const held = input.files.some((f) => f.archivePath === 'Secrets/MongoPasswords.txt')
      ? 'the controller token and the MongoDB passwords'
      : 'the controller token';
    const msg = `The archive holds ${held} in clear: protect it, or use -ArchivePassword for an AES-256 encrypted archive`;
    ctx.warnings.push(msg);
    ctx.log.warn(msg);
  }
  const t0 = ctx.clock.now();
  let out: Awaited<ReturnType<typeof writeEntries>>;
  try {
    out = await writeEntries(ctx, input, tempPath, level, encrypted);
  } catch (err) {
    await fsp.rm(tempPath, { force: true });
    if (ctx.signal?.aborted) throw err;
    throw new BackupError(
      ExitCode.Storage,
      `Writing the archive ${tempPath} failed: ${(err as Error).message}.`,
      'Check free space and permissions on LocalBackupPath.',
    );
  }
  const { entries, rawBytes, written } = out;
  const archive: ArchiveInfo = { tempPath, finalPath, name, sha256: written.sha256, sizeBytes: written.size, entries, encrypted };
  ctx.log.info(
    `Archive written: ${name}, ${entries} entries, ${formatBytes(written.size)} (from ${formatBytes(rawBytes)}), ${formatDuration(ctx.clock.now() - t0)}${encrypted ? ', AES-256 encrypted' : ''}`,
  );
  ctx.log.info(`Archive SHA-256: ${written.sha256}`);
  return { archive };
}
