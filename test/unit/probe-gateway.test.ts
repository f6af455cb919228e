import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { generateEstate } from '../../src/sandbox/gateway-catalog.js';
import { parseGatewayFault } from '../../src/sandbox/gateway-faults.js';
import { startGateway } from '../../src/sandbox/gateway.js';

/** The gateway's JSON answers, as far as these tests read them. */
interface GatewayBody {
  tenantId?: string;
  revision?: string;
  recentTenants: string[];
  tenants: number;
  requests: { rateLimited: number };
}

async function get(
  base: string,
  headers: Record<string, string>,
  path = '/tenant/health',
): Promise<{ status: number; body: GatewayBody; headers: Record<string, unknown> }> {
  const r = await request(`${base}${path}`, { headers });
  const text = await r.body.text();
  return { status: r.statusCode, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

describe('sandbox gateway', () => {
  it('parses scoped faults and rejects bad ones', () => {
    assert.deepEqual(parseGatewayFault('cell=shared-smb-eastus-01:errors,status=503').scope, { cell: 'shared-smb-eastus-01' });
    assert.deepEqual(parseGatewayFault('tenant=t1:isolation-leak,mode=body').fault, { kind: 'isolation-leak', mode: 'body' });
    assert.deepEqual(parseGatewayFault('rate-limited,first=2,retry-after=3').fault, { kind: 'rate-limited', retryAfter: 3, first: 2 });
    assert.throws(() => parseGatewayFault('cell=x:explode'), /unknown fault kind "explode"/);
    assert.throws(() => parseGatewayFault('isolation-leak,mode=sideways'), /mode must be cross, anonymous or body/);
  });

  it('keys, tenant routing, regions, rate limits and scoped faults', async () => {
    const estate = generateEstate({ tenants: 25, regions: ['eastus', 'westus'] });
    const gw = await startGateway({ estate, limits: { basic: { calls: 3, periodSeconds: 60 } }, seed: 1 });
    try {
      const [a, b] = [estate.tenants[1]!, estate.tenants[5]!]; // premium tenants on shared-premium cells
      const east = gw.urls.eastus!;
      assert.notEqual(gw.urls.eastus, gw.urls.westus, 'one listener per region');

      const own = await get(east, { 'x-tenant-id': a.id, 'ocp-apim-subscription-key': a.key });
      assert.equal(own.status, 200);
      assert.equal(own.body.tenantId, a.id);
      assert.equal(own.body.revision, `${a.cells.eastus}--rev1`, "routed to the tenant's cell");
      assert.equal((await get(east, { 'x-tenant-id': a.id })).status, 401, 'no key');
      assert.equal((await get(east, { 'x-tenant-id': a.id, 'ocp-apim-subscription-key': 'not-a-key' })).status, 401, 'unknown key');
      assert.equal((await get(east, { 'x-tenant-id': b.id, 'ocp-apim-subscription-key': a.key })).status, 403, "A's key for B");

      // Per-tier rate limit: basic = 3 calls per 60 s here.
      const basic = estate.tenants[0]!;
      for (let i = 0; i < 3; i++) assert.equal((await get(east, { 'ocp-apim-subscription-key': basic.key })).status, 200);
      const limited = await get(east, { 'ocp-apim-subscription-key': basic.key });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60);

      // A cell fault hits exactly that cell's tenants, in that region.
      gw.setFaults([`cell=${a.cells.eastus}:errors,status=503`]);
      assert.equal((await get(east, { 'ocp-apim-subscription-key': a.key })).status, 503);
      assert.equal((await get(gw.urls.westus!, { 'ocp-apim-subscription-key': a.key })).status, 200);
      assert.equal((await get(east, { 'ocp-apim-subscription-key': estate.tenants[2]!.key })).status, 200, 'a basic tenant on another cell');

      // Region and tenant faults, then the leak modes, set through the control API.
      const put = await request(`${gw.urls.westus}/__gateway/faults`, {
        method: 'PUT',
        body: JSON.stringify({ faults: ['region=westus:down', `tenant=${a.id}:isolation-leak,mode=cross`, `tenant=${b.id}:isolation-leak,mode=body`] }),
      });
      assert.equal(put.statusCode, 200);
      await put.body.text();
      assert.equal((await get(gw.urls.westus!, { 'ocp-apim-subscription-key': a.key })).status, 503);
      const cross = await get(east, { 'x-tenant-id': b.id, 'ocp-apim-subscription-key': a.key });
      assert.deepEqual([cross.status, cross.body.tenantId], [200, b.id], "the leak: A's key reads B");
      const leaky = await get(east, { 'ocp-apim-subscription-key': b.key });
      assert.equal(leaky.body.tenantId, b.id);
      assert.ok(leaky.body.recentTenants.length === 1 && leaky.body.recentTenants[0] !== b.id, "a neighbour's id in B's response");

      const bad = await request(`${east}/__gateway/faults`, { method: 'PUT', body: JSON.stringify({ faults: ['tenant=x:nonsense'] }) });
      assert.equal(bad.statusCode, 400);
      await bad.body.text();
      const state = await get(east, {}, '/__gateway/state');
      assert.equal(state.body.tenants, 25);
      assert.equal(state.body.requests.rateLimited, 1, 'only the fourth basic call of the minute');
      assert.ok(!JSON.stringify(state.body).includes(a.key), 'state never shows keys');
    } finally {
      await gw.stop();
    }
  });

  it('rate-limited fault: first N requests get 429 with Retry-After', async () => {
    const estate = generateEstate({ tenants: 3, regions: ['eastus'] });
    const t = estate.tenants[0]!;
    const gw = await startGateway({ estate, faults: [`tenant=${t.id}:rate-limited,first=1,retry-after=2`] });
    try {
      const first = await get(gw.urls.eastus!, { 'ocp-apim-subscription-key': t.key });
      assert.deepEqual([first.status, first.headers['retry-after']], [429, '2']);
      assert.equal((await get(gw.urls.eastus!, { 'ocp-apim-subscription-key': t.key })).status, 200);
    } finally {
      await gw.stop();
    }
  });
});
