import { constants as fsConstants, promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext } from '../core/context.ts';
import { exists, treeSize } from '../util/fsx.ts';
import { EXPECTED_DATABASES } from '../core/manifest.ts';
import { formatBytes } from '../util/format.ts';
import { nodePaths } from '../core/paths.ts';
import { missingDriveHint } from './destinations.ts';

/** Checks that a folder exists (or can be created) and accepts a file; the probe file is removed. */
async function checkWritable(dir: string, what: string, code: typeof ExitCode.Storage | typeof ExitCode.Validation, dryRun = false): Promise<void> {
  try {
    if (dryRun) {
      // Change nothing: the nearest existing folder must accept writes.
      let cur = dir;
      while (!(await exists(cur)) && dirname(cur) !== cur) cur = dirname(cur);
      await fsp.access(cur, fsConstants.W_OK);
      return;
    }
    await fsp.mkdir(dir, { recursive: true });
    const probe = join(dir, `.alteryxbackup-probe-${process.pid}`);
    await fsp.writeFile(probe, 'probe');
    await fsp.rm(probe, { force: true });
  } catch (err) {
    throw new BackupError(
      code,
      `${what} ${dir} is not writable: ${(err as Error).message}.`,
      'Check that the folder exists, the drive or share is reachable, and the account running the backup may write to it.',
    );
  }
}

/** A configured `X:\...` path on a drive letter this account does not have: exit `code`, naming the likely cause. */
async function checkDrive(ctx: RunContext, configured: string, what: string, code: typeof ExitCode.Storage): Promise<void> {
  const hint = await missingDriveHint(ctx, configured);
  if (hint) {
    throw new BackupError(
      code,
      `${what} ${configured} is not reachable: ${hint}.`,
      'Set it to the UNC path (or a local drive) in the configuration or with -NetworkBackupPath / -LocalBackupPath / -TempDirectory.',
    );
  }
}

/**
 * REQ-6.1.x: everything that can be known before the service is touched. Each failure names what to fix;
 * nothing has been changed on the server when it throws.
 */
export async function preflight(ctx: RunContext): Promise<void> {
  const { platform, config, log } = ctx;
  const stops = ctx.plan.stopsService;
  const scopes = ctx.plan.scopes;

  // Administrator rights (REQ-6.1.5): needed for service control and AlteryxService.exe.
  if (!(await platform.system.isElevated())) {
    throw new BackupError(
      ExitCode.Validation,
      'The backup must run as Administrator.',
      'Start PowerShell with "Run as administrator", or run the scheduled task with highest privileges (or as SYSTEM).',
    );
  }
  log.info('Administrator rights: yes');

  // Nodes reachable and service present (REQ-6.1.2).
  for (const node of ctx.nodes) {
    if (!node.local && !(await platform.system.reachable(node))) {
      throw new BackupError(
        ExitCode.Validation,
        `Node ${node.name} (${node.role}) cannot be reached.`,
        'Check that the host is up and that remote service control (sc.exe \\\\host / WinRM) is allowed from this machine.',
      );
    }
    const state = await platform.services.getState(node);
    if (state === 'NotFound') {
      throw new BackupError(
        ExitCode.Validation,
        `The service ${config.ServerConfiguration.ServiceName} does not exist on ${node.name}.`,
        'Check ServerConfiguration.ServiceName and that Alteryx Server is installed on this node.',
      );
    }
    log.info(`Service ${config.ServerConfiguration.ServiceName} on ${node.name} (${node.role}): ${state}`);
  }

  // Critical paths per mode (REQ-6.1.3).
  const paths = nodePaths(ctx);
  // The install folder holds AlteryxService.exe and the defaults RuntimeSettings.xml that every archive carries.
  for (const node of scopes.includes('Config') ? ctx.nodes : [ctx.controller]) {
    const inst = config.ServerConfiguration.InstallDirectory;
    if (!(await exists(platform.paths.resolve(inst, node)))) {
      throw new BackupError(
        ExitCode.Validation,
        `ServerConfiguration.InstallDirectory = ${JSON.stringify(inst)} does not exist on ${node.name}.`,
        'Set ServerConfiguration.InstallDirectory to the Alteryx install folder (the one holding bin\\AlteryxService.exe).',
      );
    }
  }
  const exe = platform.paths.resolve(paths.exe, ctx.controller);
  if ((scopes.includes('Database') && ctx.mongo.type === 'embedded') || scopes.includes('Secrets')) {
    if (!(await exists(exe))) {
      throw new BackupError(
        ExitCode.Validation,
        `AlteryxService.exe was not found at ${paths.exe}.`,
        'Set ServerConfiguration.AlteryxServicePath to the install location.',
      );
    }
  }
  if (scopes.includes('Config')) {
    for (const node of ctx.nodes) {
      const overrides = platform.paths.resolve(paths.overrides, node);
      if (!(await exists(overrides))) {
        throw new BackupError(
          ExitCode.Validation,
          `RuntimeSettings.xml was not found at ${paths.overrides} on ${node.name}.`,
          'Check ServerConfiguration.ProgramDataDirectory; this file is required for a configuration backup.',
        );
      }
    }
  }

  // Staging and log folders, local destination (REQ-5.1.1, 5.1.2), network destinations (REQ-5.2.3).
  const tempDir = platform.paths.resolve(config.BackupConfiguration.TempDirectory);
  await checkDrive(ctx, config.BackupConfiguration.TempDirectory, 'The temp directory', ExitCode.Storage);
  await checkWritable(tempDir, 'The temp directory', ExitCode.Storage, ctx.dryRun);
  await checkDrive(ctx, config.BackupConfiguration.LocalBackupPath, 'The local backup path', ExitCode.Storage);
  await checkWritable(platform.paths.resolve(config.BackupConfiguration.LocalBackupPath), 'The local backup path', ExitCode.Storage, ctx.dryRun);
  // A network destination that fails its check does not stop the backup: the local archive is still worth
  // having, the copy is retried later, and a copy that still fails ends the run with exit 4 (steps/destinations).
  let netOk = 0;
  for (const dest of config.BackupConfiguration.NetworkBackupPaths) {
    try {
      await checkDrive(ctx, dest, 'The network destination', ExitCode.Storage);
      await checkWritable(platform.paths.resolve(dest), 'The network destination', ExitCode.Storage, ctx.dryRun);
      netOk++;
    } catch (err) {
      warn(ctx, `${(err as Error).message} The backup goes on; the copy is tried after the archive is written.`);
    }
  }
  log.info(`Temp and local destination are writable; network destinations writable: ${netOk} of ${config.BackupConfiguration.NetworkBackupPaths.length}`);

  // Free space (REQ-6.1.1): 2 x the MongoDB data size for modes that dump the database.
  if (scopes.includes('Database') && ctx.mongo.type === 'embedded') {
    // The dump can only work on a data folder that is there and holds the databases: proven before anything stops.
    const root = await checkEmbeddedData(ctx);
    const dataBytes = await treeSize(platform.paths.resolve(root, ctx.controller));
    const needed = dataBytes * 2;
    let probe = tempDir;
    while (!(await exists(probe)) && dirname(probe) !== probe) probe = dirname(probe);
    const free = await platform.system.freeBytes(probe);
    log.info(
      `MongoDB data: ${formatBytes(dataBytes)}; free in ${config.BackupConfiguration.TempDirectory}: ${formatBytes(free)}; needed: ${formatBytes(needed)}`,
    );
    if (free < needed) {
      throw new BackupError(
        ExitCode.Storage,
        `Not enough free space in ${config.BackupConfiguration.TempDirectory}: ${formatBytes(free)} free, ${formatBytes(needed)} needed (2 x the MongoDB data size).`,
        'Free space on that drive or set TempDirectory (-TempDirectory) to a larger drive.',
      );
    }
  }
  if (!stops && scopes.includes('Database')) log.info('The service stays running (self-managed MongoDB without -StopServiceForExternalDB).');
}

/**
 * The embedded MongoDB's settings and data folder, on the controller: EmbeddedMongoDBEnabled is True or False
 * (and not False for a server backed up as embedded), EmbeddedMongoDBRootPath is set, absolute, exists, is a
 * folder, is not empty, and holds MongoDB's files (WiredTiger's catalog, MMAPv1's <db>.ns files, or one folder
 * per Alteryx database). Exit 3 naming the element and the file; returns the root path (configured form).
 */
export async function checkEmbeddedData(ctx: RunContext): Promise<string> {
  const s = ctx.settings.get(ctx.controller.name);
  const where = (v: { from: string } | undefined) => (v ? `the ${v.from} RuntimeSettings.xml` : 'RuntimeSettings.xml');
  const fix =
    'Correct it in RuntimeSettings.xml (Alteryx System Settings > Controller > Persistence) or set MongoDBConfiguration.Type; the service was not stopped.';
  const enabled = s?.get('Controller', 'EmbeddedMongoDBEnabled');
  if (enabled && !/^(true|false)$/i.test(enabled.value.trim())) {
    throw new BackupError(
      ExitCode.Validation,
      `Controller/EmbeddedMongoDBEnabled = ${JSON.stringify(enabled.value)} in ${where(enabled)} is neither True nor False.`,
      fix,
    );
  }
  if (enabled && /^false$/i.test(enabled.value.trim())) {
    throw new BackupError(
      ExitCode.Validation,
      `Controller/EmbeddedMongoDBEnabled is False in ${where(enabled)}, but no self-managed MongoDB is configured (${ctx.mongo.decidedBy}): there is no database to dump.`,
      fix,
    );
  }
  const port = s?.get('Controller', 'EmbeddedMongoDBPort');
  if (port?.value.trim() && !(/^\d{1,5}$/.test(port.value.trim()) && Number(port.value) >= 1 && Number(port.value) <= 65535)) {
    throw new BackupError(
      ExitCode.Validation,
      `Controller/EmbeddedMongoDBPort = ${JSON.stringify(port.value)} in ${where(port)} is not a port number (1-65535).`,
      fix,
    );
  }
  const rootSetting = s?.get('Controller', 'EmbeddedMongoDBRootPath');
  const root = rootSetting?.value.trim() ?? '';
  if (!root)
    throw new BackupError(
      ExitCode.Validation,
      `Controller/EmbeddedMongoDBRootPath is empty or missing in ${where(rootSetting)}: the embedded MongoDB cannot be found.`,
      fix,
    );
  if (!/^[A-Za-z]:[\\/]|^\\\\[^\\]+\\[^\\]+/.test(root) && !root.startsWith('/')) {
    throw new BackupError(
      ExitCode.Validation,
      `Controller/EmbeddedMongoDBRootPath = ${JSON.stringify(root)} in ${where(rootSetting)} is not an absolute path.`,
      fix,
    );
  }
  const local = ctx.platform.paths.resolve(root, ctx.controller);
  const st = await fsp.stat(local).catch(() => undefined);
  if (!st)
    throw new BackupError(
      ExitCode.Validation,
      `The embedded MongoDB data folder ${root} (Controller/EmbeddedMongoDBRootPath in ${where(rootSetting)}) does not exist.`,
      fix,
    );
  if (!st.isDirectory())
    throw new BackupError(ExitCode.Validation, `The embedded MongoDB data folder ${root} (Controller/EmbeddedMongoDBRootPath) is not a folder.`, fix);
  const names = await fsp.readdir(local);
  const bytes = names.length ? await treeSize(local) : 0;
  if (bytes === 0)
    throw new BackupError(
      ExitCode.Validation,
      `The embedded MongoDB data folder ${root} (Controller/EmbeddedMongoDBRootPath) is empty.`,
      `${fix} An empty folder means the path points at the wrong place.`,
    );
  const lower = new Set(names.map((n) => n.toLowerCase()));
  const wiredTiger = lower.has('_mdb_catalog.wt') || lower.has('wiredtiger') || lower.has('wiredtiger.wt');
  const mmap = EXPECTED_DATABASES.every((d) => lower.has(`${d.toLowerCase()}.ns`));
  const perDb = EXPECTED_DATABASES.every((d) => lower.has(d.toLowerCase()));
  if (!wiredTiger && !mmap && !perDb) {
    const missing = EXPECTED_DATABASES.filter((d) => !lower.has(d.toLowerCase()));
    throw new BackupError(
      ExitCode.Validation,
      `The embedded MongoDB data folder ${root} (Controller/EmbeddedMongoDBRootPath) holds no MongoDB data files (no WiredTiger catalog; no folder or .ns file for ${missing.join(', ')}).`,
      fix,
    );
  }
  ctx.log.info(`Embedded MongoDB data folder: ${root} (${formatBytes(bytes)}, ${wiredTiger ? 'WiredTiger' : mmap ? 'MMAPv1' : 'one folder per database'})`);
  return root;
}
