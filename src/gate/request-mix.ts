/**
 * The synthetic traffic the gate sends to both revisions: a weighted, deterministic request mix,
 * either built in (the sandbox's endpoints: health, readiness, projects, prediction, tenant health)
 * or taken from the requests of a load profile. Pure: no I/O here.
 */
import type { Diagnostic } from '../core/errors.js';
import { weightedCycle } from '../load/plan.js';
import { requestTags, type LoadedProfile } from '../load/profile.js';
import { SAMPLE_WINE } from '../traffic/sample-wine.js';
import { SECRET_HEADER_NAMES } from '../secrets/redactor.js';
import type { HttpExpectations } from '../evaluate/types.js';

export interface MixRequest {
  name: string;
  method: string;
  /** Path and query, relative to the revision's base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Tags for scoped gates: name, method, endpoint, tenant (from X-Tenant-ID), the profile's own. */
  tags: Readonly<Record<string, string>>;
  /**
   * The smoke check's own expectations (with --config): a response that does not meet them (a sign-in page,
   * a wrong body) is a failed request, judged by the same evaluators smoke uses.
   */
  expect?: HttpExpectations;
}

export interface RequestMix {
  requests: MixRequest[];
  /** Weight of each request (relative share of arrivals). */
  weights: number[];
  /** Request indices in weighted, interleaved order; arrival k sends cycle[k % length]. */
  cycle: Int32Array;
  timeoutMs: number;
  /** Hosts (besides loopback) traffic may go to: the profile's allowedHosts plus --allow-host. */
  allowedHosts: string[];
  /** Header values that are credentials, to be masked in every report. */
  secrets: Array<{ value: string; label: string }>;
  /** Where the mix came from, for the console. */
  source: string;
  /** What the source held that is not in the mix, with why (e.g. config checks that cannot be replayed as traffic). */
  leftOut: string[];
}

/** Tenants the built-in mix sends to /tenant/health (one of them can be broken with `--fault errors=1,tenant=contoso`). */
export const BUILTIN_TENANTS = ['contoso', 'fabrikam', 'northwind'] as const;

export interface Entry {
  request: MixRequest;
  weight: number;
}

/**
 * The built-in mix: what a user of the seed apps does. The projects list needs a bearer token; without
 * one it is left out (and the caller says so) rather than sent to be refused.
 */
export function builtinMix(options: { token?: string; userAgent: string; timeoutMs?: number }): RequestMix {
  const base = { 'user-agent': options.userAgent };
  const get = (name: string, path: string, tags: Record<string, string>, weight: number, headers: Record<string, string> = {}): Entry => ({
    request: { name, method: 'GET', path, headers: { ...base, ...headers }, tags: { name, method: 'GET', ...tags } },
    weight,
  });
  const entries: Entry[] = [
    get('health', '/health', { endpoint: 'health' }, 2),
    get('ready', '/health/ready', { endpoint: 'health' }, 1),
    get('prediction-health', '/api/v1/prediction/health', { endpoint: 'prediction' }, 1),
    {
      request: {
        name: 'predict',
        method: 'POST',
        path: '/api/v1/prediction/predict',
        headers: { ...base, 'content-type': 'application/json' },
        body: JSON.stringify(SAMPLE_WINE),
        tags: { name: 'predict', method: 'POST', endpoint: 'prediction' },
      },
      weight: 2,
    },
    ...BUILTIN_TENANTS.map((t) => get(`tenant-health ${t}`, '/tenant/health', { endpoint: 'tenant', tenant: t }, 1, { 'X-Tenant-ID': t })),
  ];
  const secrets: RequestMix['secrets'] = [];
  if (options.token) {
    entries.push(get('projects', '/api/v1/projects/?page=1&page_size=10', { endpoint: 'api' }, 2, { Authorization: `Bearer ${options.token}` }));
    secrets.push({ value: options.token, label: 'bearer token' });
  }
  return finish(entries, options.timeoutMs ?? 10_000, [], secrets, 'built-in mix');
}

/** Every request of every scenario of a load profile, with its weight; the profile's rates and thresholds do not apply. */
export function mixFromProfile(loaded: LoadedProfile, userAgent: string): RequestMix {
  const { profile } = loaded;
  const entries: Entry[] = [];
  const secrets: RequestMix['secrets'] = [];
  for (const [scenario, s] of Object.entries(profile.scenarios)) {
    for (const r of s.requests) {
      const headers: Record<string, string> = { 'user-agent': userAgent, ...(profile.headers ?? {}), ...(r.headers ?? {}) };
      let body: string | undefined;
      if (r.body !== undefined) {
        body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = typeof r.body === 'string' ? 'text/plain' : 'application/json';
      }
      const tags = requestTags(scenario, r);
      const tenant = headerValue(headers, 'x-tenant-id');
      entries.push({
        request: {
          name: tags.name as string,
          method: tags.method as string,
          path: r.path,
          headers,
          ...(body !== undefined ? { body } : {}),
          tags: { ...(tenant ? { tenant } : {}), ...tags },
        },
        weight: r.weight ?? 1,
      });
      for (const [name, value] of Object.entries(headers)) {
        if (!SECRET_HEADER_NAMES.includes(name.toLowerCase())) continue;
        secrets.push({ value, label: `header ${name}` });
        const bare = /^(?:Bearer|Basic)\s+(.+)$/i.exec(value);
        if (bare?.[1]) secrets.push({ value: bare[1], label: `header ${name}` });
      }
    }
  }
  return finish(entries, loaded.timeoutMs, profile.allowedHosts ?? [], secrets, `profile ${loaded.profile.name}`);
}

export function finish(
  entries: Entry[],
  timeoutMs: number,
  allowedHosts: string[],
  secrets: RequestMix['secrets'],
  source: string,
  leftOut: string[] = [],
): RequestMix {
  const weights = entries.map((e) => e.weight);
  return { requests: entries.map((e) => e.request), weights, cycle: weightedCycle(weights), timeoutMs, allowedHosts, secrets, source, leftOut };
}

/** Several mixes as one (the config's checks plus a profile's requests): weights kept, the longest timeout. */
export function combineMixes(mixes: readonly RequestMix[]): RequestMix {
  if (mixes.length === 1) return mixes[0] as RequestMix;
  const entries = mixes.flatMap((m) => m.requests.map((request, i) => ({ request, weight: m.weights[i] as number })));
  return finish(
    entries,
    Math.max(...mixes.map((m) => m.timeoutMs)),
    [...new Set(mixes.flatMap((m) => m.allowedHosts))],
    mixes.flatMap((m) => m.secrets),
    mixes.map((m) => m.source).join(' + '),
    mixes.flatMap((m) => m.leftOut),
  );
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((h) => h.toLowerCase() === name);
  const v = key ? headers[key]?.trim() : undefined;
  return v || undefined;
}

/**
 * Every tag scope a gate reads (`tenant:contoso`) must be carried by some request of the mix;
 * otherwise the gate would wait for data that never comes.
 */
export function checkScopes(mix: RequestMix, scopes: readonly string[]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const scope of scopes) {
    const at = scope.indexOf(':');
    const [k, v] = [scope.slice(0, at), scope.slice(at + 1)];
    if (mix.requests.some((r) => r.tags[k] === v)) continue;
    const available = [
      ...new Set(
        mix.requests.flatMap((r) =>
          Object.entries(r.tags)
            .filter(([t]) => t !== 'method')
            .map(([t, val]) => `${t}:${val}`),
        ),
      ),
    ];
    problems.push({
      path: '--criteria',
      message: `no request of the ${mix.source} carries ${scope}, so that gate could never be decided; tags in the mix: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', ...' : ''}`,
    });
  }
  return problems;
}
