import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { BackupConfigInput } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { decodeBatch, parseBatch, type BatchVariable } from './batch-parse.ts';

/**
 * `alteryx-backup migrate-batch`: the legacy backup script's variables (and its cleanup script's) turned
 * into a backup-config.json that the real loader accepts. The batch files are read as text; nothing in them
 * is run.
 */

export interface MappedVariable {
  variable: string;
  value: string;
  /** Dotted configuration key(s) it went to. */
  keys: string[];
  file: string;
  line: number;
  note?: string | undefined;
}

export interface UnmappedVariable {
  variable: string;
  value: string;
  file: string;
  line: number;
  reason: string;
}

export interface MigrationResult {
  config: BackupConfigInput & Record<string, unknown>;
  mapped: MappedVariable[];
  unmapped: UnmappedVariable[];
  /** Things the admin must know (behaviour that differs from the batch scripts). */
  notes: string[];
}

export interface MigrationInput {
  backupScript: { path: string; text: string };
  cleanupScript?: { path: string; text: string } | undefined;
  /** ArchiveNameFormat legacy: ServerBackup_YYYYMMDD_HHmmss.zip as the batch script named its .7z. */
  keepNames?: boolean;
}

/** Backslash-free folder form of a configured path: `D:\Temp\` -> `D:\Temp`, `D:\` stays. */
export function folderPath(v: string): string {
  const t = v.trim().replace(/\//g, '\\');
  if (/^[A-Za-z]:\\?$/.test(t)) return `${t.slice(0, 2)}\\`;
  return t.replace(/\\+$/, '');
}

/** The Windows folder holding the batch file, with a trailing backslash (`%~dp0`). */
function scriptDirOf(path: string): string {
  const abs = /^[A-Za-z]:[\\/]|^\\\\/.test(path) ? path : resolve(path);
  const dir = abs.includes('\\') || /^[A-Za-z]:/.test(abs) ? abs.replace(/[\\/][^\\/]*$/, '') : dirname(abs);
  return dir.endsWith('\\') || dir.endsWith('/') ? dir : dir + (dir.includes('\\') ? '\\' : '/');
}

const isUnc = (p: string) => p.startsWith('\\\\');

/** Names of variables that hold secrets (SET MongoPassword=..., SET SmtpPwd=...). */
const SECRET_NAME = /pass(word)?|pwd|secret|token|credential|apikey/i;

const DROPPED_ZIP = 'no longer needed: the tool writes its .zip archive itself (7-Zip is used only by Compare-AlteryxBackup to read old .7z archives)';

type Section = 'BackupConfiguration' | 'ServerConfiguration' | 'ServiceConfiguration';

class Builder {
  readonly cfg: Record<Section, Record<string, unknown>> = { BackupConfiguration: {}, ServerConfiguration: {}, ServiceConfiguration: {} };
  readonly mapped: MappedVariable[] = [];
  readonly unmapped: UnmappedVariable[] = [];
  readonly notes: string[] = [];

  set(v: BatchVariable, section: Section, key: string, value: unknown, note?: string): void {
    this.cfg[section][key] = value;
    this.map(v, [`${section}.${key}`], note);
  }
  map(v: BatchVariable, keys: string[], note?: string): void {
    this.mapped.push({ variable: v.name, value: v.value, keys, file: v.file, line: v.line, note });
  }
  skip(v: BatchVariable, reason: string): void {
    this.unmapped.push({ variable: v.name, value: v.value, file: v.file, line: v.line, reason });
  }
  /** A variable whose name says it holds a secret: never carried, its value never repeated. */
  secret(v: BatchVariable): void {
    this.unmapped.push({
      variable: v.name,
      value: '********',
      file: v.file,
      line: v.line,
      reason:
        'its name says it holds a secret: secrets never go into backup-config.json (use -MongoCredential / -MongoCredentialTarget, -ArchivePassword or -SmtpCredential); remove it from the batch file too',
    });
  }
}

/** A folder variable: no unresolved reference, no empty value. Notes the legacy script's missing backslash. */
function folder(b: Builder, v: BatchVariable): string | undefined {
  if (v.unresolved.length) {
    b.skip(v, `it refers to ${v.unresolved.join(', ')}, which is only known when the batch file runs; set the key by hand`);
    return undefined;
  }
  if (!v.value.trim()) {
    b.skip(v, 'it is empty');
    return undefined;
  }
  return folderPath(v.value);
}

function missingBackslashNote(v: BatchVariable): string | undefined {
  if (/\\\s*$/.test(v.value) || /^[A-Za-z]:\\?$/.test(v.value.trim())) return undefined;
  return `no trailing backslash in the batch file: the legacy script appends names directly (%${v.name}%ServerBackup_...), so it wrote beside this folder rather than into it; the configuration takes the folder itself`;
}

function positiveInt(b: Builder, v: BatchVariable, min: number, max: number): number | undefined {
  const n = Number(v.value.trim());
  if (!/^\d+$/.test(v.value.trim()) || !Number.isInteger(n)) {
    b.skip(v, `it is not a whole number of ${v.name === 'MaxServiceWait' ? 'seconds' : 'days'} (${JSON.stringify(v.value)})`);
    return undefined;
  }
  if (n < min || n > max) {
    b.skip(v, `${n} is outside ${min}-${max}`);
    return undefined;
  }
  return n;
}

/** For an unknown variable whose value the script computes (a FOR loop, %date%, a substring). */
const runtime = (v: BatchVariable) => (v.unresolved.length ? `, and its value is computed when the script runs (${v.unresolved.join(', ')})` : '');

function mapBackupVariable(b: Builder, v: BatchVariable, seen: Map<string, BatchVariable>): void {
  const key = v.name.toLowerCase();
  switch (key) {
    case 'batchlogdir':
    case 'logdir': {
      const f = folder(b, v);
      if (f === undefined) return;
      const other = seen.get(key === 'logdir' ? 'batchlogdir' : 'logdir');
      const note = [
        key === 'logdir' ? "LogDir is the first version's name of BatchLogDir" : undefined,
        other ? `both LogDir and BatchLogDir are set; the later one (line ${v.line}) wins` : undefined,
        missingBackslashNote(v),
      ]
        .filter(Boolean)
        .join('; ');
      b.set(v, 'BackupConfiguration', 'LogDirectory', f, note || undefined);
      return;
    }
    case 'tempdir': {
      const f = folder(b, v);
      if (f !== undefined) b.set(v, 'BackupConfiguration', 'TempDirectory', f, missingBackslashNote(v));
      return;
    }
    case 'networkdir': {
      const f = folder(b, v);
      if (f === undefined) return;
      if (isUnc(f)) {
        b.cfg.BackupConfiguration['NetworkBackupPaths'] = [f];
        b.map(
          v,
          ['BackupConfiguration.NetworkBackupPaths'],
          [
            "a UNC path: the archive is published in LocalBackupPath (default D:\\Alteryx\\Backups; set a local folder with room) and copied (and verified) here; a task running as SYSTEM reaches the share only with the computer account's rights, else use a service account",
            missingBackslashNote(v),
          ]
            .filter(Boolean)
            .join('; '),
        );
      } else {
        b.set(v, 'BackupConfiguration', 'LocalBackupPath', f, missingBackslashNote(v));
      }
      return;
    }
    case 'alteryxservice': {
      if (v.unresolved.length || !/\.exe$/i.test(v.value.trim())) {
        b.skip(
          v,
          v.unresolved.length
            ? `it refers to ${v.unresolved.join(', ')}, only known when the batch file runs`
            : `it does not name an .exe (${JSON.stringify(v.value)})`,
        );
        return;
      }
      const exe = v.value.trim().replace(/\//g, '\\');
      b.cfg.ServerConfiguration['AlteryxServicePath'] = exe;
      const keys = ['ServerConfiguration.AlteryxServicePath'];
      const install = /^(.*)\\bin\\AlteryxService\.exe$/i.exec(exe);
      if (install?.[1]) {
        b.cfg.ServerConfiguration['InstallDirectory'] = install[1];
        keys.push('ServerConfiguration.InstallDirectory');
      }
      b.map(v, keys, install ? 'InstallDirectory is the folder above bin' : undefined);
      return;
    }
    case 'ziputil':
      b.skip(v, DROPPED_ZIP);
      return;
    case 'maxservicewait': {
      const n = positiveInt(b, v, 1, 86400);
      if (n !== undefined)
        b.set(v, 'ServiceConfiguration', 'MaxServiceWaitSeconds', n, 'the batch script polled the service once a second, so its count is seconds');
      return;
    }
    default:
      b.skip(
        v,
        `not a variable of the legacy backup script (BatchLogDir/LogDir, TempDir, NetworkDir, AlteryxService, ZipUtil, MaxServiceWait)${runtime(v)}; set the matching configuration key by hand if it matters`,
      );
  }
}

function mapCleanupVariable(b: Builder, v: BatchVariable): void {
  const key = v.name.toLowerCase();
  const bc = b.cfg.BackupConfiguration;
  switch (key) {
    case 'backupdir': {
      const f = folder(b, v);
      if (f === undefined) return;
      const local = bc['LocalBackupPath'] as string | undefined;
      const network = (bc['NetworkBackupPaths'] as string[] | undefined) ?? [];
      const same = (a: string | undefined) => a !== undefined && a.toLowerCase() === f.toLowerCase();
      if (same(local) || network.some((n) => same(n))) {
        b.map(
          v,
          [same(local) ? 'BackupConfiguration.LocalBackupPath' : 'BackupConfiguration.NetworkBackupPaths'],
          'the folder the backup script writes to: retention runs there after each successful backup',
        );
      } else if (local === undefined && !isUnc(f)) {
        b.set(v, 'BackupConfiguration', 'LocalBackupPath', f, 'retention runs in the folder the archives are published to');
      } else {
        b.skip(
          v,
          `it differs from the backup script's archive folder (${local ?? network.join(', ')}); retention here runs only where this tool writes, so a separate folder needs its own clean-up`,
        );
      }
      return;
    }
    case 'logsdir': {
      const f = folder(b, v);
      if (f === undefined) return;
      const logDir = bc['LogDirectory'] as string | undefined;
      if (logDir === undefined) b.set(v, 'BackupConfiguration', 'LogDirectory', f, 'log retention runs in the log folder');
      else if (logDir.toLowerCase() === f.toLowerCase())
        b.map(v, ['BackupConfiguration.LogDirectory'], 'log retention runs in the log folder (legacy BackupLog*.log files included)');
      else b.skip(v, `it differs from the backup script's log folder (${logDir}); log retention here runs only in LogDirectory`);
      return;
    }
    case 'cleanuplogdir':
      b.skip(v, "no separate clean-up log: retention is logged in the backup run's own log (LogDirectory)");
      return;
    case 'backuplifespan': {
      const n = positiveInt(b, v, 0, 3650);
      if (n === undefined) return;
      bc['RetentionDays'] = { Full: n };
      bc['RetentionIncludesLegacy7z'] = true;
      const zero =
        n === 0
          ? 'BackupLifespan 0: the legacy cleanup script deletes EVERY backup, the newest included; RetentionDays 0 here keeps the newest archive of each mode and deletes the rest'
          : undefined;
      if (zero) b.notes.push(zero);
      b.map(
        v,
        ['BackupConfiguration.RetentionDays.Full', 'BackupConfiguration.RetentionIncludesLegacy7z'],
        [
          zero,
          'the old ServerBackup_*.7z archives age out under the same retention (the newest is always kept); DatabaseOnly and ConfigOnly keep their defaults (7 and 14 days)',
        ]
          .filter(Boolean)
          .join('; '),
      );
      return;
    }
    case 'loglifespan': {
      const n = positiveInt(b, v, 0, 3650);
      if (n === undefined) return;
      if (n === 0) {
        const zero =
          'LogLifespan 0: the legacy cleanup script deletes EVERY log; LogRetentionDays here is at least 1, so it is set to 1 (the logs of the last day are kept)';
        b.notes.push(zero);
        b.set(v, 'BackupConfiguration', 'LogRetentionDays', 1, zero);
      } else b.set(v, 'BackupConfiguration', 'LogRetentionDays', n);
      return;
    }
    default:
      b.skip(
        v,
        `not a variable of the legacy cleanup script (BackupDir, LogsDir, CleanupLogDir, BackupLifespan, LogLifespan)${runtime(v)}; set the matching configuration key by hand if it matters`,
      );
  }
}

/** The pure part: two scripts' text in, a configuration object and the report out. */
export function migrateBatch(input: MigrationInput): MigrationResult {
  const b = new Builder();
  const vars = new Map<string, string>();
  const backup = parseBatch(input.backupScript.text, input.backupScript.path, scriptDirOf(input.backupScript.path), vars);
  const seen = new Map<string, BatchVariable>();
  for (const v of backup) {
    if (v.flag === 'P') {
      b.skip(v, 'SET /P asks the user for a value when the script runs; a scheduled backup cannot prompt');
      continue;
    }
    if (SECRET_NAME.test(v.name)) {
      b.secret(v);
      continue;
    }
    mapBackupVariable(b, v, seen);
    seen.set(v.name.toLowerCase(), v);
  }
  if (!backup.length) b.notes.push(`${input.backupScript.path} sets no variables: the configuration holds only defaults`);
  if (input.cleanupScript) {
    const cleanupVars = new Map<string, string>();
    for (const v of parseBatch(input.cleanupScript.text, input.cleanupScript.path, scriptDirOf(input.cleanupScript.path), cleanupVars)) {
      if (v.flag === 'P') b.skip(v, 'SET /P asks the user for a value when the script runs');
      else if (SECRET_NAME.test(v.name)) b.secret(v);
      else mapCleanupVariable(b, v);
    }
  }
  // Several SETs of one variable: the last wins (as in a straight run); earlier mappings are superseded.
  const last = new Map<string, MappedVariable>();
  for (const m of b.mapped) last.set(`${m.file}|${m.variable.toLowerCase()}`, m);
  const mapped = b.mapped.filter((m) => last.get(`${m.file}|${m.variable.toLowerCase()}`) === m);

  if (input.keepNames) {
    b.cfg.BackupConfiguration['ArchiveNameFormat'] = 'legacy';
    b.notes.push("ArchiveNameFormat legacy: archives are named ServerBackup_YYYYMMDD_HHmmss.zip like the batch script's (a .zip now, not a .7z)");
  }
  b.notes.push('The default mode is Full, as the batch script always was; DatabaseOnly and ConfigOnly are new (docs/backup-modes.md).');

  const config: MigrationResult['config'] = {
    $schema: './backup-config.schema.json',
    _comment: `Migrated by alteryx-backup migrate-batch from ${input.backupScript.path}${input.cleanupScript ? ` and ${input.cleanupScript.path}` : ''}. Review it, then run a backup with -WhatIf.`,
    BackupConfiguration: { DefaultBackupMode: 'Full', ...b.cfg.BackupConfiguration },
  };
  if (Object.keys(b.cfg.ServerConfiguration).length) config.ServerConfiguration = b.cfg.ServerConfiguration as never;
  if (Object.keys(b.cfg.ServiceConfiguration).length) config.ServiceConfiguration = b.cfg.ServiceConfiguration as never;
  if (b.notes.length) config['_comment_migration'] = b.notes.map((n) => (n.endsWith('.') ? n : `${n}.`)).join(' ');
  return { config, mapped, unmapped: b.unmapped, notes: b.notes };
}

function readScript(path: string, what: string): { path: string; text: string } {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new BackupError(ExitCode.Validation, `The ${what} ${full} does not exist.`, 'Give the path of the legacy .bat/.cmd file.');
  }
  try {
    return { path: full, text: decodeBatch(readFileSync(full)) };
  } catch (err) {
    throw new BackupError(ExitCode.Validation, `Cannot read the ${what} ${full}: ${(err as Error).message}.`, 'Check the path and the file permissions.');
  }
}

export interface MigrateFilesResult extends MigrationResult {
  out: string;
  written: boolean;
}

/**
 * Reads the scripts, builds the configuration, validates it with the loader the backup uses, and writes it
 * (through a temporary name, never over an existing file unless `force`). A configuration that does not
 * validate is not written: exit 3 with the loader's message.
 */
export async function migrateBatchFiles(opts: {
  backup: string;
  cleanup?: string | undefined;
  out: string;
  keepNames?: boolean;
  force?: boolean;
  dryRun?: boolean;
}): Promise<MigrateFilesResult> {
  const backupScript = readScript(opts.backup, 'batch file');
  const cleanupScript = opts.cleanup ? readScript(opts.cleanup, 'cleanup batch file') : undefined;
  const res = migrateBatch({ backupScript, cleanupScript, keepNames: opts.keepNames ?? false });
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.force && !opts.dryRun) {
    throw new BackupError(
      ExitCode.Validation,
      `${out} already exists; it was left as it is.`,
      'Choose another --out file, or pass --force (-Force) to replace it.',
    );
  }
  const text = JSON.stringify(res.config, null, 2) + '\n';
  const tmp = `${out}.partial-${process.pid}`;
  try {
    await fsp.mkdir(dirname(out), { recursive: true });
    await fsp.writeFile(tmp, text);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw new BackupError(ExitCode.Storage, `Cannot write ${out}: ${(err as Error).message}.`, 'Check the --out folder and its permissions.');
  }
  try {
    // The real loader, on the file as written: what validates here is what a backup will load.
    loadConfig({ ConfigPath: tmp });
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  if (opts.dryRun) {
    await fsp.rm(tmp, { force: true });
    return { ...res, out, written: false };
  }
  await fsp.rename(tmp, out);
  return { ...res, out, written: true };
}
