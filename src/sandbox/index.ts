// The sandbox: a simulated Alteryx Server on disk (see docs/sandbox.md). Used by the sandbox platform
// adapter, by the tests and by the demo.
import fs from 'node:fs';
import path from 'node:path';
import { countBsonDocuments } from './bson-io.ts';
import { databaseDir } from './layout.ts';
import { openSandbox, readSandboxFile } from './meta.ts';
import { getServiceState, runningWorkflows } from './service.ts';
import type { NodeRole, WinServiceState } from './types.ts';

export type {
  CreateOptions,
  MongoKind,
  NodeRole,
  Persistence,
  SandboxFile,
  SandboxInfo,
  SandboxNode,
  SelfManagedMongo,
  Topology,
  WinServiceState,
} from './types.ts';
export { createSandbox, fullVersion } from './create.ts';
export { openSandbox, isSandbox, readSandboxFile, versionAtLeast } from './meta.ts';
export { mapWindowsPath, isWindowsPath } from './winpath.ts';
export {
  getServiceState,
  getServiceDetail,
  requestServiceStop,
  requestServiceStart,
  setServiceState,
  runningWorkflows,
  killWorkflows,
  type RunningWorkflow,
  type NodeServiceState,
} from './service.ts';
export { isElevated, nodeReachable, driveExists, freeBytesOverride, destinationFault, consumeDestinationWrite, type DestinationFaultMatch } from './faults.ts';
export { alteryxServiceExecutable, mongoToolsPathDir, mongoServerDir, databaseDir, emulatorBundlePath, alteryxConfigWinPath, WIN } from './layout.ts';
export { appendEvent, readEvents, eventsFile, type SandboxEvent } from './events.ts';
export { readKnobs, setKnob, copyToolKnobs, type Knobs, type DestinationFault } from './knobs.ts';
export { knobsSchema } from './knobs-schema.ts';
export { knobsOf } from './knobs-core.ts';
export { countBsonDocuments } from './bson-io.ts';
export { loopbackMongod, mongodRegistryFile, netDir } from './mongod-registry.ts';
export { DATABASES, COLLECTIONS } from './data-gen.ts';

/** The true document counts of the sandbox's database (embedded or self-managed): db → collection → docs. */
export function databaseDocumentCounts(dir: string): Record<string, Record<string, number>> {
  const root = databaseDir(dir);
  const out: Record<string, Record<string, number>> = {};
  let dbs: string[] = [];
  try {
    dbs = fs
      .readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return out;
  }
  for (const db of dbs) {
    for (const f of fs.readdirSync(path.join(root, db)).sort()) {
      if (!f.endsWith('.bson')) continue;
      (out[db] ??= {})[f.slice(0, -5)] = countBsonDocuments(path.join(root, db, f));
    }
  }
  return out;
}

export interface SandboxStatus {
  path: string;
  nodes: { name: string; role: NodeRole; service: WinServiceState; workflows: string[] }[];
  /** A self-managed sandbox's simulated MongoDB: what a backup of it needs (test values of this sandbox). */
  mongoCredentials?: { hosts: string[]; replicaSet?: string; username: string; password: string; authDatabase: string };
}

/** Each node's role, service state (transitions applied) and running workflows. */
export function sandboxStatus(dir: string): SandboxStatus {
  const info = openSandbox(dir);
  const sm = readSandboxFile(dir).selfManaged;
  return {
    path: info.path,
    ...(sm
      ? {
          mongoCredentials: {
            hosts: sm.members?.length ? sm.members : [`${sm.host}:${sm.port}`],
            ...(sm.replicaSet ? { replicaSet: sm.replicaSet } : {}),
            username: sm.username,
            password: sm.password,
            authDatabase: sm.authDatabase,
          },
        }
      : {}),
    nodes: info.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      service: getServiceState(dir, n.name),
      workflows: runningWorkflows(dir, n.name).map((w) => w.name),
    })),
  };
}
