/**
 * The gateway's control API under /__gateway/ on every regional listener (they share one state):
 * GET/PUT/DELETE faults, GET state. Unauthenticated, so loopback-only like the sandbox's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RevgateError } from '../core/errors.js';
import { parseJson, readBody, sendJson } from './http-util.js';

export interface GatewayControlTarget {
  setFaults(faults: string[]): void;
  clearFaults(): void;
  faults(): string[];
  state(): unknown;
}

export function handleGatewayControl(req: IncomingMessage, res: ServerResponse, target: GatewayControlTarget): void {
  const pathname = new URL(`http://gateway.invalid${req.url ?? '/'}`).pathname;
  const method = req.method ?? 'GET';
  const run = async (): Promise<void> => {
    if (pathname === '/__gateway/state' && method === 'GET') return sendJson(res, 200, target.state());
    if (pathname !== '/__gateway/faults') return sendJson(res, 404, { detail: 'unknown control route; try GET /__gateway/faults or /__gateway/state' });
    if (method === 'GET') return sendJson(res, 200, { faults: target.faults() });
    if (method === 'DELETE') {
      target.clearFaults();
      return sendJson(res, 200, { faults: target.faults() });
    }
    if (method !== 'PUT') return sendJson(res, 405, { detail: 'Method Not Allowed' }, { allow: 'GET, PUT, DELETE' });
    const parsed = parseJson(await readBody(req, 1024 * 1024));
    const list = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? (parsed.value as { faults?: unknown }).faults : undefined;
    if (!Array.isArray(list)) return sendJson(res, 400, { detail: 'body must be JSON {"faults": ["[tenant|cell|region=NAME:]FAULT", ...]}' });
    try {
      target.setFaults(list as string[]);
    } catch (err) {
      if (err instanceof RevgateError) return sendJson(res, 400, { detail: err.message, diagnostics: err.diagnostics });
      throw err;
    }
    return sendJson(res, 200, { faults: target.faults() });
  };
  run().catch((err: unknown) => {
    if (res.headersSent) res.destroy();
    else sendJson(res, 500, { detail: err instanceof Error ? err.message : String(err) });
  });
}
