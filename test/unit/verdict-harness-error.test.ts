import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../src/verdict/decide.js';
import { withHarnessError } from '../../src/verdict/harness-error.js';
import type { BlastRadius, CanaryRun, GateResult } from '../../src/verdict/types.js';

const gate = (status: GateResult['status']): GateResult => ({
  id: 'g',
  metric: 'http_req_failed',
  expression: 'rate<0.01',
  blocking: true,
  status,
  reason: 'r',
});
const canary: CanaryRun = {
  confidence: 0.95,
  alphaPerGate: 0.01,
  stopReason: 'decided',
  ratePerSecond: 50,
  requests: { canary: 10 },
  dropped: { canary: 0 },
  networkErrors: { canary: {} },
};
const blastRadius = { line: '0/3 tenants failing' } as BlastRadius;

function decided(status: GateResult['status']) {
  return decide({
    kind: 'gate',
    target: { baseUrl: 'http://127.0.0.1:1' },
    startedAt: new Date(0),
    finishedAt: new Date(2000),
    checks: [],
    gates: [gate(status)],
    version: 't',
    summarize: () => ({ summary: 'the command summary', canary, blastRadius, partial: true }),
  });
}

describe('withHarnessError: a problem found after the verdict', () => {
  it('turns a pass into an error (hold, exit 4) and keeps every extension of the verdict', () => {
    const v = withHarnessError(decided('passed'), 'a secret survived');
    assert.deepEqual([v.verdict, v.decision, v.exitCode], ['error', 'hold', 4]);
    assert.match(v.summary, /^ERROR: could not evaluate \(a secret survived\) - gate on http:\/\/127\.0\.0\.1:1 in 2\.0 s$/);
    assert.equal(v.reasons[0], 'revgate could not complete the evaluation: a secret survived');
    assert.deepEqual([v.canary, v.blastRadius, v.partial], [canary, blastRadius, true]);
  });

  it('keeps a measured failure a failure (roll back), with the problem added as a reason', () => {
    const before = decided('failed');
    const v = withHarnessError(before, 'a secret survived');
    assert.deepEqual([v.verdict, v.exitCode, v.summary], ['fail', 1, before.summary]);
    assert.equal(v.reasons.at(-1), 'revgate could not complete the evaluation: a secret survived');
    assert.deepEqual(v.canary, canary);
  });

  it("decide applies the summarizer after folding: the verdict value stays decide's", () => {
    const v = decided('inconclusive');
    assert.deepEqual([v.verdict, v.exitCode, v.summary], ['inconclusive', 2, 'the command summary']);
  });
});
