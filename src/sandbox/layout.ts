import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode, readSandboxFile, versionAtLeast } from './meta.ts';
import { mapWindowsPath } from './winpath.ts';
import { bundledLibDir } from '../util/bundle-dir.ts';

/** Windows paths of the install, as on a default Alteryx Server install. */
export const WIN = {
  serviceExe: 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe',
  engineExe: 'C:\\Program Files\\Alteryx\\bin\\AlteryxEngineCmd.exe',
  binDir: 'C:\\Program Files\\Alteryx\\bin',
  /** The MongoDB binaries Alteryx Server ships beside AlteryxService.exe (emulated; docs/sandbox.md). */
  mongodExe: 'C:\\Program Files\\Alteryx\\bin\\mongod.exe',
  mongorestoreExe: 'C:\\Program Files\\Alteryx\\bin\\mongorestore.exe',
  mongodumpExe: 'C:\\Program Files\\Alteryx\\bin\\mongodump.exe',
  defaultsXml: 'C:\\Program Files\\Alteryx\\bin\\RuntimeData\\RuntimeSettings.xml',
  overridesXml: 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml',
  keysDir: 'C:\\ProgramData\\Alteryx\\Keys',
  systemAlias: 'C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml',
  systemConnections: 'C:\\ProgramData\\Alteryx\\Engine\\SystemConnections.xml',
  toolsDir: 'C:\\ProgramData\\Alteryx\\Tools',
  alteryxConfig2020: 'C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config',
  alteryxConfig2019: 'C:\\Program Files\\Alteryx\\bin\\config\\alteryx.config',
  embeddedMongoRoot: 'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB',
} as const;

/** alteryx.config's Windows path for a version: bin\server\config (2020.1+), bin\config (2019.4 and older). */
export function alteryxConfigWinPath(version: string): string {
  return versionAtLeast(version, 2020, 1) ? WIN.alteryxConfig2020 : WIN.alteryxConfig2019;
}

/** Absolute path of the emulated AlteryxService.exe of that node. */
export function alteryxServiceExecutable(dir: string, node: string): string {
  const n = findNode(dir, node);
  return mapWindowsPath(dir, n.root, WIN.serviceExe);
}

/** Folder holding the emulated mongodump / mongorestore (prefix PATH with it). */
export function mongoToolsPathDir(dir: string): string {
  return path.join(path.resolve(dir), 'mongo-tools', 'bin');
}

/** Where the self-managed ("external") MongoDB keeps its data. */
export function mongoServerDir(dir: string): string {
  return path.join(path.resolve(dir), 'mongo-server');
}

/** The data folder of the sandbox's database: the embedded one (mapped EmbeddedMongoDBRootPath) or mongo-server. */
export function databaseDir(dir: string): string {
  const f = readSandboxFile(dir);
  if (f.mongo === 'self-managed' || !f.embeddedMongo) return mongoServerDir(dir);
  const n = findNode(dir, f.embeddedMongo.node, f);
  return mapWindowsPath(dir, n.root, f.embeddedMongo.rootPath);
}

/**
 * The emulator bundle (module/AlteryxBackup/lib/sandbox-emulator.mjs): next to the running bundle when this
 * code runs from lib/*.mjs, else (TypeScript source, e.g. tests under tsx) in the repo's module folder.
 * ALTERYX_SANDBOX_EMULATOR overrides both.
 */
export function emulatorBundlePath(): string {
  const env = process.env['ALTERYX_SANDBOX_EMULATOR'];
  if (env) return path.resolve(env);
  const lib = bundledLibDir();
  if (lib) return path.join(lib, 'sandbox-emulator.mjs');
  const here = fileURLToPath(import.meta.url);
  // src/sandbox/layout.ts → repo root
  let d = path.dirname(here);
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(d, 'module', 'AlteryxBackup', 'lib', 'sandbox-emulator.mjs');
    if (fs.existsSync(path.join(d, 'package.json')) || fs.existsSync(candidate)) return candidate;
    d = path.dirname(d);
  }
  return path.resolve(path.dirname(here), '..', '..', 'module', 'AlteryxBackup', 'lib', 'sandbox-emulator.mjs');
}
