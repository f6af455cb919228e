/**
 * Issue 10, "Done when": the canary gate against real loopback servers started here, under the conditions
 * production brings. Each run is short (seconds): 50 ms windows, a 5 s minDuration where a pass must be
 * possible, or the shipped criteria as they are with a budget of seconds where the question is only "never
 * rolled back". Conditions are injected far above scheduling noise (8 s waits, whole windows of 503s, every
 * 2,000th request a 5xx, a CPU hog per core), and assertions are on the verdict, never on timings.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readVerdict, runCli, tempDir, writeJson } from '../helpers/cli.js';
import { verdictSchemaErrors } from '../helpers/verdicts.js';
import type { Verdict } from '../../src/verdict/types.js';

const APEX = 'load/criteria/apex-canary.json';
const dir = tempDir({ after }, 'revgate-gate-real-');
const shipped = JSON.parse(readFileSync(APEX, 'utf8')) as Record<string, unknown>;
/** The shipped APEX gates with test timing: a pass (which these tests must rule out) is possible in seconds. */
const APEX_FAST = writeJson(path.join(dir, 'apex-fast.json'), { ...shipped, $schema: undefined, window: '50ms', minDuration: '5s' });
/** One request kind, so that every arrival hits the server's counter the same way. */
const PROFILE = writeJson(path.join(dir, 'profile.json'), {
  name: 'one',
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', requests: [{ name: 'health', path: '/health' }] } },
  thresholds: { http_req_failed: ['rate<0.05'] },
});

interface Server {
  url: string;
  /** Responses answered 5xx so far. */
  served5xx: () => number;
  close: () => Promise<void>;
}

/** A JSON server; `plan(n, sinceFirstMs)` says how to answer the n-th request (from 1): a status and a delay. */
async function server(plan: (n: number, sinceFirstMs: number) => { status?: number; delayMs?: number } = () => ({})): Promise<Server> {
  let n = 0;
  let first = 0;
  let fives = 0;
  const srv = http.createServer((_req, res) => {
    first ||= Date.now();
    const { status = 200, delayMs = 0 } = plan(++n, Date.now() - first);
    const answer = (): void => {
      if (status >= 500) fives++;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 400 ? '{"status":"healthy"}' : '{"error":"unavailable"}');
    };
    if (delayMs) setTimeout(answer, delayMs).unref();
    else answer();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    served5xx: () => fives,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

async function gate(t: { diagnostic(m: string): void }, args: string[], name: string): Promise<{ code: number | null; stderr: string; v: Verdict }> {
  const out = path.join(dir, name);
  const r = await runCli(['gate', '--profile', PROFILE, ...args, '--out', out]);
  const v = readVerdict(out);
  t.diagnostic(`exit ${r.code}: ${v.summary}`);
  assert.equal(verdictSchemaErrors(v), '', 'the verdict validates against the schema');
  assertNoSentinels(v);
  for (const g of v.gates) assert.match(g.reason, /windows of \d+ ms|since the start|over the whole run/, `${g.id} names its evidence window: ${g.reason}`);
  return { code: r.code, stderr: r.stderr, v };
}

/**
 * No stand-in numbers for unbounded or unknown values anywhere in the verdict: nothing near
 * Number.MAX_SAFE_INTEGER or 1e308 (an unbounded interval end is null), no negative count.
 */
function assertNoSentinels(v: Verdict): void {
  const counts = /\.(samples|samplesNeeded|requests|windows|durationMs|dropped|skipped|outstanding|observed)\b|\.(canary|baseline)$/;
  const walk = (x: unknown, at: string): void => {
    if (typeof x === 'number')
      assert.ok(Number.isFinite(x) && Math.abs(x) < 1e12 && !(x < 0 && counts.test(at) && !at.includes('compare:')), `a sentinel number at ${at}: ${x}`);
    else if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${at}[${i}]`));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, `${at}.${k}`);
  };
  walk(v, '$');
}

const failed = (v: Verdict): string[] => v.gates.filter((g) => g.blocking && g.status === 'failed').map((g) => g.id);

describe('the gate under real traffic', { concurrency: true }, () => {
  it('a canary where 20% of requests take 8 s is rolled back on latency before they answer, never promoted', async (t) => {
    const [canary, baseline] = [await server((n) => ({ delayMs: n % 5 === 0 ? 8000 : 0 })), await server()];
    try {
      const r = await gate(t, ['--canary', canary.url, '--baseline', baseline.url, '--criteria', APEX_FAST, '--rate', '100', '--max-duration', '20s'], 'hang');
      assert.equal(r.code, 1, r.stderr);
      assert.ok(
        failed(r.v).some((id) => id.includes('http_req_duration')),
        `a latency gate failed (requests older than 2 s count as slower than 2 s while outstanding): ${failed(r.v).join(', ')}`,
      );
      assert.ok((r.v.canary?.outstanding?.canary ?? 0) > 0, 'decided while 8 s requests were still outstanding: nothing was censored');
    } finally {
      await Promise.all([canary.close(), baseline.close()]);
    }
  });

  it('a canary failing twice the limit in bursts (whole windows of 503s after a clean start) is never promoted', async (t) => {
    // 10% of the time, in 200 ms bursts every 2 s, the first one 1.8 s after the first request: a per-request
    // test promotes it on the clean start; the limit is 5%, a clean canary passes these criteria in about 5 s.
    const criteria = writeJson(path.join(dir, 'bursts.json'), { window: '50ms', minDuration: '5s', thresholds: { http_req_failed: ['rate<0.05'] } });
    const canary = await server((_n, ms) => ({ status: ms % 2000 >= 1800 ? 503 : 200 }));
    try {
      const r = await gate(t, ['--canary', canary.url, '--criteria', criteria, '--rate', '200', '--max-duration', '8s'], 'bursts');
      assert.notEqual(r.code, 0, `never a promote: ${r.v.summary}`);
      assert.ok(r.code === 1 || r.code === 2, r.stderr);
      assert.ok(canary.served5xx() > 0, 'the bursts happened');
    } finally {
      await canary.close();
    }
  });

  it('an A/A pair sharing a 0.05% background of 5xx is never rolled back by the shipped criteria', async (t) => {
    // One request in 2,000 on each arm is a 503, the first at the 1,000th: at least one per arm in 8 s at 300 req/s even
    // when a busy generator skips arrivals, which "http_5xx count==0" (the criteria before issue 10) rolled back. The
    // shipped file as it is; 8 s cannot pass it (minDuration 1 min).
    const every2000 = (n: number): { status: number } => ({ status: n % 2000 === 1000 ? 503 : 200 });
    const [a, b] = [await server(every2000), await server(every2000)];
    try {
      const r = await gate(t, ['--canary', a.url, '--baseline', b.url, '--criteria', APEX, '--rate', '300', '--max-duration', '8s'], 'background-5xx');
      assert.notEqual(r.code, 1, `never a rollback: ${r.v.summary}`);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(a.served5xx() >= 1 && b.served5xx() >= 1, `both arms served 5xx (${a.served5xx()}, ${b.served5xx()})`);
      assert.notEqual(r.v.gates.find((g) => g.id === 'compare:http_5xx')?.status, 'failed');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('SIGTERM before the evidence decided: a partial verdict, error (exit 4)', async () => {
    const [a, b] = [await server(), await server()];
    try {
      const out = path.join(dir, 'sigterm');
      const r = await runCli(['gate', '--profile', PROFILE, '--canary', a.url, '--baseline', b.url, '--criteria', APEX, '--out', out], {
        interruptOn: /revgate: \d+\.\d s {2}canary/,
        interruptWith: 'SIGTERM',
      });
      assert.equal(r.code, 4, r.stderr);
      const v = readVerdict(out);
      assert.equal(verdictSchemaErrors(v), '');
      assert.deepEqual([v.verdict, v.decision, v.partial, v.canary?.stopReason], ['error', 'hold', true, 'interrupted']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the gate on a machine with its cores busy', () => {
  it('an A/A pair is never rolled back by the shipped criteria', async (t) => {
    // A busy loop per core (at most 4), for the whole run: the generator and both servers (this process) compete for
    // every core alike. Not more: npm test runs another test file alongside, which must hold on a busy machine too.
    const hogs: ChildProcess[] = Array.from({ length: Math.min(4, os.availableParallelism()) }, () =>
      spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
    );
    const jitter = (): { delayMs: number } => ({ delayMs: 20 + Math.floor(Math.random() * 20) });
    const [a, b] = [await server(jitter), await server(jitter)];
    try {
      // A small in-flight cap (about 6 requests are in flight at 200 req/s and 30 ms), so that the starved servers'
      // latency fills it: arrivals dropped on both arms (54-115 each in four runs), which rolled the pair back before
      // dropped arrivals on both arms made a breach the baseline shares a hold.
      const r = await gate(
        t,
        ['--canary', a.url, '--baseline', b.url, '--criteria', APEX, '--rate', '200', '--max-in-flight', '8', '--max-duration', '6s'],
        'busy',
      );
      t.diagnostic(`dropped ${JSON.stringify(r.v.canary?.dropped)}, skipped ${JSON.stringify(r.v.canary?.skipped ?? {})}`);
      assert.notEqual(r.code, 1, `never a rollback: ${r.v.summary}`);
      assert.equal(r.code, 2, r.stderr);
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
      await Promise.all([a.close(), b.close()]);
    }
  });
});
