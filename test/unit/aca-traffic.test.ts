/**
 * Traffic tables: no code path writes weights that do not sum to 100. A property test over random
 * (seeded) traffic tables (several revisions, labels, latestRevision entries, a canary already present
 * or not) checks every step table planStep builds, and table tests pin the rounding and the traps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pinTraffic, planStep, sameTraffic, trafficProblems, trafficSum, weightOf } from '../../src/aca/traffic.js';
import type { TrafficEntry } from '../../src/aca/types.js';
import { createRng, type Rng } from '../../src/stats/rng.js';

/** A random table that sums to 100: 1-5 entries over up to 4 revisions, some labelled, maybe one following the latest revision. */
function randomTable(rng: Rng): { traffic: TrafficEntry[]; latest: string } {
  const revisions = ['app--a', 'app--b', 'app--c', 'app--d'].slice(0, 1 + rng.int(4));
  const n = 1 + rng.int(5);
  const cuts = Array.from({ length: n - 1 }, () => rng.int(101)).sort((a, b) => a - b);
  const weights = [...cuts, 100].map((c, i) => c - (i ? (cuts[i - 1] as number) : 0));
  const labels = ['stable', 'next', 'blue', 'green', 'prod'];
  const traffic = weights.map((weight, i): TrafficEntry => {
    const label = rng.uniform() < 0.4 ? labels[i] : undefined;
    if (i === 0 && rng.uniform() < 0.2) return { latestRevision: true, weight, ...(label ? { label } : {}) };
    return { revisionName: revisions[rng.int(revisions.length)] as string, weight, ...(label ? { label } : {}) };
  });
  return { traffic, latest: revisions[revisions.length - 1] as string };
}

const labelMap = (t: readonly TrafficEntry[]): string[] =>
  t
    .filter((e) => e.label)
    .map((e) => `${e.label}->${e.revisionName}`)
    .sort();

describe('traffic tables (property: 5,000 random tables x every step weight)', () => {
  it('every planned table sums to 100, gives the canary exactly its step, keeps every label, and only adds the canary', () => {
    const rng = createRng(20261130);
    let planned = 0;
    let refused = 0;
    for (let run = 0; run < 5000; run++) {
      const { traffic, latest } = randomTable(rng);
      assert.deepEqual(trafficProblems(traffic), [], JSON.stringify(traffic));
      const pinned = pinTraffic(traffic, latest);
      assert.ok(pinned, 'a table with a latest revision pins');
      assert.equal(trafficSum(pinned), 100);
      assert.ok(
        pinned.every((e) => e.revisionName && !e.latestRevision),
        'pinned tables name revisions only',
      );
      const canary = rng.uniform() < 0.3 ? (pinned[0]?.revisionName as string) : 'app--new';
      for (const weight of [0, 1, 10, 33, 50, 99, 100, rng.int(101)]) {
        const step = planStep(pinned, canary, weight);
        if ('problem' in step) {
          // Only refused when nothing else has traffic to give up.
          assert.equal(trafficSum(pinned.filter((e) => e.revisionName !== canary)), 0, step.problem);
          assert.ok(weight < 100);
          refused++;
          continue;
        }
        planned++;
        const t = step.traffic;
        assert.deepEqual(trafficProblems(t), [], `${JSON.stringify(pinned)} at ${weight}: ${JSON.stringify(t)}`);
        assert.equal(weightOf(t, canary), weight);
        assert.deepEqual(labelMap(t), labelMap(pinned), 'labels stay on the revisions they were on');
        const before = new Set(pinned.map((e) => e.revisionName));
        assert.ok(t.every((e) => before.has(e.revisionName) || e.revisionName === canary));
        assert.ok(t.length === pinned.length || (t.length === pinned.length + 1 && !before.has(canary)));
        // Others keep their proportions to within one point of rounding.
        const othersBefore = trafficSum(pinned.filter((e) => e.revisionName !== canary));
        for (let i = 0; i < pinned.length; i++) {
          const e = pinned[i] as TrafficEntry;
          if (e.revisionName === canary) continue;
          const exact = othersBefore ? (e.weight * (100 - weight)) / othersBefore : 0;
          assert.ok(Math.abs((t[i] as TrafficEntry).weight - exact) < 1, `${exact} vs ${(t[i] as TrafficEntry).weight}`);
        }
      }
    }
    assert.ok(planned > 30_000 && refused > 0, `${planned} planned, ${refused} refused`);
  });
});

describe('traffic tables (cases)', () => {
  const stable: TrafficEntry[] = [
    { revisionName: 'apex--v1', weight: 100, label: 'stable' },
    { revisionName: 'apex--v2', weight: 0, label: 'next' },
  ];

  it('the runbook steps keep both labels and end with the old revision at 0', () => {
    const at = (w: number): TrafficEntry[] => (planStep(stable, 'apex--v2', w) as { traffic: TrafficEntry[] }).traffic;
    assert.deepEqual(at(10), [
      { revisionName: 'apex--v1', weight: 90, label: 'stable' },
      { revisionName: 'apex--v2', weight: 10, label: 'next' },
    ]);
    assert.deepEqual(at(100), [
      { revisionName: 'apex--v1', weight: 0, label: 'stable' },
      { revisionName: 'apex--v2', weight: 100, label: 'next' },
    ]);
  });

  it('rounds by largest remainder, earlier entries winning ties', () => {
    const three: TrafficEntry[] = [
      { revisionName: 'a', weight: 34 },
      { revisionName: 'b', weight: 33 },
      { revisionName: 'c', weight: 33 },
    ];
    // 30.6, 29.7, 29.7 -> floors 30, 29, 29; the two leftover points go to the .7s.
    assert.deepEqual(
      (planStep(three, 'new', 10) as { traffic: TrafficEntry[] }).traffic.map((e) => e.weight),
      [30, 30, 30, 10],
    );
    // 47.5 and 47.5: the leftover point goes to the first.
    const halves: TrafficEntry[] = [
      { revisionName: 'a', weight: 50 },
      { revisionName: 'b', weight: 50 },
    ];
    assert.deepEqual(
      (planStep(halves, 'new', 5) as { traffic: TrafficEntry[] }).traffic.map((e) => e.weight),
      [48, 47, 5],
    );
  });

  it('a canary that already has an unlabelled entry gets its share there, not on its labelled one', () => {
    const t = planStep(
      [
        { revisionName: 'old', weight: 95 },
        { revisionName: 'new', weight: 0, label: 'next' },
        { revisionName: 'new', weight: 5 },
      ],
      'new',
      50,
    ) as { traffic: TrafficEntry[] };
    assert.deepEqual(t.traffic, [
      { revisionName: 'old', weight: 50 },
      { revisionName: 'new', weight: 0, label: 'next' },
      { revisionName: 'new', weight: 50 },
    ]);
  });

  it('refuses what would not sum to 100 or is not pinned', () => {
    assert.match((planStep([{ revisionName: 'new', weight: 100 }], 'new', 10) as { problem: string }).problem, /nothing to shift from/);
    assert.match((planStep([{ latestRevision: true, weight: 100 }], 'new', 10) as { problem: string }).problem, /not pinned/);
    assert.match((planStep(stable, 'apex--v2', 10.5) as { problem: string }).problem, /whole number/);
    assert.deepEqual(trafficProblems([{ revisionName: 'a', weight: 60 }]), ['weights sum to 60, not 100']);
    assert.match(trafficProblems([{ weight: 100 }]).join(), /names no revision/);
    assert.match(
      trafficProblems([
        { revisionName: 'a', weight: 50, label: 'x' },
        { revisionName: 'b', weight: 50, label: 'x' },
      ]).join(),
      /label x appears more than once/,
    );
    assert.equal(pinTraffic([{ latestRevision: true, weight: 100 }], undefined), undefined);
  });

  it('compares tables as routing: order and unlabelled zero entries do not matter, labels do', () => {
    assert.ok(
      sameTraffic(
        [
          { revisionName: 'a', weight: 90 },
          { revisionName: 'b', weight: 10 },
          { revisionName: 'c', weight: 0 },
        ],
        [
          { revisionName: 'b', weight: 10 },
          { revisionName: 'a', weight: 90 },
        ],
      ),
    );
    assert.ok(!sameTraffic([{ revisionName: 'a', weight: 100, label: 'x' }], [{ revisionName: 'a', weight: 100 }]));
  });
});
