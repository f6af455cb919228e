/**
 * Pure pieces of the gate's verdict: gate results as the verdict contract wants them (network
 * errors named), the baseline sanity gate, the one-line summary that says what would decide an
 * inconclusive run, and the progress line. No clock, no I/O.
 */
import { VERSION } from '../core/version.js';
import { decide } from '../verdict/decide.js';
import { holdLatencyOnSaturation } from '../traffic/saturation.js';
import type { GateResult, GateUnit, Target, Verdict } from '../verdict/types.js';
import type { CanaryCriteria } from './criteria.js';
import { alphaPerGate, fmtDuration, type CanaryGateResult } from './evaluate-gates.js';
import type { ArmStats, TrafficEnd } from './traffic.js';

export type StopReason = 'decided' | 'budget' | 'interrupted';
export type BudgetSpent = 'max-requests' | 'max-duration';

/** Baseline requests that must all go unanswered before the comparisons are declared impossible. */
export const BASELINE_UNREACHABLE_AFTER = 10;

const ERROR_METRICS = new Set(['http_req_failed', 'availability', 'http_5xx']);

function describeErrors(stats: ArmStats): string {
  return Object.entries(stats.errorsByKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}=${n}${stats.errorSamples[k] ? ` (${stats.errorSamples[k]})` : ''}`)
    .join(', ');
}

/**
 * The verdict's gates: evaluation bookkeeping (settled, role) dropped, the bounds mapped to the verdict's
 * unit, interval (an unbounded end is null, never a stand-in number), intervalConfidence and evidence, and
 * every error-rate gate that did not pass names the network errors behind it ("connect=40 (connect ECONNREFUSED ...)").
 */
export function toVerdictGates(results: readonly CanaryGateResult[], canary: ArmStats | undefined): GateResult[] {
  const errors = canary ? describeErrors(canary) : '';
  return results.map((r) => {
    const { settled: _s, role: _r, failOnly: _f, bounds, ...rest } = r;
    const gate: GateResult = bounds
      ? {
          ...rest,
          unit: bounds.unit,
          interval: [roundIn(bounds.unit, bounds.lower), roundIn(bounds.unit, bounds.upper)],
          intervalConfidence: { lower: bounds.lowerConfidence, upper: bounds.upperConfidence },
          evidence: bounds.evidence,
        }
      : { ...rest, ...(rest.evidence ? { unit: 'count' as const } : {}) };
    if (errors && gate.status !== 'passed' && ERROR_METRICS.has(gate.metric))
      return { ...gate, reason: `${gate.reason}; canary requests without a response: ${errors}` };
    return gate;
  });
}

/** Digits kept per unit: fractions and differences to 1e-6, milliseconds and ratios to 1e-3. */
function roundIn(unit: GateUnit, x: number | null): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const digits = unit === 'fraction' || unit === 'difference' ? 6 : 3;
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/**
 * Comparisons against a baseline that never answers would compare with nothing: once enough baseline
 * requests all failed without a response, that is "could not evaluate" (error), not a pass or a fail
 * of the canary.
 */
export function baselineReachability(baseline: ArmStats | undefined, elapsedMs = 0): CanaryGateResult[] {
  if (!baseline) return [];
  const noResponse = Object.values(baseline.errorsByKind).reduce((a, b) => a + b, 0);
  if (baseline.completed < BASELINE_UNREACHABLE_AFTER || noResponse < baseline.completed) return [];
  return [
    {
      id: 'baseline-reachable',
      metric: 'baseline',
      expression: 'the baseline answers',
      blocking: true,
      status: 'error',
      settled: true,
      role: 'gate',
      samples: baseline.completed,
      reason: `all ${baseline.completed} baseline requests over the first ${(elapsedMs / 1000).toFixed(1)} s went without a response (${describeErrors(baseline)}): the comparisons cannot be evaluated`,
    },
  ];
}

/** Event-loop delay (p99) of the generator above which its latency measurements say more about it than about the revisions. */
export const GENERATOR_DELAY_LIMIT_MS = 100;

/**
 * Advisory: was the generator itself keeping up? A starved event loop (a busy CI runner, or the
 * sandboxes sharing the process) adds its delay to every measured latency, on both revisions alike.
 */
export function generatorGate(loopDelayP99Ms: number, samples: number, runMs: number): GateResult {
  const ok = loopDelayP99Ms <= GENERATOR_DELAY_LIMIT_MS;
  const delay = `${Math.round(loopDelayP99Ms).toLocaleString('en-US')} ms`;
  const over = `over the whole run (${(runMs / 1000).toFixed(1)} s)`;
  return {
    id: 'generator event-loop delay',
    metric: 'revgate_event_loop_delay',
    expression: `p(99) <= ${GENERATOR_DELAY_LIMIT_MS} ms`,
    blocking: false,
    status: ok ? 'passed' : 'failed',
    unit: 'ms',
    observed: Math.round(loopDelayP99Ms),
    samples,
    reason: ok
      ? `the generator's event loop was delayed at most ${delay} (p99) ${over}: latencies are the revisions'`
      : `the generator's event loop was delayed ${delay} (p99) ${over}: measured latencies include up to that much of revgate's own delay (on both revisions alike); run on a less busy machine or lower --rate before trusting absolute latency gates`,
  };
}

export interface SummaryInput {
  verdict: Verdict;
  canaryUrl: string;
  stopReason: StopReason;
  budget?: BudgetSpent;
  ratePerSecond: number;
  canaryRequests: number;
  baselineRequests?: number;
  /** The criteria's minDuration: no gate passes on less evidence. */
  minDurationMs?: number;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
function fmtSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.ceil(s))} s`;
  if (s < 5400) return `${Math.ceil(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** One line: the verdict, the gates behind it, and for a hold what more traffic would decide it. */
export function gateSummary(s: SummaryInput): string {
  const v = s.verdict;
  const where = `gate on ${s.canaryUrl} in ${(v.durationMs / 1000).toFixed(1)} s`;
  const requests = `${fmt(s.canaryRequests)} canary${s.baselineRequests !== undefined ? ` + ${fmt(s.baselineRequests)} baseline` : ''} requests`;
  const blocking = v.gates.filter((g) => g.blocking);
  switch (v.verdict) {
    case 'pass':
      return `PASS: all ${blocking.length} blocking gates passed after ${requests} - promote; ${where}`;
    case 'fail': {
      const failed = blocking.filter((g) => g.status === 'failed');
      const first = failed[0];
      return `FAIL: ${failed.map((g) => g.id).join(', ')} failed${first ? ` (${first.reason})` : ''} - roll back; ${where}`;
    }
    case 'inconclusive': {
      const open = blocking.filter((g) => g.status === 'inconclusive');
      // The stop rule fired on a result the verdict does not trust (a latency breach while the generator or both
      // revisions were saturated): more traffic is not what would decide it, so say what held it instead.
      if (s.stopReason === 'decided') {
        const first = open[0];
        return `INCONCLUSIVE: ${open.map((g) => g.id).join(', ')} held${first?.reason ? ` (${first.reason})` : ''} - hold; ${where}`;
      }
      const why = s.stopReason === 'interrupted' ? 'interrupted' : s.budget === 'max-requests' ? 'request budget spent' : 'time budget spent';
      // samplesNeeded counts the gate's own requests; a tenant or endpoint gate sees only its share of the traffic.
      const totals = open.map((g) => (g.samplesNeeded !== undefined && g.samples ? (g.samplesNeeded * s.canaryRequests) / g.samples : undefined));
      // A pass also needs minDuration of evidence: at the configured rate, that many requests at least.
      const forDuration = s.minDurationMs !== undefined && open.length ? Math.ceil((s.minDurationMs / 1000) * s.ratePerSecond) : 0;
      const needed = Math.ceil(Math.max(0, forDuration, ...totals.map((t) => t ?? 0)));
      const unknown = open.filter((_, i) => totals[i] === undefined).map((g) => g.id);
      let more: string;
      if (needed > s.canaryRequests) {
        const seconds = (needed - s.canaryRequests) / s.ratePerSecond;
        const which = unknown.length ? 'the gates with an estimate' : open.length === 1 ? 'it' : 'them';
        more = `about ${fmt(needed)} canary requests in all (~${fmtSeconds(seconds)} more at ${fmt(s.ratePerSecond)} req/s) would decide ${which} if the observed rates hold`;
        if (unknown.length) more += ` (no estimate for ${unknown.join(', ')}: run at least that long)`;
      } else {
        more =
          'no estimate of the traffic that would decide them (the evidence for a pass is not growing: an observed value at or beyond its limit, or failures in bursts): run longer with a larger budget';
      }
      return `INCONCLUSIVE: ${open.map((g) => g.id).join(', ')} undecided after ${requests} (${why}); ${more} - hold; ${where}`;
    }
    case 'error': {
      if (s.stopReason !== 'interrupted') return v.summary;
      const open = blocking.filter((g) => g.status !== 'passed').map((g) => g.id);
      return `ERROR: interrupted before the evidence decided${open.length ? ` (${open.join(', ')} undecided)` : ''} after ${requests} - hold; ${where}`;
    }
  }
}

export interface ArmProgress {
  stats: ArmStats;
  /** Observed p95 latency so far, ms (undefined before the first response). */
  p95Ms?: number;
}

/** The progress line printed about once a second: traffic per revision, and which gates are still open. */
export function progressLine(elapsedMs: number, results: readonly CanaryGateResult[], canary: ArmProgress, baseline: ArmProgress | undefined): string {
  const arm = (name: string, { stats: a, p95Ms }: ArmProgress): string => {
    const bad = (a.statusClasses['5xx'] ?? 0) + (a.statusClasses['4xx'] ?? 0) + Object.values(a.errorsByKind).reduce((x, y) => x + y, 0);
    const p95 = p95Ms === undefined ? '' : `, p95 ${fmt(p95Ms)} ms`;
    return `${name} ${fmt(a.completed)} req (${a.completed ? ((100 * bad) / a.completed).toFixed(1) : '0.0'}% failed${p95}${a.dropped ? `, ${fmt(a.dropped)} dropped` : ''}${a.skipped ? `, ${fmt(a.skipped)} skipped` : ''})`;
  };
  const blocking = results.filter((r) => r.blocking && !r.failOnly);
  const open = blocking.filter((r) => !r.settled).map((r) => r.id);
  const failed = results.filter((r) => r.blocking && r.status === 'failed').map((r) => r.id);
  const tail = failed.length
    ? `, failed: ${failed.join(', ')}`
    : open.length
      ? `, open: ${open.slice(0, 3).join(', ')}${open.length > 3 ? `, +${open.length - 3} more` : ''}`
      : '';
  return `revgate: ${(elapsedMs / 1000).toFixed(1)} s  ${arm('canary', canary)}${baseline ? `  ${arm('baseline', baseline)}` : ''}  gates settled now ${blocking.length - open.length}/${blocking.length}${tail}\n`;
}

export interface GateVerdictInput {
  criteria: CanaryCriteria;
  /** The final evaluation (final: true) of the data the run stopped on. */
  results: readonly CanaryGateResult[];
  /** The stop rule fired: every gate decided, or one failed. */
  decided: boolean;
  interrupted: boolean;
  end: TrafficEnd;
  target: Target;
  baselineUrl?: string;
  startedAt: Date;
  finishedAt: Date;
  ratePerSecond: number;
  canary: ArmStats;
  baseline?: ArmStats;
  /** Requests sent that had no outcome when the run stopped. */
  outstanding?: { canary: number; baseline?: number };
  loopDelayP99Ms: number;
  loopDelaySamples: number;
  /** The same criteria evaluated on the baseline arm alone: whether the revision in service met each absolute gate. */
  baselineResults?: readonly CanaryGateResult[];
}

/**
 * The shared saturation policy (src/traffic/saturation.ts) for the gate: a failed absolute latency gate stands
 * when the baseline, measured by the same generator at the same time, met it; otherwise, if the generator's
 * event loop lagged or the baseline breached the same limit, it is a hold. Comparisons stay decisive.
 */
/** An undecided baseline whose observed value is on the passing side of the gate's limit (`p(95)<2000`). */
function withinLimit(b: GateResult): boolean {
  const m = /(<=|<|>=|>)\s*(-?[0-9.]+)\s*$/.exec(b.expression);
  if (!m || b.observed === undefined) return false;
  const limit = Number(m[2]);
  return m[1] === '<' ? b.observed < limit : m[1] === '<=' ? b.observed <= limit : m[1] === '>' ? b.observed > limit : b.observed >= limit;
}

export function judgeLatency(gates: GateResult[], i: Pick<GateVerdictInput, 'loopDelayP99Ms' | 'baselineResults'>): GateResult[] {
  const lagging = i.loopDelayP99Ms > GENERATOR_DELAY_LIMIT_MS;
  const delay = `the generator's event loop was delayed ${Math.round(i.loopDelayP99Ms).toLocaleString('en-US')} ms (p99)`;
  return gates.map((g) => {
    const b = i.baselineResults?.find((x) => x.id === g.id);
    const shared = b !== undefined && (b.status === 'failed' || (b.status === 'inconclusive' && !withinLimit(b)));
    const saturation = {
      saturated: lagging || shared,
      why: shared ? 'the baseline breached the same limit at the same time' : delay,
      delay: shared ? 'a cause both revisions share (this machine, or a dependency they share)' : 'its delay',
    };
    const evidence = (): string | undefined =>
      b?.status === 'passed' || (b?.status === 'inconclusive' && withinLimit(b))
        ? `the baseline, measured by the same generator at the same time, ${b.status === 'passed' ? 'met it' : 'stayed within it so far'} (${b.reason})`
        : undefined;
    return holdLatencyOnSaturation([g], saturation, evidence)[0] as GateResult;
  });
}

/**
 * Dropped arrivals are failures of their arm (a revision that cannot keep up fails its users), but a drop
 * is a latency effect: the arm had --max-in-flight requests outstanding. When both arms dropped arrivals and
 * the baseline breached the same absolute error or availability limit at the same time, the breach is
 * shared (the generator, this machine, or a dependency both use), and rolling back to the baseline would not
 * mend it: hold, as for latency. Comparisons between the arms stay decisive. Pure.
 */
export function judgeDrops(gates: GateResult[], i: Pick<GateVerdictInput, 'canary' | 'baseline' | 'baselineResults'>): GateResult[] {
  const c = i.canary.dropped;
  const b = i.baseline?.dropped ?? 0;
  if (c === 0 || b === 0) return gates;
  return gates.map((g) => {
    if (g.status !== 'failed' || !g.blocking || !ERROR_METRICS.has(g.metric) || g.id.includes('compare:')) return g;
    const base = i.baselineResults?.find((x) => x.id === g.id);
    // Past the limit on its observed value: a gate's expression is what must hold, a trigger's what fires it.
    // Observed, not decided: the canary's breach stopped the run, and the baseline's evidence may be a window behind.
    const past = base !== undefined && base.observed !== undefined && (base.role === 'trigger' ? withinLimit(base) : !withinLimit(base));
    const shared = base !== undefined && (base.status === 'failed' || past);
    if (!shared) return g;
    return {
      ...g,
      status: 'inconclusive',
      reason: `${g.reason}; not trusted: arrivals were dropped on both revisions (${c.toLocaleString('en-US')} canary, ${b.toLocaleString('en-US')} baseline: each had --max-in-flight requests outstanding) and the baseline breached the same limit at the same time (${base.reason}), a cause both share; rerun with a lower rate or on a less busy machine`,
    };
  });
}

/**
 * The results with the saturation policies applied (judgeLatency, judgeDrops), for the stop rule: a breach
 * they would hold does not stop the run (it is unsettled), so the comparisons can still decide it.
 */
export function standingResults(
  results: readonly CanaryGateResult[],
  i: Pick<GateVerdictInput, 'loopDelayP99Ms' | 'baselineResults' | 'canary' | 'baseline'>,
): CanaryGateResult[] {
  const judged = judgeDrops(judgeLatency([...results], i), i);
  return results.map((r, k) => {
    const j = judged[k] as GateResult;
    return j.status === r.status ? r : { ...r, status: j.status, reason: j.reason, settled: false };
  });
}

/**
 * The one assumption the gate's levels rest on, in this run's terms (docs/gate.md, "Bursts"): failures may
 * cluster arbitrarily within a window, and bursts spanning up to about two windows keep the stated levels.
 * Bursts are counted in time: the request figure is what such a burst is at this run's rate.
 */
export function burstAssumption(windowMs: number, ratePerSecond: number): string {
  const covered = 2 * windowMs;
  const requests = Math.max(1, Math.round((covered / 1000) * ratePerSecond));
  return (
    `failures may cluster within windows of ${fmtDuration(windowMs)}; bursts up to about ${fmtDuration(covered)} ` +
    `(~${requests.toLocaleString('en-US')} ${requests === 1 ? 'request' : 'requests'} per revision at ${ratePerSecond.toLocaleString('en-US')} req/s) keep the stated levels, ` +
    'longer ones need a longer "window" (docs/gate.md, Bursts)'
  );
}

/**
 * The gate's verdict: decide() over the gates, then the gate's own summary and traffic block. An
 * interrupted run is partial: unless the evidence had already decided it (every blocking gate passed, or
 * one failed: the sequential tests are valid whenever the run stops), it is an error (exit 4, hold), as an
 * interrupted `load` is, never a pass or a rollback on a run cut short.
 */
export function gateVerdict(i: GateVerdictInput): Verdict {
  const stopReason: StopReason = i.decided ? 'decided' : i.interrupted ? 'interrupted' : 'budget';
  const runMs = Math.max(0, i.finishedAt.getTime() - i.startedAt.getTime());
  const gates = judgeDrops(judgeLatency([...toVerdictGates(i.results, i.canary), generatorGate(i.loopDelayP99Ms, i.loopDelaySamples, runMs)], i), i);
  const budget = i.end === 'max-requests' || i.end === 'max-duration' ? i.end : undefined;
  const b = i.baseline;
  return decide({
    kind: 'gate',
    target: i.target,
    startedAt: i.startedAt,
    finishedAt: i.finishedAt,
    checks: [],
    gates,
    ...(stopReason === 'interrupted' ? { partial: true } : {}),
    version: VERSION,
    summarize: (verdict) => ({
      summary: gateSummary({
        verdict,
        canaryUrl: i.target.baseUrl,
        stopReason,
        ...(budget ? { budget } : {}),
        ratePerSecond: i.ratePerSecond,
        canaryRequests: i.canary.completed,
        ...(b ? { baselineRequests: b.completed } : {}),
        minDurationMs: i.criteria.minDurationMs,
      }),
      canary: {
        ...(i.baselineUrl ? { baselineUrl: i.baselineUrl } : {}),
        confidence: i.criteria.confidence,
        alphaPerGate: alphaPerGate(i.criteria),
        windowMs: i.criteria.windowMs,
        minDurationMs: i.criteria.minDurationMs,
        assumption: burstAssumption(i.criteria.windowMs, i.ratePerSecond),
        stopReason,
        ratePerSecond: i.ratePerSecond,
        requests: { canary: i.canary.completed, ...(b ? { baseline: b.completed } : {}) },
        dropped: { canary: i.canary.dropped, ...(b ? { baseline: b.dropped } : {}) },
        ...(i.canary.skipped || b?.skipped ? { skipped: { canary: i.canary.skipped, ...(b ? { baseline: b.skipped } : {}) } } : {}),
        ...(i.outstanding && (i.outstanding.canary || i.outstanding.baseline) ? { outstanding: i.outstanding } : {}),
        networkErrors: { canary: { ...i.canary.errorsByKind }, ...(b ? { baseline: { ...b.errorsByKind } } : {}) },
      },
    }),
  });
}
