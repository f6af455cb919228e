import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareFailureShare, compareProportions, compareQuantiles, contrastLogEValue, createRng, type ArmCounts, type Rng } from '../../src/stats/index.js';

const ALPHA = 0.05;
const LN20 = Math.log(20);
const tolerance = (runs: number) => 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

describe('compareProportions: canary rate <= (1 + relative)·baseline + absolute', () => {
  const rows: Array<[string, ArmCounts, ArmCounts, { absolute?: number; relative?: number }, string]> = [
    ['5% vs 1%, +0.5 points allowed, 2000 each', { failures: 100, trials: 2000 }, { failures: 20, trials: 2000 }, { absolute: 0.005 }, 'fail'],
    ['1% vs 1%, +0.5 points allowed, 20000 each', { failures: 200, trials: 20_000 }, { failures: 200, trials: 20_000 }, { absolute: 0.005 }, 'pass'],
    ['0.1% vs 0.1%, +0.5 points allowed, 3000 each', { failures: 3, trials: 3000 }, { failures: 3, trials: 3000 }, { absolute: 0.005 }, 'pass'],
    [
      '1% vs 1%, +0.5 points allowed, 2000 each: not enough',
      { failures: 20, trials: 2000 },
      { failures: 20, trials: 2000 },
      { absolute: 0.005 },
      'inconclusive',
    ],
    ['5% vs 1%, 50% relative increase allowed', { failures: 100, trials: 2000 }, { failures: 20, trials: 2000 }, { relative: 0.5 }, 'fail'],
    ['no canary traffic yet', { failures: 0, trials: 0 }, { failures: 20, trials: 2000 }, { absolute: 0.005 }, 'inconclusive'],
  ];
  for (const [name, canary, baseline, margin, expected] of rows) {
    it(`${name} -> ${expected}`, () => {
      const r = compareProportions({ canary, baseline, margin, alpha: ALPHA });
      assert.equal(r.status, expected, JSON.stringify(r));
      if (r.observed !== null) assert.ok(r.lower <= r.observed && r.observed <= r.upper);
    });
  }

  it('the interval ends are where the e-value crosses 1/alpha', () => {
    const input = { canary: { failures: 50, trials: 2000 }, baseline: { failures: 20, trials: 2000 } };
    const r = compareProportions({ ...input, margin: { absolute: 0.005 }, alpha: ALPHA });
    for (const end of [r.lower, r.upper]) {
      assert.ok(Math.abs(contrastLogEValue(end, input) - LN20) < 1e-6, `e-value at ${end}`);
    }
    assert.ok(contrastLogEValue(r.observed as number, input) < 0);
  });

  it('the relative margin changes the contrast, not the data: c = p_c - 1.5 p_b', () => {
    const input = { canary: { failures: 30, trials: 2000 }, baseline: { failures: 20, trials: 2000 } };
    const r = compareProportions({ ...input, margin: { relative: 0.5 }, alpha: ALPHA });
    assert.ok(Math.abs((r.observed as number) - (0.015 - 1.5 * 0.01)) < 1e-15);
    assert.ok(Math.abs(contrastLogEValue(r.upper, { ...input, relative: 0.5 }) - LN20) < 1e-6);
  });

  it('rejects bad margins and counts', () => {
    const arm = { failures: 1, trials: 10 };
    assert.throws(() => compareProportions({ canary: arm, baseline: arm, margin: { absolute: 1 }, alpha: ALPHA }), RangeError);
    assert.throws(() => compareProportions({ canary: arm, baseline: arm, margin: { relative: -1 }, alpha: ALPHA }), RangeError);
    assert.throws(() => compareProportions({ canary: { failures: 11, trials: 10 }, baseline: arm, margin: {}, alpha: ALPHA }), RangeError);
  });
});

/** Equal-rate arms, a look after every batch; counts runs in which the true contrast 0 is ever excluded. */
function equalRatesFalseAlarms(rng: Rng, p: number, batch: number, looks: number, runs: number): number {
  let alarms = 0;
  for (let i = 0; i < runs; i++) {
    const canary = { failures: 0, trials: 0 };
    const baseline = { failures: 0, trials: 0 };
    for (let look = 0; look < looks; look++) {
      canary.failures += rng.binomial(batch, p);
      canary.trials += batch;
      baseline.failures += rng.binomial(batch, p);
      baseline.trials += batch;
      // With margin 0 and equal rates both verdicts are wrong, and a verdict is reached exactly
      // when the e-value against c = 0 reaches 1/α (checked against compareProportions below).
      if (contrastLogEValue(0, { canary, baseline }) >= LN20) {
        alarms++;
        break;
      }
    }
  }
  return alarms;
}

describe('compareProportions by seeded simulation (looking after every batch)', () => {
  for (const [p, batch] of [
    [0.01, 200],
    [0.2, 20],
  ] as const) {
    it(`equal rates ${p}: a verdict at margin 0 (always wrong) in <= alpha of 1000 runs x 50 looks`, (t) => {
      const runs = 1000;
      const alarms = equalRatesFalseAlarms(createRng(31 + batch), p, batch, 50, runs);
      t.diagnostic(`equal rates ${p}: false verdicts ${alarms}/${runs}`);
      assert.ok(alarms / runs <= ALPHA + tolerance(runs), `${alarms}/${runs}`);
    });
  }

  it('compareProportions reaches a verdict at margin 0 exactly when the e-value does', () => {
    const rng = createRng(33);
    for (let i = 0; i < 150; i++) {
      const n = 500 + rng.int(5000);
      const canary = { failures: rng.binomial(n, 0.02), trials: n };
      const baseline = { failures: rng.binomial(n, 0.02 + (i % 3) * 0.01), trials: n };
      const e = contrastLogEValue(0, { canary, baseline });
      if (Math.abs(e - LN20) < 1e-6) continue; // on the boundary itself, either answer is fine
      const r = compareProportions({ canary, baseline, margin: { absolute: 0 }, alpha: ALPHA });
      assert.equal(r.status !== 'inconclusive', e >= LN20, `e=${e}, ${JSON.stringify(r)}`);
    }
  });

  it('power: canary at 5x the baseline (5% vs 1%) fails in every run, quickly, and never passes', (t) => {
    const rng = createRng(34);
    const runs = 200;
    const ns: number[] = [];
    for (let i = 0; i < runs; i++) {
      const canary = { failures: 0, trials: 0 };
      const baseline = { failures: 0, trials: 0 };
      let status = 'inconclusive';
      while (status === 'inconclusive' && canary.trials < 10_000) {
        canary.failures += rng.binomial(100, 0.05);
        canary.trials += 100;
        baseline.failures += rng.binomial(100, 0.01);
        baseline.trials += 100;
        status = compareProportions({ canary, baseline, margin: { absolute: 0.005 }, alpha: ALPHA }).status;
      }
      assert.equal(status, 'fail');
      ns.push(canary.trials);
    }
    t.diagnostic(`5% vs 1% (+0.5 points allowed): median ${median(ns)} requests per arm to fail`);
    assert.ok(median(ns) <= 1500, `median ${median(ns)}`);
  });
});

describe('compareFailureShare (Lindon & Malek): share of failures from the canary', () => {
  it('maps the allowed ratio to the null share θ0 = ρ(1+r) / (ρ(1+r) + 1 - ρ)', () => {
    const r = compareFailureShare({ canaryFailures: 0, baselineFailures: 0, canaryShare: 0.5, maxRelativeIncrease: 0, alpha: ALPHA });
    assert.equal(r.nullShare, 0.5);
    const s = compareFailureShare({ canaryFailures: 0, baselineFailures: 0, canaryShare: 0.1, maxRelativeIncrease: 1, alpha: ALPHA });
    assert.ok(Math.abs(s.nullShare - 0.2 / 1.1) < 1e-15);
    assert.equal(s.status, 'inconclusive');
    assert.equal(s.observedRatio, null);
  });

  it('corrects the count ratio for the split: 30 vs 90 failures at a 25% canary share is a ratio of 1', () => {
    const r = compareFailureShare({ canaryFailures: 30, baselineFailures: 90, canaryShare: 0.25, maxRelativeIncrease: 0.5, alpha: ALPHA });
    assert.ok(Math.abs((r.observedRatio as number) - 1) < 1e-12);
    assert.ok(r.lowerRatio < 1 && r.upperRatio > 1);
  });

  it('decides from failures alone: 60 vs 12 at an even split is a 5x ratio -> fail; 40 vs 80 -> pass at +50%', () => {
    assert.equal(compareFailureShare({ canaryFailures: 60, baselineFailures: 12, canaryShare: 0.5, maxRelativeIncrease: 0.5, alpha: ALPHA }).status, 'fail');
    assert.equal(compareFailureShare({ canaryFailures: 40, baselineFailures: 80, canaryShare: 0.5, maxRelativeIncrease: 0.5, alpha: ALPHA }).status, 'pass');
  });

  it('rejects an unknown split', () => {
    assert.throws(() => compareFailureShare({ canaryFailures: 1, baselineFailures: 1, canaryShare: 1, maxRelativeIncrease: 0, alpha: ALPHA }), RangeError);
  });

  /** Random per-request routing with share rho; the error rate may change over time for both arms. */
  function run(rng: Rng, rho: number, rateAt: (look: number) => number, ratio: number, r: number, looks: number) {
    let cf = 0;
    let bf = 0;
    for (let look = 0; look < looks; look++) {
      const n = 400;
      const nc = rng.binomial(n, rho);
      const p = rateAt(look);
      cf += rng.binomial(nc, Math.min(1, p * ratio));
      bf += rng.binomial(n - nc, p);
      const d = compareFailureShare({ canaryFailures: cf, baselineFailures: bf, canaryShare: rho, maxRelativeIncrease: r, alpha: ALPHA });
      if (d.status !== 'inconclusive') return { status: d.status, look };
    }
    return { status: 'inconclusive', look: looks };
  }

  const scenarios: Array<[string, number, (look: number) => number]> = [
    ['even split, steady 1% errors', 0.5, () => 0.01],
    ['20% canary share, steady 2% errors', 0.2, () => 0.02],
    // A dependency flaps: both arms see 0.1% and 8% error phases. The conditional test does not
    // care, because each failure's arm is still Bernoulli(θ) (Lindon & Malek's point).
    ['even split, errors flapping between 0.1% and 8%', 0.5, (look) => (Math.floor(look / 5) % 2 === 0 ? 0.001 : 0.08)],
  ];
  for (const [name, rho, rateAt] of scenarios) {
    it(`equal rates (${name}): a verdict at ratio limit 1 (always wrong) in <= alpha of 1000 runs x 50 looks`, (t) => {
      const rng = createRng(41 + Math.round(rho * 100));
      const runs = 1000;
      let alarms = 0;
      for (let i = 0; i < runs; i++) if (run(rng, rho, rateAt, 1, 0, 50).status !== 'inconclusive') alarms++;
      t.diagnostic(`${name}: false verdicts ${alarms}/${runs}`);
      assert.ok(alarms / runs <= ALPHA + tolerance(runs), `${alarms}/${runs}`);
    });
  }

  it('power: a 5x canary fails against a +50% limit in every run and never passes', (t) => {
    const rng = createRng(45);
    const looks: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = run(rng, 0.5, () => 0.01, 5, 0.5, 50);
      assert.equal(r.status, 'fail');
      looks.push((r.look + 1) * 400);
    }
    t.diagnostic(`5x canary, 1% baseline: median ${median(looks)} requests (both arms) to fail`);
    assert.ok(median(looks) <= 2000);
  });

  it('two clean arms stay inconclusive: the share test needs failures (use compareProportions to pass them)', () => {
    assert.equal(
      compareFailureShare({ canaryFailures: 0, baselineFailures: 0, canaryShare: 0.5, maxRelativeIncrease: 0.2, alpha: ALPHA }).status,
      'inconclusive',
    );
  });
});

describe('compareQuantiles: canary p(q) <= (1 + r) x baseline p(q)', () => {
  const MU = Math.log(300);
  const SIGMA = 0.5;

  function runLatency(rng: Rng, slowdown: number, r: number, looks: number, batch: number) {
    let canary: number[] = [];
    let baseline: number[] = [];
    for (let look = 0; look < looks; look++) {
      canary = merge(canary, draw(rng, batch, slowdown));
      baseline = merge(baseline, draw(rng, batch, 1));
      const d = compareQuantiles({
        canary: ordered(canary),
        baseline: ordered(baseline),
        quantile: 0.95,
        maxRelativeIncrease: r,
        alpha: ALPHA,
      });
      if (d.status !== 'inconclusive') return { status: d.status, n: canary.length };
    }
    return { status: 'inconclusive' as const, n: canary.length };
  }

  function draw(rng: Rng, n: number, slowdown: number): number[] {
    return Array.from({ length: n }, () => slowdown * rng.lognormal(MU, SIGMA)).sort((a, b) => a - b);
  }

  it('identical latency with no allowance (r = 0): a verdict (always wrong) in <= alpha of 200 runs x 15 looks', (t) => {
    const rng = createRng(51);
    const runs = 200;
    let wrong = 0;
    for (let i = 0; i < runs; i++) if (runLatency(rng, 1, 0, 15, 200).status !== 'inconclusive') wrong++;
    t.diagnostic(`identical p95, r=0: verdicts ${wrong}/${runs}`);
    assert.ok(wrong / runs <= ALPHA + tolerance(runs), `${wrong}/${runs}`);
  });

  it('p95 50% slower fails against a 20% allowance in >= 95% of 200 runs, never passes', (t) => {
    const rng = createRng(52);
    let failed = 0;
    const ns: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = runLatency(rng, 1.5, 0.2, 20, 200);
      assert.notEqual(r.status, 'pass');
      if (r.status === 'fail') {
        failed++;
        ns.push(r.n);
      }
    }
    t.diagnostic(`p95 +50% vs 20% allowed: failed ${failed}/200, median ${median(ns)} requests per arm`);
    assert.ok(failed >= 190, `${failed}/200`);
  });

  it('an unchanged p95 passes a 20% allowance in >= 90% of 200 runs, never fails', (t) => {
    const rng = createRng(53);
    let passed = 0;
    for (let i = 0; i < 200; i++) {
      const r = runLatency(rng, 1, 0.2, 20, 200);
      assert.notEqual(r.status, 'fail');
      if (r.status === 'pass') passed++;
    }
    t.diagnostic(`unchanged p95 vs 20% allowed: passed ${passed}/200 within 4000 requests per arm`);
    assert.ok(passed >= 180, `${passed}/200`);
  });

  it('reports the thresholds it used and a ratio interval', () => {
    const rng = createRng(54);
    const d = compareQuantiles({ canary: draw(rng, 3000, 1.5), baseline: draw(rng, 3000, 1), quantile: 0.95, maxRelativeIncrease: 0.2, alpha: ALPHA });
    assert.equal(d.status, 'fail');
    assert.ok(Math.abs(d.passThreshold - 1.2 * d.baseline.lower) < 1e-9);
    assert.ok(Math.abs(d.failThreshold - 1.2 * d.baseline.upper) < 1e-9);
    assert.ok(d.canary.lower > d.failThreshold);
    assert.ok(d.lowerRatio > 1.2 && d.lowerRatio < 1.5 && d.upperRatio > 1.5, `${d.lowerRatio}..${d.upperRatio}`);
  });
});

function ordered(sorted: number[]) {
  return { count: sorted.length, valueAtRank: (k: number) => sorted[k - 1] as number };
}

function merge(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push((a[i] as number) <= (b[j] as number) ? (a[i++] as number) : (b[j++] as number));
  while (i < a.length) out.push(a[i++] as number);
  while (j < b.length) out.push(b[j++] as number);
  return out;
}
