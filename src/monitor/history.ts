/**
 * History: every result (kept for the raw retention) and its minute, hour and day rollups, written together
 * in the caller's transaction; counts over a window for availability and burn rates; retention.
 *
 * Windows: up to 6 h a window is read from minute rollups, longer ones from hour rollups. A window of W is the
 * W / resolution most recent buckets, the current (partial) one included: a 30-day window is the current hour
 * and the 719 before it.
 */
import type { Db } from './db.js';

export type ResultStatus = 'passed' | 'degraded' | 'failed' | 'error';

export interface Unit {
  key: string;
  kind: 'check' | 'probe';
  /** The declared check id, or `probe:<endpoint>` / `probe:isolation`. */
  checkId: string;
  tenant: string;
  region: string;
  title: string;
}

export interface UnitResult {
  unit: string;
  at: number;
  status: ResultStatus;
  durationMs: number;
  maintenance: boolean;
  message?: string;
}

export interface Counts {
  total: number;
  good: number;
  bad: number;
  errors: number;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Longest window read from minute rollups. */
export const MINUTE_WINDOW_LIMIT = 6 * HOUR;

const RES = { m: MINUTE, h: HOUR, d: DAY } as const;

export function upsertUnits(db: Db, units: readonly Unit[]): void {
  const st = db.prepare(
    'INSERT INTO units (key, kind, check_id, tenant, region, title) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, check_id = excluded.check_id, tenant = excluded.tenant, region = excluded.region, title = excluded.title',
  );
  try {
    for (const u of units) st.run([u.key, u.kind, u.checkId, u.tenant, u.region, u.title]);
  } finally {
    st.finalize();
  }
}

export function listUnits(db: Db): Unit[] {
  return db.all('SELECT key, kind, check_id, tenant, region, title FROM units ORDER BY key').map((r) => ({
    key: String(r.key),
    kind: r.kind === 'probe' ? 'probe' : 'check',
    checkId: String(r.check_id),
    tenant: String(r.tenant),
    region: String(r.region),
    title: String(r.title),
  }));
}

/** Results and their rollups; call inside a transaction. A result recorded twice (same unit and time) counts once. */
export function recordResults(db: Db, results: readonly UnitResult[]): void {
  const raw = db.prepare('INSERT OR IGNORE INTO results (unit, at, status, duration_ms, maintenance, message) VALUES (?, ?, ?, ?, ?, ?)');
  const latest = db.prepare(
    `INSERT INTO latest (unit, at, status, duration_ms, message) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(unit) DO UPDATE SET at = excluded.at, status = excluded.status, duration_ms = excluded.duration_ms, message = excluded.message WHERE excluded.at >= latest.at`,
  );
  const roll = db.prepare(
    `INSERT INTO rollups (res, unit, bucket, total, good, bad, degraded, errors, maintenance, dur_sum, dur_max) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(res, unit, bucket) DO UPDATE SET total = total + 1, good = good + excluded.good, bad = bad + excluded.bad,
       degraded = degraded + excluded.degraded, errors = errors + excluded.errors, maintenance = maintenance + excluded.maintenance,
       dur_sum = dur_sum + excluded.dur_sum, dur_max = max(dur_max, excluded.dur_max)`,
  );
  try {
    for (const r of results) {
      if (raw.run([r.unit, r.at, r.status, r.durationMs, r.maintenance ? 1 : 0, r.message ?? null]).changes === 0) continue;
      latest.run([r.unit, r.at, r.status, r.durationMs, r.message ?? null]);
      // Maintenance results are kept but counted in no availability: neither good nor bad.
      const counted = !r.maintenance && r.status !== 'error';
      const good = counted && (r.status === 'passed' || r.status === 'degraded') ? 1 : 0;
      const bad = counted && r.status === 'failed' ? 1 : 0;
      for (const [res, size] of Object.entries(RES)) {
        const bucket = Math.floor(r.at / size) * size;
        roll.run([
          res,
          r.unit,
          bucket,
          good,
          bad,
          r.status === 'degraded' ? 1 : 0,
          r.status === 'error' ? 1 : 0,
          r.maintenance ? 1 : 0,
          r.durationMs,
          r.durationMs,
        ]);
      }
    }
  } finally {
    raw.finalize();
    latest.finalize();
    roll.finalize();
  }
}

export interface RollupRow {
  res: 'm' | 'h' | 'd';
  unit: string;
  bucket: number;
  total: number;
  good: number;
  bad: number;
  degraded: number;
  errors: number;
  maintenance: number;
  durSum: number;
  durMax: number;
}

/** Writes rollup rows as they are (imports, simulations); call inside a transaction. */
export function writeRollups(db: Db, rows: Iterable<RollupRow>): void {
  const st = db.prepare(
    'INSERT OR REPLACE INTO rollups (res, unit, bucket, total, good, bad, degraded, errors, maintenance, dur_sum, dur_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  try {
    for (const r of rows) st.run([r.res, r.unit, r.bucket, r.total, r.good, r.bad, r.degraded, r.errors, r.maintenance, r.durSum, r.durMax]);
  } finally {
    st.finalize();
  }
}

export function resolutionOf(windowMs: number): 'm' | 'h' {
  return windowMs <= MINUTE_WINDOW_LIMIT ? 'm' : 'h';
}

/** The first bucket start inside a window ending at `now` (see the header). */
export function windowStart(now: number, windowMs: number): number {
  const size = RES[resolutionOf(windowMs)];
  return Math.floor(now / size) * size - windowMs + size;
}

/** Good, bad and error counts per unit over the window ending at `now`. */
export function windowCounts(db: Db, now: number, windowMs: number): Map<string, Counts> {
  return windowCountsMany(db, now, [windowMs]).get(windowMs) ?? new Map();
}

/**
 * A window as rollup ranges: its edges at its own resolution, the whole coarser buckets inside it (hours inside a
 * minute window, days inside an hour window) from the coarser rollups, which hold the same counts. A 30-day window
 * reads about 70 rows per unit instead of 720, a 6-hour one about 120 instead of 360.
 */
export function windowSegments(now: number, windowMs: number): Array<{ res: 'm' | 'h' | 'd'; from: number; to: number }> {
  const res = resolutionOf(windowMs);
  const start = windowStart(now, windowMs);
  const coarse = res === 'm' ? 'h' : 'd';
  const size = RES[coarse];
  const inner = Math.ceil(start / size) * size;
  const last = Math.floor(now / size) * size;
  if (inner >= last) return [{ res, from: start, to: now }];
  return [
    { res, from: start, to: inner - 1 },
    { res: coarse, from: inner, to: last - 1 },
    { res, from: last, to: now },
  ];
}

/** Counts per unit for several windows, one grouped query per window over its segments. */
export function windowCountsMany(db: Db, now: number, windowsMs: readonly number[]): Map<number, Map<string, Counts>> {
  const out = new Map<number, Map<string, Counts>>();
  for (const w of new Set(windowsMs)) {
    const segs = windowSegments(now, w);
    const union = segs.map(() => 'SELECT unit, good, bad, errors FROM rollups WHERE res = ? AND bucket >= ? AND bucket <= ?').join(' UNION ALL ');
    const rows = db.all(
      `SELECT unit, sum(good) AS g, sum(bad) AS b, sum(errors) AS e FROM (${union}) GROUP BY unit`,
      segs.flatMap((x) => [x.res, x.from, x.to]),
    );
    const counts = new Map<string, Counts>();
    for (const r of rows) {
      const good = Number(r.g);
      const bad = Number(r.b);
      counts.set(String(r.unit), { total: good + bad, good, bad, errors: Number(r.e) });
    }
    out.set(w, counts);
  }
  return out;
}

export interface SeriesPoint {
  bucket: number;
  total: number;
  good: number;
  bad: number;
  degraded: number;
  avgMs: number;
  maxMs: number;
}

/** A unit's rollups from `from` on (latency and availability over time). */
export function series(db: Db, unit: string, res: 'm' | 'h' | 'd', from: number): SeriesPoint[] {
  return db
    .all('SELECT bucket, total, good, bad, degraded, dur_sum, dur_max FROM rollups WHERE res = ? AND unit = ? AND bucket >= ? ORDER BY bucket', [
      res,
      unit,
      from,
    ])
    .map((r) => ({
      bucket: Number(r.bucket),
      total: Number(r.total),
      good: Number(r.good),
      bad: Number(r.bad),
      degraded: Number(r.degraded),
      avgMs: Number(r.total) ? Number(r.dur_sum) / Number(r.total) : 0,
      maxMs: Number(r.dur_max),
    }));
}

export interface LatestResult {
  unit: string;
  at: number;
  status: ResultStatus;
  durationMs: number;
  message?: string;
}

export function latestResults(db: Db): Map<string, LatestResult> {
  const rows = db.all('SELECT unit, at, status, duration_ms, message FROM latest');
  return new Map(
    rows.map((r) => [
      String(r.unit),
      {
        unit: String(r.unit),
        at: Number(r.at),
        status: String(r.status) as ResultStatus,
        durationMs: Number(r.duration_ms),
        ...(r.message !== null ? { message: String(r.message) } : {}),
      },
    ]),
  );
}

export function countResults(db: Db): number {
  return Number(db.get('SELECT count(*) AS n FROM results')?.n ?? 0);
}

/** Drops what is older than each retention; call inside a transaction. */
export function prune(db: Db, now: number, retention: { rawMs: number; minuteMs: number; hourMs: number; dayMs: number }): void {
  db.run('DELETE FROM results WHERE at < ?', [now - retention.rawMs]);
  db.run("DELETE FROM rollups WHERE res = 'm' AND bucket < ?", [now - retention.minuteMs]);
  db.run("DELETE FROM rollups WHERE res = 'h' AND bucket < ?", [now - retention.hourMs]);
  db.run("DELETE FROM rollups WHERE res = 'd' AND bucket < ?", [now - retention.dayMs]);
  db.run('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?', [now - retention.minuteMs]);
}
