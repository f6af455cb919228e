/**
 * One saturation policy for every traffic generator (load and gate). Latency is measured on revgate's side:
 * when the generator itself was saturated (late starts, a starved event loop), an absolute latency gate that
 * failed may be measuring revgate, not the revision. Such a failure stands only when separate evidence says
 * the target itself is slow (load: the gate still fails with the generator's lateness taken off; gate: the
 * baseline, measured by the same busy generator at the same time, met the limit). Otherwise it becomes
 * inconclusive (hold, never a rollback on noise). Error-rate gates and canary-vs-baseline comparisons are
 * left alone: both arms share the generator, so a comparison stays decisive. Pure.
 */
import type { GateResult } from '../verdict/types.js';

export interface Saturation {
  saturated: boolean;
  /** Why, in a few words, e.g. "the load generator was saturated (12 of 250 arrivals started late)". */
  why: string;
  /** What of the generator's could explain a breach: "its late starts", "its event-loop delay". */
  delay: string;
}

/** An absolute latency gate of either command (k6 `http_req_duration` thresholds, baseline comparisons of a run). */
export function isAbsoluteLatencyGate(g: GateResult): boolean {
  return g.metric.startsWith('http_req_duration') || g.id.startsWith('baseline http_req_duration');
}

/**
 * `stillFails(g)` returns the evidence that the target itself is slow (a sentence), or undefined when the
 * generator's delay could explain the breach.
 */
export function holdLatencyOnSaturation(gates: GateResult[], saturation: Saturation, stillFails: (g: GateResult) => string | undefined): GateResult[] {
  if (!saturation.saturated) return gates;
  return gates.map((g) => {
    if (!isAbsoluteLatencyGate(g) || g.status !== 'failed' || !g.blocking) return g;
    const evidence = stillFails(g);
    if (evidence) return { ...g, reason: `${g.reason}; ${saturation.why}, but ${evidence}` };
    return {
      ...g,
      status: 'inconclusive',
      reason: `${g.reason}; not trusted: ${saturation.why} and ${saturation.delay} could account for the breach; rerun with a lower rate or on a less busy machine`,
    };
  });
}
