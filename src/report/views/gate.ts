/**
 * The canary gate's page: traffic per arm, canary against baseline latency over time and as
 * distributions, and for every gate its interval narrowing over time against its limit with the
 * moment it was decided marked: the picture of the sequential evidence. Pure.
 */
import type { Verdict } from '../../verdict/types.js';
import type { GateReportData, GateTrace } from '../data.js';
import { chartFigure, type ChartLine, type ChartSpec } from '../page/charts.js';
import { esc, note, section, table, type Tile } from '../page/components.js';
import { count, duration, inUnit, num, pct, perSecond } from '../page/format.js';
import type { View } from './common.js';
import { BASELINE_DASH, COLORS, fit, histogramSpec, limitColor, secondsOf, timeTable } from './series.js';

const CANARY = { p50: '#f59f00', p95: COLORS.canary, p99: '#c92a2a' };
const BASE = { p50: '#74c0fc', p95: COLORS.baseline, p99: '#1864ab' };

export function gateTiles(v: Verdict): Tile[] {
  const c = v.canary;
  if (!c) return [];
  const t: Tile[] = [
    { label: 'canary requests', value: count(c.requests.canary), key: 'canary.requests.canary', raw: c.requests.canary },
    ...(c.requests.baseline !== undefined
      ? [{ label: 'baseline requests', value: count(c.requests.baseline), key: 'canary.requests.baseline', raw: c.requests.baseline }]
      : []),
    { label: 'rate per revision', value: perSecond(c.ratePerSecond), key: 'canary.ratePerSecond', raw: c.ratePerSecond },
    {
      label: 'dropped (canary)',
      value: count(c.dropped.canary),
      key: 'canary.dropped.canary',
      raw: c.dropped.canary,
      ...(c.dropped.canary ? { tone: 'warn' as const } : {}),
    },
    { label: 'stopped because', value: c.stopReason, key: 'canary.stopReason', raw: c.stopReason },
    { label: 'confidence', value: pct(c.confidence), key: 'canary.confidence', raw: c.confidence, note: `α per gate ${num(c.alphaPerGate, 2)}` },
    ...(c.windowMs !== undefined
      ? [{ label: 'window', value: duration(c.windowMs), key: 'canary.windowMs', raw: c.windowMs, note: `bursts up to ~${duration(2 * c.windowMs)} covered` }]
      : []),
    { label: 'duration', value: duration(v.durationMs), key: 'durationMs', raw: v.durationMs },
  ];
  return t;
}

/** The y range that shows a trace's convergence: the limit and the later intervals, not the first wide ones. */
function traceRange(t: GateTrace): { min: number; max: number } {
  const last = t.points[t.points.length - 1]?.tMs ?? 0;
  const values = [t.limit];
  for (const p of t.points) {
    if (p.tMs < last * 0.2 && t.points.length > 5) continue;
    for (const x of [p.lo, p.hi, p.observed]) if (x !== null && x !== undefined) values.push(x);
  }
  if (t.unit === 'count') values.push(0);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.12 || Math.abs(t.limit) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  // Rates and shares stay within [0, 1], latencies and ratios above 0.
  if (t.unit === 'fraction') {
    lo = Math.max(0, lo);
    hi = Math.min(1, hi);
  }
  if (t.unit === 'ms' || t.unit === 'ratio' || t.unit === 'count') lo = Math.max(0, lo);
  return { min: lo, max: hi };
}

function traceFigure(v: Verdict, t: GateTrace, index: number): { spec: ChartSpec; html: string } | undefined {
  if (!t.points.length) return undefined;
  const gate = v.gates.find((g) => g.id === t.gateId);
  const status = gate?.status ?? 'inconclusive';
  const color = limitColor(status);
  const x = t.points.map((p) => p.tMs / 1000);
  const hasObserved = t.points.some((p) => p.observed !== undefined && p.observed !== null);
  const range = traceRange(t);
  // An end that is still unbounded is shaded to the chart's edge (the band's own, invisible series); the visible lines keep the true values.
  const spec: ChartSpec = {
    id: `gate-trace-${index}`,
    kind: 'time',
    x,
    series: [
      { label: 'band top', values: t.points.map((p) => p.hi ?? range.max), color: '#868e96', hidden: true },
      { label: 'band bottom', values: t.points.map((p) => p.lo ?? range.min), color: '#868e96', hidden: true },
      { label: 'upper end', values: t.points.map((p) => p.hi), color: '#868e96', width: 1 },
      { label: 'lower end', values: t.points.map((p) => p.lo), color: '#868e96', width: 1 },
      ...(hasObserved ? [{ label: 'estimate', values: t.points.map((p) => p.observed ?? null), color: '#343a40', width: 1.5 }] : []),
    ],
    bands: [{ upper: 0, lower: 1, fill: 'rgba(134,142,150,0.25)' }],
    y: { label: t.unit === 'ratio' ? 'canary / baseline' : t.unit === 'difference' ? 'canary - baseline' : '', unit: t.unit, ...range },
    lines: [{ value: t.limit, label: `limit ${inUnit(t.limit, t.unit)} (passes ${t.passWhen})`, color } satisfies ChartLine],
    marks:
      t.decidedAtMs !== undefined
        ? [
            {
              x: t.decidedAtMs / 1000,
              label: `decided: ${t.decidedStatus ?? status} at ${duration(t.decidedAtMs)}`,
              color: limitColor(t.decidedStatus ?? status),
            },
          ]
        : [],
    height: 200,
  };
  // The evaluation failed the gate, the verdict holds it (a latency breach the baseline shared, or a lagging generator).
  const held =
    t.decidedStatus && t.decidedStatus !== status ? ` The evaluation decided ${t.decidedStatus}; the verdict has it ${status}: the reason below says why.` : '';
  const step = Math.max(1, Math.ceil(t.points.length / 30));
  const rows = t.points
    .filter((p, i) => i % step === 0 || i === t.points.length - 1 || p.tMs === t.decidedAtMs)
    .map((p) => [
      esc(duration(p.tMs)),
      esc(p.lo === null ? '-∞ (unbounded)' : inUnit(p.lo, t.unit)),
      esc(p.hi === null ? '∞ (unbounded)' : inUnit(p.hi, t.unit)),
      ...(hasObserved ? [esc(inUnit(p.observed ?? null, t.unit))] : []),
      p.tMs === t.decidedAtMs ? `decided: ${esc(t.decidedStatus ?? status)}` : '',
    ]);
  const html = chartFigure(spec, {
    title: `${t.gateId}: ${status}`,
    description: `${gate?.expression ?? ''}. The ${t.unit === 'count' ? 'count so far' : 'confidence interval'} at each evaluation against the limit of ${inUnit(t.limit, t.unit)}; a gate is decided once its interval lies entirely on one side of the limit${t.decidedAtMs !== undefined ? `, here after ${duration(t.decidedAtMs)}` : ', which this one never did'}.${held}`,
    alt: table({ head: ['Time', 'Lower end', 'Upper end', ...(hasObserved ? ['Estimate'] : []), ''], rows, numeric: [1, 2, 3] }),
  });
  return { spec, html };
}

export function gateView(v: Verdict, d: GateReportData | undefined): View {
  const tiles = gateTiles(v);
  if (!d) return { tiles, sections: [], charts: [] };
  const charts: ChartSpec[] = [];
  const figures: string[] = [];
  const c = d.canary.perSecond;
  const b = d.baseline?.perSecond;
  const n = Math.max(c.requests.length, b?.requests.length ?? 0);
  const x = secondsOf(n);
  const nums = (a: readonly number[] | undefined): Array<number | null> => fit(a as number[] | undefined, n, null);
  const lat = (a: ReadonlyArray<number | null> | undefined): Array<number | null> => fit(a as Array<number | null> | undefined, n, null);
  // Absolute latency gates as lines on the latency chart.
  const latencyLines: ChartLine[] = d.traces
    .filter((t) => t.unit === 'ms')
    .map((t) => {
      const g = v.gates.find((x) => x.id === t.gateId);
      return { value: t.limit, label: `${t.gateId}: ${g?.status ?? ''}`, color: limitColor(g?.status) };
    });

  if (n) {
    const latency: ChartSpec = {
      id: 'gate-latency',
      kind: 'time',
      x,
      series: [
        { label: 'canary p50', values: lat(c.p50Ms), color: CANARY.p50, width: 1 },
        { label: 'canary p95', values: lat(c.p95Ms), color: CANARY.p95, width: 2 },
        { label: 'canary p99', values: lat(c.p99Ms), color: CANARY.p99, width: 1 },
        ...(b
          ? [
              { label: 'baseline p50', values: lat(b.p50Ms), color: BASE.p50, width: 1, dash: BASELINE_DASH },
              { label: 'baseline p95', values: lat(b.p95Ms), color: BASE.p95, width: 2, dash: BASELINE_DASH },
              { label: 'baseline p99', values: lat(b.p99Ms), color: BASE.p99, width: 1, dash: BASELINE_DASH },
            ]
          : []),
      ],
      y: { label: 'latency', unit: 'ms' },
      lines: latencyLines,
    };
    charts.push(latency);
    figures.push(
      chartFigure(latency, {
        title: 'Latency over time: canary against baseline',
        description: `p50, p95 and p99 of the requests completed in each second, canary in orange${b ? ', baseline in blue (dashed)' : ''}; latency gates as lines.`,
        alt: timeTable(
          [
            { label: 'canary p50', values: lat(c.p50Ms), unit: 'ms', agg: 'max' },
            { label: 'canary p95', values: lat(c.p95Ms), unit: 'ms', agg: 'max' },
            ...(b
              ? [
                  { label: 'baseline p50', values: lat(b.p50Ms), unit: 'ms' as const, agg: 'max' as const },
                  { label: 'baseline p95', values: lat(b.p95Ms), unit: 'ms' as const, agg: 'max' as const },
                ]
              : []),
          ],
          n,
        ),
      }),
    );

    const traffic: ChartSpec = {
      id: 'gate-traffic',
      kind: 'time',
      x,
      series: [
        { label: 'canary sent/s', values: nums(c.requests), color: COLORS.canary, width: 2 },
        { label: 'canary failed/s', values: nums(c.failed), color: COLORS.errors, width: 2 },
        { label: 'canary dropped/s', values: nums(c.dropped), color: COLORS.dropped, width: 1.5 },
        ...(b
          ? [
              { label: 'baseline sent/s', values: nums(b.requests), color: COLORS.baseline, width: 2, dash: BASELINE_DASH },
              { label: 'baseline failed/s', values: nums(b.failed), color: '#ff8787', width: 1.5, dash: BASELINE_DASH },
              { label: 'baseline dropped/s', values: nums(b.dropped), color: '#b197fc', width: 1.5, dash: BASELINE_DASH },
            ]
          : []),
      ],
      y: { label: 'requests per second', unit: 'count' },
    };
    charts.push(traffic);
    figures.push(
      chartFigure(traffic, {
        title: 'Traffic per revision: sent, failed, dropped',
        description: `Requests completed (sent), failed (no response, or a status outside 200-399) and arrivals dropped, per second, for the canary${b ? ' and the baseline (dashed)' : ''}.`,
        alt: timeTable(
          [
            { label: 'canary sent', values: nums(c.requests), unit: 'count', agg: 'sum' },
            { label: 'canary failed', values: nums(c.failed), unit: 'count', agg: 'sum' },
            { label: 'canary dropped', values: nums(c.dropped), unit: 'count', agg: 'sum' },
            ...(b
              ? [
                  { label: 'baseline sent', values: nums(b.requests), unit: 'count' as const, agg: 'sum' as const },
                  { label: 'baseline failed', values: nums(b.failed), unit: 'count' as const, agg: 'sum' as const },
                  { label: 'baseline dropped', values: nums(b.dropped), unit: 'count' as const, agg: 'sum' as const },
                ]
              : []),
          ],
          n,
        ),
      }),
    );
  }

  const hist = histogramSpec('gate-histogram', [
    { label: 'canary', h: d.canary.histogram, color: COLORS.canary },
    ...(d.baseline ? [{ label: 'baseline', h: d.baseline.histogram, color: COLORS.baseline, dash: BASELINE_DASH }] : []),
  ]);
  if (hist) {
    hist.spec.marks = latencyLines.map((l) => ({ x: l.value, label: l.label, color: l.color }));
    charts.push(hist.spec);
    figures.push(
      chartFigure(hist.spec, {
        title: 'Latency distribution: canary against baseline',
        description: 'Share of each revision’s requests in each latency bucket (log scale), over the whole run.',
        alt: hist.alt,
      }),
    );
  }

  const traceFigures: string[] = [];
  d.traces.forEach((t, i) => {
    const f = traceFigure(v, t, i);
    if (!f) return;
    charts.push(f.spec);
    traceFigures.push(f.html);
  });

  const sumOf = (a: readonly number[] | undefined): number => (a ?? []).reduce((s, x) => s + x, 0);
  const arms = [
    ['canary', c, v.canary?.requests.canary, v.canary?.dropped.canary, v.canary?.networkErrors.canary] as const,
    ...(b ? [['baseline', b, v.canary?.requests.baseline, v.canary?.dropped.baseline, v.canary?.networkErrors.baseline] as const] : []),
  ];
  const trafficTable = table({
    head: ['Revision', 'Requests', 'Failed', 'Dropped', 'Without a response'],
    rows: arms.map(([name, s, requests, dropped, errors]) => [
      esc(name),
      count(requests ?? sumOf(s.requests)),
      `${count(sumOf(s.failed))} (${pct(sumOf(s.failed) / Math.max(1, sumOf(s.requests)))})`,
      count(dropped ?? sumOf(s.dropped)),
      esc(
        Object.entries(errors ?? {})
          .map(([k, x]) => `${k} ${count(x)}`)
          .join(', ') || 'none',
      ),
    ]),
    numeric: [1, 2, 3],
    id: 'arms',
  });
  return {
    tiles,
    sections: [
      section('Traffic', `${trafficTable}<div class="charts">${figures.join('\n')}</div>`, 'traffic'),
      section(
        'How the evidence converged',
        `${note('Each gate’s confidence interval (grey band) at every evaluation, against its limit. The intervals are anytime-valid: looking at every evaluation does not inflate the false-alarm rate, and the vertical line marks the evaluation that decided the gate.')}<div class="charts">${traceFigures.join('\n')}</div>`,
        'evidence',
      ),
    ],
    charts,
  };
}
