/**
 * Compiles a validated profile and a base URL into the engine's plan: arrival schedules, weighted
 * request cycles, prebuilt request options, and the sub-metric groups tag-scoped thresholds need.
 */
import { childPath } from '../config/env.js';
import { ErrorCodes, RevgateError } from '../core/errors.js';
import { parseDurationMs, type Threshold } from '../thresholds/threshold.js';
import type { EnginePlan, PlannedRequest, PlannedScenario } from './engine.js';
import { requestTags, type LoadedProfile, type RequestSpec } from './profile.js';
import { constantRate, rampingRate } from './schedule.js';
import { encodeRequest, headProblems } from './wire/encode.js';

/**
 * Extension point for per-request headers computed at plan time (never per request): tenant headers
 * from a catalog, auth from a token provider. Returned headers override the profile's.
 */
export type RequestHeaderProvider = (request: RequestSpec, scenario: string) => Record<string, string>;

export interface PlanOptions {
  baseUrl: string;
  /** Origin per scenario (e.g. baseline vs canary); default: every scenario to baseUrl. */
  originFor?: (scenario: string) => string;
  headers?: RequestHeaderProvider;
  ca?: string;
  userAgent?: string;
}

/** Static tag filter of a threshold (everything but expected_response): the group it reads. */
export function groupKeyOf(t: Pick<Threshold, 'tags'>): string {
  const statics = t.tags.filter(([k]) => k !== 'expected_response');
  return statics.map(([k, v]) => `${k}:${v}`).join(',');
}

/** Smooth weighted round-robin (nginx): weights 3,1 -> a a b a, interleaved instead of a a a b. */
export function weightedCycle(weights: readonly number[]): Int32Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const out = new Int32Array(total);
  for (let k = 0; k < total; k++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] = (current[i] as number) + (weights[i] as number);
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - total;
    out[k] = best;
  }
  return out;
}

export function buildPlan(loaded: LoadedProfile, options: PlanOptions): EnginePlan {
  const { profile } = loaded;
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/$/, '');
  const groupKeys = [''];
  for (const t of loaded.thresholds) {
    const key = groupKeyOf(t);
    if (key && !groupKeys.includes(key)) groupKeys.push(key);
  }
  const groupFilters = groupKeys.map((k) => (k ? k.split(',').map((kv) => kv.split(':') as [string, string]) : []));

  const requests: PlannedRequest[] = [];
  const scenarios: PlannedScenario[] = [];
  for (const [name, s] of Object.entries(profile.scenarios)) {
    const origin = options.originFor ? new URL(options.originFor(name)).origin : base.origin;
    const host = new URL(origin).host;
    const indices: number[] = [];
    for (const r of s.requests) {
      const tags = requestTags(name, r);
      const headers: Record<string, string> = {
        'user-agent': options.userAgent ?? 'revgate-load',
        ...(profile.headers ?? {}),
        ...(r.headers ?? {}),
        ...(options.headers?.(r, name) ?? {}),
      };
      let body: string | undefined;
      if (r.body !== undefined) {
        body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = typeof r.body === 'string' ? 'text/plain' : 'application/json';
      }
      const groups = groupFilters.flatMap((f, g) => (f.every(([k, v]) => tags[k] === v) ? [g] : []));
      const method = tags.method as string;
      const path = basePath + r.path;
      const problems = headProblems({ method, path, headers });
      if (problems.length) {
        const at = `${childPath(childPath('$.scenarios', name), 'requests')}[${s.requests.indexOf(r)}]`;
        throw new RevgateError(
          ErrorCodes.LoadProfileInvalid,
          `load request ${tags.name} cannot be sent`,
          problems.map((p) => ({ path: `${at}.${p.at}`, message: p.message })),
        );
      }
      const wire = encodeRequest({ method, path, headers }, host, body !== undefined ? Buffer.from(body) : undefined);
      indices.push(requests.length);
      requests.push({ method, path, headers, ...(body !== undefined ? { body } : {}), wire, groups: Int32Array.from(groups), bytesOut: wire.length });
    }
    const cycle = weightedCycle(s.requests.map((r) => r.weight ?? 1)).map((i) => indices[i] as number);
    const timeUnitMs = parseDurationMs(s.timeUnit ?? '1s') as number;
    const startMs = parseDurationMs(s.startTime ?? '0s') ?? 0;
    // Default grace: long enough for every in-flight request to finish or time out on its own.
    const gracefulStopMs = s.gracefulStop !== undefined ? (parseDurationMs(s.gracefulStop) as number) : loaded.timeoutMs + 500;
    const common = { name, origin, startMs, gracefulStopMs, cycle };
    if (s.executor === 'constant-vus') {
      scenarios.push({ ...common, executor: s.executor, durationMs: parseDurationMs(s.duration as string) as number, slots: s.vus as number });
    } else if (s.executor === 'constant-arrival-rate') {
      const durationMs = parseDurationMs(s.duration as string) as number;
      scenarios.push({
        ...common,
        executor: s.executor,
        durationMs,
        slots: s.maxInFlight ?? 100,
        schedule: constantRate(s.rate as number, timeUnitMs, durationMs),
      });
    } else {
      const stages = (s.stages ?? []).map((st) => ({ durationMs: parseDurationMs(st.duration) as number, target: st.target }));
      scenarios.push({
        ...common,
        executor: s.executor,
        durationMs: stages.reduce((n, st) => n + st.durationMs, 0),
        slots: s.maxInFlight ?? 100,
        schedule: rampingRate(s.startRate ?? 0, timeUnitMs, stages),
      });
    }
  }
  return { timeoutMs: loaded.timeoutMs, groups: groupKeys, requests, scenarios, ...(options.ca ? { ca: options.ca } : {}) };
}

/** The highest rate any scenario plans, in requests per second (for the console line and safety). */
export function peakRatePerSecond(loaded: LoadedProfile): number {
  let peak = 0;
  for (const s of Object.values(loaded.profile.scenarios)) {
    const unit = (parseDurationMs(s.timeUnit ?? '1s') as number) / 1000;
    const rates =
      s.executor === 'constant-arrival-rate'
        ? [s.rate ?? 0]
        : s.executor === 'ramping-arrival-rate'
          ? [s.startRate ?? 0, ...(s.stages ?? []).map((st) => st.target)]
          : [];
    for (const r of rates) peak = Math.max(peak, r / unit);
  }
  return peak;
}
