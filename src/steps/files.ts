import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext } from '../core/context.ts';
import type { FileKind } from '../core/manifest.ts';
import type { NodeRef } from '../platform/ports.ts';
import { exists, listFiles } from '../util/fsx.ts';
import { nodePaths } from '../core/paths.ts';

/** Archive prefix of a node's files: flat on a single node, `nodes/<host>/` on a multi-node server. */
export function nodePrefix(ctx: RunContext, node: NodeRef): string {
  return ctx.multiNode ? `nodes/${node.name}/` : '';
}

async function stageFile(ctx: RunContext, node: NodeRef, configured: string, archivePath: string, kind: FileKind, note?: string): Promise<boolean> {
  const src = ctx.platform.paths.resolve(configured, node);
  if (!(await exists(src))) return false;
  const dest = join(ctx.staging.local, ...archivePath.split('/'));
  await fsp.mkdir(dirname(dest), { recursive: true });
  await fsp.copyFile(src, dest);
  ctx.files.push({ archivePath, localPath: dest, kind, node: node.name, source: configured, note });
  ctx.log.info(`Captured ${configured} on ${node.name} -> ${archivePath}`);
  return true;
}

/** An install's alteryx.config counts as modified when its mtime is more than this away from AlteryxService.exe's. */
const CONFIG_MODIFIED_TOLERANCE_MS = 120_000;

/**
 * REQ-3.1.x, 3.3.1/2: RuntimeSettings.xml (overrides; the defaults too, marked), the whole Keys folder,
 * alteryx.config when modified after install, SystemAlias.xml and SystemConnections.xml, on every node.
 * Missing optional files warn; the overrides file is required (checked in pre-flight, and here again).
 */
export async function captureFiles(ctx: RunContext): Promise<void> {
  const p = nodePaths(ctx);
  const fc = ctx.config.FilesConfiguration;
  for (const node of ctx.nodes) {
    const pre = `${nodePrefix(ctx, node)}Config/`;
    if (!(await stageFile(ctx, node, p.overrides, `${pre}RuntimeSettings.xml`, 'settings'))) {
      throw new BackupError(ExitCode.Validation, `RuntimeSettings.xml disappeared from ${p.overrides} on ${node.name} during the backup.`, 'Run the backup again.');
    }
    if (!(await stageFile(ctx, node, p.defaults, `${pre}RuntimeSettings.defaults.xml`, 'settings-defaults', 'Installer defaults (bin\\RuntimeData); restore only the overrides file'))) {
      warn(ctx, `The defaults RuntimeSettings.xml was not found at ${p.defaults} on ${node.name}`);
    }
    if (fc.BackupKeys) {
      const keysDir = ctx.platform.paths.resolve(p.keys, node);
      if (await exists(keysDir)) {
        const files = await listFiles(keysDir);
        for (const rel of files) {
          await stageFile(ctx, node, `${p.keys}\\${rel.replace(/\//g, '\\')}`, `${pre}Keys/${rel}`, 'keys');
        }
        if (files.length === 0) warn(ctx, `The Keys folder ${p.keys} on ${node.name} is empty`);
      } else {
        warn(ctx, `The Keys folder was not found at ${p.keys} on ${node.name}`);
      }
    }
    for (const [configured, name] of [
      [p.systemAlias, 'SystemAlias.xml'],
      [p.systemConnections, 'SystemConnections.xml'],
    ] as const) {
      if (!(await stageFile(ctx, node, configured, `${pre}Engine/${name}`, 'engine'))) {
        (node.role === 'worker' || !ctx.multiNode ? warn : (c: RunContext, m: string) => c.log.info(m))(ctx, `${name} was not found at ${configured} on ${node.name}`);
      }
    }
    if (fc.BackupConfigFile) await captureAlteryxConfig(ctx, node, pre, p);
  }
}

async function captureAlteryxConfig(ctx: RunContext, node: NodeRef, pre: string, p: ReturnType<typeof nodePaths>): Promise<void> {
  const exeStat = await fsp.stat(ctx.platform.paths.resolve(p.exe, node)).catch(() => undefined);
  let found = false;
  for (const configured of [p.alteryxConfigNew, p.alteryxConfigOld]) {
    const local = ctx.platform.paths.resolve(configured, node);
    const st = await fsp.stat(local).catch(() => undefined);
    if (!st) continue;
    found = true;
    const modified = !exeStat || Math.abs(st.mtimeMs - exeStat.mtimeMs) > CONFIG_MODIFIED_TOLERANCE_MS;
    if (modified) {
      await stageFile(ctx, node, configured, `${pre}alteryx.config`, 'config-file', `Modified after install (${new Date(st.mtimeMs).toISOString()})`);
    } else {
      ctx.log.info(`${configured} on ${node.name} is unchanged since install: not captured (REQ-3.1.3)`);
    }
  }
  if (!found) ctx.log.info(`No alteryx.config on ${node.name} (looked in bin\\server\\config and bin\\config)`);
}
