/**
 * The canary's gates evaluated on window aggregates (observations.ts) with betting confidence
 * sequences (stats/betting.ts, stats/quantile-grid.ts). Pure: a function of the recorded data and
 * the time it is asked about; nothing is changed but memoized sums that recomputing would equal.
 *
 * Error levels. A promote needs every blocking gate to pass at the same time, so a canary that is bad
 * on some gate is promoted only if that gate wrongly passes: the pass side of each gate can use the
 * whole α = 1 - confidence, and P(false promote) <= α with no split. A rollback needs only one gate to
 * fail (or one trigger to fire), so the fail side is split (Bonferroni) over the k gates and triggers
 * that can roll back: α/k each, and P(false rollback) <= α for a healthy canary. Both hold at every
 * look, whenever the run stops, under any dependence between gates.
 */
import { compare } from '../thresholds/index.js';
import { ValueCounts, betsFor, confidenceBound, logEvidence, logWealths, windowsToDecide, type EvidenceSide, type ObservationRange } from '../stats/betting.js';
import type { QuantileGrid } from '../stats/quantile-grid.js';
import type { GateEvidence, GateResult, GateStatus } from '../verdict/types.js';
import type { CanaryCriteria, GateSpec } from './criteria.js';
import type { ArmRecorder, ArmView, LatencyExtra, ProportionMetric, ScopeWindows } from './observations.js';

export interface Arms {
  canary: ArmRecorder;
  baseline?: ArmRecorder;
}

export interface EvaluateOptions {
  /** The traffic budget is spent: count gates settle, undecided statistical gates stay inconclusive. */
  final: boolean;
  /** The run's clock in ms (the recorders' timestamps); default: the latest event either recorder has seen. */
  nowMs?: number;
  /**
   * 'full' (default): intervals, estimates of the traffic still needed, and the sentences.
   * 'decision': statuses only, with short reasons and no latency estimates (a simulation that
   * evaluates thousands of times). The statuses are the same either way.
   */
  detail?: 'full' | 'decision';
}

/** The error levels the gates are run at. */
export interface AlphaLevels {
  confidence: number;
  /** α of each gate's pass side: P(false promote) <= this, with no split (a promote needs every gate). */
  promote: number;
  /** α of each gate's fail side: the rollback family's α split over `rollbackGates`. */
  rollbackPerGate: number;
  /** Gates and triggers that can roll back on a statistical decision (count gates are exact). */
  rollbackGates: number;
}

/** The numbers behind a gate's verdict, in the gate's own unit, with unbounded ends as null. */
export interface GateBounds {
  unit: 'fraction' | 'ms' | 'ratio' | 'difference';
  observed: number | null;
  lower: number | null;
  upper: number | null;
  /** Confidence of each end on its own (1 - the α it is computed at). */
  lowerConfidence: number;
  upperConfidence: number;
  /** The evidence: the windows, the span of time and the requests the gate's decision rests on. */
  evidence: GateEvidence;
}

/** A gate result plus whether it can still change (the stop rule reads this). */
export interface CanaryGateResult extends GateResult {
  settled: boolean;
  role: 'gate' | 'trigger';
  /** Can only ever fail (rollback triggers, "no more than N" counts): never needed to stop on a pass. */
  failOnly?: boolean;
  /** Evaluation detail, mapped to the verdict's unit, interval, intervalConfidence and evidence (gate-report.ts). */
  bounds?: GateBounds;
}

const ERROR = (base: { id: string; expression: string; blocking: boolean; role: 'gate' | 'trigger'; metric: string }, reason: string): CanaryGateResult => ({
  ...base,
  status: 'error',
  settled: true,
  reason,
});

/** The levels for these criteria (see the file comment). */
export function alphaLevels(criteria: CanaryCriteria): AlphaLevels {
  const alpha = 1 - criteria.confidence;
  const k = criteria.gates.filter((g) => g.blocking && g.kind !== 'count').length;
  return { confidence: criteria.confidence, promote: alpha, rollbackPerGate: alpha / Math.max(1, k), rollbackGates: Math.max(1, k) };
}

/** α of each gate's fail side (the Bonferroni share); kept for the verdict's `alphaPerGate`. */
export function alphaPerGate(criteria: CanaryCriteria): number {
  return alphaLevels(criteria).rollbackPerGate;
}

/** Evaluates every gate on the data recorded so far, as of `nowMs`. */
export function evaluateCanary(criteria: CanaryCriteria, arms: Arms, options: EvaluateOptions): CanaryGateResult[] {
  const levels = alphaLevels(criteria);
  const nowMs = options.nowMs ?? Math.max(arms.canary.lastEventMs, arms.baseline?.lastEventMs ?? Number.NEGATIVE_INFINITY, 0);
  // Recorders built for another window would silently answer a different question: could not evaluate.
  const mismatch = [arms.canary, ...(arms.baseline ? [arms.baseline] : [])].find((a) => a.windowMs !== criteria.windowMs);
  if (mismatch)
    return criteria.gates.map((g) =>
      ERROR(
        { id: g.id, expression: g.expression, blocking: g.blocking, role: g.role, metric: 'metric' in g ? g.metric : 'http_req_duration' },
        `the recorders keep ${mismatch.windowMs} ms windows but the criteria ask for ${criteria.windowMs} ms: build them with new ArmRecorder(criteria.recording)`,
      ),
    );
  const ctx: Ctx = { criteria, arms, levels, nowMs, options, full: (options.detail ?? 'full') === 'full', windows: new Map() };
  return criteria.gates.map((g) => evaluateGate(g, ctx));
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

interface Ctx {
  criteria: CanaryCriteria;
  arms: Arms;
  levels: AlphaLevels;
  nowMs: number;
  options: EvaluateOptions;
  full: boolean;
  /** One read of each arm and scope per evaluation (gates share scopes). */
  windows: Map<ArmRecorder, Map<string, ScopeWindows>>;
}

function windowsOf(ctx: Ctx, arm: ArmRecorder, scope: string | undefined): ScopeWindows {
  let byScope = ctx.windows.get(arm);
  if (!byScope) ctx.windows.set(arm, (byScope = new Map()));
  let w = byScope.get(scope ?? '');
  if (!w) byScope.set(scope ?? '', (w = arm.windows(scope, ctx.nowMs)));
  return w;
}

const lnInv = (alpha: number): number => Math.log(1 / alpha);

function evaluateGate(g: GateSpec, ctx: Ctx): CanaryGateResult {
  switch (g.kind) {
    case 'proportion':
      return proportionGate(g, ctx);
    case 'quantile':
      return quantileGate(g, ctx);
    case 'count':
      return countGate(g, ctx.arms.canary.view(g.scope), ctx);
    case 'compare-rate':
      return compareRateGate(g, ctx);
    case 'compare-quantile':
      return compareQuantileGate(g, ctx);
  }
}

/** What a statistical gate decided, before it is worded. */
interface Decision {
  /** The good side was shown (for a trigger: its condition was shown). */
  shown: boolean;
  /** The bad side was shown (for a trigger: never used). */
  refuted: boolean;
  /** Evidence spans less than minDuration: a pass must wait. */
  tooShort: boolean;
}

function statusOf(g: { role: 'gate' | 'trigger' }, d: Decision, ctx: Ctx): { status: GateStatus; settled: boolean; failOnly?: boolean } {
  if (g.role === 'trigger') return { status: d.shown ? 'failed' : 'passed', settled: d.shown || ctx.options.final, failOnly: true };
  if (d.refuted) return { status: 'failed', settled: true };
  if (d.shown && !d.tooShort) return { status: 'passed', settled: true };
  return { status: 'inconclusive', settled: false };
}

// ---------------------------------------------------------------------------------------------
// Proportions: error rate and availability, as the fraction of each window that failed.

function proportionGate(g: Extract<GateSpec, { kind: 'proportion' }>, ctx: Ctx): CanaryGateResult {
  const base = { id: g.id, expression: g.expression, blocking: g.blocking, role: g.role, metric: g.metric };
  const sw = windowsOf(ctx, ctx.arms.canary, g.scope);
  const where = g.scope ? ` for ${g.scope}` : '';
  // Both metrics are decided on the fraction of bad requests; availability is reported as itself.
  const metric: ProportionMetric = g.metric === 'http_req_failed' ? 'failed' : 'unavailable';
  const flip = g.metric === 'availability';
  const m = flip ? 1 - g.value : g.value;
  const lessIsGood = g.operator === '<' || g.operator === '<=';
  // For a gate the "good side" is its expression; for a trigger the expression is the condition to detect.
  const goodBelow = flip ? !lessIsGood : lessIsGood;
  const goodSide: EvidenceSide = goodBelow ? 'below' : 'above';
  const badSide: EvidenceSide = goodBelow ? 'above' : 'below';
  const ev = sw.evidence;
  if (ev.windows === 0)
    return {
      ...base,
      status: 'inconclusive',
      samples: 0,
      settled: g.role === 'trigger' ? ctx.options.final : false,
      ...(g.role === 'trigger' ? { failOnly: true } : {}),
      reason: `no ended window of ${fmtDuration(ctx.criteria.windowMs)} with requests${where} yet`,
    };
  const counts = sw.final(metric);
  const extra = (side: EvidenceSide): number[] =>
    sw.open.map((w) => (side === 'below' ? Math.min(w.n, countOf(w, metric) + w.pending) : countOf(w, metric)) / w.n);
  const goodAlpha = g.role === 'trigger' ? ctx.levels.rollbackPerGate : ctx.levels.promote;
  const badAlpha = ctx.levels.rollbackPerGate;
  const goodLog = logEvidence(goodSide, m, counts, extra(goodSide));
  const badLog = g.role === 'trigger' ? Number.NEGATIVE_INFINITY : logEvidence(badSide, m, counts, extra(badSide));
  const d: Decision = { shown: goodLog >= lnInv(goodAlpha), refuted: badLog >= lnInv(badAlpha), tooShort: ev.spanMs < ctx.criteria.minDurationMs };
  const st = statusOf(g, d, ctx);
  const view = sw.view;
  const badFraction = view.requests ? (metric === 'failed' ? view.failures : view.unavailable) / view.requests : null;
  const observed = badFraction === null ? null : flip ? 1 - badFraction : badFraction;
  const name = g.metric === 'http_req_failed' ? 'error rate' : 'availability';
  const result: CanaryGateResult = {
    ...base,
    ...st,
    samples: ev.requests,
    ...(observed !== null ? { observed: round(observed, 6) } : {}),
    reason: '',
  };
  if (!ctx.full) return { ...result, reason: `${name}${where} ${st.status}` };

  // The interval: the upper end from below-evidence, the lower from above-evidence, each at the α of the decision it serves.
  const upperAlpha = goodBelow ? goodAlpha : badAlpha;
  const lowerAlpha = goodBelow ? badAlpha : goodAlpha;
  let upper = confidenceBound('below', lnInv(upperAlpha), counts, extra('below'));
  let lower = confidenceBound('above', lnInv(lowerAlpha), counts, extra('above'));
  // The decision was read at the limit itself; the bounds found by bisection agree with it to 2^-60.
  if (d.shown && goodBelow) upper = Math.min(upper, m);
  if (d.shown && !goodBelow) lower = Math.max(lower, m);
  const [lo, hi] = flip ? [1 - upper, 1 - lower] : [lower, upper];
  const [loConf, hiConf] = flip ? [1 - upperAlpha, 1 - lowerAlpha] : [1 - lowerAlpha, 1 - upperAlpha];
  const bounds: GateBounds = { unit: 'fraction', observed, lower: lo, upper: hi, lowerConfidence: loConf, upperConfidence: hiConf, evidence: evidenceOf(sw) };
  const limit = `${goodBelow !== flip ? 'below' : 'above'} ${fmtPct(g.value)}`;
  const sentence = `${name}${where} ${fmtPct(observed ?? 0)}, interval [${fmtPct(lo)}, ${fmtPct(hi)}] ${levelsLabel(loConf, hiConf, ctx.levels)}`;
  let needed: number | undefined;
  if (st.status === 'inconclusive' && g.role === 'gate') {
    const more = d.shown ? 0 : windowsToDecide(logWealths(goodSide, m, counts, extra(goodSide)), betsFor(goodSide), ev.windows, lnInv(goodAlpha));
    needed = requestsNeeded(ev, more, ctx);
  }
  return {
    ...result,
    interval: [round(lo, 6), round(hi, 6)],
    ...(needed !== undefined ? { samplesNeeded: needed } : {}),
    bounds,
    reason: worded(g.role, st.status, sentence, limit, sw, d, ctx, needed),
  };
}

function countOf(w: { failed: number; unavailable: number; status5xx: number }, metric: ProportionMetric): number {
  return metric === 'failed' ? w.failed : metric === 'unavailable' ? w.unavailable : w.status5xx;
}

// ---------------------------------------------------------------------------------------------
// Latency quantiles: the fraction of each window slower than each latency on the grid.

function quantileGate(g: Extract<GateSpec, { kind: 'quantile' }>, ctx: Ctx): CanaryGateResult {
  const base = { id: g.id, expression: g.expression, blocking: g.blocking, role: g.role, metric: 'http_req_duration' };
  const sw = windowsOf(ctx, ctx.arms.canary, g.scope);
  const where = g.scope ? ` for ${g.scope}` : '';
  const grid = sw.grid(g.quantile);
  const at = grid ? indexOf(grid.points, g.valueMs) : -1;
  if (!grid || at < 0)
    return ERROR(
      base,
      `the recorder does not track p${round(g.quantile * 100)}${where} at ${fmtMs(g.valueMs)}: build it with new ArmRecorder(criteria.recording)`,
    );
  const ev = sw.evidence;
  if (ev.windows === 0)
    return {
      ...base,
      status: 'inconclusive',
      samples: 0,
      settled: g.role === 'trigger' ? ctx.options.final : false,
      ...(g.role === 'trigger' ? { failOnly: true } : {}),
      reason: `no ended window of ${fmtDuration(ctx.criteria.windowMs)} with requests${where} yet`,
    };
  const extras = sw.latencyExtras();
  const goodBelow = g.operator === '<' || g.operator === '<=';
  const goodSide: EvidenceSide = goodBelow ? 'below' : 'above';
  const badSide: EvidenceSide = goodBelow ? 'above' : 'below';
  const goodAlpha = g.role === 'trigger' ? ctx.levels.rollbackPerGate : ctx.levels.promote;
  const badAlpha = ctx.levels.rollbackPerGate;
  const d: Decision = {
    shown: grid.logEvidenceAt(goodSide, at, extras) >= lnInv(goodAlpha),
    refuted: g.role === 'gate' && grid.logEvidenceAt(badSide, at, extras) >= lnInv(badAlpha),
    tooShort: ev.spanMs < ctx.criteria.minDurationMs,
  };
  const st = statusOf(g, d, ctx);
  const label = g.quantile === 0.5 ? 'median' : `p${round(g.quantile * 100)}`;
  const estimate = ctx.full ? estimateOf(sw, g.quantile) : null;
  const result: CanaryGateResult = { ...base, ...st, samples: ev.requests, ...(estimate !== null ? { observed: round(estimate) } : {}), reason: '' };
  if (!ctx.full) return { ...result, reason: `${label}${where} ${st.status}` };
  const upperAlpha = goodBelow ? goodAlpha : badAlpha;
  const lowerAlpha = goodBelow ? badAlpha : goodAlpha;
  const upper = grid.upperBound(lnInv(upperAlpha), extras)?.value ?? null;
  const lower = grid.lowerBound(lnInv(lowerAlpha), extras)?.value ?? null;
  const bounds: GateBounds = {
    unit: 'ms',
    observed: estimate,
    lower,
    upper,
    lowerConfidence: 1 - lowerAlpha,
    upperConfidence: 1 - upperAlpha,
    evidence: evidenceOf(sw),
  };
  const sentence = `${label}${where} ${fmtMs(estimate)}, interval [${fmtMs(lower)}, ${fmtMs(upper)}] ${levelsLabel(1 - lowerAlpha, 1 - upperAlpha, ctx.levels)}`;
  const limit = `${goodBelow ? 'below' : 'above'} ${fmtMs(g.valueMs)}`;
  let needed: number | undefined;
  if (st.status === 'inconclusive' && g.role === 'gate') {
    const more = d.shown ? 0 : windowsToDecide(grid.logWealthAt(goodSide, at), betsFor(goodSide), Math.max(1, grid.windows), lnInv(goodAlpha));
    needed = requestsNeeded(ev, more, ctx);
  }
  return {
    ...result,
    ...(lower !== null && upper !== null ? { interval: [round(lower, 3), round(upper, 3)] as [number, number] } : {}),
    ...(needed !== undefined ? { samplesNeeded: needed } : {}),
    bounds,
    reason: worded(g.role, st.status, sentence, limit, sw, d, ctx, needed),
  };
}

/**
 * The observed quantile of every request sent: completed ones at their latency, outstanding ones at the
 * time they have waited so far (a lower bound), so that requests still hanging are not censored out of the
 * estimate. The k-th smallest of the two sorted sequences, by bisection on how many ages it includes.
 */
function estimateOf(sw: ScopeWindows, quantile: number): number | null {
  const { latency } = sw.view;
  const ages = sw.outstandingAgesMs();
  const c = latency.count;
  const total = c + ages.length;
  if (total === 0) return null;
  const k = Math.min(total, Math.max(1, Math.ceil(total * quantile)));
  const done = (i: number): number => (i <= 0 ? Number.NEGATIVE_INFINITY : i > c ? Number.POSITIVE_INFINITY : latency.valueAtRank(i));
  const age = (j: number): number => (j <= 0 ? Number.NEGATIVE_INFINITY : j > ages.length ? Number.POSITIVE_INFINITY : (ages[j - 1] as number));
  // j ages and k - j completed latencies are the k smallest when neither side's next element is below the other's last.
  let lo = Math.max(0, k - c);
  let hi = Math.min(k, ages.length);
  while (lo < hi) {
    const j = (lo + hi) >> 1;
    if (age(j + 1) < done(k - j)) lo = j + 1;
    else hi = j;
  }
  return Math.max(age(lo), done(k - lo));
}

function indexOf(points: Float64Array, value: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = points[mid] as number;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Counts: exact, no statistics.

function countGate(g: Extract<GateSpec, { kind: 'count' }>, v: ArmView, ctx: Ctx): CanaryGateResult {
  const base = { id: g.id, expression: g.expression, blocking: g.blocking };
  const where = g.scope ? ` for ${g.scope}` : '';
  const observed = g.metric === 'http_5xx' ? v.status5xx : v.requests;
  const holds = compare(observed, g.operator, g.value);
  // Counts only grow: an upper limit once broken stays broken, a lower limit once met stays met.
  const upper = g.operator === '<' || g.operator === '<=' || g.operator === '==' || g.operator === '===';
  const settled = ctx.options.final || (upper ? !holds : holds);
  const what = g.metric === 'http_5xx' ? '5xx responses' : 'requests';
  const status: GateStatus = holds ? (settled || upper ? 'passed' : 'inconclusive') : settled ? 'failed' : 'inconclusive';
  // Exact counts of every outcome so far: the evidence is the whole run until now, not a set of windows.
  const durationMs = Math.max(0, ctx.nowMs);
  return {
    ...base,
    metric: g.metric,
    role: g.role,
    failOnly: upper,
    status,
    settled,
    samples: v.requests,
    observed,
    evidence: { windowMs: ctx.criteria.windowMs, durationMs, requests: v.requests, windows: Math.ceil(durationMs / ctx.criteria.windowMs) },
    reason: `${observed.toLocaleString('en-US')} ${what}${where} in ${v.requests.toLocaleString('en-US')} requests over ${fmtDuration(durationMs)} since the start (${g.expression.split(' ').pop()})${holds ? '' : ': limit broken'}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Canary against baseline, window by window: d_j = canary fraction - (1 + r) x baseline fraction.

interface PairState {
  baseline: ArmRecorder;
  counts: ValueCounts;
  /** Canary final windows not paired yet (the baseline's window was not final). */
  waiting: Set<number>;
  cursor: number;
}

/** Paired window differences folded so far, per canary recorder, scope, metric and relative margin; recomputing them would give the same counts. */
const pairs = new WeakMap<ArmRecorder, Map<string, PairState>>();

function pairedCounts(
  g: Extract<GateSpec, { kind: 'compare-rate' }>,
  canary: ArmRecorder,
  baseline: ArmRecorder,
  c: ScopeWindows,
  b: ScopeWindows,
  metric: ProportionMetric,
): ValueCounts {
  let byGate = pairs.get(canary);
  if (!byGate) pairs.set(canary, (byGate = new Map()));
  // Keyed by everything the differences depend on, so two criteria sharing an id cannot share sums.
  const key = `${g.scope ?? ''}|${metric}|${g.relative}`;
  let st = byGate.get(key);
  if (!st || st.baseline !== baseline) byGate.set(key, (st = { baseline, counts: new ValueCounts(), waiting: new Set(), cursor: 0 }));
  for (; st.cursor < c.finalOrder.length; st.cursor++) st.waiting.add(c.finalOrder[st.cursor] as number);
  const k = 1 + g.relative;
  const openB = new Set(b.open.map((w) => w.index));
  for (const j of [...st.waiting]) {
    const cw = c.finalWindows.get(j);
    const bw = b.finalWindows.get(j);
    if (cw && bw) {
      st.counts.add(countOf(cw, metric) / cw.n - (k * countOf(bw, metric)) / bw.n);
      st.waiting.delete(j);
    } else if (!bw && !openB.has(j) && (j + 1) * b.windowMs <= b.nowMs) {
      st.waiting.delete(j); // the baseline sent nothing in that window: no pair
    }
  }
  return st.counts;
}

function compareRateGate(g: Extract<GateSpec, { kind: 'compare-rate' }>, ctx: Ctx): CanaryGateResult {
  const metricName = g.metric;
  const base = { id: g.id, expression: g.expression, blocking: g.blocking, role: g.role, metric: metricName };
  const baseline = ctx.arms.baseline;
  if (!baseline) return ERROR(base, 'comparative gate without a baseline');
  const c = windowsOf(ctx, ctx.arms.canary, g.scope);
  const b = windowsOf(ctx, baseline, g.scope);
  const where = g.scope ? ` for ${g.scope}` : '';
  const metric: ProportionMetric = g.metric === 'http_5xx' ? 'status5xx' : 'failed';
  const k = 1 + g.relative;
  const range: ObservationRange = { lo: -k, hi: 1 };
  const counts = pairedCounts(g, ctx.arms.canary, baseline, c, b, metric);
  // Windows not final in one arm or both: each side read at its conservative value.
  const bFinal = b.finalWindows;
  const bOpen = new Map(b.open.map((w) => [w.index, w]));
  const cOpen = new Map(c.open.map((w) => [w.index, w]));
  const extra = (side: EvidenceSide): number[] => {
    const out: number[] = [];
    const hiOf = (w: { n: number; pending?: number } & Parameters<typeof countOf>[0]): number => Math.min(w.n, countOf(w, metric) + (w.pending ?? 0)) / w.n;
    const loOf = (w: { n: number } & Parameters<typeof countOf>[0]): number => countOf(w, metric) / w.n;
    for (const [j, cw] of cOpen) {
      const bw = bOpen.get(j) ?? bFinal.get(j);
      if (!bw) continue;
      out.push(side === 'below' ? hiOf(cw) - k * loOf(bw) : loOf(cw) - k * hiOf(bw));
    }
    for (const [j, bw] of bOpen) {
      const cw = c.finalWindows.get(j);
      if (!cw || cOpen.has(j)) continue;
      out.push(side === 'below' ? loOf(cw) - k * loOf(bw) : loOf(cw) - k * hiOf(bw));
    }
    return out;
  };
  const windows = counts.total + extra('below').length;
  if (windows === 0)
    return {
      ...base,
      status: 'inconclusive',
      samples: c.evidence.requests,
      settled: g.role === 'trigger' ? ctx.options.final : false,
      ...(g.role === 'trigger' ? { failOnly: true } : {}),
      reason: `waiting for ended windows of ${fmtDuration(ctx.criteria.windowMs)} with requests on both revisions`,
    };
  const goodAlpha = g.role === 'trigger' ? ctx.levels.rollbackPerGate : ctx.levels.promote;
  const badAlpha = ctx.levels.rollbackPerGate;
  const shown = g.role === 'gate' && logEvidence('below', g.absolute, counts, extra('below'), range) >= lnInv(goodAlpha);
  const refuted = logEvidence('above', g.absolute, counts, extra('above'), range) >= lnInv(badAlpha);
  // For a comparison the trigger's condition is "the canary is worse": the above side.
  const d: Decision =
    g.role === 'trigger'
      ? { shown: refuted, refuted: false, tooShort: false }
      : { shown, refuted, tooShort: Math.min(c.evidence.spanMs, b.evidence.spanMs) < ctx.criteria.minDurationMs };
  const st = statusOf(g, d, ctx);
  const cv = c.view;
  const bv = b.view;
  const rate = (v: ArmView): number | null => (v.requests ? (metric === 'failed' ? v.failures : v.status5xx) / v.requests : null);
  const cr = rate(cv);
  const br = rate(bv);
  const observed = cr !== null && br !== null ? cr - k * br : null;
  const result: CanaryGateResult = {
    ...base,
    ...st,
    samples: c.evidence.requests,
    ...(observed !== null ? { observed: round(observed, 6) } : {}),
    reason: '',
  };
  const what = g.metric === 'http_5xx' ? '5xx rate' : 'error rate';
  if (!ctx.full) return { ...result, reason: `${what}${where} comparison ${st.status}` };
  const upperAlpha = goodAlpha;
  const lowerAlpha = badAlpha;
  let upper = confidenceBound('below', lnInv(upperAlpha), counts, extra('below'), range);
  const lower = confidenceBound('above', lnInv(lowerAlpha), counts, extra('above'), range);
  if (d.shown && g.role === 'gate') upper = Math.min(upper, g.absolute);
  const diff = `canary - ${g.relative ? `${round(k, 2)} x ` : ''}baseline`;
  const bounds: GateBounds = {
    unit: 'difference',
    observed,
    lower,
    upper,
    lowerConfidence: 1 - lowerAlpha,
    upperConfidence: 1 - upperAlpha,
    evidence: evidenceOf(c),
  };
  const sentence = `${what}${where} canary ${fmtPct(cr ?? 0)} vs baseline ${fmtPct(br ?? 0)}; ${diff} ${fmtPts(observed ?? 0)}, interval [${fmtPts(lower)}, ${fmtPts(upper)}] ${levelsLabel(1 - lowerAlpha, 1 - upperAlpha, ctx.levels)}`;
  const limit = `within ${fmtPts(g.absolute)}`;
  let needed: number | undefined;
  if (st.status === 'inconclusive' && g.role === 'gate') {
    const more = d.shown ? 0 : windowsToDecide(logWealths('below', g.absolute, counts, extra('below'), range), betsFor('below'), windows, lnInv(goodAlpha));
    needed = requestsNeeded(c.evidence, more, ctx);
  }
  return {
    ...result,
    interval: [round(lower, 6), round(upper, 6)],
    ...(needed !== undefined ? { samplesNeeded: needed } : {}),
    bounds,
    reason: worded(
      g.role,
      st.status,
      sentence,
      limit,
      c,
      d,
      ctx,
      needed,
      ` (paired windows, ${b.evidence.requests.toLocaleString('en-US')} baseline requests)`,
    ),
  };
}

function compareQuantileGate(g: Extract<GateSpec, { kind: 'compare-quantile' }>, ctx: Ctx): CanaryGateResult {
  const base = { id: g.id, expression: g.expression, blocking: g.blocking, role: g.role, metric: 'http_req_duration' };
  const baseline = ctx.arms.baseline;
  if (!baseline) return ERROR(base, 'comparative gate without a baseline');
  const c = windowsOf(ctx, ctx.arms.canary, g.scope);
  const b = windowsOf(ctx, baseline, g.scope);
  const where = g.scope ? ` for ${g.scope}` : '';
  const label = `p${round(g.quantile * 100)}`;
  const cg = c.grid(g.quantile);
  const bg = b.grid(g.quantile);
  if (!cg || !bg) return ERROR(base, `the recorders do not track ${label}${where}: build them with new ArmRecorder(criteria.recording)`);
  if (c.evidence.windows === 0 || b.evidence.windows === 0)
    return {
      ...base,
      status: 'inconclusive',
      samples: c.evidence.requests,
      settled: g.role === 'trigger' ? ctx.options.final : false,
      ...(g.role === 'trigger' ? { failOnly: true } : {}),
      reason: `waiting for ended windows of ${fmtDuration(ctx.criteria.windowMs)} with requests on both revisions`,
    };
  const k = 1 + g.maxIncrease;
  const ce = c.latencyExtras();
  const be = b.latencyExtras();
  // Two sequences (canary and baseline) behind each claim: each gets half of that claim's α.
  const goodAlpha = (g.role === 'trigger' ? ctx.levels.rollbackPerGate : ctx.levels.promote) / 2;
  const badAlpha = ctx.levels.rollbackPerGate / 2;
  const bound = (grid: QuantileGrid, extras: LatencyExtra[], side: 'upper' | 'lower', alpha: number): number | null =>
    (side === 'upper' ? grid.upperBound(lnInv(alpha), extras) : grid.lowerBound(lnInv(alpha), extras))?.value ?? null;
  // Pass: canary p(q) <= U_c <= k L_b < k x baseline p(q). Fail: canary p(q) > L_c >= k U_b >= k x baseline p(q).
  const uc = g.role === 'gate' ? bound(cg, ce, 'upper', goodAlpha) : null;
  const lb = g.role === 'gate' ? bound(bg, be, 'lower', goodAlpha) : null;
  const lc = bound(cg, ce, 'lower', badAlpha);
  const ub = bound(bg, be, 'upper', badAlpha);
  const shown = uc !== null && lb !== null && uc <= k * lb;
  const refuted = lc !== null && ub !== null && lc >= k * ub;
  const d: Decision =
    g.role === 'trigger'
      ? { shown: refuted, refuted: false, tooShort: false }
      : { shown, refuted, tooShort: Math.min(c.evidence.spanMs, b.evidence.spanMs) < ctx.criteria.minDurationMs };
  const st = statusOf(g, d, ctx);
  const ec = ctx.full ? estimateOf(c, g.quantile) : null;
  const eb = ctx.full ? estimateOf(b, g.quantile) : null;
  const observed = ec !== null && eb !== null && eb > 0 ? ec / eb : null;
  const result: CanaryGateResult = { ...base, ...st, samples: c.evidence.requests, ...(observed !== null ? { observed: round(observed, 3) } : {}), reason: '' };
  if (!ctx.full) return { ...result, reason: `${label}${where} comparison ${st.status}` };
  const lower = lc !== null && ub !== null && ub > 0 ? lc / ub : null;
  const upper = uc !== null && lb !== null && lb > 0 ? uc / lb : null;
  const bounds: GateBounds = {
    unit: 'ratio',
    observed,
    lower,
    upper,
    lowerConfidence: 1 - 2 * badAlpha,
    upperConfidence: 1 - 2 * goodAlpha,
    evidence: evidenceOf(c),
  };
  const sentence = `${label}${where} canary ${fmtMs(ec)} vs baseline ${fmtMs(eb)}; ratio ${observed === null ? 'n/a' : round(observed, 2)}, interval [${fmtRatio(lower)}, ${fmtRatio(upper)}] ${levelsLabel(1 - 2 * badAlpha, 1 - 2 * goodAlpha, ctx.levels)}`;
  const limit = `within ${round(k, 2)}x`;
  return {
    ...result,
    ...(lower !== null && upper !== null ? { interval: [round(lower, 3), round(upper, 3)] as [number, number] } : {}),
    bounds,
    reason: worded(g.role, st.status, sentence, limit, c, d, ctx, undefined, ` (${b.evidence.requests.toLocaleString('en-US')} baseline requests)`),
  };
}

/**
 * Requests in all that would decide an undecided gate if the traffic went on as so far: enough windows
 * for the evidence to reach its level (`moreWindows`, undefined when it is not growing), and enough
 * time for it to span minDuration. undefined when no estimate can be made.
 */
function requestsNeeded(ev: ScopeWindows['evidence'], moreWindows: number | undefined, ctx: Ctx): number | undefined {
  if (moreWindows === undefined || ev.windows === 0) return undefined;
  const perWindow = ev.requests / ev.windows;
  const byWindows = ev.requests + Math.ceil(moreWindows * perWindow);
  const byDuration = ev.spanMs > 0 ? Math.ceil((ev.requests * ctx.criteria.minDurationMs) / ev.spanMs) : byWindows;
  return Math.max(byWindows, byDuration);
}

// ---------------------------------------------------------------------------------------------
// Words.

function evidenceOf(sw: ScopeWindows): GateBounds['evidence'] {
  return { windowMs: sw.windowMs, durationMs: sw.evidence.spanMs, requests: sw.evidence.requests, windows: sw.evidence.windows };
}

/** "over 42 s, 3,100 requests in 84 windows" */
function evidenceWords(sw: ScopeWindows): string {
  const e = sw.evidence;
  return `over ${fmtDuration(e.spanMs)}, ${e.requests.toLocaleString('en-US')} requests in ${e.windows.toLocaleString('en-US')} windows of ${fmtDuration(sw.windowMs)}`;
}

/** Which confidence each end carries: "(lower end 99.29%, upper end 95%; 95% family-wise over 7 gates)". */
function levelsLabel(lowerConf: number, upperConf: number, levels: AlphaLevels): string {
  return `(lower end ${fmtLevel(lowerConf)}, upper end ${fmtLevel(upperConf)}; ${fmtLevel(levels.confidence)} family-wise: no false promote, no false rollback over ${levels.rollbackGates} gate${levels.rollbackGates === 1 ? '' : 's'})`;
}

function worded(
  role: 'gate' | 'trigger',
  status: GateStatus,
  sentence: string,
  limit: string,
  sw: ScopeWindows,
  d: Decision,
  ctx: Ctx,
  needed: number | undefined,
  suffix = '',
): string {
  const over = `${evidenceWords(sw)}${suffix}`;
  if (role === 'trigger') return status === 'failed' ? `rollback trigger fired: ${sentence}, ${limit} ${over}` : `not triggered: ${sentence} ${over}`;
  if (status === 'passed') return `${sentence} ${limit} ${over}`;
  if (status === 'failed') return `${sentence} not ${limit} ${over}`;
  if (d.shown && d.tooShort)
    return `${sentence} ${limit}, but the evidence spans ${fmtDuration(sw.evidence.spanMs)} of the ${fmtDuration(ctx.criteria.minDurationMs)} a pass needs (minDuration), ${over}`;
  const more =
    needed !== undefined
      ? `; about ${needed.toLocaleString('en-US')} requests in all would decide it if the rate holds`
      : '; no estimate of the traffic that would decide it: the evidence for a pass is not growing (the observed value is at or beyond the limit, or failures come in bursts)';
  return `${sentence} undecided on ${limit} ${over}${more}`;
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
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
  if (x === null) return 'unbounded';
  return `${x < 10 ? round(x, 2) : x < 1000 ? round(x, 1) : Math.round(x).toLocaleString('en-US')} ms`;
}
function fmtRatio(x: number | null): string {
  return x === null ? 'unbounded' : `${round(x, 3)}`;
}
function fmtLevel(c: number): string {
  const p = c * 100;
  return `${Number.isInteger(Math.round(p * 100) / 100) ? Math.round(p) : (Math.round(p * 100) / 100).toString()}%`;
}
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${round(ms / 1000, 1)} s`;
  return `${round(ms / 60_000, 1)} min`;
}
