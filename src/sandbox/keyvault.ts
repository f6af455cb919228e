/**
 * An emulated Azure Key Vault (secrets, get only) with its own managed identity endpoint, on one https
 * loopback listener with a throw-away CA. The real `@azure/keyvault-secrets` client talks to it as to
 * a vault: the first request gets the 401 bearer challenge, the client asks DefaultAzureCredential for
 * a token for the challenge's resource (IDENTITY_ENDPOINT/IDENTITY_HEADER: the managed identity
 * endpoint served here), and the retry with that token gets the secret. Trust the CA with
 * NODE_EXTRA_CA_CERTS, as for any private CA.
 *
 * GET /secrets/{name}[/{version}]?api-version=...
 *   no token      -> 401 + WWW-Authenticate: Bearer authorization="...", resource="https://127.0.0.1"
 *   wrong token   -> 401 {"error": {"code": "Unauthorized", ...}}
 *   unknown name  -> 404 {"error": {"code": "SecretNotFound", ...}}
 *   otherwise     -> 200 {"value": ..., "id": ..., "attributes": {...}}
 */
import { randomBytes } from 'node:crypto';
import { handleIdentity, IDENTITY_PATH, type IdentityEndpoint } from './identity.js';
import { sendJson } from './http-util.js';
import { listen } from './listener.js';
import { createCertificates } from './tls.js';

export interface RunningKeyVault {
  /** e.g. https://127.0.0.1:40123 */
  url: string;
  /** PEM of the CA that signed the vault's certificate (write it to a file for NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** IDENTITY_ENDPOINT / IDENTITY_HEADER values for DefaultAzureCredential; `header` is a secret. */
  identity: { endpoint: string; header: string };
  /** Requests served, by outcome, for tests. */
  requests: { challenged: number; refused: number; notFound: number; served: number };
  stop(): Promise<void>;
}

const TENANT = '00000000-0000-0000-0000-000000000000';

export async function startKeyVault(options: { secrets: Record<string, string>; host?: string }): Promise<RunningKeyVault> {
  const certs = await createCertificates({});
  const secrets = new Map(Object.entries(options.secrets));
  const requests = { challenged: 0, refused: 0, notFound: 0, served: 0 };
  let identity: IdentityEndpoint | undefined;
  let base = '';
  const listener = await listen(
    (req, res) => {
      const url = new URL(`${base}${req.url ?? '/'}`);
      if (url.pathname === IDENTITY_PATH) return handleIdentity(req, res, identity as IdentityEndpoint);
      const m = /^\/secrets\/([0-9a-zA-Z-]{1,127})(?:\/([0-9a-f]{32}))?\/?$/.exec(url.pathname);
      if (!m || req.method !== 'GET') return sendJson(res, 404, { error: { code: 'NotFound', message: 'this emulated vault serves GET /secrets/{name}' } });
      const auth = req.headers.authorization;
      if (!auth) {
        requests.challenged++;
        return sendJson(
          res,
          401,
          { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
          { 'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="${identity?.audience}"` },
        );
      }
      if (auth !== `Bearer ${identity?.token}`) {
        requests.refused++;
        return sendJson(res, 401, { error: { code: 'Unauthorized', message: 'AKV10032: Invalid issuer or token.' } });
      }
      const name = m[1] as string;
      const value = secrets.get(name);
      if (value === undefined) {
        requests.notFound++;
        return sendJson(res, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
      }
      requests.served++;
      const now = Math.floor(Date.now() / 1000);
      return sendJson(res, 200, {
        value,
        id: `${base}/secrets/${name}/${'0'.repeat(32)}`,
        attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable' },
      });
    },
    { host: options.host ?? '127.0.0.1', port: 0, tls: { certPem: certs.certPem, keyPem: certs.keyPem } },
  );
  base = listener.url;
  // Key Vault clients check that the challenge's resource is the vault's own domain: here, the loopback host.
  identity = { header: randomBytes(24).toString('base64url'), token: randomBytes(32).toString('base64url'), audience: `https://${new URL(base).hostname}` };
  return {
    url: base,
    caPem: certs.caPem,
    identity: { endpoint: `${base}${IDENTITY_PATH}`, header: identity.header },
    requests,
    stop: () => listener.close(),
  };
}
