// The archive room's parallel writer against the old single-thread writer and the outside references, on one
// staged dump folder from the sandbox (issue 15, part A):  tsx bench/archive-parallel.ts
//   ours        src/archive ZipWriter + DeflatePool, every core (the backup's archive step without the rest)
//   ours-1t     the same with one deflate thread
//   archiver    bench/zip-with-archiver.mjs, the library the writer used before (one thread)
//   zip -6 -r   Info-ZIP;   tar | pigz -6 -p<cores>
// Interleaved (one run of each, then the next round), medians of ARCHIVE_BENCH_RUNS (default 3); wall, CPU
// (user + sys of the process tree, /usr/bin/time), peak RSS, size; and for ours the bytes read per input byte of
// archive + single-pass verify. ARCHIVE_BENCH_MB (default 500) sets the sandbox database size. Results:
// printed, and bench/results/archive-parallel.json. Part of the import surface for bench/run.ts: runArchiveBench().
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, promises as fsp, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesUnder } from '../test/helpers/tmp.ts';

const root = join(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Child mode: write `dir` into `out` with the room's writer, verify it in one pass, print the I/O counters. */
async function child(dir: string, out: string, threads: number, mode: string): Promise<void> {
  if (mode === 'verify') return verifyChild(out);
  const { DeflatePool } = await import('../src/archive/deflate-pool.ts');
  const { ZipWriter, fileChunks, bufferChunks } = await import('../src/archive/zip-writer.ts');
  const { STORED } = await import('../src/archive/writer.ts');
  const { ioSnapshot } = await import('../src/archive/hashing.ts');
  const files = filesUnder(dir).sort();
  // Open file descriptors, sampled: flat at any number of files means none is leaked.
  const fdsAt = () => readdirSync('/proc/self/fd').length;
  const fdsBefore = fdsAt();
  let maxFds = fdsBefore;
  const sampler = setInterval(() => {
    maxFds = Math.max(maxFds, fdsAt());
  }, 20);
  const pool = new DeflatePool(threads);
  const fh = await fsp.open(out, 'w');
  const t0 = performance.now();
  const listed: Array<{ path: string; size: number; sha256: string; kind: 'database' }> = [];
  let written: { size: number; sha256: string };
  let cpuBeforeClose: Record<string, number> = {};
  try {
    const z = new ZipWriter(fh, pool, { level: 6, date: new Date() });
    for (const f of files) {
      const name = `MongoDB/${relative(dir, f).split('\\').join('/')}`;
      const d = await z.addEntry(name, fileChunks(f), STORED.test(name), statSync(f).size);
      listed.push({ path: name, size: d.size, sha256: d.sha256, kind: 'database' });
    }
    const manifest = {
      format: 1,
      tool: { name: 'AlteryxBackup', version: 'bench' },
      createdAt: new Date().toISOString(),
      mode: 'DatabaseOnly',
      scopes: [],
      hostName: 'bench',
      serverVersion: null,
      nodes: [{ name: 'bench', role: 'controller' }],
      mongo: { type: 'embedded', decidedBy: 'bench', dumped: true, gzip: false, databases: {} },
      secretsIncluded: false,
      encrypted: false,
      encryptionKeyGuidance: '',
      files: listed,
      configuration: {},
      status: { completedSteps: [], warnings: [] },
      durationsMs: {},
    };
    const json = Buffer.from(JSON.stringify(manifest));
    await z.addEntry('manifest.json', bufferChunks(json), false, json.length);
    written = await z.finish();
  } finally {
    await fh.close();
    cpuBeforeClose = threadCpu();
    await pool.close();
  }
  const archiveMs = performance.now() - t0;
  writeFileSync(`${out}.sha256`, `${written.sha256}  ${basename(out)}\n`);
  clearInterval(sampler);
  const io = ioSnapshot();
  const inputBytes = listed.reduce((n, f) => n + f.size, 0);
  console.log(
    JSON.stringify({
      inputBytes,
      archiveBytes: written.size,
      inputBytesRead: io.inputBytesRead,
      archiveMs,
      files: files.length,
      fdsBefore,
      maxFds,
      fdsAfter: fdsAt(),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      threadCpuS: cpuBeforeClose,
    }),
  );
}

/**
 * CPU seconds per thread of this process (Linux /proc, 100 Hz ticks), by thread name: on an idle machine the
 * archive's wall time is bounded below by the busiest thread, whatever the load was when it was measured.
 */
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      const name = `${readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()}#${tid}`;
      if (cpu > 0.05) out[name] = cpu;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Child mode: the single-pass verify of an archive the write mode made (its .sha256 beside it). */
async function verifyChild(zip: string): Promise<void> {
  const { verifyArchive } = await import('../src/archive/verify.ts');
  const { ioSnapshot } = await import('../src/archive/hashing.ts');
  const t0 = performance.now();
  const r = await verifyArchive(zip, { sha256File: `${zip}.sha256` });
  if (!r.ok) throw new Error(JSON.stringify(r.checks.filter((c) => !c.ok)));
  console.log(JSON.stringify({ archiveBytesRead: ioSnapshot().archiveBytesRead, verifyMs: performance.now() - t0, entries: r.manifest?.files.length }));
}

interface Measure {
  wall: number;
  cpu: number;
  rssKb: number;
  size: number;
  extra?: Record<string, unknown>;
}

/** Runs a command under /usr/bin/time: wall seconds, CPU seconds (user + sys, children included), peak RSS. */
function timed(cmd: string, args: string[], cwd?: string): { wall: number; cpu: number; rssKb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME (\S+) (\S+) (\S+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssKb: Number(m[4]), stdout: r.stdout };
}

export async function runArchiveBench(mb = Number(process.env['ARCHIVE_BENCH_MB'] ?? 500), runs = Number(process.env['ARCHIVE_BENCH_RUNS'] ?? 3)) {
  const { createSandbox, setKnob } = await import('../src/sandbox/index.ts');
  const work = mkdtempSync(join(tmpdir(), 'ab-bench-par-'));
  try {
    const sbx = join(work, 's');
    await createSandbox(sbx, { dbSizeMb: mb });
    setKnob(sbx, 'service.stopSeconds', '0.1');
    setKnob(sbx, 'service.startSeconds', '0.1');
    const exe = join(sbx, 'C', 'Program Files', 'Alteryx', 'bin', 'AlteryxService.exe');
    const staged = join(work, 'staged');
    mkdirSync(staged);
    spawnSync(exe, ['stop']);
    const d = spawnSync(exe, [`emongodump=${staged}`], { encoding: 'utf8' });
    spawnSync(exe, ['start']);
    if (d.status !== 0) throw new Error(`the sandbox dump failed: ${d.stderr}`);
    const inputBytes = filesUnder(staged).reduce((n, f) => n + statSync(f).size, 0);
    const cores = availableParallelism();
    // The child runs from a bundle, as the release does (no tsx compile in the measured time).
    const { build } = await import('esbuild');
    const bundle = join(work, 'archive-bench-child.mjs');
    await build({
      entryPoints: [fileURLToPath(import.meta.url)],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['edge-js', 'esbuild'],
      banner: { js: "import { createRequire as __abCreateRequire } from 'node:module'; const require = __abCreateRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    const tsx = [bundle];
    const out = (n: string) => join(work, n);
    const candidates: Record<string, () => Measure> = {
      ours: () => {
        const r = timed(process.execPath, [...tsx, '--child', staged, out('ours.zip'), String(cores), 'write']);
        return { ...r, size: statSync(out('ours.zip')).size, extra: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
      },
      'ours verify': () => {
        const r = timed(process.execPath, [...tsx, '--child', staged, out('ours.zip'), String(cores), 'verify']);
        return { ...r, size: statSync(out('ours.zip')).size, extra: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
      },
      'ours-1t': () => {
        const r = timed(process.execPath, [...tsx, '--child', staged, out('ours1.zip'), '1', 'write']);
        return { ...r, size: statSync(out('ours1.zip')).size, extra: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
      },
      archiver: () => ({
        ...timed(process.execPath, [join(root, 'bench', 'zip-with-archiver.mjs'), staged, out('archiver.zip')]),
        size: statSync(out('archiver.zip')).size,
      }),
      'zip -6 -r': () => {
        rmSync(out('zip6.zip'), { force: true });
        return { ...timed('zip', ['-6', '-r', '-q', out('zip6.zip'), '.'], staged), size: statSync(out('zip6.zip')).size };
      },
      [`tar | pigz -6 -p${cores}`]: () => ({
        ...timed('bash', ['-c', `tar -cf - . | pigz -6 -p${cores} > '${out('pigz.tgz')}'`], staged),
        size: statSync(out('pigz.tgz')).size,
      }),
    };
    const rows: Record<string, Measure[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
    for (let i = 0; i < runs; i++) for (const [k, f] of Object.entries(candidates)) rows[k]!.push(f());
    const summary = Object.fromEntries(
      Object.entries(rows).map(([k, ms]) => [
        k,
        {
          wallS: median(ms.map((m) => m.wall)),
          cpuS: median(ms.map((m) => m.cpu)),
          rssMB: Math.round(median(ms.map((m) => m.rssKb)) / 1024),
          sizeBytes: ms.at(-1)!.size,
          runsWallS: ms.map((m) => m.wall),
          ...(ms.at(-1)!.extra ? { child: ms.at(-1)!.extra } : {}),
        },
      ]),
    );
    const ours = summary['ours']!;
    const ratios = Object.fromEntries(
      Object.entries(summary)
        .filter(([k]) => k !== 'ours' && k !== 'ours verify')
        .map(([k, v]) => [
          k,
          { wall: +(ours.wallS / v.wallS).toFixed(2), cpu: +(ours.cpuS / v.cpuS).toFixed(2), size: +(ours.sizeBytes / v.sizeBytes).toFixed(4) },
        ]),
    );
    return {
      date: new Date().toISOString(),
      cores,
      loadavg: loadavg(),
      node: process.version,
      sandboxMb: mb,
      inputBytes,
      runs,
      note: 'ours = archive with every core, ours verify = its single-pass verify, ours-1t = archive with one deflate thread; all from a bundle, node start-up included; ratios are ours/theirs',
      bytesReadPerInputByte: (Number(summary['ours']!.child?.['inputBytesRead']) + Number(summary['ours verify']!.child?.['archiveBytesRead'])) / inputBytes,
      summary,
      ratios,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  await child(argv[1]!, argv[2]!, Number(argv[3]), argv[4]!);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const res = await runArchiveBench();
  for (const [k, v] of Object.entries(res.summary)) {
    console.log(`${k.padEnd(18)} wall ${v.wallS.toFixed(2)} s  cpu ${v.cpuS.toFixed(2)} s  rss ${v.rssMB} MB  size ${v.sizeBytes}`);
  }
  console.log('ours/theirs:', JSON.stringify(res.ratios));
  console.log('bytes read per input byte (archive + verify):', res.bytesReadPerInputByte.toFixed(3));
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'archive-parallel.json'), `${JSON.stringify(res, null, 2)}\n`);
}
