// Measuring helpers of `npm run bench` (bench/run.ts): commands under /usr/bin/time (wall, user + system CPU of the
// command and every child it waited for, peak RSS), and our CLI with bench/probe.mjs loaded (CPU, bytes read,
// RSS and open file descriptors sampled from the inside, attributed to the plan steps by the log's timestamps).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
export const cli = join(root, 'module', 'AlteryxBackup', 'lib', 'alteryx-backup.mjs');
const probe = join(root, 'bench', 'probe.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'ab-bench-m-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const round = (x: number, d = 2) => +x.toFixed(d);

export interface Timed {
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  stdout: string;
  status: number | null;
}

/** One command under /usr/bin/time: wall (performance.now around it), CPU of it and its children, peak RSS. */
export function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; shell?: boolean } = {}): Timed {
  const f = join(scratch, 'time.txt');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', f, cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const wallMs = performance.now() - t0;
  const [u, s, m] = readFileSync(f, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.slice(-2000)}`);
  return { wallMs, cpuMs: (u! + s!) * 1000, peakRssMB: m! / 1024, stdout: r.stdout, status: r.status };
}

interface Sample {
  t: number;
  cpu: number;
  rss: number;
  rchar: number;
  readBytes: number;
  fds: number;
}

export interface StepFigures {
  wallMs: number;
  cpuMs: number;
  readMB: number;
}

export interface OurRun {
  result: {
    exitCode: number;
    message: string;
    archivePath: string | null;
    sizeBytes: number;
    summary: {
      stepDurationsMs: Record<string, number>;
      dumpBytes: number;
      downtimeMs: number;
      downtime: { windowMs: number; stopMs: number; dumpMs: number; startMs: number; otherMs: number } | null;
    };
  };
  wallMs: number;
  /** Our process only (the probe), and with the children /usr/bin/time saw (the emulated emongodump). */
  cpuMs: number;
  cpuWithChildrenMs: number;
  peakRssMB: number;
  readMB: number;
  maxFds: number;
  minFds: number;
  /** The step that ran when the most fds were open, and when RSS peaked. */
  maxFdsStep: string | undefined;
  maxRssStep: string | undefined;
  steps: Record<string, StepFigures>;
}

/** Interpolates a sampled counter at time t. */
function at(samples: Sample[], t: number, key: 'cpu' | 'rchar'): number {
  if (t <= samples[0]!.t) return samples[0]![key];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (t <= b.t) return b.t === a.t ? b[key] : a[key] + ((b[key] - a[key]) * (t - a.t)) / (b.t - a.t);
  }
  return samples.at(-1)![key];
}

/** `alteryx-backup <args> --json` with the probe; the result event, and the figures per step of the plan. */
export function ours(args: string[], extraNodeArgs: string[] = []): OurRun {
  const out = join(scratch, `probe-${Date.now()}.json`);
  const r = timed(process.execPath, [...extraNodeArgs, '--import', probe, cli, ...args, '--json'], { env: { ...process.env, AB_BENCH_PROBE: out } });
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step?: string; time?: string });
  const result = lines.at(-1) as unknown as OurRun['result'];
  if (result.exitCode !== 0) throw new Error(`backup failed: ${result.message}`);
  const p = JSON.parse(readFileSync(out, 'utf8')) as { samples: Sample[]; maxRssBytes: number; cpuUs: number };
  rmSync(out, { force: true });
  // The steps ran one after the other, in executedSteps order, for their stepDurationsMs (a kind that ran more than
  // once, e.g. per node, shares its total evenly); the first one started at the first log line of its step.
  const executed = (result.summary as { executedSteps?: string[] }).executedSteps ?? [];
  const kinds = executed.map((id) => id.split(':')[0]!);
  const first = lines.find((l) => l.type === 'log' && l.step === kinds[0] && l.time);
  let t = first?.time ? Date.parse(first.time) : p.samples[0]!.t;
  const steps: Record<string, StepFigures> = {};
  for (const k of kinds) {
    const ms = (result.summary.stepDurationsMs[k] ?? 0) / kinds.filter((x) => x === k).length;
    const f = (steps[k] ??= { wallMs: result.summary.stepDurationsMs[k] ?? 0, cpuMs: 0, readMB: 0 });
    f.cpuMs += (at(p.samples, t + ms, 'cpu') - at(p.samples, t, 'cpu')) / 1000;
    f.readMB += (at(p.samples, t + ms, 'rchar') - at(p.samples, t, 'rchar')) / 1048576;
    t += ms;
  }
  const bounds: Array<{ k: string; from: number }> = [];
  let u = first?.time ? Date.parse(first.time) : p.samples[0]!.t;
  for (const k of kinds) {
    bounds.push({ k, from: u });
    u += (result.summary.stepDurationsMs[k] ?? 0) / kinds.filter((x) => x === k).length;
  }
  const stepAt = (time: number) => bounds.findLast((b) => b.from <= time)?.k;
  for (const f of Object.values(steps)) {
    f.cpuMs = Math.round(f.cpuMs);
    f.readMB = round(f.readMB);
  }
  return {
    result,
    wallMs: r.wallMs,
    cpuMs: p.cpuUs / 1000,
    cpuWithChildrenMs: r.cpuMs,
    peakRssMB: p.maxRssBytes / 1048576,
    readMB: p.samples.at(-1)!.rchar / 1048576,
    maxFds: Math.max(...p.samples.map((s) => s.fds)),
    maxFdsStep: stepAt(p.samples.reduce((a, b) => (b.fds > a.fds ? b : a)).t),
    maxRssStep: stepAt(p.samples.reduce((a, b) => (b.rss > a.rss ? b : a)).t),
    minFds: Math.min(...p.samples.map((s) => s.fds)),
    steps,
  };
}

/** The version line of a tool, for the results file. */
export function version(cmd: string, args: string[], pick = (s: string) => s.split('\n').find((l) => l.trim()) ?? ''): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? 'not installed' : pick(`${r.stdout}\n${r.stderr}`.trim()).trim();
}
