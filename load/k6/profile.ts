/**
 * Runs a revgate load profile (load/profiles/*.json) with k6's native executors and thresholds, so the
 * same workload scales out to k6, k6-operator or Grafana Cloud k6. Type-checked against @types/k6
 * (tsconfig.k6.json, part of `npm run typecheck`).
 *
 *   k6 run -e REVGATE_PROFILE=load/profiles/sandbox-smoke.json -e REVGATE_BASE_URL=http://127.0.0.1:8080 load/k6/profile.ts
 *
 * Env: REVGATE_PROFILE (path, resolved from this script's folder when relative), REVGATE_BASE_URL,
 * REVGATE_SUMMARY (write k6's end-of-test summary JSON there; `revgate load --engine k6` reads it).
 * `${VAR}` in headers is taken from k6's -e variables or the environment, as in revgate.
 */
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter } from 'k6/metrics';
import type { Options, Scenario } from 'k6/options';

interface RequestSpec {
  name?: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  weight?: number;
  tags?: Record<string, string>;
}
interface ScenarioSpec {
  executor: 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';
  rate?: number;
  startRate?: number;
  timeUnit?: string;
  stages?: Array<{ duration: string; target: number }>;
  vus?: number;
  duration?: string;
  startTime?: string;
  maxInFlight?: number;
  gracefulStop?: string;
  requests: RequestSpec[];
}
interface Profile {
  name: string;
  headers?: Record<string, string>;
  timeout?: string;
  scenarios: Record<string, ScenarioSpec>;
  thresholds: Record<string, Array<string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string }>>;
}

const profileFile = __ENV.REVGATE_PROFILE;
if (!profileFile) throw new Error('set REVGATE_PROFILE to a load profile JSON file (k6 run -e REVGATE_PROFILE=...)');
const baseUrl = (__ENV.REVGATE_BASE_URL ?? '').replace(/\/$/, '');
if (!baseUrl) throw new Error('set REVGATE_BASE_URL to the revision URL (k6 run -e REVGATE_BASE_URL=...)');
const profile = JSON.parse(open(profileFile)) as Profile;

// Exists so thresholds written for the embedded engine parse under k6 too (k6 never starts late: always 0).
const lateStarts = new Counter('revgate_late_starts');

function substitute(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {}))
    out[k] = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, dflt?: string) => __ENV[name] ?? dflt ?? '');
  return out;
}

/** Smooth weighted round-robin, the same interleaving as revgate's engine (src/load/plan.ts). */
function weightedCycle(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const out: number[] = [];
  for (let k = 0; k < total; k++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] = (current[i] ?? 0) + (weights[i] ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    out.push(best);
  }
  return out;
}

function toK6Scenario(s: ScenarioSpec): Scenario {
  const common = { exec: 'run', ...(s.startTime ? { startTime: s.startTime } : {}), ...(s.gracefulStop ? { gracefulStop: s.gracefulStop } : {}) };
  const vus = s.maxInFlight ?? 100;
  switch (s.executor) {
    case 'constant-arrival-rate':
      return {
        ...common,
        executor: 'constant-arrival-rate',
        rate: s.rate ?? 1,
        timeUnit: s.timeUnit ?? '1s',
        duration: s.duration ?? '1s',
        preAllocatedVUs: vus,
        maxVUs: vus,
      };
    case 'ramping-arrival-rate':
      return {
        ...common,
        executor: 'ramping-arrival-rate',
        startRate: s.startRate ?? 0,
        timeUnit: s.timeUnit ?? '1s',
        stages: s.stages ?? [],
        preAllocatedVUs: vus,
        maxVUs: vus,
      };
    case 'constant-vus':
      return { ...common, executor: 'constant-vus', vus: s.vus ?? 1, duration: s.duration ?? '1s' };
  }
}

export const options: Options = {
  scenarios: Object.fromEntries(Object.entries(profile.scenarios).map(([name, s]) => [name, toK6Scenario(s)])),
  thresholds: profile.thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

const prepared = Object.fromEntries(
  Object.entries(profile.scenarios).map(([name, s]) => {
    const requests = s.requests.map((r) => {
      const method = (r.method ?? 'GET').toUpperCase();
      const headers = { ...substitute(profile.headers), ...substitute(r.headers) };
      let body: string | null = null;
      if (r.body !== undefined) {
        body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = typeof r.body === 'string' ? 'text/plain' : 'application/json';
      }
      return {
        method,
        url: baseUrl + r.path,
        body,
        params: { headers, tags: { ...(r.tags ?? {}), name: r.name ?? `${method} ${r.path}` }, timeout: profile.timeout ?? '10s' },
      };
    });
    return [name, { requests, cycle: weightedCycle(s.requests.map((r) => r.weight ?? 1)) }];
  }),
);

/** One iteration = one request of the scenario's weighted mix, as in the embedded engine. */
export function run(): void {
  const scenario = prepared[exec.scenario.name];
  if (!scenario) return;
  const pick = scenario.cycle[exec.scenario.iterationInTest % scenario.cycle.length] ?? 0;
  const r = scenario.requests[pick];
  if (r) http.request(r.method, r.url, r.body, r.params);
  lateStarts.add(0);
}

export default run;

export function handleSummary(data: Record<string, unknown>): Record<string, string> {
  const out = __ENV.REVGATE_SUMMARY;
  const line = `revgate profile ${profile.name}: summary ${out ? `written to ${out}` : 'not written (set REVGATE_SUMMARY)'}\n`;
  return out ? { [out]: JSON.stringify(data, null, 2), stdout: line } : { stdout: line };
}
