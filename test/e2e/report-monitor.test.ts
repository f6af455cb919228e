/**
 * Issue 16 item 5 on issue 15's components: `revgate report --db` after three `revgate monitor --once` rounds
 * against the sandbox (one check down, one failing its first request only, one healthy; alerts open after 2
 * failures), opened from file:// in Chromium: no console error and no failed request, every chart drew (coloured
 * pixels on its canvas, not just axes), and the figures on the page are the database's: the status grid is the
 * latest result per check, results and bad results per unit are the rows' counts, the error budget of each check
 * is what its results give (objective 0.5), and the open incident is listed. A screenshot is kept in
 * test-results/report-html/monitor.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from '@playwright/test';
import { openDb } from '../../src/monitor/db.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { findChromium } from '../../src/smoke/browser.js';
import { ROOT, runCli, tempDir } from '../helpers/cli.js';

const dir = tempDir({ after }, 'revgate-report-monitor-');
let sandbox: RunningSandbox;
let browser: Browser;
const db = path.join(dir, 'm.sqlite');
const out = path.join(dir, 'report');

before(async () => {
  sandbox = await startSandbox({ faults: ['down,path=/health', 'errors=1,status=500,first=1,path=/health/db'] });
  const config = path.join(dir, 'c.json');
  writeFileSync(
    config,
    JSON.stringify({
      service: { name: 'report-monitor' },
      environments: { local: { baseUrl: sandbox.url } },
      checks: [
        { id: 'health', request: { path: '/health' }, expect: { status: 200 } },
        { id: 'db', request: { path: '/health/db' }, expect: { status: 200 } },
        { id: 'live', request: { path: '/health/live' }, expect: { status: 200 } },
      ],
      monitor: { alerts: { failureThreshold: 2 }, slo: { objective: 0.5 } },
    }),
  );
  for (let n = 1; n <= 3; n++) {
    const r = await runCli(['monitor', '--config', config, '--once', '--db', db, '--out', path.join(dir, `round${n}`)]);
    assert.equal(r.code, 1, `round ${n}: health is down\n${r.stderr}`);
  }
  const r = await runCli(['report', '--db', db, '--out', out]);
  assert.equal(r.code, 1, `an alert is open\n${r.stdout}${r.stderr}`);
  browser = await chromium.launch({ executablePath: findChromium(), args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
});

describe('revgate report: monitor.html in Chromium', () => {
  it('draws every chart, and its grid, counts, budgets and incidents are the database', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(`file://${path.join(out, 'monitor.html')}`);
    await page.waitForFunction("document.documentElement.hasAttribute('data-charts-drawn')", null, { timeout: 10_000 });
    await page.waitForFunction("[...document.querySelectorAll('[data-chart]')].every((c) => c.hasAttribute('data-drawn'))", null, { timeout: 10_000 });
    assert.deepEqual(problems, []);

    // Page-side code as strings: this project's TypeScript has no DOM library.
    const ink = (await page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((c) => {
      const canvas = c.querySelector('canvas');
      let coloured = 0;
      if (canvas) {
        const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) coloured++;
      }
      return { id: c.id, points: Number(c.getAttribute('data-points') || 0), coloured };
    })`)) as Array<{ id: string; points: number; coloured: number }>;
    // One latency chart per check and the budget chart.
    assert.deepEqual(ink.map((c) => c.id).sort(), ['monitor-budget', 'monitor-latency-0', 'monitor-latency-1', 'monitor-latency-2']);
    for (const c of ink) {
      assert.ok(c.points > 0, `chart ${c.id} has no values`);
      assert.ok(c.coloured > 50, `chart ${c.id} drew nothing but axes (${c.coloured} coloured pixels)`);
    }

    const { db: d, close } = openDb(db);
    try {
      // The grid: each check's latest result.
      const latest = new Map(d.all('SELECT unit, status FROM latest').map((r) => [String(r.unit).replace(/^check:/, ''), String(r.status)]));
      const grid = (await page.evaluate(
        `[...document.querySelectorAll('#status table.grid tbody tr')].map((r) => [r.querySelector('th').textContent.trim(), r.querySelector('td').className])`,
      )) as Array<[string, string]>;
      assert.deepEqual(Object.fromEntries(grid), Object.fromEntries([...latest].map(([k, s]) => [k, `cell s-${s}`])));
      assert.deepEqual(Object.fromEntries(latest), { health: 'failed', db: 'passed', live: 'passed' });

      // Results and bad results per unit, as counted in the database.
      const rows = (await page.evaluate(
        `[...document.querySelectorAll('#monitor-latency tbody tr')].map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))`,
      )) as string[][];
      const counts = d.all("SELECT unit, count(*) AS n, sum(status IN ('failed', 'error')) AS bad FROM results GROUP BY unit");
      assert.equal(rows.length, counts.length);
      for (const c of counts) {
        const row = rows.find((r) => r[0] === String(c.unit));
        assert.ok(row, `a row for ${String(c.unit)}`);
        assert.deepEqual([row[2], row[3]], [String(c.n), String(c.bad)], `${String(c.unit)}: results and bad results`);
      }

      // Budget left per check: 1 - bad / (results x (1 - 0.5)); health is all bad, db had one bad of three, live none.
      const budgets = (await page.evaluate(
        `Object.fromEntries([...document.querySelectorAll('#monitor-slo [data-slo]')].map((s) => [s.getAttribute('data-slo'), [s.getAttribute('data-budget'), s.textContent]]))`,
      )) as Record<string, [string, string]>;
      for (const c of counts) {
        const expected = 1 - Number(c.bad) / (Number(c.n) * 0.5);
        const [raw, text] = budgets[String(c.unit)] ?? ['', ''];
        assert.ok(Math.abs(Number(raw) - expected) < 1e-9, `${String(c.unit)} budget ${raw}, expected ${expected}`);
        assert.ok(Math.abs(Number(text.replace('%', '')) / 100 - expected) < 0.001, `${String(c.unit)} shows ${text}`);
      }
      assert.equal(budgets['check:live']?.[1], '100%');

      // The incident the second round opened, open in the timeline and the table.
      const incidents = d.all('SELECT subject, resolved_at FROM incidents');
      assert.deepEqual(
        incidents.map((i) => [String(i.subject), i.resolved_at]),
        [['check:health', null]],
      );
      const shown = (await page.evaluate(
        `[...document.querySelectorAll('#monitor-incidents tbody tr')].map((r) => [r.querySelector('.badge').textContent, r.querySelector('code').textContent])`,
      )) as string[][];
      assert.deepEqual(shown, [['open', 'check:health']]);
      assert.equal(await page.locator('#incidents table.waterfall tbody tr').count(), 1);
      assert.equal(await page.locator('.tile[data-key="incidents"]').getAttribute('data-raw'), '1');
    } finally {
      close();
    }
    mkdirSync(path.join(ROOT, 'test-results', 'report-html'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-results', 'report-html', 'monitor.png'), fullPage: true });
    await page.close();
  });
});
