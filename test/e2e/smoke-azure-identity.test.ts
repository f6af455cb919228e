/**
 * The token path a pipeline takes: a config with auth.scope and no ready token, so revgate asks the real
 * DefaultAzureCredential (@azure/identity), which finds IDENTITY_ENDPOINT / IDENTITY_HEADER as inside a
 * Container App and calls the sandbox's emulated managed identity endpoint. Nothing is mocked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_AUDIENCE, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { checkStatus, readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';
import { allFiles } from '../helpers/files.js';
import { NO_OTHER_AZURE_IDENTITY } from '../helpers/azure.js';

describe('smoke with auth.scope: DefaultAzureCredential against the sandbox managed identity endpoint', () => {
  let sandbox: RunningSandbox;
  const dir = tempDir({ after });
  let config: string;
  before(async () => {
    sandbox = await startSandbox();
    config = writeJson(path.join(dir, 'identity.config.json'), {
      service: { name: 'identity' },
      environments: { dev: { baseUrl: 'http://127.0.0.1:1' } },
      auth: { type: 'bearer', scope: `${SANDBOX_AUDIENCE}/.default` },
      checks: [
        { id: 'projects-list', request: { path: '/api/v1/projects/', query: { page: 1, page_size: 5 } }, expect: { status: 200 } },
        { id: 'health', request: { path: '/health', auth: false }, expect: { status: 200 } },
      ],
    });
  });
  after(() => sandbox.stop());

  const leaks = (out: string, r: { stdout: string; stderr: string }, secrets: string[]): string[] =>
    [...allFiles(out).map((f) => [f, readFileSync(f, 'latin1')] as const), ['stdout', r.stdout] as const, ['stderr', r.stderr] as const].flatMap(
      ([where, text]) => secrets.filter((s) => text.includes(s)).map(() => where),
    );

  it('gets the token through the managed identity protocol; the authenticated check passes; neither the token nor the identity header is in any output', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['smoke', '--base-url', sandbox.url, '--config', config, '--out', out], {
      env: { ...NO_OTHER_AZURE_IDENTITY, IDENTITY_ENDPOINT: sandbox.identity.endpoint, IDENTITY_HEADER: sandbox.identity.header },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(checkStatus(v, 'projects-list'), 'passed');
    assert.deepEqual(leaks(out, r, [sandbox.token, sandbox.identity.header]), []);
  });

  it('a wrong identity header: no token, so nothing was measured (error, exit 4) with the scope named, and the header not echoed', async (t) => {
    const out = tempDir(t);
    const wrong = `${sandbox.identity.header.slice(0, -4)}XXXX`;
    const r = await runCli(['smoke', '--base-url', sandbox.url, '--config', config, '--out', out], {
      env: { ...NO_OTHER_AZURE_IDENTITY, IDENTITY_ENDPOINT: sandbox.identity.endpoint, IDENTITY_HEADER: wrong },
    });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /could not get a token for scope api:\/\/revgate-sandbox\/\.default/);
    assert.match(r.stderr, /ManagedIdentityCredential: .*X-IDENTITY-HEADER is missing or does not match/);
    assert.deepEqual(leaks(out, r, [wrong, sandbox.identity.header, sandbox.token]), []);
  });

  it('a scope the identity cannot get a token for is an error too, naming the scope', async (t) => {
    const out = tempDir(t);
    const other = writeJson(path.join(tempDir(t), 'other.config.json'), {
      ...JSON.parse(readFileSync(config, 'utf8')),
      auth: { type: 'bearer', scope: 'api://someone-else/.default' },
    });
    const r = await runCli(['smoke', '--base-url', sandbox.url, '--config', other, '--out', out], {
      env: { ...NO_OTHER_AZURE_IDENTITY, IDENTITY_ENDPOINT: sandbox.identity.endpoint, IDENTITY_HEADER: sandbox.identity.header },
    });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /could not get a token for scope api:\/\/someone-else\/\.default/);
  });
});
