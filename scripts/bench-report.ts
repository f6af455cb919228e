/**
 * Benchmark for report.html (issue 15): the report of a 30-minute load run at 2,000 req/s (with a baseline of
 * the same size) must stay under 2 MB and open, every chart drawn, in under 1 s in Chromium. Running 30
 * minutes of load is not needed to measure that: the load engine's own Recorder is fed 3.6 million
 * synthetic outcomes (seeded lognormal latencies with a slow spell, failures, drops and late starts, second
 * by second), and the report is built from it exactly as `revgate load` builds it (buildSummary ->
 * embeddedGates -> decide -> loadReportData -> renderHtml). Its peer in the same run is a 10-second run's
 * report, opened the same way: what the size of the run adds.
 *
 *   node --import tsx scripts/bench-report.ts [--minutes 30] [--rate 2000] [--opens 5] [--keep FILE]
 *
 * --keep FILE copies the long run's report there, to look at.
 *
 * Not part of `npm test`. Open time: from navigation start until every chart has drawn (median of --opens
 * fresh pages), on a system Chromium (REVGATE_CHROMIUM or /usr/bin/chromium).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { embeddedGates } from '../src/load/command.js';
import type { EngineResult } from '../src/load/engine.js';
import { LATE_MS } from '../src/load/engine.js';
import { loadProfile } from '../src/load/profile.js';
import { Recorder, BLOCKS } from '../src/load/recorder.js';
import { loadReportData } from '../src/load/report-data.js';
import { buildSummary } from '../src/load/summary.js';
import { sampleOf, saveBaseline, loadBaseline } from '../src/load/baseline.js';
import { renderHtml } from '../src/report/html.js';
import { findChromium } from '../src/smoke/browser.js';
import { createRng } from '../src/stats/rng.js';
import { decide } from '../src/verdict/decide.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MINUTES = arg('--minutes', 30);
const RATE = arg('--rate', 2000);
const OPENS = arg('--opens', 5);
const SIZE_TARGET = 2 * 1024 * 1024;
const OPEN_TARGET_MS = 1000;

const keepAt = process.argv.indexOf('--keep');
const KEEP = keepAt > 0 ? process.argv[keepAt + 1] : undefined;

const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-report-'));

const PROFILE = (seconds: number) => ({
  name: 'bench-report',
  timeout: '10s',
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: `${seconds}s`,
      maxInFlight: 500,
      requests: [
        { name: 'health', path: '/health', weight: 3, tags: { endpoint: 'health' } },
        { name: 'predict', path: '/api/v1/prediction/predict', method: 'POST', weight: 1, tags: { endpoint: 'predict' } },
      ],
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<1500'],
    'http_req_duration{endpoint:health}': ['p(95)<300'],
    http_req_failed: ['rate<0.01'],
    http_reqs: ['rate>1000'],
    dropped_iterations: ['count<5000'],
  },
  baseline: { latency: [{ stat: 'p(95)', maxIncreasePct: 20 }], errorRateMaxIncreasePts: 0.5 },
});

/** A recorder filled as the engine fills it, second by second: lognormal latencies, a slow spell, failures, drops, late starts. */
function synthesize(seconds: number, seed: number, slowdown: number): EngineResult {
  const rng = createRng(seed);
  const groupKeys = ['', 'endpoint:health'];
  const r = new Recorder(groupKeys, seconds);
  const all = Int32Array.of(0);
  const health = Int32Array.of(0, 1);
  const blockMs = (seconds * 1000) / BLOCKS;
  for (let s = 0; s < seconds; s++) {
    r.advance(s, Math.floor((s * 1000) / blockMs));
    // A slow spell in the middle third, and a few seconds where the generator fell behind.
    const spell = s > seconds / 3 && s < seconds / 2 ? 2.5 : 1;
    const behind = s % 97 === 13;
    for (let i = 0; i < RATE; i++) {
      if (behind && i % 50 === 0) {
        r.recordDropped();
        continue;
      }
      const isHealth = i % 4 !== 3;
      const ms = rng.lognormal(Math.log(isHealth ? 12 : 45) + Math.log(spell * slowdown), 0.55);
      const ok = rng.uniform() > 0.002 * spell;
      r.record(isHealth ? health : all, ms * 1000, ok, ok ? 2 : 5);
      r.recordLateness(behind ? 25 : rng.uniform() * 2, LATE_MS);
      r.iterations++;
    }
  }
  r.finish();
  const startedAt = new Date(Date.UTC(2026, 0, 1));
  return {
    recorder: r,
    startedAt,
    finishedAt: new Date(startedAt.getTime() + seconds * 1000),
    durationMs: seconds * 1000,
    stopReason: 'completed',
    slots: 500,
  };
}

/** report.html for a synthetic run of `seconds`, built the way `revgate load --baseline` builds it. */
function buildReport(seconds: number, name: string): { file: string; bytes: number; buildMs: number; requests: number } {
  const profileFile = path.join(dir, `${name}.profile.json`);
  writeFileSync(profileFile, JSON.stringify(PROFILE(seconds)));
  const loaded = loadProfile(profileFile, {});
  const baseFile = path.join(dir, `${name}.baseline.json`);
  const base = synthesize(seconds, 7, 1);
  saveBaseline(baseFile, sampleOf(base), buildSummary(base, loaded.thresholds, false), { profile: loaded.profile.name, baseUrl: 'http://bench' });
  const baseline = loadBaseline(baseFile);
  const result = synthesize(seconds, 11, 1.1);
  const started = performance.now();
  const summary = buildSummary(result, loaded.thresholds, false);
  const gates = embeddedGates({ loaded, base: baseline }, result, summary);
  const verdict = decide({
    kind: 'load',
    target: { baseUrl: 'http://bench' },
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    checks: [],
    gates,
    version: 'bench',
  });
  const data = loadReportData({
    summary,
    thresholds: loaded.thresholds,
    histogram: sampleOf(result).whole,
    baseline: { baseline: baseline.baseline, whole: baseline.sample.whole },
  });
  const html = renderHtml(verdict, { load: data });
  const buildMs = performance.now() - started;
  const file = path.join(dir, `${name}.html`);
  writeFileSync(file, html);
  return { file, bytes: statSync(file).size, buildMs, requests: summary.metrics.http_reqs?.values.count ?? 0 };
}

/** Milliseconds from navigation start until every chart has drawn, in a fresh page; median of `n`. */
async function openMs(browser: Browser, file: string, n: number): Promise<{ median: number; charts: number; errors: string[] }> {
  const times: number[] = [];
  let charts = 0;
  const errors: string[] = [];
  for (let i = 0; i < n; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    await page.waitForFunction("[...document.querySelectorAll('[data-chart]')].every((c) => c.hasAttribute('data-drawn'))", null, { timeout: 30_000 });
    times.push(await page.evaluate('performance.now()'));
    charts = await page.locator('[data-chart][data-drawn]').count();
    await page.close();
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] as number, charts, errors };
}

const kb = (b: number): string => `${(b / 1024).toFixed(0)} KB`;

try {
  const seconds = Math.round(MINUTES * 60);
  console.log(`bench-report: synthesizing ${MINUTES} min at ${RATE.toLocaleString('en-US')} req/s (and a baseline of the same size)...`);
  const big = buildReport(seconds, 'long');
  const peer = buildReport(10, 'peer');
  if (KEEP) copyFileSync(big.file, KEEP);
  const browser = await chromium.launch({ executablePath: findChromium(), args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    // One throw-away open first: Chromium's own start-up is not the report's.
    await openMs(browser, peer.file, 1);
    const bigOpen = await openMs(browser, big.file, OPENS);
    const peerOpen = await openMs(browser, peer.file, OPENS);
    const row = (label: string, r: typeof big, o: typeof bigOpen): string =>
      `${label.padEnd(30)} ${r.requests.toLocaleString('en-US').padStart(10)} requests  ${kb(r.bytes).padStart(8)}  built in ${r.buildMs.toFixed(0).padStart(5)} ms  opens in ${o.median.toFixed(0).padStart(5)} ms (median of ${OPENS}, ${o.charts} charts)`;
    console.log(row(`${MINUTES} min at ${RATE}/s`, big, bigOpen));
    console.log(row('peer: 10 s at the same rate', peer, peerOpen));
    const errors = [...bigOpen.errors, ...peerOpen.errors];
    if (errors.length) console.log(`console errors: ${errors.join('; ')}`);
    const sizeOk = big.bytes < SIZE_TARGET;
    const openOk = bigOpen.median < OPEN_TARGET_MS;
    console.log(
      `size ${kb(big.bytes)} (target < 2 MB): ${sizeOk ? 'ok' : 'OVER'}; open ${bigOpen.median.toFixed(0)} ms (target < 1,000 ms): ${openOk ? 'ok' : 'OVER'}; ` +
        `the ${MINUTES}-minute report is ${(big.bytes / peer.bytes).toFixed(2)}x the size and ${(bigOpen.median / peerOpen.median).toFixed(2)}x the open time of the 10-second one`,
    );
    process.exitCode = sizeOk && openOk && !errors.length ? 0 : 1;
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
