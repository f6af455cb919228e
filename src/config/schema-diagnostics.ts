import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../core/errors.js';
import { childPath } from './env.js';

// ajv and ajv-formats are CommonJS; createRequire keeps their default exports callable under NodeNext.
const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

/** Compiles a JSON Schema (draft-07) with every error collected, for config-like documents. */
export function compileDocumentSchema(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Turns ajv errors into one readable diagnostic per problem, located by JSON path. */
export function toDiagnostics(errors: readonly ErrorObject[] | null | undefined): Diagnostic[] {
  if (!errors?.length) return [];
  // A failed oneOf reports every branch's complaints; keep the oneOf summary and drop the branch noise.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && oneOfPaths.has(e.instancePath)) continue;
    const d = toDiagnostic(e);
    const key = `${d.path}\u0000${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(e: ErrorObject): Diagnostic {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(prop, allowed);
      return { path: childPath(path, prop), message: `unknown property "${prop}"${hint ? ` (did you mean "${hint}"?)` : ''}` };
    }
    case 'required':
      return { path: childPath(path, String(p.missingProperty)), message: 'is required' };
    case 'enum':
      return { path, message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}` };
    case 'oneOf': {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      return { path, message: description ? `invalid value: ${description}` : 'does not match any allowed form' };
    }
    case 'propertyNames':
      return { path, message: `has an invalid property name "${String(p.propertyName)}"` };
    default:
      return { path, message: e.message ?? `failed ${e.keyword}` };
  }
}

/** `/checks/3/expect/status` -> `$.checks[3].expect.status` */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '$';
  let path = '$';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(seg) ? `${path}[${seg}]` : childPath(path, seg);
  }
  return path;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
