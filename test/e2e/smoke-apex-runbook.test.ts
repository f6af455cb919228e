/**
 * Issue 12: examples/apex-backend.json is the APEX runbook's smoke procedure (seed 002, "Smoke Tests"),
 * no more. A service written from the runbook alone (below: only what the runbook's curl commands show)
 * passes it, and each failure the runbook names (health, readiness, authentication, project CRUD,
 * document upload) fails it, naming the check.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readVerdict, runCli } from '../helpers/cli.js';

type Fault = 'none' | 'live' | 'ready' | 'auth' | 'crud' | 'upload';
const TOKEN = 'apex-runbook-token-0123456789abcdef';

/** The APEX backend as the runbook describes it: nothing more (no /health, /health/db, /metrics; upload answers {id}). */
function apexService(fault: () => Fault): http.Server {
  const projects = new Map<string, Record<string, unknown>>();
  const documents = new Map<string, Record<string, unknown>>();
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://apex');
      const f = fault();
      if (url.pathname === '/health/live')
        return f === 'live' ? json(res, 503, { status: 'dead' }) : json(res, 200, { status: 'alive', timestamp: new Date().toISOString() });
      if (url.pathname === '/health/ready') {
        const database = f === 'ready' ? 'unhealthy' : 'healthy';
        return json(res, f === 'ready' ? 503 : 200, {
          status: f === 'ready' ? 'not_ready' : 'ready',
          checks: { database, blob_storage: 'healthy' },
          timestamp: new Date().toISOString(),
        });
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}` || f === 'auth') return json(res, 401, { detail: 'Not authenticated' });
      const project = /^\/api\/v1\/projects\/([^/]+)$/.exec(url.pathname);
      const document = /^\/api\/v1\/documents\/([^/]+)$/.exec(url.pathname);
      if (url.pathname === '/api/v1/projects/' && req.method === 'GET') {
        const page = Number(url.searchParams.get('page') ?? 1);
        const pageSize = Number(url.searchParams.get('page_size') ?? 10);
        return json(res, 200, {
          items: [...projects.values()].slice(0, pageSize),
          total: projects.size,
          page,
          page_size: pageSize,
          has_next: false,
          has_prev: false,
        });
      }
      if (url.pathname === '/api/v1/projects/' && req.method === 'POST') {
        if (f === 'crud') return json(res, 500, { detail: 'database error' });
        const id = randomUUID();
        projects.set(id, { id, ...(JSON.parse(Buffer.concat(chunks).toString()) as object) });
        return json(res, 201, projects.get(id));
      }
      if (project && req.method === 'GET')
        return projects.has(project[1] as string) ? json(res, 200, projects.get(project[1] as string)) : json(res, 404, { detail: 'not found' });
      if (project && req.method === 'DELETE') return json(res, projects.delete(project[1] as string) ? 200 : 404, {});
      if (url.pathname === '/api/v1/documents/upload' && req.method === 'POST') {
        if (f === 'upload') return json(res, 500, { detail: 'blob storage unavailable' });
        const id = randomUUID();
        documents.set(id, { id, blob_path: `documents/${id}.pdf` });
        return json(res, 201, { id });
      }
      if (document && req.method === 'GET')
        return documents.has(document[1] as string) ? json(res, 200, documents.get(document[1] as string)) : json(res, 404, { detail: 'not found' });
      if (document && req.method === 'DELETE') return json(res, documents.delete(document[1] as string) ? 200 : 404, {});
      return json(res, 404, { detail: 'Not Found' });
    });
  });
}

describe('examples/apex-backend.json against a service built from the runbook alone', { concurrency: true }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-apex-'));
  const servers = new Map<Fault, string>();
  const started: http.Server[] = [];
  before(async () => {
    for (const f of ['none', 'live', 'ready', 'auth', 'crud', 'upload'] as const) {
      const s = apexService(() => f);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      started.push(s);
      servers.set(f, `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    }
  });
  after(async () => {
    await Promise.all(started.map((s) => new Promise<void>((r) => s.close(() => r()))));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (f: Fault) =>
    runCli(['smoke', '--config', 'examples/apex-backend.json', '--base-url', servers.get(f) as string, '--out', path.join(dir, f)], {
      env: { REVGATE_TOKEN: TOKEN },
      timeoutMs: 120_000,
    });

  it('a runbook-conforming revision passes', async () => {
    const r = await run('none');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = readVerdict(path.join(dir, 'none'));
    assert.deepEqual(
      v.checks.filter((c) => c.blocking).map((c) => [c.id, c.status === 'degraded' ? 'passed' : c.status]),
      [
        ['health-live', 'passed'],
        ['health-ready', 'passed'],
        ['projects-list', 'passed'],
        ['project-crud', 'passed'],
        ['document-upload', 'passed'],
      ],
    );
  });

  const named: Array<[Fault, string]> = [
    ['live', 'health-live'],
    ['ready', 'health-ready'],
    ['auth', 'projects-list'],
    ['crud', 'project-crud'],
    ['upload', 'document-upload'],
  ];
  for (const [f, id] of named) {
    it(`the runbook's "${f}" failure rolls back, naming ${id}`, async () => {
      const r = await run(f);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = readVerdict(path.join(dir, f));
      assert.equal(v.checks.find((c) => c.id === id)?.status, 'failed', JSON.stringify(v.checks.map((c) => [c.id, c.status])));
      assert.match(v.summary, new RegExp(`^FAIL: .*${id}`));
    });
  }
});
