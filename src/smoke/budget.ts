import type { CheckConfig, CheckDefaults } from '../config/types.js';
import { DEFAULT_TIMEOUT_MS } from '../http/prepare.js';

/** Playwright's default test timeout, kept as the floor so short checks behave as before. */
export const MIN_TEST_TIMEOUT_MS = 60_000;
/** Room for the harness around the requests: fixtures, attachments, a busy machine. */
const HARNESS_MARGIN_MS = 30_000;

/** The longest the requests of one check may take: every step's budget plus its cleanup's, one after another. Pure. */
export function checkBudgetMs(check: CheckConfig, defaults: CheckDefaults = {}): number {
  const budget = (spec?: { timeoutMs?: number }): number => spec?.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (check.tls) return budget();
  if (check.steps) return check.steps.reduce((sum, step) => sum + budget(step.request) + (step.cleanup ? budget(step.cleanup) : 0), 0);
  return budget(check.request);
}

/** The Playwright timeout for a declared check's test, so a `timeoutMs: 120000` is not cut at 60 s by the harness. */
export function testTimeoutMs(check: CheckConfig, defaults: CheckDefaults = {}): number {
  return Math.max(MIN_TEST_TIMEOUT_MS, checkBudgetMs(check, defaults) + HARNESS_MARGIN_MS);
}
