import path from 'node:path';

/**
 * Maps a Windows path into the sandbox (pure). `C:\ProgramData\Alteryx` → `<nodeRoot>/C/ProgramData/Alteryx`
 * (drive letter upper-cased; `\` and `/` are both separators; `..` never climbs above the drive folder);
 * `\\host\share\dir` → `<sandboxDir>/UNC/host/share/dir` (UNC paths are shared by all nodes); `\\?\` long-path
 * prefixes are understood; a mapped drive is just a drive letter. A POSIX absolute or relative path is returned
 * as `path.resolve(p)`.
 */
export function mapWindowsPath(sandboxDir: string, nodeRoot: string, p: string): string {
  let s = p;
  // \\?\C:\x and \\?\UNC\host\share
  const long = /^[\\/]{2}[?.][\\/](.*)$/.exec(s);
  if (long) {
    const rest = long[1] ?? '';
    s = /^UNC[\\/]/i.test(rest) ? '\\\\' + rest.slice(4) : rest;
  }
  const drive = /^([A-Za-z]):(.*)$/.exec(s);
  if (drive) {
    const letter = (drive[1] ?? 'C').toUpperCase();
    return path.join(path.resolve(nodeRoot), letter, ...cleanSegments(drive[2] ?? ''));
  }
  if (/^[\\/]{2}[^\\/]/.test(s)) {
    return path.join(path.resolve(sandboxDir), 'UNC', ...cleanSegments(s.slice(2)));
  }
  return path.resolve(p);
}

/** Splits on both separators, drops empty and `.` segments, resolves `..` without climbing above the start. */
function cleanSegments(rest: string): string[] {
  const out: string[] = [];
  for (const seg of rest.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out;
}

/** True for `C:\...`, `C:`, `\\host\share` and `\\?\...` forms. */
export function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:([\\/]|$)/.test(p) || /^\\\\[^\\]/.test(p);
}

/** Joins Windows path parts with backslashes (for messages the emulated tools print). */
export function winJoin(base: string, ...parts: string[]): string {
  return [base.replace(/[\\/]+$/, ''), ...parts].join('\\');
}
