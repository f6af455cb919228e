import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bernoulliConfidenceSequence,
  clopperPearson,
  createRng,
  decideProportion,
  projectedTrialsToDecide,
  thresholdPrior,
  type ProportionDecisionInput,
} from '../../src/stats/index.js';

const ALPHA = 0.05;

describe('decideProportion: table', () => {
  const rows: Array<[string, Omit<ProportionDecisionInput, 'alpha'>, 'pass' | 'fail' | 'inconclusive']> = [
    ['error rate 5% vs < 1%, 1000 requests', { successes: 50, trials: 1000, threshold: 0.01, direction: 'below' }, 'fail'],
    ['error rate 0.1% vs < 1%, 2000 requests', { successes: 2, trials: 2000, threshold: 0.01, direction: 'below' }, 'pass'],
    ['error rate 0.8% vs < 1%, 1000 requests', { successes: 8, trials: 1000, threshold: 0.01, direction: 'below' }, 'inconclusive'],
    ['availability 95% vs >= 99.9%, 200 requests', { successes: 190, trials: 200, threshold: 0.999, direction: 'above' }, 'fail'],
    ['availability 100% vs >= 99.9%, 3000 requests', { successes: 3000, trials: 3000, threshold: 0.999, direction: 'above' }, 'inconclusive'],
    ['availability 100% vs >= 99.9%, 5000 requests', { successes: 5000, trials: 5000, threshold: 0.999, direction: 'above' }, 'pass'],
    ['no data yet', { successes: 0, trials: 0, threshold: 0.01, direction: 'below' }, 'inconclusive'],
    // A prior centred on 1% puts little mass near 30%, so a handful of requests is not yet enough...
    ['3 errors in 10 requests vs < 1%', { successes: 3, trials: 10, threshold: 0.01, direction: 'below' }, 'inconclusive'],
    // ...but twenty are.
    ['5 errors in 20 requests vs < 1%', { successes: 5, trials: 20, threshold: 0.01, direction: 'below' }, 'fail'],
    ['1 error in 10 requests vs < 1%: too little data', { successes: 1, trials: 10, threshold: 0.01, direction: 'below' }, 'inconclusive'],
  ];
  for (const [name, input, expected] of rows) {
    it(`${name} -> ${expected}`, () => {
      const d = decideProportion({ ...input, alpha: ALPHA });
      assert.equal(d.status, expected, JSON.stringify(d));
      assert.ok(d.lower <= d.upper);
      if (d.status === 'pass') assert.ok(input.direction === 'below' ? d.upper < input.threshold : d.lower > input.threshold);
      if (d.status === 'fail') assert.ok(input.direction === 'below' ? d.lower > input.threshold : d.upper < input.threshold);
      assert.equal(d.observed, input.trials > 0 ? input.successes / input.trials : null);
      if (d.status !== 'inconclusive') assert.equal(d.samplesNeeded, undefined);
    });
  }
});

describe('availability >= 99.9% at 95%: how many clean requests?', () => {
  it('fixed-sample one-sided Clopper-Pearson needs 2,995 (the "about 3,000" of the rule of three)', () => {
    assert.ok(clopperPearson({ successes: 2995, trials: 2995, alpha: ALPHA, sides: 'lower' }).lower > 0.999);
    assert.ok(clopperPearson({ successes: 2994, trials: 2994, alpha: ALPHA, sides: 'lower' }).lower < 0.999);
  });

  it('the anytime-valid gate needs 4,742: 3,000 clean requests are inconclusive, ~1,742 more decide', () => {
    // With prior Beta(999, 1) (thresholdPrior(0.999)), M_n(p) at s = n is
    // B(999 + n, 1)/B(999, 1) / p^n = (999 / (999 + n)) / p^n, and the CS excludes 0.999 once
    // n·(-ln 0.999) > ln 20 + ln((999 + n)/999), i.e. n >= 4742. The extra ~1.6x over 2,995 buys
    // validity under continuous monitoring and two-sided error control with one alpha.
    const at3000 = decideProportion({ successes: 3000, trials: 3000, threshold: 0.999, direction: 'above', alpha: ALPHA });
    assert.equal(at3000.status, 'inconclusive');
    assert.equal(at3000.samplesNeeded, 1742);
    assert.ok(at3000.lower > 0.9985 && at3000.lower < 0.999, `lower ${at3000.lower}`);
    assert.equal(decideProportion({ successes: 4741, trials: 4741, threshold: 0.999, direction: 'above', alpha: ALPHA }).status, 'inconclusive');
    assert.equal(decideProportion({ successes: 4742, trials: 4742, threshold: 0.999, direction: 'above', alpha: ALPHA }).status, 'pass');
    // Closed form check of the boundary.
    const needs = (n: number) => -n * Math.log(0.999) > Math.log(20) + Math.log((999 + n) / 999);
    assert.ok(needs(4742) && !needs(4741));
  });

  it('is the same question asked as an error rate (0 errors, rate < 0.1%)', () => {
    assert.equal(decideProportion({ successes: 0, trials: 4742, threshold: 0.001, direction: 'below', alpha: ALPHA }).status, 'pass');
    const d = decideProportion({ successes: 0, trials: 3000, threshold: 0.001, direction: 'below', alpha: ALPHA });
    assert.equal(d.status, 'inconclusive');
    assert.equal(d.samplesNeeded, 1742);
  });
});

describe('samplesNeeded', () => {
  it('borderline 0.8% vs < 1% after 1000 requests: about 25,700 more would decide if 0.8% held', () => {
    const d = decideProportion({ successes: 8, trials: 1000, threshold: 0.01, direction: 'below', alpha: ALPHA });
    assert.equal(d.status, 'inconclusive');
    assert.ok(d.samplesNeeded !== undefined && d.samplesNeeded > 20_000 && d.samplesNeeded < 30_000, `${d.samplesNeeded}`);
    // It is the exact projection: at the projected total with the rate held, the CS decides; one fewer does not.
    const total = 1000 + d.samplesNeeded;
    const prior = thresholdPrior(0.01);
    const at = (n: number) => bernoulliConfidenceSequence({ successes: 0.008 * n, trials: n, alpha: ALPHA, prior }).upper;
    assert.ok(at(total) < 0.01 && at(total - 1) >= 0.01);
  });

  it('a bad rate that is not yet decided projects a fail', () => {
    // 2 errors in 60 (3.3%) vs < 1%: inconclusive now, decides soon if 3.3% holds.
    const d = decideProportion({ successes: 2, trials: 60, threshold: 0.01, direction: 'below', alpha: ALPHA });
    assert.equal(d.status, 'inconclusive');
    const total = 60 + (d.samplesNeeded as number);
    assert.ok(total > 60 && total < 600, `${total}`);
    assert.equal(
      decideProportion({ successes: Math.ceil((2 / 60) * total) + 1, trials: total, threshold: 0.01, direction: 'below', alpha: ALPHA }).status,
      'fail',
    );
  });

  it('is absent when the observed rate sits exactly on the threshold, or before any data', () => {
    assert.equal(decideProportion({ successes: 10, trials: 1000, threshold: 0.01, direction: 'below', alpha: ALPHA }).samplesNeeded, undefined);
    assert.equal(decideProportion({ successes: 0, trials: 0, threshold: 0.01, direction: 'below', alpha: ALPHA }).samplesNeeded, undefined);
  });

  it('is absent beyond maxSamples', () => {
    const d = decideProportion({ successes: 99, trials: 10_000, threshold: 0.01, direction: 'below', alpha: ALPHA, maxSamples: 1e6 });
    assert.equal(d.status, 'inconclusive');
    assert.equal(d.samplesNeeded, undefined);
    assert.ok(projectedTrialsToDecide(0.0099, 0.01, ALPHA, thresholdPrior(0.01), 10_000)! > 1e6);
  });
});

describe('decideProportion: validation', () => {
  it('rejects thresholds outside (0, 1), bad alpha, bad counts and bad direction', () => {
    const base = { successes: 1, trials: 10, direction: 'below' as const, alpha: ALPHA };
    assert.throws(() => decideProportion({ ...base, threshold: 0 }), RangeError);
    assert.throws(() => decideProportion({ ...base, threshold: 1 }), RangeError);
    assert.throws(() => decideProportion({ ...base, threshold: 0.1, alpha: 1.2 }), RangeError);
    assert.throws(() => decideProportion({ ...base, threshold: 0.1, successes: 11 }), RangeError);
    assert.throws(() => decideProportion({ ...base, threshold: 0.1, direction: 'sideways' as 'below' }), RangeError);
  });
});

/** Run a gate with a decision after every batch; stop at the first pass or fail. */
function runGate(rng: ReturnType<typeof createRng>, p: number, threshold: number, batch: number, looks: number) {
  let s = 0;
  let n = 0;
  for (let look = 0; look < looks; look++) {
    s += rng.binomial(batch, p);
    n += batch;
    const d = decideProportion({ successes: s, trials: n, threshold, direction: 'below', alpha: ALPHA });
    if (d.status !== 'inconclusive') return { status: d.status, n };
  }
  return { status: 'inconclusive' as const, n };
}

describe('decisions by seeded simulation, checked after every batch of 100', () => {
  it('clearly bad (5x the threshold) fails quickly and never passes', (t) => {
    const rng = createRng(501);
    const ns: number[] = [];
    let failed = 0;
    for (let i = 0; i < 300; i++) {
      const r = runGate(rng, 0.05, 0.01, 100, 50);
      assert.notEqual(r.status, 'pass');
      if (r.status === 'fail') {
        failed++;
        ns.push(r.n);
      }
    }
    ns.sort((a, b) => a - b);
    const median = ns[Math.floor(ns.length / 2)] as number;
    t.diagnostic(`5% vs <1%: failed ${failed}/300, median requests to fail ${median}`);
    assert.equal(failed, 300);
    assert.ok(median <= 300, `median ${median}`);
  });

  it('clearly good (1/10 of the threshold) passes and never fails', (t) => {
    const rng = createRng(502);
    const ns: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = runGate(rng, 0.001, 0.01, 100, 50);
      assert.equal(r.status, 'pass');
      ns.push(r.n);
    }
    ns.sort((a, b) => a - b);
    const median = ns[Math.floor(ns.length / 2)] as number;
    t.diagnostic(`0.1% vs <1%: median requests to pass ${median}`);
    assert.ok(median <= 1000, `median ${median}`);
  });

  it('a rate exactly at the threshold is decided (either way: both are wrong) in <= alpha of runs', (t) => {
    const rng = createRng(503);
    const runs = 600;
    let decided = 0;
    for (let i = 0; i < runs; i++) if (runGate(rng, 0.01, 0.01, 100, 60).status !== 'inconclusive') decided++;
    t.diagnostic(`rate = threshold = 1%: decided in ${decided}/${runs} runs of 60 looks`);
    assert.ok(decided / runs <= ALPHA + 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs), `${decided}/${runs}`);
  });
});
