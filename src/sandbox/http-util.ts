/** Small response and request-body helpers shared by the sandbox's route modules. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies above this answer 413; the documents API in the seed app caps uploads the same way. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** Reads the whole body, refusing (before reading when Content-Length says so) anything above `limit`. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Answers 413 and closes the connection: the client may still be sending, and draining an
 * oversized body just to keep the socket alive is not worth it.
 */
export function sendTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  sendJson(res, 413, { detail: `Request body too large (limit ${limit} bytes)` }, { connection: 'close' });
  res.once('finish', () => {
    if (!req.complete) req.socket.destroySoon();
  });
}

/** Parses a JSON body; undefined when it is not valid JSON. */
export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Query parameters whose values may be secrets are redacted before a URL is logged. */
const SENSITIVE_QUERY = /key|token|sig|secret|password|code|auth/i;

export function redactUrlForLog(url: URL): string {
  if (!url.search) return url.pathname;
  const params = new URLSearchParams(url.search);
  const parts: string[] = [];
  for (const [name, value] of params) parts.push(`${encodeURIComponent(name)}=${SENSITIVE_QUERY.test(name) ? '[REDACTED]' : encodeURIComponent(value)}`);
  return `${url.pathname}?${parts.join('&')}`;
}
