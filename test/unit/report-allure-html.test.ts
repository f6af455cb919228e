import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderAllure, renderAllureEnvironment, writeAllureResults } from '../../src/report/allure.js';
import { renderHtml } from '../../src/report/html.js';
import { decide } from '../../src/verdict/decide.js';
import { tempDir } from '../helpers/cli.js';
import { check } from '../helpers/verdicts.js';

const verdict = decide({
  kind: 'probe',
  target: { baseUrl: 'http://127.0.0.1:9', environment: 'smoke', service: 'stamps' },
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:00:03Z'),
  checks: [
    check('t1/eastus/health', 'passed', { labels: { tenant: 't1', tier: 'basic', cell: 'shared-smb-eastus', region: 'eastus' }, severity: 'critical' }),
    check('t2/eastus/health', 'failed', { title: '<script>alert(1)</script>', error: { message: 'status 500 & <b>' }, reproduce: "curl 'http://x/?a=1&b=2'" }),
    check('t3/westus/health', 'degraded'),
    check('t4/westus/health', 'flaky'),
    check('t5/westus/health', 'error'),
    check('t6/westus/health', 'skipped'),
  ],
  gates: [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500', blocking: true, status: 'passed', reason: 'ok', observed: 120, samples: 300 }],
  version: 't',
});

describe('allure results', () => {
  it('one result per check and gate, with statuses mapped and labels carried', () => {
    let n = 0;
    const results = renderAllure(verdict, () => `u${n++}`);
    assert.equal(results.length, 7);
    assert.deepEqual(
      results.map((r) => r.status),
      ['passed', 'failed', 'passed', 'passed', 'broken', 'skipped', 'passed'],
    );
    const first = results[0];
    for (const [name, value] of [
      ['tenant', 't1'],
      ['tier', 'basic'],
      ['cell', 'shared-smb-eastus'],
      ['region', 'eastus'],
      ['severity', 'critical'],
      ['subSuite', 'eastus'],
    ]) {
      assert.ok(
        first?.labels.some((l) => l.name === name && l.value === value),
        `${name}=${value}`,
      );
    }
    assert.equal(results[3]?.statusDetails.flaky, true);
    assert.equal(results[2]?.statusDetails.known, true);
    assert.equal(results[0]?.historyId, renderAllure(verdict)[0]?.historyId, 'history ids are stable across runs');
    assert.match(renderAllureEnvironment(verdict), /^revgate.verdict=fail$/m);
  });

  it('a check starts when it started and lasts its wall time; its latency is a parameter', () => {
    const v = decide({
      kind: 'smoke',
      target: { baseUrl: 'http://127.0.0.1:9' },
      startedAt: new Date('2026-01-01T00:00:00Z'),
      finishedAt: new Date('2026-01-01T00:00:03Z'),
      checks: [
        check('flow', 'passed', {
          startedAt: '2026-01-01T00:00:01.000Z',
          durationMs: 400,
          latencyMs: 120,
          steps: [
            { name: 'create', status: 'passed', durationMs: 100, latencyMs: 90 },
            { name: 'read', status: 'passed', durationMs: 30, latencyMs: 30 },
          ],
        }),
        check('old', 'passed'),
      ],
      gates: [],
      version: 't',
    });
    const [flow, old] = renderAllure(v);
    const at = Date.parse('2026-01-01T00:00:01.000Z');
    assert.deepEqual([flow?.start, flow?.stop], [at, at + 400]);
    assert.deepEqual(
      flow?.steps.map((s) => [s.start - at, s.stop - at]),
      [
        [0, 100],
        [100, 130],
      ],
    );
    assert.ok(flow?.parameters.some((p) => p.name === 'latency' && p.value === '120 ms'));
    assert.equal(old?.start, Date.parse('2026-01-01T00:00:00Z'), 'without its own start, the run start');
  });

  it('writes result files through the mask', (t) => {
    const out = tempDir(t);
    writeAllureResults(verdict, out, (s) => s.replace(/t1/g, '***'));
    const files = readdirSync(path.join(out, 'allure-results'));
    assert.equal(files.filter((f) => f.endsWith('-result.json')).length, 7);
    const all = files.map((f) => readFileSync(path.join(out, 'allure-results', f), 'utf8')).join('\n');
    assert.ok(!all.includes('t1/eastus'));
  });
});

describe('html report', () => {
  it('is self-contained, escapes everything, and lists failures first', () => {
    const html = renderHtml(verdict);
    assert.match(html, /^<!doctype html>/);
    assert.ok(!html.includes('<script>alert(1)</script>'), 'check titles are escaped');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /status 500 &amp; &lt;b&gt;/);
    assert.ok(!/<link|src="http/.test(html), 'no external assets');
    assert.ok(html.indexOf('t2/eastus/health') < html.indexOf('t3/westus/health'), 'failed before degraded');
    assert.match(html, /1 more passed \(not listed; verdict.json has every check\)/, 'a probe page lists the probes that did not pass');
    assert.match(html, /<span class="verdict"[^>]*>FAIL<\/span>/);
    assert.match(html, /<h2>Gates<\/h2>/);
    assert.match(renderHtml({ ...verdict, kind: 'smoke' }), /tenant: t1/, 'labels are shown (every check is listed on a smoke page)');
  });
});
