import type { AssertionResult } from '../evaluate/types.js';

/** The verdict contract (schemas/verdict.schema.json) shared by smoke, probe, load, gate and monitor. */
export const VERDICT_SCHEMA_VERSION = '1.0';

export type VerdictValue = 'pass' | 'fail' | 'inconclusive' | 'error';
export type Decision = 'promote' | 'rollback' | 'hold';
export type RunKind = 'smoke' | 'probe' | 'load' | 'gate' | 'monitor';

export type CheckStatus = 'passed' | 'failed' | 'degraded' | 'flaky' | 'skipped' | 'error';
export type Severity = 'critical' | 'major' | 'minor';

export interface StepResult {
  name: string;
  status: CheckStatus;
  durationMs: number;
  message?: string;
  reproduce?: string;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  blocking: boolean;
  severity?: Severity;
  durationMs: number;
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
  tries?: Array<{ attempt: number; status: string; durationMs: number; message?: string }>;
  /** Cleanup outcome for flows that created data. */
  cleanup?: { status: 'passed' | 'failed'; message?: string };
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
