/**
 * Reads the variables of a legacy Windows batch file (the backup script and its cleanup script) without
 * running anything: only `SET` lines are looked at, references are expanded from earlier `SET`s and a few
 * well-known Windows environment variables, every other line is ignored.
 */

export interface BatchVariable {
  /** As spelled in the file (the lookup is case-insensitive, as cmd.exe's). */
  name: string;
  /** After quotes are removed and references expanded. */
  value: string;
  /** The text after `=` as written. */
  raw: string;
  file: string;
  line: number;
  /** References that could not be expanded (`%date%`, an unset variable). */
  unresolved: string[];
  /** `SET /A` (arithmetic) or `SET /P` (prompt). */
  flag?: 'A' | 'P' | undefined;
}

/** What %ProgramData%-style references mean on a default Windows Server install. */
export const WINDOWS_ENV: Record<string, string> = {
  programdata: 'C:\\ProgramData',
  programfiles: 'C:\\Program Files',
  'programfiles(x86)': 'C:\\Program Files (x86)',
  programw6432: 'C:\\Program Files',
  systemdrive: 'C:',
  systemroot: 'C:\\Windows',
  windir: 'C:\\Windows',
  allusersprofile: 'C:\\ProgramData',
  public: 'C:\\Users\\Public',
};

/** Decodes a batch file: UTF-8 (with or without BOM) when it is valid UTF-8, else the ANSI code page (Latin-1). */
export function decodeBatch(buf: Buffer): string {
  const utf8 = buf.toString('utf8').replace(/^\uFEFF/, '');
  return utf8.includes('\uFFFD') ? buf.toString('latin1') : utf8;
}

/** Logical lines: CRLF or LF, a trailing `^` continues the line (as in cmd.exe). */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const physical = text.split(/\r?\n/);
  for (let i = 0; i < physical.length; i++) {
    const start = i + 1;
    let cur = physical[i]!;
    while (/\^$/.test(cur) && i + 1 < physical.length) cur = cur.slice(0, -1) + physical[++i]!;
    out.push({ text: cur, line: start });
  }
  return out;
}

export function isComment(line: string): boolean {
  const t = line.trim().replace(/^@/, '');
  return t.startsWith('::') || /^rem(\s|$)/i.test(t);
}

/**
 * Expands `%NAME%`, `!NAME!` and `%~dp0` from `vars` (upper-cased keys), then the Windows defaults.
 * `%%` is a literal percent. References left over are reported.
 */
export function expand(value: string, vars: Map<string, string>, scriptDir: string): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const lookup = (name: string, whole: string): string => {
    const key = name.toLowerCase();
    const v = vars.get(key) ?? WINDOWS_ENV[key];
    if (v !== undefined) return v;
    unresolved.push(whole);
    return whole;
  };
  let out = value.replace(/%~dp0/gi, scriptDir);
  // `%%x` is a FOR loop's variable: only known while the loop runs.
  out = out.replace(/%%([A-Za-z])|%%|%([^%\s=][^%=]*?)%/g, (whole, loopVar: string | undefined, name: string | undefined) => {
    if (loopVar !== undefined) {
      unresolved.push(whole);
      return whole;
    }
    return name === undefined ? '%' : lookup(name, whole);
  });
  out = out.replace(/!([^!\s=]+)!/g, (whole, name: string) => lookup(name, whole));
  return { value: out, unresolved };
}

/** Removes one pair of surrounding double quotes and every stray quote left in a path-like value. */
function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1);
  return t;
}

const SET_LINE = /^\s*@?set(?:\s+\/([AaPp]))?\s+(.*)$/i;

/**
 * Parses one file's `SET` lines. `SET X=Y`, `SET X="Y"`, `SET "X=Y"`, `set X = Y` (cmd.exe would keep the
 * spaces; they are trimmed here, as the script's author meant), `SET /A X=7200`. Lines inside `if`/`for`
 * blocks are read as well, in file order: the last assignment wins, as in a straight run.
 */
export function parseBatch(text: string, file: string, scriptDir: string, vars = new Map<string, string>()): BatchVariable[] {
  const found: BatchVariable[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    if (!lineText.trim() || isComment(lineText)) continue;
    // A SET after `if ... (` or `&` on the same line: take the SET part.
    const setAt = /(?:^|[\s(&])(@?set(?:\s+\/[AaPp])?\s+\S)/i.exec(lineText);
    if (!setAt) continue;
    const m = SET_LINE.exec(lineText.slice(setAt.index + setAt[0].indexOf(setAt[1]!)));
    if (!m) continue;
    const flag = m[1] ? (m[1].toUpperCase() as 'A' | 'P') : undefined;
    let body = m[2]!.trim();
    // `SET "X=Y"`: the quotes delimit the assignment; text after the closing quote is ignored.
    if (body.startsWith('"')) {
      const close = body.lastIndexOf('"');
      body = close > 0 ? body.slice(1, close) : body.slice(1);
    } else {
      // A trailing `)` closes an `if (...)` block; `&` starts the next command.
      body = body.replace(/\s*&.*$/, '').replace(/\)\s*$/, '');
    }
    const eq = body.indexOf('=');
    if (eq <= 0) continue; // `SET` alone lists variables; `SET X` shows one.
    const name = body.slice(0, eq).trim();
    const raw = body.slice(eq + 1).trim();
    const { value, unresolved } = expand(unquote(raw), vars, scriptDir);
    vars.set(name.toLowerCase(), value);
    found.push({ name, value, raw, file, line, unresolved, flag });
  }
  return found;
}
