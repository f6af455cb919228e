import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileDocumentSchema } from '../../src/config/schema-diagnostics.js';
import type { CheckResult, CheckStatus } from '../../src/verdict/types.js';
import { ROOT } from './cli.js';

export function check(id: string, status: CheckStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return { id, title: `${id} title`, status, blocking: true, durationMs: 12, attempts: 1, ...extra };
}

const validator = compileDocumentSchema(JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'verdict.schema.json'), 'utf8')) as object);

/** Validates against schemas/verdict.schema.json; returns the errors as text ('' when valid). */
export function verdictSchemaErrors(value: unknown): string {
  return validator(value) ? '' : JSON.stringify(validator.errors);
}
