import { ExitCode, exitCodeNames, type ExitCodeValue } from '../core/errors.ts';
import type { Manifest } from '../core/manifest.ts';
import type { RunLogger } from '../log/logger.ts';
import { formatDuration } from '../util/format.ts';

/**
 * The end of a restore or a drill: the summary lines of its log (time per part, the exit code, the
 * success line) and the fields every result event of both starts with.
 */
export function closeRun<C extends 'restore' | 'drill'>(
  log: RunLogger,
  o: {
    command: C;
    /** "Restore steps", "Drill timings". */
    partsLabel: string;
    parts: Record<string, number>;
    exitCode: ExitCodeValue;
    message: string;
    durationMs: number;
    archivePath: string | null;
    manifest: Manifest | undefined;
    dryRun: boolean;
  },
) {
  log.setStep('summary');
  log.info(
    `${o.partsLabel}: ${Object.entries(o.parts)
      .map(([k, v]) => `${k} ${formatDuration(v)}`)
      .join(', ')}`,
  );
  log.info(`Completed after ${formatDuration(o.durationMs)}; exit code ${o.exitCode} (${exitCodeNames[o.exitCode]})`);
  if (o.exitCode === ExitCode.Success) log.success(o.message);
  return {
    type: 'result' as const,
    command: o.command,
    exitCode: o.exitCode,
    success: o.exitCode === ExitCode.Success,
    message: log.masker.mask(o.message),
    archivePath: o.archivePath,
    mode: o.manifest?.mode ?? null,
    dryRun: o.dryRun,
    durationMs: o.durationMs,
    logPath: log.logPath ?? null,
  };
}
