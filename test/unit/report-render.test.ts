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

  it('rejects unknown reporter names instead of falling back', () => {
    assert.throws(() => getReporter('yaml'), /unknown reporter "yaml" \(available: json, junit, markdown, html\)/);
    assert.equal(getReporter('json').file, 'verdict.json');
  });
});
