/**
 * Loads a tenant catalog from a file or from a command's stdout (a routing database export), resolves
 * `${ENV}` references, and validates it: JSON Schema first, then the rules a schema cannot express.
 * Every problem is collected with its JSON path; any problem is exit 3 and nothing runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { childPath, substituteEnv } from '../config/env.js';
import { compileDocumentSchema, toDiagnostics } from '../config/schema-diagnostics.js';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import { validateLatencyBudget, validateMatcher, validatePath } from '../evaluate/index.js';
import type { HttpExpectations } from '../evaluate/types.js';
import { TIERS, type CatalogEndpoint, type CatalogTenant, type KeyRef, type TenantCatalog, type Tier, type TierPolicy } from './types.js';
import { checkJsonDepth } from '../core/input-json.js';
import { runShell } from '../core/child.js';

const SCHEMA_URL = new URL('../../schemas/tenants.schema.json', import.meta.url);
const CONFIG_SCHEMA_URL = new URL('../../schemas/config.schema.json', import.meta.url);

/** The seed runbook's APIM products (rate-limit calls per hour) and CELL KPI (tenant latency target 200 ms, alert 500 ms). */
export const DEFAULT_TIERS: Record<Tier, TierPolicy> = {
  basic: { rateLimit: { calls: 10_000, renewalPeriodSeconds: 3600 }, latency: { warnMs: 200, maxMs: 500 } },
  premium: { rateLimit: { calls: 50_000, renewalPeriodSeconds: 3600 }, latency: { warnMs: 200, maxMs: 500 } },
  // The runbook sets enterprise limits per tenant policy without a number; 100k/h is this catalog's assumption.
  enterprise: { rateLimit: { calls: 100_000, renewalPeriodSeconds: 3600 }, latency: { warnMs: 200, maxMs: 500 } },
};

export const DEFAULT_ENDPOINT: CatalogEndpoint = {
  id: 'health',
  method: 'GET',
  path: '/tenant/health',
  expect: { status: 200, json: { status: 'healthy', tenantId: '{{tenantId}}' } },
};

let validator: ReturnType<typeof compileDocumentSchema> | undefined;
function validate(doc: unknown): Diagnostic[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as {
      definitions: Record<string, unknown>;
      properties: { endpoints: { items: { properties: Record<string, unknown> } } };
    };
    // Endpoint expectations are exactly the smoke checks' `expect`: reuse that definition instead of copying it.
    const config = JSON.parse(readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as { definitions: Record<string, unknown> };
    schema.definitions.expect = config.definitions.expect;
    schema.definitions.latency = config.definitions.latency;
    schema.properties.endpoints.items.properties.expect = { $ref: '#/definitions/expect' };
    validator = compileDocumentSchema(schema);
  }
  return validator(doc) ? [] : toDiagnostics(validator.errors);
}

export interface CatalogSource {
  /** A catalog file. */
  file?: string;
  /** A shell command that prints the catalog JSON on stdout. */
  command?: string;
  /** How long the command may run, default 60 s. */
  timeoutMs?: number;
}

/** Reads the raw document. Unreadable input is exit 3 with the reason (never the command's environment). */
export async function readCatalogDocument(src: CatalogSource, env: Record<string, string | undefined>): Promise<{ doc: unknown; source: string; dir: string }> {
  if (src.file !== undefined) {
    const file = path.resolve(src.file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RevgateError(
        ErrorCodes.ConfigNotFound,
        `cannot read the tenant catalog ${src.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return { doc: parseJson(text, src.file), source: src.file, dir: path.dirname(file) };
  }
  if (src.command !== undefined) {
    const timeoutMs = src.timeoutMs ?? 60_000;
    const r = await runShell(src.command, { env, timeoutMs, maxBytes: 256 * 1024 * 1024 });
    if (r.killed || r.code !== 0) {
      const how =
        r.killed === 'timeout'
          ? `timed out after ${timeoutMs / 1000} s; its process group was ended`
          : r.killed === 'output-limit'
            ? 'printed more than 256 MB'
            : `exit ${r.code ?? r.signal}`;
      const why = r.stderr.trim().split('\n').slice(0, 5).join('\n  ');
      throw new RevgateError(ErrorCodes.ConfigInvalid, `--tenants-cmd failed (${how})${why ? `: ${why}` : ''}`);
    }
    return { doc: parseJson(r.stdout, '--tenants-cmd output'), source: `command: ${src.command}`, dir: process.cwd() };
  }
  throw new RevgateError(ErrorCodes.Usage, 'name the tenant catalog: --tenants FILE, --tenants-cmd "<command printing JSON>" or --sandbox');
}

function parseJson(text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw new RevgateError(ErrorCodes.ConfigInvalid, `the tenant catalog (${what}) is not valid JSON: ${(err as Error).message}`, [
      { path: '$', message: 'not valid JSON', file: what },
    ]);
  }
  checkJsonDepth(parsed, `the tenant catalog (${what})`);
  return parsed;
}

export async function loadCatalog(src: CatalogSource, env: Record<string, string | undefined>): Promise<TenantCatalog> {
  const { doc, source, dir } = await readCatalogDocument(src, env);
  return parseCatalog(doc, { source, dir, env });
}

/** Validates a catalog document and normalizes it (defaults applied, cells per region). Throws exit 3 with every problem. */
export function parseCatalog(doc: unknown, ctx: { source: string; dir: string; env: Record<string, string | undefined> }): TenantCatalog {
  const substituted = substituteEnv(doc, ctx.env);
  const problems = [...substituted.diagnostics, ...validate(substituted.value)];
  // Cross-reference rules run even when the schema found problems, so one run lists everything it can.
  if (hasShape(substituted.value)) {
    const seen = new Set(problems.map((p) => `${p.path}\u0000${p.message}`));
    for (const p of semanticProblems(substituted.value)) if (!seen.has(`${p.path}\u0000${p.message}`)) problems.push(p);
  }
  if (problems.length > 0) {
    const file = ctx.source;
    throw new RevgateError(
      ErrorCodes.ConfigInvalid,
      `the tenant catalog has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems.map((p) => ({ ...p, file })),
      { schema: 'schemas/tenants.schema.json' },
    );
  }
  return normalize(substituted.value as RawCatalog, ctx);
}

interface RawTenant {
  id: string;
  tier: Tier;
  regions: string[];
  cell: string | Record<string, string>;
  key?: KeyRef;
  gatewayUrls?: Record<string, string>;
}
interface RawCatalog {
  service?: string;
  environment?: string;
  regions: Record<string, { gatewayUrl: string }>;
  cells: Record<string, { type: 'shared' | 'dedicated'; region?: string }>;
  tiers?: Partial<Record<Tier, Partial<TierPolicy>>>;
  defaults?: { key?: KeyRef; timeoutMs?: number };
  endpoints?: Array<{ id: string; method?: 'GET' | 'HEAD'; path: string; expect?: HttpExpectations }>;
  isolation?: { enabled?: boolean; refusedStatus?: number[] };
  probeBudget?: number;
  tenants: RawTenant[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Enough structure for the cross-reference rules; entries of the wrong shape are skipped (the schema reported them). */
function hasShape(doc: unknown): doc is RawCatalog {
  return (
    isObject(doc) && isObject(doc.regions) && isObject(doc.cells) && Array.isArray(doc.tenants) && (doc.endpoints === undefined || Array.isArray(doc.endpoints))
  );
}

const cellOf = (t: RawTenant, region: string): string | undefined => (typeof t.cell === 'string' ? t.cell : t.cell[region]);

function urlProblem(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `must be an http(s) URL, got ${u.protocol}`;
    if (u.username || u.password) return 'must not contain credentials';
    if (u.search || u.hash) return 'must not contain a query or fragment';
    return undefined;
  } catch {
    return `is not a valid URL: ${JSON.stringify(url)}`;
  }
}

/** Rules the schema cannot express; runs on a schema-valid document. Exported for table tests. */
export function semanticProblems(c: RawCatalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  const regions = Object.keys(c.regions);
  const known = `declared: ${regions.join(', ')}`;
  for (const [name, r] of Object.entries(c.regions)) {
    if (!isObject(r) || typeof r.gatewayUrl !== 'string') continue;
    const p = urlProblem(r.gatewayUrl);
    if (p) out.push({ path: `${childPath('$.regions', name)}.gatewayUrl`, message: `gateway URL ${p}` });
  }
  for (const [name, cell] of Object.entries(c.cells)) {
    if (!isObject(cell)) continue;
    if (cell.region !== undefined && !c.regions[cell.region])
      out.push({ path: `${childPath('$.cells', name)}.region`, message: `unknown region "${cell.region}" (${known})` });
  }
  for (const tier of TIERS) {
    const l = isObject(c.tiers) && isObject(c.tiers[tier]) ? c.tiers[tier]?.latency : undefined;
    const problem = isObject(l) ? validateLatencyBudget(l) : undefined;
    if (problem) out.push({ path: `$.tiers.${tier}.latency`, message: problem });
  }
  const endpointIds = new Map<string, number>();
  (c.endpoints ?? []).forEach((e, i) => {
    if (!isObject(e) || typeof e.id !== 'string') return;
    const p = `$.endpoints[${i}]`;
    const first = endpointIds.get(e.id);
    if (first !== undefined) out.push({ path: `${p}.id`, message: `duplicate endpoint id "${e.id}" (first at $.endpoints[${first}])` });
    else endpointIds.set(e.id, i);
    if (isObject(e.expect?.latency)) {
      const problem = validateLatencyBudget(e.expect.latency);
      if (problem) out.push({ path: `${p}.expect.latency`, message: problem });
    }
    for (const [jp, matcher] of Object.entries(isObject(e.expect?.json) ? e.expect.json : {})) {
      const problem = validatePath(jp) ?? validateMatcher(matcher);
      if (problem) out.push({ path: childPath(`${p}.expect.json`, jp), message: problem });
    }
  });

  const firstIndex = new Map<string, number>();
  const dedicatedOwner = new Map<string, string>();
  c.tenants.forEach((t, i) => {
    if (!isObject(t) || typeof t.id !== 'string' || !Array.isArray(t.regions) || !(typeof t.cell === 'string' || isObject(t.cell))) return;
    const p = `$.tenants[${i}]`;
    const first = firstIndex.get(t.id);
    if (first !== undefined) out.push({ path: `${p}.id`, message: `duplicate tenant id "${t.id}" (first at $.tenants[${first}])` });
    else firstIndex.set(t.id, i);
    t.regions.forEach((r, j) => {
      if (typeof r === 'string' && !Object.hasOwn(c.regions, r)) out.push({ path: `${p}.regions[${j}]`, message: `unknown region "${r}" (${known})` });
    });
    if (typeof t.cell !== 'string') {
      for (const r of Object.keys(t.cell))
        if (!t.regions.includes(r))
          out.push({ path: childPath(`${p}.cell`, r), message: `region "${r}" is not one of this tenant's regions (${t.regions.join(', ')})` });
    }
    for (const r of t.regions) {
      if (typeof r !== 'string') continue;
      const cellName = cellOf(t, r);
      const cp = typeof t.cell === 'string' ? `${p}.cell` : childPath(`${p}.cell`, r);
      if (cellName === undefined) {
        out.push({ path: cp, message: `no cell for region "${r}"` });
        continue;
      }
      const cell = Object.hasOwn(c.cells, cellName) && isObject(c.cells[cellName]) ? c.cells[cellName] : undefined;
      if (!cell) {
        out.push({ path: cp, message: `unknown cell "${cellName}" (declare it under $.cells)` });
        continue;
      }
      if (cell.region !== undefined && c.regions[r] && cell.region !== r)
        out.push({ path: cp, message: `cell "${cellName}" runs in ${cell.region}, so region ${r}'s gateway cannot route to it` });
      if (cell.type === 'dedicated') {
        const owner = dedicatedOwner.get(cellName);
        if (owner !== undefined && owner !== t.id) out.push({ path: cp, message: `cell "${cellName}" is dedicated and already hosts tenant "${owner}"` });
        else dedicatedOwner.set(cellName, t.id);
      }
    }
    if (!t.key && !(isObject(c.defaults) && c.defaults.key))
      out.push({ path: `${p}.key`, message: 'no subscription key reference: give {"env": "VAR"} (or {"file": ...}) here or in $.defaults.key' });
    for (const [r, url] of Object.entries(isObject(t.gatewayUrls) ? t.gatewayUrls : {})) {
      if (typeof url !== 'string') continue;
      const gp = childPath(`${p}.gatewayUrls`, r);
      if (!t.regions.includes(r)) out.push({ path: gp, message: `region "${r}" is not one of this tenant's regions` });
      const problem = urlProblem(url);
      if (problem) out.push({ path: gp, message: `gateway URL ${problem}` });
    }
  });
  return out;
}

const trimSlash = (u: string): string => u.replace(/\/+$/, '');

function normalize(c: RawCatalog, ctx: { source: string; dir: string }): TenantCatalog {
  const tiers = Object.fromEntries(
    TIERS.map((t) => [t, { rateLimit: c.tiers?.[t]?.rateLimit ?? DEFAULT_TIERS[t].rateLimit, latency: c.tiers?.[t]?.latency ?? DEFAULT_TIERS[t].latency }]),
  ) as Record<Tier, TierPolicy>;
  const tenants: CatalogTenant[] = c.tenants.map((t) => ({
    id: t.id,
    tier: t.tier,
    regions: [...t.regions],
    cells: Object.fromEntries(t.regions.map((r) => [r, cellOf(t, r) as string])),
    key: (t.key ?? c.defaults?.key) as KeyRef,
    gatewayUrls: Object.fromEntries(Object.entries(t.gatewayUrls ?? {}).map(([r, u]) => [r, trimSlash(u)])),
  }));
  const base = path.basename(ctx.source).replace(/\.json$/, '');
  return {
    service: c.service ?? (ctx.source.startsWith('command:') ? 'tenants' : base),
    ...(c.environment ? { environment: c.environment } : {}),
    regions: Object.fromEntries(Object.entries(c.regions).map(([r, v]) => [r, { gatewayUrl: trimSlash(v.gatewayUrl) }])),
    cells: c.cells,
    tiers,
    endpoints: (c.endpoints ?? [DEFAULT_ENDPOINT]).map((e) => ({
      id: e.id,
      method: e.method ?? 'GET',
      path: e.path,
      expect: e.expect ?? DEFAULT_ENDPOINT.expect,
    })),
    isolation: { enabled: c.isolation?.enabled ?? true, refusedStatus: c.isolation?.refusedStatus ?? [401, 403] },
    probeBudget: c.probeBudget ?? 0.01,
    timeoutMs: c.defaults?.timeoutMs ?? 10_000,
    tenants,
    source: ctx.source,
    dir: ctx.dir,
  };
}
