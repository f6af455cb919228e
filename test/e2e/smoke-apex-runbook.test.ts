/**
 * Issue 12: examples/apex-backend.json is the APEX runbook's smoke procedure (seed 002, "Smoke Tests"),
 * no more. A service written from the runbook alone (below: only what the runbook's curl commands show)
 * passes it, and each failure the runbook names (health, readiness, authentication, project CRUD,
 * document upload) fails it, naming the check.
 */
import { randomUUID } from 'node:crypto';
import { describeRunbookExample, type RunbookService } from '../helpers/runbook.js';

type Fault = 'live' | 'ready' | 'auth' | 'crud' | 'upload';
const TOKEN = 'apex-runbook-token-0123456789abcdef';

/** The APEX backend as the runbook describes it: nothing more (no /health, /health/db, /metrics; upload answers {id}). */
const apexService: RunbookService<Fault> = (faults) => {
  const projects = new Map<string, Record<string, unknown>>();
  const documents = new Map<string, Record<string, unknown>>();
  return ({ req, url, body, json }) => {
    if (url.pathname === '/health/live')
      return faults.has('live') ? json(503, { status: 'dead' }) : json(200, { status: 'alive', timestamp: new Date().toISOString() });
    if (url.pathname === '/health/ready') {
      const ready = !faults.has('ready');
      return json(ready ? 200 : 503, {
        status: ready ? 'ready' : 'not_ready',
        checks: { database: ready ? 'healthy' : 'unhealthy', blob_storage: 'healthy' },
        timestamp: new Date().toISOString(),
      });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}` || faults.has('auth')) return json(401, { detail: 'Not authenticated' });
    const project = /^\/api\/v1\/projects\/([^/]+)$/.exec(url.pathname);
    const document = /^\/api\/v1\/documents\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === '/api/v1/projects/' && req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const pageSize = Number(url.searchParams.get('page_size') ?? 10);
      return json(200, { items: [...projects.values()].slice(0, pageSize), total: projects.size, page, page_size: pageSize, has_next: false, has_prev: false });
    }
    if (url.pathname === '/api/v1/projects/' && req.method === 'POST') {
      if (faults.has('crud')) return json(500, { detail: 'database error' });
      const id = randomUUID();
      projects.set(id, { id, ...(JSON.parse(body) as object) });
      return json(201, projects.get(id));
    }
    if (project && req.method === 'GET')
      return projects.has(project[1] as string) ? json(200, projects.get(project[1] as string)) : json(404, { detail: 'not found' });
    if (project && req.method === 'DELETE') return json(projects.delete(project[1] as string) ? 200 : 404, {});
    if (url.pathname === '/api/v1/documents/upload' && req.method === 'POST') {
      if (faults.has('upload')) return json(500, { detail: 'blob storage unavailable' });
      const id = randomUUID();
      documents.set(id, { id, blob_path: `documents/${id}.pdf` });
      return json(201, { id });
    }
    if (document && req.method === 'GET')
      return documents.has(document[1] as string) ? json(200, documents.get(document[1] as string)) : json(404, { detail: 'not found' });
    if (document && req.method === 'DELETE') return json(documents.delete(document[1] as string) ? 200 : 404, {});
    return json(404, { detail: 'Not Found' });
  };
};

describeRunbookExample<Fault>({
  example: 'apex-backend',
  runbook: 'the APEX runbook (seed 002, Smoke Tests)',
  service: apexService,
  env: { REVGATE_TOKEN: TOKEN },
  blocking: ['health-live', 'health-ready', 'projects-list', 'project-crud', 'document-upload'],
  failures: [
    { faults: ['live'], fails: [['health-live', /got 503/]] },
    { faults: ['ready'], fails: [['health-ready', /got 503/]] },
    { faults: ['auth'], fails: [['projects-list', /got 401/]] },
    { faults: ['crud'], fails: [['project-crud', /^step "create project": expected status 2xx, got 500/]] },
    { faults: ['upload'], fails: [['document-upload', /^step "upload PDF": expected status 2xx, got 500/]] },
  ],
});
