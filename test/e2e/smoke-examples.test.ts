import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ROOT, calmConfig, checkStatus, readVerdict, runCli, tempDir } from '../helpers/cli.js';

const EXAMPLES = ['apex-backend', 'operations-guide', 'wine-quality', 'xshopai-user-service', 'stamps-tenant-api'];

describe('every example config works against the sandbox', () => {
  let sandbox: RunningSandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  for (const name of EXAMPLES) {
    it(`examples/${name}.json`, async (t) => {
      const out = tempDir(t);
      // Through calmConfig: the examples' 200-500 ms latency limits would measure this shared machine, not them.
      const config = calmConfig(t, path.join(ROOT, 'examples', `${name}.json`));
      const r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out], {
        env: { REVGATE_TOKEN: sandbox.token, APIM_SUBSCRIPTION_KEY: 'example-subscription-key-123456' },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const v = readVerdict(out);
      assert.equal(v.verdict, 'pass');
      // At least 3 checks ran, and every one passed (without latency limits, a busy machine cannot degrade them).
      const ran = v.checks.filter((c) => c.status !== 'skipped');
      assert.ok(ran.length >= 3, `${ran.length} checks ran`);
      assert.deepEqual(
        ran.filter((c) => c.status !== 'passed').map((c) => [c.id, c.status, c.error?.message]),
        [],
      );
    });
  }

  it('the same example fails when the sandbox breaks what it checks', async (t) => {
    sandbox.setFaults(['errors=1,path=/api/v1/prediction/predict']);
    try {
      const out = tempDir(t);
      const config = calmConfig(t, path.join(ROOT, 'examples', 'wine-quality.json'));
      const r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(checkStatus(readVerdict(out), 'predict'), 'failed');
    } finally {
      sandbox.clearFaults();
    }
  });
});

describe('browser checks run in real Chromium', () => {
  it('the status page spec passes on a healthy sandbox and fails when /health breaks', async (t) => {
    const sandbox = await startSandbox();
    try {
      const config = path.join(ROOT, 'test', 'fixtures', 'browser.config.json');
      let out = tempDir(t);
      let r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readVerdict(out).checks.find((c) => c.id.startsWith('status-page/'))?.status, 'passed');

      sandbox.setFaults(['errors=1,path=/health']);
      out = tempDir(t);
      r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(readVerdict(out).checks.find((c) => c.id.startsWith('status-page/'))?.status, 'failed');
    } finally {
      await sandbox.stop();
    }
  });
});
