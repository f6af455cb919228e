/**
 * Subscription keys from Azure Key Vault: the real @azure/keyvault-secrets client and DefaultAzureCredential
 * (managed identity protocol) against the sandbox's emulated vault, then probes through the sandbox gateway.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { estateCatalog } from '../../src/sandbox/estate.js';
import { generateEstate } from '../../src/sandbox/gateway-catalog.js';
import { startGateway, type RunningGateway } from '../../src/sandbox/gateway.js';
import { startKeyVault, type RunningKeyVault } from '../../src/sandbox/keyvault.js';
import { readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';
import { allFiles } from '../helpers/files.js';
import { NO_OTHER_AZURE_IDENTITY } from '../helpers/azure.js';
import { CALM_TIERS } from '../helpers/probe.js';

describe('revgate probe with subscription keys in Key Vault', () => {
  const estate = generateEstate({ tenants: 6, regions: ['eastus'] });
  const missing = estate.tenants[2]!.id;
  const blank = estate.tenants[4]!.id;
  let gateway: RunningGateway;
  let vault: RunningKeyVault;
  const dir = tempDir({ after });
  const caFile = path.join(dir, 'vault-ca.pem');
  let catalog: string;
  before(async () => {
    gateway = await startGateway({ estate });
    // Every tenant's key is in the vault under "apim-<tenant>", except one missing and one blank.
    vault = await startKeyVault({
      secrets: Object.fromEntries(estate.tenants.filter((t) => t.id !== missing).map((t) => [`apim-${t.id}`, t.id === blank ? '   ' : t.key])),
    });
    writeFileSync(caFile, vault.caPem);
    const doc = estateCatalog(estate, gateway.urls, 'unused.json') as { defaults: Record<string, unknown>; tenants: Array<Record<string, unknown>> };
    delete doc.defaults.key;
    // Latency budgets out of a loaded machine's reach: the healthy tenants must pass, not degrade.
    Object.assign(doc, { tiers: CALM_TIERS });
    for (const t of doc.tenants) t.key = { keyVault: { vaultUrl: vault.url, secret: `apim-${String(t.id)}` } };
    catalog = writeJson(path.join(dir, 'tenants.json'), doc);
  });
  after(async () => {
    await gateway.stop();
    await vault.stop();
  });

  const env = (header: string): Record<string, string | undefined> => ({
    ...NO_OTHER_AZURE_IDENTITY,
    NODE_EXTRA_CA_CERTS: caFile,
    IDENTITY_ENDPOINT: vault.identity.endpoint,
    IDENTITY_HEADER: header,
  });

  it('reads each key once through the real client; a secret missing from the vault or blank fails only its tenant (error, with the reason); no key in any output', async (t) => {
    const out = tempDir(t);
    const before = { ...vault.requests };
    const r = await runCli(['probe', '--tenants', catalog, '--out', out], { env: env(vault.identity.header) });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /reading 6 subscription keys from Key Vault \(1 vault\) with DefaultAzureCredential/);
    assert.equal(vault.requests.served - before.served, 5);
    assert.equal(vault.requests.notFound - before.notFound, 1);
    const v = readVerdict(out);
    const byTenant = (id: string): string[] => [...new Set(v.checks.filter((c) => c.labels?.tenant === id).map((c) => c.status))];
    for (const t of estate.tenants.filter((x) => x.id !== missing && x.id !== blank)) assert.deepEqual(byTenant(t.id), ['passed'], t.id);
    assert.deepEqual(byTenant(missing), ['error']);
    assert.deepEqual(byTenant(blank), ['error']);
    assert.match(v.checks.find((c) => c.labels?.tenant === blank)?.error?.message ?? '', /Key Vault secret apim-.* is empty, so no probe of tenant/);
    const reason = v.checks.find((c) => c.labels?.tenant === missing)?.error?.message ?? '';
    assert.match(
      reason,
      new RegExp(
        `Key Vault secret apim-${missing} in https://127\\.0\\.0\\.1:\\d+ does not exist \\(404 SecretNotFound\\), so no probe of tenant ${missing} was sent`,
      ),
    );
    const texts = [...allFiles(out).map((f) => readFileSync(f, 'latin1')), r.stdout, r.stderr];
    const planted = [...estate.tenants.map((t) => t.key), vault.identity.header];
    assert.deepEqual(
      planted.filter((k) => texts.some((t) => t.includes(k))),
      [],
    );
  });

  it('no credential can get a vault token: every Key Vault tenant is an error saying so, quickly, never a pass', async (t) => {
    const out = tempDir(t);
    const started = Date.now();
    const r = await runCli(['probe', '--tenants', catalog, '--out', out], { env: env('not-the-identity-header') });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.ok(v.checks.every((c) => c.status === 'error'));
    assert.match(v.checks[0]?.error?.message ?? '', /could not be read: no Azure credential could get a Key Vault token/);
    // The refusal comes back at once (about a second in all, a few on a loaded machine); a minute would mean
    // retries or a wait per tenant. Not a latency budget: a hang guard with room for a busy machine.
    assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  });
});
