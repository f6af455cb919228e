/**
 * Issue 10, item 5: an A/A pair that is slow on both arms (what a machine with its cores busy, or a shared
 * dependency, looks like to the gate) is never rolled back by an absolute latency gate: both revisions
 * breach it alike, so the canary is no worse than the revision in service. Injected: both servers answer
 * in 2.5 s, above the APEX criteria's p95 < 2 s.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readVerdict, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-aa-slow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function slowServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"healthy"}');
    }, 2500);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('an A/A pair slow on both arms', () => {
  it('is held (inconclusive), never rolled back, and the reason says both breached', async () => {
    const [a, b] = [await slowServer(), await slowServer()];
    try {
      const out = path.join(dir, 'out');
      const r = await runCli(
        ['gate', '--canary', a.url, '--baseline', b.url, '--criteria', 'load/criteria/apex-canary.json', '--rate', '20', '--max-duration', '12s', '--out', out],
        { timeoutMs: 90_000 },
      );
      assert.notEqual(r.code, 1, `never a rollback: ${r.stderr}`);
      assert.equal(r.code, 2, r.stderr);
      const latency = readVerdict(out).gates.find((g) => g.id === 'http_req_duration:p(95)<2000');
      assert.equal(latency?.status, 'inconclusive', latency?.reason);
      assert.match(latency?.reason ?? '', /the baseline breached the same limit at the same time/);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
