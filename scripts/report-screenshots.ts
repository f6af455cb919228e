/**
 * Makes the README's report screenshots (docs/img/report-*.png): one sandbox run per command, each with a
 * fault that gives its report something to show, then the telling part of each report.html in Chromium at
 * 1,100 px wide. Each image is kept under 150 KB.
 *
 *   npm run build && node --import tsx scripts/report-screenshots.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findChromium } from '../src/smoke/browser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'revgate.js');
const IMG = path.join(ROOT, 'docs', 'img');
const MAX_BYTES = 150 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-screenshots-'));

function cli(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', resolve);
  });
}

const profile = path.join(dir, 'profile.json');
writeFileSync(
  profile,
  JSON.stringify({
    name: 'screenshot',
    timeout: '5s',
    scenarios: {
      ramp: {
        executor: 'ramping-arrival-rate',
        startRate: 20,
        timeUnit: '1s',
        stages: [
          { target: 120, duration: '10s' },
          { target: 120, duration: '10s' },
        ],
        maxInFlight: 200,
        requests: [
          { name: 'health', path: '/health', weight: 3, tags: { endpoint: 'health' } },
          { name: 'prediction-health', path: '/api/v1/prediction/health', tags: { endpoint: 'prediction' } },
        ],
      },
    },
    thresholds: { http_req_duration: ['p(95)<300', 'p(99)<600'], http_req_failed: ['rate<0.02'] },
  }),
);

interface Shot {
  kind: string;
  /** CSS selector of the first and last element to include. */
  from: string;
  to: string;
}

try {
  const out = (k: string): string => path.join(dir, k);
  const baseline = path.join(dir, 'baseline.json');
  await Promise.all([
    cli(['load', '--profile', profile, '--sandbox', '--fault', 'latency=5-60', '--save-baseline', baseline, '--out', out('load-base')]).then(() =>
      cli([
        'load',
        '--profile',
        profile,
        '--sandbox',
        '--fault',
        'latency=5-60',
        '--fault',
        'latency=150-450,rate=0.3',
        '--baseline',
        baseline,
        '--out',
        out('load'),
      ]),
    ),
    cli([
      'gate',
      '--sandbox',
      '--criteria',
      'load/criteria/apex-canary.json',
      '--fault',
      'latency=120',
      '--rate',
      '80',
      '--max-duration',
      '20s',
      '--out',
      out('gate'),
    ]),
    cli(['probe', '--sandbox', '--gateway-fault', 'cell=shared-smb-eastus-01:errors,status=503', '--out', out('probe')]),
    cli([
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
  const shots: Shot[] = [
    { kind: 'load', from: '#charts', to: '#load-latency' },
    { kind: 'gate', from: '#evidence h2', to: '#gate-trace-3' },
    { kind: 'probe', from: '#blast-radius', to: 'table.strips' },
    { kind: 'smoke', from: '#timeline', to: 'table.waterfall' },
  ];
  const browser = await chromium.launch({ executablePath: findChromium(), args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    for (const s of shots) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
      await page.goto(`file://${path.join(out(s.kind), 'report.html')}`);
      await page.waitForFunction("[...document.querySelectorAll('[data-chart]')].every((c) => c.hasAttribute('data-drawn'))");
      const a = await page.locator(s.from).first().boundingBox();
      const b = await page.locator(s.to).first().boundingBox();
      if (!a || !b) throw new Error(`${s.kind}: ${s.from} or ${s.to} not on the page`);
      const y = Math.max(0, a.y - 12);
      const height = Math.min(1400, b.y + b.height + 12 - y);
      const file = path.join(IMG, `report-${s.kind}.png`);
      await page.screenshot({ path: file, clip: { x: 0, y, width: 1100, height }, fullPage: true });
      const bytes = statSync(file).size;
      console.log(`${path.relative(ROOT, file)}  ${(bytes / 1024).toFixed(0)} KB${bytes > MAX_BYTES ? '  OVER 150 KB' : ''}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
