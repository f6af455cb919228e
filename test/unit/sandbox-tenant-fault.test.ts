import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFault, parseFault, tenantMatches } from '../../src/sandbox/faults.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { RevgateError } from '../../src/core/errors.js';

describe('tenant-scoped sandbox faults', () => {
  it('parses tenant=, round-trips, and rejects ids that are not header values', () => {
    assert.deepEqual(parseFault('errors=1,tenant=contoso'), { kind: 'errors', rate: 1, tenant: 'contoso' });
    assert.deepEqual(parseFault('latency=300,tenant=t0042-basic,path=/tenant/*'), { kind: 'latency', ms: 300, tenant: 't0042-basic', path: '/tenant/*' });
    assert.deepEqual(parseFault(formatFault(parseFault('down,tenant=fabrikam'))), { kind: 'down', tenant: 'fabrikam' });
    assert.throws(
      () => parseFault('errors,tenant=a b'),
      (e: unknown) => e instanceof RevgateError && /tenant must be a tenant id/.test(e.message),
    );
    assert.throws(() => parseFault('ready-fail,tenant=x'), /"ready-fail" does not take "tenant"/);
  });

  it('matches only the named tenant; unscoped faults match everyone', () => {
    const scoped = parseFault('errors,tenant=contoso');
    assert.equal(tenantMatches(scoped, 'contoso'), true);
    assert.equal(tenantMatches(scoped, 'fabrikam'), false);
    assert.equal(tenantMatches(scoped, undefined), false);
    assert.equal(tenantMatches(parseFault('errors'), undefined), true);
  });

  it('a running sandbox breaks exactly one tenant', async () => {
    const sandbox = await startSandbox({ faults: ['errors=1,status=503,tenant=contoso'], seed: 1 });
    try {
      const get = (tenant?: string): Promise<number> =>
        fetch(`${sandbox.url}/tenant/health`, { headers: tenant ? { 'x-tenant-id': tenant } : {} }).then((r) => r.status);
      assert.equal(await get('contoso'), 503);
      assert.equal(await get('fabrikam'), 200);
      assert.equal(await get(), 400, 'no tenant header: the route itself answers, the fault does not apply');
      assert.equal((await fetch(`${sandbox.url}/health`)).status, 200);
    } finally {
      await sandbox.stop();
    }
  });
});
