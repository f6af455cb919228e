import path from 'node:path';
import type { CheckResult, CheckStatus, Severity, StepResult } from '../verdict/types.js';
import { Annotation, NON_BLOCKING_TAG } from './conventions.js';
import type { CleanupReport, CleanupTaskReport } from './cleanup.js';
import type { RawResults, RawTest } from './raw-results.js';
import { describeSpecNetError } from './spec-net-errors.js';
import type { SmokeTimeline } from '../report/data.js';

/** Failures of the harness, not of the revision: the test never measured anything. */
const HARNESS_FAILURES: Array<{ pattern: RegExp; code: string }> = [
  { pattern: /browserType\.launch|Executable doesn't exist|Failed to launch/i, code: 'REVGATE_BROWSER_MISSING' },
  { pattern: /REVGATE_CONFIG is not set/, code: 'REVGATE_INTERNAL' },
];

/**
 * Maps Playwright's view of each test (after retries) to revgate check results. Pure.
 * A test that passed only on retry is `flaky`, never `passed`; a test that failed because revgate or the
 * browser could not run is `error`, never `failed` (the revision was not measured).
 */
export function toCheckResults(tests: readonly RawTest[]): CheckResult[] {
  return tests.map(toCheckResult);
}

/** A test's check id: the declared check's, or one made from the spec file and title. */
function checkIdOf(t: RawTest): string {
  return t.annotations.find((a) => a.type === Annotation.id)?.description ?? specCheckId(t.file, t.title);
}

/** When each attempt of each check ran, in ms from the first check's start (Playwright's own start-up is not drawn), for the report's timeline. Pure. */
export function smokeTimeline(raw: Pick<RawResults, 'tests'>): SmokeTimeline {
  const starts = raw.tests.flatMap((t) => (t.tries ?? []).map((x) => (x.startedAt ? Date.parse(x.startedAt) : Number.NaN))).filter((x) => Number.isFinite(x));
  const t0 = starts.length ? Math.min(...starts) : 0;
  return {
    checks: raw.tests.map((t) => ({
      id: checkIdOf(t),
      tries: (t.tries ?? [])
        .filter((x) => x.startedAt !== undefined)
        .map((x) => ({ startMs: Math.max(0, Math.round(Date.parse(x.startedAt as string) - t0)), durationMs: Math.round(x.durationMs), status: x.status })),
    })),
  };
}

function toCheckResult(t: RawTest): CheckResult {
  const ann = (type: string): string | undefined => t.annotations.find((a) => a.type === type)?.description;
  const has = (type: string): boolean => t.annotations.some((a) => a.type === type);
  const declaredId = ann(Annotation.id);
  const id = checkIdOf(t);
  const title = declaredId ? t.title.replace(/^\[[^\]]+\]\s*/, '') : t.title;
  const blocking = !(has(Annotation.nonBlocking) || t.tags.includes(NON_BLOCKING_TAG));
  const severity = ann(Annotation.severity) as Severity | undefined;

  const labels: Record<string, string> = {};
  for (const a of t.annotations)
    if (a.type.startsWith(Annotation.labelPrefix) && a.description) labels[a.type.slice(Annotation.labelPrefix.length)] = a.description;
  if (!declaredId) labels.spec = t.file;
  if (t.tags.length) labels.tags = t.tags.join(' ');

  // A spec's network failure (a navigation, or a request outside the `request` fixture) in a declared check's words.
  const specNet = !declaredId && t.errors[0] ? describeSpecNetError({ message: t.errors[0] }) : undefined;
  const errorMessage = specNet?.message ?? t.errors[0];
  const tryMessage = (m: string): string => firstLine((declaredId ? undefined : describeSpecNetError({ message: m })?.message) ?? m.replace(/^Error:\s*/, ''));
  const harness = HARNESS_FAILURES.find((h) => h.pattern.test(errorMessage ?? ''));
  let status: CheckStatus;
  switch (t.outcome) {
    case 'skipped':
      status = 'skipped';
      break;
    case 'flaky':
      status = 'flaky';
      break;
    case 'expected':
      status = has(Annotation.degraded) ? 'degraded' : 'passed';
      break;
    default:
      status = t.lastStatus === 'interrupted' || has(Annotation.error) || harness ? 'error' : 'failed';
  }

  const declared = t.declared;
  let message: string | undefined;
  if (status === 'skipped') message = t.annotations.find((a) => a.type === 'skip')?.description ?? declared?.skip;
  else if (status === 'degraded') message = ann(Annotation.degraded);
  else if (status === 'flaky') {
    // The failure a retry hid, not the passing attempt's notes: that is what someone has to look into.
    const failedTry = t.tries?.find((r) => r.status !== 'passed' && r.status !== 'skipped');
    message = `passed on attempt ${t.attempts} after failing: ${failedTry?.message ? tryMessage(failedTry.message) : 'failed'}`;
  } else if (status === 'failed' || status === 'error') {
    message =
      t.lastStatus === 'timedOut'
        ? `timed out after ${Math.round(t.durationMs / t.attempts)} ms${errorMessage ? `: ${firstLine(errorMessage)}` : ''}`
        : firstLine(declared?.message ?? errorMessage?.replace(/^Error:\s*/, '') ?? status);
  }

  const result: CheckResult = {
    id,
    title,
    status,
    blocking,
    durationMs: Math.round(t.durationMs),
    ...(declared?.latencyMs !== undefined ? { latencyMs: Math.round(declared.latencyMs) } : {}),
    ...(declared?.connectMs !== undefined ? { connectMs: Math.round(declared.connectMs) } : {}),
    ...(t.startedAt ? { startedAt: t.startedAt } : {}),
    attempts: t.attempts,
    ...(severity ? { severity } : {}),
    ...(message
      ? {
          error: {
            message,
            ...(status === 'error' && harness ? { code: harness.code } : {}),
            ...(specNet && (status === 'failed' || status === 'error') ? { kind: specNet.kind } : {}),
          },
        }
      : {}),
    ...(declared?.reproduce ? { reproduce: declared.reproduce } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
    ...(declared?.assertions?.length ? { assertions: declared.assertions } : {}),
    ...(declared?.steps?.length ? { steps: declared.steps.map(roundStep) } : {}),
    ...(t.tries && t.tries.length > 1
      ? {
          tries: t.tries.map((r, i) => ({
            attempt: i + 1,
            status: r.status,
            durationMs: Math.round(r.durationMs),
            ...(r.latencyMs !== undefined ? { latencyMs: Math.round(r.latencyMs) } : {}),
            ...(r.message ? { message: tryMessage(r.message) } : {}),
          })),
        }
      : {}),
  };
  const cleanup = cleanupResult(t.cleanup);
  if (cleanup) result.cleanup = cleanup;
  return result;
}

/**
 * What the check's cleanup did, from every attempt: each deletion with the status it answered, each failure,
 * and each cleanup that could not be built (something was created, but the id its deletion needs never came back).
 */
function cleanupResult(report: CleanupReport | undefined): CheckResult['cleanup'] {
  const tasks = report?.tasks ?? [];
  if (!tasks.length) return undefined;
  const describe = (t: CleanupTaskReport): string => `${t.description}${t.message ? `: ${t.message}` : ''}`;
  const done = tasks.filter((t) => t.status === 'done');
  const bad = tasks.filter((t) => t.status !== 'done');
  const n = (k: number): string => `${k} cleanup request${k === 1 ? '' : 's'}`;
  const message = bad.length
    ? `test data may be left behind: ${bad.map(describe).join('; ')}${done.length ? `; ${n(done.length)} succeeded` : ''}`
    : `${n(done.length)} succeeded: ${done.map(describe).join('; ')}`;
  return { status: bad.length ? 'failed' : 'passed', message, tasks };
}

function roundStep(s: StepResult): StepResult {
  return {
    ...s,
    durationMs: Math.round(s.durationMs),
    ...(s.latencyMs !== undefined ? { latencyMs: Math.round(s.latencyMs) } : {}),
    ...(s.connectMs !== undefined ? { connectMs: Math.round(s.connectMs) } : {}),
  };
}

/** Stable id for a hand-written test: `<spec name>/<title slug>`. */
export function specCheckId(file: string, title: string): string {
  const base = path.basename(file).replace(/\.(browser\.)?spec\.[cm]?[jt]s$/, '');
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return `${base}/${slug || 'test'}`;
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? s
  );
}
