import type { Recorder } from './recorder.js';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * The load's progress once a second: time against the plan, and counts since the start (they only grow), with the
 * failure share and the p95 so far. With `bar`, a terminal progress bar leads the line. Pure.
 */
export function loadProgressLine(elapsedMs: number, plannedMs: number, recorder: Recorder, p95Ms: number | undefined, bar = false): string {
  const all = recorder.groups[0];
  const requests = all?.requests ?? 0;
  const failed = all?.failed ?? 0;
  const share = requests ? ((100 * failed) / requests).toFixed(1) : '0.0';
  const done = plannedMs > 0 ? Math.min(1, elapsedMs / plannedMs) : 0;
  const width = 20;
  const filled = Math.round(done * width);
  const head = bar ? `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ` : '';
  const p95 = p95Ms === undefined ? '' : `, p95 ${fmt(p95Ms)} ms`;
  const dropped = recorder.dropped ? `, ${fmt(recorder.dropped)} dropped` : '';
  return `${head}revgate: load ${(elapsedMs / 1000).toFixed(0)}/${(plannedMs / 1000).toFixed(0)} s  ${fmt(requests)} requests (${share}% failed${p95}${dropped})`;
}
