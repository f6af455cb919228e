/**
 * Redirect policy for declared checks, pure: where the next hop goes, what it carries, and whether it is still
 * the revision under test. A redirect to another origin is refused unless the config names that origin, and the
 * headers the config set (Authorization, keys, tenant headers) are never sent to another origin.
 */
import type { AssertionResult, HttpMeasurement, RedirectHop } from '../evaluate/types.js';

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that identify nobody: the only ones a hop to another origin keeps. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'user-agent']);
/** Headers that describe a request body; dropped with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

export interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RedirectPolicy {
  /** The origin the request was declared against. */
  origin: string;
  /** Other origins a redirect may lead to. */
  allowed: readonly string[];
}

export type NextHop = { hop: Hop; record: RedirectHop } | { refused: RedirectHop; message: string } | { invalid: string };

/** A URL as it may appear in reports: origin and path; a query (codes, signatures) is elided; credentials dropped. */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/**
 * The hop after a redirect `status` with `location` from `hop`, following the Fetch standard's method rules
 * (301/302 turn a POST into a GET, 303 anything but HEAD; 307/308 keep method and body).
 */
export function nextHop(hop: Hop, status: number, location: string, policy: RedirectPolicy): NextHop {
  let to: URL;
  try {
    to = new URL(location, hop.url);
  } catch {
    return { invalid: `the ${status} redirect from ${shownUrl(hop.url)} has an invalid Location header` };
  }
  const record: RedirectHop = { status, from: shownUrl(hop.url), to: shownUrl(to) };
  const offsite = to.origin !== policy.origin;
  if (offsite && !policy.allowed.includes(to.origin)) {
    return { refused: record, message: `redirect to another origin (${to.origin}), not the revision under test` };
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    return { invalid: `the ${status} redirect from ${shownUrl(hop.url)} leads to a ${to.protocol} URL` };
  }

  const toGet = ((status === 301 || status === 302) && hop.method === 'POST') || (status === 303 && hop.method !== 'GET' && hop.method !== 'HEAD');
  const keepsBody = !toGet && hop.body !== undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers)) {
    if (offsite && !CROSS_ORIGIN_HEADERS.has(name) && !(name === 'content-type' && keepsBody)) continue;
    if (toGet && BODY_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  const next: Hop = { url: to, method: toGet ? 'GET' : hop.method, headers };
  if (keepsBody) next.body = hop.body;
  return { hop: next, record };
}

/**
 * The redirects a measurement followed or refused, as one assertion for the check result: failed when a
 * redirect ended the request (another origin, too many), passed otherwise. Undefined without redirects.
 */
export function redirectAssertion(m: HttpMeasurement): AssertionResult | undefined {
  const chain = m.redirects;
  if (!chain?.length) return undefined;
  const kind = m.error?.kind;
  const shown = chain.length > 12 ? [...chain.slice(0, 5), ...chain.slice(-5)] : chain;
  const path = shown.map((h) => `${h.status} -> ${h.to}`).join(', ');
  const elided = chain.length > shown.length ? ` (${chain.length - shown.length} more in between)` : '';
  const base = { name: 'redirects', expected: 'redirects within the target origin or allowRedirectOrigins', actual: chain };
  const last = chain[chain.length - 1] as RedirectHop;
  if (kind === 'redirect-offsite') {
    return {
      ...base,
      phase: 'failed',
      message: `redirected to ${last.to} (${last.status} from ${last.from}): another origin, not the revision under test; list ${originOf(last.to)} in allowRedirectOrigins if this redirect is expected`,
    };
  }
  if (kind === 'redirect-loop') return { ...base, phase: 'failed', message: `${m.error?.message ?? 'too many redirects'}: ${path}${elided}` };
  return { ...base, phase: 'passed', message: `followed ${chain.length} redirect${chain.length === 1 ? '' : 's'} from ${chain[0]?.from}: ${path}${elided}` };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
