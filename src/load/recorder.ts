/**
 * The engine's measurements, in flat memory: HDR histograms (microseconds, 3 significant digits,
 * so any quantile is within 0.1%), preallocated counters and fixed-size per-second arrays sized
 * from the planned duration. Nothing here grows with the number of requests.
 */
import type { NetErrorKind } from '../evaluate/types.js';
import { clampUs, newHistogram, type Histogram } from '../traffic/histogram.js';
import type { Lateness } from './lateness.js';

export const NET_ERROR_KINDS: readonly NetErrorKind[] = [
  'dns',
  'connect',
  'timeout',
  'tls',
  'reset',
  'redirect-loop',
  'redirect-offsite',
  'body-too-large',
  'protocol',
  'other',
];
/** Equal-time blocks per run, for the batch-means noise estimate baselines use. */
export const BLOCKS = 10;

/** One sub-metric: all requests, or the requests of one tag filter. Failed and expected responses are kept apart so `{expected_response:true}` is exact. */
export class SeriesGroup {
  readonly ok = newHistogram();
  readonly bad = newHistogram();
  requests = 0;
  failed = 0;
  constructor(readonly key: string) {}

  /** ok + bad, merged on demand (after the run or once a second), never per request. */
  merged(): Histogram {
    const h = newHistogram();
    h.add(this.ok);
    h.add(this.bad);
    return h;
  }
}

export interface PerSecond {
  requests: Uint32Array;
  failed: Uint32Array;
  dropped: Uint32Array;
  /** Arrivals issued more than LATE_MS after their scheduled time (the generator fell behind). */
  late: Uint32Array;
  /** Latency quantiles of the requests completed in that second, in ms. */
  p50: Float64Array;
  p95: Float64Array;
  p99: Float64Array;
}

export class Recorder {
  readonly groups: SeriesGroup[];
  /** Index 0: no response (network error); 1..5: 1xx..5xx. */
  readonly statusClasses = new Float64Array(6);
  readonly errors: Record<NetErrorKind, number> = Object.fromEntries(NET_ERROR_KINDS.map((k) => [k, 0])) as Record<NetErrorKind, number>;
  /** A sample error message per kind (the first seen), for the verdict's reasons. */
  readonly errorSamples: Partial<Record<NetErrorKind, string>> = {};
  dropped = 0;
  lateStarts = 0;
  /** Largest and summed lateness (issue time - scheduled time) of arrival-rate arrivals, ms: see lateness.ts. */
  latenessMaxMs = 0;
  latenessSumMs = 0;
  interrupted = 0;
  /** Requests sent once more on a new connection after the server's idle close crossed them (never twice). */
  retries = 0;
  iterations = 0;
  bytesIn = 0;
  bytesOut = 0;
  maxInFlight = 0;
  readonly perSecond: PerSecond;
  readonly blocks: Histogram[] = Array.from({ length: BLOCKS }, () => newHistogram());
  readonly blockRequests = new Float64Array(BLOCKS);
  readonly blockFailed = new Float64Array(BLOCKS);
  #second = 0;
  #block = 0;
  readonly #secondHist = newHistogram();

  constructor(groupKeys: readonly string[], seconds: number) {
    this.groups = groupKeys.map((k) => new SeriesGroup(k));
    const n = Math.max(1, Math.ceil(seconds));
    this.perSecond = {
      requests: new Uint32Array(n),
      failed: new Uint32Array(n),
      dropped: new Uint32Array(n),
      late: new Uint32Array(n),
      p50: new Float64Array(n),
      p95: new Float64Array(n),
      p99: new Float64Array(n),
    };
  }

  /** Hot path: one completed request. `groups` are the sub-metrics it belongs to (0 = all). */
  record(groups: Int32Array, latencyUs: number, ok: boolean, statusClass: number): void {
    const us = clampUs(latencyUs);
    for (let i = 0; i < groups.length; i++) {
      const g = this.groups[groups[i] as number] as SeriesGroup;
      g.requests++;
      if (ok) g.ok.recordValue(us);
      else {
        g.failed++;
        g.bad.recordValue(us);
      }
    }
    this.statusClasses[statusClass] = (this.statusClasses[statusClass] as number) + 1;
    this.#secondHist.recordValue(us);
    (this.blocks[this.#block] as Histogram).recordValue(us);
    this.blockRequests[this.#block] = (this.blockRequests[this.#block] as number) + 1;
    const s = this.#second;
    if (s < this.perSecond.requests.length) {
      this.perSecond.requests[s] = (this.perSecond.requests[s] as number) + 1;
      if (!ok) this.perSecond.failed[s] = (this.perSecond.failed[s] as number) + 1;
    }
    if (!ok) this.blockFailed[this.#block] = (this.blockFailed[this.#block] as number) + 1;
  }

  recordError(kind: NetErrorKind, message: string): void {
    this.errors[kind]++;
    // One message per kind, ever: bounded, and only on the error path.
    if (this.errorSamples[kind] === undefined) this.errorSamples[kind] = message;
  }

  /** An arrival issued `lagMs` after its scheduled time (arrival-rate scenarios). */
  recordLateness(lagMs: number, lateMs: number): void {
    if (lagMs <= 0) return;
    this.latenessSumMs += lagMs;
    if (lagMs > this.latenessMaxMs) this.latenessMaxMs = lagMs;
    if (lagMs > lateMs) {
      this.lateStarts++;
      const s = this.#second;
      if (s < this.perSecond.late.length) this.perSecond.late[s] = (this.perSecond.late[s] as number) + 1;
    }
  }

  /** The generator's lateness over the run, for lower bounds on latency (lateness.ts). */
  lateness(lateMs: number): Lateness {
    return { late: this.lateStarts, maxMs: this.latenessMaxMs, sumMs: this.latenessSumMs, thresholdMs: lateMs };
  }

  recordDropped(): void {
    this.dropped++;
    const s = this.#second;
    if (s < this.perSecond.dropped.length) this.perSecond.dropped[s] = (this.perSecond.dropped[s] as number) + 1;
  }

  /** Housekeeping (a timer, not the hot path): move to second `s` and block `b`, closing the previous second. */
  advance(second: number, block: number): void {
    if (second !== this.#second) {
      this.#closeSecond();
      this.#second = second;
    }
    this.#block = Math.min(BLOCKS - 1, Math.max(this.#block, block));
  }

  /** Closes the current second (call once after the run). */
  finish(): void {
    this.#closeSecond();
  }

  /** Seconds with data so far. */
  secondsElapsed(): number {
    return Math.min(this.perSecond.requests.length, this.#second + 1);
  }

  #closeSecond(): void {
    const s = this.#second;
    const h = this.#secondHist;
    if (s < this.perSecond.p50.length && h.totalCount > 0) {
      this.perSecond.p50[s] = h.getValueAtPercentile(50) / 1000;
      this.perSecond.p95[s] = h.getValueAtPercentile(95) / 1000;
      this.perSecond.p99[s] = h.getValueAtPercentile(99) / 1000;
    }
    h.reset();
  }
}
