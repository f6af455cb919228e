import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type DecideInput } from '../../src/verdict/decide.js';
import type { GateResult } from '../../src/verdict/types.js';
import { check, verdictSchemaErrors } from '../helpers/verdicts.js';

const base: Omit<DecideInput, 'checks'> = {
  kind: 'smoke',
  target: { baseUrl: 'http://127.0.0.1:1', environment: 'smoke', service: 'svc' },
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:00:02.500Z'),
  gates: [],
  version: '0.0.0-test',
};

const gate = (id: string, status: GateResult['status'], blocking = true): GateResult => ({
  id,
  metric: 'http_req_failed',
  expression: 'rate<0.01',
  blocking,
  status,
  reason: `${id} ${status}`,
});

// One row per rule: the worst blocking phase wins; error stays distinct from fail; nothing is pass by default.
const rows: Array<{ name: string; input: Partial<DecideInput>; verdict: string; decision: string; exit: number }> = [
  { name: 'all passed', input: { checks: [check('a', 'passed'), check('b', 'passed')] }, verdict: 'pass', decision: 'promote', exit: 0 },
  { name: 'a blocking failure rolls back', input: { checks: [check('a', 'passed'), check('b', 'failed')] }, verdict: 'fail', decision: 'rollback', exit: 1 },
  { name: 'failure beats error', input: { checks: [check('a', 'error'), check('b', 'failed')] }, verdict: 'fail', decision: 'rollback', exit: 1 },
  {
    name: 'could not evaluate is an error, never a pass',
    input: { checks: [check('a', 'passed'), check('b', 'error')] },
    verdict: 'error',
    decision: 'hold',
    exit: 4,
  },
  { name: 'flaky holds by default', input: { checks: [check('a', 'passed'), check('b', 'flaky')] }, verdict: 'inconclusive', decision: 'hold', exit: 2 },
  {
    name: 'flaky fails under policy fail',
    input: { checks: [check('b', 'flaky')], policy: { flaky: 'fail' } },
    verdict: 'fail',
    decision: 'rollback',
    exit: 1,
  },
  { name: 'degraded passes with a warning by default', input: { checks: [check('a', 'degraded')] }, verdict: 'pass', decision: 'promote', exit: 0 },
  {
    name: 'degraded holds under policy inconclusive',
    input: { checks: [check('a', 'degraded')], policy: { degraded: 'inconclusive' } },
    verdict: 'inconclusive',
    decision: 'hold',
    exit: 2,
  },
  {
    name: 'non-blocking failure never fails the verdict',
    input: { checks: [check('a', 'passed'), check('b', 'failed', { blocking: false })] },
    verdict: 'pass',
    decision: 'promote',
    exit: 0,
  },
  {
    name: 'non-blocking error never fails the verdict',
    input: { checks: [check('a', 'passed'), check('b', 'error', { blocking: false })] },
    verdict: 'pass',
    decision: 'promote',
    exit: 0,
  },
  { name: 'nothing evaluated is an error', input: { checks: [check('a', 'skipped')] }, verdict: 'error', decision: 'hold', exit: 4 },
  { name: 'no checks at all is an error', input: { checks: [] }, verdict: 'error', decision: 'hold', exit: 4 },
  {
    name: 'only non-blocking checks evaluated is an error',
    input: { checks: [check('a', 'passed', { blocking: false })] },
    verdict: 'error',
    decision: 'hold',
    exit: 4,
  },
  { name: 'interrupted without failures is an error', input: { checks: [check('a', 'passed')], partial: true }, verdict: 'error', decision: 'hold', exit: 4 },
  {
    name: 'interrupted with a failure still rolls back',
    input: { checks: [check('a', 'failed')], partial: true },
    verdict: 'fail',
    decision: 'rollback',
    exit: 1,
  },
  { name: 'harness error', input: { checks: [check('a', 'passed')], harnessError: 'boom' }, verdict: 'error', decision: 'hold', exit: 4 },
  { name: 'blocking gate failed', input: { checks: [], gates: [gate('g1', 'passed'), gate('g2', 'failed')] }, verdict: 'fail', decision: 'rollback', exit: 1 },
  {
    name: 'blocking gate inconclusive holds',
    input: { checks: [], gates: [gate('g1', 'passed'), gate('g2', 'inconclusive')] },
    verdict: 'inconclusive',
    decision: 'hold',
    exit: 2,
  },
  {
    name: 'advisory gate failure does not fail',
    input: { checks: [], gates: [gate('g1', 'passed'), gate('g2', 'failed', false)] },
    verdict: 'pass',
    decision: 'promote',
    exit: 0,
  },
  { name: 'all gates passed', input: { checks: [], gates: [gate('g1', 'passed')] }, verdict: 'pass', decision: 'promote', exit: 0 },
];

describe('decide', () => {
  for (const row of rows) {
    it(row.name, () => {
      const v = decide({ ...base, checks: [], ...row.input });
      assert.equal(v.verdict, row.verdict);
      assert.equal(v.decision, row.decision);
      assert.equal(v.exitCode, row.exit);
      assert.equal(verdictSchemaErrors(v), '');
      assert.ok(!v.summary.includes('\n'));
      assert.ok(v.summary.startsWith(row.verdict.toUpperCase()), v.summary);
      if (row.verdict !== 'pass') assert.ok(v.reasons.length > 0, 'a verdict other than pass says why');
    });
  }

  it('names the failing checks in the summary and orders reasons worst first', () => {
    const v = decide({
      ...base,
      checks: [
        check('ok', 'passed'),
        check('slow', 'degraded', { error: { message: 'latency 150 ms over 100 ms' } }),
        check('ready', 'failed', { error: { message: 'status 503' } }),
      ],
    });
    assert.match(v.summary, /^FAIL: ready failed \(1 degraded\) - smoke on http:\/\/127\.0\.0\.1:1 in 2\.5 s$/);
    assert.equal(v.reasons[0], 'ready failed: status 503');
    assert.deepEqual(v.counts, { total: 3, passed: 1, failed: 1, degraded: 1, flaky: 0, skipped: 0, error: 0 });
    assert.equal(v.durationMs, 2500);
  });
});
