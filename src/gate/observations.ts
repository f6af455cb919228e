import type { OrderedSample } from '../stats/index.js';
import { clampUs, newHistogram } from '../traffic/histogram.js';

/** One request as the canary gate sees it. */
export interface Outcome {
  /** HTTP status, absent when no response arrived (refused, timeout, reset...). */
  status?: number;
  latencyMs: number;
  /** Tags of the request (endpoint, tenant...) for tag-scoped gates. */
  tags?: Readonly<Record<string, string>>;
}

/** Counts behind every gate for one arm (canary or baseline) and one tag scope. */
export interface ArmView {
  requests: number;
  /** k6's http_req_failed: no response, or a status outside 200-399. */
  failures: number;
  /** Availability failures: no response, or a 5xx (a 4xx is the client's problem). */
  unavailable: number;
  status5xx: number;
  /** Requests slower than X ms, for every X a gate asked about. */
  slowerThan(thresholdMs: number): number;
  /** Latencies in order (an HDR histogram, so memory stays flat however long the run). */
  latency: OrderedSample;
}

class Scope implements ArmView {
  requests = 0;
  failures = 0;
  unavailable = 0;
  status5xx = 0;
  private readonly slower: Map<number, number>;
  private readonly histogram = newHistogram();

  constructor(latencyThresholdsMs: readonly number[]) {
    this.slower = new Map(latencyThresholdsMs.map((x) => [x, 0]));
  }

  record(o: Outcome): void {
    this.requests++;
    const noResponse = o.status === undefined;
    if (noResponse || (o.status as number) < 200 || (o.status as number) >= 400) this.failures++;
    if (noResponse || (o.status as number) >= 500) this.unavailable++;
    if (!noResponse && (o.status as number) >= 500) this.status5xx++;
    for (const [x, n] of this.slower) if (o.latencyMs > x) this.slower.set(x, n + 1);
    this.histogram.recordValue(clampUs(Math.round(o.latencyMs * 1000)));
  }

  slowerThan(thresholdMs: number): number {
    const n = this.slower.get(thresholdMs);
    if (n === undefined) throw new Error(`latency threshold ${thresholdMs} ms was not registered with the recorder`);
    return n;
  }

  get latency(): OrderedSample {
    const h = this.histogram;
    const count = this.requests;
    return { count, valueAtRank: (rank: number) => h.getValueAtPercentile((100 * rank) / count) / 1000 };
  }
}

/**
 * Accumulates one arm's outcomes, for the whole arm and for each tag scope the gates reference
 * (`tenant:acme`). Counting exceedances of known thresholds at record time keeps evaluation O(1).
 */
export class ArmRecorder {
  private readonly all: Scope;
  private readonly scoped = new Map<string, Scope>();

  constructor(
    private readonly latencyThresholdsMs: readonly number[],
    scopes: readonly string[] = [],
  ) {
    this.all = new Scope(latencyThresholdsMs);
    for (const s of scopes) this.scoped.set(s, new Scope(latencyThresholdsMs));
  }

  record(o: Outcome): void {
    this.all.record(o);
    if (o.tags && this.scoped.size) {
      for (const [k, v] of Object.entries(o.tags)) this.scoped.get(`${k}:${v}`)?.record(o);
    }
  }

  /** The whole arm, or one scope (`tenant:acme`); an unknown scope is an empty view. */
  view(scope?: string): ArmView {
    if (!scope) return this.all;
    let s = this.scoped.get(scope);
    if (!s) {
      s = new Scope(this.latencyThresholdsMs);
      this.scoped.set(scope, s);
    }
    return s;
  }
}
