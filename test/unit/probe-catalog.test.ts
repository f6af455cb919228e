import { vaultRefKey } from '../../src/azure/keyvault.js';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCodes, RevgateError } from '../../src/core/errors.js';
import { loadCatalog, parseCatalog } from '../../src/probe/catalog.js';
import { resolveKeys } from '../../src/probe/keys.js';
import { budgetProblems, buildPlan } from '../../src/probe/plan.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const ctx = { source: 'test.json', dir: os.tmpdir(), env: {} };

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    regions: { eastus: { gatewayUrl: 'https://gw-eastus.example.net' }, westus: { gatewayUrl: 'https://gw-westus.example.net/' } },
    cells: { 'shared-1': { type: 'shared' }, 'ded-1': { type: 'dedicated', region: 'eastus' } },
    tenants: [
      { id: 'a', tier: 'basic', regions: ['eastus', 'westus'], cell: 'shared-1', key: { env: 'KEY_A' } },
      { id: 'b', tier: 'premium', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY_B' } },
      { id: 'c', tier: 'enterprise', regions: ['eastus'], cell: 'ded-1', key: { env: 'KEY_C' } },
    ],
    ...extra,
  };
}

function problems(doc: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseCatalog(doc, { ...ctx, env });
  } catch (err) {
    assert.ok(err instanceof RevgateError);
    assert.equal(err.exitCode, 3);
    return err.diagnostics.map((d) => `${d.path}: ${d.message}`);
  }
  return [];
}

describe('tenant catalog', () => {
  it('loads the example catalog with the seed defaults', async () => {
    const c = await loadCatalog({ file: path.join(ROOT, 'fixtures', 'tenants', 'stamps.json') }, {});
    assert.equal(c.tenants.length, 5);
    assert.deepEqual(c.tiers.basic.rateLimit, { calls: 10000, renewalPeriodSeconds: 3600 });
    assert.deepEqual(c.tiers.premium.latency, { warnMs: 200, maxMs: 500 });
    assert.equal(c.tenants[0]?.cells.westeurope, 'shared-smb-westeurope');
  });

  it('normalizes: defaults, trailing slashes, one cell for every region', () => {
    const c = parseCatalog(minimal(), ctx);
    assert.equal(c.regions.westus?.gatewayUrl, 'https://gw-westus.example.net');
    assert.deepEqual(c.tenants[0]?.cells, { eastus: 'shared-1', westus: 'shared-1' });
    assert.equal(c.endpoints[0]?.path, '/tenant/health');
    assert.deepEqual(c.isolation, { enabled: true, refusedStatus: [401, 403] });
    assert.equal(c.tiers.enterprise.rateLimit.calls, 100000);
  });

  it('lists every problem at once: duplicate tenant, missing key reference, unknown region, bad URL, unknown cell, shared dedicated cell', () => {
    const doc = minimal({
      regions: { eastus: { gatewayUrl: 'https://gw.example.net' }, westus: { gatewayUrl: 'ftp://gw.example.net' } },
      tenants: [
        { id: 'a', tier: 'basic', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY_A' } },
        { id: 'a', tier: 'basic', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY_A2' } },
        { id: 'b', tier: 'basic', regions: ['eastus', 'northpole'], cell: 'shared-1' },
        { id: 'c', tier: 'enterprise', regions: ['eastus'], cell: 'ded-1', key: { env: 'KEY_C' } },
        { id: 'd', tier: 'enterprise', regions: ['eastus'], cell: 'ded-1', key: { env: 'KEY_D' } },
        { id: 'e', tier: 'basic', regions: ['eastus'], cell: 'nowhere', key: { env: 'KEY_E' }, gatewayUrls: { eastus: 'https://user:pw@gw.example.net' } },
      ],
    });
    const found = problems(doc).join('\n');
    assert.match(found, /\$\.tenants\[1\]\.id: duplicate tenant id "a" \(first at \$\.tenants\[0\]\)/);
    assert.match(found, /\$\.tenants\[2\]\.key: no subscription key reference/);
    assert.match(found, /\$\.tenants\[2\]\.regions\[1\]: unknown region "northpole" \(declared: eastus, westus\)/);
    assert.match(found, /\$\.regions\.westus(\.gatewayUrl)?: /);
    assert.match(found, /\$\.tenants\[4\]\.cell: cell "ded-1" is dedicated and already hosts tenant "c"/);
    assert.match(found, /\$\.tenants\[5\]\.cell: unknown cell "nowhere"/);
  });

  it('schema problems come with their paths too (tier, key form, tenant id)', () => {
    const doc = minimal({ tenants: [{ id: 'bad id', tier: 'gold', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY', file: 'x' } }] });
    const found = problems(doc).join('\n');
    assert.match(found, /\$\.tenants\[0\]\.id: /);
    assert.match(found, /\$\.tenants\[0\]\.tier: must be one of: "basic", "premium", "enterprise"/);
    assert.match(found, /\$\.tenants\[0\]\.key: invalid value/);
  });

  it('a ${VAR} in the catalog must resolve (exit 3), and a key env var is only needed at run time', () => {
    const doc = minimal({ regions: { eastus: { gatewayUrl: '${GW_EASTUS}' }, westus: { gatewayUrl: 'https://gw.example.net' } } });
    assert.match(problems(doc).join('\n'), /environment variable GW_EASTUS is not set/);
    assert.deepEqual(problems(doc, { GW_EASTUS: 'https://gw-east.example.net' }), []);
  });

  it('resolves keys per tenant: a missing env var, a keys file field, a Key Vault reference', (t) => {
    const dir = tempDir(t, 'revgate-keys-');
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify({ b: 'key-of-b-0123456789', unused: 'unused-key-9876543210' }));
    const c = parseCatalog(
      minimal({
        tenants: [
          { id: 'a', tier: 'basic', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY_A' } },
          { id: 'b', tier: 'basic', regions: ['eastus'], cell: 'shared-1', key: { file: 'keys.json' } },
          { id: 'c', tier: 'enterprise', regions: ['eastus'], cell: 'ded-1', key: { keyVault: { vaultUrl: 'https://kv.vault.azure.net', secret: 'c' } } },
          { id: 'd', tier: 'basic', regions: ['eastus'], cell: 'shared-1', key: { env: 'KEY_D' } },
        ],
      }),
      { ...ctx, dir },
    );
    const redactor = new Redactor();
    const vault = new Map([
      [
        vaultRefKey({ vaultUrl: 'https://kv.vault.azure.net', secret: 'c' }),
        { ok: false as const, reason: 'Key Vault secret c in https://kv.vault.azure.net does not exist (404 SecretNotFound)' },
      ],
    ]);
    const keys = resolveKeys(c, { KEY_D: 'key-of-d-abcdefghij' }, redactor, vault);
    assert.deepEqual(keys.get('a'), { ok: false, reason: 'subscription key env var KEY_A is not set, so no probe of tenant a was sent' });
    assert.deepEqual(keys.get('b'), { ok: true, key: 'key-of-b-0123456789' });
    assert.equal(keys.get('c')?.ok, false);
    assert.equal(
      (keys.get('c') as { reason: string }).reason,
      'Key Vault secret c in https://kv.vault.azure.net does not exist (404 SecretNotFound), so no probe of tenant c was sent',
    );
    assert.deepEqual(
      resolveKeys(
        c,
        {},
        new Redactor(),
        new Map([[vaultRefKey({ vaultUrl: 'https://kv.vault.azure.net/', secret: 'c' }), { ok: true as const, value: 'key-of-c-from-vault' }]]),
      ).get('c'),
      { ok: true, key: 'key-of-c-from-vault' },
    );
    assert.deepEqual(keys.get('d'), { ok: true, key: 'key-of-d-abcdefghij', envRef: 'KEY_D' });
    // Every key loaded, and every entry of a keys file, is a secret of the run.
    assert.deepEqual(redactor.values().sort(), ['key-of-b-0123456789', 'key-of-d-abcdefghij', 'unused-key-9876543210']);
  });

  it('plans tenant x region x endpoint health probes and one isolation probe per tenant x region', () => {
    const c = parseCatalog(minimal(), ctx);
    const plan = buildPlan(c);
    assert.deepEqual(
      plan.probes.map((p) => p.id),
      [
        'a/eastus/health',
        'a/eastus/isolation',
        'b/eastus/health',
        'b/eastus/isolation',
        'c/eastus/health',
        'c/eastus/isolation',
        'a/westus/health',
        'a/westus/isolation',
      ],
    );
    const iso = plan.probes.find((p) => p.id === 'a/eastus/isolation');
    assert.equal(iso?.kind === 'isolation' && iso.partner, 'b', 'a neighbour on the same shared cell');
    const lone = plan.probes.find((p) => p.id === 'a/westus/isolation');
    assert.equal(lone?.kind === 'isolation' && lone.partner, 'revgate-isolation-canary');
    const health = plan.probes[0];
    assert.equal(health?.kind === 'health' && health.request.url, 'https://gw-eastus.example.net/tenant/health');
    assert.deepEqual(health?.kind === 'health' && health.expect, {
      status: 200,
      json: { status: 'healthy', tenantId: 'a' },
      latency: { warnMs: 200, maxMs: 500 },
    });
    assert.deepEqual(
      buildPlan(c, { regions: ['westus'], baseUrl: 'http://127.0.0.1:9', isolation: false }).probes.map((p) => (p.kind === 'health' ? p.request.url : p.id)),
      ['http://127.0.0.1:9/tenant/health'],
    );
    assert.throws(
      () => buildPlan(c, { regions: ['mars'] }),
      (e: unknown) => e instanceof RevgateError && e.code === ErrorCodes.Usage && /unknown region "mars"/.test(e.message),
    );
  });

  it("refuses a run that would not stay under a tier's rate limit", () => {
    const c = parseCatalog(minimal({ tiers: { basic: { rateLimit: { calls: 100, renewalPeriodSeconds: 3600 } } }, probeBudget: 0.02 }), ctx);
    const found = budgetProblems(c, buildPlan(c));
    assert.equal(found.length, 1);
    assert.match(found[0]?.message ?? '', /probing a may take 8 calls .* budget is 2 per 3600 s/);
  });
});
