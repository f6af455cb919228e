import { STATUS_CODES } from 'node:http';

/**
 * Expected HTTP status: one code (`200`), a list (`[200, 204]`) or a class (`"2xx"`).
 * Strings may also be a plain code (`"404"`), since env substitution produces strings.
 */
export type StatusSpec = number | number[] | string;

export interface StatusMatcher {
  matches(status: number): boolean;
  /** `2xx`, `200`, `200 or 204`: for messages. */
  description: string;
}

const CLASS = /^([1-5])xx$/i;
const CODE = /^[1-5]\d\d$/;

function isCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}

/** For the config loader: `undefined` when the status expectation is usable, otherwise what is wrong. */
export function validateStatusSpec(spec: unknown): string | undefined {
  if (typeof spec === 'string') {
    return CLASS.test(spec.trim()) || CODE.test(spec.trim()) ? undefined : `status ${JSON.stringify(spec)} is not a code (200) or a class ("1xx" to "5xx")`;
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) return 'the status list is empty';
    const bad = spec.find((s) => !isCode(s));
    return bad === undefined ? undefined : `status ${JSON.stringify(bad)} in the list is not an HTTP code (100-599)`;
  }
  if (spec === undefined || isCode(spec)) return undefined;
  return `status ${JSON.stringify(spec)} is not an HTTP code (100-599), a list of codes or a class such as "2xx"`;
}

/** Build a matcher; `undefined` spec means any 2xx. Throws on an invalid spec (validate first). */
export function statusMatcher(spec: StatusSpec | undefined): StatusMatcher {
  const problem = validateStatusSpec(spec);
  if (problem) throw new TypeError(problem);
  if (spec === undefined) return statusMatcher('2xx');
  if (typeof spec === 'number') return { matches: (s) => s === spec, description: String(spec) };
  if (Array.isArray(spec)) {
    const codes = [...spec];
    return { matches: (s) => codes.includes(s), description: codes.length === 1 ? String(codes[0]) : `one of ${codes.join(', ')}` };
  }
  const text = spec.trim();
  const cls = CLASS.exec(text);
  if (cls) {
    const first = Number(cls[1]) * 100;
    return { matches: (s) => s >= first && s < first + 100, description: text.toLowerCase() };
  }
  const code = Number(text);
  return { matches: (s) => s === code, description: text };
}

/** `503 Service Unavailable`; the reason phrase is the standard one, not what the server sent. */
export function describeStatus(status: number): string {
  const phrase = STATUS_CODES[status];
  return phrase ? `${status} ${phrase}` : String(status);
}
