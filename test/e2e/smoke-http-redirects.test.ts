import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
/**
 * Issue #11 item 7 through the built CLI: a redirect to another origin fails the check with the chain in
 * verdict.json, the token never reaches another origin, an allowed origin passes, same-origin redirects work.
 * Three loopback servers on different ports are three origins; each records the headers it received.
 */
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readVerdict, runCli, writeJson } from '../helpers/cli.js';

/** One folder for this file's temp files, removed after its tests (the suite may run concurrently). */
const scratchRoot = mkdtempSync(path.join(os.tmpdir(), 'revgate-e2e-'));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));
const scratch = (): string => mkdtempSync(path.join(scratchRoot, 'x-'));

interface Origin {
  url: string;
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  close: () => void;
}

async function origin(route: (path: string) => { status: number; location?: string; body?: unknown }): Promise<Origin> {
  const requests: Origin['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const r = route(req.url ?? '/');
    res.writeHead(r.status, { 'content-type': 'application/json', ...(r.location ? { location: r.location } : {}) });
    res.end(JSON.stringify(r.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const TOKEN = 'redirect-test-token-7f3a9c1e5b2d';

describe('smoke: redirects stay on the revision under test (issue #11 item 7)', () => {
  let target: Origin;
  let elsewhere: Origin;
  let login: Origin;
  before(async () => {
    elsewhere = await origin(() => ({ status: 200, body: { status: 'ok', from: 'elsewhere' } }));
    login = await origin(() => ({ status: 200, body: { status: 'ok', from: 'login' } }));
    target = await origin((p) => {
      if (p === '/health') return { status: 302, location: `${elsewhere.url}/health?sig=abc` };
      if (p === '/sso') return { status: 302, location: `${login.url}/signin` };
      if (p === '/old-health') return { status: 301, location: '/health/live' };
      if (p === '/health/live') return { status: 200, body: { status: 'ok', from: 'target' } };
      return { status: 404 };
    });
  });
  after(() => {
    for (const o of [target, elsewhere, login]) o.close();
  });

  const config = (extra: Record<string, unknown> = {}) =>
    writeJson(path.join(scratch(), 'revgate.config.json'), {
      service: { name: 'redirects' },
      environments: { rev: { baseUrl: target.url, headers: { 'X-Tenant-ID': 'contoso' } } },
      auth: { type: 'bearer', tokenEnv: 'REVGATE_TOKEN' },
      checks: [
        { id: 'offsite', request: { path: '/health' }, expect: { status: 200, json: { status: 'ok' } } },
        { id: 'allowed', request: { path: '/sso', allowRedirectOrigins: [login.url] }, expect: { status: 200, json: { from: 'login' } } },
        { id: 'same-origin', request: { path: '/old-health' }, expect: { status: 200, json: { from: 'target' } } },
      ],
      ...extra,
    });

  it('another origin fails with the chain recorded; an allowed origin passes without the credentials; same-origin redirects keep them', async () => {
    const out = scratch();
    const r = await runCli(['smoke', '--config', config(), '--out', out], { env: { REVGATE_TOKEN: TOKEN } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    const check = (id: string) => v.checks.find((c) => c.id === id);

    const offsite = check('offsite');
    assert.equal(offsite?.status, 'failed');
    assert.match(
      offsite?.error?.message ?? '',
      new RegExp(`^redirected to ${elsewhere.url}/health\\?… \\(302 from ${target.url}/health\\): another origin, not the revision under test`),
    );
    const chain = offsite?.assertions?.find((a) => a.name === 'redirects');
    assert.equal(chain?.phase, 'failed');
    assert.deepEqual(chain?.actual, [{ status: 302, from: `${target.url}/health`, to: `${elsewhere.url}/health?…` }]);
    assert.deepEqual(
      (offsite?.assertions?.find((a) => a.name === 'request')?.actual as { kind: string }).kind,
      'redirect-offsite',
      'the measurement kind is in verdict.json',
    );
    assert.equal(elsewhere.requests.length, 0, 'nothing was sent to the other origin, least of all the token');

    assert.equal(check('allowed')?.status, 'passed', JSON.stringify(check('allowed')));
    assert.equal(check('allowed')?.assertions?.find((a) => a.name === 'redirects')?.phase, 'passed');
    assert.equal(login.requests.length, 1);
    assert.equal(login.requests[0]?.headers.authorization, undefined, 'the token is not forwarded to another origin');
    assert.equal(login.requests[0]?.headers['x-tenant-id'], undefined, 'nor the environment headers');

    assert.ok(['passed', 'degraded'].includes(check('same-origin')?.status ?? ''), JSON.stringify(check('same-origin')));
    const live = target.requests.find((q) => q.path === '/health/live');
    assert.equal(live?.headers.authorization, `Bearer ${TOKEN}`, 'same origin keeps the token');
    assert.match(check('same-origin')?.assertions?.find((a) => a.name === 'redirects')?.message ?? '', /followed 1 redirect .*301 -> .*\/health\/live/);
  });

  it('defaults.allowRedirectOrigins lets the whole config follow a redirect to a named origin', async () => {
    const out = scratch();
    const before = elsewhere.requests.length;
    const r = await runCli(['smoke', '--config', config({ defaults: { allowRedirectOrigins: [elsewhere.url] } }), '--grep', 'offsite', '--out', out], {
      env: { REVGATE_TOKEN: TOKEN },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readVerdict(out).checks.find((c) => c.id === 'offsite')?.status, 'passed');
    assert.equal(elsewhere.requests.length, before + 1);
    assert.equal(elsewhere.requests.at(-1)?.headers.authorization, undefined);
  });

  it('an allowRedirectOrigins entry that is not an origin is a config error (exit 3) at its path', async () => {
    const out = scratch();
    const r = await runCli(['smoke', '--config', config({ defaults: { allowRedirectOrigins: ['https://login.example.com/path'] } }), '--out', out], {
      env: { REVGATE_TOKEN: TOKEN },
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /\$\.defaults\.allowRedirectOrigins\[0\]/);
  });
});
