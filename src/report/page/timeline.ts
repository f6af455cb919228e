/**
 * A timeline (waterfall): one lane per item, bars where it ran, and beside each its latency against
 * its budget. Smoke draws checks and their flow steps with it; a monitor could draw incidents. A
 * table of lanes: the times are in it as text, so it is its own text alternative.
 */
import { esc, statusColor } from './components.js';
import { ms } from './format.js';

export interface TimelineSegment {
  startMs: number;
  durationMs: number;
  status: string;
  /** Hover text. */
  title: string;
  /** Drawn lighter: an earlier attempt that a retry replaced. */
  faint?: boolean;
}

export interface LatencyBudget {
  actualMs: number;
  warnMs?: number;
  maxMs: number;
}

export interface TimelineLane {
  label: string;
  /** A second line under the label (an id, "step 2 of 3"). */
  sub?: string;
  status: string;
  /** A step of the lane above: indented. */
  child?: boolean;
  segments: TimelineSegment[];
  budget?: LatencyBudget;
  /** What the time column says. */
  durationMs: number;
  note?: string;
}

export interface TimelineInput {
  lanes: readonly TimelineLane[];
  totalMs: number;
  caption: string;
}

const pos = (x: number, total: number): string => `${Math.max(0, Math.min(100, (100 * x) / total)).toFixed(3)}%`;

function bar(lane: TimelineLane, total: number): string {
  return lane.segments
    .map((s) => {
      const width = Math.max(0, Math.min(100 - (100 * s.startMs) / total, (100 * s.durationMs) / total));
      return `<span class="seg s-${esc(s.status)}${s.faint ? ' faint' : ''}" style="left:${pos(s.startMs, total)};width:max(3px,${width.toFixed(3)}%)" title="${esc(s.title)}"></span>`;
    })
    .join('');
}

function gauge(b: LatencyBudget, status: string): string {
  const scale = Math.max(b.maxMs * 1.25, b.actualMs * 1.05, 1);
  const tick = (x: number, cls: string, label: string): string => `<span class="tick ${cls}" style="left:${pos(x, scale)}" title="${esc(label)}"></span>`;
  const words = `${ms(b.actualMs)} of ${b.warnMs !== undefined ? `${ms(b.warnMs)} warning, ` : ''}${ms(b.maxMs)} limit`;
  return `<div class="gauge" title="${esc(words)}"><span class="fill" style="width:${pos(b.actualMs, scale)};background:${statusColor(status)}"></span>${b.warnMs !== undefined ? tick(b.warnMs, 'warn', `warning at ${ms(b.warnMs)}`) : ''}${tick(b.maxMs, 'max', `limit ${ms(b.maxMs)}`)}</div><span class="small">${esc(words)}</span>`;
}

function axis(total: number): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<span style="left:${(f * 100).toFixed(0)}%">${esc(ms(f * total))}</span>`).join('');
  return `<div class="axis">${ticks}</div>`;
}

export function timeline(t: TimelineInput): string {
  const total = Math.max(1, t.totalMs);
  const rows = t.lanes.map(
    (l) =>
      `<tr class="${l.child ? 'child' : 'lane'}"><th scope="row">${esc(l.label)}${l.sub ? `<br><span class="muted small">${esc(l.sub)}</span>` : ''}</th><td><span class="badge s-${esc(l.status)}">${esc(l.status)}</span></td><td class="track"><div class="bars">${bar(l, total)}</div></td><td class="n">${esc(ms(l.durationMs))}</td><td>${l.budget ? gauge(l.budget, l.status) : '<span class="muted small">no latency budget</span>'}${l.note ? `<div class="small">${esc(l.note)}</div>` : ''}</td></tr>`,
  );
  return `<div class="grid-wrap"><table class="waterfall"><caption>${esc(t.caption)}</caption><thead><tr><th scope="col">Check</th><th scope="col">Status</th><th scope="col" class="track">When it ran ${axis(total)}</th><th scope="col" class="n">Time</th><th scope="col">Latency vs budget</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}
