import type { AssertionResult, Phase } from './types.js';

// For one check a measured failure is decisive: if anything was measured bad, the check failed,
// even when another assertion could not be evaluated.
const SEVERITY: Record<Phase, number> = { passed: 0, degraded: 1, error: 2, failed: 3 };

/** The phase of a check from its assertions: worst wins; nothing evaluated is `error`, never a pass. */
export function foldPhases(results: readonly AssertionResult[]): Phase {
  if (results.length === 0) return 'error';
  let worst: Phase = 'passed';
  for (const r of results) {
    // An unknown phase (bad data from elsewhere) counts as "could not evaluate", not as a pass.
    const phase: Phase = r.phase in SEVERITY ? r.phase : 'error';
    if (SEVERITY[phase] > SEVERITY[worst]) worst = phase;
  }
  return worst;
}
