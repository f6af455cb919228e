import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPath, getPath, parsePath, PathSyntaxError, validatePath } from '../../src/evaluate/json-path.js';

const doc = {
  status: 'ok',
  page: 2,
  checks: { database: 'up', cache: null },
  items: [{ id: 'a1' }, { id: 'b2' }, { id: 'c3' }],
  'key with.dot': true,
  'x-request-id': 'r-1',
  $ref: '#/x',
  'quote"d': 1,
  "it's": 2,
  meta: { length: 7 },
  empty: {},
  nested: [[1, 2], [3]],
};

const found: { path: string; value: unknown }[] = [
  { path: 'status', value: 'ok' },
  { path: 'checks.database', value: 'up' },
  { path: 'checks.cache', value: null },
  { path: 'items[0].id', value: 'a1' },
  { path: 'items[2].id', value: 'c3' },
  { path: 'items[-1].id', value: 'c3' },
  { path: 'items.1.id', value: 'b2' },
  { path: '$.page', value: 2 },
  { path: '$', value: doc },
  { path: "$['key with.dot']", value: true },
  { path: '$["key with.dot"]', value: true },
  { path: "$['checks']['database']", value: 'up' },
  { path: '$.items.length', value: 3 },
  { path: 'items.length', value: 3 },
  { path: '$.nested[0][1]', value: 2 },
  { path: '$.nested[1].length', value: 1 },
  { path: 'x-request-id', value: 'r-1' },
  { path: '$ref', value: '#/x' },
  { path: '$["quote\\"d"]', value: 1 },
  { path: "$['it\\'s']", value: 2 },
  { path: 'meta.length', value: 7 },
];

for (const row of found) {
  test(`getPath finds ${row.path}`, () => {
    const result = getPath(doc, row.path);
    assert.equal(result.found, true, result.reason);
    assert.deepEqual(result.value, row.value);
  });
}

test('getPath on a top-level array with [0]', () => {
  assert.deepEqual(getPath([10, 20], '[1]'), { found: true, value: 20 });
  assert.deepEqual(getPath([10, 20], '$[0]'), { found: true, value: 10 });
});

const missing: { path: string; reason: RegExp }[] = [
  { path: 'checks.db', reason: /\$\.checks has no key "db" \(keys: database, cache\)/ },
  { path: 'nope', reason: /no key "nope"/ },
  { path: 'items[3].id', reason: /\$\.items has no index 3 \(length 3\)/ },
  { path: 'items[-4]', reason: /has no index -4/ },
  { path: 'items.first', reason: /\$\.items is an array/ },
  { path: 'status.code', reason: /\$\.status is a string, so it has no key "code"/ },
  { path: 'checks.cache.x', reason: /\$\.checks\.cache is null/ },
  { path: 'page[0]', reason: /is a number, so it has no index 0/ },
  { path: 'empty.x', reason: /it is empty/ },
  { path: 'constructor', reason: /no key "constructor"/ },
  { path: '__proto__', reason: /no key "__proto__"/ },
  { path: 'status.length', reason: /is a string/ },
];

for (const row of missing) {
  test(`getPath reports ${row.path} as not found`, () => {
    const result = getPath(doc, row.path);
    assert.equal(result.found, false);
    assert.equal(result.value, undefined);
    assert.match(result.reason ?? '', row.reason);
  });
}

const malformed: { path: string; error: RegExp }[] = [
  { path: '', error: /empty/ },
  { path: ' status', error: /spaces/ },
  { path: '.status', error: /cannot start with "\."/ },
  { path: 'status.', error: /ends with "\."/ },
  { path: 'a..b', error: /empty name between dots/ },
  { path: '$.', error: /ends with "\."/ },
  { path: 'items[', error: /expected an index/ },
  { path: 'items[]', error: /empty brackets/ },
  { path: 'items[x]', error: /expected an index/ },
  { path: 'items[*]', error: /wildcards are not supported/ },
  { path: 'items[0', error: /expected "\]"/ },
  { path: "a['b", error: /unterminated string/ },
  { path: "a['b'", error: /expected "\]" after the quoted name/ },
  { path: "a['b\\x']", error: /invalid escape/ },
  { path: 'a b', error: /expected "\." or "\["/ },
  { path: 'a]', error: /expected "\." or "\["/ },
  { path: '$x.y[', error: /expected an index/ },
  { path: 'a.[0]', error: /expected a name/ },
  { path: `items[${'9'.repeat(30)}]`, error: /out of range/ },
];

for (const row of malformed) {
  test(`validatePath rejects ${JSON.stringify(row.path)}`, () => {
    const message = validatePath(row.path);
    assert.ok(message, 'expected an error message');
    assert.match(message, row.error);
    assert.match(message, /^invalid JSON path .*\(at character \d+\)$/);
    assert.throws(() => parsePath(row.path), PathSyntaxError);
    assert.throws(() => getPath(doc, row.path), PathSyntaxError);
  });
}

for (const row of [...found, { path: '[0]' }, { path: '$[0][1]' }]) {
  test(`validatePath accepts ${row.path}`, () => {
    assert.equal(validatePath(row.path), undefined);
  });
}

const parsed: { path: string; segments: (string | number)[]; canonical: string }[] = [
  { path: 'status', segments: ['status'], canonical: '$.status' },
  { path: 'items[0].id', segments: ['items', 0, 'id'], canonical: '$.items[0].id' },
  { path: "$['key with.dot']", segments: ['key with.dot'], canonical: "$['key with.dot']" },
  { path: "$['it\\'s']", segments: ["it's"], canonical: "$['it\\'s']" },
  { path: '$', segments: [], canonical: '$' },
  { path: 'items[-1]', segments: ['items', -1], canonical: '$.items[-1]' },
];

for (const row of parsed) {
  test(`parsePath ${row.path} -> segments, formatPath round-trips`, () => {
    assert.deepEqual(parsePath(row.path), row.segments);
    assert.equal(formatPath(row.segments), row.canonical);
    assert.deepEqual(parsePath(formatPath(row.segments)), row.segments);
  });
}
