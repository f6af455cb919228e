/**
 * Gate traffic from a smoke config: every single-request check that is safe to repeat at a rate
 * becomes one entry of the request mix (weight 1), tagged with its check id. Checks that cannot be
 * replayed as traffic are left out, each with the reason, so the console can say what the mix holds:
 * flows (they create and delete data), data-changing checks, TLS checks, multipart or form bodies,
 * absolute URLs (another host), values captured from earlier steps, and checks that expect a status
 * outside 200-399 (the gate would count every one of those as a failed request). Pure.
 */
import path from 'node:path';
import type { CheckConfig, RequestSpec, ResolvedConfig } from '../config/types.js';
import { SECRET_HEADER_NAMES } from '../secrets/redactor.js';
import { finish, type Entry, type RequestMix } from './request-mix.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** The config's replayable checks as a request mix; `leftOut` names every other check with why. */
export function mixFromConfig(resolved: ResolvedConfig, options: { token?: string; userAgent: string }): RequestMix {
  const { config, environment, target } = resolved;
  const entries: Entry[] = [];
  const leftOut: string[] = [];
  const secretHeaders = new Set([...SECRET_HEADER_NAMES, ...resolved.secretHeaders]);
  const secrets: RequestMix['secrets'] = [];
  const authDefault = config.defaults?.auth ?? config.auth !== undefined;
  let authLeftOut = false;
  for (const check of config.checks) {
    if (check.environments && !check.environments.includes(environment)) continue;
    const why = unreplayable(check);
    if (why) {
      leftOut.push(`${check.id} (${why})`);
      continue;
    }
    const r = check.request as RequestSpec;
    const headers: Record<string, string> = { 'user-agent': options.userAgent, ...(target.headers ?? {}), ...(r.headers ?? {}) };
    if (r.auth ?? authDefault) {
      if (!options.token) {
        leftOut.push(`${check.id} (needs a bearer token: set ${config.auth?.tokenEnv ?? 'REVGATE_TOKEN'})`);
        authLeftOut = true;
        continue;
      }
      headers.Authorization = `Bearer ${options.token}`;
    }
    let body: string | undefined;
    if (r.json !== undefined) {
      body = JSON.stringify(r.json);
      headers['content-type'] ??= 'application/json';
    } else if (r.body !== undefined) body = r.body;
    const method = r.method ?? 'GET';
    const query = r.query
      ? `${r.path.includes('?') ? '&' : '?'}${new URLSearchParams(Object.entries(r.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`
      : '';
    entries.push({
      request: {
        name: check.id,
        method,
        path: `${r.path}${query}`,
        headers,
        ...(body !== undefined ? { body } : {}),
        tags: { name: check.id, method, check: check.id, ...tenantTag(headers) },
        ...(check.expect ? { expect: check.expect } : {}),
      },
      weight: 1,
    });
    for (const [name, value] of Object.entries(headers)) if (secretHeaders.has(name.toLowerCase())) secrets.push({ value, label: `header ${name}` });
  }
  if (options.token && !authLeftOut) secrets.push({ value: options.token, label: 'bearer token' });
  return finish(entries, config.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS, [], secrets, `checks of ${path.basename(resolved.file)} (${environment})`, leftOut);
}

function unreplayable(check: CheckConfig): string | undefined {
  if (check.steps) return 'a multi-step flow';
  if (check.tls) return 'a TLS check';
  const r = check.request;
  if (!r) return 'no request';
  if (check.readOnly === false) return 'changes data';
  if (r.multipart || r.form) return 'a multipart or form body';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r.path)) return 'an absolute URL';
  if (JSON.stringify(r).includes('{{')) return 'uses captured values';
  const expected = statusRange(check.expect?.status);
  if (expected) return `expects ${expected}, which the gate would count as a failed request`;
  return undefined;
}

/** A description of the expected status when any of it lies outside 200-399, else undefined. */
function statusRange(status: number | number[] | string | undefined): string | undefined {
  if (status === undefined) return undefined;
  const list = Array.isArray(status) ? status : [status];
  const outside = list.filter((s) => (typeof s === 'number' ? s < 200 || s > 399 : !/^[23]xx$/i.test(s)));
  return outside.length ? `status ${outside.join(', ')}` : undefined;
}

function tenantTag(headers: Record<string, string>): { tenant?: string } {
  const key = Object.keys(headers).find((h) => h.toLowerCase() === 'x-tenant-id');
  const v = key ? headers[key]?.trim() : undefined;
  return v ? { tenant: v } : {};
}
