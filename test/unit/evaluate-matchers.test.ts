import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepEqual, isPredicate, matchValue, validateMatcher } from '../../src/evaluate/matchers.js';
import type { JsonMatcher } from '../../src/evaluate/types.js';

/** `actual: undefined` means the path was not found. */
const rows: { name: string; actual: unknown; matcher: JsonMatcher; ok: boolean; message?: RegExp }[] = [
  // literals: deep equality
  { name: 'string literal equal', actual: 'ok', matcher: 'ok', ok: true, message: /^is "ok"$/ },
  { name: 'string literal differs', actual: 'degraded', matcher: 'ok', ok: false, message: /^expected "ok", got "degraded"$/ },
  { name: 'number literal equal', actual: 200, matcher: 200, ok: true },
  { name: 'number is not its string', actual: '200', matcher: 200, ok: false, message: /expected 200, got "200"/ },
  { name: 'boolean literal', actual: true, matcher: true, ok: true },
  { name: 'false is not null', actual: false, matcher: null, ok: false },
  { name: 'null literal', actual: null, matcher: null, ok: true },
  { name: 'array literal, same order', actual: [1, 'a'], matcher: [1, 'a'], ok: true },
  { name: 'array literal, other order', actual: ['a', 1], matcher: [1, 'a'], ok: false },
  { name: 'object literal ignores key order', actual: { b: 2, a: { c: [1] } }, matcher: { a: { c: [1] }, b: 2 }, ok: true },
  { name: 'object literal with an extra key', actual: { a: 1, b: 2 }, matcher: { a: 1 }, ok: false },
  { name: 'empty object literal', actual: {}, matcher: {}, ok: true },
  { name: 'literal against a missing path', actual: undefined, matcher: 'ok', ok: false, message: /got nothing \(not found\)/ },
  // $eq / $ne
  { name: '$eq object (escape hatch for $ keys)', actual: { $ref: 'x' }, matcher: { $eq: { $ref: 'x' } }, ok: true },
  { name: '$ne different', actual: 'down', matcher: { $ne: 'up' }, ok: true },
  { name: '$ne equal', actual: 'up', matcher: { $ne: 'up' }, ok: false, message: /expected not equal to "up", got "up"/ },
  { name: '$ne on a missing path fails', actual: undefined, matcher: { $ne: 'up' }, ok: false },
  // comparisons
  { name: '$gt above', actual: 5, matcher: { $gt: 4 }, ok: true },
  { name: '$gt equal fails', actual: 4, matcher: { $gt: 4 }, ok: false, message: /expected > 4, got 4/ },
  { name: '$gte equal passes', actual: 4, matcher: { $gte: 4 }, ok: true },
  { name: '$lt below', actual: 3, matcher: { $lt: 4 }, ok: true },
  { name: '$lt equal fails', actual: 4, matcher: { $lt: 4 }, ok: false },
  { name: '$lte equal passes', actual: 4, matcher: { $lte: 4 }, ok: true },
  { name: 'range: $gte and $lt together', actual: 250, matcher: { $gte: 200, $lt: 300 }, ok: true, message: /is 250 \(>= 200, < 300\)/ },
  { name: 'range: one bound fails', actual: 300, matcher: { $gte: 200, $lt: 300 }, ok: false, message: /expected < 300, got 300/ },
  { name: 'strings compare (ISO dates)', actual: '2025-06-01', matcher: { $gte: '2025-01-01' }, ok: true },
  { name: 'number vs string operand is a mismatch', actual: '10', matcher: { $gt: 5 }, ok: false, message: /\(a string, not a number\)/ },
  { name: 'comparison on a missing path', actual: undefined, matcher: { $gt: 0 }, ok: false, message: /got nothing \(not found\)$/ },
  // $in / $nin
  { name: '$in member', actual: 'degraded', matcher: { $in: ['ok', 'degraded'] }, ok: true },
  { name: '$in non-member', actual: 'down', matcher: { $in: ['ok', 'degraded'] }, ok: false, message: /expected one of \["ok","degraded"\], got "down"/ },
  { name: '$in uses deep equality', actual: { v: 1 }, matcher: { $in: [{ v: 1 }] }, ok: true },
  { name: '$nin non-member', actual: 'ok', matcher: { $nin: ['down'] }, ok: true },
  { name: '$nin member', actual: 'down', matcher: { $nin: ['down'] }, ok: false },
  // $regex
  { name: '$regex match', actual: 'v1.2.3', matcher: { $regex: '^v\\d+\\.\\d+' }, ok: true },
  { name: '$regex no match', actual: 'latest', matcher: { $regex: '^v\\d' }, ok: false, message: /expected a string matching \/\^v\\d\/, got "latest"/ },
  { name: '$regex on a number', actual: 12, matcher: { $regex: '1' }, ok: false, message: /a number, not a string/ },
  // $exists
  { name: '$exists true, present', actual: 0, matcher: { $exists: true }, ok: true },
  { name: '$exists true, present null', actual: null, matcher: { $exists: true }, ok: true },
  { name: '$exists true, missing', actual: undefined, matcher: { $exists: true }, ok: false, message: /expected present, got nothing/ },
  { name: '$exists false, missing', actual: undefined, matcher: { $exists: false }, ok: true, message: /^is absent$/ },
  { name: '$exists false, present', actual: 'x', matcher: { $exists: false }, ok: false, message: /expected absent, got "x"/ },
  // $type
  { name: '$type string', actual: 'x', matcher: { $type: 'string' }, ok: true },
  { name: '$type number', actual: 1.5, matcher: { $type: 'number' }, ok: true },
  { name: '$type integer accepts 3', actual: 3, matcher: { $type: 'integer' }, ok: true },
  { name: '$type integer rejects 1.5', actual: 1.5, matcher: { $type: 'integer' }, ok: false },
  { name: '$type boolean', actual: false, matcher: { $type: 'boolean' }, ok: true },
  { name: '$type object', actual: { a: 1 }, matcher: { $type: 'object' }, ok: true },
  { name: '$type object rejects array', actual: [], matcher: { $type: 'object' }, ok: false, message: /got \[\] \(an array\)$/ },
  { name: '$type array', actual: [], matcher: { $type: 'array' }, ok: true },
  { name: '$type null', actual: null, matcher: { $type: 'null' }, ok: true },
  { name: '$type null rejects object', actual: {}, matcher: { $type: 'null' }, ok: false },
  { name: '$type list', actual: null, matcher: { $type: ['string', 'null'] }, ok: true },
  // lengths
  { name: '$minLength string ok', actual: 'abc', matcher: { $minLength: 3 }, ok: true },
  { name: '$minLength string short', actual: 'ab', matcher: { $minLength: 3 }, ok: false, message: /\(length 2\)/ },
  { name: '$maxLength counts code points', actual: 'é😀', matcher: { $maxLength: 2 }, ok: true },
  { name: '$minLength array', actual: [1], matcher: { $minLength: 1 }, ok: true },
  { name: '$minLength empty array fails', actual: [], matcher: { $minLength: 1 }, ok: false },
  { name: '$maxLength array too long', actual: [1, 2, 3], matcher: { $maxLength: 2 }, ok: false },
  { name: '$minLength on a number', actual: 5, matcher: { $minLength: 1 }, ok: false, message: /has no length/ },
  { name: 'combined $type and $minLength', actual: 'abc', matcher: { $type: 'string', $minLength: 1 }, ok: true },
  { name: 'long actual values are truncated in messages', actual: 'x'.repeat(5000), matcher: 'y', ok: false, message: /more chars\)$/ },
];

for (const row of rows) {
  test(`matchValue: ${row.name}`, () => {
    const result = matchValue(row.actual, row.matcher);
    assert.equal(result.ok, row.ok, result.message);
    assert.equal(result.invalid, undefined);
    if (row.message) assert.match(result.message, row.message);
    assert.ok(result.message.length < 600, 'message stays short');
  });
}

const invalid: { name: string; matcher: unknown; problem: RegExp }[] = [
  { name: 'unknown operator', matcher: { $contains: 'x' }, problem: /\$contains unknown operator \(known: \$eq, .*\$maxLength\)/ },
  { name: 'unknown operator beside a known one', matcher: { $gt: 1, $foo: 2 }, problem: /\$foo unknown operator/ },
  { name: 'operators mixed with fields', matcher: { $gt: 1, name: 'x' }, problem: /mixes operators \(\$gt\) with field names/ },
  { name: '$gt with an array', matcher: { $gt: [1] }, problem: /\$gt must be a number or a string/ },
  { name: '$lte with NaN', matcher: { $lte: Number.NaN }, problem: /\$lte must be a number or a string/ },
  { name: '$in with a non-array', matcher: { $in: 'ok' }, problem: /\$in must be an array/ },
  { name: '$regex that does not compile', matcher: { $regex: '(' }, problem: /\$regex is not a valid regular expression/ },
  { name: '$regex that is not a string', matcher: { $regex: 1 }, problem: /\$regex must be a string/ },
  { name: '$exists with a string', matcher: { $exists: 'yes' }, problem: /\$exists must be true or false/ },
  { name: '$type unknown', matcher: { $type: 'date' }, problem: /\$type must be one of string, number, integer/ },
  { name: '$type empty list', matcher: { $type: [] }, problem: /\$type must be one of/ },
  { name: '$minLength negative', matcher: { $minLength: -1 }, problem: /\$minLength must be a non-negative integer/ },
  { name: '$maxLength fractional', matcher: { $maxLength: 1.5 }, problem: /\$maxLength must be a non-negative integer/ },
  { name: 'a function', matcher: () => 1, problem: /must be a JSON value/ },
  { name: 'undefined', matcher: undefined, problem: /must be a JSON value/ },
];

for (const row of invalid) {
  test(`validateMatcher rejects ${row.name}`, () => {
    const problem = validateMatcher(row.matcher);
    assert.ok(problem, 'expected a problem');
    assert.match(problem, row.problem);
    const result = matchValue('x', row.matcher as JsonMatcher);
    assert.equal(result.ok, false);
    assert.equal(result.invalid, true);
    assert.match(result.message, /^invalid matcher: /);
  });
}

for (const row of rows) {
  test(`validateMatcher accepts the matcher of "${row.name}"`, () => {
    assert.equal(validateMatcher(row.matcher), undefined);
  });
}

test('isPredicate only for objects whose keys all start with $', () => {
  assert.equal(isPredicate({ $gt: 1 }), true);
  assert.equal(isPredicate({}), false);
  assert.equal(isPredicate({ a: 1 }), false);
  assert.equal(isPredicate([{ $gt: 1 }]), false);
  assert.equal(isPredicate(null), false);
});

test('deepEqual treats key order as irrelevant and arrays as ordered', () => {
  assert.equal(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), true);
  assert.equal(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
  assert.equal(deepEqual([1, 2], [2, 1]), false);
  assert.equal(deepEqual({ a: undefined }, { b: undefined }), false);
  assert.equal(deepEqual(null, {}), false);
});
