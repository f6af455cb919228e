/**
 * Preflight: is a revision fit to be tested and to take traffic? The runbook's "verify new revision
 * health" before "DO NOT proceed with traffic shifting", as a pure evaluation of what ARM reported:
 * provisioned, healthy, running, active, with replicas and an FQDN. The ARM states are named in the
 * result either way, so a refusal says exactly what Azure said.
 */
import type { CheckResult } from '../verdict/types.js';
import type { RevisionInfo } from './types.js';

export interface PreflightOptions {
  /** Fewest replicas that count as running (default 1; 0 accepts a revision scaled to zero). */
  minReplicas?: number;
}

const is = (value: string | undefined, expected: string): boolean => (value ?? '').toLowerCase() === expected.toLowerCase();

/** Everything wrong with the revision, one sentence each; empty when it may proceed. */
export function preflightProblems(r: RevisionInfo, options: PreflightOptions = {}): string[] {
  const min = options.minReplicas ?? 1;
  const problems: string[] = [];
  if (!is(r.provisioningState, 'Provisioned'))
    problems.push(
      `provisioningState is ${r.provisioningState ?? 'not reported'} (expected Provisioned)${is(r.provisioningState, 'Provisioning') ? ': still deploying, run again when it is done' : ''}`,
    );
  if (!is(r.healthState, 'Healthy')) problems.push(`healthState is ${r.healthState ?? 'not reported'} (expected Healthy)`);
  if (!is(r.runningState, 'Running')) problems.push(`runningState is ${r.runningState ?? 'not reported'} (expected Running)`);
  if (!r.active) problems.push('the revision is not active (activate it: az containerapp revision activate)');
  if ((r.replicas ?? 0) < min)
    problems.push(`${r.replicas ?? 0} replicas (expected at least ${min}${min > 0 ? '; a revision scaled to zero needs --min-replicas 0' : ''})`);
  if (!r.fqdn) problems.push('it has no FQDN (ingress is disabled): revgate tests a revision on its own FQDN');
  return problems;
}

/** The ARM states of a revision in one line: "provisioningState Provisioned, healthState Healthy, ...". */
export function armState(r: RevisionInfo): string {
  return [
    `provisioningState ${r.provisioningState ?? '-'}`,
    `healthState ${r.healthState ?? '-'}`,
    `runningState ${r.runningState ?? '-'}`,
    `active ${r.active}`,
    `replicas ${r.replicas ?? '-'}`,
    ...(r.provisioningError ? [`provisioningError "${r.provisioningError}"`] : []),
  ].join(', ');
}

/** The preflight of one revision as a verdict check (`role` is "canary" or "baseline"). */
export function preflightCheck(r: RevisionInfo, role: string, options: PreflightOptions = {}): CheckResult {
  const problems = preflightProblems(r, options);
  return {
    id: `preflight-${role}`,
    title: `Preflight: ${role} revision ${r.name} is provisioned, healthy, running and has replicas`,
    status: problems.length ? 'failed' : 'passed',
    blocking: true,
    durationMs: 0,
    attempts: 1,
    labels: { revision: r.name, role, armState: armState(r) },
    ...(problems.length ? { error: { message: `${r.name} is not ready: ${problems.join('; ')} (ARM: ${armState(r)})`, kind: 'preflight' } } : {}),
  };
}
