import type { APIRequestContext } from '@playwright/test';
import type { HttpMeasurement } from '../evaluate/types.js';
import type { PreparedRequest } from './prepare.js';
import { classifyNetError } from './classify.js';

/**
 * Provider: sends one prepared request through Playwright's APIRequestContext and returns what was
 * observed. Never throws for a failing target: refused connections, timeouts, TLS failures and
 * oversized bodies are measurements.
 */
export async function measureHttp(request: APIRequestContext, req: PreparedRequest): Promise<HttpMeasurement> {
  const started = performance.now();
  const base = { kind: 'http' as const, method: req.method, url: req.url };
  try {
    const response = await request.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.json !== undefined ? { data: req.json } : {}),
      ...(req.body !== undefined ? { data: req.body } : {}),
      ...(req.form ? { form: req.form } : {}),
      ...(req.multipart ? { multipart: toPlaywrightMultipart(req.multipart) } : {}),
      timeout: req.timeoutMs,
      maxRedirects: req.maxRedirects,
      failOnStatusCode: false,
      ignoreHTTPSErrors: false,
    });
    const body = await response.body();
    const durationMs = performance.now() - started;
    await response.dispose();
    if (body.length > req.maxBodyBytes) {
      return {
        ...base,
        durationMs,
        error: {
          kind: 'body-too-large',
          message: `response body is ${formatBytes(body.length)}, over the ${formatBytes(req.maxBodyBytes)} limit (defaults.maxBodyBytes)`,
        },
      };
    }
    return {
      ...base,
      durationMs,
      response: { status: response.status(), headers: response.headers(), bodyText: body.toString('utf8'), bodyBytes: body.length },
    };
  } catch (err) {
    return { ...base, durationMs: performance.now() - started, error: classifyNetError(err) };
  }
}

function toPlaywrightMultipart(parts: NonNullable<PreparedRequest['multipart']>): Record<string, string | { name: string; mimeType: string; buffer: Buffer }> {
  const out: Record<string, string | { name: string; mimeType: string; buffer: Buffer }> = {};
  for (const [k, v] of Object.entries(parts)) out[k] = typeof v === 'string' ? v : { name: v.name, mimeType: v.mimeType, buffer: v.buffer };
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
