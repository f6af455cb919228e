import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { LoadSummary } from '../../src/load/summary.js';
import { readVerdict, runCli, tempDir, writeJson, type TempOwner } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import { junitFileErrors } from '../helpers/junit-xsd.js';
import { closedPort } from '../helpers/files.js';

/**
 * A short profile (2-3 s) so the whole file stays well under a minute. Its latency thresholds are far above
 * what a loaded machine adds to a loopback request, so only an injected fault breaks them.
 */
function profile(owner: TempOwner, patch: Record<string, unknown> = {}, scenario: Record<string, unknown> = {}): string {
  return writeJson(path.join(tempDir(owner, 'revgate-load-'), 'profile.json'), {
    name: 'e2e',
    timeout: '3s',
    scenarios: {
      s: {
        executor: 'constant-arrival-rate',
        rate: 50,
        duration: '2s',
        maxInFlight: 50,
        requests: [{ name: 'health', path: '/health', weight: 3, tags: { endpoint: 'health' } }, { path: '/api/v1/prediction/health' }],
        ...scenario,
      },
    },
    thresholds: { http_req_duration: ['p(95)<2000'], http_req_failed: ['rate<0.01'], 'http_req_duration{endpoint:health}': ['p(99)<5000'] },
    ...patch,
  });
}

const summaryOf = (out: string): LoadSummary => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as LoadSummary;

/** The profile schedules 100 arrivals (50/s for 2 s); each is sent or dropped, never both, never lost. */
function assertScheduleAccounted(s: LoadSummary): number {
  const sent = s.metrics.http_reqs?.values.count ?? 0;
  const dropped = s.metrics.dropped_iterations?.values.count ?? 0;
  assert.equal(sent + dropped, 100, `${sent} sent + ${dropped} dropped of 100 scheduled`);
  return sent;
}

describe('revgate load against the sandbox', { concurrency: true }, () => {
  it('passes a healthy revision, with one gate per threshold and a k6-shaped summary', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', profile(t), '--sandbox', '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(v.kind, 'load');
    assert.equal(v.verdict, 'pass');
    assert.equal(verdictSchemaErrors(v), '');
    const ids = v.gates.map((g) => g.id);
    assert.deepEqual(ids.slice(0, 3), ['http_req_duration p(95)<2000', 'http_req_failed rate<0.01', 'http_req_duration{endpoint:health} p(99)<5000']);
    assert.ok(v.gates.every((g) => g.reason && (g.status === 'passed' || !g.blocking)));
    const s = summaryOf(out);
    const sent = assertScheduleAccounted(s);
    assert.equal(typeof s.metrics.http_req_duration?.values['p(95)'], 'number');
    assert.deepEqual(s.metrics.http_req_duration?.thresholds, { 'p(95)<2000': { ok: true } });
    // k6's root_group and options (test/unit/load-k6-summary.test.ts holds them to a real k6 sample).
    assert.deepEqual(Object.keys(s.options).sort(), ['noColor', 'summaryTimeUnit', 'summaryTrendStats']);
    const [check] = s.root_group.checks;
    assert.equal((check?.passes ?? 0) + (check?.fails ?? 0), s.metrics.http_reqs?.values.count, 'the expected-response check counts every response');
    assert.equal(
      s.revgate.perSecond.requests.reduce((a, b) => a + b, 0),
      sent,
      'the per-second series adds up to the total',
    );
  });

  it('fails on injected latency, naming the breached threshold', async (t) => {
    const out = tempDir(t);
    // 600 ms injected against a 300 ms p95: even if nearly every arrival started late, the lowest latency the
    // target could have caused (load/lateness.ts) stays above 300 ms, so the gate fails instead of holding.
    const thresholds = { http_req_duration: ['p(95)<300'], http_req_failed: ['rate<0.01'] };
    const r = await runCli(['load', '--profile', profile(t, { thresholds }), '--sandbox', '--fault', 'latency=600', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(v.verdict, 'fail');
    const failed = v.gates.filter((g) => g.blocking && g.status === 'failed').map((g) => g.id);
    assert.ok(failed.includes('http_req_duration p(95)<300'), failed.join(', '));
    assert.ok(!failed.includes('http_req_failed rate<0.01'));
    assert.deepEqual(await junitFileErrors(out), []);
    assert.ok(
      v.reasons.some((r) => /http_req_duration p\(95\)<300 failed: threshold breached: p\(95\) of http_req_duration = \d+\.\d ms \(threshold < 300 ms/.test(r)),
      v.reasons.join('\n'),
    );
  });

  it('fails on injected errors, naming http_req_failed', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', profile(t), '--sandbox', '--fault', 'errors=0.2', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    // Latency gates may also fail on an overloaded machine; the error-rate gate must.
    assert.ok(v.gates.some((g) => g.id === 'http_req_failed rate<0.01' && g.status === 'failed'));
    assert.ok((summaryOf(out).revgate.statusClasses['5xx'] ?? 0) > 5);
  });

  it('fails an unreachable target with the error kinds counted, and never hangs', async (t) => {
    const out = tempDir(t);
    // A hang is caught by runCli's kill (exit code null, not 1).
    const r = await runCli(['load', '--profile', profile(t), '--base-url', `http://127.0.0.1:${await closedPort()}`, '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    const s = summaryOf(out);
    const sent = assertScheduleAccounted(s);
    const g = v.gates.find((x) => x.id === 'http_req_failed rate<0.01');
    assert.equal(g?.status, 'failed');
    assert.match(g?.reason ?? '', new RegExp(`network errors: connect=${sent} \\(.*ECONNREFUSED`));
    assert.deepEqual(s.revgate.errorsByKind, { connect: sent }, 'every request sent was refused, and counted as such');
    // Refused at once, so the run ends with its 2 s schedule: under 2 s + the 3 s request timeout it would
    // need to wait for even one connection attempt. Measured inside the CLI, so a slow start does not count.
    assert.ok(s.state.testRunDurationMs < 5_000, `ran ${s.state.testRunDurationMs} ms`);
  });
});

describe('interrupted runs', () => {
  it('SIGINT stops the load at once and still writes the partial results, marked as such (exit 4)', async (t) => {
    const out = tempDir(t);
    // Ignoring SIGINT would run the full 60 s and exit 0: the exit code check fails.
    const r = await runCli(['load', '--profile', profile(t, {}, { duration: '60s' }), '--sandbox', '--out', out], { interruptOn: /revgate: load e2e ->/ });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    const ranMs = summaryOf(out).state.testRunDurationMs;
    // Half the 60 s schedule: stopping takes at most the 1 s grace for in-flight requests, so only a run
    // that kept going for tens of seconds after the signal gets near it.
    assert.ok(ranMs < 30_000, `stopped long before the 60 s duration (ran ${ranMs} ms)`);
    assert.match(r.stderr, /interrupted: stopping the load and writing partial results/);
    const v = readVerdict(out);
    assert.equal(v.partial, true);
    assert.equal(v.verdict, 'error');
    assert.equal(verdictSchemaErrors(v), '');
    assert.ok(existsSync(path.join(out, 'summary.json')));
  });
});

describe('baselines', () => {
  // The runs happen at different times, and a shared machine can slow one and spare the next: a 600 ms
  // baseline once measured 1,078 ms while a 900 ms regression measured 1,015 ms after its own late starts were
  // allowed for (lateness.ts applies to the run being judged, not to the saved baseline). So the regression
  // triples the latency (600 -> 1,800 ms): it stays over the +20% allowance unless the baseline run was slowed
  // by 900 ms. 100 req/s for 4 s leaves at least 4 time blocks of 20+ samples for the noise estimate even when
  // every response takes 1.8 s; 300 slots hold the ~180 requests in flight.
  const p = profile({ after }, { timeout: '10s', thresholds: { http_req_failed: ['rate<0.01'] } }, { rate: 100, duration: '4s', maxInFlight: 300 });
  const dir = tempDir({ after }, 'revgate-baseline-');
  const baseline = path.join(dir, 'baseline.json');

  it('saves a baseline', async (t) => {
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=600', '--save-baseline', baseline, '--out', tempDir(t)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const b = JSON.parse(readFileSync(baseline, 'utf8')) as { format: string; blocks: unknown[]; histogram: string };
    assert.equal(b.format, 'revgate-load-baseline/1');
    assert.equal(b.blocks.length, 10);
  });

  it('flags a tripled p95 as a regression beyond noise', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=1800', '--baseline', baseline, '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
    const g = v.gates.find((x) => x.id === 'baseline http_req_duration p(95)');
    assert.equal(g?.status, 'failed', g?.reason);
    const m = /regression: p\(95\) .* \(\+(\d+\.\d)%, allowed \+20%\); 95% interval of the ratio \[.*\]: beyond the baseline's run-to-run noise/.exec(
      g?.reason ?? '',
    );
    assert.ok(m, g?.reason);
    // +200% injected; a slowed baseline run pulls the measured increase down toward the +20% allowance, nothing
    // pushes it far above: the range rules out a ratio computed the wrong way round or on the wrong stat.
    const increase = Number(m[1]);
    assert.ok(increase > 20 && increase < 300, `+${increase}%`);
  });

  it('passes a rerun of the same revision', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=600', '--baseline', baseline, '--out', out]);
    const v = readVerdict(out);
    // Never a rollback. On a machine busy enough to make the generator start arrivals late (a fresh-clone run with
    // two CPU hogs: 31 of 400 late, p95 +20.7%), a latency breach is not trusted and the run holds (exit 2),
    // naming the saturated generator; otherwise both baseline comparisons pass (exit 0).
    assert.notEqual(r.code, 1, r.stdout + r.stderr);
    if (r.code === 2) {
      assert.equal(v.gates.find((g) => g.id.startsWith('generator'))?.status, 'failed', r.stdout);
      assert.ok(
        v.gates.filter((g) => g.status === 'inconclusive').every((g) => /not trusted: the load generator was saturated/.test(g.reason ?? '')),
        r.stdout,
      );
    } else {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(
        v.gates.filter((g) => g.id.startsWith('baseline')).map((g) => g.status),
        ['passed', 'passed'],
      );
    }
  });
});

describe('bad input exits 3 with the problem named, before any load', { concurrency: true }, () => {
  const rows: Array<[string, string[], RegExp]> = [
    [
      'unknown executor',
      ['--profile', profile({ after }, {}, { executor: 'shared-iterations' }), '--sandbox'],
      /\$\.scenarios\.s\.executor: must be one of[^]*the schema is schemas\/load-profile\.schema\.json/,
    ],
    [
      'malformed threshold',
      ['--profile', profile({ after }, { thresholds: { http_req_duration: ['p95 < 500'] } }), '--sandbox'],
      /"p95 < 500" is not a k6 threshold expression/,
    ],
    ['rate of 0', ['--profile', profile({ after }, {}, { rate: 0 }), '--sandbox'], /\$\.scenarios\.s\.rate: must be > 0/],
    [
      'negative duration',
      ['--profile', profile({ after }, {}, { duration: '-2s' }), '--sandbox'],
      /\$\.scenarios\.s\.duration: "-2s" is not a positive duration/,
    ],
    ['host not allowed', ['--profile', profile({ after }), '--base-url', 'https://example.com'], /host "example\.com" is not allowed/],
    ['missing profile', ['--profile', '/nonexistent/profile.json', '--sandbox'], /load profile not found/],
    ['parallelism without emit', ['--profile', profile({ after }), '--sandbox', '--parallelism', '2'], /--parallelism only applies with --emit/],
  ];
  for (const [name, args, expected] of rows) {
    it(name, async (t) => {
      const r = await runCli(['load', ...args, '--out', tempDir(t)]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(r.stderr, expected);
    });
  }
});

describe('k6 paths', { concurrency: true }, () => {
  it('--emit k6-operator writes a ConfigMap and a TestRun', async (t) => {
    const out = tempDir(t);
    const r = await runCli([
      'load',
      '--profile',
      'load/profiles/apex-canary.json',
      '--base-url',
      'https://apex--rev2.example.azurecontainerapps.io',
      '--emit',
      'k6-operator',
      '--parallelism',
      '3',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const testRun = readFileSync(path.join(out, 'k6-operator', 'testrun.yaml'), 'utf8');
    assert.match(testRun, /^apiVersion: "k6\.io\/v1alpha1"\nkind: "TestRun"/);
    assert.match(testRun, /parallelism: 3/);
    assert.match(testRun, /configMap:\n {6}name: "revgate-apex-canary"\n {6}file: "profile\.ts"/);
    const cm = readFileSync(path.join(out, 'k6-operator', 'configmap.yaml'), 'utf8');
    assert.match(cm, /kind: "ConfigMap"/);
    assert.match(cm, /profile\.json: \|-/);
    assert.match(r.stdout, /does not aggregate thresholds across runners/);

    // --json: one document on stdout (as every command's result), nothing else there.
    const j = await runCli([
      'load',
      '--profile',
      'load/profiles/apex-canary.json',
      '--base-url',
      'https://apex--rev2.example.azurecontainerapps.io',
      '--emit',
      'k6-operator',
      '--parallelism',
      '2',
      '--json',
      '--out',
      tempDir(t),
    ]);
    assert.equal(j.code, 0, j.stdout + j.stderr);
    const doc = JSON.parse(j.stdout) as { testRun: string; configMap: string; parallelism: number; apply: string };
    assert.equal(doc.parallelism, 2);
    assert.ok(existsSync(doc.testRun) && existsSync(doc.configMap), j.stdout);
    assert.match(doc.apply, /^kubectl apply -f .*configmap\.yaml -f .*testrun\.yaml$/);
  });

  it('--engine k6 without k6 says how to install it (exit 4)', async (t) => {
    const r = await runCli(['load', '--profile', profile(t), '--sandbox', '--engine', 'k6', '--out', tempDir(t)], {
      env: { PATH: path.dirname(process.execPath), K6_PATH: undefined },
    });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /k6 was not found: install it/);
    assert.ok(!existsSync('/nonexistent'));
  });
});
