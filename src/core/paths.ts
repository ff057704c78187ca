import { joinConfigured, type RunContext } from './context.ts';

/** Configured paths of the files a mode needs on a node. */
export function nodePaths(ctx: RunContext) {
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
