/**
 * Decision-quality benchmark for the canary gate (run by hand, not in npm test):
 *   node --import tsx scripts/bench-gate.ts [--runs 30] [--seed 1] [--rate 300] [--workers 2] [--quick]
 *                                           [--criteria apex,tenants] [--only <substring of a scenario name>] [--window 5s]
 *                                           [--markdown] [--json FILE]
 *
 * The shipped criteria files (load/criteria/apex-canary.json, tenants-canary.json) are loaded with
 * the real loader and evaluated by the real code (criteria.ts, observations.ts, evaluate-gates.ts)
 * every 250 ms of simulated time, on paired traffic at --rate requests per second to each arm, with
 * the product's 256-request in-flight cap (an arrival that finds it full is dropped and counts as a
 * failure). Requests are announced as outstanding when sent and recorded when they complete, so a
 * request older than a latency limit counts against it before it completes.
 *
 * The same simulated streams feed four peers:
 *   argo-0, argo-3  Argo-Rollouts-style analysis: every 1-minute interval checked against each blocking
 *                   gate and trigger of the file (failed measurement on a breach), failureLimit 0 or 3,
 *                   promote after the budget
 *   kayenta         per 1-minute interval, Mann-Whitney U of canary against baseline at 98% (two-sided)
 *                   on latency and on failures; an interval fails when the canary is significantly worse
 *                   on either; rollback at the first failed interval, promote after the budget
 *   fixed           one look per gate after the sample that gives 80% power at twice each gate's limit
 *                   (one-sided tests, alpha split over the gates as revgate splits its rollback side)
 *
 * For each scenario it prints promote / rollback / inconclusive rates with 95% Clopper-Pearson
 * intervals, and the median and p90 seconds to a verdict (with a distribution-free 95% interval
 * for the median), then checks the targets: false promote <= 5% in every scenario at twice the
 * limit or worse, false rollback <= 5% in every healthy one, and revgate's median time to roll back
 * a clearly bad canary no slower than argo-3's.
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadCriteria, parseCriteria, type CanaryCriteria } from '../src/gate/criteria.js';
import { evaluateCanary, shouldStop, alphaLevels } from '../src/gate/evaluate-gates.js';
import { ArmRecorder } from '../src/gate/observations.js';
import { bucketOf, clopperPearson, createRng, latencyGrid, normalQuantile, quantileInterval, type Rng } from '../src/stats/index.js';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const QUICK = flag('quick');
const OPTIONS = {
  runs: Number(opt('runs', QUICK ? '8' : '30')),
  seed: Number(opt('seed', '1')),
  rate: Number(opt('rate', '300')),
  workers: Number(opt('workers', '2')),
  criteria: opt('criteria', 'apex,tenants').split(','),
  only: opt('only', ''),
  markdown: flag('markdown'),
  /** Override the criteria files' `window` (e.g. 5s), to see what a longer window buys and costs. */
  window: opt('window', ''),
  /** Write every run's verdicts here too (JSON), to re-render or analyse without rerunning. */
  json: opt('json', ''),
  quick: QUICK,
};

const FILES: Record<string, string> = { apex: 'load/criteria/apex-canary.json', tenants: 'load/criteria/tenants-canary.json' };
const EVALUATE_EVERY_MS = 250;
const INTERVAL_MS = 60_000;
const MAX_IN_FLIGHT = 256;
/** The built-in request mix: 12 slots, one per tenant (what `revgate gate` sends without --profile). */
const MIX: Array<Readonly<Record<string, string>> | undefined> = [
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  { tenant: 'contoso' },
  { tenant: 'fabrikam' },
  { tenant: 'northwind' },
  undefined,
  undefined,
  undefined,
];

// ---------------------------------------------------------------------------------------------
// Scenarios

type Truth = 'healthy' | 'limit' | 'bad' | 'bad2x';
interface ArmModel {
  /** Long-run fraction of failed requests, their mean burst length (1 = independent) and status (undefined = no response). */
  errors?: { rate: number; burst: number; status?: number };
  latency: (rng: Rng) => number;
  /** A fraction of requests that hang this long before answering. */
  hang?: { fraction: number; ms: number };
}
interface Scenario {
  name: string;
  canary: ArmModel;
  baseline: ArmModel;
  truth: Record<string, Truth>;
  /** Counted in "time to roll back a clearly bad canary" (for the files it is bad for). */
  clearlyBad?: boolean;
}

const logNormal =
  (median: number, sigma: number, scale = 1): ArmModel['latency'] =>
  (rng) =>
    scale * median * Math.exp(sigma * rng.normal());
const BASE = logNormal(200, 0.5); // p95 455 ms
const both = (truth: Truth): Record<string, Truth> => ({ apex: truth, tenants: truth });
const LIMIT = 0.01; // http_req_failed rate<0.01 in both files

function scenarios(): Scenario[] {
  const list: Scenario[] = [];
  const errTruth = (x: number): Truth => (x < 1 ? 'healthy' : x === 1 ? 'limit' : x >= 2 ? 'bad2x' : 'bad');
  for (const x of [0.5, 0.8, 1, 1.5, 2, 5]) {
    list.push({
      name: `errors ${x}x (independent)`,
      canary: { errors: { rate: x * LIMIT, burst: 1 }, latency: BASE },
      baseline: { latency: BASE },
      truth: both(errTruth(x)),
      ...(x >= 5 ? { clearlyBad: true } : {}),
    });
  }
  for (const x of [2, 0.5])
    for (const burst of [5, 25, 250])
      list.push({
        name: `errors ${x}x in bursts of ${burst}`,
        canary: { errors: { rate: x * LIMIT, burst }, latency: BASE },
        baseline: { latency: BASE },
        truth: both(errTruth(x)),
      });
  list.push({
    name: '20% of requests hang 8 s',
    canary: { latency: BASE, hang: { fraction: 0.2, ms: 8000 } },
    baseline: { latency: BASE },
    truth: both('bad2x'),
    clearlyBad: true,
  });
  list.push({
    name: 'shared 0.05% 5xx on both arms',
    canary: { errors: { rate: 0.0005, burst: 1, status: 500 }, latency: BASE },
    baseline: { errors: { rate: 0.0005, burst: 1, status: 500 }, latency: BASE },
    truth: both('healthy'),
  });
  // p95 + x%: apex allows +20% over the baseline; tenants only asks p95 < 2 s (910 ms at +100%).
  for (const x of [0, 10, 20, 30, 50, 100]) {
    const apex: Truth = x <= 10 ? 'healthy' : x === 20 ? 'limit' : x < 40 ? 'bad' : 'bad2x';
    list.push({
      name: `p95 +${x}%`,
      canary: { latency: logNormal(200, 0.5, 1 + x / 100) },
      baseline: { latency: BASE },
      truth: { apex, tenants: 'healthy' },
      ...(x >= 100 ? { clearlyBad: true } : {}),
    });
  }
  const heavy = logNormal(200, 1.0); // p95 1,035 ms, p99 2,050 ms
  list.push({ name: 'heavy-tailed latency (A/A)', canary: { latency: heavy }, baseline: { latency: heavy }, truth: both('healthy') });
  const bimodal: ArmModel['latency'] = (rng) => (rng.uniform() < 0.9 ? 60 : 600) * Math.exp(0.2 * rng.normal());
  list.push({ name: 'bimodal latency (A/A)', canary: { latency: bimodal }, baseline: { latency: bimodal }, truth: both('healthy') });
  const rounded: ArmModel['latency'] = (rng) => Math.max(1, Math.round(20 * Math.exp(0.3 * rng.normal())));
  list.push({ name: '1 ms-rounded latency (A/A)', canary: { latency: rounded }, baseline: { latency: rounded }, truth: both('healthy') });
  return list;
}

// ---------------------------------------------------------------------------------------------
// One simulated run

type Verdict = 'pass' | 'fail' | 'inconclusive';
interface Decided {
  verdict: Verdict;
  seconds: number;
}
const DECIDERS = ['revgate', 'argo-0', 'argo-3', 'kayenta', 'fixed'] as const;
type Decider = (typeof DECIDERS)[number];
type RunResult = Record<Decider, Decided>;

/** Per arm and 1-minute interval: counts, and latencies on the grid (for p95s and Mann-Whitney). */
class IntervalAgg {
  n = 0;
  failed = 0;
  unavailable = 0;
  s5xx = 0;
  readonly tenants = new Map<string, [number, number]>();
  readonly buckets: Uint32Array;
  completed = 0;
  constructor(size: number) {
    this.buckets = new Uint32Array(size);
  }
  /** status 0: no response; bucket -1: no latency (a dropped arrival). */
  add(status: number, bucket: number, tenant: string | undefined): void {
    this.n++;
    const failed = status === 0 || status >= 400;
    if (failed) this.failed++;
    if (status === 0 || status >= 500) this.unavailable++;
    if (status >= 500) this.s5xx++;
    if (tenant !== undefined) {
      const t = this.tenants.get(tenant) ?? [0, 0];
      t[0] += failed ? 1 : 0;
      t[1]++;
      this.tenants.set(tenant, t);
    }
    if (bucket >= 0) {
      this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
      this.completed++;
    }
  }
  quantile(points: Float64Array, q: number): number {
    const rank = Math.max(1, Math.ceil(q * this.completed));
    let seen = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b] as number;
      if (seen >= rank) return points[Math.min(b, points.length - 1)] as number;
    }
    return Number.POSITIVE_INFINITY;
  }
}

/** Does one interval breach any blocking gate or trigger of the file (Argo's failed measurement)? */
function breaches(c: CanaryCriteria, canary: IntervalAgg, baseline: IntervalAgg, points: Float64Array): boolean {
  if (canary.n === 0) return false;
  for (const g of c.gates) {
    if (!g.blocking) continue;
    if (g.kind === 'proportion') {
      const [bad, n] = g.scope
        ? (canary.tenants.get(g.scope.split(':')[1] as string) ?? [0, 0])
        : [g.metric === 'http_req_failed' ? canary.failed : canary.unavailable, canary.n];
      if (n === 0) continue;
      const rate = g.metric === 'http_req_failed' ? bad / n : 1 - bad / n;
      const holds = cmp(rate, g.operator, g.value);
      if (g.role === 'gate' ? !holds : holds) return true;
    } else if (g.kind === 'quantile') {
      const holds = cmp(canary.quantile(points, g.quantile), g.operator, g.valueMs);
      if (g.role === 'gate' ? !holds : holds) return true;
    } else if (g.kind === 'compare-quantile') {
      if (canary.quantile(points, g.quantile) > (1 + g.maxIncrease) * baseline.quantile(points, g.quantile)) return true;
    } else if (g.kind === 'compare-rate') {
      const pick = (a: IntervalAgg): number => (g.metric === 'http_5xx' ? a.s5xx : a.failed) / Math.max(1, a.n);
      if (pick(canary) - (1 + g.relative) * pick(baseline) > g.absolute) return true;
    } else if (g.kind === 'count') {
      if (!cmp(g.metric === 'http_5xx' ? canary.s5xx : canary.n, g.operator, g.value)) return true;
    }
  }
  return false;
}

function cmp(x: number, op: string, v: number): boolean {
  switch (op) {
    case '<':
      return x < v;
    case '<=':
      return x <= v;
    case '>':
      return x > v;
    case '>=':
      return x >= v;
    default:
      return x === v;
  }
}

/** Mann-Whitney U z-score of a against b over shared buckets (ties corrected); > 0 when a is larger. */
function mannWhitneyZ(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < a.length; i++) {
    n1 += a[i] as number;
    n2 += b[i] as number;
  }
  if (n1 === 0 || n2 === 0) return 0;
  let below = 0;
  let u = 0;
  let ties = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    const bi = b[i] as number;
    u += ai * (below + 0.5 * bi);
    below += bi;
    const t = ai + bi;
    ties += t * t * t - t;
  }
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  return variance > 0 ? (u - (n1 * n2) / 2) / Math.sqrt(variance) : 0;
}
const Z_98_TWO_SIDED = normalQuantile(0.99);

/** The fixed-sample peer: per blocking gate, the sample size for 80% power at twice its limit. */
interface FixedPlan {
  arrivals: number;
  zAlpha: number;
  tests: Array<(c: IntervalAgg, b: IntervalAgg, points: Float64Array) => number>;
}
function fixedPlan(c: CanaryCriteria): FixedPlan {
  const gates = c.gates.filter((g) => g.blocking && g.role === 'gate' && g.kind !== 'count');
  const zAlpha = normalQuantile(1 - alphaLevels(c).rollbackPerGate);
  const zBeta = normalQuantile(0.8);
  const size = (p0: number, p1: number): number => Math.ceil(((zAlpha * Math.sqrt(p0 * (1 - p0)) + zBeta * Math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2);
  let arrivals = 0;
  const tests: FixedPlan['tests'] = [];
  const oneSample = (count: number, n: number, p0: number): number => (n > 0 ? (count / n - p0) / Math.sqrt((p0 * (1 - p0)) / n) : 0);
  for (const g of gates) {
    let p0: number;
    let share = 1;
    if (g.kind === 'proportion') {
      p0 = g.metric === 'http_req_failed' ? g.value : 1 - g.value;
      share = g.scope ? 1 / MIX.length : 1;
      const tenant = g.scope?.split(':')[1];
      tests.push((a) => {
        const [bad, n] = tenant ? (a.tenants.get(tenant) ?? [0, 0]) : [g.metric === 'http_req_failed' ? a.failed : a.unavailable, a.n];
        return oneSample(bad, n, p0);
      });
    } else if (g.kind === 'quantile') {
      p0 = 1 - g.quantile;
      tests.push((a, _b, points) => {
        let slower = a.n - a.completed; // dropped: no latency, counted as slow
        for (let i = bucketOf(points, g.valueMs) + 1; i < a.buckets.length; i++) slower += a.buckets[i] as number;
        return oneSample(slower, a.n, p0);
      });
    } else if (g.kind === 'compare-quantile') {
      p0 = 1 - g.quantile;
      tests.push((a, b, points) => {
        const y = (1 + g.maxIncrease) * b.quantile(points, g.quantile);
        let slower = a.n - a.completed;
        for (let i = bucketOf(points, y) + 1; i < a.buckets.length; i++) slower += a.buckets[i] as number;
        return oneSample(slower, a.n, p0);
      });
    } else if (g.kind === 'compare-rate') {
      p0 = Math.max(g.absolute, 1e-4);
      const gg = g;
      tests.push((a, b) => {
        const pick = (x: IntervalAgg): number => (gg.metric === 'http_5xx' ? x.s5xx : x.failed) / Math.max(1, x.n);
        const d = pick(a) - (1 + gg.relative) * pick(b);
        return (d - gg.absolute) / Math.sqrt((2 * p0 * (1 - p0)) / Math.max(1, a.n));
      });
    } else continue;
    arrivals = Math.max(arrivals, Math.ceil(size(p0, Math.min(0.99, 2 * p0)) / share));
  }
  return { arrivals, zAlpha, tests };
}

/**
 * Requests in flight, in typed arrays (no allocation per request): a binary min-heap of slots ordered
 * by completion time, slots reused through a free list.
 */
class InFlight {
  size = 0;
  #cap = 0;
  #free: number[] = [];
  #heap = new Int32Array(0);
  at = new Float64Array(0);
  arm = new Uint8Array(0);
  status = new Int16Array(0);
  latency = new Float64Array(0);
  ticket = new Int32Array(0);
  index = new Int32Array(0);
  slot = new Int8Array(0);

  #grow(): void {
    const cap = Math.max(1024, this.#cap * 2);
    const grow = <T extends Float64Array | Uint8Array | Int16Array | Int32Array | Int8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.#heap = grow(this.#heap, (n) => new Int32Array(n));
    this.at = grow(this.at, (n) => new Float64Array(n));
    this.arm = grow(this.arm, (n) => new Uint8Array(n));
    this.status = grow(this.status, (n) => new Int16Array(n));
    this.latency = grow(this.latency, (n) => new Float64Array(n));
    this.ticket = grow(this.ticket, (n) => new Int32Array(n));
    this.index = grow(this.index, (n) => new Int32Array(n));
    this.slot = grow(this.slot, (n) => new Int8Array(n));
    for (let i = cap - 1; i >= this.#cap; i--) this.#free.push(i);
    this.#cap = cap;
  }

  push(at: number, arm: number, status: number, latency: number, ticket: number, index: number, slot: number): void {
    if (this.#free.length === 0) this.#grow();
    const id = this.#free.pop() as number;
    this.at[id] = at;
    this.arm[id] = arm;
    this.status[id] = status;
    this.latency[id] = latency;
    this.ticket[id] = ticket;
    this.index[id] = index;
    this.slot[id] = slot;
    const h = this.#heap;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.at[h[p] as number] as number) <= at) break;
      h[i] = h[p] as number;
      i = p;
    }
    h[i] = id;
  }

  /** Completion time of the earliest request, or +Infinity. */
  next(): number {
    return this.size ? (this.at[this.#heap[0] as number] as number) : Number.POSITIVE_INFINITY;
  }

  /** Removes the earliest request and returns its slot (valid until the next push). */
  pop(): number {
    const h = this.#heap;
    const top = h[0] as number;
    const last = h[--this.size] as number;
    const lastAt = this.at[last] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const m = r < this.size && (this.at[h[r] as number] as number) < (this.at[h[l] as number] as number) ? r : l;
      if ((this.at[h[m] as number] as number) >= lastAt) break;
      h[i] = h[m] as number;
      i = m;
    }
    h[i] = last;
    this.#free.push(top);
    return top;
  }
}

function simulate(s: Scenario, c: CanaryCriteria, plan: FixedPlan, points: Float64Array, rng: Rng): RunResult {
  const maxMs = c.maxDurationMs ?? 600_000;
  const W = c.windowMs;
  const rate = OPTIONS.rate;
  const recorders = [new ArmRecorder(c.recording), new ArmRecorder(c.recording)] as const;
  const models = [s.canary, s.baseline] as const;
  const burstState = [false, false];
  const inFlight = [0, 0];
  const flight = new InFlight();
  const out: Partial<RunResult> = {};
  const intervals: Array<[IntervalAgg, IntervalAgg]> = [];
  const interval = (i: number): [IntervalAgg, IntervalAgg] => (intervals[i] ??= [new IntervalAgg(points.length + 1), new IntervalAgg(points.length + 1)]);
  const fixed: [IntervalAgg, IntervalAgg] = [new IntervalAgg(points.length + 1), new IntervalAgg(points.length + 1)];
  const tenantOf = MIX.map((t) => t?.tenant);
  let fixedResolved = 0;
  let argoFailed = 0;
  let revgateLive = true;
  // One outcome object, refilled for every record() (the recorder does not keep it).
  const scratch: { status?: number; latencyMs: number; tags?: Readonly<Record<string, string>> } = { latencyMs: 0 };

  /** The status of the next request on an arm (0: no response), advancing its error process. */
  const statusOf = (arm: 0 | 1): number => {
    const e = models[arm].errors;
    if (!e) return 200;
    let failed: boolean;
    if (e.burst <= 1) failed = rng.uniform() < e.rate;
    else {
      failed = burstState[arm] ? rng.uniform() < 1 - 1 / e.burst : rng.uniform() < e.rate / (1 - e.rate) / e.burst;
      burstState[arm] = failed;
    }
    return failed ? (e.status ?? 0) : 200;
  };

  const complete = (id: number): void => {
    const arm = flight.arm[id] as 0 | 1;
    const status = flight.status[id] as number;
    const latency = flight.latency[id] as number;
    const at = flight.at[id] as number;
    const slot = flight.slot[id] as number;
    inFlight[arm] = (inFlight[arm] as number) - 1;
    if (revgateLive) {
      if (status === 0) delete scratch.status;
      else scratch.status = status;
      scratch.latencyMs = latency;
      const tags = MIX[slot];
      if (tags) scratch.tags = tags;
      else delete scratch.tags;
      const ticket = flight.ticket[id] as number;
      (recorders[arm] as ArmRecorder).record(scratch, at, ticket === 0 ? undefined : ticket);
    }
    const bucket = bucketOf(points, latency);
    const tenant = tenantOf[slot];
    interval(Math.floor(at / INTERVAL_MS))[arm].add(status, bucket, tenant);
    if ((flight.index[id] as number) < plan.arrivals) {
      fixed[arm].add(status, bucket, tenant);
      fixedResolved++;
    }
  };

  let k = 0;
  for (let t = EVALUATE_EVERY_MS; t <= maxMs; t += EVALUATE_EVERY_MS) {
    for (let sent = (k * 1000) / rate; sent < t; sent = (k * 1000) / rate) {
      while (flight.next() <= sent) complete(flight.pop());
      const slot = k % MIX.length;
      const tags = MIX[slot];
      for (const arm of [0, 1] as const) {
        const rec = recorders[arm];
        if ((inFlight[arm] as number) >= MAX_IN_FLIGHT) {
          if (revgateLive) rec.drop(sent, tags);
          interval(Math.floor(sent / INTERVAL_MS))[arm].add(0, -1, tenantOf[slot]);
          if (k < plan.arrivals) {
            fixed[arm].add(0, -1, tenantOf[slot]);
            fixedResolved++;
          }
          continue;
        }
        const m = models[arm];
        const status = statusOf(arm);
        let latency = m.latency(rng);
        if (m.hang && rng.uniform() < m.hang.fraction) latency = m.hang.ms;
        if (status === 0) latency = Math.min(latency, 5); // a reset answers fast
        const at = sent + latency;
        inFlight[arm] = (inFlight[arm] as number) + 1;
        // A request answered within the window it was sent in needs no ticket: no window can close before it is recorded.
        const ticket = revgateLive && Math.floor(at / W) !== Math.floor(sent / W) ? rec.pending(sent, tags) : 0;
        flight.push(at, arm, status, latency, ticket, k, slot);
      }
      k++;
    }
    while (flight.next() <= t) complete(flight.pop());
    if (revgateLive) {
      const r = evaluateCanary(c, { canary: recorders[0], baseline: recorders[1] }, { final: t >= maxMs, nowMs: t, detail: 'decision' });
      if (shouldStop(r)) {
        const failed = r.some((g) => g.blocking && (g.status === 'failed' || g.status === 'error'));
        out.revgate = { verdict: failed ? 'fail' : 'pass', seconds: t / 1000 };
        revgateLive = false;
      }
    }
    if (t % INTERVAL_MS === 0) {
      const [ci, bi] = interval(t / INTERVAL_MS - 1);
      if (breaches(c, ci, bi, points)) argoFailed++;
      if (!out['argo-0'] && argoFailed > 0) out['argo-0'] = { verdict: 'fail', seconds: t / 1000 };
      if (!out['argo-3'] && argoFailed > 3) out['argo-3'] = { verdict: 'fail', seconds: t / 1000 };
      const worse = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => mannWhitneyZ(a, b) > Z_98_TWO_SIDED;
      if (!out.kayenta && (worse(ci.buckets, bi.buckets) || worse([ci.n - ci.failed, ci.failed], [bi.n - bi.failed, bi.failed])))
        out.kayenta = { verdict: 'fail', seconds: t / 1000 };
    }
    if (!out.fixed && fixedResolved >= 2 * plan.arrivals) {
      const rejected = plan.tests.some((test) => test(fixed[0], fixed[1], points) > plan.zAlpha);
      out.fixed = { verdict: rejected ? 'fail' : 'pass', seconds: t / 1000 };
    }
    if (DECIDERS.every((d) => out[d])) break;
  }
  const end = maxMs / 1000;
  for (const d of ['argo-0', 'argo-3', 'kayenta'] as const) out[d] ??= { verdict: 'pass', seconds: end };
  out.revgate ??= { verdict: 'inconclusive', seconds: end };
  out.fixed ??= { verdict: 'inconclusive', seconds: end };
  return out as RunResult;
}

// ---------------------------------------------------------------------------------------------
// Jobs, workers, tables

interface Job {
  file: string;
  scenario: number;
  runs: number;
  seed: number;
}
interface JobResult {
  file: string;
  scenario: number;
  results: RunResult[];
  ms: number;
}

function runJob(job: Job): JobResult {
  const started = Date.now();
  const c = OPTIONS.window
    ? parseCriteria({ ...(JSON.parse(readFileSync(FILES[job.file] as string, 'utf8')) as object), window: OPTIONS.window }, FILES[job.file])
    : loadCriteria(FILES[job.file] as string);
  const s = scenarios()[job.scenario] as Scenario;
  const points = latencyGrid();
  const plan = fixedPlan(c);
  const results: RunResult[] = [];
  for (let r = 0; r < job.runs; r++)
    results.push(simulate(s, c, plan, points, createRng(job.seed * 1_000_003 + job.scenario * 10_007 + r * 101 + (job.file === 'apex' ? 0 : 7))));
  return { file: job.file, scenario: job.scenario, results, ms: Date.now() - started };
}

async function main(): Promise<void> {
  const all = scenarios();
  const jobs: Job[] = [];
  for (const file of OPTIONS.criteria) {
    if (!FILES[file]) throw new Error(`unknown criteria "${file}" (apex, tenants)`);
    all.forEach((s, i) => {
      if (!OPTIONS.only || s.name.includes(OPTIONS.only)) jobs.push({ file, scenario: i, runs: OPTIONS.runs, seed: OPTIONS.seed });
    });
  }
  const started = Date.now();
  console.error(
    `bench-gate: ${jobs.length} scenario x criteria jobs, ${OPTIONS.runs} runs each, ${OPTIONS.rate} req/s per arm, evaluated every ${EVALUATE_EVERY_MS} ms, seed ${OPTIONS.seed}, ${OPTIONS.workers} workers`,
  );
  const results: JobResult[] = [];
  await new Promise<void>((resolve, reject) => {
    const queue = [...jobs].sort((a, b) => b.scenario - a.scenario);
    let live = 0;
    // Workers load this same file through tsx's loader (a worker does not inherit the parent's --import).
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(process.argv[1] as string).href)}); })`;
    for (let w = 0; w < Math.max(1, OPTIONS.workers); w++) {
      const worker = new Worker(boot, { eval: true, argv: process.argv.slice(2) });
      live++;
      const next = (): void => {
        const job = queue.shift();
        worker.postMessage(job ?? null);
      };
      worker.on('message', (r: JobResult) => {
        results.push(r);
        const s = all[r.scenario] as Scenario;
        console.error(`  ${r.file.padEnd(8)} ${s.name.padEnd(34)} ${(r.ms / 1000).toFixed(1)} s`);
        next();
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        if (--live === 0) resolve();
      });
      next();
    }
  });
  const order = (r: JobResult): number => OPTIONS.criteria.indexOf(r.file) * 1000 + r.scenario;
  results.sort((a, b) => order(a) - order(b));
  if (OPTIONS.json) writeFileSync(OPTIONS.json, JSON.stringify({ options: OPTIONS, results }));
  report(results, all);
  console.error(`bench-gate: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function pct(k: number, n: number, sep = ', '): string {
  if (n === 0) return '-';
  const ci = clopperPearson({ successes: k, trials: n, alpha: 0.05 });
  return `${((100 * k) / n).toFixed(1)}% [${(100 * ci.lower).toFixed(1)}${sep}${(100 * ci.upper).toFixed(1)}]`;
}

/** Median [95% distribution-free interval] / p90 seconds. */
function times(xs: number[], sep = ', '): string {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number;
  const ci = quantileInterval(s, 0.5, 0.05, 'fixed');
  const lo = Number.isFinite(ci.lower) ? ci.lower : s[0];
  const hi = Number.isFinite(ci.upper) ? ci.upper : s[s.length - 1];
  return `${fmtS(q(0.5))} [${fmtS(lo as number)}${sep}${fmtS(hi as number)}] / ${fmtS(q(0.9))}`;
}
const fmtS = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

interface Cell {
  wrong: string;
  inconclusive: string;
  time: string;
}

function cell(truth: Truth, rs: Decided[], sep: string): Cell {
  const n = rs.length;
  const pass = rs.filter((x) => x.verdict === 'pass').length;
  const fail = rs.filter((x) => x.verdict === 'fail').length;
  const wrongCount = truth === 'healthy' ? fail : truth === 'bad' || truth === 'bad2x' ? pass : 0;
  return {
    wrong: truth === 'limit' ? `at the limit: ${pass} pass, ${fail} fail` : `${truth === 'healthy' ? 'rollback' : 'promote'} ${pct(wrongCount, n, sep)}`,
    inconclusive: pct(n - pass - fail, n, sep),
    time: times(
      rs.filter((x) => x.verdict !== 'inconclusive').map((x) => x.seconds),
      sep,
    ),
  };
}

function report(results: JobResult[], all: Scenario[]): void {
  const md = OPTIONS.markdown;
  const targets: string[] = [];
  const clearly: Record<Decider, number[]> = { revgate: [], 'argo-0': [], 'argo-3': [], kayenta: [], fixed: [] };
  let file = '';
  for (const r of results) {
    const s = all[r.scenario] as Scenario;
    const truth = s.truth[r.file] as Truth;
    if (r.file !== file) {
      file = r.file;
      console.log(
        `\n#### ${FILES[file]}${OPTIONS.window ? ` with window ${OPTIONS.window}` : ''}: ${OPTIONS.runs} runs per scenario, ${OPTIONS.rate} req/s per revision, budget 10 min\n`,
      );
      if (md) {
        console.log('Each cell: wrong verdict [95% CI] · inconclusive [95% CI] · seconds to a verdict, median [95% CI] / p90.\n');
        console.log(`| scenario | truth | ${DECIDERS.join(' | ')} |\n|---|---|${DECIDERS.map(() => '---').join('|')}|`);
      } else
        console.log(
          `${'scenario'.padEnd(34)}${'truth'.padEnd(9)}${'decider'.padEnd(9)}${'wrong verdict'.padEnd(30)}${'inconclusive'.padEnd(26)}median [95% CI] / p90 s`,
        );
    }
    const cells = DECIDERS.map((d) =>
      cell(
        truth,
        r.results.map((x) => x[d]),
        md ? '–' : ', ',
      ),
    );
    if (md) console.log(`| ${s.name} | ${truth} | ${cells.map((c) => `${c.wrong} · ${c.inconclusive} · ${c.time}`).join(' | ')} |`);
    else
      DECIDERS.forEach((d, i) => {
        const c = cells[i] as Cell;
        console.log(
          `${(i === 0 ? s.name : '').padEnd(34)}${(i === 0 ? truth : '').padEnd(9)}${d.padEnd(9)}${c.wrong.padEnd(30)}${c.inconclusive.padEnd(26)}${c.time}`,
        );
      });
    for (const d of DECIDERS) {
      const rs = r.results.map((x) => x[d]);
      if (d === 'revgate') {
        const n = rs.length;
        const promoted = rs.filter((x) => x.verdict === 'pass').length;
        const rolledBack = rs.filter((x) => x.verdict === 'fail').length;
        if (truth === 'bad2x' && promoted / n > 0.05) targets.push(`MISSED: ${r.file} "${s.name}": false promote ${pct(promoted, n)} > 5%`);
        if (truth === 'healthy' && rolledBack / n > 0.05) targets.push(`MISSED: ${r.file} "${s.name}": false rollback ${pct(rolledBack, n)} > 5%`);
      }
      if (s.clearlyBad && truth === 'bad2x') clearly[d].push(...rs.filter((x) => x.verdict === 'fail').map((x) => x.seconds));
    }
  }
  console.log(`\nClearly bad canaries (errors 5x, hanging requests, and for apex p95 +100%), seconds to roll back, median [95% CI] / p90:\n`);
  for (const d of DECIDERS) console.log(`${md ? '- ' : '  '}${d.padEnd(9)} ${times(clearly[d])} (${clearly[d].length} rollbacks)`);
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  if (clearly.revgate.length && !(med(clearly.revgate) <= med(clearly['argo-3'])))
    targets.push('MISSED: revgate rolls back clearly bad canaries slower than argo-3');
  // With a handful of runs one wrong verdict is 12%: the check is only indicative then.
  const caveat = OPTIONS.runs < 30 ? ` (indicative only: ${OPTIONS.runs} runs per scenario cannot resolve 5%)` : '';
  console.log(
    targets.length
      ? `\n${targets.join('\n')}${caveat ? `\n${caveat.trim()}` : ''}`
      : `\nTargets met: false promote <= 5% at twice the limit or worse, false rollback <= 5% when healthy, clearly bad canaries rolled back no slower than argo-3${caveat}.`,
  );
}

// Last, so that every declaration above is initialized before a worker or main() uses it.
if (!isMainThread) {
  const port = parentPort;
  port?.on('message', (job: Job | null) => {
    if (job === null) process.exit(0);
    port.postMessage(runJob(job));
  });
} else {
  await main();
}
