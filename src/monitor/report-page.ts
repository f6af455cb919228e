/**
 * The monitor's page (monitor.html), drawn from its data model (src/monitor/report-model.ts) with the shared
 * report components: the layout, headline tiles, status grids per check x region and tenant x region, latency
 * and availability over time per check, each SLO's error budget remaining over time with its burn rates, and the
 * recent incidents as a timeline with their notifications. Charts carry their numbers as tables. Pure: it only
 * draws; every figure comes from the model.
 */
import type { GridCell as ModelCell, MonitorReport, StatusGrid } from './report-model.js';
import { formatDuration } from './duration.js';
import { chartFigure, scriptJson, type ChartSpec } from '../report/page/charts.js';
import { badge, esc, note, section, table, tiles, type Tile } from '../report/page/components.js';
import { count, inUnit, ms, num, pct } from '../report/page/format.js';
import { renderPage } from '../report/page/layout.js';
import { statusGrid, type GridCell } from '../report/page/status-grid.js';
import { timeline } from '../report/page/timeline.js';
import { COLORS } from '../report/views/series.js';

/** Charts drawn at most per kind; the tables beneath list every series. */
const MAX_CHARTS = 12;
const BUDGET_COLORS = ['#1971c2', '#e8590c', '#2f9e44', '#7048e8', '#c2255c', '#0c8599', '#a61e4d', '#5c940d', '#364fc7', '#d9480f'];
/** The budget chart's floor: an overspent budget is drawn at -100% at most. */
const FLOOR = -1;
const BURN_WINDOWS: Array<[number, string]> = [
  [5 * 60_000, '5m'],
  [3_600_000, '1h'],
  [6 * 3_600_000, '6h'],
  [72 * 3_600_000, '3d'],
];

const utc = (t: number | undefined): string =>
  t === undefined
    ? ''
    : new Date(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/(:\d\d)?\.\d+Z$/, '$1 UTC');
const hhmm = (t: number): string => new Date(t).toISOString().slice(11, 16);
const hhmmss = (t: number): string => new Date(t).toISOString().slice(11, 19);

/**
 * A chart's x: every minute from the page's first to the last one with data (a minute with no result is a gap,
 * not a line across it), then "now".
 */
function minuteGrid(start: number, now: number, t: readonly number[]): number[] {
  const last = Math.max(start, ...t);
  const grid: number[] = [];
  for (let x = start; x <= last; x += 60_000) grid.push(x);
  if (now > last) grid.push(now);
  return grid;
}

function onGrid(grid: readonly number[], t: readonly number[], values: ReadonlyArray<number | null>): Array<number | null> {
  const at = new Map(t.map((x, i) => [x, values[i] ?? null]));
  return grid.map((x) => at.get(x) ?? null);
}
const orNoData = (x: number | undefined, f: (x: number) => string): string => (x === undefined ? 'no data' : f(x));

function gridOf(g: StatusGrid, rowHeader: string, caption: string): string {
  if (!g.rows.length) return '';
  const cell = (c: ModelCell | undefined): GridCell | undefined => {
    if (!c) return undefined;
    const title = [
      c.status,
      c.message,
      c.at !== undefined ? `at ${utc(c.at)}` : '',
      c.durationMs !== undefined ? ms(c.durationMs) : '',
      c.alertOpen ? 'alert open' : '',
    ]
      .filter(Boolean)
      .join(' - ');
    const text = [c.status === 'no data' ? 'no data' : c.units > 1 ? `${c.units - c.failing}/${c.units}` : '', c.alertOpen ? 'ALERT' : '']
      .filter(Boolean)
      .join(' ');
    return { status: c.status === 'no data' ? 'skipped' : c.status, title, ...(text ? { text } : {}) };
  };
  return statusGrid({
    rowHeader,
    columns: g.columns,
    rows: g.rows.map((r) => ({ label: r, cells: g.columns.map((col) => cell(g.cells[r]?.[col])) })),
    caption,
    empty: 'not monitored there',
  });
}

/** x in seconds since the page's first minute, labelled as UTC times by the chart script. */
const secondsFrom = (start: number, t: readonly number[]): number[] => t.map((x) => (x - start) / 1000);

function timeAlt(
  start: number,
  t: readonly number[],
  columns: Array<{ label: string; values: ReadonlyArray<number | null>; unit: 'ms' | 'fraction' }>,
): string {
  return table({
    head: ['Minute (UTC)', ...columns.map((c) => c.label)],
    rows: t.map((x, i) => [esc(hhmm(x)), ...columns.map((c) => esc(inUnit(c.values[i], c.unit)))]),
    numeric: columns.map((_, i) => i + 1),
  });
}

function latencySection(m: MonitorReport, start: number, charts: ChartSpec[]): string {
  const drawn = m.latency.filter((s) => s.t.length).slice(0, MAX_CHARTS);
  const figures = drawn.map((s, k) => {
    const grid = minuteGrid(start, m.generatedAt, s.t);
    const spec: ChartSpec = {
      id: `monitor-latency-${k}`,
      kind: 'time',
      startAt: start,
      x: secondsFrom(start, grid),
      series: [
        { label: 'average', values: onGrid(grid, s.t, s.avgMs), color: COLORS.p50, width: 2 },
        { label: 'slowest', values: onGrid(grid, s.t, s.maxMs), color: COLORS.p95, width: 1 },
        { label: 'availability', values: onGrid(grid, s.t, s.availability), color: COLORS.requests, width: 1.5, dash: [4, 3], axis: 2 },
      ],
      y: { label: 'latency', unit: 'ms' },
      y2: { label: 'availability', unit: 'fraction', min: 0, max: 1.02 },
      lines: [{ value: m.objective, label: `objective ${pct(m.objective)}`, color: COLORS.hold, axis: 2 }],
      height: 200,
    };
    charts.push(spec);
    return chartFigure(spec, {
      title: s.unit,
      description: `${s.title}: average and slowest result per minute (left axis) and the share of good results (right axis).`,
      alt: timeAlt(start, s.t, [
        { label: 'Average', values: s.avgMs, unit: 'ms' },
        { label: 'Slowest', values: s.maxMs, unit: 'ms' },
        { label: 'Availability', values: s.availability, unit: 'fraction' },
      ]),
    });
  });
  const rows = m.latency.map((s) => {
    const n = s.t.length;
    const results = s.total.reduce((a, b) => a + b, 0);
    const bad = s.bad.reduce((a, b) => a + b, 0);
    const lastBad = s.t.filter((_, i) => (s.availability[i] ?? 1) < 1).pop();
    return [
      `<code>${esc(s.unit)}</code>`,
      count(n),
      count(results),
      count(bad),
      n ? esc(ms(s.avgMs.reduce((a, b) => a + b, 0) / n)) : '-',
      n ? esc(ms(Math.max(...s.maxMs))) : '-',
      esc(utc(lastBad)),
    ];
  });
  const more = m.latency.filter((s) => s.t.length).length - drawn.length;
  return section(
    `Latency and availability, last ${formatDuration(m.seriesWindowMs)} (minute buckets)`,
    `${drawn.length ? `<div class="charts">${figures.join('')}</div>` : note('No result in this window yet.')}${more > 0 ? note(`${more} more unit(s) not drawn; the table lists every one.`) : ''}${table(
      {
        head: ['Unit', 'Minutes', 'Results', 'Bad', 'Average', 'Slowest', 'Last bad minute'],
        rows,
        numeric: [1, 2, 3, 4, 5],
        id: 'monitor-latency',
      },
    )}`,
    'latency',
  );
}

function sloSection(m: MonitorReport, start: number, charts: ChartSpec[]): string {
  const window = formatDuration(m.sloWindowMs);
  const series = m.budget
    .filter((b) => b.remaining.some((r) => r !== null))
    .sort((a, b) => (a.remaining[a.remaining.length - 1] ?? 1) - (b.remaining[b.remaining.length - 1] ?? 1))
    .slice(0, BUDGET_COLORS.length);
  let chart = '';
  if (series.length) {
    const t = [...new Set(series.flatMap((b) => b.t))].sort((a, b) => a - b);
    const grid = minuteGrid(start, m.generatedAt, t);
    // Drawn down to -100% (a budget overspent ten times over would flatten the rest); the table has the exact figures.
    const valuesOf = (b: (typeof series)[number]): Array<number | null> => onGrid(grid, b.t, b.remaining).map((r) => (r === null ? null : Math.max(FLOOR, r)));
    const spec: ChartSpec = {
      id: 'monitor-budget',
      kind: 'time',
      startAt: start,
      x: secondsFrom(start, grid),
      series: series.map((b, i) => ({ label: b.group, values: valuesOf(b), color: BUDGET_COLORS[i] as string, width: 2 })),
      y: { label: 'budget remaining', unit: 'fraction', min: FLOOR - 0.05, max: 1.05 },
      lines: [{ value: 0, label: 'budget spent', color: COLORS.fail }],
      height: 240,
    };
    charts.push(spec);
    chart = chartFigure(spec, {
      title: `Error budget remaining (${window} window, objective ${pct(m.objective)})`,
      description: `Per SLO, the share of its error budget left after each minute; below zero the SLO is missed (drawn down to -100%; the table below has the exact figures). The ${series.length} SLO(s) with the least left are drawn.`,
      alt: timeAlt(
        start,
        t,
        series.map((b) => ({ label: b.group, values: onGrid(t, b.t, b.remaining), unit: 'fraction' })),
      ),
    });
  }
  const rows = m.availability.map((g) => {
    const firing = g.slo.alerts.filter((a) => a.firing).map((a) => `${a.rule} (${a.severity})`);
    const remaining = g.slo.budget.remaining;
    return [
      esc(g.kind),
      `<code>${esc(g.name)}</code>`,
      esc(orNoData(g.availability.h1, pct)),
      esc(orNoData(g.availability.h24, pct)),
      esc(orNoData(g.availability.slo, pct)),
      `<span data-slo="${esc(g.group)}" data-budget="${remaining ?? ''}">${esc(orNoData(remaining, pct))}</span>`,
      ...BURN_WINDOWS.map(([w]) => esc(orNoData(g.slo.burn[w], (x) => num(x, 3)))),
      firing.length ? `<strong>${esc(firing.join(', '))}</strong>` : '',
    ];
  });
  return section(
    'Availability and error budget',
    `${chart}${table({
      head: ['By', 'Name', '1h', '24h', window, 'Budget left', ...BURN_WINDOWS.map(([, l]) => `Burn ${l}`), 'Burn alerts'],
      rows,
      numeric: [2, 3, 4, 5, 6, 7, 8, 9],
      id: 'monitor-slo',
      caption: 'A burn rate of 1 spends the budget exactly over the SLO window; the burn alerts are the multi-window rules of docs/monitor.md.',
    })}`,
    'slo',
  );
}

function incidentsSection(m: MonitorReport, start: number): string {
  if (!m.incidents.length) return section('Recent incidents', note('None recorded.'), 'incidents');
  const first = Math.min(start, ...m.incidents.map((i) => i.openedAt));
  const total = Math.max(60_000, m.generatedAt - first);
  const lanes = m.incidents.map((i) => {
    const end = i.resolvedAt ?? m.generatedAt;
    return {
      label: i.subject,
      sub: i.id,
      status: i.resolvedAt ? 'passed' : 'failed',
      segments: [{ startMs: i.openedAt - first, durationMs: Math.max(0, end - i.openedAt), status: 'failed', title: `${i.severity}: ${i.summary}` }],
      durationMs: end - i.openedAt,
      note: `${i.resolvedAt ? 'resolved' : 'open'} - ${i.severity}: ${i.summary}`,
    };
  });
  const rows = m.incidents.map((i) => [
    i.resolvedAt ? badge('passed', 'resolved') : badge('failed', 'open'),
    `<code>${esc(i.subject)}</code><br><span class="muted small">${esc(i.id)}</span>`,
    esc(i.severity),
    esc(utc(i.openedAt)),
    esc(utc(i.resolvedAt)),
    esc(i.summary),
    i.notifications
      .map(
        (n) =>
          `${esc(n.kind)} -> ${esc(n.channel)}: ${n.deliveredAt ? `delivered ${esc(utc(n.deliveredAt))}` : `<strong>pending</strong>${n.lastError ? ` (${esc(n.lastError)})` : ''}`}${n.attempts > 1 ? ` after ${n.attempts} attempts` : ''}`,
      )
      .join('<br>'),
  ]);
  return section(
    'Recent incidents',
    `${timeline({
      lanes,
      totalMs: total,
      caption: `Incidents from ${utc(first)} to ${utc(m.generatedAt)}: each bar runs from the alert opening to its resolution (or now).`,
      laneHeader: 'Subject',
      trackHeader: 'Open (UTC)',
      axisLabel: (x) => (total < 600_000 ? hhmmss : hhmm)(first + x),
    })}${table({ head: ['', 'Subject', 'Severity', 'Opened', 'Resolved', 'Summary', 'Notifications'], rows, id: 'monitor-incidents' })}`,
    'incidents',
  );
}

function headlineTiles(m: MonitorReport): Tile[] {
  const cells = [m.checks, m.tenants].flatMap((g) => g.rows.flatMap((r) => Object.values(g.cells[r] ?? {})));
  const failing = cells.filter((c) => c.status === 'failed' || c.status === 'error').length;
  const alerts = cells.filter((c) => c.alertOpen).length;
  const open = m.incidents.filter((i) => !i.resolvedAt).length;
  const budgets = m.availability.map((g) => g.slo.budget.remaining).filter((x): x is number => x !== undefined);
  const least = budgets.length ? Math.min(...budgets) : undefined;
  return [
    { label: 'cells failing now', value: `${count(failing)} of ${count(cells.length)}`, key: 'failing', raw: failing, tone: failing ? 'bad' : 'good' },
    { label: 'cells with an open alert', value: count(alerts), key: 'alerts', raw: alerts, tone: alerts ? 'bad' : 'good' },
    { label: 'open incidents', value: count(open), key: 'incidents', raw: open, tone: open ? 'bad' : 'good' },
    {
      label: `least error budget left (${formatDuration(m.sloWindowMs)})`,
      value: least === undefined ? 'no data' : pct(least),
      key: 'budget',
      ...(least !== undefined ? { raw: least, tone: least < 0 ? ('bad' as const) : least < 0.25 ? ('warn' as const) : ('good' as const) } : {}),
    },
  ];
}

export function renderMonitorPage(m: MonitorReport): string {
  const start = m.generatedAt - m.seriesWindowMs;
  const first = Math.min(...[...m.latency.flatMap((s) => s.t.slice(0, 1)), ...m.budget.flatMap((b) => b.t.slice(0, 1))], m.generatedAt);
  const origin = Math.max(start, Math.floor(first / 60_000) * 60_000);
  const charts: ChartSpec[] = [];
  const body = [
    tiles(headlineTiles(m)),
    section(
      'Status now',
      `${gridOf(m.checks, 'Check', 'Latest result per check and region (- for a check with no region).')}${gridOf(m.tenants, 'Tenant', 'Latest result per tenant and region: the worst of its probes, with how many pass.')}`,
      'status',
    ),
    sloSection(m, origin, charts),
    latencySection(m, origin, charts),
    incidentsSection(m, origin),
  ].join('\n');
  return renderPage({
    title: `revgate monitor - ${m.service}`,
    header: `<header><h1>revgate monitor: ${esc(m.service)}</h1><p class="muted">Generated ${esc(utc(m.generatedAt))}. SLO ${esc(pct(m.objective))} over ${esc(formatDuration(m.sloWindowMs))}. Hover a cell for its latest result.</p></header>`,
    body: `${body}\n<script type="application/json" id="monitor-data">${scriptJson(m)}</script>`,
    charts,
    footer: `revgate monitor report. The data behind this page is embedded as JSON (script#monitor-data).${charts.length ? ' Charts drawn with uPlot (MIT), inlined.' : ''}`,
  });
}
