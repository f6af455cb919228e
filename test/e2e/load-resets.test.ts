import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { LoadSummary } from '../../src/load/summary.js';
import { readVerdict, runCli, writeJson } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

/** One folder for this file's temp files, removed after its tests (the suite may run concurrently). */
const scratchRoot = mkdtempSync(path.join(os.tmpdir(), 'revgate-e2e-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));
const scratch = (): string => mkdtempSync(path.join(scratchRoot, 'x-'));

// The real CLI against servers on loopback that count what they received, so what the load reports can be
// checked against what the server saw: resets are failed requests, every retry is counted, and a server
// that only closes idle keep-alive connections is never blamed.

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) {
    s.close();
  }
});

async function listen(server: net.Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Action = 'answer' | 'reset' | 'close';
const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';

/**
 * A raw HTTP/1.1 server (GET only, no keep-alive hint) that decides per request head received: answer it,
 * reset the connection (RST), or close it without an answer (FIN). `idleMs` is how long the connection sat
 * idle since its last response (Infinity for a new connection). With `idleCloseMs`, a connection idle that
 * long is closed (FIN), as servers with a keep-alive timeout do.
 */
function countingServer(
  decide: (received: number, idleMs: number) => Action,
  idleCloseMs?: number,
): { server: net.Server; seen: Record<Action | 'received' | 'connections' | 'idleCloses', number> } {
  const seen = { received: 0, answer: 0, reset: 0, close: 0, connections: 0, idleCloses: 0 };
  const server = net.createServer((socket) => {
    seen.connections++;
    let buffered = '';
    let lastResponse = Infinity;
    let idleTimer: NodeJS.Timeout | undefined;
    socket.on('error', () => undefined);
    socket.on('close', () => clearTimeout(idleTimer));
    socket.on('data', (d) => {
      clearTimeout(idleTimer);
      buffered += d.toString('latin1');
      let i: number;
      while (!socket.destroyed && (i = buffered.indexOf('\r\n\r\n')) >= 0) {
        buffered = buffered.slice(i + 4);
        seen.received++;
        const action = decide(seen.received, lastResponse === Infinity ? Infinity : performance.now() - lastResponse);
        seen[action]++;
        if (action === 'reset') socket.resetAndDestroy();
        else if (action === 'close') socket.destroy();
        else {
          socket.write(OK);
          lastResponse = performance.now();
          if (idleCloseMs !== undefined)
            idleTimer = setTimeout(() => {
              seen.idleCloses++;
              socket.destroy();
            }, idleCloseMs);
        }
      }
    });
  });
  return { server, seen };
}

function profile(scenario: Record<string, unknown>, thresholds: Record<string, string[]>): string {
  return writeJson(path.join(scratch(), 'profile.json'), {
    name: 'resets',
    timeout: '3s',
    scenarios: { s: { executor: 'constant-arrival-rate', maxInFlight: 50, requests: [{ path: '/' }], ...scenario } },
    thresholds,
  });
}

const summaryOf = (out: string): LoadSummary => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as LoadSummary;
const count = (s: LoadSummary, metric: string): number => {
  const v = s.metrics[metric]?.values.count;
  assert.equal(typeof v, 'number', `${metric} is in summary.json: ${JSON.stringify(Object.keys(s.metrics))}`);
  return v as number;
};

describe('revgate load against servers that reset or close connections', { concurrency: true }, () => {
  it('a server resetting a third of the requests it received fails the run, at its own reset rate, with nothing re-sent unseen', async (t) => {
    // Every third request received is answered with a TCP reset after its head was read: on a keep-alive
    // connection that was busy a moment ago, so nothing about it looks like an idle close.
    const { server, seen } = countingServer((n) => (n % 3 === 0 ? 'reset' : 'answer'));
    const url = await listen(server);
    const out = scratch();
    const planned = 200; // 50/s for 4 s
    const r = await runCli(['load', '--profile', profile({ rate: 50, duration: '4s' }, { http_req_failed: ['rate<0.10'] }), '--base-url', url, '--out', out]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(v.verdict, 'fail');
    assert.equal(verdictSchemaErrors(v), '');
    const gate = v.gates.find((g) => g.id === 'http_req_failed rate<0.10');
    assert.equal(gate?.status, 'failed', JSON.stringify(gate));
    assert.match(gate?.reason ?? '', /network errors: reset=\d+/);

    const s = summaryOf(out);
    const sent = count(s, 'http_reqs');
    const retries = count(s, 'http_req_retries');
    const failedRate = s.metrics.http_req_failed?.values.rate ?? NaN;
    const resetFraction = seen.reset / seen.received;
    t.diagnostic(
      `server: ${seen.received} received, ${seen.reset} reset (${(resetFraction * 100).toFixed(1)}%); load: ${sent} requests, failed ${(failedRate * 100).toFixed(1)}%, ${retries} retries`,
    );
    // Every third request received: 1/3 up to rounding (66 or 67 of about 200).
    assert.ok(resetFraction > 0.3 && resetFraction < 0.36, `server reset ${seen.reset} of ${seen.received}`);
    // The brief's bound is 2 points; every request the server reset is one that failed, so they should agree far closer.
    assert.ok(Math.abs(failedRate - resetFraction) <= 0.02, `reported failed rate ${failedRate} vs server reset fraction ${resetFraction}`);
    // Arrivals are never more than planned (some may be dropped on a busy machine, never added).
    assert.ok(sent <= planned, `${sent} requests for ${planned} planned`);
    assert.ok(sent >= planned * 0.9, `${sent} of ${planned} planned arrivals sent`);
    // What the server received beyond what the load counted is exactly the retries: every arrival sent is in
    // http_reqs (failed or not), and nothing is left in flight (gracefulStop defaults to the 3 s timeout).
    assert.equal(seen.received - sent, retries, `server received ${seen.received}, load counted ${sent} requests and ${retries} retries`);
    assert.ok(seen.received <= planned + retries, `server received ${seen.received} > ${planned} planned + ${retries} retries`);
    // Every reset the server sent is a failed request, except those of requests retried (each retry counted):
    // a request fails exactly when its last attempt was reset.
    assert.equal(s.revgate.errorsByKind.reset, seen.reset - retries, `${seen.reset} resets, ${retries} retries: ${JSON.stringify(s.revgate.errorsByKind)}`);
    // Most arrivals reuse a connection busy milliseconds ago, whose reset is never retried. A retry needs a
    // connection left idle past the no-hint floor (500 ms): one opened during a burst and reused at the next
    // burst. The 2-core machine is shared, so allow some bursts, but never a retry per reset.
    assert.ok(retries <= sent * 0.05, `retries ${retries} for ${sent} requests`);
    const retryGate = v.gates.find((g) => g.metric === 'http_req_retries');
    assert.equal(retryGate?.blocking, false, JSON.stringify(v.gates));
    assert.equal(retryGate?.observed, retries);
  });

  it('a healthy server closing idle keep-alive connections between arrivals: no failed request', async () => {
    // The server closes a connection idle for 600 ms; arrivals come every 800 ms, so every arrival after the
    // first finds its connection closed by the server while it was idle. (Not Node's own server: it adds 1 s to
    // its keepAliveTimeout.) 600 ms is above the no-hint idle floor, so even a close the client reads only after
    // writing (a stalled event loop) is an idle close, retried, and never blamed on the server.
    const { server, seen } = countingServer(() => 'answer', 600);
    const url = await listen(server);
    const out = scratch();
    const r = await runCli([
      'load',
      '--profile',
      profile({ rate: 5, timeUnit: '4s', duration: '4s' }, { http_req_failed: ['rate<0.01'] }),
      '--base-url',
      url,
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = summaryOf(out);
    const sent = count(s, 'http_reqs');
    assert.equal(s.metrics.http_req_failed?.values.rate, 0, JSON.stringify(s.revgate.errorsByKind));
    assert.equal(sent, 5);
    assert.equal(seen.received, sent + count(s, 'http_req_retries'));
    // The idle closes really happened: a new connection per arrival.
    assert.ok(seen.idleCloses >= sent - 1, `${seen.idleCloses} idle closes for ${sent} requests`);
    assert.ok(seen.connections >= sent, `${seen.connections} connections for ${sent} requests`);
  });

  it('a server whose idle close crosses the next request: retried once on a new connection, counted, and never a failure', async () => {
    // No keep-alive hint; a request arriving on a connection idle for more than 600 ms is closed without an
    // answer, as if the server's idle timer fired just before it arrived (the race Go's net/http retries).
    // Arrivals every 800 ms reuse a connection idle that long: every arrival after the first meets the close.
    const { server, seen } = countingServer((_n, idleMs) => (idleMs > 600 && idleMs !== Infinity ? 'close' : 'answer'));
    const url = await listen(server);
    const out = scratch();
    const r = await runCli([
      'load',
      '--profile',
      profile({ rate: 5, timeUnit: '4s', duration: '4s' }, { http_req_failed: ['rate<0.01'] }),
      '--base-url',
      url,
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = readVerdict(out);
    const s = summaryOf(out);
    const sent = count(s, 'http_reqs');
    const retries = count(s, 'http_req_retries');
    assert.equal(s.metrics.http_req_failed?.values.rate, 0, JSON.stringify(s.revgate.errorsByKind));
    assert.equal(sent, 5);
    // Each close was met by exactly one retry, and the server saw nothing else.
    assert.equal(retries, seen.close, `retries ${retries}, server closes ${seen.close}`);
    assert.ok(seen.close >= 2, `server closed ${seen.close} idle connections under a request (4 expected)`);
    assert.equal(seen.received, sent + retries);
    const retryGate = v.gates.find((g) => g.metric === 'http_req_retries');
    assert.equal(retryGate?.observed, retries);
    assert.match(retryGate?.reason ?? '', new RegExp(`${retries} of ${sent} requests`));
  });
});
