import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCriteria } from '../../src/gate/criteria.js';
import { evaluateCanary, shouldStop, alphaPerGate } from '../../src/gate/evaluate-gates.js';
import { ArmRecorder } from '../../src/gate/observations.js';
import { RevgateError } from '../../src/core/errors.js';
import { createRng } from '../../src/stats/index.js';

const runbook = {
  confidence: 0.95,
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<2000'], http_5xx: ['count==0'] },
  rollbackTriggers: { http_req_failed: ['rate>0.10'] },
};

function problems(input: unknown): string[] {
  try {
    parseCriteria(input);
  } catch (err) {
    assert.ok(err instanceof RevgateError);
    assert.equal(err.exitCode, 3);
    return err.diagnostics.map((d) => `${d.path}: ${d.message}`);
  }
  assert.fail('expected the criteria to be rejected');
}

function feed(rec: ArmRecorder, n: number, failRate: number, latency: () => number, seed = 1): void {
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) rec.record({ status: rng.uniform() < failRate ? 503 : 200, latencyMs: latency() });
}

describe('canary criteria', () => {
  it('parses the runbook criteria; alpha is split over the gates that can change the verdict', () => {
    const c = parseCriteria(runbook);
    assert.deepEqual(
      c.gates.map((g) => g.kind),
      ['proportion', 'quantile', 'count', 'proportion'],
    );
    assert.deepEqual(c.latencyThresholdsMs, [2000]);
    assert.ok(Math.abs(alphaPerGate(c) - 0.05 / 3) < 1e-12, 'two statistical gates and one trigger; the count gate is deterministic');
    assert.equal(c.needsBaseline, false);
  });

  it('rejects malformed criteria with every problem named', () => {
    const p = problems({
      confidence: 1.2,
      thresholds: { http_req_latency: ['p(95)<1'], http_req_failed: ['rate<<0.01', 'rate<0'], http_req_duration: ['avg<200', 'p(100)<5'] },
      compare: [{ metric: 'http_req_duration', stat: 'p(95)' }],
    }).join('\n');
    assert.match(p, /\$\.confidence: must be strictly between 0 and 1/);
    assert.match(p, /unknown metric "http_req_latency"/);
    assert.match(p, /"rate<<0.01" is not a k6 threshold expression/);
    assert.match(p, /a rate limit must be strictly between 0 and 1/);
    assert.match(p, /"avg" cannot be decided from counts/);
    assert.match(p, /"p\(100\)" cannot be decided from counts/);
    assert.match(p, /maxIncrease: is required for a latency comparison/);
  });

  it('needs something that can pass, and wildcard scopes need declared values', () => {
    assert.match(problems({ thresholds: { http_5xx: ['count==0'] } }).join(), /no blocking gate that can pass/);
    assert.match(problems({ thresholds: { 'http_req_failed{tenant:*}': ['rate<0.05'] } }).join(), /needs the values of tag "tenant"/);
    const c = parseCriteria({ tags: { tenant: ['a', 'b'] }, thresholds: { 'http_req_failed{tenant:*}': ['rate<0.05'] } });
    assert.deepEqual(c.scopes, ['tenant:a', 'tenant:b']);
  });
});

describe('canary evaluation', () => {
  const c = parseCriteria(runbook);
  const arm = (): ArmRecorder => new ArmRecorder(c.latencyThresholdsMs, c.scopes);

  it('a healthy canary passes every gate with numbers in the reason', () => {
    const canary = arm();
    feed(canary, 6000, 0, () => 100);
    const r = evaluateCanary(c, { canary }, { final: false });
    assert.deepEqual(
      r.map((g) => g.status),
      ['passed', 'passed', 'passed', 'passed'],
    );
    assert.ok(shouldStop(r));
    assert.match(r[0]?.reason ?? '', /^error rate 0\.00%, 95% interval \[0\.00%, 0\.\d+%\] below 1\.0% after 6,000 requests$/);
    assert.match(r[1]?.reason ?? '', /^p95 100 ms, 95% interval \[100 ms, 100 ms\] below 2,000 ms after 6,000 requests$/);
    assert.equal(r[1]?.samples, 6000);
  });

  it('a clearly bad canary fails fast; a 5xx breaks "no 500s" at once', () => {
    const canary = arm();
    feed(canary, 400, 0.2, () => 50);
    const r = evaluateCanary(c, { canary }, { final: false });
    assert.equal(r[0]?.status, 'failed');
    assert.equal(r[2]?.status, 'failed');
    assert.equal(r[3]?.status, 'failed', 'the 10% rollback trigger fired');
    assert.ok(shouldStop(r));
  });

  it('too little traffic is inconclusive, never pass, and says how much more would decide', () => {
    const canary = arm();
    feed(canary, 50, 0, () => 50);
    const r = evaluateCanary(c, { canary }, { final: true });
    assert.equal(r[0]?.status, 'inconclusive');
    assert.ok((r[0]?.samplesNeeded ?? 0) > 50);
    assert.match(r[0]?.reason ?? '', /about [\d,]+ requests in all would decide it/);
    assert.ok(!shouldStop(evaluateCanary(c, { canary }, { final: false })));
  });

  it('comparative gates: a 50% slower canary fails a +20% allowance; the same revision passes', () => {
    const cc = parseCriteria({
      thresholds: { http_req_failed: ['rate<0.05'] },
      compare: [
        { metric: 'http_req_duration', stat: 'p(95)', maxIncrease: 0.2 },
        { metric: 'http_req_failed', maxIncreasePoints: 0.5 },
      ],
    });
    assert.equal(cc.needsBaseline, true);
    const rng = createRng(7);
    const lat = (scale: number) => () => scale * Math.exp(rng.normal() * 0.3);
    const slow = new ArmRecorder(cc.latencyThresholdsMs);
    const same = new ArmRecorder(cc.latencyThresholdsMs);
    const baseline = new ArmRecorder(cc.latencyThresholdsMs);
    feed(slow, 4000, 0, lat(150), 2);
    feed(same, 4000, 0, lat(100), 3);
    feed(baseline, 4000, 0, lat(100), 4);
    assert.equal(evaluateCanary(cc, { canary: slow, baseline }, { final: false })[1]?.status, 'failed');
    assert.equal(evaluateCanary(cc, { canary: same, baseline }, { final: false })[1]?.status, 'passed');
    assert.equal(evaluateCanary(cc, { canary: same }, { final: false })[1]?.status, 'error', 'no baseline to compare with');
  });

  it('continuous monitoring keeps false rollbacks under 1 - confidence (seeded simulation)', () => {
    // Canaries whose true error rate is just under the limit (0.7% vs 1%), looked at after every 100 requests.
    const crit = parseCriteria({ confidence: 0.95, thresholds: { http_req_failed: ['rate<0.01'] } });
    const rng = createRng(42);
    let falseRollbacks = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      const canary = new ArmRecorder([]);
      for (let batch = 0; batch < 60; batch++) {
        for (let i = 0; i < 100; i++) canary.record({ status: rng.uniform() < 0.007 ? 500 : 200, latencyMs: 10 });
        const r = evaluateCanary(crit, { canary }, { final: false });
        if (r[0]?.status === 'failed') {
          falseRollbacks++;
          break;
        }
        if (shouldStop(r)) break;
      }
    }
    assert.ok(falseRollbacks / runs <= 0.05, `false rollback rate ${falseRollbacks / runs}`);
  });
});
