import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { earlyCloseDecision, idleCloseFloorMs, isIdempotent, NO_HINT_IDLE_CLOSE_MS, reuseLimitMs, type EarlyClose } from '../../src/load/wire/connection.js';

// The rule for a request whose connection ended before any byte of its response: one row per case.

const base: EarlyClose = { reused: true, idempotent: true, retried: false, idleMs: 2000, hintMs: 0 };

describe('earlyCloseDecision', () => {
  const rows: Array<[string, Partial<EarlyClose>, 'retry' | RegExp]> = [
    ['a reused connection idle past the no-hint floor: the idle-close race, retried', {}, 'retry'],
    ['exactly at the no-hint floor', { idleMs: NO_HINT_IDLE_CLOSE_MS }, 'retry'],
    ['just under the no-hint floor', { idleMs: NO_HINT_IDLE_CLOSE_MS - 1 }, /idle 499 ms; not retried: an idle close needs 500 ms/],
    ['a connection used a moment ago: the server dropped a request it had', { idleMs: 3 }, /on a keep-alive connection idle 3 ms; not retried/],
    ['idle up to the 4 s reuse limit without a hint', { idleMs: 3999 }, 'retry'],
    ['a connection opened for this request', { reused: false }, /^on a new connection$/],
    ['the retry itself ends the same way: never a third send', { retried: true, reused: false }, /^on its retry$/],
    ['a retry on a connection that somehow looks reused is still not retried again', { retried: true }, /^on its retry$/],
    ['a method that is not idempotent is never sent twice', { idempotent: false }, /not retried: the method is not idempotent/],
    [
      'with a 5 s hint, idle 3.9 s: under the hint, the server closed early',
      { hintMs: 5000, idleMs: 3900 },
      /not retried: under the server's keep-alive hint of 5 s/,
    ],
    ['with a 5 s hint, idle 600 ms (past the no-hint floor, but the hint says the server keeps it)', { hintMs: 5000, idleMs: 600 }, /hint of 5 s/],
    ['with a 5 s hint, at the reuse limit (4 s)', { hintMs: 5000, idleMs: 4000 }, 'retry'],
    ['with a 1 s hint, idle 400 ms: under the 500 ms reuse limit', { hintMs: 1000, idleMs: 400 }, /hint of 1 s/],
    ['with a 1 s hint, idle 500 ms', { hintMs: 1000, idleMs: 500 }, 'retry'],
  ];
  for (const [name, patch, expected] of rows) {
    it(name, () => {
      const d = earlyCloseDecision({ ...base, ...patch });
      if (expected === 'retry') assert.deepEqual(d, { retry: true });
      else {
        assert.equal(d.retry, false);
        assert.match(d.retry ? '' : d.why, expected);
      }
    });
  }
});

describe('reuse limit and idle-close floor', () => {
  const rows: Array<[number, number, number]> = [
    // hint ms, reuse limit ms, idle-close floor ms
    [0, 4000, NO_HINT_IDLE_CLOSE_MS],
    [1000, 500, 500],
    [2000, 1000, 1000],
    [5000, 4000, 4000],
    [75000, 74000, 74000],
  ];
  for (const [hint, limit, floor] of rows) {
    it(`hint ${hint} ms: reused up to ${limit} ms idle, an idle close believed from ${floor} ms`, () => {
      assert.equal(reuseLimitMs(hint), limit);
      assert.equal(idleCloseFloorMs(hint), floor);
      // With a hint the floor is the reuse limit: a reused connection is never idle that long, so never retried.
      if (hint > 0) assert.ok(idleCloseFloorMs(hint) >= reuseLimitMs(hint));
    });
  }

  it('idempotent methods are the ones RFC 9110 names', () => {
    assert.deepEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'POST', 'PATCH', 'CONNECT'].filter(isIdempotent), [
      'GET',
      'HEAD',
      'OPTIONS',
      'PUT',
      'DELETE',
      'TRACE',
    ]);
  });
});
