/**
 * An emulated managed identity endpoint, as Azure Container Apps and App Service give every app: the
 * `IDENTITY_ENDPOINT` / `IDENTITY_HEADER` protocol (api-version 2019-08-01). With those two variables
 * set, `DefaultAzureCredential` asks this endpoint for a token, exactly as it would inside a
 * Container App, and gets the sandbox's bearer token for the sandbox's audience. So the token path
 * revgate takes in a pipeline (a configured `auth.scope`, no ready token) runs for real against the
 * sandbox, with the real Azure SDK.
 *
 * GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=api://revgate-sandbox
 *   X-IDENTITY-HEADER: <the sandbox's identity header>
 * -> 200 {"access_token": "...", "expires_on": "<epoch s>", "resource": "...", "token_type": "Bearer"}
 * A missing or wrong header is 401; another resource is 400 (as AAD says for an unknown resource).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTROL_PREFIX } from './faults.js';
import { sendJson } from './http-util.js';

export const IDENTITY_PATH = `${CONTROL_PREFIX}msi/token`;
/** The audience (resource) the sandbox's tokens are for; the scope a config asks for is `${SANDBOX_AUDIENCE}/.default`. */
export const SANDBOX_AUDIENCE = 'api://revgate-sandbox';
const TOKEN_LIFETIME_S = 3600;

export interface IdentityEndpoint {
  /** The header value a caller must send as X-IDENTITY-HEADER: a secret. */
  header: string;
  /** Bearer token handed out (the one the sandbox's authenticated routes accept): a secret. */
  token: string;
  audience: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function handleIdentity(req: IncomingMessage, res: ServerResponse, id: IdentityEndpoint): void {
  const url = new URL(`http://sandbox.invalid${req.url ?? '/'}`);
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: 'method_not_allowed', error_description: 'the managed identity endpoint answers GET' }, { allow: 'GET' });
    return;
  }
  const header = req.headers['x-identity-header'];
  if (typeof header !== 'string' || !sameSecret(header, id.header)) {
    sendJson(res, 401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or does not match IDENTITY_HEADER' });
    return;
  }
  const version = url.searchParams.get('api-version');
  if (version !== '2019-08-01') {
    sendJson(res, 400, { error: 'invalid_request', error_description: `api-version must be 2019-08-01, got ${version ?? 'none'}` });
    return;
  }
  const resource = (url.searchParams.get('resource') ?? '').replace(/\/\.default$/, '').replace(/\/$/, '');
  if (resource !== id.audience) {
    sendJson(res, 400, {
      error: 'invalid_resource',
      error_description: `AADSTS500011: the resource principal named ${resource || '(none)'} was not found; the sandbox issues tokens for ${id.audience}`,
    });
    return;
  }
  sendJson(res, 200, {
    access_token: id.token,
    expires_on: String(Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S),
    resource: id.audience,
    token_type: 'Bearer',
    client_id: '00000000-0000-0000-0000-00000000a11e',
  });
}
