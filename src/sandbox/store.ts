/**
 * In-memory data of one revision: projects (soft-deleted) and documents (hard-deleted), with
 * FastAPI-shaped validation errors so smoke suites see the same 422 bodies as against the seed app.
 */
import { randomUUID } from 'node:crypto';

export interface Project {
  id: string;
  project_number: string;
  project_name: string;
  voltage_level: number;
  line_miles: number;
  terrain_type: string;
  status: 'ACTIVE' | 'ARCHIVED';
  created_at: string;
  updated_at: string;
}

export interface DocumentRecord {
  id: string;
  project_id: string;
  document_type: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_path: string;
  uploaded_at: string;
}

/** One FastAPI/pydantic validation error item. */
export interface ValidationItem {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

export type NewProject = Pick<Project, 'project_number' | 'project_name' | 'voltage_level' | 'line_miles' | 'terrain_type'>;

function checkString(body: Record<string, unknown>, field: string, max: number, errors: ValidationItem[]): void {
  const value = body[field];
  if (value === undefined || value === null) errors.push({ loc: ['body', field], msg: 'Field required', type: 'missing' });
  else if (typeof value !== 'string') errors.push({ loc: ['body', field], msg: 'Input should be a valid string', type: 'string_type' });
  else if (value.trim() === '') errors.push({ loc: ['body', field], msg: 'String should have at least 1 character', type: 'string_too_short' });
  else if (value.length > max) errors.push({ loc: ['body', field], msg: `String should have at most ${max} characters`, type: 'string_too_long' });
}

function checkNumber(body: Record<string, unknown>, field: string, positive: boolean, errors: ValidationItem[]): void {
  const value = body[field];
  if (value === undefined || value === null) errors.push({ loc: ['body', field], msg: 'Field required', type: 'missing' });
  else if (typeof value !== 'number' || !Number.isFinite(value))
    errors.push({ loc: ['body', field], msg: 'Input should be a valid number', type: 'float_type' });
  else if (positive ? value <= 0 : value < 0) {
    errors.push({
      loc: ['body', field],
      msg: `Input should be greater than ${positive ? '' : 'or equal to '}0`,
      type: positive ? 'greater_than' : 'greater_than_equal',
    });
  }
}

/** Validates a create-project body, collecting every problem. */
export function validateNewProject(body: unknown): { project: NewProject } | { errors: ValidationItem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: [{ loc: ['body'], msg: 'Input should be a valid dictionary or object', type: 'model_attributes_type' }] };
  }
  const record = body as Record<string, unknown>;
  const errors: ValidationItem[] = [];
  checkString(record, 'project_number', 50, errors);
  checkString(record, 'project_name', 200, errors);
  checkNumber(record, 'voltage_level', true, errors);
  checkNumber(record, 'line_miles', true, errors);
  checkString(record, 'terrain_type', 50, errors);
  if (errors.length > 0) return { errors };
  return {
    project: {
      project_number: record.project_number as string,
      project_name: record.project_name as string,
      voltage_level: record.voltage_level as number,
      line_miles: record.line_miles as number,
      terrain_type: record.terrain_type as string,
    },
  };
}

export class RevisionStore {
  private readonly projects = new Map<string, Project>();
  private readonly documents = new Map<string, DocumentRecord>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  activeProjects(): Project[] {
    return [...this.projects.values()].filter((p) => p.status === 'ACTIVE');
  }

  /** undefined when a different active project already uses the number. */
  createProject(input: NewProject): Project | undefined {
    if (this.activeProjects().some((p) => p.project_number === input.project_number)) return undefined;
    const at = this.now().toISOString();
    const project: Project = { id: randomUUID(), ...input, status: 'ACTIVE', created_at: at, updated_at: at };
    this.projects.set(project.id, project);
    return project;
  }

  getProject(id: string): Project | undefined {
    return this.projects.get(id);
  }

  /** Soft delete: the row stays, ARCHIVED, out of listings and counts. Idempotent. */
  archiveProject(id: string): boolean {
    const project = this.projects.get(id);
    if (!project) return false;
    if (project.status !== 'ARCHIVED') {
      project.status = 'ARCHIVED';
      project.updated_at = this.now().toISOString();
    }
    return true;
  }

  addDocument(doc: Omit<DocumentRecord, 'id' | 'blob_path' | 'uploaded_at'>): DocumentRecord {
    const id = randomUUID();
    const safeName = doc.filename.replace(/[^\w.-]+/g, '_') || 'upload.bin';
    const record: DocumentRecord = {
      id,
      ...doc,
      blob_path: `projects/${doc.project_id}/${id}/${safeName}`,
      uploaded_at: this.now().toISOString(),
    };
    this.documents.set(id, record);
    return record;
  }

  getDocument(id: string): DocumentRecord | undefined {
    return this.documents.get(id);
  }

  deleteDocument(id: string): boolean {
    return this.documents.delete(id);
  }

  counts(): { projects: { active: number; archived: number }; documents: number } {
    const active = this.activeProjects().length;
    return { projects: { active, archived: this.projects.size - active }, documents: this.documents.size };
  }

  clear(): void {
    this.projects.clear();
    this.documents.clear();
  }
}
