/**
 * The load run's page: headline figures (as summary.json has them), throughput, errors, latency
 * quantiles and the generator's own health over time, the latency distribution, every threshold drawn
 * on its chart with its outcome, and the baseline's curves beside the run's. Pure.
 */
import type { Verdict } from '../../verdict/types.js';
import type { LimitLine, LoadReportData } from '../data.js';
import { chartFigure, type ChartLine, type ChartMark, type ChartSpec } from '../page/charts.js';
import { note, section, type Tile } from '../page/components.js';
import { count, inUnit, ms, pct, perSecond } from '../page/format.js';
import type { View } from './common.js';
import { BASELINE_DASH, COLORS, fit, histogramSpec, latencySeries, limitColor, secondsOf, timeTable } from './series.js';

const UNIT = { latency: 'ms', 'error-rate': 'fraction', throughput: 'per-second' } as const;

function lineOf(v: Verdict, l: LimitLine): ChartLine {
  const status = v.gates.find((g) => g.id === l.gateId)?.status;
  return { value: l.value, label: `${l.stat} ${l.operator} ${inUnit(l.value, UNIT[l.chart])}: ${status ?? 'not evaluated'}`, color: limitColor(status) };
}

export function loadTiles(d: LoadReportData): Tile[] {
  const t = d.totals;
  const list: Tile[] = [
    { label: 'requests', value: count(t.requests), key: 'http_reqs.count', raw: t.requests },
    { label: 'throughput', value: perSecond(t.ratePerSecond), key: 'http_reqs.rate', raw: t.ratePerSecond },
    { label: 'failed requests', value: pct(t.failedRate), key: 'http_req_failed.rate', raw: t.failedRate, tone: t.failedRate > 0 ? 'bad' : 'good' },
  ];
  if (t.p50Ms !== undefined) list.push({ label: 'latency p50', value: ms(t.p50Ms), key: 'http_req_duration.med', raw: t.p50Ms });
  if (t.p95Ms !== undefined) list.push({ label: 'latency p95', value: ms(t.p95Ms), key: 'http_req_duration.p(95)', raw: t.p95Ms });
  if (t.p99Ms !== undefined) list.push({ label: 'latency p99', value: ms(t.p99Ms), key: 'http_req_duration.p(99)', raw: t.p99Ms });
  list.push(
    { label: 'dropped arrivals', value: count(t.dropped), key: 'dropped_iterations.count', raw: t.dropped, ...(t.dropped ? { tone: 'warn' as const } : {}) },
    { label: 'late starts', value: count(t.late), key: 'revgate_late_starts.count', raw: t.late, ...(t.late ? { tone: 'warn' as const } : {}) },
  );
  if (t.retries) list.push({ label: 'connection retries', value: count(t.retries), key: 'http_req_retries.count', raw: t.retries });
  return list;
}

export function loadView(v: Verdict, d: LoadReportData | undefined): View {
  if (!d) return { tiles: [], sections: [], charts: [] };
  const charts: ChartSpec[] = [];
  const figures: string[] = [];
  const p = d.perSecond;
  const b = d.baseline?.perSecond;
  const lines = (chart: LimitLine['chart']): ChartLine[] => d.limits.filter((l) => l.chart === chart).map((l) => lineOf(v, l));

  if (p) {
    const n = Math.max(p.requests.length, b?.requests.length ?? 0);
    const x = secondsOf(n);
    const num = (a: readonly number[] | undefined): Array<number | null> => fit(a as number[] | undefined, n, null);
    const lat = (a: ReadonlyArray<number | null> | undefined): Array<number | null> => fit(a as Array<number | null> | undefined, n, null);
    const baseLabel = d.baseline ? 'baseline ' : '';

    const throughput: ChartSpec = {
      id: 'load-throughput',
      kind: 'time',
      x,
      series: [
        { label: 'requests/s', values: num(p.requests), color: COLORS.requests, width: 2 },
        { label: 'errors/s', values: num(p.failed), color: COLORS.errors, width: 2 },
        ...(b
          ? [
              { label: `${baseLabel}requests/s`, values: num(b.requests), color: COLORS.requests, dash: BASELINE_DASH },
              { label: `${baseLabel}errors/s`, values: num(b.failed), color: COLORS.errors, dash: BASELINE_DASH },
            ]
          : []),
      ],
      y: { label: 'per second', unit: 'count' },
      lines: lines('throughput'),
    };
    charts.push(throughput);
    figures.push(
      chartFigure(throughput, {
        title: 'Requests and errors per second',
        description: `Requests completed and failed in each second of the run${b ? ', with the baseline run dashed' : ''}.`,
        alt: timeTable(
          [
            { label: 'requests', values: num(p.requests), unit: 'count', agg: 'sum' },
            { label: 'failed', values: num(p.failed), unit: 'count', agg: 'sum' },
            ...(b ? [{ label: 'baseline requests', values: num(b.requests), unit: 'count' as const, agg: 'sum' as const }] : []),
          ],
          n,
        ),
      }),
    );

    const latency: ChartSpec = {
      id: 'load-latency',
      kind: 'time',
      x,
      series: [
        ...latencySeries({ ...p, p50Ms: lat(p.p50Ms), p95Ms: lat(p.p95Ms), p99Ms: lat(p.p99Ms) }, '', COLORS),
        ...(b ? latencySeries({ ...b, p50Ms: lat(b.p50Ms), p95Ms: lat(b.p95Ms), p99Ms: lat(b.p99Ms) }, baseLabel, COLORS, BASELINE_DASH) : []),
      ],
      y: { label: 'latency', unit: 'ms' },
      lines: lines('latency'),
    };
    charts.push(latency);
    figures.push(
      chartFigure(latency, {
        title: 'Latency over time (p50, p95, p99)',
        description: `Latency quantiles of the requests completed in each second, counted from each arrival's scheduled time; thresholds as dashed lines, green when they passed and red when they failed${b ? '; the baseline run dashed' : ''}.`,
        alt: timeTable(
          [
            { label: 'p50', values: lat(p.p50Ms), unit: 'ms', agg: 'max' },
            { label: 'p95', values: lat(p.p95Ms), unit: 'ms', agg: 'max' },
            { label: 'p99', values: lat(p.p99Ms), unit: 'ms', agg: 'max' },
            ...(b ? [{ label: 'baseline p95', values: lat(b.p95Ms), unit: 'ms' as const, agg: 'max' as const }] : []),
          ],
          n,
        ),
      }),
    );

    const errorLines = lines('error-rate');
    if (errorLines.length || p.failed.some((f) => f > 0)) {
      const rate = (s: typeof p | undefined): Array<number | null> =>
        fit(
          s?.requests.map((r, i) => (r > 0 ? (s.failed[i] ?? 0) / r : null)),
          n,
          null,
        );
      const errors: ChartSpec = {
        id: 'load-error-rate',
        kind: 'time',
        x,
        series: [
          { label: 'failed share', values: rate(p), color: COLORS.errors, width: 2 },
          ...(b ? [{ label: `${baseLabel}failed share`, values: rate(b), color: COLORS.errors, dash: BASELINE_DASH }] : []),
        ],
        y: { label: 'failed requests', unit: 'fraction' },
        lines: errorLines,
      };
      charts.push(errors);
      figures.push(
        chartFigure(errors, {
          title: 'Failed requests per second (share)',
          description: 'The share of each second’s requests that failed (no response, or a status outside 200-399), against the error-rate thresholds.',
          alt: timeTable([{ label: 'failed share', values: rate(p), unit: 'fraction', agg: 'max' }], n),
        }),
      );
    }

    const generator: ChartSpec = {
      id: 'load-generator',
      kind: 'time',
      x,
      series: [
        { label: 'dropped/s', values: num(p.dropped), color: COLORS.dropped, width: 2 },
        ...(p.late ? [{ label: 'late starts/s', values: num(p.late), color: COLORS.late, width: 2 }] : []),
      ],
      y: { label: 'arrivals per second', unit: 'count' },
    };
    charts.push(generator);
    figures.push(
      chartFigure(generator, {
        title: 'Dropped and late arrivals per second',
        description:
          'Arrivals not sent because every connection was busy (dropped), and arrivals sent more than 10 ms after their scheduled time (late: the load generator itself fell behind).',
        alt: timeTable(
          [
            { label: 'dropped', values: num(p.dropped), unit: 'count', agg: 'sum' },
            ...(p.late ? [{ label: 'late starts', values: num(p.late), unit: 'count' as const, agg: 'sum' as const }] : []),
          ],
          n,
        ),
      }),
    );
  }

  if (d.histogram) {
    const marks: ChartMark[] = d.limits
      .filter((l) => l.chart === 'latency')
      .map((l) => {
        const line = lineOf(v, l);
        return { x: l.value, label: line.label, color: line.color };
      });
    const hist = histogramSpec('load-histogram', [
      { label: 'this run', h: d.histogram, color: COLORS.requests },
      ...(d.baseline?.histogram ? [{ label: 'baseline', h: d.baseline.histogram, color: COLORS.baseline, dash: BASELINE_DASH }] : []),
    ]);
    if (hist) {
      hist.spec.marks = marks;
      charts.push(hist.spec);
      figures.push(
        chartFigure(hist.spec, {
          title: 'Latency distribution',
          description: `Share of all requests in each latency bucket (log scale, ten buckets per factor of ten)${d.baseline?.histogram ? ', this run against the baseline' : ''}; latency thresholds as vertical lines.`,
          alt: hist.alt,
        }),
      );
    }
  }

  const missing = !p
    ? note('No charts over time: this run’s summary has no per-second series (k6 summaries do not carry them; the embedded engine records them).')
    : '';
  const baselineNote = d.baseline ? note(`Dashed: ${d.baseline.label}.`) : '';
  return { tiles: loadTiles(d), sections: [section('Charts', `${baselineNote}${missing}<div class="charts">${figures.join('\n')}</div>`, 'charts')], charts };
}
