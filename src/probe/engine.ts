/**
 * Provider: sends the plan's requests over one undici Agent (keep-alive, bounded concurrency) and returns
 * what was observed. Never throws for a target: refused connections, timeouts and 5xx are measurements.
 * The hot loop only records into preallocated slots; evaluation happens afterwards (as autocannon does).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type { HttpMeasurement } from '../evaluate/types.js';
import { classifyNetError } from '../http/classify.js';
import { VERSION } from '../core/version.js';
import type { KeyResolution } from './keys.js';
import type { Probe, ProbeRequest } from './types.js';

export interface Exchange {
  measurement: HttpMeasurement;
  /** The gateway answered 429 first. `retried`: Retry-After was honoured once and the request sent again. */
  rateLimited?: { retryAfterMs?: number; retried: boolean; why?: string };
}

export interface ProbeOutcome {
  /** health: `main`; isolation: `cross` (own key, other tenant's id) and `anonymous` (no key). */
  main?: Exchange;
  cross?: Exchange;
  anonymous?: Exchange;
  /** Why requests needing this tenant's key were not sent. */
  keyProblem?: string;
  /** Why this probe's requests were not (all) sent although the key was there: the run was interrupted. */
  notSent?: string;
}

export interface EngineOptions {
  keys: ReadonlyMap<string, KeyResolution>;
  /** Max requests per tenant key in this run (its share of the tier's rate limit). */
  budgets: ReadonlyMap<string, number>;
  concurrency: number;
  timeoutMs: number;
  /** A Retry-After longer than this is not waited for (the probe reports rate-limited). */
  maxRetryWaitMs: number;
  maxBodyBytes?: number;
  /** Extra CA certificates (PEM) to trust; TLS verification is never turned off. */
  ca?: string;
  /** Aborting stops sending: requests in flight finish, the rest are marked not sent. */
  signal?: AbortSignal;
}

type Slot = 'main' | 'cross' | 'anonymous';
interface Job {
  index: number;
  slot: Slot;
  request: ProbeRequest;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

export async function runProbes(probes: readonly Probe[], options: EngineOptions): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = probes.map(() => ({}));
  const jobs: Job[] = [];
  const keyless: Job[] = [];
  probes.forEach((p, index) => {
    const key = options.keys.get(p.tenant);
    if (key && !key.ok) outcomes[index]!.keyProblem = key.reason;
    const keyOk = key?.ok === true;
    if (p.kind === 'health') {
      if (keyOk) jobs.push({ index, slot: 'main', request: p.request });
    } else {
      if (keyOk) jobs.push({ index, slot: 'cross', request: p.cross });
      // No key is needed to check that a keyless request is refused.
      keyless.push({ index, slot: 'anonymous', request: p.anonymous });
    }
  });
  // Keyless probes go first: only their status is judged, so they absorb the cold start (connections,
  // JIT) that would otherwise show up as latency on the first health probes.
  jobs.unshift(...keyless);

  const agent = new Agent({
    connections: Math.max(1, options.concurrency),
    keepAliveTimeout: 10_000,
    connect: { timeout: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) },
  });
  const used = new Map<string, number>();
  const spend = (tenant: string): boolean => {
    const n = used.get(tenant) ?? 0;
    if (n >= (options.budgets.get(tenant) ?? Infinity)) return false;
    used.set(tenant, n + 1);
    return true;
  };
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;

  const exchange = async (request: ProbeRequest): Promise<Exchange> => {
    const key = request.key === 'own' ? options.keys.get(request.keyTenant) : undefined;
    const secret = key?.ok ? key.key : undefined;
    if (request.key === 'own') spend(request.keyTenant);
    const first = await send(agent, request, secret, options.timeoutMs, maxBody);
    if (first.response?.status !== 429) return { measurement: first };
    const retryAfterMs = parseRetryAfter(first.response.headers['retry-after']);
    if (retryAfterMs === undefined || retryAfterMs > options.maxRetryWaitMs) {
      const why =
        retryAfterMs === undefined
          ? 'no usable Retry-After'
          : `Retry-After ${Math.ceil(retryAfterMs / 1000)} s is longer than the ${Math.round(options.maxRetryWaitMs / 1000)} s revgate waits`;
      return { measurement: first, rateLimited: { ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), retried: false, why } };
    }
    if (request.key === 'own' && !spend(request.keyTenant))
      return { measurement: first, rateLimited: { retryAfterMs, retried: false, why: 'the probe budget of this tenant is spent' } };
    await sleep(retryAfterMs);
    return { measurement: await send(agent, request, secret, options.timeoutMs, maxBody), rateLimited: { retryAfterMs, retried: true } };
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !options.signal?.aborted) {
      const job = jobs[next++] as Job;
      outcomes[job.index]![job.slot] = await exchange(job.request);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, Math.max(1, jobs.length)) }, worker));
  } finally {
    await agent.close().catch(() => undefined);
  }
  if (options.signal?.aborted) {
    for (let i = next; i < jobs.length; i++) outcomes[(jobs[i] as Job).index]!.notSent ??= 'not sent: the run was interrupted (SIGINT)';
  }
  return outcomes;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unusable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

async function send(agent: Agent, r: ProbeRequest, key: string | undefined, timeoutMs: number, maxBody: number): Promise<HttpMeasurement> {
  const base = { kind: 'http' as const, method: r.method, url: r.url };
  const started = performance.now();
  const headers: Record<string, string> = { 'x-tenant-id': r.tenantHeader, accept: 'application/json', 'user-agent': `revgate-probe/${VERSION}` };
  if (key !== undefined) headers['ocp-apim-subscription-key'] = key;
  try {
    const u = new URL(r.url);
    const res = await agent.request({
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      method: r.method,
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBody) {
        res.body.destroy();
        return { ...base, durationMs: performance.now() - started, error: { kind: 'body-too-large', message: `more than ${maxBody} bytes` } };
      }
      chunks.push(chunk);
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers))
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    const body = Buffer.concat(chunks);
    return {
      ...base,
      durationMs: performance.now() - started,
      response: { status: res.statusCode, headers: flat, bodyText: body.toString('utf8'), bodyBytes: body.length },
    };
  } catch (err) {
    const durationMs = performance.now() - started;
    if ((err as Error)?.name === 'TimeoutError') return { ...base, durationMs, error: { kind: 'timeout', message: `no response within ${timeoutMs} ms` } };
    return { ...base, durationMs, error: classifyNetError(err) };
  }
}
