/**
 * The sandbox's self-managed MongoDB as the driver sees it: a loopback wire-protocol peer (wire-peer.ts)
 * holding sandbox.json's `selfManaged` user, its replica set name and the databases of DIR/mongo-server.
 * The sandbox platform maps the simulated hosts (mongo01:27017, mongo02:27017) to it; any other host, or
 * the knob `mongo.unreachable`, maps to a closed loopback port (connection refused). Started on the first
 * connectivity check of a run, closed when the platform is disposed.
 */
import fs from 'node:fs';
import { knobsOf, mongoServerDir, readSandboxFile } from './index.ts';
import { closedLoopbackPort, startWirePeer, type WirePeer } from './wire-peer.ts';

export interface SandboxMongoPeer {
  dialAddress(hostPort: string): Promise<string>;
  close(): Promise<void>;
}

export function sandboxMongoPeer(dir: string): SandboxMongoPeer {
  let peer: Promise<WirePeer | undefined> | undefined;
  const start = async (): Promise<WirePeer | undefined> => {
    const sm = readSandboxFile(dir).selfManaged;
    if (!sm) return undefined;
    return startWirePeer({
      users: [{ username: sm.username, password: sm.password, db: sm.authDatabase }],
      ...(sm.replicaSet ? { setName: sm.replicaSet } : {}),
      databases: () => {
        try {
          return fs
            .readdirSync(mongoServerDir(dir), { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => d.name)
            .sort();
        } catch {
          return [];
        }
      },
    });
  };
  return {
    async dialAddress(hostPort) {
      const f = readSandboxFile(dir);
      const sm = f.selfManaged;
      const members = sm ? [`${sm.host}:${sm.port}`, ...(sm.members ?? [])].map((h) => h.toLowerCase()) : [];
      const withPort = /:\d+$/.test(hostPort) ? hostPort : `${hostPort}:27017`;
      if (!members.includes(withPort.toLowerCase()) || knobsOf(f).mongo.unreachable) return `127.0.0.1:${await closedLoopbackPort()}`;
      const p = await (peer ??= start());
      return p ? p.address : `127.0.0.1:${await closedLoopbackPort()}`;
    },
    async close() {
      const p = await peer;
      peer = undefined;
      await p?.close();
    },
  };
}
