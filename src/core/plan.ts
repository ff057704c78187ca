import type { BackupMode } from '../config/schema.ts';

/** What a backup captures. The three modes are presets over these scopes. */
export type Scope = 'Database' | 'Config' | 'Keys' | 'Secrets' | 'Metadata';

export const MODE_SCOPES: Record<BackupMode, readonly Scope[]> = {
  Full: ['Database', 'Config', 'Keys', 'Secrets', 'Metadata'],
  DatabaseOnly: ['Database', 'Metadata'],
  ConfigOnly: ['Config', 'Keys', 'Secrets', 'Metadata'],
};

/** Archive name suffix per mode (REQ-1.1.5). */
export const MODE_SUFFIX: Record<BackupMode, string> = { Full: 'Full', DatabaseOnly: 'DB', ConfigOnly: 'Config' };

export interface PlanInput {
  mode: BackupMode;
  mongoType: 'embedded' | 'selfManaged';
  stopServiceForExternalDB: boolean;
  multiNode: boolean;
}

export interface PlannedStep {
  name: string;
  description: string;
  /** True when the step changes the server or the destinations. */
  changesState: boolean;
}

export interface Plan {
  mode: BackupMode;
  scopes: readonly Scope[];
  stopsService: boolean;
  steps: PlannedStep[];
}

export function stopsService(input: PlanInput): boolean {
  const scopes = MODE_SCOPES[input.mode];
  if (!scopes.includes('Database')) return false;
  return input.mongoType === 'embedded' || input.stopServiceForExternalDB;
}

/** Pure: mode -> scopes -> ordered steps. The runner executes it; -WhatIf prints it. */
export function buildPlan(input: PlanInput): Plan {
  const scopes = MODE_SCOPES[input.mode];
  const stop = stopsService(input);
  const has = (s: Scope) => scopes.includes(s);
  const steps: PlannedStep[] = [];
  const add = (name: string, description: string, changesState = false) => steps.push({ name, description, changesState });

  add('preflight', 'Check Administrator rights, the service, critical paths, free space and destinations');
  if (has('Database') && input.mongoType === 'selfManaged') {
    add('mongo-check', 'Connect to the self-managed MongoDB and authenticate (nothing is stopped before this passes)');
  }
  if (stop) {
    add('workflows', 'Wait for running workflows (AlteryxEngineCmd.exe) to finish');
    add('stop-service', input.multiNode ? 'Stop AlteryxService on UI nodes, then workers, then the controller' : 'Stop AlteryxService', true);
  }
  if (has('Database')) {
    add('dump', input.mongoType === 'embedded' ? 'Dump the embedded MongoDB (AlteryxService.exe emongodump)' : 'Dump the self-managed MongoDB (mongodump --gzip)');
  }
  if (has('Config')) add('files', 'Copy RuntimeSettings.xml, Keys, SystemAlias.xml, SystemConnections.xml, alteryx.config (if modified)');
  if (has('Secrets')) add('secrets', 'Export the controller token and the MongoDB passwords');
  if (stop) add('start-service', input.multiNode ? 'Start AlteryxService on the controller, then workers, then UI nodes' : 'Start AlteryxService', true);
  if (has('Metadata')) add('metadata', 'Record server version, node roles, service account and Run As user');
  add('archive', 'Write the ZIP with manifest.json (SHA-256 of every file)', true);
  add('verify', 'Reopen the archive with an independent reader and check it against the manifest');
  add('publish', 'Publish the archive and its .sha256 under their final names', true);
  add('copy', 'Copy to the network destinations and verify each copy', true);
  add('retention', 'Apply the retention policy of this mode', true);
  add('cleanup', 'Remove the staging folder', true);
  return { mode: input.mode, scopes, stopsService: stop, steps };
}
