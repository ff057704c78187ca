import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext, type ServiceRecord } from '../core/context.ts';
import type { NodeRef, ServiceState } from '../platform/ports.ts';
import { formatDuration } from '../util/format.ts';
import { startOrder } from '../core/plan.ts';

export { startOrder, stopOrder } from '../core/plan.ts';

function pollMs(ctx: RunContext): number {
  return Math.max(50, ctx.config.ServiceConfiguration.PollIntervalSeconds * 1000);
}

/** The first wait between two service state polls (issue 15): a quick transition is seen within about 0.3 s. */
export const FIRST_POLL_MS = 100;

/**
 * Issue 15: the waits between the polls of a service's state: FIRST_POLL_MS, doubling up to the configured
 * interval (PollIntervalSeconds). A transition is seen at most one current wait after it happened: within 0.1 s
 * in the first 0.1 s, 0.3 s in the first 0.3 s, and never more than PollIntervalSeconds late.
 */
export function* pollDelays(maxMs: number, firstMs = FIRST_POLL_MS): Generator<number, never> {
  let d = Math.min(firstMs, maxMs);
  for (;;) {
    yield d;
    d = Math.min(d * 2, maxMs);
  }
}

/**
 * REQ-2.1.5 / 6.1.4: waits while AlteryxEngineCmd.exe runs on any node that is about to stop, up to
 * MaxWorkflowWaitSeconds, logging which workflows run. On timeout: exit 2 with nothing touched, unless
 * ForceStopWorkflows.
 */
export async function waitForWorkflows(ctx: RunContext): Promise<void> {
  const { platform, log, clock } = ctx;
  const limitMs = ctx.config.ServiceConfiguration.MaxWorkflowWaitSeconds * 1000;
  const start = clock.now();
  let lastSeen = '';
  for (;;) {
    const running: string[] = [];
    for (const node of ctx.nodes) {
      for (const wf of await platform.processes.runningWorkflows(node)) running.push(`${wf.name} (pid ${wf.pid} on ${node.name})`);
    }
    if (running.length === 0) {
      log.info(lastSeen ? `Running workflows finished after ${formatDuration(clock.now() - start)}` : 'No workflows are running');
      return;
    }
    const seen = running.join(', ');
    if (seen !== lastSeen) {
      log.info(`Waiting for ${running.length} running workflow(s): ${seen}`);
      lastSeen = seen;
    }
    const waited = clock.now() - start;
    ctx.progress({ activity: 'Waiting for running workflows', status: seen, percent: limitMs > 0 ? Math.min(99, Math.round((waited / limitMs) * 100)) : -1 });
    if (waited >= limitMs) {
      if (ctx.config.ServiceConfiguration.ForceStopWorkflows) {
        for (const node of ctx.nodes) {
          const killed = await platform.processes.stopWorkflows(node);
          if (killed.length) warn(ctx, `ForceStopWorkflows: stopped ${killed.join(', ')} on ${node.name}`);
        }
        continue;
      }
      throw new BackupError(
        ExitCode.Timeout,
        `${running.length} workflow(s) still running after ${ctx.config.ServiceConfiguration.MaxWorkflowWaitSeconds} s: ${seen}. The service was not touched.`,
        'Run the backup later, raise MaxWorkflowWaitSeconds (-MaxWorkflowWait), or set ForceStopWorkflows to stop them.',
      );
    }
    await clock.sleep(pollMs(ctx), ctx.signal);
  }
}

async function waitForState(ctx: RunContext, node: NodeRef, wanted: ServiceState, action: string): Promise<ServiceState> {
  const { platform, clock } = ctx;
  const limitMs = ctx.config.ServiceConfiguration.MaxServiceWaitSeconds * 1000;
  const start = clock.now();
  const delays = pollDelays(pollMs(ctx));
  let state = await platform.services.getState(node);
  let last = state;
  while (state !== wanted) {
    const waited = clock.now() - start;
    if (waited >= limitMs) {
      throw new BackupError(
        ExitCode.Timeout,
        `AlteryxService on ${node.name} did not ${action} within ${ctx.config.ServiceConfiguration.MaxServiceWaitSeconds} s (state: ${state}).`,
        'Look at the Alteryx service log on that node; raise MaxServiceWaitSeconds (-MaxServiceWait) if it is only slow.',
      );
    }
    if (action === 'start' && state === 'Stopped' && waited > 0) {
      throw new BackupError(
        ExitCode.General,
        `AlteryxService on ${node.name} went back to Stopped while starting.`,
        'Look at the Windows Event Log and the Alteryx service log on that node.',
      );
    }
    ctx.progress({
      activity: `Waiting for AlteryxService to ${action} on ${node.name}`,
      status: state,
      percent: Math.min(99, Math.round((waited / limitMs) * 100)),
    });
    await clock.sleep(delays.next().value, ctx.signal);
    state = await platform.services.getState(node);
    if (state !== last) {
      ctx.log.info(`Service on ${node.name}: ${last} -> ${state}`);
      last = state;
    }
  }
  return state;
}

/**
 * Stops the service on one node, recording what it was found in (REQ-2.1.3, 2.1.6) in the run's service
 * ledger (ctx.services) and the journal before the stop is requested. Returns the record.
 */
export async function stopService(ctx: RunContext, node: NodeRef): Promise<ServiceRecord> {
  const prior = await ctx.platform.services.getState(node);
  const rec: ServiceRecord = { node, prior, stoppedByUs: false, restarted: false };
  ctx.services.push(rec);
  if (prior === 'Stopped') {
    ctx.log.info(`Service on ${node.name} (${node.role}) was already Stopped: it will be left stopped`);
    return rec;
  }
  // Journal first: a process killed from here on still leaves the record needed to restart it.
  rec.stoppedByUs = true;
  ctx.journal.update(ctx.services);
  ctx.log.info(`Stopping AlteryxService on ${node.name} (${node.role}); state ${prior}`);
  const t0 = ctx.clock.now();
  await ctx.platform.services.requestStop(node);
  ctx.downtime.stoppedAt ??= t0;
  await waitForState(ctx, node, 'Stopped', 'stop');
  ctx.downtime.allStoppedAt = ctx.clock.now();
  ctx.log.info(`Service on ${node.name} stopped in ${formatDuration(ctx.clock.now() - t0)}`);
  return rec;
}

/**
 * Starts the service on one node if this run stopped it and it was running before (REQ-2.1.4); once every
 * stopped service is back, the downtime ends and the journal's service part is cleared.
 */
export async function startService(ctx: RunContext, node: NodeRef): Promise<ServiceRecord | undefined> {
  const rec = ctx.services.find((r) => r.node.name === node.name);
  if (!rec?.stoppedByUs || rec.restarted) return rec;
  if (wasRunning(rec.prior)) {
    ctx.log.info(`Starting AlteryxService on ${node.name} (${node.role})`);
    const t0 = ctx.clock.now();
    ctx.downtime.startRequestedAt ??= t0;
    await ctx.platform.services.requestStart(node);
    await waitForState(ctx, node, 'Running', 'start');
    const seen = ctx.clock.now();
    rec.restarted = true;
    ctx.journal.update(ctx.services);
    ctx.log.info(`Service on ${node.name} is Running (${formatDuration(seen - t0)})`);
    allBack(ctx, seen);
  } else allBack(ctx);
  return rec;
}

const wasRunning = (prior: ServiceState) => prior === 'Paused' || prior === 'Running' || prior === 'StartPending' || prior === 'StopPending';

/** `seenRunningAt`: when the last start was seen Running: the end of the downtime window (issue 15). */
function allBack(ctx: RunContext, seenRunningAt?: number): void {
  if (ctx.services.every((r) => !r.stoppedByUs || r.restarted)) {
    ctx.downtime.startedAt ??= seenRunningAt ?? ctx.clock.now();
    ctx.journal.clear();
  }
}

/**
 * Starts what this run stopped, controller first; workers only once the controller answers
 * (REQ-2.1.4). Used by the start step and by rollback: it continues past a node that fails and
 * reports all failures at the end.
 */
export async function restoreServices(ctx: RunContext): Promise<void> {
  const failures: string[] = [];
  let firstError: unknown;
  const order = startOrder(ctx.services.map((r) => r.node));
  let seen: number | undefined;
  for (const node of order) {
    const rec = ctx.services.find((r) => r.node.name === node.name);
    if (!rec?.stoppedByUs || rec.restarted) continue;
    if (wasRunning(rec.prior)) {
      try {
        ctx.log.info(`Starting AlteryxService on ${node.name} (${node.role})`);
        const t0 = ctx.clock.now();
        ctx.downtime.startRequestedAt ??= t0;
        await ctx.platform.services.requestStart(node);
        await waitForState(ctx, node, 'Running', 'start');
        seen = ctx.clock.now();
        rec.restarted = true;
        ctx.journal.update(ctx.services);
        ctx.log.info(`Service on ${node.name} is Running (${formatDuration(seen - t0)})`);
      } catch (err) {
        failures.push(`${node.name}: ${(err as Error).message}`);
        firstError ??= err;
        if (node.role === 'controller') {
          ctx.log.error(`The controller did not start; workers and UI nodes are started anyway so that they retry against it`);
        }
      }
    }
  }
  allBack(ctx, seen);
  if (failures.length) {
    if (firstError instanceof BackupError) throw new BackupError(firstError.exitCode, `Service start failed: ${failures.join('; ')}`, firstError.hint);
    throw new BackupError(
      ExitCode.General,
      `Service start failed: ${failures.join('; ')}`,
      'Start the service by hand (Start-Service AlteryxService) and check the Alteryx service log.',
    );
  }
}
