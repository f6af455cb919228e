import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bernoulliConfidenceSequence,
  clopperPearson,
  createRng,
  csContains,
  JEFFREYS_PRIOR,
  LOG_SCALE_PRIOR,
  logBeta,
  logMarginalLikelihood,
  logMixtureMartingale,
  thresholdPrior,
  type MixingPrior,
} from '../../src/stats/index.js';

const ALPHA = 0.05;
const LN20 = Math.log(20);

describe('mixture martingale M_n(p) = B(a+s, b+n-s) / B(a,b) / (p^s (1-p)^(n-s))', () => {
  it('matches the closed form for a Beta prior', () => {
    const [s, n, a, b, p] = [7, 120, 1, 99, 0.03];
    const expected = logBeta(a + s, b + n - s) - logBeta(a, b) - s * Math.log(p) - (n - s) * Math.log(1 - p);
    assert.ok(Math.abs(logMixtureMartingale(p, s, n, { a, b }) - expected) < 1e-12);
  });
  it('is 1 before any data, for every prior', () => {
    for (const prior of [JEFFREYS_PRIOR, thresholdPrior(0.01), LOG_SCALE_PRIOR] as MixingPrior[]) {
      assert.ok(Math.abs(logMixtureMartingale(0.2, 0, 0, prior)) < 1e-15);
    }
  });
  it('has expectation 1 under p after one step (the martingale property)', () => {
    for (const prior of [JEFFREYS_PRIOR, thresholdPrior(0.05), LOG_SCALE_PRIOR] as MixingPrior[]) {
      for (const p of [0.001, 0.05, 0.7]) {
        const e = p * Math.exp(logMixtureMartingale(p, 1, 1, prior)) + (1 - p) * Math.exp(logMixtureMartingale(p, 0, 1, prior));
        assert.ok(Math.abs(e - 1) < 1e-12, `E[M_1] = ${e}`);
      }
    }
  });
  it('a mixture prior is the weighted average of its components', () => {
    const mix = [
      { a: 1, b: 9, weight: 3 },
      { a: 2, b: 2, weight: 1 },
    ];
    const direct = 0.75 * Math.exp(logMarginalLikelihood(4, 30, { a: 1, b: 9 })) + 0.25 * Math.exp(logMarginalLikelihood(4, 30, { a: 2, b: 2 }));
    assert.ok(Math.abs(Math.exp(logMarginalLikelihood(4, 30, mix)) / direct - 1) < 1e-12);
  });
});

describe('bernoulliConfidenceSequence', () => {
  const cases: Array<[number, number, MixingPrior]> = [
    [0, 100, JEFFREYS_PRIOR],
    [100, 100, JEFFREYS_PRIOR],
    [1, 1000, thresholdPrior(0.001)],
    [30, 100, JEFFREYS_PRIOR],
    [3, 20_000, LOG_SCALE_PRIOR],
    [19_990, 20_000, thresholdPrior(0.999)],
    [1, 1, JEFFREYS_PRIOR],
  ];
  for (const [s, n, prior] of cases) {
    it(`${s}/${n}: the ends are where M_n crosses 1/α, and the MLE is inside`, () => {
      const { lower, upper } = bernoulliConfidenceSequence({ successes: s, trials: n, alpha: ALPHA, prior });
      const hat = s / n;
      assert.ok(lower <= hat && hat <= upper, `[${lower}, ${upper}] vs ${hat}`);
      const inside = (p: number) => csContains(p, { successes: s, trials: n, alpha: ALPHA, prior });
      if (lower > 0) {
        assert.ok(!inside(lower * (1 - 1e-9)), 'just below lower is excluded');
        assert.ok(inside(lower * (1 + 1e-9)), 'just above lower is included');
        assert.ok(Math.abs(logMixtureMartingale(lower, s, n, prior) - LN20) < 1e-6);
      } else assert.equal(s, 0);
      if (upper < 1) {
        assert.ok(inside(upper - 1e-9 * (1 - upper)), 'just below upper is included');
        assert.ok(!inside(upper + 1e-9 * (1 - upper)), 'just above upper is excluded');
      } else assert.equal(s, n);
    });
  }

  it('s = 0 has the closed form upper = 1 - exp(-(ln(1/α) + ln(B(a,b)/B(a,b+n))) / n)', () => {
    const n = 3000;
    const prior = { a: 1, b: 999 };
    const expected = -Math.expm1(-(LN20 + logBeta(1, 999) - logBeta(1, 999 + n)) / n);
    const { lower, upper } = bernoulliConfidenceSequence({ successes: 0, trials: n, alpha: ALPHA, prior });
    assert.equal(lower, 0);
    assert.ok(Math.abs(upper / expected - 1) < 1e-12);
  });

  it('is wider than the fixed-sample Clopper-Pearson interval (the price of peeking) but of the same order', () => {
    for (const [s, n] of [
      [30, 100],
      [10, 1000],
      [300, 1000],
    ]) {
      const cs = bernoulliConfidenceSequence({ successes: s as number, trials: n as number, alpha: ALPHA });
      const cp = clopperPearson({ successes: s as number, trials: n as number, alpha: ALPHA });
      assert.ok(cs.lower < cp.lower && cs.upper > cp.upper);
      assert.ok(cs.upper - cs.lower < 2.5 * (cp.upper - cp.lower));
    }
  });

  it('narrows as data accrue and widens as alpha shrinks', () => {
    const w = (s: number, n: number, alpha: number) => {
      const r = bernoulliConfidenceSequence({ successes: s, trials: n, alpha });
      return r.upper - r.lower;
    };
    assert.ok(w(100, 1000, 0.05) < w(10, 100, 0.05));
    assert.ok(w(1000, 10_000, 0.05) < w(100, 1000, 0.05));
    assert.ok(w(100, 1000, 0.01) > w(100, 1000, 0.05));
  });

  it('gives the whole unit interval before any data', () => {
    assert.deepEqual(bernoulliConfidenceSequence({ successes: 0, trials: 0, alpha: ALPHA }), { lower: 0, upper: 1 });
  });

  it('rejects invalid input', () => {
    assert.throws(() => bernoulliConfidenceSequence({ successes: 5, trials: 4, alpha: ALPHA }), RangeError);
    assert.throws(() => bernoulliConfidenceSequence({ successes: -1, trials: 4, alpha: ALPHA }), RangeError);
    assert.throws(() => bernoulliConfidenceSequence({ successes: 1, trials: 4, alpha: 0 }), RangeError);
    assert.throws(() => bernoulliConfidenceSequence({ successes: 1, trials: 4, alpha: 1 }), RangeError);
    assert.throws(() => bernoulliConfidenceSequence({ successes: 1, trials: 4, alpha: ALPHA, prior: { a: 0, b: 1 } }), RangeError);
    assert.throws(() => bernoulliConfidenceSequence({ successes: 1, trials: 4, alpha: ALPHA, prior: [] }), RangeError);
    assert.throws(() => thresholdPrior(0), RangeError);
  });

  it('stays accurate for tiny rates over long runs', () => {
    const { lower, upper } = bernoulliConfidenceSequence({ successes: 2, trials: 10_000_000, alpha: ALPHA, prior: LOG_SCALE_PRIOR });
    assert.ok(lower > 1e-10 && lower < 2e-7 && upper > 2e-7 && upper < 5e-6, `[${lower}, ${upper}]`);
  });
});

describe('thresholdPrior', () => {
  it('has mean t and a + b = 1/min(t, 1-t), mirrored above 1/2', () => {
    assert.deepEqual(thresholdPrior(0.01), { a: 1, b: 99 });
    const hi = thresholdPrior(0.999);
    assert.ok(Math.abs(hi.a - 999) < 1e-9 && hi.b === 1);
    const mid = thresholdPrior(0.5);
    assert.deepEqual(mid, { a: 1, b: 1 });
  });

  it('the same data give mirrored intervals for mirrored questions (errors vs availability)', () => {
    const err = bernoulliConfidenceSequence({ successes: 3, trials: 5000, alpha: ALPHA, prior: thresholdPrior(0.001) });
    const ok = bernoulliConfidenceSequence({ successes: 4997, trials: 5000, alpha: ALPHA, prior: thresholdPrior(0.999) });
    assert.ok(Math.abs(ok.lower - (1 - err.upper)) < 1e-12);
    assert.ok(Math.abs(ok.upper - (1 - err.lower)) < 1e-12);
  });

  it('beats Jeffreys where it is meant to: deciding near the threshold', () => {
    // 0 errors in 5000: tuned prior excludes 0.001, Jeffreys does not.
    const tuned = bernoulliConfidenceSequence({ successes: 0, trials: 5000, alpha: ALPHA, prior: thresholdPrior(0.001) });
    const jeffreys = bernoulliConfidenceSequence({ successes: 0, trials: 5000, alpha: ALPHA, prior: JEFFREYS_PRIOR });
    assert.ok(tuned.upper < 0.001 && jeffreys.upper > 0.001, `${tuned.upper} vs ${jeffreys.upper}`);
  });
});

describe('random spot checks of the interval solver', () => {
  it('agrees with csContains at 200 random (s, n, prior)', () => {
    const rng = createRng(99);
    const priors: MixingPrior[] = [JEFFREYS_PRIOR, LOG_SCALE_PRIOR, thresholdPrior(0.02), { a: 3, b: 0.7 }];
    for (let i = 0; i < 200; i++) {
      const n = 1 + rng.int(20_000);
      const s = rng.binomial(n, [0.001, 0.02, 0.5, 0.97][i % 4] as number);
      const prior = priors[i % priors.length] as MixingPrior;
      const opts = { successes: s, trials: n, alpha: ALPHA, prior };
      const { lower, upper } = bernoulliConfidenceSequence(opts);
      for (let j = 0; j < 5; j++) {
        const p = rng.uniform();
        const inInterval = p > lower && p < upper;
        // Away from the ends (relative 1e-9) membership must agree exactly.
        const nearEnd = Math.abs(p - lower) < 1e-9 * Math.max(lower, 1e-300) || Math.abs(p - upper) < 1e-9;
        if (!nearEnd) assert.equal(csContains(p, opts), inInterval, `p=${p}, ${s}/${n}, [${lower}, ${upper}]`);
      }
    }
  });
});
