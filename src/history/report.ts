// alteryx-backup report --html FILE / Export-AlteryxBackupReport: one self-contained HTML file (no script, no
// network: inline CSS and SVG only, a Content-Security-Policy that forbids everything else), readable on a
// phone and printable. docs/history.md describes every section.
import { BACKUP_MODES, type BackupMode } from '../config/schema.ts';
import { formatBytes, formatDuration } from '../util/format.ts';
import { destinationStreaks, type HealthVerdict } from './health.ts';
import { isGoodBackup, type RunRecord, type RunStatus } from './types.ts';

const DAY = 86_400_000;

export interface ReportInput {
  records: readonly RunRecord[];
  health: HealthVerdict;
  host: string;
  generatedAt: Date;
  /** YYYY-MM: the monthly report (that month's runs, its calendar, its totals). */
  month?: string | undefined;
}

export interface ReportTotals {
  runs: number;
  backups: number;
  successful: number;
  failed: number;
  /** Successful (or partial) backups / backups, 0-100; null without backups. */
  successRate: number | null;
  /** Sum of the sizes of the good backups' archives. */
  dataProtectedBytes: number;
  averageDowntimeMs: number | null;
  drills: number;
  drillsPassed: number;
}

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** First and last instant (local time) of YYYY-MM; throws on anything else. */
export function monthRange(month: string): { from: number; to: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const y = m ? Number(m[1]) : NaN;
  const mo = m ? Number(m[2]) : NaN;
  if (!m || mo < 1 || mo > 12 || y < 1970) throw new RangeError(`--month must be YYYY-MM (e.g. 2026-11), not ${JSON.stringify(month)}.`);
  return { from: new Date(y, mo - 1, 1).getTime(), to: new Date(y, mo, 1).getTime() };
}

export function totals(records: readonly RunRecord[]): ReportTotals {
  const backups = records.filter((r) => r.kind === 'backup');
  const good = backups.filter(isGoodBackup);
  const downs = good.map((r) => r.downtimeMs).filter((d): d is number => typeof d === 'number' && d > 0);
  const drills = records.filter((r) => r.kind === 'drill');
  return {
    runs: records.length,
    backups: backups.length,
    successful: good.length,
    failed: backups.length - good.length,
    successRate: backups.length ? Math.round((good.length / backups.length) * 1000) / 10 : null,
    dataProtectedBytes: good.reduce((n, r) => n + (r.sizeBytes ?? 0), 0),
    averageDowntimeMs: downs.length ? Math.round(downs.reduce((a, b) => a + b, 0) / downs.length) : null,
    drills: drills.length,
    drillsPassed: drills.filter((d) => d.exitCode === 0).length,
  };
}

/** Monthly totals as CSV: one row per mode and one for all. */
export function monthlyCsv(records: readonly RunRecord[], month: string): string {
  const rows = [
    [
      'month',
      'mode',
      'runs',
      'backups',
      'successful',
      'failed',
      'successRatePercent',
      'dataProtectedBytes',
      'averageDowntimeMs',
      'drills',
      'drillsPassed',
    ].join(','),
  ];
  for (const mode of [...BACKUP_MODES, 'All'] as const) {
    const t = totals(mode === 'All' ? records : records.filter((r) => r.mode === mode));
    rows.push(
      [
        month,
        mode,
        t.runs,
        t.backups,
        t.successful,
        t.failed,
        t.successRate ?? '',
        t.dataProtectedBytes,
        t.averageDowntimeMs ?? '',
        t.drills,
        t.drillsPassed,
      ].join(','),
    );
  }
  return rows.join('\r\n') + '\r\n';
}

const STATUS_CLASS: Record<RunStatus | 'none', string> = { Success: 'ok', Partial: 'warn', Failed: 'bad', none: 'none' };
const worse = (a: RunStatus | 'none', b: RunStatus): RunStatus | 'none' => {
  const order = { none: 0, Success: 1, Partial: 2, Failed: 3 };
  return order[b] > order[a] ? b : a;
};

const dayKey = (t: number) => {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** Per mode a row of day cells (HTML, so that it wraps on a phone), coloured by the worst backup outcome of the day. */
function calendar(records: readonly RunRecord[], fromDay: number, days: number, label: string): string {
  const rows = BACKUP_MODES.map((mode) => {
    const byDay = new Map<string, { status: RunStatus | 'none'; n: number }>();
    for (const r of records) {
      if (r.kind !== 'backup' || r.mode !== mode) continue;
      const k = dayKey(Date.parse(r.startedAt));
      const cur = byDay.get(k) ?? { status: 'none' as const, n: 0 };
      byDay.set(k, { status: worse(cur.status, r.status), n: cur.n + 1 });
    }
    const cells: string[] = [];
    for (let d = 0; d < days; d++) {
      const day = new Date(fromDay);
      day.setDate(day.getDate() + d);
      const k = dayKey(day.getTime());
      const v = byDay.get(k) ?? { status: 'none' as const, n: 0 };
      const text = `${k} ${mode}: ${v.n ? `${v.n} run(s), ${v.status}` : 'no backup'}`;
      cells.push(
        `<span class="day ${STATUS_CLASS[v.status]}" role="img" aria-label="${text}" title="${text}" data-mode="${mode}" data-day="${k}" data-status="${v.status}" data-runs="${v.n}"></span>`,
      );
    }
    return `<div class="cal-row"><span class="cal-label">${mode}</span><div class="cells">${cells.join('')}</div></div>`;
  }).join('');
  return `<figure class="chart cal" data-chart="calendar-${days}"><figcaption>${esc(label)} <span class="meta">(from ${dayKey(fromDay)})</span></figcaption>${rows}</figure>`;
}

interface Series {
  r: RunRecord;
  value: number;
}

/**
 * A line chart of one value per run with an optional band (the health band of the size check) and an
 * optional threshold line (the duration spike threshold).
 */
function trendChart(opts: {
  id: string;
  title: string;
  series: Series[];
  unit: (v: number) => string;
  band?: { low: number; high: number } | null;
  threshold?: { value: number; label: string } | null;
  kind: 'line' | 'bar';
}): string {
  const W = 480;
  const H = 220;
  const L = 72;
  const R = 12;
  const T = 12;
  const B = 30;
  const s = opts.series;
  if (!s.length) return `<figure class="chart" data-chart="${opts.id}"><figcaption>${esc(opts.title)}</figcaption><p class="empty">No data yet.</p></figure>`;
  const times = s.map((p) => Date.parse(p.r.startedAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const maxV = Math.max(...s.map((p) => p.value), opts.band?.high ?? 0, opts.threshold?.value ?? 0) * 1.1 || 1;
  const x = (t: number) => (t1 === t0 ? L + (W - L - R) / 2 : L + ((t - t0) / (t1 - t0)) * (W - L - R));
  const y = (v: number) => T + (1 - v / maxV) * (H - T - B);
  const ticks = [0, 0.5, 1].map((f) => maxV * f);
  const grid = ticks
    .map(
      (v) =>
        `<line class="grid" x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="axis" x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${esc(opts.unit(v))}</text>`,
    )
    .join('');
  const band = opts.band
    ? `<rect class="band" x="${L}" width="${W - L - R}" y="${y(Math.min(opts.band.high, maxV)).toFixed(1)}" height="${(y(opts.band.low) - y(Math.min(opts.band.high, maxV))).toFixed(1)}" data-low="${Math.round(opts.band.low)}" data-high="${Math.round(opts.band.high)}"><title>Health band: ${esc(opts.unit(opts.band.low))} - ${esc(opts.unit(opts.band.high))}</title></rect>`
    : '';
  const th = opts.threshold;
  const threshold = th
    ? `<line class="threshold" x1="${L}" x2="${W - R}" y1="${y(th.value).toFixed(1)}" y2="${y(th.value).toFixed(1)}" data-value="${Math.round(th.value)}"><title>${esc(th.label)}: ${esc(opts.unit(th.value))}</title></line>`
    : '';
  const pts = s.map((p, i) => ({ p, cx: x(times[i]!), cy: y(p.value) }));
  let marks: string;
  if (opts.kind === 'line') {
    const path = pts.map((q, i) => `${i ? 'L' : 'M'}${q.cx.toFixed(1)},${q.cy.toFixed(1)}`).join(' ');
    marks =
      `<path class="line" d="${path}"/>` +
      pts
        .map(
          (q) =>
            `<circle class="pt ${STATUS_CLASS[q.p.r.status]}" cx="${q.cx.toFixed(1)}" cy="${q.cy.toFixed(1)}" r="3" data-id="${esc(q.p.r.id)}" data-time="${esc(q.p.r.startedAt)}" data-value="${q.p.value}"><title>${esc(q.p.r.startedAt)}: ${esc(opts.unit(q.p.value))}</title></circle>`,
        )
        .join('');
  } else {
    const bw = Math.max(1, Math.min(12, (W - L - R) / pts.length - 1));
    marks = pts
      .map(
        (q) =>
          `<rect class="pt bar" x="${(q.cx - bw / 2).toFixed(1)}" y="${q.cy.toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - B - q.cy).toFixed(1)}" data-id="${esc(q.p.r.id)}" data-time="${esc(q.p.r.startedAt)}" data-value="${q.p.value}"><title>${esc(q.p.r.startedAt)}: ${esc(opts.unit(q.p.value))}</title></rect>`,
      )
      .join('');
  }
  const axis = `<text class="axis" x="${L}" y="${H - 8}">${esc(dayKey(t0))}</text><text class="axis" x="${W - R}" y="${H - 8}" text-anchor="end">${esc(dayKey(t1))}</text>`;
  return `<figure class="chart" data-chart="${opts.id}"><figcaption>${esc(opts.title)}</figcaption><svg role="img" aria-label="${esc(opts.title)}" viewBox="0 0 ${W} ${H}" preserveAspectRatio="xMinYMin meet">${grid}${band}${threshold}${marks}${axis}</svg></figure>`;
}

const mb = (v: number) => formatBytes(v);
const dur = (v: number) => formatDuration(v);
const time = (iso: string) => esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'));

function table(head: string[], rows: string[][], cls = ''): string {
  if (!rows.length) return '<p class="empty">None.</p>';
  return `<div class="scroll"><table class="${cls}"><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

const CSS = `
:root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--card:#f4f5f7;--ok:#146c2e;--warn:#8a5a00;--bad:#b00020;--none:#d9dce1;--line:#1f4e99}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 "Segoe UI",system-ui,-apple-system,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:16px}h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.15rem;margin:1.4em 0 .5em;border-bottom:2px solid var(--none);padding-bottom:.2em}
.meta{color:var(--muted);margin:0 0 12px}
.verdict{border-radius:8px;padding:12px 16px;margin:12px 0;color:#fff}.verdict.OK{background:var(--ok)}.verdict.WARNING{background:#ffd24d;color:#1a1a1a}.verdict.CRITICAL{background:var(--bad)}.verdict.UNKNOWN{background:#555}
.verdict strong{font-size:1.3rem;display:block}.verdict ul{margin:.4em 0 0;padding-left:1.2em}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:0;padding:0;list-style:none}.kpis li{background:var(--card);border-radius:8px;padding:10px}.kpis b{display:block;font-size:1.3rem}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(400px,100%),1fr));gap:14px}
figure.chart{margin:0;background:var(--card);border-radius:8px;padding:10px}figure.cal{grid-column:1/-1}figcaption{font-weight:600;margin-bottom:4px}
svg{width:100%;height:auto;display:block}.axis{font-size:14px;fill:var(--muted)}.grid{stroke:#c3c7cf;stroke-width:1}
.line{fill:none;stroke:var(--line);stroke-width:2}.pt{stroke:#fff;stroke-width:1}circle.pt{fill:var(--line)}circle.pt.bad{fill:var(--bad)}circle.pt.warn{fill:var(--warn)}rect.bar{fill:var(--line)}
.band{fill:#2e7d32;fill-opacity:.14}
.threshold{stroke:#b26a00;stroke-width:1.5;stroke-dasharray:6 4}
.cal-row{display:flex;gap:8px;align-items:flex-start;margin:4px 0}.cal-label{flex:0 0 7.5em;font-size:.9rem}.cells{display:flex;flex-wrap:wrap;gap:3px}.day{display:inline-block;width:14px;height:14px;border-radius:2px}.cal[data-chart=calendar-90] .cells{gap:2px}.cal[data-chart=calendar-90] .day{width:7px;height:14px;border-radius:1px}.day.ok{background:var(--ok)}.day.warn{background:#e0a100}.day.bad{background:var(--bad)}.day.none{background:var(--none)}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin:6px 0;color:var(--muted);font-size:.9rem}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--none);vertical-align:top}th{background:var(--card)}
td.msg{min-width:240px}.tag{display:inline-block;padding:0 6px;border-radius:4px;font-weight:600;color:#fff}.tag.ok{background:var(--ok)}.tag.warn{background:var(--warn)}.tag.bad{background:var(--bad)}
.empty{color:var(--muted);font-style:italic}
@media (max-width:600px){main{padding:10px}body{font-size:14px}.charts{grid-template-columns:1fr}.cal-row{flex-direction:column;gap:2px}.cal-label{flex:none}}
@media print{*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{font-size:11pt}main{max-width:none}figure.chart,section{break-inside:avoid}.scroll{overflow:visible}.verdict{border:2px solid #000}}
`;

const tag = (s: string) => `<span class="tag ${STATUS_CLASS[s as RunStatus] ?? 'bad'}">${esc(s)}</span>`;
/** A coloured label with its own text: ok/failed for destinations, passed/failed for drills. */
const badge = (good: boolean, text: string) => `<span class="tag ${good ? 'ok' : 'bad'}">${esc(text)}</span>`;

/** The whole report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const { records, period, calendars } = reportPeriod(input);
  const t = totals(records);
  const h = input.health;
  const backups = records.filter((r) => r.kind === 'backup');
  const trends = trendCharts(backups, h);
  const downSeries = backups.filter((r) => (r.downtimeMs ?? 0) > 0).map((r) => ({ r, value: r.downtimeMs ?? 0 }));
  const downtime = trendChart({ id: 'downtime', title: 'Service downtime per backup', series: downSeries, unit: dur, kind: 'bar' });
  const destRows = destinationRows(backups);
  const drillRows = drillRowsOf(records);
  const failRows = failureRows(records);
  const modeRows = modeTotalRows(records);
  const title = `AlteryxBackup - ${input.host} - ${period}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="AlteryxBackup">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<header><h1>${esc(title)}</h1><p class="meta">Generated ${time(input.generatedAt.toISOString())} from ${t.runs} run(s) in the history${input.month ? ` of ${esc(input.month)}` : ''}.</p></header>
<section id="health" class="verdict ${h.status}" data-status="${h.status}"><strong>Health${input.month ? ' now' : ''}: ${h.status}</strong>${h.reasons.length ? `<ul>${h.reasons.map((r) => `<li data-check="${r.check}">${esc(r.severity)}: ${esc(r.message)}</li>`).join('')}</ul>` : '<span>Every check passed.</span>'}</section>
<section id="totals"><h2>Totals</h2><ul class="kpis">
<li><b data-kpi="runs">${t.runs}</b>runs</li>
<li><b data-kpi="success-rate">${t.successRate === null ? '-' : `${t.successRate} %`}</b>backup success rate</li>
<li><b data-kpi="data-protected">${esc(mb(t.dataProtectedBytes))}</b>data protected</li>
<li><b data-kpi="average-downtime">${t.averageDowntimeMs === null ? '-' : esc(dur(t.averageDowntimeMs))}</b>average downtime</li>
<li><b data-kpi="drills">${t.drillsPassed} / ${t.drills}</b>drills passed</li></ul>
${table(['Mode', 'Backups', 'Good', 'Failed', 'Success rate', 'Data protected', 'Average downtime'], modeRows)}</section>
<section id="calendar"><h2>Runs per day</h2><div class="legend"><span><i style="background:var(--ok)"></i>success</span><span><i style="background:#e0a100"></i>partial (a copy failed)</span><span><i style="background:var(--bad)"></i>failed</span><span><i style="background:var(--none)"></i>no backup</span></div><div class="charts">${calendars}</div></section>
<section id="trends"><h2>Size, duration and downtime trends</h2><p class="meta">The shaded band is the size health band around the median of recent backups; the dashed line on a duration chart is the duration spike threshold.</p><div class="charts">${trends}${downtime}</div></section>
<section id="destinations"><h2>Destinations</h2>${table(['Destination', 'Kind', 'Last status', 'Failed in a row', 'Last success', 'Last error'], destRows)}</section>
<section id="drills"><h2>Restore drills</h2>${table(['Time', 'Mode', 'Verdict', 'Archive', 'Documents (restored / expected)', 'Duration'], drillRows)}</section>
<section id="failures"><h2>Newest failures</h2>${table(['Time', 'Run', 'Mode', 'Status', 'Exit', 'Message'], failRows, 'failures')}</section>
</main></body></html>
`;
}

/** The report's runs (sorted; the month's only for a monthly report), its heading and its calendars. */
function reportPeriod(input: ReportInput): { records: RunRecord[]; period: string; calendars: string } {
  const now = input.generatedAt.getTime();
  const sorted = [...input.records].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (input.month) {
    const { from, to } = monthRange(input.month);
    const records = sorted.filter((r) => Date.parse(r.startedAt) >= from && Date.parse(r.startedAt) < to);
    const days = Math.round((to - from) / DAY);
    return { records, period: `Monthly report ${input.month}`, calendars: calendar(records, from, days, `Backups in ${input.month} per mode`) };
  }
  const today = new Date(now);
  const start = (n: number) => new Date(today.getFullYear(), today.getMonth(), today.getDate() - (n - 1)).getTime();
  return {
    records: sorted,
    period: 'Dashboard',
    calendars: calendar(sorted, start(30), 30, 'Last 30 days per mode') + calendar(sorted, start(90), 90, 'Last 90 days per mode'),
  };
}

/** Per mode with backups: the size chart of its good backups (with the health band) and the duration chart of all. */
function trendCharts(backups: readonly RunRecord[], h: HealthVerdict): string {
  return BACKUP_MODES.filter((m) => backups.some((r) => r.mode === m))
    .map((mode: BackupMode) => {
      const good = backups.filter((r) => r.mode === mode && isGoodBackup(r));
      const mh = h.modes.find((x) => x.mode === mode);
      const band = mh?.band ?? null;
      const spike = mh?.durationSpikeMs ?? null;
      return (
        trendChart({
          id: `size-${mode}`,
          title: `${mode}: archive size`,
          series: good.map((r) => ({ r, value: r.sizeBytes ?? 0 })),
          unit: mb,
          band,
          kind: 'line',
        }) +
        trendChart({
          id: `duration-${mode}`,
          title: `${mode}: duration`,
          series: backups.filter((r) => r.mode === mode).map((r) => ({ r, value: r.durationMs })),
          unit: dur,
          threshold: spike === null ? null : { value: spike, label: 'Duration spike threshold' },
          kind: 'line',
        })
      );
    })
    .join('');
}

/** The destinations table: each destination's newest status, failure streak, last success and last error. */
function destinationRows(backups: readonly RunRecord[]): string[][] {
  const streaks = destinationStreaks(backups);
  const dests = new Map<string, { kind: string; last: RunRecord; status: string; lastOk: string | null; error: string | null }>();
  for (const r of backups) {
    for (const d of r.destinations) {
      const prev = dests.get(d.path);
      dests.set(d.path, { kind: d.kind, last: r, status: d.status, lastOk: d.status === 'ok' ? r.startedAt : (prev?.lastOk ?? null), error: d.error });
    }
  }
  return [...dests.entries()].map(([path, d]) => [
    esc(path),
    esc(d.kind),
    badge(d.status === 'ok', d.status),
    String(streaks.get(path) ?? 0),
    d.lastOk ? time(d.lastOk) : '-',
    esc(d.error ?? ''),
  ]);
}

/** The restore drills table: the 20 newest drills. */
function drillRowsOf(records: readonly RunRecord[]): string[][] {
  const drills = records
    .filter((r) => r.kind === 'drill')
    .reverse()
    .slice(0, 20);
  return drills.map((r) => [
    time(r.startedAt),
    esc(r.mode ?? '-'),
    badge(r.exitCode === 0, r.exitCode === 0 ? 'passed' : 'failed'),
    esc(r.archiveName ?? '-'),
    esc(r.drill ? `${r.drill.documentsActual ?? '-'} / ${r.drill.documentsExpected}` : '-'),
    esc(dur(r.durationMs)),
  ]);
}

/** The newest failures table: the 15 newest runs that did not succeed. */
function failureRows(records: readonly RunRecord[]): string[][] {
  const failures = records
    .filter((r) => r.status !== 'Success')
    .reverse()
    .slice(0, 15);
  return failures.map((r) => [
    time(r.startedAt),
    esc(r.kind),
    esc(r.mode ?? '-'),
    tag(r.status),
    String(r.exitCode),
    `<span class="msg">${esc(r.message)}</span>`,
  ]);
}

/** The totals table: one row of totals per mode. */
function modeTotalRows(records: readonly RunRecord[]): string[][] {
  return BACKUP_MODES.map((m) => {
    const x = totals(records.filter((r) => r.mode === m));
    return [
      esc(m),
      String(x.backups),
      String(x.successful),
      String(x.failed),
      x.successRate === null ? '-' : `${x.successRate} %`,
      esc(mb(x.dataProtectedBytes)),
      x.averageDowntimeMs === null ? '-' : esc(dur(x.averageDowntimeMs)),
    ];
  });
}
