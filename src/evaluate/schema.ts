import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { show, truncate } from './text.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsModule.default;

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; message: string };

// Keyed by the schema object itself: no global registry to reset, and entries die with the config.
const compiled = new WeakMap<object, Compiled>();

const MAX_LISTED = 5;

function newAjv(schema: Record<string, unknown>): Ajv | Ajv2019 | Ajv2020 {
  // One instance per schema: two configs may reuse an `$id`, which a shared instance rejects.
  const options = { allErrors: true, strict: false, logger: false as const };
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : dialect.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}

function compile(schema: Record<string, unknown>): Compiled {
  let entry = compiled.get(schema);
  if (!entry) {
    try {
      entry = { ok: true, validate: newAjv(schema).compile(schema) };
    } catch (err) {
      entry = { ok: false, message: truncate((err as Error).message, 300) };
    }
    compiled.set(schema, entry);
  }
  return entry;
}

/** For the config loader: `undefined` when the schema compiles, otherwise why it does not. */
export function validateSchemaDefinition(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'the schema must be a JSON object';
  const entry = compile(schema as Record<string, unknown>);
  return entry.ok ? undefined : `invalid JSON Schema: ${entry.message}`;
}

/** `/items/0/id: must be string`, with the offending property or allowed values when ajv knows them. */
export function formatSchemaError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  const params = e.params as Record<string, unknown>;
  let extra = '';
  if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    extra = ` (${JSON.stringify(params.additionalProperty)})`;
  } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    extra = ` (${show(params.allowedValues, 80)})`;
  } else if (e.keyword === 'const' && 'allowedValue' in params) {
    extra = ` (${show(params.allowedValue, 80)})`;
  }
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

export type SchemaOutcome = { valid: true } | { valid: false; errors: string[]; errorCount: number } | { valid: 'error'; message: string };

/** Validate a parsed body. `valid: 'error'` means the schema itself is unusable (could not evaluate). */
export function checkSchema(value: unknown, schema: Record<string, unknown>): SchemaOutcome {
  const problem = validateSchemaDefinition(schema);
  if (problem) return { valid: 'error', message: problem };
  const entry = compiled.get(schema) as Compiled & { ok: true };
  try {
    if (entry.validate(value)) return { valid: true };
  } catch (err) {
    return { valid: 'error', message: `schema validation failed to run: ${truncate((err as Error).message, 200)}` };
  }
  const errors = entry.validate.errors ?? [];
  return { valid: false, errors: errors.slice(0, MAX_LISTED).map(formatSchemaError), errorCount: errors.length };
}
