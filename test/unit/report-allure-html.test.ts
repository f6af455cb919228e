import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { markPlaywrightAllureResults, renderAllure, renderAllureEnvironment, writeAllureResults } from '../../src/report/allure.js';
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
    assert.match(results[2]?.statusDetails.message ?? '', /^degraded: /, 'degraded is said, so its category finds it');
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
      flow?.steps.map((s) => [(s.start ?? 0) - at, (s.stop ?? 0) - at]),
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

describe('allure statuses that mean what Allure users expect', () => {
  const v = decide({
    kind: 'gate',
    target: { baseUrl: 'http://127.0.0.1:9', service: 'apex' },
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:00:03Z'),
    checks: [check('redis', 'failed', { blocking: false, error: { message: 'down' } })],
    gates: [
      { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.01', blocking: true, status: 'failed', reason: '3% > 1%' },
      { id: 'generator', metric: 'revgate_event_loop_delay', expression: 'p(99) <= 100 ms', blocking: false, status: 'failed', reason: 'delayed 500 ms' },
      { id: 'availability', metric: 'availability', expression: 'rate>=0.999', blocking: true, status: 'inconclusive', reason: 'needs ~7,000 requests' },
      { id: 'baseline', metric: 'baseline', expression: 'answers', blocking: true, status: 'error', reason: 'no response' },
    ],
    version: 't',
  });

  it('advisory and non-blocking failures are failed and say so; inconclusive is skipped with the reason; error is broken', () => {
    const byName = new Map(renderAllure(v).map((r) => [r.name, r]));
    const get = (prefix: string) => [...byName.entries()].find(([n]) => n?.startsWith(prefix))?.[1];
    assert.deepEqual([get('redis')?.status, get('redis')?.statusDetails.message], ['failed', 'non-blocking, does not affect the verdict: down']);
    assert.deepEqual([get('errors:')?.status, get('errors:')?.statusDetails.message], ['failed', '3% > 1%']);
    assert.deepEqual(
      [get('generator:')?.status, get('generator:')?.statusDetails.message],
      ['failed', 'advisory, does not affect the verdict: delayed 500 ms'],
    );
    assert.deepEqual([get('availability:')?.status, get('availability:')?.statusDetails.message], ['skipped', 'inconclusive: needs ~7,000 requests']);
    assert.equal(get('baseline:')?.status, 'broken');
  });

  it('written by allure-js-commons: results, categories.json naming each group, environment.properties', (t) => {
    const out = tempDir(t);
    writeAllureResults(v, out, (s) => s);
    const dir = path.join(out, 'allure-results');
    const results = readdirSync(dir)
      .filter((f) => f.endsWith('-result.json'))
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { name: string; status: string; stage: string; start: number; stop: number });
    assert.equal(results.length, 5);
    assert.ok(results.every((r) => r.stage === 'finished' && r.stop >= r.start));
    assert.equal(results.find((r) => r.name.startsWith('generator'))?.status, 'failed');
    const categories = JSON.parse(readFileSync(path.join(dir, 'categories.json'), 'utf8')) as Array<{ name: string; messageRegex?: string }>;
    for (const [name, message] of <Array<[string, string]>>[
      ['Advisory gates failed', 'advisory, does not affect the verdict: delayed 500 ms'],
      ['Inconclusive gates', 'inconclusive: needs ~7,000 requests'],
      ['Non-blocking failures', 'non-blocking, does not affect the verdict: down'],
      ['Degraded', 'degraded: latency 640 ms'],
    ]) {
      const c = categories.find((x) => x.name.startsWith(name));
      assert.ok(c?.messageRegex && new RegExp(c.messageRegex).test(message), name);
    }
    assert.match(readFileSync(path.join(dir, 'environment.properties'), 'utf8'), /revgate\.verdict ?= ?fail/);
  });

  it("smoke: allure-playwright's results get the verdict's meaning (flaky on the passing attempt, degraded, non-blocking)", (t) => {
    const out = tempDir(t);
    const dir = path.join(out, 'allure-results');
    mkdirSync(dir);
    const pw = (uuid: string, name: string, status: string) =>
      writeFileSync(
        path.join(dir, `${uuid}-result.json`),
        JSON.stringify({ uuid, name, status, statusDetails: {}, labels: [], stage: 'finished', steps: [], attachments: [], parameters: [], links: [] }),
      );
    pw('a1', '[health-db] Database health', 'failed');
    pw('a2', '[health-db] Database health', 'passed');
    pw('b1', '[slow] Slow endpoint', 'passed');
    pw('c1', '[redis] Redis', 'failed');
    pw('d1', 'projects API paginates', 'passed');
    const smoke = decide({
      kind: 'smoke',
      target: { baseUrl: 'http://127.0.0.1:9', service: 'apex' },
      startedAt: new Date(0),
      finishedAt: new Date(1000),
      checks: [
        check('health-db', 'flaky', { title: 'Database health', attempts: 2 }),
        check('slow', 'degraded', { title: 'Slow endpoint', error: { message: 'latency 640 ms' } }),
        check('redis', 'failed', { title: 'Redis', blocking: false, error: { message: 'down' } }),
        check('projects-pagination/x', 'passed', { title: 'projects API paginates' }),
      ],
      gates: [],
      version: 't',
    });
    markPlaywrightAllureResults(smoke, out, (s) => s);
    const read = (uuid: string) =>
      JSON.parse(readFileSync(path.join(dir, `${uuid}-result.json`), 'utf8')) as {
        statusDetails: { flaky?: boolean; message?: string };
        labels: Array<{ value: string }>;
      };
    assert.equal(read('a1').statusDetails.flaky, undefined, 'the failed attempt is a retry, not the flaky result');
    assert.equal(read('a2').statusDetails.flaky, true);
    assert.equal(read('b1').statusDetails.message, 'degraded: latency 640 ms');
    assert.equal(read('c1').statusDetails.message, 'non-blocking, does not affect the verdict: down');
    assert.ok(read('c1').labels.some((l) => l.value === 'non-blocking'));
    assert.deepEqual(read('d1').statusDetails, {});
    assert.ok(existsSync(path.join(dir, 'categories.json')) && existsSync(path.join(dir, 'environment.properties')));
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
