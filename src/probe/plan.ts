/**
 * The probe plan: catalog + run options -> every request to send. Pure.
 * One health probe per tenant x region x endpoint; one isolation probe per tenant x region
 * (its key with another tenant's id, and no key at all).
 */
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import type { HttpExpectations } from '../evaluate/types.js';
import type { CatalogTenant, HealthProbe, IsolationProbe, Probe, ProbeRequest, TenantCatalog } from './types.js';

export interface PlanOptions {
  /** Only these regions (default: every region of the catalog). */
  regions?: string[];
  /** One gateway URL for every region (e.g. a new revision's FQDN). */
  baseUrl?: string;
  /** Region -> gateway URL overrides. */
  regionUrls?: Record<string, string>;
  isolation?: boolean;
}

export interface ProbePlan {
  probes: Probe[];
  /** Requests sent with each tenant's own key (a 429 retry included), for the budget check and the engine's cap. */
  keyCalls: Map<string, number>;
  regions: string[];
}

/** A tenant id no catalog uses, sent when a region has a single tenant (the gateway must refuse it too). */
export const CANARY_TENANT = 'revgate-isolation-canary';

function fill(template: string, vars: Record<string, string>, encode: boolean): string {
  return template.replace(/\{\{\s*(tenantId|region|cell|tier)\s*\}\}/g, (_, name: string) =>
    encode ? encodeURIComponent(vars[name] ?? '') : (vars[name] ?? ''),
  );
}

function fillDeep<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') return fill(value, vars, false) as T;
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, vars)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, vars, false), fillDeep(v, vars)])) as T;
  return value;
}

export function buildPlan(catalog: TenantCatalog, options: PlanOptions = {}): ProbePlan {
  const all = Object.keys(catalog.regions);
  const unknown = (options.regions ?? []).filter((r) => !catalog.regions[r]);
  const badUrls = Object.keys(options.regionUrls ?? {}).filter((r) => !catalog.regions[r]);
  if (unknown.length || badUrls.length) {
    throw new RevgateError(
      ErrorCodes.Usage,
      `unknown region ${[...unknown, ...badUrls].map((r) => `"${r}"`).join(', ')} (the catalog declares: ${all.join(', ')})`,
    );
  }
  const regions = options.regions?.length ? all.filter((r) => options.regions?.includes(r)) : all;
  const isolation = (options.isolation ?? true) && catalog.isolation.enabled;
  const probes: Probe[] = [];
  const keyCalls = new Map<string, number>();
  const count = (r: ProbeRequest): void => {
    if (r.key === 'own') keyCalls.set(r.keyTenant, (keyCalls.get(r.keyTenant) ?? 0) + 2);
  };

  for (const region of regions) {
    const inRegion = catalog.tenants.filter((t) => t.regions.includes(region));
    const byCell = new Map<string, CatalogTenant[]>();
    for (const t of inRegion) {
      const list = byCell.get(t.cells[region] as string) ?? [];
      list.push(t);
      byCell.set(t.cells[region] as string, list);
    }
    inRegion.forEach((t, index) => {
      const cell = t.cells[region] as string;
      const gateway = (options.regionUrls?.[region] ?? options.baseUrl ?? t.gatewayUrls[region] ?? catalog.regions[region]?.gatewayUrl ?? '').replace(
        /\/+$/,
        '',
      );
      const vars = { tenantId: t.id, region, cell, tier: t.tier };
      const base = { tenant: t.id, tier: t.tier, region, cell };
      for (const e of catalog.endpoints) {
        const expect: HttpExpectations = fillDeep(e.expect, vars);
        if (!expect.latency) expect.latency = catalog.tiers[t.tier].latency;
        const request: ProbeRequest = { key: 'own', keyTenant: t.id, tenantHeader: t.id, url: `${gateway}${fill(e.path, vars, true)}`, method: e.method };
        const probe: HealthProbe = { kind: 'health', id: `${t.id}/${region}/${e.id}`, ...base, endpoint: e.id, request, expect };
        probes.push(probe);
        count(request);
      }
      if (!isolation) return;
      // A neighbour on the same shared cell is where a leak is likeliest; a dedicated cell's tenant gets the next tenant in the region.
      const mates = byCell.get(cell) ?? [];
      const partner =
        mates.length > 1 ? mates[(mates.indexOf(t) + 1) % mates.length] : inRegion.length > 1 ? inRegion[(index + 1) % inRegion.length] : undefined;
      const first = catalog.endpoints[0];
      const path = first ? fill(first.path, vars, true) : '/tenant/health';
      const cross: ProbeRequest = { key: 'own', keyTenant: t.id, tenantHeader: partner?.id ?? CANARY_TENANT, url: `${gateway}${path}`, method: 'GET' };
      const anonymous: ProbeRequest = { key: 'none', keyTenant: t.id, tenantHeader: t.id, url: `${gateway}${path}`, method: 'GET' };
      const probe: IsolationProbe = {
        kind: 'isolation',
        id: `${t.id}/${region}/isolation`,
        ...base,
        partner: cross.tenantHeader,
        cross,
        anonymous,
        refusedStatus: catalog.isolation.refusedStatus,
      };
      probes.push(probe);
      count(cross);
    });
  }
  return { probes, keyCalls, regions };
}

/** Probes must stay well under each tier's rate limit: a run that would not is refused before it starts (exit 3). */
export function budgetProblems(catalog: TenantCatalog, plan: ProbePlan): Diagnostic[] {
  const out: Diagnostic[] = [];
  const index = new Map(catalog.tenants.map((t, i) => [t.id, i]));
  for (const [tenantId, calls] of plan.keyCalls) {
    const i = index.get(tenantId) as number;
    const t = catalog.tenants[i] as CatalogTenant;
    const limit = catalog.tiers[t.tier].rateLimit;
    const budget = Math.floor(limit.calls * catalog.probeBudget);
    if (calls > budget) {
      out.push({
        path: `$.tenants[${i}]`,
        message: `probing ${tenantId} may take ${calls} calls (with one retry each) but its budget is ${budget} per ${limit.renewalPeriodSeconds} s (probeBudget ${catalog.probeBudget} of the ${t.tier} tier's ${limit.calls}); probe fewer endpoints or regions, or raise probeBudget`,
      });
    }
  }
  return out;
}

/** The per-key cap the engine enforces (the plan's estimate already fits in it). */
export function keyBudgets(catalog: TenantCatalog): Map<string, number> {
  return new Map(catalog.tenants.map((t) => [t.id, Math.floor(catalog.tiers[t.tier].rateLimit.calls * catalog.probeBudget)]));
}
