/**
 * Time-uniform coverage by seeded simulation: the confidence sequence is checked after every
 * batch, and a sequence counts as a miss if it *ever* excludes the true p. That fraction must stay
 * at or below α. The same streams checked with the fixed-n Clopper-Pearson interval after every
 * batch must exceed α: that is the peeking problem the confidence sequence exists to solve, and
 * it shows this simulation is able to catch an invalid interval.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  binomialLowerTail,
  binomialUpperTail,
  createRng,
  csContains,
  JEFFREYS_PRIOR,
  LOG_SCALE_PRIOR,
  thresholdPrior,
  type MixingPrior,
} from '../../src/stats/index.js';

const ALPHA = 0.05;
const SEQUENCES = 1000;
const LOOKS = 100;
// Two binomial standard errors of a rate α over SEQUENCES runs: the simulation tolerance.
const TOLERANCE = 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / SEQUENCES);

interface CoverageResult {
  everMiss: number[]; // one per prior
  naiveEverMiss: number;
  naiveFinalMiss: number;
}

function simulate(p: number, batch: number, priors: MixingPrior[], seed: number): CoverageResult {
  const rng = createRng(seed);
  const misses = priors.map(() => 0);
  let naiveEver = 0;
  let naiveFinal = 0;
  for (let i = 0; i < SEQUENCES; i++) {
    let s = 0;
    let n = 0;
    const missed = priors.map(() => false);
    let naiveMissed = false;
    for (let look = 0; look < LOOKS; look++) {
      s += rng.binomial(batch, p);
      n += batch;
      for (let k = 0; k < priors.length; k++) {
        if (!missed[k] && !csContains(p, { successes: s, trials: n, alpha: ALPHA, prior: priors[k] })) {
          missed[k] = true;
        }
      }
      // Two-sided 95% Clopper-Pearson excludes p iff P(X >= s) < α/2 (p below the interval) or
      // P(X <= s) < α/2 (p above it); only the tail on the side of s/n can be small.
      const cpMiss = s > n * p ? binomialUpperTail(s, n, p) < ALPHA / 2 : binomialLowerTail(s, n, p) < ALPHA / 2;
      if (cpMiss) naiveMissed = true;
      if (look === LOOKS - 1 && cpMiss) naiveFinal++;
    }
    missed.forEach((m, k) => {
      if (m) misses[k] = (misses[k] as number) + 1;
    });
    if (naiveMissed) naiveEver++;
  }
  return {
    everMiss: misses.map((m) => m / SEQUENCES),
    naiveEverMiss: naiveEver / SEQUENCES,
    naiveFinalMiss: naiveFinal / SEQUENCES,
  };
}

describe(`time-uniform coverage, ${SEQUENCES} seeded sequences x ${LOOKS} looks, alpha ${ALPHA}`, () => {
  // Batches sized so that each sequence runs to ~20/p... 200/p trials: rare rates need long runs.
  const scenarios: Array<[number, number]> = [
    [0.001, 2000],
    [0.01, 200],
    [0.05, 40],
    [0.3, 20],
  ];
  for (const [p, batch] of scenarios) {
    it(`p = ${p}: the CS ever misses in <= alpha of runs; Clopper-Pearson peeked ${LOOKS} times does not`, (t) => {
      const names = ['thresholdPrior(p)', 'Jeffreys', 'LOG_SCALE_PRIOR'];
      const r = simulate(p, batch, [thresholdPrior(p), JEFFREYS_PRIOR, LOG_SCALE_PRIOR], 1000 + Math.round(p * 1e4));
      t.diagnostic(
        `p=${p}: CS ever-miss ${names.map((nm, k) => `${nm} ${r.everMiss[k]}`).join(', ')}; ` +
          `naive CP ever-miss ${r.naiveEverMiss}, CP at the last look only ${r.naiveFinalMiss}`,
      );
      for (let k = 0; k < names.length; k++) {
        assert.ok((r.everMiss[k] as number) <= ALPHA + TOLERANCE, `${names[k]}: ever-miss ${r.everMiss[k]} > ${ALPHA} + ${TOLERANCE.toFixed(4)}`);
      }
      // The fixed-n interval is fine at one pre-planned look...
      assert.ok(r.naiveFinalMiss <= ALPHA + TOLERANCE, `CP at a single look: ${r.naiveFinalMiss}`);
      // ...and far above alpha when checked after every batch.
      assert.ok(r.naiveEverMiss > 3 * ALPHA, `naive peeking only missed in ${r.naiveEverMiss} of runs`);
    });
  }
});
