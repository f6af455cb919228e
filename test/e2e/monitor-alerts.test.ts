/**
 * Issue 16, "Done when" 1, against the sandbox with a webhook receiver started here:
 * - a fault held for 3 monitor intervals raises exactly one alert and, once it clears, one resolve;
 * - SIGKILL and a restart mid-incident neither lose history nor re-send the alert nor resolve it spuriously;
 * - a webhook that refuses deliveries is retried, and each notification is delivered once it comes back.
 * Intervals are 200 ms. Progress is read from the monitor's own /metrics (its results counter), never from
 * wall-clock sleeps: "3 intervals" means three failed results recorded, however busy the machine is.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDb } from '../../src/monitor/db.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// One sandbox per test (faults are per sandbox), so the three tests run side by side.
const sandboxes: RunningSandbox[] = [];
after(async () => Promise.all(sandboxes.map((s) => s.stop())));
async function sandboxFor(): Promise<RunningSandbox> {
  const s = await startSandbox({});
  sandboxes.push(s);
  return s;
}

interface Delivery {
  path: string;
  status: number;
  body: { id: string; kind: string; subject: string; incident: string; routing_key?: string; event_action?: string; dedup_key?: string };
}

/** A webhook receiver: answers `refuse()` times 503, then 200; records every attempt. */
async function receiver(): Promise<{ url: string; attempts: Delivery[]; accepted: () => Delivery[]; refuse: (n: number) => void; close(): Promise<void> }> {
  const attempts: Delivery[] = [];
  let refusing = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const pd = req.url === '/pd';
      const status = refusing > 0 && !pd ? 503 : 200;
      if (refusing > 0 && !pd) refusing--;
      attempts.push({ path: req.url ?? '', status, body: JSON.parse(text) as Delivery['body'] });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    attempts,
    accepted: () => attempts.filter((a) => a.status === 200 && a.path === '/hook'),
    refuse: (n) => (refusing = n),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const ROUTING_KEY = 'planted-pd-routing-key-5b8e1f0a9c7d';

function writeConfig(sandbox: RunningSandbox, name: string, hook: string, pagerduty = false): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      service: { name: 'monitor-e2e' },
      environments: { local: { baseUrl: sandbox.url } },
      checks: [{ id: 'health', request: { path: '/health' }, expect: { status: 200 } }],
      // The defaults under test: 3 failures open, 2 successes resolve.
      monitor: {
        interval: '200ms',
        notify: [
          { type: 'webhook', url: hook },
          ...(pagerduty ? [{ type: 'pagerduty', routingKey: '${PD_ROUTING_KEY}', url: hook.replace('/hook', '/pd') }] : []),
        ],
      },
    }),
  );
  return file;
}

interface Monitor {
  child: ChildProcess;
  stderr: () => string;
  metrics: string;
  exited: Promise<number | null>;
}

async function startMonitor(config: string, db: string, out: string): Promise<Monitor> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/revgate.js'), 'monitor', '--config', config, '--db', db, '--out', out, '--metrics-port', '0', '--notify-backoff', '100ms'],
    { cwd: ROOT, env: { ...process.env, GITHUB_ACTIONS: '', TF_BUILD: '', PD_ROUTING_KEY: ROUTING_KEY }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const metrics = await waitFor(
    () => /metrics at (\S+)/.exec(stderr)?.[1],
    60_000,
    () => `no metrics URL; stderr:\n${stderr}`,
  );
  return { child, stderr: () => stderr, metrics, exited };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** revgate_monitor_results_total for the health check, by status. */
async function results(m: Monitor, status: string): Promise<number> {
  const text = await fetch(m.metrics).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith('revgate_monitor_results_total{') && l.includes('check="health"') && l.includes(`status="${status}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function setFault(sandbox: RunningSandbox, on: boolean): Promise<void> {
  const res = await fetch(
    `${sandbox.url}/__sandbox/faults`,
    on ? { method: 'PUT', body: JSON.stringify({ faults: ['down,path=/health'] }) } : { method: 'DELETE' },
  );
  assert.equal(res.status, 200);
}

async function stop(m: Monitor): Promise<number | null> {
  m.child.kill('SIGTERM');
  return m.exited;
}

const kinds = (ds: Delivery[]): string[] => ds.map((d) => d.body.kind);

describe('revgate monitor alerts (sandbox + webhook receiver, 200 ms intervals)', { concurrency: true }, () => {
  it('a fault for 3 intervals raises exactly one alert and one resolve', async () => {
    const sandbox = await sandboxFor();
    const hook = await receiver();
    const m = await startMonitor(writeConfig(sandbox, 'one', hook.url), path.join(dir, 'one.sqlite'), path.join(dir, 'out-one'));
    try {
      await waitFor(async () => (await results(m, 'passed')) >= 1 || undefined, 60_000, m.stderr);
      await setFault(sandbox, true);
      await waitFor(async () => (await results(m, 'failed')) >= 3 || undefined, 60_000, m.stderr);
      await setFault(sandbox, false);
      await waitFor(
        () => hook.accepted().some((d) => d.body.kind === 'resolve') || undefined,
        60_000,
        () => `${m.stderr()}\n${JSON.stringify(hook.attempts)}`,
      );
      // Several more healthy intervals: nothing else arrives.
      const passed = await results(m, 'passed');
      await waitFor(async () => (await results(m, 'passed')) >= passed + 3 || undefined, 60_000, m.stderr);
      assert.deepEqual(kinds(hook.accepted()), ['open', 'resolve']);
      const [open, resolve] = hook.accepted();
      assert.equal(open?.body.incident, resolve?.body.incident, 'the resolve names the incident it closes');
      assert.equal(open?.body.subject, 'check:health');
      assert.equal(await stop(m), 0, 'stopped by SIGTERM with every unit passing: exit 0');
    } finally {
      m.child.kill('SIGKILL');
      await hook.close();
    }
  });

  it('SIGKILL and restart mid-incident: history kept, the alert neither re-sent nor resolved', async () => {
    const sandbox = await sandboxFor();
    const hook = await receiver();
    const config = writeConfig(sandbox, 'kill', hook.url);
    const db = path.join(dir, 'kill.sqlite');
    let m = await startMonitor(config, db, path.join(dir, 'out-kill-1'));
    try {
      await setFault(sandbox, true);
      await waitFor(() => hook.accepted().some((d) => d.body.kind === 'open') || undefined, 60_000, m.stderr);
      const before = (await results(m, 'failed')) + (await results(m, 'passed'));
      m.child.kill('SIGKILL');
      await m.exited;

      m = await startMonitor(config, db, path.join(dir, 'out-kill-2'));
      // Still failing after the restart: three more failures, no second alert and no resolve.
      await waitFor(async () => (await results(m, 'failed')) >= 3 || undefined, 60_000, m.stderr);
      assert.deepEqual(kinds(hook.accepted()), ['open']);
      await setFault(sandbox, false);
      await waitFor(() => hook.accepted().some((d) => d.body.kind === 'resolve') || undefined, 60_000, m.stderr);
      assert.deepEqual(kinds(hook.accepted()), ['open', 'resolve']);
      assert.equal(hook.accepted()[0]?.body.incident, hook.accepted()[1]?.body.incident);
      assert.equal(await stop(m), 0);

      const { db: d, close } = openDb(db);
      try {
        const kept = Number(d.get('SELECT count(*) AS n FROM results')?.n);
        // The killed process's last run may have been cut before its commit; every run before it is there.
        assert.ok(kept >= before, `results kept: ${kept}, recorded before the kill: ${before}`);
        const incidents = d.all('SELECT id, resolved_at FROM incidents');
        assert.equal(incidents.length, 1);
        assert.ok(incidents[0]?.resolved_at !== null);
      } finally {
        close();
      }
    } finally {
      m.child.kill('SIGKILL');
      await setFault(sandbox, false);
      await hook.close();
    }
  });

  it('an undeliverable webhook is retried and each notification delivered once it comes back', async () => {
    const sandbox = await sandboxFor();
    const hook = await receiver();
    hook.refuse(3);
    const db = path.join(dir, 'retry.sqlite');
    const out = path.join(dir, 'out-retry');
    const m = await startMonitor(writeConfig(sandbox, 'retry', hook.url, true), db, out);
    try {
      await setFault(sandbox, true);
      await waitFor(async () => (await results(m, 'failed')) >= 3 || undefined, 60_000, m.stderr);
      await setFault(sandbox, false);
      await waitFor(
        () => hook.accepted().some((d) => d.body.kind === 'resolve') || undefined,
        60_000,
        () => `${m.stderr()}\n${JSON.stringify(hook.attempts)}`,
      );
      const refused = hook.attempts.filter((a) => a.status === 503);
      assert.equal(refused.length, 3);
      assert.ok(
        refused.every((a) => a.body.kind === 'open'),
        'the resolve waits behind its alert',
      );
      assert.deepEqual(kinds(hook.accepted()), ['open', 'resolve'], 'each delivered exactly once');
      assert.match(m.stderr(), /could not notify 0:webhook of open check:health \(attempt 1, will retry\): HTTP 503/);
      assert.equal(await stop(m), 0);
      // PagerDuty Events v2 on its own channel: trigger then resolve under one dedup_key, with the routing key...
      const pd = hook.attempts.filter((a) => a.path === '/pd').map((a) => a.body);
      assert.deepEqual(
        pd.map((b) => b.event_action),
        ['trigger', 'resolve'],
      );
      assert.ok(pd.every((b) => b.routing_key === ROUTING_KEY && b.dedup_key === pd[0]?.dedup_key));
      // ...which appears nowhere else: not in the output, the database or the console.
      assert.ok(!m.stderr().includes(ROUTING_KEY));
      assert.ok(!readFileSync(db).includes(ROUTING_KEY));
      for (const f of readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()))
        assert.ok(!readFileSync(path.join(f.parentPath, f.name)).includes(ROUTING_KEY), f.name);
    } finally {
      m.child.kill('SIGKILL');
      await setFault(sandbox, false);
      await hook.close();
    }
  });
});
