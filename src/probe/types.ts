/**
 * Tenant probe declarations (the catalog, as validated) and the plan built from them.
 * The catalog never holds a subscription key, only where to find one (KeyRef).
 */
import type { HttpExpectations, LatencyBudget } from '../evaluate/types.js';

export type Tier = 'basic' | 'premium' | 'enterprise';
export const TIERS: readonly Tier[] = ['basic', 'premium', 'enterprise'];
export type CellType = 'shared' | 'dedicated';

/** Where a tenant's subscription key comes from. Exactly one property is set. */
export type KeyRef =
  /** An environment variable holding the key (CI secret). */
  | { env: string }
  /** A JSON object file `{ "<field>": "<key>", ... }` (a bulk secrets file mounted by CI); `field` defaults to the tenant id. */
  | { file: string; field?: string }
  /** An Azure Key Vault secret, read with DefaultAzureCredential before the probes start. */
  | { keyVault: { vaultUrl: string; secret: string } };

export interface TierPolicy {
  /** The APIM rate-limit of the tier's product: `calls` per `renewalPeriodSeconds` per subscription. */
  rateLimit: { calls: number; renewalPeriodSeconds: number };
  /** The tenant latency SLO: warn (target) and max (alert). Seed: < 200 ms target, alert > 500 ms. */
  latency: LatencyBudget;
}

export interface CatalogEndpoint {
  id: string;
  method: 'GET' | 'HEAD';
  /** Path on the regional gateway; `{{tenantId}}`, `{{region}}`, `{{cell}}` and `{{tier}}` are replaced. */
  path: string;
  /** Smoke-check expectations; the tier's latency budget applies unless `latency` is given here. */
  expect: HttpExpectations;
}

export interface CatalogTenant {
  id: string;
  tier: Tier;
  regions: string[];
  /** Cell per region (a tenant reached through several regional gateways may live on a cell in each). */
  cells: Record<string, string>;
  key: KeyRef;
  /** Per-region gateway URL overrides. */
  gatewayUrls: Record<string, string>;
}

export interface TenantCatalog {
  service: string;
  environment?: string;
  /** Region -> gateway base URL (no trailing slash). */
  regions: Record<string, { gatewayUrl: string }>;
  cells: Record<string, { type: CellType; region?: string }>;
  tiers: Record<Tier, TierPolicy>;
  endpoints: CatalogEndpoint[];
  isolation: { enabled: boolean; refusedStatus: number[] };
  /** Fraction of each tier's rate limit the prober may spend per renewal period. */
  probeBudget: number;
  timeoutMs: number;
  tenants: CatalogTenant[];
  /** The file the catalog came from (or `command: ...`); relative key files resolve against `dir`. */
  source: string;
  dir: string;
}

/** One HTTP request the engine sends. Headers hold the key only once resolved, inside the engine. */
export interface ProbeRequest {
  /** `own` sends the tenant's key; `none` sends no key; both send `tenantHeader` as X-Tenant-ID. */
  key: 'own' | 'none';
  /** Whose key is used (for budgets and key lookup). */
  keyTenant: string;
  tenantHeader: string;
  url: string;
  method: 'GET' | 'HEAD';
}

export interface HealthProbe {
  kind: 'health';
  id: string;
  tenant: string;
  tier: Tier;
  region: string;
  cell: string;
  endpoint: string;
  request: ProbeRequest;
  expect: HttpExpectations;
}

export interface IsolationProbe {
  kind: 'isolation';
  id: string;
  tenant: string;
  tier: Tier;
  region: string;
  cell: string;
  /** The tenant whose id is sent with this tenant's key. */
  partner: string;
  cross: ProbeRequest;
  anonymous: ProbeRequest;
  refusedStatus: number[];
}

export type Probe = HealthProbe | IsolationProbe;
