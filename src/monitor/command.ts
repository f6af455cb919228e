/**
 * `revgate monitor` as an adapter of the command skeleton (src/run/command.ts): config + monitor settings +
 * tenant catalog -> token and keys -> jobs on schedules (src/monitor/engine.ts) until the run's signal aborts,
 * or once (--once) -> a verdict on the latest result of every unit. The skeleton owns signals: SIGINT/SIGTERM
 * abort ctx.signal, the monitor stops scheduling, lets runs in flight finish, delivers what it can and returns.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { acquireToken, type AcquiredToken } from '../azure/token.js';
import { loadConfig, DEFAULT_TOKEN_ENV } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { VERSION } from '../core/version.js';
import { readCaFile } from '../http/ca-file.js';
import { loadCatalog } from '../probe/catalog.js';
import { resolveKeys, type KeyResolution } from '../probe/keys.js';
import { budgetProblems, buildPlan, keyBudgets } from '../probe/plan.js';
import type { TenantCatalog } from '../probe/types.js';
import type { Command, Resolved, RunContext, Secret } from '../run/command.js';
import type { Problems } from '../run/problems.js';
import type { RevisionTarget } from '../run/targets.js';
import { planChecks, runSecrets, type RunContext as CheckRunContext } from '../smoke/run-context.js';
import { decide } from '../verdict/decide.js';
import type { CheckResult, Verdict } from '../verdict/types.js';
import { openDb } from './db.js';
import { formatDuration } from './duration.js';
import { Monitor, type MonitorStats } from './engine.js';
import type { Figures } from './figures.js';
import { latestResults, listUnits, type LatestResult, type Unit } from './history.js';
import { checkAgent, checkJob, probeJob, type Job } from './jobs.js';
import { trustedCas } from '../http/ca-file.js';
import { MonitorMetrics } from './metrics.js';
import { channelSecrets } from './notify.js';
import { buildMonitorReport } from './report-model.js';
import { renderMonitorPage } from './report-page.js';
import { readSettings, type MonitorSettings } from './settings.js';

/** The monitor's own page in OUT, next to the verdict's report.html. */
export const MONITOR_PAGE = 'monitor.html';

export interface MonitorOptions {
  config?: string;
  env?: string;
  baseUrl?: string;
  /** Replaces monitor.interval. */
  intervalMs?: number;
  once: boolean;
  /** Serve /metrics on this port (0: any free port, printed). */
  metricsPort?: number;
  metricsHost?: string;
  db: string;
  caFile?: string;
  allowDestructive?: boolean;
  /** The target is injected (--sandbox). */
  sandbox?: boolean;
  /** First notification retry after this; default 1 s. */
  notifyBackoffMs?: number;
  verbose?: boolean;
}

interface Prepared {
  resolved: ResolvedConfig;
  settings: MonitorSettings;
  catalog?: TenantCatalog;
  ca?: string;
}

interface MonitorRun extends Resolved, Prepared {
  token?: AcquiredToken;
  keys: Map<string, KeyResolution>;
}

interface Measured {
  startedAt: Date;
  finishedAt: Date;
  units: Unit[];
  latest: Map<string, LatestResult>;
  openAlerts: string[];
  /** Units whose check does not apply to the target, with the reason. */
  skipped: Map<string, string>;
  figures: Figures;
  stats: MonitorStats;
  pending: number;
}

/** Tokens from DefaultAzureCredential last about an hour: a long-lived monitor asks again well before. */
const TOKEN_REFRESH_MS = 20 * 60_000;
const PAGE_REFRESH_MS = 60_000;

export function monitorAdapter(o: MonitorOptions): Command<Prepared | undefined, RevisionTarget, MonitorRun, Measured> {
  return {
    interruptMessage: 'stopping the schedule, letting runs in flight finish and delivering pending notifications',
    prepare: async (problems: Problems, io: Io) => {
      if (o.sandbox && o.baseUrl !== undefined) problems.add('--base-url', 'use either --sandbox or --base-url, not both');
      const resolved = problems.capture(() =>
        loadConfig({
          ...(o.config ? { configPath: o.config } : {}),
          ...(o.env ? { env: o.env } : {}),
          ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
          processEnv: io.env,
        }),
      );
      let ca: string | undefined;
      if (o.caFile) {
        const read = readCaFile(o.caFile);
        if ('pem' in read) ca = read.pem;
        else problems.add('--ca-file', read.problem);
      }
      const dbDir = path.dirname(path.resolve(o.db));
      if (!existsSync(dbDir) || !statSync(dbDir).isDirectory()) problems.add('--db', `the folder ${dbDir} does not exist`);
      if (!resolved) return undefined;
      const { settings, problems: found } = readSettings({
        monitor: resolved.config.monitor,
        checkIds: resolved.config.checks.map((c) => c.id),
        ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      });
      problems.addAll(found.map((d) => ({ ...d, file: resolved.file })));
      let catalog: TenantCatalog | undefined;
      if (settings.probes?.tenants) {
        const file = path.resolve(resolved.dir, settings.probes.tenants);
        catalog = await problems.captureAsync(() => loadCatalog({ file }, io.env));
      }
      const runnable = planChecks(resolved, o.allowDestructive ?? false).filter((p) => !p.skip).length;
      if (!runnable && !settings.probes)
        problems.add('$.checks', `nothing to monitor: no check runs in ${resolved.environment} and monitor.probes is not set`, resolved.file);
      return { resolved, settings, ...(catalog ? { catalog } : {}), ...(ca ? { ca } : {}) };
    },
    inputs: (p) =>
      [p?.resolved.file ?? o.config, o.caFile, p?.resolved.target.caFile, o.db, p?.catalog?.source].filter((f): f is string => typeof f === 'string'),
    resolve: async (prepared, sandbox, io) => {
      let p = prepared as Prepared;
      // The sandbox's URL replaces the environment's, as --base-url would.
      if (sandbox)
        p = {
          ...p,
          resolved: loadConfig({ configPath: p.resolved.file, env: p.resolved.environment, baseUrl: sandbox.url, processEnv: io.env }),
          ...(sandbox.caPem ? { ca: sandbox.caPem } : {}),
        };
      const token = sandbox
        ? sandbox.token
          ? { token: sandbox.token, source: 'env' as const, envName: 'REVGATE_TOKEN' }
          : undefined
        : await acquireToken(p.resolved.config.auth, { env: io.env });
      const secrets: Secret[] = [...runSecrets(p.resolved, token?.token, io.env), ...channelSecrets(p.settings.notify)];
      const keys = p.catalog
        ? resolveKeys(p.catalog, io.env, { add: (value: string, label?: string) => secrets.push({ value, label: label ?? 'subscription key' }) })
        : new Map<string, KeyResolution>();
      return { ...p, ...(token ? { token } : {}), keys, secrets };
    },
    measure: (run, ctx) => monitor(o, run, ctx),
    verdict: (run, m): Verdict => monitorVerdict(run, m, o),
    publish: () => ({ artifacts: { monitor: MONITOR_PAGE }, ...(o.verbose ? { verbose: true } : {}) }),
  };
}

function buildJobs(o: MonitorOptions, run: MonitorRun, ctx: RunContext, checkCtx: () => CheckRunContext): { jobs: Job[]; close(): Promise<void> } {
  const { settings, resolved } = run;
  const caPems = [run.ca, resolved.target.caFile ? readFileSync(resolved.target.caFile, 'utf8') : undefined].filter((p): p is string => Boolean(p));
  const ca = trustedCas(caPems, ctx.io.env);
  const http = checkAgent(ca);
  const jobs: Job[] = planChecks(resolved, o.allowDestructive ?? false)
    .filter((p) => !p.skip)
    .map(({ check }) => {
      const s = settings.checks[check.id] ?? settings.defaultCheck;
      return checkJob(check, { schedule: s.schedule, retries: s.retries, rule: s.rule, http, ...(ca ? { ca } : {}), ctx: checkCtx });
    });
  const probes = settings.probes;
  if (probes && run.catalog) {
    const plan = buildPlan(run.catalog, { ...(probes.regions ? { regions: probes.regions } : {}), isolation: probes.isolation });
    const budget = budgetProblems(run.catalog, plan);
    if (budget.length) throw new RevgateError(ErrorCodes.ConfigInvalid, "these probes would not stay under the tenants' rate limits", budget);
    for (const region of plan.regions) {
      jobs.push(
        probeJob({
          catalog: run.catalog,
          region,
          probes: plan.probes.filter((p) => p.region === region),
          keys: run.keys,
          budgets: keyBudgets(run.catalog),
          schedule: probes.schedule,
          concurrency: probes.concurrency,
          ...(run.ca ? { ca: run.ca } : {}),
          rule: probes.rule,
          quorum: probes.regionQuorum,
          redactor: () => ctx.redactor,
        }),
      );
    }
  }
  return { jobs, close: () => http.close() };
}

async function monitor(o: MonitorOptions, run: MonitorRun, ctx: RunContext): Promise<Measured> {
  const { io } = ctx;
  const startedAt = new Date();
  const { resolved } = run;
  let token = run.token;
  let tokenAt = Date.now();
  const secretEnvRefs: Record<string, string> = { authorization: resolved.config.auth?.tokenEnv ?? DEFAULT_TOKEN_ENV };
  const checkCtx = (): CheckRunContext => ({
    resolved,
    baseUrl: resolved.target.baseUrl,
    runId: `monitor-${Date.now()}`,
    ...(token ? { token: token.token } : {}),
    secretEnvRefs,
    redactor: ctx.redactor,
    planned: [],
  });
  const opened = openDb(o.db);
  const { jobs, close: closeJobs } = buildJobs(o, run, ctx, checkCtx);
  const metrics = o.metricsPort !== undefined ? new MonitorMetrics() : undefined;
  const m = new Monitor({
    db: opened.db,
    settings: run.settings,
    jobs,
    service: resolved.config.service.name,
    io,
    mask: (s) => ctx.redactor.mask(s),
    ...(metrics ? { metrics } : {}),
    ...(o.notifyBackoffMs !== undefined ? { notifyBackoffMs: o.notifyBackoffMs } : {}),
  });
  let server: { url: string; close(): Promise<void> } | undefined;
  const refreshToken = setInterval(() => {
    if (Date.now() - tokenAt < TOKEN_REFRESH_MS || token?.source === 'env') return;
    acquireToken(resolved.config.auth, { env: io.env })
      .then((t) => {
        if (!t) return;
        ctx.redactor.add(t.token, 'token');
        token = t;
        tokenAt = Date.now();
      })
      .catch((err: unknown) => io.err(`revgate: could not renew the token (the checks keep the previous one): ${ctx.redactor.mask((err as Error).message)}\n`));
  }, 60_000);
  refreshToken.unref();
  try {
    if (metrics) {
      server = await metrics.serve(o.metricsPort as number, o.metricsHost ?? '127.0.0.1', () => m.figures());
      io.err(`revgate: metrics at ${server.url}\n`);
    }
    const units = jobs.reduce((n, j) => n + j.units.length, 0);
    io.err(
      `revgate: monitoring ${resolved.config.service.name} [${resolved.environment}]: ${jobs.length} job(s), ${units} unit(s), ` +
        `${o.once ? 'once' : `every ${formatDuration('everyMs' in run.settings.defaultSchedule ? run.settings.defaultSchedule.everyMs : 60_000)} by default`}; history in ${o.db}\n`,
    );
    const settings = run.settings;
    const meta: Array<[string, string]> = [
      ['service', resolved.config.service.name],
      ['slo_objective', String(settings.slo.objective)],
      ['slo_window_ms', String(settings.slo.windowMs)],
    ];
    for (const [key, value] of meta)
      opened.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
    const writePage = (): Figures => {
      const figures = m.figures();
      writeFileSync(
        path.join(ctx.out, MONITOR_PAGE),
        renderMonitorPage(buildMonitorReport(opened.db, { service: resolved.config.service.name, now: Date.now(), figures })),
      );
      return figures;
    };
    // A long-lived monitor keeps its page current (the database is its alone while it runs).
    const pageTimer = o.once
      ? undefined
      : setInterval(() => {
          try {
            writePage();
          } catch (err) {
            io.err(`revgate: could not refresh ${MONITOR_PAGE}: ${(err as Error).message}\n`);
          }
        }, PAGE_REFRESH_MS);
    try {
      if (o.once) await m.runOnce(ctx.signal);
      else await m.runForever(ctx.signal);
    } finally {
      if (pageTimer) clearInterval(pageTimer);
    }
    const figures = writePage();
    const pending = m.pendingNotifications();
    if (pending) io.err(`revgate: ${pending} notification(s) not delivered yet; they stay in ${o.db} and go out on the next run\n`);
    return {
      startedAt,
      finishedAt: new Date(),
      units: listUnits(opened.db).filter((u) => jobs.some((j) => j.units.some((x) => x.key === u.key))),
      latest: latestResults(opened.db),
      openAlerts: m.openAlerts(),
      skipped: new Map(jobs.flatMap((j) => (j.skipped ? j.units.map((u): [string, string] => [u.key, j.skipped as string]) : []))),
      figures,
      stats: { ...m.stats },
      pending,
    };
  } finally {
    clearInterval(refreshToken);
    await server?.close();
    await m.close();
    await closeJobs();
    opened.close();
  }
}

function monitorVerdict(run: MonitorRun, m: Measured, o: MonitorOptions): Verdict {
  return stateVerdict({ resolved: run.resolved, ...m, once: o.once });
}

export interface StateInput {
  resolved: ResolvedConfig;
  startedAt: Date;
  finishedAt: Date;
  units: Unit[];
  latest: Map<string, LatestResult>;
  openAlerts: string[];
  skipped?: Map<string, string>;
  stats?: MonitorStats;
  pending: number;
  once?: boolean;
}

/** The verdict on the monitored state: the latest result of every unit, and the alerts open. Pure. */
export function stateVerdict(m: StateInput): Verdict {
  const checks: CheckResult[] = m.units.map((u) => {
    const r = m.latest.get(u.key);
    return {
      id: u.key,
      title: u.title,
      status: r ? r.status : 'skipped',
      blocking: true,
      durationMs: r?.durationMs ?? 0,
      attempts: r ? 1 : 0,
      ...(r?.message ? { error: { message: r.message } } : !r ? { error: { message: m.skipped?.get(u.key) ?? 'no result yet' } } : {}),
      labels: { check: u.checkId, ...(u.tenant ? { tenant: u.tenant } : {}), ...(u.region ? { region: u.region } : {}) },
    };
  });
  const { resolved } = m;
  const open = m.openAlerts;
  return decide({
    kind: 'monitor',
    target: { baseUrl: resolved.target.baseUrl, environment: resolved.environment, service: resolved.config.service.name },
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    checks,
    gates: [],
    ...(resolved.config.policy ? { policy: resolved.config.policy } : {}),
    version: VERSION,
    summarize: () => ({
      reasons: [
        `${open.length} alert(s) open${open.length ? `: ${open.slice(0, 10).join(', ')}${open.length > 10 ? ', ...' : ''}` : ''}`,
        m.stats
          ? `${m.stats.runs} run(s), ${m.stats.results} result(s), ${m.stats.overlaps} overlap(s) skipped, ${m.stats.missed} missed cycle(s), ${m.stats.events} alert event(s), ${m.stats.delivered} notification(s) delivered, ${m.pending} pending${m.once ? '' : ' (monitor stopped)'}`
          : `${m.pending} notification(s) pending`,
      ],
    }),
  });
}
