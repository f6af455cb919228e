import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { estateCatalog } from '../../src/sandbox/estate.js';
import { generateEstate } from '../../src/sandbox/gateway-catalog.js';
import { startGateway } from '../../src/sandbox/gateway.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import type { CheckResult } from '../../src/verdict/types.js';
import { readVerdict, runCli, tempDir, writeJson, type CliResult } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import { junitFileErrors } from '../helpers/junit-xsd.js';
import { allFiles } from '../helpers/files.js';
import { CALM_TIERS } from '../helpers/probe.js';

/**
 * `revgate probe --sandbox` as the test's own process hosts it: the generated estate behind the sandbox gateway,
 * with latency budgets far above what a loaded machine adds to a loopback probe (the tiers' default is 200 ms
 * warn, 500 ms fail), so exactly the injected faults fail a tenant and the counts below can be exact.
 */
async function probeEstate(
  t: TestContext,
  estate: { tenants: number; regions?: string[] },
  faults: string[],
  args: string[] = [],
): Promise<CliResult & { out: string }> {
  const generated = generateEstate(estate);
  const gateway = await startGateway({ estate: generated, faults });
  t.after(() => gateway.stop());
  const dir = tempDir(t);
  const keysFile = writeJson(path.join(dir, 'keys.json'), Object.fromEntries(generated.tenants.map((x) => [x.id, x.key])));
  const catalog = writeJson(path.join(dir, 'tenants.json'), { ...estateCatalog(generated, gateway.urls, keysFile), tiers: CALM_TIERS });
  const out = path.join(dir, 'out');
  return { ...(await runCli(['probe', '--tenants', catalog, '--out', out, ...args])), out };
}

/** Failed only because a probe took longer than its latency budget: all a busy machine can do to a healthy tenant. */
const failedOnLatencyOnly = (c: CheckResult): boolean =>
  c.status === 'failed' && (c.assertions ?? []).filter((a) => a.phase !== 'passed').every((a) => a.name === 'latency');

describe('revgate probe against the sandbox gateway', () => {
  it('one faulted cell fails exactly its tenants, the blast radius says so, and an isolation leak is caught', async (t) => {
    const cell = 'shared-premium-eastus-01';
    const leaky = 't0003-basic';
    const { out, ...r } = await probeEstate(t, { tenants: 120 }, [`cell=${cell}:errors,status=503`, `tenant=${leaky}:isolation-leak`], ['--concurrency', '16']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
    assert.equal(v.checks.length, 120 * 3 * 2);
    // The generated estate is deterministic apart from the keys: which tenants live on that cell is known.
    const onCell = generateEstate({ tenants: 120 })
      .tenants.filter((t) => t.cells.eastus === cell)
      .map((t) => t.id)
      .sort();
    assert.equal(onCell.length, 30);
    const failedHealth = v.checks.filter((c) => c.labels?.probe === 'health' && c.status === 'failed');
    assert.deepEqual([...new Set(failedHealth.map((c) => c.labels?.tenant))].sort(), onCell);
    assert.ok(failedHealth.every((c) => c.labels?.region === 'eastus' && c.labels.cell === cell));
    const breaches = v.checks.filter((c) => c.labels?.probe === 'isolation' && c.status === 'failed');
    assert.deepEqual([...new Set(breaches.map((c) => c.labels?.tenant))], [leaky]);
    assert.ok(
      breaches.every(
        (c) => c.severity === 'critical' && c.blocking && /ISOLATION BREACH: t0003-basic's subscription key was accepted/.test(c.error?.message ?? ''),
      ),
    );
    assert.equal(breaches.length, 3, 'in every region');

    const b = v.blastRadius!;
    assert.deepEqual([b.tenants.total, b.tenants.failing, b.isolationBreaches], [120, 31, 1]);
    assert.match(b.line, /^31\/120 tenants failing across 4 cells in 3 regions: 30 on shared-premium-eastus-01 \(all 30 of its tenants\)/);
    assert.match(v.summary, /^FAIL: 31\/120 tenants failing/);
    // Labels reach JUnit (one suite per region, the cell as the class, labels in system-out) and Allure labels; summary.md has the matrix.
    const junit = readFileSync(path.join(out, 'junit.xml'), 'utf8');
    assert.deepEqual(await junitFileErrors(out), []);
    assert.equal((junit.match(/<testsuite name="[^"]* region (eastus|westeurope|southeastasia)"/g) ?? []).length, 3, 'a suite per region');
    assert.match(junit, /classname="probe\.eastus\.shared-premium-eastus-01"/);
    assert.match(junit, /tenant: t0002-premium\n/);
    const allure = readdirSync(path.join(out, 'allure-results')).filter((f) => f.endsWith('-result.json'));
    assert.equal(allure.length, 720);
    const one = JSON.parse(readFileSync(path.join(out, 'allure-results', allure[0]!), 'utf8')) as { labels: Array<{ name: string }> };
    for (const name of ['tenant', 'tier', 'cell', 'region'])
      assert.ok(
        one.labels.some((l) => l.name === name),
        name,
      );
    const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
    assert.match(md, /### Tenant x region \(31 tenants with a problem; the other 89 passed everywhere\)/);
    assert.match(md, /\| `t0002-premium` \| premium \| ❌ health \(shared-premium-eastus-01\) \| ✅ \| ✅ \|/);
    assert.match(r.stdout, /verdict: fail \(decision: rollback, exit 1\)/);
  });

  it('a 429 is rate-limited, not an outage: Retry-After honoured once, then reported as could-not-measure', async (t) => {
    const { out, ...r } = await probeEstate(t, { tenants: 6, regions: ['eastus'] }, [
      'tenant=t0001-basic:rate-limited,first=1,retry-after=1',
      'tenant=t0003-basic:rate-limited,retry-after=30',
    ]);
    assert.equal(r.code, 4, r.stdout + r.stderr);
    const v = readVerdict(out);
    // t0001's first request with its key got 429 + Retry-After: 1; the one retry passed. Only its health probe
    // is answered as t0001 (its isolation probe is refused 403 before the rate limit), so that is the one retried.
    const retried = v.checks.filter((c) => c.labels?.tenant === 't0001-basic');
    assert.deepEqual(
      retried.map((c) => [c.id, c.status, c.attempts]),
      [
        ['t0001-basic/eastus/health', 'passed', 2],
        ['t0001-basic/eastus/isolation', 'passed', 1],
      ],
      JSON.stringify(retried),
    );
    assert.deepEqual(
      v.checks.filter((c) => c.attempts !== 1).map((c) => c.id),
      ['t0001-basic/eastus/health'],
      'honoured once: no other probe was sent twice',
    );
    // t0003 stays rate-limited (Retry-After 30 s is over the 5 s wait): could not measure, never "failed".
    const stuck = v.checks.find((c) => c.id === 't0003-basic/eastus/health');
    assert.equal(stuck?.status, 'error');
    assert.equal(stuck?.error?.kind, 'rate-limited');
    assert.match(
      stuck?.error?.message ?? '',
      /rate-limited \(429\), not an outage: Retry-After 30 s; not retried: Retry-After 30 s is longer than the 5 s revgate waits/,
    );
    // Its isolation probes are refused (401/403) before the rate limit applies, as APIM checks the key first.
    assert.equal(v.checks.find((c) => c.id === 't0003-basic/eastus/isolation')?.status, 'passed');
    assert.equal(v.blastRadius?.tenants.failing, 0, 'nobody is counted as failing');
    assert.match(v.blastRadius?.line ?? '', /1 tenant could not be probed; 1 probe rate-limited/);
  });

  it('SIGINT stops sending, finishes what is in flight and writes a partial verdict (exit 4)', async (t) => {
    const out = tempDir(t);
    const r = await runCli(['probe', '--sandbox', '--sandbox-tenants', '1000', '--concurrency', '2', '--out', out], {
      interruptOn: /revgate: probing/,
    });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stderr, /interrupted: finishing the probes in flight/);
    const v = readVerdict(out);
    assert.equal(v.partial, true);
    assert.equal(v.verdict, 'error');
    assert.equal(verdictSchemaErrors(v), '');
    const notSent = v.checks.filter((c) => c.status === 'error' && /interrupted \(SIGINT\)/.test(c.error?.message ?? ''));
    assert.ok(notSent.length > 1000, `${notSent.length} probes reported as not sent`);
    // The estate is healthy: what was sent passed, or was slowed by the busy machine; nothing else failed.
    assert.ok(
      v.checks.every((c) => c.status === 'passed' || c.status === 'degraded' || c.status === 'error' || failedOnLatencyOnly(c)),
      'nothing not sent is reported as passed or failed',
    );
  });

  it('bad catalog: exit 3 with every problem listed, nothing run', async (t) => {
    const dir = tempDir(t);
    const file = writeJson(path.join(dir, 'tenants.json'), {
      regions: { eastus: { gatewayUrl: 'https://gw.example.net' }, westus: { gatewayUrl: 'not a url' } },
      cells: { c1: { type: 'shared' } },
      tenants: [
        { id: 'a', tier: 'basic', regions: ['eastus'], cell: 'c1', key: { env: 'KEY_A' } },
        { id: 'a', tier: 'basic', regions: ['eastus'], cell: 'c1', key: { env: 'KEY_A' } },
        { id: 'b', tier: 'basic', regions: ['mars'], cell: 'c1' },
      ],
    });
    const r = await runCli(['probe', '--tenants', file, '--out', path.join(dir, 'out')]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /the tenant catalog has 4 problems/);
    assert.match(r.stderr, /\$\.regions\.westus\.gatewayUrl: gateway URL is not a valid URL/);
    assert.match(r.stderr, /\$\.tenants\[1\]\.id: duplicate tenant id "a"/);
    assert.match(r.stderr, /\$\.tenants\[2\]\.regions\[0\]: unknown region "mars"/);
    assert.match(r.stderr, /\$\.tenants\[2\]\.key: no subscription key reference/);
    assert.match(r.stderr, /nothing was run\. Fix the problems above \(the schema is schemas\/tenants\.schema\.json\)/);
  });
});

describe('revgate probe with real keys from env vars and a keys file', () => {
  it('a missing key fails only that tenant with the reason; keys appear in no output file', async (t) => {
    const estate = generateEstate({ tenants: 8, regions: ['eastus', 'westus'] });
    const gateway = await startGateway({ estate, faults: ['cell=shared-smb-westus-01:errors,status=500', 'tenant=t0002-premium:isolation-leak,mode=body'] });
    try {
      const dir = tempDir(t);
      const keysFile = path.join(dir, 'keys.json');
      const fromFile = estate.tenants.slice(4);
      writeFileSync(keysFile, JSON.stringify(Object.fromEntries(fromFile.map((t) => [t.id, t.key]))));
      const env: Record<string, string> = {};
      const tenants = estate.tenants.map((t, i) => {
        const name = `APIM_KEY_${t.id.replace(/-/g, '_').toUpperCase()}`;
        if (i < 4 && t.id !== 't0001-basic') env[name] = t.key; // t0001-basic's variable is declared but not set
        return { id: t.id, tier: t.tier, regions: Object.keys(t.cells), cell: t.cells, key: i < 4 ? { env: name } : { file: 'keys.json' } };
      });
      const catalog = writeJson(path.join(dir, 'tenants.json'), {
        service: 'stamps-e2e',
        regions: Object.fromEntries(Object.entries(gateway.urls).map(([r, u]) => [r, { gatewayUrl: u }])),
        cells: estate.cells,
        tenants,
      });
      const out = path.join(dir, 'out');
      const r = await runCli(['probe', '--tenants-cmd', `cat '${catalog}'`, '--out', out], { env, cwd: dir });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = readVerdict(out);
      assert.equal(verdictSchemaErrors(v), '');
      const missing = v.checks.filter((c) => c.labels?.tenant === 't0001-basic');
      assert.equal(missing.length, 4);
      for (const c of missing) {
        assert.equal(c.status, 'error');
        assert.match(c.error?.message ?? '', /subscription key env var APIM_KEY_T0001_BASIC is not set, so no probe of tenant t0001-basic was sent/);
      }
      const others = v.checks.filter((c) => c.labels?.tenant !== 't0001-basic');
      assert.ok(
        others.every((c) => c.status !== 'error'),
        'every other tenant was measured',
      );
      assert.ok(others.some((c) => c.status === 'failed' && c.labels?.cell === 'shared-smb-westus-01'));
      assert.ok(
        v.checks.some(
          (c) => c.labels?.tenant === 't0002-premium' && c.labels.probe === 'isolation' && /contains another tenant's id/.test(c.error?.message ?? ''),
        ),
      );
      // Reproduce commands reference the env var, never the key.
      const repro = v.checks.find((c) => c.labels?.tenant === 't0000-basic' || c.id === 't0003-basic/westus/health')?.reproduce ?? '';
      assert.match(v.checks.find((c) => c.id === 't0003-basic/westus/health')?.reproduce ?? repro, /\$\{APIM_KEY_T0003_BASIC\}/);

      // Plant check: grep every file under OUT, and the console, for every key.
      const keys = estate.tenants.map((t) => t.key);
      for (const f of allFiles(out)) {
        const text = readFileSync(f).toString('latin1');
        for (const k of keys) assert.ok(!text.includes(k), `a key found in ${path.relative(out, f)}`);
      }
      for (const stream of [r.stdout, r.stderr]) for (const k of keys) assert.ok(!stream.includes(k), 'console output');
      assert.deepEqual(await scanForLeaks(out, keys), []);
    } finally {
      await gateway.stop();
    }
  });
});
