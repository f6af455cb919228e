/**
 * A suite of declared checks only runs in revgate's process (src/smoke/in-process.ts), with the semantics the
 * Playwright run had: --workers checks at a time, --retries (a pass on retry is flaky and keeps the failure),
 * --grep on title and tags, and on SIGTERM the request in flight ends, its check is an error (not a failure),
 * its cleanup still deletes what the flow created, nothing new starts, and the run exits 4 with a verdict.
 * Playwright never starts: OUT has no html/ or test-results/, and revgate writes report.html and Allure itself.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';

function service() {
  const records = new Map<string, string>();
  const state = { inFlight: 0, maxInFlight: 0, flakyCalls: 0, onSlow: (): void => undefined };
  let next = 1;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://svc');
    req.resume();
    req.on('end', () => {
      const send = (status: number, body?: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (url.pathname === '/records' && req.method === 'POST') {
        const id = `rec-${next++}`;
        records.set(id, 'smoke');
        return send(201, { id });
      }
      const one = /^\/records\/([^/]+)$/.exec(url.pathname);
      if (one && req.method === 'DELETE') return send(records.delete(one[1] as string) ? 204 : 404);
      // Never answers: the run has to be interrupted while this request is in flight.
      if (url.pathname === '/slow') return state.onSlow();
      if (url.pathname === '/hold') {
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        return void setTimeout(
          () => {
            state.inFlight--;
            send(200, { ok: true });
          },
          Number(url.searchParams.get('ms')),
        );
      }
      if (url.pathname === '/flaky') return send(++state.flakyCalls === 1 ? 500 : 200, { call: state.flakyCalls });
      return send(200, { ok: true });
    });
  });
  return { server, records, state };
}

describe('declared checks in-process', () => {
  const svc = service();
  let url = '';
  before(async () => {
    await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(svc.server.address() as AddressInfo).port}`;
  });
  after(() => {
    svc.server.closeAllConnections();
    svc.server.close();
  });
  const config = (t: { after: (fn: () => void) => void }, checks: unknown[]): string => {
    const dir = tempDir(t);
    return writeJson(path.join(dir, 'c.json'), { service: { name: 'inproc' }, environments: { local: { baseUrl: url } }, checks });
  };

  it('SIGTERM mid-flow: the check is an error, its cleanup runs, nothing new starts, exit 4', async (t) => {
    const cfg = config(t, [
      {
        id: 'create-then-hang',
        readOnly: false,
        steps: [
          {
            name: 'create',
            request: { method: 'POST', path: '/records', json: {} },
            expect: { status: 201 },
            capture: { id: 'id' },
            cleanup: { path: '/records/{{id}}' },
          },
          { name: 'hang', request: { path: '/slow', timeoutMs: 60_000 }, expect: { status: 200 } },
        ],
      },
      { id: 'after', request: { path: '/ok' }, expect: { status: 200 } },
    ]);
    const out = tempDir(t);
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/revgate.js'), 'smoke', '--config', cfg, '--workers', '1', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_ACTIONS: '', TF_BUILD: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    svc.state.onSlow = () => void child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    svc.state.onSlow = () => undefined;

    assert.equal(code, 4, output);
    const v = readVerdict(out);
    assert.equal(verdictSchemaErrors(v), '');
    const flow = v.checks.find((c) => c.id === 'create-then-hang');
    assert.equal(flow?.status, 'error', 'interrupted, not measured: never a failure of the revision');
    assert.match(flow?.error?.message ?? '', /interrupted/);
    assert.equal(flow?.cleanup?.status, 'passed', JSON.stringify(flow?.cleanup));
    assert.equal(svc.records.size, 0, 'the record the flow created was deleted after the signal');
    assert.equal(v.checks.find((c) => c.id === 'after')?.status, 'skipped', 'nothing new starts after the signal');
    for (const f of ['report.html', 'allure-results']) assert.ok(existsSync(path.join(out, f)), f);
    for (const f of ['html', 'test-results']) assert.equal(existsSync(path.join(out, f)), false, `${f}: Playwright never started`);
  });

  it('--workers bounds how many checks are in flight; every check passes', async (t) => {
    // Each request is held 0.8 s: the four are in flight together unless the machine stalls longer than that between dispatching them.
    const cfg = config(
      t,
      ['a', 'b', 'c', 'd'].map((id) => ({ id, request: { path: '/hold', query: { ms: '800' } }, expect: { status: 200 } })),
    );
    for (const [workers, expected] of [
      ['1', [1, 1]],
      ['4', [2, 4]],
    ] as const) {
      svc.state.maxInFlight = 0;
      const out = tempDir(t);
      const r = await runCli(['smoke', '--config', cfg, '--workers', workers, '--out', out]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(readVerdict(out).checks.filter((c) => c.status === 'passed').length, 4);
      assert.ok(
        svc.state.maxInFlight >= expected[0] && svc.state.maxInFlight <= expected[1],
        `--workers ${workers}: ${svc.state.maxInFlight} requests in flight at once`,
      );
    }
  });

  it('--retries: a pass on retry is flaky and keeps the failure; --grep selects by tag', async (t) => {
    svc.state.flakyCalls = 0;
    const cfg = config(t, [
      { id: 'flaky', tags: ['critical'], request: { path: '/flaky' }, expect: { status: 200 } },
      { id: 'other', request: { path: '/ok' }, expect: { status: 200 } },
    ]);
    const out = tempDir(t);
    const r = await runCli(['smoke', '--config', cfg, '--retries', '1', '--grep', '@critical', '--out', out]);
    assert.equal(r.code, 2, `a flaky blocking check holds the rollout: ${r.stdout}${r.stderr}`);
    const v = readVerdict(out);
    assert.deepEqual(
      v.checks.map((c) => c.id),
      ['flaky'],
      '--grep @critical runs the tagged check only',
    );
    const flaky = v.checks[0];
    assert.equal(flaky?.status, 'flaky');
    assert.equal(flaky?.attempts, 2);
    assert.match(flaky?.error?.message ?? '', /passed on attempt 2 after failing: .*500/);
    assert.deepEqual(
      flaky?.tries?.map((x) => x.status),
      ['failed', 'passed'],
    );
    assert.ok(readdirSync(path.join(out, 'allure-results')).length > 0, 'Allure results written by revgate');
  });
});
