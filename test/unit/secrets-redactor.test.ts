import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { variantsOf } from '../../src/secrets/encodings.js';
import { Redactor, SECRET_HEADER_NAMES, maskHeaders } from '../../src/secrets/redactor.js';

const SECRET = 's3cr3t/t0ken+with "quotes" & spaces?';

function redactorWith(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

describe('Redactor.mask: every encoding of a secret', () => {
  const basic = Buffer.from(`alice:${SECRET}`).toString('base64');
  const rows: Array<[string, string]> = [
    ['raw', `token=${SECRET};`],
    ['encodeURIComponent', `?key=${encodeURIComponent(SECRET)}&x=1`],
    ['lower-case percent escapes', `?key=${encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
    ['form encoding (space as +)', `key=${new URLSearchParams({ k: SECRET }).toString().slice(2)}`],
    ['encodeURI', `https://h/${encodeURI(SECRET)}`],
    ['base64', `x ${Buffer.from(SECRET).toString('base64')} y`],
    ['base64url', `x ${Buffer.from(SECRET).toString('base64url')} y`],
    ['JSON string', JSON.stringify({ header: SECRET })],
    ['JSON inside JSON', JSON.stringify({ body: JSON.stringify({ header: SECRET }) })],
    ['JSON with escaped slashes', JSON.stringify({ h: SECRET }).replace(/\//g, '\\/')],
    ['HTML-escaped', `<td>${SECRET.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}</td>`],
    ['basic auth (base64 of a larger string)', `Authorization: Basic ${basic}`],
    ['base64 at offset 1', Buffer.from(`a${SECRET}zz`).toString('base64')],
    ['base64 at offset 2', Buffer.from(`ab${SECRET}zz`).toString('base64')],
    ['base64url at offset 1', Buffer.from(`a${SECRET}??>`).toString('base64url')],
  ];
  for (const [name, text] of rows) {
    it(name, () => {
      const r = redactorWith(SECRET);
      assert.ok(r.has(text), 'has() sees the variant');
      const masked = r.mask(text);
      assert.ok(masked.includes('***'), masked);
      assert.equal(r.has(masked), false, `still leaks: ${masked}`);
    });
  }

  it('keeps the text around a secret and masks every occurrence', () => {
    const r = redactorWith('abcd1234');
    assert.equal(r.mask('x abcd1234 y abcd1234'), 'x *** y ***');
  });

  it('mask is exact: a secret split by a colour code is left to the scrubber, which strips colours', () => {
    const r = redactorWith('abcd1234');
    assert.equal(r.mask('ab\x1b[31mcd1234'), 'ab\x1b[31mcd1234');
  });
});

describe('Redactor: overlapping and short secrets', () => {
  it('overlapping secrets leave no fragment of either', () => {
    const r = redactorWith('abcdef', 'defghi');
    assert.equal(r.mask('xxabcdefghiyy'), 'xx***yy');
  });

  it('a secret contained in another is masked as the longer one', () => {
    const r = redactorWith('token', 'token-with-suffix');
    assert.equal(r.mask('a token-with-suffix b token c'), 'a *** b *** c');
  });

  it('adjacent secrets become one mask', () => {
    const r = redactorWith('AAAA', 'BBBB');
    assert.equal(r.mask('[AAAABBBB]'), '[***]');
  });

  it('ignores values shorter than 4 characters and records them without the value', () => {
    const r = new Redactor();
    r.add('abc', 'pin');
    r.add('  ab \n', 'padded');
    r.add('');
    assert.deepEqual(r.ignored(), [{ label: 'pin', length: 3 }, { label: 'padded', length: 6 }, { length: 0 }]);
    assert.deepEqual(r.values(), []);
    assert.equal(r.mask('abc ab'), 'abc ab');
    assert.equal(JSON.stringify(r.ignored()).includes('abc'), false);
  });

  it('registers a padded value trimmed as well', () => {
    const r = redactorWith('tok3n-value\n');
    assert.deepEqual(r.values().sort(), ['tok3n-value', 'tok3n-value\n'].sort());
    assert.equal(r.mask('Bearer tok3n-value'), 'Bearer ***');
  });

  it('with no secrets, mask is the identity', () => {
    assert.equal(new Redactor().mask('anything'), 'anything');
  });

  it('variants() lists every encoded form, longest first', () => {
    const r = redactorWith('p@ss w0rd!');
    const v = r.variants();
    for (const expected of ['p@ss w0rd!', 'p%40ss%20w0rd!', 'p%40ss+w0rd%21', Buffer.from('p@ss w0rd!').toString('base64')]) {
      assert.ok(v.includes(expected), expected);
    }
    assert.deepEqual(
      v,
      [...v].sort((a, b) => b.length - a.length),
    );
  });

  it('aligned base64 fragments shorter than 6 characters are not generated', () => {
    for (const v of variantsOf('abcd')) {
      if (v.kind.includes('aligned')) assert.ok(v.text.length >= 6, v.text);
    }
  });

  it('maskBytes preserves bytes that are not valid UTF-8', () => {
    const r = redactorWith('abcd1234');
    const input = Buffer.concat([Buffer.from([0xff, 0xfe, 0x80]), Buffer.from(' abcd1234 '), Buffer.from([0xc3])]);
    const { bytes, count } = r.maskBytes(input);
    assert.equal(count, 1);
    assert.deepEqual(bytes, Buffer.concat([Buffer.from([0xff, 0xfe, 0x80]), Buffer.from(' *** '), Buffer.from([0xc3])]));
  });

  it('hasBytes sees UTF-16LE', () => {
    const r = redactorWith('abcd1234');
    assert.equal(r.hasBytes(Buffer.from('xx abcd1234', 'utf16le')), true);
    assert.equal(r.hasBytes(Buffer.from('xx abcd123', 'utf16le')), false);
  });
});

describe('Redactor.maskDeep', () => {
  it('returns a masked structural copy and leaves the input alone', () => {
    const r = redactorWith('sekrit-value');
    const input = {
      url: 'https://x/?k=sekrit-value',
      n: 3,
      ok: true,
      nothing: null,
      list: ['a', 'sekrit-value', { deep: ['Bearer sekrit-value'] }],
      'sekrit-value': 'key is secret too',
      when: new Date(0),
      map: new Map([['h', 'sekrit-value']]),
    };
    const out = r.maskDeep(input);
    assert.deepEqual(out, {
      url: 'https://x/?k=***',
      n: 3,
      ok: true,
      nothing: null,
      list: ['a', '***', { deep: ['Bearer ***'] }],
      '***': 'key is secret too',
      when: new Date(0),
      map: new Map([['h', '***']]),
    });
    assert.equal(input.list[1], 'sekrit-value');
    assert.notEqual(out.when, input.when);
  });

  it('masks Error message and stack and keeps the prototype', () => {
    const r = redactorWith('sekrit-value');
    const out = r.maskDeep(new TypeError('bad token sekrit-value'));
    assert.ok(out instanceof TypeError);
    assert.equal(out.message, 'bad token ***');
    assert.equal(out.stack?.includes('sekrit-value'), false);
    assert.match(out.stack ?? '', /^TypeError: bad token \*\*\*\n\s+at /, 'the stack is kept, masked (an own accessor on Node 22+)');
  });

  it('handles cycles', () => {
    const r = redactorWith('sekrit-value');
    const a: { self?: unknown; s: string } = { s: 'sekrit-value' };
    a.self = a;
    const out = r.maskDeep(a);
    assert.equal(out.s, '***');
    assert.equal(out.self, out);
  });
});

describe('maskHeaders', () => {
  it('masks every listed header, whatever its case, and keeps auth schemes', () => {
    const input: Record<string, string> = {
      Authorization: 'Bearer eyJhbGciOi.payload.sig',
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
      'Ocp-Apim-Subscription-Key': 'abc123',
      'X-API-Key': 'k',
      'api-key': 'k2',
      Cookie: 'session=1; other=2',
      'set-cookie': 'session=1; HttpOnly',
      'x-functions-key': 'fk',
      'content-type': 'application/json',
      'x-custom-secret': 'custom',
    };
    assert.deepEqual(maskHeaders(input, ['X-Custom-Secret']), {
      Authorization: 'Bearer ***',
      'Proxy-Authorization': 'Basic ***',
      'Ocp-Apim-Subscription-Key': '***',
      'X-API-Key': '***',
      'api-key': '***',
      Cookie: '***',
      'set-cookie': '***',
      'x-functions-key': '***',
      'content-type': 'application/json',
      'x-custom-secret': '***',
    });
    assert.equal(SECRET_HEADER_NAMES.length, 8);
  });

  it('does not keep an unknown "scheme", which may be part of the secret', () => {
    assert.deepEqual(maskHeaders({ authorization: 'abc def' }), { authorization: '***' });
    assert.deepEqual(maskHeaders({ authorization: 'rawtoken' }), { authorization: '***' });
  });
});
