/**
 * A deliberately small JSON path: the forms people write in health-check assertions, nothing more.
 *
 *   status                 checks.database         items[0].id        items[-1].id (from the end)
 *   $                      $.page                  $['key with.dot']  $["a"][0]
 *   $.items.length         (length of an array)
 *
 * No wildcards, filters or recursive descent: an assertion names exactly one value.
 */

export type PathSegment = string | number;

export interface PathLookup {
  found: boolean;
  value?: unknown;
  /** When not found: where and why the walk stopped, e.g. `$.checks has no key "db" (keys: api, cache)`. */
  reason?: string;
}

/** A malformed path. Thrown by `parsePath`/`getPath`; `validatePath` returns the message instead. */
export class PathSyntaxError extends Error {
  readonly path: string;
  readonly position: number;

  constructor(path: string, position: number, detail: string) {
    super(`invalid JSON path ${JSON.stringify(path)}: ${detail} (at character ${position + 1})`);
    this.name = 'PathSyntaxError';
    this.path = path;
    this.position = position;
  }
}

// Bare names may hold anything that cannot be confused with path syntax (e.g. `x-request-id`, `$ref`).
const BARE_NAME = /^[^.[\]\s'"]+/;
const INDEX = /^-?\d+/;

/** Parse a path into property names (strings) and array indexes (numbers). Throws `PathSyntaxError`. */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path.trim() === '') throw new PathSyntaxError(String(path), 0, 'the path is empty');
  if (path !== path.trim()) throw new PathSyntaxError(path, 0, 'leading or trailing spaces');

  const segments: PathSegment[] = [];
  let i = 0;
  const rooted = path[0] === '$' && (path.length === 1 || path[1] === '.' || path[1] === '[');
  if (rooted) {
    i = 1;
  } else if (path[0] === '.') {
    throw new PathSyntaxError(path, 0, `a path cannot start with "." (write "${path.slice(1)}" or "$${path}")`);
  } else if (path[0] !== '[') {
    i = readBareName(path, i, segments);
  }

  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i = readBareName(path, i + 1, segments);
    } else if (c === '[') {
      i = readBracket(path, i, segments);
    } else {
      throw new PathSyntaxError(path, i, `expected "." or "[" but found ${JSON.stringify(c)}`);
    }
  }
  return segments;
}

function readBareName(path: string, start: number, out: PathSegment[]): number {
  const match = BARE_NAME.exec(path.slice(start));
  if (!match) {
    const found = path[start];
    const detail =
      found === undefined
        ? 'the path ends with "." (a name must follow)'
        : found === '.'
          ? 'empty name between dots'
          : `expected a name but found ${JSON.stringify(found)} (use ['...'] for names with spaces, dots or quotes)`;
    throw new PathSyntaxError(path, start, detail);
  }
  out.push(match[0]);
  return start + match[0].length;
}

function readBracket(path: string, open: number, out: PathSegment[]): number {
  let i = open + 1;
  const quote = path[i];
  if (quote === "'" || quote === '"') {
    let name = '';
    i++;
    for (;;) {
      const c = path[i];
      if (c === undefined) throw new PathSyntaxError(path, open, `unterminated string in [${quote}...${quote}]`);
      if (c === quote) break;
      if (c === '\\') {
        const next = path[i + 1];
        if (next !== '\\' && next !== "'" && next !== '"') {
          throw new PathSyntaxError(path, i, `invalid escape "\\${next ?? ''}" (only \\\\, \\' and \\" are allowed)`);
        }
        name += next;
        i += 2;
        continue;
      }
      name += c;
      i++;
    }
    i++; // closing quote
    if (path[i] !== ']') throw new PathSyntaxError(path, i, `expected "]" after the quoted name`);
    out.push(name);
    return i + 1;
  }
  const match = INDEX.exec(path.slice(i));
  if (!match) {
    const detail =
      path[i] === '*'
        ? 'wildcards are not supported: an assertion names exactly one value'
        : path[i] === ']'
          ? 'empty brackets'
          : `expected an index such as [0] or a quoted name such as ['a.b'] inside brackets`;
    throw new PathSyntaxError(path, i, detail);
  }
  i += match[0].length;
  if (path[i] !== ']') throw new PathSyntaxError(path, i, `expected "]" after the index`);
  const index = Number(match[0]);
  if (!Number.isSafeInteger(index)) throw new PathSyntaxError(path, open, 'index out of range');
  out.push(index);
  return i + 1;
}

/** For the config loader: `undefined` when the path is well formed, otherwise a message saying what is wrong. */
export function validatePath(path: string): string | undefined {
  try {
    parsePath(path);
    return undefined;
  } catch (err) {
    if (err instanceof PathSyntaxError) return err.message;
    throw err;
  }
}

/** The canonical spelling of parsed segments: `$.items[0]['key with.dot']`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

const CANONICAL_INDEX = /^(0|[1-9]\d*)$/;

/** Walk already-parsed segments. Never throws. */
export function getPathSegments(root: unknown, segments: readonly PathSegment[]): PathLookup {
  let current = root;
  for (let n = 0; n < segments.length; n++) {
    const seg = segments[n] as PathSegment;
    const here = (): string => formatPath(segments.slice(0, n));
    if (Array.isArray(current)) {
      let index: number;
      if (typeof seg === 'number') {
        index = seg < 0 ? current.length + seg : seg;
      } else if (seg === 'length') {
        current = current.length;
        continue;
      } else if (CANONICAL_INDEX.test(seg)) {
        index = Number(seg);
      } else {
        return { found: false, reason: `${here()} is an array, not an object (use [n] or .length)` };
      }
      if (index < 0 || index >= current.length) {
        return { found: false, reason: `${here()} has no index ${seg} (length ${current.length})` };
      }
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      const key = String(seg);
      // Own properties only: `constructor` or `__proto__` must not resolve to something the body never had.
      if (!Object.hasOwn(current, key)) {
        const keys = Object.keys(current);
        const listed = keys.length === 0 ? 'it is empty' : `keys: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', …' : ''}`;
        return { found: false, reason: `${here()} has no key ${JSON.stringify(key)} (${listed})` };
      }
      current = (current as Record<string, unknown>)[key];
    } else {
      const kind = current === null ? 'null' : typeof current;
      return {
        found: false,
        reason: `${here()} is ${kind === 'null' ? 'null' : `a ${kind}`}, so it has no ${typeof seg === 'number' ? `index ${seg}` : `key ${JSON.stringify(seg)}`}`,
      };
    }
  }
  return { found: true, value: current };
}

/** Look a path up in a parsed JSON value. Throws `PathSyntaxError` for a malformed path (validate first). */
export function getPath(value: unknown, path: string): PathLookup {
  return getPathSegments(value, parsePath(path));
}
