// Knob defaults and helpers without zod, so that the emulator bundle stays small (knobs are validated when
// they are set, by setKnob in knobs.ts).
import { writeSandboxFile } from './meta.ts';
import type { Knobs, ServiceKnobs } from './knobs-schema.ts';
import type { SandboxFile } from './types.ts';
import { DEFAULT_TOOLS_VERSION } from './emulator/tools-format.ts';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});

/** The knobs with their defaults applied (same result as knobsSchema.parse for valid knobs). */
export function knobsOf(f: SandboxFile): Knobs {
  const r = obj(f.knobs);
  const mapValues = <T>(v: unknown, fn: (x: Raw) => T): Record<string, T> => Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, fn(obj(x))]));
  return {
    elevated: (r['elevated'] as boolean | undefined) ?? true,
    service: { stopSeconds: 1, startSeconds: 1, hangOnStop: false, failStart: false, ...obj(r['service']) },
    workflows: Array.isArray(r['workflows']) ? (r['workflows'] as Knobs['workflows']) : [],
    emongodump: { seconds: 0, fail: false, ...obj(r['emongodump']) },
    emongorestore: { seconds: 0, fail: false, logEncoding: 'utf8', ...obj(r['emongorestore']) },
    mongodump: { seconds: 0, fail: false, ...obj(r['mongodump']) },
    mongorestore: { fail: false, ...obj(r['mongorestore']) },
    mongo: { unreachable: false, ...obj(r['mongo']) },
    mongoTools: { version: DEFAULT_TOOLS_VERSION, ...obj(r['mongoTools']) },
    mongod: { failStart: false, startSeconds: 0, version: '7.0.12', ...obj(r['mongod']) },
    disk: { freeBytes: { ...obj(obj(r['disk'])['freeBytes']) }, missing: (obj(r['disk'])['missing'] as string[] | undefined) ?? [] },
    destinations: mapValues(r['destinations'], (x) => ({ offline: false, failTimes: 0, ...x })),
    nodes: mapValues(r['nodes'], (x) => ({ unreachable: false, ...x })),
  } as Knobs;
}

function nodeEntry<T>(rec: Record<string, T>, node: string): T | undefined {
  const k = Object.keys(rec).find((x) => x.toLowerCase() === node.toLowerCase());
  return k === undefined ? undefined : rec[k];
}

/** The service knobs of one node: the global ones, overridden by nodes.<name>.service.*. */
export function serviceKnobsFor(knobs: Knobs, node: string): ServiceKnobs {
  const o = nodeEntry(knobs.nodes, node)?.service ?? {};
  return {
    stopSeconds: o.stopSeconds ?? knobs.service.stopSeconds,
    startSeconds: o.startSeconds ?? knobs.service.startSeconds,
    hangOnStop: o.hangOnStop ?? knobs.service.hangOnStop,
    failStart: o.failStart ?? knobs.service.failStart,
  };
}

/** nodes.<name> of a node (names compare case-insensitively). */
export function nodeKnobs(knobs: Knobs, node: string): Knobs['nodes'][string] | undefined {
  return nodeEntry(knobs.nodes, node);
}

/** Normalises a destination key: `/` → `\`, no trailing separator. */
export function normalizeDestinationKey(p: string): string {
  return p.replace(/\//g, '\\').replace(/\\+$/, '');
}

/** Sets a raw knob value by path and writes sandbox.json (caller holds the lock and has read `f`). */
export function setKnobRaw(dir: string, f: SandboxFile, keys: string[], value: unknown): void {
  const raw = (f.knobs ?? {}) as Raw;
  let o = raw;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Raw;
  }
  o[keys[keys.length - 1] as string] = value;
  f.knobs = raw;
  writeSandboxFile(dir, f);
}
