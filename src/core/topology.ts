/**
 * A node's role from its RuntimeSettings.xml (issue 13), pure. alteryx-facts.md ("RuntimeSettings.xml: what
 * to read", "Multi-node deployments"): Controller/ControllerEnabled (False on a pure worker),
 * Environment/WorkerEnabled, Controller/GalleryEnabled (Server UI / Gallery), and on a node that points at
 * another controller Worker/UseLocalServer False with Worker/ServerName = the controller (host:port).
 *
 * - controller enabled with worker and Gallery: 'combined' (a complete single-machine Server; node role controller);
 * - controller enabled otherwise: 'controller';
 * - no controller, Gallery enabled: 'ui' (a Server UI / Gallery-only node);
 * - no controller, worker enabled or a remote controller named: 'worker';
 * - none of these elements: the controller is assumed, and said.
 */
import type { NodeRef, NodeRole } from '../platform/ports.ts';
import type { EffectiveSettings } from './settings.ts';

export type DetectedRole = 'controller' | 'worker' | 'ui' | 'combined';

export interface RoleDecision {
  role: DetectedRole;
  /** The role as the rest of the tool knows roles ('combined' is a controller). */
  nodeRole: NodeRole;
  /** Worker/ServerName when the node points at another controller (UseLocalServer False). */
  remoteController?: string | undefined;
  /** The elements that decided, with their values and files, for the log. */
  decidedBy: string;
}

const isTrue = (v: string | undefined) => /^true$/i.test((v ?? '').trim());
const isFalse = (v: string | undefined) => /^false$/i.test((v ?? '').trim());

export function detectNodeRole(s: EffectiveSettings | undefined): RoleDecision {
  if (!s) return { role: 'controller', nodeRole: 'controller', decidedBy: 'no RuntimeSettings.xml could be read: controller assumed' };
  const said: string[] = [];
  const read = (section: string, key: string) => {
    const v = s.get(section, key);
    if (v) said.push(`${v.element} = ${v.value || '(empty)'} (${v.from} file)`);
    return v?.value;
  };
  const controller = read('Controller', 'ControllerEnabled');
  const worker = read('Environment', 'WorkerEnabled');
  const gallery = read('Controller', 'GalleryEnabled');
  const useLocal = read('Worker', 'UseLocalServer');
  const serverName = (s.value('Worker', 'ServerName') ?? '').trim();
  const remote = isFalse(useLocal) && serverName ? serverName : undefined;
  if (remote) said.push(`Worker/ServerName = ${serverName}`);
  const by = said.join(', ');
  if (controller === undefined && worker === undefined && gallery === undefined && !remote) {
    return {
      role: 'controller',
      nodeRole: 'controller',
      decidedBy: 'no role elements (ControllerEnabled, WorkerEnabled, GalleryEnabled, Worker/UseLocalServer) in RuntimeSettings.xml: controller assumed',
    };
  }
  // A node that names another controller is not the controller, whatever a stale ControllerEnabled says.
  if (isTrue(controller) && !remote) {
    const combined = isTrue(worker) && isTrue(gallery);
    return { role: combined ? 'combined' : 'controller', nodeRole: 'controller', decidedBy: by };
  }
  if (isTrue(gallery)) return { role: 'ui', nodeRole: 'ui', remoteController: remote, decidedBy: by };
  if (isTrue(worker) || remote) return { role: 'worker', nodeRole: 'worker', remoteController: remote, decidedBy: by };
  if (controller === undefined) return { role: 'controller', nodeRole: 'controller', decidedBy: `${by}; ControllerEnabled not set: controller assumed` };
  // Nothing enabled at all: report it as a worker-like node that owns no data (the safest reading).
  return { role: 'worker', nodeRole: 'worker', remoteController: remote, decidedBy: `${by}; no component enabled` };
}

export interface TopologyResolution {
  nodes: NodeRef[];
  /** Per node, what its RuntimeSettings.xml says. */
  detected: Map<string, RoleDecision>;
  /** Where a configured role contradicts the file: both values. */
  warnings: string[];
  /** One line per node for the log. */
  lines: string[];
}

/**
 * The nodes of this run. `configured` = ServerConfiguration.Nodes (or a multi-node sandbox) were given: their
 * roles stand and every contradiction with a node's file is a warning naming both values. Not configured (a
 * single machine): the role is the one its RuntimeSettings.xml says.
 */
export function resolveTopology(nodes: NodeRef[], configured: boolean, settingsOf: (node: NodeRef) => EffectiveSettings | undefined): TopologyResolution {
  const detected = new Map<string, RoleDecision>();
  const warnings: string[] = [];
  const lines: string[] = [];
  const out = nodes.map((n) => {
    const d = detectNodeRole(settingsOf(n));
    detected.set(n.name, d);
    if (configured) {
      if (d.nodeRole !== n.role) {
        warnings.push(
          `Node ${n.name}: ServerConfiguration.Nodes says role "${n.role}", but its RuntimeSettings.xml says "${d.role}" (${d.decidedBy}); the configured role is used.`,
        );
      }
      lines.push(`${n.name} (${n.role})${d.nodeRole !== n.role ? ` [its RuntimeSettings.xml says ${d.role}]` : ''}`);
      return n;
    }
    lines.push(`${n.name} (${d.role}, from RuntimeSettings.xml: ${d.decidedBy}${d.remoteController ? `; its controller is ${d.remoteController}` : ''})`);
    return { ...n, role: d.nodeRole };
  });
  return { nodes: out, detected, warnings, lines };
}
