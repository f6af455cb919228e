import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ABOVE_BETS,
  BELOW_BETS,
  CLIP_ABOVE,
  ValueCounts,
  confidenceBound,
  logEvidence,
  logFactor,
  logMixture,
  logWealths,
  windowsToDecide,
} from '../../src/stats/betting.js';
import { createRng } from '../../src/stats/index.js';

const counts = (pairs: Array<[number, number]>): ValueCounts => {
  const c = new ValueCounts();
  for (const [x, n] of pairs) c.add(x, n);
  return c;
};

describe('betting factors', () => {
  // [side, m, x, λ, expected factor]
  const rows: Array<['below' | 'above', number, number, number, number]> = [
    ['below', 0.01, 0, 0.95, 1 + (0.95 * 0.01) / 0.99], // a clean window: the largest gain a window can give
    ['below', 0.01, 1, 0.95, 0.05], // a window that failed outright: 1 - λ, never 0
    ['below', 0.01, 0.01, 0.5, 1], // at the null value: no change
    ['above', 0.01, 0, 0.5, 0.5], // a clean window against "more than 1%": 1 - λ
    ['above', 0.01, 0.02, 0.5, 1.5], // 2x the limit
    ['above', 0.01, 1, 0.5, 1 + 0.5 * (CLIP_ABOVE - 1)], // an outright failure counts as CLIP_ABOVE x the limit
    ['above', 0.5, 1, 0.5, 1.5], // clipping never goes above the range
  ];
  for (const [side, m, x, lambda, expected] of rows) {
    it(`${side} m=${m} x=${x} λ=${lambda} -> ${expected.toFixed(6)}`, () => {
      assert.ok(Math.abs(Math.exp(logFactor(side, m, x, lambda)) - expected) < 1e-12);
    });
  }

  it('a factor is never below 1 - λ, whatever the observation in the range', () => {
    for (const side of ['below', 'above'] as const)
      for (const m of [0.001, 0.05, 0.5, 0.95])
        for (const x of [0, 0.001, 0.3, 1])
          for (const lambda of side === 'below' ? BELOW_BETS.lambdas : ABOVE_BETS.lambdas)
            assert.ok(Math.exp(logFactor(side, m, x, lambda)) >= 1 - lambda - 1e-12, `${side} ${m} ${x} ${lambda}`);
  });

  it('the mixtures are proper: weights sum to 1', () => {
    for (const b of [BELOW_BETS, ABOVE_BETS]) assert.ok(Math.abs(logMixture(new Float64Array(b.lambdas.length), b)) < 1e-12);
  });
});

describe('evidence and bounds on window fractions', () => {
  it('does not depend on the order of the windows (windows fold in whenever they become final)', () => {
    const a = counts([
      [0, 10],
      [0.02, 3],
      [1, 1],
    ]);
    const b = counts([
      [1, 1],
      [0.02, 2],
      [0, 10],
      [0.02, 1],
    ]);
    assert.ok(Math.abs(logEvidence('below', 0.05, a) - logEvidence('below', 0.05, b)) < 1e-12);
  });

  it('is monotone in the null value: below grows with m, above shrinks', () => {
    const c = counts([
      [0, 40],
      [0.01, 20],
      [0.2, 2],
    ]);
    let prevBelow = Number.NEGATIVE_INFINITY;
    let prevAbove = Number.POSITIVE_INFINITY;
    for (let m = 0.001; m < 0.9; m *= 1.3) {
      const below = logEvidence('below', m, c);
      const above = logEvidence('above', m, c);
      assert.ok(below >= prevBelow - 1e-12 && above <= prevAbove + 1e-12, `m=${m}`);
      prevBelow = below;
      prevAbove = above;
    }
  });

  it('clean windows: about ln(1/α)/m of them show the mean is below m, however many requests each had', () => {
    const alpha = 0.05;
    const thr = Math.log(1 / alpha);
    // About (ln 20 + ln 2, the weight of the winning bet) / (0.95 m) windows: 357 for m = 1%, 715 for 0.5%, 3,579 for 0.1%.
    for (const [m, n] of [
      [0.01, 357],
      [0.005, 715],
      [0.001, 3579],
    ] as const) {
      assert.ok(logEvidence('below', m, counts([[0, n - 1]])) < thr, `${m}: ${n - 1}`);
      assert.ok(logEvidence('below', m, counts([[0, n]])) >= thr, `${m}: ${n}`);
    }
    const u = confidenceBound('below', thr, counts([[0, 400]]));
    assert.ok(u < 0.01 && u > 0.0085, `U = ${u}`);
    assert.ok(logEvidence('below', u, counts([[0, 400]])) >= thr - 1e-9);
    assert.ok(logEvidence('below', u * (1 - 1e-6), counts([[0, 400]])) < thr);
  });

  it('one window that failed outright costs the clean windows a burst would have to hide behind', () => {
    const thr = Math.log(20);
    const clean = confidenceBound('below', thr, counts([[0, 600]]));
    const burst = confidenceBound(
      'below',
      thr,
      counts([
        [0, 599],
        [1, 1],
      ]),
    );
    assert.ok(burst > clean * 1.3, `${burst} vs ${clean}`);
  });

  it('without data the bound is the end of the range; bounds of a paired difference use its range', () => {
    assert.equal(confidenceBound('below', 3, new ValueCounts()), 1);
    assert.equal(confidenceBound('above', 3, new ValueCounts()), 0);
    const range = { lo: -1.2, hi: 1 };
    const u = confidenceBound('below', Math.log(20), counts([[0, 2000]]), [], range);
    const l = confidenceBound('above', Math.log(20), counts([[0, 2000]]), [], range);
    assert.ok(l < 0 && u > 0 && u < 0.005, `[${l}, ${u}]`);
  });

  it('extra (not yet final) windows count like the others', () => {
    const c = counts([[0, 100]]);
    assert.ok(
      Math.abs(
        logEvidence('below', 0.1, c, [0.5, 0]) -
          logEvidence(
            'below',
            0.1,
            counts([
              [0, 101],
              [0.5, 1],
            ]),
          ),
      ) < 1e-12,
    );
  });

  it('windowsToDecide: a clean run at 1% needs about 360 windows in all', () => {
    const c = counts([[0, 100]]);
    const more = windowsToDecide(logWealths('below', 0.01, c), BELOW_BETS, 100, Math.log(20)) as number;
    assert.ok(more > 250 && more < 320, `${more}`);
    assert.equal(windowsToDecide(logWealths('below', 0.01, counts([[0.02, 50]])), BELOW_BETS, 50, Math.log(20)), undefined);
  });

  it('rejects a null value outside the range', () => {
    assert.throws(() => logEvidence('below', 0, new ValueCounts()), RangeError);
    assert.throws(() => logEvidence('above', 1, new ValueCounts()), RangeError);
    assert.throws(() => new ValueCounts().add(Number.NaN), RangeError);
  });
});

describe('anytime validity over windows (seeded simulations)', () => {
  // Monitor after every window, stop at the first rejection: the rejection rate under the null stays below α.
  function rejectRate(side: 'below' | 'above', m: number, draw: () => number, runs: number, windows: number, alpha: number): number {
    let rejected = 0;
    for (let r = 0; r < runs; r++) {
      const c = new ValueCounts();
      for (let w = 0; w < windows; w++) {
        c.add(draw());
        if (w % 5 === 4 && logEvidence(side, m, c) >= Math.log(1 / alpha)) {
          rejected++;
          break;
        }
      }
    }
    return rejected / runs;
  }

  it('windows that fail outright at exactly the limit (the worst case for a pass): below-evidence rarely crosses', () => {
    const rng = createRng(11);
    const rate = rejectRate('below', 0.05, () => (rng.uniform() < 0.05 ? 1 : 0), 400, 400, 0.1);
    assert.ok(rate <= 0.1, `false pass rate ${rate}`);
  });

  it('window fractions of bursty requests at the limit: above-evidence rarely crosses', () => {
    const rng = createRng(12);
    // Each window: with probability 0.1 a burst fails half its requests, otherwise 0-2 of 100 fail; mean 0.06.
    const draw = (): number => (rng.uniform() < 0.1 ? 0.5 : rng.binomial(100, 0.0111) / 100);
    const mean = 0.1 * 0.5 + 0.9 * 0.0111;
    const rate = rejectRate('above', mean, draw, 300, 400, 0.1);
    assert.ok(rate <= 0.1, `false fail rate ${rate}`);
  });

  it('and a clear breach is detected', () => {
    const rng = createRng(13);
    const rate = rejectRate('above', 0.01, () => rng.binomial(150, 0.05) / 150, 50, 60, 0.01);
    assert.equal(rate, 1);
  });
});
