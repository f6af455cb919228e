import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpMeasurement } from '../../src/evaluate/types.js';
import { computeBlastRadius } from '../../src/probe/blast.js';
import type { Exchange, ProbeOutcome } from '../../src/probe/engine.js';
import { parseRetryAfter } from '../../src/probe/engine.js';
import { evaluateHealth, evaluateIsolation, foreignTenantIds } from '../../src/probe/evaluate-probes.js';
import { probeSummarizer } from '../../src/probe/summary.js';
import type { HealthProbe, IsolationProbe } from '../../src/probe/types.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { decide } from '../../src/verdict/decide.js';
import type { CheckResult } from '../../src/verdict/types.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

const url = 'https://gw.example.net/tenant/health';
const health: HealthProbe = {
  kind: 'health',
  id: 'a/eastus/health',
  tenant: 'a',
  tier: 'basic',
  region: 'eastus',
  cell: 'shared-1',
  endpoint: 'health',
  request: { key: 'own', keyTenant: 'a', tenantHeader: 'a', url, method: 'GET' },
  expect: { status: 200, json: { tenantId: 'a' }, latency: { warnMs: 200, maxMs: 500 } },
};
const iso: IsolationProbe = {
  kind: 'isolation',
  id: 'a/eastus/isolation',
  tenant: 'a',
  tier: 'basic',
  region: 'eastus',
  cell: 'shared-1',
  partner: 'b',
  cross: { key: 'own', keyTenant: 'a', tenantHeader: 'b', url, method: 'GET' },
  anonymous: { key: 'none', keyTenant: 'a', tenantHeader: 'a', url, method: 'GET' },
  refusedStatus: [401, 403],
};
const ctx = { tenantIds: new Set(['a', 'b', 'c', 'tenant-1', 'tenant-10']), envRefs: new Map([['a', 'KEY_A']]) };

function res(status: number, body: unknown, ms = 20, headers: Record<string, string> = {}): Exchange {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const m: HttpMeasurement = {
    kind: 'http',
    method: 'GET',
    url,
    durationMs: ms,
    response: { status, headers: { 'content-type': 'application/json', ...headers }, bodyText: text, bodyBytes: text.length },
  };
  return { measurement: m };
}
const refused = (s = 401): Exchange => res(s, { statusCode: s, message: 'Access denied' });

describe('health probe evaluation', () => {
  const rows: Array<{ name: string; o: ProbeOutcome; status: string; match?: RegExp }> = [
    { name: 'healthy and fast', o: { main: res(200, { tenantId: 'a' }, 40) }, status: 'passed' },
    { name: 'over the 200 ms target: degraded', o: { main: res(200, { tenantId: 'a' }, 320) }, status: 'degraded', match: /above the 200 ms warning level/ },
    { name: 'over the 500 ms alert: failed', o: { main: res(200, { tenantId: 'a' }, 700) }, status: 'failed', match: /above the 500 ms limit/ },
    { name: '503 from the cell', o: { main: res(503, { detail: 'x' }) }, status: 'failed', match: /expected status 200, got 503/ },
    { name: "another tenant's data", o: { main: res(200, { tenantId: 'b' }) }, status: 'failed', match: /tenantId/ },
    {
      name: 'connection refused is a failed probe',
      o: {
        main: {
          measurement: { kind: 'http', method: 'GET', url, durationMs: 2, error: { kind: 'connect', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } },
        },
      },
      status: 'failed',
      match: /connection refused/,
    },
    {
      name: '429 once, retried after Retry-After: passed, not an outage',
      o: { main: { ...res(200, { tenantId: 'a' }), rateLimited: { retryAfterMs: 1000, retried: true } } },
      status: 'passed',
    },
    {
      name: '429 again after the retry: could not measure (error), not failed',
      o: { main: { ...res(429, { statusCode: 429 }), rateLimited: { retryAfterMs: 1000, retried: true } } },
      status: 'error',
      match: /rate-limited \(429\), not an outage/,
    },
    {
      name: 'missing key: error with the reason',
      o: { keyProblem: 'subscription key env var KEY_A is not set, so no probe of tenant a was sent' },
      status: 'error',
      match: /KEY_A is not set/,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const c = evaluateHealth(health, row.o, ctx);
      assert.equal(c.status, row.status, JSON.stringify(c.assertions));
      assert.deepEqual(c.labels, { tenant: 'a', tier: 'basic', cell: 'shared-1', region: 'eastus', probe: 'health', endpoint: 'health' });
      if (row.match) assert.match(c.error?.message ?? '', row.match);
      if (c.status !== 'passed') assert.match(c.reproduce ?? '', /-H "Ocp-Apim-Subscription-Key: \$\{KEY_A\}"/);
    });
  }
  it('a rate-limited retry that passed says so, and counts two attempts', () => {
    const c = evaluateHealth(health, { main: { ...res(200, { tenantId: 'a' }), rateLimited: { retryAfterMs: 1000, retried: true } } }, ctx);
    assert.equal(c.attempts, 2);
  });
  it('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('isolation probe evaluation (critical)', () => {
  const rows: Array<{ name: string; o: ProbeOutcome; own?: string[]; status: string; match?: RegExp }> = [
    { name: 'both refused, no foreign ids', o: { cross: refused(403), anonymous: refused(401) }, own: ['{"tenantId":"a"}'], status: 'passed' },
    {
      name: "A's key accepted for B: breach",
      o: { cross: res(200, { tenantId: 'b' }), anonymous: refused() },
      status: 'failed',
      match: /ISOLATION BREACH: a's subscription key was accepted for tenant b \(status 200/,
    },
    {
      name: 'no key accepted: breach',
      o: { cross: refused(403), anonymous: res(200, { tenantId: 'a' }) },
      status: 'failed',
      match: /without a subscription key was accepted/,
    },
    {
      name: "another tenant's id in A's own response: breach",
      o: { cross: refused(403), anonymous: refused() },
      own: ['{"tenantId":"a","recent":["c"]}'],
      status: 'failed',
      match: /contains another tenant's id: c/,
    },
    {
      name: 'a refusal that echoes the partner id is not a leak',
      o: { cross: res(403, { message: 'no access to b' }), anonymous: refused() },
      status: 'passed',
    },
    { name: 'key missing: the keyless probe still runs, the check cannot pass', o: { keyProblem: 'KEY_A not set', anonymous: refused() }, status: 'error' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const c = evaluateIsolation(iso, row.o, row.own ?? [], ctx);
      assert.equal(c.status, row.status, JSON.stringify(c.assertions));
      assert.equal(c.severity, 'critical');
      assert.equal(c.blocking, true);
      if (row.match) assert.match(c.error?.message ?? '', row.match);
      if (row.status === 'failed') assert.equal(c.error?.kind, 'isolation-breach');
    });
  }
  it('foreign ids are whole tokens: tenant-1 is not found inside tenant-10', () => {
    assert.deepEqual(foreignTenantIds('{"tenantId":"tenant-10","note":"tenant-1."}', ctx.tenantIds, ['tenant-10']), ['tenant-1']);
    assert.deepEqual(foreignTenantIds('{"tenantId":"tenant-10"}', ctx.tenantIds, ['tenant-10']), []);
  });
});

function probe(tenant: string, cell: string, region: string, status: CheckResult['status'], kind = 'health'): CheckResult {
  return {
    id: `${tenant}/${region}/${kind}`,
    title: '',
    status,
    blocking: true,
    durationMs: 5,
    attempts: 1,
    labels: { tenant, cell, region, tier: 'basic', probe: kind },
  };
}

describe('blast radius', () => {
  const estate = (fail: (t: number, region: string) => boolean): CheckResult[] =>
    ['eastus', 'westus'].flatMap((region) =>
      Array.from({ length: 120 }, (_, i) =>
        probe(`t${i}`, `${i < 40 ? 'shared-smb' : 'shared-premium'}-${region}`, region, fail(i, region) ? 'failed' : 'passed'),
      ),
    );

  it('one cell down: says which, and that it is the whole cell', () => {
    const b = computeBlastRadius(
      estate((i, r) => i < 40 && r === 'eastus'),
      { 'shared-smb-eastus': { type: 'shared', region: 'eastus' } },
    );
    assert.equal(b.line, '40/120 tenants failing, all on shared cell shared-smb-eastus (all 40 of its tenants)');
    assert.deepEqual(
      [b.cells, b.regions],
      [
        { total: 4, affected: 1 },
        { total: 2, affected: 1 },
      ],
    );
  });
  it('a few tenants of one cell', () => {
    const b = computeBlastRadius(estate((i, r) => (i === 3 || i === 7 || i === 9) && r === 'eastus'));
    assert.equal(b.line, '3/120 tenants failing, all on cell shared-smb-eastus (3 of its 40 tenants) (t3, t7, t9)');
  });
  it('a whole region', () => {
    const b = computeBlastRadius(estate((_, r) => r === 'westus'));
    assert.match(b.line, /^120\/120 tenants failing, all in region westus: 80 on shared-premium-westus \(all 80 of its tenants\), 40 on shared-smb-westus/);
  });
  it('nothing failing, with an isolation breach and a tenant that could not be probed', () => {
    const checks = [
      ...estate(() => false),
      probe('t5', 'shared-smb-eastus', 'eastus', 'failed', 'isolation'),
      probe('t6', 'shared-smb-eastus', 'eastus', 'error'),
    ];
    const b = computeBlastRadius(checks);
    assert.match(b.line, /^1\/120 tenants failing, all on cell shared-smb-eastus .*; isolation breach for 1 tenant; 1 tenant could not be probed$/);
    assert.equal(b.isolationBreaches, 1);
  });
  it('goes into the verdict: summary line, reasons, schema-valid field, summary.md matrix', () => {
    const checks = estate((i, r) => i < 40 && r === 'eastus');
    const v = decide({
      kind: 'probe',
      target: { baseUrl: 'https://gw.example.net', service: 'stamps' },
      startedAt: new Date(0),
      finishedAt: new Date(1500),
      checks,
      gates: [],
      version: 't',
      summarize: probeSummarizer({ cells: {} }, 2),
    });
    assert.equal(v.exitCode, 1);
    assert.match(
      v.summary,
      /^FAIL: 40\/120 tenants failing, all on cell shared-smb-eastus \(all 40 of its tenants\) - probe of stamps, 240 probes in 2 regions in 1\.5 s$/,
    );
    assert.equal(v.reasons[0], v.blastRadius?.line);
    assert.equal(verdictSchemaErrors(JSON.parse(JSON.stringify(v))), '');
    const md = renderMarkdown(v);
    assert.match(md, /### Tenant x region \(40 tenants with a problem; the other 80 passed everywhere\)/);
    assert.match(md, /\| `t0` \| basic \| ❌ health \(shared-smb-eastus\) \| ✅ \|/);
    assert.match(md, /200 passed \(not listed; verdict.json has every check\)/);
    assert.ok(md.length < 40_000, `summary.md stays readable: ${md.length} chars`);
  });
});
