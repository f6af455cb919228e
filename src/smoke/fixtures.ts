/**
 * Shared Playwright fixtures for revgate suites. Hand-written specs import `test` and `expect` from
 * `fixtures/test.ts` in this repository, or from `@revgate/cli/fixtures` once revgate is installed:
 *
 *   import { test, expect } from '../fixtures/test.js';
 *   test('projects list', async ({ request, authHeaders, cleanup }) => { ... });
 *
 * - `revgate` (worker): the run context (resolved config, base URL, token, redactor).
 * - `baseURL`/`extraHTTPHeaders`: the target revision and its environment headers, so `request.get('/health')` works.
 * - `request`: Playwright's, except that a request without a response (refused, DNS, reset, TLS, timeout) fails with
 *   the same sentence a declared check gets (`connection refused by host:port: is the revision running?`).
 * - `authHeaders`: `{ Authorization: 'Bearer …' }` when a token is configured, else `{}`.
 * - `cleanup`: register deletions right after creating data; they run in reverse order at teardown,
 *   even when the test fails or times out, and a failed cleanup fails the test.
 * - `target`: base URL, environment name and whether it is production.
 */
import { test as base, expect, type TestInfo } from '@playwright/test';
import { CleanupRegistry } from './cleanup.js';
import { Annotation, Attachment } from './conventions.js';
import { loadRunContext, type RunContext } from './run-context.js';
import { withFriendlyNetworkErrors } from './spec-request.js';

export interface Target {
  baseUrl: string;
  environment: string;
  production: boolean;
}

interface TestFixtures {
  authHeaders: Record<string, string>;
  cleanup: CleanupRegistry;
  target: Target;
}

interface WorkerFixtures {
  revgate: RunContext;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  revgate: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await use(loadRunContext());
    },
    { scope: 'worker' },
  ],
  // Playwright's `request`, with network failures (refused, DNS, reset, TLS, timeout) worded as declared checks word them.
  request: async ({ request, revgate }, use) => {
    await use(withFriendlyNetworkErrors(request, revgate.baseUrl));
  },
  baseURL: async ({ revgate }, use) => {
    await use(revgate.baseUrl);
  },
  extraHTTPHeaders: async ({ revgate }, use) => {
    await use(revgate.resolved.target.headers ?? {});
  },
  authHeaders: async ({ revgate }, use) => {
    await use(revgate.token ? { Authorization: `Bearer ${revgate.token}` } : {});
  },
  target: async ({ revgate }, use) => {
    await use({ baseUrl: revgate.baseUrl, environment: revgate.resolved.environment, production: revgate.resolved.target.production === true });
  },
  // Depends on `request` so the API context outlives the cleanup that uses it.
  cleanup: async ({ request: _request, revgate }, use, testInfo) => {
    const registry = new CleanupRegistry();
    await use(registry);
    const report = revgate.redactor.maskDeep(await registry.runAll());
    if (report.tasks.length > 0) await testInfo.attach(Attachment.cleanup, { body: JSON.stringify(report), contentType: 'application/json' });
    if (report.failures.length > 0) {
      throw new Error(`cleanup failed, test data may be left behind: ${report.failures.map((f) => `${f.description}: ${f.message}`).join('; ')}`);
    }
  },
});

/** Marks the running test as degraded (passed, but over a warning budget). */
export function markDegraded(testInfo: TestInfo, message: string): void {
  testInfo.annotations.push({ type: Annotation.degraded, description: message });
}

/** Adds a report label (tenant, region, cell...) to the running test. */
export function label(testInfo: TestInfo, name: string, value: string): void {
  testInfo.annotations.push({ type: `${Annotation.labelPrefix}${name}`, description: value });
}

export { expect };
