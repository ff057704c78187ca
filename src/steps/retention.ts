import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { joinConfigured, warn, type RunContext } from '../core/context.ts';
import type { BackupMode } from '../config/schema.ts';
import { formatTimestamp } from '../log/logger.ts';
import { archiveName } from '../core/plan.ts';
import { BackupError } from '../core/errors.ts';
import { retryWhileBusy } from '../util/winfs.ts';
import type { DestinationOutcome } from './destinations.ts';

// ---------------------------------------------------------------------------------------------------------
// The pure part: names -> what to delete. No fs, no clock: the step below feeds it and applies its answer.
// ---------------------------------------------------------------------------------------------------------

/** Archive groups: one per mode, plus the legacy name that does not say its mode. */
export type RetentionGroup = BackupMode | 'Legacy';
export const RETENTION_GROUPS: readonly RetentionGroup[] = ['Full', 'DatabaseOnly', 'ConfigOnly', 'Legacy'];

const SUFFIX_GROUP: Record<string, BackupMode> = { full: 'Full', db: 'DatabaseOnly', config: 'ConfigOnly' };

const MODE_NAME = /^ServerBackup_(Full|DB|Config)_(\d{8})_(\d{6})\.zip$/;
const LEGACY_NAME = /^ServerBackup_(\d{8})_(\d{6})\.(zip|7z)$/;
const LOG_NAME = /^BackupLog_(?:[A-Za-z]+_)?(\d{8})_(\d{6})\.(log|jsonl)$/;
/** The legacy batch script's log: BackupLogYYYYMMDD_HHmmss.log. */
const LEGACY_LOG_NAME = /^BackupLog(\d{8})_(\d{6})\.log$/;
/** Temporary names of interrupted writes: <archive>.partial, <archive>.partial-<pid>, <archive>.sha256.partial. */
const TEMP_SUFFIX = /(?:\.sha256)?\.partial(?:-\d+)?$/;

/** The same pattern, ignoring case (names in a Windows folder). */
const folded = (r: RegExp) => new RegExp(r.source, `${r.flags}i`);
const PATTERNS = {
  exact: { mode: MODE_NAME, legacy: LEGACY_NAME, log: LOG_NAME, legacyLog: LEGACY_LOG_NAME, temp: TEMP_SUFFIX },
  folded: { mode: folded(MODE_NAME), legacy: folded(LEGACY_NAME), log: folded(LOG_NAME), legacyLog: folded(LEGACY_LOG_NAME), temp: folded(TEMP_SUFFIX) },
};

/**
 * Whether names in a folder match ignoring case: the rule of the platform that owns the folder. Windows folders
 * (the core on win32, or a drive-letter / UNC path, whatever runs the core: an SMB share is case-insensitive)
 * ignore case, so `serverbackup_full_20261101_020000.ZIP` written by another tool is this tool's archive and
 * `X.zip.SHA256` its checksum; a POSIX folder tells them apart, so a differently-cased name there is foreign.
 * Object stores (cloud destinations) are case-sensitive and do not use this.
 */
export function folderIgnoresCase(configuredPath: string, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' || /^(?:[A-Za-z]:(?:[\\/]|$)|[\\/]{2}[^\\/])/.test(configuredPath);
}

/** YYYYMMDD + HHmmss (local time, as in the names) -> epoch ms; undefined for an impossible date. */
export function parseStamp(date: string, time: string): number | undefined {
  const y = Number(date.slice(0, 4));
  const mo = Number(date.slice(4, 6));
  const d = Number(date.slice(6, 8));
  const h = Number(time.slice(0, 2));
  const mi = Number(time.slice(2, 4));
  const s = Number(time.slice(4, 6));
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const dt = new Date(y, mo - 1, d, h, mi, s);
  if (dt.getFullYear() !== y || dt.getMonth() !== mo - 1 || dt.getDate() !== d) return undefined;
  return dt.getTime();
}

export interface ParsedArchiveName {
  group: RetentionGroup;
  /** The time in the name, epoch ms (local time). */
  time: number;
  ext: 'zip' | '7z';
}

/**
 * Recognises this tool's archive names and the legacy ones; anything else is undefined (never touched).
 * `ignoreCase`: the names of a Windows folder (folderIgnoresCase).
 */
export function parseArchiveName(name: string, ignoreCase = false): ParsedArchiveName | undefined {
  const re = ignoreCase ? PATTERNS.folded : PATTERNS.exact;
  let m = re.mode.exec(name);
  if (m) {
    const time = parseStamp(m[2]!, m[3]!);
    return time === undefined ? undefined : { group: SUFFIX_GROUP[m[1]!.toLowerCase()]!, time, ext: 'zip' };
  }
  m = re.legacy.exec(name);
  if (m) {
    const time = parseStamp(m[1]!, m[2]!);
    return time === undefined ? undefined : { group: 'Legacy', time, ext: m[3]!.toLowerCase() as 'zip' | '7z' };
  }
  return undefined;
}

/** Recognises BackupLog_{Mode}_YYYYMMDD_HHmmss.log / .jsonl (and the legacy BackupLogYYYYMMDD_HHmmss.log when asked). */
export function parseLogName(name: string, legacy = false, ignoreCase = false): number | undefined {
  const re = ignoreCase ? PATTERNS.folded : PATTERNS.exact;
  const m = re.log.exec(name) ?? (legacy ? re.legacyLog.exec(name) : null);
  return m ? parseStamp(m[1]!, m[2]!) : undefined;
}

/** What the step knows about a directory entry. */
export interface FileEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

export interface RetentionPolicy {
  /** "Now": the start of this run. */
  now: Date;
  /** When false (the backup failed), nothing is deleted: the plan is empty. */
  currentBackupSucceeded: boolean;
  /** Days to keep per archive group. Groups not listed are left alone. 0 = keep only the newest. */
  days: Partial<Record<RetentionGroup, number>>;
  /** Which legacy names belong to the Legacy group (the others are foreign files). */
  legacy: { zip: boolean; sevenZip: boolean };
  /** Days to keep log files (BackupLog_*.log / .jsonl); undefined leaves logs alone. */
  logDays?: number | undefined;
  /** Also the legacy batch script's BackupLogYYYYMMDD_HHmmss.log (with logDays). */
  legacyLogs?: boolean | undefined;
  /** Names never deleted, whatever their age (this run's archive and log). */
  keep?: readonly string[] | undefined;
  /**
   * An archive this run is about to create (dry run): counted as the newest good backup of its group,
   * so that -WhatIf lists what the real run would delete.
   */
  upcoming?: string | undefined;
  /** Temporary files (.partial) of interrupted writes older than this are removed (default 24 h). */
  staleTempHours?: number | undefined;
  /**
   * Names match ignoring case (a Windows folder: folderIgnoresCase); default false, a POSIX folder or an object
   * store. Either way nothing but this tool's names (in any case, when ignored) is ever deleted.
   */
  ignoreCase?: boolean | undefined;
}

export type DeletionKind = 'archive' | 'checksum' | 'log' | 'temp';

export interface Deletion {
  name: string;
  kind: DeletionKind;
  group?: RetentionGroup | undefined;
  reason: string;
}

export interface GroupSummary {
  group: RetentionGroup;
  days: number;
  archives: number;
  deleting: number;
  /** The newest good backup of the group, which is never deleted. */
  protectedName: string | undefined;
}

export interface RetentionPlan {
  delete: Deletion[];
  groups: GroupSummary[];
  /** Why nothing is planned, when that is the case for a reason (failed backup). */
  skipped?: string | undefined;
}

const DAY = 86_400_000;

/**
 * Computes the deletion set for one folder. Rules (REQ-5.1.4/5.1.5, docs/storage.md):
 * - only names of this tool (ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip) and, when configured, the
 *   legacy ServerBackup_YYYYMMDD_HHmmss.zip/.7z are archives; every other file is foreign and never touched;
 * - age comes from the time in the name, never from the file's mtime (copies and restores change mtimes);
 * - an archive older than its group's days is deleted, with its `.sha256`;
 * - the newest *good* archive of each group (non-empty; with its `.sha256` for this tool's names) is never
 *   deleted, whatever the days, nor is anything newer than it; with no good one the newest of the group is
 *   kept; so 0 days keeps the newest;
 * - names in `keep` are never deleted; nothing at all when the current backup did not succeed;
 * - logs past logDays go too; `.partial` leftovers of interrupted writes older than a day go too;
 * - with `ignoreCase` (a Windows folder) names match whatever their case, a `.SHA256` goes with its archive.
 */
export function planRetention(files: readonly FileEntry[], policy: RetentionPolicy): RetentionPlan {
  if (!policy.currentBackupSucceeded) {
    return { delete: [], groups: [], skipped: 'the backup did not succeed: retention never runs after a failure' };
  }
  const now = policy.now.getTime();
  const ic = policy.ignoreCase === true;
  /** A name as the folder compares it. */
  const key = ic ? (n: string) => n.toLowerCase() : (n: string) => n;
  const keep = new Set((policy.keep ?? []).map(key));
  // By compared name; in a folder that ignores case two names can only differ in case where the folder does not
  // (a POSIX copy of a Windows folder): the first is planned, the other left alone.
  const byName = new Map<string, FileEntry>();
  for (const f of files) if (f.isFile && !byName.has(key(f.name))) byName.set(key(f.name), f);
  const has = (n: string) => byName.has(key(n));
  const parse = (n: string) => parseArchiveName(n, ic);
  const out: Deletion[] = [];
  const groups: GroupSummary[] = [];
  const isMember = (p: ParsedArchiveName) => p.group !== 'Legacy' || (p.ext === 'zip' ? policy.legacy.zip : policy.legacy.sevenZip);

  interface Candidate {
    name: string;
    time: number;
    good: boolean;
    virtual: boolean;
  }
  const members = new Map<RetentionGroup, Candidate[]>();
  for (const f of byName.values()) {
    const p = parse(f.name);
    if (!p || !isMember(p)) continue;
    const hasChecksum = has(`${f.name}.sha256`);
    const good = f.size > 0 && (p.group === 'Legacy' || hasChecksum);
    (members.get(p.group) ?? members.set(p.group, []).get(p.group)!).push({ name: f.name, time: p.time, good, virtual: false });
  }
  if (policy.upcoming && !has(policy.upcoming)) {
    const p = parse(policy.upcoming);
    if (p && isMember(p))
      (members.get(p.group) ?? members.set(p.group, []).get(p.group)!).push({ name: policy.upcoming, time: p.time, good: true, virtual: true });
  }

  const newestFirst = (a: Candidate, b: Candidate) => b.time - a.time || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
  for (const group of RETENTION_GROUPS) {
    const days = policy.days[group];
    if (days === undefined) continue;
    const list = [...(members.get(group) ?? [])].sort(newestFirst);
    const protectedOne = list.find((c) => c.good) ?? list[0];
    const cutoff = now - days * DAY;
    let deleting = 0;
    for (const c of list) {
      if (c.virtual || c === protectedOne || keep.has(key(c.name))) continue;
      // Past the days, and older than the newest good one (anything newer than it is kept: it may be good).
      if (c.time >= cutoff || (protectedOne && c.time >= protectedOne.time)) continue;
      deleting++;
      const age = `${formatTimestamp(new Date(c.time))}, older than ${days} day(s)`;
      out.push({ name: c.name, kind: 'archive', group, reason: age });
      const sidecar = byName.get(key(`${c.name}.sha256`));
      if (sidecar) out.push({ name: sidecar.name, kind: 'checksum', group, reason: `checksum of ${c.name}` });
    }
    // A .sha256 whose archive is gone, past the same age.
    for (const f of byName.values()) {
      if (!key(f.name).endsWith('.sha256')) continue;
      const base = f.name.slice(0, -'.sha256'.length);
      const p = parse(base);
      if (!p || p.group !== group || !isMember(p) || has(base) || keep.has(key(base))) continue;
      if (p.time < cutoff && key(base) !== (protectedOne && key(protectedOne.name)))
        out.push({ name: f.name, kind: 'checksum', group, reason: `orphaned checksum, ${formatTimestamp(new Date(p.time))}, older than ${days} day(s)` });
    }
    groups.push({ group, days, archives: list.filter((c) => !c.virtual).length, deleting, protectedName: protectedOne?.name });
  }

  if (policy.logDays !== undefined) {
    const cutoff = now - policy.logDays * DAY;
    for (const f of byName.values()) {
      const t = parseLogName(f.name, policy.legacyLogs, ic);
      if (t === undefined || keep.has(key(f.name)) || t >= cutoff) continue;
      out.push({ name: f.name, kind: 'log', reason: `log of ${formatTimestamp(new Date(t))}, older than ${policy.logDays} day(s)` });
    }
  }

  const staleMs = (policy.staleTempHours ?? 24) * 3_600_000;
  const temp = ic ? PATTERNS.folded.temp : PATTERNS.exact.temp;
  for (const f of byName.values()) {
    if (!temp.test(f.name)) continue;
    const p = parse(f.name.replace(temp, ''));
    if (!p || !isMember(p) || keep.has(key(f.name))) continue;
    // Both the name and the last write must be old: a copy in progress keeps its mtime fresh.
    if (now - p.time > staleMs && now - f.mtimeMs > staleMs)
      out.push({ name: f.name, kind: 'temp', group: p.group, reason: 'left over by an interrupted write' });
  }
  return { delete: out, groups };
}

// ---------------------------------------------------------------------------------------------------------
// The step: list each folder, plan, delete (or, in a dry run, say what would go), log every deletion.
// ---------------------------------------------------------------------------------------------------------

export interface RetentionTargetReport {
  /** Configured path of the folder. */
  path: string;
  kind: 'local' | 'network' | 'logs';
  deleted: string[];
  /** Dry run: what would be deleted. */
  wouldDelete: string[];
  errors: string[];
  skipped?: string | undefined;
}

/** Lists a folder's files with size and mtime; names that cannot matter are not stat'ed. */
async function listFolder(dir: string, ignoreCase: boolean): Promise<FileEntry[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const out: FileEntry[] = [];
  const relevant = ignoreCase ? /^(?:ServerBackup_|BackupLog)/i : /^(?:ServerBackup_|BackupLog)/;
  for (const e of entries) {
    if (!e.isFile()) continue;
    if (!relevant.test(e.name)) continue;
    try {
      const st = await fsp.stat(join(dir, e.name));
      out.push({ name: e.name, size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() });
    } catch {
      // Gone meanwhile: nothing to plan for it.
    }
  }
  return out;
}

/** The retention days per archive group that this run applies (its own mode, and Legacy when enabled). */
export function runRetentionDays(ctx: Pick<RunContext, 'mode' | 'config'>): {
  days: Partial<Record<RetentionGroup, number>>;
  legacy: { zip: boolean; sevenZip: boolean };
} {
  const b = ctx.config.BackupConfiguration;
  const legacy = { zip: b.RetentionIncludesLegacy7z || b.ArchiveNameFormat === 'legacy', sevenZip: b.RetentionIncludesLegacy7z };
  const days: Partial<Record<RetentionGroup, number>> = { [ctx.mode]: b.RetentionDays[ctx.mode] };
  // A legacy name does not say its mode: the longest of the three retentions applies (never keeps less).
  if (legacy.zip || legacy.sevenZip) days.Legacy = Math.max(b.RetentionDays.Full, b.RetentionDays.DatabaseOnly, b.RetentionDays.ConfigOnly);
  return { days, legacy };
}

/**
 * REQ-5.1.4/5.1.5: applies the retention of this run's mode to LocalBackupPath and to every network
 * destination whose copy succeeded, then the log retention to LogDirectory. Call it only after a
 * successful backup (`backupSucceeded` false logs that it is skipped and deletes nothing). Errors on one
 * file are warnings and do not stop the rest; every deletion is logged. With ctx.dryRun (-WhatIf) nothing
 * is deleted: each file that would be is listed instead, counting the archive this run would create as
 * the newest.
 */
export async function applyRetention(
  ctx: RunContext,
  opts: {
    backupSucceeded: boolean;
    destinations?: readonly DestinationOutcome[];
    /** This run's archive name: never deleted. */
    current?: string | undefined;
    /** Deletes one file (default fs.rm); a seam for tests of per-file errors. */
    remove?: (path: string) => Promise<void>;
    /** Tries and waits of the retry while a file is in use (retryWhileBusy's defaults: 6 tries from 100 ms); a seam for tests. */
    busy?: { attempts?: number; delayMs?: number; sleep?: (ms: number) => Promise<void> };
  },
): Promise<RetentionTargetReport[]> {
  const { log, config } = ctx;
  const b = config.BackupConfiguration;
  if (!opts.backupSucceeded) {
    log.info('Retention skipped: the backup did not succeed, so no old backup is deleted');
    return [];
  }
  const { days, legacy } = runRetentionDays(ctx);
  const rm = opts.remove ?? ((p: string) => fsp.rm(p));
  // A file another process holds open (Windows: EBUSY/EPERM/EACCES; an Explorer preview, an antivirus scan, a copy
  // agent) is tried again with growing delays before it becomes a warning; the rest of the folder goes on either way.
  const remove = (p: string, shown: string) => retryWhileBusy('delete', shown, () => rm(p), opts.busy);
  const dry = ctx.dryRun;
  const upcoming = dry ? archiveName(ctx) : undefined;
  const current = opts.current;
  const policyBase = { now: ctx.startedAt, currentBackupSucceeded: true, legacy, upcoming, keep: current ? [current] : [] };
  const targets: Array<{ path: string; kind: 'local' | 'network'; skip?: string }> = [{ path: b.LocalBackupPath, kind: 'local' }];
  for (const dest of b.NetworkBackupPaths) {
    const outcome = opts.destinations?.find((d) => d.kind === 'network' && d.path === dest);
    if (dry) {
      const reason = await ctx.platform.storage.probe(dest);
      targets.push({ path: dest, kind: 'network', skip: reason ? `not reachable (${reason})` : undefined });
    } else {
      targets.push({
        path: dest,
        kind: 'network',
        skip: outcome?.status === 'ok' ? undefined : "this run's copy did not succeed there, so its older backups are kept",
      });
    }
  }
  const daysText = Object.entries(days)
    .map(([g, d]) => `${g} ${d} day(s)`)
    .join(', ');
  log.info(
    `Retention: ${daysText}${legacy.sevenZip ? ' (legacy .7z included)' : ''}; logs ${b.LogRetentionDays} day(s); ${dry ? 'dry run: nothing is deleted' : 'applied'}`,
  );

  const reports: RetentionTargetReport[] = [];
  for (const t of targets) {
    reports.push(await applyToFolder(ctx, t.path, t.kind, { ...policyBase, days }, t.skip, remove));
  }
  const logDirCfg = b.LogDirectory;
  const logKeep = ctx.log.logPath ? [basenameOf(ctx.log.logPath), basenameOf(ctx.log.logPath).replace(/\.log$/, '.jsonl')] : [];
  reports.push(
    await applyToFolder(
      ctx,
      logDirCfg,
      'logs',
      { ...policyBase, days: {}, keep: logKeep, logDays: b.LogRetentionDays, legacyLogs: b.RetentionIncludesLegacy7z, upcoming: undefined },
      undefined,
      remove,
    ),
  );
  const total = reports.reduce((n, r) => n + (dry ? r.wouldDelete.length : r.deleted.length), 0);
  const errors = reports.reduce((n, r) => n + r.errors.length, 0);
  log.info(`Retention ${dry ? 'would delete' : 'deleted'} ${total} file(s)${errors ? `; ${errors} could not be deleted` : ''}`);
  return reports;
}

function basenameOf(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

async function applyToFolder(
  ctx: RunContext,
  configured: string,
  kind: RetentionTargetReport['kind'],
  policy: RetentionPolicy,
  skip: string | undefined,
  remove: (path: string, shown: string) => Promise<void>,
): Promise<RetentionTargetReport> {
  const report: RetentionTargetReport = { path: configured, kind, deleted: [], wouldDelete: [], errors: [] };
  if (skip) {
    report.skipped = skip;
    ctx.log.info(`Retention on ${configured}: skipped, ${skip}`);
    return report;
  }
  const dir = ctx.platform.paths.resolve(configured);
  const ignoreCase = folderIgnoresCase(configured);
  let files: FileEntry[];
  try {
    files = await listFolder(dir, ignoreCase);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      report.skipped = 'the folder does not exist';
      ctx.log.debug(`Retention on ${configured}: the folder does not exist`);
      return report;
    }
    const msg = `Retention on ${configured}: the folder could not be listed: ${(err as Error).message}`;
    report.errors.push(msg);
    warn(ctx, msg);
    return report;
  }
  const plan = planRetention(files, { ...policy, ignoreCase });
  for (const g of plan.groups) {
    ctx.log.info(
      `Retention on ${configured}: ${g.group} (${g.days} day(s)): ${g.archives} archive(s), ${g.deleting} to delete${g.protectedName ? `, newest good kept: ${g.protectedName}` : ''}`,
    );
  }
  for (const d of plan.delete) {
    const shown = joinConfigured(configured, d.name);
    if (ctx.dryRun) {
      report.wouldDelete.push(shown);
      ctx.log.info(`What if: would delete ${shown} (${d.reason})`);
      continue;
    }
    try {
      await remove(join(dir, d.name), shown);
      report.deleted.push(shown);
      ctx.log.info(`Deleted ${shown} (${d.reason})`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        ctx.log.debug(`Retention: ${shown} was already gone`);
        continue;
      }
      // In use after every try: BackupError(Storage) names the file, the cause and what to do.
      const msg = err instanceof BackupError ? `Retention: ${err.full}` : `Retention could not delete ${shown}: ${(err as Error).message}`;
      report.errors.push(msg);
      warn(ctx, msg);
    }
  }
  return report;
}
