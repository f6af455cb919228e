/**
 * `revgate monitor --once` as a cron job runs it: each invocation is one round, the alert state and history
 * carry over in the database, and the exit code says whether the latest round passed. Bad input is exit 3
 * with every problem listed and nothing started: no database, no request.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDb } from '../../src/monitor/db.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import type { Verdict } from '../../src/verdict/types.js';
import { runCli, tempDir } from '../helpers/cli.js';

let sandbox: RunningSandbox;
before(async () => {
  sandbox = await startSandbox({ faults: ['down,path=/health'] });
});
after(async () => sandbox?.stop());

describe('revgate monitor --once', () => {
  it('carries the alert state across invocations: the second failing round opens the alert (threshold 2)', async (t) => {
    const dir = tempDir(t);
    const config = path.join(dir, 'c.json');
    writeFileSync(
      config,
      JSON.stringify({
        service: { name: 'once' },
        environments: { local: { baseUrl: sandbox.url } },
        checks: [
          { id: 'health', request: { path: '/health' }, expect: { status: 200 } },
          { id: 'live', request: { path: '/health/live' }, expect: { status: 200 } },
        ],
        monitor: { alerts: { failureThreshold: 2 } },
      }),
    );
    const db = path.join(dir, 'm.sqlite');
    const round = (n: number) => runCli(['monitor', '--config', config, '--once', '--db', db, '--out', path.join(dir, `out${n}`)]);
    const first = await round(1);
    assert.equal(first.code, 1, first.stderr);
    assert.doesNotMatch(first.stderr, /ALERT/);
    const second = await round(2);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /ALERT check:health: 2 consecutive failed results: expected status 200, got 503/);
    const verdict = JSON.parse(readFileSync(path.join(dir, 'out2', 'verdict.json'), 'utf8')) as Verdict;
    assert.equal(verdict.kind, 'monitor');
    assert.deepEqual(verdict.checks.map((c) => [c.id, c.status]).sort(), [
      ['check:health', 'failed'],
      ['check:live', 'passed'],
    ]);
    assert.ok(verdict.reasons.some((r) => r.includes('1 alert(s) open: check:health')));
    assert.ok(existsSync(path.join(dir, 'out2', 'monitor.html')));
    const { db: d, close } = openDb(db);
    try {
      assert.equal(Number(d.get('SELECT count(*) AS n FROM results')?.n), 4, 'two rounds of two checks');
    } finally {
      close();
    }
  });

  it('bad input: exit 3, every problem listed, no database created and nothing sent; validate lists them too', async (t) => {
    const dir = tempDir(t);
    const config = path.join(dir, 'bad.json');
    writeFileSync(
      config,
      JSON.stringify({
        service: { name: 'bad' },
        environments: { local: { baseUrl: sandbox.url } },
        checks: [{ id: 'health', request: { path: '/health' } }],
        monitor: { interval: 'often', notify: [{ type: 'pagerduty' }], checks: { nope: {} } },
      }),
    );
    const before = (await fetch(`${sandbox.url}/__sandbox/state`).then((r) => r.json())) as { requests: { total: number } };
    const db = path.join(dir, 'm.sqlite');
    const r = await runCli(['monitor', '--config', config, '--once', '--db', db, '--out', path.join(dir, 'out')]);
    assert.equal(r.code, 3, r.stderr);
    for (const p of ['$.monitor.interval', '$.monitor.notify[0].routingKey', '$.monitor.checks.nope']) assert.ok(r.stderr.includes(p), `${p} in:\n${r.stderr}`);
    assert.ok(!existsSync(db));
    const after = (await fetch(`${sandbox.url}/__sandbox/state`).then((r) => r.json())) as { requests: { total: number } };
    assert.equal(after.requests.total, before.requests.total, 'no request reached the target');
    // revgate validate finds the same problems (a pull request catches them before the monitor does).
    const v = await runCli(['validate', '--config', config]);
    assert.equal(v.code, 3);
    for (const p of ['$.monitor.interval', '$.monitor.notify[0].routingKey', '$.monitor.checks.nope']) assert.ok(v.stderr.includes(p), `${p} in:\n${v.stderr}`);
  });
});
