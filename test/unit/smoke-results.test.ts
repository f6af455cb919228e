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

  it('non-blocking by annotation or tag', () => {
    const [a, b] = toCheckResults([
      raw({ annotations: [{ type: 'revgate:id', description: 'a' }, { type: 'revgate:non-blocking' }] }),
      raw({ annotations: [], tags: ['@non-blocking'] }),
    ]);
    assert.equal(a?.blocking, false);
    assert.equal(b?.blocking, false);
  });

  // One row per cleanup outcome: what was deleted, what failed, what could not be built.
  const cleanupRows: Array<{ name: string; cleanup: NonNullable<RawTest['cleanup']>; status?: string; message?: RegExp }> = [
    { name: 'nothing registered -> no cleanup entry', cleanup: { ran: 0, failures: [], tasks: [] } },
    {
      name: 'every deletion succeeded -> passed, naming what was deleted',
      cleanup: { ran: 1, failures: [], tasks: [{ description: 'DELETE /items/7 (cleanup of "create")', status: 'done', message: 'answered 204' }] },
      status: 'passed',
      message: /^1 cleanup request succeeded: DELETE \/items\/7 \(cleanup of "create"\): answered 204$/,
    },
    {
      name: 'a deletion failed -> failed, data may be left behind',
      cleanup: {
        ran: 2,
        failures: [{ description: 'DELETE /x', message: '500' }],
        tasks: [
          { description: 'DELETE /x', status: 'failed', message: '500' },
          { description: 'DELETE /y', status: 'done', message: 'answered 200' },
        ],
      },
      status: 'failed',
      message: /^test data may be left behind: DELETE \/x: 500; 1 cleanup request succeeded$/,
    },
    {
      name: 'a cleanup that could not be built -> failed, saying so',
      cleanup: {
        ran: 0,
        failures: [{ description: 'DELETE /items/{{id}}', message: 'cannot be built: id (id) did not come back' }],
        tasks: [{ description: 'DELETE /items/{{id}}', status: 'not-built', message: 'cannot be built: id (id) did not come back' }],
      },
      status: 'failed',
      message: /left behind: DELETE \/items\/\{\{id\}\}: cannot be built/,
    },
  ];
  for (const row of cleanupRows) {
    it(`cleanup: ${row.name}`, () => {
      const [c] = toCheckResults([raw({ cleanup: row.cleanup })]);
      assert.equal(c?.cleanup?.status, row.status);
      if (row.message) assert.match(c?.cleanup?.message ?? '', row.message);
      if (row.status) assert.deepEqual(c?.cleanup?.tasks, row.cleanup.tasks);
    });
  }
});
