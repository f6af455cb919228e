import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { CanaryGateResult } from '../../src/gate/evaluate-gates.js';
import { baselineReachability, burstAssumption, gateSummary, gateVerdict, generatorGate, progressLine, toVerdictGates } from '../../src/gate/gate-report.js';
import { parseCriteria } from '../../src/gate/criteria.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import { prepareGate, type GateOptions } from '../../src/gate/gate-setup.js';
import { ArmRecorder } from '../../src/gate/observations.js';
import { BUILTIN_TENANTS, builtinMix, checkScopes, mixFromProfile } from '../../src/gate/request-mix.js';
import { TrafficDriver, type ArmStats } from '../../src/gate/traffic.js';
import { RevgateError, formatDiagnostics } from '../../src/core/errors.js';
import { validateProfile } from '../../src/load/profile.js';
import { decide } from '../../src/verdict/decide.js';
import type { GateResult } from '../../src/verdict/types.js';
import { sandboxPair } from '../../src/cli/sandbox-targets.js';
import { Problems } from '../../src/run/problems.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir({ after }, 'revgate-gate-unit-');
const file = (name: string, value: unknown): string => {
  const f = path.join(tmp, name);
  writeFileSync(f, JSON.stringify(value));
  return f;
};

const stats = (patch: Partial<ArmStats> = {}): ArmStats => ({
  completed: 0,
  dropped: 0,
  skipped: 0,
  inFlight: 0,
  statusClasses: {},
  errorsByKind: {},
  errorSamples: {},
  ...patch,
});
const result = (patch: Partial<CanaryGateResult>): CanaryGateResult => ({
  id: 'g',
  metric: 'http_req_failed',
  expression: 'http_req_failed rate<0.01',
  blocking: true,
  status: 'passed',
  settled: true,
  role: 'gate',
  reason: 'r',
  ...patch,
});

describe('request mix', () => {
  it('built in: every tenant tagged from its X-Tenant-ID; the authenticated request only with a token, which is a secret', () => {
    const anonymous = builtinMix({ userAgent: 'ua' });
    assert.ok(!anonymous.requests.some((r) => r.name === 'projects'));
    assert.deepEqual(anonymous.secrets, []);
    const mix = builtinMix({ userAgent: 'ua', token: 'tok-123456' });
    const tenants = mix.requests.filter((r) => r.tags.endpoint === 'tenant');
    assert.deepEqual(
      tenants.map((r) => [r.tags.tenant, r.headers['X-Tenant-ID']]),
      BUILTIN_TENANTS.map((t) => [t, t]),
    );
    assert.equal(mix.requests.find((r) => r.name === 'projects')?.headers.Authorization, 'Bearer tok-123456');
    assert.deepEqual(mix.secrets, [{ value: 'tok-123456', label: 'bearer token' }]);
    assert.equal(mix.cycle.length, 2 + 1 + 1 + 2 + 3 + 2, 'one slot per unit of weight');
    assert.ok(JSON.parse(mix.requests.find((r) => r.name === 'predict')?.body ?? '{}').alcohol === 9.4);
  });

  it('from a profile: headers flow through, X-Tenant-ID becomes the tenant tag, credentials are secrets', () => {
    const loaded = validateProfile(
      {
        name: 'p',
        allowedHosts: ['*.example.com'],
        headers: { Authorization: 'Bearer ${TOKEN}' },
        scenarios: {
          s: {
            executor: 'constant-arrival-rate',
            rate: 1,
            duration: '1s',
            requests: [
              { name: 'acme', path: '/tenant/health', headers: { 'X-Tenant-ID': 'acme' }, weight: 3 },
              { path: '/health', tags: { endpoint: 'health' } },
            ],
          },
        },
        thresholds: { http_req_failed: ['rate<0.01'] },
      },
      { TOKEN: 'secret-token-value' },
    );
    const mix = mixFromProfile(loaded, 'ua');
    assert.deepEqual(mix.allowedHosts, ['*.example.com']);
    assert.equal(mix.requests[0]?.headers['X-Tenant-ID'], 'acme');
    assert.equal(mix.requests[0]?.headers.Authorization, 'Bearer secret-token-value');
    assert.equal(mix.requests[0]?.tags.tenant, 'acme');
    assert.equal(mix.requests[1]?.tags.endpoint, 'health');
    assert.deepEqual([...mix.cycle], [0, 0, 1, 0]);
    assert.ok(mix.secrets.some((s) => s.value === 'secret-token-value'));
    assert.deepEqual(checkScopes(mix, ['tenant:acme', 'endpoint:health']), []);
    const missing = checkScopes(mix, ['tenant:globex']);
    assert.equal(missing.length, 1);
    assert.match(missing[0]?.message ?? '', /no request of the profile p carries tenant:globex.*tags in the mix: .*tenant:acme/);
  });
});

describe('gate report (pure)', () => {
  it('verdict gates drop the bookkeeping and name the network errors behind error-rate gates that did not pass', () => {
    const canary = stats({ completed: 40, errorsByKind: { connect: 40 }, errorSamples: { connect: 'connect ECONNREFUSED 127.0.0.1:9' } });
    const gates = toVerdictGates(
      [
        result({ id: 'a', status: 'failed', failOnly: false }),
        result({ id: 'b', metric: 'http_req_duration', status: 'failed' }),
        result({ id: 'c', status: 'passed' }),
      ],
      canary,
    );
    assert.deepEqual(Object.keys(gates[0] ?? {}).sort(), ['blocking', 'expression', 'id', 'metric', 'reason', 'status']);
    assert.equal(gates[0]?.reason, 'r; canary requests without a response: connect=40 (connect ECONNREFUSED 127.0.0.1:9)');
    assert.equal(gates[1]?.reason, 'r', 'a latency gate is not about network errors');
    assert.equal(gates[2]?.reason, 'r');
  });

  it("verdict gates carry the unit, an interval whose unbounded end is null (no stand-in number), both ends' confidence and the evidence", () => {
    const evidence = { windowMs: 500, durationMs: 61_000, requests: 18_300, windows: 122 };
    const [g, c] = toVerdictGates(
      [
        result({
          id: 'p95',
          metric: 'http_req_duration',
          status: 'inconclusive',
          observed: 812.4,
          interval: [700, 900],
          bounds: { unit: 'ms', observed: 812.4, lower: 701.23456, upper: null, lowerConfidence: 0.99, upperConfidence: 0.95, evidence },
        }),
        result({ id: 'n', metric: 'http_5xx', observed: 0, evidence }),
      ],
      stats(),
    );
    assert.deepEqual(g?.interval, [701.235, null]);
    assert.equal(g?.unit, 'ms');
    assert.deepEqual(g?.intervalConfidence, { lower: 0.99, upper: 0.95 });
    assert.deepEqual(g?.evidence, evidence);
    assert.equal('bounds' in (g ?? {}), false);
    assert.equal(c?.unit, 'count');
    assert.equal(c?.interval, undefined);
  });

  describe('an interrupted run', () => {
    const criteria = parseCriteria({ window: '500ms', minDuration: '1m', thresholds: { http_req_failed: ['rate<0.01'] } });
    const verdict = (results: CanaryGateResult[], decided: boolean) =>
      gateVerdict({
        criteria,
        results,
        decided,
        interrupted: true,
        end: 'stopped',
        target: { baseUrl: 'http://c' },
        startedAt: new Date(0),
        finishedAt: new Date(4000),
        ratePerSecond: 50,
        canary: stats({ completed: 180 }),
        outstanding: { canary: 3 },
        loopDelayP99Ms: 12,
        loopDelaySamples: 40,
      });

    it('before the evidence decided: an error (exit 4, hold), partial, never a pass or a rollback', () => {
      const v = verdict([result({ status: 'inconclusive', settled: false, reason: 'undecided over 3.5 s' })], false);
      assert.deepEqual([v.verdict, v.decision, v.exitCode, v.partial, v.canary?.stopReason], ['error', 'hold', 4, true, 'interrupted']);
      assert.match(v.summary, /^ERROR: interrupted before the evidence decided \(g undecided\) after 180 canary requests - hold/);
      assert.deepEqual(v.canary?.outstanding, { canary: 3 });
      assert.equal(verdictSchemaErrors(v), '');
    });

    it('after the evidence decided (a gate failed, or every gate passed): the verdict stands', () => {
      const failed = verdict([result({ status: 'failed', reason: 'not below 1.0% over 3.5 s' })], true);
      assert.deepEqual([failed.verdict, failed.exitCode, failed.partial, failed.canary?.stopReason], ['fail', 1, undefined, 'decided']);
      const passed = verdict([result({ status: 'passed' })], true);
      assert.deepEqual([passed.verdict, passed.exitCode], ['pass', 0]);
    });
  });

  it('a baseline that never answered makes the comparisons impossible (error), only once enough requests went unanswered', () => {
    assert.deepEqual(baselineReachability(undefined), []);
    assert.deepEqual(baselineReachability(stats({ completed: 9, errorsByKind: { connect: 9 } })), []);
    assert.deepEqual(baselineReachability(stats({ completed: 50, errorsByKind: { connect: 49 } })), [], 'one answer is enough to compare');
    const [g] = baselineReachability(stats({ completed: 12, errorsByKind: { connect: 10, timeout: 2 } }), 2400);
    assert.equal(g?.status, 'error');
    assert.equal(g?.blocking, true);
    assert.match(g?.reason ?? '', /all 12 baseline requests over the first 2\.4 s went without a response \(connect=10, timeout=2\)/);
  });

  const verdictOf = (gates: GateResult[]) =>
    decide({ kind: 'gate', target: { baseUrl: 'http://c' }, startedAt: new Date(0), finishedAt: new Date(2500), checks: [], gates, version: 't' });
  const summary = (gates: GateResult[], patch: Partial<Parameters<typeof gateSummary>[0]> = {}) =>
    gateSummary({
      verdict: verdictOf(gates),
      canaryUrl: 'http://c',
      stopReason: 'budget',
      budget: 'max-requests',
      ratePerSecond: 100,
      canaryRequests: 200,
      baselineRequests: 201,
      ...patch,
    });

  const rows: Array<[string, GateResult[], Partial<Parameters<typeof gateSummary>[0]>, RegExp]> = [
    [
      'pass',
      [result({ id: 'a' }), result({ id: 'b' })],
      { stopReason: 'decided' },
      /^PASS: all 2 blocking gates passed after 200 canary \+ 201 baseline requests - promote; gate on http:\/\/c in 2\.5 s$/,
    ],
    [
      'fail names the gate and its reason',
      [result({ id: 'a' }), result({ id: 'b', status: 'failed', reason: 'error rate 20%' })],
      { stopReason: 'decided' },
      /^FAIL: b failed \(error rate 20%\) - roll back; gate on http:\/\/c/,
    ],
    [
      'inconclusive with an estimate',
      [result({ id: 'a', status: 'inconclusive', samples: 200, samplesNeeded: 700 })],
      {},
      /^INCONCLUSIVE: a undecided after 200 canary \+ 201 baseline requests \(request budget spent\); about 700 canary requests in all \(~5 s more at 100 req\/s\) would decide it if the observed rates hold - hold/,
    ],
    [
      'a pass needs minDuration of evidence: the estimate covers it at the configured rate',
      [result({ id: 'a', status: 'inconclusive', samples: 200, samplesNeeded: 700 })],
      { minDurationMs: 60_000 },
      /about 6,000 canary requests in all \(~\d+ s more at 100 req\/s\)/,
    ],
    [
      'a tenant gate sees a share of the traffic',
      [result({ id: 't', status: 'inconclusive', samples: 20, samplesNeeded: 130 })],
      {},
      /about 1,300 canary requests in all \(~11 s more at 100 req\/s\)/,
    ],
    [
      'gates without an estimate are named',
      [result({ id: 'a', status: 'inconclusive', samples: 200, samplesNeeded: 700 }), result({ id: 'cmp', status: 'inconclusive', samples: 200 })],
      { budget: 'max-duration' },
      /\(time budget spent\); about 700 .* would decide the gates with an estimate if the observed rates hold \(no estimate for cmp: run at least that long\)/,
    ],
    [
      'stopped on a failure the verdict holds (a latency breach on a saturated generator): says what held it, not a budget',
      [result({ id: 'p95', status: 'inconclusive', reason: 'p95 over the limit while the load generator lagged: held, not trusted' })],
      { stopReason: 'decided' },
      /^INCONCLUSIVE: p95 held \(p95 over the limit while the load generator lagged: held, not trusted\) - hold; gate on http:\/\/c/,
    ],
    [
      'no estimate at all',
      [result({ id: 'cmp', status: 'inconclusive', samples: 200 })],
      { stopReason: 'interrupted' },
      /^INCONCLUSIVE: cmp undecided after .* \(interrupted\); no estimate of the traffic/,
    ],
  ];
  for (const [name, gates, patch, expected] of rows) {
    it(`summary: ${name}`, () => {
      const line = summary(gates, patch);
      assert.match(line, expected);
      assert.ok(!line.includes('\n'));
    });
  }

  it("states the burst assumption in the run's own terms: two windows of time, and what that is in requests at the rate", () => {
    assert.equal(
      burstAssumption(500, 50),
      'failures may cluster within windows of 500 ms; bursts up to about 1 s (~50 requests per revision at 50 req/s) keep the stated levels, longer ones need a longer "window" (docs/gate.md, Bursts)',
    );
    assert.match(burstAssumption(5000, 300), /windows of 5 s; bursts up to about 10 s \(~3,000 requests per revision at 300 req\/s\)/);
    assert.match(burstAssumption(250, 1), /\(~1 request per revision at 1 req\/s\)/, 'never rounds a burst to 0 requests');
  });

  it('generator gate: advisory, fails above 100 ms of event-loop delay', () => {
    assert.equal(generatorGate(12, 50, 5000).status, 'passed');
    const slow = generatorGate(250.4, 50, 5000);
    assert.equal(slow.status, 'failed');
    assert.equal(slow.blocking, false);
    assert.equal(slow.observed, 250);
    assert.match(slow.reason, /over the whole run \(5\.0 s\)/, 'names its evidence window');
  });

  it('progress line: requests, failures and p95 per revision, and the gates still open', () => {
    const line = progressLine(
      2100,
      [result({ id: 'a', settled: true }), result({ id: 'b', settled: false, status: 'inconclusive' }), result({ id: 'trig', failOnly: true, settled: false })],
      { stats: stats({ completed: 1000, statusClasses: { '2xx': 990, '5xx': 10 }, dropped: 2 }), p95Ms: 41.2 },
      { stats: stats({ completed: 1001 }) },
    );
    assert.equal(
      line,
      'revgate: 2.1 s  canary 1,000 req (1.0% failed, p95 41 ms, 2 dropped)  baseline 1,001 req (0.0% failed)  gates settled now 1/2, open: b\n',
    );
  });
});

describe('gate setup: everything checked before anything is sent', () => {
  const base: GateOptions = {
    criteria: file('ok.json', { thresholds: { http_req_failed: ['rate<0.01'] } }),
    sandbox: false,
    faults: [],
    allowHosts: [],
    canary: 'http://127.0.0.1:8080',
  };
  const problems = (o: Partial<GateOptions>): string[] => {
    try {
      prepareGate({ ...base, ...o }, {});
    } catch (err) {
      assert.ok(err instanceof RevgateError);
      assert.equal(err.exitCode, 3);
      return err.diagnostics.map((d) => `${d.path}: ${d.message}`);
    }
    assert.fail('expected problems');
  };

  it('defaults: 50 req/s (300 with --sandbox), the criteria budget or 10 minutes', () => {
    const s = prepareGate(base, {});
    assert.equal(s.ratePerSecond, 50);
    assert.equal(s.maxDurationMs, 600_000);
    assert.equal(s.mix.source, 'built-in mix');
    const sb = prepareGate(
      {
        ...base,
        canary: undefined,
        sandbox: true,
        sandboxToken: 'sandbox-token-123456',
        criteria: file('d.json', { maxDuration: '90s', thresholds: { http_req_failed: ['rate<0.01'] } }),
        confidence: 0.99,
      },
      {},
    );
    assert.equal(sb.ratePerSecond, 300);
    assert.equal(sb.maxDurationMs, 90_000);
    assert.equal(sb.criteria.confidence, 0.99);
    assert.ok(sb.sandboxToken && sb.mix.requests.find((r) => r.name === 'projects')?.headers.Authorization === `Bearer ${sb.sandboxToken}`);
  });

  it('collects every problem of options, criteria and targets at once', () => {
    const p = problems({
      criteria: file('bad.json', { confidence: 3, thresholds: { nope: ['rate<0.1'] }, compare: [{ metric: 'http_req_failed', maxIncreasePoints: 1 }] }),
      canary: 'https://canary.example.com',
      rate: 0,
      maxRequests: 1.5,
      maxDuration: '10 minutes',
      faults: ['errors=0.1'],
    }).join('\n');
    for (const expected of [
      /--rate: must be requests per second/,
      /--max-requests: must be a whole number/,
      /--max-duration: "10 minutes" is not a duration/,
      /--fault: only applies with --sandbox/,
      /\$\.confidence: must be strictly between 0 and 1/,
      /unknown metric "nope"/,
      /--baseline: the criteria compare the canary with a baseline \(compare\[0\] http_req_failed\)/,
      /--canary: host "canary\.example\.com" is not allowed: pass --allow-host/,
    ]) {
      assert.match(p, expected);
    }
  });

  it('--allow-host lets a host through; the same URL twice, --sandbox with URLs, and missing files are refused', () => {
    assert.doesNotThrow(() => prepareGate({ ...base, canary: 'https://apex--v2.example.io', allowHosts: ['*.example.io'] }, {}));
    assert.match(problems({ baseline: 'http://127.0.0.1:8080/' }).join(), /same URL as --canary/);
    assert.match(problems({ sandbox: true }).join(), /--sandbox: starts its own canary and baseline/);
    assert.match(problems({ canary: undefined }).join(), /--canary: is required/);
    assert.match(problems({ criteria: path.join(tmp, 'missing.json') }).join(), /criteria file not found/);
    // Sandbox faults are the sandbox launcher's input, checked with every other problem before anything starts.
    const faults = new Problems();
    sandboxPair({ faults: ['lag=1'], token: 'sandbox-token-123456' }).check?.(faults);
    assert.throws(
      () => faults.throwIfAny(),
      (err: RevgateError) => err.exitCode === 3 && /--fault .*unknown fault kind "lag"/.test(`${err.message} ${formatDiagnostics(err.diagnostics)}`),
    );
  });
});

describe('paired traffic on two real servers', () => {
  async function server(delayMs = 0): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
    const paths: string[] = [];
    const srv = http.createServer((req, res) => {
      paths.push(`${req.method} ${req.url} ${req.headers['x-tenant-id'] ?? ''}`.trim());
      // unref: a response still pending when the test ends must not keep this file's process alive.
      setTimeout(() => res.end('{}'), delayMs).unref();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, paths, close: () => new Promise((r) => srv.close(() => r())) };
  }

  it('sends the same requests to both revisions, records each outcome with its tags, and stops at the request budget', async () => {
    const [a, b] = [await server(), await server()];
    try {
      const mix = builtinMix({ userAgent: 'ua', token: 'tok-123456' });
      const canary = new ArmRecorder([], ['tenant:contoso']);
      const baseline = new ArmRecorder([], ['tenant:contoso']);
      const driver = new TrafficDriver(
        mix,
        [
          { name: 'canary', baseUrl: a.url, recorder: canary },
          { name: 'baseline', baseUrl: b.url, recorder: baseline },
        ],
        { ratePerSecond: 400, maxRequests: 24, maxDurationMs: 10_000, maxInFlight: 50 },
      );
      assert.equal(await driver.run(), 'max-requests');
      const warmUp = mix.requests.length;
      // Requests on different connections may overtake each other on the wire, so compare as multisets.
      assert.deepEqual(a.paths.slice(warmUp).sort(), b.paths.slice(warmUp).sort(), 'the same requests to both revisions');
      assert.equal(a.paths.length - warmUp, 24);
      assert.deepEqual([canary.view().requests, baseline.view().requests], [24, 24], 'warm-up requests are not recorded');
      assert.equal(canary.view('tenant:contoso').requests, 2, 'two cycles of 12 requests, one contoso request each');
      assert.equal(driver.stats('canary')?.statusClasses['2xx'], 24);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('stop() freezes the recorders at once and aborts what is in flight', async () => {
    // Responses take 30 s, under the mix's 60 s timeout: a stop that waited for them would take that long.
    const slow = await server(30_000);
    try {
      const rec = new ArmRecorder([]);
      const driver = new TrafficDriver(builtinMix({ userAgent: 'ua', timeoutMs: 60_000 }), [{ name: 'canary', baseUrl: slow.url, recorder: rec }], {
        ratePerSecond: 100,
        maxRequests: 1_000,
        maxDurationMs: 60_000,
        maxInFlight: 500,
      });
      const started = Date.now();
      const run = driver.run();
      setTimeout(() => driver.stop(), 2_500); // after the warm-up (at most 2 s), while requests are in flight
      assert.equal(await run, 'stopped');
      // Stopped at 2.5 s; a third of the 30 s the responses would take leaves a loaded machine seconds of room.
      assert.ok(Date.now() - started < 10_000, `does not wait for the slow responses (took ${Date.now() - started} ms)`);
      assert.equal(rec.view().requests, 0, 'nothing answered before the stop, nothing recorded after it');
      assert.ok(rec.outstanding > 0, 'the requests in flight stay outstanding: judged at their least favourable outcome, never dropped');
      assert.equal(driver.stats('canary')?.inFlight, 0);
    } finally {
      await slow.close();
    }
  });
});
