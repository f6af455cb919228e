import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldPhases } from '../../src/evaluate/fold.js';
import type { AssertionResult, Phase } from '../../src/evaluate/types.js';

const of = (...phases: string[]): AssertionResult[] => phases.map((phase, i) => ({ name: `a${i}`, phase: phase as Phase, message: '' }));

const rows: { name: string; phases: string[]; want: Phase }[] = [
  { name: 'nothing evaluated is error, never a pass', phases: [], want: 'error' },
  { name: 'all passed', phases: ['passed', 'passed'], want: 'passed' },
  { name: 'one degraded', phases: ['passed', 'degraded'], want: 'degraded' },
  { name: 'error beats degraded', phases: ['degraded', 'error', 'passed'], want: 'error' },
  { name: 'failed beats error (a measured failure is decisive)', phases: ['error', 'failed'], want: 'failed' },
  { name: 'failed beats error in any order', phases: ['failed', 'error', 'degraded'], want: 'failed' },
  { name: 'failed beats degraded', phases: ['degraded', 'failed', 'passed'], want: 'failed' },
  { name: 'a single error', phases: ['error'], want: 'error' },
  { name: 'an unknown phase counts as error, not pass', phases: ['passed', 'bogus'], want: 'error' },
];

for (const row of rows) {
  test(`foldPhases: ${row.name}`, () => {
    assert.equal(foldPhases(of(...row.phases)), row.want);
  });
}
