/**
 * Prometheus metrics with prom-client, on a Registry of this monitor's own (never the global registry: two
 * monitors in one process, or a test after another, never share counters). Labels: check, tenant, region
 * (empty for declared checks, which have neither).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Figures } from './figures.js';
import type { ResultStatus, Unit } from './history.js';
import { formatDuration } from './duration.js';

const LABELS = ['check', 'tenant', 'region'] as const;

export class MonitorMetrics {
  readonly registry = new Registry();
  readonly #up = new Gauge({
    name: 'revgate_monitor_up',
    help: 'Latest result of a monitored unit: 1 passed or degraded, 0 failed or not evaluated',
    labelNames: LABELS,
    registers: [this.registry],
  });
  readonly #results = new Counter({
    name: 'revgate_monitor_results_total',
    help: 'Results recorded, by status',
    labelNames: [...LABELS, 'status'],
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'revgate_monitor_duration_seconds',
    help: 'Time of one check or probe, from sending to the end of the answer',
    labelNames: LABELS,
    buckets: [0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #skipped = new Counter({
    name: 'revgate_monitor_runs_skipped_total',
    help: 'Scheduled runs not started: overlap (the previous run still going) or missed (the process was late)',
    labelNames: ['job', 'reason'],
    registers: [this.registry],
  });
  readonly #alerts = new Gauge({
    name: 'revgate_monitor_alert_open',
    help: 'Alert subjects currently open (1)',
    labelNames: ['subject'],
    registers: [this.registry],
  });
  readonly #notifications = new Counter({
    name: 'revgate_monitor_notifications_total',
    help: 'Notification deliveries by outcome',
    labelNames: ['channel', 'outcome'],
    registers: [this.registry],
  });
  readonly #availability = new Gauge({
    name: 'revgate_monitor_availability_ratio',
    help: 'Good results over counted results in the window',
    labelNames: [...LABELS, 'window'],
    registers: [this.registry],
  });
  readonly #burn = new Gauge({
    name: 'revgate_monitor_slo_burn_rate',
    help: 'Error ratio over the window divided by the error budget ratio (1 - objective)',
    labelNames: [...LABELS, 'window'],
    registers: [this.registry],
  });
  readonly #budget = new Gauge({
    name: 'revgate_monitor_slo_error_budget_remaining_ratio',
    help: 'Share of the SLO window error budget left (negative: overspent)',
    labelNames: LABELS,
    registers: [this.registry],
  });
  readonly #burnAlert = new Gauge({
    name: 'revgate_monitor_slo_burn_alert',
    help: 'Multi-window burn-rate alert firing (1) or not (0)',
    labelNames: [...LABELS, 'alert', 'severity'],
    registers: [this.registry],
  });

  constructor() {
    // Process memory, CPU and event-loop lag of the monitor itself, on this registry only.
    collectDefaultMetrics({ register: this.registry });
  }

  result(u: Unit, status: ResultStatus, durationMs: number): void {
    const l = { check: u.checkId, tenant: u.tenant, region: u.region };
    this.#up.set(l, status === 'passed' || status === 'degraded' ? 1 : 0);
    this.#results.inc({ ...l, status });
    this.#duration.observe(l, durationMs / 1000);
  }

  skipped(job: string, reason: 'overlap' | 'missed', n = 1): void {
    this.#skipped.inc({ job, reason }, n);
  }

  alert(subject: string, open: boolean): void {
    this.#alerts.set({ subject }, open ? 1 : 0);
  }

  notification(channel: string, outcome: 'delivered' | 'failed'): void {
    this.#notifications.inc({ channel, outcome });
  }

  /** SLO figures per check, tenant and region (units are in the HTML report, not here: one series each would be too many). */
  figures(f: Figures): void {
    this.#availability.reset();
    this.#burn.reset();
    this.#budget.reset();
    this.#burnAlert.reset();
    for (const g of f.groups) {
      if (g.kind === 'unit') continue;
      const l = { check: g.kind === 'check' ? g.name : '', tenant: g.kind === 'tenant' ? g.name : '', region: g.kind === 'region' ? g.name : '' };
      const windows: Array<[string, number | undefined]> = [
        ['1h', g.availability.h1],
        ['24h', g.availability.h24],
        [formatDuration(f.sloWindowMs), g.availability.slo],
      ];
      for (const [window, v] of windows) if (v !== undefined) this.#availability.set({ ...l, window }, v);
      for (const [w, v] of Object.entries(g.slo.burn)) if (v !== undefined) this.#burn.set({ ...l, window: formatDuration(Number(w)) }, v);
      if (g.slo.budget.remaining !== undefined) this.#budget.set(l, g.slo.budget.remaining);
      for (const a of g.slo.alerts) this.#burnAlert.set({ ...l, alert: a.rule, severity: a.severity }, a.firing ? 1 : 0);
    }
  }

  /** Serves GET /metrics; resolves with the bound address. `refresh` runs before each scrape (at most as often as it likes). */
  async serve(port: number, host: string, refresh?: () => void): Promise<{ url: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics\n');
        return;
      }
      try {
        refresh?.();
      } catch {
        // A failed refresh leaves the last figures; the scrape still answers.
      }
      this.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return {
      url: `http://${shownHost}:${addr.port}/metrics`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}
