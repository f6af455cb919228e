/**
 * Fixed-sample (look-once) reference procedures. They are exact at a single pre-planned n and
 * are here to be compared against, not to gate with: checked after every batch they lose their
 * guarantee (see test/unit/stats-coverage.test.ts, which shows it).
 */
import { assertCounts } from './confidence-sequence.js';
import { inverseRegularizedBeta } from './special.js';

export interface FixedIntervalOptions {
  successes: number;
  trials: number;
  alpha: number;
  /** 'two-sided' spends α/2 per side; 'upper' / 'lower' spend all of α on one bound. */
  sides?: 'two-sided' | 'upper' | 'lower';
}

/**
 * Clopper-Pearson exact interval (Clopper & Pearson 1934):
 * lower = Beta⁻¹(α_l; s, n-s+1), upper = Beta⁻¹(1-α_u; s+1, n-s), with closed forms at s = 0
 * (upper = 1 - α_u^(1/n), the "rule of three" ≈ 3/n for α_u = 0.05) and s = n.
 */
export function clopperPearson(options: FixedIntervalOptions): { lower: number; upper: number } {
  const { successes: s, trials: n, alpha, sides = 'two-sided' } = options;
  assertCounts(s, n, alpha);
  if (!Number.isInteger(s) || !Number.isInteger(n)) throw new RangeError('Clopper-Pearson needs integer counts');
  if (n === 0) return { lower: 0, upper: 1 };
  const aLow = sides === 'two-sided' ? alpha / 2 : sides === 'lower' ? alpha : 0;
  const aUp = sides === 'two-sided' ? alpha / 2 : sides === 'upper' ? alpha : 0;
  let lower = 0;
  if (s > 0 && aLow > 0) lower = s === n ? Math.pow(aLow, 1 / n) : inverseRegularizedBeta(aLow, s, n - s + 1);
  let upper = 1;
  if (s < n && aUp > 0) upper = s === 0 ? -Math.expm1(Math.log(aUp) / n) : inverseRegularizedBeta(1 - aUp, s + 1, n - s);
  return { lower, upper };
}
