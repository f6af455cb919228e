/**
 * JUnit XML that both schemas CI tools validate against accept: Maven Surefire's surefire-test-report-3.0.xsd
 * and the Jenkins xUnit plugin's junit-10.xsd (test/fixtures/junit-xsd/, with what they disagree on).
 *
 * - One suite is a `<testsuite>` document (Surefire has no aggregate root); several (probe: one per region)
 *   are a `<testsuites>` document whose suites are each a valid Surefire suite.
 * - A test case holds its children in Surefire's order and no `<properties>`: the run's facts (verdict,
 *   decision, which checks were degraded, flaky, non-blocking failures, inconclusive gates) are suite
 *   properties, and each case says its status, labels and detail in `<system-out>`.
 * - flaky: Surefire's `<flakyFailure>` with a `<stackTrace>`, one per failed attempt (the case passed);
 *   inconclusive gates: `<skipped>` with the reason; a failure or error that does not block the verdict
 *   (non-blocking check, advisory gate) is not a `<failure>`: it is said in `<system-out>` and the properties.
 */
import type { CheckResult, GateResult, Verdict } from '../verdict/types.js';
import type { Reporter } from './types.js';
import { escapeXml as x } from './xml.js';

/** Seconds with at most 3 decimals: Surefire's SUREFIRE_TIME pattern. */
const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

interface Problem {
  message: string;
  type: string;
  detail: string;
}

interface Case {
  classname: string;
  name: string;
  timeMs: number;
  failure?: Problem;
  rerunFailures?: Problem[];
  flakyFailures?: Problem[];
  skipped?: string;
  error?: Problem;
  rerunErrors?: Problem[];
  systemOut: string;
}

interface Suite {
  name: string;
  timeMs: number;
  properties: Array<[string, string | undefined]>;
  cases: Case[];
}

function problemXml(tag: string, p: Problem): string {
  return `      <${tag} message="${x(p.message)}" type="${x(p.type)}">${x(p.detail)}</${tag}>\n`;
}

/** Surefire's rerun/flaky elements: the detail goes in a required `<stackTrace>`. */
function rerunXml(tag: string, p: Problem): string {
  return `      <${tag} message="${x(p.message)}" type="${x(p.type)}">\n        <stackTrace>${x(p.detail)}</stackTrace>\n      </${tag}>\n`;
}

/** Children in the order surefire-test-report-3.0.xsd requires. */
function caseXml(c: Case): string {
  const body = [
    ...(c.failure ? [problemXml('failure', c.failure)] : []),
    ...(c.rerunFailures ?? []).map((p) => rerunXml('rerunFailure', p)),
    ...(c.flakyFailures ?? []).map((p) => rerunXml('flakyFailure', p)),
    ...(c.skipped !== undefined ? [`      <skipped message="${x(c.skipped)}"/>\n`] : []),
    ...(c.error ? [problemXml('error', c.error)] : []),
    ...(c.rerunErrors ?? []).map((p) => rerunXml('rerunError', p)),
    ...(c.systemOut ? [`      <system-out>${x(c.systemOut)}</system-out>\n`] : []),
  ].join('');
  return `    <testcase classname="${x(c.classname)}" name="${x(c.name)}" time="${seconds(c.timeMs)}">\n${body}    </testcase>\n`;
}

const counts = (cases: readonly Case[]): { tests: number; failures: number; errors: number; skipped: number } => ({
  tests: cases.length,
  failures: cases.filter((c) => c.failure).length,
  errors: cases.filter((c) => c.error).length,
  skipped: cases.filter((c) => c.skipped !== undefined).length,
});

function suiteXml(s: Suite, indent: string): string {
  const n = counts(s.cases);
  const props = s.properties.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  const propsXml = props.length
    ? `  <properties>\n${props.map(([k, v]) => `    <property name="${x(k)}" value="${x(v)}"/>`).join('\n')}\n  </properties>\n`
    : '';
  const inner = propsXml + s.cases.map(caseXml).join('');
  return (
    `<testsuite name="${x(s.name)}" time="${seconds(s.timeMs)}" tests="${n.tests}" errors="${n.errors}" skipped="${n.skipped}" failures="${n.failures}">\n` +
    inner +
    `</testsuite>\n`
  )
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n');
}

const MAX_LISTED = 50;
function idList(ids: readonly string[]): string | undefined {
  if (!ids.length) return undefined;
  const shown = ids.slice(0, MAX_LISTED).join(', ');
  return ids.length > MAX_LISTED ? `${shown} and ${ids.length - MAX_LISTED} more` : shown;
}

function detailLines(c: CheckResult): string[] {
  return [
    c.error?.message ?? '',
    ...(c.assertions ?? []).filter((a) => a.phase !== 'passed').map((a) => `${a.name}: ${a.message}`),
    ...(c.steps ?? []).filter((s) => s.status !== 'passed').map((s) => `step ${s.name}: ${s.status}${s.message ? ` (${s.message})` : ''}`),
    c.cleanup?.status === 'failed' ? `cleanup failed: ${c.cleanup.message ?? ''}` : '',
    c.reproduce ? `reproduce: ${c.reproduce}` : '',
  ].filter(Boolean);
}

function checkSystemOut(c: CheckResult, headline?: string): string {
  const facts = [
    `status: ${c.status}${c.blocking ? '' : ' (non-blocking: does not affect the verdict)'}`,
    c.severity ? `severity: ${c.severity}` : '',
    `attempts: ${c.attempts}`,
    // `time` is the wall time of the check's test; the request latency budgets judge is said here.
    c.latencyMs !== undefined ? `latency: ${c.latencyMs} ms` : '',
    c.connectMs !== undefined ? `connection setup: ${c.connectMs} ms` : '',
    ...Object.entries(c.labels ?? {}).map(([k, v]) => `${k}: ${v}`),
  ].filter(Boolean);
  return [...(headline ? [headline] : []), ...facts, ...(c.status === 'passed' ? [] : detailLines(c))].join('\n');
}

function checkCase(v: Verdict, c: CheckResult, classname: string): Case {
  const message = c.error?.message ?? '';
  const detail = detailLines(c).join('\n');
  const base = { classname, name: `${c.id}: ${c.title}`, timeMs: c.durationMs };
  // Surefire's rerun elements: a flaky check lists each failed attempt as flakyFailure; a check that failed every
  // attempt has the last (deciding) one as failure or error and each earlier one as rerunFailure or rerunError.
  const failedTries = (c.tries ?? []).filter((t) => t.status !== 'passed' && t.status !== 'skipped');
  const tryProblem = (t: { attempt: number; status: string; latencyMs?: number; message?: string }): Problem => {
    const why = t.message ?? t.status;
    const latency = t.latencyMs !== undefined ? ` (latency ${t.latencyMs} ms)` : '';
    return { message: why, type: t.status, detail: `attempt ${t.attempt} ${t.status}${latency}: ${why}` };
  };
  switch (c.status) {
    case 'passed':
      return { ...base, systemOut: checkSystemOut(c) };
    case 'degraded':
      return { ...base, systemOut: checkSystemOut(c, `degraded (passed over its warning budget): ${message || 'over the warning budget'}`) };
    case 'flaky':
      return {
        ...base,
        flakyFailures: failedTries.length ? failedTries.map(tryProblem) : [{ message: message || 'passed only on retry', type: 'flaky', detail }],
        systemOut: checkSystemOut(c, `flaky: ${message || 'passed only on retry'} (${v.verdict === 'pass' ? 'allowed by policy' : 'holds the verdict'})`),
      };
    case 'skipped':
      return { ...base, skipped: message || 'skipped', systemOut: checkSystemOut(c) };
    case 'failed':
      if (!c.blocking) return { ...base, systemOut: checkSystemOut(c, `non-blocking check failed (does not affect the verdict): ${message}`) };
      return {
        ...base,
        failure: { message: message || 'check failed', type: c.error?.kind ?? 'failed', detail },
        rerunFailures: failedTries.slice(0, -1).map(tryProblem),
        systemOut: checkSystemOut(c),
      };
    case 'error':
      if (!c.blocking) return { ...base, systemOut: checkSystemOut(c, `non-blocking check could not be evaluated (does not affect the verdict): ${message}`) };
      return {
        ...base,
        error: { message: message || 'could not evaluate', type: c.error?.code ?? 'error', detail },
        rerunErrors: failedTries.slice(0, -1).map(tryProblem),
        systemOut: checkSystemOut(c),
      };
  }
}

function gateFacts(g: GateResult): string {
  return [
    `status: ${g.status}${g.blocking ? '' : ' (advisory: does not affect the verdict)'}`,
    `metric: ${g.metric}`,
    `expression: ${g.expression}`,
    g.observed !== undefined ? `observed: ${g.observed}` : '',
    g.interval ? `interval: [${g.interval[0] ?? 'unbounded'}, ${g.interval[1] ?? 'unbounded'}]` : '',
    g.samples !== undefined ? `samples: ${g.samples}${g.samplesNeeded !== undefined ? ` (about ${g.samplesNeeded} needed)` : ''}` : '',
    `reason: ${g.reason}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * A gate is evaluated over the run's traffic, so its time is the run's: the verdict records no per-gate
 * decision time.
 */
function gateCase(v: Verdict, g: GateResult): Case {
  const base = { classname: `${v.kind}.gates`, name: `${g.id}: ${g.expression}`, timeMs: v.durationMs, systemOut: gateFacts(g) };
  switch (g.status) {
    case 'passed':
      return base;
    case 'inconclusive':
      return { ...base, skipped: `inconclusive${g.blocking ? '' : ' (advisory)'}: ${g.reason}` };
    case 'failed':
      return g.blocking
        ? { ...base, failure: { message: g.reason, type: 'gate', detail: gateFacts(g) } }
        : { ...base, systemOut: `advisory gate failed (does not affect the verdict): ${g.reason}\n${gateFacts(g)}` };
    case 'error':
      return g.blocking
        ? { ...base, error: { message: g.reason, type: 'gate', detail: gateFacts(g) } }
        : { ...base, systemOut: `advisory gate could not be evaluated (does not affect the verdict): ${g.reason}\n${gateFacts(g)}` };
  }
}

/** The run's facts, and the cases a test view shows as passed or absent but a person should know about. */
function runProperties(v: Verdict, checks: readonly CheckResult[], gates: readonly GateResult[]): Array<[string, string | undefined]> {
  return [
    ['revgate.kind', v.kind],
    ['revgate.verdict', v.verdict],
    ['revgate.decision', v.decision],
    ['revgate.exitCode', String(v.exitCode)],
    ['revgate.summary', v.summary],
    ['revgate.reasons', v.reasons.join(' | ')],
    ['revgate.target', v.target.baseUrl],
    ['revgate.environment', v.target.environment],
    ['revgate.service', v.target.service],
    ['revgate.revision', v.target.revision],
    ['revgate.startedAt', v.startedAt],
    ['revgate.finishedAt', v.finishedAt],
    ['revgate.partial', v.partial ? 'true' : undefined],
    ['revgate.version', v.tool.version],
    ['revgate.degraded', idList(checks.filter((c) => c.status === 'degraded').map((c) => c.id))],
    ['revgate.flaky', idList(checks.filter((c) => c.status === 'flaky').map((c) => c.id))],
    ['revgate.nonBlockingFailed', idList(checks.filter((c) => !c.blocking && (c.status === 'failed' || c.status === 'error')).map((c) => c.id))],
    ['revgate.inconclusiveGates', idList(gates.filter((g) => g.status === 'inconclusive').map((g) => g.id))],
    ['revgate.advisoryGatesFailed', idList(gates.filter((g) => !g.blocking && (g.status === 'failed' || g.status === 'error')).map((g) => g.id))],
  ];
}

/** Probe checks in one suite per region (720 cases in one suite help nobody); cells become classnames. */
function suitesOf(v: Verdict): Suite[] {
  const title = `revgate ${v.kind}: ${v.target.service ?? v.target.baseUrl}`;
  if (v.kind !== 'probe') {
    const classname = `${v.kind}.${v.target.service ?? 'service'}`;
    return [
      {
        name: title,
        timeMs: v.durationMs,
        properties: runProperties(v, v.checks, v.gates),
        cases: [...v.checks.map((c) => checkCase(v, c, classname)), ...v.gates.map((g) => gateCase(v, g))],
      },
    ];
  }
  const byRegion = new Map<string, CheckResult[]>();
  for (const c of v.checks) {
    const region = c.labels?.region ?? 'no region';
    byRegion.set(region, [...(byRegion.get(region) ?? []), c]);
  }
  const suites: Suite[] = [...byRegion].map(([region, checks]) => ({
    name: `${title} region ${region}`,
    timeMs: v.durationMs,
    properties: [['revgate.region', region], ...runProperties(v, checks, [])],
    cases: checks.map((c) => checkCase(v, c, `probe.${region}.${c.labels?.cell ?? 'no-cell'}`)),
  }));
  if (v.gates.length || !suites.length)
    suites.push({ name: `${title} gates`, timeMs: v.durationMs, properties: runProperties(v, [], v.gates), cases: v.gates.map((g) => gateCase(v, g)) });
  return suites;
}

export function renderJunit(v: Verdict): string {
  const suites = suitesOf(v);
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n`;
  if (suites.length === 1) return head + suiteXml(suites[0] as Suite, '');
  const all = counts(suites.flatMap((s) => s.cases));
  return (
    head +
    `<testsuites name="revgate ${x(v.kind)}" time="${seconds(v.durationMs)}" tests="${all.tests}" failures="${all.failures}" errors="${all.errors}">\n` +
    suites.map((s) => suiteXml(s, '  ')).join('') +
    `</testsuites>\n`
  );
}

export const junitReporter: Reporter = { name: 'junit', file: 'junit.xml', render: renderJunit };
