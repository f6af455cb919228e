/**
 * Issue 11, item 10: a `${VAR}` sent in a header, query or body is masked in every output even when nobody
 * listed it under `secrets` (an `X-Functions-Key` / `?code=` config); `secrets.plain` opts one out, with a reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startSandbox } from '../../src/sandbox/index.js';
import { scanForLeaks } from '../../src/secrets/scan.js';
import { readVerdict, ROOT, runCli } from '../helpers/cli.js';
import { allFiles } from '../helpers/files.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-envrefs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('values substituted from the environment into requests', () => {
  it('are masked everywhere by default; secrets.plain keeps one readable', async () => {
    const fnKey = 'planted-functions-key-5e6f7a8b9c0d1e2f';
    const fnCode = 'planted-code-a1b2c3d4e5f60718293a';
    const region = 'westeurope-plain';
    const config = path.join(dir, 'functions.json');
    writeFileSync(
      config,
      JSON.stringify({
        service: { name: 'fn' },
        environments: { dev: { baseUrl: 'http://127.0.0.1:1', headers: { 'X-Functions-Key': '${FN_KEY}' } } },
        secrets: { plain: { REGION: 'a region name, shown in reports' } },
        // A hand-written spec makes the suite run in Playwright, whose traces hold every request's headers and query.
        specs: [path.relative(dir, path.join(ROOT, 'test', 'fixtures', 'env-refs.spec.ts'))],
        checks: [
          { id: 'live', request: { path: '/health/live', query: { code: '${FN_CODE}' }, headers: { 'X-Region': '${REGION}' }, auth: false } },
          // Fails, so its trace, attachments and reproduce command are kept for the scrubber to work on.
          { id: 'missing', request: { path: '/nope', query: { code: '${FN_CODE}' }, auth: false }, expect: { status: 200 } },
        ],
      }),
    );
    const sandbox = await startSandbox();
    try {
      const out = path.join(dir, 'out');
      const r = await runCli(['smoke', '--config', config, '--base-url', sandbox.url, '--out', out], {
        env: { FN_KEY: fnKey, FN_CODE: fnCode, REGION: region },
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const files = allFiles(out);
      assert.ok(
        files.some((f) => f.endsWith('.zip')),
        'a trace was kept',
      );
      for (const f of files) {
        const text = readFileSync(f).toString('latin1');
        for (const secret of [fnKey, fnCode]) assert.ok(!text.includes(secret), `${secret.slice(0, 16)}… in ${path.relative(out, f)}`);
      }
      assert.deepEqual(await scanForLeaks(out, [fnKey, fnCode]), []);
      for (const s of [fnKey, fnCode]) assert.ok(!(r.stdout + r.stderr).includes(s), 'console');
      const reproduce = readVerdict(out).checks.find((c) => c.id === 'live')?.reproduce ?? '';
      assert.ok(reproduce.includes(region), `the opted-out value stays readable: ${reproduce}`);
    } finally {
      await sandbox.stop();
    }
  });
});
