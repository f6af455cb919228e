import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alphaFromConfidence, bonferroniAlpha, createRng, csContains, splitAlpha, thresholdPrior } from '../../src/stats/index.js';

describe('alpha splitting', () => {
  it('Bonferroni gives alpha / k to each of k gates', () => {
    assert.equal(bonferroniAlpha(0.05, 1), 0.05);
    assert.equal(bonferroniAlpha(0.05, 5), 0.01);
  });

  it('weighted splits sum to alpha', () => {
    const parts = splitAlpha(0.05, [2, 1, 1]);
    assert.deepEqual(parts, [0.025, 0.0125, 0.0125]);
    assert.ok(Math.abs(parts.reduce((a, b) => a + b, 0) - 0.05) < 1e-15);
  });

  it('confidence 0.95 is alpha 0.05', () => {
    assert.ok(Math.abs(alphaFromConfidence(0.95) - 0.05) < 1e-15);
  });

  it('rejects nonsense', () => {
    assert.throws(() => bonferroniAlpha(0.05, 0), RangeError);
    assert.throws(() => bonferroniAlpha(1.5, 2), RangeError);
    assert.throws(() => splitAlpha(0.05, []), RangeError);
    assert.throws(() => splitAlpha(0.05, [1, 0]), RangeError);
    assert.throws(() => alphaFromConfidence(1), RangeError);
    assert.throws(() => alphaFromConfidence(0), RangeError);
  });
});

describe('family-wise false alarms with 10 gates monitored after every batch (seeded simulation)', () => {
  // Every gate's true rate sits exactly on its threshold, so any verdict is wrong. A run is a
  // family-wise error if any gate's sequence ever excludes its true rate.
  const thresholds = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.9];
  const runs = 600;
  const looks = 40;
  const batch = 250;

  function familyErrorRate(alphaPerGate: number, seed: number): number {
    const rng = createRng(seed);
    let errors = 0;
    for (let i = 0; i < runs; i++) {
      const s = thresholds.map(() => 0);
      let anyWrong = false;
      for (let look = 0; look < looks && !anyWrong; look++) {
        const n = (look + 1) * batch;
        for (let g = 0; g < thresholds.length; g++) {
          const p = thresholds[g] as number;
          s[g] = (s[g] as number) + rng.binomial(batch, p);
          if (!csContains(p, { successes: s[g] as number, trials: n, alpha: alphaPerGate, prior: thresholdPrior(p) })) anyWrong = true;
        }
      }
      if (anyWrong) errors++;
    }
    return errors / runs;
  }

  it('alpha / k per gate keeps the family at or below alpha; alpha per gate does not', (t) => {
    const split = familyErrorRate(bonferroniAlpha(0.05, thresholds.length), 61);
    const unsplit = familyErrorRate(0.05, 61);
    t.diagnostic(`10 gates: family-wise error ${split} with alpha/10 each, ${unsplit} with alpha each`);
    assert.ok(split <= 0.05 + 2 * Math.sqrt((0.05 * 0.95) / runs), `split ${split}`);
    assert.ok(unsplit > 0.1, `unsplit ${unsplit}`);
  });
});
