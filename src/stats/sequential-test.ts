/**
 * Anytime-valid pass / fail / inconclusive decisions for a proportion against a threshold.
 *
 * The decision is read off the time-uniform confidence sequence (confidence-sequence.ts):
 * pass when the whole interval is on the good side of the threshold, fail when the whole
 * interval is on the bad side, inconclusive otherwise. Because the sequence covers the true rate
 * at every n simultaneously with probability >= 1 - α, evaluating after every batch and stopping
 * at the first pass or fail gives a wrong verdict (false promote or false rollback, together)
 * with probability <= α.
 */
import { assertCounts, bernoulliConfidenceSequence, logMixtureMartingale, thresholdPrior, type MixingPrior } from './confidence-sequence.js';

/** Which side of the threshold is good: 'below' for error rates, 'above' for availability. */
export type Direction = 'below' | 'above';

/** The three outcomes of a gate; "inconclusive" is never rounded to pass. */
export type DecisionStatus = 'pass' | 'fail' | 'inconclusive';

export interface ProportionDecisionInput {
  /** Events counted by the proportion (errors for an error rate, good requests for availability). */
  successes: number;
  /** All trials (requests). */
  trials: number;
  /** The gate's limit, strictly inside (0, 1). */
  threshold: number;
  /** 'below': the rate must be under the threshold; 'above': over it. */
  direction: Direction;
  /** Probability of ever giving a wrong verdict, in (0, 1): 1 - confidence, after any alpha split. */
  alpha: number;
  /** Mixing prior; defaults to `thresholdPrior(threshold)`. Must be fixed before the data. */
  prior?: MixingPrior;
  /** Give up projecting beyond this many total trials (default 1e12). */
  maxSamples?: number;
}

export interface ProportionDecision {
  status: DecisionStatus;
  /** Lower end of the (1 - α) confidence sequence at the current n. */
  lower: number;
  /** Upper end of the (1 - α) confidence sequence at the current n. */
  upper: number;
  /** successes / trials, or null before the first trial. */
  observed: number | null;
  /**
   * Only when inconclusive: roughly how many more trials would decide the gate if the observed
   * rate held. Absent when it cannot be estimated (no trials yet, observed rate exactly at the
   * threshold, or more than `maxSamples` would be needed).
   */
  samplesNeeded?: number;
}

function statusOf(lower: number, upper: number, threshold: number, direction: Direction): DecisionStatus {
  // Strict comparisons: an interval touching the threshold has not excluded it.
  if (direction === 'below') {
    if (upper < threshold) return 'pass';
    if (lower > threshold) return 'fail';
  } else {
    if (lower > threshold) return 'pass';
    if (upper < threshold) return 'fail';
  }
  return 'inconclusive';
}

/**
 * Decide "proportion below/above threshold" with an anytime-valid confidence sequence.
 * pass: the whole CS is on the good side; fail: the whole CS is on the bad side.
 */
export function decideProportion(input: ProportionDecisionInput): ProportionDecision {
  const { successes, trials, threshold, direction, alpha } = input;
  assertCounts(successes, trials, alpha);
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be in (0, 1), got ${threshold}`);
  if (direction !== 'below' && direction !== 'above') throw new RangeError(`direction must be 'below' or 'above'`);
  const prior = input.prior ?? thresholdPrior(threshold);
  const { lower, upper } = bernoulliConfidenceSequence({ successes, trials, alpha, prior });
  const status = statusOf(lower, upper, threshold, direction);
  const observed = trials > 0 ? successes / trials : null;
  const result: ProportionDecision = { status, lower, upper, observed };
  if (status === 'inconclusive' && observed !== null) {
    const total = projectedTrialsToDecide(observed, threshold, alpha, prior, trials, input.maxSamples ?? 1e12);
    if (total !== undefined) result.samplesNeeded = total - trials;
  }
  return result;
}

/**
 * Smallest total n >= from at which the CS, with successes = rate·n (real-valued, i.e. the
 * observed rate held exactly), would exclude the threshold. An estimate for people ("~3,000
 * more requests would decide this"), not a guarantee: the real rate will wander.
 */
export function projectedTrialsToDecide(rate: number, threshold: number, alpha: number, prior: MixingPrior, from = 0, maxSamples = 1e12): number | undefined {
  if (rate === threshold) return undefined;
  // The threshold leaves the CS exactly when the e-value against it reaches 1/α, so one
  // evaluation of M_n(threshold) per candidate n suffices (no interval solving).
  const cut = Math.log(1 / alpha);
  const decided = (n: number): boolean => n > 0 && logMixtureMartingale(threshold, rate * n, n, prior) >= cut;
  // Exponential search then bisection; the log e-value at the threshold grows ~ n·KL(rate, t),
  // so "decided" is monotone in n apart from rounding at the very start.
  let lo = Math.max(0, Math.floor(from));
  if (lo > 0 && decided(lo)) return lo;
  let hi = Math.max(1, lo * 2, 16);
  while (!decided(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > maxSamples) return undefined;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (decided(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
