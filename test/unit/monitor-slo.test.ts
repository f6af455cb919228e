/**
 * 30 days of simulated 1-minute history for 100 checks: availability, error budget and burn rates from the
 * monitor's rollups against an independent computation straight from the simulated minutes.
 *
 * What the database holds after 30 days of monitoring is hour and day rollups for the whole window and minute
 * rollups for the minute retention (windows read their edges at their resolution and whole hours or days inside). The test writes exactly that from the
 * simulation (4.3 million minutes folded in memory), because writing 4.3 million results one by one through
 * the recording path would take a minute here; that path's rollups are checked on their own below.
 * Timing is measured in scripts/bench-monitor.ts, not here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDb, transaction } from '../../src/monitor/db.js';
import { computeFigures } from '../../src/monitor/figures.js';
import { recordResults, upsertUnits, windowCounts, writeRollups, type ResultStatus, type RollupRow, type Unit } from '../../src/monitor/history.js';
import { BURN_RULES, MIN_BAD, sloFigures } from '../../src/monitor/slo.js';
import type { Counts } from '../../src/monitor/history.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-slo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Outcome codes per minute: 0 passed, 1 degraded, 2 failed, 3 error (not evaluated), 4 in maintenance.
const OBJECTIVE = 0.999;
const CHECKS = 100;
const NOW = Date.UTC(2026, 10, 30, 12, 17, 30);
const FIRST = Math.floor(NOW / HOUR) * HOUR - 30 * DAY + HOUR; // first minute of the 30-day window (whole hours)
const MINUTES = Math.floor((NOW - FIRST) / MIN) + 1;

function simulate(): Uint8Array[] {
  const random = rng(16);
  return Array.from({ length: CHECKS }, (_, c) => {
    const m = new Uint8Array(MINUTES);
    const base = (c % 10) * 0.0003; // 0 to 2.7x the budget
    for (let i = 0; i < MINUTES; i++) {
      const age = MINUTES - 1 - i; // minutes before now
      let p = base;
      if (c % 4 === 0 && age < 60) p = 0.03; // a fast burn in the last hour (30x)
      if (c % 8 === 0 && age < 5) p = 0.6; // and a sharp one in the last 5 minutes
      if (c % 5 === 1 && age < 6 * 60) p = 0.008; // a slow burn over 6 h (8x)
      if (c % 9 === 2 && age < 3 * 24 * 60) p = 0.0015; // a 3-day smoulder (1.5x)
      const x = random();
      m[i] = x < p ? 2 : x < p + 0.01 ? 1 : x < p + 0.0105 ? 3 : 0;
      if (c % 11 === 3 && age > 1000 && age < 1060) m[i] = 4; // an hour of maintenance, half failing
      if (m[i] === 4 && random() < 0.5) m[i] = 4;
    }
    return m;
  });
}

const units: Unit[] = Array.from({ length: CHECKS }, (_, c) => ({
  key: `u${c}`,
  kind: 'probe',
  checkId: `probe:e${c % 25}`,
  tenant: `t${c % 10}`,
  region: ['eastus', 'westeurope', 'southeastasia'][c % 3] as string,
  title: `unit ${c}`,
}));

function* rollups(sim: Uint8Array[]): Generator<RollupRow> {
  for (let c = 0; c < CHECKS; c++) {
    const m = sim[c] as Uint8Array;
    const open: Partial<Record<'h' | 'd', RollupRow>> = {};
    for (let i = 0; i < MINUTES; i++) {
      const at = FIRST + i * MIN;
      const o = m[i] as number;
      const row: RollupRow = {
        res: 'm',
        unit: `u${c}`,
        bucket: at,
        total: 1,
        good: o <= 1 ? 1 : 0,
        bad: o === 2 ? 1 : 0,
        degraded: o === 1 ? 1 : 0,
        errors: o === 3 ? 1 : 0,
        maintenance: o === 4 ? 1 : 0,
        durSum: 40,
        durMax: 40,
      };
      if (NOW - at <= 6 * HOUR + MIN) yield row;
      for (const [res, size] of [
        ['h', HOUR],
        ['d', DAY],
      ] as const) {
        const bucket = Math.floor(at / size) * size;
        const acc = open[res];
        if (acc && acc.bucket !== bucket) {
          yield acc;
          delete open[res];
        }
        const a = (open[res] ??= { ...row, res, bucket, total: 0, good: 0, bad: 0, degraded: 0, errors: 0, maintenance: 0, durSum: 0, durMax: 0 });
        a.total++;
        a.good += row.good;
        a.bad += row.bad;
        a.degraded += row.degraded;
        a.errors += row.errors;
        a.maintenance += row.maintenance;
        a.durSum += 40;
        a.durMax = 40;
      }
    }
    if (open.h) yield open.h;
    if (open.d) yield open.d;
  }
}

/** The independent computation: straight from the minutes (prefix sums). A window of W counts the minutes in its W/res latest buckets. */
function prefixSums(sim: Uint8Array[]): Array<{ good: Uint32Array; bad: Uint32Array }> {
  return sim.map((m) => {
    const good = new Uint32Array(MINUTES + 1);
    const bad = new Uint32Array(MINUTES + 1);
    for (let i = 0; i < MINUTES; i++) {
      good[i + 1] = (good[i] as number) + (m[i] === 0 || m[i] === 1 ? 1 : 0);
      bad[i + 1] = (bad[i] as number) + (m[i] === 2 ? 1 : 0);
    }
    return { good, bad };
  });
}

function expected(sums: ReturnType<typeof prefixSums>, members: number[], windowMs: number): { good: number; bad: number } {
  const res = windowMs <= 6 * HOUR ? MIN : HOUR;
  const firstBucket = Math.floor(NOW / res) * res - windowMs + res;
  const from = Math.max(0, Math.ceil((firstBucket - FIRST) / MIN));
  let good = 0;
  let bad = 0;
  for (const c of members) {
    const s = sums[c] as { good: Uint32Array; bad: Uint32Array };
    good += (s.good[MINUTES] as number) - (s.good[from] as number);
    bad += (s.bad[MINUTES] as number) - (s.bad[from] as number);
  }
  return { good, bad };
}

describe('SLO figures over 30 days of 1-minute history for 100 checks', () => {
  it('match an independent computation from the simulated minutes', () => {
    const sim = simulate();
    const sums = prefixSums(sim);
    const { db, close } = openDb(path.join(dir, 'sim.sqlite'));
    try {
      transaction(db, () => {
        upsertUnits(db, units);
        writeRollups(db, rollups(sim));
      });
      const figures = computeFigures(db, NOW, OBJECTIVE, 30 * DAY);
      const groups = new Map<string, number[]>();
      units.forEach((u, c) => {
        for (const g of [`unit:${u.key}`, `check:${u.checkId}`, `tenant:${u.tenant}`, `region:${u.region}`]) groups.set(g, [...(groups.get(g) ?? []), c]);
      });
      assert.equal(figures.groups.length, groups.size);
      const firing = new Map<string, number>();
      for (const g of figures.groups) {
        const members = groups.get(g.group) as number[];
        const close = (got: number | undefined, want: number | undefined, what: string): void => {
          if (want === undefined) return assert.equal(got, undefined, what);
          assert.ok(got !== undefined && Math.abs(got - want) < 1e-9, `${g.group} ${what}: got ${got}, want ${want}`);
        };
        const ratio = (w: number): number | undefined => {
          const e = expected(sums, members, w);
          return e.good + e.bad ? e.good / (e.good + e.bad) : undefined;
        };
        const burn = (w: number): number | undefined => {
          const e = expected(sums, members, w);
          return e.good + e.bad ? e.bad / (e.good + e.bad) / (1 - OBJECTIVE) : undefined;
        };
        close(g.availability.h1, ratio(HOUR), 'availability 1h');
        close(g.availability.h24, ratio(DAY), 'availability 24h');
        close(g.availability.slo, ratio(30 * DAY), 'availability 30d');
        const month = expected(sums, members, 30 * DAY);
        close(g.slo.budget.remaining, 1 - month.bad / ((month.good + month.bad) * (1 - OBJECTIVE)), 'budget remaining');
        assert.equal(g.slo.budget.spent, month.bad);
        for (const w of [5 * MIN, 30 * MIN, HOUR, 6 * HOUR, 72 * HOUR, 30 * DAY]) close(g.slo.burn[w], burn(w), `burn ${w / MIN} min`);
        for (const rule of BURN_RULES) {
          const long = burn(rule.longMs);
          const short = burn(rule.shortMs);
          const want =
            expected(sums, members, rule.longMs).bad >= MIN_BAD && long !== undefined && short !== undefined && long >= rule.factor && short >= rule.factor;
          const got = g.slo.alerts.find((a) => a.rule === rule.name)?.firing;
          assert.equal(got, want, `${g.group} ${rule.name}`);
          if (want) firing.set(rule.name, (firing.get(rule.name) ?? 0) + 1);
        }
      }
      // Not vacuous: every rule fires somewhere, and not everywhere.
      for (const rule of BURN_RULES) {
        const n = firing.get(rule.name) ?? 0;
        assert.ok(n > 0 && n < figures.groups.length, `${rule.name} fires for ${n} of ${figures.groups.length} groups`);
      }
    } finally {
      close();
    }
  });
});

describe('recording results', () => {
  it('writes minute, hour and day rollups that agree with the results, counts a result once, and keeps errors and maintenance out of availability', () => {
    const { db, close } = openDb(path.join(dir, 'rec.sqlite'));
    try {
      const start = Date.UTC(2026, 0, 1, 22, 0, 0);
      const statuses: ResultStatus[] = ['passed', 'degraded', 'failed', 'error'];
      const results = Array.from({ length: 600 }, (_, i) => ({
        unit: `u${i % 3}`,
        at: start + i * 20_000,
        status: statuses[(i * 7) % 4] as ResultStatus,
        durationMs: i,
        maintenance: i % 50 === 0,
      }));
      transaction(db, () => {
        upsertUnits(
          db,
          [0, 1, 2].map((c) => ({ key: `u${c}`, kind: 'check' as const, checkId: `c${c}`, tenant: '', region: '', title: '' })),
        );
        recordResults(db, results);
        recordResults(db, results.slice(0, 10)); // recorded again after a crash: no double count
      });
      const now = results[results.length - 1]!.at;
      for (const res of ['m', 'h', 'd']) {
        const sums = db.get('SELECT sum(total) t, sum(good) g, sum(bad) b, sum(errors) e, sum(maintenance) mt FROM rollups WHERE res = ?', [res]);
        assert.equal(Number(sums?.t), 600, `${res} total`);
        const counted = results.filter((r) => !r.maintenance);
        assert.equal(Number(sums?.g), counted.filter((r) => r.status === 'passed' || r.status === 'degraded').length);
        assert.equal(Number(sums?.b), counted.filter((r) => r.status === 'failed').length);
        assert.equal(Number(sums?.e), counted.filter((r) => r.status === 'error').length);
        assert.equal(Number(sums?.mt), 12);
      }
      const hour = windowCounts(db, now, HOUR);
      for (const u of ['u0', 'u1', 'u2']) {
        const inWindow = results.filter((r) => r.unit === u && r.at >= Math.floor(now / MIN) * MIN - HOUR + MIN && !r.maintenance);
        assert.equal(hour.get(u)?.bad, inWindow.filter((r) => r.status === 'failed').length);
        assert.equal(hour.get(u)?.good, inWindow.filter((r) => r.status === 'passed' || r.status === 'degraded').length);
      }
    } finally {
      close();
    }
  });
});

describe('burn alerts on a check a minute', () => {
  // Windows as a check every minute fills them: `bad` failures, all of them in the last 5 minutes.
  const windowsWith = (bad: number): Map<number, Counts> => {
    const m = new Map<number, Counts>();
    for (const w of [5 * MIN, 30 * MIN, HOUR, 6 * HOUR, DAY, 72 * HOUR, 30 * DAY]) {
      const total = w / MIN;
      m.set(w, { total, good: total - bad, bad, errors: 0 });
    }
    return m;
  };
  const page1h = (bad: number) => sloFigures(windowsWith(bad), 0.999, 30 * DAY).alerts.find((a) => a.rule === 'page-1h');

  it('one failed check does not page, though its burn rates are over the factor', () => {
    const a = page1h(1);
    assert.ok(a && (a.long as number) >= 14.4 && (a.short as number) >= 14.4, 'the blip burns fast: the rule alone would fire');
    assert.equal(a.firing, false);
  });
  it(`${MIN_BAD} failed checks in the hour, the last ones within 5 minutes, page`, () => {
    assert.equal(page1h(MIN_BAD - 1)?.firing, false);
    assert.equal(page1h(MIN_BAD)?.firing, true);
  });
});
