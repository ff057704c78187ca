import { promises as fsp, readFileSync } from 'node:fs';
import { BackupError, ExitCode } from '../core/errors.ts';

/**
 * Every text file the tool reads (backup-config.json, RuntimeSettings.xml, `.sha256` sidecars, restore logs)
 * goes through here: UTF-8 (with or without BOM) and UTF-16 with a BOM (what Windows PowerShell 5.1
 * `Out-File` and `>` write) are read; anything else — ANSI / a Windows code page, UTF-16 without BOM,
 * invalid UTF-8 — is refused with exit 3 and "save it as UTF-8", never read as other characters (an ANSI
 * `D:\Sauvegardes été` would otherwise become another, legal folder name).
 */
export function decodeText(buf: Buffer, what: string): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return strictUtf8(buf.subarray(3), what);
  if (buf[0] === 0xff && buf[1] === 0xfe) return utf16(buf.subarray(2), 'le', what);
  if (buf[0] === 0xfe && buf[1] === 0xff) return utf16(buf.subarray(2), 'be', what);
  // UTF-16 without a BOM: a NUL in every other byte of ASCII text.
  if (buf.length >= 4 && buf.includes(0)) {
    throw refuse(what, 'it holds NUL bytes (UTF-16 without a byte-order mark, or not a text file)');
  }
  return strictUtf8(buf, what);
}

function strictUtf8(buf: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    throw refuse(what, `it is not valid UTF-8 (byte 0x${buf[at]?.toString(16).padStart(2, '0') ?? '??'} at offset ${at}: an ANSI / Windows code page file?)`);
  }
}

function utf16(body: Buffer, order: 'le' | 'be', what: string): string {
  if (body.length % 2 !== 0) throw refuse(what, 'it is UTF-16 with an odd number of bytes (truncated)');
  const le = order === 'le' ? body : Buffer.from(body).swap16();
  try {
    return new TextDecoder('utf-16le', { fatal: true }).decode(le);
  } catch {
    throw refuse(what, 'it is UTF-16 with invalid characters');
  }
}

function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return Math.max(0, buf.length - 1);
}

function refuse(what: string, why: string): BackupError {
  return new BackupError(
    ExitCode.Validation,
    `${what} cannot be read: ${why}.`,
    'Save it as UTF-8 (Notepad: Save As > Encoding UTF-8; PowerShell: Set-Content -Encoding utf8) and run again.',
  );
}

/** Reads a text file with decodeText; read errors are passed on unchanged (the caller names them). */
export function readTextFileSync(file: string, what = file): string {
  return decodeText(readFileSync(file), what);
}

export async function readTextFile(file: string, what = file): Promise<string> {
  return decodeText(await fsp.readFile(file), what);
}
