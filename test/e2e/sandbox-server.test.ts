/**
 * The sandbox over the wire: a real listener on port 0 per test, hit with undici's fetch.
 * Each test owns its sandbox and client and disposes both even when it fails.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import tls from 'node:tls';
import vm from 'node:vm';
import { performance } from 'node:perf_hooks';
import { Agent, FormData, fetch, type RequestInit, type Response } from 'undici';
import { ErrorCodes, RevgateError } from '../../src/core/errors.js';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { SAMPLE_WINE } from '../../src/sandbox/routes-public.js';

interface Client {
  sb: RunningSandbox;
  get(path: string, init?: RequestInit): Promise<Response>;
  auth(path: string, init?: RequestInit): Promise<Response>;
  json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<{ status: number; body: T; res: Response }>;
}

/** Playwright-fixture style: setup, use, teardown in one place. */
async function withSandbox(options: SandboxOptions, use: (c: Client) => Promise<void>): Promise<void> {
  const sb = await startSandbox(options);
  const agent = new Agent(sb.caPem ? { connect: { ca: sb.caPem } } : {});
  const get = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${sb.url}${path}`, { dispatcher: agent, ...init });
  const auth = (path: string, init: RequestInit = {}): Promise<Response> =>
    get(path, { ...init, headers: { authorization: `Bearer ${sb.token}`, ...(init.headers as Record<string, string> | undefined) } });
  const json = async <T>(path: string, init: RequestInit = {}) => {
    const res = await auth(path, init);
    return { status: res.status, body: (await res.json()) as T, res };
  };
  try {
    await use({ sb, get, auth, json });
  } finally {
    await sb.stop();
    // destroy, not close: close() waits for response bodies a failed assertion left unread, and would hang the file.
    await agent.destroy();
  }
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const project = (n: string | number) => ({
  project_number: `SMOKE-${n}`,
  project_name: 'Smoke Test Project',
  voltage_level: 345,
  line_miles: 25.5,
  terrain_type: 'flat',
});

const postJson = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A strict-enough check of the Prometheus text format: every sample belongs to a declared family. */
function assertPrometheusText(text: string): Map<string, string> {
  const types = new Map<string, string>();
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
    assert.ok(sample, `not a valid sample line: ${line}`);
    const name = sample[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample ${name} has no # TYPE`);
  }
  return types;
}

describe('sandbox routes', () => {
  test('health probes answer like the seed apps', async () => {
    await withSandbox({ revision: 'apex--abc123', version: '2.4.0' }, async ({ json }) => {
      const health = await json('/health');
      assert.equal(health.status, 200);
      assert.equal(health.res.headers.get('content-type'), 'application/json');
      assert.deepEqual({ ...health.body, timestamp: 'x' }, { status: 'healthy', version: '2.4.0', revision: 'apex--abc123', timestamp: 'x' });
      assert.match(String(health.body.timestamp), ISO);

      const live = await json('/health/live');
      assert.equal(live.body.status, 'alive');
      assert.match(String(live.body.timestamp), ISO);

      const ready = await json('/health/ready');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.ready, true);
      assert.deepEqual(ready.body.checks, { database: 'healthy', blob_storage: 'healthy', redis: 'healthy' });

      const db = await json('/health/db');
      assert.equal(db.body.database, 'connected');
      assert.equal(typeof db.body.latency_ms, 'number');
      assert.deepEqual((await json('/health/redis')).body, { status: 'healthy', redis: 'connected' });
    });
  });

  test('metrics are real Prometheus text with route-template labels', async () => {
    await withSandbox({}, async ({ get, auth, json }) => {
      for (let i = 0; i < 3; i++) await (await get('/health')).arrayBuffer();
      const created = await json<{ id: string }>('/api/v1/projects/', postJson(project(1)));
      await (await auth(`/api/v1/projects/${created.body.id}`)).arrayBuffer();
      await (await get('/no/such/thing')).arrayBuffer();
      const res = await get('/metrics');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      const types = assertPrometheusText(text);
      assert.equal(types.get('http_requests_total'), 'counter');
      assert.equal(types.get('http_request_duration_seconds'), 'histogram');
      assert.equal(types.get('process_start_time_seconds'), 'gauge');
      assert.match(text, /^http_requests_total\{method="GET",route="\/health",status="200"\} 3$/m);
      assert.match(text, /^http_requests_total\{method="POST",route="\/api\/v1\/projects\/",status="201"\} 1$/m);
      assert.match(text, /^http_requests_total\{method="GET",route="\/api\/v1\/projects\/:id",status="200"\} 1$/m);
      assert.match(text, /^http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
      assert.ok(!text.includes(created.body.id), 'raw ids never become labels');
      assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/health"\} 3$/m);
      assert.match(text, /^http_request_duration_seconds_bucket\{method="GET",route="\/health",le="\+Inf"\} 3$/m);
      assert.match(text, /^sandbox_up\{revision="sandbox--rev1",version="1.0.0"\} 1$/m);
      const start = Number(/^process_start_time_seconds (\S+)$/m.exec(text)?.[1]);
      assert.ok(Math.abs(start - Date.now() / 1000) < 60);
    });
  });

  test('status page, 404 and 405', async () => {
    await withSandbox({ revision: 'web--r7' }, async ({ get }) => {
      const page = await get('/');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /<title>revgate sandbox<\/title>/);
      assert.match(html, /id="status"/);
      assert.match(html, /fetch\('\/health'/);
      assert.match(html, /web--r7/);
      // No browser here: run the page's inline script against the live server with a one-element DOM.
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
      assert.ok(script);
      const status = { textContent: 'loading' };
      const pageFetch = (path: string, init?: RequestInit) => get(path, init);
      vm.runInNewContext(script, { fetch: pageFetch, String, document: { getElementById: (id: string) => (id === 'status' ? status : null) } });
      // A hang guard, not a latency budget: the page's one fetch takes milliseconds, a loaded machine may stretch it.
      const deadline = Date.now() + 10_000;
      while (status.textContent === 'loading' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(status.textContent, 'healthy');

      const missing = await get('/nope');
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { detail: 'Not Found' });
      const wrong = await get('/health', { method: 'POST' });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
      assert.deepEqual(await wrong.json(), { detail: 'Method Not Allowed' });
      const head = await get('/health', { method: 'HEAD' });
      assert.equal(head.status, 200);
    });
  });

  test('projects API requires the bearer token', async () => {
    await withSandbox({ token: 'sekrit-token' }, async ({ sb, get }) => {
      assert.equal(sb.token, 'sekrit-token');
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic c2Vrcml0LXRva2Vu' }, { authorization: 'Bearer sekrit-token-2' }]) {
        const res = await get('/api/v1/projects/', { headers });
        assert.equal(res.status, 401, JSON.stringify(headers));
        assert.equal(res.headers.get('www-authenticate'), 'Bearer');
        assert.deepEqual(await res.json(), { detail: 'Not authenticated' });
      }
      const ok = await get('/api/v1/projects/', { headers: { authorization: 'bearer sekrit-token' } });
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
      const upload = await get('/api/v1/documents/upload', { method: 'POST' });
      assert.equal(upload.status, 401);
      await upload.arrayBuffer();
    });
    const a = await startSandbox();
    const b = await startSandbox();
    try {
      assert.ok(a.token.length >= 32, 'generated token is long');
      assert.notEqual(a.token, b.token);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('pagination over active projects, with validation', async () => {
    await withSandbox({}, async ({ json }) => {
      for (let i = 0; i < 12; i++) assert.equal((await json('/api/v1/projects/', postJson(project(i)))).status, 201);
      const first = await json<{ items: unknown[]; total: number; page: number; page_size: number; has_next: boolean; has_prev: boolean }>(
        '/api/v1/projects/?page=1&page_size=10',
      );
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, 10);
      assert.deepEqual({ ...first.body, items: [] }, { items: [], total: 12, page: 1, page_size: 10, has_next: true, has_prev: false });
      const second = await json<{ items: unknown[]; has_next: boolean; has_prev: boolean }>('/api/v1/projects?page=2&page_size=10');
      assert.equal(second.body.items.length, 2);
      assert.equal(second.body.has_next, false);
      assert.equal(second.body.has_prev, true);
      const beyond = await json<{ items: unknown[] }>('/api/v1/projects/?page=9');
      assert.deepEqual(beyond.body.items, []);
      for (const query of ['page=0', 'page=-1', 'page=abc', 'page_size=0', 'page_size=101', 'page_size=1.5']) {
        const res = await json<{ detail: Array<{ loc: string[] }> }>(`/api/v1/projects/?${query}`);
        assert.equal(res.status, 422, query);
        assert.equal(res.body.detail[0]?.loc[0], 'query');
      }
      assert.equal((await json('/api/v1/projects/?page_size=100')).status, 200);
    });
  });

  test('project CRUD with soft delete and state counts', async () => {
    await withSandbox({}, async ({ sb, json, auth }) => {
      const created = await json<Record<string, unknown>>('/api/v1/projects/', postJson(project('crud')));
      assert.equal(created.status, 201);
      assert.match(String(created.body.id), UUID);
      assert.equal(created.body.status, 'ACTIVE');
      assert.match(String(created.body.created_at), ISO);
      assert.equal(created.body.project_number, 'SMOKE-crud');
      assert.equal(created.body.voltage_level, 345);
      const id = String(created.body.id);

      const missing = await json<{ detail: Array<{ loc: string[]; type: string }> }>(
        '/api/v1/projects/',
        postJson({ project_name: 'x', voltage_level: 'high' }),
      );
      assert.equal(missing.status, 422);
      assert.deepEqual(
        missing.body.detail.map((d) => d.loc[1]),
        ['project_number', 'voltage_level', 'line_miles', 'terrain_type'],
      );
      const garbage = await json<{ detail: unknown[] }>('/api/v1/projects/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{nope',
      });
      assert.equal(garbage.status, 422);
      const dup = await json<{ detail: string }>('/api/v1/projects/', postJson(project('crud')));
      assert.equal(dup.status, 409);
      assert.match(dup.body.detail, /SMOKE-crud/);

      const got = await json('/api/v1/projects/' + id);
      assert.deepEqual(got.body, created.body);
      assert.equal((await json('/api/v1/projects/00000000-0000-4000-8000-000000000000')).status, 404);
      assert.deepEqual(sb.state().projects, { active: 1, archived: 0 });

      const del = await auth(`/api/v1/projects/${id}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      assert.equal(await del.text(), '');
      const archived = await json('/api/v1/projects/' + id);
      assert.equal(archived.status, 200);
      assert.equal(archived.body.status, 'ARCHIVED');
      const list = await json<{ total: number; items: unknown[] }>('/api/v1/projects/');
      assert.equal(list.body.total, 0);
      assert.deepEqual(sb.state().projects, { active: 0, archived: 1 });
      assert.equal((await auth(`/api/v1/projects/${id}`, { method: 'DELETE' })).status, 204, 'archiving again is idempotent');
      assert.equal((await auth('/api/v1/projects/unknown', { method: 'DELETE' })).status, 404);
      assert.equal((await json('/api/v1/projects/', postJson(project('crud')))).status, 201, 'number reusable after archive');
    });
  });

  test('multipart document upload, read, hard delete', async () => {
    await withSandbox({}, async ({ sb, json, auth }) => {
      const p = await json<{ id: string }>('/api/v1/projects/', postJson(project('docs')));
      const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\n%%EOF\n';
      const form = (projectId: string | undefined, withFile = true): FormData => {
        const f = new FormData();
        if (withFile) f.append('file', new Blob([pdf], { type: 'application/pdf' }), 'smoke-test.pdf');
        if (projectId !== undefined) f.append('project_id', projectId);
        f.append('document_type', 'scope');
        return f;
      };
      const up = await json<Record<string, unknown>>('/api/v1/documents/upload', { method: 'POST', body: form(p.body.id) });
      assert.equal(up.status, 201);
      assert.match(String(up.body.id), UUID);
      assert.equal(up.body.project_id, p.body.id);
      assert.equal(up.body.document_type, 'scope');
      assert.equal(up.body.filename, 'smoke-test.pdf');
      assert.equal(up.body.content_type, 'application/pdf');
      assert.equal(up.body.size, Buffer.byteLength(pdf));
      assert.equal(up.body.blob_path, `projects/${p.body.id}/${String(up.body.id)}/smoke-test.pdf`);
      assert.equal(sb.state().documents, 1);

      const noFile = await json<{ detail: Array<{ loc: string[] }> }>('/api/v1/documents/upload', { method: 'POST', body: form(p.body.id, false) });
      assert.equal(noFile.status, 422);
      assert.deepEqual(
        noFile.body.detail.map((d) => d.loc[1]),
        ['file'],
      );
      assert.equal((await json('/api/v1/documents/upload', { method: 'POST', body: form('no-such-project') })).status, 404);
      assert.equal((await json('/api/v1/documents/upload', postJson({ file: 'x' }))).status, 422, 'not multipart');

      const doc = await json(`/api/v1/documents/${String(up.body.id)}`);
      assert.deepEqual(doc.body, up.body);
      assert.equal((await auth(`/api/v1/documents/${String(up.body.id)}`, { method: 'DELETE' })).status, 204);
      assert.equal((await json(`/api/v1/documents/${String(up.body.id)}`)).status, 404);
      assert.equal((await auth(`/api/v1/documents/${String(up.body.id)}`, { method: 'DELETE' })).status, 404);
      assert.equal(sb.state().documents, 0);

      await auth(`/api/v1/projects/${p.body.id}`, { method: 'DELETE' });
      assert.equal((await json('/api/v1/documents/upload', { method: 'POST', body: form(p.body.id) })).status, 404, 'archived project');

      const tooBig = await auth('/api/v1/documents/upload', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1),
      });
      assert.equal(tooBig.status, 413);
      await tooBig.arrayBuffer();
    });
  });

  test('wine-quality predict and tenant probe', async () => {
    await withSandbox({ revision: 'wine--r2' }, async ({ json, get }) => {
      const health = await json('/api/v1/prediction/health');
      assert.equal(health.body.status, 'healthy');
      assert.equal(health.body.model_loaded, true);
      assert.equal(typeof health.body.model_version, 'string');
      const a = await json<{ quality: number; confidence: number; model_version: string }>('/api/v1/prediction/predict', postJson(SAMPLE_WINE));
      assert.equal(a.status, 200);
      assert.ok(a.body.quality >= 0 && a.body.quality <= 10);
      assert.ok(Math.abs(a.body.quality - 5) < 0.5, `seed wine scores about 5, got ${a.body.quality}`);
      assert.ok(a.body.confidence > 0 && a.body.confidence <= 1);
      assert.equal(a.body.model_version, health.body.model_version);
      assert.deepEqual((await json('/api/v1/prediction/predict', postJson(SAMPLE_WINE))).body, a.body, 'deterministic');
      const { alcohol: _omit, ...missing } = SAMPLE_WINE;
      const m = await json<{ detail: Array<{ loc: string[]; type: string }> }>('/api/v1/prediction/predict', postJson(missing));
      assert.equal(m.status, 422);
      assert.deepEqual(
        m.body.detail.map((d) => [d.loc[1], d.type]),
        [['alcohol', 'missing']],
      );
      const s = await json<{ detail: Array<{ loc: string[]; type: string }> }>('/api/v1/prediction/predict', postJson({ ...SAMPLE_WINE, ph: 'acidic' }));
      assert.equal(s.status, 422);
      assert.deepEqual(
        s.body.detail.map((d) => [d.loc[1], d.type]),
        [['ph', 'float_type']],
      );

      const noTenant = await get('/tenant/health');
      assert.equal(noTenant.status, 400);
      assert.deepEqual(await noTenant.json(), { detail: 'X-Tenant-ID header required' });
      const t = await get('/tenant/health', { headers: { 'x-tenant-id': 'contoso' } });
      const body = (await t.json()) as Record<string, unknown>;
      assert.equal(t.status, 200);
      assert.equal(body.status, 'healthy');
      assert.equal(body.tenantId, 'contoso');
      assert.equal(body.revision, 'wine--r2');
    });
  });

  test('only loopback hosts are accepted', async () => {
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '192.168.1.10']) {
      await assert.rejects(
        startSandbox({ host }),
        (err: unknown) => err instanceof RevgateError && err.code === ErrorCodes.Usage && err.message.includes(host),
      );
    }
    await assert.rejects(startSandbox({ port: 70000 }), (err: unknown) => err instanceof RevgateError && err.code === ErrorCodes.Usage);
    await assert.rejects(startSandbox({ faults: ['latency=fast'] }), (err: unknown) => err instanceof RevgateError && /latency=fast/.test(err.message));
    const taken = await startSandbox();
    try {
      const port = Number(new URL(taken.url).port);
      await assert.rejects(
        startSandbox({ port }),
        (err: unknown) => err instanceof RevgateError && err.code === ErrorCodes.Usage && /EADDRINUSE/.test(err.message),
      );
    } finally {
      await taken.stop();
    }
    for (const host of ['localhost', '127.0.0.2']) {
      const sb = await startSandbox({ host });
      try {
        assert.match(sb.url, new RegExp(`^http://${host.replace(/\./g, '\\.')}:\\d+$`));
        assert.equal((await fetch(`${sb.url}/health/live`)).status, 200);
      } finally {
        await sb.stop();
      }
    }
  });

  test('the log sink gets one line per request and never the token or secret query values', async () => {
    const lines: string[] = [];
    await withSandbox({ token: 'do-not-log-me', log: (l) => lines.push(l) }, async ({ auth }) => {
      await (await auth('/api/v1/projects/?page=1&subscription-key=hunter2')).arrayBuffer();
    });
    const joined = lines.join('\n');
    assert.ok(!joined.includes('do-not-log-me'));
    assert.ok(!joined.includes('hunter2'));
    assert.match(joined, /GET \/api\/v1\/projects\/\?page=1&subscription-key=\[REDACTED\] 200/);
  });
});

describe('faults over the wire', () => {
  test('latency: fixed, scoped, range, and a seeded 50% rate', async () => {
    const lines: string[] = [];
    await withSandbox({ faults: ['latency=150,path=/health', 'latency=40-60,path=/health/db'], log: (l) => lines.push(l) }, async ({ get }) => {
      // Delays are checked from below: a busy machine can lengthen one, never shorten it.
      const slow = await timed(async () => (await get('/health')).status);
      assert.equal(slow.value, 200);
      assert.ok(slow.ms >= 145, `delayed ${slow.ms}`);
      assert.equal((await get('/health/live')).status, 200);
      const ranged = await timed(async () => (await get('/health/db')).status);
      // 40-60 ms drawn; the 1 s ceiling leaves a loaded machine room and still catches a range read as one
      // number (4060 ms) or in seconds.
      assert.ok(ranged.ms >= 38 && ranged.ms < 1000, `ranged ${ranged.ms}`);
    });
    // Which paths were delayed is read from the request log, so "not delayed" does not depend on timing.
    const delayed = (p: string): boolean[] => lines.filter((l) => l.includes(` GET ${p} `)).map((l) => l.includes('faults=latency'));
    assert.deepEqual([delayed('/health'), delayed('/health/live'), delayed('/health/db')], [[true], [false], [true]]);
    // Which requests were delayed is read from the request log, so the check does not depend on timing.
    const pattern = async (): Promise<boolean[]> => {
      const lines: string[] = [];
      await withSandbox({ seed: 1234, faults: ['latency=20,rate=0.5'], log: (l) => lines.push(l) }, async ({ get }) => {
        for (let i = 0; i < 12; i++) await (await get('/health')).arrayBuffer();
      });
      return lines.filter((l) => l.includes(' GET /health ')).map((l) => l.includes('faults=latency'));
    };
    const first = await pattern();
    assert.equal(first.length, 12);
    assert.ok(first.includes(true) && first.includes(false), `mixed: ${first.join(',')}`);
    assert.deepEqual(await pattern(), first, 'same seed, same requests delayed');
  });

  test('errors: all, chosen status, composed with latency, and the control API is never faulted', async () => {
    await withSandbox({ faults: ['errors=1,path=/health', 'errors=1,status=503,path=/health/db', 'latency=80,path=/health/db'] }, async ({ get }) => {
      const res = await get('/health');
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { detail: 'injected error' });
      const composed = await timed(() => get('/health/db'));
      assert.equal(composed.value.status, 503);
      assert.ok(composed.ms >= 75);
      await composed.value.arrayBuffer();
      assert.equal((await get('/health/live')).status, 200);
    });
    await withSandbox({ faults: ['errors'] }, async ({ get }) => {
      assert.equal((await get('/health/live')).status, 500);
      assert.equal((await get('/__sandbox/state')).status, 200);
    });
    await withSandbox({ seed: 99, faults: ['errors=0.3'] }, async ({ get, sb }) => {
      let failures = 0;
      for (let i = 0; i < 40; i++) if ((await get('/health/live')).status === 500) failures++;
      assert.ok(failures > 3 && failures < 25, `about 30% of 40, got ${failures}`);
      assert.equal(sb.state().requests.faulted, failures);
    });
  });

  test('down: 503 on one endpoint, or a reset connection', async () => {
    await withSandbox({ faults: ['down,path=/health/redis', 'down,path=/health/db,mode=reset'] }, async ({ get }) => {
      const down = await get('/health/redis');
      assert.equal(down.status, 503);
      await down.arrayBuffer();
      assert.equal((await get('/health')).status, 200);
      await assert.rejects(get('/health/db'), (err: Error) => err.name === 'TypeError' && err.cause instanceof Error);
      assert.equal((await get('/health/live')).status, 200, 'the next connection works');
    });
  });

  test('wrong-body and login-page keep a 200 but change the content', async () => {
    await withSandbox({ faults: ['wrong-body,path=/health*', 'wrong-body,path=/metrics', 'login-page,path=/api/v1/projects*'] }, async ({ get, auth }) => {
      const health = await get('/health');
      assert.equal(health.status, 200);
      assert.equal(health.headers.get('content-type'), 'application/json');
      assert.deepEqual(await health.json(), { unexpected: true });
      const metrics = await get('/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await metrics.text();
      assert.throws(() => assertPrometheusText(text), /not a valid sample line/);
      const login = await auth('/api/v1/projects/');
      assert.equal(login.status, 200);
      assert.match(login.headers.get('content-type') ?? '', /^text\/html/);
      const html = await login.text();
      assert.match(html, /<form/);
      assert.match(html, /type="password"/);
      assert.match(html, /Sign in/);
    });
  });

  test('ready-fail and slow-start', async () => {
    await withSandbox({ faults: ['ready-fail'] }, async ({ get }) => {
      const res = await get('/health/ready');
      assert.equal(res.status, 503);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.status, 'not_ready');
      assert.equal(body.ready, false);
      assert.deepEqual(body.checks, { database: 'unhealthy', blob_storage: 'healthy', redis: 'healthy' });
      assert.equal((await get('/health')).status, 200);
    });
    // 2 s of start-up: far longer than a loaded machine takes between starting the sandbox and asking it.
    const startedBefore = performance.now();
    await withSandbox({ faults: ['slow-start=2000'] }, async ({ get }) => {
      const starting = await get('/health');
      assert.equal(starting.status, 503);
      assert.deepEqual(await starting.json(), { status: 'starting' });
      assert.ok(['1', '2'].includes(starting.headers.get('retry-after') ?? ''), 'the seconds left of its 2 s, rounded up');
      assert.equal((await get('/health/live')).status, 200);
      assert.equal((await get('/api/v1/prediction/health')).status, 503);
      assert.equal((await get('/__sandbox/state')).status, 200);
      // Ask until it serves: never before its 2 s have passed (a bound a busy machine cannot break), and
      // within 15 s (a hang guard).
      let ready = false;
      while (!ready && performance.now() - startedBefore < 15_000) {
        await new Promise((r) => setTimeout(r, 100));
        const res = await get('/health');
        await res.arrayBuffer();
        ready = res.status === 200;
      }
      const servedAfter = performance.now() - startedBefore;
      assert.ok(ready, 'serves once started');
      assert.ok(servedAfter >= 2000, `served after ${Math.round(servedAfter)} ms, before its 2 s start-up`);
    });
  });

  test('redirect-loop and huge-body', async () => {
    await withSandbox({ faults: ['redirect-loop,path=/health', 'huge-body,path=/health/db,mb=2'] }, async ({ get }) => {
      const first = await get('/health?x=1', { redirect: 'manual' });
      assert.equal(first.status, 302);
      assert.equal(first.headers.get('location'), '/health?x=1');
      await assert.rejects(get('/health'), /fetch failed/);
      const huge = await get('/health/db');
      assert.equal(huge.status, 200);
      assert.equal(huge.headers.get('content-type'), 'application/json');
      assert.equal(huge.headers.get('content-length'), null, 'streamed, size unknown up front');
      const bytes = Buffer.from(await huge.arrayBuffer());
      assert.equal(bytes.length, 2 * 1024 * 1024);
      assert.equal((JSON.parse(bytes.toString()) as { padding: string }).padding.length, 2 * 1024 * 1024 - 14);
    });
  });

  test('tls-expiry serves a CA-verified certificate that expires in DAYS days', async () => {
    await withSandbox({ faults: ['tls-expiry=3'] }, async ({ sb, get }) => {
      assert.match(sb.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(sb.caPem?.includes('BEGIN CERTIFICATE'));
      const port = Number(new URL(sb.url).port);
      const socket = tls.connect({ host: '127.0.0.1', port, ca: sb.caPem, servername: 'localhost' });
      try {
        await once(socket, 'secureConnect');
        assert.equal(socket.authorized, true);
        const validTo = Date.parse(socket.getPeerCertificate().valid_to);
        const expected = Date.now() + 3 * 86_400_000;
        assert.ok(Math.abs(validTo - expected) < 3_600_000, `valid_to ${new Date(validTo).toISOString()} is ~3 days ahead`);
      } finally {
        socket.destroy();
      }
      assert.equal((await get('/health')).status, 200, 'https fetch with the CA');
      assert.deepEqual(sb.faults(), [{ kind: 'tls-expiry', days: 3 }]);
      sb.clearFaults();
      assert.deepEqual(sb.faults(), [{ kind: 'tls-expiry', days: 3 }], 'the certificate does not change at run time');
      assert.throws(() => sb.setFaults(['tls-expiry=9']), /fixed when the sandbox starts/);
    });
    await withSandbox({ faults: ['tls-expiry=-1'] }, async ({ sb }) => {
      const port = Number(new URL(sb.url).port);
      const socket = tls.connect({ host: '127.0.0.1', port, ca: sb.caPem });
      const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
      socket.destroy();
      assert.equal(err.code, 'CERT_HAS_EXPIRED');
    });
    await withSandbox({ tls: true }, async ({ sb }) => {
      const port = Number(new URL(sb.url).port);
      const untrusted = tls.connect({ host: '127.0.0.1', port });
      const [err] = (await once(untrusted, 'error')) as [NodeJS.ErrnoException];
      untrusted.destroy();
      assert.match(String(err.code), /UNABLE_TO_VERIFY|SELF_SIGNED/, 'not trusted without the sandbox CA');
    });
  });
});

describe('control API and lifecycle', () => {
  test('faults can be read, replaced, rejected and cleared at run time', async () => {
    await withSandbox({ faults: ['latency=1'] }, async ({ sb, get }) => {
      const read = await get('/__sandbox/faults');
      assert.deepEqual(await read.json(), { faults: [{ kind: 'latency', ms: 1 }] });

      const put = await get('/__sandbox/faults', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: ['errors=1,path=/health', { kind: 'ready-fail' }] }),
      });
      assert.equal(put.status, 200);
      assert.deepEqual(await put.json(), { faults: [{ kind: 'errors', rate: 1, path: '/health' }, { kind: 'ready-fail' }] });
      assert.equal((await get('/health')).status, 500);
      assert.equal((await get('/health/ready')).status, 503);

      const bad = await get('/__sandbox/faults', { method: 'PUT', body: JSON.stringify({ faults: ['teleport=5'] }) });
      assert.equal(bad.status, 400);
      const badBody = (await bad.json()) as { detail: string; code: string };
      assert.match(badBody.detail, /unknown fault kind "teleport"/);
      assert.match(badBody.detail, /valid fault kinds: latency, errors/);
      assert.equal(badBody.code, ErrorCodes.Usage);
      assert.equal(sb.faults().length, 2, 'a rejected PUT changes nothing');
      assert.equal((await get('/__sandbox/faults', { method: 'PUT', body: '[]' })).status, 400);
      const tlsAtRunTime = await get('/__sandbox/faults', { method: 'PUT', body: JSON.stringify({ faults: ['tls-expiry=3'] }) });
      assert.equal(tlsAtRunTime.status, 400);
      await tlsAtRunTime.arrayBuffer();

      const cleared = await get('/__sandbox/faults', { method: 'DELETE' });
      assert.deepEqual(await cleared.json(), { faults: [] });
      assert.equal((await get('/health')).status, 200);

      sb.setFaults(['down,path=/health']);
      assert.equal((await get('/health')).status, 503);
      sb.clearFaults();
      assert.deepEqual(sb.faults(), []);
      assert.equal((await get('/__sandbox/nope')).status, 404);
      assert.equal((await get('/__sandbox/state', { method: 'POST' })).status, 405);
    });
  });

  test('state counts requests and reset clears data', async () => {
    await withSandbox({ revision: 'apex--r9', version: '3.0.0' }, async ({ json, get }) => {
      await json('/api/v1/projects/', postJson(project('s1')));
      const p2 = await json<{ id: string }>('/api/v1/projects/', postJson(project('s2')));
      await get(`/api/v1/projects/${p2.body.id}`, { method: 'DELETE', headers: { authorization: 'Bearer wrong' } });
      const state = (await (await get('/__sandbox/state')).json()) as Record<string, unknown>;
      assert.equal(state.revision, 'apex--r9');
      assert.equal(state.version, '3.0.0');
      assert.deepEqual(state.projects, { active: 2, archived: 0 });
      assert.deepEqual(state.requests, { total: 3, faulted: 0, byStatus: { '201': 2, '401': 1 } });
      const reset = await get('/__sandbox/reset', { method: 'POST' });
      const after = (await reset.json()) as Record<string, unknown>;
      assert.deepEqual(after.projects, { active: 0, archived: 0 });
      assert.equal(after.documents, 0);
      const list = await json<{ total: number }>('/api/v1/projects/');
      assert.equal(list.body.total, 0);
    });
  });

  test('stop() returns promptly with a hung request and idle keep-alive sockets', async () => {
    const sb = await startSandbox({ faults: ['latency=60000,path=/health'] });
    const agent = new Agent();
    try {
      await (await fetch(`${sb.url}/health/live`, { dispatcher: agent })).arrayBuffer(); // leaves an idle keep-alive socket
      const hung = fetch(`${sb.url}/health`, { dispatcher: agent }).then(
        () => 'answered',
        () => 'failed',
      );
      const deadline = Date.now() + 10_000; // a hang guard: the request arrives within milliseconds
      while (sb.state().requests.total < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(sb.state().requests.total, 2, 'the hung request reached the app');
      const stopped = await timed(() => sb.stop());
      // Waiting for the hung request would take 60 s, and for the idle socket's keep-alive timeout 5 s; closing
      // both sockets takes milliseconds, which a loaded machine may stretch but not to seconds.
      assert.ok(stopped.ms < 4000, `stop took ${stopped.ms} ms`);
      assert.equal(await hung, 'failed');
      await assert.rejects(fetch(`${sb.url}/health/live`, { dispatcher: agent }));
      await sb.stop(); // idempotent
    } finally {
      await agent.close();
    }
  });
});
