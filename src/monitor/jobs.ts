/**
 * Providers of the monitor: jobs that measure and return one observation per unit. Declared checks run through
 * the same code as `revgate smoke`'s declared checks (runDeclaredCheck over undici, evaluate, cleanup) but
 * in-process, without Playwright; tenant probes run through the probe engine, one job per region so a hung
 * region never holds up another. A job never throws for a failing target: that is an observation.
 */
import { Agent } from 'undici';
import type { CheckConfig } from '../config/types.js';
import type { CheckStatus } from '../verdict/types.js';
import { runProbes } from '../probe/engine.js';
import { evaluateAll } from '../probe/evaluate-probes.js';
import type { KeyResolution } from '../probe/keys.js';
import type { Probe, TenantCatalog } from '../probe/types.js';
import type { Redactor } from '../secrets/redactor.js';
import { CleanupRegistry } from '../smoke/cleanup.js';
import { runDeclaredCheck } from '../smoke/run-check.js';
import type { RunContext as CheckRunContext } from '../smoke/run-context.js';
import type { AlertRule } from './alert-state.js';
import type { ResultStatus, Unit } from './history.js';
import type { Schedule } from './settings.js';

export interface Observation {
  unit: string;
  status: ResultStatus;
  durationMs: number;
  message?: string;
}

/** An alert subject: the units whose results it watches. */
export interface SubjectDef {
  subject: string;
  units: string[];
  rule: AlertRule;
  /** False for tenant x region subjects when an N-of-M tenant subject speaks for them. */
  notify: boolean;
  title: string;
  labels: { check?: string; tenant?: string; region?: string };
  /** The N-of-M subject this one counts towards. */
  parent?: string;
}

export interface Job {
  id: string;
  schedule: Schedule;
  units: Unit[];
  subjects: SubjectDef[];
  run(signal: AbortSignal): Promise<Observation[]>;
  /** Why the last run recorded nothing (the check does not apply to this target, e.g. TLS on http). */
  skipped?: string;
}

/** The dispatcher every declared check of the monitor shares; `ca` is the whole trust list (smoke's trustedCas) when extra CAs are trusted; verification never off. */
export function checkAgent(ca: readonly string[] | undefined): Agent {
  return new Agent({ connect: { timeout: 600_000, rejectUnauthorized: true, ...(ca?.length ? { ca: [...ca] } : {}) }, keepAliveTimeout: 4_000 });
}

export function statusOf(s: CheckStatus): ResultStatus | undefined {
  if (s === 'skipped') return undefined;
  if (s === 'flaky') return 'passed';
  return s;
}

export function checkJob(
  check: CheckConfig,
  o: { schedule: Schedule; retries: number; rule: AlertRule; http: Agent; ca?: readonly string[]; ctx: () => CheckRunContext },
): Job {
  const unit: Unit = { key: `check:${check.id}`, kind: 'check', checkId: check.id, tenant: '', region: '', title: check.title ?? check.id };
  const job: Job = {
    id: `check:${check.id}`,
    schedule: o.schedule,
    units: [unit],
    subjects: [{ subject: `check:${check.id}`, units: [unit.key], rule: o.rule, notify: true, title: unit.title, labels: { check: check.id } }],
    run: async () => {
      let last: Observation | undefined;
      for (let attempt = 0; attempt <= o.retries; attempt++) {
        const started = performance.now();
        const cleanup = new CleanupRegistry();
        const ctx = o.ctx();
        let outcome;
        try {
          outcome = await runDeclaredCheck(check, { http: o.http, ctx, cleanup, ...(o.ca ? { ca: o.ca } : {}) });
        } catch (err) {
          outcome = { phase: 'error' as const, assertions: [], message: `the check could not run: ${(err as Error).message}` };
        }
        const report = await cleanup.runAll();
        const durationMs = performance.now() - started;
        if (outcome.skip) {
          job.skipped = outcome.skip;
          return [];
        }
        delete job.skipped;
        const cleanupProblem = report.failures[0] ? `cleanup failed: ${report.failures[0].message}` : undefined;
        const message = [outcome.message, cleanupProblem].filter(Boolean).join('; ');
        last = { unit: unit.key, status: outcome.phase, durationMs, ...(message ? { message: ctx.redactor.mask(message) } : {}) };
        if (last.status === 'passed' || last.status === 'degraded') break;
      }
      return last ? [last] : [];
    },
  };
  return job;
}

export interface ProbeJobOptions {
  catalog: TenantCatalog;
  region: string;
  probes: Probe[];
  keys: ReadonlyMap<string, KeyResolution>;
  budgets: ReadonlyMap<string, number>;
  schedule: Schedule;
  concurrency: number;
  ca?: string;
  rule: AlertRule;
  /** N of M: tenant x region subjects count towards `tenant:<id>` when more than 1. */
  quorum: number;
  redactor: () => Redactor;
}

const probeCheck = (p: Probe): string => (p.kind === 'health' ? `probe:${p.endpoint}` : 'probe:isolation');

export function probeJob(o: ProbeJobOptions): Job {
  const units: Unit[] = o.probes.map((p) => ({ key: `probe:${p.id}`, kind: 'probe', checkId: probeCheck(p), tenant: p.tenant, region: p.region, title: p.id }));
  const byTenant = new Map<string, string[]>();
  o.probes.forEach((p, i) => byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), (units[i] as Unit).key]));
  const subjects: SubjectDef[] = [...byTenant].map(([tenant, keys]) => ({
    subject: `tenant:${tenant}/${o.region}`,
    units: keys,
    rule: o.rule,
    notify: o.quorum <= 1,
    title: `tenant ${tenant} in ${o.region}`,
    labels: { tenant, region: o.region },
    ...(o.quorum > 1 ? { parent: `tenant:${tenant}` } : {}),
  }));
  const tenantIds = new Set(o.catalog.tenants.map((t) => t.id));
  const envRefs = new Map<string, string>();
  for (const [tenant, k] of o.keys) if (k.ok && k.envRef) envRefs.set(tenant, k.envRef);
  return {
    id: `probes:${o.region}`,
    schedule: o.schedule,
    units,
    subjects,
    run: async (signal) => {
      const outcomes = await runProbes(o.probes, {
        keys: o.keys,
        budgets: o.budgets,
        concurrency: o.concurrency,
        timeoutMs: o.catalog.timeoutMs,
        // A monitor cycle never waits out a Retry-After: a rate-limited probe says so and the next cycle tries again.
        maxRetryWaitMs: 0,
        signal,
        ...(o.ca ? { ca: o.ca } : {}),
      });
      const results = evaluateAll(o.probes, outcomes, { tenantIds, envRefs });
      const out: Observation[] = [];
      results.forEach((r, i) => {
        const status = statusOf(r.status);
        if (!status || outcomes[i]?.notSent) return; // interrupted: not sent is not a result
        out.push({
          unit: (units[i] as Unit).key,
          status,
          durationMs: r.durationMs,
          ...(r.error?.message ? { message: o.redactor().mask(r.error.message) } : {}),
        });
      });
      return out;
    },
  };
}
