import path from 'node:path';
import { knobsOf, normalizeDestinationKey, setKnobRaw, nodeKnobs } from './knobs-core.ts';
import type { DestinationFault } from './knobs.ts';
import { withLock } from './lock.ts';
import { findNode, infoOf, readSandboxFile } from './meta.ts';

/** Knob `elevated` (default true): whether the caller runs as Administrator. */
export function isElevated(dir: string): boolean {
  return knobsOf(readSandboxFile(dir)).elevated;
}

/** False when knob nodes.<name>.unreachable is true. */
export function nodeReachable(dir: string, node: string): boolean {
  const f = readSandboxFile(dir);
  const n = findNode(dir, node, f).name;
  return !nodeKnobs(knobsOf(f), n)?.unreachable;
}

/** Knob disk.missing (drive letters): false for a drive the account running the backup does not see. */
export function driveExists(dir: string, letter: string): boolean {
  return !knobsOf(readSandboxFile(dir)).disk.missing.includes(letter.toUpperCase());
}

/**
 * Knob destinations.<prefix>.freeBytes for a local path under `<sandboxDir>/UNC/...` (a share, which has no
 * drive letter), knob disk.freeBytes.<DRIVE> for a local path under `<nodeRoot>/<DRIVE>/...` of any node, else undefined
 * (the caller then uses statfs).
 */
export function freeBytesOverride(dir: string, localPath: string): number | undefined {
  const f = readSandboxFile(dir);
  const info = infoOf(dir, f);
  const target = path.resolve(localPath);
  const share = path.relative(path.join(path.resolve(dir), 'UNC'), target);
  if (share && !share.startsWith('..') && !path.isAbsolute(share))
    return matchDestination(knobsOf(f).destinations, `\\\\${share.split(path.sep).join('\\')}`)?.freeBytes;
  const roots = info.nodes.map((n) => n.root).sort((a, b) => b.length - a.length);
  for (const root of roots) {
    const rel = path.relative(root, target);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const first = rel.split(path.sep)[0] ?? '';
    if (!/^[A-Z]$/.test(first)) continue;
    return knobsOf(f).disk.freeBytes[first];
  }
  return undefined;
}

export interface DestinationFaultMatch extends DestinationFault {
  /** The knob key (a Windows path or UNC prefix) that matched. */
  prefix: string;
}

function matchDestination(faults: Record<string, DestinationFault>, winPath: string): DestinationFaultMatch | undefined {
  const p = normalizeDestinationKey(winPath).toLowerCase();
  let best: DestinationFaultMatch | undefined;
  for (const [prefix, fault] of Object.entries(faults)) {
    const k = normalizeDestinationKey(prefix).toLowerCase();
    if (p === k || p.startsWith(k + '\\')) {
      if (!best || prefix.length > best.prefix.length) best = { prefix, ...fault };
    }
  }
  return best;
}

/**
 * The knob destinations.<prefix> entry whose Windows path or UNC prefix contains `winPath` (longest prefix,
 * case-insensitive, `/` and `\` alike), else undefined.
 */
export function destinationFault(dir: string, winPath: string): DestinationFaultMatch | undefined {
  return matchDestination(knobsOf(readSandboxFile(dir)).destinations, winPath);
}

/**
 * For the storage code: call once per write to a destination. Returns 'offline' if the destination is
 * offline, 'fail' if this write must fail (failTimes is then decremented, under the lock), else 'ok'.
 */
export function consumeDestinationWrite(dir: string, winPath: string): 'ok' | 'offline' | 'fail' {
  return withLock(dir, () => {
    const f = readSandboxFile(dir);
    const m = matchDestination(knobsOf(f).destinations, winPath);
    if (!m) return 'ok';
    if (m.offline) return 'offline';
    if (m.failTimes > 0) {
      setKnobRaw(dir, f, ['destinations', m.prefix, 'failTimes'], m.failTimes - 1);
      return 'fail';
    }
    return 'ok';
  });
}
