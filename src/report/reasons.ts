/**
 * The "why" of a verdict, one line per distinct reason with a count, instead of one line per check:
 * 84 probes failing with the same 503 are one line, not 84. Checks are grouped by status and message;
 * measured numbers inside a message (took 204.6 ms) do not split a group, they become a range
 * (took 204.6-225.4 ms). Every other reason (a gate, the blast radius, a harness error) stays as it is,
 * in the verdict's order. Pure; summary.md and report.html share it.
 */
import type { CheckResult, CheckStatus, Verdict } from '../verdict/types.js';

export interface ReasonGroup {
  /** The line to show (with a range where measured numbers differ). */
  text: string;
  count: number;
  /** The status the grouped checks share; absent for a reason that is not a check's. */
  status?: CheckStatus;
  blocking?: boolean;
  /** The checks in the group (every one; callers cap what they show). */
  ids: string[];
  /** Labels the whole group shares or spans: region -> distinct values, cell -> distinct values. */
  where: Record<string, string[]>;
}

const GROUPED: ReadonlySet<CheckStatus> = new Set(['failed', 'error', 'flaky', 'degraded']);
// Measured numbers: any decimal, and durations even when whole ("took 250 ms", "timed out after 5012 ms").
const MEASURED = /\b(took|after|in) (\d+(?:\.\d+)?)( ?(?:ms|s)\b)|(-?\d+\.\d+)/g;
const WHERE_LABELS = ['region', 'cell', 'endpoint'];

/** The message with its measured numbers taken out (the group key), and those numbers in order. */
function template(message: string): { key: string; values: number[] } {
  const values: number[] = [];
  const key = message.replace(MEASURED, (_m, word: string | undefined, n: string | undefined, unit: string | undefined, decimal: string | undefined) => {
    values.push(Number(word ? n : decimal));
    return word ? `${word} \u0000${unit}` : '\u0000';
  });
  return { key, values };
}

function fill(key: string, slots: Array<{ min: number; max: number }>): string {
  let i = 0;
  return key.replace(/\u0000/g, () => {
    const s = slots[i++];
    if (!s) return '?';
    return s.min === s.max ? String(s.min) : `${s.min}-${s.max}`;
  });
}

function statusWords(c: CheckResult): string {
  const label = c.status === 'flaky' ? 'flaky (passed only on retry)' : c.status;
  return c.blocking ? label : `${label} (non-blocking)`;
}

interface Building {
  status: CheckStatus;
  blocking: boolean;
  words: string;
  key: string;
  slots: Array<{ min: number; max: number }>;
  ids: string[];
  where: Map<string, Set<string>>;
}

/** The verdict's reasons with the checks behind them grouped; see the file comment. */
export function groupReasons(v: Verdict): ReasonGroup[] {
  const groups = new Map<string, Building>();
  const byId = new Map<string, Building>();
  for (const c of v.checks) {
    if (!GROUPED.has(c.status)) continue;
    const words = statusWords(c);
    const { key, values } = template(c.error?.message ?? '');
    const k = `${words}\u0001${key}`;
    let g = groups.get(k);
    if (!g)
      groups.set(k, (g = { status: c.status, blocking: c.blocking, words, key, slots: values.map((x) => ({ min: x, max: x })), ids: [], where: new Map() }));
    values.forEach((x, i) => {
      const s = g.slots[i];
      if (s) {
        s.min = Math.min(s.min, x);
        s.max = Math.max(s.max, x);
      }
    });
    g.ids.push(c.id);
    for (const l of WHERE_LABELS) {
      const value = c.labels?.[l];
      if (value === undefined) continue;
      let set = g.where.get(l);
      if (!set) g.where.set(l, (set = new Set()));
      set.add(value);
    }
    byId.set(c.id, g);
  }

  const out: ReasonGroup[] = [];
  const placed = new Set<Building>();
  const noun = v.kind === 'probe' ? ['probe', 'probes'] : ['check', 'checks'];
  const emit = (g: Building): void => {
    if (placed.has(g)) return;
    placed.add(g);
    const message = g.key ? `: ${fill(g.key, g.slots)}` : '';
    const text = g.ids.length === 1 ? `${g.ids[0]} ${g.words}${message}` : `${g.ids.length} ${noun[1]} ${g.words}${message}`;
    out.push({
      text,
      count: g.ids.length,
      status: g.status,
      blocking: g.blocking,
      ids: g.ids,
      where: Object.fromEntries([...g.where].map(([k, s]) => [k, [...s].sort()])),
    });
  };
  for (const r of v.reasons) {
    const g = checkOf(r, byId);
    if (g) emit(g);
    else if (!/^… and \d+ more/.test(r)) out.push({ text: r, count: 1, ids: [], where: {} });
  }
  // Checks whose reasons were cut from the verdict's list (it is capped) still count.
  for (const g of groups.values()) emit(g);
  return out;
}

/** The group of the check a reason line is about (`<id> failed: ...`), if any. */
function checkOf(reason: string, byId: Map<string, Building>): Building | undefined {
  for (let i = reason.indexOf(' '); i > 0; i = reason.indexOf(' ', i + 1)) {
    const g = byId.get(reason.slice(0, i));
    if (g) return g;
  }
  return undefined;
}

/** "region eastus; cell shared-smb-eastus-01" for a group's labels, when they narrow it down (at most 3 values each). */
export function describeWhere(where: Record<string, string[]>): string {
  return Object.entries(where)
    .filter(([, values]) => values.length > 0 && values.length <= 3)
    .map(([k, values]) => `${k} ${values.join(', ')}`)
    .join('; ');
}
