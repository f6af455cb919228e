/**
 * `revgate discover` end to end through the built CLI, the real @azure/arm-appcontainers client and
 * DefaultAzureCredential (managed identity), against the sandbox's emulated ARM: listing, --json for
 * pipelines, --canary/--baseline resolved to FQDN URLs, preflight refusing unhealthy and failed
 * revisions with the ARM state, and each ARM failure with its exit code and message. No secret (the
 * identity header, the revisions' token) appears in any output.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { exitCodeForError } from '../../src/core/errors.js';
import { discoverAdapter, type DiscoverOptions } from '../../src/discover/command.js';
import { runCommand } from '../../src/run/command.js';
import { readVerdict, runCli, tempDir } from '../helpers/cli.js';
import { startAca } from '../helpers/aca.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

it('discover --sandbox lists the revisions with weights, labels and states (the launcher starts the control plane)', async (t) => {
  const out = tempDir(t);
  const r = await runCli(['discover', '--sandbox', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /REVISION\s+ACTIVE\s+WEIGHT\s+LABELS\s+HEALTH\s+PROVISIONING\s+RUNNING\s+REPLICAS\s+CREATED\s+FQDN/);
  assert.match(r.stdout, /apex-backend--v2\s+yes\s+0%\s+next\s+Healthy\s+Provisioned\s+Running\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+127\.0\.0\.1:\d+/);
  assert.match(r.stdout, /apex-backend--v1\s+yes\s+100%\s+stable\s+Healthy/);
  const v = readVerdict(out);
  assert.equal(verdictSchemaErrors(v), '');
  assert.equal(v.kind, 'discover');
  assert.deepEqual(
    v.containerApp?.revisions?.map((x) => [x.name, x.trafficWeight, x.labels]),
    [
      ['apex-backend--v1', 100, ['stable']],
      ['apex-backend--v2', 0, ['next']],
    ],
  );
});

it('discover against an ARM endpoint: JSON for pipelines, preflight, and every ARM failure with its exit code', async (t) => {
  const aca = await startAca(t);
  const secrets = [aca.s.identity.header, aca.s.token];
  const noSecrets = (texts: string[]): void => {
    for (const text of texts) for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret reached an output');
  };
  const cli = async (args: string[], env: Record<string, string> = aca.env) => {
    const out = tempDir(t);
    const r = await runCli(['discover', ...aca.args, '--out', out, ...args], { env });
    noSecrets([r.stdout, r.stderr, ...allFiles(out).map((f) => readFileSync(f, 'latin1'))]);
    return { ...r, out };
  };
  // The rest runs the same command in this process (a CLI start costs more than the run): the same
  // skeleton, client and credential, with the managed identity variables in this process's environment.
  Object.assign(process.env, aca.env);
  const run = async (o: Partial<DiscoverOptions>) => {
    const out = tempDir(t);
    let stdout = '';
    let stderr = '';
    const io = { out: (x: string) => void (stdout += x), err: (x: string) => void (stderr += x), env: process.env };
    const options: DiscoverOptions = {
      app: aca.s.ref.app,
      resourceGroup: aca.s.ref.resourceGroup,
      subscription: aca.s.ref.subscription,
      armEndpoint: aca.s.armUrl,
      caFile: aca.args[aca.args.indexOf('--ca-file') + 1] as string,
      json: false,
      sandbox: false,
      emit: io.out,
      ...o,
    };
    let code: number;
    try {
      code = await runCommand(discoverAdapter(options), { io, out });
    } catch (err) {
      code = exitCodeForError(err);
      stderr += (err as Error).message;
    }
    noSecrets([stdout, stderr, ...allFiles(out).map((f) => readFileSync(f, 'latin1'))]);
    return { code, stdout, stderr, out };
  };

  await t.test('--canary latest --baseline current --json: one JSON document on stdout with both URLs, preflight passed', async () => {
    const r = await cli(['--canary', 'latest', '--baseline', 'current', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      canary: { revision: string; url: string; preflight: { passed: boolean } };
      baseline: { revision: string; url: string };
    };
    const urls = new Map(aca.s.revisions().map((x) => [x.name, x.url]));
    assert.equal(doc.canary.revision, aca.revision('v2'));
    assert.equal(doc.canary.url, urls.get(aca.revision('v2')));
    assert.equal(doc.baseline.url, urls.get(aca.revision('v1')));
    assert.equal(doc.canary.preflight.passed, true);
    assert.match(r.stderr, /verdict: pass/, 'the verdict lines go to stderr with --json');
  });

  await t.test('a credential that gets no token is exit 4 with what the credentials said', async () => {
    const r = await cli([], { ...aca.env, IDENTITY_HEADER: 'not-the-header' });
    assert.equal(r.code, 4);
    assert.match(readVerdict(r.out).reasons[0] ?? '', /could not get an Azure token for https:\/\/127\.0\.0\.1:\d+ to read container app apex-backend/);
  });

  await t.test('preflight refuses an unhealthy revision and a failed one (exit 1, ARM state in the summary)', async () => {
    await aca.s.deployRevision({ suffix: 'v3', healthState: 'Unhealthy' });
    await aca.s.deployRevision({
      suffix: 'v4',
      provisioningState: 'Failed',
      runningState: 'ActivationFailed',
      replicas: 0,
      provisioningError: 'ImagePullBackOff',
    });
    const unhealthy = await run({ canary: 'v3' });
    assert.equal(unhealthy.code, 1, unhealthy.stderr);
    const v = readVerdict(unhealthy.out);
    assert.equal(verdictSchemaErrors(v), '');
    assert.match(
      v.reasons[0] ?? '',
      /^preflight-canary failed: apex-backend--v3 is not ready: healthState is Unhealthy \(expected Healthy\) \(ARM: provisioningState Provisioned, healthState Unhealthy/,
    );
    const failed = await run({ canary: 'latest' });
    assert.equal(failed.code, 1);
    assert.match(
      readVerdict(failed.out).reasons[0] ?? '',
      /apex-backend--v4 is not ready: provisioningState is Failed \(expected Provisioned\); runningState is ActivationFailed \(expected Running\); 0 replicas .*provisioningError "ImagePullBackOff"/,
    );
    assert.match(failed.stdout, /canary: latest -> apex-backend--v4 https:\/\/127\.0\.0\.1:\d+ {2}preflight FAILED/);
  });

  await t.test('no such app or revision: exit 3 with what exists; nothing reported', async () => {
    const app = await run({ app: 'apex-frontend' });
    assert.equal(app.code, 3);
    assert.match(app.stderr, /could not read container app apex-frontend: not found in resource group revgate-sandbox/);
    const rev = await run({ canary: 'v9' });
    assert.equal(rev.code, 3);
    assert.match(
      rev.stderr,
      /--canary: no revision or label "v9" in apex-backend \(revisions: apex-backend--v1, apex-backend--v2, apex-backend--v3, apex-backend--v4; labels: stable, next\)/,
    );
  });

  await t.test('403 is exit 4 with what ARM said; 429 is waited out (Retry-After) and retried', async () => {
    aca.s.setArmFaults(['forbidden']);
    const denied = await run({});
    assert.equal(denied.code, 4);
    assert.match(
      readVerdict(denied.out).reasons[0] ?? '',
      /arm-read error: ARM denied this identity \(403 AuthorizationFailed\) to read container app apex-backend: reading needs Reader/,
    );
    aca.s.setArmFaults(['throttle=2,retry-after=1']);
    const throttled = await run({});
    aca.s.setArmFaults([]);
    assert.equal(throttled.code, 0, throttled.stderr);
    assert.equal(
      (
        throttled.stderr.match(/ARM throttled the request to read container app apex-backend \(429 TooManyRequests, Retry-After 1 s\).*retrying in 1000 ms/g) ??
        []
      ).length,
      2,
    );
  });
});
