/**
 * Expands the declared checks of revgate.config.json into one Playwright test each.
 * Run through `revgate smoke`, which passes the config, target and token in the environment.
 */
import type { Dispatcher } from 'undici';
import { createHttpAgent } from '../http/exchange.js';
import { latencyText } from '../report/timing.js';
import { testTimeoutMs } from './budget.js';
import { Annotation, Attachment, declaredTestTitle } from './conventions.js';
import { test as base } from './fixtures.js';
import { runDeclaredCheck } from './run-check.js';
import { loadRunContext } from './run-context.js';

// Declared checks send their requests over undici (bodies limited while they stream, redirects checked hop by
// hop); one agent per worker keeps connections alive across checks. Hand-written specs keep Playwright's `request`.
const test = base.extend<object, { http: Dispatcher }>({
  http: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const agent = createHttpAgent();
      await use(agent);
      await agent.destroy();
    },
    { scope: 'worker' },
  ],
});

const context = loadRunContext();
const defaults = context.resolved.config.defaults ?? {};

for (const { check, skip } of context.planned) {
  const annotation = [
    { type: Annotation.id, description: check.id },
    ...(check.blocking === false ? [{ type: Annotation.nonBlocking }] : []),
    ...(check.severity ? [{ type: Annotation.severity, description: check.severity }] : []),
  ];
  const tag = (check.tags ?? []).map((t) => (t.startsWith('@') ? t : `@${t}`));

  test(declaredTestTitle(check), { annotation, tag }, async ({ http, cleanup, revgate }, testInfo) => {
    test.skip(skip !== undefined, skip);
    // The check's own budgets (every step and cleanup) decide when it gives up, not Playwright's default 60 s.
    test.setTimeout(testTimeoutMs(check, defaults));
    const outcome = await runDeclaredCheck(check, { http, ctx: revgate, cleanup });
    await testInfo.attach(Attachment.outcome, { body: JSON.stringify(outcome), contentType: 'application/json' });
    test.skip(outcome.skip !== undefined, outcome.skip);
    // Playwright's report shows the test's duration (its wall time); this names the request latency next to it.
    if (outcome.latencyMs !== undefined) {
      testInfo.annotations.push({
        type: Annotation.latency,
        description: `${latencyText({ ...outcome, latencyMs: outcome.latencyMs })}; the test's duration is its wall time`,
      });
    }

    if (outcome.phase === 'degraded') testInfo.annotations.push({ type: Annotation.degraded, description: outcome.message ?? 'over the warning budget' });
    if (outcome.phase === 'error') testInfo.annotations.push({ type: Annotation.error, description: outcome.message ?? 'could not evaluate' });
    if (outcome.phase === 'failed' || outcome.phase === 'error') {
      const error = new Error(outcome.message ?? `check ${check.id} ${outcome.phase}`);
      error.stack = error.message; // the stack of the spec adds nothing for a declared check
      throw error;
    }
  });
}
