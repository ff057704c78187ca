// The emulated AlteryxEngineCmd.exe: `AlteryxEngineCmd.exe <workflow> [--ends-at ISO | --seconds N]` "runs" the
// workflow until its end time (a timer, no CPU), then exits 0 as the real engine does after a successful run.
// The knob `workflows` starts one per workflow (workflow-procs.ts). It also ends, with exit 1, when its sandbox
// is removed (sandbox.json gone for 2 s), so that a deleted sandbox leaves no engine behind.
import fs from 'node:fs';
import path from 'node:path';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function endTime(args: string[], start: number): number | string {
  const at = args.indexOf('--ends-at');
  if (at >= 0) {
    const t = Date.parse(args[at + 1] ?? '');
    return Number.isNaN(t) ? `--ends-at needs an ISO date-time, got ${JSON.stringify(args[at + 1] ?? '')}` : t;
  }
  const s = args.indexOf('--seconds');
  if (s >= 0) {
    const n = Number(args[s + 1]);
    return Number.isFinite(n) && n >= 0 ? start + n * 1000 : `--seconds needs a number >= 0, got ${JSON.stringify(args[s + 1] ?? '')}`;
  }
  return start;
}

export async function engineCmd(dir: string, _node: string, args: string[], io: Io): Promise<number> {
  const workflow = args[0];
  const start = Date.now();
  const end = endTime(args.slice(1), start);
  if (!workflow || workflow.startsWith('--') || typeof end === 'string') {
    io.err(`${typeof end === 'string' ? `${end}\n` : ''}usage: AlteryxEngineCmd.exe <workflow.yxmd> [--ends-at ISO | --seconds N]\n`);
    return 1;
  }
  io.out(`Alteryx Engine (sandbox ${dir}): running ${workflow}\n`);
  const marker = path.join(dir, 'sandbox.json');
  const code = await new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    // Long waits in steps (a timer holds at most ~24.8 days).
    const arm = () => {
      timer = setTimeout(() => (Date.now() >= end ? done(0) : arm()), Math.min(Math.max(0, end - Date.now()), 2 ** 31 - 1));
    };
    // Two checks in a row, so that a sandbox.json being replaced is never taken for a removed one.
    let missing = 0;
    const watch = setInterval(() => {
      missing = fs.existsSync(marker) ? 0 : missing + 1;
      if (missing >= 2) done(1);
    }, 1000);
    const done = (c: number) => {
      clearTimeout(timer);
      clearInterval(watch);
      resolve(c);
    };
    arm();
  });
  io.out(
    code === 0
      ? `Finished running ${workflow} in ${((Date.now() - start) / 1000).toFixed(1)} seconds with 0 errors\n`
      : `The sandbox ${dir} was removed: ${workflow} stopped\n`,
  );
  return code;
}
