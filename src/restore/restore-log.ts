/**
 * Judging a MongoDB restore (REQ-6.2.6): the output of `mongorestore` (its stderr) or of Alteryx's
 * `emongorestore` (mongoRestore.log in the restore folder), in every format the tools have printed.
 * Pure functions only, apart from readRestoreLogFile (which only reads and decodes the file).
 *
 * The formats, as checked in the public source of mongodb/mongo-tools (snapshot at commit
 * 8fa3cfc8263b9cead37912d7b0447766143c3e3a; tags r3.4.24, r4.0.28, r4.2.0, 100.0.0, 100.9.4, 100.15.0, 100.16.0):
 * - every line is `<timestamp>\t<message>` (common/log/tool_logger.go: ToolTimeFormat
 *   "2006-01-02T15:04:05.000-0700", then a tab);
 * - r3.4 to r4.0 (the embedded MongoDB of Alteryx 2020.1 to 2021.3 is 4.0): per collection
 *   `finished restoring db.coll (N documents)` (mongorestore/restore.go), at the end `done`
 *   (mongorestore/mongorestore.go, deferred: only when the restore got that far), NO
 *   `N document(s) restored successfully` summary; insert errors such as duplicate keys are logged as
 *   `error: E11000 ...` and not counted;
 * - r4.2 to 100.15: `finished restoring db.coll (N documents, M failures)` and, when the write concern is
 *   acknowledged, `N document(s) restored successfully. M document(s) failed to restore.`
 *   (mongorestore/main/mongorestore.go); with an unacknowledged write concern (w=0) only `done`;
 *   errors it continues through are `continuing through error: ...` (common/db/db.go);
 * - 100.16.0 and later (TOOLS-4158, commit d3449c229661ad3ed69e169b6690bbfa7a69f7eb): names printed with Go's
 *   `%#q`, i.e. in backquotes, ``finished restoring `db.coll` (N documents, M failures)``, or in double quotes
 *   with Go escapes when the name holds a backquote or a control character;
 * - `Failed: <error>` when the restore stopped.
 * A file captured by Windows PowerShell 5.1 redirection (`> file`) is UTF-16LE with a BOM; Windows tools
 * write CRLF. Both are read here.
 *
 * Success = exit code 0, no line with `Failed:` or the words error, critical, fatal, failed (outside the
 * summary line), and either a summary line with M = 0 and N > 0, or, for r3.4-r4.0 tools that print no
 * summary, `done` with per-collection lines adding up to N > 0. A log that ends with `done` but whose
 * tools would have printed a summary (per-collection lines with a failures count, or no per-collection line
 * at all) comes from an unacknowledged write concern: nothing confirms what was written, so the restore
 * "cannot be verified" (a failure of its own kind, exit 5, with its own message).
 */
import { readFile } from 'node:fs/promises';

export interface RestoreLogVerdict {
  ok: boolean;
  /** True when the log cannot prove anything (unacknowledged write concern: `done` only). ok is false then. */
  unverifiable: boolean;
  /** Which output format the log has: 'summary' (r4.2+), 'legacy' (r3.4-r4.0: per-collection lines and `done`), 'done-only', 'none'. */
  format: 'summary' | 'legacy' | 'done-only' | 'none';
  /** The process's exit code as given to the judge (null when unknown). */
  exitCode: number | null;
  /** N of the summary line(s), or the sum of the per-collection lines of a legacy log; null when unknown. */
  restored: number | null;
  /** M of the summary line(s); null when no summary line was found (legacy tools do not count failures). */
  failed: number | null;
  /** The summary line(s) as printed (timestamps included). */
  summaryLines: string[];
  /** Lines that make the restore a failure (`Failed:` or error/critical/fatal/failed), at most 20. */
  problemLines: string[];
  /** Per database, per collection document counts from the `finished restoring` lines. */
  collections: Record<string, Record<string, number>>;
  /** Every reason the verdict is a failure; empty when ok. */
  reasons: string[];
  /** One sentence for the log and the result. */
  summary: string;
}

const SUMMARY = /(\d+)\s+document\(s\)\s+restored successfully\.\s+(\d+)\s+document\(s\)\s+failed to restore\./i;
const PROBLEM = /Failed:|\b(error|errors|critical|fatal|failed)\b/i;
/** `<timestamp>\t`: the tools' prefix (2026-01-13T02:00:00.000+0000). */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?\t/;
/** `finished restoring <ns> (N documents[, M failures])`, <ns> plain, in backquotes or in Go double quotes. */
const FINISHED = /^finished restoring\s+(`[^`]*`|"(?:[^"\\]|\\.)*"|.+?)\s+\((\d+)\s+documents?(?:,\s+(\d+)\s+failures?)?\)\s*$/i;
const DONE = /^done\s*$/i;
/** A namespace as the tools print it: backquoted (100.16+), in Go double quotes, or plain `db.coll`. */
const NS = '(?:`[^`]*`|"(?:[^"\\\\]|\\\\.)*"|[^\\s.`"]+\\.\\S+)';
/**
 * The tools' own lines about one collection (mongo-tools mongorestore/mongodump): the namespace, and the file
 * path after `from` / `to` (`...\AlteryxGallery\errors.bson`), are names, not words: a collection called
 * `errors` or `failed` must not read as a failure. Such a line holds nothing else (a path holds no ": ", an error
 * message does); every other line (`Failed: ...`, `continuing through error: ... collection: db.errors ...`) is
 * judged whole.
 */
const TOOL_LINE = new RegExp(
  `^(?:reading metadata for|restoring to existing collection|restoring indexes for collection|no indexes to restore for collection|dropping collection|creating collection|restoring|writing|done dumping)\\s+${NS}(?:\\s+(?:from|to)\\s+(?:(?!:\\s).)*|\\s+using options from metadata|\\s+with default options|\\s+without dropping|\\s+before restoring|\\s+\\(\\d+ documents?\\))?\\s*$`,
  'i',
);
/** A progress line: `[####....]  db.coll  1.2KB/3.4KB  (35.3%)`. */
const PROGRESS_LINE = new RegExp(`^\\[[#.\\s]*\\]\\s+${NS}\\s+\\S+\\s*\\/\\s*\\S+\\s+\\(\\d+(?:\\.\\d+)?%\\)\\s*$`);

/** Go's strconv.Unquote for a `"..."` string (what %#q prints for a name it cannot backquote). */
export function goUnquote(q: string): string {
  if (q.startsWith('`') && q.endsWith('`') && q.length >= 2) return q.slice(1, -1);
  if (!(q.startsWith('"') && q.endsWith('"') && q.length >= 2)) return q;
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
  const bytes: number[] = [];
  const push = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  const body = q.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      push(ch);
      continue;
    }
    const e = body[++i] ?? '';
    if (e in simple) push(simple[e]!);
    else if (e === 'x') {
      bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      push(String.fromCodePoint(parseInt(body.slice(i + 1, i + 1 + n), 16)));
      i += n;
    } else if (/[0-7]/.test(e)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else push(e);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `db.coll` (or `db.coll.with.dots`): database names have no dot, so the first one splits. */
function splitNamespace(ns: string): [string, string] | undefined {
  const dot = ns.indexOf('.');
  return dot > 0 && dot < ns.length - 1 ? [ns.slice(0, dot), ns.slice(dot + 1)] : undefined;
}

/**
 * Bytes of a log file as text: UTF-16LE or UTF-16BE with a BOM (Windows PowerShell 5.1 redirection), UTF-8
 * with or without a BOM; UTF-16LE without a BOM is recognised by its zero bytes.
 */
export function decodeRestoreLog(buf: Uint8Array): string {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const body = b.subarray(2, 2 + ((b.length - 2) & ~1));
    return Buffer.from(body).swap16().toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  // No BOM: ASCII text in UTF-16LE has a zero in (nearly) every odd byte.
  const sample = b.subarray(0, Math.min(b.length, 512));
  let oddZeros = 0;
  for (let i = 1; i < sample.length; i += 2) if (sample[i] === 0) oddZeros++;
  if (sample.length >= 4 && oddZeros >= (sample.length / 2) * 0.9) return b.toString('utf16le');
  return b.toString('utf8');
}

/** Reads a restore log (mongoRestore.log) in any of the encodings above; undefined when it does not exist. */
export async function readRestoreLogFile(file: string): Promise<string | undefined> {
  const buf = await readFile(file).catch(() => undefined);
  return buf === undefined ? undefined : decodeRestoreLog(buf);
}

export function judgeRestoreLog(text: string | undefined, exitCode: number | null, opts: { failedText?: RegExp } = {}): RestoreLogVerdict {
  const reasons: string[] = [];
  const summaryLines: string[] = [];
  const problemLines: string[] = [];
  const collections: Record<string, Record<string, number>> = {};
  let restored: number | null = null;
  let failed: number | null = null;
  let format: RestoreLogVerdict['format'] = 'none';
  let unverifiable = false;
  if (exitCode !== 0) reasons.push(exitCode === null ? 'the restore did not report an exit code' : `exit code ${exitCode}`);
  if (text === undefined) {
    reasons.push('no restore log was written');
  } else {
    let done = false;
    let perCollection = 0;
    let withFailures = 0;
    let perCollectionDocs = 0;
    for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
      const line = raw.trim();
      if (!line) continue;
      const message = line.replace(TIMESTAMP, '').trim();
      const s = SUMMARY.exec(message);
      if (s) {
        summaryLines.push(line);
        restored = (restored ?? 0) + Number(s[1]);
        failed = (failed ?? 0) + Number(s[2]);
        // Only the summary itself is exempt: anything else on the line still counts.
        if (PROBLEM.test(message.replace(SUMMARY, ''))) problemLines.push(line);
        continue;
      }
      if (DONE.test(message)) {
        done = true;
        continue;
      }
      const f = FINISHED.exec(message);
      if (f) {
        const ns = splitNamespace(goUnquote(f[1]!));
        perCollection++;
        perCollectionDocs += Number(f[2]);
        if (f[3] !== undefined) withFailures++;
        if (ns) (collections[ns[0]] ??= {})[ns[1]] = Number(f[2]);
        // The namespace itself may hold the letters of "error": only the rest of the line is looked at.
        if (f[3] !== undefined && Number(f[3]) > 0) problemLines.push(line);
        continue;
      }
      // A tool line about a collection: its namespace and path are exempt (the rest of it is fixed text).
      if (TOOL_LINE.test(message) || PROGRESS_LINE.test(message)) continue;
      if (PROBLEM.test(message) || opts.failedText?.test(message)) problemLines.push(line);
    }
    if (summaryLines.length > 0) {
      format = 'summary';
      if (failed !== null && failed > 0) reasons.push(`${failed} document(s) failed to restore`);
      if (restored === 0) reasons.push('0 documents restored (a wrong or empty source folder prints this too)');
    } else if (done && perCollection > 0 && withFailures === 0) {
      // r3.4-r4.0: no summary; the per-collection lines are all there is.
      format = 'legacy';
      restored = perCollectionDocs;
      if (restored === 0) reasons.push('0 documents restored (a wrong or empty source folder prints this too)');
    } else if (done) {
      format = 'done-only';
      unverifiable = true;
      reasons.push(
        'the restore cannot be verified: mongorestore printed only "done" and no "document(s) restored successfully" summary, which it does when the write concern is unacknowledged (w=0), so nothing confirms what was written',
      );
    } else {
      reasons.push('no "document(s) restored successfully" summary line and no "done"');
    }
    if (problemLines.length) reasons.push(`${problemLines.length} line(s) report a failure or error, first: ${problemLines[0]}`);
  }
  const ok = reasons.length === 0;
  const summary = ok
    ? `success, ${restored} document(s) restored, ${failed === null ? 'failures not counted by these tools (no error lines)' : '0 failed'}`
    : unverifiable && reasons.length === 1
      ? `CANNOT BE VERIFIED (${reasons[0]})`
      : `FAILED (${reasons.join('; ')})`;
  // `Failed:` lines first: they say what went wrong; the rest (duplicate keys...) are capped.
  const shown = [...problemLines.filter((l) => /Failed:/.test(l)), ...problemLines.filter((l) => !/Failed:/.test(l))].slice(0, 20);
  return { ok, unverifiable, format, exitCode, restored, failed, summaryLines, problemLines: shown, collections, reasons, summary };
}

/**
 * The message of a failed restore for the error (exit 5) and what to do: an unverifiable one says why and
 * how to get a verifiable one; every other failure lists its reasons.
 */
export function restoreFailureMessage(v: RestoreLogVerdict, what = 'The MongoDB restore'): { message: string; hint: string } {
  if (v.unverifiable && v.reasons.length === 1) {
    return {
      message: `${what} cannot be verified: the tools printed only "done", without the "N document(s) restored successfully. M document(s) failed to restore." summary they print for an acknowledged write concern.`,
      hint: 'Remove w=0 (or writeConcern) from the MongoDB connection string and run it again; an unverified restore is treated as failed and put back.',
    };
  }
  return { message: `${what} failed: ${v.reasons.join('; ')}.`, hint: '' };
}

/**
 * The verdict on a mongorestore run from its collected output: judged as mongoRestore.log, and a failure
 * whatever it printed when a signal (timeout, Ctrl+C) ended it.
 */
export function judgeMongorestoreRun(output: string, res: { exitCode: number; signal?: string | undefined }): RestoreLogVerdict {
  const verdict = judgeRestoreLog(output, res.signal ? null : res.exitCode);
  if (res.signal) {
    verdict.ok = false;
    verdict.reasons.push(`mongorestore was ended by ${res.signal}`);
    verdict.summary = `FAILED (${verdict.reasons.join('; ')})`;
  }
  return verdict;
}

/** Total of a db -> collection -> count map. */
export function totalDocuments(counts: Record<string, Record<string, number>>): number {
  return Object.values(counts).reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
}

export interface CountRow {
  database: string;
  collection: string;
  /** From the manifest (document counts at dump time). */
  expected: number | null;
  /** From the restore log's `finished restoring` lines. */
  restored: number | null;
  /** Counted in the restored database (drills on a sandbox); null when it could not be counted. */
  actual: number | null;
  ok: boolean;
}

/**
 * Per-collection comparison: every collection of the manifest must show the same count in each source
 * that is known (the log, the restored database). A source that is null everywhere is not compared.
 */
export function compareCounts(
  expected: Record<string, Record<string, number>>,
  restored: Record<string, Record<string, number>> | undefined,
  actual: Record<string, Record<string, number>> | undefined,
): CountRow[] {
  const keys = new Set<string>();
  for (const m of [expected, restored ?? {}, actual ?? {}])
    for (const [db, c] of Object.entries(m)) for (const coll of Object.keys(c)) keys.add(`${db}\u0000${coll}`);
  const rows: CountRow[] = [];
  for (const k of [...keys].sort()) {
    const [database, collection] = k.split('\u0000') as [string, string];
    const e = expected[database]?.[collection] ?? null;
    const r = restored ? (restored[database]?.[collection] ?? null) : null;
    const a = actual ? (actual[database]?.[collection] ?? null) : null;
    // A collection with no documents may legitimately have no "finished restoring" line: 0 == missing there.
    const same = (x: number | null, known: boolean) => !known || x === e || (e === 0 && x === null);
    const ok = e !== null && same(r, restored !== undefined) && same(a, actual !== undefined);
    rows.push({ database, collection, expected: e, restored: r, actual: a, ok });
  }
  return rows;
}
