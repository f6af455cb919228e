import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RawTest } from '../../src/smoke/raw-results.js';
import { specCheckId, toCheckResults } from '../../src/smoke/results.js';

const raw = (over: Partial<RawTest>): RawTest => ({
  title: '[health] Basic health',
  file: 'checks/declared.spec.ts',
  project: 'declared',
  outcome: 'expected',
  lastStatus: 'passed',
  attempts: 1,
  durationMs: 12.4,
  errors: [],
  annotations: [{ type: 'revgate:id', description: 'health' }],
  tags: [],
  ...over,
});

// One row per mapping rule from Playwright's outcome to a revgate check status.
const rows: Array<{ name: string; test: Partial<RawTest>; status: string; message?: RegExp }> = [
  { name: 'expected -> passed', test: {}, status: 'passed' },
  {
    name: 'expected + degraded annotation -> degraded',
    test: {
      annotations: [
        { type: 'revgate:id', description: 'health' },
        { type: 'revgate:degraded', description: 'latency 150 ms over 100 ms' },
      ],
    },
    status: 'degraded',
    message: /latency 150/,
  },
  { name: 'flaky -> flaky, never passed', test: { outcome: 'flaky', attempts: 2, errors: [] }, status: 'flaky', message: /passed on attempt 2/ },
  {
    name: 'unexpected -> failed',
    test: { outcome: 'unexpected', lastStatus: 'failed', errors: ['Error: expected status 200, got 503'] },
    status: 'failed',
    message: /^expected status 200, got 503$/,
  },
  {
    name: 'timed out -> failed with the time',
    test: { outcome: 'unexpected', lastStatus: 'timedOut', durationMs: 60_000, errors: ['Test timeout of 60000ms exceeded.'] },
    status: 'failed',
    message: /timed out after 60000 ms/,
  },
  { name: 'interrupted -> error', test: { outcome: 'unexpected', lastStatus: 'interrupted' }, status: 'error' },
  {
    name: 'error annotation -> error',
    test: {
      outcome: 'unexpected',
      lastStatus: 'failed',
      annotations: [
        { type: 'revgate:id', description: 'health' },
        { type: 'revgate:error', description: 'could not evaluate' },
      ],
    },
    status: 'error',
  },
  {
    name: 'browser missing -> error, not failed',
    test: { outcome: 'unexpected', lastStatus: 'failed', errors: ["browserType.launch: Executable doesn't exist at /x"] },
    status: 'error',
  },
  {
    name: 'skipped -> skipped with the reason',
    test: {
      outcome: 'skipped',
      lastStatus: 'skipped',
      annotations: [
        { type: 'revgate:id', description: 'health' },
        { type: 'skip', description: 'not https' },
      ],
    },
    status: 'skipped',
    message: /not https/,
  },
];

describe('toCheckResults', () => {
  for (const row of rows) {
    it(row.name, () => {
      const [c] = toCheckResults([raw(row.test)]);
      assert.equal(c?.status, row.status);
      if (row.message) assert.match(c?.error?.message ?? '', row.message);
    });
  }

  it('declared checks keep their id and title; hand-written specs get a stable id and a spec label', () => {
    const [declared, spec] = toCheckResults([
      raw({}),
      raw({ title: 'Projects API paginates!', file: 'checks/projects.spec.ts', annotations: [], tags: ['@api'] }),
    ]);
    assert.equal(declared?.id, 'health');
    assert.equal(declared?.title, 'Basic health');
    assert.equal(spec?.id, 'projects/projects-api-paginates');
    assert.equal(spec?.labels?.spec, 'checks/projects.spec.ts');
    assert.equal(specCheckId('a/b/ui.browser.spec.ts', 'Status page'), 'ui/status-page');
  });

  it('non-blocking by annotation or tag; cleanup outcome carried', () => {
    const [a, b] = toCheckResults([
      raw({ annotations: [{ type: 'revgate:id', description: 'a' }, { type: 'revgate:non-blocking' }] }),
      raw({ annotations: [], tags: ['@non-blocking'], cleanup: { ran: 2, failures: [{ description: 'DELETE /x', message: '500' }] } }),
    ]);
    assert.equal(a?.blocking, false);
    assert.equal(b?.blocking, false);
    assert.deepEqual(b?.cleanup, { status: 'failed', message: 'DELETE /x: 500' });
  });
});
