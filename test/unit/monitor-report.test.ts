import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDb, transaction } from '../../src/monitor/db.js';
import { computeFigures } from '../../src/monitor/figures.js';
import { recordResults, upsertUnits, type Unit } from '../../src/monitor/history.js';
import { buildMonitorReport, type MonitorReport } from '../../src/monitor/report-model.js';
import { renderMonitorPage } from '../../src/monitor/report-page.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-monitor-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('monitor report', () => {
  it('builds the grids, series, figures and incidents from the database and renders them as escaped tables with the model embedded', () => {
    const { db, close } = openDb(path.join(dir, 'r.sqlite'));
    try {
      const now = Date.UTC(2026, 10, 30, 12, 0, 0);
      const units: Unit[] = [
        { key: 'check:health', kind: 'check', checkId: 'health', tenant: '', region: '', title: 'health <b>' },
        { key: 'probe:t1/eastus/health', kind: 'probe', checkId: 'probe:health', tenant: 't1', region: 'eastus', title: 'p1' },
        { key: 'probe:t1/eastus/isolation', kind: 'probe', checkId: 'probe:isolation', tenant: 't1', region: 'eastus', title: 'p2' },
        { key: 'probe:t1/westeurope/health', kind: 'probe', checkId: 'probe:health', tenant: 't1', region: 'westeurope', title: 'p3' },
      ];
      transaction(db, () => {
        upsertUnits(db, units);
        for (let i = 0; i < 10; i++) {
          recordResults(db, [
            {
              unit: 'check:health',
              at: now - (10 - i) * 60_000,
              status: i >= 7 ? 'failed' : 'passed',
              durationMs: 100 + i,
              maintenance: false,
              ...(i >= 7 ? { message: 'HTTP 503 <script>' } : {}),
            },
            { unit: 'probe:t1/eastus/health', at: now - (10 - i) * 60_000, status: 'passed', durationMs: 50, maintenance: false },
            { unit: 'probe:t1/eastus/isolation', at: now - (10 - i) * 60_000, status: 'degraded', durationMs: 70, maintenance: false },
          ]);
        }
        db.run('INSERT INTO alert_state (subject, state, updated_at) VALUES (?, ?, ?)', [
          'check:health',
          JSON.stringify({ open: true, bad: 3, good: 0, reminders: 0, seq: 1, openedAt: now - 60_000 }),
          now,
        ]);
        db.run('INSERT INTO incidents (id, subject, kind, opened_at, summary) VALUES (?, ?, ?, ?, ?)', [
          'check:health@x',
          'check:health',
          'critical',
          now - 60_000,
          '3 consecutive failed results',
        ]);
        db.run('INSERT INTO outbox (event_id, channel, event, created_at, next_at, attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          'check:health@x#1',
          '0:webhook',
          JSON.stringify({ kind: 'open' }),
          now,
          now,
          2,
          'HTTP 503',
        ]);
      });
      const figures = computeFigures(db, now, 0.999, 30 * 86_400_000);
      const model = buildMonitorReport(db, { service: 'svc', now, figures });
      assert.deepEqual(model.checks.rows, ['health']);
      assert.deepEqual(model.checks.columns, ['-']);
      assert.equal(model.checks.cells.health?.['-']?.status, 'failed');
      assert.equal(model.checks.cells.health?.['-']?.alertOpen, true);
      assert.deepEqual(model.tenants.columns, ['eastus', 'westeurope']);
      assert.equal(model.tenants.cells.t1?.eastus?.status, 'degraded', 'the worst of its units');
      assert.equal(model.tenants.cells.t1?.eastus?.units, 2);
      assert.equal(model.tenants.cells.t1?.westeurope?.status, 'no data');
      const health = model.latency.find((s) => s.unit === 'check:health');
      assert.equal(health?.t.length, 10);
      assert.deepEqual(health?.availability.slice(-3), [0, 0, 0]);
      assert.equal(model.availability.find((g) => g.group === 'check:health')?.availability.h1, 0.7);
      assert.equal(model.incidents.length, 1);
      assert.deepEqual(model.incidents[0]?.notifications, [{ kind: 'open', channel: '0:webhook', attempts: 2, lastError: 'HTTP 503' }]);

      const html = renderMonitorPage(model);
      assert.ok(!html.includes('<script>'), 'a message cannot inject markup');
      assert.match(html, /HTTP 503 &lt;script&gt;/);
      assert.match(html, /70\.000%/);
      assert.match(html, /<strong>pending<\/strong> \(HTTP 503\) after 2 attempts/);
      const embedded = /<script type="application\/json" id="monitor-data">(.*?)<\/script>/s.exec(html)?.[1];
      assert.deepEqual(JSON.parse(embedded as string) as MonitorReport, JSON.parse(JSON.stringify(model)));
    } finally {
      close();
    }
  });

  it('one monitor per database: a live holder is refused, a killed one is taken over along with the leftover SQLite lock', () => {
    const file = path.join(dir, 'held.sqlite');
    openDb(file).close();
    writeFileSync(`${file}.monitor-lock`, String(process.ppid)); // a live process that is not this one
    assert.throws(
      () => openDb(file),
      (err: Error) => /in use by process/.test(err.message) && (err as { code?: string }).code === 'REVGATE_USAGE',
    );
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${file}.monitor-lock`, dead.stdout);
    mkdirSync(`${file}.lock`); // what the WebAssembly VFS leaves when a process dies inside a transaction
    const taken = openDb(file);
    try {
      assert.equal(readFileSync(`${file}.monitor-lock`, 'utf8'), String(process.pid));
      assert.doesNotThrow(() => taken.db.run('INSERT INTO meta (key, value) VALUES (?, ?)', ['k', 'v']));
    } finally {
      taken.close();
    }
    assert.ok(!existsSync(`${file}.monitor-lock`), 'released on close');
  });
});
