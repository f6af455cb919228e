/**
 * A time-uniform confidence sequence for a latency quantile from per-window observations, on a
 * fixed grid of latencies.
 *
 * For the true quantile ξ_q and any latency y: ξ_q <= y ⟺ P(T > y) <= 1 - q. So at every grid point
 * y the window's fraction of requests slower than y (strictly) is a bounded observation, and the
 * betting tests of `betting.ts` against m = 1 - q say on which side of y the quantile lies:
 *   below-evidence at y ("P(T > y) < m" shown)  ⇒ ξ_q <= y   (upper bound: the smallest such y)
 *   above-evidence at y ("P(T > y) > m" shown)  ⇒ ξ_q > y    (lower bound: the largest such y)
 * The fraction slower than y falls as y grows, so with fixed bets the evidence is monotone along
 * the grid and "some y at or below ξ_q was wrongly rejected" is the single event "the grid point
 * just below ξ_q was wrongly rejected": one test's α, not one per grid point. The bounds are grid
 * points, always rounded outwards, so an exact tie (every request at exactly 120 ms) can never be
 * read as "slower than 120 ms": comparisons are strict and exact, never on rounded values.
 *
 * Windows whose requests are still outstanding are passed to each query as extra windows, read at
 * their conservative value for the side being tested (see `ExtraWindow`).
 */
import { betsFor, logFactor, logMixture, type BetMixture, type EvidenceSide } from './betting.js';

/** 0.1 ms to one hour in steps of 1%: 1,752 points. */
export const GRID_MIN_MS = 0.1;
export const GRID_MAX_MS = 3_600_000;
export const GRID_STEP = 1.01;

/** The geometric grid, plus `exactMs` (gate thresholds, so those are decided exactly), sorted and unique. */
export function latencyGrid(exactMs: readonly number[] = []): Float64Array {
  const points: number[] = [];
  for (let y = GRID_MIN_MS; y <= GRID_MAX_MS; y *= GRID_STEP) points.push(y);
  for (const x of exactMs) {
    if (!(x > 0 && Number.isFinite(x))) throw new RangeError(`grid points must be positive and finite, got ${x}`);
    points.push(x);
  }
  return Float64Array.from([...new Set(points)].sort((a, b) => a - b));
}

/** Index of the first grid point >= value (points.length when all are below): requests in bucket b are slower than points 0..b-1. */
export function bucketOf(points: Float64Array, value: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A window that is not final: its size, and how many of its requests count as slower than point i for a side. */
export interface ExtraWindow {
  n: number;
  slower(side: EvidenceSide, i: number): number;
}

interface SideState {
  bets: BetMixture;
  k: number;
  /** Per point and bet: the log-wealth from windows with a fraction strictly between 0 and 1 there. */
  explicit: Float64Array;
  /** Per point: windows with no request slower there (fraction 0), and with all of them (fraction 1). */
  zeroStart: Int32Array;
  fullEnd: Int32Array;
  zeroCount: Int32Array;
  fullCount: Int32Array;
  zeroLog: Float64Array;
  fullLog: Float64Array;
  /** Scratch for one point's per-bet log-wealth. */
  scratch: Float64Array;
}

export class QuantileGrid {
  readonly points: Float64Array;
  /** 1 - q: the fraction of requests allowed above the quantile. */
  readonly m: number;
  readonly quantile: number;
  #windows = 0;
  #dirty = false;
  readonly #sides: Record<EvidenceSide, SideState>;

  constructor(points: Float64Array, quantile: number) {
    if (!(quantile > 0 && quantile < 1)) throw new RangeError(`quantile must be in (0, 1), got ${quantile}`);
    this.points = points;
    this.quantile = quantile;
    this.m = 1 - quantile;
    const side = (s: EvidenceSide): SideState => {
      const bets = betsFor(s);
      const k = bets.lambdas.length;
      return {
        bets,
        k,
        explicit: new Float64Array(points.length * k),
        zeroStart: new Int32Array(points.length + 1),
        fullEnd: new Int32Array(points.length + 1),
        zeroCount: new Int32Array(points.length),
        fullCount: new Int32Array(points.length),
        zeroLog: Float64Array.from(bets.lambdas, (l) => logFactor(s, this.m, 0, l)),
        fullLog: Float64Array.from(bets.lambdas, (l) => logFactor(s, this.m, 1, l)),
        scratch: new Float64Array(k),
      };
    };
    this.#sides = { below: side('below'), above: side('above') };
  }

  /** Final windows folded in so far. */
  get windows(): number {
    return this.#windows;
  }

  /**
   * Folds in a final window of n requests: `slowerAt[i]` of them slower than point i (non-increasing
   * in i), and `unknown` of them with no latency (dropped): slower for the below side, not for the above side.
   */
  addWindow(n: number, slowerAt: ArrayLike<number>, unknown = 0): void {
    if (n <= 0) return;
    this.#windows++;
    this.#dirty = true;
    this.#fold(this.#sides.below, 'below', n, slowerAt, unknown);
    this.#fold(this.#sides.above, 'above', n, slowerAt, 0);
  }

  #fold(st: SideState, side: EvidenceSide, n: number, slowerAt: ArrayLike<number>, extra: number): void {
    const g = this.points.length;
    const count = (i: number): number => Math.min(n, (slowerAt[i] as number) + extra);
    // Non-increasing in i: points before `full` see every request slower, points from `zero` on see none.
    let full = 0;
    while (full < g && count(full) >= n) full++;
    let zero = g;
    while (zero > full && count(zero - 1) <= 0) zero--;
    st.fullEnd[full] = (st.fullEnd[full] as number) + 1;
    st.zeroStart[zero] = (st.zeroStart[zero] as number) + 1;
    const { k, bets } = st;
    let prev = -1;
    for (let i = full; i < zero; i++) {
      const c = count(i);
      // Neighbouring points mostly see the same count: reuse the factors until it changes.
      if (c !== prev) {
        prev = c;
        for (let j = 0; j < k; j++) st.scratch[j] = logFactor(side, this.m, c / n, bets.lambdas[j] as number);
      }
      for (let j = 0; j < k; j++) st.explicit[i * k + j] = (st.explicit[i * k + j] as number) + (st.scratch[j] as number);
    }
  }

  #materialize(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    for (const st of [this.#sides.below, this.#sides.above]) {
      // zeroCount[i]: windows whose "none slower" region starts at or before i; fullCount[i]: windows
      // whose "all slower" region [0, e) still covers i (e > i).
      let zeros = 0;
      let ended = 0;
      for (let i = 0; i < this.points.length; i++) {
        zeros += st.zeroStart[i] as number;
        ended += st.fullEnd[i] as number;
        st.zeroCount[i] = zeros;
        st.fullCount[i] = this.#windows - ended;
      }
    }
  }

  /** ln of the mixture e-value at point i for a side, with windows that are not final yet. */
  logEvidenceAt(side: EvidenceSide, i: number, extra: readonly ExtraWindow[] = []): number {
    this.#materialize();
    const st = this.#sides[side];
    const w = st.scratch;
    const zeros = st.zeroCount[i] as number;
    const fulls = st.fullCount[i] as number;
    for (let j = 0; j < st.k; j++) {
      w[j] = (st.explicit[i * st.k + j] as number) + zeros * (st.zeroLog[j] as number) + fulls * (st.fullLog[j] as number);
    }
    for (const e of extra) {
      if (e.n <= 0) continue;
      const x = Math.min(1, Math.max(0, e.slower(side, i) / e.n));
      for (let j = 0; j < st.k; j++) w[j] = (w[j] as number) + logFactor(side, this.m, x, st.bets.lambdas[j] as number);
    }
    return logMixture(w, st.bets);
  }

  /** The smallest grid point y with "ξ_q <= y" shown at the threshold (upper bound), or null (unbounded). */
  upperBound(logThreshold: number, extra: readonly ExtraWindow[] = []): { value: number; index: number } | null {
    // below-evidence grows along the grid: binary search for its first crossing.
    const g = this.points.length;
    if (this.logEvidenceAt('below', g - 1, extra) < logThreshold) return null;
    let lo = -1;
    let hi = g - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.logEvidenceAt('below', mid, extra) >= logThreshold) hi = mid;
      else lo = mid;
    }
    return { value: this.points[hi] as number, index: hi };
  }

  /** The largest grid point y with "ξ_q > y" shown at the threshold (lower bound), or null (none yet). */
  lowerBound(logThreshold: number, extra: readonly ExtraWindow[] = []): { value: number; index: number } | null {
    const g = this.points.length;
    if (this.logEvidenceAt('above', 0, extra) < logThreshold) return null;
    let lo = 0;
    let hi = g;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.logEvidenceAt('above', mid, extra) >= logThreshold) lo = mid;
      else hi = mid;
    }
    return { value: this.points[lo] as number, index: lo };
  }

  /** Per-bet log-wealth at point i (for estimating how many more windows would decide). */
  logWealthAt(side: EvidenceSide, i: number): Float64Array {
    this.#materialize();
    const st = this.#sides[side];
    const w = new Float64Array(st.k);
    for (let j = 0; j < st.k; j++) {
      w[j] =
        (st.explicit[i * st.k + j] as number) +
        (st.zeroCount[i] as number) * (st.zeroLog[j] as number) +
        (st.fullCount[i] as number) * (st.fullLog[j] as number);
    }
    return w;
  }
}
