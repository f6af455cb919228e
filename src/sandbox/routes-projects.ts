/** The authenticated APEX-style API (seed 002): projects with soft delete, documents with multipart upload. */
import { createHash } from 'node:crypto';
import type { Route } from './router.js';
import type { RevisionStore, ValidationItem } from './store.js';
import { validateNewProject } from './store.js';
import { parseJson, readBody, sendJson, sendNoContent } from './http-util.js';

const MAX_PAGE_SIZE = 100;

function parsePositiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function paginationErrors(url: URL): { page: number; pageSize: number } | { errors: ValidationItem[] } {
  const errors: ValidationItem[] = [];
  const page = parsePositiveInt(url.searchParams.get('page'), 1);
  const pageSize = parsePositiveInt(url.searchParams.get('page_size'), 10);
  if (page === undefined) errors.push({ loc: ['query', 'page'], msg: 'Input should be a valid integer', type: 'int_parsing' });
  else if (page < 1) errors.push({ loc: ['query', 'page'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' });
  if (pageSize === undefined) errors.push({ loc: ['query', 'page_size'], msg: 'Input should be a valid integer', type: 'int_parsing' });
  else if (pageSize < 1) errors.push({ loc: ['query', 'page_size'], msg: 'Input should be greater than or equal to 1', type: 'greater_than_equal' });
  else if (pageSize > MAX_PAGE_SIZE) {
    errors.push({ loc: ['query', 'page_size'], msg: `Input should be less than or equal to ${MAX_PAGE_SIZE}`, type: 'less_than_equal' });
  }
  if (errors.length > 0 || page === undefined || pageSize === undefined) return { errors };
  return { page, pageSize };
}

function formText(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function projectRoutes(store: RevisionStore): Route[] {
  return [
    {
      method: 'GET',
      paths: ['/api/v1/projects/', '/api/v1/projects'],
      auth: true,
      handle: ({ res, url }) => {
        const paging = paginationErrors(url);
        if ('errors' in paging) {
          sendJson(res, 422, { detail: paging.errors });
          return;
        }
        const active = store.activeProjects();
        const start = (paging.page - 1) * paging.pageSize;
        sendJson(res, 200, {
          items: active.slice(start, start + paging.pageSize),
          total: active.length,
          page: paging.page,
          page_size: paging.pageSize,
          has_next: start + paging.pageSize < active.length,
          has_prev: paging.page > 1,
        });
      },
    },
    {
      method: 'POST',
      paths: ['/api/v1/projects/', '/api/v1/projects'],
      auth: true,
      handle: async ({ req, res }) => {
        const parsed = parseJson(await readBody(req));
        if (!parsed.ok) {
          sendJson(res, 422, { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] });
          return;
        }
        const checked = validateNewProject(parsed.value);
        if ('errors' in checked) {
          sendJson(res, 422, { detail: checked.errors });
          return;
        }
        const project = store.createProject(checked.project);
        if (!project) {
          sendJson(res, 409, { detail: `Project with project_number '${checked.project.project_number}' already exists` });
          return;
        }
        sendJson(res, 201, project, { location: `/api/v1/projects/${project.id}` });
      },
    },
    {
      method: 'GET',
      paths: ['/api/v1/projects/:id'],
      auth: true,
      handle: ({ res, params }) => {
        const project = store.getProject(params.id ?? '');
        if (project) sendJson(res, 200, project);
        else sendJson(res, 404, { detail: 'Project not found' });
      },
    },
    {
      method: 'DELETE',
      paths: ['/api/v1/projects/:id'],
      auth: true,
      handle: ({ res, params }) => {
        if (store.archiveProject(params.id ?? '')) sendNoContent(res);
        else sendJson(res, 404, { detail: 'Project not found' });
      },
    },
    {
      method: 'POST',
      paths: ['/api/v1/documents/upload'],
      auth: true,
      handle: async ({ req, res }) => {
        const contentType = req.headers['content-type'] ?? '';
        if (!/^multipart\/form-data\b/i.test(contentType)) {
          sendJson(res, 422, { detail: [{ loc: ['body'], msg: 'Expected multipart/form-data', type: 'value_error' }] });
          return;
        }
        const body = await readBody(req);
        let form: FormData;
        try {
          form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
        } catch {
          sendJson(res, 422, { detail: [{ loc: ['body'], msg: 'Malformed multipart body', type: 'value_error' }] });
          return;
        }
        const file = form.get('file');
        const projectId = formText(form, 'project_id');
        const documentType = formText(form, 'document_type');
        const errors: ValidationItem[] = [];
        if (!(file instanceof Blob)) errors.push({ loc: ['body', 'file'], msg: 'Field required', type: 'missing' });
        if (!projectId) errors.push({ loc: ['body', 'project_id'], msg: 'Field required', type: 'missing' });
        if (!documentType) errors.push({ loc: ['body', 'document_type'], msg: 'Field required', type: 'missing' });
        if (errors.length > 0 || !(file instanceof Blob) || !projectId || !documentType) {
          sendJson(res, 422, { detail: errors });
          return;
        }
        const project = store.getProject(projectId);
        if (!project || project.status !== 'ACTIVE') {
          sendJson(res, 404, { detail: 'Project not found' });
          return;
        }
        const bytes = Buffer.from(await file.arrayBuffer());
        const doc = store.addDocument({
          project_id: projectId,
          document_type: documentType,
          filename: 'name' in file && typeof file.name === 'string' && file.name ? file.name : 'upload.bin',
          content_type: file.type || 'application/octet-stream',
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
        sendJson(res, 201, doc, { location: `/api/v1/documents/${doc.id}` });
      },
    },
    {
      method: 'GET',
      paths: ['/api/v1/documents/:id'],
      auth: true,
      handle: ({ res, params }) => {
        const doc = store.getDocument(params.id ?? '');
        if (doc) sendJson(res, 200, doc);
        else sendJson(res, 404, { detail: 'Document not found' });
      },
    },
    {
      method: 'DELETE',
      paths: ['/api/v1/documents/:id'],
      auth: true,
      handle: ({ res, params }) => {
        if (store.deleteDocument(params.id ?? '')) sendNoContent(res);
        else sendJson(res, 404, { detail: 'Document not found' });
      },
    },
  ];
}
