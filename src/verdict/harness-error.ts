import { ExitCode } from '../core/exit-codes.js';
import type { Verdict } from './types.js';

/**
 * A problem found after the verdict was decided (a secret that survived scrubbing, an artifact that
 * could not be scrubbed) makes the run an error: hold, never promote. A measured failure still wins
 * (roll back). Every extension of the verdict (blast radius, canary run, partial) is kept: later
 * stages add to a verdict, they never rebuild it. Pure.
 */
export function withHarnessError(v: Verdict, message: string): Verdict {
  const reason = `revgate could not complete the evaluation: ${message}`;
  if (v.verdict === 'fail') return { ...v, reasons: [...v.reasons, reason] };
  const seconds = `${(v.durationMs / 1000).toFixed(1)} s`;
  return {
    ...v,
    verdict: 'error',
    decision: 'hold',
    exitCode: ExitCode.Harness,
    summary: `ERROR: could not evaluate (${message}) - ${v.kind} on ${v.target.baseUrl} in ${seconds}`,
    reasons: [reason, ...v.reasons],
  };
}
