// npm run bench: speed and memory, measured against references run in the same script.
//   1. archive throughput of a DatabaseOnly backup vs 7-Zip (7zz a -tzip -mx=6) on the same dump folder;
//   2. peak memory (maxRSS of the CLI process) for a small and a 4x larger database: flat means streaming;
//   3. one PowerShell session for many calls (the Windows adapter's design) vs a new pwsh per call;
//   4. a restore drill of the same DatabaseOnly archive: a scratch mongod on a spare port (a server's drill)
//      vs a whole scratch sandbox, per part (verify, scratch, restore, count, cleanup).
// Sizes: BENCH_MB (default 64) and 4 x that. Results: medians of BENCH_RUNS (default 3), printed and written
// to bench/results/latest.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, setKnob } from '../src/sandbox/index.ts';
import { windowsPlatform } from '../src/platform/windows/adapter.ts';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'module', 'AlteryxBackup', 'lib', 'alteryx-backup.mjs');
const pwsh = join(root, '.tools', 'pwsh', 'pwsh');
const MB = Number(process.env['BENCH_MB'] ?? 64);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, mb: MB, runs: RUNS };

async function sandbox(mb: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ab-bench-'));
  await createSandbox(join(dir, 's'), { dbSizeMb: mb });
  setKnob(join(dir, 's'), 'service.stopSeconds', '0.1');
  setKnob(join(dir, 's'), 'service.startSeconds', '0.1');
  const config = join(dir, 'c.json');
  writeFileSync(
    config,
    JSON.stringify({ ServiceConfiguration: { PollIntervalSeconds: 0.05 }, ValidationConfiguration: { MinimumBackupSizeMB: { DatabaseOnly: 0 } } }),
  );
  return { dir, sbx: join(dir, 's'), config };
}

function backup(sbx: string, config: string) {
  const out = execFileSync(process.execPath, [cli, 'backup', '--mode', 'DatabaseOnly', '--sandbox', sbx, '--config', config, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const result = JSON.parse(out.trim().split('\n').at(-1)!);
  if (result.exitCode !== 0) throw new Error(result.message);
  return result as { sizeBytes: number; summary: { stepDurationsMs: Record<string, number>; peakRssBytes: number; dumpBytes: number } };
}

// 1 + 2: archive throughput and memory.
for (const [label, mb] of [
  ['small', MB],
  ['large', MB * 4],
] as const) {
  const { dir, sbx, config } = await sandbox(mb);
  const ours: number[] = [];
  const rss: number[] = [];
  const seven: number[] = [];
  let dumpBytes = 0;
  let ourSize = 0;
  let sevenSize = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = backup(sbx, config);
    ours.push(r.summary.stepDurationsMs['archive']! + r.summary.stepDurationsMs['verify']!);
    rss.push(r.summary.peakRssBytes);
    dumpBytes = r.summary.dumpBytes;
    ourSize = r.sizeBytes;
    // Reference: 7-Zip writing a deflate ZIP of the same dump (a fresh dump folder from the emulator), then testing it.
    const ref = join(dir, `ref-${i}`);
    mkdirSync(ref);
    execFileSync(join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe'), ['stop']);
    execFileSync(join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe'), [`emongodump=${join(ref, 'MongoDB')}`]);
    execFileSync(join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe'), ['start']);
    const t0 = performance.now();
    spawnSync('7zz', ['a', '-tzip', '-mx=6', '-mmt=1', join(ref, 'ref.zip'), join(ref, 'MongoDB')], { stdio: 'ignore' });
    spawnSync('7zz', ['t', join(ref, 'ref.zip')], { stdio: 'ignore' });
    seven.push(performance.now() - t0);
    sevenSize = statSync(join(ref, 'ref.zip')).size;
    rmSync(ref, { recursive: true, force: true });
  }
  const mbps = (ms: number) => dumpBytes / 1048576 / (ms / 1000);
  results[label] = {
    dumpMB: +(dumpBytes / 1048576).toFixed(1),
    oursArchiveAndVerifyMs: median(ours),
    oursMBps: +mbps(median(ours)).toFixed(1),
    sevenZipWriteAndTestMs: median(seven),
    sevenZipMBps: +mbps(median(seven)).toFixed(1),
    ratioOursToSevenZip: +(median(ours) / median(seven)).toFixed(2),
    oursArchiveMB: +(ourSize / 1048576).toFixed(2),
    sevenZipArchiveMB: +(sevenSize / 1048576).toFixed(2),
    peakRssMB: +(median(rss) / 1048576).toFixed(1),
  };
  console.log(label, results[label]);
  rmSync(dir, { recursive: true, force: true });
}
const small = results['small'] as { peakRssMB: number };
const large = results['large'] as { peakRssMB: number };
results['rssGrowthLargeOverSmall'] = +(large.peakRssMB / small.peakRssMB).toFixed(2);
console.log(`peak RSS, 4x the data: x${results['rssGrowthLargeOverSmall']} (1.0 = flat)`);

// 3: PowerShell session reuse.
if (existsSync(pwsh)) {
  const fakes = join(root, 'test', 'fixtures', 'windows-fakes.ps1');
  const logDir = mkdtempSync(join(tmpdir(), 'ab-bench-ps-'));
  process.env['AB_FAKE_LOG'] = join(logDir, 'calls.log');
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [{ name: 'H', role: 'controller', local: true }], executable: pwsh, prelude: fakes });
  await p.services.getState(p.nodes[0]!); // session start
  const session: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await p.services.getState(p.nodes[0]!);
    session.push(performance.now() - t0);
  }
  await p.dispose();
  const fresh: number[] = [];
  const adapter = join(root, 'module', 'AlteryxBackup', 'Adapter', 'WindowsAdapter.ps1');
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    execFileSync(pwsh, ['-NoProfile', '-NonInteractive', '-Command', `. '${adapter}'; . '${fakes}'; Get-AbServiceState -Name AlteryxService`], {
      encoding: 'utf8',
    });
    fresh.push(performance.now() - t0);
  }
  results['powershell'] = {
    sessionCallMs: +median(session).toFixed(1),
    newProcessPerCallMs: +median(fresh).toFixed(1),
    ratio: +(median(fresh) / median(session)).toFixed(1),
  };
  console.log('powershell', results['powershell']);
  rmSync(logDir, { recursive: true, force: true });
}

// 4: drill methods on the same archive.
{
  const { dir, sbx, config } = await sandbox(MB);
  const archive = (backup(sbx, config) as unknown as { archivePath: string }).archivePath;
  const drill = (method: string) => {
    const out = execFileSync(process.execPath, [cli, 'drill', archive, '--method', method, '--sandbox', sbx, '--config', config, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { exitCode: number; message: string; timingsMs: Record<string, number> };
    if (r.exitCode !== 0) throw new Error(r.message);
    return r.timingsMs;
  };
  const runs: Record<string, Array<Record<string, number>>> = { mongod: [], sandbox: [] };
  for (let i = 0; i < RUNS; i++) for (const m of ['mongod', 'sandbox']) runs[m]!.push(drill(m));
  const med = (m: string) => Object.fromEntries(Object.keys(runs[m]![0]!).map((k) => [k, Math.round(median(runs[m]!.map((x) => x[k] ?? 0)))]));
  results['drill'] = {
    mongod: med('mongod'),
    sandbox: med('sandbox'),
    ratioMongodToSandbox: +(median(runs['mongod']!.map((x) => x['total']!)) / median(runs['sandbox']!.map((x) => x['total']!))).toFixed(2),
  };
  console.log('drill', results['drill']);
  rmSync(dir, { recursive: true, force: true });
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2));
console.log('written to bench/results/latest.json');
