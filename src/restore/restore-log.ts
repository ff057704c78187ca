/**
 * Judging a MongoDB restore (REQ-6.2.6), exactly as alteryx-facts.md ("Judging a MongoDB restore") says:
 * success = exit code 0, a summary line `N document(s) restored successfully. M document(s) failed to
 * restore.` with M = 0 and N > 0, and no line with `Failed:` or the words error, critical, fatal, failed
 * outside that summary line. A wrong source folder also prints `0 document(s) restored successfully.
 * 0 document(s) failed to restore.`: that is a failure.
 *
 * The same judge serves `emongorestore` (mongoRestore.log in the restore folder) and `mongorestore`
 * (its stderr), and pure functions only: the caller reads the file.
 */

export interface RestoreLogVerdict {
  ok: boolean;
  /** The process's exit code as given to the judge (null when unknown). */
  exitCode: number | null;
  /** N of the summary line(s); null when no summary line was found. */
  restored: number | null;
  /** M of the summary line(s); null when no summary line was found. */
  failed: number | null;
  /** The summary line(s) as printed (timestamps included). */
  summaryLines: string[];
  /** Lines that make the restore a failure (`Failed:` or error/critical/fatal/failed), at most 20. */
  problemLines: string[];
  /** Per namespace (`db.collection`) document counts from the `finished restoring` lines. */
  collections: Record<string, Record<string, number>>;
  /** Every reason the verdict is a failure; empty when ok. */
  reasons: string[];
  /** One sentence for the log and the result. */
  summary: string;
}

const SUMMARY = /(\d+)\s+document\(s\)\s+restored successfully\.\s+(\d+)\s+document\(s\)\s+failed to restore\./i;
const PROBLEM = /Failed:|\b(error|errors|critical|fatal|failed)\b/i;
/** mongorestore 100.x: `finished restoring AlteryxGallery.apps (123 documents, 0 failures)`. */
const FINISHED = /finished restoring\s+([^\s.]+)\.(\S+)\s+\((\d+)\s+documents?,\s+(\d+)\s+failures?\)/i;

export function judgeRestoreLog(text: string | undefined, exitCode: number | null, opts: { failedText?: RegExp } = {}): RestoreLogVerdict {
  const reasons: string[] = [];
  const summaryLines: string[] = [];
  const problemLines: string[] = [];
  const collections: Record<string, Record<string, number>> = {};
  let restored: number | null = null;
  let failed: number | null = null;
  if (exitCode !== 0) reasons.push(exitCode === null ? 'the restore did not report an exit code' : `exit code ${exitCode}`);
  if (text === undefined) {
    reasons.push('no restore log was written');
  } else {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line) continue;
      const s = SUMMARY.exec(line);
      if (s) {
        summaryLines.push(line);
        restored = (restored ?? 0) + Number(s[1]);
        failed = (failed ?? 0) + Number(s[2]);
        // Only the summary itself is exempt: anything else on the line still counts.
        const rest = line.replace(SUMMARY, '');
        if (PROBLEM.test(rest)) problemLines.push(line);
        continue;
      }
      const f = FINISHED.exec(line);
      if (f) (collections[f[1]!] ??= {})[f[2]!] = Number(f[3]);
      if (PROBLEM.test(line) || opts.failedText?.test(line)) problemLines.push(line);
    }
    if (summaryLines.length === 0) reasons.push('no "document(s) restored successfully" summary line');
    else {
      if (failed !== null && failed > 0) reasons.push(`${failed} document(s) failed to restore`);
      if (restored === 0) reasons.push('0 documents restored (a wrong or empty source folder prints this too)');
    }
    if (problemLines.length) reasons.push(`${problemLines.length} line(s) report a failure or error, first: ${problemLines[0]}`);
  }
  const ok = reasons.length === 0;
  const summary = ok
    ? `success, ${restored} document(s) restored, 0 failed`
    : `FAILED (${reasons.join('; ')})`;
  // `Failed:` lines first: they say what went wrong; the rest (duplicate keys...) are capped.
  const shown = [...problemLines.filter((l) => /Failed:/.test(l)), ...problemLines.filter((l) => !/Failed:/.test(l))].slice(0, 20);
  return { ok, exitCode, restored, failed, summaryLines, problemLines: shown, collections, reasons, summary };
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
  for (const m of [expected, restored ?? {}, actual ?? {}]) for (const [db, c] of Object.entries(m)) for (const coll of Object.keys(c)) keys.add(`${db}\u0000${coll}`);
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
