/**
 * The monitor loop: schedules jobs, records what they observe, steps the alert state machines and queues
 * notifications, all of one run in one transaction; delivers the outbox; prunes history.
 *
 * Every job has its own timer: a slow or hung target holds up only its own job. A job whose previous run is
 * still going when it is due again is not started (an overlap, counted); a timer that fires a whole period late
 * (the process was stalled) counts the periods it lost as missed.
 */
import { Cron } from 'croner';
import type { Io } from '../core/io.js';
import { eventId, incidentId, INITIAL_STATE, QUORUM_RULE, quorumObservation, step, type AlertRule, type AlertState } from './alert-state.js';
import { transaction, type Db } from './db.js';
import { computeFigures, type Figures } from './figures.js';
import { prune, recordResults, upsertUnits, type Unit, type UnitResult } from './history.js';
import type { Job, Observation, SubjectDef } from './jobs.js';
import type { MonitorMetrics } from './metrics.js';
import type { AlertEvent } from './notify.js';
import { Deliverer, enqueue, pendingCount } from './outbox.js';
import { inMaintenance, type MonitorSettings, type Schedule } from './settings.js';

export interface MonitorOptions {
  db: Db;
  settings: MonitorSettings;
  jobs: Job[];
  service: string;
  io: Io;
  mask: (s: string) => string;
  metrics?: MonitorMetrics;
  /** First notification retry after this (doubling, at most 5 min). Default 1 s. */
  notifyBackoffMs?: number;
  now?: () => number;
}

export interface MonitorStats {
  runs: number;
  overlaps: number;
  missed: number;
  results: number;
  events: number;
  delivered: number;
  deliveryFailures: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const FIGURES_MAX_AGE_MS = 15_000;

export class Monitor {
  readonly stats: MonitorStats = { runs: 0, overlaps: 0, missed: 0, results: 0, events: 0, delivered: 0, deliveryFailures: 0 };
  readonly #o: MonitorOptions;
  readonly #now: () => number;
  readonly #states = new Map<string, AlertState>();
  readonly #subjects = new Map<string, SubjectDef>();
  readonly #units = new Map<string, Unit>();
  readonly #deliverer: Deliverer;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #running = new Set<string>();
  #figures: Figures | undefined;

  constructor(o: MonitorOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    for (const j of o.jobs) {
      for (const u of j.units) this.#units.set(u.key, u);
      for (const s of j.subjects) this.#subjects.set(s.subject, s);
    }
    transaction(o.db, () => upsertUnits(o.db, [...this.#units.values()]));
    for (const r of o.db.all('SELECT subject, state FROM alert_state')) this.#states.set(String(r.subject), JSON.parse(String(r.state)) as AlertState);
    for (const [subject, s] of this.#states) o.metrics?.alert(subject, s.open);
    this.#deliverer = new Deliverer(o.db, o.settings.notify, {
      backoffMs: o.notifyBackoffMs ?? 1000,
      maxBackoffMs: 300_000,
      timeoutMs: 10_000,
      mask: o.mask,
      onDelivered: (channel, e) => {
        this.stats.delivered++;
        o.metrics?.notification(channel, 'delivered');
        o.io.err(`revgate: notified ${channel}: ${e.kind} ${e.subject}\n`);
      },
      onFailed: (channel, e, error, attempt) => {
        this.stats.deliveryFailures++;
        o.metrics?.notification(channel, 'failed');
        o.io.err(`revgate: could not notify ${channel} of ${e.kind} ${e.subject} (attempt ${attempt}, will retry): ${error}\n`);
      },
    });
  }

  openAlerts(): string[] {
    return [...this.#states].filter(([s, st]) => st.open && this.#notifies(s)).map(([s]) => s);
  }

  #notifies(subject: string): boolean {
    const def = this.#subjects.get(subject.replace(/:degraded$/, ''));
    return def ? def.notify : subject.startsWith('tenant:') && !subject.includes('/');
  }

  /** Figures for /metrics and the report, recomputed at most every 15 s. */
  figures(): Figures {
    const now = this.#now();
    if (!this.#figures || now - this.#figures.at > FIGURES_MAX_AGE_MS) {
      this.#figures = computeFigures(this.#o.db, now, this.#o.settings.slo.objective, this.#o.settings.slo.windowMs);
      this.#o.metrics?.figures(this.#figures);
    }
    return this.#figures;
  }

  /** Runs one job now, records and alerts. Never rejects. */
  async runJob(job: Job, signal: AbortSignal): Promise<void> {
    this.#running.add(job.id);
    const at = this.#now();
    try {
      const observations = await job.run(signal);
      this.stats.runs++;
      this.#process(job, observations, at);
    } catch (err) {
      this.#o.io.err(`revgate: job ${job.id} failed to run: ${this.#o.mask((err as Error).message ?? String(err))}\n`);
    } finally {
      this.#running.delete(job.id);
    }
    void this.deliver();
  }

  #process(job: Job, observations: Observation[], at: number): void {
    if (!observations.length) return;
    const { db, settings } = this.#o;
    const maintenance = inMaintenance(settings.maintenance, at);
    const byUnit = new Map(observations.map((o) => [o.unit, o]));
    const events: AlertEvent[] = [];
    transaction(db, () => {
      const results: UnitResult[] = observations.map((o) => ({ ...o, at, maintenance }));
      recordResults(db, results);
      const parents = new Set<string>();
      for (const def of job.subjects) {
        const seen = def.units.map((u) => byUnit.get(u)).filter((o): o is Observation => o !== undefined);
        if (!seen.length) continue;
        const failing = seen.filter((o) => o.status === 'failed' || o.status === 'error');
        const why = failing[0]?.message ?? failing[0]?.status ?? '';
        this.#step(def.subject, def, def.rule, failing.length > 0, at, maintenance, why, events, def.notify);
        if (settings.degradedAlerts) {
          const degraded = seen.filter((o) => o.status === 'degraded');
          // A failed result says nothing about degradation: the degraded subject only counts passed vs degraded.
          if (!failing.length)
            this.#step(
              `${def.subject}:degraded`,
              def,
              def.rule,
              degraded.length > 0,
              at,
              maintenance,
              degraded[0]?.message ?? 'degraded',
              events,
              def.notify,
              'warning',
            );
        }
        if (def.parent) parents.add(def.parent);
      }
      for (const parent of parents) this.#stepQuorum(parent, at, maintenance, events);
      for (const e of events) {
        enqueue(db, settings.notify, e, at);
        if (e.kind === 'open')
          db.run('INSERT OR IGNORE INTO incidents (id, subject, kind, opened_at, summary) VALUES (?, ?, ?, ?, ?)', [
            e.incident,
            e.subject,
            e.severity,
            e.openedAt,
            e.summary,
          ]);
        if (e.kind === 'resolve') db.run('UPDATE incidents SET resolved_at = ? WHERE id = ?', [at, e.incident]);
      }
    });
    this.stats.results += observations.length;
    this.stats.events += events.length;
    const m = this.#o.metrics;
    if (m) for (const o of observations) m.result(this.#units.get(o.unit) as Unit, o.status, o.durationMs);
    for (const e of events) {
      m?.alert(e.subject, e.kind !== 'resolve');
      this.#o.io.err(`revgate: ${e.kind === 'open' ? 'ALERT' : e.kind === 'remind' ? 'REMINDER' : 'RESOLVED'} ${e.subject}: ${e.summary}\n`);
    }
  }

  #save(subject: string, s: AlertState, at: number): void {
    this.#states.set(subject, s);
    this.#o.db.run(
      'INSERT INTO alert_state (subject, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(subject) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
      [subject, JSON.stringify(s), at],
    );
  }

  #step(
    subject: string,
    def: SubjectDef,
    rule: AlertRule,
    bad: boolean,
    at: number,
    maintenance: boolean,
    why: string,
    events: AlertEvent[],
    notify: boolean,
    severity: AlertEvent['severity'] = 'critical',
  ): void {
    const before = this.#states.get(subject) ?? INITIAL_STATE;
    const r = step(before, { at, bad, maintenance }, rule);
    this.#save(subject, r.state, at);
    if (!r.event || !notify) return;
    const openedAt = r.state.openedAt ?? at;
    const summary =
      r.event === 'resolve'
        ? `recovered after ${r.state.good} consecutive good results (open since ${new Date(openedAt).toISOString()})`
        : r.event === 'open'
          ? `${r.state.bad} consecutive ${severity === 'warning' ? 'degraded' : 'failed'} results: ${why}`
          : `still ${severity === 'warning' ? 'degraded' : 'failing'} (${r.state.bad} consecutive, reminder ${r.state.reminders}): ${why}`;
    events.push({
      id: eventId(subject, r.state),
      kind: r.event,
      subject,
      incident: incidentId(subject, openedAt),
      severity,
      service: this.#o.service,
      title: severity === 'warning' ? `${def.title} degraded` : def.title,
      summary,
      at,
      openedAt,
      labels: def.labels,
    });
  }

  /** N of M: the tenant subject is bad when at least `quorum` of its tenant x region subjects are open. */
  #stepQuorum(parent: string, at: number, maintenance: boolean, events: AlertEvent[]): void {
    const children = [...this.#subjects.values()].filter((d) => d.parent === parent);
    const down = children.filter((d) => this.#states.get(d.subject)?.open).map((d) => d.labels.region ?? d.subject);
    const quorum = this.#o.settings.probes?.regionQuorum ?? 1;
    const before = this.#states.get(parent) ?? INITIAL_STATE;
    const rule = QUORUM_RULE(this.#o.settings.probes?.rule.remindEveryMs);
    const r = step(before, quorumObservation(down.length, quorum, at, maintenance), rule);
    this.#save(parent, r.state, at);
    if (!r.event) return;
    const tenant = parent.slice('tenant:'.length);
    const openedAt = r.state.openedAt ?? at;
    events.push({
      id: eventId(parent, r.state),
      kind: r.event,
      subject: parent,
      incident: incidentId(parent, openedAt),
      severity: 'critical',
      service: this.#o.service,
      title: `tenant ${tenant} in ${quorum}+ of ${children.length} regions`,
      summary:
        r.event === 'resolve'
          ? `fewer than ${quorum} of ${children.length} regions down (${down.length}: ${down.join(', ') || 'none'})`
          : `${down.length} of ${children.length} regions down: ${down.join(', ')}`,
      at,
      openedAt,
      labels: { tenant },
      regions: down,
    });
  }

  deliver(): Promise<void> {
    if (!this.#o.settings.notify.length) return Promise.resolve();
    return this.#deliverer.deliverDue(this.#now).then(
      () => undefined,
      (err: unknown) => void this.#o.io.err(`revgate: notification delivery failed: ${this.#o.mask((err as Error).message)}\n`),
    );
  }

  pendingNotifications(): number {
    return pendingCount(this.#o.db);
  }

  pruneHistory(): void {
    transaction(this.#o.db, () => prune(this.#o.db, this.#now(), this.#o.settings.retention));
  }

  /** Every job once, then one delivery pass (what is left waits for the next invocation). */
  async runOnce(signal: AbortSignal): Promise<void> {
    this.pruneHistory();
    await Promise.all(this.#o.jobs.map((j) => this.runJob(j, signal)));
    await this.deliver();
  }

  /** Until `signal` aborts: every job on its schedule, deliveries and pruning in between; then lets runs in flight finish. */
  async runForever(signal: AbortSignal): Promise<void> {
    this.pruneHistory();
    const timers = new Set<NodeJS.Timeout>();
    // setTimeout fires at once for delays past 2^31-1 ms (a yearly cron): wake up on the way instead.
    const MAX_DELAY = 2 ** 31 - 1;
    const later = (ms: number, fn: () => void): void => {
      const wait = Math.max(0, Math.min(ms, MAX_DELAY));
      const t = setTimeout(() => {
        timers.delete(t);
        if (ms > MAX_DELAY) later(ms - MAX_DELAY, fn);
        else fn();
      }, wait);
      timers.add(t);
    };
    const launch = (job: Job): void => {
      if (this.#running.has(job.id)) {
        this.stats.overlaps++;
        this.#o.metrics?.skipped(job.id, 'overlap');
        return;
      }
      const p = this.runJob(job, signal).finally(() => this.#inFlight.delete(p));
      this.#inFlight.add(p);
    };
    for (const job of this.#o.jobs) {
      const next = nextAfter(job.schedule);
      let due = this.#now();
      const tick = (): void => {
        if (signal.aborted) return;
        launch(job);
        const now = this.#now();
        due = next(due);
        let lost = 0;
        while (due <= now) {
          due = next(due);
          lost++;
        }
        if (lost) {
          this.stats.missed += lost;
          this.#o.metrics?.skipped(job.id, 'missed', lost);
        }
        later(due - now, tick);
      };
      if ('cron' in job.schedule) later(next(due) - due, tick);
      else tick();
    }
    const deliverEvery = Math.min(1000, this.#o.notifyBackoffMs ?? 1000);
    const housekeeping = (): void => {
      if (signal.aborted) return;
      void this.deliver();
      later(deliverEvery, housekeeping);
    };
    later(deliverEvery, housekeeping);
    const pruning = (): void => {
      if (signal.aborted) return;
      try {
        this.pruneHistory();
      } catch (err) {
        this.#o.io.err(`revgate: pruning history failed: ${(err as Error).message}\n`);
      }
      later(PRUNE_EVERY_MS, pruning);
    };
    later(PRUNE_EVERY_MS, pruning);

    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await Promise.allSettled([...this.#inFlight]);
    await this.deliver();
  }

  async close(): Promise<void> {
    await this.#deliverer.close();
  }
}

/** The next due time after `t` for a schedule. */
export function nextAfter(schedule: Schedule): (t: number) => number {
  if ('everyMs' in schedule) return (t) => t + schedule.everyMs;
  const cron = new Cron(schedule.cron, { paused: true, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) });
  return (t) => cron.nextRun(new Date(t))?.getTime() ?? Number.POSITIVE_INFINITY;
}
