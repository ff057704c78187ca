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
import { bufferChunks, fileChunks, SMALL_FILE_BYTES, smallFileChunks, ZipWriter } from './zip-writer.ts';

/** Already-compressed content is stored, not deflated again. */
export const STORED = /\.(gz|zip|7z|bz2|xz|zst|yxzp|png|jpe?g)$/i;

/** What the archive step is given: the files the earlier steps staged, and what they found. */
export interface ArchiveInput {
  files: readonly StagedFile[];
  dump: DumpInfo | undefined;
  secretsIncluded: boolean;
  serverVersion: string | null;
}

function buildManifest(ctx: RunContext, input: ArchiveInput, files: ManifestFile[], encrypted: boolean): Manifest {
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
    files,
    configuration: ctx.log.masker.maskDeep(ctx.config),
    status: { completedSteps: Object.keys(ctx.stepDurations), warnings: ctx.warnings },
    durationsMs: { ...ctx.stepDurations },
  };
}

/** The top-level key of the file list as JSON.stringify(manifest, null, 2) writes it when the list is empty. */
const EMPTY_FILES = '\n  "files": []';

/**
 * manifest.json exactly as `JSON.stringify(manifest, null, 2)` writes it, in pieces of at most `chunk` bytes: the
 * file list (100,000 entries: tens of MB of text) is never one string nor one buffer. The manifest is rendered with
 * an empty list, and the entries, each rendered on its own and indented as the list's items, go where it stands.
 */
export function* manifestChunks(manifest: Manifest, chunk = CHUNK_BYTES): Generator<Buffer> {
  const shell = JSON.stringify({ ...manifest, files: [] }, null, 2);
  const at = shell.indexOf(EMPTY_FILES);
  if (at < 0 || manifest.files.length === 0) {
    yield* bufferChunks(Buffer.from(shell, 'utf8'), chunk);
    return;
  }
  // Text is gathered up to a quarter of a chunk of characters (UTF-8: at most 3 bytes a character here, 4 for a
  // pair), then cut to the chunk size.
  let text = `${shell.slice(0, at)}\n  "files": [\n`;
  const flush = function* (): Generator<Buffer> {
    yield* bufferChunks(Buffer.from(text, 'utf8'), chunk);
    text = '';
  };
  for (const [i, f] of manifest.files.entries()) {
    text += `${i ? ',\n' : ''}    ${JSON.stringify(f, null, 2).replace(/\n/g, '\n    ')}`;
    if (text.length >= chunk / 4) yield* flush();
  }
  text += `\n  ]${shell.slice(at + EMPTY_FILES.length)}`;
  yield* flush();
}

/**
 * The entries, then manifest.json, into `tempPath` through one ZipWriter and a deflate pool made for this
 * archive alone; the pool's threads end here whatever happens (success, a failed read, a full disk, an abort).
 */
async function writeEntries(
  ctx: RunContext,
  input: ArchiveInput,
  tempPath: string,
  level: number,
  encrypted: boolean,
): Promise<{ files: ManifestFile[]; manifest: Manifest; written: { size: number; sha256: string } }> {
  // Level 0 deflates nothing: no threads for it.
  const pool = new DeflatePool(level === 0 ? 0 : undefined);
  let zip: ZipWriter | undefined;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tempPath, 'w');
    zip = new ZipWriter(fh, pool, { level, password: ctx.archivePassword, date: ctx.startedAt, signal: ctx.signal });
    const total = input.files.length;
    const files: ManifestFile[] = [];
    for (const [i, file] of input.files.entries()) {
      // Secrets are streamed from memory: they are never written to staging.
      // A file that is gone by now fails in fileChunks, with the error that names it.
      const hint = file.content ? file.content.length : (statSync(file.localPath, { throwIfNoEntry: false })?.size ?? SMALL_FILE_BYTES + 1);
      const chunks = file.content ? bufferChunks(file.content) : hint <= SMALL_FILE_BYTES ? smallFileChunks(file.localPath) : fileChunks(file.localPath);
      const d = await zip.addEntry(file.archivePath, chunks, STORED.test(file.archivePath), hint);
      files.push({ path: file.archivePath, size: d.size, sha256: d.sha256, kind: file.kind, node: file.node, source: file.source, note: file.note });
      ctx.progress({ activity: 'Writing the archive', status: `${i + 1}/${total} files`, percent: Math.round(((i + 1) / (total + 1)) * 100) });
    }
    const manifest = buildManifest(ctx, input, files, encrypted);
    await zip.addEntry(MANIFEST_NAME, manifestChunks(manifest), false);
    const written = await zip.finish();
    return { files, manifest, written };
  } catch (err) {
    // Chunks still in flight finish or fail before the file is closed and removed.
    await zip?.abandon(err as Error);
    throw err;
  } finally {
    await fh?.close().catch(() => undefined);
    await pool.close();
  }
}

/**
 * Streams the staged files into the ZIP (ZIP64 as needed), hashing each on the way, then adds
 * manifest.json last. Written under a temporary name in LocalBackupPath; publish renames it.
 */
export async function writeArchive(ctx: RunContext, input: ArchiveInput): Promise<{ archive: ArchiveInfo; manifest: Manifest }> {
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
  let files: ManifestFile[];
  let manifest: Manifest;
  let written: { size: number; sha256: string };
  try {
    ({ files, manifest, written } = await writeEntries(ctx, input, tempPath, level, encrypted));
  } catch (err) {
    await fsp.rm(tempPath, { force: true });
    if (ctx.signal?.aborted) throw err;
    throw new BackupError(
      ExitCode.Storage,
      `Writing the archive ${tempPath} failed: ${(err as Error).message}.`,
      'Check free space and permissions on LocalBackupPath.',
    );
  }
  const sizeBytes = written.size;
  const archive: ArchiveInfo = { tempPath, finalPath, name, sha256: written.sha256, sizeBytes, entries: files.length + 1, encrypted };
  const raw = files.reduce((n, f) => n + f.size, 0);
  ctx.log.info(
    `Archive written: ${name}, ${files.length + 1} entries, ${formatBytes(sizeBytes)} (from ${formatBytes(raw)}), ${formatDuration(ctx.clock.now() - t0)}${encrypted ? ', AES-256 encrypted' : ''}`,
  );
  ctx.log.info(`Archive SHA-256: ${written.sha256}`);
  return { archive, manifest };
}
