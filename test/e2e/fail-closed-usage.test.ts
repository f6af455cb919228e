/**
 * Issue 11, items 1-2: a bad invocation runs nothing. Against a counting server on loopback: an unknown or
 * mistyped flag, an empty URL, a flag value yargs reads as flags, exits 3 before a single request is sent,
 * with no output folder and nothing written to the CI output files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('a bad invocation runs nothing', { concurrency: true }, () => {
  let requests = 0;
  let url = '';
  let server: http.Server;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-usage-'));
  const config = path.join(dir, 'config.json');
  before(async () => {
    server = http.createServer((_req, res) => {
      requests++;
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The config's own environment points at the counting server too: a fallback to it would be seen.
    writeFileSync(
      config,
      JSON.stringify({ service: { name: 'u' }, environments: { dev: { baseUrl: url } }, checks: [{ id: 'h', request: { path: '/health' } }] }),
    );
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => string[], RegExp]> = [
    ['smoke with a mistyped flag', () => ['smoke', '--config', config, '--base-urll', url], /Unknown argument: base-urll/],
    ['smoke with an empty --base-url (an unset $NEW_FQDN)', () => ['smoke', '--config', config, '--base-url', ''], /--base-url is empty/],
    [
      'load with an unknown flag',
      () => ['load', '--profile', 'load/profiles/sandbox-smoke.json', '--base-url', url, '--bogus', '1'],
      /Unknown argument: bogus/,
    ],
    ['probe with an empty --base-url', () => ['probe', '--tenants', 'fixtures/tenants/stamps.json', '--base-url', ''], /--base-url is empty/],
    [
      'gate with a negative duration read as flags',
      () => ['gate', '--canary', url, '--criteria', 'load/criteria/apex-canary.json', '--max-duration', '-1m'],
      /Unknown arguments: 1, m/,
    ],
  ];
  for (const [name, args, expected] of cases) {
    it(`${name}: exit 3, no request, no output, CI files untouched`, async () => {
      const ci = mkdtempSync(path.join(dir, 'ci-'));
      const out = path.join(ci, 'out');
      const files = { GITHUB_OUTPUT: path.join(ci, 'github-output'), GITHUB_STEP_SUMMARY: path.join(ci, 'step-summary') };
      for (const f of Object.values(files)) writeFileSync(f, 'before\n');
      const before = requests;
      const r = await runCli([...args(), '--out', out], { env: { ...files, GITHUB_ACTIONS: 'true', TF_BUILD: 'True' }, timeoutMs: 30_000 });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, expected);
      assert.match(r.stderr, /Nothing was run/);
      assert.equal(requests, before, 'no request reached the server');
      assert.equal(existsSync(out), false, 'no output folder');
      for (const f of Object.values(files)) assert.equal(readFileSync(f, 'utf8'), 'before\n');
      assert.doesNotMatch(r.stdout, /##vso\[|verdict=/, 'no Azure Pipelines variable or verdict line');
    });
  }
});
