import { PARAMS } from '../config/params.ts';

const paramLines = PARAMS.map((p) => `  --${p.flag}${p.kind === 'boolean' ? '' : ' <value>'}`.padEnd(38) + p.help).join('\n');

const exitCodes = `Exit codes:
  0 success            1 general error          2 service or workflow wait timed out
  3 validation failed  4 storage error          5 MongoDB error
  6 invalid backup mode`;

export const HELP = {
  main: `alteryx-backup - backup, verification and restore for Alteryx Server

Usage:
  alteryx-backup backup --mode <Full|DatabaseOnly|ConfigOnly> [options]
  alteryx-backup verify ARCHIVE [--json]
  alteryx-backup recover [--config FILE] [--sandbox DIR]
  alteryx-backup sandbox create DIR [--topology single|multi] [--mongo embedded|self-managed] [--db-size-mb N] [--version V]
  alteryx-backup sandbox status DIR [--json]
  alteryx-backup sandbox set DIR key=value [key=value ...]
  alteryx-backup demo [DIR]

Every command takes --help. On Windows the PowerShell module's Invoke-AlteryxBackup is the usual front.

${exitCodes}
`,
  backup: `alteryx-backup backup - take a backup

Usage: alteryx-backup backup --mode <Full|DatabaseOnly|ConfigOnly> [options]

Options:
  -m, --mode <mode>                   Full (default from config), DatabaseOnly or ConfigOnly
  -c, --config <file>                 backup-config.json to use (default: the module's config/backup-config.json)
      --sandbox <dir>                 run against a simulated Alteryx Server (see "sandbox create")
      --dry-run                       check and show the plan; change nothing
      --json                          stdout becomes the event stream (one JSON object a line, last: the result)
  -v, --verbose                       also show DEBUG lines
      --request-stdin                 read the whole request as JSON from stdin (used by the PowerShell module)
${paramLines}

Secrets are never flags: set ALTERYXBACKUP_MONGO_PASSWORD / ALTERYXBACKUP_ARCHIVE_PASSWORD, or send them
in the stdin request.

${exitCodes}
`,
  recover: `alteryx-backup recover - finish the rollback of an interrupted run

Reads the run journal in the temp directory and starts every service the dead run had stopped.
Usage: alteryx-backup recover [--config FILE] [--sandbox DIR] [--json]
`,
  verify: `alteryx-backup verify - check an archive offline

Usage: alteryx-backup verify ARCHIVE [--json] [--no-sha256-file]

Opens the archive with an independent reader, checks every manifest entry and its SHA-256, the files its
mode needs, and the archive's own hash against ARCHIVE.sha256 when that file is beside it. Encrypted
archives: set ALTERYXBACKUP_ARCHIVE_PASSWORD. Exit 0 when every check passes, 3 otherwise.
`,
  sandbox: `alteryx-backup sandbox - a simulated Alteryx Server on disk

Usage:
  alteryx-backup sandbox create DIR [--topology single|multi] [--mongo embedded|self-managed]
                                    [--db-size-mb N] [--version 2023.1] [--modified-config] [--force] [--json]
  alteryx-backup sandbox status DIR [--json]
  alteryx-backup sandbox set DIR key=value [key=value ...]

Knobs (sandbox set): see docs/sandbox.md.
`,
  demo: `alteryx-backup demo - create a sandbox and back it up

Usage: alteryx-backup demo [DIR]     (default DIR: ./demo-sandbox, replaced if it exists)
`,
};
