/**
 * Real-traffic evidence, pure: which gates of a criteria file real traffic can judge, how it judges them
 * on Azure Monitor's counts, and what is left for the synthetic gate.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { countsOf, criteriaWithout, evaluateRealTraffic, parseIsoInterval, realTrafficSpecs } from '../../src/aca/real-traffic.js';
import { ROOT } from '../helpers/cli.js';

const APEX = JSON.parse(readFileSync(path.join(ROOT, 'load', 'criteria', 'apex-canary.json'), 'utf8')) as unknown;

describe('real-traffic evidence', () => {
  it("judges the runbook's error gates, not latency or tags", () => {
    assert.deepEqual(
      realTrafficSpecs(APEX).map((s) => s.id),
      ['real:http_req_failed:rate<0.01', 'real:trigger:http_req_failed:rate>0.10', 'real:trigger:availability:rate<0.99', 'real:compare:http_5xx'],
    );
    assert.deepEqual(realTrafficSpecs({ thresholds: { 'http_req_failed{tenant:contoso}': ['rate<0.05'], http_req_duration: ['p(95)<500'] } }), []);
  });

  it('passes, fails and holds as the counts say, with anytime-valid intervals', () => {
    const specs = realTrafficSpecs({ thresholds: { http_req_failed: ['rate<0.05'], http_5xx: ['count==0'] } });
    const clean = evaluateRealTraffic(specs, { canary: { total: 2000, failed: 4, unavailable: 0 } }, 0.95, 'in the hold');
    assert.deepEqual(
      clean.map((g) => g.status),
      ['passed', 'passed'],
    );
    const broken = evaluateRealTraffic(specs, { canary: { total: 400, failed: 60, unavailable: 3 } }, 0.95, 'in the hold');
    assert.deepEqual(
      broken.map((g) => g.status),
      ['failed', 'failed'],
    );
    assert.match(broken[1]?.reason ?? '', /^3 5xx over 400 real requests to the canary in the hold \(3 5xx, 57 4xx\)$/);
    const few = evaluateRealTraffic(specs, { canary: { total: 20, failed: 0, unavailable: 0 } }, 0.95, 'in the hold');
    assert.equal(few[0]?.status, 'inconclusive');
    const none = evaluateRealTraffic(specs, { canary: { total: 0, failed: 0, unavailable: 0 } }, 0.95, 'in the hold');
    assert.match(none[0]?.reason ?? '', /no real requests to the canary in the hold yet \(Azure Monitor shows a request only after its ingestion delay\)/);
  });

  it("judges the shipped criteria's 5xx comparison on 5xx alone, and the availability trigger below its limit", () => {
    const specs = realTrafficSpecs(APEX);
    const byId = (gates: ReturnType<typeof evaluateRealTraffic>, id: string) => gates.find((g) => g.id === id)?.status;
    // Many 4xx on both (a client problem, not the revision's), 5xx equal: the 5xx comparison passes.
    const shared = evaluateRealTraffic(
      specs,
      { canary: { total: 20000, failed: 600, unavailable: 2 }, baseline: { total: 20000, failed: 20, unavailable: 2 } },
      0.95,
      'in the hold',
    );
    assert.equal(byId(shared, 'real:compare:http_5xx'), 'passed');
    // 5% of the canary's requests 5xx against none on the baseline: the comparison fails and availability < 99% fires.
    const broken = evaluateRealTraffic(
      specs,
      { canary: { total: 4000, failed: 200, unavailable: 200 }, baseline: { total: 4000, failed: 0, unavailable: 0 } },
      0.95,
      'in the hold',
    );
    assert.equal(byId(broken, 'real:compare:http_5xx'), 'failed');
    assert.equal(byId(broken, 'real:trigger:availability:rate<0.99'), 'failed');
    assert.equal(byId(shared, 'real:trigger:availability:rate<0.99'), 'passed');
  });

  it('leaves the synthetic gate only what real traffic did not pass; nothing left means no synthetic traffic', () => {
    const specs = realTrafficSpecs(APEX);
    const some = criteriaWithout(APEX, specs.slice(0, 2));
    assert.deepEqual((some.doc as { thresholds: object }).thresholds, { http_req_duration: ['p(95)<2000'] });
    assert.deepEqual((some.doc as { rollbackTriggers: object }).rollbackTriggers, { availability: ['rate<0.99'] });
    assert.equal(some.empty, false);
    const errorsOnly = { thresholds: { http_req_failed: ['rate<0.05'] }, compare: [{ metric: 'http_req_failed', maxIncreasePoints: 5 }] };
    assert.deepEqual(criteriaWithout(errorsOnly, realTrafficSpecs(errorsOnly)), { doc: { thresholds: {}, compare: [] }, empty: true });
  });

  it('counts per revision from the buckets at or after the hold began; ISO intervals', () => {
    const buckets = [
      { revision: 'v2', category: '2xx', start: '2026-01-01T00:00:00Z', total: 100 },
      { revision: 'v2', category: '5xx', start: '2026-01-01T00:01:00Z', total: 2 },
      { revision: 'v2', category: '4xx', start: '2026-01-01T00:01:00Z', total: 3 },
      { revision: 'v2', category: '2xx', start: '2026-01-01T00:01:00Z', total: 95 },
      { revision: 'v1', category: '2xx', start: '2026-01-01T00:01:00Z', total: 900 },
    ];
    assert.deepEqual(countsOf(buckets, 'v2', Date.parse('2026-01-01T00:01:00Z')), { total: 100, failed: 5, unavailable: 2 });
    assert.deepEqual(
      [parseIsoInterval('PT1M'), parseIsoInterval('PT1S'), parseIsoInterval('PT1H30M'), parseIsoInterval('P1D')],
      [60_000, 1000, 5_400_000, undefined],
    );
  });
});
