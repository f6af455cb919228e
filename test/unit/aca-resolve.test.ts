/**
 * Table tests for the pure parts of discover: preflight (one row per ARM state that must stop a rollout)
 * and the resolution of latest / current / a revision name or suffix / a label.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { preflightCheck, preflightProblems } from '../../src/aca/preflight.js';
import { labelFqdn, resolveRevision } from '../../src/aca/resolve.js';
import type { AppSnapshot, RevisionInfo } from '../../src/aca/types.js';

const ready: RevisionInfo = {
  name: 'apex--v2',
  active: true,
  trafficWeight: 0,
  labels: [],
  healthState: 'Healthy',
  provisioningState: 'Provisioned',
  runningState: 'Running',
  replicas: 2,
  createdTime: '2026-11-30T10:00:00.000Z',
  fqdn: 'apex--v2.blue-sea.eastus.azurecontainerapps.io',
};

describe('preflight', () => {
  const rows: Array<[string, Partial<RevisionInfo>, RegExp | undefined]> = [
    ['ready', {}, undefined],
    ['still provisioning', { provisioningState: 'Provisioning' }, /provisioningState is Provisioning \(expected Provisioned\): still deploying/],
    ['failed provisioning', { provisioningState: 'Failed', provisioningError: 'image not found' }, /provisioningState is Failed/],
    ['deprovisioned', { provisioningState: 'Deprovisioned', active: false }, /provisioningState is Deprovisioned.*not active/],
    ['unhealthy', { healthState: 'Unhealthy' }, /healthState is Unhealthy \(expected Healthy\)/],
    ['no health state', { healthState: 'None' }, /healthState is None/],
    ['activation failed (not in the SDK enum)', { runningState: 'ActivationFailed' }, /runningState is ActivationFailed \(expected Running\)/],
    ['degraded', { runningState: 'Degraded' }, /runningState is Degraded/],
    ['scaled to zero', { replicas: 0 }, /0 replicas \(expected at least 1; a revision scaled to zero needs --min-replicas 0\)/],
    ['no ingress', { fqdn: undefined }, /no FQDN \(ingress is disabled\)/],
    ['states not reported', { healthState: undefined, runningState: undefined }, /healthState is not reported.*runningState is not reported/],
  ];
  for (const [name, change, expected] of rows) {
    it(name, () => {
      const problems = preflightProblems({ ...ready, ...change });
      if (!expected) assert.deepEqual(problems, []);
      else assert.match(problems.join('; '), expected);
    });
  }

  it('is case-insensitive and accepts 0 replicas when asked', () => {
    assert.deepEqual(preflightProblems({ ...ready, healthState: 'healthy', replicas: 0 }, { minReplicas: 0 }), []);
  });

  it('a failed check names the revision and every ARM state', () => {
    const c = preflightCheck({ ...ready, healthState: 'Unhealthy', provisioningError: 'probe failed' }, 'canary');
    assert.equal(c.status, 'failed');
    assert.equal(
      c.error?.message,
      'apex--v2 is not ready: healthState is Unhealthy (expected Healthy) (ARM: provisioningState Provisioned, healthState Unhealthy, runningState Running, active true, replicas 2, provisioningError "probe failed")',
    );
  });
});

describe('resolve', () => {
  const rev = (name: string, created: string, extra: Partial<RevisionInfo> = {}): RevisionInfo => ({
    ...ready,
    name,
    createdTime: created,
    fqdn: `${name}.env.io`,
    ...extra,
  });
  const snap: AppSnapshot = {
    app: {
      ref: { subscription: 's', resourceGroup: 'rg', app: 'apex' },
      location: 'eastus',
      fqdn: 'apex.env.io',
      latestRevisionName: 'apex--v3',
      traffic: [
        { revisionName: 'apex--v1', weight: 30, label: 'blue' },
        { revisionName: 'apex--v2', weight: 70, label: 'green' },
        { latestRevision: true, weight: 0, label: 'next' },
      ],
    },
    revisions: [rev('apex--v1', '2026-01-01'), rev('apex--v2', '2026-02-01'), rev('apex--v3', '2026-03-01')],
  };
  const name = (selector: string, exclude?: string): string => {
    const r = resolveRevision(snap, selector, exclude ? { exclude } : {});
    return r.ok ? `${r.resolved.revision.name} via ${r.resolved.via} ${r.resolved.url}` : `problem: ${r.problem}`;
  };

  it('latest, current, names, suffixes and labels', () => {
    assert.equal(name('latest'), 'apex--v3 via latest https://apex--v3.env.io');
    assert.equal(name('current'), 'apex--v2 via current https://apex--v2.env.io');
    assert.equal(name('current', 'apex--v2'), 'apex--v1 via current https://apex--v1.env.io');
    assert.equal(name('apex--v1'), 'apex--v1 via name https://apex--v1.env.io');
    assert.equal(name('v1'), 'apex--v1 via name https://apex--v1.env.io');
    assert.equal(name('blue'), 'apex--v1 via label https://apex--v1.env.io');
    assert.equal(name('next'), 'apex--v3 via label https://apex--v3.env.io', 'a latestRevision label points at the newest revision');
  });

  it('says what exists when nothing matches', () => {
    assert.equal(
      name('v9'),
      'problem: no revision or label "v9" in apex (revisions: apex--v1, apex--v2, apex--v3; labels: blue, green, next); or use latest / current',
    );
    const alone: AppSnapshot = { ...snap, app: { ...snap.app, traffic: [{ revisionName: 'apex--v3', weight: 100 }] } };
    const r = resolveRevision(alone, 'current', { exclude: 'apex--v3' });
    assert.deepEqual(r, { ok: false, problem: 'no revision other than apex--v3 takes traffic in apex: name the baseline revision instead of "current"' });
  });

  it('label FQDNs follow <app>---<label>.<env domain>', () => {
    assert.equal(labelFqdn('apex.blue-sea.eastus.azurecontainerapps.io', 'apex', 'next'), 'apex---next.blue-sea.eastus.azurecontainerapps.io');
    assert.equal(labelFqdn('127.0.0.1:4000', 'apex', 'next'), undefined);
  });
});
