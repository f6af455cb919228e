/**
 * k6 threshold syntax, parsed into data: `http_req_duration{endpoint:health}: ["p(95)<500"]`,
 * `{ threshold: "rate<0.01", abortOnFail: true }`. Pure and reusable: `revgate load` evaluates
 * thresholds once at the end, the canary gate evaluates the same objects continuously.
 *
 * Grammar (k6's, https://grafana.com/docs/k6/latest/using-k6/thresholds/):
 *   metricKey  := name [ "{" tag ":" value { "," tag ":" value } "}" ]
 *   expression := aggregation operator number       e.g. p(99.9) <= 250, rate<0.01, count>=100
 *   aggregation:= avg | min | max | med | count | rate | value | p(N)   (N in (0, 100])
 *   operator   := < | <= | > | >= | == | === | !=
 */
import type { Diagnostic } from '../core/errors.js';

export type MetricType = 'trend' | 'rate' | 'counter' | 'gauge';
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
export type AggregationName = 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' | 'p';

export interface Aggregation {
  name: AggregationName;
  /** Percentile 0-100 when name is 'p'. */
  p?: number;
}

/** Which aggregations k6 allows on each metric type. */
export const AGGREGATIONS_BY_TYPE: Record<MetricType, readonly AggregationName[]> = {
  trend: ['avg', 'min', 'max', 'med', 'p'],
  rate: ['rate'],
  counter: ['count', 'rate'],
  gauge: ['value'],
};

export interface ThresholdDefinition {
  threshold: string;
  abortOnFail?: boolean;
  /** k6 duration string ("10s"); thresholds are not evaluated for abort before this much time ran. */
  delayAbortEval?: string;
}

export type ThresholdInput = string | ThresholdDefinition;

export interface Threshold {
  /** The key as written: `http_req_duration{endpoint:health}`. */
  metricKey: string;
  /** Base metric name: `http_req_duration`. */
  metric: string;
  /** Tag filter, in the order written. Empty for the whole metric. */
  tags: Array<[string, string]>;
  /** The expression as written (whitespace trimmed): `p(95)<500`. */
  expression: string;
  aggregation: Aggregation;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

/** A catalog of known metrics: name -> type. Parsing rejects unknown metrics and wrong aggregations. */
export type MetricCatalog = Readonly<Record<string, MetricType>>;

const METRIC_KEY = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^{}]*)\})?$/;
const EXPRESSION =
  /^(avg|min|max|med|count|rate|value|p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)$/;
const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Formats an aggregation back as k6 writes it: `p(95)`, `avg`. */
export function formatAggregation(a: Aggregation): string {
  return a.name === 'p' ? `p(${a.p})` : a.name;
}

/** Parses a k6 duration string (`500ms`, `10s`, `2m`, `1h`) to milliseconds, or undefined. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000;
  return n * unit;
}

/** Parses a metric key; returns the name and tags, or a problem message. */
export function parseMetricKey(key: string): { metric: string; tags: Array<[string, string]> } | { problem: string } {
  const m = METRIC_KEY.exec(key.trim());
  if (!m) return { problem: `"${key}" is not a metric key: expected name or name{tag:value,...}` };
  const tags: Array<[string, string]> = [];
  if (m[2] !== undefined) {
    for (const part of m[2].split(',')) {
      const i = part.indexOf(':');
      const name = (i < 0 ? part : part.slice(0, i)).trim();
      const value = i < 0 ? '' : part.slice(i + 1).trim();
      if (!TAG_NAME.test(name) || value === '') return { problem: `"${key}" has a malformed tag filter "${part.trim()}": expected tag:value` };
      tags.push([name, value]);
    }
    if (tags.length === 0) return { problem: `"${key}" has an empty tag filter` };
  }
  return { metric: m[1] as string, tags };
}

/** Parses one expression (`p(95)<500`); returns the parts or a problem message. */
export function parseExpression(text: string): { aggregation: Aggregation; operator: Operator; value: number } | { problem: string } {
  const m = EXPRESSION.exec(text.trim());
  if (!m) {
    return {
      problem: `"${text}" is not a k6 threshold expression: expected <aggregation> <operator> <number>, e.g. p(95)<500, avg<=200, rate<0.01, count>100`,
    };
  }
  let aggregation: Aggregation;
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (!(p > 0 && p <= 100)) return { problem: `"${text}": percentile must be greater than 0 and at most 100` };
    aggregation = { name: 'p', p };
  } else {
    aggregation = { name: m[1] as AggregationName };
  }
  return { aggregation, operator: m[3] as Operator, value: Number(m[4]) };
}

/**
 * Parses a k6 `thresholds` object. Collects every problem (JSON paths under `at`) instead of
 * stopping at the first, so a profile with three mistakes gets three diagnostics.
 */
export function parseThresholds(
  input: Record<string, readonly ThresholdInput[]>,
  catalog: MetricCatalog,
  at = '$.thresholds',
): { thresholds: Threshold[]; problems: Diagnostic[] } {
  const thresholds: Threshold[] = [];
  const problems: Diagnostic[] = [];
  for (const [key, list] of Object.entries(input)) {
    const where = `${at}[${JSON.stringify(key)}]`;
    const parsedKey = parseMetricKey(key);
    if ('problem' in parsedKey) {
      problems.push({ path: where, message: parsedKey.problem });
      continue;
    }
    const type = Object.hasOwn(catalog, parsedKey.metric) ? catalog[parsedKey.metric] : undefined;
    if (!type) {
      problems.push({ path: where, message: `unknown metric "${parsedKey.metric}"; known metrics: ${Object.keys(catalog).join(', ')}` });
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push({ path: where, message: 'must be an array of threshold expressions' });
      continue;
    }
    list.forEach((item, i) => {
      const itemPath = `${where}[${i}]`;
      const def: ThresholdDefinition | undefined =
        typeof item === 'string' ? { threshold: item } : typeof item === 'object' && item !== null && typeof item.threshold === 'string' ? item : undefined;
      if (!def) {
        problems.push({ path: itemPath, message: 'must be an expression string or { "threshold": "...", "abortOnFail": true }' });
        return;
      }
      const parsed = parseExpression(def.threshold);
      if ('problem' in parsed) {
        problems.push({ path: itemPath, message: parsed.problem });
        return;
      }
      const allowed = AGGREGATIONS_BY_TYPE[type];
      if (!allowed.includes(parsed.aggregation.name)) {
        const names = allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
        problems.push({
          path: itemPath,
          message: `"${formatAggregation(parsed.aggregation)}" does not apply to ${parsedKey.metric} (a ${type} metric); use ${names}`,
        });
        return;
      }
      let delayAbortEvalMs = 0;
      if (def.delayAbortEval !== undefined) {
        const ms = parseDurationMs(def.delayAbortEval);
        if (ms === undefined) {
          problems.push({ path: `${itemPath}.delayAbortEval`, message: `"${def.delayAbortEval}" is not a duration like 10s or 500ms` });
          return;
        }
        delayAbortEvalMs = ms;
      }
      thresholds.push({
        metricKey: key.trim(),
        metric: parsedKey.metric,
        tags: parsedKey.tags,
        expression: def.threshold.trim(),
        ...parsed,
        abortOnFail: def.abortOnFail === true,
        delayAbortEvalMs,
      });
    });
  }
  return { thresholds, problems };
}

/** `http_req_duration{endpoint:health}` for a name and tags (the canonical key of a sub-metric). */
export function metricKeyOf(metric: string, tags: ReadonlyArray<readonly [string, string]>): string {
  return tags.length ? `${metric}{${tags.map(([k, v]) => `${k}:${v}`).join(',')}}` : metric;
}
