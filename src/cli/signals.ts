import { ExitCode } from '../core/errors.ts';

/** Ctrl+C / SIGTERM / SIGHUP abort the run (its rollback then runs); a second signal exits at once. */
export function abortOnSignals(): AbortController {
  const ac = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(ExitCode.General);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return ac;
}
