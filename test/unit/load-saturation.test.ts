import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distrustLatencyWhenSaturated } from '../../src/load/run-load.js';
import type { GateResult } from '../../src/verdict/types.js';

const gate = (id: string, metric: string, status: GateResult['status'], blocking = true): GateResult => ({ id, metric, expression: 'x', blocking, status, reason: `${id} reason` });
const generator = (status: GateResult['status']): GateResult => ({ ...gate('generator late starts', 'revgate_late_starts', status, false), reason: '78 of 98 arrivals (79.6%) started more than 10 ms late: the load generator was saturated' });

describe('a saturated generator cannot fail a latency gate', () => {
  const gates = [
    gate('http_req_duration p(95)<300', 'http_req_duration', 'failed'),
    gate('http_req_duration{endpoint:health} p(99)<1000', 'http_req_duration{endpoint:health}', 'failed'),
    gate('http_req_failed rate<0.01', 'http_req_failed', 'failed'),
    gate('baseline http_req_duration p(95)', 'http_req_duration', 'failed'),
    gate('http_req_duration p(50)<100', 'http_req_duration', 'passed'),
  ];

  it('saturated: failed latency gates become inconclusive with the reason; error-rate gates still fail', () => {
    const out = distrustLatencyWhenSaturated([...gates, generator('failed')]);
    assert.deepEqual(out.map((g) => g.status), ['inconclusive', 'inconclusive', 'failed', 'inconclusive', 'passed', 'failed']);
    assert.match(out[0]!.reason, /not trusted: the load generator was saturated \(78 of 98 arrivals \(79\.6%\) started more than 10 ms late\)/);
  });

  it('generator on time: nothing changes', () => {
    const input = [...gates, generator('passed')];
    assert.deepEqual(distrustLatencyWhenSaturated(input), input);
  });
});
