import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryGateResult } from '../../src/gate/evaluate-gates.js';
import { judgeLatency } from '../../src/gate/gate-report.js';
import type { GateResult } from '../../src/verdict/types.js';

const p95 = (status: GateResult['status']): GateResult => ({
  id: 'http_req_duration:p(95)<2000',
  metric: 'http_req_duration',
  expression: 'p(95)<2000',
  blocking: true,
  status,
  reason: `p95 ${status}`,
});
const onBaseline = (status: GateResult['status']): CanaryGateResult => ({ ...p95(status), settled: true, role: 'gate' }) as CanaryGateResult;

describe('gate: one saturation policy for absolute latency gates', () => {
  const rows: Array<[string, number, CanaryGateResult | undefined, GateResult['status']]> = [
    ['canary slow, baseline met the limit, quiet generator: rollback', 5, onBaseline('passed'), 'failed'],
    ['canary slow, baseline met the limit, lagging generator: still rollback (the baseline shows the target is slow)', 300, onBaseline('passed'), 'failed'],
    ['both arms over the limit (a busy machine, an A/A pair): hold, never rollback', 5, onBaseline('failed'), 'inconclusive'],
    ['both arms over the limit, baseline undecided: hold', 5, { ...onBaseline('inconclusive'), observed: 2400 }, 'inconclusive'],
    ['baseline undecided but well within the limit (the canary failed fast): rollback', 5, { ...onBaseline('inconclusive'), observed: 30 }, 'failed'],
    ['no baseline, lagging generator: hold', 300, undefined, 'inconclusive'],
    ['no baseline, quiet generator: rollback', 5, undefined, 'failed'],
  ];
  for (const [name, loopDelayP99Ms, baseline, expected] of rows) {
    it(name, () => {
      const [g] = judgeLatency([p95('failed')], { loopDelayP99Ms, ...(baseline ? { baselineResults: [baseline] } : {}) });
      assert.equal(g?.status, expected, g?.reason);
    });
  }
});
