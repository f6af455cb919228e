/**
 * The `monitor` section of revgate.config.json, checked in full: every problem is collected and located by its
 * JSON path (exit 3 lists them all); nothing is scheduled or sent until all pass.
 */
import { Cron } from 'croner';
import type { Diagnostic } from '../core/errors.js';
import { DEFAULT_RULE, type AlertRule } from './alert-state.js';
import { parseDuration } from './duration.js';

/** A cron schedule's times are read in `timezone` (IANA; absent: the host's local time). */
export type Schedule = { everyMs: number } | { cron: string; timezone?: string };

export interface CheckSettings {
  schedule: Schedule;
  /** Immediate retries of a failed run before it counts as down (gatus #59). Default 0. */
  retries: number;
  rule: AlertRule;
}

export type Channel =
  | { type: 'webhook'; url: string; headers: Record<string, string> }
  | { type: 'pagerduty'; routingKey: string; url: string }
  | { type: 'slack'; url: string }
  | { type: 'teams'; url: string };

export type MaintenanceWindow = { from: number; to: number } | { cron: string; durationMs: number; timezone?: string };

export interface ProbeSettings {
  tenants: string;
  regions?: string[];
  isolation: boolean;
  schedule: Schedule;
  concurrency: number;
  /** N of M: a tenant alerts when at least this many of its regions are down. Default 1 (any region). */
  regionQuorum: number;
  rule: AlertRule;
}

export interface MonitorSettings {
  defaultSchedule: Schedule;
  checks: Record<string, CheckSettings>;
  defaultCheck: CheckSettings;
  probes?: ProbeSettings;
  degradedAlerts: boolean;
  maintenance: MaintenanceWindow[];
  notify: Channel[];
  slo: { objective: number; windowMs: number };
  retention: { rawMs: number; minuteMs: number; hourMs: number; dayMs: number };
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const DAY = 86_400_000;

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  /** monitor.timezone, for every cron expression read after it. */
  timezone: string | undefined;
  constructor(readonly problems: Diagnostic[]) {}
  duration(v: unknown, path: string, fallback: number, min = 1): number {
    if (v === undefined) return fallback;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined || ms < min) {
      this.problems.push({ path, message: `must be a duration such as "200ms", "30s", "5m", "1h" or "30d"${min > 1 ? ` of at least ${min} ms` : ''}` });
      return fallback;
    }
    return ms;
  }
  int(v: unknown, path: string, fallback: number, min: number, max: number): number {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.problems.push({ path, message: `must be a whole number from ${min} to ${max}` });
      return fallback;
    }
    return v;
  }
  url(v: unknown, path: string): string {
    if (typeof v !== 'string' || !/^https?:\/\//.test(v)) {
      this.problems.push({ path, message: 'must be an http(s) URL' });
      return 'http://invalid.invalid';
    }
    try {
      return new URL(v).toString();
    } catch {
      this.problems.push({ path, message: 'is not a valid URL' });
      return 'http://invalid.invalid';
    }
  }
  keys(o: Raw, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k)) this.problems.push({ path: `${path}.${k}`, message: `unknown property (allowed: ${allowed.join(', ')})` });
  }
  schedule(o: Raw, path: string, fallback: Schedule, minMs: number): Schedule {
    if (o.interval !== undefined && o.cron !== undefined) this.problems.push({ path, message: 'give interval or cron, not both' });
    if (o.cron !== undefined) {
      if (typeof o.cron !== 'string' || !validCron(o.cron)) {
        this.problems.push({ path: `${path}.cron`, message: 'must be a cron expression such as "*/5 * * * *" (croner syntax, seconds optional)' });
        return fallback;
      }
      return { cron: o.cron, ...(this.timezone ? { timezone: this.timezone } : {}) };
    }
    if (o.interval !== undefined) return { everyMs: this.duration(o.interval, `${path}.interval`, 60_000, minMs) };
    return fallback;
  }
  rule(o: Raw, path: string, base: AlertRule): AlertRule {
    const remind = o.remindEvery !== undefined ? this.duration(o.remindEvery, `${path}.remindEvery`, 3_600_000) : base.remindEveryMs;
    return {
      failureThreshold: this.int(o.failureThreshold, `${path}.failureThreshold`, base.failureThreshold, 1, 100),
      successThreshold: this.int(o.successThreshold, `${path}.successThreshold`, base.successThreshold, 1, 100),
      ...(remind !== undefined ? { remindEveryMs: remind } : {}),
    };
  }
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validCron(expr: string): boolean {
  try {
    new Cron(expr, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

export interface SettingsInput {
  monitor: Raw | undefined;
  checkIds: readonly string[];
  /** --interval: replaces monitor.interval (not a check's own schedule). */
  intervalMs?: number;
  /** Shortest interval accepted (tests use 200 ms; production configs are checked against 1 s). */
  minIntervalMs?: number;
}

export function readSettings(input: SettingsInput): { settings: MonitorSettings; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const r = new Reader(problems);
  const m = input.monitor ?? {};
  const minMs = input.minIntervalMs ?? 100;
  r.keys(m, '$.monitor', ['interval', 'timeout', 'timezone', 'checks', 'probes', 'alerts', 'maintenance', 'notify', 'slo', 'retention']);
  if (m.timezone !== undefined) {
    if (typeof m.timezone !== 'string' || !validTimezone(m.timezone))
      problems.push({ path: '$.monitor.timezone', message: 'must be an IANA time zone such as "UTC" or "Europe/Berlin"' });
    else r.timezone = m.timezone;
  }
  const defaultSchedule: Schedule = { everyMs: input.intervalMs ?? r.duration(m.interval, '$.monitor.interval', 60_000, minMs) };

  const alerts = isObj(m.alerts) ? m.alerts : {};
  if (m.alerts !== undefined && !isObj(m.alerts)) problems.push({ path: '$.monitor.alerts', message: 'must be an object' });
  r.keys(alerts, '$.monitor.alerts', ['failureThreshold', 'successThreshold', 'remindEvery', 'degraded', 'retries']);
  const baseRule = r.rule(alerts, '$.monitor.alerts', DEFAULT_RULE);
  const retries = r.int(alerts.retries, '$.monitor.alerts.retries', 0, 0, 5);
  const defaultCheck: CheckSettings = { schedule: defaultSchedule, retries, rule: baseRule };

  const checks: Record<string, CheckSettings> = {};
  const rawChecks = isObj(m.checks) ? m.checks : {};
  for (const [id, v] of Object.entries(rawChecks)) {
    const path = `$.monitor.checks.${id}`;
    if (!input.checkIds.includes(id)) problems.push({ path, message: `no check "${id}" is declared in checks[]` });
    if (!isObj(v)) continue;
    r.keys(v, path, ['interval', 'cron', 'failureThreshold', 'successThreshold', 'remindEvery', 'retries']);
    checks[id] = {
      schedule: r.schedule(v, path, defaultSchedule, minMs),
      retries: r.int(v.retries, `${path}.retries`, retries, 0, 5),
      rule: r.rule(v, path, baseRule),
    };
  }

  let probes: ProbeSettings | undefined;
  if (m.probes !== undefined) {
    const p = isObj(m.probes) ? m.probes : {};
    r.keys(p, '$.monitor.probes', [
      'tenants',
      'regions',
      'isolation',
      'interval',
      'cron',
      'concurrency',
      'regionQuorum',
      'failureThreshold',
      'successThreshold',
      'remindEvery',
    ]);
    if (typeof p.tenants !== 'string' || !p.tenants) problems.push({ path: '$.monitor.probes.tenants', message: 'must name the tenant catalog file' });
    const regions = Array.isArray(p.regions) && p.regions.every((x) => typeof x === 'string') ? (p.regions as string[]) : undefined;
    if (p.regions !== undefined && !regions) problems.push({ path: '$.monitor.probes.regions', message: 'must be a list of region names' });
    probes = {
      tenants: String(p.tenants ?? ''),
      ...(regions ? { regions } : {}),
      isolation: p.isolation !== false,
      schedule: r.schedule(p, '$.monitor.probes', defaultSchedule, minMs),
      concurrency: r.int(p.concurrency, '$.monitor.probes.concurrency', 32, 1, 1024),
      regionQuorum: r.int(p.regionQuorum, '$.monitor.probes.regionQuorum', 1, 1, 100),
      rule: r.rule(p, '$.monitor.probes', baseRule),
    };
  }

  const maintenance: MaintenanceWindow[] = [];
  (Array.isArray(m.maintenance) ? m.maintenance : []).forEach((w: unknown, i) => {
    const path = `$.monitor.maintenance[${i}]`;
    if (!isObj(w)) return problems.push({ path, message: 'must be {"from","to"} (ISO times) or {"cron","duration"}' });
    r.keys(w, path, ['from', 'to', 'cron', 'duration', 'description']);
    if (w.cron !== undefined) {
      if (typeof w.cron !== 'string' || !validCron(w.cron))
        problems.push({ path: `${path}.cron`, message: 'must be a cron expression (when each window starts)' });
      else maintenance.push({ cron: w.cron, durationMs: r.duration(w.duration, `${path}.duration`, 0), ...(r.timezone ? { timezone: r.timezone } : {}) });
      if (w.duration === undefined) problems.push({ path: `${path}.duration`, message: 'a cron window needs a duration, e.g. "1h"' });
      return;
    }
    const from = typeof w.from === 'string' ? Date.parse(w.from) : NaN;
    const to = typeof w.to === 'string' ? Date.parse(w.to) : NaN;
    if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) problems.push({ path, message: 'from and to must be ISO times with to after from' });
    else maintenance.push({ from, to });
    return undefined;
  });

  const notify: Channel[] = [];
  (Array.isArray(m.notify) ? m.notify : []).forEach((c: unknown, i) => {
    const path = `$.monitor.notify[${i}]`;
    if (!isObj(c)) return problems.push({ path, message: 'must be an object with a type' });
    switch (c.type) {
      case 'webhook': {
        r.keys(c, path, ['type', 'url', 'headers']);
        const headers = isObj(c.headers) ? Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, String(v)])) : {};
        notify.push({ type: 'webhook', url: r.url(c.url, `${path}.url`), headers });
        break;
      }
      case 'pagerduty':
        r.keys(c, path, ['type', 'routingKey', 'url']);
        if (typeof c.routingKey !== 'string' || !c.routingKey)
          problems.push({ path: `${path}.routingKey`, message: 'must be the integration key, e.g. "${PAGERDUTY_ROUTING_KEY}"' });
        notify.push({
          type: 'pagerduty',
          routingKey: String(c.routingKey ?? ''),
          url: c.url === undefined ? PAGERDUTY_EVENTS_URL : r.url(c.url, `${path}.url`),
        });
        break;
      case 'slack':
      case 'teams':
        r.keys(c, path, ['type', 'url']);
        notify.push({ type: c.type, url: r.url(c.url, `${path}.url`) });
        break;
      default:
        problems.push({ path: `${path}.type`, message: 'must be webhook, pagerduty, slack or teams' });
    }
    return undefined;
  });

  const slo = isObj(m.slo) ? m.slo : {};
  r.keys(slo, '$.monitor.slo', ['objective', 'window']);
  const objective = slo.objective === undefined ? 0.999 : slo.objective;
  if (typeof objective !== 'number' || !(objective > 0 && objective < 1))
    problems.push({ path: '$.monitor.slo.objective', message: 'must be a fraction between 0 and 1, e.g. 0.999' });
  const windowMs = r.duration(slo.window, '$.monitor.slo.window', 30 * DAY, DAY);

  const ret = isObj(m.retention) ? m.retention : {};
  r.keys(ret, '$.monitor.retention', ['raw', 'minute', 'hour', 'day']);
  const retention = {
    rawMs: r.duration(ret.raw, '$.monitor.retention.raw', 2 * DAY),
    minuteMs: r.duration(ret.minute, '$.monitor.retention.minute', 8 * DAY),
    hourMs: r.duration(ret.hour, '$.monitor.retention.hour', 90 * DAY),
    dayMs: r.duration(ret.day, '$.monitor.retention.day', 400 * DAY),
  };
  // Windows up to 6 h read minutes (and whole hours), longer ones hours (and whole days): all kept that long.
  if (retention.minuteMs < 6 * 3_600_000)
    problems.push({ path: '$.monitor.retention.minute', message: 'must keep at least 6h (the longest burn-rate window read from minutes)' });
  if (retention.hourMs < windowMs)
    problems.push({ path: '$.monitor.retention.hour', message: `must keep at least the SLO window (${Math.round(windowMs / DAY)}d)` });
  if (retention.dayMs < windowMs)
    problems.push({ path: '$.monitor.retention.day', message: `must keep at least the SLO window (${Math.round(windowMs / DAY)}d)` });

  return {
    settings: {
      defaultSchedule,
      checks,
      defaultCheck,
      ...(probes ? { probes } : {}),
      degradedAlerts: alerts.degraded === true,
      maintenance,
      notify,
      slo: { objective: typeof objective === 'number' ? objective : 0.999, windowMs },
      retention,
    },
    problems,
  };
}

/** Whether `at` falls in a maintenance window. A cron window starts at each of its times and lasts its duration. */
export function inMaintenance(windows: readonly MaintenanceWindow[], at: number): boolean {
  return windows.some((w) => {
    if ('from' in w) return at >= w.from && at < w.to;
    // croner works in whole seconds and looks strictly before the date given: ask from the next second.
    const start = new Cron(w.cron, { paused: true, ...(w.timezone ? { timezone: w.timezone } : {}) })
      .previousRuns(1, new Date(Math.floor(at / 1000) * 1000 + 1000))[0]
      ?.getTime();
    return start !== undefined && start <= at && at - start < w.durationMs;
  });
}
