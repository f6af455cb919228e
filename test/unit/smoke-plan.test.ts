import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckConfig, ResolvedConfig } from '../../src/config/types.js';
import { buildRedactor, planChecks } from '../../src/smoke/run-context.js';

function resolved(checks: CheckConfig[], production: boolean, environment = 'prod'): ResolvedConfig {
  return {
    file: '/x/revgate.config.json',
    dir: '/x',
    environment,
    target: { baseUrl: 'https://x', production, headers: { 'Ocp-Apim-Subscription-Key': 'sub-key-123456', 'X-Trace': 'not-secret' } },
    config: {
      service: { name: 's' },
      environments: { prod: { baseUrl: 'https://x' }, dev: { baseUrl: 'https://y' } },
      checks,
      secrets: { env: ['EXTRA_SECRET'] },
    },
    secretEnv: ['REVGATE_TOKEN', 'EXTRA_SECRET'],
    secretHeaders: [],
  };
}

const read: CheckConfig = { id: 'read', request: { path: '/health' } };
const write: CheckConfig = { id: 'write', readOnly: false, steps: [{ name: 'create', request: { method: 'POST', path: '/p' } }] };
const devOnly: CheckConfig = { id: 'dev-only', environments: ['dev'], request: { path: '/debug' } };

describe('planChecks', () => {
  it('skips data-changing checks on production unless allowed, with the reason', () => {
    const plan = planChecks(resolved([read, write], true), false);
    assert.equal(plan[0]?.skip, undefined);
    assert.match(plan[1]?.skip ?? '', /changes data and the environment is production \(pass --allow-destructive/);
    assert.equal(planChecks(resolved([write], true), true)[0]?.skip, undefined);
    assert.equal(planChecks(resolved([write], false), false)[0]?.skip, undefined);
  });

  it('skips checks restricted to other environments', () => {
    assert.match(planChecks(resolved([devOnly], false), false)[0]?.skip ?? '', /only runs in dev \(this is prod\)/);
    assert.equal(planChecks(resolved([devOnly], false, 'dev'), false)[0]?.skip, undefined);
  });
});

describe('buildRedactor', () => {
  it('registers the token, secret env vars and secret-named environment headers, not other headers', () => {
    const r = buildRedactor(resolved([read], false), 'the-bearer-token-123', { EXTRA_SECRET: 'extra-secret-value', UNRELATED: 'visible-value' });
    const masked = r.mask('the-bearer-token-123 extra-secret-value sub-key-123456 not-secret visible-value');
    assert.equal(masked, '*** *** *** not-secret visible-value');
  });
});
