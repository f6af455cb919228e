import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeInterrupted } from '../../src/load/interrupted.js';
import { counterView, rateView, trendView } from '../../src/load/summary.js';
import { newHistogram } from '../../src/traffic/histogram.js';
import { evaluateThresholds, type MetricLookup, type MetricView } from '../../src/thresholds/evaluate-thresholds.js';
import { parseThresholds } from '../../src/thresholds/threshold.js';
import { LOAD_METRICS } from '../../src/load/profile.js';

/** A latency trend over real HDR samples (ms). */
function latencies(values: number[]): MetricView {
  const h = newHistogram();
  for (const v of values) h.recordValue(v * 1000);
  return trendView(h);
}

function judge(expression: Record<string, string[]>, views: Record<string, MetricView>) {
  const thresholds = parseThresholds(expression, LOAD_METRICS).thresholds;
  const lookup: MetricLookup = (k) => views[k];
  return judgeInterrupted(evaluateThresholds(thresholds, lookup), thresholds, lookup)[0];
}

describe('an interrupted load run: only decided failures stand', () => {
  const rows: Array<[string, Record<string, string[]>, Record<string, MetricView>, 'failed' | 'inconclusive' | 'passed']> = [
    ['p95 of 2 slow samples: undecided', { http_req_duration: ['p(95)<500'] }, { http_req_duration: latencies([900, 950]) }, 'inconclusive'],
    [
      'p95 with 60 of 200 samples over the limit: decided',
      { http_req_duration: ['p(95)<500'] },
      { http_req_duration: latencies([...Array(140).fill(100), ...Array(60).fill(900)]) },
      'failed',
    ],
    [
      'p95 with 12 of 200 over (6%): breach not shown at 95%',
      { http_req_duration: ['p(95)<500'] },
      { http_req_duration: latencies([...Array(188).fill(100), ...Array(12).fill(900)]) },
      'inconclusive',
    ],
    ['error rate 1 of 3: undecided', { http_req_failed: ['rate<0.01'] }, { http_req_failed: rateView(1, 3) }, 'inconclusive'],
    ['error rate 40 of 400: decided', { http_req_failed: ['rate<0.01'] }, { http_req_failed: rateView(40, 400) }, 'failed'],
    ['a count only grows: decided', { dropped_iterations: ['count<10'] }, { dropped_iterations: counterView(25, 2) }, 'failed'],
    ['a max only grows: decided', { http_req_duration: ['max<1000'] }, { http_req_duration: latencies([100, 2000]) }, 'failed'],
    ['an average could still come down: undecided', { http_req_duration: ['avg<200'] }, { http_req_duration: latencies([100, 900]) }, 'inconclusive'],
    ['a passing gate is left alone', { http_req_failed: ['rate<0.5'] }, { http_req_failed: rateView(1, 3) }, 'passed'],
  ];
  for (const [name, expression, views, expected] of rows) {
    it(name, () => {
      const g = judge(expression, views);
      assert.equal(g?.status, expected, g?.reason);
      if (expected === 'failed') assert.match(g?.reason ?? '', /decided although the run was interrupted/);
      if (expected === 'inconclusive') assert.match(g?.reason ?? '', /not decided: the run was interrupted/);
    });
  }
});
