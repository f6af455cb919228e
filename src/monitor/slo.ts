/**
 * SLO arithmetic, pure: availability, error budget and multi-window multi-burn-rate alerts as in the Google SRE
 * workbook ("Alerting on SLOs", table 5-8), for a 30-day window by default:
 *   page   when the 1 h and the 5 min burn rates are both at least 14.4 (2% of the budget in an hour)
 *   page   when the 6 h and the 30 min burn rates are both at least 6   (5% of the budget in 6 hours)
 *   ticket when the 3 d and the 6 h burn rates are both at least 1      (10% of the budget in 3 days)
 * The burn rate over a window is its error ratio divided by the budget ratio (1 - objective). A window with no
 * counted result has no burn rate (undefined), and an alert with an undefined window does not fire: no data is
 * never read as "all good" nor as "all bad"; the availability says "no data".
 * An alert also needs at least MIN_BAD bad results in its long window (the workbook's advice for low traffic):
 * with a check a minute and a 99.9% objective, one failed check is already 2.3% of the month's budget, so
 * the 1 h rule alone would page on a single blip.
 */
import type { Counts } from './history.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

export interface BurnRule {
  name: 'page-1h' | 'page-6h' | 'ticket-3d';
  severity: 'page' | 'ticket';
  longMs: number;
  shortMs: number;
  factor: number;
}

export const BURN_RULES: readonly BurnRule[] = [
  { name: 'page-1h', severity: 'page', longMs: HOUR, shortMs: 5 * MIN, factor: 14.4 },
  { name: 'page-6h', severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MIN, factor: 6 },
  { name: 'ticket-3d', severity: 'ticket', longMs: 72 * HOUR, shortMs: 6 * HOUR, factor: 1 },
];

/** Bad results a burn alert needs in its long window before it fires: one blip never pages. */
export const MIN_BAD = 3;

/** Every window the burn rules and the availability figures read. */
export const SLO_WINDOWS: readonly number[] = [5 * MIN, 30 * MIN, HOUR, 6 * HOUR, 24 * HOUR, 72 * HOUR];

export const EMPTY: Counts = { total: 0, good: 0, bad: 0, errors: 0 };

export function add(a: Counts, b: Counts): Counts {
  return { total: a.total + b.total, good: a.good + b.good, bad: a.bad + b.bad, errors: a.errors + b.errors };
}

export function availability(c: Counts): number | undefined {
  return c.total ? c.good / c.total : undefined;
}

export function burnRate(c: Counts, objective: number): number | undefined {
  return c.total ? c.bad / c.total / (1 - objective) : undefined;
}

export interface SloFigures {
  /** Availability over the SLO window. */
  availability?: number;
  /** Bad results the SLO window allows, and how many there were. */
  budget: { allowed: number; spent: number; remaining?: number };
  /** Burn rate per window (ms -> rate). */
  burn: Record<number, number | undefined>;
  alerts: Array<{ rule: BurnRule['name']; severity: BurnRule['severity']; firing: boolean; long?: number; short?: number }>;
}

/** `windows` maps every window of SLO_WINDOWS plus `sloWindowMs` to its counts. */
export function sloFigures(windows: ReadonlyMap<number, Counts>, objective: number, sloWindowMs: number): SloFigures {
  const whole = windows.get(sloWindowMs) ?? EMPTY;
  const allowed = whole.total * (1 - objective);
  const burn: Record<number, number | undefined> = {};
  for (const w of [...SLO_WINDOWS, sloWindowMs]) burn[w] = burnRate(windows.get(w) ?? EMPTY, objective);
  const alerts = BURN_RULES.map((r) => {
    const long = burn[r.longMs];
    const short = burn[r.shortMs];
    const enough = (windows.get(r.longMs) ?? EMPTY).bad >= MIN_BAD;
    return {
      rule: r.name,
      severity: r.severity,
      firing: enough && long !== undefined && short !== undefined && long >= r.factor && short >= r.factor,
      ...(long !== undefined ? { long } : {}),
      ...(short !== undefined ? { short } : {}),
    };
  });
  const a = availability(whole);
  return {
    ...(a !== undefined ? { availability: a } : {}),
    budget: { allowed, spent: whole.bad, ...(whole.total ? { remaining: 1 - whole.bad / allowed } : {}) },
    burn,
    alerts,
  };
}
