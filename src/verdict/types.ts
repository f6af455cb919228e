import type { AssertionResult } from '../evaluate/types.js';

/** The verdict contract (schemas/verdict.schema.json) shared by smoke, probe, load, gate and monitor. */
export const VERDICT_SCHEMA_VERSION = '1.0';

export type VerdictValue = 'pass' | 'fail' | 'inconclusive' | 'error';
export type Decision = 'promote' | 'rollback' | 'hold';
export type RunKind = 'smoke' | 'probe' | 'load' | 'gate' | 'monitor' | 'discover' | 'rollout';

export type CheckStatus = 'passed' | 'failed' | 'degraded' | 'flaky' | 'skipped' | 'error';
export type Severity = 'critical' | 'major' | 'minor';

export interface StepResult {
  name: string;
  status: CheckStatus;
  /** The exchange's wall time, connection setup included. */
  durationMs: number;
  /** Request latency: what the step's latency budget judged (durationMs without connectMs). */
  latencyMs?: number;
  /** Connection setup (DNS, TCP, TLS) this step paid, reported apart. */
  connectMs?: number;
  message?: string;
  reproduce?: string;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  blocking: boolean;
  severity?: Severity;
  /** Wall time of the check's test (every attempt, fixtures and cleanup included): "wall time" in every report. */
  durationMs: number;
  /**
   * Request latency of the last attempt, what latency budgets judge (a flow: the sum of its steps'); connection
   * setup is not in it. "latency" in every report. Absent for hand-written specs and TLS checks.
   */
  latencyMs?: number;
  /** Connection setup (DNS, TCP, TLS) the last attempt's requests paid, reported apart from the latency. */
  connectMs?: number;
  /** When the first attempt started (ISO 8601). */
  startedAt?: string;
  /** How many times it ran (1 without retries). */
  attempts: number;
  error?: { message: string; code?: string; kind?: string };
  /** A curl command that repeats the request, with every secret replaced by an env-var reference. */
  reproduce?: string;
  /** Free-form labels (tenant, region, cell, tag, file). */
  labels?: Record<string, string>;
  assertions?: AssertionResult[];
  steps?: StepResult[];
  /** Every attempt when the check ran more than once (retries): a failure a retry hid stays visible. */
  tries?: Array<{ attempt: number; status: string; durationMs: number; latencyMs?: number; message?: string }>;
  /** What the check's cleanup did (flows and specs that created data): failed when anything may be left behind. */
  cleanup?: {
    status: 'passed' | 'failed';
    message?: string;
    /** Each cleanup: `done` (ran, and what it answered), `failed`, or `not-built` (the id it needs never came back). */
    tasks?: Array<{ description: string; status: 'done' | 'failed' | 'not-built'; message?: string }>;
  };
}

export type GateStatus = 'passed' | 'failed' | 'inconclusive' | 'error';

export interface GateResult {
  id: string;
  metric: string;
  expression: string;
  blocking: boolean;
  status: GateStatus;
  /** In the gate's unit (`unit`), like `interval`. */
  observed?: number;
  /** Confidence interval in the gate's unit; an end is null when the evidence does not bound that side. */
  interval?: [number | null, number | null];
  /** gate: the unit of `observed` and `interval`. */
  unit?: GateUnit;
  /** gate: the confidence of each end of `interval` on its own (the family-wise level is the verdict's canary.confidence). */
  intervalConfidence?: { lower: number; upper: number };
  /** gate: the evidence the gate's status rests on: the time windows, the span they cover and the requests in them. */
  evidence?: GateEvidence;
  samples?: number;
  samplesNeeded?: number;
  reason: string;
}

export type GateUnit = 'fraction' | 'ms' | 'ratio' | 'difference' | 'count';

export interface GateEvidence {
  /** Length of each time window. */
  windowMs: number;
  /** Span of the windows the decision rests on. */
  durationMs: number;
  windows: number;
  requests: number;
}

export interface Target {
  baseUrl: string;
  environment?: string;
  service?: string;
  revision?: string;
}

export interface VerdictCounts {
  total: number;
  passed: number;
  failed: number;
  degraded: number;
  flaky: number;
  skipped: number;
  error: number;
}

export interface Verdict {
  schemaVersion: typeof VERDICT_SCHEMA_VERSION;
  kind: RunKind;
  verdict: VerdictValue;
  decision: Decision;
  exitCode: number;
  target: Target;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** One line a person reads first. */
  summary: string;
  /** Why the verdict is what it is, most important first. */
  reasons: string[];
  counts: VerdictCounts;
  checks: CheckResult[];
  gates: GateResult[];
  /** True when the run was interrupted and the results are incomplete. */
  partial?: boolean;
  tool: { name: 'revgate'; version: string };
  /** Paths (relative to the output directory) of the other reports. */
  artifacts?: Record<string, string>;
  /** probe: how many tenants, cells and regions are affected (see BlastRadius). */
  blastRadius?: BlastRadius;
  /** gate: how the canary (and baseline) were exercised, and why the run stopped. */
  canary?: CanaryRun;
  /** discover, rollout: the container app as ARM reported it. */
  containerApp?: ContainerAppReport;
  /** rollout: the steps, the rollback point, where traffic ended. */
  rollout?: RolloutReport;
}

export interface TrafficReportEntry {
  revisionName?: string;
  latestRevision?: boolean;
  weight: number;
  label?: string;
}

/** A container app as ARM reported it (discover, rollout). */
export interface ContainerAppReport {
  subscription: string;
  resourceGroup: string;
  app: string;
  armEndpoint: string;
  traffic?: TrafficReportEntry[];
  revisions?: Array<{
    name: string;
    active: boolean;
    trafficWeight: number;
    labels: string[];
    healthState?: string;
    provisioningState?: string;
    runningState?: string;
    replicas?: number;
    createdTime?: string;
    fqdn?: string;
  }>;
  canary?: { selector: string; revision: string; url?: string };
  baseline?: { selector: string; revision: string; url?: string };
}

/** A progressive rollout: where it is, how it got there, and what it would restore. */
export interface RolloutReport {
  revision: string;
  baseline?: string;
  /** Canary weights, in order, e.g. [10, 50, 100]. */
  steps: number[];
  /**
   * completed: every step passed; rolled-back: traffic restored; holding: undecided (or interrupted), resumable;
   * stopped: a guard stopped it (a newer revision, traffic changed by someone else); aborted: --abort; planned:
   * --dry-run; running: stopped mid-way by an error (resumable); not-started: preflight refused it.
   */
  state: 'completed' | 'rolled-back' | 'holding' | 'stopped' | 'aborted' | 'planned' | 'running' | 'not-started';
  /** The step it ended at (1-based) and its weight. */
  step?: { index: number; weight: number };
  /** The traffic recorded before the first change, labels included, pinned to revision names. */
  rollbackPoint: TrafficReportEntry[];
  /** The traffic ARM reported last. */
  finalTraffic?: TrafficReportEntry[];
  journal: string;
  /** Every step gated so far (this run and the runs it resumed). */
  history: Array<{
    step: number;
    weight: number;
    verdict: 'pass' | 'fail' | 'inconclusive' | 'error';
    summary: string;
    at: string;
    /** Synthetic requests the gate sent to the canary (0: decided by real traffic alone). */
    synthetic?: number;
    /** Real requests to the canary that Azure Monitor reported for the hold (--real-traffic). */
    real?: number;
  }>;
  /** --dry-run: the ARM calls the rollout would make. */
  calls?: Array<{ method: string; url: string; body?: unknown }>;
}

/** The traffic behind a canary gate's verdict. */
export interface CanaryRun {
  baselineUrl?: string;
  confidence: number;
  /** α of each gate's rollback side: 1 - confidence split evenly over the gates that can roll back (Bonferroni). A gate's pass side runs at 1 - confidence. */
  alphaPerGate: number;
  /** The time windows the statistics observe, and the shortest evidence a pass needs. */
  windowMs?: number;
  minDurationMs?: number;
  /** What the stated levels still assume about bursts, in this run's window and rate. */
  assumption?: string;
  /** decided: every gate settled (or one failed); budget: --max-requests / --max-duration spent; interrupted: SIGINT. */
  stopReason: 'decided' | 'budget' | 'interrupted';
  /** Requests per second sent to each revision. */
  ratePerSecond: number;
  /** Requests with an outcome (response or network error), per revision. */
  requests: { canary: number; baseline?: number };
  /** Arrivals not sent because the revision already had the maximum in flight: failed requests of that revision. */
  dropped: { canary: number; baseline?: number };
  /** Arrivals skipped on both revisions because the generator fell behind (a busy machine): counted against neither. */
  skipped?: { canary: number; baseline?: number };
  /** Requests sent without an outcome when the run stopped (aborted at the decision or the interrupt): judged at their least favourable outcome. */
  outstanding?: { canary: number; baseline?: number };
  /** Requests without a response, by kind (connect, timeout, reset, tls, ...). */
  networkErrors: { canary: Record<string, number>; baseline?: Record<string, number> };
}

/** Tenant probes: whether one tenant, one cell, one region or the whole revision is broken. */
export interface BlastRadius {
  /** One line, e.g. "3/120 tenants failing, all on cell shared-smb-eastus". */
  line: string;
  /** Distinct tenants probed; failing = at least one blocking probe failed; error = could not be probed (and none failed). */
  tenants: { total: number; failing: number; degraded: number; error: number };
  cells: { total: number; affected: number };
  regions: { total: number; affected: number };
  /** Tenants with a failed isolation check (cross-tenant key accepted, keyless request accepted, or another tenant's id in a response). */
  isolationBreaches: number;
  /** Probes that stayed rate-limited (429) after honouring Retry-After once. */
  rateLimited: number;
  /** Cells with a failing or unprobed tenant, worst first. */
  byCell: Array<{ cell: string; type?: 'shared' | 'dedicated'; region?: string; tenants: number; failing: number; error: number }>;
  byRegion: Array<{ region: string; tenants: number; failing: number; error: number }>;
  /** Failing tenant ids (at most 100; `tenants.failing` has the count). */
  failingTenants: string[];
}
