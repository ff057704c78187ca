import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Params } from '../config/load.ts';
import type { BackupConfig } from '../config/schema.ts';
import { BackupError, ExitCode } from '../core/errors.ts';
import type { NodeRef, Platform } from './ports.ts';
import { sandboxPlatform } from './sandbox/adapter.ts';
import { windowsPlatform } from './windows/adapter.ts';
import { isLocalHost } from './localhost.ts';

/** Sandbox when SandboxPath is given; Windows otherwise (and only on Windows). */
export function choosePlatform(params: Params, config: BackupConfig): Platform {
  const sandbox = params['SandboxPath'];
  if (typeof sandbox === 'string' && sandbox.length > 0) return sandboxPlatform(resolve(sandbox));
  if (process.platform !== 'win32') {
    throw new BackupError(
      ExitCode.Validation,
      'This machine is not a Windows server with Alteryx Server.',
      'Run against a simulated server with --sandbox DIR (-SandboxPath); create one with "alteryx-backup sandbox create DIR".',
    );
  }
  const nodes: NodeRef[] = config.ServerConfiguration.Nodes.length
    ? config.ServerConfiguration.Nodes.map((n) => ({ name: n.Name, role: n.Role, local: isLocalHost(n.Name) }))
    : [{ name: hostname(), role: 'controller', local: true }];
  return windowsPlatform({ serviceName: config.ServerConfiguration.ServiceName, nodes });
}
