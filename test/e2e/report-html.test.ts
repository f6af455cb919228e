/**
 * Issue 15: each command's report.html, from a short sandbox run, opened from file:// in Chromium (one
 * browser for all four): no console error and no failed request, every chart drew (its canvas has
 * coloured pixels: a series, a band or a limit line, not just axes), and the numbers on the page are
 * verdict.json's and summary.json's. A full-page screenshot of each is kept in test-results/report-html/.
 *
 * The runs are short and run side by side (load ~2 s twice, for a baseline; probe, gate and a five-check
 * smoke run a few seconds each); the statuses they end in are whatever the sandbox measured on this
 * machine, and the page is checked against them rather than against fixed verdicts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from '@playwright/test';
import { findChromium } from '../../src/smoke/browser.js';
import type { Verdict } from '../../src/verdict/types.js';
import { readVerdict, ROOT, runCli, tempDir, writeJson } from '../helpers/cli.js';

const dir = tempDir({ after }, 'revgate-report-html-');
const SHOTS = path.join(ROOT, 'test-results', 'report-html');

const PROFILE = {
  name: 'report-e2e',
  timeout: '5s',
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: 40,
      timeUnit: '1s',
      duration: '2s',
      maxInFlight: 40,
      requests: [{ name: 'health', path: '/health', tags: { endpoint: 'health' } }],
    },
  },
  thresholds: { http_req_duration: ['p(95)<500', 'p(99)<1000'], http_req_failed: ['rate<0.01'], dropped_iterations: ['count<10'] },
};

type Kind = 'load' | 'gate' | 'probe' | 'smoke';
const out = (k: Kind): string => path.join(dir, k);

async function run(args: string[]): Promise<void> {
  const r = await runCli(args);
  // Any verdict will do (the page is checked against it); usage or harness errors will not.
  assert.ok(r.code !== null && r.code <= 2, `${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
}

let browser: Browser;

before(async () => {
  const profile = writeJson(path.join(dir, 'profile.json'), PROFILE);
  const baseline = path.join(dir, 'baseline.json');
  await Promise.all([
    run(['load', '--profile', profile, '--sandbox', '--save-baseline', baseline, '--out', path.join(dir, 'load-base')]).then(() =>
      run(['load', '--profile', profile, '--sandbox', '--fault', 'latency=20', '--baseline', baseline, '--out', out('load')]),
    ),
    run([
      'gate',
      '--sandbox',
      '--criteria',
      'load/criteria/apex-canary.json',
      '--fault',
      'latency=400',
      '--rate',
      '60',
      '--max-duration',
      '8s',
      '--out',
      out('gate'),
    ]),
    run(['probe', '--sandbox', '--gateway-fault', 'cell=shared-smb-eastus-01:errors,status=503', '--out', out('probe')]),
    run([
      'smoke',
      '--sandbox',
      '--grep',
      'health|project-crud',
      '--retries',
      '1',
      '--fault',
      'errors=1,status=500,first=1,path=/health/db',
      '--fault',
      'latency=300,path=/health',
      '--fault',
      'ready-fail',
      '--out',
      out('smoke'),
    ]),
  ]);
  browser = await chromium.launch({ executablePath: findChromium(), args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
});

after(async () => browser?.close());

interface Opened {
  page: Page;
  problems: string[];
}

/** Opens a report from file:// and waits until every chart says it drew; collects console errors and failed requests. */
async function open(kind: Kind): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  await page.goto(`file://${path.join(out(kind), 'report.html')}`);
  // Page-side expressions as strings: this project's TypeScript has no DOM library.
  await page.waitForFunction("document.documentElement.hasAttribute('data-charts-drawn') || !document.getElementById('revgate-charts')", null, {
    timeout: 20_000,
  });
  await page.waitForFunction("[...document.querySelectorAll('[data-chart]')].every((c) => c.hasAttribute('data-drawn'))", null, { timeout: 20_000 });
  return { page, problems };
}

/** Per chart: values plotted, and coloured pixels on its canvas (series, bands and limit lines are coloured; axes and grid are grey). */
async function chartInk(page: Page): Promise<Array<{ id: string; points: number; coloured: number }>> {
  return page.$$eval('[data-chart]', (charts) =>
    charts.map((c) => {
      const canvas = c.querySelector('canvas');
      let coloured = 0;
      if (canvas) {
        const ctx = canvas.getContext('2d');
        const { data } = ctx?.getImageData(0, 0, canvas.width, canvas.height) ?? { data: new Uint8ClampedArray() };
        for (let i = 0; i < data.length; i += 4) {
          const r = data[i] as number;
          const g = data[i + 1] as number;
          const b = data[i + 2] as number;
          if ((data[i + 3] as number) > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
      }
      return { id: c.id, points: Number(c.getAttribute('data-points') ?? 0), coloured };
    }),
  );
}

/** A figure as shown ("1,234", "6.7 ms", "2.58 s", "0.048%", "39/s", "1 of 24") in the unit the JSON has it (ms, fraction, count). */
function shown(text: string): number {
  const m = /(-?[\d,]*\.?\d+)\s*(ms|s|min|%|\/s)?/.exec(text);
  assert.ok(m, `no number in "${text}"`);
  const x = Number((m[1] as string).replace(/,/g, ''));
  return m[2] === 's' ? x * 1000 : m[2] === 'min' ? x * 60_000 : m[2] === '%' ? x / 100 : x;
}

/** Shown figures are rounded for people: equal to the JSON value within the precision they are shown with. */
function assertShown(text: string, value: number, what: string): void {
  const x = shown(text);
  const tolerance = Math.max(Math.abs(value) * 0.03, 0.051 * (text.includes('%') ? 0.01 : 1), text.includes(' s') ? 51 : 0);
  assert.ok(Math.abs(x - value) <= tolerance, `${what}: page shows "${text}", the JSON has ${value}`);
}

const get = (obj: unknown, keys: readonly string[]): unknown => keys.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

async function tiles(page: Page): Promise<Array<{ key: string; raw: string; text: string }>> {
  return page.$$eval('.tile[data-key]', (list) =>
    list.map((t) => ({ key: t.getAttribute('data-key') ?? '', raw: t.getAttribute('data-raw') ?? '', text: t.querySelector('.tv')?.textContent ?? '' })),
  );
}

/** The checks every page has: no problem while loading, every chart drew, gates and counts as in verdict.json, a screenshot. */
async function common(kind: Kind, o: Opened, v: Verdict): Promise<void> {
  const { page, problems } = o;
  assert.deepEqual(problems, [], `${kind}: console errors or failed requests`);
  assert.equal(await page.locator('.verdict').textContent(), v.verdict.toUpperCase());
  for (const c of await chartInk(page)) {
    assert.ok(c.points > 0, `${kind} chart ${c.id} has no values`);
    assert.ok(c.coloured > 50, `${kind} chart ${c.id} drew nothing but axes (${c.coloured} coloured pixels)`);
  }
  const gates = await page.$$eval('#gates tbody tr', (rows) =>
    rows.map((r) => ({
      status: r.querySelector('.badge')?.textContent ?? '',
      observed: r.querySelector('[data-observed]')?.getAttribute('data-observed') ?? '',
    })),
  );
  assert.deepEqual(
    gates.map((g) => g.status),
    v.gates.map((g) => g.status),
  );
  assert.deepEqual(
    gates.map((g) => g.observed),
    v.gates.map((g) => (g.observed === undefined ? '' : String(g.observed))),
  );
  // The why: every check that did not pass is in exactly one group.
  const grouped = await page.$$eval('#why li[data-count]', (li) =>
    li.map((l) => ({ n: Number(l.getAttribute('data-count')), check: !!l.querySelector('.badge') })),
  );
  assert.equal(
    grouped.filter((g) => g.check).reduce((s, g) => s + g.n, 0),
    v.checks.filter((c) => ['failed', 'error', 'flaky', 'degraded'].includes(c.status)).length,
  );
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${kind}.png`), fullPage: true });
  await page.close();
}

describe('report.html in Chromium', () => {
  it('load: throughput, latency with thresholds and the baseline, errors, generator, distribution; tiles are summary.json', async () => {
    const v = readVerdict(out('load'));
    const summary = JSON.parse(readFileSync(path.join(out('load'), 'summary.json'), 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
    const o = await open('load');
    const ids = (await chartInk(o.page)).map((c) => c.id);
    for (const id of ['load-throughput', 'load-latency', 'load-generator', 'load-histogram']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    const legend = await o.page.locator('#load-latency .u-legend').textContent();
    assert.match(legend ?? '', /baseline p95/, 'the baseline run is drawn beside this one');
    const shownTiles = await tiles(o.page);
    assert.ok(shownTiles.length >= 7);
    for (const t of shownTiles) {
      const [metric, stat] = t.key.split(/\.(?=[^.]+$)/) as [string, string];
      const value = summary.metrics[metric]?.values[stat];
      assert.equal(typeof value, 'number', `${t.key} in summary.json`);
      assert.equal(Number(t.raw), value, t.key);
      assertShown(t.text, value as number, t.key);
    }
    await common('load', o, v);
  });

  it('gate: canary against baseline over time and as distributions, traffic per revision, each gate’s interval against its limit', async () => {
    const v = readVerdict(out('gate'));
    const o = await open('gate');
    const ids = (await chartInk(o.page)).map((c) => c.id);
    for (const id of ['gate-latency', 'gate-traffic', 'gate-histogram']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    assert.ok(ids.filter((id) => id.startsWith('gate-trace-')).length >= 5, 'a convergence chart per gate');
    for (const t of await tiles(o.page)) {
      const value = get(v, t.key.split('.'));
      assert.equal(t.raw, String(value), t.key);
      if (typeof value === 'number') assertShown(t.text, value, t.key);
    }
    const arms = await o.page.$$eval('#arms tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.equal(shown(arms[0]?.[1] ?? ''), v.canary?.requests.canary);
    assert.equal(shown(arms[1]?.[1] ?? ''), v.canary?.requests.baseline);
    await common('gate', o, v);
  });

  it('probe: blast radius, the tenant x region strip and matrix with reasons on hover, reasons grouped', async () => {
    const v = readVerdict(out('probe'));
    const b = v.blastRadius;
    assert.ok(b);
    const o = await open('probe');
    for (const t of await tiles(o.page)) assert.equal(Number(t.raw), get(v, t.key.split('.')), t.key);
    // One square per tenant and region it is served in; the failed ones are the tenant-region pairs with a failed probe.
    const pair = (c: Verdict['checks'][number]): string => `${c.labels?.tenant}@${c.labels?.region}`;
    assert.equal(await o.page.locator('td.strip i.sq:not(.none)').count(), new Set(v.checks.map(pair)).size);
    assert.equal(await o.page.locator('td.strip i.sq.s-failed').count(), new Set(v.checks.filter((c) => c.status === 'failed').map(pair)).size);
    const failedCell = o.page.locator('table.grid td.cell.s-failed').first();
    if (b.tenants.failing) assert.match((await failedCell.getAttribute('title')) ?? '', /health: failed - expected status 200, got 503/);
    const regions = await o.page.$$eval('#by-region tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.deepEqual(
      regions.map((r) => [r[0], shown(r[1] ?? ''), shown(r[2] ?? '')]),
      b.byRegion.map((r) => [r.region, r.tenants, r.failing]),
    );
    const why = await o.page.$$eval('#why li', (li) => li.length);
    assert.ok(why < 10, `${why} distinct reasons, not one line per probe`);
    await common('probe', o, v);
  });

  it('smoke: a timeline lane per check (steps under their flow), statuses and budgets as in verdict.json', async () => {
    const v = readVerdict(out('smoke'));
    const o = await open('smoke');
    for (const t of await tiles(o.page)) {
      const value = get(v, t.key.split('.')) as number;
      assert.equal(Number(t.raw), value, t.key);
      assertShown(t.text, value, t.key);
    }
    const lanes = await o.page.$$eval('table.waterfall tr.lane', (rows) =>
      rows.map((r) => ({
        status: r.querySelector('.badge')?.textContent ?? '',
        bars: r.querySelectorAll('.seg').length,
        width: r.querySelector('.seg')?.offsetWidth ?? 0,
      })),
    );
    assert.equal(lanes.length, v.checks.length);
    assert.deepEqual(lanes.map((l) => l.status).sort(), v.checks.map((c) => c.status).sort());
    for (const l of lanes) assert.ok(l.bars >= 1 && l.width >= 3, `every check has a bar: ${JSON.stringify(l)}`);
    const retried = v.checks.filter((c) => c.attempts > 1).length;
    assert.equal(
      await o.page.locator('table.waterfall .seg.faint').count(),
      v.checks.reduce((n, c) => n + c.attempts - 1, 0),
      `${retried} retried checks`,
    );
    const steps = v.checks.reduce((n, c) => n + (c.steps?.length ?? 0), 0);
    assert.equal(await o.page.locator('table.waterfall tr.child').count(), steps);
    await common('smoke', o, v);
  });
});
