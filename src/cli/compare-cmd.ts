import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BackupError, ExitCode, describeError, exitCodeOf, type ExitCodeValue } from '../core/errors.ts';
import { Output } from './output.ts';
import { compareBackups, formatCompareTable } from '../compare/compare.ts';

export const COMPARE_HELP = `alteryx-backup compare - compare a legacy backup with one of ours, side by side

Usage: alteryx-backup compare REFERENCE DIFFERENCE [--strict] [--json]

REFERENCE is the legacy backup: the batch script's folder (ServerBackup_YYYYMMDD_HHmmss\\), its .7z (read
with 7-Zip: ALTERYXBACKUP_7ZIP, or 7zz / 7z on PATH) or a .zip. DIFFERENCE is one of ours (.zip or folder).
Legacy names are mapped to ours first (Mongo\\ -> MongoDB/, RuntimeSettings.xml -> Config/, ...), then every
file is compared by SHA-256 (a mongodump --gzip file decompressed). Secrets are compared, never shown.

Options:
      --strict         also fail when a file both hold differs in content
      --json           one JSON result line (used by Compare-AlteryxBackup)
      --request-stdin  read the request as JSON from stdin (params Reference, Difference, Strict; secrets.ArchivePassword)

Exit codes: 0 ours holds every file of the legacy backup (a superset), 3 it lacks some (or, with --strict,
some differ), or an input cannot be read.
`;

export async function compareCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { strict: { type: 'boolean' }, json: { type: 'boolean' }, 'request-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(COMPARE_HELP);
    return ExitCode.Success;
  }
  const out = new Output(!!values.json || !!values['request-stdin'], false);
  let reference = positionals[0];
  let difference = positionals[1];
  let strict = !!values.strict;
  let password = process.env['ALTERYXBACKUP_ARCHIVE_PASSWORD'];
  try {
    if (values['request-stdin']) {
      let obj: { params?: Record<string, unknown>; secrets?: Record<string, unknown> };
      try {
        obj = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as typeof obj;
      } catch (err) {
        throw new BackupError(ExitCode.General, `The request on stdin is not JSON: ${(err as Error).message}`);
      }
      const p = obj.params ?? {};
      reference = typeof p['Reference'] === 'string' ? p['Reference'] : undefined;
      difference = typeof p['Difference'] === 'string' ? p['Difference'] : undefined;
      strict = !!p['Strict'];
      if (typeof obj.secrets?.['ArchivePassword'] === 'string') password = obj.secrets['ArchivePassword'];
    }
    if (!reference || !difference) throw new BackupError(ExitCode.Validation, 'compare needs two backups: alteryx-backup compare LEGACY OURS.');
    const r = await compareBackups(reference, difference, { password });
    const ok = r.superset && (!strict || r.identicalWhereShared);
    const exitCode = ok ? ExitCode.Success : ExitCode.Validation;
    const c = r.counts;
    const message = `${c.same} same, ${c.differs} differ, ${c.onlyInDifference} only in ${r.difference}, ${c.onlyInReference} only in ${r.reference}: ${
      r.superset ? 'the new backup holds every file of the legacy one' : `the new backup LACKS ${c.onlyInReference} file(s) of the legacy one`
    }${strict && !r.identicalWhereShared ? ` and ${c.differs} file(s) differ (--strict)` : ''}.`;
    if (out.json) out.event({ type: 'result', command: 'compare', exitCode, success: ok, message, ...r });
    else {
      out.text(formatCompareTable(r));
      out.text('');
      out.text(message);
    }
    return exitCode;
  } catch (err) {
    const code = exitCodeOf(err);
    const message = describeError(err);
    if (out.json) out.event({ type: 'result', command: 'compare', exitCode: code, success: false, message, rows: [] });
    else process.stderr.write(`alteryx-backup compare: ${message}\n`);
    return code;
  }
}
