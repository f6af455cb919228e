/**
 * The unit of a gate's observed value and of its interval, for people: report.html and summary.md write
 * `2.58 s` and `[2.48 s, 2.64 s]` instead of `2582.5` and `[2484.223, 2635.775]`. Pure.
 */
import type { GateResult, Verdict } from '../verdict/types.js';
import type { GateTrace } from './data.js';
import { inUnit, type Unit } from './page/format.js';

/** evaluate-gates.ts writes an unbounded interval end as MAX_SAFE_INTEGER. */
const UNBOUNDED = 1e15;

/** The units of a gate's observed value and interval: from its trace when the command gave one, else from its metric. */
export function gateUnits(kind: Verdict['kind'], g: GateResult, trace?: Pick<GateTrace, 'unit'>): { observed: Unit; interval: Unit } {
  if (trace) {
    const u: Unit = trace.unit;
    // A canary-vs-baseline latency gate reports the canary's estimate (ms) beside an interval of the ratio.
    return { observed: trace.unit === 'ratio' ? 'ms' : u, interval: u };
  }
  const base = g.metric.replace(/\{.*$/, '');
  const vsBaseline = /baseline/.test(g.expression);
  if (base.endsWith('_duration') || base === 'revgate_event_loop_delay')
    return vsBaseline ? { observed: kind === 'gate' ? 'ms' : 'ratio', interval: 'ratio' } : { observed: 'ms', interval: 'ms' };
  if (base === 'http_req_failed' || base === 'availability' || base === 'checks')
    return vsBaseline ? { observed: 'difference', interval: 'difference' } : { observed: 'fraction', interval: 'fraction' };
  if (/(^|\s)rate\s*[<>=!]/.test(g.expression)) return { observed: 'per-second', interval: 'per-second' };
  return { observed: 'count', interval: 'count' };
}

/** `[2.48 s, 2.64 s]`, `[×0.81, ∞]`; empty when the gate has no interval. */
export function formatInterval(g: GateResult, unit: Unit): string {
  if (!g.interval) return '';
  // An unbounded end is null in the verdict (no sentinel numbers); older verdicts may still carry a huge one.
  const end = (x: number | null, side: -1 | 1): string =>
    x === null ? (side > 0 ? '∞' : '-∞') : Math.abs(x) >= UNBOUNDED ? (x > 0 ? '∞' : '-∞') : inUnit(x, unit);
  return `[${end(g.interval[0], -1)}, ${end(g.interval[1], 1)}]`;
}
