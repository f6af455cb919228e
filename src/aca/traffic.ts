/**
 * Traffic tables, pure. Every table revgate sends to ARM is built here and checked by `trafficProblems`
 * first: whole weights from 0 to 100 that sum to exactly 100, every entry naming a revision, labels kept.
 * The Container Apps traps this guards against: a PATCH that omits a labelled entry clears its label
 * (microsoft/azure-container-apps#962), so tables are always sent whole, with every label; a
 * `latestRevision: true` entry moves to whatever revision is deployed next (#177), so tables are pinned
 * to revision names before they are recorded or sent.
 */
import type { TrafficEntry } from './types.js';

export const trafficSum = (traffic: readonly TrafficEntry[]): number => traffic.reduce((s, t) => s + t.weight, 0);

/** Why a table must not be sent (empty when it may). */
export function trafficProblems(traffic: readonly TrafficEntry[]): string[] {
  const problems: string[] = [];
  if (!traffic.length) problems.push('the traffic table is empty');
  traffic.forEach((t, i) => {
    if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > 100)
      problems.push(`entry ${i} has weight ${t.weight}: weights are whole numbers from 0 to 100`);
    if (!t.revisionName && !t.latestRevision) problems.push(`entry ${i} names no revision`);
    if (t.revisionName && t.latestRevision) problems.push(`entry ${i} names revision ${t.revisionName} and also follows the latest revision`);
  });
  const sum = trafficSum(traffic);
  if (sum !== 100) problems.push(`weights sum to ${sum}, not 100`);
  const labels = traffic.filter((t) => t.label).map((t) => t.label as string);
  const dup = labels.filter((l, i) => labels.indexOf(l) !== i);
  if (dup.length) problems.push(`label ${[...new Set(dup)].join(', ')} appears more than once`);
  return problems;
}

/**
 * `latestRevision: true` entries replaced by the revision they point at now, so the table means the
 * same thing after the next deployment. Undefined when an entry follows the latest revision and there
 * is none.
 */
export function pinTraffic(traffic: readonly TrafficEntry[], latestRevisionName: string | undefined): TrafficEntry[] | undefined {
  const out: TrafficEntry[] = [];
  for (const t of traffic) {
    if (t.latestRevision && !t.revisionName) {
      if (!latestRevisionName) return undefined;
      out.push(entry(latestRevisionName, t.weight, t.label));
    } else out.push(entry(t.revisionName as string, t.weight, t.label));
  }
  return out;
}

function entry(revisionName: string, weight: number, label: string | undefined): TrafficEntry {
  return { revisionName, weight, ...(label ? { label } : {}) };
}

/**
 * The table for one step: the canary gets `weight`, every other entry of the (pinned) rollback point
 * shares the rest in proportion to what it had, rounded by largest remainder so the sum is exactly 100.
 * Every entry and label of the rollback point is kept (at weight 0 if need be); the canary's share goes
 * to its first unlabelled entry, else its first entry, else a new entry at the end.
 */
export function planStep(rollbackPoint: readonly TrafficEntry[], canary: string, weight: number): { traffic: TrafficEntry[] } | { problem: string } {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) return { problem: `step weight ${weight} is not a whole number from 0 to 100` };
  if (rollbackPoint.some((t) => !t.revisionName)) return { problem: 'the rollback point is not pinned to revision names' };
  const others = rollbackPoint.map((t, i) => ({ t, i })).filter(({ t }) => t.revisionName !== canary);
  const othersWeight = others.reduce((s, { t }) => s + t.weight, 0);
  const rest = 100 - weight;
  if (rest > 0 && othersWeight === 0) return { problem: `no other revision has traffic to keep ${rest}% of it: nothing to shift from` };

  const weights = rollbackPoint.map(() => 0);
  if (rest > 0) {
    // Largest remainder: floors first, then the leftover points to the biggest fractions (earlier entries win ties).
    const shares = others.map(({ t, i }) => ({ i, exact: (t.weight * rest) / othersWeight }));
    for (const s of shares) weights[s.i] = Math.floor(s.exact);
    let left = rest - shares.reduce((sum, s) => sum + Math.floor(s.exact), 0);
    const order = [...shares].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.i - b.i);
    for (const s of order) {
      if (left <= 0) break;
      weights[s.i] = (weights[s.i] as number) + 1;
      left--;
    }
  }
  const canaryEntries = rollbackPoint.map((t, i) => ({ t, i })).filter(({ t }) => t.revisionName === canary);
  const target = canaryEntries.find(({ t }) => !t.label) ?? canaryEntries[0];
  const traffic = rollbackPoint.map((t, i) => entry(t.revisionName as string, weights[i] as number, t.label));
  if (target) (traffic[target.i] as TrafficEntry).weight = weight;
  else traffic.push(entry(canary, weight, undefined));
  return { traffic };
}

/** The canary's total share in a table. */
export const weightOf = (traffic: readonly TrafficEntry[], revision: string): number =>
  traffic.filter((t) => t.revisionName === revision).reduce((s, t) => s + t.weight, 0);

/**
 * Two tables mean the same routing: same (revision, weight, label) entries in any order; unlabelled
 * entries at weight 0 do not route anything and ARM may drop them, so they are ignored.
 */
export function sameTraffic(a: readonly TrafficEntry[], b: readonly TrafficEntry[]): boolean {
  const key = (t: readonly TrafficEntry[]): string =>
    t
      .filter((e) => e.weight > 0 || e.label)
      .map((e) => `${e.latestRevision ? '<latest>' : e.revisionName}\u0000${e.weight}\u0000${e.label ?? ''}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

/** "apex--v1=90 (stable), apex--v2=10 (next)". */
export function describeTraffic(traffic: readonly TrafficEntry[]): string {
  return traffic.map((t) => `${t.revisionName ?? 'latest'}=${t.weight}${t.label ? ` (${t.label})` : ''}`).join(', ');
}
