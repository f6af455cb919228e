/**
 * The embedded load engine: the one hot path in revgate. One keep-alive connection per in-flight
 * slot carrying one request at a time (autocannon's -c N), each request written as bytes prebuilt at
 * plan time and each response read only for its framing (wire/: sockets from undici's connector, see
 * wire/connection.ts for why not undici's Client). Per request the engine only bumps counters and
 * records into HDR histograms; nothing is logged, thrown or allocated. Aggregation happens after the run.
 *
 * Arrival-rate scenarios are an open model: arrival i is due at its scheduled time t_i
 * (schedule.ts) and its latency is measured from t_i, so a slow target or a busy event loop shows
 * up as latency instead of silently lowering the offered load (no coordinated omission). An arrival
 * that finds every slot busy is dropped and counted (k6's dropped_iterations); one issued more than
 * LATE_MS after t_i is counted as a late start (the generator itself fell behind).
 * constant-vus scenarios are a closed model (each VU waits for its response), as in k6.
 */
import { performance } from 'node:perf_hooks';
import { buildConnector } from 'undici';
import type { NetErrorKind } from '../evaluate/types.js';
import { classifyNetError } from '../http/classify.js';
import type { ArrivalSchedule } from './schedule.js';
import { Recorder, BLOCKS } from './recorder.js';
import { endpointOf, isIdempotent, WireConnection, WireError, type Endpoint, type WireOwner } from './wire/connection.js';
import { isExpectedStatus } from '../traffic/outcome.js';

/** An arrival issued this much after its scheduled time is a late start. */
export const LATE_MS = 10;
/** Shortest wait between two looks at the arrival schedule (timer resolution). */
const TICK_MS = 1;
const HOUSEKEEPING_MS = 100;

export interface PlannedRequest {
  method: string;
  /** Full path (base path + request path). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole request as sent (wire/encode.ts): request line, headers, body. */
  wire: Buffer;
  /** Sub-metric groups this request records into (0 = all requests). */
  groups: Int32Array;
  /** Bytes on the wire for data_sent (wire.length). */
  bytesOut: number;
}

export interface PlannedScenario {
  name: string;
  executor: 'constant-arrival-rate' | 'ramping-arrival-rate' | 'constant-vus';
  /** Origin this scenario sends to (scenarios may target different origins, e.g. baseline and canary). */
  origin: string;
  startMs: number;
  durationMs: number;
  gracefulStopMs: number;
  /** In-flight cap (arrival-rate) or number of VUs (constant-vus). */
  slots: number;
  schedule?: ArrivalSchedule;
  /** Request indices in weighted, interleaved order; iteration k sends cycle[k % length]. */
  cycle: Int32Array;
}

export interface EnginePlan {
  timeoutMs: number;
  groups: string[];
  requests: PlannedRequest[];
  scenarios: PlannedScenario[];
  /** Extra CA (PEM) to trust; TLS verification is never disabled. */
  ca?: string;
}

export type StopReason = 'completed' | 'interrupted' | 'aborted';

export interface EngineResult {
  recorder: Recorder;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  stopReason: StopReason;
  /** Why the run stopped early (interrupt or abortOnFail threshold). */
  stopDetail?: string;
  /** Sum of the scenarios' slots: k6's vus_max. */
  slots: number;
}

export interface EngineHooks {
  /** Called once a second with the elapsed time; return a reason to stop the run early (abortOnFail). */
  onSecond?: (elapsedMs: number, recorder: Recorder) => string | undefined;
}

class Slot implements WireOwner {
  scheduled = 0;
  request = 0;
  status = 0;
  bytes = 0;
  /** This slot's connection, opened on first use. */
  conn: WireConnection | undefined;
  constructor(
    readonly engine: LoadEngine,
    readonly scenario: ScenarioState,
    readonly index: number,
  ) {}
  onResponse(status: number, bytesIn: number): void {
    this.status = status;
    this.bytes = bytesIn;
    this.engine.complete(this);
  }
  onFailure(err: Error): void {
    this.engine.fail(this, err);
  }
  onRetry(): void {
    this.engine.retry(this);
  }
}

interface ScenarioState {
  plan: PlannedScenario;
  endpoint: Endpoint;
  slots: Slot[];
  free: Int32Array;
  freeTop: number;
  inFlight: number;
  /** Arrivals or iterations issued so far. */
  issued: number;
  nextDue: number;
  started: boolean;
  done: boolean;
}

function errorKind(err: Error): { kind: NetErrorKind; message: string } {
  if (err instanceof WireError) return { kind: err.kind, message: err.message };
  // Fast path on undici's (its connector's) and Node's stable codes; the regex classifier for everything else.
  switch ((err as { code?: string }).code) {
    case 'ECONNREFUSED':
      return { kind: 'connect', message: err.message };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout', message: err.message };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { kind: 'reset', message: err.message };
    default: {
      const c = classifyNetError(err);
      return { kind: c.kind, message: c.message };
    }
  }
}

export class LoadEngine {
  readonly recorder: Recorder;
  readonly #plan: EnginePlan;
  readonly #hooks: EngineHooks;
  readonly #scenarios: ScenarioState[];
  /** Per planned request: a HEAD (no response body) and safe to send twice (idempotent method). */
  readonly #isHead: boolean[];
  readonly #retryable: boolean[];
  /** Opens the slots' sockets, one per origin, so TLS sessions are cached and resumed across its connections as in a Pool. */
  readonly #connectors = new Map<string, buildConnector.connector>();
  #t0 = 0;
  #inFlight = 0;
  #stopping = false;
  #destroying = false;
  #stopReason: StopReason = 'completed';
  #stopDetail: string | undefined;
  #stopAt = Infinity;
  #lastSecond = 0;
  #tickTimer: NodeJS.Timeout | undefined;
  #houseTimer: NodeJS.Timeout | undefined;
  #resolve: ((r: EngineResult) => void) | undefined;
  #startedAt = new Date();
  readonly #endMs: number;
  readonly #blockMs: number;

  constructor(plan: EnginePlan, hooks: EngineHooks = {}) {
    this.#plan = plan;
    this.#hooks = hooks;
    this.#endMs = Math.max(...plan.scenarios.map((s) => s.startMs + s.durationMs));
    this.#blockMs = Math.max(1, this.#endMs / BLOCKS);
    this.recorder = new Recorder(plan.groups, this.#endMs / 1000 + 2);
    this.#isHead = plan.requests.map((r) => r.method === 'HEAD');
    this.#retryable = plan.requests.map((r) => isIdempotent(r.method));
    this.#scenarios = plan.scenarios.map((p) => {
      const state: ScenarioState = {
        plan: p,
        endpoint: endpointOf(p.origin),
        slots: [],
        free: new Int32Array(p.slots),
        freeTop: p.slots,
        inFlight: 0,
        issued: 0,
        nextDue: 0,
        started: false,
        done: false,
      };
      for (let i = 0; i < p.slots; i++) {
        state.slots.push(new Slot(this, state, i));
        state.free[i] = p.slots - 1 - i;
      }
      state.nextDue = p.schedule ? p.startMs + p.schedule.timeOf(0) : p.startMs;
      return state;
    });
  }

  /** Runs to completion (or until stopped). Resolves, never rejects for a failing target. */
  run(): Promise<EngineResult> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#startedAt = new Date();
      this.#t0 = performance.now();
      // Stopped before it started (a signal during start-up): nothing is sent, the result is empty.
      if (this.#stopping) return this.#finish();
      this.#houseTimer = setInterval(() => this.#housekeeping(), HOUSEKEEPING_MS);
      this.#tick();
    });
  }

  /** Stops issuing, lets in-flight requests finish for up to `graceMs`, then ends the run. Idempotent. */
  stop(reason: StopReason, detail?: string, graceMs = 1000): void {
    if (this.#stopping) return;
    this.#stopReason = reason;
    this.#stopDetail = detail;
    this.#beginStop(graceMs);
  }

  #beginStop(graceMs: number): void {
    this.#stopping = true;
    this.#stopAt = performance.now() - this.#t0 + graceMs;
    if (this.#inFlight === 0 && this.#resolve) this.#finish();
  }

  #tick(): void {
    this.#tickTimer = undefined;
    if (this.#stopping) return;
    const now = performance.now() - this.#t0;
    let active = false;
    for (const s of this.#scenarios) {
      if (s.done) continue;
      const p = s.plan;
      const end = p.startMs + p.durationMs;
      if (now >= end) {
        // A late tick must not lose the arrivals that fell due before the end: they are sent (and
        // counted late) or dropped, never silently skipped.
        if (p.schedule) this.#issueDue(s, end, now, true);
        s.done = true;
        continue;
      }
      active = true;
      if (now < p.startMs) continue;
      if (!p.schedule) {
        if (!s.started) {
          s.started = true;
          for (let i = 0; i < p.slots; i++) this.#issueNext(s, performance.now());
        }
        continue;
      }
      this.#issueDue(s, now, now, false);
      if (s.nextDue === Infinity) s.done = true;
    }
    if (!active) {
      // Every scenario reached its end: wait for in-flight requests up to the longest gracefulStop.
      this.#beginStop(Math.max(0, ...this.#plan.scenarios.map((p) => p.gracefulStopMs)));
      return;
    }
    this.#tickTimer = setTimeout(this.#onTick, this.#nextTickDelay(performance.now() - this.#t0));
  }

  readonly #onTick = (): void => this.#tick();

  /**
   * Open model: issue every arrival due by `until` (inclusive, or exclusive at a scenario's end), each
   * stamped with its scheduled time; an arrival with no free slot is dropped and counted.
   */
  #issueDue(s: ScenarioState, until: number, now: number, beforeEnd: boolean): void {
    const schedule = s.plan.schedule;
    if (!schedule) return;
    while (beforeEnd ? s.nextDue < until : s.nextDue <= until) {
      const due = s.nextDue;
      s.issued++;
      s.nextDue = s.plan.startMs + schedule.timeOf(s.issued);
      if (s.freeTop === 0) {
        this.recorder.recordDropped();
        continue;
      }
      this.recorder.recordLateness(now - due, LATE_MS);
      this.#issue(s, s.free[--s.freeTop] as number, due + this.#t0, s.issued - 1);
    }
  }

  /**
   * Sleep until something is due (the next arrival, a scenario's start or end) instead of polling every
   * millisecond: a closed-loop run has nothing to do here between its start and its end, and a slow
   * arrival rate needs one wake-up per arrival. Never longer than HOUSEKEEPING_MS, so an early-firing or
   * late timer is corrected quickly; never shorter than TICK_MS (timer resolution).
   */
  #nextTickDelay(now: number): number {
    let next = now + HOUSEKEEPING_MS;
    for (const s of this.#scenarios) {
      if (s.done) continue;
      const p = s.plan;
      const end = p.startMs + p.durationMs;
      const due = now < p.startMs ? p.startMs : p.schedule ? Math.min(s.nextDue, end) : end;
      if (due < next) next = due;
    }
    // Rounded down: timers fire on whole milliseconds, and waking a little early costs one more look,
    // while waking late makes the arrival late.
    return Math.max(TICK_MS, Math.floor(next - now));
  }

  #issueNext(s: ScenarioState, scheduledAbs: number): void {
    if (s.freeTop === 0) return;
    s.issued++;
    this.#issue(s, s.free[--s.freeTop] as number, scheduledAbs, s.issued - 1);
  }

  /**
   * A slot's own connection, opened on first use, so an arrival-rate scenario opens only as many
   * connections as it ever has requests in flight. Its sockets come from one undici connector per
   * origin, so TLS sessions are cached and resumed across the slots' connections.
   */
  #connect(s: ScenarioState, slot: Slot): WireConnection {
    const origin = s.plan.origin;
    let connect = this.#connectors.get(origin);
    if (!connect) this.#connectors.set(origin, (connect = buildConnector({ timeout: this.#plan.timeoutMs, ...(this.#plan.ca ? { ca: this.#plan.ca } : {}) })));
    return new WireConnection(s.endpoint, connect, slot);
  }

  #issue(s: ScenarioState, slotIndex: number, scheduledAbs: number, iteration: number): void {
    const slot = s.slots[slotIndex] as Slot;
    const conn = (slot.conn ??= this.#connect(s, slot));
    const cycle = s.plan.cycle;
    const r = cycle[iteration % cycle.length] as number;
    slot.scheduled = scheduledAbs;
    slot.request = r;
    slot.status = 0;
    slot.bytes = 0;
    s.inFlight++;
    this.#inFlight++;
    if (this.#inFlight > this.recorder.maxInFlight) this.recorder.maxInFlight = this.#inFlight;
    const req = this.#plan.requests[r] as PlannedRequest;
    this.recorder.bytesOut += req.bytesOut;
    conn.send(req.wire, this.#isHead[r] as boolean, this.#retryable[r] as boolean, performance.now() + this.#plan.timeoutMs);
  }

  #release(slot: Slot): ScenarioState {
    const s = slot.scenario;
    s.inFlight--;
    this.#inFlight--;
    s.free[s.freeTop++] = slot.index;
    return s;
  }

  /** @internal hot path: a response finished. */
  complete(slot: Slot): void {
    const end = performance.now();
    const status = slot.status;
    const cls = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
    const req = this.#plan.requests[slot.request] as PlannedRequest;
    this.recorder.record(req.groups, ((end - slot.scheduled) * 1000) | 0, isExpectedStatus(status), cls);
    this.recorder.bytesIn += slot.bytes;
    this.recorder.iterations++;
    const s = this.#release(slot);
    this.#afterRelease(s, end);
  }

  /**
   * @internal the slot's request is sent once more after an idle close (wire/connection.ts): counted, and its
   * bytes sent again. It keeps its slot and its scheduled time, so the retry adds no arrival and no in-flight
   * request, and its latency includes the failed attempt.
   */
  retry(slot: Slot): void {
    this.recorder.retries++;
    this.recorder.bytesOut += (this.#plan.requests[slot.request] as PlannedRequest).bytesOut;
  }

  /** @internal a request failed without a complete response (refused, reset, timeout, TLS...). */
  fail(slot: Slot, err: Error): void {
    const end = performance.now();
    const s = this.#release(slot);
    if (this.#destroying) {
      this.recorder.interrupted++;
    } else {
      const { kind, message } = errorKind(err);
      this.recorder.recordError(kind, message);
      const req = this.#plan.requests[slot.request] as PlannedRequest;
      // A failed request is a latency sample too (a timeout is a 10 s wait for the user), as in k6.
      this.recorder.record(req.groups, ((end - slot.scheduled) * 1000) | 0, false, 0);
      this.recorder.iterations++;
    }
    // A failure may be reported from inside the housekeeping sweep (timeout): re-issue on a later turn, never recursively.
    if (!s.plan.schedule && !this.#stopping) setImmediate(() => this.#afterRelease(s, performance.now()));
    else this.#afterRelease(s, end, true);
  }

  #afterRelease(s: ScenarioState, nowAbs: number, noReissue = false): void {
    if (this.#stopping) {
      if (this.#inFlight === 0) this.#finish();
      return;
    }
    // Closed model: a VU sends its next request as soon as the previous one ended.
    if (!noReissue && !s.plan.schedule && nowAbs - this.#t0 < s.plan.startMs + s.plan.durationMs) this.#issueNext(s, nowAbs);
  }

  #housekeeping(): void {
    this.#sweepTimeouts();
    const elapsed = performance.now() - this.#t0;
    const second = Math.floor(elapsed / 1000);
    this.recorder.advance(second, Math.floor(elapsed / this.#blockMs));
    if (this.#stopping) {
      if (elapsed >= this.#stopAt || this.#inFlight === 0) this.#finish();
      return;
    }
    if (second !== this.#lastSecond) {
      this.#lastSecond = second;
      const reason = this.#hooks.onSecond?.(elapsed, this.recorder);
      if (reason) this.stop('aborted', reason, 0);
    }
  }

  /** Fails every request past its deadline: one look per HOUSEKEEPING_MS instead of a timer per request. */
  #sweepTimeouts(): void {
    const now = performance.now();
    for (const s of this.#scenarios) {
      if (s.inFlight === 0) continue;
      for (const slot of s.slots) if (slot.conn !== undefined && slot.conn.deadline <= now) slot.conn.timeout(this.#plan.timeoutMs);
    }
  }

  #finish(): void {
    if (this.#destroying) return;
    this.#destroying = true;
    if (this.#tickTimer) clearTimeout(this.#tickTimer);
    if (this.#houseTimer) clearInterval(this.#houseTimer);
    const finishedAt = new Date();
    const durationMs = performance.now() - this.#t0;
    // Requests still in flight after the grace period are interrupted (counted, not timed), as in k6.
    const interrupted = new WireError('other', 'interrupted: the run ended');
    for (const s of this.#scenarios) for (const slot of s.slots) slot.conn?.destroy(interrupted);
    this.recorder.finish();
    this.#resolve?.({
      recorder: this.recorder,
      startedAt: this.#startedAt,
      finishedAt,
      durationMs,
      stopReason: this.#stopReason,
      ...(this.#stopDetail ? { stopDetail: this.#stopDetail } : {}),
      slots: this.#plan.scenarios.reduce((n, s) => n + s.slots, 0),
    });
  }
}
