/**
 * report.html's pure parts: numbers for people, reasons grouped by cause, the data commands hand over
 * (per-second series, histogram buckets, gate traces, smoke start times) and the page built from them.
 * The page in a real browser is test/e2e/report-html.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GateTraceRecorder, pointOf, traceShape } from '../../src/gate/trace.js';
import { parseCriteria } from '../../src/gate/criteria.js';
import type { CanaryGateResult } from '../../src/gate/evaluate-gates.js';
import { LOAD_METRICS } from '../../src/load/profile.js';
import { limitLines, seriesOf } from '../../src/load/report-data.js';
import { parseThresholds } from '../../src/thresholds/index.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { count, duration, ms, pct, points, ratio } from '../../src/report/page/format.js';
import { groupReasons } from '../../src/report/reasons.js';
import type { ChartSpec } from '../../src/report/page/charts.js';
import { smokeTimeline } from '../../src/smoke/results.js';
import { latencyBuckets, newHistogram } from '../../src/traffic/histogram.js';
import { PerSecondRecorder } from '../../src/traffic/per-second.js';
import { decide } from '../../src/verdict/decide.js';
import type { GateResult } from '../../src/verdict/types.js';
import { check } from '../helpers/verdicts.js';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** The chart specs a page embeds for its script. */
function specsOf(html: string): ChartSpec[] {
  const m = /<script type="application\/json" id="revgate-charts">([\s\S]*?)<\/script>/.exec(html);
  return m ? (JSON.parse(m[1] as string) as ChartSpec[]) : [];
}

describe('numbers for people', () => {
  const rows: Array<[string, string, string]> = [
    [ms(0.42), '0.42 ms', 'sub-millisecond keeps two digits'],
    [ms(6.739), '6.7 ms', 'single-digit ms: one decimal'],
    [ms(52.34), '52.3 ms', ''],
    [ms(253.6), '254 ms', ''],
    [ms(2582.5), '2.58 s', 'seconds above 1,000 ms'],
    [count(21132), '21,132', 'thousands separators'],
    [pct(0), '0%', ''],
    [pct(0.00048), '0.048%', 'small rates keep two significant digits'],
    [pct(0.05), '5.0%', ''],
    [pct(0.9995), '99.95%', 'availability tells itself from 100%'],
    [pct(1), '100%', ''],
    [points(0.005), '+0.5 points', 'differences of rates in points'],
    [points(-0.00047), '-0.047 points', ''],
    [ratio(1.198), '×1.2', ''],
    [duration(70_800), '70.8 s', ''],
    [duration(1_800_000), '30 min', ''],
  ];
  for (const [got, want, why] of rows) it(`${want}${why ? ` (${why})` : ''}`, () => assert.equal(got, want));
});

describe('reasons grouped by cause', () => {
  const probe = (i: number, status: 'failed' | 'degraded', message: string, region = 'eastus') =>
    check(`t${i}/${region}/health`, status, { error: { message }, labels: { tenant: `t${i}`, region, cell: `cell-${region}`, endpoint: 'health' } });

  it('84 identical failures are one line with the count, where they happened, and every id', () => {
    const checks = [
      ...Array.from({ length: 84 }, (_, i) => probe(i, 'failed', 'expected status 200, got 503 Service Unavailable')),
      probe(100, 'degraded', 'took 210.6 ms, above the 200 ms warning level', 'westeurope'),
      probe(101, 'degraded', 'took 284.8 ms, above the 200 ms warning level', 'westeurope'),
      check('ok', 'passed'),
    ];
    const v = decide({ kind: 'probe', target: { baseUrl: 'http://x' }, startedAt: at(0), finishedAt: at(1), checks, gates: [], version: 't' });
    const groups = groupReasons(v);
    assert.equal(groups.length, 2);
    assert.equal(groups[0]?.text, '84 probes failed: expected status 200, got 503 Service Unavailable');
    assert.equal(groups[0]?.ids.length, 84);
    assert.deepEqual(groups[0]?.where, { region: ['eastus'], cell: ['cell-eastus'], endpoint: ['health'] });
    // Measured numbers do not split a group: they become a range.
    assert.equal(groups[1]?.text, '2 probes degraded: took 210.6-284.8 ms, above the 200 ms warning level');
    const why = renderMarkdown(v).split('### Why')[1]?.split('###')[0] ?? '';
    assert.equal((why.match(/expected status 200, got 503/g) ?? []).length, 1, "summary.md's why has the reason once");
  });

  it('keeps reasons that are not a check’s (a gate, a blast radius line) in the verdict’s order, and counts checks cut from a capped list', () => {
    const gate: GateResult = { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500', blocking: true, status: 'failed', reason: '900 ms' };
    const base = decide({
      kind: 'smoke',
      target: { baseUrl: 'http://x' },
      startedAt: at(0),
      finishedAt: at(1),
      checks: [check('a', 'failed', { error: { message: 'boom' } }), check('b', 'failed', { error: { message: 'boom' } })],
      gates: [gate],
      version: 't',
    });
    const v = {
      ...base,
      reasons: ['blast radius line', base.reasons[0] as string, '… and 1 more (every probe is in verdict.json)', 'gate p95 failed: 900 ms'],
    };
    const groups = groupReasons(v);
    assert.deepEqual(
      groups.map((g) => [g.text, g.count]),
      [
        ['blast radius line', 1],
        ['2 checks failed: boom', 2],
        ['gate p95 failed: 900 ms', 1],
      ],
    );
  });

  it('a single check keeps its own line; non-blocking is said', () => {
    const v = decide({
      kind: 'smoke',
      target: { baseUrl: 'http://x' },
      startedAt: at(0),
      finishedAt: at(1),
      checks: [check('redis', 'failed', { blocking: false, error: { message: 'down' } }), check('ok', 'passed')],
      gates: [],
      version: 't',
    });
    assert.deepEqual(
      groupReasons(v).map((g) => g.text),
      ['redis failed (non-blocking): down'],
    );
  });
});

describe('series for the charts', () => {
  it('PerSecondRecorder: counts per second, quantiles of each second, the open second included', () => {
    const r = new PerSecondRecorder();
    for (let i = 0; i < 100; i++) r.record(10 + i, i < 90 ? 10 : 100, i % 10 !== 0);
    r.drop(500);
    r.record(1500, 40, true);
    r.record(2100, 7, false);
    const { perSecond: p, histogram } = r.series();
    assert.deepEqual(p.requests, [100, 1, 1]);
    assert.deepEqual(p.failed, [10, 0, 1]);
    assert.deepEqual(p.dropped, [1, 0, 0]);
    assert.ok(Math.abs((p.p50Ms[0] as number) - 10) < 0.05 && Math.abs((p.p99Ms[0] as number) - 100) < 0.1, JSON.stringify(p));
    assert.ok(Math.abs((p.p95Ms[2] as number) - 7) < 0.01, 'the open second has its quantiles too');
    assert.equal(
      histogram.counts.reduce((a, b) => a + b, 0),
      102,
    );
  });

  it('latencyBuckets: one fixed log grid (ten buckets per factor of ten), every request in one bucket', () => {
    const h = newHistogram();
    for (const us of [900, 1000, 1100, 5000, 250_000]) h.recordValue(us);
    const b = latencyBuckets(h);
    assert.equal(
      b.counts.reduce((a, x) => a + x, 0),
      5,
    );
    assert.equal(b.upperMs[0], 1, '0.9 ms and 1 ms fall under the 1 ms edge');
    assert.equal(b.counts[0], 2);
    assert.equal(b.upperMs[b.upperMs.length - 1], 251, 'the last edge covers 250 ms');
    assert.deepEqual(latencyBuckets(newHistogram()), { upperMs: [], counts: [] });
  });

  it('load: summary.json’s series, a trailing empty second cut, no latency where no request completed; limits for whole metrics only', () => {
    const s = seriesOf({
      requests: [41, 0, 38, 0],
      failed: [0, 0, 1, 0],
      dropped: [0, 0, 0, 0],
      late: [1, 0, 0, 0],
      p50Ms: [2, 0, 3, 0],
      p95Ms: [4, 0, 5, 0],
      p99Ms: [6, 0, 7, 0],
    });
    assert.deepEqual(s?.requests, [41, 0, 38]);
    assert.deepEqual(s?.p95Ms, [4, null, 5]);
    const full = { requests: [40, 40, 3], failed: [0, 0, 0], dropped: [0, 0, 0], p50Ms: [1, 1, 1], p95Ms: [2, 2, 2], p99Ms: [3, 3, 3] };
    assert.deepEqual(seriesOf(full, 2100)?.requests, [40, 40], 'a last second a tenth of which ran is left out');
    assert.deepEqual(seriesOf(full, 2600)?.requests, [40, 40, 3]);
    const { thresholds } = parseThresholds(
      {
        http_req_duration: ['p(95)<500'],
        'http_req_duration{endpoint:health}': ['p(95)<300'],
        http_req_failed: ['rate<0.01'],
        http_reqs: ['rate>10', 'count>100'],
        dropped_iterations: ['count<10'],
      },
      LOAD_METRICS,
    );
    assert.deepEqual(
      limitLines(thresholds).map((l) => [l.gateId, l.chart, l.value]),
      [
        ['http_req_duration p(95)<500', 'latency', 500],
        ['http_req_failed rate<0.01', 'error-rate', 0.01],
        ['http_reqs rate>10', 'throughput', 10],
      ],
    );
  });

  it('smoke: every attempt from the first check’s start', () => {
    const t = smokeTimeline({
      tests: [
        {
          title: '[a] A',
          file: 'x',
          project: 'p',
          outcome: 'flaky',
          lastStatus: 'passed',
          attempts: 2,
          durationMs: 30,
          errors: [],
          annotations: [{ type: 'revgate:id', description: 'a' }],
          tags: [],
          tries: [
            { status: 'failed', durationMs: 10, startedAt: '2026-01-01T00:00:05.000Z' },
            { status: 'passed', durationMs: 20, startedAt: '2026-01-01T00:00:06.500Z' },
          ],
        },
      ],
    });
    assert.deepEqual(t.checks[0]?.tries, [
      { startMs: 0, durationMs: 10, status: 'failed' },
      { startMs: 1500, durationMs: 20, status: 'passed' },
    ]);
  });
});

describe('gate traces', () => {
  const criteria = parseCriteria({
    thresholds: { http_req_duration: ['p(95)<2000'], availability: ['rate>=0.999'], http_5xx: ['count==0'] },
    compare: [{ metric: 'http_req_duration', stat: 'p(95)', maxIncrease: 0.2 }],
    rollbackTriggers: { http_req_failed: ['rate>0.10'] },
  });
  const spec = (id: string) => criteria.gates.find((g) => g.id === id) as (typeof criteria.gates)[number];
  const result = (id: string, r: Partial<CanaryGateResult>): CanaryGateResult => ({
    id,
    metric: 'm',
    expression: 'e',
    blocking: true,
    status: 'inconclusive',
    settled: false,
    role: 'gate',
    reason: '',
    ...r,
  });

  it('the limit in the interval’s unit, and the side that passes (a trigger passes below its condition)', () => {
    assert.deepEqual(traceShape(spec('http_req_duration:p(95)<2000')), { unit: 'ms', limit: 2000, passWhen: 'below' });
    assert.deepEqual(traceShape(spec('availability:rate>=0.999')), { unit: 'fraction', limit: 0.999, passWhen: 'above' });
    assert.deepEqual(traceShape(spec('trigger:http_req_failed:rate>0.10')), { unit: 'fraction', limit: 0.1, passWhen: 'below' });
    assert.deepEqual(traceShape(spec('compare:http_req_duration:p(95)')), { unit: 'ratio', limit: 1.2, passWhen: 'below' });
    assert.deepEqual(traceShape(spec('http_5xx:count==0')), { unit: 'count', limit: 0, passWhen: 'below' });
  });

  it('an unbounded end is null; a ratio gate’s observed (ms) is not mixed with its interval', () => {
    const id = 'compare:http_req_duration:p(95)';
    assert.deepEqual(pointOf(1234.4, spec(id), result(id, { interval: [0.8, Number.MAX_SAFE_INTEGER], observed: 52 })), { tMs: 1234, lo: 0.8, hi: null });
    const q = 'http_req_duration:p(95)<2000';
    assert.deepEqual(pointOf(10, spec(q), result(q, { interval: [40, 60], observed: 52 })), { tMs: 10, lo: 40, hi: 60, observed: 52 });
    // The windowed gate's bounds (wip/gate-windows.patch), when a result carries them: in the gate's unit, null = unbounded.
    const windowed = { ...result(id, {}), bounds: { unit: 'ratio', observed: 1.1, lower: 0.9, upper: null } } as CanaryGateResult;
    assert.deepEqual(pointOf(20, spec(id), windowed), { tMs: 20, lo: 0.9, hi: null, observed: 1.1 });
  });

  it('records when each gate was decided, and stays bounded over a long run', () => {
    const rec = new GateTraceRecorder(criteria);
    const q = 'http_req_duration:p(95)<2000';
    for (let t = 0; t < 4 * 3600; t++) {
      const decided = t >= 1000;
      rec.add(t * 250, [result(q, { interval: [40, 60 + 1000 / (t + 1)], status: decided ? 'passed' : 'inconclusive', settled: decided })]);
    }
    rec.add(4 * 3600 * 250, [result(q, { interval: [40, 60], status: 'passed', settled: true })], true);
    const trace = rec.traces().find((t) => t.gateId === q);
    assert.equal(trace?.decidedAtMs, 250_000);
    assert.equal(trace?.decidedStatus, 'passed');
    assert.ok((trace?.points.length ?? 0) <= 400, `${trace?.points.length} points`);
    assert.ok(
      trace?.points.some((p) => p.tMs === 250_000),
      'the deciding evaluation is kept',
    );
    assert.equal(trace?.points[trace.points.length - 1]?.tMs, 3_600_000, 'and the final one');
  });
});

describe('the page', () => {
  it('load: tiles carry summary.json’s figures, charts for throughput, latency, errors, the generator and the distribution; ids in the script data cannot end it', () => {
    const evil = 'http_req_duration p(95)<500</script><script>alert(1)';
    const v = decide({
      kind: 'load',
      target: { baseUrl: 'http://x' },
      startedAt: at(0),
      finishedAt: at(3),
      checks: [],
      gates: [{ id: evil, metric: 'http_req_duration', expression: 'p(95)<500', blocking: true, status: 'failed', reason: 'slow', observed: 900 }],
      version: 't',
    });
    const h = newHistogram();
    h.recordValue(5000);
    const html = renderHtml(v, {
      load: {
        totals: { requests: 1234, ratePerSecond: 411.3, failedRate: 0.01, p50Ms: 3, p95Ms: 900, p99Ms: 950, dropped: 0, late: 2, retries: 0 },
        perSecond: {
          requests: [400, 400, 434],
          failed: [4, 4, 4],
          dropped: [0, 0, 0],
          late: [2, 0, 0],
          p50Ms: [3, 3, 3],
          p95Ms: [900, 900, 900],
          p99Ms: [950, 950, 950],
        },
        histogram: latencyBuckets(h),
        limits: [{ gateId: evil, chart: 'latency', stat: 'p(95)', operator: '<', value: 500 }],
      },
    });
    assert.ok(!html.includes('<script><script>') && !html.includes('</script><script>alert'), 'a gate id cannot close the data script');
    assert.ok(!/<link|src="http|fetch\(/.test(html), 'no external assets');
    assert.match(html, /data-key="http_reqs.count" data-raw="1234"><div class="tv">1,234<\/div>/);
    assert.match(html, /data-key="http_req_duration.p\(95\)" data-raw="900"><div class="tv">900 ms/);
    const specs = specsOf(html);
    assert.deepEqual(
      specs.map((s) => s.id),
      ['load-throughput', 'load-latency', 'load-error-rate', 'load-generator', 'load-histogram'],
    );
    const latency = specs.find((s) => s.id === 'load-latency');
    assert.equal(latency?.lines?.[0]?.value, 500);
    assert.match(latency?.lines?.[0]?.label ?? '', /p\(95\) < 500 ms: failed/);
    assert.match(html, /uPlot/, 'uPlot is inlined');
    assert.match(html, /Numbers behind this chart/, 'every chart has its table');
  });

  it('probe: the grid has a cell per tenant and region, the reason on hover', () => {
    const checks = [
      check('t1/eastus/health', 'failed', {
        error: { message: '503 <b>' },
        labels: { tenant: 't1', tier: 'basic', cell: 'c1', region: 'eastus', endpoint: 'health' },
      }),
      check('t1/westus/health', 'passed', { labels: { tenant: 't1', tier: 'basic', cell: 'c2', region: 'westus', endpoint: 'health' } }),
      check('t2/eastus/health', 'passed', { labels: { tenant: 't2', tier: 'basic', cell: 'c1', region: 'eastus', endpoint: 'health' } }),
    ];
    const base = decide({ kind: 'probe', target: { baseUrl: 'http://x' }, startedAt: at(0), finishedAt: at(1), checks, gates: [], version: 't' });
    const v = {
      ...base,
      blastRadius: {
        line: '1/2 tenants failing',
        tenants: { total: 2, failing: 1, degraded: 0, error: 0 },
        cells: { total: 2, affected: 1 },
        regions: { total: 2, affected: 1 },
        isolationBreaches: 0,
        rateLimited: 0,
        byCell: [{ cell: 'c1', tenants: 2, failing: 1, error: 0 }],
        byRegion: [
          { region: 'eastus', tenants: 2, failing: 1, error: 0 },
          { region: 'westus', tenants: 1, failing: 0, error: 0 },
        ],
        failingTenants: ['t1'],
      },
    };
    const html = renderHtml(v);
    assert.match(html, /<td class="cell s-failed" title="t1 in eastus \(cell c1\):\nhealth: failed - 503 &lt;b&gt;">/);
    assert.match(html, /<i class="sq none"><\/i>/, 't2 is not served in westus: an empty square keeps the columns in line');
    assert.match(html, /the other 1 passed everywhere/);
    assert.equal((html.match(/<i class="sq /g) ?? []).length, 4, 'the strip: one square per tenant per region');
  });
});
