import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpMeasurement } from '../../src/evaluate/types.js';
import { type Hop, nextHop, redirectAssertion, shownUrl } from '../../src/http/redirects.js';

const headers = {
  authorization: 'Bearer secret-token',
  'ocp-apim-subscription-key': 'key',
  'x-tenant-id': 'contoso',
  accept: '*/*',
  'user-agent': 'revgate/0',
  'accept-encoding': 'gzip',
  'content-type': 'application/json',
  'content-length': '2',
};
const post: Hop = { url: new URL('https://api.example.com/v1/items?x=1'), method: 'POST', headers, body: Buffer.from('{}') };
const policy = { origin: 'https://api.example.com', allowed: ['https://login.example.com'] };

describe('nextHop: method and body (Fetch standard rules)', () => {
  const rows: Array<[status: number, method: string, wantMethod: string, keepsBody: boolean]> = [
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [302, 'PUT', 'PUT', true],
    [307, 'POST', 'POST', true],
    [308, 'PATCH', 'PATCH', true],
  ];
  for (const [status, method, wantMethod, keepsBody] of rows) {
    it(`${status} after ${method} -> ${wantMethod}${keepsBody ? ' with the body' : ' without a body'}`, () => {
      const next = nextHop({ ...post, method }, status, '/v2/items', policy);
      assert.ok('hop' in next);
      assert.equal(next.hop.method, wantMethod);
      assert.equal(next.hop.url.href, 'https://api.example.com/v2/items');
      assert.equal(next.hop.body !== undefined, keepsBody && method !== 'HEAD');
      assert.equal(next.hop.headers['content-type'] !== undefined, keepsBody);
      assert.equal(next.hop.headers.authorization, 'Bearer secret-token', 'same origin keeps the credentials');
    });
  }
});

describe('nextHop: origins', () => {
  it('another origin is refused with the hop recorded and the origin to allow named', () => {
    const next = nextHop(post, 302, 'https://evil.example.net/landing?code=abc', policy);
    assert.ok('refused' in next);
    assert.deepEqual(next.refused, { status: 302, from: 'https://api.example.com/v1/items?…', to: 'https://evil.example.net/landing?…' });
    assert.equal(next.message, 'redirect to another origin (https://evil.example.net), not the revision under test');
  });

  it('http -> https on the same host is another origin', () => {
    const http = { origin: 'http://api.example.com', allowed: [] };
    assert.ok('refused' in nextHop({ ...post, url: new URL('http://api.example.com/') }, 301, 'https://api.example.com/', http));
  });

  it('an allowed origin is followed, keeping only headers that identify nobody', () => {
    const next = nextHop({ ...post, method: 'GET', body: undefined }, 302, 'https://login.example.com/sso', policy);
    assert.ok('hop' in next);
    assert.deepEqual(Object.keys(next.hop.headers).sort(), ['accept', 'accept-encoding', 'user-agent']);
  });

  it('a 307 to an allowed origin keeps the body and its content type, not the credentials', () => {
    const next = nextHop(post, 307, 'https://login.example.com/sso', policy);
    assert.ok('hop' in next);
    assert.equal(next.hop.body?.toString(), '{}');
    assert.equal(next.hop.headers['content-type'], 'application/json');
    assert.equal(next.hop.headers.authorization, undefined);
    assert.equal(next.hop.headers['x-tenant-id'], undefined);
  });

  it('credentials dropped on the way out stay dropped when the chain comes back', () => {
    const out = nextHop({ ...post, method: 'GET' }, 302, 'https://login.example.com/sso', policy);
    assert.ok('hop' in out);
    const back = nextHop(out.hop, 302, 'https://api.example.com/v1/items', policy);
    assert.ok('hop' in back);
    assert.equal(back.hop.headers.authorization, undefined);
  });

  it('a Location that is not a URL, or not http(s), is a protocol problem', () => {
    assert.ok('invalid' in nextHop(post, 302, 'http://[oops', policy));
    assert.ok('refused' in nextHop(post, 302, 'ftp://api.example.com/x', policy), 'another origin first');
  });

  it('shownUrl drops credentials and elides the query', () => {
    assert.equal(shownUrl(new URL('https://user:pw@h.example/a/b?sig=1#f')), 'https://h.example/a/b?…');
    assert.equal(shownUrl(new URL('http://h.example:8080/')), 'http://h.example:8080/');
  });
});

describe('redirectAssertion', () => {
  const m = (extra: Partial<HttpMeasurement>): HttpMeasurement => ({ kind: 'http', method: 'GET', url: 'https://a.example/x', durationMs: 5, ...extra });
  const hop = { status: 302, from: 'https://a.example/x', to: 'https://a.example/y' };

  it('none without redirects', () => assert.equal(redirectAssertion(m({})), undefined));

  it('passed with the chain when redirects stayed on the target', () => {
    const a = redirectAssertion(m({ redirects: [hop], response: { status: 200, headers: {}, bodyText: '', bodyBytes: 0 } }));
    assert.equal(a?.phase, 'passed');
    assert.equal(a?.message, 'followed 1 redirect from https://a.example/x: 302 -> https://a.example/y');
    assert.deepEqual(a?.actual, [hop]);
  });

  it('failed for another origin, naming the hop and the origin to allow', () => {
    const off = { status: 302, from: 'https://a.example/x', to: 'https://b.example:8443/landing?…' };
    const a = redirectAssertion(m({ redirects: [hop, off], error: { kind: 'redirect-offsite', message: 'redirect to another origin' } }));
    assert.equal(a?.phase, 'failed');
    assert.equal(
      a?.message,
      'redirected to https://b.example:8443/landing?… (302 from https://a.example/x): another origin, not the revision under test; list https://b.example:8443 in allowRedirectOrigins if this redirect is expected',
    );
    assert.deepEqual(a?.actual, [hop, off]);
  });

  it('failed for a loop, with a long chain shortened', () => {
    const chain = Array.from({ length: 30 }, () => hop);
    const a = redirectAssertion(m({ redirects: chain, error: { kind: 'redirect-loop', message: 'more than 29 redirects (maxRedirects)' } }));
    assert.equal(a?.phase, 'failed');
    assert.match(a?.message ?? '', /^more than 29 redirects \(maxRedirects\): 302 -> .*\(20 more in between\)$/);
    assert.equal((a?.actual as unknown[]).length, 30);
  });
});
