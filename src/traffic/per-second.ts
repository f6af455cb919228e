/**
 * Per-second counters and latency quantiles of one stream of requests (a canary gate arm), for the
 * report's charts: requests, failures and drops per second, p50/p95/p99 of the requests completed in
 * each second, and the whole run's latency histogram. Outcomes arrive in completion order on one
 * clock, so one open second's histogram is enough; a second is closed when a later one starts.
 * Memory: one number per second per series, and two HDR histograms.
 */
import type { ArmSeries, PerSecondSeries } from '../report/data.js';
import { clampUs, latencyBuckets, newHistogram } from './histogram.js';

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class PerSecondRecorder {
  readonly #requests: number[] = [];
  readonly #failed: number[] = [];
  readonly #dropped: number[] = [];
  readonly #p50: Array<number | null> = [];
  readonly #p95: Array<number | null> = [];
  readonly #p99: Array<number | null> = [];
  readonly #second = newHistogram();
  readonly #whole = newHistogram();
  #open = -1;

  /** A request completed `atMs` into the run (ok: a response with a status in 200-399). */
  record(atMs: number, latencyMs: number, ok: boolean): void {
    const s = this.#at(atMs);
    this.#requests[s] = (this.#requests[s] ?? 0) + 1;
    if (!ok) this.#failed[s] = (this.#failed[s] ?? 0) + 1;
    const us = clampUs(Math.round(latencyMs * 1000));
    this.#second.recordValue(us);
    this.#whole.recordValue(us);
  }

  /** An arrival not sent, `atMs` into the run. */
  drop(atMs: number): void {
    const s = this.#at(atMs);
    this.#dropped[s] = (this.#dropped[s] ?? 0) + 1;
  }

  /** The series so far (the open second included). */
  series(): ArmSeries {
    const n = Math.max(0, this.#open + 1);
    const fill = (a: number[]): number[] => Array.from({ length: n }, (_, i) => a[i] ?? 0);
    const q = (a: Array<number | null>, p: number): Array<number | null> =>
      Array.from({ length: n }, (_, i) =>
        i === this.#open ? (this.#second.totalCount ? round3(this.#second.getValueAtPercentile(p) / 1000) : null) : (a[i] ?? null),
      );
    const perSecond: PerSecondSeries = {
      requests: fill(this.#requests),
      failed: fill(this.#failed),
      dropped: fill(this.#dropped),
      p50Ms: q(this.#p50, 50),
      p95Ms: q(this.#p95, 95),
      p99Ms: q(this.#p99, 99),
    };
    return { perSecond, histogram: latencyBuckets(this.#whole) };
  }

  /** The second `atMs` falls in; closes the open one when time has moved past it. */
  #at(atMs: number): number {
    const s = Math.max(0, Math.floor(atMs / 1000));
    // Earlier than the open second cannot happen on one monotonic clock; counted where it belongs all the same.
    if (s <= this.#open) return s;
    const h = this.#second;
    if (this.#open >= 0 && h.totalCount) {
      this.#p50[this.#open] = round3(h.getValueAtPercentile(50) / 1000);
      this.#p95[this.#open] = round3(h.getValueAtPercentile(95) / 1000);
      this.#p99[this.#open] = round3(h.getValueAtPercentile(99) / 1000);
    }
    h.reset();
    this.#open = s;
    return s;
  }
}
