/**
 * Load profiles: the typed declaration, loading (JSON, env substitution), and validation that collects
 * every problem (schema, durations, executor fields, thresholds, tag filters) before anything runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childPath, substituteEnv } from '../config/env.js';
import { headProblems } from './wire/encode.js';
import { compileDocumentSchema, toDiagnostics } from '../config/schema-diagnostics.js';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import { parseDurationMs, parseThresholds, type MetricCatalog, type Threshold, type ThresholdInput } from '../thresholds/threshold.js';
import { checkJsonDepth, isDirectoryError } from '../core/input-json.js';

export type Executor = 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';

/** One request of a scenario's weighted mix. */
export interface RequestSpec {
  /** Tag `name`; default `METHOD path`. */
  name?: string;
  method?: string;
  /** Path and query, relative to the base URL. */
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Relative weight in the mix (integer, default 1). */
  weight?: number;
  /** Extra tags for tag-scoped thresholds (`http_req_duration{endpoint:health}`). */
  tags?: Record<string, string>;
}

export interface StageSpec {
  duration: string;
  target: number;
}

export interface ScenarioSpec {
  executor: Executor;
  /** constant-arrival-rate: arrivals per `timeUnit`. */
  rate?: number;
  /** ramping-arrival-rate: arrivals per `timeUnit` at the start. */
  startRate?: number;
  /** Default 1s. */
  timeUnit?: string;
  /** ramping-arrival-rate: linear ramps to `target` arrivals per `timeUnit`. */
  stages?: StageSpec[];
  /** constant-vus: closed-loop virtual users. */
  vus?: number;
  duration?: string;
  startTime?: string;
  /** Arrival-rate executors: in-flight cap (k6 maxVUs); default 100. */
  maxInFlight?: number;
  gracefulStop?: string;
  requests: RequestSpec[];
}

export interface BaselineCriteria {
  /** Latency statistics compared relative to the baseline. Default [{ stat: 'p(95)', maxIncreasePct: 20 }]. */
  latency?: Array<{ stat: string; maxIncreasePct: number }>;
  /** Error-rate increase allowed, in percentage points. Default 0.5. */
  errorRateMaxIncreasePts?: number;
  /** Latency differences below this many ms never fail. Default 1. */
  minDeltaMs?: number;
}

export interface LoadProfile {
  $schema?: string;
  name: string;
  description?: string;
  allowedHosts?: string[];
  headers?: Record<string, string>;
  timeout?: string;
  scenarios: Record<string, ScenarioSpec>;
  thresholds: Record<string, ThresholdInput[]>;
  baseline?: BaselineCriteria;
}

/** The metrics `revgate load` measures, by k6 name, with their k6 types. */
export const LOAD_METRICS: MetricCatalog = {
  http_req_duration: 'trend',
  http_req_failed: 'rate',
  http_reqs: 'counter',
  iterations: 'counter',
  dropped_iterations: 'counter',
  data_received: 'counter',
  data_sent: 'counter',
  vus: 'gauge',
  vus_max: 'gauge',
  revgate_late_starts: 'counter',
};
/** Metrics that can be narrowed by request tags (the others are run-wide). */
const TAGGABLE = new Set(['http_req_duration', 'http_req_failed', 'http_reqs']);

export const LIMITS = { maxDurationMs: 3_600_000, maxTimeoutMs: 120_000, defaultTimeoutMs: 10_000, defaultMaxInFlight: 100 } as const;

export interface LoadedProfile {
  file: string;
  profile: LoadProfile;
  thresholds: Threshold[];
  timeoutMs: number;
  /** Env vars referenced by the profile (their values are secrets in reports when used in headers). */
  referencedEnv: string[];
}

const SCHEMA_FILE = fileURLToPath(new URL('../../schemas/load-profile.schema.json', import.meta.url));
let validator: ReturnType<typeof compileDocumentSchema> | undefined;

/** Reads, substitutes `${ENV}` in headers, and validates a profile; throws ConfigInvalid (exit 3) with every problem. */
export function loadProfile(file: string, env: Record<string, string | undefined>): LoadedProfile {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isDirectoryError(err))
      throw new RevgateError(ErrorCodes.Usage, `load profile ${display} is a directory: give a profile file, e.g. load/profiles/sandbox-smoke.json`);
    throw new RevgateError(ErrorCodes.ConfigNotFound, `load profile not found: ${display}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RevgateError(ErrorCodes.LoadProfileInvalid, `load profile ${display} is not valid JSON: ${(err as Error).message}`);
  }
  checkJsonDepth(raw, `load profile ${display}`);
  return validateProfile(raw, env, display);
}

/** Header names and values, paths and methods the engine could not put on the wire as-is (wire/encode.ts). */
function checkRequestHeads(profile: LoadProfile, problems: Diagnostic[]): void {
  for (const p of headProblems({ method: 'GET', path: '/', headers: profile.headers ?? {} })) problems.push({ path: `$.${p.at}`, message: p.message });
  for (const [name, s] of Object.entries(profile.scenarios)) {
    s.requests.forEach((r, i) => {
      const at = `${childPath(childPath('$.scenarios', name), 'requests')}[${i}]`;
      for (const p of headProblems({ method: requestTags(name, r).method as string, path: r.path, headers: r.headers ?? {} }))
        problems.push({ path: `${at}.${p.at}`, message: p.message });
    });
  }
}

export function validateProfile(raw: unknown, env: Record<string, string | undefined>, display = 'profile'): LoadedProfile {
  validator ??= compileDocumentSchema(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  const fail = (problems: Diagnostic[]): never => {
    throw new RevgateError(
      ErrorCodes.LoadProfileInvalid,
      `load profile ${display} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems.map((p) => ({ ...p, file: display })),
      { schema: 'schemas/load-profile.schema.json' },
    );
  };
  if (!validator(raw)) fail(toDiagnostics(validator.errors));
  const parsed = raw as LoadProfile;
  // Only headers take ${ENV}: a token in a header is the common case, and nothing else needs it.
  const problems: Diagnostic[] = [];
  const referenced: string[] = [];
  const sub = <T>(v: T, at: string): T => {
    const r = substituteEnv(v, env, at);
    problems.push(...r.diagnostics);
    referenced.push(...r.referenced);
    return r.value;
  };
  const profile: LoadProfile = {
    ...parsed,
    ...(parsed.headers ? { headers: sub(parsed.headers, '$.headers') } : {}),
    scenarios: Object.fromEntries(
      Object.entries(parsed.scenarios).map(([name, s]) => [
        name,
        {
          ...s,
          requests: s.requests.map((r, i) =>
            r.headers ? { ...r, headers: sub(r.headers, `${childPath(childPath('$.scenarios', name), 'requests')}[${i}].headers`) } : r,
          ),
        },
      ]),
    ),
  };

  const timeoutMs = checkDuration(profile.timeout, '$.timeout', problems) ?? LIMITS.defaultTimeoutMs;
  if (timeoutMs > LIMITS.maxTimeoutMs) problems.push({ path: '$.timeout', message: `must be at most ${LIMITS.maxTimeoutMs / 1000}s` });
  for (const [name, s] of Object.entries(profile.scenarios)) checkScenario(s, childPath('$.scenarios', name), problems);

  const { thresholds, problems: thresholdProblems } = parseThresholds(profile.thresholds, LOAD_METRICS);
  problems.push(...thresholdProblems);
  checkTagFilters(profile, thresholds, problems);
  checkRequestHeads(profile, problems);
  if (thresholds.length === 0 && thresholdProblems.length === 0)
    problems.push({ path: '$.thresholds', message: 'declare at least one threshold: a load run without criteria cannot pass or fail' });
  if (problems.length) fail(problems);
  return { file: display, profile, thresholds, timeoutMs, referencedEnv: [...new Set(referenced)] };
}

function checkDuration(value: string | undefined, at: string, problems: Diagnostic[], allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined || (!allowZero && ms <= 0)) {
    problems.push({ path: at, message: `"${value}" is not a ${allowZero ? '' : 'positive '}duration: use a number with ms, s, m or h, e.g. 30s` });
    return undefined;
  }
  return ms;
}

function checkScenario(s: ScenarioSpec, at: string, problems: Diagnostic[]): void {
  const need = (field: keyof ScenarioSpec, why: string): void => {
    if (s[field] === undefined) problems.push({ path: childPath(at, field), message: `is required for ${s.executor} (${why})` });
  };
  const notFor = (fields: Array<keyof ScenarioSpec>): void => {
    for (const f of fields) if (s[f] !== undefined) problems.push({ path: childPath(at, f), message: `does not apply to ${s.executor}` });
  };
  checkDuration(s.timeUnit, childPath(at, 'timeUnit'), problems);
  checkDuration(s.gracefulStop, childPath(at, 'gracefulStop'), problems, true);
  const start = checkDuration(s.startTime, childPath(at, 'startTime'), problems, true) ?? 0;
  let length = 0;
  switch (s.executor) {
    case 'constant-arrival-rate':
      need('rate', 'arrivals per timeUnit');
      need('duration', 'how long to run');
      notFor(['stages', 'startRate', 'vus']);
      length = checkDuration(s.duration, childPath(at, 'duration'), problems) ?? 0;
      break;
    case 'ramping-arrival-rate':
      need('stages', 'the ramps');
      notFor(['rate', 'duration', 'vus']);
      (s.stages ?? []).forEach((st, i) => (length += checkDuration(st.duration, `${childPath(at, 'stages')}[${i}].duration`, problems) ?? 0));
      if (s.stages && s.stages.every((st) => st.target === 0) && !s.startRate)
        problems.push({ path: childPath(at, 'stages'), message: 'every stage targets 0 arrivals and startRate is 0: the scenario would send nothing' });
      break;
    case 'constant-vus':
      need('vus', 'concurrent virtual users');
      need('duration', 'how long to run');
      notFor(['rate', 'startRate', 'stages', 'timeUnit', 'maxInFlight']);
      length = checkDuration(s.duration, childPath(at, 'duration'), problems) ?? 0;
      break;
  }
  if (start + length > LIMITS.maxDurationMs)
    problems.push({ path: at, message: `startTime + duration is ${(start + length) / 1000}s; a load run is bounded to ${LIMITS.maxDurationMs / 1000}s` });
}

/** Tags a request carries statically: name, method, scenario and its own tags. */
export function requestTags(scenario: string, r: RequestSpec): Record<string, string> {
  const method = (r.method ?? 'GET').toUpperCase();
  return { ...(r.tags ?? {}), name: r.name ?? `${method} ${r.path}`, method, scenario };
}

function checkTagFilters(profile: LoadProfile, thresholds: Threshold[], problems: Diagnostic[]): void {
  const all = Object.entries(profile.scenarios).flatMap(([name, s]) => s.requests.map((r) => requestTags(name, r)));
  for (const t of thresholds) {
    if (t.tags.length === 0) continue;
    const at = `$.thresholds[${JSON.stringify(t.metricKey)}]`;
    if (!TAGGABLE.has(t.metric)) {
      problems.push({ path: at, message: `${t.metric} is run-wide and cannot be filtered by tags; tag filters apply to ${[...TAGGABLE].join(', ')}` });
      continue;
    }
    const staticTags = t.tags.filter(([k]) => k !== 'expected_response');
    const er = t.tags.find(([k]) => k === 'expected_response');
    if (er && er[1] !== 'true' && er[1] !== 'false') problems.push({ path: at, message: 'expected_response must be true or false' });
    if (staticTags.length && !all.some((tags) => staticTags.every(([k, v]) => tags[k] === v))) {
      problems.push({
        path: at,
        message: `no request matches {${staticTags.map(([k, v]) => `${k}:${v}`).join(',')}}; tags available: name, method, scenario${collectTagNames(all)}`,
      });
    }
  }
}

function collectTagNames(all: Array<Record<string, string>>): string {
  const names = new Set(all.flatMap((t) => Object.keys(t)).filter((k) => !['name', 'method', 'scenario'].includes(k)));
  return names.size ? `, ${[...names].join(', ')}` : '';
}
