import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyValue, type Lateness } from '../../src/load/lateness.js';
import { newHistogram } from '../../src/traffic/histogram.js';
import { judgeLatencyOnSaturatedRun } from '../../src/load/gates.js';
import type { GateResult } from '../../src/verdict/types.js';

const gate = (id: string, metric: string, status: GateResult['status'], blocking = true): GateResult => ({
  id,
  metric,
  expression: 'x',
  blocking,
  status,
  reason: `threshold breached: ${id} = 420.1 ms`,
});
const generator = (status: GateResult['status']): GateResult => ({
  ...gate('generator late starts', 'revgate_late_starts', status, false),
  reason: '78 of 98 arrivals (79.6%) started more than 10 ms late: the load generator was saturated',
});

describe('a saturated generator cannot fail a latency gate on its own lateness', () => {
  const gates = [
    gate('http_req_duration p(95)<300', 'http_req_duration', 'failed'),
    gate('http_req_duration{endpoint:health} p(99)<1000', 'http_req_duration{endpoint:health}', 'failed'),
    gate('http_req_failed rate<0.01', 'http_req_failed', 'failed'),
    gate('baseline http_req_duration p(95)', 'http_req_duration', 'failed'),
    gate('http_req_duration p(50)<100', 'http_req_duration', 'passed'),
  ];

  it('saturated, and the lateness could explain the breaches: failed latency gates become inconclusive; error-rate gates still fail', () => {
    const bounds = gates.map((g) => ({ ...g, status: g.metric === 'http_req_failed' ? g.status : ('passed' as const) }));
    const out = judgeLatencyOnSaturatedRun([...gates, generator('failed')], bounds);
    assert.deepEqual(
      out.map((g) => g.status),
      ['inconclusive', 'inconclusive', 'failed', 'inconclusive', 'passed', 'failed'],
    );
    assert.match(out[0]!.reason, /not trusted: the load generator was saturated \(78 of 98 arrivals \(79\.6%\) started more than 10 ms late\)/);
  });

  it('saturated, but the gate fails even at the lowest latency the target could have caused: still failed, saying so', () => {
    const bounds = gates.map((g) =>
      g.id === 'http_req_duration p(95)<300'
        ? { ...g, reason: 'threshold breached: p(95) of http_req_duration = 390.0 ms (threshold < 300 ms)' }
        : { ...g, status: 'passed' as const },
    );
    const out = judgeLatencyOnSaturatedRun([...gates, generator('failed')], bounds);
    assert.deepEqual(
      out.map((g) => g.status),
      ['failed', 'inconclusive', 'failed', 'inconclusive', 'passed', 'failed'],
    );
    assert.match(out[0]!.reason, /even allowing for its late starts the gate fails: p\(95\) of http_req_duration is at least 390\.0 ms/);
  });

  it('generator on time: nothing changes', () => {
    const input = [...gates, generator('passed')];
    assert.deepEqual(judgeLatencyOnSaturatedRun(input, []), input);
  });
});

describe('lower bounds on latency given the generator lateness', () => {
  // 100 samples: 95 at 100 ms, 5 at 400 ms (microseconds in the histogram).
  const h = newHistogram();
  h.recordValueWithCount(100_000, 95);
  h.recordValueWithCount(400_000, 5);
  const near = (actual: number | undefined, expected: number): void =>
    assert.ok(actual !== undefined && Math.abs(actual - expected) < expected * 0.002 + 0.01, `${actual} vs ${expected}`);

  it('without lateness: the measured value', () => {
    near(latencyValue(h, { name: 'p', p: 99 }), 400);
    near(latencyValue(h, { name: 'avg' }), 115);
  });

  it('few late arrivals: the slowest samples may be pure lag, the rest lose at most the late threshold', () => {
    const lateness: Lateness = { late: 5, maxMs: 350, sumMs: 5 * 300, thresholdMs: 10 };
    // p(99) shifts to p(94): 100 ms, minus 10 ms.
    near(latencyValue(h, { name: 'p', p: 99 }, lateness), 90);
    near(latencyValue(h, { name: 'max' }, lateness), 90);
    near(latencyValue(h, { name: 'avg' }, lateness), 100);
  });

  it('every arrival slightly late: each loses at most the largest lateness', () => {
    const lateness: Lateness = { late: 100, maxMs: 12, sumMs: 100 * 11, thresholdMs: 10 };
    near(latencyValue(h, { name: 'p', p: 99 }, lateness), 388);
    near(latencyValue(h, { name: 'med' }, lateness), 88);
    near(latencyValue(h, { name: 'avg' }, lateness), 104);
  });

  it('a real slowdown survives the bound: 400 ms everywhere, 2 late starts of 15 ms', () => {
    const slow = newHistogram();
    slow.recordValueWithCount(400_000, 100);
    near(latencyValue(slow, { name: 'p', p: 95 }, { late: 2, maxMs: 15, sumMs: 40, thresholdMs: 10 }), 390);
  });
});
