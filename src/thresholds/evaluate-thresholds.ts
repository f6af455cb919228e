/**
 * Evaluates parsed thresholds against metric values. Pure and synchronous: (threshold, values) -> gate.
 * The caller supplies the values (the load engine's summary now, the canary gate's running
 * aggregates later), so this module never knows where numbers come from.
 */
import type { GateResult } from '../verdict/types.js';
import { formatAggregation, type Aggregation, type MetricType, type Operator, type Threshold } from './threshold.js';

/** The values of one (sub-)metric, as the evaluator sees them. */
export interface MetricView {
  type: MetricType;
  /** Number of samples behind the values (requests for a trend or rate; the count for a counter). */
  samples: number;
  /** Unit used in reasons: 'ms' for durations, '' otherwise. */
  unit?: string;
  /** The aggregation's value, or undefined when it cannot be computed. */
  get(aggregation: Aggregation): number | undefined;
}

/** Looks a sub-metric up by its canonical key (`http_req_duration{endpoint:health}`). */
export type MetricLookup = (metricKey: string) => MetricView | undefined;

export function compare(observed: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
    case '===':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}

/** A stable id for a threshold's gate: `http_req_duration p(95)<500`. */
export function thresholdId(t: Threshold): string {
  return `${t.metricKey} ${t.expression.replace(/\s+/g, '')}`;
}

function format(value: number, unit: string | undefined): string {
  if (Number.isInteger(value)) return unit ? `${value} ${unit}` : String(value);
  const rounded = Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
  return unit ? `${rounded} ${unit}` : rounded;
}

/**
 * One threshold -> one gate. A trend or rate with no samples could not be evaluated (error, never pass);
 * a counter with no samples is a measured zero.
 */
export function evaluateThreshold(t: Threshold, view: MetricView | undefined, blocking = true): GateResult {
  const base = { id: thresholdId(t), metric: t.metricKey, expression: t.expression, blocking };
  const agg = formatAggregation(t.aggregation);
  if (!view || (view.samples === 0 && view.type !== 'counter')) {
    return { ...base, status: 'error', samples: 0, reason: `${t.metricKey} has no samples: nothing was measured for it, so ${agg} cannot be evaluated` };
  }
  const observed = view.get(t.aggregation);
  if (observed === undefined || Number.isNaN(observed)) {
    return { ...base, status: 'error', samples: view.samples, reason: `${agg} of ${t.metricKey} could not be computed` };
  }
  const ok = compare(observed, t.operator, t.value);
  const shown = view.type === 'rate' ? `${(observed * 100).toFixed(2)}%` : format(observed, view.unit);
  const limit = view.type === 'rate' ? `${(t.value * 100).toFixed(2)}%` : format(t.value, view.unit);
  const what = `${agg} of ${t.metricKey} = ${shown} (threshold ${t.operator} ${limit}, ${view.samples} samples)`;
  return { ...base, status: ok ? 'passed' : 'failed', observed, samples: view.samples, reason: ok ? what : `threshold breached: ${what}` };
}

/** Every threshold -> gates, in declaration order. */
export function evaluateThresholds(thresholds: readonly Threshold[], lookup: MetricLookup): GateResult[] {
  return thresholds.map((t) => evaluateThreshold(t, lookup(t.metricKey)));
}

/**
 * Thresholds with abortOnFail that fail now, once their delay has passed: the engine stops early on
 * these (like k6). Pure: the caller passes the elapsed time.
 */
export function abortingThresholds(thresholds: readonly Threshold[], lookup: MetricLookup, elapsedMs: number): Threshold[] {
  return thresholds.filter((t) => t.abortOnFail && elapsedMs >= t.delayAbortEvalMs && evaluateThreshold(t, lookup(t.metricKey)).status === 'failed');
}
