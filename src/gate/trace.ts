/**
 * Each gate's evidence over time, for the report: the interval at every evaluation against the gate's
 * limit, and the moment it was decided (report/data.ts GateTrace). Fed by the gate command with every
 * evaluation it already makes (every 250 ms, and the final one); it reads results, it changes nothing.
 * Memory stays bounded however long the run: past MAX_POINTS a trace keeps every other point.
 *
 * The one place that reads a result's evidence is `pointOf`. Today's results carry `interval` (an unbounded end
 * as ±MAX_SAFE_INTEGER); the windowed gate (wip/gate-windows.patch) adds `bounds` (lower/upper/observed in the
 * gate's own unit, null = unbounded, and an `interval` only once both ends are bounded): pointOf prefers
 * `bounds` when a result has them, so the traces keep working when that patch lands.
 */
import type { GateTrace, TracePoint } from '../report/data.js';
import type { Operator } from '../thresholds/index.js';
import type { CanaryCriteria, GateSpec } from './criteria.js';
import type { CanaryGateResult } from './evaluate-gates.js';

const MAX_POINTS = 400;
/** evaluate-gates.ts writes an unbounded end as ±MAX_SAFE_INTEGER (or 0 for a ratio's lower end). */
const UNBOUNDED = 1e15;

const below = (op: Operator): boolean => op === '<' || op === '<=';

/** The limit a gate is judged against, in its interval's unit, and which side of it passes. */
export function traceShape(g: GateSpec): Pick<GateTrace, 'unit' | 'limit' | 'passWhen'> {
  switch (g.kind) {
    case 'proportion':
      // A rollback trigger passes (does not fire) on the other side of its condition.
      return { unit: 'fraction', limit: g.value, passWhen: below(g.operator) !== (g.role === 'trigger') ? 'below' : 'above' };
    case 'quantile':
      return { unit: 'ms', limit: g.valueMs, passWhen: below(g.operator) !== (g.role === 'trigger') ? 'below' : 'above' };
    case 'count':
      return { unit: 'count', limit: g.value, passWhen: below(g.operator) || g.operator === '==' || g.operator === '===' ? 'below' : 'above' };
    case 'compare-rate':
      return { unit: 'difference', limit: g.absolute, passWhen: 'below' };
    case 'compare-quantile':
      return { unit: 'ratio', limit: 1 + g.maxIncrease, passWhen: 'below' };
  }
}

const end = (x: number | null | undefined): number | null => (x === undefined || x === null || !Number.isFinite(x) || Math.abs(x) >= UNBOUNDED ? null : x);

/** The windowed gate's evidence (wip/gate-windows.patch `GateBounds`): ends in the gate's own unit, null while unbounded. */
interface Bounds {
  lower: number | null;
  upper: number | null;
  observed: number | null;
}

/**
 * A result's evidence as a trace point: the windowed gate's `bounds` when the result carries them, else
 * today's `interval` and `observed` (see the file comment).
 */
export function pointOf(tMs: number, g: GateSpec, r: CanaryGateResult): TracePoint {
  const t = Math.round(tMs);
  const bounds = (r as CanaryGateResult & { bounds?: Bounds }).bounds;
  if (bounds) return { tMs: t, lo: end(bounds.lower ?? undefined), hi: end(bounds.upper ?? undefined), observed: end(bounds.observed ?? undefined) };
  if (g.kind === 'count') return { tMs: t, lo: r.observed ?? null, hi: r.observed ?? null, observed: r.observed ?? null };
  const [lo, hi] = r.interval ?? [undefined, undefined];
  // A canary-vs-baseline latency gate's `observed` is the canary's p(x) in ms, not the ratio its interval is in.
  const observed = g.kind === 'compare-quantile' ? undefined : end(r.observed);
  return { tMs: t, lo: end(lo), hi: end(hi), ...(observed !== undefined ? { observed } : {}) };
}

interface Building {
  spec: GateSpec;
  points: TracePoint[];
  minGapMs: number;
  decidedAtMs?: number;
  decidedStatus?: 'passed' | 'failed' | 'error';
}

export class GateTraceRecorder {
  readonly #gates = new Map<string, Building>();

  constructor(criteria: CanaryCriteria) {
    for (const spec of criteria.gates) this.#gates.set(spec.id, { spec, points: [], minGapMs: 0 });
  }

  /** One evaluation of every gate, `tMs` into the traffic. `final`: the last one, kept whatever the spacing. */
  add(tMs: number, results: readonly CanaryGateResult[], final = false): void {
    for (const r of results) {
      const b = this.#gates.get(r.id);
      if (!b) continue;
      const decidedNow = b.decidedAtMs === undefined && r.status !== 'inconclusive' && r.settled;
      if (decidedNow) {
        b.decidedAtMs = Math.round(tMs);
        b.decidedStatus = r.status as 'passed' | 'failed' | 'error';
      }
      const last = b.points[b.points.length - 1];
      if (last && !decidedNow && !final && tMs - last.tMs < b.minGapMs) continue;
      b.points.push(pointOf(tMs, b.spec, r));
      if (b.points.length > MAX_POINTS) {
        const keep = b.decidedAtMs;
        b.points = b.points.filter((p, i) => i % 2 === 0 || i === b.points.length - 1 || p.tMs === keep);
        b.minGapMs = Math.max(1, b.minGapMs * 2 || tMs / MAX_POINTS);
      }
    }
  }

  traces(): GateTrace[] {
    return [...this.#gates.values()].map((b) => ({
      gateId: b.spec.id,
      ...traceShape(b.spec),
      points: b.points,
      ...(b.decidedAtMs !== undefined ? { decidedAtMs: b.decidedAtMs, ...(b.decidedStatus ? { decidedStatus: b.decidedStatus } : {}) } : {}),
    }));
  }
}
