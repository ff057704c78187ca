import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** What this machine answers to: its host name, its NetBIOS name (COMPUTERNAME) and its own addresses. */
export interface HostIdentity {
  hostnames: string[];
  addresses: string[];
}

export function localIdentity(): HostIdentity {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address);
  const names = [hostname(), process.env['COMPUTERNAME'] ?? ''].filter(Boolean);
  return { hostnames: names, addresses };
}

const shortName = (name: string) => name.split('.')[0]!.toLowerCase();

/**
 * Whether a configured node name means this machine: its short name case-insensitively (so the FQDN
 * `alteryx01.contoso.com` and `ALTERYX01` both do), `localhost`, `.`, a loopback address, or one of this
 * machine's own addresses. Anything else is a remote node (reached through \\host\C$ and WinRM).
 */
export function isLocalHost(name: string, me: HostIdentity = localIdentity()): boolean {
  let n = name.trim();
  if (n === '.' || n === '') return n === '.';
  n = n.replace(/^\[(.*)\]$/, '$1');
  if (isIP(n)) {
    const lower = n.toLowerCase();
    if (/^127\./.test(lower) || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    return me.addresses.some((a) => a.toLowerCase() === lower);
  }
  n = n.replace(/\.+$/, '');
  if (/^localhost$/i.test(n)) return true;
  return me.hostnames.some((h) => shortName(h) === shortName(n));
}
