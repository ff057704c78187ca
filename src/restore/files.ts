import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { extractArchive } from '../archive/extract.ts';
import { joinConfigured, warn } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import { exists, listFiles, removeTree } from '../util/fsx.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { decodeText } from '../util/text.ts';
import { totalDocuments } from './restore-log.ts';
import { preRestoreDump, restoredDatabases } from './restore-selfmanaged.ts';
import type { SelfManagedChecked } from '../mongo/index.ts';
import { journal, maskAll, type RestoreRun, type SavedFile } from './context.ts';
import { extractedBy, restoreOrder } from './placement.ts';

/** Copies a file by way of a temporary name beside the target, so a target is never half-written. */
export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  await fsp.mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.restoring-${process.pid}`;
  await fsp.copyFile(src, tmp);
  await fsp.rename(tmp, dest);
}

/**
 * The newest Full or ConfigOnly archive in LocalBackupPath taken before this restore (by the time in its
 * name): where the previous controller token is when a killed restore cannot put it back. Configured form.
 */
async function newestBackupBefore(r: RestoreRun, stamp: string): Promise<string | null> {
  const configured = r.c.config.BackupConfiguration.LocalBackupPath;
  const names = await fsp.readdir(r.c.platform.paths.resolve(configured)).catch(() => [] as string[]);
  let best: { name: string; at: string } | undefined;
  for (const name of names) {
    const m = /^ServerBackup_(?:Full|Config)_(\d{8}_\d{6})\.zip$/.exec(name);
    if (m && m[1]! <= stamp && (!best || m[1]! > best.at)) best = { name, at: m[1]! };
  }
  return best ? joinConfigured(configured, best.name) : null;
}

/**
 * Extracts what the restore needs while the service still runs. The journal's restore section is written
 * first (the extraction folder holds the archive's files, the token only in memory; every later change is journaled before it is made), so a
 * killed restore is rolled back by `recover` like a failed one (restore/recover.ts). Returns the token.
 */
export async function extractStep(r: RestoreRun): Promise<{ token: string | undefined }> {
  const { c, folders } = r;
  r.rj = {
    archivePath: r.archivePath,
    restoreMode: r.restoreMode,
    preRestore: folders.pre,
    extraction: folders.extract,
    phases: [],
    files: [],
    keys: [],
    tokenNodes: [],
    tokenBackup: r.scope.secrets ? await newestBackupBefore(r, c.stamp) : null,
  };
  journal(r);
  r.extracted = true;
  const ex = await extractArchive(r.archivePath, folders.extract.local, r.manifest.files, extractedBy(r.placements, r.scope), {
    password: r.secrets['ArchivePassword'],
    maxEntries: c.config.RestoreConfiguration.MaxArchiveEntries,
    // [hostile, issue 12] The controller token is read into memory, never written to the extraction folder.
    inMemory: (f) => f.path === 'Secrets/ControllerToken.txt',
    onFile: (d, t, n) => c.progress({ activity: 'Extracting the archive', status: n, percent: Math.round((d / t) * 100) }),
  });
  c.log.info(`Extracted ${ex.files.length} files (${formatBytes(ex.bytes)}) to ${folders.extract.configured}`);
  if (!r.scope.secrets) return { token: undefined };
  const token = decodeText(ex.memory.get('Secrets/ControllerToken.txt') ?? Buffer.alloc(0), 'Secrets/ControllerToken.txt in the archive').trim();
  c.log.masker.add(token);
  if (!token) throw new BackupError(ExitCode.Validation, 'Secrets/ControllerToken.txt in the archive is empty.', 'Use another backup.');
  return { token };
}

/** Saves every file and Keys folder the files step will overwrite, into the pre-restore folder. */
async function saveFiles(r: RestoreRun, pre: string): Promise<void> {
  const { c } = r;
  const p = c.platform;
  const multiArchive = r.manifest.nodes.length > 1;
  const keyNodes = new Set<string>();
  for (const x of r.placements) {
    const prefix = multiArchive ? `nodes/${x.node.name}/` : '';
    if (x.rel.startsWith('Config/Keys/')) {
      if (keyNodes.has(x.node.name)) continue;
      keyNodes.add(x.node.name);
      const local = p.paths.resolve(r.paths.keys, x.node);
      const saved = join(pre, ...`${prefix}Config/Keys`.split('/'));
      const existed = await exists(local);
      if (existed) await fsp.cp(local, saved, { recursive: true });
      r.rb.keys.push({ node: x.node, configured: r.paths.keys, local, existed, saved });
      c.log.info(`Saved ${r.paths.keys} on ${x.node.name} (${existed ? (await listFiles(local)).length : 0} files)`);
      continue;
    }
    const local = p.paths.resolve(x.configured, x.node);
    const existed = await exists(local);
    const rec: SavedFile = { node: x.node, configured: x.configured, local, existed };
    if (existed) {
      rec.saved = join(pre, ...`${prefix}${x.rel}`.split('/'));
      await fsp.mkdir(dirname(rec.saved), { recursive: true });
      await fsp.copyFile(local, rec.saved);
      c.log.info(`Saved ${x.configured} on ${x.node.name}`);
    }
    r.rb.files.push(rec);
  }
}

/** The current controller token of every node, kept in memory (never on disk) for the rollback. */
async function saveTokens(r: RestoreRun): Promise<void> {
  const { c } = r;
  for (const node of c.nodes) {
    const res = await c.platform.alteryx.run(node, r.paths.exe, 'getserversecret');
    const old = res.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
    c.log.masker.add(old);
    if (res.exitCode === 0 && old) r.rb.tokens.push({ node, token: old });
    else warn(c, `getserversecret on ${node.name} gave no token (exit code ${res.exitCode}): the current token cannot be put back if the restore fails`);
  }
  c.log.info('Current controller token(s) kept in memory for rollback (never written to disk)');
}

/** Self-managed: a database cannot be moved aside; it is dumped, and restored back with --drop if the restore fails. */
async function dumpCurrentDatabase(r: RestoreRun, pre: string, checked: SelfManagedChecked): Promise<void> {
  const dumpLocal = join(pre, 'MongoDB');
  const dumpConfigured = joinConfigured(r.folders.pre.configured, 'MongoDB');
  const d = await preRestoreDump(r.c, checked.target, dumpLocal, r.run);
  const documents = totalDocuments(restoredDatabases(d.databases));
  r.rb.selfDb = { target: checked.target, dumpLocal, dumpConfigured, documents, restoreStarted: false };
  r.c.log.info(
    `Pre-restore dump of the current MongoDB: ${dumpConfigured} (${formatBytes(d.sizeBytes)}, ${documents} documents in the Alteryx databases, ${formatDuration(d.durationMs)}); a failed restore is rolled back from it`,
  );
}

/** Saves what is about to change; from here on every change is journaled before it is made. */
export async function preRestoreStep(r: RestoreRun, checked: SelfManagedChecked | undefined): Promise<void> {
  const pre = r.folders.pre.local;
  r.preRestoreLocal = pre;
  await fsp.mkdir(pre, { recursive: true });
  await saveFiles(r, pre);
  if (r.scope.secrets) await saveTokens(r);
  if (r.selfManagedDb && checked) await dumpCurrentDatabase(r, pre, checked);
  else if (r.scope.database) {
    // The settings in effect once the files are back decide the data folder: read them after the files step.
    r.c.log.info('The MongoDB data folder is moved aside in the database step, once the restored settings are in place');
  }
  if ((await listFiles(pre)).length === 0) {
    await removeTree(pre);
    r.preRestoreLocal = undefined;
  } else r.c.log.info(`Pre-restore copy of the files: ${r.folders.pre.configured}`);
  const rj = r.rj!;
  rj.files = r.rb.files.map((f) => ({ node: f.node.name, configured: f.configured, local: f.local, existed: f.existed, saved: f.saved }));
  rj.keys = r.rb.keys.map((k) => ({ node: k.node.name, configured: k.configured, local: k.local, existed: k.existed, saved: k.saved }));
  if (r.rb.selfDb) {
    const d = r.rb.selfDb;
    rj.selfManaged = {
      dumpConfigured: d.dumpConfigured,
      dumpLocal: d.dumpLocal,
      documents: d.documents,
      uri: maskAll(d.target.uri, d.target.secrets),
      restoreStarted: false,
    };
  }
  journal(r);
}

/** Files, in the host-recovery order: RuntimeSettings.xml, Keys, SystemAlias/SystemConnections, alteryx.config. */
export async function filesStep(r: RestoreRun): Promise<void> {
  const { c } = r;
  r.changed = true;
  r.rj!.phases.push('files');
  journal(r);
  for (const k of r.rb.keys) {
    await removeTree(k.local);
    await fsp.mkdir(k.local, { recursive: true });
  }
  for (const x of restoreOrder(r.placements)) {
    await copyFileAtomic(join(r.folders.extract.local, ...x.file.path.split('/')), c.platform.paths.resolve(x.configured, x.node));
    c.log.info(`Restored ${x.file.path} -> ${x.configured} on ${x.node.name}`);
  }
}

/** The controller token, on the controller first. */
export async function serverSecretStep(r: RestoreRun, token: string | undefined): Promise<void> {
  if (!token) return;
  const { c } = r;
  r.changed = true;
  const ordered = [...c.nodes].sort((a, b) => (a.role === 'controller' ? -1 : b.role === 'controller' ? 1 : 0));
  r.rj!.phases.push('server-secret');
  for (const node of ordered) {
    r.rb.tokensChanged.push(node);
    r.rj!.tokenNodes.push(node.name);
    journal(r);
    const res = await c.platform.alteryx.run(node, r.paths.exe, `setserversecret=${token}`);
    if (res.exitCode !== 0) {
      throw new BackupError(
        ExitCode.General,
        `AlteryxService.exe setserversecret failed on ${node.name} (exit code ${res.exitCode}): ${c.log.masker.mask((res.stderr || res.stdout).trim())}.`,
        'Run the restore as Administrator.',
      );
    }
    c.log.info(`Controller token set on ${node.name} with AlteryxService.exe setserversecret`);
  }
}
