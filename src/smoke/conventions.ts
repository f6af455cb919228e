import type { CheckConfig } from '../config/types.js';

/**
 * How tests talk to revgate's results: annotation types and attachment names. Hand-written specs
 * use the same annotations (or the `@non-blocking` tag) to mark themselves.
 */
export const Annotation = {
  id: 'revgate:id',
  nonBlocking: 'revgate:non-blocking',
  severity: 'revgate:severity',
  degraded: 'revgate:degraded',
  error: 'revgate:error',
  /** The request latency (and connection setup) of a declared check, next to Playwright's test duration. */
  latency: 'revgate:latency',
  /** `revgate:label:<name>` carries a label (tenant, region...) into reports. */
  labelPrefix: 'revgate:label:',
} as const;

export const Attachment = {
  outcome: 'revgate-outcome',
  cleanup: 'revgate-cleanup',
} as const;

export const NON_BLOCKING_TAG = '@non-blocking';

export function declaredTestTitle(check: CheckConfig): string {
  return `[${check.id}] ${check.title ?? check.id}`;
}

/** The progress line's mark for a finished check: Playwright's test outcome, and whether it was degraded. */
export function progressMark(outcome: string, degraded: boolean): string {
  return outcome === 'skipped' ? 'skip' : outcome === 'flaky' ? 'FLKY' : outcome === 'unexpected' ? 'FAIL' : degraded ? 'WARN' : 'ok  ';
}
