/**
 * Real-traffic evidence: the canary criteria's error-rate gates judged on what real users got, from
 * Azure Monitor's `Requests` per revision and status code category (the runbook's "monitor for 10
 * minutes" on request counts and failures), with the same anytime-valid statistics as the synthetic
 * gate (src/stats). Pure.
 *
 * What it can judge: untagged `http_req_failed` (4xx and 5xx count as failed, as k6 counts a status
 * outside 200-399), `availability` (5xx are unavailable) and `http_5xx` thresholds, `http_req_failed`
 * rollback triggers, and the `http_req_failed` comparison with the baseline. Not latency: `ResponseTime`
 * has no revisionName dimension. Not tags (tenants, endpoints): the metric has no such dimension. Those
 * stay with the synthetic gate.
 *
 * Its gates are reported apart (ids start with `real:`). One it passed is taken out of the criteria the
 * synthetic gate runs with; when nothing is left, the step needs no synthetic traffic at all.
 */
import { compareProportions } from '../stats/two-sample.js';
import { decideProportion } from '../stats/sequential-test.js';
import { parseExpression } from '../thresholds/threshold.js';
import type { GateResult } from '../verdict/types.js';

export interface RevisionCounts {
  total: number;
  /** 4xx + 5xx. */
  failed: number;
  /** 5xx. */
  unavailable: number;
}

export interface RealSpec {
  /** Where it is in the criteria document, to take it out once passed. */
  at: { section: 'thresholds' | 'rollbackTriggers'; key: string; expression: string } | { section: 'compare'; index: number };
  id: string;
  metric: 'http_req_failed' | 'availability' | 'http_5xx';
  expression: string;
  kind: 'rate' | 'trigger' | 'count' | 'compare';
  operator?: string;
  value?: number;
  margin?: { absolute: number; relative: number };
  blocking: boolean;
}

type Doc = Record<string, unknown>;

const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const expressions = (list: unknown): string[] =>
  (Array.isArray(list) ? list : []).map((x) => (typeof x === 'string' ? x : isObject(x) && typeof x.threshold === 'string' ? x.threshold : '')).filter(Boolean);

/** The gates of a criteria document (schemas/canary-criteria.schema.json) that real traffic can judge. */
export function realTrafficSpecs(doc: unknown): RealSpec[] {
  if (!isObject(doc)) return [];
  const specs: RealSpec[] = [];
  const thresholds = isObject(doc.thresholds) ? doc.thresholds : {};
  for (const [key, list] of Object.entries(thresholds)) {
    if (key !== 'http_req_failed' && key !== 'availability' && key !== 'http_5xx') continue;
    for (const expression of expressions(list)) {
      const e = parseExpression(expression);
      if ('problem' in e) continue;
      const kind = key === 'http_5xx' ? 'count' : 'rate';
      specs.push({
        at: { section: 'thresholds', key, expression },
        id: `real:${key}:${expression}`,
        metric: key,
        expression,
        kind,
        operator: e.operator,
        value: e.value,
        blocking: true,
      });
    }
  }
  const triggers = isObject(doc.rollbackTriggers) ? doc.rollbackTriggers : {};
  // Error-rate triggers fire above their limit, availability triggers below it (the runbook's "error rate > 10%").
  for (const key of ['http_req_failed', 'availability'] as const) {
    for (const expression of expressions(triggers[key])) {
      const e = parseExpression(expression);
      if ('problem' in e) continue;
      specs.push({
        at: { section: 'rollbackTriggers', key, expression },
        id: `real:trigger:${key}:${expression}`,
        metric: key,
        expression,
        kind: 'trigger',
        operator: e.operator,
        value: e.value,
        blocking: true,
      });
    }
  }
  (Array.isArray(doc.compare) ? doc.compare : []).forEach((c: unknown, index) => {
    if (!isObject(c) || (c.metric !== 'http_req_failed' && c.metric !== 'http_5xx') || c.scope !== undefined) return;
    const absolute = typeof c.maxIncreasePoints === 'number' ? c.maxIncreasePoints / 100 : 0;
    const relative = typeof c.maxIncrease === 'number' ? c.maxIncrease : 0;
    specs.push({
      at: { section: 'compare', index },
      id: `real:compare:${c.metric}`,
      metric: c.metric,
      expression: `canary <= baseline${relative ? ` x ${1 + relative}` : ''}${absolute ? ` + ${absolute * 100} points` : ''}`,
      kind: 'compare',
      margin: { absolute, relative },
      blocking: c.blocking !== false,
    });
  });
  return specs;
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 2)}%`;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Judges every spec on the window's counts; `alpha` is 1 - confidence, split evenly over the specs (Bonferroni). */
export function evaluateRealTraffic(
  specs: readonly RealSpec[],
  counts: { canary: RevisionCounts; baseline?: RevisionCounts },
  confidence: number,
  window: string,
): GateResult[] {
  const alpha = (1 - confidence) / Math.max(1, specs.length);
  const c = counts.canary;
  const level = `${Math.round(confidence * 100)}%`;
  const seen = `${fmt(c.total)} real requests to the canary ${window} (${fmt(c.unavailable)} 5xx, ${fmt(c.failed - c.unavailable)} 4xx)`;
  return specs.map((s): GateResult => {
    const base = { id: s.id, metric: s.metric, expression: s.expression, blocking: s.blocking };
    if (c.total === 0)
      return {
        ...base,
        status: 'inconclusive',
        samples: 0,
        reason: `no real requests to the canary ${window} yet (Azure Monitor shows a request only after its ingestion delay)`,
      };
    switch (s.kind) {
      case 'rate':
      case 'trigger': {
        const failedLike = s.metric === 'availability' ? c.total - c.unavailable : c.failed;
        const below = s.operator === '<' || s.operator === '<=';
        const d = decideProportion({ successes: failedLike, trials: c.total, threshold: s.value as number, direction: below ? 'below' : 'above', alpha });
        const name = s.metric === 'availability' ? 'availability' : 'error rate';
        const sentence = `${name} ${pct(d.observed ?? 0)}, ${level} interval [${pct(d.lower)}, ${pct(d.upper)}] over ${seen}`;
        if (s.kind === 'trigger') {
          // A trigger fires when the rate is shown above its limit; it is cleared when shown below.
          const status = d.status === 'pass' ? 'failed' : d.status === 'fail' ? 'passed' : 'inconclusive';
          return {
            ...base,
            status,
            observed: d.observed ?? 0,
            interval: [d.lower, d.upper],
            samples: c.total,
            reason: `${status === 'failed' ? 'triggered' : status === 'passed' ? 'not triggered' : 'undecided'}: ${sentence}`,
          };
        }
        const status = d.status === 'pass' ? 'passed' : d.status === 'fail' ? 'failed' : 'inconclusive';
        return {
          ...base,
          status,
          observed: d.observed ?? 0,
          interval: [d.lower, d.upper],
          samples: c.total,
          ...(d.samplesNeeded !== undefined ? { samplesNeeded: c.total + d.samplesNeeded } : {}),
          reason: `${sentence}: ${status === 'inconclusive' ? 'not yet decided' : status === 'passed' ? `${below ? 'below' : 'above'} ${pct(s.value as number)}` : `not ${below ? 'below' : 'above'} ${pct(s.value as number)}`}`,
        };
      }
      case 'count': {
        const limit = s.value as number;
        const n = c.unavailable;
        const ok =
          s.operator === '==' || s.operator === '==='
            ? n === limit
            : s.operator === '<'
              ? n < limit
              : s.operator === '<='
                ? n <= limit
                : s.operator === '!='
                  ? n !== limit
                  : s.operator === '>'
                    ? n > limit
                    : n >= limit;
        return { ...base, status: ok ? 'passed' : 'failed', observed: n, samples: c.total, reason: `${fmt(n)} 5xx over ${seen}` };
      }
      case 'compare': {
        const b = counts.baseline;
        if (!b || b.total === 0)
          return { ...base, status: 'inconclusive', samples: c.total, reason: `no real requests to the baseline ${window} to compare with` };
        // http_5xx compares the share of 5xx (Azure Monitor's statusCodeCategory), http_req_failed every 4xx and 5xx.
        const fivexx = s.metric === 'http_5xx';
        const r = compareProportions({
          canary: { failures: fivexx ? c.unavailable : c.failed, trials: c.total },
          baseline: { failures: fivexx ? b.unavailable : b.failed, trials: b.total },
          margin: s.margin ?? {},
          alpha,
        });
        const status = r.status === 'pass' ? 'passed' : r.status === 'fail' ? 'failed' : 'inconclusive';
        return {
          ...base,
          status,
          samples: c.total,
          interval: [r.lower, r.upper],
          reason: `real ${fivexx ? '5xx' : 'error'} rate canary ${pct(r.canaryRate ?? 0)} (of ${fmt(c.total)}) vs baseline ${pct(r.baselineRate ?? 0)} (of ${fmt(b.total)}) ${window}; difference in [${(r.lower * 100).toFixed(2)}, ${(r.upper * 100).toFixed(2)}] points (${level})${status === 'inconclusive' ? ': not yet decided' : ''}`,
        };
      }
    }
  });
}

/** The criteria document without the gates real traffic passed; `empty` when no gate is left for synthetic traffic. */
export function criteriaWithout(doc: unknown, passed: readonly RealSpec[]): { doc: Doc; empty: boolean } {
  const out: Doc = isObject(doc) ? structuredClone(doc) : {};
  for (const s of passed) {
    if (s.at.section === 'compare') continue;
    const { section, key, expression } = s.at;
    const block = out[section];
    if (!isObject(block)) continue;
    const left = (Array.isArray(block[key]) ? (block[key] as unknown[]) : []).filter(
      (x) => (typeof x === 'string' ? x : isObject(x) ? x.threshold : undefined) !== expression,
    );
    if (left.length) block[key] = left;
    else delete block[key];
  }
  const dropped = new Set(passed.flatMap((s) => (s.at.section === 'compare' ? [s.at.index] : [])));
  if (Array.isArray(out.compare)) out.compare = (out.compare as unknown[]).filter((_, i) => !dropped.has(i));
  const count = (v: unknown): number => (isObject(v) ? Object.values(v).reduce((n: number, l) => n + (Array.isArray(l) ? l.length : 0), 0) : 0);
  const empty = count(out.thresholds) + count(out.rollbackTriggers) + (Array.isArray(out.compare) ? out.compare.length : 0) === 0;
  return { doc: out, empty };
}

/** PT30S, PT1M, PT5M, PT1H: an ISO 8601 interval in ms, or undefined. */
export function parseIsoInterval(text: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/i.exec(text);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** Sums the buckets of one revision that start at or after `fromMs`. */
export function countsOf(
  buckets: ReadonlyArray<{ revision: string; category: string; start: string; total: number }>,
  revision: string,
  fromMs: number,
): RevisionCounts {
  const c: RevisionCounts = { total: 0, failed: 0, unavailable: 0 };
  for (const b of buckets) {
    if (b.revision !== revision || Date.parse(b.start) < fromMs) continue;
    c.total += b.total;
    if (b.category === '4xx' || b.category === '5xx') c.failed += b.total;
    if (b.category === '5xx') c.unavailable += b.total;
  }
  return c;
}
