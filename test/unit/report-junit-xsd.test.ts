/**
 * Issue 14: junit.xml for every kind of run (smoke, probe, load, gate) and every check and gate status is
 * valid against Surefire's surefire-test-report-3.0.xsd and Jenkins' junit-10.xsd, and says what each
 * status means in the terms those tools read: flaky as flakyFailure with a stackTrace per failed attempt,
 * inconclusive as skipped with the reason, degraded and non-blocking failures in system-out and suite
 * properties, real times, probe suites per region.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderJunit } from '../../src/report/index.js';
import { decide } from '../../src/verdict/decide.js';
import type { CheckResult, GateResult, RunKind, Verdict } from '../../src/verdict/types.js';
import { junitSchemaErrors } from '../helpers/junit-xsd.js';
import { check } from '../helpers/verdicts.js';

const gate = (id: string, status: GateResult['status'], extra: Partial<GateResult> = {}): GateResult => ({
  id,
  metric: 'http_req_duration',
  expression: 'p(95)<500',
  blocking: true,
  status,
  reason: `${id} ${status} <&> "reason"`,
  samples: 1200,
  observed: 123.4,
  interval: [110, 140],
  ...extra,
});

const ALL_CHECKS: CheckResult[] = [
  check('health', 'passed', { durationMs: 81, severity: 'critical' }),
  check('ready', 'failed', {
    durationMs: 1234.5,
    error: { message: 'status 503 <expected 200> & "quoted"\u0007', kind: 'status' },
    reproduce: "curl -sS 'http://127.0.0.1:9/health/ready'",
    assertions: [{ name: 'status', phase: 'failed', message: 'expected 200, got 503' }],
    attempts: 2,
    tries: [
      { attempt: 1, status: 'failed', durationMs: 600, message: 'status 503' },
      { attempt: 2, status: 'failed', durationMs: 634, message: 'status 503 again' },
    ],
  }),
  check('slow', 'degraded', { durationMs: 640, error: { message: 'latency 640 ms over the 500 ms warning budget' } }),
  check('retry', 'flaky', {
    durationMs: 900,
    attempts: 2,
    error: { message: 'passed on attempt 2 after failing: status 500' },
    tries: [
      { attempt: 1, status: 'failed', durationMs: 400, message: 'status 500 Internal Server Error' },
      { attempt: 2, status: 'passed', durationMs: 500 },
    ],
  }),
  check('tls', 'skipped', { durationMs: 21, error: { message: 'target is not https' } }),
  check('redis', 'failed', { blocking: false, durationMs: 45, error: { message: 'redis down' } }),
  check('auth', 'error', { durationMs: 12, error: { message: 'no token', code: 'REVGATE_AUTH' } }),
  check('metrics', 'error', { blocking: false, durationMs: 3, error: { message: 'could not parse' } }),
];

const ALL_GATES: GateResult[] = [
  gate('p95', 'passed'),
  gate('errors', 'failed', { metric: 'http_req_failed', expression: 'rate<0.01' }),
  gate('availability', 'inconclusive', { samplesNeeded: 7000 }),
  gate('baseline-reachable', 'error'),
  gate('generator', 'failed', { blocking: false }),
];

function verdictOf(kind: RunKind, checks: CheckResult[], gates: GateResult[]): Verdict {
  return decide({
    kind,
    target: { baseUrl: 'http://127.0.0.1:9', environment: 'smoke', service: 'apex' },
    startedAt: new Date('2026-01-01T00:00:00Z'),
    finishedAt: new Date('2026-01-01T00:00:31.5Z'),
    checks,
    gates,
    version: 't',
  });
}

const probeCheck = (tenant: string, region: string, cell: string, status: CheckResult['status']): CheckResult =>
  check(`${tenant}/${region}/health`, status, { durationMs: 30, labels: { tenant, tier: 'premium', cell, region, probe: 'health' } });

const RUNS: Record<string, Verdict> = {
  smoke: verdictOf('smoke', ALL_CHECKS, []),
  load: verdictOf('load', [], ALL_GATES),
  gate: verdictOf('gate', [], ALL_GATES),
  probe: verdictOf(
    'probe',
    [
      probeCheck('t1', 'eastus', 'shared-eastus-01', 'passed'),
      probeCheck('t2', 'eastus', 'shared-eastus-01', 'failed'),
      probeCheck('t1', 'westeurope', 'shared-westeurope-01', 'passed'),
      probeCheck('t2', 'westeurope', 'shared-westeurope-01', 'error'),
      probeCheck('t3', 'westeurope', 'dedicated-t3', 'degraded'),
    ],
    [],
  ),
  'empty smoke (nothing evaluated)': verdictOf('smoke', [], []),
};

describe('junit.xml against surefire-test-report-3.0.xsd and junit-10.xsd', () => {
  it(`${Object.keys(RUNS).join(', ')}: valid against both schemas`, async () => {
    const docs = Object.fromEntries(Object.entries(RUNS).map(([name, v]) => [name, renderJunit(v)]));
    assert.deepEqual(await junitSchemaErrors(docs), []);
  });

  it('the validator does reject what the old reporter wrote (properties inside a testcase, skipped on testsuites)', async () => {
    const old =
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="revgate" tests="1" failures="0" errors="0" skipped="0">\n' +
      '  <testsuite name="s" tests="1" failures="0" errors="0" skipped="0">\n    <testcase name="c" time="0">\n' +
      '      <properties><property name="a" value="b"/></properties>\n' +
      '      <flakyFailure message="m" type="flaky">text only</flakyFailure>\n    </testcase>\n  </testsuite>\n</testsuites>\n';
    const problems = (await junitSchemaErrors(old)).join('\n');
    assert.match(problems, /junit-10: .*attribute 'skipped': The attribute 'skipped' is not allowed/);
    assert.match(problems, /junit-10: .*Element 'properties': This element is not expected/);
    assert.match(problems, /surefire-3.0: junit.xml#suite1:.*Element 'properties': This element is not expected/);
  });

  it('single-suite runs are a <testsuite> document; probe has one suite per region, cells as classnames', () => {
    assert.match(renderJunit(RUNS.smoke as Verdict), /^<\?xml[^>]*\?>\n<testsuite name="revgate smoke: apex"/);
    const probe = renderJunit(RUNS.probe as Verdict);
    assert.match(probe, /^<\?xml[^>]*\?>\n<testsuites name="revgate probe" time="31.500" tests="5" failures="1" errors="1">/);
    const suites = probe.match(/<testsuite name="[^"]*"/g);
    assert.deepEqual(suites, ['<testsuite name="revgate probe: apex region eastus"', '<testsuite name="revgate probe: apex region westeurope"']);
    assert.match(probe, /classname="probe\.westeurope\.dedicated-t3"/);
    assert.match(probe, /<property name="revgate.region" value="westeurope"\/>/);
    assert.match(probe, /<property name="revgate.degraded" value="t3\/westeurope\/health"\/>/);
  });

  it('flaky: a flakyFailure with a stackTrace per failed attempt, and no failure (the check passed in the end)', () => {
    const xml = renderJunit(RUNS.smoke as Verdict);
    const retry = /<testcase [^>]*name="retry: [\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
    assert.match(
      retry,
      /<flakyFailure message="status 500 Internal Server Error" type="failed">\n\s*<stackTrace>attempt 1 failed: status 500 Internal Server Error<\/stackTrace>/,
    );
    assert.equal((retry.match(/<flakyFailure /g) ?? []).length, 1, 'the passing attempt is not a flaky failure');
    assert.ok(!/<failure /.test(retry));
    assert.match(xml, /<property name="revgate.flaky" value="retry"\/>/);
  });

  it('a failed check with retries: the failure, then a rerunFailure per earlier failed attempt', () => {
    const ready = /<testcase [^>]*name="ready: [\s\S]*?<\/testcase>/.exec(renderJunit(RUNS.smoke as Verdict))?.[0] ?? '';
    assert.match(ready, /<failure message="status 503 &lt;expected 200&gt; &amp; &quot;quoted&quot;" type="status">/);
    assert.ok(!ready.includes('\u0007'), 'control characters are dropped');
    // The last (deciding) attempt is the failure; each earlier one a rerunFailure.
    assert.match(ready, /<rerunFailure message="status 503" type="failed">\n\s*<stackTrace>attempt 1 failed: status 503<\/stackTrace>/);
    assert.match(ready, /reproduce: curl -sS/);
    assert.match(ready, /time="1.234"/, 'the real time of the check, not 0');
  });

  it('inconclusive gates are skipped with the reason; failed and error gates block; an advisory failure is only said', () => {
    const xml = renderJunit(RUNS.gate as Verdict);
    assert.match(xml, /<testsuite name="revgate gate: apex" time="31.500" tests="5" errors="1" skipped="1" failures="1">/);
    assert.match(xml, /<skipped message="inconclusive: availability inconclusive &lt;&amp;&gt; &quot;reason&quot;"\/>/);
    assert.match(xml, /samples: 1200 \(about 7000 needed\)/);
    assert.match(xml, /<failure message="errors failed [^"]*" type="gate">/);
    assert.match(xml, /<error message="baseline-reachable error [^"]*" type="gate">/);
    const advisory = /<testcase [^>]*name="generator: [\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
    assert.ok(!/<failure /.test(advisory));
    assert.match(advisory, /advisory gate failed \(does not affect the verdict\)/);
    assert.match(xml, /<property name="revgate.inconclusiveGates" value="availability"\/>/);
    assert.match(xml, /<property name="revgate.advisoryGatesFailed" value="generator"\/>/);
    assert.ok(!/time="0.000"/.test(xml), 'a gate takes the time of the run that evaluated it');
  });

  it('degraded and non-blocking failures are visible in system-out and in the suite properties, never as failures', () => {
    const xml = renderJunit(RUNS.smoke as Verdict);
    const slow = /<testcase [^>]*name="slow: [\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
    assert.match(slow, /<system-out>degraded \(passed over its warning budget\): latency 640 ms/);
    const redis = /<testcase [^>]*name="redis: [\s\S]*?<\/testcase>/.exec(xml)?.[0] ?? '';
    assert.match(redis, /<system-out>non-blocking check failed \(does not affect the verdict\): redis down/);
    assert.ok(!/<(failure|error) /.test(redis));
    assert.match(xml, /<property name="revgate.degraded" value="slow"\/>/);
    assert.match(xml, /<property name="revgate.nonBlockingFailed" value="redis, metrics"\/>/);
    assert.match(xml, /<testsuite [^>]* errors="1" skipped="1" failures="1">/, 'only blocking failures and errors are counted');
    assert.match(xml, /<skipped message="target is not https"\/>/);
  });
});
