import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult, CheckStatus, GateResult, Severity, Verdict } from '../verdict/types.js';
import { stripAnsi } from './xml.js';

/** One Allure 2 result file (the `*-result.json` format `allure generate` reads). */
export interface AllureResult {
  uuid: string;
  historyId: string;
  testCaseId: string;
  fullName: string;
  name: string;
  status: 'passed' | 'failed' | 'broken' | 'skipped';
  statusDetails: { message?: string; trace?: string; flaky?: boolean; known?: boolean };
  stage: 'finished';
  start: number;
  stop: number;
  labels: Array<{ name: string; value: string }>;
  parameters: Array<{ name: string; value: string }>;
  steps: Array<{ name: string; status: AllureResult['status']; stage: 'finished'; start: number; stop: number; statusDetails?: { message?: string } }>;
  attachments: never[];
}

const STATUS: Record<CheckStatus, AllureResult['status']> = {
  passed: 'passed',
  degraded: 'passed',
  flaky: 'passed',
  failed: 'failed',
  error: 'broken',
  skipped: 'skipped',
};
const SEVERITY: Record<Severity, string> = { critical: 'critical', major: 'normal', minor: 'minor' };

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/**
 * Renders the verdict as Allure results, one per check and gate. Pure apart from the uuids
 * (passed in, so tests can fix them). Labels (tenant, region, cell, tier...) become Allure labels.
 */
export function renderAllure(v: Verdict, uuid: () => string = randomUUID): AllureResult[] {
  const start = Date.parse(v.startedAt);
  const common = [
    { name: 'parentSuite', value: v.target.service ?? v.target.baseUrl },
    { name: 'suite', value: `revgate ${v.kind}` },
    { name: 'framework', value: 'revgate' },
    { name: 'host', value: new URL(v.target.baseUrl).host },
  ];
  const checkStart = (c: CheckResult): number => {
    const t = c.startedAt ? Date.parse(c.startedAt) : NaN;
    return Number.isFinite(t) ? t : start;
  };
  const checkResult = (c: CheckResult): AllureResult => {
    const fullName = `${v.kind}:${v.target.service ?? ''}:${c.id}`;
    const labels = [...common, { name: 'subSuite', value: c.labels?.region ?? c.labels?.cell ?? c.status }];
    if (c.severity) labels.push({ name: 'severity', value: SEVERITY[c.severity] });
    for (const [k, value] of Object.entries(c.labels ?? {})) labels.push({ name: k, value }, { name: 'tag', value: `${k}:${value}` });
    if (!c.blocking) labels.push({ name: 'tag', value: 'non-blocking' });
    if (c.status === 'degraded' || c.status === 'flaky') labels.push({ name: 'tag', value: c.status });
    const message = c.error?.message ? stripAnsi(c.error.message) : undefined;
    return {
      uuid: uuid(),
      historyId: md5(fullName),
      testCaseId: md5(fullName),
      fullName,
      name: c.title || c.id,
      status: STATUS[c.status],
      statusDetails: {
        ...(message ? { message } : {}),
        ...(c.reproduce ? { trace: `reproduce: ${c.reproduce}` } : {}),
        ...(c.status === 'flaky' ? { flaky: true } : {}),
        ...(c.status === 'degraded' ? { known: true } : {}),
      },
      stage: 'finished',
      // The check's own start when known, and its wall time: Allure's duration is the same "wall" as everywhere.
      start: checkStart(c),
      stop: checkStart(c) + Math.round(c.durationMs),
      labels,
      parameters: [
        { name: 'attempts', value: String(c.attempts) },
        ...(c.latencyMs !== undefined ? [{ name: 'latency', value: `${Math.round(c.latencyMs)} ms` }] : []),
        ...(c.connectMs !== undefined ? [{ name: 'connection setup', value: `${Math.round(c.connectMs)} ms` }] : []),
      ],
      steps: stepsOf(c, checkStart(c)),
      attachments: [],
    };
  };
  const gateResult = (g: GateResult): AllureResult => {
    const fullName = `${v.kind}:${v.target.service ?? ''}:gate:${g.id}`;
    const status: AllureResult['status'] =
      g.status === 'passed' ? 'passed' : g.status === 'failed' ? (g.blocking ? 'failed' : 'passed') : g.status === 'error' ? 'broken' : 'skipped';
    return {
      uuid: uuid(),
      historyId: md5(fullName),
      testCaseId: md5(fullName),
      fullName,
      name: `${g.id}: ${g.expression}`,
      status,
      statusDetails: { message: g.reason },
      stage: 'finished',
      start,
      stop: Date.parse(v.finishedAt),
      labels: [...common, { name: 'subSuite', value: 'gates' }, { name: 'tag', value: g.blocking ? 'blocking' : 'advisory' }],
      parameters: [
        ...(g.observed !== undefined ? [{ name: 'observed', value: String(g.observed) }] : []),
        ...(g.samples !== undefined ? [{ name: 'samples', value: String(g.samples) }] : []),
      ],
      steps: [],
      attachments: [],
    };
  };
  return [...v.checks.map(checkResult), ...v.gates.map(gateResult)];
}

/** A flow's steps one after another from the check's start, each as long as its exchange. */
function stepsOf(c: CheckResult, start: number): AllureResult['steps'] {
  let at = start;
  return (c.steps ?? []).map((s) => {
    const step = {
      name: s.name,
      status: STATUS[s.status],
      stage: 'finished' as const,
      start: at,
      stop: at + Math.round(s.durationMs),
      ...(s.message ? { statusDetails: { message: s.message } } : {}),
    };
    at = step.stop;
    return step;
  });
}

/** `environment.properties` shown on the Allure overview page. */
export function renderAllureEnvironment(v: Verdict): string {
  const props: Record<string, string | undefined> = {
    'revgate.verdict': v.verdict,
    'revgate.decision': v.decision,
    target: v.target.baseUrl,
    environment: v.target.environment,
    service: v.target.service,
    revision: v.target.revision,
    'revgate.version': v.tool.version,
  };
  return (
    Object.entries(props)
      .filter(([, val]) => val !== undefined)
      .map(([k, val]) => `${k}=${String(val).replace(/\\/g, '\\\\').replace(/\n/g, ' ')}`)
      .join('\n') + '\n'
  );
}

/** Writes allure-results/ under `out`, every file passed through `mask`. */
export function writeAllureResults(v: Verdict, out: string, mask: (s: string) => string): string {
  const dir = path.join(out, 'allure-results');
  mkdirSync(dir, { recursive: true });
  for (const r of renderAllure(v)) writeFileSync(path.join(dir, `${r.uuid}-result.json`), mask(JSON.stringify(r)));
  writeFileSync(path.join(dir, 'environment.properties'), mask(renderAllureEnvironment(v)));
  return 'allure-results/';
}
