import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mixFromConfig } from '../../src/gate/config-mix.js';
import { combineMixes, builtinMix } from '../../src/gate/request-mix.js';
import type { ResolvedConfig, RevgateConfig } from '../../src/config/types.js';

function resolved(config: Partial<RevgateConfig>, headers: Record<string, string> = {}): ResolvedConfig {
  const full: RevgateConfig = { service: { name: 'svc' }, environments: { dev: { baseUrl: 'http://127.0.0.1:1', headers } }, checks: [], ...config };
  return {
    file: path.resolve('svc.config.json'),
    dir: process.cwd(),
    config: full,
    environment: 'dev',
    target: { baseUrl: 'http://127.0.0.1:1', headers },
    secretEnv: [],
    secretHeaders: ['x-internal-key'],
  };
}

describe('gate traffic from a smoke config', () => {
  const config: Partial<RevgateConfig> = {
    auth: { type: 'bearer' },
    checks: [
      { id: 'health', request: { path: '/health', auth: false }, expect: { status: 200 } },
      { id: 'predict', request: { method: 'POST', path: '/predict', json: { a: 1 }, auth: false } },
      { id: 'list', request: { path: '/items', query: { page: 1, size: 10 } }, expect: { status: '2xx' } },
      { id: 'auth-required', request: { path: '/items', auth: false }, expect: { status: [401, 403] } },
      { id: 'create', readOnly: false, request: { method: 'POST', path: '/items', json: {} } },
      { id: 'crud', steps: [{ name: 'a', request: { path: '/x' } }] },
      { id: 'upload', request: { method: 'POST', path: '/docs', multipart: { f: 'x' } } },
      { id: 'other-host', request: { path: 'https://login.example.com/health', auth: false } },
      { id: 'captured', request: { path: '/items/{{id}}', auth: false } },
      { id: 'prod-only', environments: ['prod'], request: { path: '/prod', auth: false } },
      { id: 'cert', tls: { minDays: 7 } },
    ],
  };

  it('keeps the checks safe to repeat, in order, tagged by check id, and says why every other was left out', () => {
    const mix = mixFromConfig(resolved(config, { 'X-Internal-Key': 'k-123', 'X-Tenant-ID': 'contoso' }), { token: 'tok-456', userAgent: 'ua' });
    assert.deepEqual(
      mix.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /health', 'POST /predict', 'GET /items?page=1&size=10'],
    );
    assert.deepEqual(mix.requests[2]?.tags, { name: 'list', method: 'GET', check: 'list', tenant: 'contoso' });
    assert.equal(mix.requests[1]?.body, '{"a":1}');
    assert.equal(mix.requests[1]?.headers['content-type'], 'application/json');
    assert.equal(mix.requests[2]?.headers.Authorization, 'Bearer tok-456');
    assert.equal(mix.requests[0]?.headers.Authorization, undefined, 'auth: false is honoured');
    assert.deepEqual(mix.leftOut, [
      'auth-required (expects status 401, 403, which the gate would count as a failed request)',
      'create (changes data)',
      'crud (a multi-step flow)',
      'upload (a multipart or form body)',
      'other-host (an absolute URL)',
      'captured (uses captured values)',
      'cert (a TLS check)',
    ]);
    const secretValues = mix.secrets.map((s) => s.value);
    assert.ok(secretValues.includes('tok-456') && secretValues.includes('k-123') && secretValues.includes('Bearer tok-456'), secretValues.join(', '));
    assert.equal(mix.source, 'checks of svc.config.json (dev)');
  });

  it('without a token the authenticated checks are left out with the variable to set, not sent to be refused', () => {
    const mix = mixFromConfig(resolved({ ...config, auth: { type: 'bearer', tokenEnv: 'APEX_TOKEN' } }), { userAgent: 'ua' });
    assert.ok(!mix.requests.some((r) => r.name === 'list'));
    assert.ok(mix.leftOut.includes('list (needs a bearer token: set APEX_TOKEN)'));
  });

  it('combined with another mix: weights and secrets kept, sources joined', () => {
    const a = mixFromConfig(resolved(config), { token: 't', userAgent: 'ua' });
    const b = builtinMix({ userAgent: 'ua' });
    const both = combineMixes([a, b]);
    assert.equal(both.requests.length, a.requests.length + b.requests.length);
    assert.equal(both.cycle.length, a.weights.reduce((x, y) => x + y, 0) + b.weights.reduce((x, y) => x + y, 0));
    assert.equal(both.source, `${a.source} + built-in mix`);
    assert.deepEqual(both.leftOut, a.leftOut);
  });
});
