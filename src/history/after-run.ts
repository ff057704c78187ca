// The one call the CLI makes once a run's result is known (before it is printed): the run goes into the catalog,
// and after a backup the health checks run over the catalog; what fires becomes a warning of the result (which
// the cmdlet's Event Log entry carries) and, for a backup that succeeded, an email through the configured SMTP.
import { hostname as osHostname } from 'node:os';
import type { Params } from '../config/load.ts';
import type { BackupConfig } from '../config/schema.ts';
import { sendEmail, smtpPassword, type RunOutcome } from '../alerts/index.ts';
import { RunLogger } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import { destinationsFreeOf, evaluateHealth, type HealthReason, type HealthStatus } from './health.ts';
import { openHistory, recordRun, type RunResultLike } from './record.ts';
import { readHistory } from './store.ts';
import type { RunKind } from './types.ts';

/** Prefix of the warnings the health check adds to a backup's result (the Event Log entry looks for it). */
export const HEALTH_WARNING_PREFIX = 'Health ';

export interface AfterRunContext {
  kind: RunKind;
  params: Params;
  secrets?: Record<string, string | undefined>;
  startedAt: Date;
  platform: (params: Params, config: BackupConfig) => Platform;
  now?: () => Date;
}

export interface AfterRunReport {
  health: { status: HealthStatus; reasons: HealthReason[] } | null;
  email: string | null;
}

/**
 * Records the run (and a DrillAfterBackup drill in its summary), then — after a backup, unless
 * HealthConfiguration.CheckAfterBackup is false — the health checks. Adds `warnings` and `health` to the
 * result object in place. Never throws and never changes the exit code.
 */
export async function afterRun(
  result: RunResultLike & { warnings?: string[]; success?: boolean; health?: unknown },
  ctx: AfterRunContext,
): Promise<AfterRunReport> {
  const report: AfterRunReport = { health: null, email: null };
  if (result.dryRun) return report;
  const warnings: string[] = [];
  const rec = await recordRun(result, ctx);
  warnings.push(...rec.warnings);
  const drill = (result.summary as Record<string, unknown> | undefined)?.['drill'] as (RunResultLike & { success: boolean }) | undefined;
  if (ctx.kind === 'backup' && drill) {
    const d = await recordRun(
      {
        ...drill,
        mode: result.mode ?? null,
        archivePath: result.archivePath ?? null,
        durationMs: Object.values((drill as { timingsMs?: Record<string, number> }).timingsMs ?? {}).reduce((a, b) => a + b, 0),
      },
      { ...ctx, kind: 'drill' },
    );
    warnings.push(...d.warnings);
  }
  if (ctx.kind === 'backup' && rec.record) {
    let h: ReturnType<typeof openHistory> | undefined;
    try {
      h = openHistory(ctx.params, ctx.platform);
      if (h.config.HealthConfiguration.CheckAfterBackup) {
        const destinationsFree = await destinationsFreeOf(h.config, h.platform);
        const v = evaluateHealth(readHistory(h.file).records, h.config.HealthConfiguration, { now: ctx.now?.() ?? new Date(), destinationsFree });
        report.health = { status: v.status, reasons: v.reasons };
        result.health = { status: v.status, reasons: v.reasons };
        const fired = v.reasons.filter((r) => r.check !== 'no-history');
        warnings.push(...fired.map((r) => `${HEALTH_WARNING_PREFIX}${r.severity}: ${r.message}`));
        // A failed run has had its failure email from the run itself; a good one whose checks fire gets this one.
        if (fired.length && result.exitCode === 0 && h.config.NotificationConfiguration.Enabled) {
          report.email = await healthEmail(result, h.config, v.status, fired, ctx, h.platform.system.hostname(), warnings);
        }
      }
    } catch (err) {
      warnings.push(`The health check after the backup could not run: ${(err as Error).message}`);
    } finally {
      await h?.platform.dispose().catch(() => {});
    }
  }
  result.warnings = [...(result.warnings ?? []), ...warnings];
  return report;
}

async function healthEmail(
  result: RunResultLike,
  config: BackupConfig,
  status: HealthStatus,
  fired: HealthReason[],
  ctx: AfterRunContext,
  host: string,
  warnings: string[],
): Promise<string> {
  const log = new RunLogger(() => {});
  for (const v of Object.values(ctx.secrets ?? {})) log.masker.add(v);
  const password = smtpPassword(ctx.secrets ?? {});
  log.masker.add(password);
  for (const r of fired) log.log(r.severity === 'CRITICAL' ? 'ERROR' : 'WARNING', `Health ${r.severity}: ${r.message}`);
  const cfg = config.NotificationConfiguration;
  const paramUser = ctx.params['SmtpUsername'];
  const username = typeof paramUser === 'string' && paramUser ? paramUser : cfg.SMTPUsername;
  const outcome: RunOutcome = {
    exitCode: 0,
    success: true,
    mode: result.mode ?? null,
    message: `${result.message} Health check: ${status} (${fired.length} reason(s)).`,
    archivePath: result.archivePath ?? null,
    sha256: result.sha256 ?? null,
    sizeBytes: result.sizeBytes ?? null,
    durationMs: result.durationMs ?? 0,
    logPath: result.logPath ?? null,
    destinations: result.destinations ?? [],
    warnings: result.warnings ?? [],
    verdict: `HEALTH ${status}`,
  };
  const res = await sendEmail({ config: cfg, outcome, log, hostname: host || osHostname(), startedAt: ctx.startedAt, username, password });
  if (res.status !== 'sent') warnings.push(log.masker.mask(`The health alert email could not be sent through ${cfg.SMTPServer}:${cfg.SMTPPort}: ${res.error}`));
  return res.status;
}
