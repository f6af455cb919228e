/**
 * Paired, rate-capped synthetic traffic for the canary gate, on undici.
 *
 * Arrival k is due at k / rate seconds (an open model: a slow revision does not lower the offered
 * load; arrivals that find `maxInFlight` requests outstanding are dropped and counted). Latency counts
 * from the moment the request is handed to undici, not from its scheduled time as in the load engine:
 * a gate judges the revision, and a generator that fell behind (a busy CI runner) must not read as a
 * slow canary. Both arms of an arrival are sent in the same turn, so they share any such delay. Every
 * arrival sends the same request of the mix to each revision, in alternating order (canary first on
 * even arrivals, baseline first on odd ones), so both arms see the same request mix under the same
 * conditions and which arm a request goes to is fixed before its outcome (what the two-sample tests
 * assume). Each request is announced to its arm's ArmRecorder when it is sent (`pending`, so a request
 * still in flight counts against the canary) and resolved when its outcome arrives, on one clock for
 * both arms: milliseconds since the measured traffic started.
 *
 * Not the load engine: the gate needs every outcome with its tags in an ArmRecorder, and one stream
 * alternating between two origins; the engine aggregates into its own recorder per scenario and origin.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { classifyNetError } from '../http/classify.js';
import type { ArmRecorder } from './observations.js';
import type { PerSecondRecorder } from '../traffic/per-second.js';
import { evaluateHttp } from '../evaluate/http.js';
import type { MixRequest, RequestMix } from './request-mix.js';

export type ArmName = 'canary' | 'baseline';

export interface ArmTarget {
  name: ArmName;
  baseUrl: string;
  recorder: ArmRecorder;
  /** Per-second counts and latency for the report's charts, on the driver's clock (elapsedMs). */
  series?: PerSecondRecorder;
}

export interface TrafficOptions {
  /** Requests per second sent to each revision. */
  ratePerSecond: number;
  /** Arrivals per revision before the budget is spent. */
  maxRequests: number;
  maxDurationMs: number;
  /** Requests in flight per revision; an arrival finding this many is dropped and counted. */
  maxInFlight: number;
  /** Extra CA (PEM) to trust; TLS verification is never disabled. */
  ca?: string;
}

export interface ArmStats {
  /** Requests with an outcome (a response or a network error) recorded. */
  completed: number;
  /** Arrivals not sent because the revision already had maxInFlight requests outstanding: failures of that revision. */
  dropped: number;
  /**
   * Arrivals skipped on both revisions alike because the generator fell behind (a busy machine): not the
   * revisions' fault, so not counted against either; the pairing holds, as both skip the same arrivals.
   */
  skipped: number;
  inFlight: number;
  /** Responses by status class ('2xx', '5xx', ...). */
  statusClasses: Record<string, number>;
  /** Requests without a response, by kind; and the first message seen of each kind. */
  errorsByKind: Record<string, number>;
  errorSamples: Record<string, string>;
}

/** Why the traffic ended: a budget ran out, or the caller stopped it (decided, interrupted). */
export type TrafficEnd = 'max-requests' | 'max-duration' | 'stopped';

interface ArmState {
  target: ArmTarget;
  pool: Pool;
  basePath: string;
  options: Dispatcher.RequestOptions[];
  stats: ArmStats;
}

const MAX_TICK_MS = 20;
/** A revision that does not answer the warm-up within this long gets the measured traffic anyway. */
const WARM_UP_MAX_MS = 2000;
/** Arrivals later than this are skipped on both arms (counted as skipped), so a stalled generator never bursts. */
const MAX_BACKLOG_MS = 200;

export class TrafficDriver {
  readonly #mix: RequestMix;
  readonly #options: TrafficOptions;
  readonly #arms: ArmState[];
  readonly #abort = new AbortController();
  #t0 = 0;
  /** Scheduled arrivals so far, and those actually sent to the revisions (the request budget). */
  #arrival = 0;
  #attempted = 0;
  #timer: NodeJS.Timeout | undefined;
  #end: TrafficEnd | undefined;
  /** After stop(): outcomes are no longer recorded, so the verdict rests on the data that decided it. */
  #frozen = false;
  #resolve: ((end: TrafficEnd) => void) | undefined;
  #lastSentMs = 0;

  constructor(mix: RequestMix, arms: readonly ArmTarget[], options: TrafficOptions) {
    this.#mix = mix;
    this.#options = options;
    // One signal aborts every in-flight request at stop(); each request adds a listener while it runs.
    setMaxListeners(0, this.#abort.signal);
    this.#arms = arms.map((target) => {
      const url = new URL(target.baseUrl);
      const basePath = url.pathname.replace(/\/$/, '');
      const pool = new Pool(url.origin, {
        connections: options.maxInFlight,
        pipelining: 1,
        headersTimeout: mix.timeoutMs,
        bodyTimeout: mix.timeoutMs,
        connect: { timeout: mix.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) },
      });
      // One options object per request, built once; undici does not modify it.
      const requestOptions = mix.requests.map((r): Dispatcher.RequestOptions => ({
        method: r.method,
        path: basePath + r.path,
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        signal: this.#abort.signal,
        headersTimeout: mix.timeoutMs,
        bodyTimeout: mix.timeoutMs,
      }));
      return {
        target,
        pool,
        basePath,
        options: requestOptions,
        stats: { completed: 0, dropped: 0, skipped: 0, inFlight: 0, statusClasses: {}, errorsByKind: {}, errorSamples: {} },
      };
    });
  }

  /** Warms up, then sends until a budget is spent (then lets in-flight requests finish) or stop() is called. */
  async run(): Promise<TrafficEnd> {
    if (!this.#frozen) await this.#warmUp();
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#t0 = performance.now();
      // Stopped before it started (an early Ctrl-C): send nothing.
      if (this.#frozen) this.#finish();
      else this.#tick();
    });
  }

  /**
   * Every request of the mix once to each revision, not recorded: the first requests of a process pay
   * for connection setup, undici's parser compilation and JIT warm-up, which is revgate's cost, not the
   * revision's. Fixed before any data is seen, so leaving them out does not bias the tests.
   */
  async #warmUp(): Promise<void> {
    const all = this.#arms.flatMap((a) =>
      a.options.map((o) =>
        a.pool
          .request(o)
          .then((res) => res.body.dump({ limit: 1 << 20 }))
          .catch(() => undefined),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(all), new Promise((r) => (timer = setTimeout(r, WARM_UP_MAX_MS)))]);
    clearTimeout(timer);
  }

  /** Stops sending, aborts what is in flight and freezes the recorders. Idempotent. */
  stop(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    this.#end ??= 'stopped';
    if (this.#resolve) this.#finish();
  }

  /** The run's clock: ms since the measured traffic started (0 before it starts). The recorders' timestamps are on it. */
  elapsedMs(): number {
    return this.#t0 ? performance.now() - this.#t0 : 0;
  }

  /** When the last request was sent, on the run's clock (0 before any was sent). */
  lastSentMs(): number {
    return this.#lastSentMs;
  }

  stats(arm: ArmName): ArmStats | undefined {
    return this.#arms.find((a) => a.target.name === arm)?.stats;
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#end) return;
    const now = performance.now();
    const interval = 1000 / this.#options.ratePerSecond;
    let due = this.#t0 + this.#arrival * interval;
    while (due <= now) {
      if (this.#attempted >= this.#options.maxRequests) return this.#drain('max-requests');
      if (due - this.#t0 >= this.#options.maxDurationMs) return this.#drain('max-duration');
      const k = this.#arrival++;
      if (now - due > MAX_BACKLOG_MS) {
        // The generator stalled (a busy machine): skip what is long overdue instead of bursting it at the revisions.
        for (const a of this.#arms) a.stats.skipped++;
      } else {
        const r = this.#mix.cycle[this.#attempted++ % this.#mix.cycle.length] as number;
        // Alternate which revision goes first, so neither always gets the warmer event loop.
        for (let i = 0; i < this.#arms.length; i++) this.#send(this.#arms[(i + k) % this.#arms.length] as ArmState, r);
      }
      due = this.#t0 + this.#arrival * interval;
    }
    if (this.#attempted >= this.#options.maxRequests) return this.#drain('max-requests');
    if (due - this.#t0 >= this.#options.maxDurationMs) return this.#drain('max-duration');
    this.#timer = setTimeout(() => this.#tick(), Math.max(1, Math.min(MAX_TICK_MS, due - performance.now())));
  }

  #send(arm: ArmState, r: number): void {
    const s = arm.stats;
    const request = this.#mix.requests[r] as MixRequest;
    const tags = request.tags;
    const recorder = arm.target.recorder;
    const sent = performance.now();
    const sentMs = sent - this.#t0;
    if (s.inFlight >= this.#options.maxInFlight) {
      // A revision that cannot keep up is failing its users: a failed request of its arm, latency unknown.
      s.dropped++;
      arm.target.series?.drop(sentMs);
      recorder.drop(sentMs, tags);
      return;
    }
    s.inFlight++;
    this.#lastSentMs = sentMs;
    const ticket = recorder.pending(sentMs, tags);
    arm.pool
      .request(arm.options[r] as Dispatcher.RequestOptions)
      .then((res) => readWhole(res, request, sent))
      .then(
        ({ status, unmet }) => {
          s.inFlight--;
          if (this.#frozen) return this.#settled();
          s.completed++;
          const done = performance.now();
          const latencyMs = done - sent;
          if (unmet) {
            // The whole response arrived but is not what the check expects (a sign-in page, a wrong body): a failed
            // request with no usable response, counted against availability like a reset, not as a 5xx.
            s.errorsByKind.expectation = (s.errorsByKind.expectation ?? 0) + 1;
            s.errorSamples.expectation ??= `${request.name}: ${unmet}`;
            recorder.record({ latencyMs, tags }, done - this.#t0, ticket);
            arm.target.series?.record(done - this.#t0, latencyMs, false);
            return this.#settled();
          }
          const cls = `${Math.floor(status / 100)}xx`;
          s.statusClasses[cls] = (s.statusClasses[cls] ?? 0) + 1;
          recorder.record({ status, latencyMs, tags }, done - this.#t0, ticket);
          arm.target.series?.record(done - this.#t0, latencyMs, status >= 200 && status < 400);
          this.#settled();
        },
        (err: unknown) => {
          s.inFlight--;
          if (this.#frozen) return this.#settled();
          const { kind, message } = classifyNetError(err);
          s.completed++;
          s.errorsByKind[kind] = (s.errorsByKind[kind] ?? 0) + 1;
          s.errorSamples[kind] ??= message;
          // A request that got no response is a failure and a latency sample (a timeout is a wait for the user).
          const done = performance.now();
          recorder.record({ latencyMs: done - sent, tags }, done - this.#t0, ticket);
          arm.target.series?.record(done - this.#t0, done - sent, false);
          this.#settled();
        },
      );
  }

  /** A budget is spent: send nothing more, let in-flight requests finish (each is bounded by the timeout). */
  #drain(end: TrafficEnd): void {
    this.#end ??= end;
    this.#settled();
  }

  #settled(): void {
    if (!this.#end) return;
    if (this.#frozen || this.#arms.every((a) => a.stats.inFlight === 0)) this.#finish();
  }

  #finish(): void {
    if (!this.#resolve) return;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#frozen = true;
    this.#abort.abort();
    void Promise.all(this.#arms.map((a) => a.pool.destroy().catch(() => undefined))).then(() => resolve(this.#end as TrafficEnd));
  }
}

/** Body bytes kept as text for a check's expectations; the rest is read (to see it complete) and dropped. */
const KEEP_BYTES = 1 << 20;

/**
 * Reads the whole response: a body cut mid-way (reset, broken chunked framing, truncated content-length) is
 * an error here, so the request fails with its kind, as it does in `load`. With the check's expectations
 * (--config), the response is judged by the smoke evaluators; `unmet` names the first failed assertion.
 */
async function readWhole(res: Dispatcher.ResponseData, request: MixRequest, sent: number): Promise<{ status: number; unmet?: string }> {
  const kept: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (request.expect && bytes < KEEP_BYTES) kept.push(chunk.subarray(0, KEEP_BYTES - bytes));
    bytes += chunk.length;
  }
  if (!request.expect) return { status: res.statusCode };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const assertions = evaluateHttp(
    {
      kind: 'http',
      method: request.method,
      url: request.path,
      durationMs: performance.now() - sent,
      response: { status: res.statusCode, headers, bodyText: Buffer.concat(kept).toString('utf8'), bodyBytes: bytes },
    },
    request.expect,
  );
  const bad = assertions.find((a) => a.phase === 'failed' || a.phase === 'error');
  return bad ? { status: res.statusCode, unmet: bad.message ?? bad.name } : { status: res.statusCode };
}
