import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createRng } from '../../src/stats/index.js';
import { compareWithBaseline, latencyStat, loadBaseline, saveBaseline, type RunSample } from '../../src/load/baseline.js';
import { BLOCKS } from '../../src/load/recorder.js';
import { newHistogram } from '../../src/traffic/histogram.js';
import type { LoadSummary } from '../../src/load/summary.js';
import { tempDir } from '../helpers/cli.js';

/** A synthetic run: latencies ~ base * lognormal noise, in µs, over BLOCKS blocks; `blockDrift` adds per-block level noise. */
function run(seed: number, baseMs: number, opts: { perBlock?: number; failed?: number; blockDrift?: number } = {}): RunSample {
  const rng = createRng(seed);
  const normal = (): number => rng.normal(0, 1);
  const whole = newHistogram();
  const blocks = Array.from({ length: BLOCKS }, () => {
    const h = newHistogram();
    const level = 1 + (opts.blockDrift ?? 0) * normal();
    for (let i = 0; i < (opts.perBlock ?? 200); i++) {
      const us = Math.max(1, Math.round(baseMs * 1000 * level * Math.exp(0.3 * normal())));
      h.recordValue(us);
      whole.recordValue(us);
    }
    return { histogram: h, requests: opts.perBlock ?? 200, failed: Math.round((opts.failed ?? 0) * (opts.perBlock ?? 200)) };
  });
  const requests = blocks.reduce((n, b) => n + b.requests, 0);
  return { whole, blocks, requests, failed: blocks.reduce((n, b) => n + b.failed, 0) };
}

const status = (gates: ReturnType<typeof compareWithBaseline>, id: string): string | undefined => gates.find((g) => g.id === id)?.status;

describe('baseline comparison', () => {
  it('passes a rerun of the same revision', () => {
    const gates = compareWithBaseline(run(2, 20), run(1, 20));
    assert.equal(status(gates, 'baseline http_req_duration p(95)'), 'passed', gates[0]?.reason);
    assert.equal(status(gates, 'baseline http_req_failed rate'), 'passed');
  });
  it('flags a 50% p95 regression as beyond noise', () => {
    const gates = compareWithBaseline(run(2, 30), run(1, 20));
    const g = gates[0];
    assert.equal(g?.status, 'failed', g?.reason);
    assert.match(g?.reason ?? '', /regression: p\(95\) .* \(\+5\d\.\d%, allowed \+20%\); 95% interval of the ratio \[1\.\d+, 1\.\d+\]: beyond/);
    assert.ok((g?.interval?.[0] ?? 0) > 1.2);
  });
  it('holds (inconclusive) when over the limit but within a noisy baseline', () => {
    const gates = compareWithBaseline(run(2, 25, { blockDrift: 0.4 }), run(1, 20, { blockDrift: 0.4 }), { latency: [{ stat: 'p(95)', maxIncreasePct: 5 }] });
    const g = gates[0];
    assert.equal(g?.status, 'inconclusive', g?.reason);
    assert.match(
      g.reason,
      /^over the limit but within noise: p\(95\) .* \(\+\d+\.\d%, allowed \+5%\); 95% interval of the ratio \[[\d.]+, [\d.]+\]: within the baseline's run-to-run noise/,
    );
    const [lo, hi] = g.interval ?? [null, null];
    assert.ok(lo !== null && hi !== null && lo < 1.05 && hi > 1.05, `the interval ${JSON.stringify(g.interval)} straddles the allowed 1.05`);
  });
  it('ignores differences under minDeltaMs', () => {
    const gates = compareWithBaseline(run(2, 0.6), run(1, 0.3), { minDeltaMs: 1 });
    assert.equal(gates[0]?.status, 'passed', gates[0]?.reason);
    assert.match(gates[0]?.reason ?? '', /below the 1 ms floor/);
  });
  it('flags an error-rate increase beyond 0.5 points', () => {
    const gates = compareWithBaseline(run(2, 20, { failed: 0.05 }), run(1, 20));
    assert.equal(status(gates, 'baseline http_req_failed rate'), 'failed');
  });
  it('round-trips through a baseline file (encoded histograms)', (t) => {
    const sample = run(3, 20);
    const file = path.join(tempDir(t, 'revgate-bl-'), 'b.json');
    saveBaseline(file, sample, { metrics: {} } as unknown as LoadSummary, { profile: 'p', baseUrl: 'http://127.0.0.1:1' });
    const { baseline, sample: back } = loadBaseline(file);
    assert.equal(baseline.format, 'revgate-load-baseline/1');
    assert.equal(back.requests, sample.requests);
    assert.equal(latencyStat(back.whole, 'p(95)'), latencyStat(sample.whole, 'p(95)'));
    assert.ok(readFileSync(file, 'utf8').length < 200_000);
  });
});
