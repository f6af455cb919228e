/**
 * `revgate report --db FILE`: the monitor's page (monitor.html) and a verdict on the monitored state, from the
 * database alone, as an adapter of the command skeleton. A running monitor owns its database and refreshes its
 * own page every minute; the report refuses to share the database with it (exit 3).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command, Resolved, RunContext } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { Verdict } from '../verdict/types.js';
import { openDb } from './db.js';
import { computeFigures } from './figures.js';
import { latestResults, listUnits } from './history.js';
import { MONITOR_PAGE, stateVerdict } from './command.js';
import { buildMonitorReport } from './report-model.js';
import { renderMonitorPage } from './report-page.js';
import type { ResolvedConfig } from '../config/types.js';

export interface ReportOptions {
  db: string;
  verbose?: boolean;
}

interface Measured {
  input: Parameters<typeof stateVerdict>[0];
}

export function reportAdapter(o: ReportOptions): Command<undefined, undefined, Resolved, Measured> {
  return {
    interruptMessage: 'finishing the page',
    prepare: (problems: Problems) => {
      if (!existsSync(o.db)) problems.add('--db', `${o.db} does not exist (revgate monitor --db writes it)`);
      return undefined;
    },
    inputs: () => [o.db],
    resolve: () => ({ secrets: [] }),
    measure: async (_r, ctx: RunContext) => {
      const startedAt = new Date();
      const { db, close } = openDb(o.db);
      try {
        const meta = new Map(db.all('SELECT key, value FROM meta').map((r) => [String(r.key), String(r.value)]));
        const service = meta.get('service') ?? path.basename(o.db);
        const objective = Number(meta.get('slo_objective') ?? 0.999);
        const windowMs = Number(meta.get('slo_window_ms') ?? 30 * 86_400_000);
        const now = Date.now();
        const figures = computeFigures(db, now, objective, windowMs);
        writeFileSync(path.join(ctx.out, MONITOR_PAGE), renderMonitorPage(buildMonitorReport(db, { service, now, figures })));
        const open = db
          .all('SELECT subject, state FROM alert_state')
          .filter((r) => (JSON.parse(String(r.state)) as { open: boolean }).open)
          .map((r) => String(r.subject));
        // The verdict needs a target; the monitor's history knows the service, not a URL.
        const resolved = {
          config: { service: { name: service } },
          target: { baseUrl: `sqlite:${path.resolve(o.db)}` },
          environment: 'monitor',
        } as unknown as ResolvedConfig;
        return {
          input: {
            resolved,
            startedAt,
            finishedAt: new Date(),
            units: listUnits(db),
            latest: latestResults(db),
            openAlerts: open,
            pending: Number(db.get('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL')?.n ?? 0),
          },
        };
      } finally {
        close();
      }
    },
    verdict: (_r, m): Verdict => stateVerdict(m.input),
    publish: () => ({ artifacts: { monitor: MONITOR_PAGE }, ...(o.verbose ? { verbose: true } : {}) }),
  };
}
