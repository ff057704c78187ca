import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { Output } from './output.ts';
import { migrateBatchFiles } from '../migrate/batch.ts';

export const MIGRATE_HELP = `alteryx-backup migrate-batch - turn the legacy backup batch script into backup-config.json

Usage: alteryx-backup migrate-batch FILE.bat [--cleanup FILE.bat] [--out FILE] [--keep-names] [--force] [--dry-run] [--json]

Reads the SET lines of the legacy script (BatchLogDir or LogDir, TempDir, NetworkDir, AlteryxService, ZipUtil,
MaxServiceWait) and of its cleanup script (BackupDir, LogsDir, CleanupLogDir, BackupLifespan, LogLifespan),
writes a configuration that validates, and lists every variable it could not map and why. The batch files are
read as text: nothing in them is run.

Options:
      --cleanup <file>   the cleanup script (retention)
      --out <file>       where to write (default: backup-config.json in the current folder); an existing file
                         is never replaced without --force
      --keep-names       ArchiveNameFormat legacy: ServerBackup_YYYYMMDD_HHmmss.zip, the batch script's names
      --force            replace an existing --out file
      --dry-run          validate and report; write nothing
      --json             one JSON result line (used by ConvertFrom-AlteryxBackupBatch)
      --request-stdin    read the request as JSON from stdin (params Path, CleanupPath, OutFile, KeepFileNames, Force)

Exit codes: 0 written, 3 a file is missing, unreadable or the result does not validate, 4 the file cannot be written.
`;

interface MigrateRequest {
  path?: string | undefined;
  cleanup?: string | undefined;
  out?: string | undefined;
  keepNames: boolean;
  force: boolean;
  dryRun: boolean;
}

function fromStdin(): MigrateRequest {
  let obj: { params?: Record<string, unknown>; dryRun?: boolean };
  try {
    obj = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as typeof obj;
  } catch (err) {
    throw new BackupError(ExitCode.General, `The request on stdin is not JSON: ${(err as Error).message}`);
  }
  const p = obj.params ?? {};
  const str = (k: string) => (typeof p[k] === 'string' && p[k] ? (p[k] as string) : undefined);
  return { path: str('Path'), cleanup: str('CleanupPath'), out: str('OutFile'), keepNames: !!p['KeepFileNames'], force: !!p['Force'], dryRun: !!obj.dryRun };
}

export async function migrateBatchCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      cleanup: { type: 'string' },
      out: { type: 'string', short: 'o' },
      'keep-names': { type: 'boolean' },
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      'request-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(MIGRATE_HELP);
    return ExitCode.Success;
  }
  const out = new Output(!!values.json || !!values['request-stdin'], false);
  const req: MigrateRequest = values['request-stdin']
    ? fromStdin()
    : { path: positionals[0], cleanup: values.cleanup, out: values.out, keepNames: !!values['keep-names'], force: !!values.force, dryRun: !!values['dry-run'] };
  try {
    if (!req.path)
      throw new BackupError(
        ExitCode.Validation,
        'migrate-batch needs the legacy batch file: alteryx-backup migrate-batch FILE.bat [--cleanup FILE.bat] [--out FILE].',
      );
    const r = await migrateBatchFiles({
      backup: req.path,
      cleanup: req.cleanup,
      out: req.out ?? 'backup-config.json',
      keepNames: req.keepNames,
      force: req.force,
      dryRun: req.dryRun,
    });
    const message = `${r.written ? 'Wrote' : 'Validated (not written, dry run)'} ${r.out}: ${r.mapped.length} variable(s) mapped, ${r.unmapped.length} not mapped.`;
    if (out.json) {
      out.event({
        type: 'result',
        command: 'migrate-batch',
        exitCode: 0,
        success: true,
        message,
        out: r.out,
        written: r.written,
        mapped: r.mapped,
        unmapped: r.unmapped,
        notes: r.notes,
        config: r.config,
      });
    } else {
      out.text(message);
      for (const m of r.mapped) out.text(`  mapped   ${m.variable} = ${m.value}  ->  ${m.keys.join(', ')}${m.note ? `  (${m.note})` : ''}`);
      for (const u of r.unmapped) out.text(`  NOT MAPPED ${u.variable} = ${u.value}  (${u.file}:${u.line}): ${u.reason}`);
      for (const n of r.notes) out.text(`  note: ${n}`);
    }
    return ExitCode.Success;
  } catch (err) {
    const code = exitCodeOf(err);
    const message = describeError(err);
    if (out.json) out.event({ type: 'result', command: 'migrate-batch', exitCode: code, success: false, message, mapped: [], unmapped: [], notes: [] });
    else process.stderr.write(`alteryx-backup migrate-batch: ${message}\n`);
    return code;
  }
}
