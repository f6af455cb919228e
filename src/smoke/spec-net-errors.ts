/**
 * Hand-written specs fail on network errors with Playwright's raw text (`apiRequestContext.post: connect
 * ECONNREFUSED 127.0.0.1:8000` and a call log, or `page.goto: net::ERR_CONNECTION_REFUSED at ...`). These turn
 * such an error into the sentence a declared check gets for the same failure (src/evaluate/net-errors.ts). Pure.
 */
import { describeNetError, targetOf } from '../evaluate/net-errors.js';
import type { NetErrorKind } from '../evaluate/types.js';
import { classifyNetError } from '../http/classify.js';

/** Chromium's net::ERR_* names, as the code a Node socket would have reported. */
const CHROMIUM: Array<[RegExp, NetErrorKind, string | undefined]> = [
  [/net::ERR_CONNECTION_REFUSED/, 'connect', 'ECONNREFUSED'],
  [/net::ERR_(ADDRESS|NETWORK)_UNREACHABLE/, 'connect', 'EHOSTUNREACH'],
  [/net::ERR_NAME_NOT_RESOLVED|net::ERR_NAME_RESOLUTION_FAILED/, 'dns', 'ENOTFOUND'],
  [/net::ERR_CONNECTION_RESET|net::ERR_CONNECTION_CLOSED|net::ERR_EMPTY_RESPONSE/, 'reset', 'ECONNRESET'],
  [/net::ERR_(CONNECTION_)?TIMED_OUT/, 'timeout', undefined],
  [/net::ERR_(CERT_\w+|SSL_\w+|BAD_SSL_CLIENT_AUTH_CERT)/, 'tls', undefined],
];

/** Kinds that mean "no usable response": anything else (an assertion, a 500) keeps its own message. */
const NETWORK: ReadonlySet<NetErrorKind> = new Set(['dns', 'connect', 'timeout', 'tls', 'reset']);

const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

export interface SpecNetError {
  kind: NetErrorKind;
  code?: string;
  /** The sentence a declared check would report for the same failure. */
  message: string;
}

/**
 * The friendly form of a spec's network error, or undefined when the error is not one. Only errors raised by a
 * Playwright request or navigation qualify, never an assertion whose text happens to say "timed out".
 * `url` is the request's URL when the caller knows it (the `request` fixture does); otherwise it is read from
 * Playwright's call log or the navigation error.
 */
export function describeSpecNetError(error: { message?: unknown; code?: unknown }, url?: string, durationMs?: number): SpecNetError | undefined {
  const text = stripAnsi(String(error?.message ?? '')).replace(/^Error:\s*/, '');
  const first = text.split('\n')[0] ?? '';
  const target = url ?? text.match(/→ [A-Z]+ (\S+)/)?.[1] ?? text.match(/ at (https?:\/\/\S+)/)?.[1] ?? hostPortUrl(first);

  const chromium = CHROMIUM.find(([re]) => re.test(first));
  if (chromium && /^(page|frame)\.\w+:/.test(first)) {
    const [, kind, code] = chromium;
    const detail = first.match(/net::ERR_\w+/)?.[0] ?? first;
    return {
      kind,
      ...(code ? { code } : {}),
      message: describeNetError({ kind, ...(code ? { code } : {}), message: detail }, targetOf(target ?? ''), durationMs ?? 0),
    };
  }
  if (!/^apiRequestContext\.\w+:/.test(first)) return undefined;

  const classified = classifyNetError({ message: first, ...(typeof error?.code === 'string' ? { code: error.code } : {}) });
  if (!NETWORK.has(classified.kind)) return undefined;
  const code = classified.code ?? first.match(/\b(E[A-Z]{3,}|EAI_[A-Z]+)\b/)?.[1];
  // Playwright's own request timeout names its budget: "Timeout 30000ms exceeded."
  const gaveUpAfter = durationMs ?? Number(first.match(/Timeout (\d+) ?ms exceeded/i)?.[1] ?? 0);
  const net = { kind: classified.kind, ...(code ? { code } : {}), message: classified.message };
  return { kind: classified.kind, ...(code ? { code } : {}), message: describeNetError(net, targetOf(target ?? ''), gaveUpAfter) };
}

/** `connect ECONNREFUSED 127.0.0.1:8000` names host and port without a URL. */
function hostPortUrl(line: string): string | undefined {
  const m = line.match(/\b(E[A-Z]+|ENOTFOUND|EAI_AGAIN)\s+(\[[0-9a-f:]+\]|[\w.-]+)(?::(\d+))?/i);
  if (!m) return undefined;
  return `http://${m[2]}${m[3] ? `:${m[3]}` : ''}`;
}
