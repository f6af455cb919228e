import type { AssertionResult, LatencyBudget } from './types.js';
import { formatMs } from './text.js';

/** For the config loader: `undefined` when the budget is usable, otherwise what is wrong. */
export function validateLatencyBudget(budget: LatencyBudget): string | undefined {
  return numbersProblem(budget) ?? (budget.warnMs !== undefined && budget.warnMs > budget.maxMs ? 'latency.warnMs must not exceed latency.maxMs' : undefined);
}

function numbersProblem(budget: LatencyBudget): string | undefined {
  const ok = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!ok(budget.maxMs)) return 'latency.maxMs must be a non-negative number';
  if (budget.warnMs !== undefined && !ok(budget.warnMs)) return 'latency.warnMs must be a non-negative number';
  return undefined;
}

/**
 * Two levels: above `warnMs` is degraded, above `maxMs` is failed.
 * Exactly at a limit passes ("above" is strict), so a budget of 500 ms admits 500 ms.
 * `connectMs`, when given, is connection setup already left out of `durationMs`: only named in the message.
 */
export function evaluateLatency(durationMs: number, budget: LatencyBudget, connectMs?: number): AssertionResult {
  const base = { name: 'latency', expected: { ...budget }, actual: durationMs };
  // warnMs > maxMs is only a config warning: a check overriding maxMs below an inherited warnMs still evaluates.
  const problem = numbersProblem(budget);
  if (problem) return { ...base, phase: 'error', message: `cannot evaluate latency: ${problem}` };
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    return { ...base, phase: 'error', message: `cannot evaluate latency: the measured duration ${String(durationMs)} is not valid` };
  }
  const setup = connectMs !== undefined && connectMs > 0 ? ` (+ ${formatMs(connectMs)} connection setup, not counted)` : '';
  const took = `took ${formatMs(durationMs)}${setup}`;
  if (durationMs > budget.maxMs) {
    return { ...base, phase: 'failed', message: `${took}, above the ${formatMs(budget.maxMs)} limit` };
  }
  if (budget.warnMs !== undefined && durationMs > budget.warnMs) {
    return {
      ...base,
      phase: 'degraded',
      message: `${took}, above the ${formatMs(budget.warnMs)} warning level (limit ${formatMs(budget.maxMs)})`,
    };
  }
  return { ...base, phase: 'passed', message: `${took} (limit ${formatMs(budget.maxMs)})` };
}
