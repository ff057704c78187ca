// npm run bench:report: how long the dashboard of a 400-run history takes, measured, not asserted.
//   1. renderReport (HTML from the catalog, with the health checks) in Node;
//   2. headless Chromium: navigation to the file until `load`, and until a full-page screenshot is taken
//      (layout and paint of the whole page done), at 1280 px and at 390 px (Debian's chromium via puppeteer-core, the same launch as the tests).
// Medians of BENCH_RUNS (default 5). Results printed and written to bench/results/report.json.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSchema } from '../src/config/schema.ts';
import { evaluateHealth } from '../src/history/health.ts';
import { toRecord } from '../src/history/record.ts';
import { renderReport } from '../src/history/report.ts';
import type { RunRecord } from '../src/history/types.ts';
import { launchChromium } from '../test/helpers/chromium.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const N = Number(process.env['BENCH_HISTORY'] ?? 400);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const modes = ['Full', 'DatabaseOnly', 'ConfigOnly'] as const;
const now = Date.now();

const records: RunRecord[] = Array.from({ length: N }, (_, i) => {
  const mode = modes[i % 3]!;
  const ok = i % 13 !== 7;
  return toRecord(
    {
      exitCode: ok ? 0 : 5,
      message: ok ? `${mode} backup completed` : 'The MongoDB dump failed',
      mode,
      archivePath: ok ? `D:\\Alteryx\\Backups\\ServerBackup_${mode}_${i}.zip` : null,
      sha256: ok ? 'e'.repeat(64) : null,
      sizeBytes: ok ? (mode === 'ConfigOnly' ? 20_000 : 2_000_000_000) * (1 + (i % 7) / 20) : null,
      durationMs: 60_000 + (i % 11) * 3000,
      destinations: [
        { path: 'D:\\Alteryx\\Backups', kind: 'local', status: 'ok' },
        { path: '\\\\nas01\\b', kind: 'network', status: i % 17 ? 'ok' : 'failed' },
      ],
      summary: { downtimeMs: mode === 'ConfigOnly' ? 0 : 30_000 + (i % 5) * 1000 },
    },
    { kind: 'backup', host: 'ALTERYX01', startedAt: new Date(now - (N - i) * 8 * 3600_000), pid: i },
  );
});
const th = ConfigSchema.parse({}).HealthConfiguration;

const render: number[] = [];
let html = '';
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const v = evaluateHealth(records, th, { now: new Date(now), freeBytes: 1e12 });
  html = renderReport({ records, health: v, host: 'ALTERYX01', generatedAt: new Date(now) });
  render.push(performance.now() - t0);
}
const dir = mkdtempSync(join(tmpdir(), 'ab-bench-report-'));
const file = join(dir, 'dashboard.html');
writeFileSync(file, html);

const { browser, close } = await launchChromium();
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  history: N,
  htmlKB: +(statSync(file).size / 1024).toFixed(1),
  renderReportMs: +median(render).toFixed(1),
};
try {
  const page = await browser.newPage();
  for (const width of [1280, 390]) {
    const load: number[] = [];
    const painted: number[] = [];
    await page.setViewport({ width, height: 900 });
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href + `?run=${i}`, { waitUntil: 'load' });
      load.push(performance.now() - t0);
      await page.screenshot({ fullPage: true });
      painted.push(performance.now() - t0);
    }
    results[`chromium${width}`] = { loadMs: +median(load).toFixed(1), loadAndFullPageScreenshotMs: +median(painted).toFixed(1) };
  }
} finally {
  await close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'report.json'), JSON.stringify(results, null, 2) + '\n');
