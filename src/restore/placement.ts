import { joinConfigured } from '../core/context.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { Manifest, ManifestFile } from '../core/manifest.ts';
import type { nodePaths } from '../core/paths.ts';
import type { NodeRef } from '../platform/ports.ts';
import type { RestoreScope } from './plan.ts';

/** Where one archive file goes: the node, its path in the archive without the node prefix, the configured target. */
export interface Placement {
  file: ManifestFile;
  node: NodeRef;
  /** The path inside a node's part of the archive (`Config/...`). */
  rel: string;
  /** Where it goes on the node (configured form). */
  configured: string;
}

/**
 * Maps the archive's nodes onto this server's: by host name, then by role in order (a restore onto a
 * new host, or a drill into a scratch sandbox). Throws (exit 3) for an archive node with no counterpart.
 */
export function mapNodes(archiveNodes: Array<{ name: string; role: string }>, target: NodeRef[]): { map: Map<string, NodeRef>; notes: string[] } {
  const map = new Map<string, NodeRef>();
  const notes: string[] = [];
  const used = new Set<string>();
  for (const a of archiveNodes) {
    const t = target.find((n) => n.name.toLowerCase() === a.name.toLowerCase());
    if (t) {
      map.set(a.name, t);
      used.add(t.name);
    }
  }
  for (const a of archiveNodes) {
    if (map.has(a.name)) continue;
    const t = target.find((n) => n.role === a.role && !used.has(n.name));
    if (!t) {
      throw new BackupError(
        ExitCode.Validation,
        `The archive's node ${a.name} (${a.role}) has no counterpart on this server (nodes: ${target.map((n) => `${n.name} (${n.role})`).join(', ')}).`,
        'Configure ServerConfiguration.Nodes with the same host names and roles as the backed-up server, or restore with -RestoreMode DatabaseOnly.',
      );
    }
    map.set(a.name, t);
    used.add(t.name);
    notes.push(`The archive's node ${a.name} (${a.role}) is restored onto ${t.name} (same role)`);
  }
  return { map, notes };
}

/** Where one archive config file goes on its node (configured form); 'skip' for the defaults file. */
export function configTarget(rel: string, p: ReturnType<typeof nodePaths>, source?: string): string | 'skip' | undefined {
  if (rel === 'Config/RuntimeSettings.xml') return p.overrides;
  if (rel === 'Config/RuntimeSettings.defaults.xml') return 'skip';
  if (rel === 'Config/Engine/SystemAlias.xml') return p.systemAlias;
  if (rel === 'Config/Engine/SystemConnections.xml') return p.systemConnections;
  if (rel === 'Config/alteryx.config') {
    // As captured: the 2019.4-and-older location when it came from there, else bin\server\config.
    return source && /[\\/]bin[\\/]config[\\/]alteryx\.config$/i.test(source) ? p.alteryxConfigOld : p.alteryxConfigNew;
  }
  if (rel.startsWith('Config/Keys/')) return joinConfigured(p.keys, ...rel.slice('Config/Keys/'.length).split('/'));
  return undefined;
}

/**
 * Pure: which archive file goes where on this server (nothing for a restore without the configuration).
 * Returns the placements and the notes to warn about (node mapping, entries this tool does not restore).
 * Throws (exit 3) for an entry of an unknown node, and when there is no RuntimeSettings.xml to restore.
 */
export function placeFiles(
  m: Pick<Manifest, 'files' | 'nodes'>,
  nodes: NodeRef[],
  paths: ReturnType<typeof nodePaths>,
  scope: RestoreScope,
): { placements: Placement[]; notes: string[] } {
  if (!scope.config) return { placements: [], notes: [] };
  const { map: nodeMap, notes } = mapNodes(m.nodes, nodes);
  const multiArchive = m.nodes.length > 1;
  const placements: Placement[] = [];
  for (const f of m.files) {
    let rel = f.path;
    let archNode = m.nodes[0]?.name ?? '';
    if (multiArchive) {
      const mm = /^nodes\/([^/]+)\/(.+)$/.exec(f.path);
      if (!mm) continue;
      archNode = mm[1]!;
      rel = mm[2]!;
    }
    if (!rel.startsWith('Config/')) continue;
    const node = nodeMap.get(archNode) ?? [...nodeMap.entries()].find(([k]) => k.toLowerCase() === archNode.toLowerCase())?.[1];
    if (!node) throw new BackupError(ExitCode.Validation, `The archive entry ${f.path} belongs to node ${archNode}, which is not in the manifest's node list.`);
    const target = configTarget(rel, paths, f.source);
    if (target === 'skip') continue;
    if (target === undefined) {
      notes.push(`The archive entry ${f.path} is not a file this tool restores; left out`);
      continue;
    }
    placements.push({ file: f, node, rel, configured: target });
  }
  if (!placements.some((x) => x.rel === 'Config/RuntimeSettings.xml')) {
    throw new BackupError(ExitCode.Validation, 'The archive holds no RuntimeSettings.xml to restore.', 'Use a Full or ConfigOnly archive made by this tool.');
  }
  return { placements, notes };
}

/** The host-recovery order of the files: RuntimeSettings.xml, Keys, SystemAlias/SystemConnections, alteryx.config. */
export function restoreOrder(placements: readonly Placement[]): Placement[] {
  const rank = (rel: string) => (rel === 'Config/RuntimeSettings.xml' ? 0 : rel.startsWith('Config/Keys/') ? 1 : rel.startsWith('Config/Engine/') ? 2 : 3);
  return [...placements].sort((a, b) => rank(a.rel) - rank(b.rel));
}

/** The archive files a restore extracts: the placed ones, the controller token, the dump. */
export function extractedBy(placements: readonly Placement[], scope: RestoreScope): (f: ManifestFile) => boolean {
  return (f) =>
    placements.some((x) => x.file.path === f.path) ||
    (scope.secrets && f.path === 'Secrets/ControllerToken.txt') ||
    (scope.database && f.path.startsWith('MongoDB/'));
}
