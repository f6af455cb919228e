/**
 * Small, pure helpers that keep assertion messages short and free of secrets.
 * Every message an evaluator writes goes through one of these.
 */

/** Longest string an assertion message or `actual` value quotes from a response. */
export const MAX_QUOTE = 200;

/** Cut a string to `max` characters, saying how much was left out. */
export function truncate(text: string, max = MAX_QUOTE): string {
  if (text.length <= max) return text;
  let head = text.slice(0, max);
  // Do not leave half a surrogate pair at the cut.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}… (${text.length - head.length} more chars)`;
}

/** The start of a body, whitespace collapsed, for "what did we get instead" messages. */
export function bodySnippet(body: string, max = MAX_QUOTE): string {
  return truncate(body.replace(/\s+/g, ' ').trim(), max);
}

/** A JSON value rendered for a message: `"ok"`, `200`, `{"a":1}`; long values truncated. */
export function show(value: unknown, max = MAX_QUOTE): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text, max);
}

/** A value safe to put in `AssertionResult.actual`: strings and large structures are truncated. */
export function shortValue(value: unknown, max = MAX_QUOTE): unknown {
  if (typeof value === 'string') return truncate(value, max);
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value);
    if (text !== undefined && text.length > max) return truncate(text, max);
  }
  return value;
}

/** The JSON type name of a value, as `$type` and messages use it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `a string`, `an array`, `null`: the type of a value for a sentence. */
export function describeType(value: unknown): string {
  const type = jsonTypeOf(value);
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `1200 ms`, `812.4 ms`: integers stay integers so boundaries read exactly. */
export function formatMs(ms: number): string {
  return `${Number.isInteger(ms) ? ms : ms.toFixed(1)} ms`;
}

/**
 * Make a low-level error message safe to show: drop URL query strings and credentials
 * (signed URLs and tokens live there) and bearer tokens, then truncate.
 */
export function sanitizeReason(message: string, max = MAX_QUOTE): string {
  const cleaned = message
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#][^\s'")]*/gi, '$1?…')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(cleaned, max);
}
