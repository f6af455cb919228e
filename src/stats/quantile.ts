/**
 * Quantile gates as proportion questions, and distribution-free intervals for a quantile from
 * order statistics.
 *
 * `p(Q) < X` holds exactly when fewer than a fraction 1 - Q/100 of requests take longer than X
 * (for a continuous latency distribution: ξ_q < X ⟺ F(X) > q ⟺ P(T > X) < 1 - q), so the gate
 * is `decideProportion` on the count of requests slower than X. No distributional assumption.
 *
 * For reporting ("p95 1830 ms, interval [1710, 1990]"), the indicators 1{X_i <= ξ_q} are
 * Bernoulli(q) for the true quantile ξ_q, so any interval of counts [sLo, sHi] that holds the
 * running count S_n = #{X_i <= ξ_q} with probability >= 1 - α gives ξ_q ∈ [X_(sLo), X_(sHi+1)].
 * With the Bernoulli confidence sequence's acceptance region at p = q this holds for all n at once
 * (in the spirit of Howard & Ramdas 2022, "Sequential estimation of quantiles with applications
 * to A/B-testing and best-arm identification");
 * with binomial tail quantiles it is the classical fixed-n order-statistic interval.
 * Ties (e.g. histogram buckets) only make both constructions conservative.
 */
import { assertCounts, logMixtureMartingale, thresholdPrior, type MixingPrior } from './confidence-sequence.js';
import { decideProportion, type ProportionDecision } from './sequential-test.js';
import { binomialLowerTail, binomialUpperTail } from './special.js';

/** Sorted access to a sample, e.g. an array or an HDR histogram's value at a rank. */
export interface OrderedSample {
  /** Number of observations n. */
  readonly count: number;
  /** The rank-th smallest value, 1 <= rank <= count. */
  valueAtRank(rank: number): number;
}

/** Wrap values (any order) as an OrderedSample; the input array is not modified. */
export function sortedSample(values: readonly number[]): OrderedSample {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    valueAtRank: (rank) => sorted[rank - 1] as number,
  };
}

/** Comparators accepted in `p(Q) <op> X` thresholds. */
export type QuantileComparator = '<' | '<=' | '>' | '>=';

/**
 * Translate `p(q) <op> X` into a question about the fraction of requests slower than X:
 * `p(q) < X` ⟺ P(T > X) < 1 - q ('below'); `p(q) > X` ⟺ P(T > X) > 1 - q ('above').
 * `<=` and `>=` map to the same questions (they differ only by ties at exactly X).
 */
export function quantileThresholdAsProportion(quantile: number, comparator: QuantileComparator): { threshold: number; direction: 'below' | 'above' } {
  assertQuantile(quantile);
  const threshold = 1 - quantile;
  return { threshold, direction: comparator === '<' || comparator === '<=' ? 'below' : 'above' };
}

export interface QuantileThresholdInput {
  /** Requests slower than X (strictly greater). */
  exceedances: number;
  /** All requests with a measured latency. */
  trials: number;
  /** q in (0, 1): 0.95 for p(95). */
  quantile: number;
  comparator: QuantileComparator;
  alpha: number;
  prior?: MixingPrior;
}

/** Decide `p(q) <op> X` from the count of requests slower than X (anytime-valid). */
export function decideQuantileThreshold(input: QuantileThresholdInput): ProportionDecision {
  const { threshold, direction } = quantileThresholdAsProportion(input.quantile, input.comparator);
  return decideProportion({
    successes: input.exceedances,
    trials: input.trials,
    threshold,
    direction,
    alpha: input.alpha,
    ...(input.prior ? { prior: input.prior } : {}),
  });
}

/** 'sequential': valid at every n at once (for monitoring); 'fixed': valid at one pre-set n. */
export type IntervalMethod = 'sequential' | 'fixed';

export interface QuantileRankOptions {
  /** Sample size n. */
  count: number;
  /** q in (0, 1). */
  quantile: number;
  alpha: number;
  method?: IntervalMethod;
  /** Mixing prior for 'sequential'; defaults to `thresholdPrior(quantile)`. */
  prior?: MixingPrior;
}

/**
 * 1-based ranks [lowerRank, upperRank] with ξ_q ∈ [X_(lowerRank), X_(upperRank)].
 * lowerRank = 0 means "no lower bound yet" (-∞) and upperRank = n + 1 means +∞.
 */
export function quantileRankBounds(options: QuantileRankOptions): { lowerRank: number; upperRank: number } {
  const { count: n, quantile: q, alpha, method = 'sequential' } = options;
  assertCounts(0, n, alpha);
  assertQuantile(q);
  if (!Number.isInteger(n)) throw new RangeError(`count must be an integer, got ${n}`);
  if (n === 0) return { lowerRank: 0, upperRank: 1 };
  if (method === 'fixed') {
    // lowerRank: the largest l with P(S <= l-1) <= α/2; upperRank: the smallest u with P(S >= u) <= α/2,
    // S ~ Binomial(n, q). Then P(X_(l) > ξ) <= α/2 and P(X_(u) < ξ) <= α/2.
    let l = 0;
    while (l + 1 <= n && binomialLowerTail(l, n, q) <= alpha / 2) l++;
    let u = n + 1;
    while (u - 1 >= 1 && binomialUpperTail(u - 1, n, q) <= alpha / 2) u--;
    return { lowerRank: l, upperRank: u };
  }
  const prior = options.prior ?? thresholdPrior(q);
  const cut = Math.log(1 / alpha);
  // Acceptance region {s : M_n(q; s) < 1/α}: ln M_n(q; s) is convex in s (log-gamma terms plus a
  // linear term), so the region is an interval of counts around n·q, found by bisection.
  const accepted = (s: number) => logMixtureMartingale(q, s, n, prior) < cut;
  let centre = Math.min(n, Math.max(0, Math.round(n * q)));
  if (!accepted(centre)) {
    // Cannot happen for M_n(q) <= max-likelihood ratio ~ 1 at s ≈ nq; kept as a safe fallback.
    centre = Math.min(n, Math.max(0, Math.floor(n * q)));
    if (!accepted(centre)) return { lowerRank: 0, upperRank: n + 1 };
  }
  let sLo: number;
  if (accepted(0)) sLo = 0;
  else {
    let bad = 0;
    let good = centre;
    while (good - bad > 1) {
      const mid = (bad + good) >> 1;
      if (accepted(mid)) good = mid;
      else bad = mid;
    }
    sLo = good;
  }
  let sHi: number;
  if (accepted(n)) sHi = n;
  else {
    let good = centre;
    let bad = n;
    while (bad - good > 1) {
      const mid = (bad + good) >> 1;
      if (accepted(mid)) good = mid;
      else bad = mid;
    }
    sHi = good;
  }
  return { lowerRank: sLo, upperRank: sHi + 1 };
}

export interface QuantileInterval {
  /** Nearest-rank sample quantile X_(ceil(n q)) (what k6 and HDR histograms report); null if n = 0. */
  estimate: number | null;
  /** -Infinity until enough samples bound it from below. */
  lower: number;
  /** +Infinity until enough samples bound it from above. */
  upper: number;
  lowerRank: number;
  upperRank: number;
  count: number;
}

/**
 * Distribution-free interval for the q-quantile from order statistics.
 * Accepts an OrderedSample (e.g. a histogram) or plain values in any order.
 */
export function quantileInterval(
  sample: OrderedSample | readonly number[],
  quantile: number,
  alpha: number,
  method: IntervalMethod = 'sequential',
  prior?: MixingPrior,
): QuantileInterval {
  const ordered = isOrderedSample(sample) ? sample : sortedSample(sample);
  const n = ordered.count;
  const { lowerRank, upperRank } = quantileRankBounds({
    count: n,
    quantile,
    alpha,
    method,
    ...(prior ? { prior } : {}),
  });
  return {
    estimate: n > 0 ? ordered.valueAtRank(Math.min(n, Math.max(1, Math.ceil(n * quantile)))) : null,
    lower: lowerRank >= 1 ? ordered.valueAtRank(lowerRank) : Number.NEGATIVE_INFINITY,
    upper: upperRank <= n ? ordered.valueAtRank(upperRank) : Number.POSITIVE_INFINITY,
    lowerRank,
    upperRank,
    count: n,
  };
}

function isOrderedSample(x: OrderedSample | readonly number[]): x is OrderedSample {
  return !Array.isArray(x);
}

function assertQuantile(q: number): void {
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
}
