import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldPhases } from '../../src/evaluate/fold.js';
import { evaluateHttp } from '../../src/evaluate/http.js';
import type { HttpExpectations, HttpMeasurement, NetErrorKind } from '../../src/evaluate/types.js';
import { assertNoUrlSecrets, assertResults, jsonResponse, netError, response, type Expected } from './evaluate-fixtures.js';

interface Row {
  name: string;
  m: HttpMeasurement;
  e: HttpExpectations;
  want: Expected[];
}

function table(title: string, rows: Row[]): void {
  for (const row of rows) {
    test(`${title}: ${row.name}`, () => {
      const results = evaluateHttp(row.m, row.e);
      assertResults(results, row.want);
      assertNoUrlSecrets(results);
      for (const r of results) assert.ok(r.message.length <= 1200, `message too long: ${r.name}`);
    });
  }
}

const ok: Expected = { name: 'status', phase: 'passed' };

// ---------------------------------------------------------------------------------------------
// No response: every net error kind is a measured failure (`failed`), never `error`.
const netRows: { kind: NetErrorKind; code?: string; message: string; want: RegExp }[] = [
  {
    kind: 'dns',
    code: 'ENOTFOUND',
    message: 'getaddrinfo ENOTFOUND api--rev7.example.io',
    want: /^DNS lookup failed for api--rev7\.example\.io \(ENOTFOUND\): check the revision FQDN$/,
  },
  { kind: 'dns', code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN', want: /^DNS lookup failed for api--rev7\.example\.io \(EAI_AGAIN\)/ },
  {
    kind: 'connect',
    code: 'ECONNREFUSED',
    message: 'connect ECONNREFUSED 10.0.0.7:443',
    want: /^connection refused by api--rev7\.example\.io:443: is the revision running\?$/,
  },
  { kind: 'connect', code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH', want: /^could not connect to api--rev7\.example\.io:443 \(EHOSTUNREACH\)/ },
  { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT', message: 'Headers Timeout Error', want: /^no response within the timeout \(gave up after 10000 ms\)$/ },
  {
    kind: 'tls',
    code: 'CERT_HAS_EXPIRED',
    message: 'certificate has expired',
    want: /^TLS handshake failed: CERT_HAS_EXPIRED: certificate has expired \(is the certificate valid for this host\?\)$/,
  },
  {
    kind: 'tls',
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    message: "Hostname/IP does not match certificate's altnames: ERR_TLS_CERT_ALTNAME_INVALID",
    want: /^TLS handshake failed: Hostname\/IP does not match certificate's altnames: ERR_TLS_CERT_ALTNAME_INVALID \(is the certificate valid/,
  },
  {
    kind: 'reset',
    code: 'ECONNRESET',
    message: 'other side closed',
    want: /^connection reset by api--rev7\.example\.io:443 before the response was complete \(ECONNRESET\): did the revision crash or restart\?$/,
  },
  {
    kind: 'redirect-loop',
    message: 'max redirects (10) exceeded for https://deploy:hunter2@api--rev7.example.io/login?sig=SECRETSIG',
    want: /^too many redirects \(redirect loop\?\)$/,
  },
  {
    kind: 'body-too-large',
    code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE',
    message: 'body exceeded maxBodyBytes (1048576)',
    want: /^response body larger than the allowed maximum \(body exceeded maxBodyBytes \(1048576\)\): raise maxBodyBytes/,
  },
  {
    kind: 'protocol',
    code: 'HPE_INVALID_CONSTANT',
    message: 'Expected HTTP/',
    want: /^invalid HTTP response from api--rev7\.example\.io:443: Expected HTTP\/$/,
  },
  {
    kind: 'other',
    code: 'EPIPE',
    message: 'write EPIPE to https://api--rev7.example.io/health?sig=SECRETSIG with Bearer abc.def.ghi',
    want: /^request failed \(EPIPE\): write EPIPE to https:\/\/api--rev7\.example\.io\/health\?… with Bearer \[redacted\]$/,
  },
];

table(
  'net error',
  netRows.map((r) => ({
    name: `${r.kind}${r.code ? ` ${r.code}` : ''}`,
    m: netError(r.kind, r.code, r.message, 10000),
    e: { status: 200, json: { status: 'ok' }, latency: { maxMs: 1 } },
    want: [{ name: 'request', phase: 'failed', message: r.want }],
  })),
);

test('net error: actual carries the kind and code, expected says "a response"', () => {
  const [r] = evaluateHttp(netError('connect', 'ECONNREFUSED', 'connect ECONNREFUSED'), {});
  assert.deepEqual(r?.actual, { kind: 'connect', code: 'ECONNREFUSED' });
  assert.equal(r?.expected, 'a response');
});

test('net error: a URL without a port names the default port of its scheme', () => {
  const m: HttpMeasurement = { ...netError('connect', undefined, 'refused'), url: 'http://localhost/health' };
  assertResults(evaluateHttp(m, {}), [{ name: 'request', phase: 'failed', message: /^connection refused by localhost:80:/ }]);
});

table('no measurement', [
  {
    name: 'neither a response nor an error is "could not evaluate"',
    m: { kind: 'http', method: 'GET', url: 'https://x.example', durationMs: 0 },
    e: {},
    want: [{ name: 'request', phase: 'error', message: /neither a response nor an error/ }],
  },
]);

// ---------------------------------------------------------------------------------------------
const longBody = `upstream failure: ${'x'.repeat(5000)}`;

table('status', [
  { name: 'default accepts 200', m: response('', { status: 200 }), e: {}, want: [{ name: 'status', phase: 'passed', message: /^status 200 OK$/ }] },
  { name: 'default accepts 204', m: response('', { status: 204 }), e: {}, want: [ok] },
  { name: 'default accepts 299', m: response('', { status: 299 }), e: {}, want: [ok] },
  {
    name: 'default rejects 301',
    m: response('', { status: 301 }),
    e: {},
    want: [{ name: 'status', phase: 'failed', message: /^expected status 2xx, got 301 Moved Permanently; the body is empty$/ }],
  },
  {
    name: 'default rejects 500 and quotes the body',
    m: response('{"error":"db down"}', { status: 500 }),
    e: {},
    want: [{ name: 'status', phase: 'failed', message: /expected status 2xx, got 500 Internal Server Error; body: "\{\\"error\\":\\"db down\\"\}"$/ }],
  },
  {
    name: 'a huge error body is cut to 200 chars',
    m: response(longBody, { status: 503 }),
    e: {},
    want: [{ name: 'status', phase: 'failed', message: /got 503 Service Unavailable; body: "upstream failure: x{182}… \(4818 more chars\)"$/ }],
  },
  {
    name: 'an HTML 401 page is named',
    m: response('<html><head><title>Sign in</title></head><body><input type="password"></body></html>', {
      status: 401,
      headers: { 'content-type': 'text/html' },
    }),
    e: {},
    want: [{ name: 'status', phase: 'failed', message: /got 401 Unauthorized; the body is an HTML page titled "Sign in" \(looks like a login page/ }],
  },
  { name: 'exact number matches', m: response('', { status: 404 }), e: { status: 404 }, want: [{ name: 'status', phase: 'passed' }] },
  {
    name: 'exact number rejects another 2xx',
    m: response('', { status: 201 }),
    e: { status: 200 },
    want: [{ name: 'status', phase: 'failed', message: /^expected status 200, got 201 Created/ }],
  },
  { name: 'list matches a member', m: response('', { status: 204 }), e: { status: [200, 204] }, want: [ok] },
  {
    name: 'list rejects a non-member',
    m: response('', { status: 202 }),
    e: { status: [200, 204] },
    want: [{ name: 'status', phase: 'failed', message: /expected status one of 200, 204, got 202/ }],
  },
  { name: 'class 3xx matches 302', m: response('', { status: 302 }), e: { status: '3xx' }, want: [ok] },
  {
    name: 'class 3xx rejects 200',
    m: response('', { status: 200 }),
    e: { status: '3xx' },
    want: [{ name: 'status', phase: 'failed', message: /expected status 3xx, got 200 OK/ }],
  },
  { name: 'class is case-insensitive (4XX)', m: response('', { status: 429 }), e: { status: '4XX' }, want: [ok] },
  { name: 'class 5xx upper bound', m: response('', { status: 600 }), e: { status: '5xx' }, want: [{ name: 'status', phase: 'failed' }] },
  { name: 'a code as a string (from env substitution)', m: response('', { status: 404 }), e: { status: '404' }, want: [ok] },
  {
    name: 'an invalid spec cannot be evaluated',
    m: response('', { status: 200 }),
    e: { status: 'ok' },
    want: [{ name: 'status', phase: 'error', message: /cannot evaluate status: status "ok" is not a code/ }],
  },
  { name: 'an out-of-range code cannot be evaluated', m: response('', { status: 200 }), e: { status: 99 }, want: [{ name: 'status', phase: 'error' }] },
  {
    name: 'an empty list cannot be evaluated',
    m: response('', { status: 200 }),
    e: { status: [] },
    want: [{ name: 'status', phase: 'error', message: /list is empty/ }],
  },
]);

// ---------------------------------------------------------------------------------------------
const at = (durationMs: number): HttpMeasurement => response('', { durationMs });

table('latency', [
  {
    name: 'well under the limit',
    m: at(120),
    e: { latency: { maxMs: 1000 } },
    want: [ok, { name: 'latency', phase: 'passed', message: /^took 120 ms \(limit 1000 ms\)$/ }],
  },
  { name: 'exactly at maxMs passes', m: at(1000), e: { latency: { maxMs: 1000 } }, want: [ok, { name: 'latency', phase: 'passed' }] },
  {
    name: 'just above maxMs fails',
    m: at(1000.1),
    e: { latency: { maxMs: 1000 } },
    want: [ok, { name: 'latency', phase: 'failed', message: /^took 1000\.1 ms, above the 1000 ms limit$/ }],
  },
  { name: 'exactly at warnMs passes', m: at(500), e: { latency: { warnMs: 500, maxMs: 1000 } }, want: [ok, { name: 'latency', phase: 'passed' }] },
  {
    name: 'above warnMs is degraded',
    m: at(501),
    e: { latency: { warnMs: 500, maxMs: 1000 } },
    want: [ok, { name: 'latency', phase: 'degraded', message: /^took 501 ms, above the 500 ms warning level \(limit 1000 ms\)$/ }],
  },
  {
    name: 'exactly at maxMs with a warn level is degraded',
    m: at(1000),
    e: { latency: { warnMs: 500, maxMs: 1000 } },
    want: [ok, { name: 'latency', phase: 'degraded' }],
  },
  {
    name: 'above maxMs with a warn level is failed',
    m: at(1001),
    e: { latency: { warnMs: 500, maxMs: 1000 } },
    want: [ok, { name: 'latency', phase: 'failed' }],
  },
  {
    name: 'connection setup is not judged: it is named apart (k6 http_req_duration)',
    m: { ...at(700), connectMs: 450 },
    e: { latency: { warnMs: 200, maxMs: 300 } },
    want: [ok, { name: 'latency', phase: 'degraded', message: /^took 250 ms \(\+ 450 ms connection setup, not counted\), above the 200 ms warning level/ }],
  },
  {
    name: 'a slow request after a fast connect still fails',
    m: { ...at(700), connectMs: 5 },
    e: { latency: { maxMs: 300 } },
    want: [ok, { name: 'latency', phase: 'failed', message: /^took 695 ms \(\+ 5 ms connection setup, not counted\), above the 300 ms limit$/ }],
  },
  { name: 'warnMs above maxMs still evaluates', m: at(900), e: { latency: { warnMs: 2000, maxMs: 800 } }, want: [ok, { name: 'latency', phase: 'failed' }] },
  {
    name: 'a negative budget cannot be evaluated',
    m: at(10),
    e: { latency: { maxMs: -1 } },
    want: [ok, { name: 'latency', phase: 'error', message: /maxMs must be a non-negative number/ }],
  },
  { name: 'no budget, no latency assertion', m: at(999999), e: {}, want: [ok] },
]);

// ---------------------------------------------------------------------------------------------
const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body><form method="post" action="/login"><input type="email" name="loginfmt">
<input type="password" name="passwd"><button>Next</button></form></body></html>`;
const SPA_SHELL = '<!doctype html><html><head><title>Orders</title></head><body><div id="root"></div><script src="/main.js"></script></body></html>';
const html = (body: string, status = 200): HttpMeasurement => response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });

table('JSON body', [
  {
    name: 'a 200 HTML login page never passes a JSON check',
    m: html(LOGIN_PAGE),
    e: { json: { status: 'ok' } },
    want: [
      ok,
      {
        name: 'json',
        phase: 'failed',
        message:
          /^expected JSON but got an HTML page titled "Sign in to your account" \(looks like a login page: is an auth proxy in front of the revision\?\)$/,
      },
    ],
  },
  {
    name: 'a login page that says "Log in" without a password field',
    m: html('<html><body><a href="/sso">Log in with SSO</a></body></html>'),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /looks like a login page/ }],
  },
  {
    name: 'a login page served as text/plain is still recognised by its doctype',
    m: response(LOGIN_PAGE, { headers: { 'content-type': 'text/plain' } }),
    e: { schema: { type: 'object' } },
    want: [ok, { name: 'json', phase: 'failed', message: /^expected JSON but got an HTML page .*looks like a login page/ }],
  },
  {
    name: 'an HTML page that is not a login page',
    m: html(SPA_SHELL),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /^expected JSON but got an HTML page titled "Orders"$/, notMessage: /login/ }],
  },
  {
    name: 'HTML without a content type, detected by <html',
    m: response('<html><body>maintenance</body></html>'),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /^expected JSON but got an HTML page$/ }],
  },
  {
    name: 'a plain-text body',
    m: response('OK', { headers: { 'content-type': 'text/plain' } }),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /^the body is not valid JSON: .*; it starts with: "OK"$/ }],
  },
  {
    name: 'an empty body',
    m: response('', { status: 200 }),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /^expected a JSON body but the response body is empty$/ }],
  },
  {
    name: 'a truncated JSON body',
    m: response('{"status":"ok","items":[{"id":1},{"id":', { headers: { 'content-type': 'application/json' } }),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /looks truncated after 39 bytes/ }],
  },
  {
    name: 'a huge truncated JSON body: message stays short',
    m: response(`{"items":[${'{"id":12345},'.repeat(50000)}`, { headers: { 'content-type': 'application/json' } }),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'failed', message: /looks truncated after 650010 bytes\); it starts with: "\{.+… \(649810 more chars\)"$/ }],
  },
  {
    name: 'a huge valid JSON body',
    m: jsonResponse({ status: 'ok', items: Array.from({ length: 50000 }, (_, i) => ({ id: i })) }),
    e: { json: { status: 'ok', '$.items.length': 50000, 'items[-1].id': 49999 } },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      { name: 'json:status', phase: 'passed' },
      { name: 'json:$.items.length', phase: 'passed' },
      { name: 'json:items[-1].id', phase: 'passed' },
    ],
  },
  {
    name: 'JSON with a UTF-8 byte order mark',
    m: response('\uFEFF{"status":"ok"}', { headers: { 'content-type': 'application/json' } }),
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:status', phase: 'passed' }],
  },
  {
    name: 'JSON served as text/html still parses (content-type is its own assertion)',
    m: html('{"status":"ok"}'),
    e: { json: { status: 'ok' }, contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'failed' }, { name: 'json', phase: 'passed' }, { name: 'json:status', phase: 'passed' }],
  },
]);

// ---------------------------------------------------------------------------------------------
const health = jsonResponse({
  status: 'ok',
  version: '1.4.2',
  checks: { database: 'up', cache: 'degraded' },
  items: [{ id: 'a1' }, { id: 'b2' }],
  page: 1,
  'key with.dot': 'x',
  note: 'n'.repeat(1000),
});

table('JSON paths', [
  {
    name: 'top-level field equals',
    m: health,
    e: { json: { status: 'ok' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:status', phase: 'passed', message: /^status is "ok"$/ }],
  },
  {
    name: 'nested field differs',
    m: health,
    e: { json: { 'checks.cache': 'up' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:checks.cache', phase: 'failed', message: /^checks\.cache: expected "up", got "degraded"$/ }],
  },
  {
    name: 'missing path fails and says where it stopped',
    m: health,
    e: { json: { 'checks.queue': 'up' } },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      {
        name: 'json:checks.queue',
        phase: 'failed',
        message: /^checks\.queue not found in the response body: \$\.checks has no key "queue" \(keys: database, cache\)$/,
      },
    ],
  },
  {
    name: 'missing index',
    m: health,
    e: { json: { 'items[5].id': 'x' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:items[5].id', phase: 'failed', message: /has no index 5 \(length 2\)/ }],
  },
  {
    name: '$exists false accepts a missing path',
    m: health,
    e: { json: { debug: { $exists: false } } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:debug', phase: 'passed' }],
  },
  {
    name: 'predicates and rooted paths',
    m: health,
    e: { json: { '$.page': { $gte: 1 }, "$['key with.dot']": 'x', '$.items.length': { $minLength: 0, $gt: 1 }, version: { $regex: '^1\\.' } } },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      { name: 'json:$.page', phase: 'passed' },
      { name: "json:$['key with.dot']", phase: 'passed' },
      { name: 'json:$.items.length', phase: 'failed', message: /has no length/ },
      { name: 'json:version', phase: 'passed' },
    ],
  },
  {
    name: 'one assertion per path, independent outcomes',
    m: health,
    e: { json: { status: 'ok', 'checks.database': 'down', page: 1 } },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      { name: 'json:status', phase: 'passed' },
      { name: 'json:checks.database', phase: 'failed' },
      { name: 'json:page', phase: 'passed' },
    ],
  },
  {
    name: 'a malformed path cannot be evaluated',
    m: health,
    e: { json: { 'items[*].id': 'a1' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:items[*].id', phase: 'error', message: /wildcards are not supported/ }],
  },
  {
    name: 'an unknown operator cannot be evaluated',
    m: health,
    e: { json: { status: { $like: 'o%' } } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'json:status', phase: 'error', message: /invalid matcher for status: \$like unknown operator/ }],
  },
  {
    name: 'paths are not evaluated on a non-JSON body: one clear failure',
    m: html(LOGIN_PAGE),
    e: { json: { status: 'ok', version: '1' }, schema: { type: 'object' } },
    want: [ok, { name: 'json', phase: 'failed', message: /login page/ }],
  },
]);

test('JSON paths: long actual values are truncated', () => {
  const results = evaluateHttp(health, { json: { note: 'short' } });
  const r = results.find((x) => x.name === 'json:note');
  assert.equal(r?.phase, 'failed');
  assert.equal(typeof r?.actual, 'string');
  assert.ok((r?.actual as string).length < 230, `actual is ${(r?.actual as string).length} chars`);
  assert.ok(r.message.length < 300);
});

// ---------------------------------------------------------------------------------------------
const schema = {
  type: 'object',
  required: ['status', 'version', 'checks'],
  additionalProperties: false,
  properties: {
    status: { enum: ['ok', 'degraded'] },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' },
    checks: { type: 'object', additionalProperties: { type: 'string' } },
    updated: { type: 'string', format: 'date-time' },
  },
};

table('schema', [
  {
    name: 'a matching body',
    m: jsonResponse({ status: 'ok', version: '1.2.3', checks: { db: 'up' } }),
    e: { schema },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'schema', phase: 'passed' }],
  },
  {
    name: 'errors list instance paths',
    m: jsonResponse({ status: 'down', version: 'v1', checks: { db: 1 } }),
    e: { schema },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      {
        name: 'schema',
        phase: 'failed',
        message:
          /^the body does not match the schema \(3 errors\): \/status: must be equal to one of the allowed values \(\["ok","degraded"\]\); \/version: must match pattern .*; \/checks\/db: must be string$/,
      },
    ],
  },
  {
    name: 'missing required and additional properties',
    m: jsonResponse({ status: 'ok', extra: 1 }),
    e: { schema },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      {
        name: 'schema',
        phase: 'failed',
        message:
          /^the body does not match the schema \(3 errors\): \(root\): must have required property 'version'; \(root\): must have required property 'checks'; \(root\): must NOT have additional properties \("extra"\)$/,
      },
    ],
  },
  {
    name: 'more than 5 errors: 5 listed and the rest counted',
    m: jsonResponse({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 }),
    e: { schema: { type: 'object', additionalProperties: false } },
    want: [
      ok,
      { name: 'json', phase: 'passed' },
      {
        name: 'schema',
        phase: 'failed',
        message:
          /\(7 errors\): (\(root\): must NOT have additional properties \("[a-e]"\); ){4}\(root\): must NOT have additional properties \("e"\); and 2 more$/,
      },
    ],
  },
  {
    name: 'formats are checked (ajv-formats)',
    m: jsonResponse({ status: 'ok', version: '1.0.0', checks: {}, updated: 'yesterday' }),
    e: { schema },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'schema', phase: 'failed', message: /\/updated: must match format "date-time"/ }],
  },
  {
    name: 'a draft 2020-12 schema',
    m: jsonResponse([1, 'a']),
    e: { schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'integer' }, { type: 'integer' }] } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'schema', phase: 'failed', message: /\/1: must be integer/ }],
  },
  {
    name: 'an invalid schema cannot be evaluated',
    m: jsonResponse({}),
    e: { schema: { type: 'objekt' } },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'schema', phase: 'error', message: /^cannot evaluate schema: invalid JSON Schema: / }],
  },
  { name: 'schema alone demands JSON', m: response('not json'), e: { schema }, want: [ok, { name: 'json', phase: 'failed' }] },
]);

test('schema: two schema objects with the same $id do not collide', () => {
  const a = { $id: 'https://revgate.dev/health.json', type: 'object', required: ['a'] };
  const b = { $id: 'https://revgate.dev/health.json', type: 'object', required: ['b'] };
  const m = jsonResponse({ a: 1 });
  assert.equal(evaluateHttp(m, { schema: a }).at(-1)?.phase, 'passed');
  assert.equal(evaluateHttp(m, { schema: b }).at(-1)?.phase, 'failed');
  assert.equal(evaluateHttp(m, { schema: a }).at(-1)?.phase, 'passed');
});

// ---------------------------------------------------------------------------------------------
const withHeaders = (headers: Record<string, string>): HttpMeasurement => response('{}', { headers });

table('content type and headers', [
  {
    name: 'content type with parameters matches',
    m: withHeaders({ 'content-type': 'application/json; charset=utf-8' }),
    e: { contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'passed' }],
  },
  {
    name: 'content type is case-insensitive',
    m: withHeaders({ 'content-type': 'Application/JSON' }),
    e: { contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'passed' }],
  },
  {
    name: 'content type is a prefix match',
    m: withHeaders({ 'content-type': 'application/problem+json' }),
    e: { contentType: 'application/' },
    want: [ok, { name: 'content-type', phase: 'passed' }],
  },
  {
    name: 'expected parameters are ignored',
    m: withHeaders({ 'content-type': 'text/plain' }),
    e: { contentType: 'text/plain; version=0.0.4' },
    want: [ok, { name: 'content-type', phase: 'passed' }],
  },
  {
    name: 'content type mismatch',
    m: withHeaders({ 'content-type': 'text/plain' }),
    e: { contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'failed', message: /^expected Content-Type application\/json, got text\/plain$/ }],
  },
  {
    name: 'content type missing',
    m: withHeaders({}),
    e: { contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'failed', message: /^no Content-Type header/ }],
  },
  {
    name: 'HTML instead of JSON names the login page',
    m: html(LOGIN_PAGE),
    e: { contentType: 'application/json' },
    want: [ok, { name: 'content-type', phase: 'failed', message: /got text\/html; charset=utf-8; the body is an HTML page .*login page/ }],
  },
  {
    name: 'required header present',
    m: withHeaders({ 'x-revision': 'api--rev7' }),
    e: { headers: { 'X-Revision': true } },
    want: [ok, { name: 'header:x-revision', phase: 'passed' }],
  },
  {
    name: 'required header missing',
    m: withHeaders({}),
    e: { headers: { 'x-revision': true } },
    want: [ok, { name: 'header:x-revision', phase: 'failed', message: /^header x-revision is missing$/ }],
  },
  {
    name: 'forbidden header absent',
    m: withHeaders({}),
    e: { headers: { 'x-powered-by': false } },
    want: [ok, { name: 'header:x-powered-by', phase: 'passed' }],
  },
  {
    name: 'forbidden header present',
    m: withHeaders({ 'x-powered-by': 'Express' }),
    e: { headers: { 'x-powered-by': false } },
    want: [ok, { name: 'header:x-powered-by', phase: 'failed', message: /should be absent but is present: "Express"/ }],
  },
  {
    name: 'header equals',
    m: withHeaders({ 'cache-control': 'no-store' }),
    e: { headers: { 'cache-control': 'no-store' } },
    want: [ok, { name: 'header:cache-control', phase: 'passed' }],
  },
  {
    name: 'header differs',
    m: withHeaders({ 'cache-control': 'max-age=60' }),
    e: { headers: { 'cache-control': 'no-store' } },
    want: [ok, { name: 'header:cache-control', phase: 'failed', message: /^header cache-control is "max-age=60", expected "no-store"$/ }],
  },
  {
    name: 'secret header values are never echoed',
    m: withHeaders({ 'set-cookie': 'session=TOPSECRET; HttpOnly' }),
    e: { headers: { 'set-cookie': false } },
    want: [ok, { name: 'header:set-cookie', phase: 'failed', message: /^header set-cookie should be absent but is present$/, notMessage: /TOPSECRET/ }],
  },
]);

test('headers: secret values stay out of actual and expected too', () => {
  const results = evaluateHttp(withHeaders({ 'set-cookie': 'session=TOPSECRET' }), { headers: { 'set-cookie': 'session=OTHERSECRET' } });
  assert.doesNotMatch(JSON.stringify(results), /TOPSECRET|OTHERSECRET/);
  assert.equal(results.at(-1)?.phase, 'failed');
});

// ---------------------------------------------------------------------------------------------
table('body text', [
  { name: 'contains', m: response('service healthy v1.2'), e: { bodyContains: ['healthy'] }, want: [ok, { name: 'body-contains:healthy', phase: 'passed' }] },
  {
    name: 'does not contain',
    m: response('service starting'),
    e: { bodyContains: ['healthy'] },
    want: [ok, { name: 'body-contains:healthy', phase: 'failed', message: /^the body does not contain "healthy"; the body starts with: "service starting"$/ }],
  },
  {
    name: 'does not contain, on a login page',
    m: html(LOGIN_PAGE),
    e: { bodyContains: ['Orders'] },
    want: [ok, { name: 'body-contains:Orders', phase: 'failed', message: /login page/ }],
  },
  {
    name: 'one assertion per string',
    m: response('a b'),
    e: { bodyContains: ['a', 'c'] },
    want: [ok, { name: 'body-contains:a', phase: 'passed' }, { name: 'body-contains:c', phase: 'failed' }],
  },
  {
    name: 'not-contains passes',
    m: response('all good'),
    e: { bodyNotContains: ['Exception'] },
    want: [ok, { name: 'body-not-contains:Exception', phase: 'passed' }],
  },
  {
    name: 'not-contains fails with context',
    m: response('ok\nSystem.NullReferenceException at Foo.Bar()'),
    e: { bodyNotContains: ['Exception'] },
    want: [
      ok,
      {
        name: 'body-not-contains:Exception',
        phase: 'failed',
        message: /contains "Exception" at character 23: "ok System\.NullReferenceException at Foo\.Bar\(\)"/,
      },
    ],
  },
  {
    name: 'long needles are shortened in the name',
    m: response('x'),
    e: { bodyNotContains: ['y'.repeat(100)] },
    want: [ok, { name: `body-not-contains:${'y'.repeat(60)}… (40 more chars)`, phase: 'passed' }],
  },
]);

// ---------------------------------------------------------------------------------------------
const METRICS = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200"} 10
# HELP http_request_duration_seconds Latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1"} 8
http_request_duration_seconds_bucket{le="+Inf"} 10
http_request_duration_seconds_sum 0.7
http_request_duration_seconds_count 10
`;
const metrics = (body: string): HttpMeasurement => response(body, { headers: { 'content-type': 'text/plain; version=0.0.4' } });

table('prometheus', [
  {
    name: 'valid exposition',
    m: metrics(METRICS),
    e: { prometheus: true },
    want: [ok, { name: 'prometheus', phase: 'passed', message: /^valid Prometheus text format: 2 metric families, 5 samples$/ }],
  },
  {
    name: 'required metrics present (family or sample name)',
    m: metrics(METRICS),
    e: { prometheus: { requiredMetrics: ['http_requests_total', 'http_request_duration_seconds', 'http_request_duration_seconds_bucket'] } },
    want: [
      ok,
      { name: 'prometheus', phase: 'passed' },
      { name: 'prometheus:http_requests_total', phase: 'passed' },
      { name: 'prometheus:http_request_duration_seconds', phase: 'passed' },
      { name: 'prometheus:http_request_duration_seconds_bucket', phase: 'passed' },
    ],
  },
  {
    name: 'required metric missing',
    m: metrics(METRICS),
    e: { prometheus: { requiredMetrics: ['orders_created_total'] } },
    want: [
      ok,
      { name: 'prometheus', phase: 'passed' },
      { name: 'prometheus:orders_created_total', phase: 'failed', message: /^metric orders_created_total is not exposed \(2 families found\)$/ },
    ],
  },
  {
    name: 'invalid exposition lists line numbers',
    m: metrics('up 1\n# TYPE up gauge\nbad-name 2\n'),
    e: { prometheus: true },
    want: [
      ok,
      {
        name: 'prometheus',
        phase: 'failed',
        message: /^invalid Prometheus text format \(2 errors\): line 2: TYPE line for "up" comes after its samples.*; line 3: invalid character "-"/,
      },
    ],
  },
  {
    name: 'many errors: first 5 in the message',
    m: metrics(Array.from({ length: 8 }, (_, i) => `bad-${i} 1`).join('\n') + '\n'),
    e: { prometheus: true },
    want: [ok, { name: 'prometheus', phase: 'failed', message: /\(8 errors\): line 1: .*line 5: [^;]*; and 3 more$/ }],
  },
  {
    name: 'an HTML login page instead of metrics',
    m: html(LOGIN_PAGE),
    e: { prometheus: { requiredMetrics: ['up'] } },
    want: [
      ok,
      { name: 'prometheus', phase: 'failed', message: /^expected Prometheus metrics but got an HTML page .*login page.*; invalid Prometheus text format/ },
      { name: 'prometheus:up', phase: 'failed' },
    ],
  },
  { name: 'an empty body', m: metrics(''), e: { prometheus: true }, want: [ok, { name: 'prometheus', phase: 'failed', message: /the body is empty/ }] },
]);

// ---------------------------------------------------------------------------------------------
test('all expectations together: assertion order is stable', () => {
  const m = response('{"status":"ok"}', { headers: { 'content-type': 'application/json', 'x-revision': 'r7' }, durationMs: 10 });
  const results = evaluateHttp(m, {
    status: 200,
    latency: { maxMs: 100 },
    contentType: 'application/json',
    headers: { 'x-revision': true },
    json: { status: 'ok' },
    schema: { type: 'object' },
    bodyContains: ['ok'],
    bodyNotContains: ['error'],
  });
  assert.deepEqual(
    results.map((r) => `${r.name}=${r.phase}`),
    [
      'status=passed',
      'latency=passed',
      'content-type=passed',
      'header:x-revision=passed',
      'json=passed',
      'json:status=passed',
      'schema=passed',
      'body-contains:ok=passed',
      'body-not-contains:error=passed',
    ],
  );
  assert.equal(foldPhases(results), 'passed');
});

test('a 200 login page folds to failed for a check that expects JSON, even with every other rule passing', () => {
  const results = evaluateHttp(html(LOGIN_PAGE), { status: 200, latency: { maxMs: 1000 }, json: { status: 'ok' } });
  assert.equal(foldPhases(results), 'failed');
});

test('evaluateHttp is pure: same input, same output, input untouched', () => {
  const m = jsonResponse({ status: 'ok' });
  const e: HttpExpectations = { json: { status: { $in: ['ok'] } }, schema: { type: 'object' }, latency: { warnMs: 1, maxMs: 2 } };
  const before = JSON.stringify([m, e]);
  assert.deepEqual(evaluateHttp(m, e), evaluateHttp(m, e));
  assert.equal(JSON.stringify([m, e]), before);
});

// Expectations that slipped past config validation must give "could not evaluate", not a crash or a pass.
table('malformed expectations', [
  {
    name: 'a header expectation that is a number',
    m: response('{}'),
    e: { headers: { 'x-a': 1 as unknown as string } },
    want: [ok, { name: 'header:x-a', phase: 'error' }],
  },
  {
    name: 'a contentType that is not a string',
    m: response('{}'),
    e: { contentType: 5 as unknown as string },
    want: [ok, { name: 'content-type', phase: 'error' }],
  },
  {
    name: 'a bodyContains entry that is not a string',
    m: response('{}'),
    e: { bodyContains: [null as unknown as string] },
    want: [ok, { name: 'body-contains', phase: 'error' }],
  },
  {
    name: 'a schema that is not an object',
    m: response('{}'),
    e: { schema: 'x' as unknown as Record<string, unknown> },
    want: [ok, { name: 'json', phase: 'passed' }, { name: 'schema', phase: 'error', message: /must be a JSON object/ }],
  },
  {
    name: 'a measurement without headers',
    m: { ...response('{}'), response: { status: 200, bodyText: '{}', bodyBytes: 2 } as unknown as NonNullable<HttpMeasurement['response']> },
    e: { contentType: 'application/json' },
    want: [{ name: 'evaluate', phase: 'error', message: /^could not evaluate the response: / }],
  },
]);
