/**
 * Windows rules for the names inside an archive, applied on every platform: an entry that is harmless on
 * Linux (`Config/C:/Windows/x`, `NUL`, `name:stream`) lands elsewhere, or nowhere, on the Windows server the
 * archive is restored to. Each path component is checked on its own.
 */

/** Device names Windows reserves in every folder, with or without an extension (`NUL`, `nul.txt`, `COM1.log`). */
const RESERVED = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$/i;
/** Characters Windows refuses in a file name (the colon also opens an alternate data stream: `name:stream`). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const FORBIDDEN = /[<>:"|?*\u0000-\u001f]/;

/** Why one path component is not a safe Windows file name, or undefined when it is. */
export function windowsComponentProblem(part: string): string | undefined {
  if (part === '..') return 'a ".." component (it climbs out of the target folder)';
  if (/^[A-Za-z]:/.test(part)) return `a drive letter "${part.slice(0, 2)}" (it points at another drive)`;
  const bad = FORBIDDEN.exec(part);
  if (bad) {
    const ch = bad[0];
    if (ch === ':') return `a ":" (an alternate data stream or a drive on Windows)`;
    return ch < ' ' ? `a control character (code ${ch.charCodeAt(0)})` : `the character "${ch}", which Windows refuses in file names`;
  }
  if (/[. ]$/.test(part) && part !== '.') return 'a trailing dot or space (Windows drops it, so the file lands under another name)';
  if (RESERVED.test(part.replace(/[. ]+$/, ''))) return `the reserved device name "${part}"`;
  return undefined;
}

/**
 * Why an archive entry name is unsafe to extract on Windows or elsewhere, or undefined when it is safe:
 * absolute (`/x`, `\x`), UNC (`\\host\share`), drive-relative (`C:x`), `..`, and every component checked
 * against the Windows rules. Both separators count: Windows treats `\` as one.
 */
export function entryNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name.includes('\0')) return 'a NUL character';
  if (/^[\\/]{2}/.test(name)) return 'a UNC path (\\\\host\\share)';
  if (/^[\\/]/.test(name)) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a drive letter';
  const parts = name.split(/[\\/]/);
  // A trailing separator marks a folder entry: its last (empty) component is fine.
  if (parts[parts.length - 1] === '') parts.pop();
  for (const p of parts) {
    if (p === '') return 'an empty path component ("//")';
    if (p === '.') continue;
    const why = windowsComponentProblem(p);
    if (why) return why;
  }
  return undefined;
}

/**
 * The key two names share when Windows would write them to the same file: separators unified, `.` parts
 * dropped, case folded (NTFS compares names case-insensitively), no trailing separator.
 */
export function windowsNameKey(name: string): string {
  // Already in that form but for case (no backslash, no empty or "." part, no separator at either end): the
  // name itself, upper-cased (100,000 entries: no list of parts each).
  if (!/\\|\/\/|^\/|\/$|(^|\/)\.(\/|$)/.test(name)) return name.toUpperCase();
  return name
    .split(/[\\/]+/)
    .filter((p) => p !== '' && p !== '.')
    .join('/')
    .toUpperCase();
}
