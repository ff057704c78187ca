import { promises as fsp } from 'node:fs';
import type { RunLogger } from '../log/logger.ts';
import type { Clock, ProgressEvent } from './context.ts';
import { BackupError, ExitCode } from './errors.ts';
import { JournalFile, type Journal } from './journal.ts';
import { acquireLock, type LockInfo, type StaleLock } from './lock.ts';
import type { PlannedStep } from './plan.ts';

export type { PlannedStep } from './plan.ts';

/** What the runner executes: the ordered steps (and whatever else the run reads from its plan). */
export interface ExecutablePlan<S extends PlannedStep = PlannedStep> {
  steps: readonly S[];
}

/** The results of the steps run so far, by step id; a step reads the earlier ones it needs. */
export class StepResults {
  private readonly byId = new Map<string, { step: PlannedStep; value: unknown }>();
  set(step: PlannedStep, value: unknown): void {
    this.byId.set(step.id, { step, value });
  }
  has(id: string): boolean {
    return this.byId.has(id);
  }
  get<T>(id: string): T | undefined {
    return this.byId.get(id)?.value as T | undefined;
  }
  /** The results of every step of one kind, in the order they ran. */
  all<T>(name: string): T[] {
    return [...this.byId.values()].filter((e) => e.step.name === name).map((e) => e.value as T);
  }
}

/**
 * A step of the step table: `run` does it and returns its result (recorded by the runner); `preview`, when
 * present, is what a dry run does instead (read-only checks, a retention preview). A dry run logs
 * "Would ..." for a step without one.
 */
export interface StepImpl<C, S extends PlannedStep = PlannedStep> {
  run(step: S, ctx: C, results: StepResults): Promise<unknown>;
  preview?(step: S, ctx: C, results: StepResults): Promise<unknown>;
}

/** Step implementations by step name. A plan step without one is an internal error, found before anything runs. */
export type StepTable<C, S extends PlannedStep = PlannedStep> = Record<string, StepImpl<C, S>>;

/** What the runner needs besides the steps: where to log, time, progress, and the hooks of this kind of run. */
export interface RunnerHooks {
  log: RunLogger;
  clock: Clock;
  signal: AbortSignal;
  progress: (p: ProgressEvent) => void;
  dryRun: boolean;
  /** Filled with the duration of each kind of step, by name (per-node steps add up): the result's stepDurationsMs. */
  stepDurations: Record<string, number>;
  /** The plan, as it is about to run (the `plan` event). */
  onPlan?: ((steps: readonly PlannedStep[]) => void) | undefined;
  /** After each step that ran (not in a dry run): what it returned and how long it took. */
  onStepDone?: ((step: PlannedStep, result: unknown, ms: number) => void) | undefined;
  /**
   * One run at a time: the lock in `dir`; then `recover` is given the journal a killed run left there and
   * the lock of a run that died (either may be undefined); it throws to stop this run. Not in a dry run.
   */
  lock?: { dir: string; head: LockInfo; recover(found: { leftover: Journal | undefined; staleFrom: StaleLock | undefined }): Promise<void> } | undefined;
  /** Before the first step (after the lock and recovery; skipped in a dry run): e.g. create the staging folder. */
  before?: (() => Promise<void>) | undefined;
  /** The error that stopped the run, before the rollback (the caller logs it and decides the exit code). */
  onError?: ((err: unknown, outcome: RunOutcome) => void) | undefined;
  /**
   * The rollback `finally`: called exactly once, whatever happened (also after a dry run), with the outcome
   * so far. It puts back what the run changed (services, files); its errors are the caller's to report.
   */
  rollback?: ((outcome: RunOutcome) => Promise<void>) | undefined;
}

export interface RunOutcome {
  /** The error that stopped the run (undefined when every step ran). */
  error: unknown;
  /** True when the run was interrupted (Ctrl+C, SIGTERM, the watchdog). */
  aborted: boolean;
  /** Ids of the steps that ran to completion, in order (a dry run: those previewed). */
  executed: string[];
  /** The step that failed, if one did. */
  failedStep: string | undefined;
  results: StepResults;
}

/**
 * Runs a plan: lock and leftover-journal recovery, then each step in order with its timing, abort check,
 * log step and progress, its result recorded; then the rollback hook, whatever happened; then the lock is
 * released. Never throws: the outcome says what happened.
 */
export async function runPlan<C, S extends PlannedStep>(plan: ExecutablePlan<S>, steps: StepTable<C, S>, ctx: C, hooks: RunnerHooks): Promise<RunOutcome> {
  const outcome: RunOutcome = { error: undefined, aborted: false, executed: [], failedStep: undefined, results: new StepResults() };
  let release: (() => void) | undefined;
  try {
    const missing = plan.steps.filter((s) => !steps[s.name]);
    if (missing.length)
      throw new BackupError(ExitCode.General, `Internal error: no implementation for the plan step(s) ${missing.map((s) => s.name).join(', ')}.`);
    hooks.onPlan?.(plan.steps);
    hooks.log.info(`Plan: ${plan.steps.map((s) => s.id).join(' -> ')}`);
    if (hooks.dryRun) {
      await previewAll(plan, steps, ctx, hooks, outcome);
      return outcome;
    }
    if (hooks.lock) release = await takeLock(hooks.lock);
    await hooks.before?.();
    for (const group of groupSteps(plan.steps)) {
      if (group.length === 1) await runOne(group[0]!, steps, ctx, hooks, outcome);
      else await runGroup(group, steps, ctx, hooks, outcome);
    }
    outcome.failedStep = undefined;
  } catch (err) {
    outcome.error = err;
    outcome.aborted = hooks.signal.aborted;
    hooks.onError?.(err, outcome);
  } finally {
    try {
      await hooks.rollback?.(outcome);
    } finally {
      release?.();
    }
  }
  return outcome;
}

/** The plan cut into runs of consecutive steps: a step alone, or the consecutive steps of one `parallel` group. */
export function groupSteps<S extends PlannedStep>(steps: readonly S[]): S[][] {
  const out: S[][] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (s.parallel && last && last[0]!.parallel === s.parallel) last.push(s);
    else out.push([s]);
  }
  return out;
}

async function runOne<C, S extends PlannedStep>(step: S, steps: StepTable<C, S>, ctx: C, hooks: RunnerHooks, outcome: RunOutcome): Promise<void> {
  outcome.failedStep = step.id;
  const started = hooks.clock.now();
  const value = await timed(step, hooks, () => steps[step.name]!.run(step, ctx, outcome.results));
  outcome.results.set(step, value);
  outcome.executed.push(step.id);
  hooks.onStepDone?.(step, value, hooks.clock.now() - started);
}

/**
 * A `parallel` group: every step is started (in plan order) before any is awaited, each keeps its own
 * timing, result and onStepDone (as it finishes); a step that throws does not stop the others. A grouped
 * step sees the results of the steps before the group, not of its siblings. After all have settled the
 * first error (in plan order) stops the run, as a single step's would.
 */
async function runGroup<C, S extends PlannedStep>(group: S[], steps: StepTable<C, S>, ctx: C, hooks: RunnerHooks, outcome: RunOutcome): Promise<void> {
  hooks.log.info(`Running at the same time: ${group.map((s) => s.id).join(', ')}`);
  const running = group.map(async (step) => {
    const started = hooks.clock.now();
    const value = await timed(step, hooks, () => steps[step.name]!.run(step, ctx, outcome.results));
    hooks.onStepDone?.(step, value, hooks.clock.now() - started);
    return value;
  });
  // Log lines of the overlapping steps carry the group's name, not whichever step started last.
  hooks.log.setStep(group[0]!.parallel);
  const settled = await Promise.allSettled(running);
  // Results and `executed` in plan order (whatever order they finished in): the result lists destinations as planned.
  settled.forEach((r, i) => {
    if (r.status !== 'fulfilled') return;
    outcome.results.set(group[i]!, r.value);
    outcome.executed.push(group[i]!.id);
  });
  const failed = settled.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    outcome.failedStep = group[failed]!.id;
    throw (settled[failed] as PromiseRejectedResult).reason;
  }
}

async function previewAll<C, S extends PlannedStep>(
  plan: ExecutablePlan<S>,
  steps: StepTable<C, S>,
  ctx: C,
  hooks: RunnerHooks,
  outcome: RunOutcome,
): Promise<void> {
  for (const s of plan.steps) hooks.log.info(`Would ${s.description.charAt(0).toLowerCase()}${s.description.slice(1)}`);
  for (const step of plan.steps) {
    const impl = steps[step.name]!;
    if (!impl.preview) continue;
    outcome.failedStep = step.id;
    const preview = impl.preview;
    const value = await timed(step, hooks, () => preview(step, ctx, outcome.results));
    outcome.results.set(step, value);
    outcome.executed.push(step.id);
  }
  outcome.failedStep = undefined;
}

async function timed<T>(step: PlannedStep, hooks: RunnerHooks, fn: () => Promise<T>): Promise<T> {
  if (hooks.signal.aborted) throw new BackupError(ExitCode.General, 'Interrupted.');
  hooks.log.setStep(step.name);
  const t = hooks.clock.now();
  try {
    return await fn();
  } finally {
    hooks.stepDurations[step.name] = (hooks.stepDurations[step.name] ?? 0) + hooks.clock.now() - t;
  }
}

async function takeLock(lock: NonNullable<RunnerHooks['lock']>): Promise<() => void> {
  await fsp.mkdir(lock.dir, { recursive: true });
  const taken = acquireLock(lock.dir, lock.head);
  try {
    const journal = JournalFile.read(lock.dir);
    await lock.recover({ leftover: journal && journal.pid !== process.pid ? journal : undefined, staleFrom: taken.staleFrom });
  } catch (err) {
    taken.release();
    throw err;
  }
  return taken.release;
}
