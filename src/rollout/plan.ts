/**
 * A rollout's plan and its guards, pure: the rollback point recorded from what ARM reports, the table
 * of every step, and what a fresh read of ARM says about a rollout in progress (a newer revision, traffic
 * changed by someone else, an operation still running, a change that was or was not made before a kill).
 */
import { latestRevision } from '../aca/resolve.js';
import { describeTraffic, pinTraffic, planStep, sameTraffic, trafficProblems, weightOf } from '../aca/traffic.js';
import type { AppSnapshot, RevisionInfo, TrafficEntry } from '../aca/types.js';
import type { Journal } from './journal.js';

/** Step weights: whole percentages, strictly increasing, from 1 to 100. */
export function parseSteps(text: string): { steps: number[] } | { problem: string } {
  const parts = text.split(',').map((s) => s.trim().replace(/%$/, ''));
  const steps = parts.map(Number);
  if (!parts.length || parts.some((p) => p === '') || steps.some((n) => !Number.isInteger(n) || n < 1 || n > 100))
    return { problem: `"${text}" is not a list of whole percentages from 1 to 100, like 10,50,100` };
  if (steps.some((n, i) => i > 0 && n <= (steps[i - 1] as number))) return { problem: `"${text}" must increase step by step, like 10,50,100` };
  return { steps };
}

export const stepLabel = (steps: readonly number[], i: number): string => `step ${i + 1}/${steps.length} (${steps[i]}%)`;

/**
 * The rollback point: ARM's table pinned to revision names. Refused (with the reason) when restoring it
 * would not be a rollback: a table that does not sum to 100 (#410), or a latestRevision entry that
 * already sends traffic to the canary (#177).
 */
export function rollbackPoint(s: AppSnapshot, canary: string, steps: readonly number[]): { traffic: TrafficEntry[] } | { problem: string } {
  const latest = latestRevision(s)?.name;
  const follows = s.app.traffic.find((t) => t.latestRevision && !t.revisionName && t.weight > 0);
  if (follows && latest === canary)
    return {
      problem: `${follows.weight}% of the traffic follows the latest revision, which is the canary ${canary}: restoring that would not roll anything back. Pin the revision in service first (az containerapp ingress traffic set --revision-weight <revision>=100) and run again`,
    };
  const pinned = pinTraffic(s.app.traffic, latest);
  if (!pinned) return { problem: 'the traffic table follows the latest revision, but ARM names none' };
  const problems = trafficProblems(pinned);
  if (problems.length)
    return {
      problem: `ARM's traffic table (${describeTraffic(s.app.traffic)}) cannot be restored as it is: ${problems.join('; ')}. Fix it (az containerapp ingress traffic set) and run again`,
    };
  const now = weightOf(pinned, canary);
  if (now >= (steps[0] as number)) return { problem: `the canary ${canary} already takes ${now}%: the first step (${steps[0]}%) must be above that` };
  return { traffic: pinned };
}

export function stepTable(j: Pick<Journal, 'rollbackPoint' | 'revision' | 'steps'>, i: number): TrafficEntry[] {
  const planned = planStep(j.rollbackPoint, j.revision, j.steps[i] as number);
  // The rollback point was checked when it was recorded, so a step can only fail to plan through a bug.
  if ('problem' in planned) throw new Error(`cannot plan ${stepLabel(j.steps, i)}: ${planned.problem}`);
  return planned.traffic;
}

/** ARM's table as revgate compares it: latestRevision entries pinned to the latest revision. */
export function armTraffic(s: AppSnapshot): TrafficEntry[] {
  return pinTraffic(s.app.traffic, latestRevision(s)?.name) ?? s.app.traffic;
}

/** A revision deployed after the rollout started: the canary under test is no longer what will be served. */
export function newerRevision(j: Pick<Journal, 'latestAtStart' | 'revision'>, s: AppSnapshot): RevisionInfo | undefined {
  const latest = latestRevision(s);
  return latest && latest.name !== j.latestAtStart && latest.name !== j.revision ? latest : undefined;
}

export type Reconciled = { kind: 'busy' } | { kind: 'drift'; reason: string } | { kind: 'ok'; journal: Journal; notes: string[] };

const isBusy = (s: AppSnapshot): boolean => ['inprogress', 'updating', 'provisioning'].includes((s.app.provisioningState ?? '').toLowerCase());

/**
 * The journal brought in line with ARM (the source of truth) on every start: an intended change ARM
 * shows was made (the run was killed after sending it) is recorded as applied; one ARM does not show
 * is dropped so it is made again; anything else means someone else changed the traffic, and nothing
 * may be changed until a person looks.
 */
export function reconcile(j: Journal, s: AppSnapshot): Reconciled {
  if (isBusy(s)) return { kind: 'busy' };
  const arm = armTraffic(s);
  const notes: string[] = [];
  let next: Journal = { ...j };
  if (j.intent) {
    const what = j.intent.kind === 'rollback' ? 'the rollback' : stepLabel(j.steps, j.intent.step);
    if (sameTraffic(arm, j.intent.traffic)) {
      notes.push(`ARM shows the change for ${what} that the previous run sent before it stopped: recorded as made`);
      next = { ...next, applied: j.intent.traffic, step: j.intent.kind === 'rollback' ? -1 : j.intent.step };
      delete next.intent;
      return { kind: 'ok', journal: next, notes };
    }
    if (sameTraffic(arm, j.applied)) {
      notes.push(`the change for ${what} was not made before the previous run stopped: it will be made again`);
      return { kind: 'ok', journal: next, notes };
    }
    return {
      kind: 'drift',
      reason: `ARM's traffic (${describeTraffic(arm)}) is neither what this rollout last set (${describeTraffic(j.applied)}) nor what it was setting (${describeTraffic(j.intent.traffic)}): something else changed it`,
    };
  }
  if (!sameTraffic(arm, j.applied))
    return {
      kind: 'drift',
      reason: `ARM's traffic (${describeTraffic(arm)}) is not what this rollout last set (${describeTraffic(j.applied)}): something else changed it`,
    };
  return { kind: 'ok', journal: next, notes };
}
