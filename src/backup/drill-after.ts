import type { Params } from '../config/load.ts';
import type { BackupConfig } from '../config/schema.ts';
import { runDrill, type DrillDeps } from '../restore/drill.ts';

/** The parts of a backup's result that a drill after it reads and amends. */
interface DrilledBackup {
  exitCode: number;
  success: boolean;
  message: string;
  archivePath: string | null;
  warnings: string[];
  summary: Record<string, unknown>;
}

/**
 * RestoreConfiguration.DrillAfterBackup: the hook at the end of a successful backup. Drills the archive
 * just published and records the outcome in the backup's result (summary.drill); a failed drill fails the
 * run with the drill's exit code. The method is RestoreConfiguration.DrillMethod: on a server a scratch
 * mongod on a spare port (DrillPort), against a sandbox a scratch sandbox.
 */
export async function drillAfterBackup(
  result: DrilledBackup,
  req: { params: Params; secrets: Record<string, string | undefined> },
  deps: Pick<DrillDeps, 'platform' | 'sink' | 'progress' | 'signal'>,
  config: BackupConfig,
): Promise<void> {
  if (!result.archivePath) return;
  const params: Params = { ...req.params, Path: result.archivePath };
  if (config.RestoreConfiguration.DrillScratchDirectory) params['ScratchPath'] = config.RestoreConfiguration.DrillScratchDirectory;
  const d = await runDrill(
    { params, secrets: { ArchivePassword: req.secrets['ArchivePassword'] }, dryRun: false },
    { platform: deps.platform, sink: deps.sink, progress: deps.progress, ...(deps.signal ? { signal: deps.signal } : {}) },
  );
  result.summary['drill'] = {
    exitCode: d.exitCode,
    success: d.success,
    message: d.message,
    documents: d.documents,
    timingsMs: d.timingsMs,
    logPath: d.logPath,
  };
  result.warnings = [...result.warnings, ...d.warnings];
  if (!d.success) {
    result.exitCode = d.exitCode;
    result.success = false;
    result.message = `${result.message} The restore drill of this archive failed (exit ${d.exitCode}): ${d.message}`;
  }
}
