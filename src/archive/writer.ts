import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { Archiver, ZipArchive } from 'archiver';
import type { ArchiveInfo, DumpInfo, RunContext, StagedFile } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { ENCRYPTION_KEY_GUIDANCE, MANIFEST_FORMAT, MANIFEST_NAME, type Manifest, type ManifestFile } from '../core/manifest.ts';
import { archiveName } from '../core/plan.ts';
import { TOOL_VERSION } from '../core/version.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { isoWithOffset } from '../log/logger.ts';
import { HashingStream } from './hashing.ts';

/** Already-compressed content is stored, not deflated again. */
const STORED = /\.(gz|zip|7z|bz2|xz|zst|yxzp|png|jpe?g)$/i;

const require = createRequire(import.meta.url);

/** archiver 8 dropped registerFormat; archiver-zip-encrypted still works as the module of an Archiver subclass. */
class EncryptedZipArchive extends Archiver {
  constructor(options: Record<string, unknown>) {
    super(options);
    const ZipEncrypted = require('archiver-zip-encrypted') as new (o: Record<string, unknown>) => unknown;
    const self = this as unknown as { _format: string; _module: unknown; _supportsDirectory: boolean; _supportsSymlink: boolean; _modulePipe(): void };
    self._format = 'zip-encrypted';
    self._module = new ZipEncrypted({ ...options, encryptionMethod: 'aes256' });
    self._supportsDirectory = true;
    self._supportsSymlink = true;
    self._modulePipe();
  }
}

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
  const options = { zlib: { level }, store: level === 0 };
  const zip: Archiver = encrypted ? new EncryptedZipArchive({ ...options, password: ctx.archivePassword }) : new ZipArchive(options);

  const out = createWriteStream(tempPath);
  const outHash = new HashingStream();
  const done = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    zip.on('error', reject);
    outHash.on('error', reject);
    zip.on('warning', (err: Error) => reject(err));
  });
  zip.pipe(outHash).pipe(out);

  const t0 = ctx.clock.now();
  const total = input.files.length;
  const hashers: Array<{ file: StagedFile; h: HashingStream }> = [];
  let added = 0;
  zip.on('entry', () => {
    added++;
    if (added <= total) ctx.progress({ activity: 'Writing the archive', status: `${added}/${total} files`, percent: Math.round((added / (total + 1)) * 100) });
  });
  for (const file of input.files) {
    const h = new HashingStream();
    hashers.push({ file, h });
    // Secrets are streamed from memory: they are never written to staging.
    const src = file.content ? Readable.from([file.content]) : createReadStream(file.localPath);
    src.on('error', (err: Error) => h.destroy(err));
    zip.append(src.pipe(h), { name: file.archivePath, store: level === 0 || STORED.test(file.archivePath), date: ctx.startedAt });
  }
  // All file entries are consumed in order before the manifest; their digests are known by then.
  await Promise.all(
    hashers.map(
      ({ h }) =>
        new Promise<void>((resolve, reject) => {
          h.on('end', resolve);
          h.on('error', reject);
        }),
    ),
  ).catch(async (err) => {
    zip.abort();
    await fsp.rm(tempPath, { force: true });
    throw new BackupError(ExitCode.Storage, `Writing the archive failed: ${(err as Error).message}.`, 'Check free space and permissions on LocalBackupPath.');
  });
  const files: ManifestFile[] = hashers.map(({ file, h }) => ({
    path: file.archivePath,
    size: h.size,
    sha256: h.digest,
    kind: file.kind,
    node: file.node,
    source: file.source,
    note: file.note,
  }));
  const manifest = buildManifest(ctx, input, files, encrypted);
  zip.append(JSON.stringify(manifest, null, 2), { name: MANIFEST_NAME, date: ctx.startedAt });
  await zip.finalize();
  try {
    await done;
  } catch (err) {
    await fsp.rm(tempPath, { force: true });
    throw new BackupError(
      ExitCode.Storage,
      `Writing the archive ${tempPath} failed: ${(err as Error).message}.`,
      'Check free space and permissions on LocalBackupPath.',
    );
  }
  const sizeBytes = outHash.size;
  const archive: ArchiveInfo = { tempPath, finalPath, name, sha256: outHash.digest, sizeBytes, entries: files.length + 1, encrypted };
  const raw = files.reduce((n, f) => n + f.size, 0);
  ctx.log.info(
    `Archive written: ${name}, ${files.length + 1} entries, ${formatBytes(sizeBytes)} (from ${formatBytes(raw)}), ${formatDuration(ctx.clock.now() - t0)}${encrypted ? ', AES-256 encrypted' : ''}`,
  );
  ctx.log.info(`Archive SHA-256: ${outHash.digest}`);
  return { archive, manifest };
}
