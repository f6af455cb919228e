import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckDefaults, RequestSpec } from '../config/types.js';

/** A request ready to send: absolute URL, final headers, encoded body. No `{{vars}}` left. */
export interface PreparedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  json?: unknown;
  body?: string;
  form?: Record<string, string>;
  multipart?: Record<string, string | { name: string; mimeType: string; buffer: Buffer; file: string }>;
  /** Budget for the whole exchange: connect, every redirect, headers and the complete body. */
  timeoutMs: number;
  maxRedirects: number;
  /** Limit on the decoded body, enforced while it streams. */
  maxBodyBytes: number;
  /** Origins (`scheme://host:port`) a redirect may lead to besides the request's own. */
  allowRedirectOrigins: string[];
}

export interface PrepareContext {
  baseUrl: string;
  /** Headers every request to the environment carries. */
  envHeaders: Record<string, string>;
  token?: string;
  defaults: CheckDefaults;
  /** Whether auth is configured at all. */
  authConfigured: boolean;
  configDir: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REDIRECTS = 10;
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export function joinUrl(baseUrl: string, pathOrUrl: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  return `${baseUrl.replace(/\/+$/, '')}/${pathOrUrl.replace(/^\/+/, '')}`;
}

/** `HTTPS://Login.Example.com:443/` -> `https://login.example.com`; the schema has checked the shape. */
export function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin; // matches no real origin, so nothing extra is allowed
  }
}

export function prepareRequest(spec: RequestSpec, ctx: PrepareContext): PreparedRequest {
  const url = new URL(joinUrl(ctx.baseUrl, spec.path));
  for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, String(v));

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...ctx.envHeaders, ...(spec.headers ?? {}) })) headers[k.toLowerCase()] = v;
  const wantsAuth = spec.auth ?? ctx.defaults.auth ?? ctx.authConfigured;
  if (wantsAuth && ctx.token && headers.authorization === undefined) headers.authorization = `Bearer ${ctx.token}`;

  const prepared: PreparedRequest = {
    method: spec.method ?? (spec.json !== undefined || spec.multipart || spec.form || spec.body !== undefined ? 'POST' : 'GET'),
    url: url.toString(),
    headers,
    timeoutMs: spec.timeoutMs ?? ctx.defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRedirects: spec.maxRedirects ?? ctx.defaults.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    maxBodyBytes: ctx.defaults.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    allowRedirectOrigins: (spec.allowRedirectOrigins ?? ctx.defaults.allowRedirectOrigins ?? []).map(normalizeOrigin),
  };
  if (spec.json !== undefined) {
    prepared.json = spec.json;
    headers['content-type'] ??= 'application/json';
  } else if (spec.body !== undefined) {
    prepared.body = spec.body;
  } else if (spec.form) {
    prepared.form = spec.form;
  } else if (spec.multipart) {
    prepared.multipart = {};
    for (const [field, part] of Object.entries(spec.multipart)) {
      if (typeof part === 'string') {
        prepared.multipart[field] = part;
      } else {
        const file = path.resolve(ctx.configDir, part.file);
        prepared.multipart[field] = {
          name: part.filename ?? path.basename(file),
          mimeType: part.contentType ?? 'application/octet-stream',
          buffer: readFileSync(file),
          file: part.file,
        };
      }
    }
  }
  return prepared;
}
