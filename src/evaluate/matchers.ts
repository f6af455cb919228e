import type { JsonMatcher } from './types.js';
import { describeType, jsonTypeOf, show } from './text.js';

/**
 * JSON value matchers. A literal means deep equality; an object whose keys all start with `$`
 * is a predicate and every operator in it must hold:
 *
 *   200                         "ok"                       { "$gte": 1 }
 *   { "$in": ["ok", "degraded"] }   { "$regex": "^v\\d+" }    { "$exists": false }
 *
 * To compare against an object that itself has `$` keys, wrap it: `{ "$eq": { "$ref": "x" } }`.
 * `undefined` as the actual value means "the path was not found": only `{ "$exists": false }` accepts it.
 */

export interface MatchResult {
  ok: boolean;
  message: string;
  /** Set when the matcher itself is malformed: the caller reports "could not evaluate", not "failed". */
  invalid?: true;
}

export const MATCHER_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$regex', '$exists', '$type', '$minLength', '$maxLength'] as const;
export type MatcherOperator = (typeof MATCHER_OPERATORS)[number];

export const MATCHER_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'] as const;

const TYPES = new Set<string>(MATCHER_TYPES);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when the matcher is a `$`-operator predicate rather than a literal. */
export function isPredicate(matcher: unknown): matcher is Record<string, unknown> {
  if (!isPlainObject(matcher)) return false;
  const keys = Object.keys(matcher);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Structural equality of JSON values (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (isPlainObject(value)) return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  return false;
}

function isLength(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function operandProblem(op: string, operand: unknown): string | undefined {
  switch (op) {
    case '$eq':
    case '$ne':
      return isJsonValue(operand) ? undefined : 'must be a JSON value';
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return (typeof operand === 'number' && Number.isFinite(operand)) || typeof operand === 'string' ? undefined : 'must be a number or a string';
    case '$in':
    case '$nin':
      return Array.isArray(operand) && isJsonValue(operand) ? undefined : 'must be an array of JSON values';
    case '$regex':
      if (typeof operand !== 'string') return 'must be a string (a JavaScript regular expression without slashes)';
      try {
        new RegExp(operand);
        return undefined;
      } catch (err) {
        return `is not a valid regular expression: ${(err as Error).message}`;
      }
    case '$exists':
      return typeof operand === 'boolean' ? undefined : 'must be true or false';
    case '$type': {
      const types = Array.isArray(operand) ? operand : [operand];
      const ok = types.length > 0 && types.every((t) => typeof t === 'string' && TYPES.has(t));
      return ok ? undefined : `must be one of ${MATCHER_TYPES.join(', ')} (or a list of them)`;
    }
    case '$minLength':
    case '$maxLength':
      return isLength(operand) ? undefined : 'must be a non-negative integer';
    default:
      return `unknown operator (known: ${MATCHER_OPERATORS.join(', ')})`;
  }
}

/** For the config loader: `undefined` when the matcher is usable, otherwise what is wrong with it. */
export function validateMatcher(matcher: unknown): string | undefined {
  if (isPredicate(matcher)) {
    for (const [op, operand] of Object.entries(matcher)) {
      const problem = operandProblem(op, operand);
      if (problem) return `${op} ${problem}`;
    }
    return undefined;
  }
  if (isPlainObject(matcher)) {
    const ops = Object.keys(matcher).filter((k) => k.startsWith('$'));
    if (ops.length > 0) {
      return `mixes operators (${ops.join(', ')}) with field names; use only $-operators, or { "$eq": {...} } to compare an object literally`;
    }
  }
  return isJsonValue(matcher) ? undefined : 'must be a JSON value or an object of $-operators';
}

function describe(op: string, operand: unknown): string {
  switch (op) {
    case '$eq':
      return `equal to ${show(operand)}`;
    case '$ne':
      return `not equal to ${show(operand)}`;
    case '$gt':
      return `> ${show(operand)}`;
    case '$gte':
      return `>= ${show(operand)}`;
    case '$lt':
      return `< ${show(operand)}`;
    case '$lte':
      return `<= ${show(operand)}`;
    case '$in':
      return `one of ${show(operand)}`;
    case '$nin':
      return `none of ${show(operand)}`;
    case '$regex':
      return `a string matching /${operand as string}/`;
    case '$exists':
      return operand ? 'present' : 'absent';
    case '$type':
      return `of type ${Array.isArray(operand) ? operand.join(' or ') : String(operand)}`;
    case '$minLength':
      return `of length >= ${String(operand)}`;
    case '$maxLength':
      return `of length <= ${String(operand)}`;
    default:
      return op;
  }
}

function hasType(actual: unknown, type: string): boolean {
  if (type === 'integer') return typeof actual === 'number' && Number.isInteger(actual);
  return jsonTypeOf(actual) === type;
}

function lengthOf(actual: unknown): number | undefined {
  if (typeof actual === 'string') return [...actual].length; // code points, as JSON Schema counts them
  if (Array.isArray(actual)) return actual.length;
  return undefined;
}

/** Whether one operator holds; `detail` explains a mismatch beyond "got X" when that helps. */
function test(op: string, operand: unknown, actual: unknown): { ok: boolean; detail?: string } {
  if (op === '$exists') return { ok: (actual !== undefined) === operand };
  if (actual === undefined) return { ok: false };
  switch (op) {
    case '$eq':
      return { ok: deepEqual(actual, operand) };
    case '$ne':
      return { ok: !deepEqual(actual, operand) };
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const want = typeof operand;
      if (typeof actual !== want) return { ok: false, detail: `${describeType(actual)}, not a ${want}` };
      const a = actual as number | string;
      const b = operand as number | string;
      const ok = op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b;
      return { ok };
    }
    case '$in':
      return { ok: (operand as unknown[]).some((v) => deepEqual(actual, v)) };
    case '$nin':
      return { ok: !(operand as unknown[]).some((v) => deepEqual(actual, v)) };
    case '$regex':
      if (typeof actual !== 'string') return { ok: false, detail: `${describeType(actual)}, not a string` };
      return { ok: new RegExp(operand as string).test(actual) };
    case '$type': {
      const types = (Array.isArray(operand) ? operand : [operand]) as string[];
      return { ok: types.some((t) => hasType(actual, t)), detail: describeType(actual) };
    }
    case '$minLength':
    case '$maxLength': {
      const length = lengthOf(actual);
      if (length === undefined) return { ok: false, detail: `${describeType(actual)}, which has no length` };
      const ok = op === '$minLength' ? length >= (operand as number) : length <= (operand as number);
      return { ok, detail: `length ${length}` };
    }
    default:
      return { ok: false };
  }
}

/** Match a value taken from a response against a matcher. Pure; never throws. */
export function matchValue(actual: unknown, matcher: JsonMatcher): MatchResult {
  const problem = validateMatcher(matcher);
  if (problem) return { ok: false, invalid: true, message: `invalid matcher: ${problem}` };

  const got = actual === undefined ? 'nothing (not found)' : show(actual);
  if (!isPredicate(matcher)) {
    return deepEqual(actual, matcher) ? { ok: true, message: `is ${show(matcher)}` } : { ok: false, message: `expected ${show(matcher)}, got ${got}` };
  }

  const failures: string[] = [];
  const passes: string[] = [];
  for (const [op, operand] of Object.entries(matcher)) {
    const { ok, detail } = test(op, operand, actual);
    if (ok) passes.push(describe(op, operand));
    else failures.push(`expected ${describe(op, operand)}, got ${got}${detail && actual !== undefined ? ` (${detail})` : ''}`);
  }
  if (failures.length > 0) return { ok: false, message: failures.join('; ') };
  return { ok: true, message: actual === undefined ? 'is absent' : `is ${got} (${passes.join(', ')})` };
}
