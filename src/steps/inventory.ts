import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { BSON } from 'bson';
import { gunzipSync } from 'node:zlib';
import { joinConfigured, type RunContext } from '../core/context.ts';
import type { NodeRef, OdbcUserAccount } from '../platform/ports.ts';

/**
 * REQ-3.4.1-3.4.8 and 3.1.4/3.3.3: what a rebuilt server needs to know, beyond the files in the archive.
 * Every item is either `{ status: 'ok', value }` or `{ status: 'missing', reason }`: an item that cannot be
 * read is recorded with why, and never fails the backup. Files (connectors, custom tools, Python packages,
 * the Gallery's user groups in the dump) are read here with node:fs on resolved paths; the machine's own
 * answers (licence, ODBC, Windows, .NET) come through the platform's InventoryPort.
 */

export type Item<T> = { status: 'ok'; value: T; source?: string | undefined } | { status: 'missing'; reason: string };

export const ok = <T>(value: T, source?: string): Item<T> => ({ status: 'ok', value, ...(source ? { source } : {}) });
export const missing = (reason: string): Item<never> => ({ status: 'missing', reason });

/** Runs one collector; a throw becomes a missing item with its message. */
export async function collect<T>(fn: () => Promise<Item<T>>): Promise<Item<T>> {
  try {
    return await fn();
  } catch (err) {
    return missing(`could not be read: ${(err as Error).message}`);
  }
}

/** A licence key reduced to its last 4 characters: `ABCD-EFGH-1234` -> `****-****-1234`. */
export function obfuscateKey(key: string): string {
  const chars = [...key.trim()];
  let keep = 4;
  for (let i = chars.length - 1; i >= 0; i--) {
    if (!/[A-Za-z0-9]/.test(chars[i]!)) continue;
    if (keep > 0) keep--;
    else chars[i] = '*';
  }
  return chars.join('');
}

/** `AlteryxService.exe getversion` output -> version and build (`2023.1.1.281` -> 2023.1.1 and 281). */
export function parseServerVersion(text: string | undefined): { version: string; build: string | undefined } | undefined {
  const m = /(\d{4}\.\d+(?:\.\d+)?)(?:\.(\d+))?/.exec(text ?? '');
  if (!m) return undefined;
  return { version: m[1]!, build: m[2] };
}

async function dirs(path: string): Promise<string[]> {
  return (await fsp.readdir(path, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export interface PythonPackage {
  environment: string;
  name: string;
  version: string;
}

/**
 * The packages of Alteryx's Python environments (`<install>\bin\Miniconda3\envs\<env>\Lib\site-packages`),
 * from their `*.dist-info` / `*.egg-info` folders: what `pip list` shows, without running Python.
 */
export async function pythonPackages(ctx: RunContext, node: NodeRef): Promise<Item<PythonPackage[]>> {
  const envsConfigured = joinConfigured(ctx.config.ServerConfiguration.InstallDirectory, 'bin', 'Miniconda3', 'envs');
  const envs = ctx.platform.paths.resolve(envsConfigured, node);
  let names: string[];
  try {
    names = await dirs(envs);
  } catch {
    return missing(`no Python environment at ${envsConfigured} (Alteryx's Python tools are not installed on ${node.name})`);
  }
  const out: PythonPackage[] = [];
  for (const env of names) {
    const site = join(envs, env, 'Lib', 'site-packages');
    let entries: string[];
    try {
      entries = await dirs(site);
    } catch {
      continue;
    }
    for (const d of entries) {
      const m = /^(.+?)-(\d[^-]*?)(?:-py[\d.]+)?\.(?:dist|egg)-info$/.exec(d);
      if (m) out.push({ environment: env, name: m[1]!.replace(/_/g, '-'), version: m[2]! });
    }
  }
  if (!out.length) return missing(`the Python environments under ${envsConfigured} (${names.join(', ') || 'none'}) list no packages`);
  return ok(out, envsConfigured);
}

export interface InstalledTool {
  name: string;
  version: string | null;
  category: string | null;
  folder: string;
}

async function readToolConfig(folder: string): Promise<{ name?: string; version?: string; category?: string }> {
  const files = (await fsp.readdir(folder)).filter((f) => /config\.xml$/i.test(f));
  for (const f of files) {
    const xml = await fsp.readFile(join(folder, f), 'utf8').catch(() => '');
    const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`, 'i').exec(xml)?.[1]?.trim();
    const name = tag('Name');
    if (name) return { name, version: tag('Version'), category: tag('CategoryName') };
  }
  return {};
}

/**
 * Connectors and custom tools installed for all users (`C:\ProgramData\Alteryx\Tools\<tool>`, .yxi installs)
 * and HTML GUI SDK tools (`<install>\bin\HtmlPlugins\<tool>`): name, version and category from the tool's
 * *Config.xml. A tool in the Connectors category (or named ...Connector) counts as a connector.
 */
export async function installedTools(ctx: RunContext, node: NodeRef): Promise<{ connectors: Item<InstalledTool[]>; customTools: Item<InstalledTool[]> }> {
  const s = ctx.config.ServerConfiguration;
  const roots = [joinConfigured(s.ProgramDataDirectory, 'Tools'), joinConfigured(s.InstallDirectory, 'bin', 'HtmlPlugins')];
  const found: InstalledTool[] = [];
  const looked: string[] = [];
  for (const configured of roots) {
    const local = ctx.platform.paths.resolve(configured, node);
    let names: string[];
    try {
      names = await dirs(local);
    } catch {
      continue;
    }
    looked.push(configured);
    for (const n of names) {
      const c = await readToolConfig(join(local, n)).catch(() => ({}) as { name?: string; version?: string; category?: string });
      found.push({ name: c.name ?? n, version: c.version ?? null, category: c.category ?? null, folder: joinConfigured(configured, n) });
    }
  }
  if (!looked.length) {
    const reason = `neither ${roots.join(' nor ')} exists on ${node.name}`;
    return { connectors: missing(reason), customTools: missing(reason) };
  }
  const isConnector = (t: InstalledTool) => /connector/i.test(t.category ?? '') || /connector/i.test(t.name);
  const where = looked.join(', ');
  return {
    connectors: ok(found.filter(isConnector), where),
    customTools: ok(
      found.filter((t) => !isConnector(t)),
      where,
    ),
  };
}

export interface GalleryGroup {
  name: string;
  role: string | null;
  activeDirectoryGroups: Array<{ name: string | null; sid: string | null }>;
}

function readBsonDocs(buf: Buffer): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const size = buf.readInt32LE(at);
    if (size < 5 || at + size > buf.length) break;
    docs.push(BSON.deserialize(buf.subarray(at, at + size)) as Record<string, unknown>);
    at += size;
  }
  return docs;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/**
 * The Gallery's user groups that hold Active Directory groups, from the AlteryxGallery dump of this run
 * (a collection named like userGroups). The field names are not documented by Alteryx: an `activeDirectoryGroups`
 * array, an `activeDirectoryGroup` object or a `sid` field are accepted, and anything else is reported.
 */
export async function galleryAdGroups(ctx: RunContext, dump?: { dir: string }): Promise<Item<GalleryGroup[]>> {
  const port = ctx.platform.inventory?.galleryGroups;
  if (port) {
    const groups = (await port.call(ctx.platform.inventory, ctx.controller)).filter((g) => g.activeDirectoryGroups.length);
    return groups.length ? ok(groups, `${ctx.platform.kind} inventory`) : missing('no Gallery user group holds an Active Directory group');
  }
  if (!dump) return missing("this mode has no database dump to read the Gallery's user groups from (run a Full or DatabaseOnly backup)");
  const dbDir = join(dump.dir, 'AlteryxGallery');
  const file = (await fsp.readdir(dbDir).catch(() => [] as string[])).find((f) => /^user_?groups\.bson(\.gz)?$/i.test(f));
  if (!file) return missing('the Gallery has no user groups collection in this dump (no groups, or a Gallery that does not use Windows authentication)');
  let raw = await fsp.readFile(join(dbDir, file));
  if (file.endsWith('.gz')) raw = gunzipSync(raw);
  const groups: GalleryGroup[] = [];
  for (const d of readBsonDocs(raw)) {
    const ad: GalleryGroup['activeDirectoryGroups'] = [];
    const many = d['activeDirectoryGroups'];
    if (Array.isArray(many))
      for (const g of many)
        if (g && typeof g === 'object') ad.push({ name: str((g as Record<string, unknown>)['name']), sid: str((g as Record<string, unknown>)['sid']) });
    const one = d['activeDirectoryGroup'];
    if (one && typeof one === 'object') ad.push({ name: str((one as Record<string, unknown>)['name']), sid: str((one as Record<string, unknown>)['sid']) });
    if (str(d['sid'])) ad.push({ name: str(d['adName']) ?? str(d['name']), sid: str(d['sid']) });
    if (ad.length) groups.push({ name: str(d['name']) ?? '(unnamed)', role: str(d['role']) ?? str(d['defaultRole']), activeDirectoryGroups: ad });
  }
  if (!groups.length) return missing(`the Gallery's user groups (${file}) hold no Active Directory group`);
  return ok(groups, `MongoDB/AlteryxGallery/${file}`);
}

export interface NodeInventory {
  windowsVersion: Item<{ caption: string; version: string; build: string }>;
  dotnetVersion: Item<{ version: string; release: number }>;
  license: Item<{ keys: string[]; source: string; details?: Record<string, string> | undefined }>;
  odbcDrivers: Item<Array<{ name: string; platform: string }>>;
  /** A user DSN carries the account whose hive holds it (user DSNs are per account: workflows see their runner's). */
  dsns: Item<Array<{ name: string; driver: string; scope: string; platform: string; account?: string | undefined }>>;
  /**
   * The accounts whose user DSNs were looked for besides the one the backup runs as (the service's Log On account,
   * the Run As user), each read or "not readable (profile not loaded)" with the reason.
   */
  userDsnAccounts: Item<OdbcUserAccount[]>;
  connectors: Item<InstalledTool[]>;
  customTools: Item<InstalledTool[]>;
  pythonPackages: Item<PythonPackage[]>;
  serviceLogOnAccount: Item<string>;
  runAsUser: Item<string>;
}

export interface ServerInventory {
  version: Item<string>;
  build: Item<string>;
  adGroups: Item<GalleryGroup[]>;
  freeSpace: Item<Array<{ path: string; freeBytes: number }>>;
  nodes: Record<string, NodeInventory>;
}

const noPort = (what: string) => missing(`this platform cannot read ${what}`);

/** The Run As user of a node (Worker/ExecuteUserName with ExecuteDomain), or why there is none. */
function runAsUserOf(ctx: RunContext, node: NodeRef): Item<string> {
  const s = ctx.settings.get(node.name);
  if (!s) return missing(`RuntimeSettings.xml of ${node.name} was not read`);
  const user = s.value('Worker', 'ExecuteUserName');
  const domain = s.value('Worker', 'ExecuteDomain');
  return user
    ? ok(domain ? `${domain}\\${user}` : user)
    : missing('no Run As user is set (Worker/ExecuteUserName is empty: workflows run as the service account)');
}

/** The account the service logs on as, as Win32_Service names it. */
async function logOnAccountOf(ctx: RunContext, node: NodeRef): Promise<Item<string>> {
  return collect(async () => {
    const a = await ctx.platform.services.logOnAccount(node);
    return a ? ok(a) : missing(`the service ${ctx.config.ServerConfiguration.ServiceName} reports no Log On account`);
  });
}

async function nodeInventory(ctx: RunContext, node: NodeRef): Promise<NodeInventory> {
  const inv = ctx.platform.inventory;
  const tools = await installedTools(ctx, node).catch((err: Error) => ({ connectors: missing(err.message), customTools: missing(err.message) }));
  const serviceLogOnAccount = await logOnAccountOf(ctx, node);
  const runAsUser = runAsUserOf(ctx, node);
  // Workflows run as the Run As user, or else as the service account: their user DSNs are the ones that matter.
  const accounts = [...new Set([serviceLogOnAccount, runAsUser].flatMap((i) => (i.status === 'ok' ? [i.value] : [])))];
  const odbc = inv
    ? await inv.odbc(node, accounts).then(
        (o) => ({ o, err: undefined }),
        (err: Error) => ({ o: undefined, err }),
      )
    : undefined;
  const odbcMissing = (what: string) => (odbc?.err ? missing(`${what} could not be read: ${odbc.err.message}`) : noPort(what));
  const userAccounts = odbc?.o?.userAccounts ?? [];
  const readAccounts = [odbc?.o?.userScopeAccount, ...userAccounts.filter((a) => a.readable).map((a) => a.account)].filter(Boolean);
  return {
    windowsVersion: inv ? await collect(async () => ok(await inv.windows(node))) : noPort('the Windows version'),
    dotnetVersion: inv ? await collect(async () => ok(await inv.dotnet(node))) : noPort('the .NET version'),
    license: inv
      ? await collect(async () => {
          const l = await inv.license(node);
          for (const k of l.keys) ctx.log.masker.add(k);
          if (!l.keys.length) return missing(`no licence key found (looked in ${l.source})`);
          return ok({ keys: l.keys.map(obfuscateKey), source: l.source, details: l.details }, l.source);
        })
      : noPort('the licence'),
    odbcDrivers: odbc?.o ? ok(odbc.o.drivers) : odbcMissing('ODBC drivers'),
    dsns: odbc?.o ? ok(odbc.o.dsns, readAccounts.length ? `user DSNs of ${readAccounts.join(', ')}` : undefined) : odbcMissing('ODBC DSNs'),
    userDsnAccounts: odbc?.o
      ? accounts.length
        ? ok(userAccounts)
        : missing('neither a service Log On account nor a Run As user is known: only the user DSNs of the account the backup runs as were read')
      : odbcMissing('the user DSNs of the service and Run As accounts'),
    connectors: tools.connectors,
    customTools: tools.customTools,
    pythonPackages: await collect(() => pythonPackages(ctx, node)),
    serviceLogOnAccount,
    runAsUser,
  };
}

/** Everything above for the server and each node. Never throws. */
export async function collectInventory(ctx: RunContext, serverVersionText: string | undefined, dump?: { dir: string }): Promise<ServerInventory> {
  const v = parseServerVersion(serverVersionText);
  const nodes: Record<string, NodeInventory> = {};
  for (const node of ctx.nodes) nodes[node.name] = await nodeInventory(ctx, node);
  const b = ctx.config.BackupConfiguration;
  const free = await collect(async () => {
    const out: Array<{ path: string; freeBytes: number }> = [];
    for (const p of [b.TempDirectory, b.LocalBackupPath]) out.push({ path: p, freeBytes: await ctx.platform.system.freeBytes(ctx.platform.paths.resolve(p)) });
    return ok(out);
  });
  const inventory: ServerInventory = {
    version: v ? ok(v.version) : missing('AlteryxService.exe getversion printed no version'),
    build: v?.build ? ok(v.build) : missing(v ? `the version ${v.version} carries no build number` : 'AlteryxService.exe getversion printed no version'),
    adGroups: await collect(() => galleryAdGroups(ctx, dump)),
    freeSpace: free,
    nodes,
  };
  const missingItems = [
    ...Object.entries(inventory)
      .filter(([k, i]) => k !== 'nodes' && (i as Item<unknown>).status === 'missing')
      .map(([k]) => k),
    ...Object.entries(nodes).flatMap(([n, ni]) =>
      Object.entries(ni)
        .filter(([, i]) => (i as Item<unknown>).status === 'missing')
        .map(([k]) => `${n}.${k}`),
    ),
  ];
  ctx.log.info(
    missingItems.length
      ? `Metadata: recorded as missing (with the reason in metadata.json): ${missingItems.join(', ')}`
      : 'Metadata: every inventory item was read',
  );
  return inventory;
}
