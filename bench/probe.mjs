// Loaded with `node --import bench/probe.mjs` into the CLI that `npm run bench` measures (bench/run.ts), and only
// there: samples the process from the inside every 50 ms and writes the samples when it exits, to the file named by
// AB_BENCH_PROBE. Children (the sandbox's emulated emongodump, which inherit NODE_OPTIONS-less argv) are not
// sampled: the probe acts only in the process whose script is the CLI bundle.
//   sample: t (ms since epoch), cpu (user + system µs, process.cpuUsage), rss (bytes), rchar and readBytes
//   (/proc/self/io: bytes read through read()/pread(), and from the disk), fds (entries of /proc/self/fd).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const out = process.env['AB_BENCH_PROBE'];
const script = process.argv[1] ?? '';
if (out && /alteryx-backup\.mjs$/.test(script)) {
  const samples = [];
  const io = () => {
    try {
      const text = readFileSync('/proc/self/io', 'utf8');
      const num = (k) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      return { rchar: num('rchar'), readBytes: num('read_bytes') };
    } catch {
      return { rchar: 0, readBytes: 0 };
    }
  };
  const fds = () => {
    try {
      return readdirSync('/proc/self/fd').length;
    } catch {
      return 0;
    }
  };
  const sample = () => {
    const c = process.cpuUsage();
    samples.push({ t: Date.now(), cpu: c.user + c.system, rss: process.memoryUsage.rss(), ...io(), fds: fds() });
  };
  sample();
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const ru = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ samples, maxRssBytes: ru.maxRSS * 1024, cpuUs: ru.userCPUTime + ru.systemCPUTime }));
  });
}
