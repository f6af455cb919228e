import type { CleanupReport } from './cleanup.js';
import type { CheckOutcome } from './run-check.js';

/** What the Playwright reporter hands back to the CLI: one entry per test, after all retries. */
export interface RawResults {
  /** Playwright's overall status: passed | failed | timedout | interrupted. */
  status: string;
  startedAt: string;
  durationMs: number;
  /** Errors outside any test (a spec that failed to load, a global setup error). */
  globalErrors: string[];
  tests: RawTest[];
}

export interface RawTest {
  title: string;
  file: string;
  project: string;
  /** Playwright's test.outcome(): expected | unexpected | flaky | skipped. */
  outcome: string;
  /** Status of the last attempt: passed | failed | timedOut | skipped | interrupted. */
  lastStatus: string;
  attempts: number;
  /** Wall time of every attempt together (Playwright's durations). */
  durationMs: number;
  /** When the first attempt started (ISO 8601). */
  startedAt?: string;
  errors: string[];
  annotations: Array<{ type: string; description?: string }>;
  tags: string[];
  /** The declared check's outcome (absent for hand-written specs). */
  declared?: CheckOutcome;
  /** Every attempt in order, so a failure that a retry hid is still reported; startedAt (ISO) draws the report's timeline. */
  tries?: Array<{ status: string; durationMs: number; latencyMs?: number; message?: string; startedAt?: string }>;
  cleanup?: CleanupReport;
}
