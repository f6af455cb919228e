/**
 * The control API under /__sandbox/: read and replace faults, read state, reset data at run time.
 * Never faulted and unauthenticated; safe only because the listener is loopback-only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RevgateError } from '../core/errors.js';
import { CONTROL_PREFIX, type FaultSpec } from './faults.js';
import { BodyTooLargeError, parseJson, readBody, sendJson, sendTooLarge } from './http-util.js';
import type { SandboxState } from './revision-app.js';

export interface ControlTarget {
  /** Validates and replaces; throws RevgateError(Usage) with diagnostics on a bad spec. */
  setFaults(faults: Array<string | FaultSpec>): void;
  clearFaults(): void;
  faults(): FaultSpec[];
  state(): SandboxState;
  reset(): void;
}

const CONTROL_BODY_LIMIT = 1024 * 1024;

export function isControlPath(pathname: string): boolean {
  return pathname.startsWith(CONTROL_PREFIX);
}

async function replaceFaults(req: IncomingMessage, res: ServerResponse, target: ControlTarget): Promise<void> {
  const parsed = parseJson(await readBody(req, CONTROL_BODY_LIMIT));
  const value = parsed.ok ? parsed.value : undefined;
  const list = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>).faults : undefined;
  if (!Array.isArray(list)) {
    sendJson(res, 400, { detail: 'body must be JSON {"faults":[<fault string or object>, ...]}' });
    return;
  }
  try {
    target.setFaults(list as Array<string | FaultSpec>);
  } catch (err) {
    if (err instanceof RevgateError) {
      sendJson(res, 400, { detail: err.message, code: err.code, diagnostics: err.diagnostics });
      return;
    }
    throw err;
  }
  sendJson(res, 200, { faults: target.faults() });
}

/** Handles a request under /__sandbox/. */
export function handleControl(req: IncomingMessage, res: ServerResponse, target: ControlTarget): void {
  const pathname = new URL(`http://sandbox.invalid${req.url ?? '/'}`).pathname;
  const method = req.method ?? 'GET';
  const routes: Record<string, Record<string, () => void | Promise<void>>> = {
    [`${CONTROL_PREFIX}faults`]: {
      GET: () => sendJson(res, 200, { faults: target.faults() }),
      PUT: () => replaceFaults(req, res, target),
      DELETE: () => {
        target.clearFaults();
        sendJson(res, 200, { faults: target.faults() });
      },
    },
    [`${CONTROL_PREFIX}state`]: { GET: () => sendJson(res, 200, target.state()) },
    [`${CONTROL_PREFIX}reset`]: {
      POST: () => {
        target.reset();
        sendJson(res, 200, target.state());
      },
    },
  };
  const methods = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
  if (!methods) {
    sendJson(res, 404, { detail: `unknown control route; try GET ${CONTROL_PREFIX}faults or ${CONTROL_PREFIX}state` });
    return;
  }
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!handler) {
    sendJson(res, 405, { detail: 'Method Not Allowed' }, { allow: Object.keys(methods).join(', ') });
    return;
  }
  Promise.resolve()
    .then(handler)
    .catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else if (err instanceof BodyTooLargeError) sendTooLarge(req, res, err.limit);
      else sendJson(res, 500, { detail: err instanceof Error ? err.message : String(err) });
    });
}
