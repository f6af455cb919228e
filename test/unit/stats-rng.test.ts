import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/stats/index.js';

/** Sample mean and variance of n draws. */
function moments(n: number, draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

/** Within z standard errors of the mean. */
function near(mean: number, expected: number, sd: number, n: number, z = 4): void {
  const se = sd / Math.sqrt(n);
  assert.ok(Math.abs(mean - expected) <= z * se, `mean ${mean} vs ${expected} (±${z * se})`);
}

describe('createRng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    assert.deepEqual(
      Array.from({ length: 5 }, () => b.uniform()),
      xs,
    );
    assert.notDeepEqual(
      Array.from({ length: 5 }, () => c.uniform()),
      xs,
    );
  });

  it('uniform is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(1);
    const n = 50_000;
    let min = 1;
    let max = 0;
    const m = moments(n, () => {
      const u = rng.uniform();
      if (u < min) min = u;
      if (u > max) max = u;
      return u;
    });
    assert.ok(min >= 0 && max < 1);
    near(m.mean, 0.5, Math.sqrt(1 / 12), n);
    assert.ok(Math.abs(m.variance - 1 / 12) < 0.002);
  });

  it('int covers its range evenly', () => {
    const rng = createRng(2);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 25_000; i++) (counts[rng.int(5)] as number)++;
    for (const c of counts) assert.ok(Math.abs(c - 5000) < 300, `count ${c}`);
    assert.throws(() => rng.int(0), RangeError);
  });

  it('bernoulli has rate p', () => {
    const rng = createRng(3);
    const n = 40_000;
    near(moments(n, () => rng.bernoulli(0.1)).mean, 0.1, Math.sqrt(0.09), n);
  });

  for (const [n, p] of [
    [100, 0.01],
    [200, 0.3],
    [5000, 0.001],
    [1000, 0.9],
    [50_000, 0.5],
  ] as const) {
    it(`binomial(${n}, ${p}) has mean np and variance np(1-p)`, () => {
      const rng = createRng(4);
      const draws = 20_000;
      const m = moments(draws, () => rng.binomial(n, p));
      const variance = n * p * (1 - p);
      near(m.mean, n * p, Math.sqrt(variance), draws);
      assert.ok(Math.abs(m.variance / variance - 1) < 0.06, `variance ${m.variance} vs ${variance}`);
    });
  }

  it('binomial edge cases and validation', () => {
    const rng = createRng(5);
    assert.equal(rng.binomial(0, 0.5), 0);
    assert.equal(rng.binomial(10, 0), 0);
    assert.equal(rng.binomial(10, 1), 10);
    assert.throws(() => rng.binomial(-1, 0.5), RangeError);
    assert.throws(() => rng.binomial(10, 1.5), RangeError);
    const small = Array.from({ length: 2000 }, () => rng.binomial(3, 0.5));
    assert.ok(small.every((k) => k >= 0 && k <= 3 && Number.isInteger(k)));
  });

  it('normal, lognormal and exponential have their moments', () => {
    const rng = createRng(6);
    const n = 40_000;
    const z = moments(n, () => rng.normal(10, 2));
    near(z.mean, 10, 2, n);
    assert.ok(Math.abs(z.variance / 4 - 1) < 0.04);
    // lognormal: median e^mu, mean e^(mu + sigma²/2)
    const ln = moments(n, () => rng.lognormal(Math.log(100), 0.5));
    const mean = 100 * Math.exp(0.125);
    near(ln.mean, mean, mean * Math.sqrt(Math.exp(0.25) - 1), n);
    const e = moments(n, () => rng.exponential(4));
    near(e.mean, 0.25, 0.25, n);
    assert.throws(() => rng.exponential(0), RangeError);
  });
});
