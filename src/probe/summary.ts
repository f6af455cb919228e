import type { Summarizer } from '../verdict/decide.js';
import { computeBlastRadius } from './blast.js';
import type { TenantCatalog } from './types.js';

const MAX_REASONS = 100;

/** The blast radius goes into the summary line (what a pipeline log shows first) and as a structured field. */
export function probeSummarizer(catalog: Pick<TenantCatalog, 'cells'>, regions: number): Summarizer {
  return (v) => {
    const blastRadius = computeBlastRadius(v.checks, catalog.cells);
    const head = v.verdict.toUpperCase();
    const seconds = `${(v.durationMs / 1000).toFixed(1)} s`;
    const reasons =
      v.reasons.length > MAX_REASONS
        ? [...v.reasons.slice(0, MAX_REASONS), `… and ${v.reasons.length - MAX_REASONS} more (every probe is in verdict.json)`]
        : v.reasons;
    return {
      summary: `${head}: ${blastRadius.line} - probe of ${v.target.service ?? v.target.baseUrl}, ${v.checks.length} probes in ${regions} region${regions === 1 ? '' : 's'} in ${seconds}`,
      reasons: v.verdict === 'pass' ? reasons : [blastRadius.line, ...reasons],
      blastRadius,
    };
  };
}
