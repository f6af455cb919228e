import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckConfig } from '../../src/config/types.js';
import { checkBudgetMs, MIN_TEST_TIMEOUT_MS, testTimeoutMs } from '../../src/smoke/budget.js';

describe('a declared check’s Playwright timeout follows its request budgets', () => {
  const rows: Array<{ name: string; check: CheckConfig; defaults?: { timeoutMs?: number }; budget: number }> = [
    { name: 'a request with no timeout: the built-in 10 s', check: { id: 'a', request: { path: '/' } }, budget: 10_000 },
    { name: 'defaults.timeoutMs', check: { id: 'a', request: { path: '/' } }, defaults: { timeoutMs: 3_000 }, budget: 3_000 },
    {
      name: 'the request’s own timeoutMs wins',
      check: { id: 'a', request: { path: '/', timeoutMs: 120_000 } },
      defaults: { timeoutMs: 3_000 },
      budget: 120_000,
    },
    { name: 'a TLS check uses defaults.timeoutMs', check: { id: 't', tls: { minDays: 1 } }, defaults: { timeoutMs: 7_000 }, budget: 7_000 },
    {
      name: 'a flow: every step plus every cleanup, one after another',
      check: {
        id: 'f',
        steps: [
          { name: 'create', request: { method: 'POST', path: '/p', timeoutMs: 200_000 }, cleanup: { path: '/p/1', timeoutMs: 5_000 } },
          { name: 'read', request: { path: '/p/1' } },
        ],
      },
      defaults: { timeoutMs: 4_000 },
      budget: 209_000,
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      assert.equal(checkBudgetMs(r.check, r.defaults), r.budget);
      const timeout = testTimeoutMs(r.check, r.defaults);
      assert.ok(timeout >= MIN_TEST_TIMEOUT_MS, 'never below Playwright’s default');
      assert.ok(timeout > r.budget, 'room for the harness beyond the requests');
    });
  }

  it('a 120 s request is not cut at 60 s', () => {
    assert.ok(testTimeoutMs({ id: 'slow', request: { path: '/', timeoutMs: 120_000 } }) > 120_000);
  });
});
