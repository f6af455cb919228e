/**
 * The rollout's pure parts, one row per rule: step parsing, the rollback point (and the Container Apps
 * traps it refuses), the guard for a newer revision, and reconciling the journal with what ARM reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppSnapshot, RevisionInfo, TrafficEntry } from '../../src/aca/types.js';
import type { Journal } from '../../src/rollout/journal.js';
import { newerRevision, parseSteps, reconcile, rollbackPoint, stepTable } from '../../src/rollout/plan.js';

const rev = (name: string, createdTime: string): RevisionInfo => ({
  name,
  active: true,
  trafficWeight: 0,
  labels: [],
  healthState: 'Healthy',
  provisioningState: 'Provisioned',
  runningState: 'Running',
  replicas: 1,
  createdTime,
  fqdn: `${name}.env.io`,
});

function snap(traffic: TrafficEntry[], extra: Partial<AppSnapshot['app']> = {}, revisions = ['app--v1', 'app--v2']): AppSnapshot {
  return {
    app: {
      ref: { subscription: 's', resourceGroup: 'rg', app: 'app' },
      location: 'eastus',
      latestRevisionName: revisions[revisions.length - 1],
      traffic,
      ...extra,
    },
    revisions: revisions.map((n, i) => rev(n, `2026-01-0${i + 1}T00:00:00Z`)),
  };
}

const start: TrafficEntry[] = [
  { revisionName: 'app--v1', weight: 100, label: 'stable' },
  { revisionName: 'app--v2', weight: 0, label: 'next' },
];

function journal(changes: Partial<Journal> = {}): Journal {
  return {
    version: 1,
    app: { subscription: 's', resourceGroup: 'rg', app: 'app' },
    armEndpoint: 'https://management.azure.com',
    revision: 'app--v2',
    baseline: 'app--v1',
    steps: [10, 50, 100],
    criteria: 'c.json',
    createdAt: '',
    updatedAt: '',
    latestAtStart: 'app--v2',
    rollbackPoint: start,
    state: 'running',
    step: -1,
    applied: start,
    history: [],
    ...changes,
  };
}

describe('steps', () => {
  it('parses whole increasing percentages and refuses the rest', () => {
    assert.deepEqual(parseSteps('10,50,100'), { steps: [10, 50, 100] });
    assert.deepEqual(parseSteps('5%, 25%'), { steps: [5, 25] });
    for (const bad of ['', '10,,50', '0,50', '50,10', '10,10', '10.5', '101', 'ten']) assert.ok('problem' in parseSteps(bad), bad);
  });
});

describe('rollback point', () => {
  it('is ARM table pinned, labels and all', () => {
    assert.deepEqual(rollbackPoint(snap(start), 'app--v2', [10]), { traffic: start });
    const follows = snap([{ latestRevision: true, weight: 100, label: 'live' }], { latestRevisionName: 'app--v1' }, ['app--v1']);
    assert.deepEqual(rollbackPoint(follows, 'app--v2', [10]), { traffic: [{ revisionName: 'app--v1', weight: 100, label: 'live' }] });
  });

  it('refuses traffic that already follows the canary (#177), a table that does not sum to 100 (#410), and a canary above the first step', () => {
    const r177 = rollbackPoint(snap([{ latestRevision: true, weight: 100 }]), 'app--v2', [10]);
    assert.match(
      (r177 as { problem: string }).problem,
      /100% of the traffic follows the latest revision, which is the canary app--v2: .*Pin the revision in service first/,
    );
    const r410 = rollbackPoint(snap([{ revisionName: 'app--v1', weight: 60 }]), 'app--v2', [10]);
    assert.match((r410 as { problem: string }).problem, /cannot be restored as it is: weights sum to 60, not 100/);
    const above = rollbackPoint(
      snap([
        { revisionName: 'app--v1', weight: 80 },
        { revisionName: 'app--v2', weight: 20 },
      ]),
      'app--v2',
      [10, 50],
    );
    assert.match((above as { problem: string }).problem, /already takes 20%: the first step \(10%\) must be above that/);
  });

  it('every step table keeps the labels and sums to 100', () => {
    assert.deepEqual(stepTable(journal(), 1), [
      { revisionName: 'app--v1', weight: 50, label: 'stable' },
      { revisionName: 'app--v2', weight: 50, label: 'next' },
    ]);
  });
});

describe('guards and reconciling with ARM', () => {
  const at10 = stepTable(journal(), 0);
  const at50 = stepTable(journal(), 1);

  it('a revision newer than the one the rollout started with is named', () => {
    assert.equal(newerRevision(journal(), snap(start)), undefined);
    assert.equal(newerRevision(journal(), snap(start, {}, ['app--v1', 'app--v2', 'app--v3']))?.name, 'app--v3');
  });

  it('waits while ARM has an operation in progress', () => {
    assert.deepEqual(reconcile(journal(), snap(start, { provisioningState: 'InProgress' })), { kind: 'busy' });
  });

  it('an intent ARM shows made is recorded as applied, at its step', () => {
    const r = reconcile(journal({ intent: { kind: 'step', step: 0, traffic: at10, at: '' } }), snap(at10));
    assert.equal(r.kind, 'ok');
    const j = (r as { journal: Journal }).journal;
    assert.deepEqual([j.step, j.applied, j.intent], [0, at10, undefined]);
  });

  it('an intent ARM does not show is kept, to be made again', () => {
    const r = reconcile(journal({ step: 0, applied: at10, intent: { kind: 'step', step: 1, traffic: at50, at: '' } }), snap(at10));
    assert.equal(r.kind, 'ok');
    assert.deepEqual((r as { journal: Journal }).journal.intent?.traffic, at50);
    assert.match((r as { notes: string[] }).notes[0] ?? '', /was not made before the previous run stopped: it will be made again/);
  });

  it('any other table means someone else changed the traffic', () => {
    const other: TrafficEntry[] = [{ revisionName: 'app--v1', weight: 100 }];
    assert.equal(reconcile(journal({ intent: { kind: 'step', step: 0, traffic: at10, at: '' } }), snap(other)).kind, 'drift');
    const drift = reconcile(journal({ step: 0, applied: at10 }), snap(start));
    assert.equal(drift.kind, 'drift');
    assert.match(
      (drift as { reason: string }).reason,
      /ARM's traffic \(app--v1=100 \(stable\), app--v2=0 \(next\)\) is not what this rollout last set \(app--v1=90 \(stable\), app--v2=10 \(next\)\)/,
    );
  });
});
