import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type CurlRequest, shellQuote, toCurl } from '../../src/http/curl.js';
import { Redactor } from '../../src/secrets/redactor.js';

/**
 * A tiny POSIX shell-word splitter: single quotes, double quotes (with \ escaping $ ` " \ and newline),
 * backslash outside quotes. `${NAME}` inside double quotes is kept verbatim, so tests can see env references.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.notEqual(end, -1, 'unterminated single quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= '';
      for (i++; line[i] !== '"'; i++) {
        assert.ok(i < line.length, 'unterminated double quote');
        if (line[i] === '\\' && '$`"\\\n'.includes(line[i + 1]!)) i++;
        word += line[i];
      }
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      assert.ok(!'$`;|&<>()*?[#~'.includes(c), `unquoted special character ${c} in ${line}`);
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Turns curl words back into the request they describe. */
function parseCurl(words: string[]): CurlRequest {
  assert.equal(words[0], 'curl');
  const req: CurlRequest = { method: 'GET', url: '' };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string => words[++i]!;
    if (w === '-sS') continue;
    else if (w === '-X') req.method = next();
    else if (w === '--head') req.method = 'HEAD';
    else if (w === '-H') {
      const h = next();
      const colon = h.indexOf(': ');
      (req.headers ??= {})[h.slice(0, colon)] = h.slice(colon + 2);
    } else if (w === '--data-raw') {
      req.body = next();
      if (req.method === 'GET') req.method = 'POST';
    } else if (w === '-F' || w === '--form-string') {
      const f = next();
      const eq = f.indexOf('=');
      const [name, value] = [f.slice(0, eq), f.slice(eq + 1)];
      const file = w === '-F' ? /^@(?:"((?:[^"\\]|\\.)*)"|([^;]*))(?:;type=(.*))?$/.exec(value) : null;
      (req.multipart ??= {})[name] = file ? { file: (file[1]?.replace(/\\(.)/g, '$1') ?? file[2])!, ...(file[3] ? { contentType: file[3] } : {}) } : value;
    } else if (!w.startsWith('-')) req.url = w;
    else assert.fail(`unexpected option ${w}`);
  }
  return req;
}

const nasty = `it's "quoted" $HOME \`id\` \\ back\nnew line; rm -rf / && echo *`;

describe('toCurl: shape', () => {
  it('renders a POST with JSON as in the docs', () => {
    assert.equal(
      toCurl({ method: 'post', url: 'https://api.example.com/items', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }),
      `curl -sS -X POST 'https://api.example.com/items' -H 'content-type: application/json' --data-raw '{"a":1}'`,
    );
  });

  it('omits -X GET, uses --head for HEAD, keeps -X GET when a body would turn it into a POST', () => {
    assert.equal(toCurl({ method: 'GET', url: 'https://x/' }), `curl -sS 'https://x/'`);
    assert.equal(toCurl({ method: 'HEAD', url: 'https://x/' }), `curl -sS --head 'https://x/'`);
    assert.equal(toCurl({ method: 'GET', url: 'https://x/', body: 'q' }), `curl -sS -X GET 'https://x/' --data-raw 'q'`);
  });

  it('quotes single quotes, $, backquotes, spaces and newlines', () => {
    const cmd = toCurl({ method: 'PUT', url: `https://x/a b?q='1'&v=$x`, headers: { 'x-note': nasty }, body: nasty });
    assert.ok(cmd.includes(`'it'\\''s "quoted" $HOME`), cmd);
    assert.deepEqual(shellWords(cmd).slice(-2), ['--data-raw', nasty]);
  });

  it('shellQuote output is read back by a real shell unchanged', () => {
    const out = execFileSync('sh', ['-c', `printf %s ${shellQuote(nasty)}`], { encoding: 'utf8' });
    assert.equal(out, nasty);
  });

  it('multipart: -F for plain fields and files, --form-string when -F would interpret the value', () => {
    const cmd = toCurl({
      method: 'POST',
      url: 'https://x/upload',
      multipart: {
        title: 'hello',
        raw: '@/etc/passwd',
        semi: 'a;type=evil',
        doc: { file: 'fixtures/a;b.pdf', contentType: 'application/pdf' },
        plain: { file: 'f.txt' },
      },
    });
    assert.deepEqual(shellWords(cmd).slice(5), [
      '-F',
      'title=hello',
      '--form-string',
      'raw=@/etc/passwd',
      '--form-string',
      'semi=a;type=evil',
      '-F',
      'doc=@"fixtures/a;b.pdf";type=application/pdf',
      '-F',
      'plain=@f.txt',
    ]);
  });
});

describe('toCurl: secrets', () => {
  const token = 'eyJ0eXAi.secret-token.sig';
  const key = 'apim-subscription-key-123';
  const redactor = new Redactor().add(token, 'token').add(key, 'apim');
  const req: CurlRequest = {
    method: 'POST',
    url: `https://x/items?subscription-key=${key}`,
    headers: { Authorization: `Bearer ${token}`, 'Ocp-Apim-Subscription-Key': key, 'x-echo': `copy of ${token}`, Cookie: 'sid=abcdef' },
    body: JSON.stringify({ token }),
    multipart: { note: token },
  };

  it('turns secret headers into env references (double-quoted so they expand) and masks the rest', () => {
    const cmd = toCurl(req, { secretEnvRefs: { authorization: 'REVGATE_TOKEN', 'ocp-apim-subscription-key': 'APIM_KEY' }, redactor });
    assert.ok(cmd.includes(`-H "Authorization: Bearer \${REVGATE_TOKEN}"`), cmd);
    assert.ok(cmd.includes(`-H "Ocp-Apim-Subscription-Key: \${APIM_KEY}"`), cmd);
    assert.ok(cmd.includes(`-H 'Cookie: ***'`), cmd);
    assert.ok(cmd.includes(`'https://x/items?subscription-key=***'`), cmd);
    assert.ok(cmd.includes(`-H 'x-echo: copy of ***'`), cmd);
    assert.ok(cmd.includes(`--data-raw '{"token":"***"}'`), cmd);
    assert.ok(cmd.includes(`-F 'note=***'`), cmd);
    assert.equal(redactor.has(cmd), false);
  });

  it('the env reference expands in a real shell', () => {
    const cmd = toCurl(
      { method: 'GET', url: 'https://x/', headers: { authorization: `Bearer ${token}` } },
      { secretEnvRefs: { authorization: 'REVGATE_TOKEN' } },
    );
    const header = shellWords(cmd)[4]!;
    assert.equal(header, 'authorization: Bearer ${REVGATE_TOKEN}');
    const quoted = cmd.slice(cmd.indexOf('"'));
    const out = execFileSync('sh', ['-c', `printf %s ${quoted}`], { encoding: 'utf8', env: { PATH: process.env.PATH, REVGATE_TOKEN: 'T0K' } });
    assert.equal(out, 'authorization: Bearer T0K');
  });

  it('masks secret headers without a redactor or env reference, keeping the auth scheme', () => {
    const cmd = toCurl({ method: 'GET', url: 'https://x/', headers: { Authorization: `Bearer ${token}`, 'x-api-key': key } });
    assert.equal(cmd, `curl -sS 'https://x/' -H 'Authorization: Bearer ***' -H 'x-api-key: ***'`);
  });

  it('a header named in secretEnvRefs is secret even if not a known secret header', () => {
    const cmd = toCurl(
      { method: 'GET', url: 'https://x/', headers: { 'X-Tenant-Key': 'tenant-key-value' } },
      { secretEnvRefs: { 'x-tenant-key': 'TENANT_KEY' } },
    );
    assert.equal(cmd, `curl -sS 'https://x/' -H "X-Tenant-Key: \${TENANT_KEY}"`);
  });

  it('rejects an env reference that is not a variable name (it would be shell code)', () => {
    assert.throws(
      () => toCurl({ method: 'GET', url: 'https://x/', headers: { authorization: 'Bearer abcd' } }, { secretEnvRefs: { authorization: 'X}$(id)' } }),
      { code: 'REVGATE_CONFIG_INVALID' },
    );
  });
});

describe('toCurl: round trip', () => {
  const requests: CurlRequest[] = [
    { method: 'GET', url: 'https://api.example.com/v1/items?a=1&b=two%20words' },
    { method: 'HEAD', url: 'https://x/health' },
    {
      method: 'POST',
      url: 'https://x/items',
      headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' },
      body: JSON.stringify({ name: nasty, n: 1 }),
    },
    { method: 'DELETE', url: `https://x/items/it's`, headers: { 'x-note': nasty } },
    { method: 'PATCH', url: 'https://x/$(whoami)', body: '' },
    {
      method: 'POST',
      url: 'https://x/upload',
      multipart: { title: `it's $x`, raw: '<not a file', doc: { file: 'dir with space/a "b".pdf', contentType: 'application/pdf' }, f: { file: 'plain.txt' } },
    },
  ];
  for (const req of requests) {
    it(`${req.method} ${req.url}`, () => {
      assert.deepEqual(parseCurl(shellWords(toCurl(req))), req);
    });
  }
});
