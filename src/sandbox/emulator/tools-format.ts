/**
 * What the emulated mongo-tools print, per tools version (knob mongoTools.version, docs/sandbox.md). The
 * strings follow the public source of mongodb/mongo-tools (the tags and files are listed at the top of
 * src/restore/restore-log.ts): r3.4-r4.0 print `finished restoring db.coll (N documents)`, `done` and no
 * summary, and log insert errors as `error: ...`; r4.2-100.15 add the failures count and the summary line;
 * 100.16+ print names with Go's %#q (backquotes, or double quotes with escapes).
 */
export type ToolsFamily = 'legacy' | 'plain' | 'quoted';

export interface ToolsFormat {
  version: string;
  family: ToolsFamily;
}

export const DEFAULT_TOOLS_VERSION = '100.9.4';

/** `100.16.0`, `r4.0.28`, `4.0.28` → the family of its output format. */
export function toolsFormat(version: string = DEFAULT_TOOLS_VERSION): ToolsFormat {
  const m = /^r?(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [100, 9];
  const family: ToolsFamily = major >= 100 ? (minor >= 16 ? 'quoted' : 'plain') : major > 4 || (major === 4 && minor >= 2) ? 'plain' : 'legacy';
  return { version: version.replace(/^r/, ''), family };
}

/** Go's strconv.CanBackquote: no backquote, no control character but tab, no U+FEFF. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || c === 0xfeff || (c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Go's %#q of a string. */
export function goQuote(s: string): string {
  if (canBackquote(s)) return `\`${s}\``;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0xfeff) out += '\\ufeff';
    else out += ch;
  }
  return `${out}"`;
}

/** A name (namespace, path) as this version prints it. */
export function name(f: ToolsFormat, s: string): string {
  return f.family === 'quoted' ? goQuote(s) : s;
}

export function finishedRestoring(f: ToolsFormat, ns: string, ok: number, bad: number): string {
  const docs = `${ok} ${ok === 1 ? 'document' : 'documents'}`;
  if (f.family === 'legacy') return `finished restoring ${ns} (${docs})`;
  return `finished restoring ${name(f, ns)} (${docs}, ${bad} ${bad === 1 ? 'failure' : 'failures'})`;
}

/** An insert error the restore continues through (duplicate key...). */
export function continuedError(f: ToolsFormat, message: string): string {
  return f.family === 'legacy' ? `error: ${message}` : `continuing through error: ${message}`;
}

/**
 * The closing lines: r4.2+ the summary when the write concern is acknowledged, else `done`; r3.4-r4.0
 * `done` when the restore got to its end (never after a fatal error), no summary.
 */
export function closingLines(f: ToolsFormat, r: { restored: number; failed: number; error?: string | undefined }, acknowledged = true): string[] {
  if (f.family === 'legacy') return r.error ? [] : ['done'];
  if (!acknowledged) return ['done'];
  return [`${r.restored} document(s) restored successfully. ${r.failed} document(s) failed to restore.`];
}

/** mongodump's `writing db.coll to <path>` and `done dumping db.coll (N documents)`. */
export function writingLine(f: ToolsFormat, ns: string, to: string): string {
  return `writing ${name(f, ns)} to ${to === 'stdout' || to.startsWith('archive') ? to : name(f, to)}`;
}

export function doneDumping(f: ToolsFormat, ns: string, count: number): string {
  return `done dumping ${name(f, ns)} (${count} ${count === 1 ? 'document' : 'documents'})`;
}

/** Whether a --writeConcern value or the w option of a URI is acknowledged (w=0 is not). */
export function acknowledged(writeConcern: string | undefined, uriW: string | null | undefined): boolean {
  const wc = (writeConcern ?? '').replace(/\s/g, '');
  if (/^0$|^\{?['"]?w['"]?:0[,}]?/.test(wc) || /[{,]['"]?w['"]?:0\b/.test(wc)) return false;
  if (uriW === '0') return false;
  return true;
}
