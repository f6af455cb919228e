/**
 * Contract tests: Microsoft's published REST examples for Microsoft.App (test/fixtures/aca-rest-examples,
 * source in SOURCE.md) replayed through the real @azure/arm-appcontainers client, configured as revgate
 * configures it (src/azure/arm-client.ts), against the sandbox's emulated ARM seeded with the examples'
 * documents; the token comes from the sandbox's managed identity endpoint through DefaultAzureCredential.
 * Each response must contain everything the example shows; the PATCH must go on the wire exactly as the
 * example's request and be polled through Azure-AsyncOperation. The sandbox's own documents must use
 * only properties the examples (or ARM's model) have.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { containerAppsClient, createContainerAppsArm } from '../../src/azure/arm-client.js';
import { appDoc, revisionDoc } from '../../src/sandbox/aca-docs.js';
import { startAcaSandbox } from '../../src/sandbox/aca.js';
import type { Json } from '../../src/sandbox/aca-model.js';
import { ROOT } from '../helpers/cli.js';

type Example = {
  parameters: Record<string, unknown> & { 'api-version': string };
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>;
};
const example = (file: string): Example => JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'aca-rest-examples', file), 'utf8')) as Example;

const GET = example('2025-07-01/ContainerApps_Get.json');
const PATCH = example('2025-07-01/ContainerApps_Patch.json');
const LIST = example('2025-07-01/Revisions_List.json');
const REV = example('2025-07-01/Revisions_Get.json');
const ACTIVATE = example('2025-07-01/Revisions_Activate.json');
const DEACTIVATE = example('2025-01-01/Revisions_Deactivate.json');

/** Every key and value of `expected` is in `actual` (extra keys in actual are allowed), with the path of the first difference. */
function assertContains(actual: unknown, expected: unknown, at = '$'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${at}: expected an array`);
    assert.equal(actual.length, expected.length, `${at}: length`);
    expected.forEach((e, i) => assertContains(actual[i], e, `${at}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object' && !Array.isArray(actual), `${at}: expected an object`);
    for (const [k, v] of Object.entries(expected)) assertContains((actual as Record<string, unknown>)[k], v, `${at}.${k}`);
  } else assert.deepEqual(actual, expected, at);
}

/** The documents the examples describe: the app of ContainerApps_Get, its two traffic revisions, and the revision of Revisions_Get. */
function seed(): { ref: { subscription: string; resourceGroup: string; app: string }; app: Json; revisions: Json[] } {
  const app = GET.responses['200']?.body as Json;
  const rev = REV.responses['200']?.body as Json;
  const named = (name: string): Json => ({ ...structuredClone(rev), name, id: String(rev.id).replace(/[^/]+$/, name) });
  return {
    ref: {
      subscription: String(GET.parameters.subscriptionId),
      resourceGroup: String(GET.parameters.resourceGroupName),
      app: String(GET.parameters.containerAppName),
    },
    app,
    revisions: [named('testcontainerapp0-ab1234'), named('testcontainerapp0-ab4321'), structuredClone(rev)],
  };
}

it('replays Microsoft.App examples (api-version 2025-07-01) through the real SDK client against the emulated ARM', async (t) => {
  const sandbox = await startAcaSandbox({ documents: seed(), operationMs: 100 });
  t.after(() => sandbox.stop());
  // @azure/identity reads these from the process environment, as inside a Container App.
  process.env.IDENTITY_ENDPOINT = sandbox.identity.endpoint;
  process.env.IDENTITY_HEADER = sandbox.identity.header;
  const connection = { subscription: sandbox.ref.subscription, endpoint: sandbox.armUrl, caPem: sandbox.caPem };
  const client = containerAppsClient(connection);
  const rg = String(GET.parameters.resourceGroupName);
  let raw: unknown;
  // The body as ARM sent it (parsedBody is the SDK's flattened model).
  const onResponse = (r: { bodyAsText?: string | null }): void => void (raw = r.bodyAsText ? JSON.parse(r.bodyAsText) : undefined);

  await t.test('ContainerApps_Get: the response holds the example body; revgate reads its traffic, labels and latest revision', async () => {
    assert.equal(GET.parameters['api-version'], '2025-07-01');
    await client.containerApps.get(rg, String(GET.parameters.containerAppName), { onResponse });
    assertContains(raw, GET.responses['200']?.body);
    const app = await createContainerAppsArm(connection).getApp(rg, String(GET.parameters.containerAppName));
    const body = GET.responses['200']?.body as {
      properties: { latestRevisionName: string; configuration: { ingress: { traffic: unknown; fqdn: string } } };
      location: string;
    };
    assert.deepEqual(app.traffic, body.properties.configuration.ingress.traffic);
    assert.equal(app.latestRevisionName, body.properties.latestRevisionName);
    assert.equal(app.fqdn, body.properties.configuration.ingress.fqdn);
    assert.equal(app.location, body.location);
  });

  await t.test('ContainerApps_Patch: the SDK sends the example request as is, ARM answers 202 with Azure-AsyncOperation, the poll ends Succeeded', async () => {
    const envelope = PATCH.parameters.containerAppEnvelope as { location: string; tags: Record<string, string>; properties: Record<string, unknown> };
    const { configuration, template } = envelope.properties as { configuration: object; template: object };
    const before = sandbox.armRequests.length;
    const result = await client.containerApps.beginUpdateAndWait(
      rg,
      String(PATCH.parameters.containerAppName),
      {
        location: envelope.location,
        tags: envelope.tags,
        configuration,
        template,
      } as never,
      { updateIntervalInMs: 50 },
    );
    const calls = sandbox.armRequests.slice(before);
    const patch = calls.find((c) => c.method === 'PATCH');
    assert.deepEqual(patch?.body, envelope, 'the wire body is the example request');
    assert.equal(patch?.status, 202);
    assert.ok(Object.keys(PATCH.responses['202']?.headers ?? {}).includes('azure-asyncoperation'), 'the example answers 202 with Azure-AsyncOperation');
    assert.ok(
      calls.some((c) => /containerappOperationStatuses/.test(c.path) && c.status === 200),
      `polled the Azure-AsyncOperation status: ${calls.map((c) => `${c.method} ${c.path}`).join(', ')}`,
    );
    // The SDK's model fills latestRevision: false in when it reads the answer.
    assert.deepEqual(result.configuration?.ingress?.traffic, [
      { weight: 100, revisionName: 'testcontainerapp0-ab1234', label: 'production', latestRevision: false },
    ]);
    assert.equal(result.provisioningState, 'Succeeded');
  });

  await t.test('Revisions_List and Revisions_Get: the responses hold the example bodies (trafficWeight derived from the app traffic)', async () => {
    const revisionName = String(REV.parameters.revisionName);
    // The examples show this revision at weight 80: give it 80 through ARM, as revgate would.
    await createContainerAppsArm({ ...connection, pollIntervalMs: 50 }).setTraffic(rg, String(GET.parameters.containerAppName), 'East US', [
      { revisionName, weight: 80 },
      { revisionName: 'testcontainerapp0-ab4321', weight: 20 },
    ]);
    const listed = [];
    for await (const r of client.containerAppsRevisions.listRevisions(rg, String(LIST.parameters.containerAppName), { onResponse })) listed.push(r);
    const listBody = LIST.responses['200']?.body as { value: Array<{ name: string }>; nextLink: null };
    const example0 = listBody.value[0] as { name: string };
    assertContains(
      (raw as { value: Array<{ name: string }> }).value.find((v) => v.name === example0.name),
      example0,
    );
    assert.equal((raw as { nextLink: unknown }).nextLink, null);
    assert.equal(listed.length, 3);
    await client.containerAppsRevisions.getRevision(rg, String(REV.parameters.containerAppName), revisionName, { onResponse });
    assertContains(raw, REV.responses['200']?.body);
  });

  await t.test('Revisions_Deactivate and Revisions_Activate: 200, and the revision reads inactive, then active', async () => {
    for (const [ex, active] of [
      [DEACTIVATE, false],
      [ACTIVATE, true],
    ] as const) {
      const p = ex.parameters as unknown as { resourceGroupName: string; containerAppName: string; revisionName: string };
      if (active) await client.containerAppsRevisions.activateRevision(p.resourceGroupName, p.containerAppName, p.revisionName);
      else await client.containerAppsRevisions.deactivateRevision(p.resourceGroupName, p.containerAppName, p.revisionName);
      assert.deepEqual(Object.keys(ex.responses), ['200']);
      const r = await client.containerAppsRevisions.getRevision(p.resourceGroupName, p.containerAppName, p.revisionName);
      assert.equal(r.active, active);
    }
  });
});

/** Every key path of a JSON value, arrays collapsed to `[]`. */
function keyPaths(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => keyPaths(x, `${at}[]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...keyPaths(x, `${at}.${k}`)]);
  return [];
}

it("the sandbox's own documents use only properties of the examples or of ARM's 2025-07-01 model", () => {
  const ref = { subscription: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg', app: 'apex' };
  const known = new Set([...keyPaths(GET.responses['200']?.body), ...keyPaths(REV.responses['200']?.body), ...keyPaths(LIST.responses['200']?.body)]);
  // In the swagger model (and the SDK's Revision / Configuration), just not in these examples.
  const model = new Set([
    '.properties.healthState',
    '.properties.provisioningState',
    '.properties.configuration.activeRevisionsMode',
    '.properties.latestRevisionName',
    '.properties.configuration.ingress.traffic[].label',
  ]);
  const app = appDoc(ref, 'apex.example.io', [{ revisionName: 'apex--v1', weight: 100, label: 'stable' }], { name: 'apex--v1', fqdn: 'apex--v1.example.io' });
  const rev = revisionDoc(ref, { suffix: 'v1' }, 'apex--v1.example.io', new Date(0));
  const unknown = [...keyPaths(app), ...keyPaths(rev)].filter((p) => !known.has(p) && !model.has(p));
  assert.deepEqual(unknown, []);
});
