import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BackupError, ExitCode } from '../core/errors.ts';
import { generateDatabases } from './data-gen.ts';
import { SANDBOX_RUN_AS, writeInventoryFixtures } from './inventory.ts';
import { appendEvent } from './events.ts';
import { alteryxConfigWinPath, mongoServerDir, mongoToolsPathDir, WIN } from './layout.ts';
import { infoOf, isSandbox, readSandboxFile, versionAtLeast, writeSandboxFile } from './meta.ts';
import { REFERENCE_DEFAULTS_XML, REFERENCE_OVERRIDES_XML } from './reference-settings.ts';
import { initServiceState } from './service.ts';
import { setSetting } from './settings-xml.ts';
import type { CreateOptions, NodeRole, SandboxFile, SandboxInfo, SelfManagedMongo } from './types.ts';
import { mapWindowsPath } from './winpath.ts';
import { writeToolExecutable } from './tool-exe.ts';
import { endSandboxWorkflows } from './workflow-procs.ts';

/** Full versions for the short forms (plausible build numbers; any YYYY.N works). */
const KNOWN_VERSIONS: Record<string, string> = {
  '2018.4': '2018.4.5.55178',
  '2019.1': '2019.1.6.58192',
  '2019.2': '2019.2.7.63499',
  '2019.3': '2019.3.5.17947',
  '2019.4': '2019.4.8.22007',
  '2020.1': '2020.1.5.25437',
  '2020.2': '2020.2.3.27789',
  '2020.3': '2020.3.5.29401',
  '2020.4': '2020.4.5.12471',
  '2021.1': '2021.1.4.26400',
  '2021.2': '2021.2.2.42536',
  '2021.3': '2021.3.3.63061',
  '2021.4': '2021.4.2.47792',
  '2022.1': '2022.1.1.42590',
  '2022.3': '2022.3.1.395',
  '2023.1': '2023.1.1.281',
  '2023.2': '2023.2.1.89',
  '2024.1': '2024.1.1.93',
  '2024.2': '2024.2.1.26',
};

export function fullVersion(v: string): string {
  if (/^\d{4}\.\d+\.\d+\.\d+$/.test(v)) return v;
  if (/^\d{4}\.\d+$/.test(v)) return KNOWN_VERSIONS[v] ?? `${v}.1.100`;
  throw new BackupError(ExitCode.Validation, `Invalid sandbox version "${v}".`, 'Give a version such as 2023.1, 2019.4 or 2023.1.1.281.');
}

const SINGLE_NODES: { name: string; role: NodeRole }[] = [{ name: 'ALTERYX01', role: 'controller' }];
const MULTI_NODES: { name: string; role: NodeRole }[] = [
  { name: 'ALTERYX-CTRL', role: 'controller' },
  { name: 'ALTERYX-WKR1', role: 'worker' },
  { name: 'ALTERYX-WKR2', role: 'worker' },
  { name: 'ALTERYX-UI1', role: 'ui' },
];

const hexUpper = (chars: number) =>
  randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars)
    .toUpperCase();
/** Stand-in for a DPAPI-encrypted value: useless without the machine, never the plain text. */
const encryptedBlob = () => randomBytes(120).toString('base64');

/** The remote controller a single-node worker or UI sandbox points at (it is not part of the sandbox). */
export const REMOTE_CONTROLLER = 'ctl01:80';
export const SQLITE_PATH = 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\SQLite\\Alteryx.db';

function validate(opts: CreateOptions): Required<Omit<CreateOptions, 'replicaSet'>> & { replicaSet?: string } {
  const topology = opts.topology ?? 'single';
  const mongo = opts.mongo ?? 'embedded';
  const role = opts.role ?? 'controller';
  const persistence = opts.persistence ?? 'mongo';
  if (!['controller', 'worker', 'ui'].includes(role)) {
    throw new BackupError(ExitCode.Validation, `Invalid sandbox role "${String(role)}".`, 'Use controller, worker or ui.');
  }
  if (role !== 'controller' && topology !== 'single') {
    throw new BackupError(
      ExitCode.Validation,
      `A sandbox role (${role}) is for a single machine; a multi-node sandbox has every role already.`,
      'Drop --role, or use --topology single.',
    );
  }
  if (!['mongo', 'sqlserver', 'sqlite'].includes(persistence)) {
    throw new BackupError(ExitCode.Validation, `Invalid sandbox persistence "${String(persistence)}".`, 'Use mongo, sqlserver or sqlite.');
  }
  if (persistence !== 'mongo' && (mongo !== 'embedded' || topology !== 'single' || role !== 'controller')) {
    throw new BackupError(
      ExitCode.Validation,
      `--persistence ${persistence} is for a single controller without --mongo.`,
      'Drop --mongo, --topology and --role with --persistence sqlserver or sqlite.',
    );
  }
  const defaultVersion = persistence === 'sqlserver' ? '2024.1' : persistence === 'sqlite' ? '2018.4' : '2023.1';
  const version = fullVersion(opts.version ?? defaultVersion);
  if (persistence === 'sqlserver' && !versionAtLeast(version, 2024, 1)) {
    throw new BackupError(
      ExitCode.Validation,
      `SQL Server persistence exists from Alteryx Server 2024.1; ${version} keeps its data in MongoDB.`,
      'Give --version 2024.1 or later (or leave it out).',
    );
  }
  // 4 MB: enough that a backup with the shipped 1 MB minimum archive size passes, as a real Gallery would.
  const dbSizeMb = opts.dbSizeMb ?? 4;
  if (topology !== 'single' && topology !== 'multi') {
    throw new BackupError(ExitCode.Validation, `Invalid sandbox topology "${String(topology)}".`, 'Use single or multi.');
  }
  if (mongo !== 'embedded' && mongo !== 'self-managed') {
    throw new BackupError(ExitCode.Validation, `Invalid sandbox MongoDB type "${String(mongo)}".`, 'Use embedded or self-managed.');
  }
  if (typeof dbSizeMb !== 'number' || !Number.isFinite(dbSizeMb) || dbSizeMb <= 0 || dbSizeMb > 100_000) {
    throw new BackupError(ExitCode.Validation, `Invalid sandbox database size ${String(dbSizeMb)} MB.`, 'Give a number of MB greater than 0.');
  }
  return {
    topology,
    mongo,
    role,
    persistence,
    dbSizeMb,
    version,
    modifiedConfig: opts.modifiedConfig ?? false,
    force: opts.force ?? false,
    ...(opts.replicaSet ? { replicaSet: opts.replicaSet } : {}),
  };
}

function prepareDir(dir: string, force: boolean): void {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    return;
  }
  if (!fs.statSync(dir).isDirectory()) {
    throw new BackupError(ExitCode.Validation, `${dir} exists and is not a folder.`, 'Choose another sandbox path.');
  }
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return;
  if (!isSandbox(dir)) {
    throw new BackupError(
      ExitCode.Validation,
      `${dir} is not empty and is not a sandbox; refusing to create a sandbox in it.`,
      'Choose an empty or new folder.',
    );
  }
  if (!force) {
    throw new BackupError(ExitCode.Validation, `${dir} already holds a sandbox.`, 'Pass --force (force: true) to replace it.');
  }
  // The old sandbox's workflow processes end first (on Windows a running .exe cannot be deleted).
  endSandboxWorkflows(dir);
  for (const e of entries) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
}

function defaultsXml(role: NodeRole, embeddedController: boolean): string {
  let xml = REFERENCE_DEFAULTS_XML;
  if (role === 'controller' && embeddedController) {
    xml = setSetting(xml, 'Controller', 'EmbeddedMongoDBEnabled', 'True');
    xml = setSetting(xml, 'Controller', 'EmbeddedMongoDBRootPath', WIN.embeddedMongoRoot);
  }
  return xml;
}

/** A node that runs workflows runs them as a Run As user (System Settings > Worker > Run As), as most servers do. */
function setRunAsUser(set: (section: string, tag: string, value: string) => string): void {
  set('Worker', 'ExecuteDomain', SANDBOX_RUN_AS.domain);
  set('Worker', 'ExecuteUserName', SANDBOX_RUN_AS.user);
  set('Worker', 'ExecutePasswordEncrypted', encryptedBlob());
}

function overridesXml(
  f: Pick<SandboxFile, 'topology' | 'mongo' | 'selfManaged' | 'persistence'>,
  node: { name: string; role: NodeRole },
  controller: string,
): string {
  let xml = REFERENCE_OVERRIDES_XML;
  const set = (s: string, t: string, v: string) => (xml = setSetting(xml, s, t, v));
  set('Controller', 'ServerSecretEncrypted', encryptedBlob());
  set('Environment', 'Configured', 'True');
  set('Environment', 'WorkingPath', 'C:\\ProgramData\\Alteryx\\Service');
  if (node.role === 'controller') {
    set('Controller', 'ControllerEnabled', 'True');
    set('Controller', 'StorageKeysEncrypted', encryptedBlob());
    if (f.topology === 'single') {
      set('Controller', 'GalleryEnabled', 'True');
      set('Environment', 'WorkerEnabled', 'True');
    } else {
      set('Controller', 'GalleryEnabled', 'False');
      set('Environment', 'WorkerEnabled', 'False');
    }
    if (f.persistence === 'sqlserver') {
      // Alteryx 2024.1+ user-managed SQL Server (element names: see src/core/persistence.ts).
      set('Controller', 'EmbeddedMongoDBEnabled', 'False');
      set('Controller', 'MongoDBEnabled', 'False');
      set('Controller', 'SQLServerEnabled', 'True');
      set('Controller', 'SQLServerConnectionEncrypted', encryptedBlob());
    } else if (f.persistence === 'sqlite') {
      set('Controller', 'EmbeddedMongoDBEnabled', 'False');
      set('Controller', 'MongoDBEnabled', 'False');
      set('Controller', 'SQLitePath', SQLITE_PATH);
    } else if (f.mongo === 'embedded') {
      set('Controller', 'EmbeddedMongoDBEnabled', 'True');
      set('Controller', 'EmbeddedMongoDBPasswordEncrypted', encryptedBlob());
    } else {
      const sm = f.selfManaged as SelfManagedMongo;
      const hp = `${sm.host}:${sm.port}`;
      const opts = `authSource=${sm.authDatabase}${sm.replicaSet ? `&replicaSet=${sm.replicaSet}` : ''}`;
      set('Controller', 'EmbeddedMongoDBEnabled', 'False');
      set('Controller', 'MongoDBEnabled', 'True');
      set('Controller', 'MongoDBServerName', hp);
      set('Controller', 'MongoDBDatabaseName', 'AlteryxService');
      set('Controller', 'MongoDBUserName', sm.username);
      set('Controller', 'MongoDBPasswordEncrypted', encryptedBlob());
      set('Gallery', 'MongoDBWebOverride', 'True');
      set('Gallery', 'MongoDBWebConnection', `mongodb://${sm.username}@${hp}/AlteryxGallery?${opts}`);
      set('Gallery', 'MongoDBWebDatabaseName', 'AlteryxGallery');
      set('Gallery', 'MongoDBWebPasswordEncrypted', encryptedBlob());
      set('Gallery', 'MongoDBSearchConnection', `mongodb://${sm.username}@${hp}/AlteryxGallery_Lucene?${opts}`);
      set('Gallery', 'MongoDBSearchDatabaseName', 'AlteryxGallery_Lucene');
      set('Gallery', 'MongoDBSearchPasswordEncrypted', encryptedBlob());
    }
    if (f.topology === 'single') set('Gallery', 'BaseAddress', `http://${node.name.toLowerCase()}/gallery/`);
    if (f.topology === 'single') setRunAsUser(set);
  } else if (node.role === 'worker') {
    set('Controller', 'ControllerEnabled', 'False');
    set('Controller', 'GalleryEnabled', 'False');
    set('Environment', 'WorkerEnabled', 'True');
    set('Worker', 'UseLocalServer', 'False');
    set('Worker', 'ServerName', controller);
    set('Worker', 'ServerSecretEncrypted', encryptedBlob());
    setRunAsUser(set);
  } else {
    set('Controller', 'ControllerEnabled', 'False');
    set('Controller', 'GalleryEnabled', 'True');
    set('Environment', 'WorkerEnabled', 'False');
    set('Worker', 'UseLocalServer', 'False');
    set('Worker', 'ServerName', controller);
    set('Gallery', 'BaseAddress', `http://${node.name.toLowerCase()}/gallery/`);
    if (f.mongo === 'self-managed') {
      const sm = f.selfManaged as SelfManagedMongo;
      const hp = `${sm.host}:${sm.port}`;
      set('Gallery', 'MongoDBWebOverride', 'True');
      set('Gallery', 'MongoDBWebConnection', `mongodb://${sm.username}@${hp}/AlteryxGallery?authSource=${sm.authDatabase}`);
      set('Gallery', 'MongoDBWebPasswordEncrypted', encryptedBlob());
    }
  }
  return xml;
}

const SYSTEM_ALIAS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<AlteryxSystemAliases>
\t<Alias name="DW_Prod" type="Connection">
\t\t<Value>odbc:DSN=DW_Prod;UID=svc_alteryx;PWD=__EncPwd1__;Database=SALES|||</Value>
\t\t<Password encrypted="true">${randomBytes(48).toString('base64')}</Password>
\t</Alias>
\t<Alias name="Finance_Share" type="Folder">
\t\t<Value>\\\\fileserver01\\finance\\alteryx</Value>
\t</Alias>
</AlteryxSystemAliases>
`;

const SYSTEM_CONNECTIONS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Connections>
\t<Connection name="Snowflake_Analytics" type="InDB" driver="Snowflake">
\t\t<ReadConnection>odbc:DSN=Snowflake_Analytics;UID=svc_alteryx;PWD=__EncPwd1__</ReadConnection>
\t\t<WriteConnection>odbc:DSN=Snowflake_Analytics;UID=svc_alteryx;PWD=__EncPwd1__</WriteConnection>
\t\t<Password encrypted="true">${randomBytes(48).toString('base64')}</Password>
\t</Connection>
\t<Connection name="SQLServer_Ops" type="InDB" driver="SQL Server">
\t\t<ReadConnection>odbc:DRIVER={ODBC Driver 17 for SQL Server};SERVER=sql01;DATABASE=Ops;Trusted_Connection=yes</ReadConnection>
\t</Connection>
</Connections>
`;

function alteryxConfigText(version: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <!-- Alteryx Server ${version} -->
  <appSettings>
    <add key="AllowedOrigins" value="*" />
    <add key="RequestTimeoutSeconds" value="600" />
  </appSettings>
  <system.web>
    <httpRuntime maxRequestLength="2097152" executionTimeout="3600" />
  </system.web>
</configuration>
`;
}

function writeNodeTree(dir: string, root: string, node: { name: string; role: NodeRole }, f: SandboxFile, controller: string, installTime: Date): void {
  const m = (win: string) => mapWindowsPath(dir, root, win);
  const write = (win: string, content: string | Buffer, mtime?: Date) => {
    const file = m(win);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    if (mtime) fs.utimesSync(file, mtime, mtime);
    return file;
  };
  // Install dir (Program Files): the emulator shims, placeholders, the defaults settings, alteryx.config.
  fs.utimesSync(writeToolExecutable(m(WIN.serviceExe), 'AlteryxService', dir, node.name), installTime, installTime);
  // The MongoDB binaries Alteryx Server ships in its bin folder (the restore drill starts mongod.exe).
  for (const [exe, tool] of [
    [WIN.mongodExe, 'mongod'],
    [WIN.mongorestoreExe, 'mongorestore'],
    [WIN.mongodumpExe, 'mongodump'],
    // The engine that runs workflows: knob `workflows` starts it (workflow-procs.ts).
    [WIN.engineExe, 'AlteryxEngineCmd'],
  ] as const) {
    fs.utimesSync(writeToolExecutable(m(exe), tool, dir, node.name), installTime, installTime);
  }
  write(`${WIN.binDir}\\AlteryxGui.exe`, `Placeholder: AlteryxGui.exe of the Alteryx sandbox.\n`, installTime);
  write(`${WIN.binDir}\\version.txt`, `${f.version}\n`, installTime);
  write(WIN.defaultsXml, defaultsXml(node.role, f.mongo === 'embedded' && (f.persistence ?? 'mongo') === 'mongo'), installTime);
  const configTime = f.modifiedConfig ? new Date(installTime.getTime() + 9 * 86400_000 + 3723_000) : installTime;
  write(alteryxConfigWinPath(f.version), alteryxConfigText(f.version), configTime);
  // ProgramData: overrides, keys, engine files, tools.
  write(WIN.overridesXml, overridesXml(f, node, controller));
  for (const [name, size] of [
    ['DCM.key', 32],
    ['Gallery.key', 64],
    ['StorageKeys.key', 256],
  ] as const) {
    write(`${WIN.keysDir}\\${name}`, randomBytes(size));
  }
  write(WIN.systemAlias, SYSTEM_ALIAS_XML);
  write(WIN.systemConnections, SYSTEM_CONNECTIONS_XML);
  write(`${WIN.toolsDir}\\README.txt`, 'Custom tools installed for all users would be here.\n');
  fs.mkdirSync(m('D:\\Temp'), { recursive: true });
}

/**
 * Creates a simulated Alteryx Server in `dir` (see docs/sandbox.md). Refuses a non-empty folder that is not
 * a sandbox, and an existing sandbox unless `force`.
 */
export async function createSandbox(dir: string, opts: CreateOptions = {}): Promise<SandboxInfo> {
  const o = validate(opts);
  const abs = path.resolve(dir);
  prepareDir(abs, o.force);
  const now = new Date();
  // Installed 30 days ago, to the second (Windows keeps 100 ns; whole seconds survive every file system).
  const installTime = new Date(Math.floor(now.getTime() / 1000) * 1000 - 30 * 86400_000);
  const single = o.role === 'controller' ? SINGLE_NODES : [{ name: o.role === 'worker' ? 'ALTERYX-WKR1' : 'ALTERYX-UI1', role: o.role }];
  const nodes = (o.topology === 'single' ? single : MULTI_NODES).map((n, i) => ({
    ...n,
    root: i === 0 ? '.' : path.join('nodes', n.name),
  }));
  // A worker or UI machine points at a controller outside the sandbox.
  const controller = o.role === 'controller' ? nodes[0]!.name : REMOTE_CONTROLLER;
  const hasMongo = o.role === 'controller' && o.persistence === 'mongo';
  const f: SandboxFile = {
    format: 'alteryx-backup-sandbox',
    formatVersion: 1,
    created: now.toISOString(),
    installedAt: installTime.toISOString(),
    topology: o.topology,
    mongo: o.mongo,
    version: o.version,
    dbSizeMb: o.dbSizeMb,
    modifiedConfig: o.modifiedConfig,
    nodes,
    secrets: {
      controllerToken: hexUpper(versionAtLeast(o.version, 2021, 4) ? 64 : 40),
      mongoAdminPassword: randomBytes(16).toString('hex'),
      mongoNonAdminPassword: randomBytes(16).toString('hex'),
    },
    ...(o.persistence !== 'mongo' ? { persistence: o.persistence } : {}),
    ...(!hasMongo
      ? {}
      : o.mongo === 'embedded'
        ? { embeddedMongo: { node: controller, rootPath: WIN.embeddedMongoRoot, port: 27018 } }
        : {
            selfManaged: {
              host: 'mongo01',
              port: 27017,
              username: 'backup',
              password: randomBytes(12).toString('base64url'),
              authDatabase: 'admin',
              replicaSet: o.replicaSet ?? 'rs0',
              members: ['mongo01:27017', 'mongo02:27017'],
            },
          }),
    knobs: {},
  };
  // sandbox.json first: a half-created sandbox can be replaced with force.
  writeSandboxFile(abs, f);
  const info = infoOf(abs, f);
  for (const n of info.nodes) {
    writeNodeTree(abs, n.root, n, f, controller, installTime);
    initServiceState(abs, n.name, 'Running', installTime.toISOString());
  }
  if (hasMongo) {
    const dataDir = o.mongo === 'embedded' ? mapWindowsPath(abs, info.nodes[0]!.root, WIN.embeddedMongoRoot) : mongoServerDir(abs);
    generateDatabases(dataDir, o.dbSizeMb);
  }
  if (o.persistence === 'sqlite') {
    const file = mapWindowsPath(abs, info.nodes[0]!.root, SQLITE_PATH);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(4080)]));
  }
  writeInventoryFixtures(info);
  for (const tool of ['mongodump', 'mongorestore']) {
    writeToolExecutable(path.join(mongoToolsPathDir(abs), tool), tool, abs, controller);
  }
  fs.mkdirSync(path.join(abs, 'UNC'), { recursive: true });
  appendEvent(abs, {
    kind: 'sandbox',
    action: 'created',
    topology: o.topology,
    mongo: o.mongo,
    role: o.role,
    persistence: o.persistence,
    version: o.version,
    dbSizeMb: o.dbSizeMb,
  });
  return infoOf(abs, readSandboxFile(abs));
}
