import { readFileSync } from 'node:fs';
import { compileDocumentSchema, toDiagnostics } from '../config/schema-diagnostics.js';
import { DEFAULT_WINDOW_MS, type RecordingSpec } from './observations.js';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';
import {
  formatAggregation,
  metricKeyOf,
  parseDurationMs,
  parseExpression,
  parseThresholds,
  type MetricCatalog,
  type Operator,
  type Threshold,
  type ThresholdInput,
} from '../thresholds/index.js';

/** The criteria file (schemas/canary-criteria.schema.json). */
export interface CanaryCriteriaFile {
  $schema?: string;
  confidence?: number;
  maxDuration?: string;
  /**
   * Failures may cluster arbitrarily within a window of this length; windows are taken as
   * independent. Default 500ms. A longer window covers longer bursts and needs proportionally longer
   * runs to pass (docs/gate.md, "Bursts").
   */
  window?: string;
  /** No gate passes on evidence spanning less than this (default 1m): a pass needs evidence spread over time. */
  minDuration?: string;
  /** Values for `{tag:*}` scopes: `{ "tenant": ["acme", "contoso"] }` expands one gate per value. */
  tags?: Record<string, string[]>;
  /** Absolute gates in k6 threshold syntax; blocking. */
  thresholds?: Record<string, ThresholdInput[]>;
  /** Absolute gates reported but never deciding the verdict. */
  advisory?: Record<string, ThresholdInput[]>;
  /** Canary versus baseline. */
  compare?: ComparisonInput[];
  /** Conditions that roll back as soon as they are shown true (the runbook's "error rate > 10%"). */
  rollbackTriggers?: Record<string, ThresholdInput[]>;
}

export interface ComparisonInput {
  id?: string;
  /** http_5xx compares the fraction of requests answered with a 5xx. */
  metric: 'http_req_failed' | 'http_5xx' | 'http_req_duration';
  /** For http_req_duration: the percentile compared, e.g. "p(95)". */
  stat?: string;
  /** Allowed relative increase: 0.2 = at most 20% above baseline. */
  maxIncrease?: number;
  /** For http_req_failed: allowed increase in percentage points (0.5 = +0.5 points). */
  maxIncreasePoints?: number;
  blocking?: boolean;
  /** "trigger": rolls back when the canary is shown worse than allowed, never needed for a pass. Default "gate". */
  role?: GateRole;
  /** Tag scope, e.g. "endpoint:predict". */
  scope?: string;
}

export type GateRole = 'gate' | 'trigger';

/** One gate after parsing: what to count, and the question asked of the counts. */
export type GateSpec =
  | {
      kind: 'proportion';
      id: string;
      expression: string;
      blocking: boolean;
      role: GateRole;
      scope?: string;
      metric: 'http_req_failed' | 'availability';
      operator: Operator;
      value: number;
    }
  | {
      kind: 'quantile';
      id: string;
      expression: string;
      blocking: boolean;
      role: GateRole;
      scope?: string;
      quantile: number;
      operator: Operator;
      valueMs: number;
    }
  | {
      kind: 'count';
      id: string;
      expression: string;
      blocking: boolean;
      role: GateRole;
      scope?: string;
      metric: 'http_5xx' | 'http_reqs';
      operator: Operator;
      value: number;
    }
  | {
      kind: 'compare-rate';
      id: string;
      expression: string;
      blocking: boolean;
      role: GateRole;
      scope?: string;
      metric: 'http_req_failed' | 'http_5xx';
      absolute: number;
      relative: number;
    }
  | {
      kind: 'compare-quantile';
      id: string;
      expression: string;
      blocking: boolean;
      role: GateRole;
      scope?: string;
      quantile: number;
      maxIncrease: number;
    };

export interface CanaryCriteria {
  confidence: number;
  maxDurationMs?: number;
  /** Length of the time windows the statistics are computed over. */
  windowMs: number;
  /** The shortest span of evidence on which a gate may pass. */
  minDurationMs: number;
  gates: GateSpec[];
  /** Every latency threshold a gate counts exceedances of (the recorders register them). */
  latencyThresholdsMs: number[];
  /** Every tag scope a gate reads (`tenant:acme`). */
  scopes: string[];
  needsBaseline: boolean;
  /** What each arm's recorder must keep: `new ArmRecorder(criteria.recording)`. */
  recording: RecordingSpec;
}

export const DEFAULT_MIN_DURATION_MS = 60_000;

/** Metrics the canary gate measures itself, by k6 type. */
export const CANARY_METRICS: MetricCatalog = {
  http_req_failed: 'rate',
  availability: 'rate',
  http_req_duration: 'trend',
  http_5xx: 'counter',
  http_reqs: 'counter',
};

const SCHEMA_URL = new URL('../../schemas/canary-criteria.schema.json', import.meta.url);
let validator: ReturnType<typeof compileDocumentSchema> | undefined;

export function loadCriteria(file: string): CanaryCriteria {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RevgateError(
      code === 'ENOENT' ? ErrorCodes.ConfigNotFound : ErrorCodes.ConfigInvalid,
      code === 'ENOENT' ? `criteria file not found: ${file}` : `criteria ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return parseCriteria(parsed, file);
}

/** Validates and normalizes criteria; every problem is reported at once (exit 3). */
export function parseCriteria(input: unknown, file = 'criteria'): CanaryCriteria {
  validator ??= compileDocumentSchema(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  if (!validator(input)) throw invalid(file, toDiagnostics(validator.errors));
  const c = input as CanaryCriteriaFile;
  const problems: Diagnostic[] = [];
  const gates: GateSpec[] = [];

  const confidence = c.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) problems.push({ path: '$.confidence', message: `must be strictly between 0 and 1 (e.g. 0.95), got ${confidence}` });
  let maxDurationMs: number | undefined;
  if (c.maxDuration !== undefined) {
    maxDurationMs = parseDurationMs(c.maxDuration);
    if (maxDurationMs === undefined || maxDurationMs <= 0)
      problems.push({ path: '$.maxDuration', message: `"${c.maxDuration}" is not a duration like 10m or 90s` });
  }
  let windowMs = DEFAULT_WINDOW_MS;
  if (c.window !== undefined) {
    const w = parseDurationMs(c.window);
    if (w === undefined || !(w >= 50 && w <= 600_000))
      problems.push({ path: '$.window', message: `"${c.window}" is not a window between 50ms and 10m (e.g. 500ms, 2s)` });
    else windowMs = w;
  }
  let minDurationMs = DEFAULT_MIN_DURATION_MS;
  if (c.minDuration !== undefined) {
    const d = parseDurationMs(c.minDuration);
    if (d === undefined || d < 0) problems.push({ path: '$.minDuration', message: `"${c.minDuration}" is not a duration like 1m or 90s` });
    else minDurationMs = d;
  }
  if (minDurationMs < windowMs && !problems.some((p) => p.path === '$.window' || p.path === '$.minDuration'))
    problems.push({ path: '$.minDuration', message: `must be at least one window (${windowMs} ms): a pass needs at least one full window of evidence` });
  if (maxDurationMs !== undefined && minDurationMs > maxDurationMs)
    problems.push({ path: '$.minDuration', message: `is longer than maxDuration: no gate could ever pass` });

  const absolute = (section: 'thresholds' | 'advisory' | 'rollbackTriggers', blocking: boolean, role: GateRole): void => {
    const input = expandWildcards(c[section] ?? {}, c.tags ?? {}, `$.${section}`, problems);
    const { thresholds, problems: p } = parseThresholds(input, CANARY_METRICS, `$.${section}`);
    problems.push(...p);
    for (const t of thresholds) {
      const spec = toGate(t, blocking, role, `$.${section}[${JSON.stringify(t.metricKey)}]`, problems);
      if (spec) gates.push(spec);
    }
  };
  absolute('thresholds', true, 'gate');
  absolute('advisory', false, 'gate');
  absolute('rollbackTriggers', true, 'trigger');

  (c.compare ?? []).forEach((cmp, i) => {
    const spec = toComparison(cmp, `$.compare[${i}]`, problems);
    if (spec) gates.push(spec);
  });

  const ids = new Set<string>();
  for (const g of gates) {
    if (ids.has(g.id)) problems.push({ path: '$', message: `two gates share the id "${g.id}"` });
    ids.add(g.id);
  }
  // Triggers and "no more than N" counts can only fail; a run needs something that can also pass.
  const deciding = gates.filter((g) => g.blocking && g.kind !== 'count' && g.role !== 'trigger');
  const minimumCounts = gates.filter((g) => g.blocking && g.kind === 'count' && (g.operator === '>' || g.operator === '>='));
  if (deciding.length + minimumCounts.length === 0)
    problems.push({ path: '$', message: 'no blocking gate that can pass: add a rate or latency threshold, or a blocking "compare" entry' });
  if (problems.length) throw invalid(file, problems);

  const latencyThresholdsMs = [...new Set(gates.flatMap((g) => (g.kind === 'quantile' ? [g.valueMs] : [])))];
  const scopes = [...new Set(gates.flatMap((g) => (g.scope ? [g.scope] : [])))];
  const quantiles = new Map<string, { scope?: string; quantile: number }>();
  for (const g of gates) {
    if (g.kind !== 'quantile' && g.kind !== 'compare-quantile') continue;
    quantiles.set(`${g.scope ?? ''}|${g.quantile}`, { ...(g.scope ? { scope: g.scope } : {}), quantile: g.quantile });
  }
  return {
    confidence,
    ...(maxDurationMs !== undefined ? { maxDurationMs } : {}),
    windowMs,
    minDurationMs,
    gates,
    latencyThresholdsMs,
    scopes,
    needsBaseline: gates.some((g) => g.kind === 'compare-rate' || g.kind === 'compare-quantile'),
    recording: { windowMs, scopes, thresholdsMs: latencyThresholdsMs, quantiles: [...quantiles.values()] },
  };
}

function toGate(t: Threshold, blocking: boolean, role: GateRole, at: string, problems: Diagnostic[]): GateSpec | undefined {
  const scope = t.tags.length ? t.tags.map(([k, v]) => `${k}:${v}`).join(',') : undefined;
  if (t.tags.length > 1) {
    problems.push({ path: at, message: 'the canary gate scopes by one tag at a time (e.g. {tenant:acme})' });
    return undefined;
  }
  const base = {
    id: `${role === 'trigger' ? 'trigger:' : ''}${t.metricKey}:${t.expression}`,
    expression: `${t.metricKey} ${t.expression}`,
    blocking,
    role,
    ...(scope ? { scope } : {}),
  };
  if (t.metric === 'http_req_failed' || t.metric === 'availability') {
    if (!(t.value > 0 && t.value < 1)) {
      problems.push({
        path: at,
        message: `"${t.expression}": a rate limit must be strictly between 0 and 1 for a statistical gate; for "no failures at all" use http_5xx count==0`,
      });
      return undefined;
    }
    if (t.operator === '==' || t.operator === '===' || t.operator === '!=') {
      problems.push({ path: at, message: `"${t.expression}": a rate can be gated with <, <=, > or >=, not ${t.operator}` });
      return undefined;
    }
    return { kind: 'proportion', ...base, metric: t.metric, operator: t.operator, value: t.value };
  }
  if (t.metric === 'http_req_duration') {
    const q = t.aggregation.name === 'med' ? 0.5 : t.aggregation.name === 'p' ? (t.aggregation.p as number) / 100 : undefined;
    if (q === undefined || !(q > 0 && q < 1)) {
      problems.push({
        path: at,
        message: `"${formatAggregation(t.aggregation)}" cannot be decided from counts; the canary gate supports med and p(N) with N < 100 on http_req_duration`,
      });
      return undefined;
    }
    if (!(t.value > 0) || t.operator === '==' || t.operator === '===' || t.operator === '!=') {
      problems.push({ path: at, message: `"${t.expression}": latency gates need a positive limit and <, <=, > or >=` });
      return undefined;
    }
    return { kind: 'quantile', ...base, quantile: q, operator: t.operator, valueMs: t.value };
  }
  return { kind: 'count', ...base, metric: t.metric as 'http_5xx' | 'http_reqs', operator: t.operator, value: t.value };
}

function toComparison(cmp: ComparisonInput, at: string, problems: Diagnostic[]): GateSpec | undefined {
  const blocking = cmp.blocking ?? true;
  const role: GateRole = cmp.role ?? 'gate';
  const scope = cmp.scope;
  if (cmp.metric === 'http_req_failed' || cmp.metric === 'http_5xx') {
    if (cmp.stat !== undefined) problems.push({ path: `${at}.stat`, message: 'only http_req_duration comparisons take a "stat"' });
    const absolute = (cmp.maxIncreasePoints ?? 0) / 100;
    const relative = cmp.maxIncrease ?? 0;
    if (!(absolute < 1)) problems.push({ path: `${at}.maxIncreasePoints`, message: 'must be below 100 points' });
    const expression = `${cmp.metric}(canary) <= ${relative ? `${1 + relative} x ` : ''}baseline${absolute ? ` + ${cmp.maxIncreasePoints} points` : ''}`;
    return {
      kind: 'compare-rate',
      id: cmp.id ?? `${role === 'trigger' ? 'trigger:' : ''}compare:${cmp.metric}${scope ? `{${scope}}` : ''}`,
      expression,
      blocking,
      role,
      ...(scope ? { scope } : {}),
      metric: cmp.metric,
      absolute,
      relative,
    };
  }
  const stat = cmp.stat ?? 'p(95)';
  const parsed = parseExpression(`${stat}<1`);
  const q =
    'problem' in parsed
      ? undefined
      : parsed.aggregation.name === 'med'
        ? 0.5
        : parsed.aggregation.name === 'p'
          ? (parsed.aggregation.p as number) / 100
          : undefined;
  if (q === undefined || !(q > 0 && q < 1)) {
    problems.push({ path: `${at}.stat`, message: `"${stat}" is not a percentile the gate can compare (use med or p(N) with N < 100)` });
    return undefined;
  }
  if (cmp.maxIncreasePoints !== undefined)
    problems.push({ path: `${at}.maxIncreasePoints`, message: 'latency comparisons are relative: use maxIncrease (0.2 = 20%)' });
  if (cmp.maxIncrease === undefined) {
    problems.push({ path: `${at}.maxIncrease`, message: 'is required for a latency comparison (e.g. 0.2 for "at most 20% above baseline")' });
    return undefined;
  }
  return {
    kind: 'compare-quantile',
    id: cmp.id ?? `${role === 'trigger' ? 'trigger:' : ''}compare:http_req_duration${scope ? `{${scope}}` : ''}:${stat}`,
    expression: `${stat}(canary) <= ${1 + cmp.maxIncrease} x ${stat}(baseline)`,
    blocking,
    role,
    ...(scope ? { scope } : {}),
    quantile: q,
    maxIncrease: cmp.maxIncrease,
  };
}

/** `http_req_failed{tenant:*}` -> one key per declared tenant. */
function expandWildcards(
  section: Record<string, ThresholdInput[]>,
  tags: Record<string, string[]>,
  at: string,
  problems: Diagnostic[],
): Record<string, ThresholdInput[]> {
  const out: Record<string, ThresholdInput[]> = {};
  for (const [key, list] of Object.entries(section)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*:\s*\*\s*\}$/.exec(key.trim());
    if (!m) {
      out[key] = list;
      continue;
    }
    const values = tags[m[2] as string];
    if (!values?.length) {
      problems.push({
        path: `${at}[${JSON.stringify(key)}]`,
        message: `"${key}" needs the values of tag "${m[2]}" listed under "tags" (so the number of gates is fixed before any data)`,
      });
      continue;
    }
    for (const v of values) out[metricKeyOf(m[1] as string, [[m[2] as string, v]])] = list;
  }
  return out;
}

function invalid(file: string, diagnostics: Diagnostic[]): RevgateError {
  const sorted = [...diagnostics].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return new RevgateError(
    ErrorCodes.ConfigInvalid,
    `${file} has ${sorted.length} problem${sorted.length === 1 ? '' : 's'}`,
    sorted.map((d) => ({ ...d, file })),
    { schema: 'schemas/canary-criteria.schema.json' },
  );
}
