import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortingThresholds, evaluateThreshold, evaluateThresholds, type MetricView } from '../../src/thresholds/evaluate-thresholds.js';
import { parseDurationMs, parseExpression, parseMetricKey, parseThresholds, type Aggregation } from '../../src/thresholds/threshold.js';
import { LOAD_METRICS } from '../../src/load/profile.js';

describe('k6 threshold expressions', () => {
  const rows: Array<[string, Aggregation, string, number]> = [
    ['p(95)<500', { name: 'p', p: 95 }, '<', 500],
    ['p(99.9) <= 250', { name: 'p', p: 99.9 }, '<=', 250],
    ['avg<200', { name: 'avg' }, '<', 200],
    ['med>=1', { name: 'med' }, '>=', 1],
    ['min > 0', { name: 'min' }, '>', 0],
    ['max!=0', { name: 'max' }, '!=', 0],
    ['rate<0.01', { name: 'rate' }, '<', 0.01],
    ['count===100', { name: 'count' }, '===', 100],
    ['count==100', { name: 'count' }, '==', 100],
    ['value>1e3', { name: 'value' }, '>', 1000],
  ];
  for (const [text, aggregation, operator, value] of rows) {
    it(`parses ${text}`, () => assert.deepEqual(parseExpression(text), { aggregation, operator, value }));
  }
  for (const bad of ['p95<500', 'p(0)<1', 'p(101)<1', 'avg<', '<500', 'avg << 3', 'mean<3', 'p(95)<500ms', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.ok('problem' in parseExpression(bad)));
  }
});

describe('metric keys', () => {
  it('parses tags', () =>
    assert.deepEqual(parseMetricKey('http_req_duration{endpoint:health,method:GET}'), {
      metric: 'http_req_duration',
      tags: [
        ['endpoint', 'health'],
        ['method', 'GET'],
      ],
    }));
  it('parses a bare name', () => assert.deepEqual(parseMetricKey('http_reqs'), { metric: 'http_reqs', tags: [] }));
  for (const bad of ['http_req_duration{}', 'http_req_duration{endpoint}', '9metric', 'a{b:c'])
    it(`rejects ${bad}`, () => assert.ok('problem' in parseMetricKey(bad)));
});

describe('parseThresholds', () => {
  it('collects every problem with its path', () => {
    const { thresholds, problems } = parseThresholds(
      {
        http_req_duration: ['p(95)<500', 'rate<0.1'],
        http_req_failed: ['rate<0.01', { threshold: 'rate<0.02', abortOnFail: true, delayAbortEval: '10s' }],
        nope: ['count>1'],
        http_reqs: ['bogus'],
      },
      LOAD_METRICS,
    );
    assert.equal(thresholds.length, 3);
    assert.equal(thresholds[2]?.abortOnFail, true);
    assert.equal(thresholds[2]?.delayAbortEvalMs, 10_000);
    assert.deepEqual(
      problems.map((p) => p.path),
      ['$.thresholds["http_req_duration"][1]', '$.thresholds["nope"]', '$.thresholds["http_reqs"][0]'],
    );
    assert.match(problems[0]?.message ?? '', /does not apply to http_req_duration \(a trend metric\)/);
    assert.match(problems[1]?.message ?? '', /unknown metric "nope"/);
  });
  it('parses durations', () => {
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('2m'), 120_000);
    assert.equal(parseDurationMs('-5s'), undefined);
  });
});

function trend(values: Record<string, number>, samples = 100): MetricView {
  return { type: 'trend', samples, unit: 'ms', get: (a) => values[a.name === 'p' ? `p(${a.p})` : a.name] };
}

describe('evaluateThreshold', () => {
  const [p95, rate, count] = parseThresholds(
    { http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'], dropped_iterations: ['count<1'] },
    LOAD_METRICS,
  ).thresholds;
  const rows: Array<[string, ReturnType<typeof evaluateThreshold>['status'], ReturnType<typeof evaluateThreshold>]> = [
    ['p95 under the limit passes', 'passed', evaluateThreshold(p95!, trend({ 'p(95)': 120 }))],
    ['p95 at the limit fails (strict <)', 'failed', evaluateThreshold(p95!, trend({ 'p(95)': 500 }))],
    ['a trend without samples is an error, never a pass', 'error', evaluateThreshold(p95!, trend({}, 0))],
    ['a missing metric is an error', 'error', evaluateThreshold(p95!, undefined)],
    ['rate over the limit fails', 'failed', evaluateThreshold(rate!, { type: 'rate', samples: 100, get: () => 0.02 })],
    ['a counter of zero is a measurement', 'passed', evaluateThreshold(count!, { type: 'counter', samples: 0, get: () => 0 })],
  ];
  for (const [name, status, gate] of rows) it(name, () => assert.equal(gate.status, status, gate.reason));
  it('names the breached threshold with numbers', () => {
    const g = evaluateThreshold(p95!, trend({ 'p(95)': 612.34 }));
    assert.equal(g.id, 'http_req_duration p(95)<500');
    assert.match(g.reason, /threshold breached: p\(95\) of http_req_duration = 612\.3 ms \(threshold < 500 ms, 100 samples\)/);
    assert.equal(g.observed, 612.34);
  });
  it('evaluates a list and finds abortOnFail thresholds after their delay', () => {
    const parsed = parseThresholds({ http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '5s' }] }, LOAD_METRICS).thresholds;
    const lookup = (): MetricView => ({ type: 'rate', samples: 10, get: () => 0.5 });
    assert.equal(evaluateThresholds(parsed, lookup)[0]?.status, 'failed');
    assert.equal(abortingThresholds(parsed, lookup, 4000).length, 0);
    assert.equal(abortingThresholds(parsed, lookup, 5000).length, 1);
  });
});
