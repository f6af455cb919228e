/**
 * The sandbox gateway: an APIM-like front for a stamps estate. One loopback listener per region,
 * subscription keys per tenant, tenant-to-cell routing to in-process revision apps (a shared cell hosts
 * many tenants, a dedicated cell one), per-tier rate limits (429 + Retry-After), and faults scoped to a
 * tenant, a cell or a region, changeable at run time through /__gateway/faults.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFaults } from './fault-pipeline.js';
import type { FaultSpec } from './faults.js';
import { isGatewayKind, parseGatewayFaults, scopeMatches, type GatewayFault, type RequestScope } from './gateway-faults.js';
import type { GatewayTenant, GatewayTier, StampsEstate } from './gateway-catalog.js';
import { handleGatewayControl } from './gateway-control.js';
import { sendJson } from './http-util.js';
import { assertLoopback, listen, type Listener } from './listener.js';
import { createRevisionApp, type RevisionApp } from './revision-app.js';
import { seededRandom } from './faults.js';

export interface TierLimit {
  calls: number;
  periodSeconds: number;
}

/** The runbook's APIM products (calls per hour); enterprise is an assumption (its policy is per tenant). */
export const DEFAULT_TIER_LIMITS: Record<GatewayTier, TierLimit> = {
  basic: { calls: 10_000, periodSeconds: 3600 },
  premium: { calls: 50_000, periodSeconds: 3600 },
  enterprise: { calls: 100_000, periodSeconds: 3600 },
};

export interface GatewayOptions {
  estate: StampsEstate;
  host?: string;
  /** Region i listens on basePort + i; default: ephemeral ports. */
  basePort?: number;
  limits?: Partial<Record<GatewayTier, TierLimit>>;
  faults?: string[];
  seed?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface GatewayState {
  regions: Record<string, string>;
  tenants: number;
  cells: number;
  faults: string[];
  requests: { total: number; byStatus: Record<string, number>; byRegion: Record<string, number>; rateLimited: number };
}

export interface RunningGateway {
  /** Region -> base URL (no trailing slash). */
  urls: Record<string, string>;
  setFaults(faults: string[]): void;
  clearFaults(): void;
  faults(): string[];
  state(): GatewayState;
  stop(): Promise<void>;
}

export const GATEWAY_CONTROL_PREFIX = '/__gateway/';

const digest = (s: string): string => createHash('sha256').update(s).digest('base64');

// APIM's own wording, so a probe sees what it would see in Azure.
const MISSING_KEY = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID_KEY = 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.';

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  assertLoopback(host);
  const now = options.now ?? Date.now;
  const { estate } = options;
  const limits = { ...DEFAULT_TIER_LIMITS, ...options.limits };
  const random = seededRandom(options.seed ?? randomBytes(4).readUInt32LE(0));
  // Keys are looked up by digest so the map is never probed with the raw secret.
  const bySubscription = new Map<string, GatewayTenant>(estate.tenants.map((t) => [digest(t.key), t]));
  const byId = new Map(estate.tenants.map((t) => [t.id, t]));
  const cellTenants = new Map<string, string[]>();
  for (const t of estate.tenants) for (const c of Object.values(t.cells)) cellTenants.set(c, [...(cellTenants.get(c) ?? []), t.id]);
  const apps = new Map<string, RevisionApp>();
  for (const name of Object.keys(estate.cells)) {
    apps.set(
      name,
      createRevisionApp({
        revision: `${name}--rev1`,
        version: '1.0.0',
        token: randomBytes(16).toString('base64url'),
        random,
        ...(options.log ? { log: options.log } : {}),
        now,
      }),
    );
  }

  let active: GatewayFault[] = [];
  const firstCounts = new WeakMap<GatewayFault, number>();
  const windows = new Map<string, { start: number; count: number }>();
  const counts = { total: 0, rateLimited: 0, byStatus: new Map<string, number>(), byRegion: new Map<string, number>() };

  const setFaults = (texts: string[]): void => {
    const next = parseGatewayFaults(texts);
    active = next;
    // Cell-scoped revision faults run inside the cell's app, exactly like a faulty revision of that cell.
    for (const [name, app] of apps) {
      app.setFaults(next.filter((f) => !isGatewayKind(f.fault) && 'cell' in f.scope && f.scope.cell === name).map((f) => f.fault as FaultSpec));
    }
  };
  setFaults(options.faults ?? []);

  const lifetime = new AbortController();
  const faultEnv = { random, signal: lifetime.signal, installedAt: now(), now };
  const revisionFaults = (pred: (f: GatewayFault) => boolean): FaultSpec[] =>
    active.filter((f) => !isGatewayKind(f.fault) && pred(f)).map((f) => f.fault as FaultSpec);
  const gatewayFault = <K extends 'isolation-leak' | 'rate-limited'>(kind: K, at: RequestScope) =>
    active.find((f) => f.fault.kind === kind && scopeMatches(f.scope, at)) as
      (GatewayFault & { fault: Extract<GatewayFault['fault'], { kind: K }> }) | undefined;

  const handle = async (region: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(`http://gateway.invalid${(req.url ?? '/').startsWith('/') ? req.url : '/'}`);
    // A whole regional gateway (or every gateway) misbehaving: before keys are even looked at.
    const early = revisionFaults((f) => Object.keys(f.scope).length === 0 || ('region' in f.scope && f.scope.region === region));
    if (early.length && (await applyFaults(early, { req, res, url, body: 'json' }, faultEnv)).handled) return;

    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
    };
    const key = header('ocp-apim-subscription-key') ?? url.searchParams.get('subscription-key') ?? undefined;
    const asked = header('x-tenant-id');
    const askedTenant = asked ? byId.get(asked) : undefined;
    const scopeOf = (t: GatewayTenant | undefined): RequestScope => ({ region, ...(t ? { tenant: t.id, cell: t.cells[region] } : {}) });

    let subscriber: GatewayTenant | undefined;
    if (!key) {
      if (!askedTenant || gatewayFault('isolation-leak', scopeOf(askedTenant))?.fault.mode !== 'anonymous')
        return sendJson(res, 401, { statusCode: 401, message: MISSING_KEY });
      subscriber = askedTenant;
    } else {
      subscriber = bySubscription.get(digest(key));
      if (!subscriber) return sendJson(res, 401, { statusCode: 401, message: INVALID_KEY });
    }
    let tenant = subscriber;
    if (asked && asked !== subscriber.id) {
      const leak = gatewayFault('isolation-leak', scopeOf(subscriber));
      if (!(askedTenant && leak?.fault.mode === 'cross'))
        return sendJson(res, 403, { statusCode: 403, message: 'The subscription is not allowed to access the requested tenant.' });
      tenant = askedTenant;
    }
    const cell = tenant.cells[region];
    if (!cell) return sendJson(res, 404, { statusCode: 404, message: 'The tenant is not served in this region.' });
    const at: RequestScope = { region, tenant: tenant.id, cell };

    const injected = gatewayFault('rate-limited', at);
    if (injected) {
      const n = (firstCounts.get(injected) ?? 0) + 1;
      firstCounts.set(injected, n);
      if (injected.fault.first === undefined || n <= injected.fault.first) return tooMany(res, injected.fault.retryAfter);
    }
    // APIM's rate-limit policy: calls per renewal period per subscription (fixed window).
    const limit = limits[subscriber.tier];
    const t = now();
    let w = windows.get(subscriber.id);
    if (!w || t >= w.start + limit.periodSeconds * 1000) windows.set(subscriber.id, (w = { start: t, count: 0 }));
    if (++w.count > limit.calls) return tooMany(res, Math.max(1, Math.ceil((w.start + limit.periodSeconds * 1000 - t) / 1000)));

    const tenantFaults = revisionFaults((f) => 'tenant' in f.scope && f.scope.tenant === tenant.id);
    if (tenantFaults.length && (await applyFaults(tenantFaults, { req, res, url, body: 'json' }, faultEnv)).handled) return;

    const app = apps.get(cell) as RevisionApp;
    if (gatewayFault('isolation-leak', at)?.fault.mode === 'body' && url.pathname === '/tenant/health') {
      // A response cache shared across the cell's tenants: the neighbour's id ends up in this tenant's answer.
      const mates = cellTenants.get(cell) ?? [];
      const other = mates.find((id) => id !== tenant.id) ?? estate.tenants.find((x) => x.id !== tenant.id)?.id;
      return sendJson(res, 200, { status: 'healthy', tenantId: tenant.id, revision: app.revision, recentTenants: other ? [other] : [] });
    }
    // As the runbook's policy does: the gateway sets X-Tenant-ID from the subscription, overriding the caller's.
    req.headers['x-tenant-id'] = tenant.id;
    app.handle(req, res);
  };

  const tooMany = (res: ServerResponse, seconds: number): void => {
    counts.rateLimited++;
    sendJson(res, 429, { statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }, { 'retry-after': String(seconds) });
  };

  const state = (urls: Record<string, string>): GatewayState => ({
    regions: urls,
    tenants: estate.tenants.length,
    cells: apps.size,
    faults: active.map((f) => f.text),
    requests: {
      total: counts.total,
      rateLimited: counts.rateLimited,
      byStatus: Object.fromEntries(counts.byStatus),
      byRegion: Object.fromEntries(counts.byRegion),
    },
  });

  const urls: Record<string, string> = {};
  const listeners: Listener[] = [];
  const control = { setFaults, clearFaults: () => setFaults([]), faults: () => active.map((f) => f.text), state: () => state(urls) };
  try {
    for (const [i, region] of estate.regions.entries()) {
      const listener = await listen(
        (req, res) => {
          if ((req.url ?? '').startsWith(GATEWAY_CONTROL_PREFIX)) return handleGatewayControl(req, res, control);
          counts.total++;
          counts.byRegion.set(region, (counts.byRegion.get(region) ?? 0) + 1);
          res.once('finish', () => counts.byStatus.set(String(res.statusCode), (counts.byStatus.get(String(res.statusCode)) ?? 0) + 1));
          handle(region, req, res).catch((err: unknown) => {
            options.log?.(`gateway ${region} internal error: ${err instanceof Error ? err.message : String(err)}`);
            if (!res.headersSent) sendJson(res, 500, { statusCode: 500, message: 'Internal server error' });
            else res.destroy();
          });
        },
        { host, port: options.basePort ? options.basePort + i : 0 },
      );
      listeners.push(listener);
      urls[region] = listener.url;
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }

  return {
    urls,
    ...control,
    stop: async () => {
      lifetime.abort();
      for (const app of apps.values()) app.close();
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
