// npm run bench: speed, memory and downtime of backups, measured against reference tools in the same script.
//   npm run bench                      small (50 MB) and medium (500 MB) sandboxes
//   npm run bench -- --large           also 2 GB (the downtime target's third size) and 5 GB databases (peak RSS < 250 MB)
//   npm run bench -- --profile         also a node --cpu-prof profile of one medium DatabaseOnly run (top functions)
//   npm run bench -- --no-cloud        without the cloud upload bench (bench/cloud.ts) that runs last
//   BENCH_RUNS (3) rounds, BENCH_FILES (100000) files for the scale check, BENCH_SIZES="small,medium" to choose,
//   BENCH_ONLY=sizes,scale,whatIf,powershell,drill for some sections only.
// 1. per size: BENCH_RUNS interleaved rounds on the same staged dump folder: our DatabaseOnly backup, then
//    `zip -6 -r`, `tar | pigz -6 -p<cores>`, `7zz a -tzip -mx=1 -mmt=<cores>`, `Compress-Archive` (pwsh); medians;
//    ours/theirs wall and CPU ratios and sizes. Per mode (DatabaseOnly medians, Full and ConfigOnly once) and per
//    step: wall, CPU, MB/s, bytes read; the downtime window against the sandbox service's own transitions.
// 2. scale: BENCH_FILES small files in the captured Keys folder (ConfigOnly): peak RSS and open fds vs 1,000 files.
// 3. Invoke-AlteryxBackup -WhatIf latency in a ready pwsh; 4. a PowerShell session call vs a new pwsh per call;
// 5. a restore drill: a scratch mongod vs a scratch sandbox.
// Results: printed, and written to bench/results/latest.json with cores, load average and tool versions.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, readEvents, setKnob } from '../src/sandbox/index.ts';
import { windowsPlatform } from '../src/platform/windows/adapter.ts';
import { cli, median, ours, root, round, timed, version, type OurRun } from './measure.ts';

const argv = process.argv.slice(2);
const LARGE = argv.includes('--large');
const PROFILE = argv.includes('--profile');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const FILES = Number(process.env['BENCH_FILES'] ?? 100_000);
const CORES = availableParallelism();
/** BENCH_ONLY=sizes,scale,whatIf,powershell,drill: only those sections (all by default). */
const ONLY = process.env['BENCH_ONLY']?.split(',');
const want = (section: string) => !ONLY || ONLY.includes(section);
const SIZES = [
  ['small', 50],
  ['medium', 500],
  ...(LARGE
    ? ([
        ['2gb', 2048],
        ['large', 5120],
      ] as const)
    : []),
].filter(([l]) => !process.env['BENCH_SIZES'] || process.env['BENCH_SIZES'].split(',').includes(l as string)) as Array<[string, number]>;
const pwshSh = join(root, 'scripts', 'pwsh.sh');
const pwshBin = join(root, '.tools', 'pwsh', 'pwsh');
const t00 = Date.now();
const loads: number[][] = [loadavg()];
const sections: Record<string, number> = {};
let tSection = Date.now();
/** Seconds each section took (small + medium must stay under 10 minutes). */
const lap = (name: string) => {
  sections[name] = Math.round((Date.now() - tSection) / 1000);
  tSection = Date.now();
  save();
};
/** Written after every section, so that a section that hangs or fails loses nothing measured before it. */
function save(): string {
  results['sectionSeconds'] = sections;
  results['totalSeconds'] = Math.round((Date.now() - t00) / 1000);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const file = `latest${ONLY ? `-${ONLY.join('-')}` : ''}.json`;
  writeFileSync(join(root, 'bench', 'results', file), JSON.stringify(results, null, 2));
  return file;
}
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  machine: { cores: CORES, cpu: cpus()[0]?.model ?? '?', loadAverageAtStart: loadavg().map((x) => round(x)) },
  versions: {
    node: process.version,
    zip: version('zip', ['-v'], (s) => s.split('\n').find((l) => /This is Zip/.test(l)) ?? ''),
    pigz: version('pigz', ['--version']),
    tar: version('tar', ['--version']),
    '7zz': version('7zz', [], (s) => s.split('\n').find((l) => /7-Zip/.test(l)) ?? ''),
    pwsh: existsSync(pwshBin) ? version(pwshBin, ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()']) : 'not installed',
  },
  runs: RUNS,
};
const mb = (b: number) => round(b / 1048576, 1);
const log = (label: string, x: unknown) => console.log(label, JSON.stringify(x, null, 1));

async function sandbox(dbSizeMb: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ab-bench-'));
  const sbx = join(dir, 's');
  await createSandbox(sbx, { dbSizeMb });
  // Quick service transitions (0.3 s each): the poll's lag and the tool's own work in the window stay visible.
  setKnob(sbx, 'service.stopSeconds', '0.3');
  setKnob(sbx, 'service.startSeconds', '0.3');
  const config = join(dir, 'c.json');
  // The shipped PollIntervalSeconds (2 s): the adaptive poll starts at 100 ms under it.
  writeFileSync(config, JSON.stringify({ ValidationConfiguration: { MinimumBackupSizeMB: { Full: 0, DatabaseOnly: 0, ConfigOnly: 0 } } }));
  return { dir, sbx, config };
}

/** One backup of ours; the archive and its .sha256 removed afterwards (the disk is shared). */
function backup(sbx: string, config: string, mode: string, nodeArgs: string[] = []): OurRun {
  const r = ours(['backup', '--mode', mode, '--sandbox', sbx, '--config', config], nodeArgs);
  if (r.result.archivePath) for (const f of [r.result.archivePath, `${r.result.archivePath}.sha256`]) rmSync(f, { force: true });
  return r;
}

/** The window the sandbox's service recorded for the last stop/start, and the tool's overhead in it. */
function downtimeOf(sbx: string, r: OurRun) {
  const ev = readEvents(sbx).filter((e) => e['kind'] === 'service');
  const t = (to: string) => Date.parse(String(ev.findLast((e) => e['to'] === to)!['time']));
  const w = r.result.summary.downtime!;
  const serviceStopMs = t('Stopped') - t('StopPending');
  const serviceStartMs = t('Running') - t('StartPending');
  return {
    windowMs: w.windowMs,
    serviceWindowMs: t('Running') - t('StopPending'),
    serviceStopMs,
    dumpMs: w.dumpMs,
    serviceStartMs,
    /** The target: window <= stop + dump + start + 500 ms (the service's own stop and start). */
    overheadMs: w.windowMs - serviceStopMs - w.dumpMs - serviceStartMs,
    parts: w,
  };
}

/** A fresh dump of the sandbox's database into `to` (the staged folder every reference compresses). */
function stageDump(sbx: string, to: string): number {
  const exe = join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe');
  execFileSync(exe, ['stop']);
  execFileSync(exe, [`emongodump=${join(to, 'MongoDB')}`]);
  execFileSync(exe, ['start']);
  let n = 0;
  for (const f of readdirSync(to, { recursive: true, withFileTypes: true })) if (f.isFile()) n += statSync(join(f.parentPath, f.name)).size;
  return n;
}

type Ref = { name: string; run: (dir: string, out: string) => { wallMs: number; cpuMs: number; peakRssMB: number }; file: string };
let pwshBaseCpu = 0;
const REFS: Ref[] = (
  [
    { name: 'zip -6 -r', file: 'z.zip', run: (d, o) => timed('zip', ['-6', '-r', '-q', o, '.'], { cwd: d }) },
    { name: `tar | pigz -6 -p${CORES}`, file: 't.tar.gz', run: (d, o) => timed('bash', ['-c', `tar -cf - -C "$1" . | pigz -6 -p${CORES} > "$2"`, 'x', d, o]) },
    {
      name: `7zz a -tzip -mx=1 -mmt=${CORES}`,
      file: 's.zip',
      run: (d, o) => timed('7zz', ['a', '-tzip', '-mx=1', `-mmt=${CORES}`, '-bd', '-bso0', o, `${d}/.`]),
    },
    {
      name: 'Compress-Archive (pwsh)',
      file: 'p.zip',
      run: (d, o) => {
        const ps = `$ErrorActionPreference='Stop'; $s=[Diagnostics.Stopwatch]::StartNew(); Compress-Archive -Path (Join-Path '${d}' '*') -DestinationPath '${o}' -CompressionLevel Optimal; $s.ElapsedMilliseconds`;
        const r = timed('bash', [pwshSh, '-NoProfile', '-NonInteractive', '-Command', ps]);
        // Wall: the cmdlet's own stopwatch; CPU: the process minus a pwsh that only starts and exits.
        return { wallMs: Number(r.stdout.trim().split('\n').at(-1)), cpuMs: Math.max(0, r.cpuMs - pwshBaseCpu), peakRssMB: r.peakRssMB };
      },
    },
  ] as Ref[]
).filter((r) => !(r.name.startsWith('Compress') && !existsSync(pwshBin)));

function stepTable(r: OurRun, inputBytes: number) {
  return Object.fromEntries(
    Object.entries(r.steps).map(([k, v]) => [
      k,
      { ...v, MBps: v.wallMs > 0 && (k === 'archive' || k === 'verify') ? round(inputBytes / 1048576 / (v.wallMs / 1000), 1) : undefined },
    ]),
  );
}

async function sizeSection(label: string, dbMb: number) {
  const { dir, sbx, config } = await sandbox(dbMb);
  const staged = join(dir, 'staged');
  const inputBytes = stageDump(sbx, staged);
  const oursRuns: OurRun[] = [];
  const refs: Record<string, Array<{ wallMs: number; cpuMs: number; peakRssMB: number; size: number }>> = {};
  // A reference that fails (Compress-Archive at 5 GB) is reported with its reason instead of ending the bench.
  const refFailures: Record<string, string> = {};
  const downtimes: Array<ReturnType<typeof downtimeOf>> = [];
  for (let i = 0; i < RUNS; i++) {
    oursRuns.push(backup(sbx, config, 'DatabaseOnly'));
    // Right after the run: the service's events of this run, not of a later one.
    downtimes.push(downtimeOf(sbx, oursRuns.at(-1)!));
    for (const ref of REFS) {
      if (refFailures[ref.name]) continue;
      const out = join(dir, ref.file);
      try {
        const r = ref.run(staged, out);
        if (!existsSync(out)) throw new Error(`it ended without writing ${ref.file}`);
        (refs[ref.name] ??= []).push({ ...r, size: statSync(out).size });
      } catch (err) {
        refFailures[ref.name] = String((err as Error).message)
          .split('\n')
          .slice(0, 3)
          .join(' ')
          .slice(0, 400);
        console.log(`  ${ref.name}: failed, left out of this size: ${refFailures[ref.name]}`);
      } finally {
        rmSync(out, { force: true });
      }
    }
    loads.push(loadavg());
  }
  const med = (f: (r: OurRun) => number) => median(oursRuns.map(f));
  const archiveWall = med((r) => r.steps['archive']?.wallMs ?? 0);
  const archiveCpu = med((r) => r.steps['archive']?.cpuMs ?? 0);
  const ourSize = oursRuns[0]!.result.sizeBytes;
  const dbOnly = {
    runs: RUNS,
    wallMs: Math.round(med((r) => r.wallMs)),
    cpuMs: Math.round(med((r) => r.cpuMs)),
    cpuWithDumpEmulatorMs: Math.round(med((r) => r.cpuWithChildrenMs)),
    peakRssMB: round(
      med((r) => r.peakRssMB),
      1,
    ),
    readMB: round(
      med((r) => r.readMB),
      1,
    ),
    bytesReadPerInputByte: round(med((r) => r.readMB) / (inputBytes / 1048576)),
    bytesReadArchiveAndVerifyPerInputByte: round(med((r) => (r.steps['archive']?.readMB ?? 0) + (r.steps['verify']?.readMB ?? 0)) / (inputBytes / 1048576)),
    archiveMB: mb(ourSize),
    archiveRatio: round(ourSize / inputBytes, 3),
    archiveMBps: round(inputBytes / 1048576 / (archiveWall / 1000), 1),
    archiveAndVerifyMBps: round(inputBytes / 1048576 / (med((r) => (r.steps['archive']?.wallMs ?? 0) + (r.steps['verify']?.wallMs ?? 0)) / 1000), 1),
    downtime: {
      windowMs: median(downtimes.map((d) => d.windowMs)),
      serviceWindowMs: median(downtimes.map((d) => d.serviceWindowMs)),
      serviceStopMs: median(downtimes.map((d) => d.serviceStopMs)),
      dumpMs: median(downtimes.map((d) => d.dumpMs)),
      serviceStartMs: median(downtimes.map((d) => d.serviceStartMs)),
      overheadMs: median(downtimes.map((d) => d.overheadMs)),
    },
    steps: stepTable(oursRuns[Math.floor(RUNS / 2)]!, inputBytes),
  };
  const references = Object.fromEntries([
    ...Object.entries(refFailures).map(([name, failed]) => [name, { failed }]),
    ...Object.entries(refs)
      .filter(([name]) => !refFailures[name])
      .map(([name, rs]) => {
        const wall = median(rs.map((r) => r.wallMs));
        const cpu = median(rs.map((r) => r.cpuMs));
        const size = rs[0]!.size;
        return [
          name,
          {
            wallMs: Math.round(wall),
            cpuMs: Math.round(cpu),
            peakRssMB: round(median(rs.map((r) => r.peakRssMB)), 1),
            MB: mb(size),
            MBps: round(inputBytes / 1048576 / (wall / 1000), 1),
            oursOverTheirsWall: round(archiveWall / wall),
            oursOverTheirsCpu: round(archiveCpu / cpu),
            oursOverTheirsSize: round(ourSize / size, 3),
          },
        ];
      }),
  ]);
  const full = backup(sbx, config, 'Full');
  const modes: Record<string, unknown> = {
    DatabaseOnly: dbOnly,
    Full: {
      runs: 1,
      wallMs: Math.round(full.wallMs),
      cpuMs: Math.round(full.cpuMs),
      peakRssMB: round(full.peakRssMB, 1),
      downtime: downtimeOf(sbx, full),
      steps: stepTable(full, inputBytes),
    },
  };
  if (label === 'small') {
    const c = backup(sbx, config, 'ConfigOnly');
    modes['ConfigOnly'] = { runs: 1, wallMs: Math.round(c.wallMs), cpuMs: Math.round(c.cpuMs), peakRssMB: round(c.peakRssMB, 1), steps: stepTable(c, 0) };
  }
  const out = { inputMB: mb(inputBytes), modes, references };
  rmSync(dir, { recursive: true, force: true });
  return out;
}

function printTable(label: string, s: Awaited<ReturnType<typeof sizeSection>>) {
  const d = s.modes['DatabaseOnly'] as { steps: Record<string, { wallMs: number; cpuMs: number }>; archiveMB: number; downtime: Record<string, number> };
  console.log(
    `\n${label}: ${s.inputMB} MB staged; ours (archive step) ${d.steps['archive']?.wallMs} ms wall, ${d.steps['archive']?.cpuMs} ms CPU, ${d.archiveMB} MB`,
  );
  console.log('| reference | wall ms | CPU ms | MB | ours/theirs wall | CPU | size |');
  for (const [n, r] of Object.entries(s.references) as Array<[string, Record<string, unknown>]>) {
    if (r['failed']) console.log(`| ${n} | failed: ${r['failed']} | | | | | |`);
    else
      console.log(
        `| ${n} | ${r['wallMs']} | ${r['cpuMs']} | ${r['MB']} | ${r['oursOverTheirsWall']} | ${r['oursOverTheirsCpu']} | ${r['oursOverTheirsSize']} |`,
      );
  }
  console.log(
    `downtime: window ${d.downtime['windowMs']} ms = service stop ${d.downtime['serviceStopMs']} + dump ${d.downtime['dumpMs']} + service start ${d.downtime['serviceStartMs']} + ${d.downtime['overheadMs']} ms overhead (target <= 500)`,
  );
}

// 1: sizes.
for (const [label, dbMb] of want('sizes') ? SIZES : []) {
  if (existsSync(pwshBin)) pwshBaseCpu = median([0, 1, 2].map(() => timed('bash', [pwshSh, '-NoProfile', '-NonInteractive', '-Command', '0']).cpuMs));
  const s = await sizeSection(label, dbMb);
  results[label] = s;
  printTable(label, s);
  lap(label);
}

// 2: 100,000 small files in a captured folder: memory and file descriptors against 1,000 files.
if (want('scale')) {
  const { dir, sbx, config } = await sandbox(1);
  const keys = join(sbx, 'C', 'ProgramData', 'Alteryx', 'Keys', 'bench');
  const fill = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const sub = join(keys, String(Math.floor(i / 1000)));
      if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `k${i}.xml`), `<Key id="${i}">${'x'.repeat(200 + (i % 300))}</Key>\n`);
    }
  };
  fill(0, 1000);
  const few = backup(sbx, config, 'ConfigOnly');
  fill(1000, FILES);
  let many: OurRun | undefined;
  let failure: string | undefined;
  try {
    many = backup(sbx, config, 'ConfigOnly');
  } catch (err) {
    failure = (err as Error).message.slice(0, 400);
  }
  const fig = (r: OurRun) => ({
    wallMs: Math.round(r.wallMs),
    peakRssMB: round(r.peakRssMB, 1),
    maxRssStep: r.maxRssStep,
    maxFds: r.maxFds,
    maxFdsStep: r.maxFdsStep,
    minFds: r.minFds,
  });
  results['scale'] = {
    files: FILES,
    few: { files: 1000, ...fig(few) },
    many: many ? { files: FILES, ...fig(many) } : { files: FILES, failed: failure },
    rssGrowth: many ? round(many.peakRssMB / few.peakRssMB) : null,
    fdGrowth: many ? many.maxFds - few.maxFds : null,
  };
  log('scale', results['scale']);
  lap('scale');
  rmSync(dir, { recursive: true, force: true });
}

// 3: Invoke-AlteryxBackup -WhatIf once pwsh and the module are loaded (target 1.5 s).
if (want('whatIf') && existsSync(pwshBin)) {
  const { dir, sbx, config } = await sandbox(1);
  const psd1 = join(root, 'module', 'AlteryxBackup', 'AlteryxBackup.psd1');
  const ps = `Import-Module '${psd1}'; $null = Invoke-AlteryxBackup -BackupMode Full -SandboxPath '${sbx}' -ConfigPath '${config}' -WhatIf 6>$null;
    1..${RUNS} | ForEach-Object { (Measure-Command { $null = Invoke-AlteryxBackup -BackupMode Full -SandboxPath '${sbx}' -ConfigPath '${config}' -WhatIf 6>$null }).TotalMilliseconds }`;
  const out = execFileSync('bash', [pwshSh, '-NoProfile', '-NonInteractive', '-Command', ps], { encoding: 'utf8' });
  const ms = out.trim().split('\n').map(Number).filter(Number.isFinite);
  results['whatIf'] = { medianMs: Math.round(median(ms)), runsMs: ms.map(Math.round), targetMs: 1500 };
  log('whatIf', results['whatIf']);
  lap('whatIf');
  rmSync(dir, { recursive: true, force: true });
}

// 4: PowerShell session reuse (the Windows adapter's design).
if (want('powershell') && existsSync(pwshBin)) {
  const fakes = join(root, 'test', 'fixtures', 'windows-fakes.ps1');
  const logDir = mkdtempSync(join(tmpdir(), 'ab-bench-ps-'));
  process.env['AB_FAKE_LOG'] = join(logDir, 'calls.log');
  const p = windowsPlatform({ serviceName: 'AlteryxService', nodes: [{ name: 'H', role: 'controller', local: true }], executable: pwshBin, prelude: fakes });
  // A session call that does not answer within 60 s (seen once on the loaded build machine) ends the section.
  const call = () =>
    Promise.race([p.services.getState(p.nodes[0]!), new Promise((_, no) => setTimeout(() => no(new Error('no answer within 60 s')), 60_000).unref())]);
  await call(); // session start
  const session: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await call();
    session.push(performance.now() - t0);
  }
  await p.dispose();
  const fresh: number[] = [];
  const adapter = join(root, 'module', 'AlteryxBackup', 'Adapter', 'WindowsAdapter.ps1');
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    execFileSync(pwshBin, ['-NoProfile', '-NonInteractive', '-Command', `. '${adapter}'; . '${fakes}'; Get-AbServiceState -Name AlteryxService`], {
      encoding: 'utf8',
    });
    fresh.push(performance.now() - t0);
  }
  results['powershell'] = {
    sessionCallMs: round(median(session), 1),
    newProcessPerCallMs: round(median(fresh), 1),
    ratio: round(median(fresh) / median(session), 1),
  };
  log('powershell', results['powershell']);
  lap('powershell');
  rmSync(logDir, { recursive: true, force: true });
}

// 5: drill methods on the same archive.
if (want('drill')) {
  const { dir, sbx, config } = await sandbox(50);
  const made = ours(['backup', '--mode', 'DatabaseOnly', '--sandbox', sbx, '--config', config]);
  const drill = (method: string) => {
    const out = execFileSync(process.execPath, [cli, 'drill', made.result.archivePath!, '--method', method, '--sandbox', sbx, '--config', config, '--json'], {
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
    ratioMongodToSandbox: round(median(runs['mongod']!.map((x) => x['total']!)) / median(runs['sandbox']!.map((x) => x['total']!))),
  };
  log('drill', results['drill']);
  lap('drill');
  rmSync(dir, { recursive: true, force: true });
}

// --profile: where the time goes in one medium DatabaseOnly backup (self time per function, top 15).
if (PROFILE) {
  const { dir, sbx, config } = await sandbox(500);
  const profDir = join(dir, 'prof');
  backup(sbx, config, 'DatabaseOnly', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const byName = new Map<string, number>();
  for (const n of prof.nodes) {
    const us = self.get(n.id) ?? 0;
    const where = n.callFrame.url ? `${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    byName.set(key, (byName.get(key) ?? 0) + us);
  }
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  results['profile'] = [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pct: round((100 * us) / total, 1) }));
  log('profile', results['profile']);
  rmSync(dir, { recursive: true, force: true });
}

results['loadAverage'] = { samples1m: loads.map((l) => round(l[0]!)), atEnd: loadavg().map((x) => round(x)) };
const resultFile = save();
console.log(`written to bench/results/${resultFile} after ${results['totalSeconds']} s`);
// The cloud upload bench (bench/cloud.ts) last, as before: `npm run bench -- <flags>` hands its flags to this script.
if (!argv.includes('--no-cloud')) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'cloud.ts')], { stdio: 'inherit', cwd: root });
  process.exitCode = r.status ?? 1;
}
