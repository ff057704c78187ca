// The dashboard as a person sees it: rendered by headless Chromium (Debian's chromium, driven by
// puppeteer-core) at 1280 px and 390 px, screenshots kept in test-artifacts/report/ (git-ignored), no console
// error and no request beyond the file itself, the charts' points read from the DOM equal to the history's
// numbers, text contrast of at least WCAG AA, no sideways scrolling on a phone.
import test from 'ava';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'puppeteer-core';
import { choosePlatform } from '../src/platform/choose.ts';
import { recordRun } from '../src/history/record.ts';
import type { RunRecord } from '../src/history/types.ts';
import { setKnob } from '../src/sandbox/index.ts';
import { launchChromium } from './helpers/chromium.ts';
import { repo, runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';

const DAY = 86_400_000;
const ARTEFACTS = join(repo, 'test-artifacts', 'report');
const NAS = '\\\\nas01\\AlteryxBackups';

interface Point {
  id: string;
  value: number;
  time: string;
  cx: number;
  cy: number;
}

const points = (page: Page, chart: string) =>
  page.$$eval(`figure[data-chart="${chart}"] .pt`, (els) =>
    els.map((e) => {
      const b = e.getBoundingClientRect();
      return {
        id: e.getAttribute('data-id')!,
        value: Number(e.getAttribute('data-value')),
        time: e.getAttribute('data-time')!,
        cx: b.x + b.width / 2,
        cy: e.tagName === 'rect' ? b.y : b.y + b.height / 2,
      };
    }),
  ) as Promise<Point[]>;

/**
 * WCAG 2 contrast of every element with its own text (HTML and SVG) against the background it is drawn on.
 * Plain JavaScript source: the test runner's transpiler would add helpers the page does not have.
 */
const CONTRAST_JS = `(() => {
  const parse = (c) => {
    const m = /rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?\\)/.exec(c);
    return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : { r: 0, g: 0, b: 0, a: 0 };
  };
  const lum = (c) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255 };
  };
  const out = [];
  let checked = 0;
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('title')) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    const svg = el instanceof SVGElement;
    const fg = parse(svg ? st.fill : st.color);
    const bg = background(svg ? el.closest('figure') : el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    checked++;
    if (ratio < (large ? 3 : 4.5)) out.push(el.tagName + '.' + (el.getAttribute('class') || '') + ' "' + el.textContent.trim().slice(0, 40) + '": ' + ratio.toFixed(2));
  }
  return { checked, failures: out };
})()`;

const contrastFailures = (page: Page) => page.evaluate(CONTRAST_JS) as Promise<{ checked: number; failures: string[] }>;

test('the dashboard in headless Chromium: both widths, no errors, chart points equal the history, contrast, phone layout', async (t) => {
  const { root, dir, config } = await quickSandbox(
    t,
    { dbSizeMb: 1 },
    { BackupConfiguration: { NetworkBackupPaths: [NAS], NetworkCopy: { Attempts: 1, RetryDelaySeconds: 0 } } },
  );
  const cli = (args: string[]) => runCli([...args, '--sandbox', dir, '--config', config]);
  // Real runs: one good backup per mode, a failed DatabaseOnly one, and a drill.
  for (const mode of ['Full', 'ConfigOnly', 'DatabaseOnly']) t.is((await cli(['backup', '--mode', mode, '--json'])).result?.['exitCode'], 0);
  setKnob(dir, 'emongodump.fail', 'exit');
  const failed = await cli(['backup', '--mode', 'DatabaseOnly', '--json']);
  t.not(failed.result?.['exitCode'], 0);
  setKnob(dir, 'emongodump.fail', 'false');
  const history0 = (await cli(['history', '--json'])).result!['records'] as RunRecord[];
  const dbArchive = history0.find((r) => r.mode === 'DatabaseOnly' && r.status === 'Success')!.archivePath!;
  t.is((await cli(['drill', dbArchive, '--json'])).result?.['exitCode'], 0);
  // Older nights through the CLI's record path: sizes and durations that vary, a share that failed twice.
  const first = Date.parse(history0[0]!.startedAt);
  for (let i = 0; i < 45; i++) {
    const mode = (['Full', 'DatabaseOnly', 'ConfigOnly'] as const)[i % 3]!;
    const ok = i % 9 !== 4;
    await recordRun(
      {
        exitCode: ok ? (i === 41 ? 4 : 0) : 5,
        message: ok ? `${mode} backup completed` : `The MongoDB dump of night ${i} failed: emongodump exited with 1 <check the log>`,
        mode,
        archivePath: ok ? `D:\\Alteryx\\Backups\\night${i}.zip` : null,
        sizeBytes: ok ? Math.round((mode === 'ConfigOnly' ? 9000 : 400_000) * (1 + (i % 5) / 10)) : null,
        durationMs: 900 + i * 17,
        destinations: ok
          ? [
              { path: 'D:\\Alteryx\\Backups', kind: 'local', status: 'ok' },
              { path: NAS, kind: 'network', status: i === 41 ? 'failed' : 'ok', error: i === 41 ? 'offline' : undefined },
            ]
          : [],
        summary: { downtimeMs: mode === 'ConfigOnly' ? 0 : 400 + (i % 7) * 50 },
      },
      { kind: 'backup', params: { SandboxPath: dir, ConfigPath: config }, startedAt: new Date(first - (45 - i) * 1.8 * DAY), platform: choosePlatform },
    );
  }
  const history = (await cli(['history', '--json'])).result!['records'] as RunRecord[];
  t.is(history.length, 50);
  const html = join(root, 'dashboard.html');
  const rep = await cli(['report', '--html', html, '--json']);
  t.is(rep.code, 0, String(rep.result?.['message']));
  const now = new Date();
  const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const monthly = join(root, 'monthly.html');
  t.is((await cli(['report', '--html', monthly, '--month', month])).code, 0);

  mkdirSync(ARTEFACTS, { recursive: true });
  const { browser, close } = await launchChromium();
  t.teardown(close);
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));

  for (const [name, file] of [
    ['dashboard', html],
    ['monthly', monthly],
  ] as const) {
    for (const width of [1280, 390]) {
      await page.setViewport({ width, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.screenshot({ path: join(ARTEFACTS, `${name}-${width}.png`), fullPage: true });
      const layout = (await page.evaluate(
        "({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth, svgs: document.querySelectorAll('svg').length })",
      )) as { scroll: number; inner: number; svgs: number };
      t.true(layout.scroll <= layout.inner, `${name} at ${width} px needs no sideways scrolling (${layout.scroll} > ${layout.inner})`);
      t.true(layout.svgs >= 7, `${name}: the charts are there`);
      const c = await contrastFailures(page);
      t.true(c.checked > 50);
      t.deepEqual(c.failures, [], `${name} at ${width} px: text below WCAG AA contrast`);
    }
  }
  t.deepEqual(errors, []);
  t.deepEqual([...new Set(requests)].sort(), [pathToFileURL(html).href, pathToFileURL(monthly).href].sort(), 'nothing but the files themselves is loaded');

  // The charts' points, read from the rendered page, against the history.
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly'] as const) {
    const good = history.filter((r) => r.kind === 'backup' && r.mode === mode && r.status !== 'Failed');
    const size = await points(page, `size-${mode}`);
    t.deepEqual(
      size.map((p) => [p.id, p.value]),
      good.map((r) => [r.id, r.sizeBytes]),
      `${mode} size trend`,
    );
    // Drawn where the numbers say: later runs further right, larger archives higher up.
    for (let i = 1; i < size.length; i++) t.true(size[i]!.cx >= size[i - 1]!.cx);
    const byValue = [...size].sort((a, b) => a.value - b.value);
    for (let i = 1; i < byValue.length; i++)
      if (byValue[i]!.value > byValue[i - 1]!.value)
        t.true(byValue[i]!.cy < byValue[i - 1]!.cy, `${mode}: ${byValue[i]!.value} is drawn above ${byValue[i - 1]!.value}`);
    const dur = await points(page, `duration-${mode}`);
    t.deepEqual(
      dur.map((p) => [p.id, p.value]),
      history.filter((r) => r.kind === 'backup' && r.mode === mode).map((r) => [r.id, r.durationMs]),
      `${mode} duration trend`,
    );
  }
  const down = await points(page, 'downtime');
  t.deepEqual(
    down.map((p) => [p.id, p.value]),
    history.filter((r) => r.kind === 'backup' && (r.downtimeMs ?? 0) > 0).map((r) => [r.id, r.downtimeMs]),
  );
  // The band of the size check, as health computes it, is drawn.
  const band = await page.$eval('figure[data-chart="size-DatabaseOnly"] .band', (e) => [
    Number(e.getAttribute('data-low')),
    Number(e.getAttribute('data-high')),
  ]);
  const health = (await cli(['health', '--json'])).result!;
  const db = (health['modes'] as Array<{ mode: string; band: { low: number; high: number } }>).find((m) => m.mode === 'DatabaseOnly')!;
  t.deepEqual(band, [Math.round(db.band.low), Math.round(db.band.high)]);
  // The duration spike threshold, as health computes it, is drawn on each duration chart as a line across it.
  for (const m of health['modes'] as Array<{ mode: string; runs: number; durationSpikeMs: number | null }>) {
    if (!m.runs || m.durationSpikeMs === null) continue;
    const line = await page.$eval(`figure[data-chart="duration-${m.mode}"] .threshold`, (e) => {
      const b = e.getBoundingClientRect();
      return {
        value: Number(e.getAttribute('data-value')),
        y1: Number(e.getAttribute('y1')),
        y2: Number(e.getAttribute('y2')),
        cy: b.y + b.height / 2,
        title: e.textContent,
      };
    });
    t.is(line.value, Math.round(m.durationSpikeMs), `${m.mode} spike threshold`);
    t.is(line.y1, line.y2);
    t.regex(line.title ?? '', /^Duration spike threshold: /);
    // Runs longer than the threshold are drawn above the line, shorter ones below it.
    for (const p of await points(page, `duration-${m.mode}`)) {
      if (p.value > m.durationSpikeMs) t.true(p.cy < line.cy, `${m.mode}: ${p.value} ms above the threshold line`);
      if (p.value < m.durationSpikeMs) t.true(p.cy > line.cy, `${m.mode}: ${p.value} ms below the threshold line`);
    }
  }
  t.true(
    (health['modes'] as Array<{ durationSpikeMs: number | null }>).some((m) => m.durationSpikeMs !== null),
    'at least one mode has a threshold to draw',
  );
  // The calendar: runs per mode in the last 90 days, and the verdict.
  const cal = await page.$$eval('figure[data-chart="calendar-90"] .day', (els) =>
    els.map((e) => ({ mode: e.getAttribute('data-mode'), runs: Number(e.getAttribute('data-runs')), status: e.getAttribute('data-status') })),
  );
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 89).getTime();
  for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly']) {
    const inWindow = history.filter((r) => r.kind === 'backup' && r.mode === mode && Date.parse(r.startedAt) >= start);
    t.is(
      cal.filter((c) => c.mode === mode).reduce((n, c) => n + c.runs, 0),
      inWindow.length,
      `${mode} calendar`,
    );
    t.is(
      cal.filter((c) => c.mode === mode && c.status === 'Failed').length,
      new Set(inWindow.filter((r) => r.status === 'Failed').map((r) => new Date(r.startedAt).toDateString())).size,
    );
  }
  t.is(await page.$eval('#health', (e) => e.getAttribute('data-status')), health['status']);
  const kpi = await page.$eval('[data-kpi="success-rate"]', (e) => e.textContent);
  const backups = history.filter((r) => r.kind === 'backup');
  t.is(kpi, `${Math.round((backups.filter((r) => r.status !== 'Failed').length / backups.length) * 1000) / 10} %`);
  // The newest failure's message is shown as text (escaped, not markup).
  const failures = await page.$$eval('#failures tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
  t.true(failures.some((f) => f.includes('<check the log>')));
  // Printable: a PDF comes out.
  await page.emulateMediaType('print');
  t.true((await page.pdf({ format: 'A4' })).length > 10_000);
  // The monthly CSV beside the monthly HTML: totals of this month's runs.
  const csv = readFileSync(monthly.replace(/\.html$/, '.csv'), 'utf8')
    .trim()
    .split('\r\n');
  t.is(csv[0], 'month,mode,runs,backups,successful,failed,successRatePercent,dataProtectedBytes,averageDowntimeMs,drills,drillsPassed');
  t.regex(csv.at(-1)!, new RegExp(`^${month},All,`));
});

test('the contrast check itself finds pale text, and passes dark text', async (t) => {
  const { browser, close } = await launchChromium();
  t.teardown(close);
  const page = await browser.newPage();
  await page.setContent(
    '<body style="background:#fff"><p style="color:#aaa">pale grey on white</p><p style="color:#222">dark</p><svg><text x="0" y="10" style="fill:#ccc">pale svg</text></svg></body>',
  );
  const c = await contrastFailures(page);
  t.is(c.checked, 3);
  t.is(c.failures.length, 2);
  t.regex(c.failures[0]!, /pale grey on white": 2\.3/);
});
