/**
 * Chart specs and their text alternatives for the series every traffic command has: per-second
 * counts and latency quantiles, and latency distributions. Used by the load and gate views (and by a
 * monitor's latency over time). Pure.
 */
import type { LatencyHistogram, PerSecondSeries } from '../data.js';
import type { ChartLine, ChartSeries, ChartSpec } from '../page/charts.js';
import { esc, table } from '../page/components.js';
import { clock, count, inUnit, ms, num, type Unit } from '../page/format.js';

export const COLORS = {
  requests: '#1971c2',
  errors: '#e03131',
  dropped: '#7048e8',
  late: '#f08c00',
  p50: '#2f9e44',
  p95: '#f08c00',
  p99: '#e03131',
  canary: '#e8590c',
  baseline: '#1c7ed6',
  pass: '#1a7f37',
  fail: '#cf222e',
  hold: '#9a6700',
};

export const BASELINE_DASH = [6, 4];

/** x values of a per-second series: the start of each second. */
export const secondsOf = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Rows of a text alternative at most: a long run is summarized per window (per minute for 30 minutes). */
const MAX_ROWS = 60;

export interface AltColumn {
  label: string;
  values: ReadonlyArray<number | null>;
  unit: Unit;
  /** How a window of seconds is summarized: counts add up, a quantile shows its highest second. */
  agg: 'sum' | 'max';
}

/** A per-second table, windowed to at most 60 rows; column headings say how a window is summarized. */
export function timeTable(columns: readonly AltColumn[], n: number): string {
  const window = Math.max(1, Math.ceil(n / MAX_ROWS));
  const rows: string[][] = [];
  for (let start = 0; start < n; start += window) {
    const end = Math.min(n, start + window);
    const label = window === 1 ? (n > 120 ? clock(start) : `${start}-${end} s`) : `${clock(start)}-${clock(end)}`;
    const cells = columns.map((c) => {
      let acc: number | null = null;
      for (let i = start; i < end; i++) {
        const v = c.values[i];
        if (v === null || v === undefined) continue;
        acc = acc === null ? v : c.agg === 'sum' ? acc + v : Math.max(acc, v);
      }
      return esc(inUnit(acc, c.unit));
    });
    rows.push([esc(label), ...cells]);
  }
  const head = ['Time', ...columns.map((c) => (window > 1 ? `${c.label} (${c.agg === 'sum' ? `total per ${window} s` : `highest second`})` : c.label))];
  return table({ head, rows, numeric: columns.map((_, i) => i + 1) });
}

/** Limit lines of one chart, coloured by their gate's outcome. */
export function limitColor(status: string | undefined): string {
  return status === 'passed' ? COLORS.pass : status === 'failed' ? COLORS.fail : COLORS.hold;
}

export interface HistogramInput {
  label: string;
  h: LatencyHistogram;
  color: string;
  dash?: number[];
}

/**
 * Distributions on one shared bucket grid (they come from one fixed log grid, so the union of their edges
 * lines them up), as the share of each run's requests so runs of different sizes compare.
 */
export function histogramSpec(id: string, inputs: readonly HistogramInput[], lines: ChartLine[] = []): { spec: ChartSpec; alt: string } | undefined {
  const present = inputs.filter((i) => i.h.counts.length);
  if (!present.length) return undefined;
  const edges = [...new Set(present.flatMap((i) => i.h.upperMs))].sort((a, b) => a - b);
  // One empty bucket each side, so the first and last steps show.
  const first = edges[0] as number;
  const last = edges[edges.length - 1] as number;
  const x = [Number((first / 10 ** 0.1).toPrecision(3)), ...edges, Number((last * 10 ** 0.1).toPrecision(3))];
  const series: ChartSeries[] = present.map((i) => {
    const total = i.h.counts.reduce((a, b) => a + b, 0) || 1;
    const at = new Map(i.h.upperMs.map((u, k) => [u, i.h.counts[k] ?? 0]));
    return {
      label: i.label,
      values: x.map((u) => (100 * (at.get(u) ?? 0)) / total),
      color: i.color,
      width: 2,
      ...(i.dash ? { dash: i.dash } : {}),
      fill: `${i.color}22`,
    };
  });
  const rows = edges.map((u, k) => {
    const lower = k === 0 ? 0 : (edges[k - 1] as number);
    return [
      esc(`${k === 0 ? '≤' : `${ms(lower)} -`} ${ms(u)}`),
      ...present.flatMap((i) => {
        const idx = i.h.upperMs.indexOf(u);
        const c = idx < 0 ? 0 : (i.h.counts[idx] ?? 0);
        const total = i.h.counts.reduce((a, b) => a + b, 0) || 1;
        return [count(c), `${num((100 * c) / total, 3)}%`];
      }),
    ];
  });
  const head = ['Latency', ...present.flatMap((i) => [`${i.label}: requests`, `${i.label}: share`])];
  const alt = table({ head, rows: rows.filter((r) => r.slice(1).some((c, j) => j % 2 === 0 && c !== '0')), numeric: head.map((_, i) => i).slice(1) });
  return { spec: { id, kind: 'histogram', x, series, y: { label: 'share of requests', unit: 'percent-share' }, lines, height: 240 }, alt };
}

/** Latency quantiles over time for one or more arms / runs. */
export function latencySeries(p: PerSecondSeries, prefix: string, colors: { p50: string; p95: string; p99: string }, dash?: number[]): ChartSeries[] {
  const d = dash ? { dash } : {};
  return [
    { label: `${prefix}p50`, values: p.p50Ms, color: colors.p50, width: 1.5, ...d },
    { label: `${prefix}p95`, values: p.p95Ms, color: colors.p95, width: 2, ...d },
    { label: `${prefix}p99`, values: p.p99Ms, color: colors.p99, width: 1, ...d },
  ];
}

/** Pads or cuts a series to n values (a baseline run of another length, drawn on this run's time axis). */
export function fit<T>(values: readonly T[] | undefined, n: number, empty: T): T[] {
  return Array.from({ length: n }, (_, i) => (values && i < values.length ? (values[i] as T) : empty));
}
