import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRng,
  decideQuantileThreshold,
  normalQuantile,
  quantileInterval,
  quantileRankBounds,
  quantileThresholdAsProportion,
  sortedSample,
  type QuantileComparator,
} from '../../src/stats/index.js';

const ALPHA = 0.05;

describe('p(Q) <op> X as a proportion of requests slower than X', () => {
  const rows: Array<[number, QuantileComparator, number, 'below' | 'above']> = [
    [0.95, '<', 0.05, 'below'],
    [0.95, '<=', 0.05, 'below'],
    [0.99, '>', 0.01, 'above'],
    [0.5, '>=', 0.5, 'above'],
  ];
  for (const [q, op, threshold, direction] of rows) {
    it(`p(${q * 100}) ${op} X -> fraction slower than X ${direction === 'below' ? '<' : '>'} ${threshold}`, () => {
      const r = quantileThresholdAsProportion(q, op);
      assert.ok(Math.abs(r.threshold - threshold) < 1e-15);
      assert.equal(r.direction, direction);
    });
  }

  it('p(95) < 2000 ms: 1% slower after 4,120 requests passes, 12% slower fails, 4.5% is inconclusive', () => {
    const base = { trials: 4120, quantile: 0.95, comparator: '<' as const, alpha: ALPHA };
    assert.equal(decideQuantileThreshold({ ...base, exceedances: 41 }).status, 'pass');
    assert.equal(decideQuantileThreshold({ ...base, exceedances: 494 }).status, 'fail');
    const borderline = decideQuantileThreshold({ ...base, exceedances: 185 });
    assert.equal(borderline.status, 'inconclusive');
    assert.ok((borderline.samplesNeeded as number) > 0);
  });

  it('rejects quantiles outside (0, 1)', () => {
    assert.throws(() => quantileThresholdAsProportion(95, '<'), RangeError);
    assert.throws(() => quantileThresholdAsProportion(0, '<'), RangeError);
  });
});

describe('quantileRankBounds, fixed n (classical order-statistic interval)', () => {
  // Published: the 95% distribution-free interval for the median is (X_(40), X_(61)) for n = 100
  // and (X_(6), X_(15)) for n = 20 (binomial tails 0.0176 and 0.0207 per side).
  it('median, n = 100 -> ranks 40 and 61', () => {
    assert.deepEqual(quantileRankBounds({ count: 100, quantile: 0.5, alpha: ALPHA, method: 'fixed' }), { lowerRank: 40, upperRank: 61 });
  });
  it('median, n = 20 -> ranks 6 and 15', () => {
    assert.deepEqual(quantileRankBounds({ count: 20, quantile: 0.5, alpha: ALPHA, method: 'fixed' }), { lowerRank: 6, upperRank: 15 });
  });
  it('p95 needs n >= 72 for a finite upper bound (0.95^72 < 0.025 < 0.95^71)', () => {
    assert.equal(quantileRankBounds({ count: 71, quantile: 0.95, alpha: ALPHA, method: 'fixed' }).upperRank, 72);
    assert.equal(quantileRankBounds({ count: 72, quantile: 0.95, alpha: ALPHA, method: 'fixed' }).upperRank, 72);
  });
});

describe('quantileRankBounds, sequential', () => {
  it('is wider than the fixed-n interval but of the same order', () => {
    for (const [n, q] of [
      [100, 0.5],
      [4000, 0.95],
      [20_000, 0.99],
    ]) {
      const fixed = quantileRankBounds({ count: n as number, quantile: q as number, alpha: ALPHA, method: 'fixed' });
      const seq = quantileRankBounds({ count: n as number, quantile: q as number, alpha: ALPHA });
      assert.ok(seq.lowerRank <= fixed.lowerRank && seq.upperRank >= fixed.upperRank);
      assert.ok(seq.upperRank - seq.lowerRank < 2.5 * (fixed.upperRank - fixed.lowerRank));
    }
  });

  it('is unbounded with too few samples and handles n = 0', () => {
    assert.deepEqual(quantileRankBounds({ count: 0, quantile: 0.95, alpha: ALPHA }), { lowerRank: 0, upperRank: 1 });
    assert.equal(quantileRankBounds({ count: 10, quantile: 0.95, alpha: ALPHA }).upperRank, 11);
  });

  // The rank bounds do not depend on the data, so coverage reduces to the running count
  // S_n = #{X_i <= ξ_q} ~ Binomial(n, q) staying in [lowerRank, upperRank - 1] at every look.
  for (const q of [0.5, 0.95, 0.99]) {
    it(`q = ${q}: 1000 seeded runs x 100 looks of 50 samples ever leave the bounds in <= alpha of runs; fixed-n bounds do not`, (t) => {
      const looks = 100;
      const batch = 50;
      const seqBounds = Array.from({ length: looks }, (_, j) => quantileRankBounds({ count: (j + 1) * batch, quantile: q, alpha: ALPHA }));
      const fixedBounds = Array.from({ length: looks }, (_, j) => quantileRankBounds({ count: (j + 1) * batch, quantile: q, alpha: ALPHA, method: 'fixed' }));
      const rng = createRng(700 + q * 100);
      const runs = 1000;
      let seqMiss = 0;
      let fixedMiss = 0;
      for (let i = 0; i < runs; i++) {
        let s = 0;
        let sm = false;
        let fm = false;
        for (let j = 0; j < looks; j++) {
          s += rng.binomial(batch, q);
          const a = seqBounds[j] as { lowerRank: number; upperRank: number };
          const b = fixedBounds[j] as { lowerRank: number; upperRank: number };
          if (s < a.lowerRank || s > a.upperRank - 1) sm = true;
          if (s < b.lowerRank || s > b.upperRank - 1) fm = true;
        }
        if (sm) seqMiss++;
        if (fm) fixedMiss++;
      }
      t.diagnostic(`q=${q}: sequential ever-miss ${seqMiss / runs}, fixed-n peeked ever-miss ${fixedMiss / runs}`);
      assert.ok(seqMiss / runs <= ALPHA + 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs), `${seqMiss}/${runs}`);
      assert.ok(fixedMiss / runs > 2 * ALPHA, `fixed-n peeked only missed ${fixedMiss}/${runs}`);
    });
  }
});

describe('quantileInterval on values', () => {
  it('reports the nearest-rank estimate and order-statistic bounds', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    const r = quantileInterval(values, 0.5, ALPHA, 'fixed');
    assert.equal(r.estimate, 50);
    assert.equal(r.lower, 40);
    assert.equal(r.upper, 61);
    assert.equal(r.count, 100);
    assert.equal(values[0], 100, 'input not mutated');
  });

  it('is -Infinity/+Infinity where the sample cannot bound the quantile yet', () => {
    const r = quantileInterval([5, 1, 3], 0.95, ALPHA);
    assert.equal(r.lower, Number.NEGATIVE_INFINITY);
    assert.equal(r.upper, Number.POSITIVE_INFINITY);
    assert.equal(r.estimate, 5);
    assert.equal(quantileInterval([], 0.95, ALPHA).estimate, null);
  });

  it('accepts an OrderedSample (e.g. a histogram) without an array', () => {
    const hist = { count: 1000, valueAtRank: (rank: number) => rank * 2 };
    const r = quantileInterval(hist, 0.95, ALPHA);
    assert.equal(r.estimate, 1900);
    assert.equal(r.lower, 2 * r.lowerRank);
    assert.equal(r.upper, 2 * r.upperRank);
  });

  it('agrees with decideQuantileThreshold: pass iff upper < X, fail iff lower > X', () => {
    const rng = createRng(11);
    const values = Array.from({ length: 3000 }, () => rng.lognormal(Math.log(800), 0.5));
    const sorted = sortedSample(values);
    const r = quantileInterval(sorted, 0.95, ALPHA);
    for (const x of [r.lower * 0.97, r.lower * 1.001, r.estimate as number, r.upper * 0.999, r.upper * 1.03, 5000, 500]) {
      const exceedances = values.filter((v) => v > x).length;
      const d = decideQuantileThreshold({ exceedances, trials: values.length, quantile: 0.95, comparator: '<', alpha: ALPHA });
      const expected = r.upper < x ? 'pass' : r.lower > x ? 'fail' : 'inconclusive';
      assert.equal(d.status, expected, `X=${x}, interval [${r.lower}, ${r.upper}]`);
    }
  });

  it('covers the true p95 of a lognormal at every look in <= alpha of 300 seeded runs', (t) => {
    const mu = Math.log(1000);
    const sigma = 0.4;
    const truth = Math.exp(mu + sigma * normalQuantile(0.95));
    const rng = createRng(12);
    const runs = 300;
    let missed = 0;
    for (let i = 0; i < runs; i++) {
      let sorted: number[] = [];
      let miss = false;
      for (let look = 0; look < 20; look++) {
        const batch = Array.from({ length: 100 }, () => rng.lognormal(mu, sigma)).sort((a, b) => a - b);
        sorted = mergeSorted(sorted, batch);
        const r = quantileInterval({ count: sorted.length, valueAtRank: (k) => sorted[k - 1] as number }, 0.95, ALPHA);
        if (truth < r.lower || truth > r.upper) miss = true;
      }
      if (miss) missed++;
    }
    t.diagnostic(`lognormal p95 sequential interval ever-miss ${missed}/${runs}`);
    assert.ok(missed / runs <= ALPHA + 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs), `${missed}/${runs}`);
  });
});

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = (a[i] as number) <= (b[j] as number) ? (a[i++] as number) : (b[j++] as number);
  while (i < a.length) out[k++] = a[i++] as number;
  while (j < b.length) out[k++] = b[j++] as number;
  return out;
}
