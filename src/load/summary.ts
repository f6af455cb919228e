/**
 * Turns the engine's recorder into (1) metric views the threshold evaluator reads and (2) a summary in
 * the shape of k6's end-of-test summary (handleSummary's `data`: `root_group`, `options`, `state` and
 * `metrics.<name>.{type,contains,values,thresholds}`), so tools built for k6 summaries (k6-reporter and the
 * like) read revgate's too; test/fixtures/k6/ holds a real k6 sample the tests compare with. Runs after the
 * engine, never per request.
 */
import { createHash } from 'node:crypto';
import type { Aggregation, MetricType, Threshold } from '../thresholds/threshold.js';
import { evaluateThreshold, type MetricLookup, type MetricView } from '../thresholds/evaluate-thresholds.js';
import { groupKeyOf } from './plan.js';
import { newHistogram, type Histogram } from '../traffic/histogram.js';
import { NET_ERROR_KINDS, type Recorder } from './recorder.js';
import type { EngineResult } from './engine.js';
import { latencyValue, type Lateness } from './lateness.js';

export interface K6MetricSummary {
  type: MetricType;
  contains: 'time' | 'data' | 'default';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** A k6 check as handleSummary's `data.root_group` lists it: `id` is the MD5 of `path`. */
export interface K6Check {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

/** A k6 group (the root one has name and path ""): nested groups and checks are arrays. */
export interface K6Group {
  name: string;
  path: string;
  id: string;
  groups: K6Group[];
  checks: K6Check[];
}

export interface LoadSummary {
  /** k6's summary fields. */
  root_group: K6Group;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: false; isStdErrTTY: false; testRunDurationMs: number };
  metrics: Record<string, K6MetricSummary>;
  /** revgate's additions; k6 tools ignore unknown top-level keys. */
  revgate: {
    engine: 'embedded' | 'k6';
    partial: boolean;
    stopReason: string;
    stopDetail?: string;
    statusClasses: Record<string, number>;
    errorsByKind: Record<string, number>;
    errorSamples: Record<string, string>;
    perSecond: { requests: number[]; failed: number[]; dropped: number[]; late?: number[]; p50Ms: number[]; p95Ms: number[]; p99Ms: number[] };
  };
}

/**
 * A trend view over an HDR histogram recorded in microseconds, reported in ms as k6 does. Given the
 * generator's lateness, every value is the lowest the target itself could have caused (lateness.ts).
 */
export function trendView(h: Histogram, lateness?: Lateness): MetricView {
  return { type: 'trend', samples: h.totalCount, unit: 'ms', get: (a: Aggregation) => latencyValue(h, a, lateness) };
}

export function rateView(passes: number, total: number): MetricView {
  return { type: 'rate', samples: total, get: (a) => (a.name === 'rate' && total > 0 ? passes / total : undefined) };
}

export function counterView(count: number, seconds: number): MetricView {
  return { type: 'counter', samples: count, get: (a) => (a.name === 'count' ? count : a.name === 'rate' ? (seconds > 0 ? count / seconds : 0) : undefined) };
}

export function gaugeView(value: number): MetricView {
  return { type: 'gauge', samples: 1, get: (a) => (a.name === 'value' ? value : undefined) };
}

/** A group's latency histogram for expected responses, failed ones, or both (merged here, once). */
function groupHistogram(recorder: Recorder, key: string, which: 'ok' | 'bad' | 'all'): Histogram {
  const g = recorder.groups.find((x) => x.key === key);
  const h = newHistogram();
  if (!g) return h;
  if (which !== 'bad') h.add(g.ok);
  if (which !== 'ok') h.add(g.bad);
  return h;
}

/**
 * Metric lookup over a finished (or running) recorder: thresholds, abortOnFail and the summary all read through it.
 * With `lateness`, latency values are lower bounds that allow for the generator's late starts.
 */
export function recorderLookup(recorder: Recorder, elapsedMs: number, slots: number, lateness?: Lateness): MetricLookup {
  const seconds = elapsedMs / 1000;
  const cache = new Map<string, MetricView | undefined>();
  const build = (metricKey: string): MetricView | undefined => {
    const open = metricKey.indexOf('{');
    const metric = open < 0 ? metricKey : metricKey.slice(0, open);
    const tags: Array<[string, string]> =
      open < 0
        ? []
        : metricKey
            .slice(open + 1, -1)
            .split(',')
            .map((kv) => kv.split(':').map((s) => s.trim()) as [string, string]);
    const group = groupKeyOf({ tags });
    const er = tags.find(([k]) => k === 'expected_response')?.[1];
    const g = recorder.groups.find((x) => x.key === group);
    if (!g) return undefined;
    switch (metric) {
      case 'http_req_duration':
        return trendView(groupHistogram(recorder, group, er === 'true' ? 'ok' : er === 'false' ? 'bad' : 'all'), lateness);
      case 'http_req_failed':
        return er === undefined ? rateView(g.failed, g.requests) : er === 'true' ? rateView(0, g.requests - g.failed) : rateView(g.failed, g.failed);
      case 'http_reqs':
        return counterView(er === 'true' ? g.requests - g.failed : er === 'false' ? g.failed : g.requests, seconds);
      case 'iterations':
        return counterView(recorder.iterations, seconds);
      case 'dropped_iterations':
        return counterView(recorder.dropped, seconds);
      case 'data_received':
        return counterView(recorder.bytesIn, seconds);
      case 'data_sent':
        return counterView(recorder.bytesOut, seconds);
      case 'revgate_late_starts':
        return counterView(recorder.lateStarts, seconds);
      case 'http_req_retries':
        return counterView(recorder.retries, seconds);
      case 'vus':
        return gaugeView(recorder.maxInFlight);
      case 'vus_max':
        return gaugeView(slots);
      default:
        return undefined;
    }
  };
  return (key) => {
    if (!cache.has(key)) cache.set(key, build(key));
    return cache.get(key);
  };
}

const TREND_STATS: Aggregation[] = [
  { name: 'avg' },
  { name: 'min' },
  { name: 'med' },
  { name: 'max' },
  { name: 'p', p: 90 },
  { name: 'p', p: 95 },
  { name: 'p', p: 99 },
];

function valuesOf(view: MetricView, extra: Aggregation[]): Record<string, number> {
  const values: Record<string, number> = {};
  const put = (label: string, a: Aggregation): void => {
    const v = view.get(a);
    if (v !== undefined) values[label] = Math.round(v * 1000) / 1000;
  };
  switch (view.type) {
    case 'trend':
      for (const a of [...TREND_STATS, ...extra]) put(statLabel(a), a);
      break;
    case 'rate': {
      const rate = view.get({ name: 'rate' }) ?? 0;
      values.rate = rate;
      values.passes = Math.round(rate * view.samples);
      values.fails = view.samples - values.passes;
      break;
    }
    case 'counter':
      put('count', { name: 'count' });
      put('rate', { name: 'rate' });
      break;
    case 'gauge':
      put('value', { name: 'value' });
      values.min = values.value ?? 0;
      values.max = values.value ?? 0;
      break;
  }
  return values;
}

const statLabel = (a: Aggregation): string => (a.name === 'p' ? `p(${a.p})` : a.name);
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The name of the one check the embedded engine makes of every response: k6's definition of a failed request, inverted. */
export const EXPECTED_RESPONSE_CHECK = 'response is expected (not counted in http_req_failed)';

/**
 * k6's root group: a profile has no group() blocks, and the one check made of every response is whether it was
 * expected (a status below 400 and not a network error, as http_req_failed counts).
 */
function rootGroup(requests: number, failed: number): K6Group {
  const path = `::${EXPECTED_RESPONSE_CHECK}`;
  return {
    name: '',
    path: '',
    id: md5(''),
    groups: [],
    checks: requests > 0 ? [{ name: EXPECTED_RESPONSE_CHECK, path, id: md5(path), passes: requests - failed, fails: failed }] : [],
  };
}

const CONTAINS: Record<string, K6MetricSummary['contains']> = { http_req_duration: 'time', data_received: 'data', data_sent: 'data' };
const BASE_METRICS = [
  'http_req_duration',
  'http_req_failed',
  'http_reqs',
  'iterations',
  'dropped_iterations',
  'data_received',
  'data_sent',
  'vus',
  'vus_max',
  'revgate_late_starts',
  'http_req_retries',
];

/** The k6-shaped summary, with each threshold's outcome under its metric (as k6 writes it). */
export function buildSummary(result: EngineResult, thresholds: readonly Threshold[], partial: boolean): LoadSummary {
  const r = result.recorder;
  const lookup = recorderLookup(r, result.durationMs, result.slots);
  const metrics: Record<string, K6MetricSummary> = {};
  const keys = [...BASE_METRICS, ...thresholds.map((t) => t.metricKey).filter((k) => !BASE_METRICS.includes(k))];
  // Every trend carries every stat `options.summaryTrendStats` names (as in k6): the defaults and each percentile a threshold asks for.
  const extra: Aggregation[] = [];
  for (const t of thresholds)
    if (t.aggregation.name === 'p' && ![...TREND_STATS, ...extra].some((a) => statLabel(a) === statLabel(t.aggregation))) extra.push(t.aggregation);
  for (const key of keys) {
    const view = lookup(key);
    if (!view) continue;
    metrics[key] = { type: view.type, contains: CONTAINS[key.split('{')[0] as string] ?? 'default', values: valuesOf(view, extra) };
  }
  const all = r.groups[0];
  const requests = all?.requests ?? 0;
  const failed = all?.failed ?? 0;
  if (requests > 0)
    metrics.checks = { type: 'rate', contains: 'default', values: { rate: (requests - failed) / requests, passes: requests - failed, fails: failed } };
  for (const t of thresholds) {
    const m = metrics[t.metricKey];
    if (!m) continue;
    m.thresholds ??= {};
    m.thresholds[t.expression] = { ok: evaluateThreshold(t, lookup(t.metricKey)).status === 'passed' };
  }
  const n = r.secondsElapsed();
  const arr = (a: ArrayLike<number>): number[] => Array.from({ length: n }, (_, i) => Math.round((a[i] ?? 0) * 1000) / 1000);
  const errorsByKind: Record<string, number> = {};
  for (const k of NET_ERROR_KINDS) if (r.errors[k]) errorsByKind[k] = r.errors[k];
  return {
    root_group: rootGroup(requests, failed),
    // k6's defaults for the two display options (values are in ms either way); the stats are the ones computed.
    options: { summaryTrendStats: [...TREND_STATS, ...extra].map(statLabel), summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: Math.round(result.durationMs) },
    metrics,
    revgate: {
      engine: 'embedded',
      partial,
      stopReason: result.stopReason,
      ...(result.stopDetail ? { stopDetail: result.stopDetail } : {}),
      statusClasses: {
        none: r.statusClasses[0] ?? 0,
        '1xx': r.statusClasses[1] ?? 0,
        '2xx': r.statusClasses[2] ?? 0,
        '3xx': r.statusClasses[3] ?? 0,
        '4xx': r.statusClasses[4] ?? 0,
        '5xx': r.statusClasses[5] ?? 0,
      },
      errorsByKind,
      errorSamples: { ...r.errorSamples },
      perSecond: {
        requests: arr(r.perSecond.requests),
        failed: arr(r.perSecond.failed),
        dropped: arr(r.perSecond.dropped),
        late: arr(r.perSecond.late),
        p50Ms: arr(r.perSecond.p50),
        p95Ms: arr(r.perSecond.p95),
        p99Ms: arr(r.perSecond.p99),
      },
    },
  };
}
