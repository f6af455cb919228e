/**
 * Time-uniform confidence sequences for a Bernoulli proportion by the method of mixtures.
 *
 * For i.i.d. Bernoulli(p) observations with s successes in n trials and a mixing prior π on θ,
 *
 *   M_n(p) = ∫ Π_i (θ/p)^{X_i} ((1-θ)/(1-p))^{1-X_i} π(dθ) = m_n / L_n(p),
 *   m_n    = ∫ θ^s (1-θ)^{n-s} π(dθ)             (for π = Beta(a,b): B(a+s, b+n-s) / B(a,b)),
 *   L_n(p) = p^s (1-p)^{n-s},
 *
 * is a nonnegative martingale with M_0 = 1 under p (Robbins 1970; Howard, Ramdas, McAuliffe &
 * Sekhon 2021, "method of mixtures"; it is also Waudby-Smith & Ramdas' (2020) prior-posterior ratio).
 * Ville's inequality gives P_p(∃n: M_n(p) >= 1/α) <= α, so
 *
 *   CS_n = { p : M_n(p) < 1/α } = { p : ln L_n(p) > ln m_n - ln(1/α) }
 *
 * covers p at every n simultaneously with probability >= 1 - α, however often it is looked at and
 * whenever sampling stops. ln L_n is concave with its maximum at p̂ = s/n and L_n(p̂) >= m_n, so
 * CS_n is a non-empty interval around p̂; each end is found by bisection in log space.
 *
 * The prior only moves the cut-off ln m_n: any fixed prior (chosen before seeing data) is valid,
 * it decides where the sequence is tightest. See `thresholdPrior` for revgate's default.
 */
import { logBeta } from './special.js';

/** A Beta(a, b) mixing distribution, a, b > 0. */
export interface BetaPrior {
  a: number;
  b: number;
}

/** One component of a finite mixture of Beta priors; weights are normalized internally. */
export interface WeightedBetaPrior extends BetaPrior {
  weight: number;
}

/** A single Beta prior or a finite mixture of them (a mixture of martingales is a martingale). */
export type MixingPrior = BetaPrior | readonly WeightedBetaPrior[];

/** Jeffreys' Beta(1/2, 1/2): the default when nothing is known about the rate. */
export const JEFFREYS_PRIOR: BetaPrior = Object.freeze({ a: 0.5, b: 0.5 });

/**
 * Equal-weight mixture of Beta(1, (1-m)/m) (mean m) for m = 1e-4, 1e-3, 1e-2, 0.1, 0.5.
 * For rates whose scale is unknown in advance but small (failure rates of a baseline): it is
 * never more than ln 5 nats (a fraction of the ~3 nats a 95% decision needs) behind the best
 * single component, where a prior tuned to the wrong decade can cost 10x the trials.
 */
export const LOG_SCALE_PRIOR: readonly WeightedBetaPrior[] = Object.freeze(
  [1e-4, 1e-3, 1e-2, 0.1, 0.5].map((m) => Object.freeze({ a: 1, b: (1 - m) / m, weight: 1 })),
);

/** Options shared by the proportion confidence-sequence functions. */
export interface ProportionCsOptions {
  /** Number of successes (events counted by the proportion), 0 <= successes <= trials. */
  successes: number;
  /** Number of Bernoulli trials. */
  trials: number;
  /** Miscoverage over the whole (infinite) sequence, in (0, 1). */
  alpha: number;
  /** Mixing prior; defaults to `JEFFREYS_PRIOR`. Must not depend on the data. */
  prior?: MixingPrior;
}

/** A closed interval [lower, upper] within [0, 1]. */
export interface Interval {
  lower: number;
  upper: number;
}

/** Validate counts and alpha; throws RangeError because these are programming errors, not measurements. */
export function assertCounts(successes: number, trials: number, alpha?: number): void {
  if (!Number.isFinite(trials) || trials < 0) throw new RangeError(`trials must be a finite number >= 0, got ${trials}`);
  if (!Number.isFinite(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`successes must be in [0, trials=${trials}], got ${successes}`);
  }
  if (alpha !== undefined && !(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

function assertPrior(prior: MixingPrior): void {
  const parts: readonly BetaPrior[] = isMixture(prior) ? prior : [prior];
  if (parts.length === 0) throw new RangeError('prior mixture must have at least one component');
  for (const c of parts) {
    if (!(c.a > 0 && c.b > 0 && Number.isFinite(c.a) && Number.isFinite(c.b))) {
      throw new RangeError(`Beta prior parameters must be finite and > 0, got a=${c.a}, b=${c.b}`);
    }
  }
  if (isMixture(prior) && !prior.every((c) => c.weight > 0 && Number.isFinite(c.weight))) {
    throw new RangeError('prior mixture weights must be finite and > 0');
  }
}

function isMixture(prior: MixingPrior): prior is readonly WeightedBetaPrior[] {
  return Array.isArray(prior);
}

/**
 * ln m_n = ln ∫ θ^s (1-θ)^{n-s} π(dθ), the log marginal likelihood of the data under the prior.
 * Real-valued s and n are accepted (used to project "what if the observed rate held").
 */
export function logMarginalLikelihood(successes: number, trials: number, prior: MixingPrior = JEFFREYS_PRIOR): number {
  const f = trials - successes;
  if (!isMixture(prior)) return logBeta(prior.a + successes, prior.b + f) - logBeta(prior.a, prior.b);
  // log-sum-exp over components, weights normalized.
  let total = 0;
  for (const c of prior) total += c.weight;
  let max = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (const c of prior) {
    const t = Math.log(c.weight / total) + logBeta(c.a + successes, c.b + f) - logBeta(c.a, c.b);
    terms.push(t);
    if (t > max) max = t;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum);
}

/** ln L_n(p) = s ln p + (n-s) ln(1-p), with 0·ln 0 = 0 so that p = 0 or 1 is handled exactly. */
export function logLikelihood(p: number, successes: number, trials: number): number {
  const f = trials - successes;
  let v = 0;
  if (successes > 0) v += p <= 0 ? Number.NEGATIVE_INFINITY : successes * Math.log(p);
  if (f > 0) v += p >= 1 ? Number.NEGATIVE_INFINITY : f * Math.log1p(-p);
  return v;
}

/** ln M_n(p): the log of the mixture martingale (the e-value against "the rate is p"). */
export function logMixtureMartingale(p: number, successes: number, trials: number, prior: MixingPrior = JEFFREYS_PRIOR): number {
  return logMarginalLikelihood(successes, trials, prior) - logLikelihood(p, successes, trials);
}

/**
 * Whether p lies in CS_n, without solving for the ends: one evaluation of M_n(p).
 * This is what a simulation that peeks after every batch needs.
 */
export function csContains(p: number, options: ProportionCsOptions): boolean {
  const { successes, trials, alpha, prior = JEFFREYS_PRIOR } = options;
  return logMixtureMartingale(p, successes, trials, prior) < Math.log(1 / alpha);
}

/**
 * Smallest p in [0, p̂] with ln L(p) >= level, for the concave ln L maximized at p̂ = s/n.
 * Geometric bisection so that tiny lower bounds (1e-9) keep full relative precision.
 */
function lowerEnd(successes: number, trials: number, level: number): number {
  if (successes <= 0) return 0;
  const f = trials - successes;
  if (f <= 0) return Math.exp(level / trials); // L(p) = p^n
  const hat = successes / trials;
  let hi = hat;
  let lo = hat / 2;
  while (logLikelihood(lo, successes, trials) > level) {
    hi = lo;
    lo /= 2;
    if (lo < 1e-300) return 0;
  }
  for (let i = 0; i < 200 && hi / lo - 1 > 1e-13; i++) {
    const mid = Math.sqrt(lo * hi);
    if (logLikelihood(mid, successes, trials) > level) hi = mid;
    else lo = mid;
  }
  return lo; // the outer end: never report a shorter interval than the exact one
}

/**
 * The confidence sequence at time n: [lower, upper] = { p : M_n(p) < 1/α } (closure).
 * Valid simultaneously over all n: P(∃n: p ∉ CS_n) <= α.
 */
export function bernoulliConfidenceSequence(options: ProportionCsOptions): Interval {
  const { successes: s, trials: n, alpha, prior = JEFFREYS_PRIOR } = options;
  assertCounts(s, n, alpha);
  assertPrior(prior);
  if (n === 0) return { lower: 0, upper: 1 };
  const level = logMarginalLikelihood(s, n, prior) - Math.log(1 / alpha);
  // ln L(p; s, n) = ln L(1-p; n-s, n): the upper end is the mirrored lower end.
  return { lower: lowerEnd(s, n, level), upper: 1 - lowerEnd(n - s, n, level) };
}

/**
 * A Beta prior tuned to a decision threshold t in (0, 1): mean t and prior sample size
 * a + b = 1 / min(t, 1-t) (so the smaller of a, b is 1 for t <= 1/2).
 *
 * Why: the CS decides "rate vs t" fastest when the prior puts its mass on the rates that
 * separate from t in a few hundred or thousand trials: within a factor of a few of t. Jeffreys'
 * Beta(1/2,1/2) spreads its mass over [0, 1] and pays ~0.5·ln(n) nats more at small t (about
 * 2.7x the trials to show availability >= 99.9%); a prior centred on t pays ~ln(1 + n·t).
 * Chosen from the threshold alone, before any data, so coverage is untouched (Howard et al. 2021
 * likewise tune a mixture's scale to where the boundary should be tightest).
 * Measured (α = 0.05, t = 1%): deciding a true 0.1% needs ~635 trials vs ~1000 with Jeffreys, a
 * true 2% ~1280 vs ~1780; at t = 0.1% with no failures, 4,742 vs 8,062.
 */
export function thresholdPrior(threshold: number): BetaPrior {
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be in (0, 1), got ${threshold}`);
  if (threshold <= 0.5) return { a: 1, b: (1 - threshold) / threshold };
  return { a: threshold / (1 - threshold), b: 1 };
}
