import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { RunContext } from '../core/context.ts';
import { ENCRYPTION_KEY_GUIDANCE } from './secrets.ts';
import { collectInventory } from './inventory.ts';

/** REQ-3.4.x, 3.1.4, 3.3.3: what describes the server, stored as metadata.json in the archive and in the manifest. */
/** `dump`: this run's dump folder, where the Gallery's user groups are read (REQ-3.4.x). */
export async function captureMetadata(ctx: RunContext, dump?: { dir: string }): Promise<void> {
  const exe = ctx.config.ServerConfiguration.AlteryxServicePath;
  const ver = await ctx.platform.alteryx.run(ctx.controller, exe, 'getversion');
  const serverVersion = ver.exitCode === 0 ? ver.stdout.trim().split(/\r?\n/).pop()?.trim() : undefined;
  if (!serverVersion) ctx.log.warn(`AlteryxService.exe getversion failed (exit code ${ver.exitCode})`);
  else ctx.log.info(`Alteryx Server version: ${serverVersion}`);

  const nodes = [];
  for (const node of ctx.nodes) {
    const s = ctx.settings.get(node.name);
    const runAsUser = s?.value('Worker', 'ExecuteUserName');
    const runAsDomain = s?.value('Worker', 'ExecuteDomain');
    const account = await ctx.platform.services.logOnAccount(node).catch(() => undefined);
    const inventory = await ctx.platform.system.inventory(node).catch((err: Error) => {
      ctx.log.warn(`ODBC drivers and DSNs of ${node.name} could not be read: ${err.message}`);
      return undefined;
    });
    nodes.push({
      name: node.name,
      role: node.role,
      serviceLogOnAccount: account ?? null,
      runAsUser: runAsUser ? (runAsDomain ? `${runAsDomain}\\${runAsUser}` : runAsUser) : null,
      controllerEnabled: s?.flag('Controller', 'ControllerEnabled') ?? null,
      workerEnabled: s?.flag('Environment', 'WorkerEnabled') ?? null,
      galleryEnabled: s?.flag('Controller', 'GalleryEnabled') ?? null,
      setupType: s?.value('Environment', 'SetupType') ?? null,
      odbcDrivers: inventory?.odbcDrivers ?? null,
      dsns: inventory?.dsns ?? null,
    });
    if (inventory) ctx.log.info(`Node ${node.name}: ${inventory.odbcDrivers.length} ODBC driver(s), ${inventory.dsns.length} system DSN(s) recorded`);
    ctx.log.info(`Node ${node.name}: role ${node.role}, service account ${account ?? 'unknown'}, Run As user ${runAsUser ?? '(none)'}`);
  }
  ctx.metadata = {
    serverVersion: serverVersion ?? null,
    hostName: ctx.platform.system.hostname(),
    nodes,
    mongo: { type: ctx.mongo.type, decidedBy: ctx.mongo.decidedBy },
    encryptionKeyGuidance: ENCRYPTION_KEY_GUIDANCE,
    // REQ-3.4.x: every item, or { status: 'missing', reason } (src/steps/inventory.ts).
    inventory: await collectInventory(ctx, ver.exitCode === 0 ? ver.stdout : undefined, dump),
  };
  const file = join(ctx.staging.local, 'metadata.json');
  await fsp.writeFile(file, JSON.stringify(ctx.metadata, null, 2));
  ctx.files.push({ archivePath: 'metadata.json', localPath: file, kind: 'metadata' });
}
