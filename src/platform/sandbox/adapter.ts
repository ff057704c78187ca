import { statfs } from 'node:fs/promises';
import { delimiter } from 'node:path';
import * as sb from '../../sandbox/index.ts';
import type { NodeRef, Platform, ScratchServer, ScratchServerPort } from '../ports.ts';
import { runProcess } from '../../util/exec.ts';
import { sandboxMongoPeer } from '../../sandbox/sandbox-peer.ts';
import { sandboxInventory } from '../../sandbox/inventory.ts';

/**
 * The sandbox adapter: the same ports as Windows, answered by the simulated server on disk. Windows
 * paths map into the sandbox folder here and nowhere else; the core never knows it is in a sandbox.
 */
export function sandboxPlatform(dir: string): Platform {
  const info = sb.openSandbox(dir);
  // realworld (issue 13): a single-machine sandbox is a server with no ServerConfiguration.Nodes: like
  // choosePlatform on Windows it starts as the controller, and the backup reads the role from RuntimeSettings.xml.
  const nodes: NodeRef[] = info.nodes.map((n) => ({ name: n.name, role: info.topology === 'single' ? 'controller' : n.role, local: n.root === info.path }));
  const rootOf = (node?: NodeRef) => {
    const n = info.nodes.find((x) => x.name === node?.name) ?? info.nodes.find((x) => x.root === info.path) ?? info.nodes[0]!;
    return n.root;
  };
  // The simulated self-managed MongoDB, for the driver's connectivity check (started on first use).
  const mongo = sandboxMongoPeer(info.path);
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${sb.mongoToolsPathDir(info.path)}${delimiter}${process.env['PATH'] ?? ''}` });
  return {
    kind: 'sandbox',
    description: `sandbox ${info.path} (${info.topology}, ${info.mongo} MongoDB, Alteryx Server ${info.version})`,
    nodes,
    paths: { resolve: (p, node) => sb.mapWindowsPath(info.path, rootOf(node), p) },
    services: {
      getState: async (node) => sb.getServiceState(info.path, node.name),
      requestStop: async (node) => sb.requestServiceStop(info.path, node.name),
      requestStart: async (node) => sb.requestServiceStart(info.path, node.name),
      logOnAccount: async () => 'LocalSystem',
    },
    processes: {
      runningWorkflows: async (node) => sb.runningWorkflows(info.path, node.name).map((w) => ({ name: w.name, pid: w.pid })),
      stopWorkflows: async (node) => sb.killWorkflows(info.path, node.name),
    },
    alteryx: {
      // The configured exe path is mapped like any other: the sandbox's shim lives at the install path.
      run: (node, exePath, arg, opts) =>
        runProcess(sb.mapWindowsPath(info.path, rootOf(node), exePath), [arg], {
          env: env(),
          timeoutMs: opts?.timeoutMs,
          signal: opts?.signal,
          onSpawn: opts?.onSpawn,
        }),
    },
    system: {
      isElevated: async () => sb.isElevated(info.path),
      freeBytes: async (localPath) => {
        const o = sb.freeBytesOverride(info.path, localPath);
        if (o !== undefined) return o;
        const s = await statfs(localPath);
        return Number(s.bavail) * Number(s.bsize);
      },
      hostname: () => nodes.find((n) => n.local)?.name ?? nodes[0]!.name,
      reachable: async (node) => sb.nodeReachable(info.path, node.name),
      driveExists: async (letter) => sb.driveExists(info.path, letter),
      // What a typical Server node has installed; the sandbox has no registry to read.
      inventory: async () => ({
        odbcDrivers: ['SQL Server', 'ODBC Driver 17 for SQL Server', 'Simba Snowflake ODBC Driver'],
        dsns: [
          { name: 'Warehouse', driver: 'ODBC Driver 17 for SQL Server' },
          { name: 'Snowflake_Prod', driver: 'Simba Snowflake ODBC Driver' },
        ],
      }),
    },
    storage: {
      probe: async (dest) => {
        const f = sb.destinationFault(info.path, dest);
        return f?.offline ? `the network path was not found (sandbox knob destinations.${f.prefix}.offline)` : undefined;
      },
      beforeWrite: async (dest) => {
        const verdict = sb.consumeDestinationWrite(info.path, dest);
        const f = sb.destinationFault(info.path, dest);
        if (verdict === 'offline') throw new Error(`The network path was not found: ${dest} (sandbox knob destinations.${f?.prefix ?? dest}.offline)`);
        // A share that fails: the connection drops half-way through the write, leaving a partial file behind.
        return { throttleMBps: f?.slowMBps, interruptAfterFraction: verdict === 'fail' ? 0.5 : undefined };
      },
    },
    mongo: { dialAddress: (hostPort) => mongo.dialAddress(hostPort) },
    inventory: sandboxInventory(info),
    scratch: scratchPort(info.version, info.path),
    childEnv: env,
    dispose: () => mongo.close(),
  };
}

/** The drill's scratch server: a fresh sandbox of the archive's version and topology. */
function scratchPort(liveVersion: string, livePath: string): ScratchServerPort {
  return {
    liveVersion,
    create: async (dir, opts): Promise<ScratchServer> => {
      await sb.createSandbox(dir, {
        topology: opts.topology,
        mongo: opts.selfManaged ? 'self-managed' : 'embedded',
        version: sb.fullVersion(opts.version),
        dbSizeMb: 0.05,
      });
      sb.setKnob(dir, 'service.stopSeconds', '0.1');
      sb.setKnob(dir, 'service.startSeconds', '0.1');
      // realworld (issue 13): the scratch server runs the live server's tools (their output format).
      sb.copyToolKnobs(livePath, dir);
      return {
        dir,
        mongoPassword: opts.selfManaged ? sb.readSandboxFile(dir).selfManaged?.password : undefined,
        platform: () => sandboxPlatform(dir),
        documentCounts: async () => sb.databaseDocumentCounts(dir),
      };
    },
  };
}
