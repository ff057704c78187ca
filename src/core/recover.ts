import type { RunLogger } from '../log/logger.ts';
import type { Platform } from '../platform/ports.ts';
import { JournalFile, type Journal } from './lock.ts';
import { realClock } from './context.ts';

export interface RecoverOutcome {
  node: string;
  action: 'started' | 'already-running' | 'left-stopped' | 'failed' | 'unknown-node';
  detail?: string;
}

/**
 * Finishes the rollback of a run that died (killed, crashed, power cut): every service its journal says
 * it stopped and did not restart is started again, controller first. Used by `recover` (the cmdlet's
 * watchdog) and at the start of the next run.
 */
export async function recoverFromJournal(platform: Platform, journal: Journal, log: RunLogger, journalDir: string, maxWaitMs = 600_000): Promise<RecoverOutcome[]> {
  log.warn(`Run ${journal.pid} (${journal.mode}, started ${journal.startedAt}) was interrupted${journal.logPath ? `; its log: ${journal.logPath}` : ''}`);
  const order = { controller: 0, worker: 1, ui: 2 } as Record<string, number>;
  const pending = journal.services.filter((s) => s.stoppedByUs && !s.restarted).sort((a, b) => (order[a.node.role] ?? 9) - (order[b.node.role] ?? 9));
  const outcomes: RecoverOutcome[] = [];
  for (const entry of pending) {
    const node = platform.nodes.find((n) => n.name === entry.node.name);
    if (!node) {
      outcomes.push({ node: entry.node.name, action: 'unknown-node' });
      log.error(`Recovery: node ${entry.node.name} is not part of this server's configuration; start its service by hand`);
      continue;
    }
    try {
      let state = await platform.services.getState(node);
      if (state === 'Running') {
        outcomes.push({ node: node.name, action: 'already-running' });
        continue;
      }
      log.info(`Recovery: starting AlteryxService on ${node.name} (was ${entry.prior} before run ${journal.pid}; now ${state})`);
      const start = realClock.now();
      // A stop still in progress must finish before the service can be started.
      while (state === 'StopPending' && realClock.now() - start < maxWaitMs) {
        await realClock.sleep(200);
        state = await platform.services.getState(node);
      }
      await platform.services.requestStart(node);
      while (state !== 'Running' && realClock.now() - start < maxWaitMs) {
        await realClock.sleep(200);
        state = await platform.services.getState(node);
      }
      if (state === 'Running') {
        outcomes.push({ node: node.name, action: 'started' });
        log.info(`Recovery: service on ${node.name} is Running`);
      } else {
        outcomes.push({ node: node.name, action: 'failed', detail: `state ${state}` });
        log.error(`Recovery: service on ${node.name} did not start (state ${state})`);
      }
    } catch (err) {
      outcomes.push({ node: node.name, action: 'failed', detail: (err as Error).message });
      log.error(`Recovery: ${node.name}: ${(err as Error).message}`);
    }
  }
  if (outcomes.every((o) => o.action === 'started' || o.action === 'already-running')) new JournalFile(journalDir, journal).clear();
  return outcomes;
}
