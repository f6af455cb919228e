/**
 * What the charts in report.html are drawn from, besides the verdict: compact series the commands
 * measured themselves (the load recorder's and the gate's per-second counters, the gate's evaluations,
 * Playwright's start times). Commands build these from their measurements and hand them to the
 * reporters through `publish()`; reporters only draw them, they never measure or decide.
 *
 * Kept apart from the verdict on purpose: verdict.json is the pipeline contract and stays small; these
 * are pictures of how the run went. Every array is plain numbers so the page embeds them as JSON.
 */

/** One value per second of the run: index i covers [i s, i + 1 s) from the start of the measured traffic. */
export interface PerSecondSeries {
  /** Requests completed in that second (a response or a network error). */
  requests: number[];
  /** Of those, failed (k6's http_req_failed: no response, or a status outside 200-399). */
  failed: number[];
  /** Arrivals not sent (every slot busy, or the generator too far behind). */
  dropped: number[];
  /** Arrivals sent late (the generator fell behind); absent where the command does not measure it. */
  late?: number[];
  /** Latency quantiles of the requests completed in that second, ms; null for a second with none. */
  p50Ms: Array<number | null>;
  p95Ms: Array<number | null>;
  p99Ms: Array<number | null>;
}

/** A latency distribution in log-spaced buckets: counts[i] requests took (upperMs[i - 1], upperMs[i]] ms. */
export interface LatencyHistogram {
  upperMs: number[];
  counts: number[];
}

/** A limit drawn on a chart, taken from the run's thresholds; its pass/fail comes from the verdict's gate `gateId`. */
export interface LimitLine {
  gateId: string;
  /** Which chart it belongs on: latency in ms, error rate as a fraction, or requests per second. */
  chart: 'latency' | 'error-rate' | 'throughput';
  /** What it limits, as the threshold writes it: `p(95)`, `avg`, `rate`. */
  stat: string;
  operator: string;
  value: number;
}

/** Headline figures of a load run, as summary.json has them. */
export interface LoadTotals {
  requests: number;
  ratePerSecond: number;
  failedRate: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  dropped: number;
  late: number;
  retries: number;
}

export interface LoadReportData {
  totals: LoadTotals;
  /** Absent for a k6 run: k6's summary carries no time series. */
  perSecond?: PerSecondSeries;
  histogram?: LatencyHistogram;
  limits: LimitLine[];
  /** With --baseline: the baseline run's own series, drawn beside this run's. */
  baseline?: { label: string; perSecond?: PerSecondSeries; histogram?: LatencyHistogram };
}

/** One point of a gate's evidence: the interval (and estimate) as evaluated at `tMs` into the traffic. */
export interface TracePoint {
  tMs: number;
  /** Interval ends in the trace's unit; null for an end that is still unbounded. */
  lo: number | null;
  hi: number | null;
  observed?: number | null;
}

/**
 * How one gate's evidence converged: its interval at every evaluation, the limit it is judged against,
 * and when it was decided. The unit is the interval's and the limit's (a ratio for canary-vs-baseline
 * latency, a difference of rates for canary-vs-baseline errors).
 */
export interface GateTrace {
  gateId: string;
  unit: 'ms' | 'fraction' | 'ratio' | 'difference' | 'count';
  limit: number;
  /** Which side of the limit passes. */
  passWhen: 'below' | 'above';
  points: TracePoint[];
  /** First evaluation at which the gate stopped being inconclusive; absent if it never did. */
  decidedAtMs?: number;
  /** What that evaluation decided. The verdict's status can differ: the gate's saturation policy may hold a failed latency gate. */
  decidedStatus?: 'passed' | 'failed' | 'error';
}

export interface ArmSeries {
  perSecond: PerSecondSeries;
  histogram: LatencyHistogram;
}

export interface GateReportData {
  canary: ArmSeries;
  baseline?: ArmSeries;
  traces: GateTrace[];
}

/** When each attempt of each check ran, in ms from the start of the suite (Playwright's start times). */
export interface SmokeTimeline {
  checks: Array<{ id: string; tries: Array<{ startMs: number; durationMs: number; status: string }> }>;
}

/** Everything a command can hand the reporters besides the verdict; each part is optional. */
export interface ReportData {
  load?: LoadReportData;
  gate?: GateReportData;
  smoke?: SmokeTimeline;
}
