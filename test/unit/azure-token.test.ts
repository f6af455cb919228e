import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenCredential } from '@azure/identity';
import { acquireToken } from '../../src/azure/token.js';
import { RevgateError } from '../../src/core/errors.js';

/** A credential is the seam @azure/identity itself defines; these stand in for a signed-in identity. */
const issuing = (scopes: string[]): TokenCredential => ({
  getToken: async (scope) => {
    scopes.push(String(scope));
    return { token: 'token-from-azure-123456', expiresOnTimestamp: Date.now() + 3_600_000 };
  },
});
const refusing: TokenCredential = { getToken: async () => Promise.reject(new Error('DefaultAzureCredential failed to retrieve a token\nmore detail')) };

async function rejection(p: Promise<unknown>): Promise<RevgateError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RevgateError);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('acquireToken', () => {
  it('no auth configured: no token', async () => {
    assert.equal(await acquireToken(undefined, { env: {} }), undefined);
  });

  it('a ready token in the env var wins and the credential is not asked', async () => {
    const scopes: string[] = [];
    const t = await acquireToken({ type: 'bearer', scope: 'api://x/.default' }, { env: { REVGATE_TOKEN: 'ready-token-abcdef' }, credential: issuing(scopes) });
    assert.deepEqual(t, { token: 'ready-token-abcdef', source: 'env', envName: 'REVGATE_TOKEN' });
    assert.deepEqual(scopes, []);
  });

  it('otherwise asks the credential for the scope, with ${VARS} resolved', async () => {
    const scopes: string[] = [];
    const t = await acquireToken(
      { type: 'bearer', scope: 'api://${CLIENT_ID}/.default', tokenEnv: 'MY_TOKEN' },
      { env: { CLIENT_ID: 'abc' }, credential: issuing(scopes) },
    );
    assert.equal(t?.source, 'azure');
    assert.equal(t?.envName, 'MY_TOKEN');
    assert.deepEqual(scopes, ['api://abc/.default']);
  });

  it('an unset variable in the scope is a usage error (exit 3)', async () => {
    const err = await rejection(acquireToken({ type: 'bearer', scope: 'api://${CLIENT_ID}/.default' }, { env: {}, credential: issuing([]) }));
    assert.equal(err.exitCode, 3);
    assert.match(err.diagnostics[0]?.message ?? '', /CLIENT_ID is not set/);
  });

  it('no token and no scope is a usage error (exit 3)', async () => {
    const err = await rejection(acquireToken({ type: 'bearer' }, { env: {} }));
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /REVGATE_TOKEN is not set and auth.scope is missing/);
  });

  it('a credential failure is a harness error (exit 4) naming the scope and the local alternative', async () => {
    const err = await rejection(acquireToken({ type: 'bearer', scope: 'api://abc/.default' }, { env: {}, credential: refusing }));
    assert.equal(err.exitCode, 4);
    assert.equal(err.code, 'REVGATE_AUTH_FAILED');
    assert.match(
      err.message,
      /could not get a token for scope api:\/\/abc\/\.default: DefaultAzureCredential failed to retrieve a token\. For local runs set REVGATE_TOKEN\./,
    );
  });
});
