/**
 * What report.html draws for a load run, taken from the run's own measurements: the per-second series
 * and figures exactly as summary.json has them, the whole-run latency histogram in buckets, the
 * profile's thresholds as limit lines, and the baseline's own series. Pure: no clock, no I/O.
 */
import type { LimitLine, LoadReportData, LoadTotals, PerSecondSeries } from '../report/data.js';
import { thresholdId, type Threshold } from '../thresholds/index.js';
import { formatAggregation } from '../thresholds/threshold.js';
import { latencyBuckets, type Histogram } from '../traffic/histogram.js';
import type { Baseline } from './baseline.js';
import type { LoadSummary } from './summary.js';

/**
 * summary.json's per-second arrays as chart series: a second with no completed request has no latency (null, not
 * 0). The run ends a moment into its last second: that second is left out when less than half of it ran (with
 * `durationMs`), or when nothing happened in it, so the charts do not show a drop to zero that is not there.
 */
export function seriesOf(p: LoadSummary['revgate']['perSecond'] | undefined, durationMs?: number): PerSecondSeries | undefined {
  if (!p || !Array.isArray(p.requests)) return undefined;
  let n = p.requests.length;
  if (durationMs !== undefined && n > 1 && durationMs / 1000 - (n - 1) < 0.5) n--;
  while (n > 1 && !p.requests[n - 1] && !p.dropped[n - 1] && !p.late?.[n - 1]) n--;
  const cut = <T>(a: readonly T[]): T[] => a.slice(0, n);
  const latency = (a: number[]): Array<number | null> => cut(a).map((x, i) => ((p.requests[i] ?? 0) > 0 ? x : null));
  return {
    requests: cut(p.requests),
    failed: cut(p.failed),
    dropped: cut(p.dropped),
    ...(p.late ? { late: cut(p.late) } : {}),
    p50Ms: latency(p.p50Ms),
    p95Ms: latency(p.p95Ms),
    p99Ms: latency(p.p99Ms),
  };
}

/** The headline figures, read from the summary (k6's or revgate's: the same shape). */
export function totalsOf(summary: Pick<LoadSummary, 'metrics'>): LoadTotals {
  const m = summary.metrics;
  const v = (name: string, key: string): number | undefined => m[name]?.values[key];
  const p50 = v('http_req_duration', 'med');
  const p95 = v('http_req_duration', 'p(95)');
  const p99 = v('http_req_duration', 'p(99)');
  return {
    requests: v('http_reqs', 'count') ?? 0,
    ratePerSecond: v('http_reqs', 'rate') ?? 0,
    failedRate: v('http_req_failed', 'rate') ?? 0,
    ...(p50 !== undefined ? { p50Ms: p50 } : {}),
    ...(p95 !== undefined ? { p95Ms: p95 } : {}),
    ...(p99 !== undefined ? { p99Ms: p99 } : {}),
    dropped: v('dropped_iterations', 'count') ?? 0,
    late: v('revgate_late_starts', 'count') ?? 0,
    retries: v('http_req_retries', 'count') ?? 0,
  };
}

/** Thresholds on the whole metric that have a chart to be drawn on (tag-scoped ones are in the gates table only). */
export function limitLines(thresholds: readonly Threshold[]): LimitLine[] {
  const lines: LimitLine[] = [];
  for (const t of thresholds) {
    if (t.tags.length) continue;
    const line = { gateId: thresholdId(t), stat: formatAggregation(t.aggregation), operator: t.operator, value: t.value };
    if (t.metric === 'http_req_duration') lines.push({ ...line, chart: 'latency' });
    else if (t.metric === 'http_req_failed' && t.aggregation.name === 'rate') lines.push({ ...line, chart: 'error-rate' });
    else if (t.metric === 'http_reqs' && t.aggregation.name === 'rate') lines.push({ ...line, chart: 'throughput' });
  }
  return lines;
}

export interface LoadReportInput {
  summary: Pick<LoadSummary, 'metrics'> & { revgate?: Partial<LoadSummary['revgate']>; state?: { testRunDurationMs?: number } };
  thresholds: readonly Threshold[];
  /** The run's whole latency histogram (all requests), when the embedded engine ran. */
  histogram?: Histogram;
  baseline?: { baseline: Baseline; whole: Histogram };
}

export function loadReportData(i: LoadReportInput): LoadReportData {
  const perSecond = seriesOf(i.summary.revgate?.perSecond, i.summary.state?.testRunDurationMs);
  const b = i.baseline;
  const basePerSecond = b ? seriesOf(b.baseline.summary?.revgate?.perSecond, b.baseline.summary?.state?.testRunDurationMs) : undefined;
  return {
    totals: totalsOf(i.summary),
    ...(perSecond ? { perSecond } : {}),
    ...(i.histogram ? { histogram: latencyBuckets(i.histogram) } : {}),
    limits: limitLines(i.thresholds),
    ...(b
      ? {
          baseline: {
            label: `baseline (${b.baseline.target.revision ?? b.baseline.target.baseUrl}, saved ${b.baseline.savedAt.slice(0, 16).replace('T', ' ')})`,
            ...(basePerSecond ? { perSecond: basePerSecond } : {}),
            histogram: latencyBuckets(b.whole),
          },
        }
      : {}),
  };
}
