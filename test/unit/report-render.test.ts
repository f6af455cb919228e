import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getReporter, renderAzureCommands, renderConsole, renderGithubOutput, renderJunit, renderMarkdown } from '../../src/report/index.js';
import { decide } from '../../src/verdict/decide.js';
import { check } from '../helpers/verdicts.js';

const verdict = decide({
  kind: 'smoke',
  target: { baseUrl: 'http://127.0.0.1:9', environment: 'smoke', service: 'apex' },
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:00:01Z'),
  checks: [
    check('health', 'passed'),
    check('ready', 'failed', {
      error: { message: 'status 503 <expected 200> & "quoted" | piped\u0007' },
      reproduce: "curl -sS 'http://127.0.0.1:9/health/ready'",
    }),
    check('slow', 'degraded', { error: { message: 'latency 150 ms' } }),
    check('retry', 'flaky', { error: { message: 'passed on attempt 2' } }),
    check('tls', 'skipped', { error: { message: 'not https' } }),
    check('redis', 'failed', { blocking: false, error: { message: 'down' } }),
    check('auth', 'error', { error: { message: 'token' } }),
  ],
  gates: [
    {
      id: 'p95',
      metric: 'http_req_duration',
      expression: 'p(95)<500',
      blocking: true,
      status: 'inconclusive',
      reason: 'needs more samples',
      samples: 10,
      observed: 120,
    },
  ],
  version: 't',
});

describe('reporters', () => {
  it('junit: one testcase per check and gate, failures only for blocking failures, valid XML escaping', () => {
    const xml = renderJunit(verdict);
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
    assert.match(xml, /<testsuite name="revgate smoke: apex" time="1.000" tests="8" errors="1" skipped="2" failures="1">/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 8);
    assert.match(xml, /<failure message="status 503 &lt;expected 200&gt; &amp; &quot;quoted&quot; \| piped"/);
    assert.ok(!xml.includes('\u0007'), 'control characters are dropped');
    assert.match(xml, /<flakyFailure message="passed on attempt 2" type="flaky">\n\s*<stackTrace>/);
    assert.match(xml, /<skipped message="not https"\/>/);
    assert.match(xml, /<skipped message="inconclusive: needs more samples"\/>/);
    assert.match(xml, /non-blocking check failed/);
    assert.match(xml, /<property name="revgate.verdict" value="fail"\/>/);
  });

  it('markdown: headline, why, a table row per check (failures first), escaped pipes, reproduce block', () => {
    const md = renderMarkdown(verdict);
    assert.match(md, /^## revgate smoke: ❌ FAIL: roll back/);
    assert.match(md, /### Why/);
    assert.match(md, /\| ❌ \| `ready` ready title \| failed \|/);
    assert.ok(md.indexOf('`ready`') < md.indexOf('`health`'), 'failed checks are listed before passed ones');
    assert.match(md, /\\\| piped/);
    assert.match(md, /_\(non-blocking\)_/);
    assert.match(md, /```bash\n# ready\ncurl -sS/);
    assert.match(md, /### Gates/);
  });

  it('console: lists what did not pass and ends with the verdict line', () => {
    const text = renderConsole(verdict);
    assert.match(text, /FAIL ready/);
    assert.ok(!/ok {3}health/.test(text), 'passed checks are not listed without --verbose');
    assert.match(renderConsole(verdict, { verbose: true }), /ok {3}health/);
    assert.match(text, /verdict: fail \(decision: rollback, exit 1\)\n[^\n]+\n$/);
  });

  it('CI outputs: GitHub key=value lines and Azure Pipelines logging commands', () => {
    assert.equal(renderGithubOutput(verdict), 'verdict=fail\ndecision=rollback\nexit-code=1\n');
    const azure = renderAzureCommands(verdict, '/out/summary.md');
    assert.match(azure, /^##vso\[task\.setvariable variable=revgateVerdict;isOutput=true\]fail$/m);
    assert.match(azure, /^##vso\[task\.uploadsummary\]\/out\/summary\.md$/m);
    assert.match(azure, /^##vso\[task\.logissue type=error\]revgate smoke: ready failed: ready: ready title: status 503 /m);
    assert.ok(!/logissue type=error.*redis/.test(azure), 'non-blocking failures are not raised as errors');
    assert.match(azure, /^##vso\[task\.logissue type=warning\]revgate smoke: redis failed \(non-blocking\): /m);
  });

  it('one clock: every report names the request latency and the wall time the same way, and keeps every attempt', () => {
    const v = decide({
      kind: 'smoke',
      target: { baseUrl: 'http://127.0.0.1:9', service: 'apex' },
      startedAt: new Date('2026-01-01T00:00:00Z'),
      finishedAt: new Date('2026-01-01T00:00:02Z'),
      checks: [
        check('health-db', 'flaky', {
          durationMs: 554,
          latencyMs: 279,
          connectMs: 3,
          attempts: 2,
          error: { message: 'passed on attempt 2 after failing: expected status 2xx, got 500 Internal Server Error' },
          tries: [
            { attempt: 1, status: 'failed', durationMs: 300, latencyMs: 41, message: 'expected status 2xx, got 500 Internal Server Error' },
            { attempt: 2, status: 'passed', durationMs: 254, latencyMs: 279 },
          ],
        }),
        check('ready', 'failed', {
          durationMs: 900,
          latencyMs: 12,
          attempts: 2,
          error: { message: 'expected status 2xx, got 503' },
          tries: [
            { attempt: 1, status: 'failed', durationMs: 450, latencyMs: 10, message: 'expected status 2xx, got 502' },
            { attempt: 2, status: 'failed', durationMs: 450, latencyMs: 12, message: 'expected status 2xx, got 503' },
          ],
        }),
      ],
      gates: [],
      version: 't',
    });
    const md = renderMarkdown(v);
    assert.match(md, /\| \| Check \| Status \| Latency \| Wall \| Details \|/);
    assert.match(md, /`health-db`.*\| flaky \| 279 ms \| 554 ms \| .*attempt 1 failed \(latency 41 ms\): expected status 2xx, got 500/);
    assert.match(renderConsole(v), /FLKY health-db {2}latency 279 ms \(\+ 3 ms connection setup\), wall 554 ms\n {7}attempt 1 failed \(latency 41 ms\): .*500/);
    const xml = renderJunit(v);
    assert.match(xml, /<testcase [^>]*name="health-db: health-db title" time="0\.554">/);
    // Per-case properties are not valid Surefire/junit-10: the latency is in the case's system-out.
    assert.match(xml, /\nlatency: 279 ms\n/);
    assert.match(
      xml,
      /<flakyFailure message="expected status 2xx, got 500 Internal Server Error" type="failed">\n\s*<stackTrace>attempt 1 failed \(latency 41 ms\)/,
    );
    assert.match(xml, /<failure message="expected status 2xx, got 503"[^]*<rerunFailure message="expected status 2xx, got 502"/);
  });

  it('rejects unknown reporter names instead of falling back', () => {
    assert.throws(() => getReporter('yaml'), /unknown reporter "yaml" \(available: json, junit, markdown, html\)/);
    assert.equal(getReporter('json').file, 'verdict.json');
  });
});
