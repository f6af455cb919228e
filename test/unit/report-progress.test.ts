/** Issue 14: live progress prints a line a second in a log, rewrites one line on a terminal, and its counts only grow. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProgressLine } from '../../src/load/progress.js';
import { Recorder } from '../../src/load/recorder.js';
import { progressPrinter } from '../../src/report/progress.js';

describe('progress', () => {
  it('not a terminal: at most one line per second, each on its own line', () => {
    let now = 0;
    let text = '';
    const p = progressPrinter({ err: (s) => (text += s) }, 1000, () => now);
    for (const [t, line] of [
      [0, 'a'],
      [400, 'b'],
      [1000, 'c'],
      [1999, 'd'],
      [2100, 'e'],
    ] as const) {
      now = t;
      p.update(line);
    }
    p.done();
    assert.equal(text, 'a\nc\ne\n');
  });

  it('a terminal: one line rewritten in place, ended by done()', () => {
    let text = '';
    const p = progressPrinter({ err: (s) => (text += s), tty: true });
    p.update('1 s');
    p.update('2 s');
    p.done();
    assert.equal(text, '\r\u001b[K1 s\r\u001b[K2 s\n');
  });

  it('the load line: time against the plan, counts since the start, a bar on a terminal', () => {
    const r = new Recorder([''], 10);
    const all = Int32Array.from([0]);
    const lines: string[] = [];
    for (let second = 1; second <= 3; second++) {
      for (let i = 0; i < 100; i++) r.record(all, 20_000, i % 50 !== 0, 2);
      lines.push(loadProgressLine(second * 1000, 10_000, r, 20));
    }
    assert.deepEqual(lines, [
      'revgate: load 1/10 s  100 requests (2.0% failed, p95 20 ms)',
      'revgate: load 2/10 s  200 requests (2.0% failed, p95 20 ms)',
      'revgate: load 3/10 s  300 requests (2.0% failed, p95 20 ms)',
    ]);
    assert.match(loadProgressLine(5000, 10_000, r, undefined, true), /^\[={10} {10}\] revgate: load 5\/10 s {2}300 requests \(2\.0% failed\)$/);
  });
});
