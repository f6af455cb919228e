/**
 * Allure results, written through allure-js-commons (its ReporterRuntime and FileSystemWriter keep up with the
 * format), with statuses that mean what Allure users expect:
 *
 *   check passed / degraded      passed (degraded: message "degraded: ...", tag, category "Degraded")
 *   check flaky                  passed, statusDetails.flaky (Allure's flaky mark), category "Flaky"
 *   check failed                 failed (non-blocking: message says it does not affect the verdict, category)
 *   check error                  broken (could not be evaluated)
 *   check skipped                skipped, with the reason
 *   gate passed / failed         passed / failed (advisory: failed, with the message and category saying so)
 *   gate inconclusive            skipped "inconclusive: ..." (Allure has no undecided status), category
 *   gate error                   broken
 *
 * categories.json names those groups on the report's Categories tab; environment.properties has the verdict.
 * Smoke's results come from allure-playwright; markPlaywrightAllureResults gives them the same meaning.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Stage, Status, type Label, type StepResult, type TestResult } from 'allure-js-commons';
import { FileSystemWriter, ReporterRuntime, type Writer } from 'allure-js-commons/sdk/reporter';
import type { CheckResult, CheckStatus, GateResult, Severity, Verdict } from '../verdict/types.js';
import { stripAnsi } from './xml.js';

/** One result as Allure's `*-result.json` holds it (allure-js-commons' TestResult, with the Allure 2 flaky flag). */
export type AllureResult = Omit<TestResult, 'statusDetails' | 'status'> & {
  status: Status;
  statusDetails: TestResult['statusDetails'] & { flaky?: boolean };
};

const STATUS: Record<CheckStatus, Status> = {
  passed: Status.PASSED,
  degraded: Status.PASSED,
  flaky: Status.PASSED,
  failed: Status.FAILED,
  error: Status.BROKEN,
  skipped: Status.SKIPPED,
};
const SEVERITY: Record<Severity, string> = { critical: 'critical', major: 'normal', minor: 'minor' };

const NON_BLOCKING = 'non-blocking, does not affect the verdict: ';
const ADVISORY = 'advisory, does not affect the verdict: ';

/** The Categories tab: what a passed, failed or skipped result really was. */
export const ALLURE_CATEGORIES = [
  { name: 'Flaky: passed only on retry (holds the verdict by default)', matchedStatuses: [Status.PASSED, Status.FAILED, Status.BROKEN], flaky: true },
  { name: 'Degraded: over the warning budget', matchedStatuses: [Status.PASSED], messageRegex: '^degraded: [\\s\\S]*' },
  { name: 'Non-blocking failures (do not affect the verdict)', matchedStatuses: [Status.FAILED, Status.BROKEN], messageRegex: '^non-blocking, [\\s\\S]*' },
  { name: 'Advisory gates failed (do not affect the verdict)', matchedStatuses: [Status.FAILED, Status.BROKEN], messageRegex: '^advisory, [\\s\\S]*' },
  { name: 'Inconclusive gates (more traffic would decide)', matchedStatuses: [Status.SKIPPED], messageRegex: '^inconclusive: [\\s\\S]*' },
  { name: 'Could not be evaluated', matchedStatuses: [Status.BROKEN] },
];

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The message a check's result carries: its status said in words Allure's categories match. */
function checkMessage(c: CheckResult): string | undefined {
  const message = c.error?.message ? stripAnsi(c.error.message) : undefined;
  if (c.status === 'degraded') return `degraded: ${message ?? 'over the warning budget'}`;
  if (!c.blocking && (c.status === 'failed' || c.status === 'error')) return `${NON_BLOCKING}${message ?? c.status}`;
  return message;
}

function gateStatus(g: GateResult): { status: Status; message: string } {
  switch (g.status) {
    case 'passed':
      return { status: Status.PASSED, message: g.reason };
    case 'failed':
      return { status: Status.FAILED, message: g.blocking ? g.reason : `${ADVISORY}${g.reason}` };
    case 'error':
      return { status: Status.BROKEN, message: g.blocking ? g.reason : `${ADVISORY}${g.reason}` };
    case 'inconclusive':
      return { status: Status.SKIPPED, message: `inconclusive: ${g.reason}` };
  }
}

/**
 * Renders the verdict as Allure results, one per check and gate. Pure apart from the uuids (passed in, so tests
 * can fix them). Labels (tenant, region, cell, tier...) become Allure labels.
 */
export function renderAllure(v: Verdict, uuid: () => string = randomUUID): AllureResult[] {
  const start = Date.parse(v.startedAt);
  const common: Label[] = [
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
    const labels: Label[] = [...common, { name: 'subSuite', value: c.labels?.region ?? c.labels?.cell ?? c.status }];
    if (c.severity) labels.push({ name: 'severity', value: SEVERITY[c.severity] });
    for (const [k, value] of Object.entries(c.labels ?? {})) labels.push({ name: k, value }, { name: 'tag', value: `${k}:${value}` });
    if (!c.blocking) labels.push({ name: 'tag', value: 'non-blocking' });
    if (c.status === 'degraded' || c.status === 'flaky') labels.push({ name: 'tag', value: c.status });
    const message = checkMessage(c);
    // A flow's steps one after another from the check's start, each as long as its exchange.
    let at = checkStart(c);
    const steps: StepResult[] = (c.steps ?? []).map((s) => {
      const step: StepResult = {
        name: s.name,
        status: STATUS[s.status],
        stage: Stage.FINISHED,
        start: at,
        stop: at + Math.round(s.durationMs),
        statusDetails: s.message ? { message: s.message } : {},
        steps: [],
        attachments: [],
        parameters: [],
      };
      at = step.stop as number;
      return step;
    });
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
      },
      stage: Stage.FINISHED,
      // The check's own start when known, and its wall time: Allure's duration is the same "wall" as everywhere.
      start: checkStart(c),
      stop: checkStart(c) + Math.round(c.durationMs),
      labels,
      links: [],
      parameters: [
        { name: 'attempts', value: String(c.attempts) },
        ...(c.latencyMs !== undefined ? [{ name: 'latency', value: `${Math.round(c.latencyMs)} ms` }] : []),
        ...(c.connectMs !== undefined ? [{ name: 'connection setup', value: `${Math.round(c.connectMs)} ms` }] : []),
      ],
      steps,
      attachments: [],
    };
  };
  const gateResult = (g: GateResult): AllureResult => {
    const fullName = `${v.kind}:${v.target.service ?? ''}:gate:${g.id}`;
    const { status, message } = gateStatus(g);
    return {
      uuid: uuid(),
      historyId: md5(fullName),
      testCaseId: md5(fullName),
      fullName,
      name: `${g.id}: ${g.expression}`,
      status,
      statusDetails: { message },
      stage: Stage.FINISHED,
      start,
      stop: Date.parse(v.finishedAt),
      labels: [...common, { name: 'subSuite', value: 'gates' }, { name: 'tag', value: g.blocking ? 'blocking' : 'advisory' }],
      links: [],
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

/** `environment.properties` on the Allure overview page. */
export function allureEnvironment(v: Verdict): Record<string, string> {
  const props: Record<string, string | undefined> = {
    'revgate.verdict': v.verdict,
    'revgate.decision': v.decision,
    target: v.target.baseUrl,
    environment: v.target.environment,
    service: v.target.service,
    revision: v.target.revision,
    'revgate.version': v.tool.version,
  };
  return Object.fromEntries(
    Object.entries(props)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, val]) => [k, val.replace(/\n/g, ' ')]),
  );
}

/** The same, as the properties text Allure reads (what allure-js-commons writes). */
export function renderAllureEnvironment(v: Verdict): string {
  return `${Object.entries(allureEnvironment(v))
    .map(([k, val]) => `${k}=${val.replace(/\\/g, '\\\\')}`)
    .join('\n')}\n`;
}

/** allure-js-commons' file writer with every document passed through `mask` first (secrets never reach the disk). */
function maskingWriter(dir: string, mask: (s: string) => string): Writer {
  const files = new FileSystemWriter({ resultsDir: dir });
  const masked = <T>(value: T): T => JSON.parse(mask(JSON.stringify(value))) as T;
  return {
    writeResult: (r) => files.writeResult(masked(r)),
    writeGroup: (g) => files.writeGroup(masked(g)),
    writeAttachment: (name, content) => files.writeAttachment(name, Buffer.from(mask(content.toString('utf8')))),
    writeAttachmentFromPath: (name, from) => files.writeAttachment(name, Buffer.from(mask(readFileSync(from, 'utf8')))),
    writeEnvironmentInfo: (info) => files.writeEnvironmentInfo(masked(info)),
    writeCategoriesDefinitions: (categories) => files.writeCategoriesDefinitions(categories),
    writeGlobals: (name, globals) => files.writeGlobals(name, masked(globals)),
  };
}

/** Writes allure-results/ under `out` through allure-js-commons, every file passed through `mask`. */
export function writeAllureResults(v: Verdict, out: string, mask: (s: string) => string): string {
  const dir = path.join(out, 'allure-results');
  const runtime = new ReporterRuntime({ writer: maskingWriter(dir, mask), environmentInfo: allureEnvironment(v), categories: ALLURE_CATEGORIES });
  for (const r of renderAllure(v)) {
    const { uuid: _uuid, steps, stop, ...result } = r;
    const id = runtime.startTest(result);
    for (const s of steps) {
      const { stop: stepStop, ...step } = s;
      const stepId = runtime.startStep(id, undefined, step);
      if (stepId) runtime.stopStep(stepId, { stop: stepStop ?? step.start ?? 0 });
    }
    // startTest keeps what it is given, but the runtime owns the status once a test is started: set it again.
    runtime.updateTest(id, (t) => {
      t.status = result.status;
      t.statusDetails = result.statusDetails;
      t.stage = Stage.FINISHED;
    });
    runtime.stopTest(id, { stop: stop ?? result.start ?? 0 });
    runtime.writeTest(id);
  }
  runtime.writeEnvironmentInfo();
  runtime.writeCategoriesDefinitions();
  return 'allure-results/';
}

/**
 * Smoke: allure-playwright wrote one result per Playwright attempt and knows nothing of revgate's statuses. Gives
 * each the meaning the verdict has (flaky flagged on the attempt that passed, degraded and non-blocking said in the
 * message), and adds categories.json and environment.properties. A result is matched to its check by the declared
 * check's `[id]` title prefix, or by the title of a hand-written spec when only one check has it.
 */
export function markPlaywrightAllureResults(v: Verdict, out: string, mask: (s: string) => string): void {
  const dir = path.join(out, 'allure-results');
  if (!existsSync(dir)) return;
  const byId = new Map(v.checks.map((c) => [c.id, c]));
  const byTitle = new Map<string, CheckResult | undefined>();
  for (const c of v.checks) byTitle.set(c.title, byTitle.has(c.title) ? undefined : c);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('-result.json'))) {
    const at = path.join(dir, file);
    let r: AllureResult;
    try {
      r = JSON.parse(readFileSync(at, 'utf8')) as AllureResult;
    } catch {
      continue; // not ours to judge: publish's scan still checks the file
    }
    const id = /^\[([^\]]+)\]/.exec(r.name ?? '')?.[1];
    const c = id !== undefined ? byId.get(id) : byTitle.get(r.name ?? '');
    if (!c) continue;
    const message = checkMessage(c);
    const passedAttempt = r.status === Status.PASSED;
    const details = { ...r.statusDetails };
    if (c.status === 'flaky' && passedAttempt) details.flaky = true;
    if ((c.status === 'degraded' && passedAttempt) || (!c.blocking && !passedAttempt && message)) details.message = message;
    const labels = [...r.labels];
    if (!c.blocking && !labels.some((l) => l.name === 'tag' && l.value === 'non-blocking')) labels.push({ name: 'tag', value: 'non-blocking' });
    if ((c.status === 'degraded' || c.status === 'flaky') && !labels.some((l) => l.name === 'tag' && l.value === c.status))
      labels.push({ name: 'tag', value: c.status });
    writeFileSync(at, mask(JSON.stringify({ ...r, statusDetails: details, labels })));
  }
  writeFileSync(path.join(dir, 'categories.json'), JSON.stringify(ALLURE_CATEGORIES));
  writeFileSync(path.join(dir, 'environment.properties'), mask(renderAllureEnvironment(v)));
}
