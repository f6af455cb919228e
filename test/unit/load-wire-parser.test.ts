import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeRequest, headProblems } from '../../src/load/wire/encode.js';
import { FAILED, MAX_HEAD_BYTES, NEED_MORE, ResponseParser } from '../../src/load/wire/parser.js';

interface Parsed {
  /** Bytes consumed up to the end of the response, or NEED_MORE / FAILED. */
  end: number;
  status: number;
  keepAlive: boolean;
  hintMs: number;
  endsAtClose: boolean;
  error: string;
}

/** Feeds `pieces` in order; `end` is the absolute offset where the response ended. */
function feed(pieces: Buffer[], head = false): Parsed {
  const p = new ResponseParser();
  p.reset(head);
  let offset = 0;
  let end = NEED_MORE;
  for (const piece of pieces) {
    const r = p.execute(piece);
    if (r === FAILED) {
      end = FAILED;
      break;
    }
    if (r >= 0) {
      end = offset + r;
      break;
    }
    offset += piece.length;
  }
  return { end, status: p.status, keepAlive: p.keepAlive, hintMs: p.keepAliveHintMs, endsAtClose: p.endsAtClose, error: p.error };
}

/** Every way to cut the bytes: whole, in two at every offset, and one byte at a time. */
function splits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

// One row per framing rule: the response, whether it answers a HEAD request, and what must come out.
const VALID: Array<{ name: string; text: string; head?: boolean; status: number; keepAlive: boolean; end?: number; hintMs?: number; toClose?: boolean }> = [
  { name: 'content-length body', text: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', status: 200, keepAlive: true },
  { name: 'empty body', text: 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', status: 200, keepAlive: true },
  { name: 'no reason phrase', text: 'HTTP/1.1 404\r\nContent-Length: 2\r\n\r\nno', status: 404, keepAlive: true },
  {
    name: 'chunked, extensions and trailers',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
    status: 200,
    keepAlive: true,
  },
  {
    name: 'chunked, final coding after gzip',
    text: 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    status: 200,
    keepAlive: true,
  },
  { name: '100 Continue then the final response', text: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', status: 204, keepAlive: true },
  {
    name: '103 Early Hints then the final response',
    text: 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    status: 200,
    keepAlive: true,
  },
  { name: 'HEAD: content-length but no body', text: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', head: true, status: 200, keepAlive: true },
  { name: '304 has no body', text: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n', status: 304, keepAlive: true },
  { name: 'HTTP/1.0 closes by default', text: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', status: 200, keepAlive: false },
  { name: 'HTTP/1.0 with keep-alive', text: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok', status: 200, keepAlive: true },
  { name: 'connection: close', text: 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad', status: 500, keepAlive: false },
  { name: 'connection token list', text: 'HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n', status: 200, keepAlive: false },
  {
    name: 'keep-alive timeout hint',
    text: 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n',
    status: 200,
    keepAlive: true,
    hintMs: 5000,
  },
  {
    name: 'keep-alive hint after max',
    text: 'HTTP/1.1 200 OK\r\nKeep-Alive: max=100, timeout=7\r\nContent-Length: 0\r\n\r\n',
    status: 200,
    keepAlive: true,
    hintMs: 7000,
  },
  {
    name: 'content-length and chunked: chunked wins, no reuse',
    text: 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    status: 200,
    keepAlive: false,
  },
  { name: 'identical repeated content-length', text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok', status: 200, keepAlive: true },
  { name: 'obsolete line folding is skipped', text: 'HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 2\r\n\r\nok', status: 200, keepAlive: true },
  { name: 'OWS around values', text: 'HTTP/1.1 200 OK\r\nContent-Length:   2  \r\n\r\nok', status: 200, keepAlive: true },
  {
    name: 'no length: the body runs to the close',
    text: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body',
    status: 200,
    keepAlive: false,
    end: NEED_MORE,
    toClose: true,
  },
  {
    name: 'transfer-encoding without chunked: to the close',
    text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx',
    status: 200,
    keepAlive: false,
    end: NEED_MORE,
    toClose: true,
  },
];

const INVALID: Array<{ name: string; text: string; error: RegExp }> = [
  { name: 'HTTP/2 status line', text: 'HTTP/2 200\r\n\r\n', error: /malformed status line "HTTP\/2 200"/ },
  { name: 'two-digit status', text: 'HTTP/1.1 20 OK\r\n\r\n', error: /malformed status line/ },
  { name: 'not HTTP', text: 'SSH-2.0-OpenSSH_9.6\r\n\r\n', error: /malformed status line/ },
  { name: 'status 600', text: 'HTTP/1.1 600 Nope\r\n\r\n', error: /malformed status line/ },
  { name: 'non-numeric content-length', text: 'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n', error: /invalid content-length/ },
  { name: 'empty content-length', text: 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n', error: /invalid content-length/ },
  { name: 'conflicting content-length', text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', error: /conflicting content-length/ },
  { name: 'header line without a colon', text: 'HTTP/1.1 200 OK\r\nbroken header\r\n\r\n', error: /malformed header line/ },
  { name: 'bad chunk size', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', error: /invalid chunk size/ },
  { name: 'empty chunk size', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', error: /invalid chunk size/ },
  { name: 'chunk without CRLF after its data', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX', error: /missing CRLF after chunk data/ },
  { name: 'huge chunk size', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFF\r\n', error: /chunk size too large/ },
  { name: '101 Switching Protocols', text: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', error: /unexpected 101/ },
];

describe('wire response parser', () => {
  for (const row of VALID) {
    it(`${row.name}: the same result however the bytes are cut`, () => {
      const bytes = b(row.text);
      for (const pieces of splits(bytes)) {
        const r = feed(pieces, row.head);
        const where = `cut into ${pieces.map((p) => p.length).join('+')}`;
        assert.equal(r.error, '', where);
        assert.equal(r.end, row.end ?? bytes.length, where);
        assert.equal(r.status, row.status, where);
        assert.equal(r.keepAlive, row.keepAlive, where);
        assert.equal(r.hintMs, row.hintMs ?? 0, where);
        assert.equal(r.endsAtClose, row.toClose ?? false, where);
      }
    });
  }

  for (const row of INVALID) {
    it(`${row.name}: FAILED with the reason, however the bytes are cut`, () => {
      for (const pieces of splits(b(row.text))) {
        const r = feed(pieces);
        assert.equal(r.end, FAILED, `cut into ${pieces.map((p) => p.length).join('+')}`);
        assert.match(r.error, row.error);
      }
    });
  }

  it('stops at the end of the response and reports where, so bytes after it are seen', () => {
    const r = feed([b('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n')]);
    assert.equal(r.end, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'.length);
  });

  it('bounds the head and trailer sections instead of buffering without limit', () => {
    const endless = b(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`);
    assert.equal(feed([endless]).end, FAILED);
    const pieces = [b('HTTP/1.1 200 OK\r\n'), ...Array.from({ length: 20 }, () => b(`X-Big: ${'a'.repeat(1000)}\r\n`))];
    const r = feed(pieces);
    assert.equal(r.end, FAILED);
    assert.match(r.error, /response head larger than 16384 bytes/);
    const trailers = feed([b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n'), b(`X-T: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`)]);
    assert.match(trailers.error, /trailer section larger/);
  });

  it('is reusable: reset clears the previous response', () => {
    const p = new ResponseParser();
    p.reset(false);
    const first = b('HTTP/1.0 500 X\r\nKeep-Alive: timeout=3\r\nContent-Length: 0\r\n\r\n');
    assert.equal(p.execute(first), first.length);
    assert.deepEqual([p.status, p.keepAlive, p.keepAliveHintMs], [500, false, 3000]);
    p.reset(false);
    assert.equal(p.started, false);
    const second = b('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.equal(p.execute(second), second.length);
    assert.deepEqual([p.status, p.keepAlive, p.keepAliveHintMs], [200, true, 0]);
  });
});

describe('wire request encoding', () => {
  it('writes the request line, host, the headers, keep-alive and nothing else for a GET', () => {
    assert.equal(
      encodeRequest({ method: 'GET', path: '/health?x=1', headers: { 'user-agent': 'revgate-load', 'x-tenant-id': 't1' } }, '127.0.0.1:8080').toString(
        'latin1',
      ),
      'GET /health?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nuser-agent: revgate-load\r\nx-tenant-id: t1\r\nconnection: keep-alive\r\n\r\n',
    );
  });

  it('adds content-length for a body (bytes, not characters) and for a POST without one', () => {
    const body = Buffer.from('{"name":"café"}');
    const withBody = encodeRequest({ method: 'POST', path: '/a', headers: { 'content-type': 'application/json' } }, 'h', body);
    assert.equal(
      withBody.toString('utf8'),
      `POST /a HTTP/1.1\r\nhost: h\r\ncontent-type: application/json\r\nconnection: keep-alive\r\ncontent-length: ${body.length}\r\n\r\n{"name":"café"}`,
    );
    assert.equal(body.length, 16);
    assert.match(encodeRequest({ method: 'PUT', path: '/a', headers: {} }, 'h').toString(), /content-length: 0\r\n\r\n$/);
    assert.doesNotMatch(encodeRequest({ method: 'DELETE', path: '/a', headers: {} }, 'h').toString(), /content-length/);
  });

  it("keeps the profile's own host header instead of adding one", () => {
    assert.equal(
      encodeRequest({ method: 'GET', path: '/', headers: { Host: 'apex.example.com' } }, '127.0.0.1:1').toString(),
      'GET / HTTP/1.1\r\nHost: apex.example.com\r\nconnection: keep-alive\r\n\r\n',
    );
  });

  it('rejects what would break the framing, naming the header without echoing its value', () => {
    const problems = headProblems({
      method: 'GE T',
      path: '/a b',
      headers: {
        'bad name': 'v',
        'x-key': 'secret-value\r\nX-Injected: 1',
        'Content-Length': '5',
        Connection: 'close',
        'Transfer-Encoding': 'chunked',
        Expect: '100-continue',
        Upgrade: 'h2c',
      },
    });
    const byAt = Object.fromEntries(problems.map((p) => [p.at, p.message]));
    assert.match(byAt.method ?? '', /not a valid HTTP method/);
    assert.match(byAt.path ?? '', /spaces or control characters/);
    assert.match(byAt['headers.bad name'] ?? '', /not a valid header name/);
    assert.match(byAt['headers.x-key'] ?? '', /line break/);
    assert.match(byAt['headers.Content-Length'] ?? '', /computed from the body/);
    for (const h of ['Connection', 'Transfer-Encoding', 'Expect', 'Upgrade']) assert.ok(byAt[`headers.${h}`], h);
    assert.ok(!JSON.stringify(problems).includes('secret-value'), 'a header value is never echoed');
    assert.deepEqual(headProblems({ method: 'GET', path: '/ok?q=%20', headers: { 'x-api-key': 'abc', 'user-agent': 'revgate' } }), []);
  });
});
