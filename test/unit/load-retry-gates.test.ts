import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineResult } from '../../src/load/engine.js';
import { retryGates, withRetries } from '../../src/load/gates.js';
import { Recorder } from '../../src/load/recorder.js';
import type { LoadSummary } from '../../src/load/summary.js';
import type { GateResult } from '../../src/verdict/types.js';

function result(requests: number, retries: number): EngineResult {
  const recorder = new Recorder([''], 2);
  recorder.groups[0]!.requests = requests;
  recorder.retries = retries;
  return { recorder, startedAt: new Date(0), finishedAt: new Date(2000), durationMs: 2000, stopReason: 'completed', slots: 10 };
}

const summaryWith = (retries: number): LoadSummary =>
  ({ metrics: { http_req_retries: { type: 'counter', contains: 'default', values: { count: retries, rate: retries / 2 } } } }) as unknown as LoadSummary;

const gate = (id: string, metric: string, status: GateResult['status']): GateResult => ({ id, metric, expression: 'x', blocking: true, status, reason: 'r' });

describe('retries in the verdict', () => {
  const rows: Array<[string, number, number, GateResult['status'], RegExp]> = [
    ['none', 200, 0, 'passed', /^0 of 200 requests were sent once more, on a new connection, after the server closed an idle keep-alive connection/],
    ['1% is the advisory limit', 200, 2, 'passed', /^2 of 200 requests/],
    [
      'more than 1%: advisory failure saying what it costs',
      200,
      3,
      'failed',
      /^3 of 200 requests .* \(1\.5%\): the server closes idle connections before revgate stops reusing them and sends no keep-alive hint; the target received up to 203 requests for 200/,
    ],
    ['no requests at all', 0, 0, 'passed', /^0 of 0 requests/],
  ];
  for (const [name, requests, retries, status, reason] of rows) {
    it(`advisory gate: ${name}`, () => {
      const [g] = retryGates(result(requests, retries));
      assert.equal(g?.id, 'connection retries');
      assert.equal(g?.metric, 'http_req_retries');
      assert.equal(g?.blocking, false);
      assert.equal(g?.status, status);
      assert.equal(g?.observed, retries);
      assert.equal(g?.samples, requests);
      assert.match(g?.reason ?? '', reason);
    });
  }

  it('failed-request gates say how many requests were retried, whatever their status; other gates are untouched', () => {
    const gates = [
      gate('http_req_failed rate<0.1', 'http_req_failed', 'passed'),
      gate('http_req_failed{a:b} rate<0.1', 'http_req_failed{a:b}', 'failed'),
      gate('p95', 'http_req_duration', 'failed'),
    ];
    const out = withRetries(gates, summaryWith(4));
    assert.match(
      out[0]!.reason,
      /^r; 4 requests were sent once more after the server closed an idle connection under them \(http_req_retries\), counted by the retry's outcome$/,
    );
    assert.match(out[1]!.reason, /4 requests were sent once more/);
    assert.equal(out[2]!.reason, 'r');
    assert.match(withRetries(gates, summaryWith(1))[0]!.reason, /1 request was sent once more after the server closed an idle connection under it/);
    assert.deepEqual(withRetries(gates, summaryWith(0)), gates);
  });
});
