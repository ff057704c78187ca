import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { BackupError, ExitCode } from '../core/errors.ts';
import { BACKUP_MODES, ConfigSchema, stripComments, type BackupConfig, type BackupMode } from './schema.ts';
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
  const here = dirname(fileURLToPath(import.meta.url));
  // Bundled: <module>/lib/alteryx-backup.mjs; from source: <repo>/src/config/load.ts.
  return [join(here, '..', 'config', 'backup-config.json'), join(here, '..', '..', 'config', 'backup-config.json')];
}

export function validateMode(value: unknown, where: string): BackupMode {
  if (typeof value === 'string') {
    const hit = BACKUP_MODES.find((m) => m.toLowerCase() === value.toLowerCase());
    if (hit) return hit;
  }
  throw new BackupError(
    ExitCode.InvalidMode,
    `Invalid backup mode ${JSON.stringify(value)} (${where}).`,
    `Use one of: ${BACKUP_MODES.join(', ')}.`,
  );
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BackupError(ExitCode.Validation, `Cannot read the configuration file ${file}: ${(err as Error).message}.`, 'Check the -ConfigPath value and the file permissions.');
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
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
    throw new BackupError(ExitCode.Validation, `The configuration file ${file} is not valid JSON${where}: ${msg}.`, 'Fix the JSON (a trailing comma or a single backslash in a Windows path are the usual causes: write paths as "D:\\\\Temp").');
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
