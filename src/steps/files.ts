import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext, type StagedFile } from '../core/context.ts';
import type { BackupStepOf, FileCopy } from '../core/plan.ts';
import type { NodeRef } from '../platform/ports.ts';
import { exists, listFiles } from '../util/fsx.ts';
import { foldCase, isWindowsUnsafeName } from '../util/winfs.ts';

/** An install's alteryx.config counts as modified when its mtime is more than this away from AlteryxService.exe's. */
const CONFIG_MODIFIED_TOLERANCE_MS = 120_000;

/** Per staged list: its names case-folded, first one wins (a Map, not a scan: 100,000 Keys files were O(n²), issue 15). */
const foldedNames = new WeakMap<StagedFile[], { n: number; byName: Map<string, StagedFile> }>();

/** The file already staged whose name equals `archivePath` but for case (the first such one), if any. */
function sameButCase(staged: StagedFile[], archivePath: string): StagedFile | undefined {
  let ix = foldedNames.get(staged);
  if (!ix) {
    ix = { n: 0, byName: new Map() };
    foldedNames.set(staged, ix);
  }
  for (; ix.n < staged.length; ix.n++) {
    const f = staged[ix.n]!;
    const k = foldCase(f.archivePath);
    if (!ix.byName.has(k)) ix.byName.set(k, f);
  }
  return ix.byName.get(foldCase(archivePath));
}

/**
 * Whether a source may be staged under `archivePath`; false: left out (warned), because Windows could never
 * restore it — a name Windows reserves (CON, NUL, COM1, aux.txt, a trailing dot or space) or a second name equal
 * to one already staged (`staged`, or `pending`) but for case (NTFS holds one of them) — and the archive reader
 * refuses both (issue 12).
 */
function admit(ctx: RunContext, node: NodeRef, configured: string, archivePath: string, staged: StagedFile[], pending: readonly StagedFile[] = []): boolean {
  const unsafe = archivePath.split('/').find(isWindowsUnsafeName);
  if (unsafe) {
    warn(
      ctx,
      `${configured} on ${node.name} was left out: "${unsafe}" is a name Windows reserves (a device name, or a trailing dot or space), which no restore onto Windows can create; rename or remove it`,
    );
    return false;
  }
  const folded = foldCase(archivePath);
  const other = sameButCase(staged, archivePath) ?? pending.find((p) => foldCase(p.archivePath) === folded);
  if (other) {
    warn(
      ctx,
      `${configured} on ${node.name} was left out: its name differs from ${other.source ?? other.archivePath} only in case, and a Windows folder holds one of them; rename one of the two`,
    );
    return false;
  }
  return true;
}

/** Where a file staged as `archivePath` is in the staging folder `staging`. */
const stagedAt = (staging: string, archivePath: string): string => join(staging, ...archivePath.split('/'));

/** What the files of one captured folder share. */
interface FolderCapture {
  from: string;
  to: string;
  staging: string;
  kind: StagedFile['kind'];
  node: string;
  note: string | undefined;
}

/**
 * A file of a captured folder: only its path inside the folder is its own, the rest is its folder's, and the
 * paths are put together when asked. A Keys folder of 100,000 files held about 600 bytes a file as six strings
 * per record, for the whole run (issue 15, "flat memory").
 */
class FolderFile implements StagedFile {
  constructor(
    private readonly folder: FolderCapture,
    private readonly rel: string,
  ) {}
  get archivePath(): string {
    return this.folder.to + this.rel;
  }
  get localPath(): string {
    return stagedAt(this.folder.staging, this.archivePath);
  }
  get source(): string {
    return `${this.folder.from}\\${this.rel.replace(/\//g, '\\')}`;
  }
  get kind(): StagedFile['kind'] {
    return this.folder.kind;
  }
  get node(): string {
    return this.folder.node;
  }
  get note(): string | undefined {
    return this.folder.note;
  }
}

/** Folders of staging made so far, per run: a folder of 1,000 files is made once, not 1,000 times. */
const madeFolders = new WeakMap<RunContext, Set<string>>();

/** Copies a source into staging at `f.localPath`; false: the source is gone. */
async function copyIn(ctx: RunContext, node: NodeRef, f: StagedFile): Promise<boolean> {
  let made = madeFolders.get(ctx);
  if (!made) madeFolders.set(ctx, (made = new Set()));
  const folder = dirname(f.localPath);
  if (!made.has(folder)) {
    await fsp.mkdir(folder, { recursive: true });
    made.add(folder);
  }
  try {
    await fsp.copyFile(ctx.platform.paths.resolve(f.source!, node), f.localPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(ctx.platform.paths.resolve(f.source!, node)))) return false;
    throw err;
  }
}

/**
 * Stages `c.from` as `c.to`; `staged`: what this step staged before. Undefined: the source is not there; null: left
 * out (see admit).
 */
async function stageFile(ctx: RunContext, node: NodeRef, c: FileCopy, staged: StagedFile[], note = c.note): Promise<StagedFile | undefined | null> {
  if (!(await exists(ctx.platform.paths.resolve(c.from, node)))) return undefined;
  if (!admit(ctx, node, c.from, c.to, staged)) return null;
  const f: StagedFile = { archivePath: c.to, localPath: stagedAt(ctx.staging.local, c.to), kind: c.kind, node: node.name, source: c.from, note };
  if (!(await copyIn(ctx, node, f))) return undefined;
  ctx.log.info(`Captured ${c.from} on ${node.name} -> ${c.to}`);
  return f;
}

/**
 * REQ-3.1.x, 3.3.1/2: copies what the plan lists for one node (core/plan.ts fileCopies) into staging and
 * returns the staged files. A missing file fails the run, warns or is noted, as the plan says.
 */
export async function captureFiles(ctx: RunContext, step: BackupStepOf<'files'>): Promise<StagedFile[]> {
  const node = ctx.nodes.find((n) => n.name === step.node);
  if (!node) throw new BackupError(ExitCode.General, `Internal error: the plan names node ${step.node}, which the platform does not have.`);
  const out: StagedFile[] = [];
  let configFound = false;
  for (const c of step.copies) {
    if (c.folder) {
      await captureFolder(ctx, node, c, out);
      continue;
    }
    if (c.ifModified) {
      const r = await captureIfModified(ctx, node, c, out);
      configFound ||= r.found;
      if (r.file) out.push(r.file);
      continue;
    }
    const f = await stageFile(ctx, node, c, out);
    if (f) out.push(f);
    else if (f === undefined) missing(ctx, node, c);
  }
  if (step.copies.some((c) => c.ifModified) && !configFound) ctx.log.info(`No alteryx.config on ${node.name} (looked in bin\\server\\config and bin\\config)`);
  // Nothing more is admitted against this list: its case-folded index goes (100,000 names).
  foldedNames.delete(out);
  return out;
}

function missing(ctx: RunContext, node: NodeRef, c: FileCopy): void {
  const name = c.from.split(/[\\/]/).pop();
  if (c.missing === 'fail') {
    throw new BackupError(ExitCode.Validation, `${name} disappeared from ${c.from} on ${node.name} during the backup.`, 'Run the backup again.');
  }
  const text =
    c.kind === 'settings-defaults'
      ? `The defaults RuntimeSettings.xml was not found at ${c.from} on ${node.name}`
      : `${name} was not found at ${c.from} on ${node.name}`;
  if (c.missing === 'warn') warn(ctx, text);
  else ctx.log.info(text);
}

/** Files of a captured folder copied at once (a Keys folder may hold 100,000 files; each copy waits on the disk). */
const COPY_PARALLEL = 16;

/**
 * Stages a folder's files into `out` (the step's staged files so far), in the folder's order: each file is admitted
 * in turn (its name checked against those before it), the admitted ones copied COPY_PARALLEL at a time. A file
 * that is gone by the time it is copied is left out, as if it had not been listed.
 */
async function captureFolder(ctx: RunContext, node: NodeRef, c: FileCopy, out: StagedFile[]): Promise<void> {
  const dir = ctx.platform.paths.resolve(c.from, node);
  if (!(await exists(dir))) {
    warn(ctx, `The Keys folder was not found at ${c.from} on ${node.name}`);
    return;
  }
  const files = await listFiles(dir);
  const folder: FolderCapture = { from: c.from, to: c.to, staging: ctx.staging.local, kind: c.kind, node: node.name, note: c.note };
  // One line per folder, not per file (a folder may hold 100,000 files; the manifest lists every one).
  let captured = 0;
  for (let i = 0; i < files.length; i += COPY_PARALLEL) {
    const batch: StagedFile[] = [];
    for (const rel of files.slice(i, i + COPY_PARALLEL)) {
      const f = new FolderFile(folder, rel);
      if (admit(ctx, node, f.source, f.archivePath, out, batch)) batch.push(f);
    }
    const copied = await Promise.all(batch.map((f) => copyIn(ctx, node, f)));
    for (const [k, f] of batch.entries()) {
      if (!copied[k]) continue;
      out.push(f);
      captured++;
    }
  }
  if (files.length === 0) warn(ctx, `The Keys folder ${c.from} on ${node.name} is empty`);
  else ctx.log.info(`Captured ${captured} file(s) of ${c.from} on ${node.name} -> ${c.to} (each is listed in manifest.json)`);
}

async function captureIfModified(
  ctx: RunContext,
  node: NodeRef,
  c: FileCopy,
  staged: StagedFile[],
): Promise<{ found: boolean; file?: StagedFile | undefined }> {
  const st = await fsp.stat(ctx.platform.paths.resolve(c.from, node)).catch(() => undefined);
  if (!st) return { found: false };
  const exeStat = await fsp.stat(ctx.platform.paths.resolve(c.ifModified!.exe, node)).catch(() => undefined);
  const modified = !exeStat || Math.abs(st.mtimeMs - exeStat.mtimeMs) > CONFIG_MODIFIED_TOLERANCE_MS;
  if (!modified) {
    ctx.log.info(`${c.from} on ${node.name} is unchanged since install: not captured (REQ-3.1.3)`);
    return { found: true };
  }
  const file = await stageFile(ctx, node, c, staged, `Modified after install (${new Date(st.mtimeMs).toISOString()})`);
  return { found: true, file: file ?? undefined };
}
