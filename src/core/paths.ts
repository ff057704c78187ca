import type { BackupConfig } from '../config/schema.ts';

/** Joins path parts in the style of the configured base (Windows `\` or POSIX `/`). */
export function joinConfigured(base: string, ...parts: string[]): string {
  const win = /^[A-Za-z]:/.test(base) || base.startsWith('\\\\') || (base.includes('\\') && !base.includes('/'));
  const sep = win ? '\\' : '/';
  const trimmed = base.replace(/[\\/]+$/, '');
  return [trimmed, ...parts.map((p) => p.replace(/^[\\/]+|[\\/]+$/g, ''))].join(sep);
}

/** Configured paths of the files a mode needs on a node. */
export function nodePaths(ctx: { config: BackupConfig }) {
  const s = ctx.config.ServerConfiguration;
  const pd = s.ProgramDataDirectory;
  const inst = s.InstallDirectory;
  return {
    overrides: joinConfigured(pd, 'RuntimeSettings.xml'),
    defaults: joinConfigured(inst, 'bin', 'RuntimeData', 'RuntimeSettings.xml'),
    keys: joinConfigured(pd, 'Keys'),
    systemAlias: joinConfigured(pd, 'Engine', 'SystemAlias.xml'),
    systemConnections: joinConfigured(pd, 'Engine', 'SystemConnections.xml'),
    alteryxConfigNew: joinConfigured(inst, 'bin', 'server', 'config', 'alteryx.config'),
    alteryxConfigOld: joinConfigured(inst, 'bin', 'config', 'alteryx.config'),
    exe: s.AlteryxServicePath,
  };
}
