import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { LoadEngine, type EngineResult } from '../../src/load/engine.js';
import { buildPlan } from '../../src/load/plan.js';
import { validateProfile, type RequestSpec } from '../../src/load/profile.js';
import { createCertificates } from '../../src/sandbox/tls.js';

// Real servers on loopback, one per behaviour the engine's connections must survive: the engine is
// run end to end against each and judged by what it recorded.

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) {
    (s as http.Server).closeAllConnections?.();
    s.close();
  }
});

async function listen<S extends net.Server>(server: S): Promise<{ server: S; port: number; connections: () => number }> {
  let n = 0;
  server.on(server instanceof https.Server ? 'secureConnection' : 'connection', () => n++);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, connections: () => n };
}

/** A raw TCP server: `onRequest(socket, index)` runs once per request head received on a connection. */
function raw(onRequest: (socket: net.Socket, index: number) => void): net.Server {
  return net.createServer((socket) => {
    let seen = 0;
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let i: number;
      while ((i = buffered.indexOf('\r\n\r\n')) >= 0) {
        buffered = buffered.slice(i + 4);
        onRequest(socket, seen++);
      }
    });
  });
}

/** A raw TCP server answering request heads in order; `onRequest` gets how long the connection sat idle since its last answer (Infinity at first) and returns whether it answered. */
function rawTimed(onRequest: (socket: net.Socket, idleMs: number) => boolean): net.Server {
  const last = new WeakMap<net.Socket, number>();
  return raw((socket) => {
    const since = last.get(socket);
    if (onRequest(socket, since === undefined ? Infinity : performance.now() - since)) last.set(socket, performance.now());
  });
}

/** An open-model run: `rate` arrivals per `timeUnit`, one GET each; also the bytes of that GET. */
async function runArrivals(
  baseUrl: string,
  scenario: { rate: number; timeUnit: string; duration: string },
): Promise<{ r: EngineResult; requestBytes: number }> {
  const loaded = validateProfile(
    {
      name: 't',
      timeout: '2s',
      scenarios: { s: { executor: 'constant-arrival-rate', maxInFlight: 5, requests: [{ path: '/' }], ...scenario } },
      thresholds: { http_reqs: ['count>0'] },
    },
    {},
  );
  const plan = buildPlan(loaded, { baseUrl });
  return { r: await new LoadEngine(plan).run(), requestBytes: plan.requests[0]!.bytesOut };
}

async function run(
  baseUrl: string,
  scenario: { vus?: number; duration?: string; requests?: RequestSpec[] } = {},
  options: { ca?: string; timeout?: string } = {},
): Promise<EngineResult> {
  const loaded = validateProfile(
    {
      name: 't',
      timeout: options.timeout ?? '2s',
      scenarios: {
        s: { executor: 'constant-vus', vus: scenario.vus ?? 2, duration: scenario.duration ?? '300ms', requests: scenario.requests ?? [{ path: '/' }] },
      },
      thresholds: { http_reqs: ['count>0'] },
    },
    {},
  );
  return new LoadEngine(buildPlan(loaded, { baseUrl, ...(options.ca ? { ca: options.ca } : {}) })).run();
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

// Request counts are lower bounds only as large as each claim needs (more requests than connections, so a
// connection was reused; or a second connection, so one was replaced): a busy machine sends fewer in 300 ms.

describe('load engine connections against real servers', () => {
  it('reads chunked responses and counts every byte received, head included', async () => {
    const { port, connections } = await listen(
      http.createServer((_req, res) => {
        res.write('part one,');
        setImmediate(() => res.end('part two'));
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`);
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0);
    assert.ok(g.requests > 2, `requests ${g.requests}`);
    assert.equal(r.recorder.statusClasses[2], g.requests);
    assert.equal(connections(), 2, 'one kept-alive connection per VU');
    assert.ok(r.recorder.bytesIn >= g.requests * 100, `bytes in ${r.recorder.bytesIn}: head and chunked body`);
  });

  it('reads a body that runs to the close and opens a new connection for the next request', async () => {
    const { port, connections } = await listen(raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end')));
    const r = await run(`http://127.0.0.1:${port}`);
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0, JSON.stringify(r.recorder.errorSamples));
    assert.ok(g.requests > 2, `requests ${g.requests}`);
    assert.equal(connections(), g.requests);
  });

  it('skips 1xx interim responses and reads the final one', async () => {
    const { port } = await listen(
      http.createServer((_req, res) => {
        res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
        res.writeHead(201).end('made');
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`);
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0, JSON.stringify(r.recorder.errorSamples));
    assert.equal(r.recorder.statusClasses[2], g.requests);
  });

  it('reads no body after a HEAD request even with a content-length', async () => {
    const { port, connections } = await listen(
      http.createServer((req, res) => {
        res.writeHead(200, { 'content-length': 1000 });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1000));
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`, { requests: [{ method: 'HEAD', path: '/' }] });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0, JSON.stringify(r.recorder.errorSamples));
    assert.ok(g.requests > 2, `requests ${g.requests}`);
    assert.equal(connections(), 2, 'HEAD responses did not break keep-alive');
  });

  it('a server whose idle close crosses a request on a connection idle past the floor: one retry on a new connection, counted, never an error (GET)', async () => {
    // No keep-alive hint; a request arriving on a connection idle for more than 600 ms is closed unanswered, as
    // when the server's idle timer fires just before the request arrives. Arrivals every 700 ms meet it each time.
    let closes = 0;
    const { port, connections } = await listen(
      rawTimed((s, idleMs) => {
        if (Number.isFinite(idleMs) && idleMs > 600) {
          closes++;
          s.destroy();
          return false;
        }
        s.write(OK);
        return true;
      }),
    );
    const { r, requestBytes } = await runArrivals(`http://127.0.0.1:${port}`, { rate: 3, timeUnit: '2100ms', duration: '2100ms' });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0, JSON.stringify(r.recorder.errorSamples));
    assert.equal(g.requests, 3);
    assert.ok(closes >= 1, `closes ${closes}`);
    assert.equal(r.recorder.retries, closes);
    assert.equal(connections(), 1 + closes, 'the first connection, and one more per retry');
    assert.equal(r.recorder.bytesOut, (g.requests + r.recorder.retries) * requestBytes, 'data_sent counts each retry');
  });

  it('a server dropping a request on a connection it used a moment ago: a failed request (reset), never retried', async () => {
    // Answers the first request on each connection, ignores any later one and closes 30 ms after its response.
    // The VU reuses the connection at once, so the close cannot be an idle timeout: the server dropped a request it had.
    const { port, connections } = await listen(
      raw((s, i) => {
        if (i > 0) return;
        s.write(OK);
        setTimeout(() => s.destroy(), 30);
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`, { vus: 1, duration: '400ms' });
    const g = r.recorder.groups[0]!;
    assert.equal(r.recorder.retries, 0);
    assert.ok(g.requests >= 4, `requests ${g.requests}`);
    // Requests alternate: answered on a new connection, dropped on its reuse.
    assert.ok(Math.abs(g.failed - g.requests / 2) <= 1, `${g.failed} failed of ${g.requests}`);
    assert.equal(r.recorder.errors.reset, g.failed);
    assert.match(
      r.recorder.errorSamples.reset ?? '',
      /connection closed before any response on a keep-alive connection idle \d+ ms; not retried: an idle close needs 500 ms/,
    );
    assert.equal(connections(), g.requests - g.failed, 'a new connection for each answered request, none for a retry');
  });

  it('a server resetting every third request it reads: each reset is a failed request, none retried', async () => {
    let received = 0;
    let resets = 0;
    const { port } = await listen(
      raw((s) => {
        if (++received % 3 === 0) {
          resets++;
          s.resetAndDestroy();
        } else s.write(OK);
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`, { vus: 2, duration: '300ms' });
    const g = r.recorder.groups[0]!;
    assert.ok(g.requests >= 15, `requests ${g.requests}`);
    assert.equal(r.recorder.retries, 0);
    assert.equal(received, g.requests + r.recorder.interrupted);
    assert.equal(r.recorder.errors.reset, resets);
    assert.equal(g.failed, resets);
  });

  it('never re-sends a non-idempotent request: the same close fails the POST as a reset', async () => {
    const { port } = await listen(
      raw((s, i) => {
        if (i > 0) return;
        s.write(OK);
        setTimeout(() => s.destroy(), 30);
      }),
    );
    const r = await run(`http://127.0.0.1:${port}`, { vus: 1, duration: '300ms', requests: [{ method: 'POST', path: '/orders', body: { a: 1 } }] });
    assert.ok(r.recorder.errors.reset >= 1, JSON.stringify(r.recorder.errors));
    assert.match(r.recorder.errorSamples.reset ?? '', /connection closed before any response/);
  });

  it('a malformed response is a protocol error with the reason, and the connection is not reused', async () => {
    const { port, connections } = await listen(raw((s) => s.write('HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n')));
    const r = await run(`http://127.0.0.1:${port}`, { vus: 1, duration: '200ms' });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, g.requests);
    assert.equal(r.recorder.errors.protocol, g.requests);
    assert.match(r.recorder.errorSamples.protocol ?? '', /malformed response: malformed status line "HTTP\/1.1 2OO OK"/);
    assert.equal(connections(), g.requests);
  });

  it('bytes after a complete response: the response counts, the connection is replaced', async () => {
    const { port, connections } = await listen(raw((s) => s.write(`${OK}garbage`)));
    const r = await run(`http://127.0.0.1:${port}`, { vus: 1, duration: '200ms' });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0);
    assert.ok(g.requests > 1, `requests ${g.requests}`);
    assert.equal(connections(), g.requests);
  });

  it('a connection cut in the middle of a response is a reset, never a success', async () => {
    const { port } = await listen(raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part')));
    const r = await run(`http://127.0.0.1:${port}`, { vus: 1, duration: '200ms' });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, g.requests);
    assert.equal(r.recorder.errors.reset, g.requests);
    assert.match(r.recorder.errorSamples.reset ?? '', /in the middle of the response/);
  });

  it('https: verifies the server against the given CA and keeps connections alive; without the CA it is a TLS error', async () => {
    const certs = await createCertificates();
    const { port, connections } = await listen(https.createServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.end('secure')));
    const r = await run(`https://localhost:${port}`, {}, { ca: certs.caPem });
    const g = r.recorder.groups[0]!;
    assert.equal(g.failed, 0, JSON.stringify(r.recorder.errorSamples));
    assert.ok(g.requests > 2, `requests ${g.requests}`);
    assert.equal(connections(), 2);
    const untrusted = await run(`https://localhost:${port}`, { vus: 1, duration: '100ms' });
    assert.ok(untrusted.recorder.errors.tls >= 1, JSON.stringify(untrusted.recorder.errors));
    assert.equal(untrusted.recorder.groups[0]!.failed, untrusted.recorder.groups[0]!.requests);
  });

  it('a server that accepts and never answers: every request times out, none hangs', async () => {
    const { port } = await listen(raw(() => undefined));
    const r = await run(`http://127.0.0.1:${port}`, { vus: 2, duration: '300ms' }, { timeout: '200ms' });
    assert.ok(r.recorder.errors.timeout >= 2, JSON.stringify(r.recorder.errors));
    assert.match(r.recorder.errorSamples.timeout ?? '', /timed out after 200 ms/);
    // 300 ms of VUs plus one 200 ms timeout; without the timeout the run would hang until its graceful stop
    // (0.7 s) cut it, so the timeouts counted above are the proof, and this bound only a hang guard.
    assert.ok(r.durationMs < 5000, `took ${r.durationMs}`);
  });
});
