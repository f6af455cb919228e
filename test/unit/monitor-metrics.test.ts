/**
 * Issue 16, "Done when" 3: the monitor's /metrics, served on a real port, passes the exposition-format check
 * (src/evaluate/prometheus.ts follows Prometheus's own parser) and `promtool check metrics` when installed,
 * and carries what was recorded: results, duration histograms, SLO burn, labelled by check, tenant, region.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { validatePrometheusText } from '../../src/evaluate/prometheus.js';
import type { Figures } from '../../src/monitor/figures.js';
import type { Unit } from '../../src/monitor/history.js';
import { MonitorMetrics } from '../../src/monitor/metrics.js';
import { sloFigures } from '../../src/monitor/slo.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** name{labels} value -> [name, labels, value]; labels unescaped. */
function samples(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

describe('monitor /metrics', () => {
  it('serves valid exposition text with results, durations and SLO burn by check, tenant and region', async () => {
    const metrics = new MonitorMetrics();
    const health: Unit = { key: 'check:health', kind: 'check', checkId: 'health', tenant: '', region: '', title: 'health' };
    const probe: Unit = { key: 'probe:t"1\\x/eastus/health', kind: 'probe', checkId: 'probe:health', tenant: 't"1\\x', region: 'eastus', title: 'p' };
    metrics.result(health, 'passed', 120);
    metrics.result(health, 'failed', 2500);
    metrics.result(health, 'failed', 40);
    metrics.result(probe, 'degraded', 300);
    metrics.skipped('check:health', 'overlap');
    metrics.alert('check:health', true);
    const windows = new Map([
      [5 * MIN, { total: 10, good: 5, bad: 5, errors: 0 }],
      [HOUR, { total: 100, good: 90, bad: 10, errors: 1 }],
      [30 * 24 * HOUR, { total: 1000, good: 990, bad: 10, errors: 1 }],
    ]);
    const figures: Figures = {
      at: 0,
      objective: 0.999,
      sloWindowMs: 30 * 24 * HOUR,
      groups: [{ group: 'check:health', kind: 'check', name: 'health', availability: { h1: 0.9, slo: 0.99 }, slo: sloFigures(windows, 0.999, 30 * 24 * HOUR) }],
    };
    metrics.figures(figures);
    const served = await metrics.serve(0, '127.0.0.1');
    try {
      const res = await fetch(served.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const v = validatePrometheusText(text);
      assert.deepEqual(v.errors, []);
      assert.ok(v.valid);
      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      if (!promtool.error) assert.equal(promtool.status, 0, `promtool: ${promtool.stdout}${promtool.stderr}`);

      const s = samples(text);
      const find = (name: string, labels: Record<string, string>): number | undefined =>
        s.find((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels[k] === val))?.value;
      assert.equal(find('revgate_monitor_results_total', { check: 'health', tenant: '', region: '', status: 'failed' }), 2);
      assert.equal(find('revgate_monitor_up', { check: 'health' }), 0);
      assert.equal(find('revgate_monitor_up', { check: 'probe:health', tenant: 't"1\\x', region: 'eastus' }), 1, 'label values escaped and read back');
      assert.equal(find('revgate_monitor_duration_seconds_count', { check: 'health' }), 3);
      assert.equal(find('revgate_monitor_duration_seconds_bucket', { check: 'health', le: '0.05' }), 1);
      assert.equal(find('revgate_monitor_duration_seconds_bucket', { check: 'health', le: '2' }), 2);
      assert.equal(find('revgate_monitor_duration_seconds_bucket', { check: 'health', le: '+Inf' }), 3);
      assert.equal(find('revgate_monitor_runs_skipped_total', { job: 'check:health', reason: 'overlap' }), 1);
      assert.equal(find('revgate_monitor_alert_open', { subject: 'check:health' }), 1);
      assert.ok(Math.abs((find('revgate_monitor_slo_burn_rate', { check: 'health', window: '1h' }) as number) - 100) < 1e-9, '10% errors / 0.1% budget');
      assert.ok(Math.abs((find('revgate_monitor_slo_burn_rate', { check: 'health', window: '5m' }) as number) - 500) < 1e-9);
      assert.equal(find('revgate_monitor_slo_burn_alert', { check: 'health', alert: 'page-1h', severity: 'page' }), 1);
      assert.equal(find('revgate_monitor_slo_burn_alert', { check: 'health', alert: 'ticket-3d' }), 0, 'no 3-day data: not firing');
      assert.ok(
        Math.abs((find('revgate_monitor_slo_error_budget_remaining_ratio', { check: 'health' }) as number) - -9) < 1e-9,
        '10 bad where 1 per 1000 is allowed: -9 (overspent)',
      );
      assert.equal(find('revgate_monitor_availability_ratio', { check: 'health', window: '30d' }), 0.99);
      assert.equal((await fetch(served.url.replace('/metrics', '/other'))).status, 404);
    } finally {
      await served.close();
    }
  });
});
