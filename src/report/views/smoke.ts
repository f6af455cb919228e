/**
 * The smoke suite's page: a waterfall of the checks as they ran (every attempt, from Playwright's start
 * times) and of each flow's steps, with every request's latency against its budget; degraded, flaky and
 * failed marked. Pure.
 */
import type { AssertionResult } from '../../evaluate/types.js';
import type { CheckResult, CheckStatus, Verdict } from '../../verdict/types.js';
import type { SmokeTimeline } from '../data.js';
import { note, section, type Tile } from '../page/components.js';
import { count, duration } from '../page/format.js';
import { timeline, type LatencyBudget, type TimelineLane } from '../page/timeline.js';
import type { View } from './common.js';

export function smokeTiles(v: Verdict): Tile[] {
  const c = v.counts;
  const tile = (s: Exclude<keyof typeof c, 'total'>, tone?: Tile['tone']): Tile => ({
    label: s,
    value: count(c[s]),
    key: `counts.${s}`,
    raw: c[s],
    ...(c[s] && tone ? { tone } : {}),
  });
  return [
    { label: 'checks', value: count(c.total), key: 'counts.total', raw: c.total },
    tile('passed', 'good'),
    tile('failed', 'bad'),
    tile('degraded', 'warn'),
    tile('flaky', 'warn'),
    tile('skipped'),
    tile('error', 'bad'),
    { label: 'duration', value: duration(v.durationMs), key: 'durationMs', raw: v.durationMs },
  ];
}

/** Notes under a lane stay one or two lines; the checks table below has the whole message. */
const cut = (s: string): string => (s.length > 160 ? `${s.slice(0, 159)}…` : s);

function budgetOf(assertions: readonly AssertionResult[] | undefined, name: string): LatencyBudget | undefined {
  const a = assertions?.find((x) => x.name === name);
  const e = a?.expected as { warnMs?: unknown; maxMs?: unknown } | undefined;
  if (!a || typeof a.actual !== 'number' || typeof e?.maxMs !== 'number') return undefined;
  return { actualMs: a.actual, maxMs: e.maxMs, ...(typeof e.warnMs === 'number' ? { warnMs: e.warnMs } : {}) };
}

/** Playwright's attempt status as a check status (the last attempt takes the check's own: degraded, flaky...). */
function tryStatus(s: string): CheckStatus {
  return s === 'passed' ? 'passed' : s === 'skipped' ? 'skipped' : 'failed';
}

function lanesOf(c: CheckResult, tries: SmokeTimeline['checks'][number]['tries']): TimelineLane[] {
  const last = tries[tries.length - 1];
  const segments = tries.map((t, i) => ({
    startMs: t.startMs,
    durationMs: t.durationMs,
    status: i === tries.length - 1 ? c.status : tryStatus(t.status),
    faint: i < tries.length - 1,
    title: `${c.id}, attempt ${i + 1}: ${t.status}, ${duration(t.durationMs)} from ${duration(t.startMs)}`,
  }));
  const budget = budgetOf(c.assertions, 'latency');
  const lanes: TimelineLane[] = [
    {
      label: c.title,
      sub: `${c.id}${c.blocking ? '' : ' (non-blocking)'}${tries.length > 1 ? `, ${tries.length} attempts` : ''}`,
      status: c.status,
      segments,
      durationMs: c.durationMs,
      ...(budget ? { budget } : {}),
      ...(c.status !== 'passed' && c.error?.message ? { note: cut(c.error.message) } : {}),
    },
  ];
  // Steps run one after another within the last attempt; their own start times are not recorded, so they are drawn end to end.
  let at = last?.startMs ?? 0;
  (c.steps ?? []).forEach((s, i) => {
    const stepBudget = budgetOf(c.assertions, `${s.name} > latency`);
    lanes.push({
      label: s.name,
      sub: `step ${i + 1} of ${c.steps?.length ?? 0}`,
      status: s.status,
      child: true,
      segments:
        s.durationMs > 0 ? [{ startMs: at, durationMs: s.durationMs, status: s.status, title: `${s.name}: ${s.status}, ${duration(s.durationMs)}` }] : [],
      durationMs: s.durationMs,
      ...(stepBudget ? { budget: stepBudget } : {}),
      ...(s.message && s.status !== 'passed' ? { note: cut(s.message) } : {}),
    });
    at += s.durationMs;
  });
  return lanes;
}

export function smokeView(v: Verdict, d: SmokeTimeline | undefined): View {
  const tiles = smokeTiles(v);
  if (!d || !v.checks.length) return { tiles, sections: [], charts: [] };
  const byId = new Map(v.checks.map((c) => [c.id, c]));
  const ordered = d.checks.filter((t) => byId.has(t.id) && t.tries.length).sort((a, b) => (a.tries[0]?.startMs ?? 0) - (b.tries[0]?.startMs ?? 0));
  const lanes = ordered.flatMap((t) => lanesOf(byId.get(t.id) as CheckResult, t.tries));
  if (!lanes.length) return { tiles, sections: [], charts: [] };
  const totalMs = Math.max(...ordered.flatMap((t) => t.tries.map((x) => x.startMs + x.durationMs)), 1);
  return {
    tiles,
    sections: [
      section(
        'Timeline',
        `${note('When each check ran, from the first check’s start (Playwright runs them in parallel workers), each attempt of a retried check (earlier attempts hatched), and the steps of each flow drawn end to end; beside each, the request’s latency against its warning level and limit.')}${timeline({ lanes, totalMs, caption: `${count(ordered.length)} checks over ${duration(totalMs)}` })}`,
        'timeline',
      ),
    ],
    charts: [],
  };
}
