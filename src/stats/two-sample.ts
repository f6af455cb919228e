/**
 * Canary versus baseline.
 *
 * 1. `compareProportions`: error rates with a margin, from counts. The gate is
 *
 *        p_canary <= (1 + relative) · p_baseline + absolute
 *
 *    i.e. the contrast c = p_c - k·p_b (k = 1 + relative) must be at most `absolute`. The margin is
 *    part of the hypothesis, not of the data: "at most 0.5 points above baseline" is absolute =
 *    0.005, "at most 20% above baseline" is relative = 0.2, and both may be combined.
 *
 *    Inference is sequential universal inference (Wasserman, Ramdas & Balakrishnan, PNAS 2020):
 *    the numerator is the product of each arm's beta-binomial marginal likelihood
 *    Q_n = m(s_c, n_c) · m(s_b, n_b), the denominator is the likelihood maximized over the null.
 *    For every (p_c, p_b), Q_n / L_n(p_c, p_b) is the product of two mixture martingales
 *    (confidence-sequence.ts), a test martingale under (p_c, p_b) whatever the interleaving of
 *    the two streams (as long as which arm a request goes to is fixed before its outcome), so for
 *    the true value c*
 *
 *        P(∃n: ln Q_n - sup_{p_c - k p_b = c*} ln L_n >= ln(1/α)) <= α            (Ville).
 *
 *    The confidence sequence for c is therefore { c : ln Q_n - profile_n(c) < ln(1/α) }, an
 *    interval because the profile of a concave log-likelihood along parallel lines is concave.
 *    pass = whole interval below `absolute`, fail = whole interval above it; a wrong verdict of
 *    either kind needs the same martingale to cross, so the two share one α.
 *    Assumes each arm's requests are i.i.d. (a stationary rate); interleave the arms in time.
 *
 * 2. `compareFailureShare`: Lindon & Malek (NeurIPS 2022), "Anytime-valid inference for
 *    multinomial count data", their canary-testing application. If each request goes to the
 *    canary with known probability ρ, each failure is a canary failure with probability
 *        θ = ρ p_c / (ρ p_c + (1-ρ) p_b),
 *    a Bernoulli stream whatever common, time-varying load or error spikes both arms see.
 *    "canary rate at most (1 + r) × baseline" ⟺ θ <= θ₀ = ρ(1+r) / (ρ(1+r) + 1 - ρ); the
 *    beta-binomial confidence sequence for θ maps to one for the rate ratio
 *    R = p_c / p_b = θ(1-ρ) / ((1-θ)ρ). Only a relative margin fits this model (an absolute one
 *    would need p_b). Exact under random per-request routing; under strict alternation the
 *    conditional law is hypergeometric and the test is approximately valid for rare failures.
 *    Needs failures to say anything: two clean arms stay inconclusive, use (1) to pass them.
 *
 * 3. `compareQuantiles`: "canary p(q) at most (1 + r) × baseline p(q)", reduced to proportions
 *    of requests above thresholds derived from the baseline (inspired by Lindon, Sanden &
 *    Shirikian, KDD 2022, "Rapid regression detection in software deployments through sequential
 *    testing", who test the whole latency distribution sequentially; here one quantile).
 */
import {
  bernoulliConfidenceSequence,
  logLikelihood,
  logMarginalLikelihood,
  LOG_SCALE_PRIOR,
  thresholdPrior,
  assertCounts,
  type MixingPrior,
} from './confidence-sequence.js';
import { quantileInterval, type OrderedSample } from './quantile.js';
import type { DecisionStatus } from './sequential-test.js';

/** Requests and failures observed in one arm. */
export interface ArmCounts {
  failures: number;
  trials: number;
}

export interface Margin {
  /** Added to the baseline rate, as a fraction: 0.005 is "0.5 percentage points". Default 0. */
  absolute?: number;
  /** Multiplies the baseline rate: 0.2 is "20% above baseline". Default 0. */
  relative?: number;
}

export interface CompareProportionsInput {
  canary: ArmCounts;
  baseline: ArmCounts;
  margin: Margin;
  alpha: number;
  /** Mixing prior for each arm's rate; default `LOG_SCALE_PRIOR` (the baseline's scale is unknown). */
  prior?: MixingPrior;
}

export interface CompareProportionsResult {
  status: DecisionStatus;
  /** Confidence-sequence bounds for c = p_c - (1 + relative)·p_b (outer ends, to ~1e-12). */
  lower: number;
  upper: number;
  /** Observed c; null until both arms have trials. */
  observed: number | null;
  canaryRate: number | null;
  baselineRate: number | null;
}

/** s/p - f/(1-p): derivative of the binomial log-likelihood, with 0·∞ taken as 0. */
function dLogLik(p: number, s: number, f: number): number {
  let d = 0;
  if (s > 0) d += s / p;
  if (f > 0) d -= f / (1 - p);
  return d;
}

/** -s/p² - f/(1-p)²: second derivative of the binomial log-likelihood (always <= 0). */
function d2LogLik(p: number, s: number, f: number): number {
  let d = 0;
  if (s > 0) d -= s / (p * p);
  if (f > 0) d -= f / ((1 - p) * (1 - p));
  return d;
}

/**
 * sup over {p_c - k p_b = c} of ln L(p_c; canary) + ln L(p_b; baseline): a 1-D concave
 * maximization in x = p_b. Newton steps on the derivative, kept inside a sign-change bracket
 * (falling back to bisection), converge in a handful of iterations.
 */
function profileLogLik(c: number, k: number, canary: ArmCounts, baseline: ArmCounts): number {
  const sc = canary.failures;
  const fc = canary.trials - sc;
  const sb = baseline.failures;
  const fb = baseline.trials - sb;
  const left = Math.max(0, -c / k);
  const right = Math.min(1, (1 - c) / k);
  if (left > right) return Number.NEGATIVE_INFINITY;
  const pcOf = (x: number) => Math.min(1, Math.max(0, k * x + c));
  const g = (x: number) => logLikelihood(pcOf(x), sc, canary.trials) + logLikelihood(x, sb, baseline.trials);
  const dg = (x: number) => k * dLogLik(pcOf(x), sc, fc) + dLogLik(x, sb, fb);
  let lo = left;
  let hi = right;
  let x = 0.5 * (lo + hi);
  for (let i = 0; i < 100 && hi - lo > 1e-15 * Math.max(hi, 1e-300); i++) {
    const d = dg(x);
    if (d === 0) return Math.max(g(x), g(left), g(right));
    if (d > 0) lo = x;
    else hi = x;
    const curvature = k * k * d2LogLik(pcOf(x), sc, fc) + d2LogLik(x, sb, fb);
    const next = curvature < 0 ? x - d / curvature : Number.NaN;
    const prev = x;
    x = next > lo && next < hi ? next : 0.5 * (lo + hi);
    if (Math.abs(x - prev) <= 1e-15 * Math.max(x, 1e-300)) break;
  }
  return Math.max(g(x), g(lo), g(hi), g(left), g(right));
}

function parseMargin(margin: Margin): { absolute: number; k: number } {
  const absolute = margin.absolute ?? 0;
  const relative = margin.relative ?? 0;
  if (!(absolute > -1 && absolute < 1)) throw new RangeError(`margin.absolute must be in (-1, 1), got ${absolute}`);
  if (!(relative > -1 && Number.isFinite(relative))) throw new RangeError(`margin.relative must be > -1, got ${relative}`);
  return { absolute, k: 1 + relative };
}

/** ln Q_n - ln(1/α): the profile log-likelihood must stay above this for c to remain in the CS. */
function csLevel(canary: ArmCounts, baseline: ArmCounts, alpha: number, prior: MixingPrior): number {
  return logMarginalLikelihood(canary.failures, canary.trials, prior) + logMarginalLikelihood(baseline.failures, baseline.trials, prior) - Math.log(1 / alpha);
}

/**
 * The log e-value against "c = p_c - (1 + relative)·p_b equals `contrast`":
 * ln Q_n - sup_{p_c - k p_b = contrast} ln L_n. Crossing ln(1/α) at any n happens with probability
 * <= α when the contrast is true. One profile evaluation: cheap enough to call after every batch
 * of a simulation.
 */
export function contrastLogEValue(contrast: number, input: Omit<CompareProportionsInput, 'margin' | 'alpha'> & { relative?: number }): number {
  const k = 1 + (input.relative ?? 0);
  const prior = input.prior ?? LOG_SCALE_PRIOR;
  const { canary, baseline } = input;
  return (
    logMarginalLikelihood(canary.failures, canary.trials, prior) +
    logMarginalLikelihood(baseline.failures, baseline.trials, prior) -
    profileLogLik(contrast, k, canary, baseline)
  );
}

/**
 * Anytime-valid comparison of error rates: is p_canary <= (1 + relative)·p_baseline + absolute?
 * pass / fail / inconclusive with a confidence sequence for c = p_c - (1 + relative)·p_b.
 * The status is read from the reported (outer) bounds so the verdict always matches its numbers.
 */
export function compareProportions(input: CompareProportionsInput): CompareProportionsResult {
  const { canary, baseline, alpha } = input;
  assertCounts(canary.failures, canary.trials, alpha);
  assertCounts(baseline.failures, baseline.trials);
  const { absolute, k } = parseMargin(input.margin);
  const prior = input.prior ?? LOG_SCALE_PRIOR;
  const canaryRate = canary.trials > 0 ? canary.failures / canary.trials : null;
  const baselineRate = baseline.trials > 0 ? baseline.failures / baseline.trials : null;
  const cMin = -k;
  const cMax = 1;
  if (canaryRate === null || baselineRate === null) {
    return { status: 'inconclusive', lower: cMin, upper: cMax, observed: null, canaryRate, baselineRate };
  }
  const level = csLevel(canary, baseline, alpha, prior);
  const f = (c: number) => profileLogLik(c, k, canary, baseline) - level;
  const hat = canaryRate - k * baselineRate;
  const lower = f(cMin) > 0 ? cMin : solveBoundary(f, cMin, hat);
  const upper = f(cMax) > 0 ? cMax : solveBoundary(f, cMax, hat);
  let status: DecisionStatus = 'inconclusive';
  if (upper < absolute) status = 'pass';
  else if (lower > absolute) status = 'fail';
  return { status, lower, upper, observed: hat, canaryRate, baselineRate };
}

/**
 * An end of the interval {c : f(c) > 0} for the concave f(c) = profile(c) - level, bracketed by
 * `outside` (f <= 0, possibly -∞) and `inside` (f > 0). Regula falsi with the Illinois
 * modification once both ends are finite, bisection before that; returns the outer point of the
 * final bracket so the interval is never narrower than the exact set.
 */
function solveBoundary(f: (c: number) => number, outside: number, inside: number): number {
  let out = outside;
  let inn = inside;
  let fOut = f(out);
  let fIn = f(inn);
  let side = 0; // which end was kept last time, for the Illinois halving
  for (let i = 0; i < 200; i++) {
    if (Math.abs(out - inn) <= 1e-12 + 1e-10 * Math.abs(inn)) break;
    let next: number;
    if (Number.isFinite(fOut) && fIn - fOut > 0) {
      next = out + ((inn - out) * -fOut) / (fIn - fOut);
      // Keep the step strictly inside, with a minimum move so that a flat end cannot stall it.
      const span = inn - out;
      const minStep = 1e-3 * span;
      if (!((next - out) / span > 1e-3)) next = out + minStep;
      if (!((inn - next) / span > 1e-3)) next = inn - minStep;
    } else {
      next = 0.5 * (out + inn);
    }
    const fNext = f(next);
    if (fNext > 0) {
      inn = next;
      fIn = fNext;
      if (side === 1 && Number.isFinite(fOut)) fOut /= 2; // Illinois: the outside end was stuck
      side = 1;
    } else {
      out = next;
      fOut = fNext;
      if (side === -1) fIn /= 2;
      side = -1;
    }
  }
  return out;
}

export interface CompareFailureShareInput {
  canaryFailures: number;
  baselineFailures: number;
  /** Known probability that a request is routed to the canary, in (0, 1); 0.5 for an even split. */
  canaryShare: number;
  /** The gate allows p_c <= (1 + maxRelativeIncrease)·p_b. */
  maxRelativeIncrease: number;
  alpha: number;
  /** Mixing prior on θ; default `thresholdPrior(θ₀)`. */
  prior?: MixingPrior;
}

export interface CompareFailureShareResult {
  status: DecisionStatus;
  /** Confidence-sequence bounds for the rate ratio p_c / p_b (upper may be +Infinity). */
  lowerRatio: number;
  upperRatio: number;
  /** Observed share of failures from the canary; null without failures. */
  observedShare: number | null;
  /** Observed rate ratio (count ratio corrected for the split); null without failures. */
  observedRatio: number | null;
  /** θ₀: the failure share that corresponds to the allowed ratio. */
  nullShare: number;
}

/**
 * Lindon & Malek's conditional test: the canary's share of failures is Bernoulli(θ) with θ set by
 * the traffic split and the rate ratio; anytime-valid CS on θ, mapped to the ratio.
 */
export function compareFailureShare(input: CompareFailureShareInput): CompareFailureShareResult {
  const { canaryFailures, baselineFailures, canaryShare: rho, maxRelativeIncrease: r, alpha } = input;
  const total = canaryFailures + baselineFailures;
  assertCounts(canaryFailures, total, alpha);
  if (!(rho > 0 && rho < 1)) throw new RangeError(`canaryShare must be in (0, 1), got ${rho}`);
  if (!(r > -1 && Number.isFinite(r))) throw new RangeError(`maxRelativeIncrease must be > -1, got ${r}`);
  const allowed = 1 + r;
  const nullShare = (rho * allowed) / (rho * allowed + 1 - rho);
  const prior = input.prior ?? thresholdPrior(nullShare);
  const { lower, upper } = bernoulliConfidenceSequence({ successes: canaryFailures, trials: total, alpha, prior });
  const toRatio = (theta: number) => (theta >= 1 ? Number.POSITIVE_INFINITY : (theta * (1 - rho)) / ((1 - theta) * rho));
  const lowerRatio = toRatio(lower);
  const upperRatio = toRatio(upper);
  let status: DecisionStatus = 'inconclusive';
  if (upperRatio < allowed) status = 'pass';
  else if (lowerRatio > allowed) status = 'fail';
  const observedShare = total > 0 ? canaryFailures / total : null;
  return {
    status,
    lowerRatio,
    upperRatio,
    observedShare,
    observedRatio: observedShare === null ? null : toRatio(observedShare),
    nullShare,
  };
}

export interface CompareQuantilesInput {
  canary: OrderedSample | readonly number[];
  baseline: OrderedSample | readonly number[];
  /** q in (0, 1): 0.95 compares p95s. */
  quantile: number;
  /** The gate allows canary p(q) <= (1 + maxRelativeIncrease) × baseline p(q); 0.2 is "20% slower". */
  maxRelativeIncrease: number;
  alpha: number;
}

export interface CompareQuantilesResult {
  status: DecisionStatus;
  canary: { estimate: number | null; lower: number; upper: number; count: number };
  baseline: { estimate: number | null; lower: number; upper: number; count: number };
  /** Canary's p(q) must be shown below this to pass: (1 + r) × the baseline's lower bound. */
  passThreshold: number;
  /** Canary's p(q) must be shown above this to fail: (1 + r) × the baseline's upper bound. */
  failThreshold: number;
  /** Simultaneous bounds on canary p(q) / baseline p(q) (positive latencies). */
  lowerRatio: number;
  upperRatio: number;
}

/**
 * Is canary p(q) <= (1 + r) × baseline p(q)?
 *
 * Reduction: with a (1 - α/2) quantile CS [L_b, U_b] for the baseline and [L_c, U_c] for the
 * canary, pass when U_c < (1 + r)·L_b and fail when L_c > (1 + r)·U_b. U_c < y is exactly "the
 * fraction of canary requests slower than y is confidently below 1 - q" (the same Bernoulli CS as
 * `decideQuantileThreshold`), so this is a proportion test at the threshold y = (1 + r)·L_b
 * derived from the baseline (y = (1 + r)·U_b for failing). A wrong verdict needs one of the two
 * sequences to miss, so α is split in half (union bound). Conservative: the baseline is taken at
 * its least favourable end, only one quantile is compared, and ties only widen the intervals.
 */
export function compareQuantiles(input: CompareQuantilesInput): CompareQuantilesResult {
  const { quantile, alpha } = input;
  const r = input.maxRelativeIncrease;
  if (!(r > -1 && Number.isFinite(r))) throw new RangeError(`maxRelativeIncrease must be > -1, got ${r}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const half = alpha / 2;
  const c = quantileInterval(input.canary, quantile, half, 'sequential');
  const b = quantileInterval(input.baseline, quantile, half, 'sequential');
  const k = 1 + r;
  const passThreshold = k * b.lower;
  const failThreshold = k * b.upper;
  let status: DecisionStatus = 'inconclusive';
  if (c.upper < passThreshold) status = 'pass';
  else if (c.lower > failThreshold) status = 'fail';
  const ratio = (x: number, y: number) => (y > 0 ? x / y : Number.POSITIVE_INFINITY);
  return {
    status,
    canary: { estimate: c.estimate, lower: c.lower, upper: c.upper, count: c.count },
    baseline: { estimate: b.estimate, lower: b.lower, upper: b.upper, count: b.count },
    passThreshold,
    failThreshold,
    lowerRatio: Number.isFinite(b.upper) && c.lower > 0 ? ratio(c.lower, b.upper) : 0,
    upperRatio: ratio(c.upper, b.lower),
  };
}
