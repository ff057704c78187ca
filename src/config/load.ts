import { readFileSync, existsSync } from 'node:fs';
import { decodeText } from '../util/text.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledLibDir } from '../util/bundle-dir.ts';
import type { z } from 'zod';
import { BackupError, ExitCode } from '../core/errors.ts';
import { BACKUP_MODES, COMMENT_KEY, ConfigSchema, stripComments, type BackupConfig, type BackupMode } from './schema.ts';
import { PARAMS } from './params.ts';

export type Params = Record<string, unknown>;

export interface LoadedConfig {
  config: BackupConfig;
  mode: BackupMode;
  /** The file the configuration came from, or undefined when only defaults were used. */
  source: string | undefined;
  /** Dotted keys set from parameters, for the log. */
  overridden: string[];
}

/** Candidate default locations: the module's own config folder, then the repository's. */
export function defaultConfigCandidates(): string[] {
  // Bundled: <module>/lib (and its chunks); from source: <repo>/src/config/load.ts.
  const lib = bundledLibDir();
  if (lib) return [join(lib, '..', 'config', 'backup-config.json')];
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, '..', '..', 'config', 'backup-config.json')];
}

export function validateMode(value: unknown, where: string): BackupMode {
  if (typeof value === 'string') {
    const hit = BACKUP_MODES.find((m) => m.toLowerCase() === value.toLowerCase());
    if (hit) return hit;
  }
  throw new BackupError(ExitCode.InvalidMode, `Invalid backup mode ${JSON.stringify(value)} (${where}).`, `Use one of: ${BACKUP_MODES.join(', ')}.`);
}

function readJsonFile(file: string): unknown {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new BackupError(
      ExitCode.Validation,
      `Cannot read the configuration file ${file}: ${(err as Error).message}.`,
      'Check the -ConfigPath value and the file permissions.',
    );
  }
  if (buf.length > MAX_CONFIG_BYTES) {
    throw new BackupError(
      ExitCode.Validation,
      `The configuration file ${file} is ${buf.length} bytes, more than the ${MAX_CONFIG_BYTES} a configuration can be.`,
      'Check that -ConfigPath names backup-config.json.',
    );
  }
  // UTF-8 (BOM or not) or UTF-16 with BOM; ANSI and invalid UTF-8 are refused with "save it as UTF-8".
  const text = decodeText(buf, `The configuration file ${file}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      const col = before.length - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${col}`;
    }
    throw new BackupError(
      ExitCode.Validation,
      `The configuration file ${file} is not valid JSON${where}: ${msg}.`,
      'Fix the JSON (a trailing comma or a single backslash in a Windows path are the usual causes: write paths as "D:\\\\Temp").',
    );
  }
  checkShape(value, file);
  return value;
}

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_DEPTH = 32;

/**
 * Before anything recursive touches the value: no deeper than MAX_CONFIG_DEPTH (a real configuration is 4
 * levels deep; 10,000 levels would overflow the stack), and no control character in any string or key
 * (a ServiceName or path with one names something that does not exist). Iterative, so it cannot overflow.
 */
function checkShape(root: unknown, file: string): void {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: root, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
      const bad = /[\u0000-\u001f\u007f]/.exec(v);
      if (bad) {
        throw new BackupError(
          ExitCode.Validation,
          `Invalid configuration: ${path || '(root)'} holds a control character (code ${bad[0].charCodeAt(0)}) [${file}].`,
          'Remove it (a pasted tab or line break is the usual cause) and run again.',
        );
      }
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_CONFIG_DEPTH) {
      throw new BackupError(
        ExitCode.Validation,
        `The configuration file ${file} is nested more than ${MAX_CONFIG_DEPTH} levels deep (at ${path}).`,
        'A backup-config.json is 4 levels deep: start from config/backup-config.json.',
      );
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      if (COMMENT_KEY.test(k)) continue;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
      if (/[\u0000-\u001f\u007f]/.test(k))
        throw new BackupError(
          ExitCode.Validation,
          `Invalid configuration: a key under ${path || '(root)'} holds a control character [${file}].`,
          'Remove it and run again.',
        );
      stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

function getPath(obj: unknown, path: PropertyKey[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function formatIssues(issues: z.core.$ZodIssue[], input: unknown, source: string): string {
  return issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => (issue.path.length ? `${key}.${k}` : k));
        return `unknown key ${keys.join(', ')} (check the spelling against config/backup-config.schema.json)`;
      }
      const value = getPath(input, issue.path);
      return `${key} = ${JSON.stringify(value)}: ${issue.message}`;
    })
    .map((line) => `${line} [${source}]`)
    .join('; ');
}

/**
 * Loads backup-config.json (or the defaults), applies parameter overrides (parameters win), validates
 * everything and decides the mode. Throws BackupError: exit 6 for a bad mode, exit 3 for anything else.
 */
export function loadConfig(params: Params, opts: { candidates?: string[] } = {}): LoadedConfig {
  const explicitMode = params['BackupMode'];
  if (explicitMode !== undefined && explicitMode !== null) validateMode(explicitMode, '-BackupMode');

  let source: string | undefined;
  let raw: unknown = {};
  const configPath = params['ConfigPath'];
  if (typeof configPath === 'string' && configPath.length > 0) {
    source = resolve(configPath);
    if (!existsSync(source)) {
      throw new BackupError(ExitCode.Validation, `The configuration file ${source} does not exist.`, 'Check the -ConfigPath value.');
    }
    raw = readJsonFile(source);
  } else {
    source = (opts.candidates ?? defaultConfigCandidates()).find((c) => existsSync(c));
    if (source) raw = readJsonFile(source);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BackupError(ExitCode.Validation, `The configuration file ${source} must hold a JSON object.`);
  }
  const input = stripComments(raw) as Record<string, unknown>;

  const fileMode = getPath(input, ['BackupConfiguration', 'DefaultBackupMode']);
  const mode: BackupMode =
    explicitMode !== undefined && explicitMode !== null
      ? validateMode(explicitMode, '-BackupMode')
      : fileMode !== undefined
        ? validateMode(fileMode, `BackupConfiguration.DefaultBackupMode in ${source}`)
        : 'Full';

  const overridden: string[] = [];
  for (const spec of PARAMS) {
    // An earlier name (-MaxServiceWait for -MaxServiceWaitSeconds) still counts; the current name wins.
    const value = [spec.name, ...spec.aliases].map((n) => params[n]).find((v) => v !== undefined && v !== null);
    if (value === undefined || value === null) continue;
    const path = typeof spec.path === 'function' ? spec.path(mode) : spec.path;
    setPath(input, path, spec.kind === 'string[]' && !Array.isArray(value) ? [value] : value);
    overridden.push(path.join('.'));
  }

  checkShape(input, overridden.length ? `${source ?? 'defaults'} + parameters` : (source ?? 'defaults'));
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const where = source ?? 'defaults';
    throw new BackupError(
      ExitCode.Validation,
      `Invalid configuration: ${formatIssues(parsed.error.issues, input, overridden.length ? `${where} + parameters` : where)}.`,
      'Correct the value(s) named above in the configuration file or the parameters.',
    );
  }
  return { config: parsed.data, mode, source, overridden };
}
