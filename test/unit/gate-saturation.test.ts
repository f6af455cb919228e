import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryGateResult } from '../../src/gate/evaluate-gates.js';
import { judgeDrops, judgeLatency } from '../../src/gate/gate-report.js';
import type { ArmStats } from '../../src/gate/traffic.js';
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

describe('gate: arrivals dropped on both arms make an absolute error breach the baseline shares a hold', () => {
  const errors = (status: GateResult['status'], id = 'http_req_failed:rate<0.01'): GateResult => ({
    id,
    metric: 'http_req_failed',
    expression: id.includes('trigger') ? 'http_req_failed rate>0.10' : 'http_req_failed rate<0.01',
    blocking: true,
    status,
    observed: 0.4,
    reason: `error rate ${status}`,
  });
  const arm = (dropped: number): ArmStats => ({ completed: 100, dropped, skipped: 0, inFlight: 0, statusClasses: {}, errorsByKind: {}, errorSamples: {} });
  const base = (g: GateResult, role: 'gate' | 'trigger' = 'gate'): CanaryGateResult => ({ ...g, settled: true, role }) as CanaryGateResult;
  const rows: Array<[string, number, number, CanaryGateResult | undefined, GateResult['status']]> = [
    ['both arms dropped, the baseline failed the same gate: hold', 300, 280, base(errors('failed')), 'inconclusive'],
    ['both dropped, the baseline undecided past the limit: hold', 300, 280, base({ ...errors('inconclusive'), observed: 0.3 }), 'inconclusive'],
    ['both dropped, but the baseline met the limit: the canary is worse, rollback', 300, 5, base({ ...errors('passed'), observed: 0.002 }), 'failed'],
    ['both dropped, the baseline within the limit so far: rollback', 300, 5, base({ ...errors('inconclusive'), observed: 0.004 }), 'failed'],
    ['only the canary dropped: rollback', 300, 0, base(errors('failed')), 'failed'],
    ['no drops: the policy does not apply', 0, 0, base(errors('failed')), 'failed'],
  ];
  for (const [name, canaryDrops, baselineDrops, baseline, expected] of rows) {
    it(name, () => {
      const [g] = judgeDrops([errors('failed')], {
        canary: arm(canaryDrops),
        baseline: arm(baselineDrops),
        ...(baseline ? { baselineResults: [baseline] } : {}),
      });
      assert.equal(g?.status, expected, g?.reason);
    });
  }
  it('a trigger the baseline fired too, or whose condition the baseline observes as well, is held; a comparison is never touched', () => {
    const trig = errors('failed', 'trigger:http_req_failed:rate>0.10');
    const [t] = judgeDrops([trig], { canary: arm(300), baseline: arm(300), baselineResults: [base(trig, 'trigger')] });
    assert.equal(t?.status, 'inconclusive');
    const notYet = base({ ...trig, status: 'passed', observed: 0.35 }, 'trigger');
    assert.equal(judgeDrops([trig], { canary: arm(300), baseline: arm(300), baselineResults: [notYet] })[0]?.status, 'inconclusive');
    const clean = base({ ...trig, status: 'passed', observed: 0.01 }, 'trigger');
    assert.equal(judgeDrops([trig], { canary: arm(300), baseline: arm(300), baselineResults: [clean] })[0]?.status, 'failed');
    assert.match(t?.reason ?? '', /arrivals were dropped on both revisions \(300 canary, 300 baseline/);
    const cmp = { ...errors('failed', 'compare:http_req_failed'), expression: 'http_req_failed(canary) <= baseline + 0.5 points' };
    assert.equal(judgeDrops([cmp], { canary: arm(300), baseline: arm(300), baselineResults: [base(cmp)] })[0]?.status, 'failed');
  });
});
