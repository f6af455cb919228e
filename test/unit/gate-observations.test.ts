import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArmRecorder, DEFAULT_WINDOW_MS, type RecordingSpec } from '../../src/gate/observations.js';

const spec = (patch: Partial<RecordingSpec> = {}): RecordingSpec => ({
  windowMs: 1000,
  scopes: ['tenant:a'],
  thresholdsMs: [500],
  quantiles: [{ quantile: 0.95 }],
  ...patch,
});

describe('ArmRecorder windows', () => {
  it('a request belongs to the window it was sent in, and a window is final once it ended with nothing outstanding', () => {
    const r = new ArmRecorder(spec());
    const t = r.pending(900); // sent in window 0, answered in window 1
    r.record({ status: 200, latencyMs: 10 }, 100);
    r.record({ status: 500, latencyMs: 10 }, 1500); // sent at 1490: window 1
    let w = r.windows(undefined, 1500);
    assert.equal(w.final('failed').total, 0, 'window 0 still has a request outstanding');
    assert.deepEqual(
      w.open.map((o) => [o.index, o.n, o.pending]),
      [[0, 2, 1]],
    );
    r.record({ status: 200, latencyMs: 1200 }, 2100, t);
    w = r.windows(undefined, 2100);
    assert.equal(w.final('failed').total, 2, 'windows 0 and 1 are final');
    assert.deepEqual([...w.final('status5xx').entries()].sort(), [
      [0, 1],
      [1, 1],
    ]);
    assert.equal(w.evidence.requests, 3);
    assert.equal(w.evidence.spanMs, 2000);
  });

  it('counts what k6 and availability count; a dropped arrival is a failure with no latency', () => {
    const r = new ArmRecorder(spec());
    r.record({ status: 404, latencyMs: 5 }, 10);
    r.record({ status: 503, latencyMs: 5 }, 20);
    r.record({ latencyMs: 5 }, 30);
    r.drop(40);
    r.record({ status: 200, latencyMs: 600 }, 650);
    const v = r.view();
    assert.deepEqual([v.requests, v.failures, v.unavailable, v.status5xx, v.dropped], [5, 4, 3, 1, 1]);
    assert.equal(v.slowerThan(500), 1);
    assert.equal(v.latency.count, 4, 'the drop has no latency');
  });

  it('tags route outcomes to their scopes; an unknown scope is an empty view', () => {
    const r = new ArmRecorder(spec());
    r.record({ status: 500, latencyMs: 5, tags: { tenant: 'a' } }, 10);
    r.record({ status: 200, latencyMs: 5, tags: { tenant: 'b' } }, 20);
    assert.equal(r.view('tenant:a').requests, 1);
    assert.equal(r.view('tenant:zz').requests, 0);
    assert.equal(r.view().requests, 2);
  });

  it('a request announced late, for a window already final, is held in the next open window (never a second observation of a final one)', () => {
    const r = new ArmRecorder(spec());
    r.record({ status: 200, latencyMs: 5 }, 100);
    r.record({ status: 200, latencyMs: 5 }, 2500); // window 0 is final
    const t = r.pending(500);
    r.record({ status: 500, latencyMs: 5 }, 2600, t);
    r.record({ status: 200, latencyMs: 5 }, 4100); // windows 2 and 3 become final
    const w = r.windows(undefined, 4100);
    assert.equal(w.final('failed').total, 2);
    assert.deepEqual([...w.finalWindows.keys()], [0, 2]);
    assert.equal(w.finalWindows.get(2)?.status5xx, 1);
  });

  it('a ticket resolves once; an unknown ticket is a programming error', () => {
    const r = new ArmRecorder(spec());
    const t = r.pending(0);
    r.record({ status: 200, latencyMs: 5 }, 5, t);
    assert.throws(() => r.record({ status: 200, latencyMs: 5 }, 6, t), /unknown or already recorded ticket/);
    assert.equal(r.outstanding, 0);
  });

  it('the older constructor (thresholds, scopes) still works, with the default window and p50-p99 tracked', () => {
    const r = new ArmRecorder([2000], ['tenant:a'], { clock: () => 42 });
    assert.equal(r.windowMs, DEFAULT_WINDOW_MS);
    r.record({ status: 200, latencyMs: 5, tags: { tenant: 'a' } });
    assert.equal(r.lastEventMs, 42, 'no timestamp: the clock');
    const w = r.windows(undefined, 10_000);
    assert.ok(w.grid(0.95) && w.grid(0.5) && !w.grid(0.75));
  });

  it('valueAtRank is the exact rank (no percentile arithmetic: n=1500, rank 1007 is not rank 1008)', () => {
    const r = new ArmRecorder(spec());
    for (let i = 1; i <= 1500; i++) r.record({ status: 200, latencyMs: i <= 1007 ? 10 : 1000 }, i);
    const { latency } = r.view();
    assert.ok(Math.abs(latency.valueAtRank(1007) - 10) <= 0.05);
    assert.ok(Math.abs(latency.valueAtRank(1008) - 1000) <= 5);
    // Values 5% apart, one per bucket: every rank maps to its own value, to half a 1% bucket.
    const s = new ArmRecorder(spec());
    const values = Array.from({ length: 150 }, (_, i) => 1.05 ** i);
    values.forEach((v, i) => s.record({ status: 200, latencyMs: v }, i));
    values.forEach((v, i) => assert.ok(Math.abs(s.view().latency.valueAtRank(i + 1) / v - 1) <= 0.006, `rank ${i + 1}`));
  });

  it('an outcome the legacy path records for a window already folded goes to the next open window', () => {
    const r = new ArmRecorder(spec());
    r.record({ status: 200, latencyMs: 5 }, 100);
    r.record({ status: 200, latencyMs: 5 }, 2500); // folds window 0
    r.record({ status: 500, latencyMs: 2000 }, 2600); // sent at 600, in window 0, which is final
    const w = r.windows(undefined, 2600);
    assert.equal(w.final('failed').total, 1);
    assert.deepEqual(
      w.open.map((o) => [o.index, o.n, o.failed]),
      [],
      'the late failure waits in window 2, which has not ended',
    );
    assert.equal(r.view().failures, 1);
  });
});
