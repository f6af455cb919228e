/**
 * The monitor report's data model, read from the database: a status grid per check x region and tenant x region,
 * latency and availability series, availability and error budget per check/tenant/region, and recent incidents
 * with their notifications. Pure data (JSON-serialisable): the HTML page (report-page.ts) only draws it, with the
 * shared report components of src/report/page/ (charts, grids, timeline). `budget` is each SLO's budget over time.
 */
import type { Db } from './db.js';
import type { Figures, GroupFigures } from './figures.js';
import { latestResults, listUnits, series, type ResultStatus, type Unit } from './history.js';

export interface GridCell {
  status: ResultStatus | 'no data';
  /** Units behind the cell (a tenant x region has one per endpoint plus isolation). */
  units: number;
  failing: number;
  at?: number;
  durationMs?: number;
  message?: string;
  alertOpen: boolean;
}

export interface StatusGrid {
  /** Check ids, or tenant ids. */
  rows: string[];
  /** Regions; `-` for declared checks, which have none. */
  columns: string[];
  cells: Record<string, Record<string, GridCell>>;
}

export interface Series {
  unit: string;
  title: string;
  /** Bucket start (ms since the epoch, UTC) per point. */
  t: number[];
  avgMs: number[];
  maxMs: number[];
  /** Good / counted results per bucket; null when nothing was counted. */
  availability: Array<number | null>;
  /** Results and bad results per bucket (what the availability and the budget series are made of). */
  total: number[];
  bad: number[];
}

/** An SLO's error budget remaining (fraction of the allowed bad results) after each minute of the series window. */
export interface BudgetSeries {
  group: string;
  kind: GroupFigures['kind'];
  name: string;
  t: number[];
  /** null before the SLO counted any result. */
  remaining: Array<number | null>;
}

export interface IncidentView {
  id: string;
  subject: string;
  severity: string;
  openedAt: number;
  resolvedAt?: number;
  summary: string;
  notifications: Array<{ kind: string; channel: string; attempts: number; deliveredAt?: number; lastError?: string }>;
}

export interface MonitorReport {
  service: string;
  generatedAt: number;
  objective: number;
  sloWindowMs: number;
  checks: StatusGrid;
  tenants: StatusGrid;
  /** Minute resolution over the last `seriesWindowMs`. */
  seriesWindowMs: number;
  latency: Series[];
  availability: GroupFigures[];
  /** Per SLO (check, tenant, region), the budget remaining over the series window; ends at the figures' value. */
  budget: BudgetSeries[];
  incidents: IncidentView[];
}

const WORST: Array<ResultStatus | 'no data'> = ['failed', 'error', 'degraded', 'passed', 'no data'];
const worse = (a: GridCell['status'], b: GridCell['status']): GridCell['status'] => (WORST.indexOf(a) <= WORST.indexOf(b) ? a : b);

export function buildMonitorReport(
  db: Db,
  o: { service: string; now: number; figures: Figures; seriesWindowMs?: number; maxSeries?: number; maxIncidents?: number },
): MonitorReport {
  const units = listUnits(db);
  const latest = latestResults(db);
  const open = new Set(
    db
      .all('SELECT subject, state FROM alert_state')
      .filter((r) => (JSON.parse(String(r.state)) as { open: boolean }).open)
      .map((r) => String(r.subject)),
  );
  const checks: StatusGrid = { rows: [], columns: [], cells: {} };
  const tenants: StatusGrid = { rows: [], columns: [], cells: {} };
  for (const u of units) {
    const grid = u.kind === 'probe' ? tenants : checks;
    const row = u.kind === 'probe' ? u.tenant : u.checkId;
    const col = u.region || '-';
    if (!grid.rows.includes(row)) grid.rows.push(row);
    if (!grid.columns.includes(col)) grid.columns.push(col);
    const r = latest.get(u.key);
    const subject = u.kind === 'probe' ? `tenant:${u.tenant}/${u.region}` : `check:${u.checkId}`;
    const cell = ((grid.cells[row] ??= {})[col] ??= { status: 'no data', units: 0, failing: 0, alertOpen: false });
    cell.units++;
    cell.alertOpen ||= open.has(subject) || open.has(`tenant:${u.tenant}`);
    if (!r) continue;
    if (r.status === 'failed' || r.status === 'error') cell.failing++;
    const before = cell.status;
    cell.status = before === 'no data' ? r.status : worse(before, r.status);
    if (cell.status !== before || cell.at === undefined) {
      cell.at = r.at;
      cell.durationMs = r.durationMs;
      if (r.message) cell.message = r.message;
    }
  }
  for (const g of [checks, tenants]) {
    g.rows.sort();
    g.columns.sort();
  }
  const seriesWindowMs = o.seriesWindowMs ?? 6 * 3_600_000;
  const from = Math.floor((o.now - seriesWindowMs) / 60_000) * 60_000;
  const latency: Series[] = units.slice(0, o.maxSeries ?? 200).map((u) => {
    const points = series(db, u.key, 'm', from);
    return {
      unit: u.key,
      title: u.title,
      t: points.map((p) => p.bucket),
      avgMs: points.map((p) => Math.round(p.avgMs * 10) / 10),
      maxMs: points.map((p) => Math.round(p.maxMs * 10) / 10),
      availability: points.map((p) => (p.good + p.bad ? p.good / (p.good + p.bad) : null)),
      total: points.map((p) => p.total),
      bad: points.map((p) => p.bad),
    };
  });
  const budget = budgetSeries(db, units, from, o.figures);
  const incidents: IncidentView[] = db
    .all('SELECT id, subject, kind, opened_at, resolved_at, summary FROM incidents ORDER BY opened_at DESC LIMIT ?', [o.maxIncidents ?? 50])
    .map((r) => ({
      id: String(r.id),
      subject: String(r.subject),
      severity: String(r.kind),
      openedAt: Number(r.opened_at),
      ...(r.resolved_at !== null ? { resolvedAt: Number(r.resolved_at) } : {}),
      summary: String(r.summary),
      notifications: db
        .all("SELECT event, channel, attempts, delivered_at, last_error FROM outbox WHERE substr(event_id, 1, length(?1) + 1) = ?1 || '#' ORDER BY id", [
          String(r.id),
        ])
        .map((n) => ({
          kind: (JSON.parse(String(n.event)) as { kind: string }).kind,
          channel: String(n.channel),
          attempts: Number(n.attempts),
          ...(n.delivered_at !== null ? { deliveredAt: Number(n.delivered_at) } : {}),
          ...(n.last_error !== null ? { lastError: String(n.last_error) } : {}),
        })),
    }));
  return {
    service: o.service,
    generatedAt: o.now,
    objective: o.figures.objective,
    sloWindowMs: o.figures.sloWindowMs,
    checks,
    tenants,
    seriesWindowMs,
    latency,
    availability: o.figures.groups.filter((g) => g.kind !== 'unit'),
    budget,
    incidents,
  };
}

/**
 * The budget of each SLO as results arrived: the figures' spent and allowed over the SLO window, less what the
 * minute rollups since `from` added, then those minutes added back one by one. The last point is the figures' own
 * remaining budget (up to results that left the SLO window meanwhile).
 */
function budgetSeries(db: Db, units: Unit[], from: number, figures: Figures): BudgetSeries[] {
  const allowedShare = 1 - figures.objective;
  const members = new Map<string, Unit[]>();
  for (const u of units)
    for (const g of [`check:${u.checkId}`, ...(u.tenant ? [`tenant:${u.tenant}`] : []), ...(u.region ? [`region:${u.region}`] : [])])
      (members.get(g) ?? members.set(g, []).get(g))?.push(u);
  const perUnit = new Map(units.map((u) => [u.key, series(db, u.key, 'm', from)]));
  const out: BudgetSeries[] = [];
  for (const g of figures.groups) {
    if (g.kind === 'unit' || allowedShare <= 0) continue;
    const buckets = new Map<number, { total: number; bad: number }>();
    for (const u of members.get(g.group) ?? [])
      for (const p of perUnit.get(u.key) ?? []) {
        const b = buckets.get(p.bucket) ?? { total: 0, bad: 0 };
        b.total += p.total;
        b.bad += p.bad;
        buckets.set(p.bucket, b);
      }
    const t = [...buckets.keys()].sort((a, b) => a - b);
    let total = Math.round(g.slo.budget.allowed / allowedShare);
    let bad = g.slo.budget.spent;
    for (const b of buckets.values()) {
      total -= b.total;
      bad -= b.bad;
    }
    total = Math.max(0, total);
    bad = Math.max(0, bad);
    const remaining = t.map((k) => {
      const b = buckets.get(k) as { total: number; bad: number };
      total += b.total;
      bad += b.bad;
      return total ? 1 - bad / (total * allowedShare) : null;
    });
    out.push({ group: g.group, kind: g.kind, name: g.name, t, remaining });
  }
  return out;
}
