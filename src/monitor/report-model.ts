/**
 * The monitor report's data model, read from the database: a status grid per check x region and tenant x region,
 * latency and availability series, availability and error budget per check/tenant/region, and recent incidents
 * with their notifications. Pure data (JSON-serialisable): the HTML page (report-page.ts) renders it as tables, and
 * the chart components of src/report/ (uPlot, issue "charts") plug into `latency` and `availability`.
 */
import type { Db } from './db.js';
import type { Figures, GroupFigures } from './figures.js';
import { latestResults, listUnits, series, type ResultStatus } from './history.js';

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
    };
  });
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
    incidents,
  };
}
