/**
 * Issue 14: summary.json has k6's `root_group` and `options` as k6 writes them, held to a real k6 handleSummary
 * sample (test/fixtures/k6/, source in SOURCES.md): the same shape, and the same reads a k6 summary consumer
 * (k6-reporter's htmlReport) makes succeed on both.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { EngineResult } from '../../src/load/engine.js';
import { LOAD_METRICS } from '../../src/load/profile.js';
import { Recorder } from '../../src/load/recorder.js';
import { buildSummary, EXPECTED_RESPONSE_CHECK, type LoadSummary } from '../../src/load/summary.js';
import { parseThresholds } from '../../src/thresholds/threshold.js';
import { ROOT } from '../helpers/cli.js';

const SAMPLE = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'k6', 'k6-reporter-test-data.json'), 'utf8')) as Record<string, unknown>;

/** The type skeleton of a JSON value: keys and value types, arrays by their first element. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, shape(x)]),
    );
  return typeof v;
}

interface Group {
  name: string;
  path: string;
  id: string;
  groups: Group[];
  checks: Array<{ name: string; path: string; id: string; passes: number; fails: number }>;
}

/** What k6-reporter's htmlReport() reads, done the same way: checks counted through nested groups, thresholds per metric, trend stats. */
function consumerReads(data: Record<string, unknown>): { checkPasses: number; checkFailures: number; thresholdCount: number; trendCells: number } {
  let checkPasses = 0;
  let checkFailures = 0;
  const count = (g: Group): void => {
    for (const c of g.checks) {
      checkPasses += Number.parseInt(String(c.passes), 10);
      checkFailures += Number.parseInt(String(c.fails), 10);
    }
    for (const sub of g.groups) count(sub);
  };
  count(data.root_group as Group);
  const metrics = data.metrics as Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  const stats = (data.options as { summaryTrendStats: string[] }).summaryTrendStats;
  let trendCells = 0;
  for (const m of Object.values(metrics)) {
    if (m.type !== 'trend') continue;
    for (const s of stats) {
      assert.equal(typeof m.values[s], 'number', `every trend has every stat summaryTrendStats lists (${s})`);
      trendCells++;
    }
  }
  const thresholdCount = Object.values(metrics).filter((m) => m.thresholds).length;
  return { checkPasses, checkFailures, thresholdCount, trendCells };
}

function revgateSummary(): LoadSummary {
  const { thresholds } = parseThresholds({ http_req_duration: ['p(95)<500', 'p(99.9)<2000'], http_req_failed: ['rate<0.5'] }, LOAD_METRICS);
  const recorder = new Recorder([''], 2);
  const all = Int32Array.from([0]);
  for (let i = 0; i < 90; i++) recorder.record(all, 20_000 + i * 100, true, 2);
  for (let i = 0; i < 10; i++) recorder.record(all, 50_000, false, 5);
  const result: EngineResult = { recorder, startedAt: new Date(0), finishedAt: new Date(2000), durationMs: 2000, stopReason: 'completed', slots: 10 };
  return buildSummary(result, thresholds, false);
}

describe('summary.json against a real k6 handleSummary sample', () => {
  const ours = revgateSummary() as unknown as Record<string, unknown>;

  it('the sample is what k6 writes: group and check ids are the MD5 of their paths', () => {
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const root = SAMPLE.root_group as Group;
    assert.equal(root.id, md5(''));
    assert.equal(root.checks[0]?.id, md5(root.checks[0]?.path ?? ''));
    assert.equal(root.groups[0]?.id, md5(root.groups[0]?.path ?? ''));
  });

  it('root_group has the sample root group shape (name, path, id, groups[], checks[] with passes and fails)', () => {
    const root = ours.root_group as Group;
    const sampleRoot = SAMPLE.root_group as Group;
    assert.deepEqual(shape({ ...root, groups: [] }), shape({ ...sampleRoot, groups: [] }));
    assert.deepEqual(shape(root.checks[0]), shape(sampleRoot.checks[0]));
    assert.deepEqual([root.name, root.path, root.id], ['', '', createHash('md5').update('').digest('hex')]);
    assert.deepEqual(root.groups, [], 'a load profile has no group() blocks');
    assert.deepEqual(root.checks, [
      {
        name: EXPECTED_RESPONSE_CHECK,
        path: `::${EXPECTED_RESPONSE_CHECK}`,
        id: createHash('md5').update(`::${EXPECTED_RESPONSE_CHECK}`).digest('hex'),
        passes: 90,
        fails: 10,
      },
    ]);
  });

  it('options and state have the sample shape; summaryTrendStats names the stats every trend has, threshold percentiles included', () => {
    assert.deepEqual(shape(ours.options), shape(SAMPLE.options));
    assert.deepEqual(shape(ours.state), shape(SAMPLE.state));
    assert.deepEqual((ours.options as { summaryTrendStats: string[] }).summaryTrendStats, ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)']);
  });

  it('metrics have the sample shape, and a checks rate metric agrees with root_group', () => {
    const metrics = ours.metrics as Record<string, unknown>;
    const sample = SAMPLE.metrics as Record<string, { values: Record<string, number> }>;
    for (const name of ['http_req_duration', 'http_req_failed', 'http_reqs', 'vus', 'checks']) {
      const keys = (v: unknown): string[] => Object.keys(v as object).sort();
      assert.deepEqual(
        keys(metrics[name]).filter((k) => k !== 'thresholds'),
        keys(sample[name]).filter((k) => k !== 'thresholds'),
        name,
      );
    }
    assert.deepEqual((metrics.checks as { values: unknown }).values, { rate: 0.9, passes: 90, fails: 10 });
  });

  it("k6-reporter's reads succeed on both, and count what each holds", () => {
    assert.deepEqual(consumerReads(SAMPLE), { checkPasses: 529, checkFailures: 349, thresholdCount: 2, trendCells: 70 });
    const r = consumerReads(ours);
    assert.deepEqual([r.checkPasses, r.checkFailures, r.thresholdCount], [90, 10, 2]);
    assert.ok(r.trendCells >= 8);
  });
});
