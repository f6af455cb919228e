/**
 * Open-model arrival times. The i-th arrival is due when the integral of the rate reaches i
 * (t_i = A^-1(i)), so every request has an exact *intended* start computed from the profile, not
 * from when the event loop got round to it: latency is measured from t_i (no coordinated omission),
 * and at any time t no more than A(t) + 1 arrivals have been issued (the rate is never exceeded).
 */

export interface Segment {
  startMs: number;
  durationMs: number;
  /** Rates in arrivals per ms at the segment's start and end (linear in between). */
  fromPerMs: number;
  toPerMs: number;
}

export class ArrivalSchedule {
  readonly #segments: Segment[];
  /** Cumulative arrivals at the start of each segment. */
  readonly #cumulative: number[];
  readonly total: number;
  readonly endMs: number;
  #segment = 0;

  constructor(segments: Segment[]) {
    this.#segments = segments;
    this.#cumulative = [];
    let c = 0;
    for (const s of segments) {
      this.#cumulative.push(c);
      c += ((s.fromPerMs + s.toPerMs) / 2) * s.durationMs;
    }
    this.total = c;
    const last = segments[segments.length - 1];
    this.endMs = last ? last.startMs + last.durationMs : 0;
  }

  /** Intended start (ms from scenario start) of arrival `n` (0-based), or Infinity when the schedule ends first. Call with non-decreasing n. */
  timeOf(n: number): number {
    while (this.#segment < this.#segments.length) {
      const s = this.#segments[this.#segment] as Segment;
      const c0 = this.#cumulative[this.#segment] as number;
      const area = ((s.fromPerMs + s.toPerMs) / 2) * s.durationMs;
      // Half-open [c0, c0 + area): an arrival exactly at a segment's end belongs to the next one.
      if (n < c0 + area) {
        const k = n - c0;
        const slope = (s.toPerMs - s.fromPerMs) / s.durationMs;
        let tau: number;
        if (Math.abs(slope) < 1e-15) tau = s.fromPerMs > 0 ? k / s.fromPerMs : 0;
        // Solve fromPerMs*tau + slope*tau^2/2 = k for the root in [0, duration].
        else tau = (-s.fromPerMs + Math.sqrt(Math.max(0, s.fromPerMs * s.fromPerMs + 2 * slope * k))) / slope;
        return s.startMs + Math.min(Math.max(tau, 0), s.durationMs);
      }
      this.#segment++;
    }
    return Infinity;
  }
}

/** constant-arrival-rate: `rate` arrivals per `timeUnitMs` for `durationMs`. */
export function constantRate(rate: number, timeUnitMs: number, durationMs: number): ArrivalSchedule {
  const perMs = rate / timeUnitMs;
  return new ArrivalSchedule([{ startMs: 0, durationMs, fromPerMs: perMs, toPerMs: perMs }]);
}

/** ramping-arrival-rate: linear ramps from `startRate` through each stage's target. */
export function rampingRate(startRate: number, timeUnitMs: number, stages: Array<{ durationMs: number; target: number }>): ArrivalSchedule {
  const segments: Segment[] = [];
  let t = 0;
  let from = startRate / timeUnitMs;
  for (const st of stages) {
    const to = st.target / timeUnitMs;
    if (st.durationMs > 0) segments.push({ startMs: t, durationMs: st.durationMs, fromPerMs: from, toPerMs: to });
    t += st.durationMs;
    from = to;
  }
  return new ArrivalSchedule(segments);
}
