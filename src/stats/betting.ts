/**
 * Anytime-valid one-sided tests of a mean by betting, for observations bounded in a known range
 * (Waudby-Smith & Ramdas 2023, "Estimating means of bounded random variables by betting", JRSS-B).
 *
 * The gate's observations are per-window aggregates (the fraction of a time window's requests that
 * failed, or the difference of two such fractions), so a burst of failures inside a window is one
 * bounded observation rather than hundreds of "independent" ones. For observations x_1, x_2, ... in
 * [lo, hi] with conditional mean μ given the past, and a bet λ in [0, 1):
 *
 *   below (H0: μ >= m, evidence that μ < m):  K_n = Π (1 + λ (m - x_i) / (hi - m))
 *   above (H0: μ <= m, evidence that μ > m):  K_n = Π (1 + λ (min(x_i, lo + 20(m - lo)) - m) / (m - lo))
 *
 * Each factor is >= 1 - λ > 0 and has conditional mean <= 1 under H0, so K_n is a nonnegative
 * supermartingale and Ville's inequality gives P(∃n: K_n >= 1/α) <= α: the test can be read after
 * every window and stopped at any time. A fixed, weighted mixture of bets is again such a process.
 *
 * Why fixed bets rather than predictable plug-in bets: with λ fixed before the data the product
 * does not depend on the order of the windows (a window whose slow requests resolve late can be
 * folded in whenever it is final), it only needs the count of windows per observed value, and it
 * is monotone in m (below: increasing, above: decreasing), so "all m rejected beyond a point" is
 * one event and the confidence bound is found by bisection. The price is ln(1/weight) nats for
 * the bet that fits the data; the weights put half the mass on the bet that wins on clean windows.
 *
 * What the range costs: a window may be a complete failure, so clean windows can only show μ < m
 * at a rate of ln(1/(1-m)) ≈ m nats per window: about ln(1/α)/m windows, whatever the number of
 * requests per window. This is not slack in the method: a process with a fraction m of windows
 * failing outright produces clean data with probability (1-m)^n.
 */

/** A fixed mixture of bets, weights summing to 1. */
export interface BetMixture {
  readonly lambdas: readonly number[];
  readonly logWeights: readonly number[];
}

/** The direction of the evidence: "below" shows μ < m, "above" shows μ > m. */
export type EvidenceSide = 'below' | 'above';

/** The range [lo, hi] every observation lies in (window fractions: [0, 1]). */
export interface ObservationRange {
  lo: number;
  hi: number;
}

export const UNIT_RANGE: ObservationRange = Object.freeze({ lo: 0, hi: 1 });

function mixture(lambdas: number[], weights: number[]): BetMixture {
  const total = weights.reduce((a, b) => a + b, 0);
  return Object.freeze({ lambdas: Object.freeze(lambdas), logWeights: Object.freeze(weights.map((w) => Math.log(w / total))) });
}

/**
 * Bets for "below" evidence (passing a gate such as "error rate < 1%"). On clean windows the largest
 * bet grows fastest (λ m per window), so it carries half the weight (costing ln 2 nats); the smaller
 * ones take over when windows with failures show up, which is when a large bet loses most.
 */
export const BELOW_BETS: BetMixture = mixture([0.95, 0.8, 0.6, 0.4, 0.2], [0.5, 0.2, 0.1, 0.1, 0.1]);

/**
 * Bets for "above" evidence (failing a gate, firing a trigger). The best bet is about
 * (μ - m)·m / E(x - m)² and spans three decades between a sustained 5x breach and a sparse 2x breach
 * of a 0.1% limit, so the grid is geometric with equal weights (ln 10 nats).
 */
export const ABOVE_BETS: BetMixture = mixture(
  [0.9, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.001953125],
  [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
);

export function betsFor(side: EvidenceSide): BetMixture {
  return side === 'below' ? BELOW_BETS : ABOVE_BETS;
}

/**
 * "Above" evidence reads each window at no more than CLIP_ABOVE times the null value (for fractions:
 * min(x, 20m)). Under H0 (μ <= m) the clipped mean is still <= m, so the test stays valid; what it
 * buys is that one window full of failures counts as a 20x breach rather than a 1/m-fold one (a
 * hundredfold at m = 1%), so a burst that spills over a few windows cannot roll back a canary whose
 * rate is within its limit, while a sustained breach (every window at 2x or 5x the limit) is
 * detected as fast as before, and bursts that keep coming (a fifth of the windows) still are.
 */
export const CLIP_ABOVE = 20;

/** ln of one bet's factor for observation x against the null value m. */
export function logFactor(side: EvidenceSide, m: number, x: number, lambda: number, range: ObservationRange = UNIT_RANGE): number {
  if (side === 'below') return Math.log1p((lambda * (m - x)) / (range.hi - m));
  const ratio = Math.min((x - range.lo) / (m - range.lo), CLIP_ABOVE);
  return Math.log1p(lambda * (ratio - 1));
}

/** ln Σ_k w_k exp(logWealth_k): the log e-value of the mixture. */
export function logMixture(logWealths: ArrayLike<number>, bets: BetMixture): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < bets.lambdas.length; k++) {
    const v = (bets.logWeights[k] as number) + (logWealths[k] as number);
    if (v > max) max = v;
  }
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let k = 0; k < bets.lambdas.length; k++) sum += Math.exp((bets.logWeights[k] as number) + (logWealths[k] as number) - max);
  return max + Math.log(sum);
}

/**
 * How many windows were observed at each value. The order of the windows does not matter to a
 * fixed-bet product, so this is all the state a confidence bound needs. Exact values are kept:
 * window fractions e/n take few distinct values.
 */
export class ValueCounts {
  readonly #index = new Map<number, number>();
  // Parallel arrays, so that the hot loops iterate without allocating.
  #values: number[] = [];
  #counts: number[] = [];
  #total = 0;

  add(x: number, count = 1): void {
    if (!Number.isFinite(x)) throw new RangeError(`observation must be finite, got ${x}`);
    const i = this.#index.get(x);
    if (i === undefined) {
      this.#index.set(x, this.#values.length);
      this.#values.push(x);
      this.#counts.push(count);
    } else this.#counts[i] = (this.#counts[i] as number) + count;
    this.#total += count;
  }

  /** Number of windows. */
  get total(): number {
    return this.#total;
  }

  /** Number of distinct values. */
  get size(): number {
    return this.#values.length;
  }

  /** The distinct values and how many windows had each (read-only views). */
  get values(): readonly number[] {
    return this.#values;
  }
  get counts(): readonly number[] {
    return this.#counts;
  }

  entries(): Array<[number, number]> {
    return this.#values.map((x, i) => [x, this.#counts[i] as number]);
  }

  /** Mean of the observations, or null without any. */
  mean(): number | null {
    if (this.#total === 0) return null;
    let s = 0;
    for (let i = 0; i < this.#values.length; i++) s += (this.#values[i] as number) * (this.#counts[i] as number);
    return s / this.#total;
  }
}

/** Observations beyond the counted ones (windows not final yet, read at their conservative value). */
export type ExtraObservations = readonly number[];

/** ln K_n per bet for the windows in `counts` plus `extra`, against null value m. */
export function logWealths(
  side: EvidenceSide,
  m: number,
  counts: ValueCounts,
  extra: ExtraObservations = [],
  range: ObservationRange = UNIT_RANGE,
): Float64Array {
  assertNull(m, range);
  const bets = betsFor(side);
  const out = new Float64Array(bets.lambdas.length);
  for (let k = 0; k < bets.lambdas.length; k++) {
    const lambda = bets.lambdas[k] as number;
    const { values, counts: n } = counts;
    let s = 0;
    for (let i = 0; i < values.length; i++) s += (n[i] as number) * logFactor(side, m, values[i] as number, lambda, range);
    for (const x of extra) s += logFactor(side, m, x, lambda, range);
    out[k] = s;
  }
  return out;
}

/** ln of the mixture e-value against "μ >= m" (below) or "μ <= m" (above). */
export function logEvidence(side: EvidenceSide, m: number, counts: ValueCounts, extra: ExtraObservations = [], range: ObservationRange = UNIT_RANGE): number {
  return logMixture(logWealths(side, m, counts, extra, range), betsFor(side));
}

/**
 * The confidence bound at level 1 - α, exp(logThreshold) = 1/α:
 *   below: the upper bound U = inf { m : evidence(below, m) >= 1/α }, so P(μ >= U ever) <= α;
 *   above: the lower bound L = sup { m : evidence(above, m) >= 1/α }, so P(μ <= L ever) <= α.
 * Without enough evidence anywhere the bound is the end of the range (hi, resp. lo). The evidence is
 * monotone in m, so bisection finds the end to 2^-60 of the range; the outer end is returned.
 */
export function confidenceBound(
  side: EvidenceSide,
  logThreshold: number,
  counts: ValueCounts,
  extra: ExtraObservations = [],
  range: ObservationRange = UNIT_RANGE,
): number {
  const { lo, hi } = range;
  if (counts.total + extra.length === 0) return side === 'below' ? hi : lo;
  const rejected = (m: number): boolean => logEvidence(side, m, counts, extra, range) >= logThreshold;
  // below: rejected is false near lo and (perhaps) true near hi; above: the mirror image.
  let inside = side === 'below' ? lo : hi;
  let outside = side === 'below' ? hi : lo;
  for (let i = 0; i < 62; i++) {
    const mid = 0.5 * (inside + outside);
    if (mid <= lo || mid >= hi) break;
    if (rejected(mid)) outside = mid;
    else inside = mid;
  }
  return outside;
}

/**
 * A rough count of further windows that would reach 1/α if every further window were like the
 * average one so far: per bet, the windows at its average log growth, the fewest over the bets.
 * undefined when no bet is growing (the observed mean sits on the wrong side of m, or exactly on it).
 */
export function windowsToDecide(logWealth: ArrayLike<number>, bets: BetMixture, windows: number, logThreshold: number): number | undefined {
  if (windows <= 0) return undefined;
  let best: number | undefined;
  for (let k = 0; k < bets.lambdas.length; k++) {
    const w = logWealth[k] as number;
    const growth = w / windows;
    if (!(growth > 0)) continue;
    const need = Math.max(0, (logThreshold - (bets.logWeights[k] as number) - w) / growth);
    if (best === undefined || need < best) best = need;
  }
  return best === undefined ? undefined : Math.ceil(best);
}

function assertNull(m: number, range: ObservationRange): void {
  if (!(m > range.lo && m < range.hi)) throw new RangeError(`null value must be strictly inside (${range.lo}, ${range.hi}), got ${m}`);
}
