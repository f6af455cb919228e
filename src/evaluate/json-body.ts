import { bodySnippet, truncate } from './text.js';

export interface ResponseLike {
  headers: Record<string, string>;
  bodyText: string;
  bodyBytes: number;
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; message: string };

const HTML_START = /^\s*(<!doctype\s+html|<html[\s>])/i;
const PASSWORD_INPUT = /<input\b[^>]*\btype\s*=\s*["']?password\b/i;
const SIGN_IN = /\b(sign|log)[ -]in\b/i;

/** The media type of a Content-Type value, lower-cased, parameters dropped: `application/json`. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return contentType.split(';')[0]?.trim().toLowerCase();
}

export function isHtml(res: ResponseLike): boolean {
  return mediaType(res.headers['content-type']) === 'text/html' || HTML_START.test(res.bodyText.slice(0, 1024));
}

/**
 * `an HTML page titled "Sign in" (looks like a login page: ...)`. The login hint matters:
 * a 200 sign-in page from an auth proxy is the classic false pass of naive health checks.
 */
export function htmlSummary(res: ResponseLike): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(res.bodyText)?.[1]?.replace(/\s+/g, ' ').trim();
  let summary = `an HTML page${title ? ` titled ${JSON.stringify(truncate(title, 80))}` : ''}`;
  if (PASSWORD_INPUT.test(res.bodyText) || SIGN_IN.test(res.bodyText)) {
    summary += ' (looks like a login page: is an auth proxy in front of the revision?)';
  }
  return summary;
}

/** "expected JSON but got an HTML page ..." */
export function describeHtml(res: ResponseLike, expected = 'JSON'): string {
  return `expected ${expected} but got ${htmlSummary(res)}`;
}

/** Parse the body as JSON, or say in one sentence why it is not JSON. Pure; never throws. */
export function parseJsonBody(res: ResponseLike): JsonBody {
  // A UTF-8 byte order mark is allowed to be ignored by JSON parsers (RFC 8259 section 8.1).
  const text = res.bodyText.replace(/^\uFEFF/, '');
  if (text.trim() === '') return { ok: false, message: 'expected a JSON body but the response body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    if (isHtml(res)) return { ok: false, message: describeHtml(res) };
    const detail = (err as Error).message;
    const truncated = /end of (JSON )?input|unterminated/i.test(detail) ? ` (the body ends early: it looks truncated after ${res.bodyBytes} bytes)` : '';
    return {
      ok: false,
      message: `the body is not valid JSON: ${truncate(detail, 120)}${truncated}; it starts with: ${JSON.stringify(bodySnippet(text))}`,
    };
  }
}
