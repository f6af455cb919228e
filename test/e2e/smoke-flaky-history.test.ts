/**
 * Issue 12: a check that fails once with a 500 and passes on retry keeps that 500 (with the attempt's latency)
 * in verdict.json, summary.md and junit.xml, not only in Playwright's own report.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import { readVerdict, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-flaky-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a failure hidden by a retry', () => {
  it('is reported in verdict.json, summary.md and junit.xml', async () => {
    const sandbox = await startSandbox({ faults: ['errors=1,status=500,first=1,path=/health/db'] });
    try {
      const out = path.join(dir, 'out');
      const r = await runCli(['smoke', '--base-url', sandbox.url, '--grep', 'health-db', '--retries', '1', '--out', out], {
        env: { REVGATE_TOKEN: sandbox.token },
      });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const check = readVerdict(out).checks.find((c) => c.id === 'health-db');
      assert.equal(check?.status, 'flaky');
      assert.match(check?.error?.message ?? '', /^passed on attempt 2 after failing: .*500/);
      assert.deepEqual(
        check?.tries?.map((t) => [t.attempt, t.status]),
        [
          [1, 'failed'],
          [2, 'passed'],
        ],
      );
      assert.match(check?.tries?.[0]?.message ?? '', /500/);
      // Each attempt keeps its own request latency, next to the check's wall time.
      assert.ok(
        check?.tries?.every((t) => typeof t.latencyMs === 'number'),
        JSON.stringify(check?.tries),
      );
      assert.equal(typeof check?.latencyMs, 'number');
      assert.match(
        readFileSync(path.join(out, 'summary.md'), 'utf8'),
        /health-db.*\| flaky \| \d+ ms \| \d+ ms \| attempt 1 failed \(latency \d+ ms\): [^|]*500/,
      );
      assert.match(
        readFileSync(path.join(out, 'junit.xml'), 'utf8'),
        /<flakyFailure message="[^"]*500[^"]*" type="failed">\s*<stackTrace>attempt 1 failed \(latency \d+ ms\)/,
      );
    } finally {
      await sandbox.stop();
    }
  });
});
