import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LoadEngine } from '../../src/load/engine.js';
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
    assert.equal(g.requests + r.recorder.dropped, 100);
    assert.equal(received - before, g.requests);
    assert.equal(r.stopReason, 'completed');
    assert.ok(r.durationMs < 2500, `took ${r.durationMs}`);
  });

  it('measures latency from the scheduled start and counts arrivals beyond maxInFlight as dropped', async () => {
    // 1 slot, 100 ms responses, 50 arrivals/s: most arrivals find the slot busy.
    const { plan: p } = plan({ rate: 50, duration: '1s', maxInFlight: 1, requests: [{ path: '/slow/100' }] });
    const r = await new LoadEngine(p).run();
    const g = r.recorder.groups[0]!;
    assert.ok(r.recorder.dropped >= 35, `dropped ${r.recorder.dropped}`);
    assert.ok(g.requests >= 8 && g.requests <= 12, `requests ${g.requests}`);
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
    assert.equal(s.metrics.http_req_failed?.values.rate, 0.5);
    assert.equal(s.metrics['http_req_failed{endpoint:ok}']?.values.rate, 0);
    assert.equal(s.metrics.http_req_failed?.thresholds?.['rate<0.01']?.ok, false);
    assert.equal(s.revgate.statusClasses['5xx'], 20);
    assert.equal(s.revgate.statusClasses['2xx'], 20);
    assert.equal(
      s.revgate.perSecond.requests.reduce((a, b) => a + b, 0),
      40,
    );
  });

  it('counts error kinds for an unreachable target and never hangs', async () => {
    const { loaded, plan: p } = plan({ rate: 20, duration: '1s' }, { http_req_failed: ['rate<0.01'] }, 'http://127.0.0.1:9');
    const r = await new LoadEngine(p).run();
    const s = buildSummary(r, loaded.thresholds, false);
    assert.equal(s.revgate.errorsByKind.connect, 20);
    assert.equal(s.metrics.http_req_failed?.values.rate, 1);
    assert.ok(r.durationMs < 2500);
  });

  it('times out slow responses as timeout errors within the bound', async () => {
    const { loaded, plan: p } = plan(
      { rate: 5, duration: '1s', requests: [{ path: '/slow/3000' }], gracefulStop: '2s' },
      { http_req_failed: ['rate<0.01'] },
      url,
      '300ms',
    );
    const r = await new LoadEngine(p).run();
    const s = buildSummary(r, loaded.thresholds, false);
    assert.equal(s.revgate.errorsByKind.timeout, 5);
    assert.ok(r.durationMs < 2000, `took ${r.durationMs}`);
  });

  it('stop() ends early, interrupting what is still in flight', async () => {
    const { plan: p } = plan({ rate: 20, duration: '10s', requests: [{ path: '/slow/5000' }] });
    const engine = new LoadEngine(p);
    setTimeout(() => engine.stop('interrupted', 'test', 100), 300);
    const r = await engine.run();
    assert.equal(r.stopReason, 'interrupted');
    assert.ok(r.recorder.interrupted > 0);
    assert.ok(r.durationMs < 1500, `took ${r.durationMs}`);
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
    assert.ok(g.requests >= 10, `requests ${g.requests}`);
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
    assert.ok(n >= 20 && n <= 52, `requests ${n}`);
    assert.ok(r.recorder.maxInFlight <= 2);
  });
});
