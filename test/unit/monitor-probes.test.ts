/**
 * Tenant probes in the monitor against the sandbox gateway: per tenant x region state, and N of M regions
 * ("2 of 3 regions down") deciding the tenant alert. One round at a time (runOnce), thresholds 1 and 1, so the
 * assertions are exact without any timing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDb } from '../../src/monitor/db.js';
import { Monitor } from '../../src/monitor/engine.js';
import { probeJob } from '../../src/monitor/jobs.js';
import { readSettings } from '../../src/monitor/settings.js';
import { parseCatalog } from '../../src/probe/catalog.js';
import { resolveKeys } from '../../src/probe/keys.js';
import { buildPlan, keyBudgets } from '../../src/probe/plan.js';
import { startSandboxEstate, type SandboxEstate } from '../../src/sandbox/estate.js';
import { Redactor } from '../../src/secrets/redactor.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-probes-'));
let estate: SandboxEstate;
before(async () => {
  estate = await startSandboxEstate({ tenants: 2 });
});
after(async () => {
  await estate?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function gatewayFaults(faults: string[]): Promise<void> {
  const url = `${Object.values(estate.gateway.urls)[0]}/__gateway/faults`;
  const res = await fetch(url, faults.length ? { method: 'PUT', body: JSON.stringify({ faults }) } : { method: 'DELETE' });
  assert.equal(res.status, 200, await res.text());
}

describe('monitor tenant probes', () => {
  it('2 of 3 regions: one region down alerts no tenant, two do (naming them), and recovery resolves', async () => {
    // Only the injected outage may fail a probe: latency budgets far above a busy machine's scheduling noise.
    const latency = { latency: { warnMs: 10_000, maxMs: 20_000 } };
    const doc = { ...estate.catalog, tiers: { basic: latency, premium: latency, enterprise: latency } };
    const catalog = parseCatalog(doc, { source: 'sandbox', dir: estate.dir, env: {} });
    const { settings, problems } = readSettings({
      monitor: { probes: { tenants: 'sandbox', regionQuorum: 2, failureThreshold: 1, successThreshold: 1 } },
      checkIds: [],
    });
    assert.deepEqual(problems, []);
    const redactor = new Redactor();
    const keys = resolveKeys(catalog, {}, { add: (v: string) => redactor.add(v, 'key') });
    const plan = buildPlan(catalog, { isolation: true });
    const probes = settings.probes as NonNullable<typeof settings.probes>;
    const jobs = plan.regions.map((region) =>
      probeJob({
        catalog,
        region,
        probes: plan.probes.filter((p) => p.region === region),
        keys,
        budgets: keyBudgets(catalog),
        schedule: probes.schedule,
        concurrency: 8,
        rule: probes.rule,
        quorum: probes.regionQuorum,
        redactor: () => redactor,
      }),
    );
    const { db, close } = openDb(path.join(dir, 'p.sqlite'));
    const m = new Monitor({
      db,
      settings,
      jobs,
      service: 'stamps',
      io: { out: () => undefined, err: () => undefined, env: {} },
      mask: (s) => redactor.mask(s),
    });
    const signal = new AbortController().signal;
    const incidents = () => db.all('SELECT subject, resolved_at FROM incidents ORDER BY subject').map((r) => [String(r.subject), r.resolved_at !== null]);
    const tenants = catalog.tenants.map((t) => t.id).sort();
    try {
      await m.runOnce(signal);
      assert.equal(m.stats.results, plan.probes.length, 'one result per probe (health and isolation, every tenant x region)');
      assert.deepEqual(m.openAlerts(), []);

      await gatewayFaults(['region=eastus:down']);
      await m.runOnce(signal);
      assert.deepEqual(m.openAlerts(), [], 'one region of three: below the quorum');
      assert.deepEqual(incidents(), []);
      const regional = JSON.parse(String(db.get('SELECT state FROM alert_state WHERE subject = ?', [`tenant:${tenants[0]}/eastus`])?.state)) as {
        open: boolean;
      };
      assert.equal(regional.open, true, 'the tenant x region state is open, silently');

      await gatewayFaults(['region=eastus:down', 'region=westeurope:down']);
      await m.runOnce(signal);
      assert.deepEqual(
        m.openAlerts().sort(),
        tenants.map((t) => `tenant:${t}`),
      );
      assert.deepEqual(
        incidents(),
        tenants.map((t) => [`tenant:${t}`, false]),
      );
      const summary = String(db.get('SELECT summary FROM incidents LIMIT 1')?.summary);
      assert.match(summary, /2 of 3 regions down: eastus, westeurope/);

      await gatewayFaults([]);
      await m.runOnce(signal);
      assert.deepEqual(m.openAlerts(), []);
      assert.deepEqual(
        incidents(),
        tenants.map((t) => [`tenant:${t}`, true]),
      );
      const rows = Number(db.get("SELECT count(*) AS n FROM results WHERE unit LIKE 'probe:%'")?.n);
      assert.equal(rows, plan.probes.length * 4);
    } finally {
      await m.close();
      close();
    }
  });
});
