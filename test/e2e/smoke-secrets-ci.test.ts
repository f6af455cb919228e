import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { ROOT, readVerdict, runCli, tempDir } from '../helpers/cli.js';
import { allFiles } from '../helpers/files.js';

describe('secrets never leak', () => {
  it('a planted token, subscription key and custom secret appear in no output of a failing suite', async (t) => {
    const token = 'planted-token-4c1d9e8b7a6f5e4d3c2b1a0f';
    const key = 'planted-apim-key-0f1e2d3c4b5a69788796a5b4';
    const custom = 'planted-custom-9a8b7c6d5e4f3a2b1c0d';
    const sandbox = await startSandbox({ token });
    try {
      const out = tempDir(t);
      const r = await runCli(
        ['smoke', '--config', path.join(ROOT, 'test', 'fixtures', 'leak.config.json'), '--base-url', sandbox.url, '--out', out, '--retries', '1'],
        {
          env: { REVGATE_TOKEN: token, PLANTED_KEY: key, PLANTED_CUSTOM: custom },
        },
      );
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const v = readVerdict(out);
      assert.ok(v.checks.length >= 4, 'the declared checks and the leaky spec ran');
      assert.ok(
        v.checks.every((c) => c.status === 'failed'),
        JSON.stringify(v.checks.map((c) => [c.id, c.status])),
      );

      // Plain grep over every file, as a reviewer would.
      const files = allFiles(out);
      assert.ok(
        files.some((f) => f.endsWith('.zip')),
        'traces were recorded (so the scrubber had work to do)',
      );
      for (const f of files) {
        const text = readFileSync(f).toString('latin1');
        for (const secret of [token, key, custom]) assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… found in ${path.relative(out, f)}`);
      }
      // And a scan that opens zips and the HTML report's embedded data.
      assert.deepEqual(await scanForLeaks(out, [token, key, custom]), []);
      for (const stream of [r.stdout, r.stderr]) for (const secret of [token, key, custom]) assert.ok(!stream.includes(secret), 'console output');

      // Reproduce commands reference the env var instead of the value.
      const listFails = v.checks.find((c) => c.id === 'list-fails');
      assert.match(listFails?.reproduce ?? '', /authorization: Bearer \$\{REVGATE_TOKEN\}/i);
      assert.match(listFails?.reproduce ?? '', /ocp-apim-subscription-key: \$\{PLANTED_KEY\}/i);
      assert.equal(sandbox.state().projects.active, 0, 'the failing flow cleaned up');
    } finally {
      await sandbox.stop();
    }
  });
});

describe('CI integrations', () => {
  it('GitHub Actions: step summary and outputs; Azure Pipelines: output variable', async (t) => {
    const dir = tempDir(t);
    const summary = path.join(dir, 'step-summary.md');
    const output = path.join(dir, 'output.txt');
    writeFileSync(summary, '');
    writeFileSync(output, '');
    const out = path.join(dir, 'out');
    const r = await runCli(['smoke', '--sandbox', '--fault', 'ready-fail', '--grep', 'health', '--out', out], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output, TF_BUILD: 'True' },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(readFileSync(summary, 'utf8'), /## revgate smoke: ❌ FAIL: roll back/);
    assert.match(readFileSync(output, 'utf8'), /^verdict=fail$/m);
    assert.match(readFileSync(output, 'utf8'), /^decision=rollback$/m);
    assert.match(r.stdout, /^##vso\[task\.setvariable variable=revgateVerdict;isOutput=true\]fail$/m);
  });
});
