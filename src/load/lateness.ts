/**
 * How much of a latency figure the generator itself could have caused. Latency is measured from each
 * arrival's scheduled time, so an arrival the generator issued late carries its lateness in its latency.
 * On a run where the generator fell behind, a failed latency gate is only evidence against the target if
 * it still fails at the lowest value the target's own latency could have had:
 *
 * - every arrival was issued at most `maxMs` late, so each true latency >= measured - maxMs;
 * - all but `late` arrivals were issued at most `thresholdMs` late, so in the worst case the `late` slowest
 *   samples were pure generator lag and the rest are at least measured - thresholdMs: the p-quantile is at
 *   least the (p - late/n)-quantile minus thresholdMs;
 * - the mean is lowered by at most the mean lateness (`sumMs` over the group's samples, capped by maxMs each).
 *
 * Pure; values in ms, histograms in microseconds.
 */
import type { Aggregation } from '../thresholds/threshold.js';
import type { Histogram } from '../traffic/histogram.js';

export interface Lateness {
  /** Arrivals issued more than `thresholdMs` after their scheduled time. */
  late: number;
  /** Largest lateness of any arrival, ms. */
  maxMs: number;
  /** Sum of every arrival's lateness, ms. */
  sumMs: number;
  /** Lateness above which an arrival counts as late (LATE_MS). */
  thresholdMs: number;
}

const ms = (us: number): number => us / 1000;

/** The value of a latency aggregation in ms: as measured, or, given the generator's lateness, the lowest the target could have caused. */
export function latencyValue(h: Histogram, a: Aggregation, lateness?: Lateness): number | undefined {
  const n = h.totalCount;
  if (n === 0) return undefined;
  if (a.name === 'avg') {
    const avg = ms(h.mean);
    return lateness ? Math.max(0, avg - Math.min(lateness.sumMs, n * lateness.maxMs) / n) : avg;
  }
  if (a.name === 'min') return lateness ? Math.max(0, ms(h.minNonZeroValue) - lateness.maxMs) : ms(h.minNonZeroValue);
  const p = a.name === 'med' ? 50 : a.name === 'max' ? 100 : a.name === 'p' ? (a.p as number) : undefined;
  if (p === undefined) return undefined;
  const measured = p >= 100 ? ms(h.maxValue) : ms(h.getValueAtPercentile(p));
  if (!lateness) return measured;
  const shifted = p - (100 * lateness.late) / n;
  const byRank = shifted <= 0 ? 0 : ms(h.getValueAtPercentile(shifted)) - lateness.thresholdMs;
  return Math.max(0, byRank, measured - lateness.maxMs);
}

/** A stat name as baselines spell it (avg, med, p(95)) -> an aggregation. */
export function statAggregation(stat: string): Aggregation | undefined {
  if (stat === 'avg' || stat === 'med' || stat === 'min' || stat === 'max') return { name: stat };
  const m = /^p\(([0-9.]+)\)$/.exec(stat);
  return m ? { name: 'p', p: Number(m[1]) } : undefined;
}
