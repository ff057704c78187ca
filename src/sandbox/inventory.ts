import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { WIN } from './layout.ts';
import type { SandboxInfo } from './types.ts';
import { mapWindowsPath } from './winpath.ts';
import type { InventoryPort, NodeRef, OdbcInventory, OdbcUserAccount } from '../platform/ports.ts';

/**
 * What a typical Alteryx Server node has installed besides Alteryx itself, for the metadata of a backup
 * (REQ-3.4.x): Python packages in Alteryx's Miniconda environments, connectors and custom tools, and (through the
 * inventory port) a licence, ODBC, Windows and .NET versions and the Gallery's user groups with AD groups.
 * Deleting a folder of these from a sandbox makes the item "missing" in the next backup's metadata.json.
 */

const PYTHON_ENVS: Record<string, Array<[string, string]>> = {
  DesignerBaseTools_vEnv: [
    ['pandas', '1.5.3'],
    ['numpy', '1.24.2'],
    ['requests', '2.31.0'],
    ['ayx_python_sdk', '2.1.1'],
    ['openpyxl', '3.1.2'],
  ],
  JupyterTool_vEnv: [
    ['jupyter_core', '5.3.0'],
    ['ipykernel', '6.22.0'],
    ['pandas', '1.5.3'],
    ['matplotlib', '3.7.1'],
  ],
};

const TOOLS: Array<{ folder: string; name: string; version: string; category: string; html?: boolean }> = [
  { folder: 'SalesforceInput', name: 'Salesforce Input', version: '5.2.0', category: 'Connectors' },
  { folder: 'SnowflakeBulkConnector', name: 'Snowflake Bulk Connector', version: '1.4.1', category: 'Connectors' },
  { folder: 'GoogleSheetsInput', name: 'Google Sheets Input', version: '2.3.0', category: 'Connectors' },
  { folder: 'FinanceCalendar', name: 'Finance Calendar', version: '1.0.3', category: 'Preparation' },
  { folder: 'AddressCleanse', name: 'Address Cleanse', version: '0.9.2', category: 'Address', html: true },
];

const toolConfig = (t: (typeof TOOLS)[number]) =>
  `<?xml version="1.0"?>\r\n<AlteryxJavaScriptPlugin>\r\n  <EngineSettings EngineDll="Python" EngineDllEntryPoint="main.py" SDKVersion="10.1" />\r\n  <GuiSettings Html="index.html" Icon="icon.png" SDKVersion="10.1">\r\n    <MetaInfo>\r\n      <Name>${t.name}</Name>\r\n      <Description>${t.name} (sandbox)</Description>\r\n      <CategoryName>${t.category}</CategoryName>\r\n      <Version>${t.version}</Version>\r\n      <Author>Sandbox</Author>\r\n    </MetaInfo>\r\n  </GuiSettings>\r\n</AlteryxJavaScriptPlugin>\r\n`;

/** Writes the Python environments and tools on every node. */
export function writeInventoryFixtures(info: SandboxInfo): void {
  for (const n of info.nodes) {
    const m = (win: string) => mapWindowsPath(info.path, n.root, win);
    for (const [env, pkgs] of Object.entries(PYTHON_ENVS)) {
      const site = m(`${WIN.binDir}\\Miniconda3\\envs\\${env}\\Lib\\site-packages`);
      for (const [name, version] of pkgs) {
        const d = path.join(site, `${name}-${version}.dist-info`);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
      }
    }
    for (const t of TOOLS) {
      const d = t.html ? m(`${WIN.binDir}\\HtmlPlugins\\${t.folder}`) : m(`${WIN.toolsDir}\\${t.folder}`);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, `${t.folder}Config.xml`), toolConfig(t));
    }
  }
}

/** The sandbox's backup runs as SYSTEM (a scheduled task); the service logs on as LocalSystem, the same account. */
const RUNNING_AS = { account: 'NT AUTHORITY\\SYSTEM', sid: 'S-1-5-18' };
const KNOWN_SIDS: Record<string, string> = { localsystem: 'S-1-5-18', 'nt authority\\system': 'S-1-5-18' };
/** The loaded profile hives (HKU\\<SID>) with user DSNs: the Run As user of the sandbox's RuntimeSettings.xml. */
export const SANDBOX_RUN_AS = { domain: 'CONTOSO', user: 'svc-alteryx-run' };
const PROFILES: Record<string, { sid: string; dsns: Array<{ name: string; driver: string }> }> = {
  [`${SANDBOX_RUN_AS.domain}\\${SANDBOX_RUN_AS.user}`.toLowerCase()]: {
    sid: 'S-1-5-21-1004336348-1177238915-682003330-1121',
    dsns: [
      { name: 'Finance_Extracts', driver: 'ODBC Driver 17 for SQL Server' },
      { name: 'Snowflake_RunAs', driver: 'Simba Snowflake ODBC Driver' },
    ],
  },
};

/** The inventory port of a sandbox: plausible answers, stable for one sandbox. */
export function sandboxInventory(info: SandboxInfo): InventoryPort {
  const seed = createHash('sha256').update(info.path).digest('hex').toUpperCase();
  const key = `${seed.slice(0, 4)}-${seed.slice(4, 8)}-${seed.slice(8, 12)}-${seed.slice(12, 16)}`;
  const drivers = ['SQL Server', 'ODBC Driver 17 for SQL Server', 'Simba Snowflake ODBC Driver'];
  return {
    license: async () => ({ keys: [key], source: 'HKLM\\SOFTWARE\\SRC\\Alteryx (sandbox)', details: { product: 'Alteryx Server', seats: '4 cores' } }),
    odbc: async (node: NodeRef, accounts?: string[]) => {
      const dsns: OdbcInventory['dsns'] = [
        { name: 'Warehouse', driver: 'ODBC Driver 17 for SQL Server', scope: 'system', platform: '64-bit' },
        { name: 'Snowflake_Prod', driver: 'Simba Snowflake ODBC Driver', scope: 'system', platform: '64-bit' },
        { name: 'LegacyReports', driver: 'SQL Server', scope: 'system', platform: '32-bit' },
        { name: `${node.name}_Scratch`, driver: 'SQL Server', scope: 'user', platform: 'any', account: RUNNING_AS.account },
      ];
      const userAccounts: OdbcUserAccount[] = [];
      const seen = new Set<string>();
      for (const account of accounts ?? []) {
        const key = account.toLowerCase();
        const sid = KNOWN_SIDS[key] ?? PROFILES[key]?.sid;
        if (sid && seen.has(sid)) continue;
        if (sid) seen.add(sid);
        if (sid === RUNNING_AS.sid) {
          userAccounts.push({ account, sid, readable: true, reason: `the account the backup runs as: its user DSNs are those of ${RUNNING_AS.account}` });
          continue;
        }
        const profile = PROFILES[key];
        if (!profile) {
          // Any other account: a domain account whose profile hive is not loaded on this node.
          userAccounts.push({
            account,
            sid: null,
            readable: false,
            reason: 'not readable (profile not loaded: the account has no session or running service now)',
          });
          continue;
        }
        for (const d of profile.dsns) dsns.push({ ...d, scope: 'user', platform: 'any', account });
        userAccounts.push({ account, sid: profile.sid, readable: true, dsnCount: profile.dsns.length });
      }
      return {
        drivers: [...drivers.map((name) => ({ name, platform: '64-bit' as const })), { name: 'SQL Server', platform: '32-bit' as const }],
        dsns,
        userScopeAccount: RUNNING_AS.account,
        userAccounts,
      };
    },
    windows: async () => ({ caption: 'Microsoft Windows Server 2022 Standard', version: '10.0.20348', build: '20348' }),
    dotnet: async () => ({ version: '4.8', release: 528449 }),
    // The sandbox's Gallery uses Windows authentication with two groups mapped to AD groups (its database
    // keeps the 11 generated collections; on a server the groups are read from the dump).
    galleryGroups: async () => [
      {
        name: 'Finance Analysts',
        role: 'Artisan',
        activeDirectoryGroups: [{ name: 'CONTOSO\\Alteryx-Finance', sid: 'S-1-5-21-1004336348-1177238915-682003330-1104' }],
      },
      {
        name: 'Gallery Curators',
        role: 'Curator',
        activeDirectoryGroups: [{ name: 'CONTOSO\\Alteryx-Admins', sid: 'S-1-5-21-1004336348-1177238915-682003330-1107' }],
      },
      { name: 'Local viewers', role: 'Viewer', activeDirectoryGroups: [] },
    ],
  };
}
