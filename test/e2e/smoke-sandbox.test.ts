import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ROOT, calmConfig, checkStatus, readVerdict, runCli, tempDir, writeJson, type TempOwner } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import { junitFileErrors } from '../helpers/junit-xsd.js';

/**
 * The shipped config. Tests whose subject is not latency run it through calmConfig: its 100-500 ms limits on
 * loopback requests measure the machine (at a load of 15 on 2 cores, /health/live took over a second).
 */
const SHIPPED = path.join(ROOT, 'revgate.config.json');

describe('revgate smoke --sandbox (the npm start job)', () => {
  it('passes on a healthy sandbox and writes every report', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['smoke', '--sandbox', '--config', calmConfig(t, SHIPPED), '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /verdict: pass \(decision: promote, exit 0\)/);
    const v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
    assert.equal(v.verdict, 'pass');
    for (const id of ['health-live', 'health-ready', 'health', 'health-db', 'metrics', 'auth-required', 'projects-list', 'project-crud', 'document-upload']) {
      assert.equal(checkStatus(v, id), 'passed', id);
    }
    assert.equal(checkStatus(v, 'tls-certificate'), 'skipped', 'TLS expiry does not apply to an http target');
    assert.ok(
      v.checks.some((c) => c.id.startsWith('projects-pagination/') && c.status === 'passed'),
      'the hand-written spec ran',
    );
    const crud = v.checks.find((c) => c.id === 'project-crud');
    assert.deepEqual(
      crud?.steps?.map((s) => s.status),
      ['passed', 'passed'], // create, read; the delete is the flow's cleanup (the runbook's Step 8)
    );
    assert.equal(crud?.cleanup?.status, 'passed');
    for (const f of ['verdict.json', 'junit.xml', 'summary.md', 'html/index.html']) assert.ok(existsSync(path.join(out, f)), f);
    assert.deepEqual(await junitFileErrors(out), []);
    assert.ok(
      readdirSync(path.join(out, 'allure-results')).some((f) => f.endsWith('-result.json')),
      'allure results written',
    );
    assert.match(readFileSync(path.join(out, 'summary.md'), 'utf8'), /✅ PASS: promote/);
  });

  it('--fault ready-fail exits 1 and the summary names the failing check', async (t) => {
    const out = tempDir(t);
    // The shipped suite's declared checks: the spec is not what this case is about (the whole suite runs above).
    const r = await runCli(['smoke', '--sandbox', '--config', calmConfig(t, SHIPPED, { declaredOnly: true }), '--fault', 'ready-fail', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(v.verdict, 'fail');
    assert.equal(v.decision, 'rollback');
    assert.equal(checkStatus(v, 'health-ready'), 'failed');
    assert.match(v.summary, /^FAIL: health-ready failed/);
    const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(md, /\| ❌ \| `health-ready`/);
    assert.match(md, /got 503 Service Unavailable/);
  });

  it('TLS certificate near expiry: below minDays fails (exit 1), below warnDays is degraded (exit 0)', async (t) => {
    const config = calmConfig(t, SHIPPED, { declaredOnly: true });
    let out = tempDir(t);
    let r = await runCli(['smoke', '--sandbox', '--config', config, '--fault', 'tls-expiry=5', '--grep', 'tls-certificate|health-live', '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    let v = readVerdict(out);
    assert.equal(checkStatus(v, 'tls-certificate'), 'failed');
    assert.equal(checkStatus(v, 'health-live'), 'passed', 'https with the sandbox CA trusted');
    assert.match(v.checks.find((c) => c.id === 'tls-certificate')?.error?.message ?? '', /day/);
    out = tempDir(t);
    r = await runCli(['smoke', '--sandbox', '--config', config, '--fault', 'tls-expiry=20', '--grep', 'tls-certificate', '--out', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    v = readVerdict(out);
    assert.equal(checkStatus(v, 'tls-certificate'), 'degraded');
  });

  it('a bad --fault is a usage error (exit 3) and nothing runs', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['smoke', '--sandbox', '--fault', 'latency=fast', '--out', out]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /latency/);
    assert.ok(!existsSync(path.join(out, 'verdict.json')));
  });
});

describe('each sandbox fault gives the right check status and exit code', () => {
  let sandbox: RunningSandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  // The shipped suite's declared checks (its spec left out, so no Playwright start per case); the first case runs the whole suite.
  async function smokeWith(t: TempOwner, faults: string[], extra: string[] = [], config = calmConfig(t, SHIPPED, { declaredOnly: true })) {
    sandbox.setFaults(faults);
    const out = tempDir(t);
    const r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out, ...extra], { env: { REVGATE_TOKEN: sandbox.token } });
    const v = existsSync(path.join(out, 'verdict.json')) ? readVerdict(out) : undefined;
    return { r, v, out };
  }

  it('one run, one fault per endpoint: every faulted check fails with its own reason', async (t) => {
    // The shipped limits: 1.5 s injected on /health must break its 1 s limit. Only faulted checks are asserted.
    const { r, v } = await smokeWith(
      t,
      [
        'errors=1,path=/health/db',
        'down,path=/metrics',
        'wrong-body,path=/health/live',
        'login-page,path=/api/v1/projects/',
        'latency=1500,path=/health',
        'huge-body,mb=12,path=/health/ready',
        'down,mode=reset,path=/health/redis',
      ],
      [],
      SHIPPED,
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(v);
    const reason = (id: string) => v.checks.find((c) => c.id === id)?.error?.message ?? '';
    assert.equal(checkStatus(v, 'health-db'), 'failed');
    assert.match(reason('health-db'), /500/);
    assert.equal(checkStatus(v, 'metrics'), 'failed');
    assert.match(reason('metrics'), /503/);
    assert.equal(checkStatus(v, 'health-live'), 'failed');
    assert.equal(checkStatus(v, 'projects-list'), 'failed', 'an HTML login page with 200 must fail');
    assert.match(reason('projects-list'), /HTML|login/i);
    assert.equal(checkStatus(v, 'health'), 'failed');
    assert.match(reason('health'), /latency|ms/);
    assert.equal(checkStatus(v, 'health-ready'), 'failed');
    assert.match(reason('health-ready'), /over the .* limit/);
    assert.equal(checkStatus(v, 'health-redis'), 'failed', 'a reset connection is a failure (non-blocking here)');
    assert.match(reason('health-redis'), /reset|hang up|closed/i);
  });

  it('latency above the warn budget only: degraded, verdict pass (exit 0)', async (t) => {
    // 600 ms injected: at least that, so above the 200 ms warning; a loaded machine adds far less than the
    // 59 s that would take it to the 60 s limit.
    const config = writeJson(path.join(tempDir(t), 'latency.config.json'), {
      service: { name: 'latency' },
      environments: { smoke: { baseUrl: 'http://127.0.0.1:1' } },
      checks: [{ id: 'health', request: { path: '/health' }, expect: { status: 200, latency: { warnMs: 200, maxMs: 60_000 } } }],
    });
    const { r, v } = await smokeWith(t, ['latency=600,path=/health'], [], config);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(checkStatus(v!, 'health'), 'degraded');
    assert.match(v!.summary, /1 degraded/);
  });

  it('a check that passes only on retry is flaky: verdict inconclusive, hold (exit 2)', async (t) => {
    const { r, v, out } = await smokeWith(t, ['errors=1,first=1,path=/health/db'], ['--grep', 'health-db', '--retries', '1']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const db = v!.checks.find((c) => c.id === 'health-db');
    assert.equal(db?.status, 'flaky');
    assert.equal(db?.attempts, 2);
    assert.equal(v!.decision, 'hold');
    assert.deepEqual(await junitFileErrors(out), [], 'flaky as Surefire flakyFailure with its stackTrace');
  });

  it('the same failure without retries fails (retries are off by default)', async (t) => {
    const { r, v } = await smokeWith(t, ['errors=1,first=1,path=/health/db'], ['--grep', 'health-db']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(v!.checks.find((c) => c.id === 'health-db')?.attempts, 1);
  });

  it('a failing non-blocking check is reported but does not fail the verdict', async (t) => {
    const { r, v } = await smokeWith(t, ['errors=1,path=/health/redis'], ['--grep', 'health-(redis|live)']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const redis = v!.checks.find((c) => c.id === 'health-redis');
    assert.equal(redis?.status, 'failed');
    assert.equal(redis?.blocking, false);
  });

  it('redirect loop and slow start fail with clear reasons', async (t) => {
    const loop = await smokeWith(t, ['redirect-loop,path=/health/live'], ['--grep', 'health-live']);
    assert.equal(loop.r.code, 1);
    assert.match(loop.v!.checks[0]?.error?.message ?? '', /redirect/i);
    // Still starting 10 minutes on: far longer than even an overloaded machine takes to reach the check.
    const slow = await startSandbox({ faults: ['slow-start=600000'] });
    try {
      const out = tempDir(t);
      const args = ['smoke', '--config', calmConfig(t, SHIPPED), '--base-url', slow.url, '--out', out, '--grep', 'health-(ready|live)'];
      const r = await runCli(args, { env: { REVGATE_TOKEN: slow.token } });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = readVerdict(out);
      assert.equal(checkStatus(v, 'health-ready'), 'failed');
      assert.equal(checkStatus(v, 'health-live'), 'passed', 'liveness answers during start-up');
    } finally {
      await slow.stop();
    }
  });

  it('a failing flow still deletes what it created', async (t) => {
    const before = sandbox.state();
    const { r, v } = await smokeWith(t, ['errors=1,path=/api/v1/documents/*'], ['--grep', 'document-upload']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const flow = v!.checks.find((c) => c.id === 'document-upload');
    assert.equal(flow?.status, 'failed');
    assert.deepEqual(
      flow?.steps?.map((s) => s.status),
      ['passed', 'failed', 'skipped'],
    );
    assert.equal(flow?.cleanup?.status, 'passed');
    assert.equal(sandbox.state().projects.active, before.projects.active, 'no project left behind');
  });
});
