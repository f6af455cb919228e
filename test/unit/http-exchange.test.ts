/**
 * measureHttp against real loopback servers started here (no mocked HTTP): bodies limited while they stream,
 * one budget for the whole exchange, redirects checked hop by hop, request bodies encoded as before.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { createHttpAgent, measureHttp } from '../../src/http/exchange.js';
import { prepareRequest, type PrepareContext } from '../../src/http/prepare.js';
import type { RequestSpec } from '../../src/config/types.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; seen: Seen[]; close: () => void }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Writes `total` bytes with backpressure; stops when the client goes away. */
function stream(res: ServerResponse, total: number, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(64 * 1024, 97);
  let sent = 0;
  const write = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
}

const MB = 1024 * 1024;
const gzipBomb = (decodedMb: number): Buffer => {
  // Concatenated gzip members are one valid gzip stream; zeros compress about 1000:1.
  const member = zlib.gzipSync(Buffer.alloc(8 * MB), { level: 9 });
  return Buffer.concat(Array.from({ length: Math.ceil(decodedMb / 8) }, () => member));
};

describe('measureHttp', () => {
  let target: Awaited<ReturnType<typeof serve>>;
  let other: Awaited<ReturnType<typeof serve>>;
  const agent = createHttpAgent();
  const bomb = gzipBomb(256);

  before(async () => {
    other = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"where":"other"}');
    });
    target = await serve((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      switch (url.pathname) {
        case '/big':
          return stream(res, 64 * MB);
        case '/big-declared':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * MB) });
          return void (req.method === 'HEAD' ? res.end() : res.write(Buffer.alloc(1024)));
        case '/gzip-bomb':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
          return void res.end(bomb);
        case '/br-bomb':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
          return void res.end(zlib.brotliCompressSync(Buffer.alloc(16 * MB)));
        case '/deflate':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'deflate' });
          return void res.end(zlib.deflateSync(Buffer.from('{"ok":true}')));
        case '/gzip-corrupt':
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          return void res.end(Buffer.from('this is not gzip at all'));
        case '/trickle': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const t = setInterval(() => res.write('.'), 50);
          return void res.on('close', () => clearInterval(t));
        }
        case '/silent':
          return; // never answers
        case '/echo':
          return json(200, { method: req.method, contentType: req.headers['content-type'], body });
        case '/to-same':
          return json(302, {}, { location: '/echo' });
        case '/to-other':
          return json(302, {}, { location: `${other.url}/landing?code=s3cret` });
        case '/post-307':
          return json(307, {}, { location: '/echo' });
        case '/post-302':
          return json(302, {}, { location: '/echo' });
        case '/loop':
          return json(302, {}, { location: '/loop' });
        default:
          return json(404, { detail: 'not found' });
      }
    });
  });
  after(async () => {
    target.close();
    other.close();
    await agent.destroy();
  });

  const ctx = (): PrepareContext => ({
    baseUrl: target.url,
    envHeaders: { 'X-Tenant-ID': 'contoso', 'Ocp-Apim-Subscription-Key': 'sub-key' },
    token: 'the-token',
    defaults: { maxBodyBytes: MB, timeoutMs: 20_000 },
    authConfigured: true,
    configDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
  });
  const measure = (spec: RequestSpec, defaults: PrepareContext['defaults'] = {}) =>
    measureHttp(agent, prepareRequest(spec, { ...ctx(), defaults: { ...ctx().defaults, ...defaults } }));

  it('a streamed body over the limit stops at the limit, naming it', async () => {
    const m = await measure({ path: '/big' });
    assert.equal(m.error?.kind, 'body-too-large');
    assert.match(m.error?.message ?? '', /the body went over the 1\.0 MB limit \(defaults\.maxBodyBytes\); stopped reading/);
  });

  it('a Content-Length over the limit is refused without reading', async () => {
    const m = await measure({ path: '/big-declared' });
    assert.equal(m.error?.kind, 'body-too-large');
    assert.match(m.error?.message ?? '', /Content-Length 1\.00 GB is over the 1\.0 MB limit \(defaults\.maxBodyBytes\); not read/);
  });

  it('a HEAD whose Content-Length is over the limit is fine: there is no body', async () => {
    const m = await measure({ method: 'HEAD', path: '/big-declared' });
    assert.equal(m.response?.status, 200);
    assert.equal(m.response?.bodyBytes, 0);
  });

  it('a gzip bomb stops at the limit on its decoded size', async () => {
    const rss = process.memoryUsage().rss;
    const m = await measure({ path: '/gzip-bomb' });
    assert.equal(m.error?.kind, 'body-too-large');
    assert.match(m.error?.message ?? '', /the decoded gzip body went over the 1\.0 MB limit \(defaults\.maxBodyBytes\)/);
    // 256 MB decoded would show here; what is kept is bounded by the 1 MB limit (plus allocator noise).
    assert.ok(process.memoryUsage().rss - rss < 128 * MB, `rss grew ${((process.memoryUsage().rss - rss) / MB).toFixed(0)} MB`);
  });

  it('brotli is limited the same way; deflate bodies are decoded', async () => {
    assert.equal((await measure({ path: '/br-bomb' })).error?.kind, 'body-too-large');
    const m = await measure({ path: '/deflate' });
    assert.equal(m.response?.bodyText, '{"ok":true}');
    assert.equal(m.response?.bodyBytes, 11);
  });

  it('a body that cannot be decoded is a protocol failure', async () => {
    const m = await measure({ path: '/gzip-corrupt' });
    assert.equal(m.error?.kind, 'protocol');
    assert.match(m.error?.message ?? '', /cannot decode the gzip body/);
  });

  it('timeoutMs covers the whole body: a trickle is cut', async () => {
    const m = await measure({ path: '/trickle', timeoutMs: 300 });
    assert.equal(m.error?.kind, 'timeout');
    assert.match(m.error?.message ?? '', /no complete response within 300 ms/);
  });

  it('timeoutMs covers waiting for the headers', async () => {
    const m = await measure({ path: '/silent', timeoutMs: 300 });
    assert.equal(m.error?.kind, 'timeout');
  });

  it('same-origin redirects are followed and recorded, credentials kept', async () => {
    const m = await measure({ path: '/to-same' });
    assert.equal(m.response?.status, 200);
    assert.deepEqual(m.redirects, [{ status: 302, from: `${target.url}/to-same`, to: `${target.url}/echo` }]);
    assert.equal(target.seen.at(-1)?.headers.authorization, 'Bearer the-token');
  });

  it('a redirect to another origin fails as redirect-offsite and nothing is sent there', async () => {
    const before = other.seen.length;
    const m = await measure({ path: '/to-other' });
    assert.equal(m.error?.kind, 'redirect-offsite');
    assert.equal(m.error?.message, `redirect to another origin (${other.url}), not the revision under test`);
    assert.deepEqual(m.redirects, [{ status: 302, from: `${target.url}/to-other`, to: `${other.url}/landing?…` }], 'the query (a code) is not kept');
    assert.equal(other.seen.length, before);
  });

  it('an allowed origin is followed without the config’s headers', async () => {
    const m = await measure({ path: '/to-other', allowRedirectOrigins: [other.url] });
    assert.equal(m.response?.status, 200);
    assert.equal(m.response?.bodyText, '{"where":"other"}');
    const got = other.seen.at(-1)?.headers ?? {};
    assert.equal(got.authorization, undefined);
    assert.equal(got['ocp-apim-subscription-key'], undefined);
    assert.equal(got['x-tenant-id'], undefined);
  });

  it('defaults.allowRedirectOrigins applies; a request’s own list replaces it', async () => {
    assert.equal((await measure({ path: '/to-other' }, { allowRedirectOrigins: [other.url] })).response?.status, 200);
    const m = await measure({ path: '/to-other', allowRedirectOrigins: ['https://elsewhere.example'] }, { allowRedirectOrigins: [other.url] });
    assert.equal(m.error?.kind, 'redirect-offsite');
  });

  it('a loop stops after maxRedirects with the chain; maxRedirects 0 returns the redirect itself', async () => {
    const loop = await measure({ path: '/loop', maxRedirects: 3 });
    assert.equal(loop.error?.kind, 'redirect-loop');
    assert.equal(loop.redirects?.length, 4);
    const none = await measure({ path: '/to-other', maxRedirects: 0 });
    assert.equal(none.response?.status, 302);
    assert.equal(none.redirects, undefined);
  });

  it('307 sends the body again; 302 after a POST becomes a GET without it', async () => {
    const kept = JSON.parse((await measure({ method: 'POST', path: '/post-307', json: { a: 1 } })).response?.bodyText ?? '{}');
    assert.deepEqual(kept, { method: 'POST', contentType: 'application/json', body: '{"a":1}' });
    const dropped = JSON.parse((await measure({ method: 'POST', path: '/post-302', json: { a: 1 } })).response?.bodyText ?? '{}');
    assert.deepEqual(dropped, { method: 'GET', body: '' });
  });

  it('json, form, raw and multipart bodies are encoded as Playwright sent them', async () => {
    const echo = async (spec: Omit<RequestSpec, 'path'>) => JSON.parse((await measure({ path: '/echo', ...spec })).response?.bodyText ?? '{}');
    assert.deepEqual(await echo({ json: { n: 1, s: 'é' } }), {
      method: 'POST',
      contentType: 'application/json',
      body: Buffer.from('{"n":1,"s":"é"}').toString('latin1'),
    });
    assert.deepEqual(await echo({ form: { a: '1 2', b: '&' } }), { method: 'POST', contentType: 'application/x-www-form-urlencoded', body: 'a=1+2&b=%26' });
    assert.deepEqual(await echo({ method: 'PUT', body: 'raw text' }), { method: 'PUT', contentType: 'application/octet-stream', body: 'raw text' });
    const multipart = await echo({ multipart: { title: 'spec', doc: { file: 'package.json', contentType: 'application/json', filename: 'p.json' } } });
    assert.match(multipart.contentType, /^multipart\/form-data; boundary=/);
    assert.match(multipart.body, /Content-Disposition: form-data; name="title"\r\n\r\nspec\r\n/);
    assert.match(multipart.body, /Content-Disposition: form-data; name="doc"; filename="p.json"\r\nContent-Type: application\/json\r\n\r\n\{/);
  });

  it('a refused connection is a measurement, not an exception', async () => {
    const m = await measureHttp(agent, prepareRequest({ path: '/' }, { ...ctx(), baseUrl: 'http://127.0.0.1:1' }));
    assert.equal(m.error?.kind, 'connect');
    assert.equal(m.connectMs, undefined, 'a connection that was never set up cost no setup time');
  });

  it('connection setup is measured apart, on the exchange that opened the connection only', async () => {
    const fresh = createHttpAgent();
    try {
      const runs = [];
      for (let i = 0; i < 4; i++) runs.push(await measureHttp(fresh, prepareRequest({ path: '/json' }, { ...ctx(), baseUrl: target.url })));
      const first = runs[0];
      assert.ok(first?.connectMs !== undefined && first.connectMs > 0 && first.connectMs <= first.durationMs, JSON.stringify(first));
      // Keep-alive: later exchanges reuse the connection and pay no setup (at least one of them, whatever the server does).
      assert.ok(
        runs.slice(1).some((m) => m.connectMs === undefined),
        JSON.stringify(runs.map((m) => m.connectMs)),
      );
    } finally {
      await fresh.close();
    }
  });
});
