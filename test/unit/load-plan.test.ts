import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, RevgateError } from '../../src/core/errors.js';
import { weightedCycle } from '../../src/load/plan.js';
import { validateProfile } from '../../src/load/profile.js';
import { checkTarget, hostMatches, isLoopbackHost } from '../../src/traffic/safety.js';
import { constantRate, rampingRate } from '../../src/load/schedule.js';

describe('arrival schedules', () => {
  it('constant rate: evenly spaced from 0, ends at the duration', () => {
    const s = constantRate(10, 1000, 1000);
    assert.deepEqual(
      [0, 1, 2, 9].map((i) => s.timeOf(i)),
      [0, 100, 200, 900],
    );
    assert.equal(s.timeOf(10), Infinity);
  });
  it('ramping rate: arrivals follow the integral of a linear ramp', () => {
    // 0 -> 100/s over 2 s: A(t) = 25 t^2 (t in s), 100 arrivals in total.
    const s = rampingRate(0, 1000, [{ durationMs: 2000, target: 100 }]);
    assert.ok(Math.abs(s.timeOf(25) - 1000) < 1e-6);
    assert.ok(Math.abs(s.timeOf(99) - 2000 * Math.sqrt(99 / 100)) < 1e-6);
    assert.equal(s.timeOf(100), Infinity);
  });
  it('never issues more than A(t) + 1 arrivals by time t', () => {
    const s = rampingRate(5, 1000, [
      { durationMs: 3000, target: 200 },
      { durationMs: 2000, target: 200 },
      { durationMs: 1000, target: 0 },
    ]);
    const times: number[] = [];
    for (let i = 0; ; i++) {
      const t = s.timeOf(i);
      if (t === Infinity) break;
      times.push(t);
    }
    const A = (t: number): number =>
      t <= 3000
        ? 5 * (t / 1000) + ((195 / 3) * (t / 1000) ** 2) / 2
        : t <= 5000
          ? 307.5 + 200 * ((t - 3000) / 1000)
          : 707.5 + 200 * ((t - 5000) / 1000) - 100 * ((t - 5000) / 1000) ** 2;
    times.forEach((t, i) => assert.ok(i <= A(t) + 1e-6, `arrival ${i} at ${t} exceeds A(t)=${A(t)}`));
    assert.equal(times.length, Math.ceil(s.total));
    for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) >= (times[i - 1] as number));
  });
});

describe('weightedCycle', () => {
  it('interleaves by weight', () => assert.deepEqual([...weightedCycle([3, 1])], [0, 0, 1, 0]));
  it('keeps exact proportions', () => {
    const c = [...weightedCycle([5, 2, 1])];
    assert.deepEqual(
      [0, 1, 2].map((i) => c.filter((x) => x === i).length),
      [5, 2, 1],
    );
  });
});

const good = {
  name: 'p',
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 10, duration: '2s', requests: [{ path: '/health', tags: { endpoint: 'health' } }] } },
  thresholds: { http_req_duration: ['p(95)<500'], 'http_req_duration{endpoint:health}': ['p(95)<500'] },
};

function problemsOf(profile: unknown, env: Record<string, string> = {}): string[] {
  try {
    validateProfile(profile, env);
    return [];
  } catch (err) {
    assert.ok(err instanceof RevgateError);
    assert.equal(err.code, ErrorCodes.LoadProfileInvalid);
    assert.equal(err.exitCode, 3);
    return err.diagnostics.map((d) => `${d.path}: ${d.message}`);
  }
}

describe('profile validation (exit 3, every problem named)', () => {
  it('accepts a good profile', () => assert.deepEqual(problemsOf(good), []));
  const scenario = (patch: object): unknown => ({ ...good, scenarios: { s: { ...good.scenarios.s, ...patch } } });
  const rows: Array<[string, unknown, RegExp]> = [
    ['unknown executor', scenario({ executor: 'shared-iterations' }), /\$\.scenarios\.s\.executor: must be one of/],
    [
      'malformed threshold',
      { ...good, thresholds: { http_req_duration: ['p95<500'] } },
      /\$\.thresholds\["http_req_duration"\]\[0\]: "p95<500" is not a k6 threshold expression/,
    ],
    ['rate of 0', scenario({ rate: 0 }), /\$\.scenarios\.s\.rate: must be > 0/],
    ['negative duration', scenario({ duration: '-5s' }), /\$\.scenarios\.s\.duration: "-5s" is not a positive duration/],
    ['missing rate', scenario({ rate: undefined }), /\$\.scenarios\.s\.rate: is required for constant-arrival-rate/],
    ['vus on an arrival-rate executor', scenario({ vus: 3 }), /\$\.scenarios\.s\.vus: does not apply/],
    ['tag filter matching nothing', { ...good, thresholds: { 'http_req_duration{endpoint:helth}': ['p(95)<1'] } }, /no request matches \{endpoint:helth\}/],
    ['over an hour', scenario({ duration: '2h' }), /bounded to 3600s/],
    ['no thresholds', { ...good, thresholds: {} }, /declare at least one threshold/],
    ['unknown property', { ...good, treshold: {} }, /unknown property "treshold"/],
    [
      'header value with a line break',
      scenario({ requests: [{ path: '/', headers: { 'x-a': 'v\r\nx-injected: 1' } }] }),
      /\$\.scenarios\.s\.requests\[0\]\.headers\.x-a: value contains a line break/,
    ],
    ['header the engine sets', { ...good, headers: { 'Content-Length': '10' } }, /\$\.headers\.Content-Length: is computed from the body/],
    ['invalid header name', scenario({ requests: [{ path: '/', headers: { 'x a': '1' } }] }), /headers\.x a: is not a valid header name/],
    ['space in the path', scenario({ requests: [{ path: '/a b' }] }), /\$\.scenarios\.s\.requests\[0\]\.path: contains spaces/],
  ];
  for (const [name, profile, expected] of rows) {
    it(name, () => {
      const problems = problemsOf(profile);
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join('\n'),
      );
    });
  }
  it('checks header values after ${ENV} substitution, without echoing them', () => {
    const problems = problemsOf({ ...good, headers: { 'x-key': '${KEY_X}' } }, { KEY_X: 'sekret\nx-evil: 1' });
    assert.ok(
      problems.some((p) => /\$\.headers\.x-key: value contains a line break/.test(p)),
      problems.join('\n'),
    );
    assert.ok(!problems.join('\n').includes('sekret'));
  });
  it('substitutes ${ENV} in headers and reports unset ones', () => {
    const withHeader = { ...good, headers: { authorization: 'Bearer ${TOKEN_X}' } };
    assert.equal(validateProfile(withHeader, { TOKEN_X: 'abc123' }).profile.headers?.authorization, 'Bearer abc123');
    assert.ok(problemsOf(withHeader).some((p) => /TOKEN_X is not set/.test(p)));
  });
});

describe('target safety', () => {
  it('loopback is always allowed', () => ['127.0.0.1', 'localhost', '::1', '[::1]', '127.8.9.10'].forEach((h) => assert.ok(isLoopbackHost(h), h)));
  it('matches allowedHosts patterns', () => {
    assert.ok(hostMatches('*.azurecontainerapps.io', 'app--rev2.x.azurecontainerapps.io'));
    assert.ok(!hostMatches('*.azurecontainerapps.io', 'azurecontainerapps.io'));
    assert.ok(!hostMatches('*.azurecontainerapps.io', 'evilazurecontainerapps.io'));
    assert.ok(hostMatches('API.example.com', 'api.example.com'));
  });
  it('refuses hosts not allowed, and production without --allow-production', () => {
    assert.match(
      checkTarget({ baseUrl: 'https://example.org', allowedHosts: [], production: false, allowProduction: false })[0]?.message ?? '',
      /host "example.org" is not allowed/,
    );
    assert.equal(checkTarget({ baseUrl: 'https://a.example.org', allowedHosts: ['*.example.org'], production: false, allowProduction: false }).length, 0);
    assert.match(
      checkTarget({ baseUrl: 'http://127.0.0.1:1', allowedHosts: [], production: true, allowProduction: false })[0]?.message ?? '',
      /--allow-production/,
    );
    assert.equal(checkTarget({ baseUrl: 'http://127.0.0.1:1', allowedHosts: [], production: true, allowProduction: true }).length, 0);
  });
});
