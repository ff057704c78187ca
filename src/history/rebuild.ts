// alteryx-backup history --rebuild: the catalog again from what the runs left behind, when it was lost or
// damaged. Backups come from the archives (manifest.json, <archive>.sha256, the file's size) and their logs;
// failed backups, drills and restores from their logs (BackupLog_*.jsonl) alone. docs/history.md lists which
// fields a rebuilt record can only approximate.
import { existsSync, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { BackupMode } from '../config/schema.ts';
import type { Manifest } from '../core/manifest.ts';
import { MANIFEST_NAME } from '../core/manifest.ts';
import { entryStream, openZip, readEntries } from '../archive/verify.ts';
import { parseArchiveName, parseLogName } from '../steps/retention.ts';
import { BACKUP_MODES, MAX_ARCHIVE_ENTRIES_CEILING } from '../config/schema.ts';
import { runId } from './record.ts';
import { readHistory, replaceHistoryLocked, withHistoryLock } from './store.ts';
import { statusOf, type RunKind, type RunRecord } from './types.ts';

interface LogLine {
  time: string;
  level: string;
  message: string;
  step?: string;
}

const LOG_JSONL = /^BackupLog_([A-Za-z]+)_(\d{8})_(\d{6})\.jsonl$/;
const PUBLISHED = /^Archive published: (.+) \([^()]*\); checksum in /;
const EXIT = /exit code (\d+) \(/;
const MODE_OF_SUFFIX: Record<string, BackupMode> = { Full: 'Full', DB: 'DatabaseOnly', Config: 'ConfigOnly' };

function kindOfLog(name: string): RunKind | 'backup' | undefined {
  if (name === 'Restore') return 'restore';
  if (name === 'Drill') return 'drill';
  if ((BACKUP_MODES as readonly string[]).includes(name)) return 'backup';
  return undefined;
}

/** "1.5 s", "250 ms", "3 min 4 s" (formatDuration) back to milliseconds. */
export function parseDuration(text: string): number | null {
  let m = /^(\d+(?:\.\d+)?) ms$/.exec(text);
  if (m) return Math.round(Number(m[1]));
  m = /^(\d+(?:\.\d+)?) s$/.exec(text);
  if (m) return Math.round(Number(m[1]) * 1000);
  m = /^(\d+) min (\d+) s$/.exec(text);
  if (m) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  return null;
}

async function readLog(file: string): Promise<LogLine[]> {
  const text = await fsp.readFile(file, 'utf8');
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // A torn last line of a killed run.
    }
  }
  return out;
}

/** The record a run's log describes (archive fields filled in later from the archive itself). */
export function recordFromLog(logFile: string, lines: LogLine[], host: string): RunRecord | undefined {
  const name = basename(logFile);
  const m = LOG_JSONL.exec(name);
  const kind = m ? kindOfLog(m[1]!) : undefined;
  const t = parseLogName(name);
  if (!m || !kind || t === undefined) return undefined;
  const started = new Date(t);
  const logPath = join(logFile.slice(0, -name.length), name.replace(/\.jsonl$/, '.log'));
  const exitLine = lines.findLast((l) => EXIT.test(l.message) && /^Completed/.test(l.message));
  const exitCode = exitLine ? Number(EXIT.exec(exitLine.message)![1]) : 1;
  const published = lines.map((l) => PUBLISHED.exec(l.message)).findLast((x) => x);
  const archivePath = kind === 'backup' ? (published?.[1] ?? null) : null;
  const message =
    exitCode === 0
      ? (lines.findLast((l) => l.level === 'SUCCESS')?.message ?? '')
      : exitLine
        ? (lines.findLast((l) => l.level === 'ERROR')?.message ?? '')
        : 'The run ended without a result (killed or crashed); see its log.';
  const lastTime = lines.length ? Date.parse(lines.at(-1)!.time) : t;
  const down = lines.map((l) => /^Service downtime: (.+)$/.exec(l.message)).findLast((x) => x);
  const modeLine = lines.map((l) => /(?:mode|Mode) (Full|DatabaseOnly|ConfigOnly)\b/.exec(l.message)).find((x) => x);
  const mode = kind === 'backup' ? (m[1] as BackupMode) : ((modeLine?.[1] as BackupMode | undefined) ?? null);
  return {
    v: 1,
    id: runId(kind, logPath, started, 0),
    kind,
    startedAt: started.toISOString(),
    finishedAt: new Date(Math.max(t, lastTime)).toISOString(),
    host,
    mode,
    exitCode,
    status: statusOf(exitCode, archivePath !== null),
    message,
    archiveName: archivePath ? basename(archivePath.replace(/\\/g, '/')) : null,
    archivePath,
    sha256: null,
    sizeBytes: null,
    dumpBytes: null,
    durationMs: Math.max(0, lastTime - (lines.length ? Date.parse(lines[0]!.time) : t)),
    downtimeMs: kind === 'backup' ? (down ? parseDuration(down[1]!) : 0) : null,
    stepDurationsMs: {},
    destinations: archivePath ? [{ path: '', kind: 'local', status: 'ok', error: null }] : [],
    drill:
      kind === 'drill'
        ? { verdict: exitCode === 0 ? 'passed' : 'failed', collections: 0, documentsExpected: 0, documentsRestored: null, documentsActual: null }
        : null,
    warnings: lines.filter((l) => l.level === 'WARNING').map((l) => l.message),
    logPath: existsSync(logPath) ? logPath : null,
    source: 'rebuild',
  };
}

/** manifest.json of an archive, or undefined (encrypted, damaged, not ours). */
export async function readManifest(archive: string): Promise<Manifest | undefined> {
  let zf: Awaited<ReturnType<typeof openZip>> | undefined;
  try {
    zf = await openZip(archive);
    // The tool's own archives in LocalBackupPath, read for their manifest only: up to the configurable ceiling.
    const entries = await readEntries(zf, MAX_ARCHIVE_ENTRIES_CEILING);
    const e = entries.find((x) => x.fileName === MANIFEST_NAME);
    if (!e || (e.generalPurposeBitFlag & 1) !== 0) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of await entryStream(zf, e)) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
  } catch {
    return undefined;
  } finally {
    zf?.close();
  }
}

export interface RebuildInput {
  logDir: string;
  localBackupPath: string;
  networkPaths: string[];
  /** Host name for records whose archive does not say (failed runs). */
  host: string;
}

/** Every run the logs and archives describe, oldest first. */
export async function rebuildRecords(input: RebuildInput): Promise<RunRecord[]> {
  const byId = new Map<string, RunRecord>();
  const logNames = await fsp.readdir(input.logDir).catch(() => [] as string[]);
  for (const n of logNames.filter((x) => LOG_JSONL.test(x)).sort()) {
    const file = join(input.logDir, n);
    const rec = recordFromLog(file, await readLog(file), input.host);
    if (rec) byId.set(rec.id, rec);
  }
  const archiveNames = await fsp.readdir(input.localBackupPath).catch(() => [] as string[]);
  for (const n of archiveNames.sort()) {
    const parsed = parseArchiveName(n);
    const sm = /^ServerBackup_(Full|DB|Config)_(\d{8}_\d{6})\.zip$/.exec(n);
    if (!parsed || !sm) continue;
    const path = join(input.localBackupPath, n);
    const mode = MODE_OF_SUFFIX[sm[1]!]!;
    const logPath = join(input.logDir, `BackupLog_${mode}_${sm[2]}.log`);
    const id = runId('backup', logPath, new Date(parsed.time), 0);
    const manifest = await readManifest(path);
    const st = await fsp.stat(path);
    const side = await fsp.readFile(`${path}.sha256`, 'utf8').catch(() => '');
    const sha256 = /^[0-9a-f]{64}/i.exec(side.trim())?.[0].toLowerCase() ?? null;
    const fromLog = byId.get(id);
    const base: RunRecord = fromLog ?? {
      v: 1,
      id,
      kind: 'backup',
      startedAt: new Date(parsed.time).toISOString(),
      finishedAt: manifest?.createdAt ? new Date(manifest.createdAt).toISOString() : new Date(parsed.time).toISOString(),
      host: input.host,
      mode,
      exitCode: 0,
      status: 'Success',
      message: `${mode} backup completed: ${path}`,
      archiveName: n,
      archivePath: path,
      sha256: null,
      sizeBytes: null,
      dumpBytes: null,
      durationMs: manifest?.createdAt ? Math.max(0, Date.parse(manifest.createdAt) - parsed.time) : 0,
      downtimeMs: null,
      stepDurationsMs: {},
      destinations: [],
      drill: null,
      warnings: [],
      logPath: null,
      source: 'rebuild',
    };
    const destinations: RunRecord['destinations'] = [{ path: input.localBackupPath, kind: 'local', status: 'ok', error: null }];
    for (const net of input.networkPaths) {
      const there = existsSync(join(net, n));
      destinations.push({ path: net, kind: 'network', status: there ? 'ok' : 'failed', error: there ? null : 'the archive is not at this destination' });
    }
    byId.set(id, {
      ...base,
      host: manifest?.hostName ?? base.host,
      archiveName: n,
      archivePath: path,
      sha256,
      sizeBytes: st.size,
      dumpBytes: manifest ? dumpBytesOf(manifest) : base.dumpBytes,
      stepDurationsMs: manifest?.durationsMs ?? base.stepDurationsMs,
      destinations,
    });
  }
  return [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}

/** The database dump's size before compression: the manifest's files under MongoDB/ (what the run measured); null without one. */
export function dumpBytesOf(manifest: Pick<Manifest, 'files'>): number | null {
  const n = (manifest.files ?? []).filter((f) => /(^|\/)MongoDB\//.test(f.path)).reduce((a, f) => a + (Number(f.size) || 0), 0);
  return n || null;
}

/**
 * `history --rebuild`: the records of rebuildRecords replace the catalog, under its lock. A record a run
 * appended while the archives and logs were read (its id not in the catalog when the rebuild began) is kept,
 * and wins over its rebuilt twin (the run's own record is the precise one): a concurrent append is never lost.
 */
export async function rebuildHistory(file: string, input: RebuildInput): Promise<{ records: RunRecord[]; kept: number }> {
  const before = new Set(readHistory(file).records.map((r) => r.id));
  const rebuilt = await rebuildRecords(input);
  return withHistoryLock(file, () => {
    const appended = readHistory(file).records.filter((r) => !before.has(r.id));
    const byId = new Map(rebuilt.map((r) => [r.id, r]));
    for (const r of appended) byId.set(r.id, r);
    const records = [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    replaceHistoryLocked(file, records);
    return { records, kept: appended.length };
  });
}
