/**
 * revgate's ARM client (src/azure/arm-client.ts) against the sandbox's emulated ARM through the real
 * SDK and DefaultAzureCredential: each ARM failure (401, 403, 404, 409 lock conflict, 429 with
 * Retry-After, 5xx, a failed long-running operation) gets its own clear message; throttling, lock
 * conflicts and 5xx are retried a bounded number of times; a real lock (a change in flight) is waited
 * out; the PATCH on the wire is the complete table, exactly what --dry-run prints.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ArmError, type RetryEvent } from '../../src/aca/arm.js';
import type { TrafficEntry } from '../../src/aca/types.js';
import { createContainerAppsArm } from '../../src/azure/arm-client.js';
import { startAcaSandbox } from '../../src/sandbox/aca.js';
import { Agent, request } from 'undici';

it('the ARM client on the emulated ARM: LRO polling, bounded retries, one clear message per failure', async (t) => {
  const s = await startAcaSandbox({ operationMs: 100 });
  t.after(() => s.stop());
  process.env.IDENTITY_ENDPOINT = s.identity.endpoint;
  process.env.IDENTITY_HEADER = s.identity.header;
  const retries: RetryEvent[] = [];
  const connection = { subscription: s.ref.subscription, endpoint: s.armUrl, caPem: s.caPem, pollIntervalMs: 25, onRetry: (e: RetryEvent) => retries.push(e) };
  const arm = createContainerAppsArm({ ...connection, retry: { baseDelayMs: 20, maxAttempts: 4 } });
  const { resourceGroup: rg, app } = s.ref;
  const table = (w: number): TrafficEntry[] => [
    { revisionName: 'apex-backend--v1', weight: 100 - w, label: 'stable' },
    { revisionName: 'apex-backend--v2', weight: w, label: 'next' },
  ];
  const failure = async (fn: () => Promise<unknown>): Promise<ArmError> => {
    retries.length = 0;
    try {
      await fn();
    } catch (err) {
      assert.ok(err instanceof ArmError, String(err));
      return err;
    }
    assert.fail('expected an ArmError');
  };

  await t.test('reads the app and its revisions: labels, states, FQDNs', async () => {
    const snap = await arm.snapshot(rg, app);
    assert.deepEqual(snap.app.traffic, table(0));
    assert.deepEqual(
      snap.revisions.map((r) => [r.name, r.trafficWeight, r.labels.join(), r.healthState, r.provisioningState, r.runningState, r.replicas]),
      [
        ['apex-backend--v1', 100, 'stable', 'Healthy', 'Provisioned', 'Running', 1],
        ['apex-backend--v2', 0, 'next', 'Healthy', 'Provisioned', 'Running', 1],
      ],
    );
    assert.match(snap.revisions[0]?.fqdn ?? '', /^127\.0\.0\.1:\d+$/);
  });

  await t.test('a traffic update is one PATCH of the complete table (what --dry-run prints), polled through Azure-AsyncOperation', async () => {
    const before = s.armRequests.length;
    const after = await arm.setTraffic(rg, app, 'East US', table(10));
    assert.deepEqual(after.traffic, table(10));
    const calls = s.armRequests.slice(before);
    const patches = calls.filter((c) => c.method === 'PATCH');
    assert.equal(patches.length, 1);
    assert.deepEqual(patches[0]?.body, arm.describeSetTraffic(rg, app, 'East US', table(10)).body);
    assert.ok(calls.some((c) => c.path.includes('containerappOperationStatuses')));
  });

  await t.test('the ingress splits by the weights ARM holds; each revision answers on its own FQDN', async () => {
    const dispatcher = new Agent({ connect: { ca: s.caPem } });
    t.after(() => dispatcher.close());
    const served = async (n: number): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const r = await request(`${s.ingressUrl}/health/live`, { dispatcher });
        await r.body.dump();
        const rev = String(r.headers['x-revgate-revision']);
        counts.set(rev, (counts.get(rev) ?? 0) + 1);
      }
      return counts;
    };
    // 10% of 300: a binomial count below 8 or above 60 has a probability under 1e-6.
    const split = await served(300);
    const v2 = split.get('apex-backend--v2') ?? 0;
    assert.ok(v2 >= 8 && v2 <= 60 && (split.get('apex-backend--v1') ?? 0) === 300 - v2, JSON.stringify([...split]));
    for (const r of s.revisions()) {
      const res = await request(`${r.url}/health`, { dispatcher });
      assert.equal(((await res.body.json()) as { revision: string }).revision, r.name);
    }
  });

  await t.test('a change in flight is a real lock: a second update gets 409 ContainerAppLockConflict, waits, and goes through', async () => {
    s.setArmFaults(['slow-operation=300']);
    retries.length = 0;
    const first = arm.setTraffic(rg, app, 'East US', table(50));
    while (!s.model.busy()) await new Promise((r) => setTimeout(r, 5));
    // Backs off 100, 200, 400 ms: more than the 300 ms the first change holds the lock.
    const patient = createContainerAppsArm({ ...connection, retry: { baseDelayMs: 100, maxAttempts: 4 } });
    const [, done] = await Promise.all([first, patient.setTraffic(rg, app, 'East US', table(100))]).finally(() => s.setArmFaults([]));
    assert.deepEqual(done.traffic, table(100));
    assert.ok(
      retries.length >= 1 && retries.every((r) => r.error.details.armCode === 'ContainerAppLockConflict'),
      JSON.stringify(retries.map((r) => r.error.message)),
    );
  });

  await t.test('429 is retried after Retry-After (never sooner), 409 and 503 after a back-off', async () => {
    s.setArmFaults(['throttle=1,retry-after=1', 'lock-conflict=1', 'server-error=1,status=503']);
    retries.length = 0;
    const started = Date.now();
    await arm.setTraffic(rg, app, 'East US', table(0));
    // Retry-After is a floor: the retry must not come sooner (an upper bound would only measure this machine).
    assert.ok(Date.now() - started >= 950, `${Date.now() - started} ms`);
    assert.deepEqual(
      retries.map((r) => [r.error.kind, r.error.details.status]),
      [
        ['throttled', 429],
        ['conflict', 409],
        ['server', 503],
      ],
    );
    assert.equal(retries[0]?.delayMs, 1000);
    assert.match(retries[0]?.error.message ?? '', /ARM throttled the request to update the traffic of apex-backend \(429 TooManyRequests, Retry-After 1 s\)/);
  });

  await t.test('retries are bounded: the last message says how many tries over how long', async () => {
    s.setArmFaults(['lock-conflict=10']);
    const e = await failure(() => arm.setTraffic(rg, app, 'East US', table(10)));
    s.setArmFaults([]);
    assert.equal(e.kind, 'conflict');
    assert.equal(retries.length, 3);
    assert.match(
      e.message,
      /^ARM refused to update the traffic of apex-backend \(409 ContainerAppLockConflict\): another operation is changing apex-backend right now\. .*\(gave up after 4 tries over \d+ ms\)$/,
    );
    s.setArmFaults(['server-error=10,status=502']);
    const e5 = await failure(() => arm.snapshot(rg, app));
    s.setArmFaults([]);
    assert.match(e5.message, /^ARM failed to read container app apex-backend \(502 InternalServerError, an error on Azure's side\)\..*gave up after 4 tries/);
  });

  await t.test('401, 403, 404 and a failed operation are not retried, each with its own message', async () => {
    const cases: Array<[string[], () => Promise<unknown>, ArmError['kind'], RegExp]> = [
      [
        ['unauthorized'],
        () => arm.snapshot(rg, app),
        'unauthorized',
        /^ARM refused the token \(401 InvalidAuthenticationToken\) to read container app apex-backend: it is expired, for another tenant, or not for https:\/\/127\.0\.0\.1:\d+\. Sign in again/,
      ],
      [
        ['forbidden=write'],
        () => arm.setTraffic(rg, app, 'East US', table(10)),
        'forbidden',
        /^ARM denied this identity \(403 AuthorizationFailed\) to update the traffic of apex-backend: reading needs Reader on the app; changing traffic needs Microsoft\.App\/containerApps\/write/,
      ],
      [
        [],
        () => arm.snapshot(rg, 'apex-frontend'),
        'not-found',
        /^could not read container app apex-frontend: not found in resource group revgate-sandbox of subscription 0{8}-0{4}-0{4}-0{4}-0{12} \(404 ResourceNotFound\)/,
      ],
      [
        [],
        () => arm.snapshot('other-rg', app),
        'not-found',
        /^resource group other-rg was not found in subscription .* \(404 ResourceGroupNotFound\): check -g$/,
      ],
      [
        ['operation-fail'],
        () => arm.setTraffic(rg, app, 'East US', table(10)),
        'operation-failed',
        /^the long-running operation to update the traffic of apex-backend ended Failed \(ContainerAppOperationError\)\. ARM said: "Failed to provision revision/,
      ],
      [
        [],
        () => arm.setTraffic(rg, app, 'East US', [{ revisionName: 'apex-backend--v9', weight: 100 }]),
        'bad-request',
        /^ARM rejected the request to update the traffic of apex-backend \(400 ContainerAppRevisionNotFound\)\. ARM said: "Revision 'apex-backend--v9' does not exist in container app 'apex-backend'\."$/,
      ],
    ];
    for (const [faults, fn, kind, message] of cases) {
      s.setArmFaults(faults);
      const e = await failure(fn);
      s.setArmFaults([]);
      assert.equal(e.kind, kind, e.message);
      assert.match(e.message, message);
      assert.equal(retries.length, 0, `${kind} is not retried`);
    }
    assert.deepEqual((await arm.snapshot(rg, app)).app.traffic, table(0), 'no failure changed the traffic');
    // A table that does not sum to 100 never leaves revgate (ARM would refuse it with 400 too).
    const before = s.armRequests.length;
    await assert.rejects(
      arm.setTraffic(rg, app, 'East US', [{ revisionName: 'apex-backend--v1', weight: 60 }]),
      /refused to send a traffic table for apex-backend: weights sum to 60, not 100/,
    );
    assert.equal(s.armRequests.length, before);
  });
});
