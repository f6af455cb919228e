import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { LoadSummary } from '../../src/load/summary.js';
import { readVerdict, runCli, tempDir, writeJson, type TempOwner } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import { closedPort } from '../helpers/files.js';

/** A short profile (2-3 s) so the whole file stays well under a minute. */
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
    thresholds: { http_req_duration: ['p(95)<300'], http_req_failed: ['rate<0.01'], 'http_req_duration{endpoint:health}': ['p(99)<1000'] },
    ...patch,
  });
}

const summaryOf = (out: string): LoadSummary => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as LoadSummary;

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
    assert.deepEqual(ids.slice(0, 3), ['http_req_duration p(95)<300', 'http_req_failed rate<0.01', 'http_req_duration{endpoint:health} p(99)<1000']);
    assert.ok(v.gates.every((g) => g.reason && (g.status === 'passed' || !g.blocking)));
    const s = summaryOf(out);
    assert.equal(s.metrics.http_reqs?.values.count, 100);
    assert.equal(typeof s.metrics.http_req_duration?.values['p(95)'], 'number');
    assert.deepEqual(s.metrics.http_req_duration?.thresholds, { 'p(95)<300': { ok: true } });
    assert.equal(
      s.revgate.perSecond.requests.reduce((a, b) => a + b, 0),
      100,
    );
  });

  it('fails on injected latency, naming the breached threshold', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', profile(t), '--sandbox', '--fault', 'latency=400', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(v.verdict, 'fail');
    const failed = v.gates.filter((g) => g.blocking && g.status === 'failed').map((g) => g.id);
    assert.ok(failed.includes('http_req_duration p(95)<300'), failed.join(', '));
    assert.ok(!failed.includes('http_req_failed rate<0.01'));
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
    const started = Date.now();
    const r = await runCli(['load', '--profile', profile(t), '--base-url', `http://127.0.0.1:${await closedPort()}`, '--out', out], { timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(Date.now() - started < 15_000);
    const v = readVerdict(out);
    const g = v.gates.find((x) => x.id === 'http_req_failed rate<0.01');
    assert.equal(g?.status, 'failed');
    assert.match(g?.reason ?? '', /network errors: connect=100 \(.*ECONNREFUSED/);
    assert.deepEqual(summaryOf(out).revgate.errorsByKind, { connect: 100 });
  });
});

describe('interrupted runs', () => {
  it('SIGINT stops the load at once and still writes the partial results, marked as such (exit 4)', async (t) => {
    const out = tempDir(t);
    const started = Date.now();
    const r = await runCli(['load', '--profile', profile(t, {}, { duration: '60s' }), '--sandbox', '--out', out], {
      interruptOn: /revgate: load e2e ->/,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.ok(Date.now() - started < 20_000, 'stopped long before the 60 s duration');
    assert.match(r.stderr, /interrupted: stopping the load and writing partial results/);
    const v = readVerdict(out);
    assert.equal(v.partial, true);
    assert.equal(v.verdict, 'error');
    assert.equal(verdictSchemaErrors(v), '');
    assert.ok(existsSync(path.join(out, 'summary.json')));
  });
});

describe('baselines', () => {
  // 100 req/s for 2.5 s: enough samples per time block for the noise estimate. Latencies of 200 vs 300 ms
  // keep the injected +50% well clear of the scheduling jitter of a busy CI machine.
  const p = profile({ after }, { thresholds: { http_req_failed: ['rate<0.01'] } }, { rate: 100, duration: '2.5s' });
  const dir = tempDir({ after }, 'revgate-baseline-');
  const baseline = path.join(dir, 'baseline.json');

  it('saves a baseline', async (t) => {
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=200', '--save-baseline', baseline, '--out', tempDir(t)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const b = JSON.parse(readFileSync(baseline, 'utf8')) as { format: string; blocks: unknown[]; histogram: string };
    assert.equal(b.format, 'revgate-load-baseline/1');
    assert.equal(b.blocks.length, 10);
  });

  it('flags a 50% p95 regression beyond noise', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=300', '--baseline', baseline, '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
    const g = v.gates.find((x) => x.id === 'baseline http_req_duration p(95)');
    assert.equal(g?.status, 'failed', g?.reason);
    assert.match(
      g?.reason ?? '',
      /regression: p\(95\) .* \(\+[3-5]\d\.\d%, allowed \+20%\); 95% interval of the ratio \[.*\]: beyond the baseline's run-to-run noise/,
    );
  });

  it('passes a rerun of the same revision', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['load', '--profile', p, '--sandbox', '--fault', 'latency=200', '--baseline', baseline, '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.deepEqual(
      v.gates.filter((g) => g.id.startsWith('baseline')).map((g) => g.status),
      ['passed', 'passed'],
    );
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
      const r = await runCli(['load', ...args, '--out', tempDir(t)], { timeoutMs: 20_000 });
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
