import { compare } from '../thresholds/index.js';
import {
  bonferroniAlpha,
  compareProportions,
  compareQuantiles,
  decideProportion,
  decideQuantileThreshold,
  quantileInterval,
  type DecisionStatus,
  type ProportionDecision,
} from '../stats/index.js';
import type { GateResult, GateStatus } from '../verdict/types.js';
import type { CanaryCriteria, GateSpec } from './criteria.js';
import type { ArmRecorder, ArmView } from './observations.js';

export interface Arms {
  canary: ArmRecorder;
  baseline?: ArmRecorder;
}

export interface EvaluateOptions {
  /** The traffic budget is spent: count gates settle, undecided statistical gates stay inconclusive. */
  final: boolean;
}

/** A gate result plus whether it can still change (the stop rule reads this). */
export interface CanaryGateResult extends GateResult {
  settled: boolean;
  role: 'gate' | 'trigger';
  /** Can only ever fail (rollback triggers, "no more than N" counts): never needed to stop on a pass. */
  failOnly?: boolean;
}

const STATUS: Record<DecisionStatus, GateStatus> = { pass: 'passed', fail: 'failed', inconclusive: 'inconclusive' };

/**
 * Alpha per statistical gate. Each gate's confidence sequence is time-uniform, so "this gate is
 * ever wrong, at any of the looks" has probability <= alpha_i; the union bound over the k gates
 * that can change the verdict (blocking gates and rollback triggers) keeps the chance of any
 * wrong verdict <= 1 - confidence under any dependence and any stopping rule (Bonferroni).
 * Advisory gates use the same per-gate alpha but do not count: they cannot change the verdict.
 */
export function alphaPerGate(criteria: CanaryCriteria): number {
  const k = criteria.gates.filter((g) => g.blocking && g.kind !== 'count').length;
  return bonferroniAlpha(1 - criteria.confidence, Math.max(1, k));
}

/** Evaluates every gate on the counts so far. Pure: reads the recorders, changes nothing. */
export function evaluateCanary(criteria: CanaryCriteria, arms: Arms, options: EvaluateOptions): CanaryGateResult[] {
  const alpha = alphaPerGate(criteria);
  return criteria.gates.map((g) => evaluateGate(g, arms, alpha, criteria.confidence, options));
}

/**
 * Stop when a blocking gate or trigger failed (roll back as soon as the evidence allows) or when
 * every blocking gate has settled as passed. Advisory gates never hold the run.
 */
export function shouldStop(results: readonly CanaryGateResult[]): boolean {
  const blocking = results.filter((r) => r.blocking);
  if (blocking.some((r) => r.status === 'failed' || r.status === 'error')) return true;
  const deciding = blocking.filter((r) => !r.failOnly);
  return deciding.length > 0 && deciding.every((r) => r.settled && r.status === 'passed');
}

function evaluateGate(g: GateSpec, arms: Arms, alpha: number, confidence: number, options: EvaluateOptions): CanaryGateResult {
  const canary = arms.canary.view(g.scope);
  const base = {
    id: g.id,
    expression: g.expression,
    blocking: g.blocking,
    role: g.kind === 'proportion' || g.kind === 'quantile' || g.kind === 'count' ? g.role : 'gate',
  } as const;
  const where = g.scope ? ` for ${g.scope}` : '';
  const n = canary.requests;
  const pct = `${Math.round(confidence * 100)}%`;
  switch (g.kind) {
    case 'proportion': {
      const successes = g.metric === 'http_req_failed' ? canary.failures : n - canary.unavailable;
      const direction = g.operator === '<' || g.operator === '<=' ? 'below' : 'above';
      if (n === 0) return { ...base, metric: g.metric, status: 'inconclusive', samples: 0, settled: false, reason: `no requests${where} yet` };
      const d = decideProportion({ successes, trials: n, threshold: g.value, direction, alpha });
      const name = g.metric === 'http_req_failed' ? 'error rate' : 'availability';
      const sentence = `${name}${where} ${fmtPct(d.observed ?? 0)}, ${pct} interval [${fmtPct(d.lower)}, ${fmtPct(d.upper)}]`;
      return withDecision(base, g.metric, d, sentence, `${direction} ${fmtPct(g.value)}`, n, options, g.role);
    }
    case 'quantile': {
      if (n === 0) return { ...base, metric: 'http_req_duration', status: 'inconclusive', samples: 0, settled: false, reason: `no requests${where} yet` };
      const d = decideQuantileThreshold({
        exceedances: canary.slowerThan(g.valueMs),
        trials: n,
        quantile: g.quantile,
        comparator: g.operator as '<' | '<=' | '>' | '>=',
        alpha,
      });
      const qi = quantileInterval(canary.latency, g.quantile, alpha);
      const label = g.quantile === 0.5 ? 'median' : `p${round(g.quantile * 100)}`;
      const sentence = `${label}${where} ${fmtMs(qi.estimate)}, ${pct} interval [${fmtMs(qi.lower)}, ${fmtMs(qi.upper)}]`;
      const side = g.operator === '<' || g.operator === '<=' ? `below ${fmtMs(g.valueMs)}` : `above ${fmtMs(g.valueMs)}`;
      const result = withDecision(base, 'http_req_duration', d, sentence, side, n, options, g.role);
      return { ...result, ...(qi.estimate !== null ? { observed: round(qi.estimate) } : {}), interval: [finite(qi.lower), finite(qi.upper)] };
    }
    case 'count':
      return countGate(g, canary, base, where, options);
    case 'compare-rate': {
      const b = arms.baseline?.view(g.scope);
      if (!b) return { ...base, metric: 'http_req_failed', status: 'error', settled: true, reason: 'comparative gate without a baseline' };
      if (n === 0 || b.requests === 0)
        return { ...base, metric: 'http_req_failed', status: 'inconclusive', samples: n, settled: false, reason: 'waiting for requests on both revisions' };
      const r = compareProportions({
        canary: { failures: canary.failures, trials: n },
        baseline: { failures: b.failures, trials: b.requests },
        margin: { absolute: g.absolute, relative: g.relative },
        alpha,
      });
      const status = STATUS[r.status];
      // The interval is for c = canary - (1 + relative) x baseline; the gate passes when all of it is below `absolute`.
      const diff = `canary - ${g.relative ? `${round(1 + g.relative, 2)} x ` : ''}baseline`;
      const reason = `error rate${where} canary ${fmtPct(r.canaryRate ?? 0)} vs baseline ${fmtPct(r.baselineRate ?? 0)}; ${diff} in [${fmtPts(r.lower)}, ${fmtPts(r.upper)}] (${pct}), allowed up to ${fmtPts(g.absolute)}, after ${n.toLocaleString('en-US')} + ${b.requests.toLocaleString('en-US')} requests${status === 'inconclusive' ? ': not yet decided' : ''}`;
      return {
        ...base,
        metric: 'http_req_failed',
        status,
        settled: status !== 'inconclusive',
        samples: n,
        ...(r.observed !== null ? { observed: round(r.observed, 6) } : {}),
        interval: [round(r.lower, 6), round(r.upper, 6)],
        reason,
      };
    }
    case 'compare-quantile': {
      const b = arms.baseline?.view(g.scope);
      if (!b) return { ...base, metric: 'http_req_duration', status: 'error', settled: true, reason: 'comparative gate without a baseline' };
      if (n === 0 || b.requests === 0)
        return { ...base, metric: 'http_req_duration', status: 'inconclusive', samples: n, settled: false, reason: 'waiting for requests on both revisions' };
      const r = compareQuantiles({ canary: canary.latency, baseline: b.latency, quantile: g.quantile, maxRelativeIncrease: g.maxIncrease, alpha });
      const status = STATUS[r.status];
      const label = `p${round(g.quantile * 100)}`;
      const reason = `${label}${where} canary ${fmtMs(r.canary.estimate)} vs baseline ${fmtMs(r.baseline.estimate)}; ratio in [${round(r.lowerRatio, 2)}, ${round(r.upperRatio, 2)}] (${pct}), allowed up to ${round(1 + g.maxIncrease, 2)} after ${n.toLocaleString('en-US')} + ${b.requests.toLocaleString('en-US')} requests${status === 'inconclusive' ? ': not yet decided' : ''}`;
      return {
        ...base,
        metric: 'http_req_duration',
        status,
        settled: status !== 'inconclusive',
        samples: n,
        ...(r.canary.estimate !== null ? { observed: round(r.canary.estimate) } : {}),
        interval: [finite(r.lowerRatio), finite(r.upperRatio)],
        reason,
      };
    }
  }
}

function withDecision(
  base: { id: string; expression: string; blocking: boolean },
  metric: string,
  d: ProportionDecision,
  sentence: string,
  side: string,
  n: number,
  options: EvaluateOptions,
  role: 'gate' | 'trigger',
): CanaryGateResult {
  const requests = `${n.toLocaleString('en-US')} requests`;
  const interval: [number, number] = [round(d.lower, 6), round(d.upper, 6)];
  const observed = d.observed === null ? {} : { observed: round(d.observed, 6) };
  if (role === 'trigger') {
    // A trigger fires when its condition is shown true; otherwise it never holds the verdict.
    const fired = d.status === 'pass';
    return {
      ...base,
      metric,
      role,
      failOnly: true,
      status: fired ? 'failed' : 'passed',
      settled: fired || options.final,
      samples: n,
      ...observed,
      interval,
      reason: fired ? `rollback trigger fired: ${sentence}, ${side} after ${requests}` : `not triggered: ${sentence} after ${requests}`,
    };
  }
  const status = STATUS[d.status];
  const needed = d.samplesNeeded !== undefined ? n + Math.ceil(d.samplesNeeded) : undefined;
  const verdictWords = status === 'passed' ? side : status === 'failed' ? `not ${side}` : `undecided on ${side}`;
  const more =
    status === 'inconclusive'
      ? needed !== undefined
        ? `; about ${needed.toLocaleString('en-US')} requests in all would decide it if the rate holds`
        : '; the observed value sits on the limit'
      : '';
  return {
    ...base,
    metric,
    role,
    status,
    settled: status !== 'inconclusive',
    samples: n,
    ...observed,
    interval,
    ...(needed !== undefined ? { samplesNeeded: needed } : {}),
    reason: `${sentence} ${verdictWords} after ${requests}${more}`,
  };
}

function countGate(
  g: Extract<GateSpec, { kind: 'count' }>,
  v: ArmView,
  base: { id: string; expression: string; blocking: boolean },
  where: string,
  options: EvaluateOptions,
): CanaryGateResult {
  const observed = g.metric === 'http_5xx' ? v.status5xx : v.requests;
  const holds = compare(observed, g.operator, g.value);
  // Counts only grow: an upper limit once broken stays broken, a lower limit once met stays met.
  const upper = g.operator === '<' || g.operator === '<=' || g.operator === '==' || g.operator === '===';
  const settled = options.final || (upper ? !holds : holds);
  const what = g.metric === 'http_5xx' ? '5xx responses' : 'requests';
  const status: GateStatus = holds ? (settled || upper ? 'passed' : 'inconclusive') : settled ? 'failed' : 'inconclusive';
  return {
    ...base,
    metric: g.metric,
    role: g.role,
    failOnly: upper,
    status,
    settled,
    samples: v.requests,
    observed,
    reason: `${observed.toLocaleString('en-US')} ${what}${where} in ${v.requests.toLocaleString('en-US')} requests (${g.expression.split(' ').pop()})${holds ? '' : ': limit broken'}`,
  };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const finite = (x: number): number => (Number.isFinite(x) ? round(x, 3) : x > 0 ? Number.MAX_SAFE_INTEGER : 0);
function fmtPct(x: number): string {
  const p = x * 100;
  return `${p < 0.1 && p > 0 ? p.toFixed(3) : p < 1 ? p.toFixed(2) : p.toFixed(1)}%`;
}
/** A difference of rates in percentage points, signed: +0.50 points. */
function fmtPts(x: number): string {
  const p = Math.abs(x * 100);
  return `${x < 0 ? '-' : '+'}${p < 0.1 && p > 0 ? p.toFixed(3) : p.toFixed(2)} points`;
}
function fmtMs(x: number | null): string {
  if (x === null) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  return `${Math.round(x).toLocaleString('en-US')} ms`;
}
