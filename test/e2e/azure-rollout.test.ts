/**
 * `revgate rollout` end to end: the built CLI, the real @azure/arm-appcontainers client and
 * DefaultAzureCredential (managed identity) against the sandbox's emulated ARM, whose revisions are
 * real sandbox servers the gate sends traffic to. What ARM holds at the end is read from the emulator
 * itself, not from revgate's report.
 *
 * Gates are small (confidence 0.8, a 10% error-rate limit, 100 req/s): a healthy step decides after a
 * few dozen requests, a canary failing half its requests after a handful.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Journal } from '../../src/rollout/journal.js';
import { startAca, runCliKilledOn, type AcaFixture } from '../helpers/aca.js';
import { readVerdict, tempDir, writeJson, type TempOwner } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

const STABLE = (v1: number) => [
  { revisionName: 'apex-backend--v1', weight: v1, label: 'stable' },
  { revisionName: 'apex-backend--v2', weight: 100 - v1, label: 'next' },
];

interface Rollout {
  aca: AcaFixture;
  journal: string;
  out: string;
  run(args: string[], killOn?: RegExp, when?: { on: RegExp; run: (kill: () => void) => unknown }): ReturnType<typeof runCliKilledOn>;
  traffic(): unknown;
  journalState(): Journal;
}

async function rollout(t: TempOwner, options: { canaryFaults?: string[]; users?: number; metricsDelayMs?: number } = {}): Promise<Rollout> {
  const aca = await startAca(t, options);
  const dir = tempDir(t);
  const criteria = writeJson(path.join(dir, 'criteria.json'), {
    confidence: 0.8,
    maxDuration: '60s',
    // Short windows and a short minimum of evidence, so a healthy step passes in seconds (the default minDuration is 1m).
    window: '100ms',
    minDuration: '3s',
    thresholds: { http_req_failed: ['rate<0.10'] },
    rollbackTriggers: { http_req_failed: ['rate>0.25'] },
  });
  const journal = path.join(dir, 'journal.json');
  const out = path.join(dir, 'out');
  return {
    aca,
    journal,
    out,
    run: (args, killOn, when) =>
      runCliKilledOn(['rollout', ...aca.args, '--journal', journal, '--out', out, '--criteria', criteria, '--rate', '100', ...args], aca.env, killOn, when),
    traffic: () => aca.s.model.traffic(),
    journalState: () => JSON.parse(readFileSync(journal, 'utf8')) as Journal,
  };
}

const START = ['--revision', 'latest', '--steps', '10,50,100'];

describe('revgate rollout on the emulated ARM', { concurrency: 2 }, () => {
  it('a healthy canary goes 10 -> 50 -> 100 and ends at 100% with both labels; lock conflicts on the way are retried; --dry-run changed nothing before', async (t) => {
    const r = await rollout(t);
    const dry = await r.run([...START, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      (dry.stdout.match(/: PATCH https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*\/containerApps\/apex-backend\?api-version=2025-07-01/g) ?? []).length,
      4,
    );
    assert.match(
      dry.stdout,
      /step 2 \(50%\): PATCH .*\n {2}\{"location":"East US","properties":\{"configuration":\{"ingress":\{"traffic":\[\{"revisionName":"apex-backend--v1","weight":50,"label":"stable"\},\{"revisionName":"apex-backend--v2","weight":50,"label":"next"\}\]\}\}\}\}/,
    );
    assert.ok(!r.aca.s.armRequests.some((c) => c.method !== 'GET'), 'a dry run sends no change');
    assert.ok(!existsSync(r.journal), 'and writes no journal');

    r.aca.s.setArmFaults(['lock-conflict=2']);
    const res = await r.run(START);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(r.traffic(), STABLE(0));
    assert.match(res.stderr, /ContainerAppLockConflict.*retrying in \d+ ms \(try 2 of 5\)/);
    const v = readVerdict(r.out);
    assert.equal(verdictSchemaErrors(v), '');
    assert.equal(v.rollout?.state, 'completed');
    assert.deepEqual(
      v.rollout?.history.map((h) => [h.step, h.weight, h.verdict]),
      [
        [1, 10, 'pass'],
        [2, 50, 'pass'],
        [3, 100, 'pass'],
      ],
    );
    assert.match(
      v.summary,
      /^PASS: apex-backend--v2 rolled out 10% -> 50% -> 100%, every gate passed; traffic apex-backend--v1=0 \(stable\), apex-backend--v2=100 \(next\)/,
    );
    const patches = r.aca.s.armRequests.filter((c) => c.method === 'PATCH' && c.status === 202).map((c) => c.body);
    assert.equal(patches.length, 3, 'one accepted PATCH per step');
    assert.equal(r.journalState().state, 'completed');
  });

  it('a faulty canary is rolled back to the recorded traffic; the verdict names the gate and the step', async (t) => {
    const r = await rollout(t, { canaryFaults: ['errors=0.5'] });
    const res = await r.run(START);
    assert.equal(res.code, 1, res.stderr);
    assert.deepEqual(r.traffic(), STABLE(100), 'the rollback point, labels included');
    const v = readVerdict(r.out);
    assert.equal(verdictSchemaErrors(v), '');
    assert.equal(v.rollout?.state, 'rolled-back');
    assert.match(
      v.summary,
      /^FAIL: the gate of step 1\/3 \(10%\) failed \(http_req_failed:rate<0\.10.*\): gate http_req_failed:rate<0\.10 failed \(error rate .*; traffic restored to the rollback point: apex-backend--v1=100 \(stable\), apex-backend--v2=0 \(next\)/,
    );
    assert.equal(v.gates.find((g) => g.id === 'http_req_failed:rate<0.10')?.status, 'failed');
    assert.equal(v.checks.find((c) => c.id === 'rollback')?.status, 'passed');
  });

  it('killed (SIGKILL) at every step, and held by an undecided gate: each --resume reconciles the journal with ARM and it ends at 100%', async (t) => {
    const r = await rollout(t);
    const until = async (cond: () => boolean): Promise<void> => {
      while (!cond()) await new Promise((res) => setTimeout(res, 5));
    };
    // 1. Killed while ARM runs step 1's PATCH: the next start waits for it and finds it made.
    r.aca.s.setArmFaults(['slow-operation=1500']);
    const k1 = await r.run(START, undefined, { on: /step 1\/3 \(10%\): setting traffic/, run: (kill) => until(() => r.aca.s.model.busy()).then(kill) });
    assert.equal(k1.signal, 'SIGKILL');
    assert.equal(r.journalState().intent?.step, 0, 'the intent was on disk before the PATCH');
    r.aca.s.setArmFaults([]);
    // 2. Its gate runs out of requests: held at 10% (exit 2), resumable.
    const held = await r.run(['--resume', '--max-requests', '10']);
    assert.equal(held.code, 2, held.stderr);
    assert.match(held.stderr, /ARM shows the change for step 1\/3 \(10%\) that the previous run sent before it stopped: recorded as made/);
    assert.deepEqual(r.traffic(), STABLE(90));
    const v = readVerdict(r.out);
    assert.equal(v.rollout?.state, 'holding');
    assert.match(v.summary, /^INCONCLUSIVE: holding at step 1\/3 \(10%\): INCONCLUSIVE: http_req_failed:rate<0\.10 undecided after 10 canary/);
    assert.match(v.summary, /resume: revgate rollout --app apex-backend -g revgate-sandbox --subscription .* --resume/);
    // 3. Killed during the gate of step 2.
    const k3 = await r.run(['--resume'], /step 2\/3 \(50%\): gate apex-backend--v2 against/);
    assert.equal(k3.signal, 'SIGKILL', k3.stderr);
    assert.deepEqual(r.traffic(), STABLE(50));
    // 4. Killed while ARM keeps refusing step 3's PATCH (a lock held elsewhere): the change was never made.
    r.aca.s.setArmFaults(['lock-conflict=1000']);
    const k4 = await r.run(['--resume'], /ContainerAppLockConflict.*retrying/);
    assert.equal(k4.signal, 'SIGKILL', k4.stderr);
    assert.equal(r.journalState().intent?.step, 2);
    r.aca.s.setArmFaults([]);
    assert.deepEqual(r.traffic(), STABLE(50));
    // 5. The last resume makes step 3's change again and ends consistent.
    const done = await r.run(['--resume']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /the change for step 3\/3 \(100%\) was not made before the previous run stopped: it will be made again/);
    assert.deepEqual(r.traffic(), STABLE(0));
    const j = r.journalState();
    assert.equal(j.state, 'completed');
    assert.equal(j.intent, undefined);
    assert.deepEqual(
      j.history.map((h) => [h.step, h.verdict]),
      [
        [1, 'inconclusive'],
        [1, 'pass'],
        [2, 'pass'],
        [3, 'pass'],
      ],
    );
    assert.equal(readVerdict(r.out).rollout?.state, 'completed');
  });

  it('a newer revision appearing mid-rollout stops it without a change; a new start is refused; --abort restores the rollback point', async (t) => {
    const r = await rollout(t);
    const stopped = await r.run([...START, '--hold', '2s'], undefined, {
      on: /step 1\/3 \(10%\): holding/,
      run: () => r.aca.s.deployRevision({ suffix: 'v3' }),
    });
    assert.equal(stopped.code, 2, stopped.stderr);
    assert.deepEqual(r.traffic(), STABLE(90), 'left where it was');
    const v = readVerdict(r.out);
    assert.equal(v.rollout?.state, 'stopped');
    assert.match(
      v.summary,
      /^INCONCLUSIVE: stopped at step 1\/3 \(10%\): a newer revision apex-backend--v3 \(created .*\) appeared during the rollout of apex-backend--v2/,
    );
    const again = await r.run(START);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /a rollout of apex-backend--v2 is stopped at step 1\/3 \(10%\) \(journal .*\): --resume it, --abort it/);
    const aborted = await r.run(['--abort']);
    assert.equal(aborted.code, 1, aborted.stderr);
    assert.deepEqual(r.traffic(), STABLE(100));
    const a = readVerdict(r.out);
    assert.equal(verdictSchemaErrors(a), '');
    assert.equal(a.rollout?.state, 'aborted');
    assert.match(
      a.summary,
      /^FAIL: aborted by hand at step 1\/3 \(10%\); traffic restored to the rollback point: apex-backend--v1=100 \(stable\), apex-backend--v2=0 \(next\)/,
    );
  });

  it('real traffic (Azure Monitor Requests per revision over the hold): a healthy canary at 10% is promoted with fewer synthetic requests than on synthetic traffic alone; a faulty one is rolled back on real traffic alone', async (t) => {
    // 200 real requests per second to the ingress: the canary at 10% serves about 20 of them a second.
    const users = { users: 200, metricsDelayMs: 1000 };
    const [synthetic, real] = await Promise.all([rollout(t, users), rollout(t, users)]);
    const step = ['--revision', 'latest', '--steps', '10', '--hold', '5s'];
    const withReal = [...step, '--real-traffic', '--metrics-delay', '1s'];
    const [a, b] = await Promise.all([synthetic.run(step), real.run(withReal)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const [ha] = readVerdict(synthetic.out).rollout?.history ?? [];
    const vb = readVerdict(real.out);
    assert.equal(verdictSchemaErrors(vb), '');
    const [hb] = vb.rollout?.history ?? [];
    assert.ok((ha?.synthetic ?? 0) > 0, 'without real traffic the step takes synthetic requests');
    assert.ok((hb?.real ?? 0) > 0, 'Azure Monitor reported real requests to the canary');
    assert.ok((hb?.synthetic ?? 0) < (ha?.synthetic ?? 0), `synthetic requests with real traffic ${hb?.synthetic} vs without ${ha?.synthetic}`);
    assert.equal(vb.gates.find((g) => g.id === 'real:http_req_failed:rate<0.10')?.status, 'passed', 'the real-traffic gate is reported apart');
    t.diagnostic(
      `step 1 (10%): ${ha?.synthetic} synthetic canary requests on synthetic traffic alone; ${hb?.synthetic} synthetic + ${hb?.real} real with --real-traffic`,
    );
    assert.deepEqual(real.traffic(), STABLE(90));

    await Promise.all([synthetic.aca.s.users.stop(), real.aca.s.users.stop()]);
    // A canary failing half its requests, at 50% of 100 real requests per second.
    const faulty = await rollout(t, { users: 100, metricsDelayMs: 1000, canaryFaults: ['errors=0.5'] });
    const c = await faulty.run(['--revision', 'latest', '--steps', '50', '--hold', '4s', '--real-traffic', '--metrics-delay', '1s']);
    assert.equal(c.code, 1, c.stderr);
    assert.deepEqual(faulty.traffic(), STABLE(100));
    const vc = readVerdict(faulty.out);
    assert.match(vc.summary, /^FAIL: real traffic at step 1\/1 \(50%\) failed \(real:/);
    assert.equal(vc.rollout?.history[0]?.synthetic, 0, 'rolled back before any synthetic request');
  });
});
