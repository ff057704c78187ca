// The Compress-Archive deviation (REQ-4.1.1, docs/decisions.md): the tool writes its ZIPs with archiver, not
// PowerShell's Compress-Archive. This measures both on the same staged sandbox dump: wall time and peak RSS
// of the process that writes the ZIP (GNU time's %e and %M), and the archive size. Run:
//   npx tsx bench/compress-archive.ts        (BENCH_MB, default 64; BENCH_RUNS, default 3; medians)
// Needs .tools/pwsh (bash scripts/install-tools.sh) and /usr/bin/time. Results: bench/results/compress-archive.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '../src/sandbox/index.ts';

const root = join(import.meta.dirname, '..');
const pwsh = join(root, '.tools', 'pwsh', 'pwsh');
const MB = Number(process.env['BENCH_MB'] ?? 64);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command under GNU time; returns seconds and peak RSS (KB) of that process. */
function timed(cmd: string, args: string[]): { seconds: number; rssKb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [s, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: s!, rssKb: kb! };
}

const work = mkdtempSync(join(tmpdir(), 'ab-bench-ca-'));
try {
  const sbx = join(work, 's');
  await createSandbox(sbx, { dbSizeMb: MB });
  // The staged dump, as a backup stages it: emongodump of the stopped service into a folder.
  const exe = join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe');
  execFileSync(exe, ['stop']);
  const staged = join(work, 'staging', 'MongoDB');
  mkdirSync(join(work, 'staging'));
  execFileSync(exe, [`emongodump=${staged}`]);
  const dumpBytes = Number(execFileSync('du', ['-sb', staged], { encoding: 'utf8' }).split('\t')[0]);
  const rows: Record<string, { seconds: number[]; rssKb: number[]; bytes: number }> = {
    archiver: { seconds: [], rssKb: [], bytes: 0 },
    'Compress-Archive': { seconds: [], rssKb: [], bytes: 0 },
  };
  for (let i = 0; i < RUNS; i++) {
    const a = join(work, `a${i}.zip`);
    const ra = timed(process.execPath, [join(root, 'bench', 'zip-with-archiver.mjs'), staged, a]);
    rows['archiver']!.seconds.push(ra.seconds);
    rows['archiver']!.rssKb.push(ra.rssKb);
    rows['archiver']!.bytes = statSync(a).size;
    const p = join(work, `p${i}.zip`);
    const rp = timed(pwsh, [
      '-NoLogo',
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      `Compress-Archive -Path '${staged}' -DestinationPath '${p}' -CompressionLevel Optimal`,
    ]);
    rows['Compress-Archive']!.seconds.push(rp.seconds);
    rows['Compress-Archive']!.rssKb.push(rp.rssKb);
    rows['Compress-Archive']!.bytes = statSync(p).size;
  }
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    pwsh: execFileSync(pwsh, ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8' }).trim(),
    dumpMb: +(dumpBytes / 1048576).toFixed(1),
    runs: RUNS,
    results: Object.fromEntries(
      Object.entries(rows).map(([k, v]) => [
        k,
        { seconds: median(v.seconds), peakRssMb: +(median(v.rssKb) / 1024).toFixed(1), zipMb: +(v.bytes / 1048576).toFixed(1) },
      ]),
    ),
  };
  console.log(JSON.stringify(out, null, 2));
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'compress-archive.json'), JSON.stringify(out, null, 2) + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
