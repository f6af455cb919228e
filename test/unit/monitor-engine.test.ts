/**
 * The monitor's schedule against a real sandbox: a hung target holds up neither the other checks nor their
 * next cycles, and a run still going when its check is due again is skipped and counted (not queued).
 * The hang is injected (a 1.5 s latency fault, far above scheduling noise at 200 ms intervals); assertions are
 * ranges with reasons, never exact counts of a busy machine.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { openDb } from '../../src/monitor/db.js';
import { Monitor } from '../../src/monitor/engine.js';
import { checkAgent, checkJob } from '../../src/monitor/jobs.js';
import { readSettings } from '../../src/monitor/settings.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { Redactor } from '../../src/secrets/redactor.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-engine-'));
let sandbox: RunningSandbox;
before(async () => {
  sandbox = await startSandbox({ faults: ['latency=1500,path=/health/db'] });
});
after(async () => {
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('monitor schedule', () => {
  it('a hung check delays no other check; its overlapping runs are skipped and counted', async () => {
    const file = path.join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        service: { name: 'engine' },
        environments: { local: { baseUrl: sandbox.url } },
        checks: [
          { id: 'fast', request: { path: '/health/live' }, expect: { status: 200 } },
          { id: 'hung', request: { path: '/health/db', timeoutMs: 5000 }, expect: { status: 200 } },
        ],
        monitor: { interval: '200ms' },
      }),
    );
    const resolved = loadConfig({ configPath: file, processEnv: {} });
    const { settings, problems } = readSettings({ monitor: resolved.config.monitor, checkIds: ['fast', 'hung'] });
    assert.deepEqual(problems, []);
    const redactor = new Redactor();
    const http = checkAgent([]);
    const ctx = () => ({ resolved, baseUrl: resolved.target.baseUrl, runId: 'engine', secretEnvRefs: {}, redactor, planned: [] });
    const jobs = resolved.config.checks.map((c) =>
      checkJob(c, { schedule: settings.defaultSchedule, retries: 0, rule: settings.defaultCheck.rule, http, ctx }),
    );
    const { db, close } = openDb(path.join(dir, 'e.sqlite'));
    const log: string[] = [];
    const m = new Monitor({ db, settings, jobs, service: 'engine', io: { out: () => undefined, err: (s) => log.push(s), env: {} }, mask: (s) => s });
    const controller = new AbortController();
    try {
      const running = m.runForever(controller.signal);
      // Until the hung check has completed two runs (each about 1.5 s).
      for (let i = 0; i < 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if (Number(db.get("SELECT count(*) AS n FROM results WHERE unit = 'check:hung'")?.n) >= 2) break;
      }
      controller.abort();
      await running;
      const times = (unit: string): number[] => db.all('SELECT at FROM results WHERE unit = ? ORDER BY at', [unit]).map((r) => Number(r.at));
      const hung = times('check:hung');
      const fast = times('check:fast');
      assert.ok(hung.length >= 2, `hung runs completed: ${hung.length}`);
      // The first hung run started at t0 and took >= 1.5 s; 200 ms intervals give ~7 fast runs meanwhile. A busy
      // machine may lose some, but a schedule that waited on the hung check would give at most 1.
      const during = fast.filter((t) => t > (hung[0] as number) && t < (hung[1] as number));
      assert.ok(during.length >= 3, `fast runs started while the hung one was in flight: ${during.length}`);
      // The hung check was due ~7 times per run: those starts were skipped, not queued behind it.
      assert.ok(m.stats.overlaps >= 3, `overlaps counted: ${m.stats.overlaps}`);
      assert.ok((hung[1] as number) - (hung[0] as number) >= 1400, 'the next hung run started only after the previous one ended');
      assert.equal(
        Number(db.get("SELECT count(*) AS n FROM results WHERE unit = 'check:hung' AND status = 'passed'")?.n),
        hung.length,
        'slow but within its timeout: passed',
      );
    } finally {
      controller.abort();
      await m.close();
      await http.close();
      close();
    }
  });
});
