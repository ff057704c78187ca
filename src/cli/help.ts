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
  alteryx-backup verify ARCHIVE [--json]      (or --latest --mode M --destination NAME instead of ARCHIVE, also for restore and drill)
  alteryx-backup restore ARCHIVE --yes [--mode Full|DatabaseOnly|ConfigOnly] [--dry-run] [--sandbox DIR]
  alteryx-backup drill [ARCHIVE] [--mode M] [--method auto|mongod|sandbox] [--port N] [--scratch DIR] [--keep] [--sandbox DIR]
  alteryx-backup recover [--config FILE] [--sandbox DIR]
  alteryx-backup migrate-batch FILE.bat [--cleanup FILE.bat] [--out FILE] [--keep-names]
  alteryx-backup compare LEGACY OURS [--strict]
  alteryx-backup list --destination NAME [--config FILE] [--json]     (cloud destinations; ARCHIVE may be s3:// or azblob://)
  alteryx-backup sandbox create DIR [--topology single|multi] [--mongo embedded|self-managed] [--role controller|worker|ui]
                                    [--persistence mongo|sqlserver|sqlite] [--db-size-mb N] [--version V]
  alteryx-backup sandbox status DIR [--json]
  alteryx-backup sandbox set DIR key=value [key=value ...]
  alteryx-backup demo [DIR]
  alteryx-backup history [--json|--csv] [--rebuild] [--mode M] [--status S] [--since DATE] [--last N]
  alteryx-backup health [--json]           (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
  alteryx-backup report --html FILE [--month YYYY-MM]

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

Reads the run journal in the temp directory (AlteryxBackup.journal.json) of a run that was killed. For an
interrupted restore it first puts back what the restore changed: the files and Keys from the pre-restore
folder, the moved-aside MongoDB data folder (after waiting for an emongorestore still running), and removes
the extraction folder; then it starts every service the dead run had stopped, controller first. What it
cannot do (the previous controller token, a self-managed database whose mongorestore had started) it names
with the command to run by hand. The cmdlets' watchdog and the next backup or restore run it too.

Usage: alteryx-backup recover [--config FILE] [--sandbox DIR] [--json]

Exit codes: 0 everything is back (or there was nothing to recover); 1 something is left to do by hand, a
put-back failed (the journal is kept: fix the cause and run recover again), or the run is still alive.
`,
  verify: `alteryx-backup verify - check an archive offline

Usage: alteryx-backup verify ARCHIVE [--json] [--no-sha256-file] [--config FILE]
       alteryx-backup verify --latest --mode M --destination NAME [--config FILE] [--sandbox DIR] [--json]

Opens the archive with an independent reader, checks every manifest entry and its SHA-256, the files its
mode needs, and the archive's own hash against ARCHIVE.sha256 when that file is beside it. Encrypted
archives: set ALTERYXBACKUP_ARCHIVE_PASSWORD. Exit 0 when every check passes, 3 otherwise.
ARCHIVE may be an s3:// or azblob:// URL: downloaded to the temp folder (SHA-256 checked), verified, removed;
--config gives the destination's endpoint (docs/storage.md); credentials from the environment.
--latest --mode M --destination NAME: the newest good archive (with its .sha256) of mode M at NAME, a cloud
destination of --config by its name or a folder (local or network; in --sandbox DIR the simulated server's);
exit 3 when there is none, naming NAME and M.
`,
  restore: `alteryx-backup restore - put a backup back onto the server

Usage: alteryx-backup restore ARCHIVE --yes [options]
       alteryx-backup restore --latest --mode M --destination NAME --yes [options]

Verifies the archive first (nothing is written when it fails, nor when an entry would land outside the
restore folder), checks the server (Administrator, service, version, free space), stops the service (UI,
workers, controller), saves the files about to be overwritten to <TempDirectory>PreRestore_<stamp> and
moves the MongoDB data folder aside, then restores RuntimeSettings.xml (overrides, never the defaults),
Keys, SystemAlias.xml, SystemConnections.xml, alteryx.config, the controller token (setserversecret) and
MongoDB (emongorestore, judged by mongoRestore.log), starts the service and checks it. Any failure puts
the previous files, token and database back and the services as found. A self-managed MongoDB is checked
first (driver ping), dumped to the pre-restore folder (mongodump --gzip), restored with mongorestore
--gzip --drop and judged by its output; a failure restores the pre-restore dump. The service is stopped
for the files; for a DatabaseOnly self-managed restore only with --stop-service-for-external-db.
See docs/restore.md.

Options:
  -y, --yes                           confirm: a restore overwrites production (not needed with --dry-run)
  -m, --mode <mode>                   restore less than the archive holds: ConfigOnly or DatabaseOnly of a Full
      --latest, -d, --destination <name>  instead of ARCHIVE: the newest good archive of --mode at NAME (a cloud
                                      destination's name or a folder; exit 3 when there is none)
      --dry-run                       verify and check, show the plan; change nothing
  -c, --config <file>                 backup-config.json to use
      --sandbox <dir>                 restore into a simulated Alteryx Server
      --no-sha256-file                do not check ARCHIVE.sha256 even when it is there
      --json                          stdout becomes the event stream (last line: the result, with every check)
  -v, --verbose                       also show DEBUG lines
      --request-stdin                 read the whole request as JSON from stdin (the PowerShell module)
${paramLines}

Encrypted archives: set ALTERYXBACKUP_ARCHIVE_PASSWORD. Self-managed MongoDB: ALTERYXBACKUP_MONGO_PASSWORD.
Exit codes: 0 restored; 3 archive or pre-flight check failed (nothing changed) or the restored server
failed its checks (rolled back); 4 not enough space; 5 MongoDB unreachable or credentials refused (nothing
changed), MongoDB restore failed (rolled back), or the archive's MongoDB kind differs from the server's;
1/2 as for backup.
`,
  drill: `alteryx-backup drill - prove that a backup restores, without touching the server

Usage: alteryx-backup drill [ARCHIVE] [--mode M] [--method auto|mongod|sandbox] [--port N] [--scratch DIR] [--keep]
                            [--sandbox DIR] [--json]
       alteryx-backup drill --latest --mode M --destination NAME [options]

Verifies ARCHIVE (default: the newest archive of --mode in LocalBackupPath), restores it into a scratch
location, compares every collection's document count with the manifest (the counts at dump time) and the
restore log, judges the restore log, reports timings, and removes the scratch location unless --keep.

Methods (RestoreConfiguration.DrillMethod; auto = sandbox with --sandbox, mongod on a server):
  mongod   extract the archive (secrets excepted, every file checked against its SHA-256) into a scratch
           folder, start the install's mongod.exe on a scratch data folder and a spare loopback port (never
           the live EmbeddedMongoDBPort), mongorestore the dump into it, count through the driver, shut it
           down. The live service, data folder and port are not touched; no password is needed.
  sandbox  create a scratch sandbox of the same version and topology and run a full restore into it.

Options:
      --method <m>                    auto (default), mongod or sandbox
      --port <n>                      the scratch mongod's loopback port (default 0: a free one)
      --scratch <dir>                 parent folder of the scratch location (default: the system temp folder)
      --keep                          keep the scratch location for inspection (mongod is always shut down)
  -m, --mode <mode>                   with no ARCHIVE: drill the newest archive of this mode
      --latest, -d, --destination <name>  the newest good archive of --mode at NAME (a cloud destination's name or
                                      a folder) instead of LocalBackupPath
      --no-sha256-file                do not check ARCHIVE.sha256 even when it is there
  -c, --config <file>, --sandbox <dir>, --json, -v, --request-stdin   as for restore

Exit codes: 0 the backup restores and every count matches; 3 the archive failed verification (the
failing entry is named), or mongod.exe / mongorestore.exe / the port is not usable; 4 not enough space in
the scratch folder; 5 the scratch mongod did not start, the restore failed or a count differs; 1 other.
`,
  sandbox: `alteryx-backup sandbox - a simulated Alteryx Server on disk

Usage:
  alteryx-backup sandbox create DIR [--topology single|multi] [--mongo embedded|self-managed]
                                    [--role controller|worker|ui] [--persistence mongo|sqlserver|sqlite]
                                    [--db-size-mb N] [--version 2023.1] [--modified-config] [--force] [--json]
  alteryx-backup sandbox status DIR [--json]
  alteryx-backup sandbox set DIR key=value [key=value ...]

Options of sandbox create:
      --topology <t>                  single (one machine, the default) or multi (controller, workers, UI node)
      --mongo <m>                     embedded (the default) or self-managed: an external MongoDB whose demo
                                      credentials create and status print
      --role <r>                      a single machine's role in its RuntimeSettings.xml: controller (the default),
                                      worker (of the remote controller ctl01:80) or ui (Server UI / Gallery only)
      --persistence <p>               mongo (the default), sqlserver (user-managed SQL Server, 2024.1+) or sqlite
                                      (an old release); only for a single controller without --mongo self-managed
      --db-size-mb <n>                approximate size of the simulated MongoDB data
      --version <v>                   Alteryx Server version to simulate (e.g. 2023.1.1.281)
      --modified-config               alteryx.config modified after the install
      --force                         replace an existing sandbox
      --json                          one result line with the sandbox (nodes, mongoCredentials)

Knobs (sandbox set): see docs/sandbox.md.
`,
  history: `alteryx-backup history - the run catalog: every backup, verify, drill and restore

Usage: alteryx-backup history [--json|--csv] [--rebuild] [--mode M] [--kind K] [--status S] [--since DATE] [--last N]

Options:
  -c, --config <file>                 backup-config.json (the catalog is LogDirectory/AlteryxBackupHistory.jsonl)
      --sandbox <dir>                 the catalog of a simulated server
      --json                          one result event with the records
      --csv                           CSV (one row a run) on stdout
      --rebuild                       rebuild the catalog from the archives' manifests and the logs first
  -m, --mode <mode>                   Full, DatabaseOnly or ConfigOnly
      --kind <kind>                   backup, verify, drill or restore
      --status <status>               Success, Partial or Failed
      --since <date>                  runs that started at or after this date (2026-11-01, ISO 8601)
      --last <n>                      the newest n runs (after the other filters)
      --log-directory <dir>           the log folder, overriding the configuration
`,
  health: `alteryx-backup health - is the backup healthy? One verdict for monitoring

Usage: alteryx-backup health [--json] [--config FILE] [--sandbox DIR]

Checks the run catalog (thresholds: HealthConfiguration in backup-config.json, docs/history.md): a missed
schedule per mode, a last run that failed, a size outside the band around the median, a duration or downtime
spike, a destination failing N times in a row, no passed drill in N days, free space below the next backup.

Exit codes (Nagios/Icinga plugin convention, also PRTG, Zabbix, SCOM):
  0 OK    1 WARNING    2 CRITICAL    3 UNKNOWN (the check could not run: bad configuration, unreadable catalog)
`,
  report: `alteryx-backup report - a self-contained HTML dashboard (no network, no script)

Usage: alteryx-backup report --html FILE [--month YYYY-MM] [--csv FILE] [--email] [--config FILE] [--sandbox DIR]

Options:
      --html <file>                   the HTML file to write (replaced atomically)
      --month <YYYY-MM>               the monthly report: that month's runs and totals; also writes a CSV of totals
      --csv <file>                    where the monthly CSV goes (default: FILE with .csv)
      --email                         also mail the file(s) through NotificationConfiguration's SMTP relay
                                      (password: ALTERYXBACKUP_SMTP_PASSWORD)
      --json                          one result event
`,
  demo: `alteryx-backup demo - create a sandbox and back it up

Usage: alteryx-backup demo [DIR]     (default DIR: ./demo-sandbox, replaced if it exists)
`,
};
