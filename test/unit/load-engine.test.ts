import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LoadEngine, type EngineResult } from '../../src/load/engine.js';
import { buildPlan } from '../../src/load/plan.js';
import { validateProfile, type ScenarioSpec } from '../../src/load/profile.js';
import { buildSummary } from '../../src/load/summary.js';

// A real server on port 0 (never mocked HTTP): /slow/N waits N ms, /fail answers 500, anything else 200.
let server: http.Server;
let url = '';
let received = 0;
let connections = 0;
const bodies: string[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    received++;
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.headers['content-type']} ${req.headers['x-test']} ${body}`);
        res.end('ok');
      });
      return;
    }
    const slow = /^\/slow\/(\d+)/.exec(req.url ?? '');
    const send = (): void => {
      res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    if (slow) setTimeout(send, Number(slow[1])).unref();
    else send();
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function plan(scenario: Partial<ScenarioSpec>, thresholds: Record<string, string[]> = { http_reqs: ['count>0'] }, baseUrl = url, timeout = '2s') {
  const loaded = validateProfile(
    {
      name: 't',
      timeout,
      scenarios: { s: { executor: 'constant-arrival-rate', rate: 100, duration: '1s', requests: [{ path: '/' }], ...scenario } },
      thresholds,
    },
    {},
  );
  return { loaded, plan: buildPlan(loaded, { baseUrl }) };
}

/**
 * Every scheduled arrival is sent or dropped, exactly: a completed open-model run accounts for each one,
 * however late the engine's timers fire (requests here answer in milliseconds, well inside the grace period).
 */
function assertAccounted(r: EngineResult, scheduled: number): number {
  const accounted = r.recorder.groups[0]!.requests + r.recorder.dropped; // group 0: every request
  assert.equal(accounted, scheduled, `${accounted} of ${scheduled} scheduled arrivals sent or dropped`);
  return accounted;
}

describe('load engine', () => {
  it('stopped before it started (a signal during start-up): resolves at once, sends nothing', async () => {
    const before = received;
    const engine = new LoadEngine(plan({ duration: '5s' }).plan);
    engine.stop('interrupted', 'interrupted by a signal');
    const result = await engine.run();
    assert.equal(result.stopReason, 'interrupted');
    assert.equal(result.recorder.iterations, 0);
    assert.equal(received, before, 'no request reached the server');
  });

  it('open model: sends the scheduled arrivals, never more, and stops by itself', async () => {
    const before = received;
    const { plan: p } = plan({ rate: 100, duration: '1s' });
    const r = await new LoadEngine(p).run();
    const g = r.recorder.groups[0]!;
    assertAccounted(r, 100);
    assert.equal(received - before, g.requests);
    assert.equal(r.stopReason, 'completed');
    // The 1 s schedule plus responses that take milliseconds; 3 s would mean it waited out the 2 s request timeout.
    assert.ok(r.durationMs < 3000, `took ${r.durationMs}`);
  });

  it('open model: a stall across the scenario end loses no arrival (they go out late, or are dropped)', async () => {
    // The event loop is blocked from 0.8 s to past the 1 s end, so the next tick comes after the end: the
    // arrivals due in between are still sent (counted late), not skipped.
    const { plan: p } = plan({ rate: 100, duration: '1s' });
    const engine = new LoadEngine(p);
    const stall = setTimeout(() => {
      const until = performance.now() + 400;
      while (performance.now() < until);
    }, 800);
    try {
      const r = await engine.run();
      assertAccounted(r, 100);
      assert.equal(r.stopReason, 'completed');
    } finally {
      clearTimeout(stall);
    }
  });

  it('measures latency from the scheduled start and counts arrivals beyond maxInFlight as dropped', async () => {
    // 1 slot, 100 ms responses, 50 arrivals/s: most arrivals find the slot busy.
    const { plan: p } = plan({ rate: 50, duration: '1s', maxInFlight: 1, requests: [{ path: '/slow/100' }] });
    const r = await new LoadEngine(p).run();
    const g = r.recorder.groups[0]!;
    // One slot busy 100 ms per request serves at most ~10 of the 50 arrivals in 1 s (a busy machine, fewer),
    // and more than one: the slot is reused. Every other arrival is dropped, not queued.
    assert.ok(g.requests >= 2 && g.requests <= 12, `requests ${g.requests}`);
    const accounted = assertAccounted(r, 50);
    assert.equal(r.recorder.dropped, accounted - g.requests);
    assert.ok(r.recorder.dropped >= 25, `dropped ${r.recorder.dropped}: most arrivals found the slot busy`);
    assert.ok(g.ok.getValueAtPercentile(50) >= 100_000, 'latency includes the 100 ms wait');
  });

  it('records failures, status classes and tag groups', async () => {
    const { loaded, plan: p } = plan(
      {
        rate: 40,
        duration: '1s',
        requests: [
          { path: '/', tags: { endpoint: 'ok' } },
          { path: '/fail', tags: { endpoint: 'bad' } },
        ],
      },
      { http_req_failed: ['rate<0.01'], 'http_req_failed{endpoint:ok}': ['rate<0.01'] },
    );
    const r = await new LoadEngine(p).run();
    const s = buildSummary(r, loaded.thresholds, false);
    // The two requests alternate, so of however many arrivals went out, half (give or take the last) failed.
    const [bad, good] = [s.revgate.statusClasses['5xx'] ?? 0, s.revgate.statusClasses['2xx'] ?? 0];
    assertAccounted(r, 40);
    assert.ok(Math.abs(bad - good) <= 1 + r.recorder.dropped, `${bad} 5xx, ${good} 2xx, ${r.recorder.dropped} dropped`);
    assert.equal(s.metrics.http_req_failed?.values.rate, bad / (bad + good));
    assert.equal(s.metrics['http_req_failed{endpoint:ok}']?.values.rate, 0);
    assert.equal(s.metrics.http_req_failed?.thresholds?.['rate<0.01']?.ok, false);
    assert.equal(
      s.revgate.perSecond.requests.reduce((a, b) => a + b, 0),
      bad + good,
    );
  });

  it('counts error kinds for an unreachable target and never hangs', async () => {
    const { loaded, plan: p } = plan({ rate: 20, duration: '1s' }, { http_req_failed: ['rate<0.01'] }, 'http://127.0.0.1:9');
    const r = await new LoadEngine(p).run();
    const s = buildSummary(r, loaded.thresholds, false);
    const sent = r.recorder.groups[0]!.requests;
    assertAccounted(r, 20);
    assert.deepEqual(s.revgate.errorsByKind, { connect: sent }, 'every request sent was refused, and counted as such');
    assert.equal(s.metrics.http_req_failed?.values.rate, 1);
    // Refused at once: the 1 s schedule ends the run, well before the 2 s request timeout would add to it.
    assert.ok(r.durationMs < 3000, `took ${r.durationMs}`);
  });

  it('times out slow responses as timeout errors within the bound', async () => {
    const { loaded, plan: p } = plan(
      { rate: 5, duration: '1s', requests: [{ path: '/slow/10000' }], gracefulStop: '8s' },
      { http_req_failed: ['rate<0.01'] },
      url,
      '300ms',
    );
    const r = await new LoadEngine(p).run();
    const s = buildSummary(r, loaded.thresholds, false);
    const sent = r.recorder.groups[0]!.requests;
    assertAccounted(r, 5);
    assert.deepEqual(s.revgate.errorsByKind, { timeout: sent }, 'every request sent timed out');
    // The last arrival (0.8 s) times out at 1.1 s; without the 300 ms timeout the run would wait 8 s for the
    // 10 s responses. Half of that leaves a loaded machine seconds of room.
    assert.ok(r.durationMs < 4000, `took ${r.durationMs}`);
  });

  it('stop() ends early, interrupting what is still in flight', async () => {
    const { plan: p } = plan({ rate: 20, duration: '10s', requests: [{ path: '/slow/10000' }] }, undefined, url, '20s');
    const engine = new LoadEngine(p);
    setTimeout(() => engine.stop('interrupted', 'test', 100), 300);
    const r = await engine.run();
    assert.equal(r.stopReason, 'interrupted');
    assert.ok(r.recorder.interrupted > 0);
    // Stop at 0.3 s plus 0.1 s of grace; waiting for the 10 s responses or the 10 s schedule would take 10 s.
    assert.ok(r.durationMs < 5000, `took ${r.durationMs}`);
  });

  it('constant-vus: one keep-alive connection per VU, the same body and headers on every request', async () => {
    const before = connections;
    bodies.length = 0;
    const loaded = validateProfile(
      {
        name: 't',
        scenarios: {
          s: { executor: 'constant-vus', vus: 3, duration: '300ms', requests: [{ method: 'POST', path: '/echo', headers: { 'x-test': 'h' }, body: { a: 1 } }] },
        },
        thresholds: { http_reqs: ['count>0'] },
      },
      {},
    );
    const r = await new LoadEngine(buildPlan(loaded, { baseUrl: url })).run();
    const g = r.recorder.groups[0]!;
    assert.equal(connections - before, 3);
    assert.equal(g.failed, 0);
    // More requests than connections: some VU reused its connection (a busy machine sends fewer in 300 ms).
    assert.ok(g.requests > 3, `requests ${g.requests}`);
    assert.deepEqual(new Set(bodies), new Set(['application/json h {"a":1}']));
  });

  it('arrival rate: opens no more connections than it has requests in flight', async () => {
    const before = connections;
    const { plan: p } = plan({ rate: 50, duration: '500ms', maxInFlight: 100 });
    const r = await new LoadEngine(p).run();
    assert.ok(connections - before <= r.recorder.maxInFlight, `${connections - before} connections, ${r.recorder.maxInFlight} in flight at most`);
  });

  it('constant-vus: a closed loop per VU', async () => {
    const loaded = validateProfile(
      {
        name: 't',
        scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '500ms', requests: [{ path: '/slow/20' }] } },
        thresholds: { http_reqs: ['count>0'] },
      },
      {},
    );
    const r = await new LoadEngine(buildPlan(loaded, { baseUrl: url })).run();
    const n = r.recorder.groups[0]!.requests;
    // Each VU waits for its 20 ms response: at most 25 each in 500 ms (plus the one in flight at the end), however
    // fast the machine; a busy machine sends fewer, but each VU more than one.
    assert.ok(n >= 4 && n <= 52, `requests ${n}`);
    assert.ok(r.recorder.maxInFlight <= 2);
  });
});
