import type { CheckResult, GateResult, Verdict } from '../verdict/types.js';
import type { Reporter } from './types.js';
import { escapeXml as x } from './xml.js';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function properties(entries: Array<[string, string | undefined]>): string {
  const kept = entries.filter((e): e is [string, string] => e[1] !== undefined);
  if (!kept.length) return '';
  return `      <properties>\n${kept.map(([k, v]) => `        <property name="${x(k)}" value="${x(v)}"/>`).join('\n')}\n      </properties>\n`;
}

function checkCase(v: Verdict, c: CheckResult): string {
  const classname = `${v.kind}.${v.target.service ?? 'service'}`;
  const props = properties([
    ['revgate.status', c.status],
    ['revgate.blocking', String(c.blocking)],
    ['revgate.severity', c.severity],
    ['revgate.attempts', String(c.attempts)],
    // `time` is the wall time of the check's test; the request latency budgets judge is a property of its own.
    ['revgate.latencyMs', c.latencyMs === undefined ? undefined : String(c.latencyMs)],
    ['revgate.connectMs', c.connectMs === undefined ? undefined : String(c.connectMs)],
    ...Object.entries(c.labels ?? {}).map(([k, val]): [string, string] => [k, val]),
  ]);
  const message = c.error?.message ?? '';
  const detail = [
    message,
    c.reproduce ? `reproduce: ${c.reproduce}` : '',
    ...(c.assertions ?? []).filter((a) => a.phase !== 'passed').map((a) => `${a.name}: ${a.message}`),
  ]
    .filter(Boolean)
    .join('\n');
  // Surefire's rerun elements: a flaky test lists each failed attempt as flakyFailure; a test that failed every
  // attempt has the last (deciding) one as failure and each earlier one as rerunFailure.
  const failedTries = (c.tries ?? []).filter((t) => t.status !== 'passed' && t.status !== 'skipped');
  const rerun = (tag: string, tries: typeof failedTries): string =>
    tries
      .map((t) => {
        const why = t.message ?? t.status;
        const latency = t.latencyMs !== undefined ? ` (latency ${t.latencyMs} ms)` : '';
        return `      <${tag} message="${x(why)}" type="${x(t.status)}">${x(`attempt ${t.attempt} ${t.status}${latency}: ${why}`)}</${tag}>\n`;
      })
      .join('');
  let body = '';
  switch (c.status) {
    case 'failed':
      body = c.blocking
        ? `      <failure message="${x(message || 'check failed')}" type="${x(c.error?.kind ?? 'failed')}">${x(detail)}</failure>\n` +
          rerun('rerunFailure', failedTries.slice(0, -1))
        : `      <system-out>${x(`non-blocking check failed (does not affect the verdict)\n${detail}`)}</system-out>\n`;
      break;
    case 'error':
      body = `      <error message="${x(message || 'could not evaluate')}" type="${x(c.error?.code ?? 'error')}">${x(detail)}</error>\n`;
      break;
    case 'skipped':
      body = `      <skipped message="${x(message || 'skipped')}"/>\n`;
      break;
    case 'flaky':
      // Surefire's flakyFailure: passed in the end, failed before; understood by most CI test views.
      body = failedTries.length
        ? rerun('flakyFailure', failedTries)
        : `      <flakyFailure message="${x(message || 'passed only on retry')}" type="flaky">${x(detail)}</flakyFailure>\n`;
      break;
    case 'degraded':
      body = `      <system-out>${x(`degraded: ${detail}`)}</system-out>\n`;
      break;
    case 'passed':
      break;
  }
  return `    <testcase classname="${x(classname)}" name="${x(`${c.id}: ${c.title}`)}" time="${seconds(c.durationMs)}">\n${props}${body}    </testcase>\n`;
}

function gateCase(v: Verdict, g: GateResult): string {
  const props = properties([
    ['revgate.status', g.status],
    ['revgate.blocking', String(g.blocking)],
    ['revgate.expression', g.expression],
    ['revgate.observed', g.observed === undefined ? undefined : String(g.observed)],
    ['revgate.samples', g.samples === undefined ? undefined : String(g.samples)],
  ]);
  let body = '';
  if (g.status === 'failed' && g.blocking) body = `      <failure message="${x(g.reason)}" type="gate"/>\n`;
  else if (g.status === 'error') body = `      <error message="${x(g.reason)}" type="gate"/>\n`;
  else if (g.status !== 'passed') body = `      <system-out>${x(`${g.status}: ${g.reason}`)}</system-out>\n`;
  return `    <testcase classname="${x(`${v.kind}.gates`)}" name="${x(`${g.id}: ${g.expression}`)}" time="0">\n${props}${body}    </testcase>\n`;
}

export function renderJunit(v: Verdict): string {
  const blockingFailures =
    v.checks.filter((c) => c.status === 'failed' && c.blocking).length + v.gates.filter((g) => g.status === 'failed' && g.blocking).length;
  const errors = v.checks.filter((c) => c.status === 'error').length + v.gates.filter((g) => g.status === 'error').length;
  const skipped = v.checks.filter((c) => c.status === 'skipped').length;
  const tests = v.checks.length + v.gates.length;
  const suiteName = `revgate ${v.kind}: ${v.target.service ?? v.target.baseUrl}`;
  const suiteProps = properties([
    ['revgate.verdict', v.verdict],
    ['revgate.decision', v.decision],
    ['revgate.target', v.target.baseUrl],
    ['revgate.environment', v.target.environment],
    ['revgate.summary', v.summary],
  ]).replace(/^ {6}/gm, '    ');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="revgate" tests="${tests}" failures="${blockingFailures}" errors="${errors}" skipped="${skipped}" time="${seconds(v.durationMs)}">\n` +
    `  <testsuite name="${x(suiteName)}" tests="${tests}" failures="${blockingFailures}" errors="${errors}" skipped="${skipped}" time="${seconds(v.durationMs)}" timestamp="${x(v.startedAt)}">\n` +
    suiteProps +
    v.checks.map((c) => checkCase(v, c)).join('') +
    v.gates.map((g) => gateCase(v, g)).join('') +
    `  </testsuite>\n</testsuites>\n`
  );
}

export const junitReporter: Reporter = { name: 'junit', file: 'junit.xml', render: renderJunit };
