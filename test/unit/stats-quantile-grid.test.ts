import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, normalQuantile } from '../../src/stats/index.js';
import { GRID_STEP, QuantileGrid, bucketOf, latencyGrid } from '../../src/stats/quantile-grid.js';

/** One window's "slower than point i" counts from raw latencies. */
function slowerCounts(points: Float64Array, latencies: readonly number[]): Uint32Array {
  const buckets = new Uint32Array(points.length + 1);
  for (const x of latencies) buckets[bucketOf(points, x)] = (buckets[bucketOf(points, x)] as number) + 1;
  const out = new Uint32Array(points.length);
  let acc = 0;
  for (let i = points.length; i >= 1; i--) {
    acc += buckets[i] as number;
    out[i - 1] = acc;
  }
  return out;
}

describe('latency grid', () => {
  const points = latencyGrid([2000, 120]);

  it('is sorted, geometric at 1%, and holds the gate thresholds exactly', () => {
    for (let i = 1; i < points.length; i++) assert.ok((points[i] as number) > (points[i - 1] as number));
    assert.ok(points.includes(2000) && points.includes(120));
    assert.ok(points.length > 1700 && points.length < 1800);
    assert.ok(Math.abs((points[1] as number) / (points[0] as number) - GRID_STEP) < 1e-12);
  });

  // bucketOf(x) = number of points strictly below x = the points x is *slower than*.
  const rows: Array<[number, string]> = [
    [2000, 'exactly on a point: not slower than it'],
    [2000.0000001, 'just above a point: slower than it'],
    [120, 'a tie at a threshold is never rounded up'],
    [0.05, 'below the grid'],
    [1e9, 'above the grid'],
  ];
  for (const [x, what] of rows) {
    it(`bucketOf(${x}): ${what}`, () => {
      const b = bucketOf(points, x);
      for (let i = 0; i < points.length; i++) assert.equal(x > (points[i] as number), i < b);
    });
  }

  it('rejects non-positive thresholds', () => {
    assert.throws(() => latencyGrid([0]), RangeError);
    assert.throws(() => latencyGrid([Number.POSITIVE_INFINITY]), RangeError);
  });
});

describe('quantile confidence sequence over windows', () => {
  const points = latencyGrid([100, 120]);

  it('a window of identical latencies: the bounds bracket the atom and never cross it', () => {
    const g = new QuantileGrid(points, 0.95);
    for (let w = 0; w < 400; w++) g.addWindow(50, slowerCounts(points, Array(50).fill(120)));
    const thr = Math.log(20);
    const u = g.upperBound(thr);
    const l = g.lowerBound(thr);
    assert.equal(u?.value, 120, 'p95 <= 120 is shown at 120 itself (the tie is not "slower")');
    assert.ok(l !== null && l.value < 120 && l.value > 118, `lower ${l?.value}`);
  });

  it('without enough windows the upper end is unbounded (null), not a sentinel', () => {
    const g = new QuantileGrid(points, 0.95);
    for (let w = 0; w < 3; w++) g.addWindow(20, slowerCounts(points, Array(20).fill(50)));
    assert.equal(g.upperBound(Math.log(20)), null);
  });

  it('evidence is monotone along the grid, with or without windows that are not final', () => {
    const rng = createRng(3);
    const g = new QuantileGrid(points, 0.9);
    for (let w = 0; w < 50; w++) {
      const xs = Array.from({ length: 30 }, () => 100 * Math.exp(0.4 * rng.normal()));
      g.addWindow(30, slowerCounts(points, xs));
    }
    const open = [{ n: 10, slower: (side: 'below' | 'above', i: number) => (side === 'below' ? 10 : (points[i] as number) < 80 ? 4 : 0) }];
    for (const extra of [[], open]) {
      let prevBelow = Number.NEGATIVE_INFINITY;
      let prevAbove = Number.POSITIVE_INFINITY;
      for (let i = 0; i < points.length; i += 7) {
        const below = g.logEvidenceAt('below', i, extra);
        const above = g.logEvidenceAt('above', i, extra);
        assert.ok(below >= prevBelow - 1e-9 && above <= prevAbove + 1e-9, `point ${i}`);
        prevBelow = below;
        prevAbove = above;
      }
    }
  });

  it('dropped requests (unknown latency) count as slow only for the upper bound', () => {
    const a = new QuantileGrid(points, 0.95);
    const b = new QuantileGrid(points, 0.95);
    const xs = Array(40).fill(30);
    for (let w = 0; w < 300; w++) {
      a.addWindow(40, slowerCounts(points, xs));
      b.addWindow(41, slowerCounts(points, xs), 1);
    }
    const thr = Math.log(20);
    assert.ok((b.upperBound(thr)?.value ?? Infinity) >= (a.upperBound(thr)?.value ?? Infinity));
    assert.ok((b.lowerBound(thr)?.value ?? 0) <= (a.lowerBound(thr)?.value ?? 0));
  });

  it('covers the true p95 at every look (seeded, lognormal, 50 requests per window)', () => {
    const truth = 200 * Math.exp(0.5 * normalQuantile(0.95));
    const thr = Math.log(1 / 0.1);
    let missed = 0;
    const runs = 40;
    for (let r = 0; r < runs; r++) {
      const rng = createRng(100 + r);
      const g = new QuantileGrid(points, 0.95);
      let miss = false;
      for (let w = 0; w < 150 && !miss; w++) {
        g.addWindow(
          50,
          slowerCounts(
            points,
            Array.from({ length: 50 }, () => 200 * Math.exp(0.5 * rng.normal())),
          ),
        );
        if (w % 10 === 9) {
          const u = g.upperBound(thr);
          const l = g.lowerBound(thr);
          miss = (u !== null && u.value < truth) || (l !== null && l.value >= truth);
        }
      }
      if (miss) missed++;
    }
    assert.ok(missed / runs <= 0.2, `missed ${missed}/${runs}`);
    // And the bounds are useful: after 150 windows they are within ~10% of the truth.
    const rng = createRng(1);
    const g = new QuantileGrid(points, 0.95);
    for (let w = 0; w < 150; w++)
      g.addWindow(
        50,
        slowerCounts(
          points,
          Array.from({ length: 50 }, () => 200 * Math.exp(0.5 * rng.normal())),
        ),
      );
    const u = g.upperBound(Math.log(20))?.value as number;
    const l = g.lowerBound(Math.log(20))?.value as number;
    assert.ok(l > truth * 0.85 && u < truth * 1.15, `[${l}, ${u}] vs ${truth}`);
  });
});
