import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseThresholds } from '../../src/thresholds/threshold.js';
import { findK6, gatesFromK6Summary, requireK6 } from '../../src/load/k6.js';
import { buildOperatorManifests, k8sName, toYaml } from '../../src/load/k6-operator.js';
import { LOAD_METRICS } from '../../src/load/profile.js';
import type { K6MetricSummary } from '../../src/load/summary.js';

describe('k6 summary -> gates', () => {
  const { thresholds } = parseThresholds(
    { http_req_duration: ['p(95)<500', 'avg<100'], http_req_failed: ['rate<0.01'], 'http_req_duration{endpoint:health}': ['p(99)<10'] },
    LOAD_METRICS,
  );
  const metrics: Record<string, K6MetricSummary> = {
    http_reqs: { type: 'counter', contains: 'default', values: { count: 300, rate: 100 } },
    http_req_duration: {
      type: 'trend',
      contains: 'time',
      values: { avg: 120.5, 'p(95)': 410 },
      thresholds: { 'p(95)<500': { ok: true }, 'avg<100': { ok: false } },
    },
    http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.02, passes: 6, fails: 294 }, thresholds: { 'rate<0.01': { ok: false } } },
  };
  const gates = gatesFromK6Summary({ metrics }, thresholds);
  it('one gate per threshold, k6 ok decides, observed from values', () => {
    assert.deepEqual(
      gates.map((g) => [g.id, g.status, g.observed]),
      [
        ['http_req_duration p(95)<500', 'passed', 410],
        ['http_req_duration avg<100', 'failed', 120.5],
        ['http_req_failed rate<0.01', 'failed', 0.02],
        ['http_req_duration{endpoint:health} p(99)<10', 'error', undefined],
      ],
    );
    assert.equal(gates[2]?.samples, 300);
  });
});

describe('k6 binary lookup', () => {
  it('says how to install k6 when it is missing', () => {
    assert.equal(findK6({ PATH: '/nonexistent' }), undefined);
    assert.throws(
      () => requireK6({ PATH: '/nonexistent' }),
      (err: Error & { exitCode?: number }) => /install it/.test(err.message) && err.exitCode === 4,
    );
  });
  it('honours K6_PATH', () => assert.equal(findK6({ K6_PATH: process.execPath }), process.execPath));
});

describe('k6-operator manifests', () => {
  const m = buildOperatorManifests({
    profileName: 'APEX canary!',
    profileJson: '{"name":"x"}',
    script: 'export default function () {}\n',
    baseUrl: 'https://a.example.io',
    parallelism: 4,
  });
  it('ConfigMap carries the script and the profile', () => {
    assert.equal(m.configMap.apiVersion, 'v1');
    assert.equal(m.configMap.kind, 'ConfigMap');
    assert.deepEqual(Object.keys(m.configMap.data as object), ['profile.ts', 'profile.json']);
    assert.equal((m.configMap.metadata as { name: string }).name, 'revgate-apex-canary');
  });
  it('TestRun runs it on N runners with the profile and target', () => {
    assert.equal(m.testRun.apiVersion, 'k6.io/v1alpha1');
    assert.equal(m.testRun.kind, 'TestRun');
    const spec = m.testRun.spec as {
      parallelism: number;
      script: { configMap: { name: string; file: string } };
      runner: { env: Array<{ name: string; value: string }> };
    };
    assert.equal(spec.parallelism, 4);
    assert.deepEqual(spec.script.configMap, { name: 'revgate-apex-canary', file: 'profile.ts' });
    assert.deepEqual(Object.fromEntries(spec.runner.env.map((e) => [e.name, e.value])), {
      REVGATE_PROFILE: '/test/profile.json',
      REVGATE_BASE_URL: 'https://a.example.io',
      REVGATE_SUMMARY: '/tmp/revgate-summary.json',
    });
  });
  it('renders YAML with literal blocks for multi-line strings', () => {
    const y = toYaml(m.configMap);
    assert.match(y, /^apiVersion: "v1"\nkind: "ConfigMap"/);
    assert.match(y, /profile\.ts: \|-\n {4}export default function \(\) \{\}/);
    assert.equal(k8sName('---'), 'revgate-load');
  });
});
