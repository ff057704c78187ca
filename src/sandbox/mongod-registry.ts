// The sandbox's loopback "network": each running emulated mongod registers itself in
// DIR/net/127.0.0.1_<port>.json = {"pid": n, "dbpath": "<absolute local path>"} (plus "auth": true when it
// was started with --auth), so that the emulated mongorestore / mongodump find the data folder behind a
// loopback port. No zod here: this is part of the emulator bundle.
import fs from 'node:fs';
import path from 'node:path';

export interface LoopbackMongod {
  pid: number;
  dbpath: string;
  /** Started with --auth (it then demands authentication and has no users). */
  auth?: boolean;
}

/** DIR/net: the registrations of the running emulated mongods. */
export function netDir(dir: string): string {
  return path.join(path.resolve(dir), 'net');
}

/** DIR/net/127.0.0.1_<port>.json */
export function mongodRegistryFile(dir: string, port: number): string {
  return path.join(netDir(dir), `127.0.0.1_${port}.json`);
}

/** True while a process with that pid exists (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The emulated mongod listening on 127.0.0.1:<port> of this sandbox: its pid and its data folder (absolute
 * local path); undefined when none is registered there or its process has ended (a killed mongod).
 */
export function loopbackMongod(dir: string, port: number): { pid: number; dbpath: string; auth?: boolean } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(mongodRegistryFile(dir, port), 'utf8'));
  } catch {
    return undefined;
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const pid = o['pid'];
  const dbpath = o['dbpath'];
  if (typeof pid !== 'number' || typeof dbpath !== 'string' || !pidAlive(pid)) return undefined;
  return { pid, dbpath, ...(o['auth'] === true ? { auth: true } : {}) };
}

/** Writes the registration (atomically: temp file + rename). */
export function registerMongod(dir: string, port: number, entry: LoopbackMongod): void {
  const file = mongodRegistryFile(dir, port);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ pid: entry.pid, dbpath: entry.dbpath, ...(entry.auth ? { auth: true } : {}) }) + '\n');
  fs.renameSync(tmp, file);
}

/** Removes the registration when it is this process's (a later mongod on the same port keeps its own). */
export function unregisterMongod(dir: string, port: number, pid: number): void {
  const file = mongodRegistryFile(dir, port);
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
    if (o.pid !== pid) return;
  } catch {
    return;
  }
  fs.rmSync(file, { force: true });
}
