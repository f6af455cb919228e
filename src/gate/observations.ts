/**
 * One arm's observations (canary or baseline), kept the way the gate's statistics read them: per time
 * window of the run's clock.
 *
 * Every request belongs to the window in which it was sent (window j holds the requests sent in
 * [j·W, (j+1)·W)). A window is *final* once it has ended and none of its requests is outstanding;
 * its aggregates (the fraction that failed, that were unavailable, that were 5xx, and how many were
 * slower than each latency on the grid) are then folded into the confidence sequences and the window
 * is dropped. Windows that ended with requests still outstanding are handed to the evaluator with
 * those requests marked, so that each test reads them at the value least favourable to the claim it
 * is making: an outstanding request counts as failed and as slower than every limit when showing the
 * canary is good, as succeeded and fast when showing it is bad, except that a request already older
 * than a latency limit counts as slower than it on both sides. Nothing can pass while a request sent
 * is unaccounted for. An arrival the generator dropped (the arm had too many outstanding) is a failure
 * of its arm with an unknown latency.
 *
 * Timestamps are milliseconds on the run's clock. Callers that know them pass them (`record(outcome,
 * atMs)`); callers that do not get `performance.now()` at the call, so that existing callers keep
 * working, approximately: without `pending()` a window cannot know about requests still in flight.
 */
import { ValueCounts } from '../stats/betting.js';
import type { OrderedSample } from '../stats/index.js';
import { QuantileGrid, bucketOf, latencyGrid } from '../stats/quantile-grid.js';

/** One request as the canary gate sees it. */
export interface Outcome {
  /** HTTP status, absent when no response arrived (refused, timeout, reset...). */
  status?: number;
  latencyMs: number;
  /** Tags of the request (endpoint, tenant...) for tag-scoped gates. */
  tags?: Readonly<Record<string, string>>;
}

/** What a recorder keeps beyond counts: the window length, scopes, and the latency questions gates ask. */
export interface RecordingSpec {
  windowMs: number;
  /** Tag scopes gates read (`tenant:acme`). */
  scopes: readonly string[];
  /** Latency limits decided exactly (absolute quantile gates), also counted for `slowerThan`. */
  thresholdsMs: readonly number[];
  /** Quantiles that need a confidence sequence, per scope (undefined = the whole arm). */
  quantiles: ReadonlyArray<{ scope?: string; quantile: number }>;
}

/** The fraction a proportion gate is about. */
export type ProportionMetric = 'failed' | 'unavailable' | 'status5xx';
export const PROPORTION_METRICS: readonly ProportionMetric[] = ['failed', 'unavailable', 'status5xx'];

/** Default window: failures may cluster arbitrarily within 500 ms (docs/gate.md, "Bursts"). */
export const DEFAULT_WINDOW_MS = 500;
/** Quantiles tracked when a recorder is built the old way, from a list of thresholds only. */
const LEGACY_QUANTILES = [0.5, 0.9, 0.95, 0.99];

/** A ticket for a request announced with `pending()`. */
export type Ticket = number;

/** All-time counts behind every gate for one arm and one tag scope (what progress lines print). */
export interface ArmView {
  /** Requests with an outcome, plus dropped arrivals. */
  requests: number;
  /** k6's http_req_failed: no response, or a status outside 200-399 (dropped arrivals included). */
  failures: number;
  /** Availability failures: no response, or a 5xx (a 4xx is the client's problem). */
  unavailable: number;
  status5xx: number;
  dropped: number;
  /** Requests slower than X ms, for every X in the spec's thresholds. */
  slowerThan(thresholdMs: number): number;
  /** Latencies of completed requests in order, to 0.5% (the middle of the grid's 1% buckets). */
  latency: OrderedSample;
}

/** A window that ended with requests still outstanding, as the evaluator reads it. */
export interface OpenWindow {
  index: number;
  n: number;
  failed: number;
  unavailable: number;
  status5xx: number;
  /** Outstanding requests: their outcome is unknown. */
  pending: number;
}

/** Per-window aggregates of final windows, for comparing two arms window by window. */
export interface FinalWindow {
  n: number;
  failed: number;
  unavailable: number;
  status5xx: number;
}

interface WindowAgg {
  index: number;
  n: number;
  failed: number;
  unavailable: number;
  status5xx: number;
  dropped: number;
  pending: number;
  /** Send times of outstanding requests (for "older than the limit"). */
  pendingSent: number[];
  /** Completed requests by grid bucket; only in scopes with a latency grid. */
  buckets?: Uint32Array;
  /** Suffix counts of `buckets`, cached until the next outcome in the window. */
  slower?: Uint32Array;
}

class Scope implements ArmView {
  requests = 0;
  failures = 0;
  unavailable = 0;
  status5xx = 0;
  dropped = 0;
  readonly #thresholds: Float64Array;
  readonly #slower: Float64Array;
  readonly #all: Uint32Array;
  readonly #points: Float64Array;
  readonly grids = new Map<number, QuantileGrid>();
  readonly open = new Map<number, WindowAgg>();
  readonly finals = new Map<ProportionMetric, ValueCounts>(PROPORTION_METRICS.map((m) => [m, new ValueCounts()]));
  /** Final windows by index (kept for window-by-window comparison; four numbers each), and in the order they became final. */
  readonly finalWindows = new Map<number, FinalWindow>();
  readonly finalOrder: number[] = [];
  completed = 0;
  firstWindow: number | undefined;
  finalRequests = 0;

  constructor(points: Float64Array, thresholdsMs: readonly number[]) {
    this.#points = points;
    this.#all = new Uint32Array(points.length + 1);
    this.#thresholds = Float64Array.from(thresholdsMs);
    this.#slower = new Float64Array(thresholdsMs.length);
  }

  window(index: number): WindowAgg {
    let w = this.open.get(index);
    if (!w) {
      w = { index, n: 0, failed: 0, unavailable: 0, status5xx: 0, dropped: 0, pending: 0, pendingSent: [] };
      if (this.grids.size) w.buckets = new Uint32Array(this.#points.length + 1);
      this.open.set(index, w);
      if (this.firstWindow === undefined || index < this.firstWindow) this.firstWindow = index;
    }
    return w;
  }

  /** An outcome: counts for all time and for its window. `bucket` is the latency's grid bucket. */
  apply(w: WindowAgg, o: Outcome, bucket: number, announced: boolean): void {
    if (!announced) w.n++;
    this.requests++;
    const noResponse = o.status === undefined;
    const failed = noResponse || (o.status as number) < 200 || (o.status as number) >= 400;
    const unavailable = noResponse || (o.status as number) >= 500;
    const is5xx = !noResponse && (o.status as number) >= 500;
    if (failed) {
      this.failures++;
      w.failed++;
    }
    if (unavailable) {
      this.unavailable++;
      w.unavailable++;
    }
    if (is5xx) {
      this.status5xx++;
      w.status5xx++;
    }
    for (let i = 0; i < this.#thresholds.length; i++) if (o.latencyMs > (this.#thresholds[i] as number)) this.#slower[i] = (this.#slower[i] as number) + 1;
    this.#all[bucket] = (this.#all[bucket] as number) + 1;
    this.completed++;
    if (w.buckets) w.buckets[bucket] = (w.buckets[bucket] as number) + 1;
    delete w.slower;
  }

  drop(w: WindowAgg): void {
    w.n++;
    w.failed++;
    w.unavailable++;
    w.dropped++;
    this.requests++;
    this.failures++;
    this.unavailable++;
    this.dropped++;
  }

  /** Folds a final window into the confidence sequences and forgets it. */
  fold(w: WindowAgg): void {
    this.open.delete(w.index);
    if (w.n <= 0) return;
    this.finals.get('failed')?.add(w.failed / w.n);
    this.finals.get('unavailable')?.add(w.unavailable / w.n);
    this.finals.get('status5xx')?.add(w.status5xx / w.n);
    this.finalWindows.set(w.index, { n: w.n, failed: w.failed, unavailable: w.unavailable, status5xx: w.status5xx });
    this.finalOrder.push(w.index);
    this.finalRequests += w.n;
    if (w.buckets && this.grids.size) {
      const slower = suffixCounts(w.buckets);
      for (const grid of this.grids.values()) grid.addWindow(w.n, slower, w.dropped);
    }
  }

  slowerThan(thresholdMs: number): number {
    const i = this.#thresholds.indexOf(thresholdMs);
    if (i < 0) throw new Error(`latency threshold ${thresholdMs} ms was not registered with the recorder`);
    return this.#slower[i] as number;
  }

  get latency(): OrderedSample {
    const all = this.#all;
    const points = this.#points;
    return {
      count: this.completed,
      // The exact rank walked over the buckets (no percentile arithmetic to round); a bucket is
      // (points[b-1], points[b]] and is reported by its geometric middle, within 0.5% of any value in
      // it. For display only: decisions compare exact latencies with the grid points.
      valueAtRank: (rank: number) => {
        let seen = 0;
        let b = 0;
        for (; b < all.length - 1; b++) {
          seen += all[b] as number;
          if (seen >= rank) break;
        }
        const hi = points[Math.min(b, points.length - 1)] as number;
        const lo = b === 0 ? hi : (points[b - 1] as number);
        return Math.sqrt(lo * hi);
      },
    };
  }
}

/** slower[i] = requests in buckets above i = requests slower than point i. */
function suffixCounts(buckets: Uint32Array): Uint32Array {
  const out = new Uint32Array(buckets.length - 1);
  let acc = 0;
  for (let i = buckets.length - 1; i >= 1; i--) {
    acc += buckets[i] as number;
    out[i - 1] = acc;
  }
  return out;
}

interface PendingRequest {
  sentAtMs: number;
  scopes: Scope[];
  /** The window each scope holds it in (the same one unless a scope's window was already final). */
  windows: WindowAgg[];
}

/**
 * Accumulates one arm's outcomes, for the whole arm and for each tag scope the gates reference
 * (`tenant:acme`), window by window.
 */
export class ArmRecorder {
  readonly spec: RecordingSpec;
  readonly points: Float64Array;
  readonly #clock: () => number;
  readonly #all: Scope;
  readonly #scoped = new Map<string, Scope>();
  readonly #pending = new Map<Ticket, PendingRequest>();
  readonly #allOnly: Scope[];
  #tagScopes = new WeakMap<object, Scope[]>();
  #nextTicket = 1;
  #lastEventMs = Number.NEGATIVE_INFINITY;
  /** No open window ends before this: nothing to fold until an event passes it. */
  #nextFoldMs = Number.NEGATIVE_INFINITY;

  /**
   * `new ArmRecorder(spec)`, or the older `new ArmRecorder(latencyThresholdsMs, scopes)`, which
   * tracks p50/p90/p95/p99 of the whole arm with the default window.
   */
  constructor(spec: RecordingSpec | readonly number[], scopes: readonly string[] = [], options: { clock?: () => number } = {}) {
    this.spec = isSpec(spec)
      ? spec
      : { windowMs: DEFAULT_WINDOW_MS, scopes, thresholdsMs: spec, quantiles: LEGACY_QUANTILES.map((quantile) => ({ quantile })) };
    if (!(this.spec.windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${this.spec.windowMs}`);
    this.#clock = options.clock ?? (() => performance.now());
    this.points = latencyGrid(this.spec.thresholdsMs);
    this.#all = new Scope(this.points, this.spec.thresholdsMs);
    this.#allOnly = [this.#all];
    for (const s of this.spec.scopes) this.#scoped.set(s, new Scope(this.points, this.spec.thresholdsMs));
    for (const { scope, quantile } of this.spec.quantiles) {
      const target = scope ? this.#scoped.get(scope) : this.#all;
      if (target && !target.grids.has(quantile)) target.grids.set(quantile, new QuantileGrid(this.points, quantile));
    }
  }

  get windowMs(): number {
    return this.spec.windowMs;
  }

  /** The recorder's clock (the default timestamp). */
  nowMs(): number {
    return this.#clock();
  }

  /** The latest timestamp recorded; evaluation never looks at an earlier time than this. */
  get lastEventMs(): number {
    return this.#lastEventMs;
  }

  /** Requests announced with `pending()` and not recorded yet. */
  get outstanding(): number {
    return this.#pending.size;
  }

  /**
   * A request sent at `sentAtMs`: until `record(outcome, atMs, ticket)` it is outstanding, and counts
   * against the canary for every claim that it is good.
   */
  pending(sentAtMs: number = this.#clock(), tags?: Readonly<Record<string, string>>): Ticket {
    const window = this.#windowOf(sentAtMs);
    const scopes = this.#scopesOf(tags);
    const windows = scopes.map((s) => {
      const w = this.#openWindow(s, window);
      w.n++;
      w.pending++;
      w.pendingSent.push(sentAtMs);
      return w;
    });
    const ticket = this.#nextTicket++;
    this.#pending.set(ticket, { sentAtMs, scopes, windows });
    this.#advance(sentAtMs);
    return ticket;
  }

  /**
   * The outcome of a request completed at `atMs` (default: now on the recorder's clock). With the
   * ticket from `pending()` it resolves that request; without one the request is taken as sent at
   * atMs - latencyMs.
   */
  record(o: Outcome, atMs: number = this.#clock(), ticket?: Ticket): void {
    const bucket = bucketOf(this.points, o.latencyMs);
    const p = ticket === undefined ? undefined : this.#pending.get(ticket);
    if (ticket !== undefined && !p) throw new Error(`unknown or already recorded ticket ${ticket}`);
    if (p) {
      this.#pending.delete(ticket as Ticket);
      for (let k = 0; k < p.scopes.length; k++) {
        const s = p.scopes[k] as Scope;
        const w = p.windows[k] as WindowAgg;
        w.pending--;
        const i = w.pendingSent.indexOf(p.sentAtMs);
        if (i >= 0) w.pendingSent.splice(i, 1);
        s.apply(w, o, bucket, true);
        if (w.pending === 0 && (w.index + 1) * this.spec.windowMs <= this.#lastEventMs) s.fold(w);
      }
    } else {
      const window = this.#windowOf(atMs - o.latencyMs);
      for (const s of this.#scopesOf(o.tags)) s.apply(this.#openWindow(s, window), o, bucket, false);
    }
    this.#advance(atMs);
  }

  /** An arrival that was not sent (too many outstanding on this arm): a failure, latency unknown. */
  drop(atMs: number = this.#clock(), tags?: Readonly<Record<string, string>>): void {
    const window = this.#windowOf(atMs);
    for (const s of this.#scopesOf(tags)) s.drop(this.#openWindow(s, window));
    this.#advance(atMs);
  }

  /** The whole arm, or one scope (`tenant:acme`); an unknown scope is an empty view. */
  view(scope?: string): ArmView {
    return this.#scope(scope);
  }

  /** What the evaluator reads for a scope at time nowMs (pure with respect to the data recorded). */
  windows(scope: string | undefined, nowMs: number): ScopeWindows {
    const s = this.#scope(scope);
    const now = Math.max(nowMs, this.#lastEventMs);
    const W = this.spec.windowMs;
    const open: OpenWindow[] = [];
    const openAggs: WindowAgg[] = [];
    for (const w of s.open.values()) {
      if ((w.index + 1) * W > now || w.n <= 0) continue;
      open.push({ index: w.index, n: w.n, failed: w.failed, unavailable: w.unavailable, status5xx: w.status5xx, pending: w.pending });
      openAggs.push(w);
    }
    open.sort((a, b) => a.index - b.index);
    openAggs.sort((a, b) => a.index - b.index);
    const points = this.points;
    let extras: LatencyExtra[] | undefined;
    const latencyExtras = (): LatencyExtra[] =>
      (extras ??= openAggs.map((w) => {
        // Computed on first use: most evaluations never ask a latency question of an open window.
        let sent: number[] | undefined;
        return {
          n: w.n,
          slower: (side, i) => {
            const slower = (w.slower ??= w.buckets ? suffixCounts(w.buckets) : new Uint32Array(points.length));
            const done = slower[i] as number;
            // Dropped requests have no latency: slower when showing the quantile is low, not when showing it is high.
            if (side === 'below') return done + w.pending + w.dropped;
            // Outstanding requests older than the point are slower than it, whatever their outcome.
            sent ??= [...w.pendingSent].sort((a, b) => a - b);
            const y = points[i] as number;
            let older = 0;
            while (older < sent.length && now - (sent[older] as number) > y) older++;
            return done + older;
          },
        };
      }));
    const ended = Math.floor(now / W);
    const first = s.firstWindow;
    return {
      windowMs: W,
      nowMs: now,
      final: (metric) => s.finals.get(metric) as ValueCounts,
      finalWindows: s.finalWindows,
      finalOrder: s.finalOrder,
      open,
      grid: (quantile) => s.grids.get(quantile),
      latencyExtras,
      outstandingAgesMs: () => {
        const ages: number[] = [];
        for (const w of s.open.values()) for (const sent of w.pendingSent) ages.push(Math.max(0, now - sent));
        return ages.sort((a, b) => a - b);
      },
      evidence: {
        windows: (s.finals.get('failed') as ValueCounts).total + open.length,
        requests: s.finalRequests + open.reduce((a, w) => a + w.n, 0),
        spanMs: first === undefined ? 0 : Math.max(0, (ended - first) * W),
      },
      view: s,
    };
  }

  #scope(scope?: string): Scope {
    if (!scope) return this.#all;
    let s = this.#scoped.get(scope);
    if (!s) {
      s = new Scope(this.points, this.spec.thresholdsMs);
      this.#scoped.set(scope, s);
      this.#tagScopes = new WeakMap(); // later outcomes with that tag go to it too
    }
    return s;
  }

  #scopesOf(tags?: Readonly<Record<string, string>>): Scope[] {
    if (!tags || this.#scoped.size === 0) return this.#allOnly;
    // Callers reuse one tags object per kind of request, so the lookup is done once per object.
    let out = this.#tagScopes.get(tags);
    if (!out) {
      out = [this.#all];
      for (const [k, v] of Object.entries(tags)) {
        const s = this.#scoped.get(`${k}:${v}`);
        if (s) out.push(s);
      }
      this.#tagScopes.set(tags, out);
    }
    return out;
  }

  #windowOf(atMs: number): number {
    return Math.floor(Math.max(0, atMs) / this.spec.windowMs);
  }

  /**
   * The window a request belongs to. If that window was already folded (a caller without `pending()`
   * recorded a request that was in flight when its window closed, or announced one late), the request
   * goes to the earliest window still open: an approximation that callers using `pending()` at send
   * time never hit.
   */
  #openWindow(s: Scope, index: number): WindowAgg {
    if (s.finalWindows.has(index)) {
      let earliest: number | undefined;
      for (const k of s.open.keys()) if (k > index && (earliest === undefined || k < earliest)) earliest = k;
      return s.window(earliest ?? Math.max(index + 1, this.#windowOf(this.#lastEventMs)));
    }
    return s.window(index);
  }

  /** Moves the clock to atMs and folds every window that has ended with nothing outstanding. */
  #advance(atMs: number): void {
    if (atMs > this.#lastEventMs) this.#lastEventMs = atMs;
    if (this.#lastEventMs < this.#nextFoldMs) return;
    const W = this.spec.windowMs;
    let next = Number.POSITIVE_INFINITY;
    for (const s of [this.#all, ...this.#scoped.values()]) {
      for (const w of [...s.open.values()]) {
        const end = (w.index + 1) * W;
        if (end <= this.#lastEventMs) {
          if (w.pending === 0) s.fold(w);
        } else if (end < next) next = end;
      }
    }
    this.#nextFoldMs = next;
  }
}

/** A latency window that is not final, as the quantile grid reads it. */
export interface LatencyExtra {
  n: number;
  slower(side: 'below' | 'above', i: number): number;
}

/** One scope of one arm, as of a time: final windows, ended windows still open, and the evidence span. */
export interface ScopeWindows {
  windowMs: number;
  /** The time evaluated (never before the last recorded event). */
  nowMs: number;
  /** Window fractions of final windows, by metric. */
  final(metric: ProportionMetric): ValueCounts;
  finalWindows: ReadonlyMap<number, FinalWindow>;
  /** Indices of final windows in the order they became final (append-only). */
  finalOrder: readonly number[];
  /** Windows that have ended with requests still outstanding (or without a later event yet). */
  open: readonly OpenWindow[];
  grid(quantile: number): QuantileGrid | undefined;
  latencyExtras(): LatencyExtra[];
  /** How long each request still outstanding has waited so far, ascending: a lower bound on its latency. */
  outstandingAgesMs(): number[];
  evidence: { windows: number; requests: number; spanMs: number };
  view: ArmView;
}

function isSpec(x: RecordingSpec | readonly number[]): x is RecordingSpec {
  return !Array.isArray(x);
}
