import type { BackupMode } from '../config/schema.ts';
import type { PlannedStep } from '../core/plan.ts';

/** What a restore puts back, decided from the archive's mode and the requested restore mode. */
export interface RestoreScope {
  database: boolean;
  config: boolean;
  secrets: boolean;
}

const HAS_DB: Record<BackupMode, boolean> = { Full: true, DatabaseOnly: true, ConfigOnly: false };
const HAS_CFG: Record<BackupMode, boolean> = { Full: true, DatabaseOnly: false, ConfigOnly: true };

/**
 * The scope of a restore: the archive's mode, narrowed by an explicit restore mode (a Full archive can be
 * restored as ConfigOnly or DatabaseOnly). Returns an error text when the archive does not hold what is asked.
 */
export function restoreScope(
  archive: { mode: BackupMode; dumped: boolean; hasToken: boolean },
  requested: BackupMode | undefined,
): RestoreScope | string {
  const want = requested ?? archive.mode;
  if (HAS_DB[want] && !HAS_DB[archive.mode]) return `a ${want} restore needs the database, and this ${archive.mode} archive holds none`;
  if (HAS_CFG[want] && !HAS_CFG[archive.mode]) return `a ${want} restore needs the configuration files, and this ${archive.mode} archive holds none`;
  const database = HAS_DB[want] && archive.dumped;
  if (HAS_DB[want] && !archive.dumped) return `the archive's manifest says the database was not dumped`;
  const config = HAS_CFG[want];
  return { database, config, secrets: config && archive.hasToken };
}

/** Pure: the ordered steps of a restore (host-recovery order); -WhatIf prints them. */
export function buildRestorePlan(input: {
  scope: RestoreScope;
  multiNode: boolean;
  extractFolder: string;
  preRestoreFolder: string;
  /** The archive's database is a self-managed MongoDB's (mongodump): mongorestore, pre-restore dump. */
  selfManaged?: boolean;
  /** False for a self-managed database-only restore without StopServiceForExternalDB. */
  stopsService?: boolean;
}): PlannedStep[] {
  const { scope, multiNode } = input;
  const selfManaged = !!input.selfManaged && scope.database;
  const stops = input.stopsService ?? true;
  const steps: PlannedStep[] = [];
  const add = (name: string, description: string, changesState = false) => steps.push({ name, description, changesState });
  add('verify', 'Verify the archive: every entry against its manifest SHA-256, the .sha256 beside it, safe entry names');
  add('preflight', 'Check Administrator rights, the service on every node, the server version, free space');
  if (selfManaged) add('mongo-check', 'Check the self-managed MongoDB: reachable, credentials accepted (driver ping), mongodump and mongorestore present');
  add('extract', `Extract the archive to ${input.extractFolder}`);
  if (stops) {
    add('workflows', 'Wait for running workflows (AlteryxEngineCmd.exe) to finish');
    add('stop-service', multiNode ? 'Stop AlteryxService on UI nodes, then workers, then the controller' : 'Stop AlteryxService', true);
  }
  const saveFiles = scope.config ? `Save the files about to be overwritten to ${input.preRestoreFolder}` : '';
  const saveDb = !scope.database
    ? ''
    : selfManaged
      ? `dump the current MongoDB (mongodump --gzip) to ${input.preRestoreFolder}\\MongoDB for the rollback`
      : 'move the current MongoDB data folder aside';
  add('pre-restore', saveFiles ? `${saveFiles}${saveDb ? ` and ${saveDb}` : ''}` : `${saveDb.charAt(0).toUpperCase()}${saveDb.slice(1)}`, true);
  if (scope.config) add('files', 'Restore RuntimeSettings.xml (overrides, never the defaults file), Keys, SystemAlias.xml, SystemConnections.xml, alteryx.config as captured', true);
  if (scope.secrets) add('server-secret', 'Set the controller token captured in the archive (AlteryxService.exe setserversecret)', true);
  if (scope.database) {
    add(
      'database',
      selfManaged
        ? 'Restore MongoDB (mongorestore --gzip --drop, the Alteryx databases only) and judge its output; on failure restore the pre-restore dump'
        : 'Restore MongoDB (AlteryxService.exe emongorestore) and judge mongoRestore.log',
      true,
    );
  }
  if (stops) add('start-service', multiNode ? 'Start AlteryxService on the controller, then workers, then UI nodes' : 'Start AlteryxService', true);
  add('check', `Check the restored files against the manifest, document counts against the manifest${stops ? ', services Running' : ''}`);
  add('cleanup', 'Remove the extraction folder (it holds the controller token in clear)', true);
  return steps;
}
