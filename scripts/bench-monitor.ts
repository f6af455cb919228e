/**
 * Monitor benchmark (run by hand, not in npm test):
 *   node --import tsx scripts/bench-monitor.ts [--minutes 30] [--probes-per-minute 1000] [--tenants 100] [--slo-checks 100]
 *
 * 1. SLO figures: 30 days of simulated 1-minute history for 100 checks in a database (what it holds after
 *    30 days: hour rollups for the window, minute rollups for the last 6 h), then the monitor's computeFigures
 *    (availability 1h/24h/30d, budget, 7 burn windows, per unit/check/tenant/region) timed against a peer:
 *    the same figures from an in-memory prefix-sum computation over the raw minutes.
 * 2. Load: `revgate monitor` (the built CLI, as a user runs it) probing a sandbox gateway estate at the given
 *    rate for the given duration; prints memory (RSS and heap from its own /metrics) after warm-up and at the
 *    end, missed cycles and overlaps. The bar: 1,000 probes a minute for 30 minutes, under 10% memory
 *    growth after warm-up, no missed cycles.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDb, transaction } from '../src/monitor/db.js';
import { computeFigures } from '../src/monitor/figures.js';
import { upsertUnits, writeRollups, type RollupRow } from '../src/monitor/history.js';
import { startSandboxEstate } from '../src/sandbox/estate.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MINUTES = arg('minutes', 30);
const RATE = arg('probes-per-minute', 1000);
const TENANTS = arg('tenants', 100);
const SLO_CHECKS = arg('slo-checks', 100);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'revgate-bench-monitor-'));

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function sloBench(): void {
  const checks = SLO_CHECKS;
  const now = Date.UTC(2026, 10, 30, 12, 17, 30);
  const first = Math.floor(now / HOUR) * HOUR - 30 * DAY + HOUR;
  const minutes = Math.floor((now - first) / MIN) + 1;
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const sim = Array.from({ length: checks }, (_, c) => Uint8Array.from({ length: minutes }, () => (random() < (c % 10) * 0.0003 ? 2 : 0)));
  const { db, close } = openDb(path.join(dir, 'slo.sqlite'));
  try {
    const t0 = performance.now();
    transaction(db, () => {
      upsertUnits(
        db,
        sim.map((_, c) => ({ key: `u${c}`, kind: 'probe' as const, checkId: `probe:e${c % 25}`, tenant: `t${c % 10}`, region: `r${c % 3}`, title: '' })),
      );
      const rows = function* (): Generator<RollupRow> {
        for (let c = 0; c < checks; c++) {
          const m = sim[c] as Uint8Array;
          for (let h = 0; h * 60 < minutes; h++) {
            let bad = 0;
            const n = Math.min(60, minutes - h * 60);
            for (let i = h * 60; i < h * 60 + n; i++) bad += m[i] === 2 ? 1 : 0;
            yield {
              res: 'h',
              unit: `u${c}`,
              bucket: first + h * HOUR,
              total: n,
              good: n - bad,
              bad,
              degraded: 0,
              errors: 0,
              maintenance: 0,
              durSum: 0,
              durMax: 0,
            };
          }
          // Day rows as recorded: by UTC day (the first and last partial).
          const days = new Map<number, { n: number; bad: number }>();
          for (let i = 0; i < minutes; i++) {
            const day = Math.floor((first + i * MIN) / DAY) * DAY;
            const acc = days.get(day) ?? { n: 0, bad: 0 };
            acc.n++;
            acc.bad += m[i] === 2 ? 1 : 0;
            days.set(day, acc);
          }
          for (const [day, a] of days)
            yield {
              res: 'd',
              unit: `u${c}`,
              bucket: day,
              total: a.n,
              good: a.n - a.bad,
              bad: a.bad,
              degraded: 0,
              errors: 0,
              maintenance: 0,
              durSum: 0,
              durMax: 0,
            };
          for (let i = Math.max(0, minutes - 361); i < minutes; i++) {
            const bad = m[i] === 2 ? 1 : 0;
            yield {
              res: 'm',
              unit: `u${c}`,
              bucket: first + i * MIN,
              total: 1,
              good: 1 - bad,
              bad,
              degraded: 0,
              errors: 0,
              maintenance: 0,
              durSum: 0,
              durMax: 0,
            };
          }
        }
      };
      writeRollups(db, rows());
    });
    const load = performance.now() - t0;
    const timings: number[] = [];
    let groups = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      groups = computeFigures(db, now, 0.999, 30 * DAY).groups.length;
      timings.push(performance.now() - s);
    }
    // Peer: prefix sums over the raw minutes, for the same windows and groups.
    const p0 = performance.now();
    const sums = sim.map((m) => {
      const bad = new Uint32Array(m.length + 1);
      for (let i = 0; i < m.length; i++) bad[i + 1] = (bad[i] as number) + (m[i] === 2 ? 1 : 0);
      return bad;
    });
    let sink = 0;
    for (const w of [5 * MIN, 30 * MIN, HOUR, 6 * HOUR, DAY, 3 * DAY, 30 * DAY])
      for (const s of sums) sink += (s[minutes] as number) - (s[Math.max(0, minutes - w / MIN)] as number);
    const peer = performance.now() - p0;
    timings.sort((a, b) => a - b);
    console.log(
      `SLO figures, 30 d x ${checks} checks (${groups} groups, 7 windows): median ${timings[2]?.toFixed(0)} ms, max ${timings[4]?.toFixed(0)} ms ` +
        `(database written in ${load.toFixed(0)} ms; peer: in-memory prefix sums over 4.3 M raw minutes ${peer.toFixed(0)} ms, checksum ${sink})`,
    );
  } finally {
    close();
  }
}

async function scrape(url: string): Promise<Map<string, number>> {
  const text = await fetch(url).then((r) => r.text());
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const key = line.slice(0, at);
    const name = key.replace(/\{.*$/, '');
    const reason = /reason="(\w+)"/.exec(key)?.[1];
    const k = reason ? `${name}:${reason}` : name;
    out.set(k, (out.get(k) ?? 0) + Number(line.slice(at + 1)));
  }
  return out;
}

async function loadBench(): Promise<void> {
  const estate = await startSandboxEstate({ tenants: TENANTS });
  const child = { proc: undefined as ReturnType<typeof spawn> | undefined };
  try {
    const perCycle = estate.estate.tenants.reduce((n, t) => n + Object.keys(t.cells).length, 0);
    const intervalMs = Math.round((60_000 * perCycle) / RATE);
    writeFileSync(path.join(estate.dir, 'catalog.json'), JSON.stringify(estate.catalog));
    const config = path.join(dir, 'monitor.json');
    writeFileSync(
      config,
      JSON.stringify({
        service: { name: 'bench' },
        environments: { sandbox: { baseUrl: Object.values(estate.gateway.urls)[0] } },
        checks: [],
        monitor: { probes: { tenants: path.join(estate.dir, 'catalog.json'), isolation: false, interval: `${intervalMs}ms`, concurrency: 64 } },
      }),
    );
    console.log(
      `load: ${perCycle} probes per cycle every ${intervalMs} ms (${RATE}/min) across ${Object.keys(estate.gateway.urls).length} regions for ${MINUTES} min`,
    );
    const proc = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/revgate.js'),
        'monitor',
        '--config',
        config,
        '--db',
        path.join(dir, 'load.sqlite'),
        '--out',
        path.join(dir, 'out'),
        '--metrics-port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.proc = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let url: string | undefined;
    for (let i = 0; i < 600 && !url; i++) {
      await new Promise((r) => setTimeout(r, 100));
      url = /metrics at (\S+)/.exec(stderr)?.[1];
    }
    if (!url) throw new Error(`the monitor did not start:\n${stderr}`);
    const started = Date.now();
    const warmupMs = Math.min(120_000, (MINUTES * 60_000) / 4);
    let last: Map<string, number> = new Map();
    const afterWarmup: Array<{ rss: number; heap: number }> = [];
    const samples: string[] = [];
    while (Date.now() - started < MINUTES * 60_000) {
      await new Promise((r) => setTimeout(r, 10_000));
      last = await scrape(url);
      const elapsed = (Date.now() - started) / 1000;
      samples.push(
        `${elapsed.toFixed(0)}s rss ${((last.get('process_resident_memory_bytes') ?? 0) / 2 ** 20).toFixed(1)} MiB heap ${((last.get('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20).toFixed(1)} MiB results ${last.get('revgate_monitor_results_total') ?? 0}`,
      );
      console.log(samples[samples.length - 1]);
      if (Date.now() - started >= warmupMs)
        afterWarmup.push({ rss: last.get('process_resident_memory_bytes') ?? 0, heap: last.get('nodejs_heap_size_used_bytes') ?? 0 });
    }
    proc.kill('SIGTERM');
    await new Promise((r) => proc.on('exit', r));
    // Garbage collection makes single samples saw-toothed: compare the mean of the first and the last quarter after warm-up.
    const quarter = Math.max(1, Math.floor(afterWarmup.length / 4));
    const mean = (xs: Array<{ rss: number; heap: number }>, k: 'rss' | 'heap'): number => xs.reduce((a, x) => a + x[k], 0) / Math.max(1, xs.length);
    const growth = (k: 'rss' | 'heap'): string => {
      const a = mean(afterWarmup.slice(0, quarter), k);
      const b = mean(afterWarmup.slice(-quarter), k);
      return `${(((b - a) / (a || 1)) * 100).toFixed(1)}% (${(a / 2 ** 20).toFixed(1)} -> ${(b / 2 ** 20).toFixed(1)} MiB)`;
    };
    const results = last.get('revgate_monitor_results_total') ?? 0;
    console.log(
      `after warm-up (${(warmupMs / 1000).toFixed(0)} s), first vs last quarter of ${afterWarmup.length} samples: RSS ${growth('rss')}, heap ${growth('heap')}; ` +
        `${results} results = ${(results / ((Date.now() - started) / 60_000)) | 0}/min; missed cycles ${last.get('revgate_monitor_runs_skipped_total:missed') ?? 0}, ` +
        `overlaps ${last.get('revgate_monitor_runs_skipped_total:overlap') ?? 0}; event-loop lag p99 ${((last.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000).toFixed(1)} ms`,
    );
  } finally {
    child.proc?.kill('SIGKILL');
    await estate.stop();
  }
}

try {
  sloBench();
  if (MINUTES > 0) await loadBench();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
