import { ExitCode } from '../core/exit-codes.js';
import {
  VERDICT_SCHEMA_VERSION,
  type CheckResult,
  type Decision,
  type GateResult,
  type RunKind,
  type Target,
  type Verdict,
  type BlastRadius,
  type CanaryRun,
  type ContainerAppReport,
  type RolloutReport,
  type VerdictCounts,
  type VerdictValue,
} from './types.js';

export interface VerdictPolicy {
  flaky?: 'fail' | 'inconclusive';
  degraded?: 'pass' | 'inconclusive' | 'fail';
}

export interface DecideInput {
  kind: RunKind;
  target: Target;
  startedAt: Date;
  finishedAt: Date;
  checks: CheckResult[];
  gates: GateResult[];
  policy?: VerdictPolicy;
  /** The run was interrupted: results are incomplete. */
  partial?: boolean;
  /** revgate itself could not run or finish the evaluation. */
  harnessError?: string;
  version: string;
  /** The command's own summary of the decided verdict (blast radius, why a gate stopped); see Summarizer. */
  summarize?: Summarizer;
}

/** What a command adds to a decided verdict: its own summary line and reasons, and its extension blocks. */
export interface VerdictAdditions {
  summary?: string;
  reasons?: string[];
  partial?: boolean;
  blastRadius?: BlastRadius;
  canary?: CanaryRun;
  containerApp?: ContainerAppReport;
  rollout?: RolloutReport;
}

/**
 * A per-kind summarizer, called once by decide() with the folded verdict: the verdict value, decision
 * and exit code are decide's alone; a summarizer only words them and adds its own blocks. Pure.
 */
export type Summarizer = (decided: Verdict) => VerdictAdditions;

const DECISION: Record<VerdictValue, Decision> = { pass: 'promote', fail: 'rollback', inconclusive: 'hold', error: 'hold' };
const EXIT: Record<VerdictValue, number> = {
  pass: ExitCode.Pass,
  fail: ExitCode.Fail,
  inconclusive: ExitCode.Inconclusive,
  error: ExitCode.Harness,
};
const RANK: Record<VerdictValue, number> = { pass: 0, inconclusive: 1, error: 2, fail: 3 };

/**
 * Folds check and gate results into the verdict. Pure.
 * A measured failure of anything blocking wins (roll back); otherwise anything that could not be
 * evaluated makes the run an error (hold); otherwise flaky or undecided evidence holds; only a run in
 * which every blocking check and gate passed, and at least one was evaluated, promotes.
 */
export function decide(input: DecideInput): Verdict {
  const policy = { flaky: input.policy?.flaky ?? 'inconclusive', degraded: input.policy?.degraded ?? 'pass' } as const;
  const reasons: Array<{ rank: number; text: string }> = [];
  let verdict = 'pass' as VerdictValue;
  const raise = (v: VerdictValue, text: string): void => {
    if (RANK[v] > RANK[verdict]) verdict = v;
    reasons.push({ rank: RANK[v], text });
  };

  let evaluated = 0;
  for (const c of input.checks) {
    const effect = checkEffect(c, policy);
    if (c.blocking && (c.status === 'passed' || c.status === 'degraded' || c.status === 'flaky' || c.status === 'failed')) evaluated++;
    const why = c.error?.message ? `: ${c.error.message}` : '';
    if (!c.blocking) {
      if (c.status === 'failed' || c.status === 'error' || c.status === 'flaky') reasons.push({ rank: -1, text: `${c.id} ${c.status} (non-blocking)${why}` });
      continue;
    }
    if (effect === 'pass') {
      if (c.status === 'degraded') reasons.push({ rank: 0, text: `${c.id} degraded${why}` });
      continue;
    }
    const label = c.status === 'flaky' ? 'flaky (passed only on retry)' : c.status;
    raise(effect, `${c.id} ${label}${why}`);
  }
  for (const g of input.gates) {
    if (g.status === 'passed') {
      if (g.blocking) evaluated++;
      continue;
    }
    if (!g.blocking) {
      reasons.push({ rank: -1, text: `gate ${g.id} ${g.status} (advisory): ${g.reason}` });
      continue;
    }
    if (g.status === 'failed') evaluated++;
    raise(g.status === 'failed' ? 'fail' : g.status === 'error' ? 'error' : 'inconclusive', `gate ${g.id} ${g.status}: ${g.reason}`);
  }

  if (input.harnessError) raise('error', `revgate could not complete the evaluation: ${input.harnessError}`);
  if (input.partial && verdict !== 'fail') raise('error', 'the run was interrupted before every check finished');
  if (evaluated === 0 && verdict === 'pass') raise('error', 'nothing was evaluated: no blocking check or gate produced a result');

  const counts = countStatuses(input.checks);
  const ordered = reasons.sort((a, b) => b.rank - a.rank).map((r) => r.text);
  const durationMs = Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime());
  const decided: Verdict = {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    kind: input.kind,
    verdict,
    decision: DECISION[verdict],
    exitCode: EXIT[verdict],
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs,
    summary: summarize(verdict, input, counts, durationMs),
    reasons: ordered,
    counts,
    checks: input.checks,
    gates: input.gates,
    ...(input.partial ? { partial: true } : {}),
    tool: { name: 'revgate', version: input.version },
  };
  return input.summarize ? { ...decided, ...input.summarize(decided) } : decided;
}

function checkEffect(c: CheckResult, policy: Required<VerdictPolicy>): VerdictValue {
  switch (c.status) {
    case 'passed':
    case 'skipped':
      return 'pass';
    case 'degraded':
      return policy.degraded;
    case 'flaky':
      return policy.flaky;
    case 'failed':
      return 'fail';
    case 'error':
      return 'error';
  }
}

export function countStatuses(checks: readonly CheckResult[]): VerdictCounts {
  const counts: VerdictCounts = { total: checks.length, passed: 0, failed: 0, degraded: 0, flaky: 0, skipped: 0, error: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}

function summarize(verdict: VerdictValue, input: DecideInput, counts: VerdictCounts, durationMs: number): string {
  const where = `${input.kind} on ${input.target.baseUrl}`;
  const seconds = `${(durationMs / 1000).toFixed(1)} s`;
  const ids = (pred: (c: CheckResult) => boolean): string => {
    const list = input.checks.filter((c) => c.blocking && pred(c)).map((c) => c.id);
    return list.length > 4 ? `${list.slice(0, 4).join(', ')}, +${list.length - 4} more` : list.join(', ');
  };
  const gateIds = (status: string): string =>
    input.gates
      .filter((g) => g.blocking && g.status === status)
      .map((g) => g.id)
      .join(', ');
  const extras: string[] = [];
  if (counts.degraded) extras.push(`${counts.degraded} degraded`);
  if (counts.flaky) extras.push(`${counts.flaky} flaky`);
  if (counts.skipped) extras.push(`${counts.skipped} skipped`);
  const extra = extras.length ? ` (${extras.join(', ')})` : '';
  const gatePart = input.gates.length ? `, ${input.gates.filter((g) => g.status === 'passed').length}/${input.gates.length} gates passed` : '';
  switch (verdict) {
    case 'pass':
      return `PASS: ${counts.passed + counts.degraded}/${counts.total} checks passed${extra}${gatePart} - ${where} in ${seconds}`;
    case 'fail': {
      const failed = [ids((c) => c.status === 'failed'), gateIds('failed')].filter(Boolean).join(', ');
      return `FAIL: ${failed || 'blocking checks'} failed${extra} - ${where} in ${seconds}`;
    }
    case 'inconclusive': {
      const held = [ids((c) => c.status === 'flaky' || c.status === 'degraded'), gateIds('inconclusive')].filter(Boolean).join(', ');
      return `INCONCLUSIVE: ${held || 'evidence'} not conclusive${extra} - hold; ${where} in ${seconds}`;
    }
    case 'error': {
      const errored = ids((c) => c.status === 'error');
      return `ERROR: could not evaluate${errored ? ` ${errored}` : ''}${input.harnessError ? ` (${input.harnessError})` : ''} - ${where} in ${seconds}`;
    }
  }
}
