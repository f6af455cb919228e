/**
 * An interrupted load run is judged on what it measured, but only where that already decides: a failed
 * threshold stands when more traffic could not have made it pass (a count or a max that can only grow),
 * or when its breach holds at 99% confidence on at least MIN_SAMPLES samples (a one-sided Clopper-Pearson
 * bound on the share of requests beyond the limit). Anything else becomes inconclusive, and the interrupted
 * run is then an error (exit 4): never a rollback on the p95 of two samples. Pure.
 */
import { clopperPearson } from '../stats/index.js';
import { thresholdId, type MetricLookup } from '../thresholds/evaluate-thresholds.js';
import type { Threshold } from '../thresholds/threshold.js';
import type { GateResult } from '../verdict/types.js';

/** A rollback from a run that did not finish needs strong evidence: 99%, one-sided. */
const ALPHA = 0.01;
/** The first requests pay for connections and cold caches: fewer samples than this are start-up, not evidence. */
export const MIN_SAMPLES = 20;
/** HDR values are reported at their bucket's top (3 significant digits): a sample within 0.1% of the limit is not counted as beyond it. */
const HDR_RESOLUTION = 1.001;

/** Samples at or below `limit` (ms), from the percentile function: the largest rank whose value stays at or below it. */
function atOrBelow(lookup: MetricLookup, t: Threshold, n: number, limit: number): number {
  const view = lookup(t.metricKey);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const rank = Math.ceil((lo + hi + 1) / 2);
    const value = view?.get({ name: 'p', p: (100 * rank) / n });
    if (value !== undefined && value <= limit * HDR_RESOLUTION) lo = rank;
    else hi = rank - 1;
  }
  return lo;
}

/** Why the breach is already decided, or undefined when more traffic could still make the threshold pass. */
export function decidedBreach(t: Threshold, lookup: MetricLookup): string | undefined {
  const view = lookup(t.metricKey);
  if (!view || (t.operator !== '<' && t.operator !== '<=')) return undefined;
  const n = view.samples;
  const a = t.aggregation;
  if (view.type === 'counter' && a.name === 'count') return `a count only grows (${view.get(a)} already)`;
  if (view.type === 'trend' && a.name === 'max') return `a maximum only grows (${view.get(a)} ms already)`;
  if (n < MIN_SAMPLES) return undefined;
  if (view.type === 'rate' && a.name === 'rate') {
    const k = Math.round((view.get(a) ?? 0) * n);
    const { lower } = clopperPearson({ successes: k, trials: n, alpha: ALPHA, sides: 'lower' });
    return lower > t.value || (t.operator === '<' && lower === t.value) ? `${k} of ${n}: at least ${(lower * 100).toFixed(2)}% at 99% confidence` : undefined;
  }
  if (view.type === 'trend' && (a.name === 'p' || a.name === 'med')) {
    const q = a.name === 'med' ? 0.5 : (a.p as number) / 100;
    const beyond = n - atOrBelow(lookup, t, n, t.value);
    const { lower } = clopperPearson({ successes: beyond, trials: n, alpha: ALPHA, sides: 'lower' });
    return lower > 1 - q
      ? `${beyond} of ${n} requests over ${t.value} ms: at least ${(lower * 100).toFixed(1)}% at 99% confidence, more than the ${((1 - q) * 100).toFixed(1)}% the threshold allows`
      : undefined;
  }
  return undefined;
}

/** The gates of an interrupted run: failures that are decided stand (with why), the others become inconclusive. */
export function judgeInterrupted(gates: readonly GateResult[], thresholds: readonly Threshold[], lookup: MetricLookup): GateResult[] {
  return gates.map((g) => {
    if (g.status !== 'failed' || !g.blocking) return g;
    const t = thresholds.find((x) => thresholdId(x) === g.id);
    const why = t ? decidedBreach(t, lookup) : undefined;
    if (why) return { ...g, reason: `${g.reason}; decided although the run was interrupted: ${why}` };
    return {
      ...g,
      status: 'inconclusive',
      reason: `${g.reason}; not decided: the run was interrupted after ${g.samples ?? 0} samples, and more traffic could still change this`,
    };
  });
}
