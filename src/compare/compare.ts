import { createHash } from 'node:crypto';
import { createReadStream, existsSync, promises as fsp, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { BackupError, ExitCode } from '../core/errors.ts';
import { entryStream, openZip, readEntries } from '../archive/verify.ts';
import { runProcess } from '../util/exec.ts';
import { findOnPath, removeTree } from '../util/fsx.ts';

/**
 * Side-by-side comparison of a legacy backup (the batch script's folder or .7z, or a .zip) and one of ours
 * (REQ-9.x, the pilot): which files each holds, which differ by content, what ours adds and what the
 * legacy one had that ours lacks. Names are compared in our layout: the legacy names are mapped first.
 */

export type CompareStatus = 'same' | 'differs' | 'onlyInReference' | 'onlyInDifference';

export interface CompareRow {
  /** The name in our layout (Config/RuntimeSettings.xml, MongoDB/<db>/<coll>.bson, ...). */
  path: string;
  status: CompareStatus;
  referenceName: string | null;
  differenceName: string | null;
  referenceSize: number | null;
  differenceSize: number | null;
  /** SHA-256 of the content (decompressed for .bson.gz); null for secrets, which are compared but not shown. */
  referenceSha256: string | null;
  differenceSha256: string | null;
  note: string | null;
}

export interface CompareResult {
  reference: string;
  difference: string;
  referenceKind: SideKind;
  differenceKind: SideKind;
  rows: CompareRow[];
  counts: Record<CompareStatus, number>;
  /** True when every file of the reference has a counterpart in the difference. */
  superset: boolean;
  /** True when, in addition, no counterpart differs in content. */
  identicalWhereShared: boolean;
}

export type SideKind = 'folder' | 'zip' | '7z';

interface SideFile {
  name: string;
  size: number;
  sha256: string;
}

/** Legacy top-level names -> ours. The batch script copied the three XML files and the token beside `Mongo\`. */
const LEGACY_NAMES: Array<[RegExp, string]> = [
  [/^mongo\//i, 'MongoDB/'],
  [/^runtimesettings\.xml$/i, 'Config/RuntimeSettings.xml'],
  [/^systemalias\.xml$/i, 'Config/Engine/SystemAlias.xml'],
  [/^systemconnections\.xml$/i, 'Config/Engine/SystemConnections.xml'],
  [/^controllertoken\.txt$/i, 'Secrets/ControllerToken.txt'],
  [/^keys\//i, 'Config/Keys/'],
  [/^alteryx\.config$/i, 'Config/alteryx.config'],
];

const OUR_ROOTS = /^(Config|MongoDB|Secrets|nodes)\/|^(manifest|metadata)\.json$/i;

/** What ours adds on purpose, for the note of an onlyInDifference row. */
function addedNote(path: string): string | null {
  if (/^manifest\.json$/i.test(path)) return 'added by this tool: manifest (SHA-256 of every entry)';
  if (/^metadata\.json$/i.test(path)) return 'added by this tool: server metadata';
  if (/^Secrets\//i.test(path)) return 'added by this tool: secret needed on a new host';
  if (/RuntimeSettings\.defaults\.xml$/i.test(path)) return 'added by this tool: installer defaults, for reference';
  if (/\/Keys\//i.test(path)) return 'added by this tool: encryption keys folder';
  return null;
}

const isSecret = (path: string) => /^Secrets\//i.test(path);

/** Maps one side's names into our layout: a single top folder (ServerBackup_<ts>\) removed, legacy names renamed, `.gz` of a dump dropped. */
export function canonicalNames(names: string[]): Map<string, string> {
  const slashed = names.map((n) => n.replace(/\\/g, '/'));
  const tops = new Set(slashed.map((n) => n.split('/')[0]!));
  const strip = tops.size === 1 && slashed.every((n) => n.includes('/')) && !OUR_ROOTS.test(slashed[0]!) ? `${[...tops][0]}/` : '';
  const out = new Map<string, string>();
  slashed.forEach((n, i) => {
    let rel = strip ? n.slice(strip.length) : n;
    for (const [re, to] of LEGACY_NAMES) {
      if (re.test(rel)) {
        rel = rel.replace(re, to);
        break;
      }
    }
    if (/^MongoDB\/.+\.(bson|json)\.gz$/i.test(rel)) rel = rel.slice(0, -3);
    out.set(names[i]!, rel);
  });
  return out;
}

async function hashStream(s: NodeJS.ReadableStream, gunzip: boolean): Promise<{ sha256: string; size: number }> {
  const src = gunzip ? s.pipe(createGunzip()) : s;
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of src as AsyncIterable<Buffer>) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest('hex'), size };
}

/** mongodump --gzip output: hashed decompressed, so that it compares with an uncompressed dump. */
const isGz = (name: string) => /\.(bson|json)\.gz$/i.test(name);

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await fsp.readdir(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await walk(root, r)));
    else if (d.isFile()) out.push(r);
  }
  return out.sort();
}

async function readFolder(dir: string): Promise<SideFile[]> {
  const files: SideFile[] = [];
  for (const name of await walk(dir)) {
    const h = await hashStream(createReadStream(join(dir, ...name.split('/'))), isGz(name));
    files.push({ name, ...h });
  }
  return files;
}

async function readZip(file: string, password?: string): Promise<SideFile[]> {
  let zf: Awaited<ReturnType<typeof openZip>>;
  try {
    zf = await openZip(file);
  } catch (err) {
    throw new BackupError(ExitCode.Validation, `${file} is not a readable .zip archive: ${(err as Error).message}.`, 'Give a backup folder, a .zip or a .7z.');
  }
  try {
    const files: SideFile[] = [];
    for (const e of await readEntries(zf)) {
      if (e.fileName.endsWith('/')) continue;
      const s = await entryStream(zf, e, password).catch((err: Error) => {
        throw new BackupError(
          ExitCode.Validation,
          `Cannot read ${e.fileName} in ${file}: ${err.message}.`,
          'An encrypted archive needs -ArchivePassword (ALTERYXBACKUP_ARCHIVE_PASSWORD).',
        );
      });
      files.push({ name: e.fileName, ...(await hashStream(s, isGz(e.fileName))) });
    }
    return files;
  } finally {
    zf.close();
  }
}

/**
 * 7-Zip: ALTERYXBACKUP_7ZIP, else 7zz / 7z / 7za on PATH (findOnPath: on Windows with the PATHEXT extensions, so
 * `7z.exe` or a `7z.cmd` wrapper), else 7-Zip's default install folder on Windows.
 */
export function find7Zip(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const explicit = env['ALTERYXBACKUP_7ZIP'];
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const name of ['7zz', '7z', '7za']) {
    const p = findOnPath(name, env, platform);
    if (p) return p;
  }
  if (platform === 'win32') {
    const p = join(env['ProgramFiles'] ?? 'C:\\Program Files', '7-Zip', '7z.exe');
    if (existsSync(p)) return p;
  }
  return undefined;
}

async function read7z(file: string): Promise<SideFile[]> {
  const exe = find7Zip();
  if (!exe) {
    throw new BackupError(
      ExitCode.Validation,
      `Reading ${file} needs 7-Zip, which was not found (looked at ALTERYXBACKUP_7ZIP, 7zz, 7z and 7za on PATH${process.platform === 'win32' ? ' and C:\\Program Files\\7-Zip\\7z.exe' : ''}).`,
      "Install 7-Zip (the legacy script's ZipUtil), set ALTERYXBACKUP_7ZIP to 7z.exe, or extract the .7z and compare the folder.",
    );
  }
  const scratch = await fsp.mkdtemp(join(tmpdir(), 'ab-compare-7z-'));
  try {
    // -p- : never prompt for a password (an encrypted .7z fails instead of hanging a scheduled run).
    const r = await runProcess(exe, ['x', '-y', '-bd', '-p-', `-o${scratch}`, file]);
    if (r.exitCode !== 0) {
      throw new BackupError(
        ExitCode.Validation,
        `7-Zip could not extract ${file} (exit code ${r.exitCode}): ${(r.stderr || r.stdout).trim().split(/\r?\n/).slice(-3).join(' ')}.`,
        'Check that the file is a complete .7z archive.',
      );
    }
    return await readFolder(scratch);
  } finally {
    await removeTree(scratch);
  }
}

function kindOf(path: string): SideKind {
  if (!existsSync(path)) throw new BackupError(ExitCode.Validation, `${path} does not exist.`, 'Give a backup folder, a .zip or a .7z archive.');
  if (statSync(path).isDirectory()) return 'folder';
  if (/\.7z$/i.test(path)) return '7z';
  if (/\.zip$/i.test(path)) return 'zip';
  throw new BackupError(ExitCode.Validation, `${path} is neither a folder, a .zip nor a .7z archive.`, 'Give a backup folder, a .zip or a .7z archive.');
}

async function readSide(path: string, kind: SideKind, password?: string): Promise<SideFile[]> {
  if (kind === 'folder') return readFolder(path);
  if (kind === '7z') return read7z(path);
  return readZip(path, password);
}

function index(files: SideFile[]): Map<string, SideFile & { canonical: string }> {
  const names = canonicalNames(files.map((f) => f.name));
  const out = new Map<string, SideFile & { canonical: string }>();
  for (const f of files) {
    const canonical = names.get(f.name)!;
    out.set(canonical.toLowerCase(), { ...f, canonical });
  }
  return out;
}

export async function compareBackups(reference: string, difference: string, opts: { password?: string | undefined } = {}): Promise<CompareResult> {
  const ref = resolve(reference);
  const dif = resolve(difference);
  const refKind = kindOf(ref);
  const difKind = kindOf(dif);
  const a = index(await readSide(ref, refKind, opts.password));
  const b = index(await readSide(dif, difKind, opts.password));
  const rows: CompareRow[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(key);
    const y = b.get(key);
    const secret = isSecret((x ?? y)!.canonical);
    const status: CompareStatus = x && y ? (x.sha256 === y.sha256 ? 'same' : 'differs') : x ? 'onlyInReference' : 'onlyInDifference';
    let note: string | null = null;
    if (status === 'onlyInDifference') note = addedNote(y!.canonical);
    else if (status === 'onlyInReference') note = 'missing from the new backup';
    else if (status === 'differs' && /^MongoDB\//i.test(x!.canonical))
      note = 'database content changed between the two runs (expected when they ran at different times)';
    else if (status === 'differs') note = 'content differs';
    rows.push({
      path: (y ?? x)!.canonical,
      status,
      referenceName: x?.name ?? null,
      differenceName: y?.name ?? null,
      referenceSize: x?.size ?? null,
      differenceSize: y?.size ?? null,
      referenceSha256: x && !secret ? x.sha256 : null,
      differenceSha256: y && !secret ? y.sha256 : null,
      note,
    });
  }
  const counts: Record<CompareStatus, number> = { same: 0, differs: 0, onlyInReference: 0, onlyInDifference: 0 };
  for (const r of rows) counts[r.status]++;
  return {
    reference: ref,
    difference: dif,
    referenceKind: refKind,
    differenceKind: difKind,
    rows,
    counts,
    superset: counts.onlyInReference === 0,
    identicalWhereShared: counts.differs === 0,
  };
}

/** A plain-text table for people (the cmdlet has its own view). */
export function formatCompareTable(r: CompareResult): string {
  const label: Record<CompareStatus, string> = { same: 'same', differs: 'DIFFERS', onlyInReference: 'ONLY IN LEGACY', onlyInDifference: 'only in new' };
  const w = Math.max(4, ...r.rows.map((x) => x.path.length));
  const lines = [`${'Status'.padEnd(15)} ${'Path'.padEnd(w)}  Note`, `${'-'.repeat(15)} ${'-'.repeat(w)}  ----`];
  for (const x of r.rows) lines.push(`${label[x.status].padEnd(15)} ${x.path.padEnd(w)}  ${x.note ?? ''}`.trimEnd());
  return lines.join('\n');
}
